//! The reference for the generated crate's compile time: progenitor 0.15.1 (Oxide's OpenAPI
//! client generator) on the same area, built in the same run on the same machine.
//!
//! Progenitor reads one self-contained OpenAPI 3.0 document with JSON bodies, so the bundled
//! area (`cargo xtask bundle`) is brought into that form first: every `$ref` into a schema file
//! becomes a component of the document, and XML content is dropped (progenitor types JSON
//! only; this makes its job smaller, never larger). The crate is
//! `progenitor::generate_api!` over that document, as progenitor's README shows.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

/// The version measured against; the issue's goal is stated against it.
pub const VERSION: &str = "0.15.1";

/// Writes the progenitor crate for `area` under `dir` and returns how many operations its
/// document has.
pub fn write_crate(bundle: &Path, area: &str, dir: &Path) -> Result<usize, String> {
    let doc = self_contained(bundle, area)?;
    let ops = doc
        .get("paths")
        .and_then(Value::as_object)
        .map(|paths| {
            paths
                .values()
                .filter_map(Value::as_object)
                .flat_map(|item| item.keys())
                .filter(|m| ["get", "put", "post", "delete", "patch"].contains(&m.as_str()))
                .count()
        })
        .unwrap_or(0);
    std::fs::create_dir_all(dir.join("src")).map_err(|e| format!("{}: {e}", dir.display()))?;
    let write = |name: &str, text: String| {
        std::fs::write(dir.join(name), text).map_err(|e| format!("{}/{name}: {e}", dir.display()))
    };
    write(
        "openapi.json",
        serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?,
    )?;
    write(
        "Cargo.toml",
        format!(
            r#"[package]
name = "bench-progenitor"
version = "0.0.0"
edition = "2021"
publish = false

# Not a member of the project's workspace.
[workspace]

[dependencies]
progenitor = "={VERSION}"
futures = "0.3"
reqwest = {{ version = "0.13", default-features = false, features = ["json", "stream", "query"] }}
serde = {{ version = "1", features = ["derive"] }}
serde_json = "1"
chrono = {{ version = "0.4", features = ["serde"] }}
"#
        ),
    )?;
    write(
        "src/lib.rs",
        "//! Progenitor's client for one Alma area (`cargo xtask bench --only compile`).\n\
         #![allow(warnings, clippy::all)]\n\
         progenitor::generate_api!(\"openapi.json\");\n"
            .to_string(),
    )?;
    Ok(ops)
}

/// `openapi/<area>.json` of the bundle with every schema it reaches as a component.
fn self_contained(bundle: &Path, area: &str) -> Result<Value, String> {
    let path = bundle.join("openapi").join(format!("{area}.json"));
    let mut doc = read(&path)?;
    let mut inliner = Inliner {
        schemas_dir: bundle.join("schemas"),
        files: BTreeMap::new(),
        components: BTreeMap::new(),
    };
    let paths = doc
        .get_mut("paths")
        .map(Value::take)
        .ok_or_else(|| format!("{}: no paths", path.display()))?;
    let mut paths = inliner.walk(paths, None)?;
    json_only(&mut paths);
    typed_defaults(&mut paths);
    let obj = doc
        .as_object_mut()
        .ok_or_else(|| format!("{}: not an object", path.display()))?;
    obj.insert("paths".into(), paths);
    let components = obj
        .entry("components")
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
        .ok_or_else(|| format!("{}: components is not an object", path.display()))?;
    let mut schemas = Map::new();
    for (name, schema) in inliner.components {
        let mut schema = schema.unwrap_or(Value::Object(Map::new()));
        typed_defaults(&mut schema);
        schemas.insert(name, schema);
    }
    components.insert("schemas".into(), Value::Object(schemas));
    Ok(doc)
}

