//! Lowering: spec documents → IR. Operations here, models in [`schema`], names in
//! [`crate::naming`], and the finishing passes (dedupe, unique names, areas) in `finish`.

mod finish;
mod param_values;

pub(crate) use param_values::{
    applies as explicit_values_apply, read_description as values_in_description,
};
pub mod schema;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::config::{AreaConfig, Config};
use crate::error::{Error, Location, Result};
use crate::ir::{
    Api, Area, Body, BodyType, ErrorCode, HttpMethod, Operation, Param, ParamIn, Scalar,
    ScalarType, TypeRef,
};
use crate::naming::{operation_name, path_shape, snake_ident, type_ident};
use crate::source::{DocId, Ptr, RefError, Store};
use schema::{doc_of, SchemaLowerer};

const METHODS: &[(&str, HttpMethod)] = &[
    ("get", HttpMethod::Get),
    ("post", HttpMethod::Post),
    ("put", HttpMethod::Put),
    ("delete", HttpMethod::Delete),
];

/// Keys of a path item that are not operations and that we accept.
const PATH_ITEM_KEYS: &[&str] = &["summary", "description", "parameters", "servers"];

use crate::config::MODEL_NAMES;

/// Lowers every area of `config` found in `store`.
pub fn lower(store: &Store, config: &Config, generator_version: &str) -> Result<Api> {
    let mut schemas = SchemaLowerer::new(store);
    let mut areas = Vec::new();
    let mut area_cfgs = config.areas.areas.clone();
    area_cfgs.sort_by(|a, b| a.name.cmp(&b.name));
    for area in &area_cfgs {
        areas.push(lower_area(store, config, area, &mut schemas)?);
    }
    let models = std::mem::take(&mut schemas.models);
    let mut api = Api {
        crate_name: config.areas.crate_name.clone(),
        generator_version: generator_version.to_string(),
        spec_sha256: store.spec_sha256(config),
        areas,
        models,
        doc_example: None,
    };
    let model_names = config.naming.get(MODEL_NAMES).cloned().unwrap_or_default();
    finish::finish(&mut api, &model_names)?;
    param_values::assign(&mut api, &config.corrections.param_values);
    Ok(api)
}

struct RawOp<'a> {
    method: HttpMethod,
    spec_path: String,
    path: String,
    ptr: Ptr,
    value: &'a Value,
    path_params: Vec<Ptr>,
}

fn lower_area(
    store: &Store,
    config: &Config,
    area: &AreaConfig,
    schemas: &mut SchemaLowerer<'_>,
) -> Result<Area> {
    let doc_id = DocId::Area(area.name.clone());
    let root = Ptr::new(doc_id.clone(), "");
    let doc = store
        .doc(&doc_id)
        .ok_or_else(|| Error::spec(store.location(&root), "area not loaded"))?;
    let paths_ptr = root.push("paths");
    let paths = doc
        .value
        .get("paths")
        .and_then(Value::as_object)
        .ok_or_else(|| {
            Error::spec(
                store.location(&paths_ptr),
                "`paths` is missing or not an object",
            )
        })?;

    // Collect operations first: names depend on all of them.
    let mut raw = Vec::new();
    for (spec_path, item) in paths {
        let item_ptr = paths_ptr.push(spec_path);
        let obj = item
            .as_object()
            .ok_or_else(|| Error::spec(store.location(&item_ptr), "path item is not an object"))?;
        if obj.is_empty() {
            if config.corrections.defaults.skip_empty_path_items {
                continue;
            }
            return Err(Error::spec(
                store.location(&item_ptr),
                "path item has no operations",
            ));
        }
        if !spec_path.starts_with('/') {
            return Err(Error::spec(
                store.location(&item_ptr),
                "path does not start with '/'",
            ));
        }
        let path = config
            .corrections
            .paths
            .iter()
            .find(|c| c.area == area.name && c.from == *spec_path)
            .map(|c| c.to.clone())
            .unwrap_or_else(|| spec_path.clone());
        let path_params: Vec<Ptr> = obj
            .get("parameters")
            .and_then(Value::as_array)
            .map(|a| {
                (0..a.len())
                    .map(|i| item_ptr.push("parameters").push(&i.to_string()))
                    .collect()
            })
            .unwrap_or_default();
        for (key, value) in obj {
            if let Some((_, method)) = METHODS.iter().find(|(m, _)| m == key) {
                raw.push(RawOp {
                    method: *method,
                    spec_path: spec_path.clone(),
                    path: path.clone(),
                    ptr: item_ptr.push(key),
                    value,
                    path_params: path_params.clone(),
                });
            } else if !PATH_ITEM_KEYS.contains(&key.as_str()) {
                return Err(Error::spec(
                    store.location(&item_ptr.push(key)),
                    format!("unsupported path item key {key:?} (only GET, POST, PUT, DELETE are generated)"),
                ));
            }
        }
    }
    raw.sort_by(|a, b| (&a.path, a.method).cmp(&(&b.path, b.method)));
    let names = name_operations(store, config, area, &raw)?;

    let mut ops = Vec::new();
    let mut unresolved: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (r, name) in raw.iter().zip(names) {
        let op = lower_operation(store, config, area, r, name, schemas, &mut unresolved)?;
        ops.push(op);
    }
    for list in unresolved.values_mut() {
        list.sort();
        list.dedup();
    }
    Ok(Area {
        name: area.name.clone(),
        title: area.title.clone(),
        spec_file: area.file.clone(),
        operations: ops,
        unresolved_refs: unresolved,
        jobs: None,
        param_enums: Vec::new(),
    })
}

