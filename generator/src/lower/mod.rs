//! Lowering: spec documents → IR. Operations here, models in [`schema`], names in
//! [`crate::naming`], and the finishing passes (dedupe, unique names, areas) in `finish`.

mod behaviours;
mod code_tables;
mod error_codes;
mod finish;
mod param_values;
mod prose;
mod prose_phrases;
mod record_ids;
mod refusals;
mod resources;
mod webhooks;
mod xml_order;

pub(crate) use param_values::{
    applies as explicit_values_apply, read_description as values_in_description,
};
pub mod schema;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::config::{AreaConfig, Config};
use crate::error::{Error, Location, Result};
use crate::ir::{
    Api, Area, Body, BodyType, ErrorCode, HttpMethod, Operation, Param, ParamIn, ReadOnlyAccess,
    Scalar, ScalarType, TypeRef,
};
use crate::naming::{operation_name, path_shape, snake_ident, type_ident};
use crate::source::{DocId, Ptr, RefError, Store};
use openapiv3::{Parameter, ReferenceOr};
use schema::SchemaLowerer;

use crate::config::MODEL_NAMES;

/// Lowers every area of `config` found in `store`.
pub fn lower(store: &Store, config: &Config, generator_version: &str) -> Result<Api> {
    let mut schemas = SchemaLowerer::new(store);
    let mut areas = Vec::new();
    let mut area_cfgs = config.areas.areas.clone();
    area_cfgs.sort_by(|a, b| a.name.cmp(&b.name));
    for area in &area_cfgs {
        let mut lowered = lower_area(store, config, area, &mut schemas)?;
        read_only_access(&mut lowered, &config.corrections.read_only);
        for used in store.overlays.iter().filter(|o| o.area == area.name) {
            for op in &mut lowered.operations {
                if used.added.contains(&op.key()) {
                    op.overlay = Some(format!("specs/{}", used.file));
                }
            }
        }
        areas.push(lowered);
    }
    if let Some(w) = &config.areas.webhooks {
        areas.push(webhooks::lower(store, w, &mut schemas)?);
        areas.sort_by(|a, b| a.name.cmp(&b.name));
    }
    let mut models = std::mem::take(&mut schemas.models);
    xml_order::apply(&mut models, store)?;
    let mut api = Api {
        crate_name: config.areas.crate_name.clone(),
        crate_version: crate::release::FIRST_VERSION.to_string(),
        generator_version: generator_version.to_string(),
        spec_sha256: store.spec_sha256(config),
        areas,
        models,
        doc_example: None,
        code_table_fields: Vec::new(),
        refusals: Vec::new(),
    };
    let model_names = config.naming.get(MODEL_NAMES).cloned().unwrap_or_default();
    finish::finish(&mut api, &model_names, !config.subset)?;
    param_values::assign(&mut api, &config.corrections.param_values);
    prose::apply(&mut api, &config.corrections.prose)?;
    error_codes::assign(&mut api);
    resources::assign(&mut api);
    behaviours::assign(&mut api);
    code_tables::assign(&mut api);
    refusals::assign(&mut api);
    Ok(api)
}

/// Text with its runs of whitespace made single spaces, for comparing prose.
pub(crate) fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether the `[[read_only]]` correction `c` applies to `op`: the operation, and the prose it
/// quotes still in the operation's description.
pub(crate) fn read_only_applies(
    c: &crate::config::ReadOnlyCorrection,
    area: &str,
    op: &Operation,
) -> bool {
    c.area == area
        && c.operation == op.key()
        && op
            .description
            .as_deref()
            .is_some_and(|d| squash(d).contains(&squash(&c.quote)))
}

/// Writes a read-only key may make (`[[read_only]]`): allowed when the parameter says so, or
/// when it is absent and its default does.
fn read_only_access(area: &mut Area, corrections: &[crate::config::ReadOnlyCorrection]) {
    let name = area.name.clone();
    for op in &mut area.operations {
        let Some(c) = corrections.iter().find(|c| read_only_applies(c, &name, op)) else {
            continue;
        };
        let absent = op
            .params
            .iter()
            .find(|p| p.name == c.param)
            .and_then(|p| p.default.as_ref())
            .is_some_and(|d| match d {
                Scalar::String(s) => c.values.contains(s),
                other => c.values.contains(&other.to_string()),
            });
        op.read_only = ReadOnlyAccess::When {
            param: c.param.clone(),
            values: c.values.clone(),
            absent,
        };
    }
}

struct RawOp<'a> {
    method: HttpMethod,
    spec_path: String,
    path: String,
    ptr: Ptr,
    op: &'a openapiv3::Operation,
    /// Path-item level parameters, with their pointers.
    path_params: Vec<(Ptr, &'a ReferenceOr<Parameter>)>,
}

