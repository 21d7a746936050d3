//! Self-contained spec directories for tools that cannot fetch the upstream schema URLs, such as
//! the Prism mock server of the conformance suite (`cargo xtask bundle`).
//!
//! The output is laid out like the mirror (`openapi/<area>.json`, `schemas/<name>.json`) with
//! every external `$ref` pointing at the local copy, the XSD-derived schema files written out as
//! JSON, refs to unpublished schema files replaced by `{}` (any value), the path corrections of
//! `specs/corrections.toml` applied, and top-level array models described as the object Alma
//! sends, so the bundle describes exactly what the SDK sends and reads. It is
//! derived from Ex Libris's files: write it to a git-ignored directory, never commit it.

use std::path::Path;

use serde_json::Value;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::source::{parse_ref, DocId, Store};

/// Writes the bundle for every area into `out`.
pub fn write_bundle(store: &Store, config: &Config, out: &Path) -> Result<Vec<String>> {
    let mut written = Vec::new();
    let mut write = |rel: String, value: &Value| -> Result<()> {
        let path = out.join(&rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        let text = serde_json::to_string_pretty(value).map_err(|e| Error::Emit {
            file: rel.clone(),
            message: e.to_string(),
        })?;
        std::fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
        written.push(rel);
        Ok(())
    };
    let drop_undefined = config.corrections.defaults.drop_undefined_required;
    // The calls as the IR reconciled them from Alma's prose (`lower/prose.rs`), so a mock
    // server judges what the SDK sends by what Alma documents, not by the spec's flags.
    let api = crate::lower::lower(store, config, env!("CARGO_PKG_VERSION"))?;
    for (id, doc) in store.docs() {
        let mut value = doc.value.clone();
        if drop_undefined {
            drop_undefined_required(&mut value);
        }
        match id {
            DocId::Area(area) => {
                if let Some(a) = api.areas.iter().find(|a| &a.name == area) {
                    apply_prose(&mut value, a);
                }
                rewrite_refs(store, id, &mut value, "../schemas/");
                if let Some(paths) = value.get_mut("paths").and_then(Value::as_object_mut) {
                    for c in config.corrections.paths.iter().filter(|c| &c.area == area) {
                        let Some(item) = paths.remove(&c.from) else {
                            continue;
                        };
                        // The corrected path may exist already with other methods: merge them.
                        match (paths.get_mut(&c.to), item) {
                            (Some(Value::Object(existing)), Value::Object(moved)) => {
                                for (k, v) in moved {
                                    existing.entry(k).or_insert(v);
                                }
                            }
                            (_, item) => {
                                paths.insert(c.to.clone(), item);
                            }
                        }
                    }
                }
                write(format!("openapi/{area}.json"), &value)?;
            }
            DocId::Schema(name) => {
                rewrite_refs(store, id, &mut value, "./");
                wrap_top_level_array(&mut value, name);
                write(format!("schemas/{name}.json"), &value)?;
            }
        }
    }
    Ok(written)
}

/// Each operation's parameters as the IR has them: requiredness from the prose (a member of a
/// choice is optional on its own: which ones go together is the IR's), a secret moved into the
/// header it goes in, and no declared content for a 204 answer.
fn apply_prose(doc: &mut Value, area: &crate::ir::Area) {
    use crate::ir::ParamIn;
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for op in &area.operations {
        let Some(item) = paths.get_mut(&op.spec_path).and_then(Value::as_object_mut) else {
            continue;
        };
        let shared: Vec<Value> = item
            .get("parameters")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let Some(o) = item
            .get_mut(&op.method.as_str().to_ascii_lowercase())
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        let params = o
            .entry("parameters")
            .or_insert_with(|| Value::Array(Vec::new()));
        let Some(list) = params.as_array_mut() else {
            continue;
        };
        for p in op.params.iter().filter(|p| p.location != ParamIn::Path) {
            let is = |v: &Value| {
                v.get("name").and_then(Value::as_str) == Some(p.name.as_str())
                    && v.get("in").and_then(Value::as_str) == Some("query")
            };
            // A path-level parameter is overridden at the operation's level.
            let at = match list.iter().position(is) {
                Some(i) => i,
                None => match shared.iter().find(|v| is(v)) {
                    Some(v) => {
                        list.push(v.clone());
                        list.len() - 1
                    }
                    None => continue,
                },
            };
            let entry = &mut list[at];
            entry["required"] = Value::Bool(p.required && p.choice.is_none());
            if let (ParamIn::Header, Some(h)) = (p.location, &p.header) {
                entry["in"] = Value::String("header".into());
                entry["name"] = Value::String(h.clone());
            }
        }
        if op.no_content {
            if let Some(r) = o.get_mut("responses").and_then(Value::as_object_mut) {
                let success: Vec<String> =
                    r.keys().filter(|k| k.starts_with('2')).cloned().collect();
                let description = success
                    .first()
                    .and_then(|k| r[k].get("description").cloned())
                    .unwrap_or_else(|| Value::String("No Content".into()));
                for k in success {
                    r.remove(&k);
                }
                r.insert(
                    "204".into(),
                    serde_json::json!({ "description": description }),
                );
            }
        }
    }
}

/// Points external refs at local files (`prefix` + name) and replaces refs to missing files.
fn rewrite_refs(store: &Store, from: &DocId, value: &mut Value, prefix: &str) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                if let Ok(ptr) = parse_ref(from, r) {
                    if let DocId::Schema(name) = &ptr.doc {
                        if store.doc(&ptr.doc).is_some() {
                            let target = format!("{prefix}{name}.json#{}", ptr.pointer);
                            map.insert("$ref".into(), Value::String(target));
                        } else {
                            // Unpublished schema: any value.
                            map.clear();
                            return;
                        }
                    }
                }
            }
            for v in map.values_mut() {
                rewrite_refs(store, from, v, prefix);
            }
        }
        Value::Array(items) => {
            for v in items {
                rewrite_refs(store, from, v, prefix);
            }
        }
        _ => {}
    }
}

