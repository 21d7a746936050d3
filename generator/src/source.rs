//! Loading: the spec directory, its documents (JSON or YAML), and `$ref` resolution.
//!
//! All documents a generation needs are read up front (the area specs, then every schema file
//! their `$ref`s reach, transitively), so the rest of the pipeline works on an immutable store and
//! the spec hash covers exactly the bytes that were used.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::error::{Error, Location, Result};

/// A document in the store.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DocId {
    /// An area spec, by area name.
    Area(String),
    /// A schema file `schemas/<name>.json`, by name (`rest_user`).
    Schema(String),
}

/// A location: a document and a JSON pointer into it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ptr {
    pub doc: DocId,
    pub pointer: String,
}

impl Ptr {
    pub fn new(doc: DocId, pointer: impl Into<String>) -> Ptr {
        Ptr {
            doc,
            pointer: pointer.into(),
        }
    }

    /// This pointer extended by one (unescaped) segment.
    pub fn push(&self, segment: &str) -> Ptr {
        let seg = segment.replace('~', "~0").replace('/', "~1");
        Ptr::new(self.doc.clone(), format!("{}/{}", self.pointer, seg))
    }

    /// Last segment, unescaped.
    pub fn last_segment(&self) -> &str {
        self.pointer.rsplit('/').next().unwrap_or("")
    }
}

/// A parsed document.
#[derive(Debug)]
pub struct Doc {
    /// Path relative to the spec directory, `/`-separated (used in errors and the report).
    pub rel_path: String,
    pub value: Value,
    /// An area spec read as OpenAPI 3.0 (`openapiv3`): paths, operations, parameters, bodies
    /// and responses are lowered from this. Schemas stay raw JSON in `value`, which keeps what
    /// openapiv3 drops (`xml` hints, sibling keys of `$ref`).
    pub openapi: Option<Box<openapiv3::OpenAPI>>,
}

/// The outcome of following a `$ref` chain.
#[derive(Debug)]
pub struct Resolved<'a> {
    /// Where the chain ended.
    pub ptr: Ptr,
    pub value: &'a Value,
    /// Sibling keys met along the chain (`description`, `xml`, `example` next to a `$ref`); the
    /// one nearest the use site wins, as OpenAPI 3.1 reads them.
    pub overlay: Map<String, Value>,
}

impl Resolved<'_> {
    /// A keyword of the schema, sibling keys first.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.overlay.get(key).or_else(|| self.value.get(key))
    }
}

/// Why a `$ref` could not be followed.
#[derive(Debug)]
pub enum RefError {
    /// The target schema file is not in the spec directory: not an error, the body becomes opaque.
    MissingFile { schema: String, reference: String },
    /// Anything else is a real spec defect.
    Invalid(Error),
}

/// All documents of one generation.
#[derive(Debug)]
pub struct Store {
    pub root: PathBuf,
    docs: BTreeMap<DocId, Doc>,
    /// Schema files referenced but absent.
    pub missing: BTreeSet<String>,
    /// XSD files present in `xsd/` (by model name).
    pub xsds: BTreeSet<String>,
    /// Schema documents that were derived from an XSD (see [`crate::xsd`]).
    pub from_xsd: BTreeSet<DocId>,
    /// List documents derived from their item by Alma's list convention
    /// (`derived_lists` in `specs/corrections.toml`).
    pub derived: BTreeSet<DocId>,
    /// What each overlay of ours (`[[overlay]]` in `specs/corrections.toml`) did.
    pub overlays: Vec<OverlayUse>,
    /// Operations (`METHOD path`) whose `[[response]]` correction matched.
    pub responses_corrected: BTreeSet<String>,
}

/// What an overlay did to its area's spec.
#[derive(Debug, Clone)]
pub struct OverlayUse {
    pub file: String,
    pub area: String,
    /// `METHOD path` of each operation it added.
    pub added: Vec<String>,
    /// Operations it holds that the upstream spec has now (left as upstream has them).
    pub upstream_has: Vec<String>,
    /// Whether the source operation's description still says what the overlay quotes.
    pub quote_found: bool,
}

