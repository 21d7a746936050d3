//! Passes over the whole IR once every area is lowered: merge identical models, make type
//! names unique, and record which areas reach each model.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::Result;
use crate::ir::{Api, BodyType, Model, ModelId, ModelKind, TypeRef};
use crate::naming::type_ident;

/// `strict_names`: a name in `specs/naming.toml` for a model no area reaches is an error (it is
/// stale or misspelt); off when only some areas are generated.
pub fn finish(
    api: &mut Api,
    model_names: &BTreeMap<String, String>,
    strict_names: bool,
) -> Result<()> {
    // Models that no operation reaches (read for the webhook payload: copies of API models, or
    // new ones) never take an id or a name from one an operation uses.
    let by_operations = reached_by_operations(api);
    let from_webhook = |m: &Model| !by_operations.contains(&m.id);
    merge_identical(api, &from_webhook);
    assign_areas(api);
    name_by_hand(api, model_names, strict_names)?;
    unique_names(api, model_names, &from_webhook);
    field_forms(api);
    find_pagination(api);
    super::record_ids::find_record_ids(api);
    find_jobs(api);
    api.doc_example = doc_example(api);
    Ok(())
}

/// The first GET of a typed resource by exactly one path parameter (and no required query
/// parameter), areas and operations in order: what the crate docs show.
fn doc_example(api: &Api) -> Option<crate::ir::DocExample> {
    use crate::ir::{HttpMethod, ParamIn};
    api.areas.iter().find_map(|area| {
        area.operations
            .iter()
            .find(|o| {
                o.method == HttpMethod::Get
                    && matches!(o.response.as_ref().map(|b| &b.ty), Some(BodyType::Model(_)))
                    && o.params.iter().filter(|p| p.required).count() == 1
                    && o.params
                        .iter()
                        .any(|p| p.required && p.location == ParamIn::Path)
            })
            .map(|o| crate::ir::DocExample {
                area: area.name.clone(),
                operation: o.name.clone(),
            })
    })
}

/// Alma's job operations, by method and path shape: `POST …/jobs/{id}` taking `op` and a typed
/// job whose answer has `additional_info` (the instance link), and `GET
/// …/jobs/{id}/instances/{instance}` whose typed answer has a `status`. Not by method names:
/// renaming a method in `specs/naming.toml` must not remove the helper.
fn find_jobs(api: &mut Api) {
    use crate::ir::{HttpMethod, Jobs, ParamIn};
    let has_field = |id: &ModelId, name: &str| matches!(api.models.get(id).map(|m| &m.kind), Some(ModelKind::Struct { fields }) if fields.iter().any(|f| f.name == name));
    let model = |b: &Option<crate::ir::Body>| match b.as_ref().map(|b| &b.ty) {
        Some(BodyType::Model(id)) => Some(id.clone()),
        _ => None,
    };
    let mut found = Vec::new();
    for (ai, area) in api.areas.iter().enumerate() {
        let submit = area.operations.iter().find(|o| {
            let segs: Vec<&str> = o.path.split('/').collect();
            o.method == HttpMethod::Post
                && segs.len() >= 2
                && segs[segs.len() - 2] == "jobs"
                && segs[segs.len() - 1].starts_with('{')
                && o.params
                    .iter()
                    .any(|p| p.name == "op" && p.location == ParamIn::Query)
                && model(&o.request).is_some()
                && model(&o.response).is_some_and(|m| has_field(&m, "additional_info"))
        });
        let Some(submit) = submit else { continue };
        let instance = area.operations.iter().find(|o| {
            o.method == HttpMethod::Get
                && o.path
                    .strip_prefix(submit.path.as_str())
                    .is_some_and(|rest| {
                        rest.starts_with("/instances/{") && rest.matches('/').count() == 2
                    })
                && model(&o.response).is_some_and(|m| has_field(&m, "status"))
        });
        if let Some(instance) = instance {
            found.push((
                ai,
                Jobs {
                    submit: submit.name.clone(),
                    instance: instance.name.clone(),
                },
            ));
        }
    }
    for (ai, jobs) in found {
        api.areas[ai].jobs = Some(jobs);
    }
}