/// A schema file whose model is an array (`rest_open_days`: `days` of `day`) describes the object
/// Alma sends and the SDK models, `{"day": [...]}` (see `SchemaLowerer::lower_body_type`), so a
/// mock server answers in that shape.
fn wrap_top_level_array(doc: &mut Value, name: &str) {
    let Some(def) = doc
        .get(name)
        .and_then(|a| a.get("$ref"))
        .and_then(Value::as_str)
        .and_then(|r| r.split_once("#/"))
        .map(|(_, def)| def.to_string())
    else {
        return;
    };
    let Some(schema) = doc.get_mut(&def) else {
        return;
    };
    if schema.get("type").and_then(Value::as_str) != Some("array") {
        return;
    }
    let items = schema.get("items").cloned().unwrap_or(Value::Null);
    let item_name = items
        .get("xml")
        .and_then(|x| x.get("name"))
        .and_then(Value::as_str)
        .map(String::from)
        .unwrap_or_else(|| crate::naming::singular(&def));
    let mut wrapped = serde_json::json!({
        "type": "object",
        "xml": {"name": def},
        "properties": {item_name: {"type": "array", "items": items}},
    });
    if let Some(d) = schema.get("description") {
        wrapped["description"] = d.clone();
    }
    *schema = wrapped;
}

/// The `drop_undefined_required` correction: `required` names only defined properties.
fn drop_undefined_required(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let defined: Option<Vec<String>> = map
                .get("properties")
                .and_then(Value::as_object)
                .map(|p| p.keys().cloned().collect());
            if let (Some(defined), Some(Value::Array(req))) = (defined, map.get_mut("required")) {
                req.retain(|r| r.as_str().is_some_and(|r| defined.iter().any(|d| d == r)));
                if req.is_empty() {
                    map.remove("required");
                }
            }
            for v in map.values_mut() {
                drop_undefined_required(v);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(drop_undefined_required),
        _ => {}
    }
}