/// Points the 2xx answers of `c`'s operation at `c.to` where they refer to `c.from`; whether
/// any did.
fn correct_response(value: &mut Value, c: &crate::config::ResponseCorrection) -> bool {
    let Some((method, path)) = c.operation.split_once(' ') else {
        return false;
    };
    let Some(responses) = value
        .pointer_mut(&format!(
            "/paths/{}/{}/responses",
            path.replace('~', "~0").replace('/', "~1"),
            method.to_ascii_lowercase()
        ))
        .and_then(Value::as_object_mut)
    else {
        return false;
    };
    let mut changed = false;
    for (status, r) in responses.iter_mut() {
        if !status.starts_with('2') {
            continue;
        }
        let Some(content) = r.get_mut("content").and_then(Value::as_object_mut) else {
            continue;
        };
        for media in content.values_mut() {
            if let Some(Value::String(reference)) = media.pointer_mut("/schema/$ref") {
                if *reference == c.from {
                    *reference = c.to.clone();
                    changed = true;
                }
            }
        }
    }
    changed
}

/// Merges an overlay's paths into an area spec (never over what upstream has), and says what it
/// did.
fn apply_overlay(value: &mut Value, overlay: &crate::config::Overlay) -> OverlayUse {
    let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let quote = squash(&overlay.quote);
    let quote_found = overlay
        .source
        .split_once(' ')
        .and_then(|(method, path)| {
            value
                .get("paths")?
                .get(path)?
                .get(method.to_ascii_lowercase())?
                .get("description")?
                .as_str()
        })
        .is_some_and(|d| squash(d).contains(&quote));
    let mut used = OverlayUse {
        file: overlay.file.clone(),
        area: overlay.area.clone(),
        added: Vec::new(),
        upstream_has: Vec::new(),
        quote_found,
    };
    let Some(paths) = value
        .as_object_mut()
        .map(|o| {
            o.entry("paths")
                .or_insert_with(|| Value::Object(Map::new()))
        })
        .and_then(Value::as_object_mut)
    else {
        return used;
    };
    for (path, item) in &overlay.paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        let target = paths
            .entry(path.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        let Some(target) = target.as_object_mut() else {
            continue;
        };
        for (method, op) in item {
            let key = format!("{} {path}", method.to_ascii_uppercase());
            if target.contains_key(method) {
                used.upstream_has.push(key);
            } else {
                target.insert(method.clone(), op.clone());
                used.added.push(key);
            }
        }
    }
    used
}

impl Store {
    /// Loads every area of `config` from `root` and every schema file they reach.
    pub fn load(root: &Path, config: &Config) -> Result<Store> {
        let mut store = Store {
            root: root.to_path_buf(),
            docs: BTreeMap::new(),
            missing: BTreeSet::new(),
            xsds: list_xsds(root),
            from_xsd: BTreeSet::new(),
            derived: BTreeSet::new(),
            overlays: Vec::new(),
            responses_corrected: BTreeSet::new(),
        };
        let mut queue = Vec::new();
        for area in &config.areas.areas {
            let mut value = read_doc(root, &area.file)?;
            for overlay in config
                .corrections
                .overlays
                .iter()
                .filter(|o| o.area == area.name)
            {
                store.overlays.push(apply_overlay(&mut value, overlay));
            }
            for c in config
                .corrections
                .responses
                .iter()
                .filter(|c| c.area == area.name)
            {
                if correct_response(&mut value, c) {
                    store.responses_corrected.insert(c.operation.clone());
                }
            }
            let id = DocId::Area(area.name.clone());
            let openapi = parse_openapi(&root.join(&area.file), &value)?;
            collect_schema_refs(&id, &value, "", &area.file, &mut queue)?;
            store.docs.insert(
                id,
                Doc {
                    rel_path: area.file.clone(),
                    value,
                    openapi: Some(Box::new(openapi)),
                },
            );
        }
        // The webhook payload is reached by no operation: it is a root of its own.
        let webhook_schema = config.areas.webhooks.as_ref().map(|w| w.schema.clone());
        queue.extend(webhook_schema.clone());
        while let Some(name) = queue.pop() {
            let id = DocId::Schema(name.clone());
            if store.docs.contains_key(&id) || store.missing.contains(&name) {
                continue;
            }
            let rel = format!("schemas/{name}.json");
            let (rel, value) = if root.join(&rel).is_file() {
                let value = read_doc(root, &rel)?;
                (rel, value)
            } else {
                // Unpublished JSON schema: derive it from the XSD of the same model, if we have it,
                // else, for a list named in our corrections, from its item.
                let (base, variant) = crate::xsd::Variant::of(&name);
                if !store.xsds.contains(base) {
                    let item = config
                        .corrections
                        .derived_lists
                        .as_ref()
                        .and_then(|d| d.lists.get(&name));
                    match item {
                        Some(item) => {
                            let value = derived_list(&name, item);
                            let rel = format!("derived/{name}.json");
                            collect_schema_refs(&id, &value, "", &rel, &mut queue)?;
                            store.derived.insert(id.clone());
                            store.docs.insert(
                                id,
                                Doc {
                                    rel_path: rel,
                                    value,
                                    openapi: None,
                                },
                            );
                        }
                        None => {
                            store.missing.insert(name);
                        }
                    }
                    continue;
                }
                let mut value = crate::xsd::to_json_schema(&root.join("xsd"), &name)?;
                if webhook_schema.as_deref() == Some(name.as_str()) {
                    // The payload objects are the API's own models (a `JOB_END`'s job instance
                    // is the `JobInstance` that `run_job_and_wait` returns), not copies.
                    let published = |t: &str| {
                        root.join(format!("schemas/rest_{t}.json")).is_file()
                            || store.xsds.contains(&format!("rest_{t}"))
                    };
                    crate::xsd::link_published_types(&mut value, &name, &published);
                }
                store.from_xsd.insert(id.clone());
                let rel = match variant {
                    crate::xsd::Variant::Get => format!("xsd/{base}.xsd"),
                    crate::xsd::Variant::Post => format!("xsd/{base}.xsd?tags=post"),
                    crate::xsd::Variant::Put => format!("xsd/{base}.xsd?tags=put"),
                };
                (rel, value)
            };
            collect_schema_refs(&id, &value, "", &rel, &mut queue)?;
            store.docs.insert(
                id,
                Doc {
                    rel_path: rel,
                    value,
                    openapi: None,
                },
            );
        }
        Ok(store)
    }

