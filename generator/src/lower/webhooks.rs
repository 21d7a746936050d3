//! The webhooks module: the payload of Alma's webhook calls (`[webhooks]` in `specs/areas.toml`)
//! as a model, and the actions its fields document, for the generated event enum.
//!
//! Each payload field says which action it comes with ("Relevant when action=JOB_END"); that
//! documentation is the only place Ex Libris lists the actions, so it decides the enum.

use crate::config::WebhooksConfig;
use crate::error::{Error, Result};
use crate::ir::{Area, ModelKind, TypeRef, Webhook, WebhookAction};
use crate::naming::type_ident;
use crate::source::{DocId, Ptr, Store};

use super::schema::SchemaLowerer;

/// The webhooks "area": no operations, the payload model and its actions.
pub fn lower(store: &Store, w: &WebhooksConfig, schemas: &mut SchemaLowerer<'_>) -> Result<Area> {
    let ptr = Ptr::new(DocId::Schema(w.schema.clone()), format!("/{}", w.schema));
    let at = || store.location(&ptr);
    let model = match schemas.lower_type(&ptr, "Notification") {
        Ok(TypeRef::Model(id)) => id,
        Ok(_) => return Err(Error::spec(at(), "the webhook payload is not an object")),
        Err(e) => return Err(super::ref_error(e, &at())),
    };
    let Some(ModelKind::Struct { fields }) = schemas.models.get(&model).map(|m| &m.kind) else {
        return Err(Error::spec(at(), "the webhook payload is not an object"));
    };
    // The event enum dispatches on `action`: without it no call could be told apart.
    if !fields
        .iter()
        .any(|f| f.name == "action" && f.ty == TypeRef::String)
    {
        return Err(Error::spec(
            at(),
            "the webhook payload has no text field `action`",
        ));
    }
    let mut actions: Vec<WebhookAction> = Vec::new();
    for f in fields {
        for action in documented_actions(f.doc.as_deref().unwrap_or("")) {
            match actions.iter_mut().find(|a| a.action == action) {
                Some(a) => a.fields.push(f.name.clone()),
                None => actions.push(WebhookAction {
                    variant: type_ident(&action.to_ascii_lowercase()),
                    action,
                    fields: vec![f.name.clone()],
                }),
            }
        }
    }
    if actions.is_empty() {
        return Err(Error::spec(
            at(),
            "no payload field documents its action (\"Relevant when action=…\")",
        ));
    }
    actions.sort_by(|a, b| a.action.cmp(&b.action));
    Ok(Area {
        name: w.name.clone(),
        title: w.title.clone(),
        spec_file: format!("xsd/{}.xsd", w.schema),
        operations: Vec::new(),
        unresolved_refs: Default::default(),
        jobs: None,
        param_enums: Vec::new(),
        webhook: Some(Webhook { model, actions }),
    })
}

/// The actions a field's documentation names: `action=JOB_END`.
fn documented_actions(doc: &str) -> Vec<String> {
    doc.match_indices("action=")
        .map(|(i, m)| {
            doc[i + m.len()..]
                .chars()
                .take_while(|c| c.is_ascii_uppercase() || *c == '_')
                .collect::<String>()
        })
        .filter(|a| !a.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_come_from_the_field_documentation() {
        assert_eq!(
            documented_actions("Relevant when action=JOB_END.\nSee structure"),
            ["JOB_END"]
        );
        assert_eq!(
            documented_actions("Relevant when action=LENDING_REQUEST."),
            ["LENDING_REQUEST"]
        );
        assert!(documented_actions("For future use.").is_empty());
        assert!(documented_actions("Relevant when action is LOAN or REQUEST.").is_empty());
    }
}