/// Unique method names for the operations of one area (see [`crate::naming`]).
fn name_operations(
    store: &Store,
    config: &Config,
    area: &AreaConfig,
    raw: &[RawOp<'_>],
) -> Result<Vec<String>> {
    let overrides = config.naming.get(&area.name);
    let shapes: Vec<_> = raw.iter().map(|r| path_shape(&r.path)).collect();
    let mut level = vec![0usize; raw.len()];
    let fixed: Vec<Option<String>> = raw
        .iter()
        .map(|r| {
            overrides
                .and_then(|o| o.get(&format!("{} {}", r.method.as_str(), r.spec_path)))
                .cloned()
        })
        .collect();
    let at = |i: usize| {
        let mut l = store.location(&raw[i].ptr);
        l.operation = Some(format!("{} {}", raw[i].method.as_str(), raw[i].spec_path));
        l
    };
    let mut names: Vec<String> = Vec::with_capacity(raw.len());
    for i in 0..raw.len() {
        names.push(match &fixed[i] {
            Some(n) => n.clone(),
            None => operation_name(raw[i].method, &shapes[i], 0)
                .ok_or_else(|| Error::spec(at(i), "cannot derive a method name from this path"))?,
        });
    }
    // Qualify colliding rule-derived names with parent resources until they are unique.
    for _round in 0..8 {
        let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, n) in names.iter().enumerate() {
            groups.entry(n.as_str()).or_default().push(i);
        }
        let clashes: Vec<Vec<usize>> = groups.into_values().filter(|g| g.len() > 1).collect();
        if clashes.is_empty() {
            return Ok(names);
        }
        let mut progressed = false;
        for group in clashes {
            for i in group {
                if fixed[i].is_some() {
                    continue;
                }
                if let Some(n) = operation_name(raw[i].method, &shapes[i], level[i] + 1) {
                    level[i] += 1;
                    names[i] = n;
                    progressed = true;
                }
            }
        }
        if !progressed {
            break;
        }
    }
    let mut seen = BTreeMap::new();
    for (i, n) in names.iter().enumerate() {
        if let Some(j) = seen.insert(n.clone(), i) {
            return Err(Error::spec(
                at(i),
                format!(
                    "method name `{n}` is also taken by {} {}; add a name to specs/naming.toml",
                    raw[j].method.as_str(),
                    raw[j].spec_path
                ),
            ));
        }
    }
    Ok(names)
}