    pub fn doc(&self, id: &DocId) -> Option<&Doc> {
        self.docs.get(id)
    }

    pub fn docs(&self) -> impl Iterator<Item = (&DocId, &Doc)> {
        self.docs.iter()
    }

    /// sha256 over the config files and every document read, in a fixed order.
    pub fn spec_sha256(&self, config: &Config) -> String {
        let mut h = Sha256::new();
        for (name, bytes) in &config.raw {
            h.update(name.as_bytes());
            h.update([0]);
            h.update(bytes);
            h.update([0]);
        }
        let mut files: Vec<&Doc> = self.docs.values().collect();
        files.sort_by(|a, b| a.rel_path.cmp(&b.rel_path));
        for doc in files {
            h.update(doc.rel_path.as_bytes());
            h.update([0]);
            // Hash the parsed value, not the bytes: reformatting a mirror (tabs vs spaces) is not
            // an API change. serde_json keeps key order, so this is deterministic.
            h.update(doc.value.to_string().as_bytes());
            h.update([0]);
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Location of `ptr` for error messages.
    pub fn location(&self, ptr: &Ptr) -> Location {
        let file = match self.docs.get(&ptr.doc) {
            Some(d) => Some(
                self.root
                    .join(d.rel_path.split('?').next().unwrap_or(&d.rel_path)),
            ),
            None => match &ptr.doc {
                DocId::Schema(n) => Some(self.root.join(format!("schemas/{n}.json"))),
                DocId::Area(a) => Some(PathBuf::from(a)),
            },
        };
        Location {
            file,
            pointer: Some(ptr.pointer.clone()),
            operation: None,
        }
    }

    /// The value at `ptr` (no `$ref` following).
    pub fn get(&self, ptr: &Ptr) -> Option<&Value> {
        self.docs.get(&ptr.doc)?.value.pointer(&ptr.pointer)
    }

    /// Follows `$ref`s starting at `ptr` until a value without `$ref` is reached.
    pub fn resolve(&self, ptr: &Ptr) -> Result<Resolved<'_>, RefError> {
        let mut overlay = Map::new();
        let mut seen = BTreeSet::new();
        let mut cur = ptr.clone();
        loop {
            let value = match self.get(&cur) {
                Some(v) => v,
                None => {
                    return Err(RefError::Invalid(Error::spec(
                        self.location(&cur),
                        "$ref target does not exist",
                    )))
                }
            };
            let Some(reference) = value.get("$ref") else {
                return Ok(Resolved {
                    ptr: cur,
                    value,
                    overlay,
                });
            };
            let Some(reference) = reference.as_str() else {
                return Err(RefError::Invalid(Error::spec(
                    self.location(&cur),
                    "$ref is not a string",
                )));
            };
            if let Some(obj) = value.as_object() {
                for (k, v) in obj {
                    if k != "$ref" && !overlay.contains_key(k) {
                        overlay.insert(k.clone(), v.clone());
                    }
                }
            }
            if !seen.insert(cur.clone()) {
                return Err(RefError::Invalid(Error::spec(
                    self.location(&cur),
                    "$ref chain loops back on itself without reaching a schema",
                )));
            }
            let next = parse_ref(&cur.doc, reference)
                .map_err(|m| RefError::Invalid(Error::spec(self.location(&cur), m)))?;
            if let DocId::Schema(name) = &next.doc {
                if self.missing.contains(name) {
                    return Err(RefError::MissingFile {
                        schema: name.clone(),
                        reference: reference.to_string(),
                    });
                }
            }
            cur = next;
        }
    }
}

/// Parses a `$ref` string met inside document `from`.
///
/// Forms found in the Alma specs: absolute upstream URLs into `schemas/`
/// (`https://…/openapi/schemas/rest_x.json#/rest_x`), relative files (`./rest_y.json#/y`) and
/// local fragments (`#/x`, `#/components/…`, `#/paths/…`).
pub fn parse_ref(from: &DocId, reference: &str) -> Result<Ptr, String> {
    let (file, fragment) = match reference.split_once('#') {
        Some((f, frag)) => (f, frag),
        None => (reference, ""),
    };
    if !fragment.is_empty() && !fragment.starts_with('/') {
        return Err(format!(
            "$ref {reference:?}: fragment is not a JSON pointer"
        ));
    }
    if file.is_empty() {
        return Ok(Ptr::new(from.clone(), fragment));
    }
    let name = file.rsplit('/').next().unwrap_or(file);
    let is_remote = file.starts_with("https://") || file.starts_with("http://");
    let schema_dir_ok = !is_remote || file.contains("/schemas/");
    match name.strip_suffix(".json") {
        Some(stem) if schema_dir_ok && !stem.is_empty() && valid_schema_name(stem) => {
            Ok(Ptr::new(DocId::Schema(stem.to_string()), fragment))
        }
        _ => Err(format!(
            "unsupported $ref {reference:?}: expected a schema file (…/schemas/NAME.json or ./NAME.json) or a local #/pointer"
        )),
    }
}

fn valid_schema_name(stem: &str) -> bool {
    stem.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
        && !stem.contains("..")
}

/// An area document as OpenAPI 3.0. The outline is checked on the raw JSON first, where a precise
/// message is possible, and each path item is read on its own: serde cannot say where inside a
/// flattened map (`paths`) or an untagged enum (`$ref` or item) a mismatch is, so this way a
/// mismatch names the JSON pointer of the path item, operation and field where it stopped.
fn parse_openapi(file: &Path, value: &Value) -> Result<openapiv3::OpenAPI> {
    let at = |pointer: String| Location {
        file: Some(file.to_path_buf()),
        pointer: Some(pointer),
        operation: None,
    };
    let paths = value
        .get("paths")
        .ok_or_else(|| Error::spec(at("/paths".into()), "`paths` is missing"))?
        .as_object()
        .ok_or_else(|| Error::spec(at("/paths".into()), "`paths` is not an object"))?;
    // Everything but the paths (read one by one below), without copying them.
    let mut rest: Map<String, Value> = value
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| *k != "paths")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    rest.insert("paths".into(), Value::Object(Map::new()));
    let rest = Value::Object(rest);
    let mut doc: openapiv3::OpenAPI = typed(&rest, "").map_err(|(p, m)| Error::spec(at(p), m))?;
    for (path, item) in paths {
        let item_ptr = format!("/paths/{}", escape_pointer(path));
        let obj = item
            .as_object()
            .ok_or_else(|| Error::spec(at(item_ptr.clone()), "path item is not an object"))?;
        for key in ["options", "head", "patch", "trace"] {
            if obj.contains_key(key) {
                return Err(Error::spec(
                    at(format!("{item_ptr}/{key}")),
                    format!("unsupported path item key {key:?} (only GET, POST, PUT, DELETE are generated)"),
                ));
            }
        }
        let typed_item = match obj.get("$ref").and_then(Value::as_str) {
            Some(reference) => openapiv3::ReferenceOr::Reference {
                reference: reference.to_string(),
            },
            None => openapiv3::ReferenceOr::Item(
                typed(item, &item_ptr).map_err(|(p, m)| Error::spec(at(p), m))?,
            ),
        };
        doc.paths.paths.insert(path.clone(), typed_item);
    }
    Ok(doc)
}