fn read(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

struct Inliner {
    schemas_dir: PathBuf,
    files: BTreeMap<String, Value>,
    /// Component name → schema (`None` while it is being inlined: recursion).
    components: BTreeMap<String, Option<Value>>,
}

impl Inliner {
    /// `value` with its `$ref`s into schema files pointing at components instead; `file` is the
    /// schema file `value` came from (`#/…` refs are relative to it).
    fn walk(&mut self, value: Value, file: Option<&str>) -> Result<Value, String> {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    if r.starts_with("#/components/") && file.is_none() {
                        return Ok(Value::Object(map));
                    }
                    let (target, pointer) = r.split_once('#').unwrap_or((r, ""));
                    let target = match Path::new(target).file_name() {
                        Some(name) => name.to_string_lossy().into_owned(),
                        None => file
                            .ok_or_else(|| format!("a local $ref {r} outside a schema file"))?
                            .to_string(),
                    };
                    let name = component_name(&target, pointer);
                    if !self.components.contains_key(&name) {
                        self.components.insert(name.clone(), None);
                        let schema = self.resolve(&target, pointer)?;
                        let schema = self.walk(schema, Some(&target))?;
                        self.components.insert(name.clone(), Some(schema));
                    }
                    let mut out = Map::new();
                    out.insert(
                        "$ref".into(),
                        Value::String(format!("#/components/schemas/{name}")),
                    );
                    return Ok(Value::Object(out));
                }
                let mut out = Map::new();
                for (k, v) in map {
                    out.insert(k, self.walk(v, file)?);
                }
                Ok(Value::Object(out))
            }
            Value::Array(items) => items
                .into_iter()
                .map(|v| self.walk(v, file))
                .collect::<Result<_, _>>()
                .map(Value::Array),
            other => Ok(other),
        }
    }

    fn resolve(&mut self, file: &str, pointer: &str) -> Result<Value, String> {
        if !self.files.contains_key(file) {
            let doc = read(&self.schemas_dir.join(file))?;
            self.files.insert(file.to_string(), doc);
        }
        self.files[file]
            .pointer(pointer)
            .cloned()
            .ok_or_else(|| format!("{file}#{pointer}: not found"))
    }
}

fn component_name(file: &str, pointer: &str) -> String {
    format!(
        "{}__{}",
        file.trim_end_matches(".json"),
        pointer.trim_start_matches('/')
    )
    .chars()
    .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
    .collect()
}

/// Keeps only `application/json` content in request bodies and responses; a body with no JSON
/// form is dropped (progenitor would refuse the operation).
fn json_only(paths: &mut Value) {
    let Some(paths) = paths.as_object_mut() else {
        return;
    };
    for item in paths.values_mut().filter_map(Value::as_object_mut) {
        for op in item.values_mut().filter_map(Value::as_object_mut) {
            if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
                for response in responses.values_mut().filter_map(Value::as_object_mut) {
                    keep_json(response);
                }
            }
            let drop_body = match op.get_mut("requestBody").and_then(Value::as_object_mut) {
                Some(body) => !keep_json(body),
                None => false,
            };
            if drop_body {
                op.remove("requestBody");
            }
        }
    }
}

/// Drops every content type but JSON from `holder`; whether JSON is left.
fn keep_json(holder: &mut Map<String, Value>) -> bool {
    let Some(content) = holder.get_mut("content").and_then(Value::as_object_mut) else {
        return false;
    };
    content.retain(|k, _| k == "application/json");
    if content.is_empty() {
        holder.remove("content");
        false
    } else {
        true
    }
}

/// Alma's specs spell defaults of numbers and booleans as strings (`"default": "10"`), which
/// progenitor refuses ("value does not conform to the given schema"): each becomes the value it
/// spells, or is dropped when it spells none.
fn typed_defaults(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let ty = map.get("type").and_then(Value::as_str).map(str::to_string);
            if let (Some(ty), Some(Value::String(text))) = (ty, map.get("default")) {
                let typed = match ty.as_str() {
                    "integer" => text.trim().parse::<i64>().ok().map(Value::from),
                    "number" => text.trim().parse::<f64>().ok().map(Value::from),
                    "boolean" => text
                        .trim()
                        .to_ascii_lowercase()
                        .parse::<bool>()
                        .ok()
                        .map(Value::from),
                    _ => Some(Value::String(text.clone())),
                };
                match typed {
                    Some(v) => {
                        map.insert("default".into(), v);
                    }
                    None => {
                        map.remove("default");
                    }
                }
            }
            map.values_mut().for_each(typed_defaults);
        }
        Value::Array(items) => items.iter_mut().for_each(typed_defaults),
        _ => {}
    }
}