/// How each field is held in Rust: optionality from the schema and the wire (Alma leaves out
/// numbers, booleans and enums it calls required, so they are `Option` — a default would be
/// invented data on a PUT), and a `Box` where a model contains itself through fields held inline.
fn field_forms(api: &mut Api) {
    use crate::ir::Holding;
    let enums: BTreeSet<ModelId> = api
        .models
        .iter()
        .filter(|(_, m)| matches!(m.kind, ModelKind::Enum { .. }))
        .map(|(id, _)| id.clone())
        .collect();
    let mut decided: Vec<(ModelId, usize, Holding)> = Vec::new();
    for (id, m) in &api.models {
        let ModelKind::Struct { fields } = &m.kind else {
            continue;
        };
        for (i, f) in fields.iter().enumerate() {
            let plain = match &f.ty {
                TypeRef::Array(_) | TypeRef::Any => true,
                TypeRef::Integer | TypeRef::Number | TypeRef::Boolean => false,
                TypeRef::Model(mid) if enums.contains(mid) => false,
                _ => f.required,
            };
            let boxed =
                matches!(&f.ty, TypeRef::Model(mid) if reaches(api, mid, id, &mut Vec::new()));
            let holding = match (plain, boxed) {
                (true, false) => Holding::Plain,
                (false, false) => Holding::Optional,
                (true, true) => Holding::Boxed,
                (false, true) => Holding::OptionalBoxed,
            };
            decided.push((id.clone(), i, holding));
        }
    }
    for (id, i, holding) in decided {
        if let Some(ModelKind::Struct { fields }) = api.models.get_mut(&id).map(|m| &mut m.kind) {
            fields[i].holding = holding;
        }
    }
}

/// Whether `from` contains `target` through fields held inline (not behind a `Vec`).
fn reaches(api: &Api, from: &str, target: &str, seen: &mut Vec<String>) -> bool {
    if from == target {
        return true;
    }
    if seen.iter().any(|s| s == from) {
        return false;
    }
    seen.push(from.to_string());
    let Some(ModelKind::Struct { fields }) = api.models.get(from).map(|m| &m.kind) else {
        return false;
    };
    fields
        .iter()
        .any(|f| matches!(&f.ty, TypeRef::Model(id) if reaches(api, id, target, seen)))
}

fn map_type(t: &TypeRef, f: &impl Fn(&ModelId) -> ModelId) -> TypeRef {
    match t {
        TypeRef::Model(id) => TypeRef::Model(f(id)),
        TypeRef::Array(inner) => TypeRef::Array(Box::new(map_type(inner, f))),
        other => other.clone(),
    }
}