fn lower_area(
    store: &Store,
    config: &Config,
    area: &AreaConfig,
    schemas: &mut SchemaLowerer<'_>,
) -> Result<Area> {
    let doc_id = DocId::Area(area.name.clone());
    let root = Ptr::new(doc_id.clone(), "");
    let openapi = store
        .doc(&doc_id)
        .and_then(|d| d.openapi.as_deref())
        .ok_or_else(|| Error::spec(store.location(&root), "area not loaded"))?;
    let paths_ptr = root.push("paths");

    // Collect operations first: names depend on all of them.
    let mut raw = Vec::new();
    for (spec_path, item) in &openapi.paths.paths {
        let item_ptr = paths_ptr.push(spec_path);
        let item = match item {
            ReferenceOr::Item(item) => item,
            ReferenceOr::Reference { reference } => {
                return Err(Error::spec(
                    store.location(&item_ptr),
                    format!("a path item `$ref` ({reference}) is not supported"),
                ));
            }
        };
        // OPTIONS, HEAD, PATCH and TRACE were refused by the loader (`source::parse_openapi`).
        let ops = [
            ("get", HttpMethod::Get, &item.get),
            ("put", HttpMethod::Put, &item.put),
            ("post", HttpMethod::Post, &item.post),
            ("delete", HttpMethod::Delete, &item.delete),
        ];
        if ops.iter().all(|(_, _, op)| op.is_none()) {
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
        let path_params: Vec<(Ptr, &ReferenceOr<Parameter>)> = item
            .parameters
            .iter()
            .enumerate()
            .map(|(i, p)| (item_ptr.push("parameters").push(&i.to_string()), p))
            .collect();
        for (key, method, op) in ops {
            if let Some(op) = op {
                raw.push(RawOp {
                    method,
                    spec_path: spec_path.clone(),
                    path: path.clone(),
                    ptr: item_ptr.push(key),
                    op,
                    path_params: path_params.clone(),
                });
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
        webhook: None,
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
    let op = r.op;
    let text = |t: &Option<String>| {
        t.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
    };

    // Parameters: path-item level first, operation level overrides by (name, in).
    let mut param_refs = r.path_params.clone();
    param_refs.extend(
        op.parameters
            .iter()
            .enumerate()
            .map(|(i, p)| (r.ptr.push("parameters").push(&i.to_string()), p)),
    );
    let mut params: Vec<Param> = Vec::new();
    for (ptr, p) in &param_refs {
        let param = lower_param(store, config, ptr, p).map_err(|e| with_operation(e, &key))?;
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
        ParamIn::Query | ParamIn::Header => usize::MAX,
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
    let request = match &op.request_body {
        Some(rb) => {
            let (ptr, rb) = typed_ref(store, &r.ptr.push("requestBody"), rb)
                .map_err(|e| with_operation(e, &key))?;
            lower_body(
                store,
                schemas,
                &ptr,
                &rb.content,
                rb.description.as_deref(),
                &format!("{op_type}Request"),
                &mut note_unresolved,
                &at,
            )?
        }
        None => None,
    };
    let mut response = None;
    let mut errors = Vec::new();
    let responses_ptr = r.ptr.push("responses");
    let mut codes: Vec<(String, &ReferenceOr<openapiv3::Response>)> = op
        .responses
        .responses
        .iter()
        .map(|(code, resp)| (status_key(store, &responses_ptr, code), resp))
        .collect();
    codes.extend(
        op.responses
            .default
            .iter()
            .map(|d| ("default".to_string(), d)),
    );
    codes.sort_by(|a, b| a.0.cmp(&b.0));
    for (code, resp) in codes {
        let (ptr, resp) = typed_ref(store, &responses_ptr.push(&code), resp)
            .map_err(|e| with_operation(e, &key))?;
        if code.starts_with('2') {
            if response.is_none() {
                response = lower_body(
                    store,
                    schemas,
                    &ptr,
                    &resp.content,
                    Some(&resp.description),
                    &format!("{op_type}Response"),
                    &mut note_unresolved,
                    &at,
                )?;
            }
        } else {
            errors.extend(parse_error_codes(&code, &resp.description));
        }
    }
    // Codes real Alma answers that the documentation leaves out (`[[error]]`, with evidence).
    for c in config
        .corrections
        .errors
        .iter()
        .filter(|c| c.area == area.name && c.operation == key)
    {
        if !errors.iter().any(|e: &ErrorCode| e.code == c.code) {
            errors.push(ErrorCode {
                status: c.status.to_string(),
                code: c.code.clone(),
                message: c.message.clone(),
                variant: String::new(),
            });
        }
    }
    let doc_url = {
        use base64::Engine;
        // An operation of our overlays is documented on the page of the upstream operation
        // whose prose describes it.
        let documented_at = op
            .extensions
            .get("x-alma-documented-at")
            .and_then(|v| v.as_str())
            .map(str::to_owned);
        let b64 = base64::engine::general_purpose::STANDARD.encode(
            documented_at.unwrap_or_else(|| format!("{} {}", r.method.as_str(), r.spec_path)),
        );
        format!("{}{}/{}/", config.areas.docs_base_url, area.name, b64)
    };
    Ok(Operation {
        name,
        method: r.method,
        path: r.path.clone(),
        spec_path: r.spec_path.clone(),
        operation_id: text(&op.operation_id),
        summary: text(&op.summary),
        description: text(&op.description),
        tags: op.tags.clone(),
        doc_url,
        params,
        request,
        response,
        errors,
        pagination: None,
        overlay: None,
        resource: Default::default(),
        read_only: if r.method == HttpMethod::Get {
            ReadOnlyAccess::Allowed
        } else {
            ReadOnlyAccess::Denied
        },
        error_enum: None,
        choices: Vec::new(),
        no_content: false,
        behaviours: Vec::new(),
        prose: Vec::new(),
    })
}

/// `r` itself, or the object its `$ref` leads to (followed through our store, which knows every
/// `$ref` form the Alma specs use) read as `T`; with the pointer where it was found.
fn typed_ref<'a, T: serde::de::DeserializeOwned + Clone>(
    store: &Store,
    ptr: &Ptr,
    r: &'a ReferenceOr<T>,
) -> Result<(Ptr, std::borrow::Cow<'a, T>)> {
    match r {
        ReferenceOr::Item(item) => Ok((ptr.clone(), std::borrow::Cow::Borrowed(item))),
        ReferenceOr::Reference { .. } => {
            let resolved = store
                .resolve(ptr)
                .map_err(|e| ref_error(e, &store.location(ptr)))?;
            let value: T = serde_path_to_error::deserialize(resolved.value).map_err(|e| {
                Error::spec(
                    store.location(&resolved.ptr),
                    format!(
                        "not a valid OpenAPI 3.0 object here ({}): {}",
                        e.path(),
                        e.inner()
                    ),
                )
            })?;
            Ok((resolved.ptr, std::borrow::Cow::Owned(value)))
        }
    }
}

/// The key a status code has in the document (`200`, `4XX` or `4xx`).
fn status_key(store: &Store, responses: &Ptr, code: &openapiv3::StatusCode) -> String {
    let key = code.to_string();
    if store.get(&responses.push(&key)).is_none() {
        let lower = key.to_ascii_lowercase();
        if store.get(&responses.push(&lower)).is_some() {
            return lower;
        }
    }
    key
}

/// `e` with the operation it happened in.
fn with_operation(e: Error, key: &str) -> Error {
    match e {
        Error::Spec { at: mut l, message } => {
            l.operation = Some(key.to_string());
            Error::Spec { at: l, message }
        }
        other => other,
    }
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

fn lower_param(
    store: &Store,
    config: &Config,
    ptr: &Ptr,
    p: &ReferenceOr<Parameter>,
) -> Result<Param> {
    let (ptr, param) = typed_ref(store, ptr, p)?;
    let at = || store.location(&ptr);
    let (data, location) = match &*param {
        Parameter::Query { parameter_data, .. } => (parameter_data, ParamIn::Query),
        Parameter::Path { parameter_data, .. } => (parameter_data, ParamIn::Path),
        Parameter::Header { parameter_data, .. } | Parameter::Cookie { parameter_data, .. } => {
            let place = if matches!(&*param, Parameter::Header { .. }) {
                "header"
            } else {
                "cookie"
            };
            return Err(Error::spec(
                at(),
                format!(
                    "parameter {:?}: unsupported location {place:?}",
                    parameter_data.name
                ),
            ));
        }
    };
    let name = data.name.clone();
    if let openapiv3::ParameterSchemaOrContent::Content(_) = &data.format {
        return Err(Error::spec(
            at(),
            format!("parameter {name:?}: `content` instead of `schema` is not supported"),
        ));
    }
    // The schema, like every schema, is read from the raw JSON (type, default, enum).
    let schema = store.get(&ptr.push("schema"));
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
                        store.location(&ptr.push("schema").push("default")),
                        format!("parameter {name:?}: {m}"),
                    )
                },
            )?,
        ),
    };
    Ok(Param {
        rust_name: snake_ident(&name),
        required: location == ParamIn::Path || data.required,
        name,
        location,
        ty,
        default,
        description: data
            .description
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(String::from),
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
        fixed: None,
        secret: false,
        header: None,
        url_encoded: false,
        choice: None,
        wildcard: None,
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

#[allow(clippy::too_many_arguments)]
fn lower_body(
    store: &Store,
    schemas: &mut SchemaLowerer<'_>,
    ptr: &Ptr,
    content: &openapiv3::Content,
    description: Option<&str>,
    hint: &str,
    note_unresolved: &mut impl FnMut(String),
    at: &impl Fn(&Ptr) -> Location,
) -> Result<Option<Body>> {
    if content.is_empty() {
        return Ok(None);
    }
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
        description: description
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(String::from),
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
                variant: String::new(),
            })
        })
        .collect()
}
