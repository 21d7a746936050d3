//! Which code table lists a field's codes: the XSD's `xs:codeTable`, else the field's
//! documentation ("Possible codes are listed in 'User Groups' [code table](…)" → `UserGroups`). Kept only for field names that name
//! one table in every model that has them (`user_group`), so that a field's name is enough to
//! know its table wherever a record holds it.

use std::collections::{BTreeMap, BTreeSet};

use crate::ir::{Api, ModelKind};

pub(super) fn assign(api: &mut Api) {
    // Some `xs:codeTable`s name configuration that has its own API (`libraries`,
    // `circ_desks`): those are not code tables.
    let segments: BTreeSet<String> = api
        .areas
        .iter()
        .flat_map(|a| &a.operations)
        .flat_map(|o| o.path.split('/').map(|s| s.replace('-', "_")))
        .collect();
    let mut tables: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for model in api.models.values() {
        let ModelKind::Struct { fields } = &model.kind else {
            continue;
        };
        for f in fields {
            let named = f
                .code_table
                .clone()
                .or_else(|| f.doc.as_deref().and_then(table_named));
            if let Some(t) = named.filter(|t| !t.contains('_') && !segments.contains(t)) {
                tables.entry(f.name.clone()).or_default().insert(t);
            }
        }
    }
    api.code_table_fields = tables
        .into_iter()
        .filter(|(_, t)| t.len() == 1)
        .map(|(field, t)| (field, t.into_iter().next().unwrap_or_default()))
        .collect();
}

/// The table a documentation names: the quoted name before "code table" (spaces dropped, as
/// Alma's code-table API names them: `User Groups` → `UserGroups`).
fn table_named(doc: &str) -> Option<String> {
    let at = doc.find("code table")?;
    let before = doc[..at].trim_end().trim_end_matches('[').trim_end();
    let quoted = before.strip_suffix('\'')?;
    let start = quoted.rfind('\'')?;
    let name: String = quoted[start + 1..].split_whitespace().collect();
    (!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric())).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::table_named;

    #[test]
    fn names_from_documentation() {
        assert_eq!(
            table_named("Possible codes are listed in 'User Groups' [code table](https://x)."),
            Some("UserGroups".into())
        );
        assert_eq!(
            table_named("Possible values are listed in 'ItemPolicy' code table."),
            Some("ItemPolicy".into())
        );
        assert_eq!(
            table_named("Listed in the \"Campus List\" of the menu."),
            None
        );
    }
}