/// `value` (found at `pointer`) as `T`, or the pointer where reading stopped and why.
fn typed<T: serde::de::DeserializeOwned>(
    value: &Value,
    pointer: &str,
) -> std::result::Result<T, (String, String)> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let inner = e
            .path()
            .iter()
            .filter_map(|seg| match seg {
                serde_path_to_error::Segment::Seq { index } => Some(index.to_string()),
                serde_path_to_error::Segment::Map { key } => Some(escape_pointer(key)),
                serde_path_to_error::Segment::Enum { variant } => Some(escape_pointer(variant)),
                serde_path_to_error::Segment::Unknown => None,
            })
            .fold(String::new(), |p, seg| p + "/" + &seg);
        let why = e.inner().to_string();
        // serde's words for the one shape Alma-like specs get wrong most, in the spec's terms.
        let hint = if why.contains("ParameterSchemaOrContent") {
            " (a parameter needs a `schema` or a `content`)"
        } else {
            ""
        };
        (
            format!("{pointer}{inner}"),
            format!("not valid OpenAPI 3.0 here: {why}{hint}"),
        )
    })
}

fn escape_pointer(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn read_doc(root: &Path, rel: &str) -> Result<Value> {
    let path = root.join(rel);
    let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
    let at = Location {
        file: Some(path.clone()),
        ..Location::default()
    };
    if rel.ends_with(".yaml") || rel.ends_with(".yml") {
        let text = String::from_utf8(bytes).map_err(|e| Error::Parse {
            at: at.clone(),
            message: e.to_string(),
        })?;
        serde_yaml::from_str::<Value>(&text).map_err(|e| Error::Parse {
            at,
            message: e.to_string(),
        })
    } else {
        serde_json::from_slice(&bytes).map_err(|e| Error::Parse {
            at,
            message: e.to_string(),
        })
    }
}

/// The schema document of list `rest_<plural>` by Alma's convention for every list: the items
/// under the item's element name (a repeated element in XML), and a `total_record_count`
/// attribute.
fn derived_list(list: &str, item: &str) -> Value {
    let plural = list.trim_start_matches("rest_");
    let singular = item.trim_start_matches("rest_");
    serde_json::json!({
        list: { "$ref": format!("#/{plural}") },
        plural: {
            "description": format!(
                "A list of {singular} objects (derived: Ex Libris has not published {list}.json; \
                 every Alma list has this shape)."
            ),
            "type": "object",
            "xml": { "name": plural },
            "properties": {
                singular: {
                    "type": "array",
                    "items": { "$ref": format!("./{item}.json#/{item}") },
                },
                "total_record_count": {
                    "type": "integer",
                    "description": "The total number of records (not only on this page).",
                    "xml": { "attribute": true },
                },
            },
        },
    })
}

/// Queues every schema file referenced from `value`.
fn collect_schema_refs(
    from: &DocId,
    value: &Value,
    pointer: &str,
    rel: &str,
    out: &mut Vec<String>,
) -> Result<()> {
    match value {
        Value::Object(map) => {
            if let Some(r) = map.get("$ref") {
                let r = r.as_str().ok_or_else(|| {
                    Error::spec(
                        Location {
                            file: Some(rel.into()),
                            pointer: Some(pointer.to_string()),
                            operation: None,
                        },
                        "$ref is not a string",
                    )
                })?;
                let ptr = parse_ref(from, r).map_err(|m| {
                    Error::spec(
                        Location {
                            file: Some(rel.into()),
                            pointer: Some(pointer.to_string()),
                            operation: None,
                        },
                        m,
                    )
                })?;
                if let DocId::Schema(name) = ptr.doc {
                    out.push(name);
                }
            }
            for (k, v) in map {
                let seg = k.replace('~', "~0").replace('/', "~1");
                collect_schema_refs(from, v, &format!("{pointer}/{seg}"), rel, out)?;
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                collect_schema_refs(from, v, &format!("{pointer}/{i}"), rel, out)?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn list_xsds(root: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    if let Ok(entries) = std::fs::read_dir(root.join("xsd")) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if let Some(stem) = name.strip_suffix(".xsd") {
                out.insert(stem.to_string());
            }
        }
    }
    out
}