fn lower_operation(
    store: &Store,
    config: &Config,
    area: &AreaConfig,
    r: &RawOp<'_>,
    name: String,
    schemas: &mut SchemaLowerer<'_>,
    unresolved: &mut BTreeMap<String, Vec<String>>,
) -> Result<Operation> {
    let key = format!("{} {}", r.method.as_str(), r.spec_path);
    let at = |ptr: &Ptr| {
        let mut l = store.location(ptr);
        l.operation = Some(key.clone());
        l
    };
    let op = r
        .value
        .as_object()
        .ok_or_else(|| Error::spec(at(&r.ptr), "operation is not an object"))?;
    let text = |k: &str| {
        op.get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
    };

    // Parameters: path-item level first, operation level overrides by (name, in).
    let mut param_ptrs = r.path_params.clone();
    if let Some(list) = op.get("parameters") {
        let list = list
            .as_array()
            .ok_or_else(|| Error::spec(at(&r.ptr.push("parameters")), "not an array"))?;
        param_ptrs.extend((0..list.len()).map(|i| r.ptr.push("parameters").push(&i.to_string())));
    }
    let mut params: Vec<Param> = Vec::new();
    for p in &param_ptrs {
        let param = lower_param(store, config, p).map_err(|e| match e {
            Error::Spec { at: mut l, message } => {
                l.operation = Some(key.clone());
                Error::Spec { at: l, message }
            }
            other => other,
        })?;
        params.retain(|q| !(q.name == param.name && q.location == param.location));
        params.push(param);
    }
    // Path parameters in template order, checked against the template.
    let placeholders: Vec<String> = r
        .path
        .split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(String::from)
        .collect();
    for ph in &placeholders {
        if !params
            .iter()
            .any(|p| p.location == ParamIn::Path && &p.name == ph)
        {
            return Err(Error::spec(
                at(&r.ptr),
                format!("path placeholder {{{ph}}} has no path parameter"),
            ));
        }
    }
    if let Some(p) = params
        .iter()
        .find(|p| p.location == ParamIn::Path && !placeholders.contains(&p.name))
    {
        return Err(Error::spec(
            at(&r.ptr),
            format!("path parameter {:?} is not in the path", p.name),
        ));
    }
    params.sort_by_key(|p| match p.location {
        ParamIn::Path => placeholders
            .iter()
            .position(|ph| ph == &p.name)
            .unwrap_or(usize::MAX),
        ParamIn::Query => usize::MAX,
    });
    let mut used = BTreeSet::new();
    for p in &mut params {
        while !used.insert(p.rust_name.clone()) {
            p.rust_name.push('_');
        }
    }

    let op_type = type_ident(&name);
    let mut note_unresolved = |reference: String| {
        unresolved.entry(reference).or_default().push(key.clone());
    };
    let request = match op.get("requestBody") {
        Some(_) => {
            let ptr = r.ptr.push("requestBody");
            let rb = store.resolve(&ptr).map_err(|e| ref_error(e, &at(&ptr)))?;
            lower_body(
                store,
                schemas,
                &rb.ptr,
                rb.value,
                &format!("{op_type}Request"),
                &mut note_unresolved,
                &at,
            )?
        }
        None => None,
    };
    let mut response = None;
    let mut errors = Vec::new();
    if let Some(responses) = op.get("responses").and_then(Value::as_object) {
        let mut codes: Vec<&String> = responses.keys().collect();
        codes.sort();
        for code in codes {
            let ptr = r.ptr.push("responses").push(code);
            let resp = store.resolve(&ptr).map_err(|e| ref_error(e, &at(&ptr)))?;
            if code.starts_with('2') {
                if response.is_none() {
                    response = lower_body(
                        store,
                        schemas,
                        &resp.ptr,
                        resp.value,
                        &format!("{op_type}Response"),
                        &mut note_unresolved,
                        &at,
                    )?;
                }
            } else if let Some(desc) = resp.value.get("description").and_then(Value::as_str) {
                errors.extend(parse_error_codes(code, desc));
            }
        }
    }
    let doc_url = {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD.encode(format!(
            "{} {}",
            r.method.as_str(),
            r.spec_path
        ));
        format!("{}{}/{}/", config.areas.docs_base_url, area.name, b64)
    };
    Ok(Operation {
        name,
        method: r.method,
        path: r.path.clone(),
        spec_path: r.spec_path.clone(),
        operation_id: text("operationId"),
        summary: text("summary"),
        description: text("description"),
        tags: op
            .get("tags")
            .and_then(Value::as_array)
            .map(|t| {
                t.iter()
                    .filter_map(Value::as_str)
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default(),
        doc_url,
        params,
        request,
        response,
        errors,
        pagination: None,
    })
}

fn ref_error(e: RefError, at: &Location) -> Error {
    match e {
        RefError::Invalid(e) => e,
        RefError::MissingFile { reference, .. } => Error::spec(
            at.clone(),
            format!("{reference} is missing where a body schema file is not allowed"),
        ),
    }
}

fn lower_param(store: &Store, config: &Config, ptr: &Ptr) -> Result<Param> {
    let r = store
        .resolve(ptr)
        .map_err(|e| ref_error(e, &store.location(ptr)))?;
    let at = || store.location(&r.ptr);
    let name = r
        .value
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::spec(at(), "parameter has no name"))?
        .to_string();
    let location = match r.value.get("in").and_then(Value::as_str) {
        Some("path") => ParamIn::Path,
        Some("query") => ParamIn::Query,
        other => {
            return Err(Error::spec(
                at(),
                format!("parameter {name:?}: unsupported location {other:?}"),
            ));
        }
    };
    let schema = r.value.get("schema");
    let ty = match schema.and_then(|s| s.get("type")).and_then(Value::as_str) {
        None | Some("string") => ScalarType::String,
        Some("integer") => ScalarType::Integer,
        Some("number") => ScalarType::Number,
        Some("boolean") => ScalarType::Boolean,
        Some(other) => {
            return Err(Error::spec(
                at(),
                format!("parameter {name:?}: unsupported type {other:?}"),
            ));
        }
    };
    let default = match schema.and_then(|s| s.get("default")) {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            coerce_default(v, ty, config.corrections.defaults.coerce_string_defaults).map_err(
                |m| {
                    Error::spec(
                        store.location(&r.ptr.push("schema").push("default")),
                        format!("parameter {name:?}: {m}"),
                    )
                },
            )?,
        ),
    };
    Ok(Param {
        rust_name: snake_ident(&name),
        required: location == ParamIn::Path
            || r.value
                .get("required")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        name,
        location,
        ty,
        default,
        description: doc_of(r.value.get("description")),
        schema_enum: schema
            .and_then(|s| s.get("enum"))
            .and_then(Value::as_array)
            .map(|vs| {
                vs.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default(),
        enum_type: None,
    })
}

/// A parameter default as the declared type. Upstream writes `"10"` and `"true"`; with the
/// `coerce_string_defaults` correction those are parsed, otherwise they are an error.
fn coerce_default(v: &Value, ty: ScalarType, coerce: bool) -> Result<Scalar, String> {
    match (ty, v) {
        (ScalarType::String, Value::String(s)) => Ok(Scalar::String(s.clone())),
        (ScalarType::String, other) => Ok(Scalar::String(other.to_string())),
        (ScalarType::Integer, Value::Number(n)) if n.is_i64() => Ok(Scalar::Integer(n.as_i64().unwrap_or_default())),
        (ScalarType::Number, Value::Number(n)) => Ok(Scalar::Number(n.as_f64().unwrap_or_default())),
        (ScalarType::Boolean, Value::Bool(b)) => Ok(Scalar::Boolean(*b)),
        (_, Value::String(s)) if coerce => {
            let t = s.trim();
            match ty {
                ScalarType::Integer => t.parse().map(Scalar::Integer).map_err(|_| format!("default {s:?} is not an integer")),
                ScalarType::Number => t.parse().map(Scalar::Number).map_err(|_| format!("default {s:?} is not a number")),
                ScalarType::Boolean => match t {
                    "true" | "True" | "TRUE" => Ok(Scalar::Boolean(true)),
                    "false" | "False" | "FALSE" => Ok(Scalar::Boolean(false)),
                    _ => Err(format!("default {s:?} is not a boolean")),
                },
                ScalarType::String => unreachable!("handled above"),
            }
        }
        (_, other) => Err(format!(
            "default {other} does not match the declared type {ty:?} (see coerce_string_defaults in specs/corrections.toml)"
        )),
    }
}

fn lower_body(
    store: &Store,
    schemas: &mut SchemaLowerer<'_>,
    ptr: &Ptr,
    value: &Value,
    hint: &str,
    note_unresolved: &mut impl FnMut(String),
    at: &impl Fn(&Ptr) -> Location,
) -> Result<Option<Body>> {
    let Some(content) = value.get("content").and_then(Value::as_object) else {
        return Ok(None);
    };
    let json = content.contains_key("application/json");
    let xml = content.contains_key("application/xml");
    let media = if json {
        "application/json"
    } else if xml {
        "application/xml"
    } else {
        return Err(Error::spec(
            at(ptr),
            "body offers neither application/json nor application/xml",
        ));
    };
    let schema_ptr = ptr.push("content").push(media).push("schema");
    let ty = if store.get(&schema_ptr).is_none() {
        BodyType::Opaque {
            unresolved_ref: None,
        }
    } else {
        match schemas.lower_body_type(&schema_ptr, hint) {
            Ok(TypeRef::Model(id)) => BodyType::Model(id),
            Ok(_) => BodyType::Opaque {
                unresolved_ref: None,
            },
            Err(RefError::MissingFile { reference, .. }) => {
                note_unresolved(reference.clone());
                BodyType::Opaque {
                    unresolved_ref: Some(reference),
                }
            }
            Err(RefError::Invalid(mut e)) => {
                if let Error::Spec { at: l, .. } = &mut e {
                    l.operation = at(ptr).operation;
                }
                return Err(e);
            }
        }
    };
    Ok(Some(Body {
        json,
        xml,
        ty,
        description: doc_of(value.get("description")),
    }))
}

/// Error codes from a 4xx/5xx description: lines like `401861 - 'User not found.'`.
fn parse_error_codes(status: &str, desc: &str) -> Vec<ErrorCode> {
    desc.lines()
        .filter_map(|line| {
            let (code, msg) = line.trim().split_once(" - ")?;
            let code = code.trim();
            if code.is_empty()
                || !code
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '|' || c == '_')
            {
                return None;
            }
            let msg = msg.trim().trim_matches('\'').trim();
            Some(ErrorCode {
                status: status.to_string(),
                code: code.to_string(),
                message: msg.to_string(),
            })
        })
        .collect()
}