/// Definitions repeated verbatim across schema files (`scope` in `rest_code_table.json` and in
/// `rest_code_table-put.json`) become one type. Runs to a fixpoint so that parents of merged
/// models can merge too.
fn merge_identical(api: &mut Api, yields: &dyn Fn(&Model) -> bool) {
    let mut canon: BTreeMap<ModelId, ModelId> = BTreeMap::new();
    loop {
        let resolve = |id: &ModelId, canon: &BTreeMap<ModelId, ModelId>| {
            let mut cur = id.clone();
            while let Some(next) = canon.get(&cur) {
                cur = next.clone();
            }
            cur
        };
        let mut by_sig: BTreeMap<String, Vec<ModelId>> = BTreeMap::new();
        for (id, m) in &api.models {
            if canon.contains_key(id) {
                continue;
            }
            let kind = match &m.kind {
                ModelKind::Struct { fields } => {
                    let mut fields = fields.clone();
                    for f in &mut fields {
                        f.ty = map_type(&f.ty, &|i| resolve(i, &canon));
                        f.doc = None;
                        f.example = None;
                    }
                    ModelKind::Struct { fields }
                }
                k => k.clone(),
            };
            // The request shapes of a model (`rest_user-post.json`, `rest_user.xsd?tags=put`) are
            // named `UserPost`/`UserPut`; with the same fields they are the same type.
            let sig = serde_json::to_string(&(base_name(m), &m.xml_name, kind)).unwrap_or_default();
            by_sig.entry(sig).or_default().push(id.clone());
        }
        let mut changed = false;
        for mut ids in by_sig.into_values() {
            // The copy in the file named after the definition (`rest_library.xsd#/library`, not
            // the one `rest_libraries.xsd` includes) is the one kept: its id and name are stable.
            // A request variant merges into the model it is a variant of.
            // A copy no operation uses yields to one an operation uses.
            ids.sort_by_key(|id| {
                (
                    api.models.get(id).is_some_and(yields),
                    variant_of(id).is_some(),
                    !is_home(id),
                    id.clone(),
                )
            });
            if let Some((keep, rest)) = ids.split_first() {
                for id in rest {
                    canon.insert(id.clone(), keep.clone());
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    if canon.is_empty() {
        return;
    }
    let resolve = |id: &ModelId| {
        let mut cur = id.clone();
        while let Some(next) = canon.get(&cur) {
            cur = next.clone();
        }
        cur
    };
    api.models.retain(|id, _| !canon.contains_key(id));
    for m in api.models.values_mut() {
        if let ModelKind::Struct { fields } = &mut m.kind {
            for f in fields {
                f.ty = map_type(&f.ty, &resolve);
            }
        }
    }
    for area in &mut api.areas {
        for op in &mut area.operations {
            for body in [&mut op.request, &mut op.response].into_iter().flatten() {
                if let BodyType::Model(id) = &body.ty {
                    body.ty = BodyType::Model(resolve(id));
                }
            }
        }
        if let Some(w) = &mut area.webhook {
            w.model = resolve(&w.model);
        }
    }
}

/// Names from `specs/naming.toml` `[models]`, for the rare model the rules below name poorly.
/// An entry naming no model is an error: a stale entry would otherwise go unnoticed. (The
/// names' form is checked with the rest of the config.)
fn name_by_hand(api: &mut Api, names: &BTreeMap<String, String>, strict: bool) -> Result<()> {
    for (id, name) in names {
        match api.models.get_mut(id.as_str()) {
            Some(model) => model.name = name.clone(),
            None if !strict => {}
            None => {
                return Err(crate::error::Error::Config {
                    path: "specs/naming.toml".into(),
                    message: format!("[models] {id:?}: no model has this schema id"),
                })
            }
        }
    }
    Ok(())
}

/// Different models that want the same name are qualified by their schema file
/// (`Scope` → `CodeTableScope`); anything still clashing gets a number, in id order. Names given
/// by hand are kept and claimed first.
fn unique_names(
    api: &mut Api,
    by_hand: &BTreeMap<String, String>,
    yields: &dyn Fn(&Model) -> bool,
) {
    let mut by_name: BTreeMap<String, Vec<ModelId>> = BTreeMap::new();
    for (id, m) in &api.models {
        by_name.entry(m.name.clone()).or_default().push(id.clone());
    }
    for (name, ids) in by_name {
        if ids.len() < 2 {
            continue;
        }
        // Models that yield (see `finish`) are qualified; the others only among themselves.
        let holders = ids.iter().filter(|id| !yields(&api.models[*id])).count();
        let qualified: Vec<ModelId> = ids
            .into_iter()
            .filter(|id| !by_hand.contains_key(id.as_str()))
            .filter(|id| holders >= 2 || yields(&api.models[id]))
            .collect();
        for id in qualified {
            let m = api.models.get_mut(&id).expect("id from map");
            let prefix = type_ident(file_stem(&m.file));
            if !name.starts_with(&prefix) {
                m.name = format!("{prefix}{name}");
            }
        }
    }
    let mut seen: BTreeSet<String> = BTreeSet::new();
    // Named definitions claim their names before inline objects named after their place.
    let mut ids: Vec<ModelId> = api.models.keys().cloned().collect();
    ids.sort_by_key(|id| {
        (
            !by_hand.contains_key(id.as_str()),
            yields(&api.models[id]),
            is_inline(id),
            id.clone(),
        )
    });
    for id in ids {
        let m = api.models.get_mut(&id).expect("id from map");
        if !seen.insert(m.name.clone()) {
            let mut n = 2;
            while !seen.insert(format!("{}{n}", m.name)) {
                n += 1;
            }
            m.name = format!("{}{n}", m.name);
        }
    }
}

/// List operations: optional integer `limit` and `offset` query parameters and a typed answer
/// with exactly one array field (the items; `total_record_count` is not trusted), or a `token`
/// parameter and raw `xs:any` results (Analytics reports).
fn find_pagination(api: &mut Api) {
    use crate::ir::{Pagination, ParamIn, ScalarType};
    for area in &mut api.areas {
        for op in &mut area.operations {
            let has = |name: &str| {
                op.params.iter().any(|p| {
                    p.name == name
                        && p.location == ParamIn::Query
                        && !p.required
                        && p.ty == ScalarType::Integer
                })
            };
            let id = match op.response.as_ref().map(|b| &b.ty) {
                Some(BodyType::Model(id)) => id,
                Some(BodyType::Opaque { .. }) if has("limit") && has("offset") => {
                    op.pagination = Some(Pagination::RawOffsetLimit);
                    continue;
                }
                _ => continue,
            };
            let Some(ModelKind::Struct { fields }) = api.models.get(id).map(|m| &m.kind) else {
                continue;
            };
            let token = op
                .params
                .iter()
                .any(|p| p.name == "token" && p.location == ParamIn::Query && !p.required);
            if let Some(raw) = fields.iter().find(|f| f.xml.any).filter(|_| token) {
                op.pagination = Some(Pagination::ResumptionToken {
                    raw_field: raw.rust_name.clone(),
                });
                continue;
            }
            if !(has("limit") && has("offset")) {
                continue;
            }
            let arrays: Vec<_> = fields
                .iter()
                .filter(|f| matches!(f.ty, TypeRef::Array(_)))
                .collect();
            if let [items] = arrays.as_slice() {
                if let TypeRef::Array(item) = &items.ty {
                    op.pagination = Some(Pagination::OffsetLimit {
                        items_field: items.rust_name.clone(),
                        item: item.as_ref().clone(),
                        id: None,
                    });
                }
            }
        }
    }
}

/// `Post`/`Put` for a model from a request-variant file (`rest_user-post.json`,
/// `rest_user.xsd?tags=put`).
fn variant_of(id: &str) -> Option<&'static str> {
    let file = id.split('#').next().unwrap_or(id);
    if file.ends_with("-post.json") || file.ends_with("?tags=post") {
        Some("Post")
    } else if file.ends_with("-put.json") || file.ends_with("?tags=put") {
        Some("Put")
    } else {
        None
    }
}

/// A model's name without its request variant (`UserPostContactInfo` → `UserContactInfo`).
fn base_name(m: &crate::ir::Model) -> String {
    match variant_of(&m.id) {
        Some(v) => m.name.replacen(v, "", 1),
        None => m.name.clone(),
    }
}

/// `schemas/rest_library.json#/library`, `xsd/rest_library.xsd#/library`: a definition in the
/// file named after it.
fn is_home(id: &str) -> bool {
    let Some((file, ptr)) = id.split_once('#') else {
        return false;
    };
    ptr.strip_prefix('/') == Some(file_stem(file))
}

/// The model a schema file is about, without directory, `rest_`, extension or request variant:
/// `xsd/rest_user.xsd?tags=post` → `user`, `schemas/rest_code_table-put.json` → `code_table`.
fn file_stem(file: &str) -> &str {
    let stem = file.rsplit('/').next().unwrap_or(file);
    let stem = stem.split(['.', '?']).next().unwrap_or(stem);
    let stem = stem.trim_start_matches("rest_");
    stem.trim_end_matches("-put").trim_end_matches("-post")
}

/// `file#/a/properties/b` is inline; `file#/a` is a named definition.
fn is_inline(id: &str) -> bool {
    id.split_once('#')
        .is_some_and(|(_, p)| p.matches('/').count() > 1)
}

/// Every model some operation's body reaches.
fn reached_by_operations(api: &Api) -> BTreeSet<ModelId> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<ModelId> = api.operation_bodies().cloned().collect();
    while let Some(id) = stack.pop() {
        if !seen.insert(id.clone()) {
            continue;
        }
        if let Some(ModelKind::Struct { fields }) = api.models.get(&id).map(|m| &m.kind) {
            for f in fields {
                collect_models(&f.ty, &mut stack);
            }
        }
    }
    seen
}

fn assign_areas(api: &mut Api) {
    let mut reach: BTreeMap<ModelId, BTreeSet<String>> = BTreeMap::new();
    for area in &api.areas {
        let mut stack: Vec<ModelId> = area
            .operation_bodies()
            .chain(area.webhook.iter().map(|w| &w.model))
            .cloned()
            .collect();
        while let Some(id) = stack.pop() {
            if !reach
                .entry(id.clone())
                .or_default()
                .insert(area.name.clone())
            {
                continue;
            }
            if let Some(ModelKind::Struct { fields }) = api.models.get(&id).map(|m| &m.kind) {
                for f in fields {
                    collect_models(&f.ty, &mut stack);
                }
            }
        }
    }
    for (id, m) in &mut api.models {
        m.areas = reach
            .remove(id)
            .map(|s| s.into_iter().collect())
            .unwrap_or_default();
    }
}

pub fn collect_models(t: &TypeRef, out: &mut Vec<ModelId>) {
    match t {
        TypeRef::Model(id) => out.push(id.clone()),
        TypeRef::Array(inner) => collect_models(inner, out),
        _ => {}
    }
}
