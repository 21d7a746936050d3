//! Which field identifies the records of a list, so that a stream can tell a page Alma repeated
//! (an Alma release ignored `offset` on loans) from a new one, and yield a record that two pages
//! overlap on (electronic collections) once.
//!
//! A wrong choice would be worse than none (a foreign key such as a loan's `mms_id` would make
//! distinct records look the same), so the evidence is, in order:
//!
//! 1. the path parameter of the list's item operation (`GET …/loans/{loan_id}` → `loan_id`), as a
//!    field of the record, or its generic form (`set_id` → `id`, `item_pid` → `pid`,
//!    `vendorCode` → `code`);
//! 2. the record's own identifier names, never a foreign key: `pid`, `id`, `primary_id`, `code`.
//!
//! Each name is looked for among the record's text and integer fields, then one level down in
//! its object fields (`item_data.pid`). No match: the stream compares records by content.

use crate::ir::{Api, HttpMethod, ModelKind, Pagination, RecordId, TypeRef};

/// The record's own identifier names, most specific first (after the item operation's).
const OWN_IDS: &[&str] = &["pid", "id", "primary_id", "code"];

pub(super) fn find_record_ids(api: &mut Api) {
    let mut decisions = Vec::new();
    for (a, area) in api.areas.iter().enumerate() {
        for (o, op) in area.operations.iter().enumerate() {
            let Some(Pagination::OffsetLimit {
                item: TypeRef::Model(item),
                ..
            }) = &op.pagination
            else {
                continue;
            };
            let item_param = area.operations.iter().find_map(|other| {
                let rest = other.path.strip_prefix(op.path.as_str())?;
                let param = rest.strip_prefix("/{")?.strip_suffix('}')?;
                (other.method == HttpMethod::Get && !param.contains(['/', '{'])).then_some(param)
            });
            let id = id_of(api, item, item_param);
            decisions.push((a, o, id));
        }
    }
    for (a, o, id) in decisions {
        if let Some(Pagination::OffsetLimit { id: slot, .. }) =
            &mut api.areas[a].operations[o].pagination
        {
            *slot = id;
        }
    }
}

/// Where the identifier of a record of `model` is, when its item operation's path parameter
/// is `param`.
pub(super) fn id_of(api: &Api, model: &str, param: Option<&str>) -> Option<RecordId> {
    let mut names: Vec<String> = Vec::new();
    if let Some(p) = param {
        names.push(p.to_owned());
        let generic = if p.ends_with("_pid") || p.ends_with("Pid") {
            Some("pid")
        } else if p.ends_with("_id") || p.ends_with("Id") {
            Some("id")
        } else if p.ends_with("_code") || p.ends_with("Code") {
            Some("code")
        } else {
            None
        };
        names.extend(generic.map(str::to_owned));
    }
    names.extend(OWN_IDS.iter().map(|s| s.to_string()));
    names.iter().find_map(|n| find_field(api, model, n))
}

/// A text or integer field named `name` in `model`, or one level down in an object field.
pub(super) fn find_field(api: &Api, model: &str, name: &str) -> Option<RecordId> {
    let ModelKind::Struct { fields } = &api.models.get(model)?.kind else {
        return None;
    };
    let scalar = |t: &TypeRef| matches!(t, TypeRef::String | TypeRef::Integer);
    if let Some(f) = fields.iter().find(|f| f.name == name && scalar(&f.ty)) {
        return Some(RecordId {
            steps: vec![(f.rust_name.clone(), f.holding.is_optional())],
            json_path: f.name.clone(),
        });
    }
    fields.iter().find_map(|outer| {
        let TypeRef::Model(inner) = &outer.ty else {
            return None;
        };
        let ModelKind::Struct { fields } = &api.models.get(inner)?.kind else {
            return None;
        };
        let f = fields.iter().find(|f| f.name == name && scalar(&f.ty))?;
        Some(RecordId {
            steps: vec![
                (outer.rust_name.clone(), outer.holding.is_optional()),
                (f.rust_name.clone(), f.holding.is_optional()),
            ],
            json_path: format!("{}.{}", outer.name, f.name),
        })
    })
}
