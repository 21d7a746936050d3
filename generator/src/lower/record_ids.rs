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
        names.extend(generic_id(p).map(str::to_owned));
    }
    names.extend(OWN_IDS.iter().map(|s| s.to_string()));
    names.iter().find_map(|n| find_field(api, model, n))
}

/// The generic form of an id parameter's name (`item_pid`, `itemPid` → `pid`; `set_id` → `id`;
/// `vendorCode` → `code`).
pub(super) fn generic_id(p: &str) -> Option<&'static str> {
    if p.ends_with("_pid") || p.ends_with("Pid") {
        Some("pid")
    } else if p.ends_with("_id") || p.ends_with("Id") {
        Some("id")
    } else if p.ends_with("_code") || p.ends_with("Code") {
        Some("code")
    } else {
        None
    }
}

/// Where a record of `model` holds the value of parameter `name` (`mms_id` → `bib_data.mms_id`
/// in an item, `item_pid` → `item_data.pid`): a scalar field of that name, one level down in an
/// object field, or, in a `…_data` object named like the parameter, its generic form. What the
/// local Alma fills a new record's parents' ids into, seeds records by, and filters lists on.
pub(super) fn param_field(api: &Api, model: &str, name: &str) -> Option<String> {
    let ModelKind::Struct { fields } = &api.models.get(model)?.kind else {
        return None;
    };
    let scalar = |t: &TypeRef| match t {
        TypeRef::String | TypeRef::Integer | TypeRef::Number | TypeRef::Boolean => true,
        TypeRef::Model(id) => matches!(
            api.models.get(id).map(|m| &m.kind),
            Some(ModelKind::Enum { .. })
        ),
        _ => false,
    };
    let direct = |fields: &[crate::ir::Field], n: &str| {
        fields
            .iter()
            .find(|f| f.name == n && scalar(&f.ty) && !f.xml.any)
            .map(|f| f.name.clone())
    };
    if let Some(p) = direct(fields, name) {
        return Some(p);
    }
    fields.iter().find_map(|outer| {
        let TypeRef::Model(inner) = &outer.ty else {
            return None;
        };
        let ModelKind::Struct { fields: inner } = &api.models.get(inner)?.kind else {
            return None;
        };
        if let Some(p) = direct(inner, name) {
            return Some(format!("{}.{p}", outer.name));
        }
        // A `…_data` object holds its record's own ids by their generic name (`item_data.pid`).
        let prefix = outer.name.strip_suffix("_data")?;
        // …and its other fields by the rest of the name (`item_barcode` → `item_data.barcode`).
        let rest = name
            .strip_prefix(prefix)
            .and_then(|r| r.strip_prefix('_'))
            .and_then(|r| direct(inner, r));
        if let Some(r) = rest {
            return Some(format!("{}.{r}", outer.name));
        }
        let g = generic_id(name).filter(|_| name.starts_with(prefix) && name != prefix)?;
        direct(inner, g).map(|p| format!("{}.{p}", outer.name))
    })
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
