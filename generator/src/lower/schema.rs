//! JSON Schema → IR models.
//!
//! A model is identified by where its schema lives (`rest_user.json#/user`), so two `$ref`s to
//! the same definition give one type. Named definitions take their name from the definition
//! (`code_table` → `CodeTable`, in a `-put` file `CodeTablePut`); inline objects are named by
//! their path (`CodeTable` + `sub_system` → `CodeTableSubSystem`). `{value, desc}` pairs become
//! the runtime's `CodeValue`.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::error::Error;
use crate::ir::{Field, Model, ModelId, ModelKind, ModelSource, TypeRef, XmlField};
use crate::naming::{snake_ident, type_ident};
use crate::source::{DocId, Ptr, RefError, Resolved, Store};

/// Builds models on demand while operations are lowered.
pub struct SchemaLowerer<'s> {
    store: &'s Store,
    pub models: BTreeMap<ModelId, Model>,
    in_progress: BTreeSet<ModelId>,
    /// Missing schema files met inside models (a field becomes free-form JSON).
    pub nested_unresolved: BTreeSet<String>,
}

/// The id under which a model at `ptr` is stored.
pub fn model_id(store: &Store, ptr: &Ptr) -> ModelId {
    let file = match store.doc(&ptr.doc) {
        Some(d) => d.rel_path.clone(),
        None => format!("{:?}", ptr.doc),
    };
    format!("{file}#{}", ptr.pointer)
}

impl<'s> SchemaLowerer<'s> {
    pub fn new(store: &'s Store) -> Self {
        SchemaLowerer {
            store,
            models: BTreeMap::new(),
            in_progress: BTreeSet::new(),
            nested_unresolved: BTreeSet::new(),
        }
    }

    /// Lowers the schema at `ptr` to a type. `hint` names it if it turns out to be an inline
    /// object.
    pub fn lower_type(&mut self, ptr: &Ptr, hint: &str) -> Result<TypeRef, RefError> {
        let resolved = self.store.resolve(ptr)?;
        self.lower_resolved(resolved, hint)
    }

    /// Lowers a body schema. A body whose top level is an array (`rest_open_days`: `days` of
    /// `day`) becomes a model with one list field, as Alma sends it: JSON `{"day": [...]}`, XML
    /// `<days><day>…</day></days>`.
    pub fn lower_body_type(&mut self, ptr: &Ptr, hint: &str) -> Result<TypeRef, RefError> {
        let ty = self.lower_type(ptr, hint)?;
        let resolved = self.store.resolve(ptr)?;
        let TypeRef::Array(item) = ty else {
            return Ok(ty);
        };
        let id = model_id(self.store, &resolved.ptr);
        if self.models.contains_key(&id) {
            return Ok(TypeRef::Model(id));
        }
        let list_name = xml_hint(&resolved, "name")
            .and_then(Value::as_str)
            .map(String::from)
            .unwrap_or_else(|| resolved.ptr.last_segment().to_string());
        let item_name = self
            .store
            .resolve(&resolved.ptr.push("items"))
            .ok()
            .and_then(|ir| {
                ir.get("xml")
                    .and_then(|x| x.get("name"))
                    .and_then(Value::as_str)
                    .map(String::from)
            })
            .unwrap_or_else(|| crate::naming::singular(&list_name));
        let (file, _) = self.preferred_name(&resolved, hint);
        let model = Model {
            id: id.clone(),
            name: type_ident(&list_name),
            file,
            doc: doc_of(resolved.get("description")),
            source: self.source_of(&resolved.ptr.doc),
            xml_name: Some(list_name),
            kind: ModelKind::Struct {
                fields: vec![Field {
                    name: item_name.clone(),
                    rust_name: snake_ident(&item_name),
                    ty: TypeRef::Array(item),
                    required: false,
                    holding: Default::default(),
                    doc: None,
                    example: None,
                    format: None,
                    code_table: None,
                    xml: XmlField {
                        name: item_name,
                        ..XmlField::default()
                    },
                }],
            },
            areas: Vec::new(),
        };
        self.models.insert(id.clone(), model);
        Ok(TypeRef::Model(id))
    }

    fn source_of(&self, doc: &DocId) -> ModelSource {
        if self.store.from_xsd.contains(doc) {
            ModelSource::Xsd
        } else if self.store.derived.contains(doc) {
            ModelSource::Derived
        } else {
            ModelSource::JsonSchema
        }
    }

    fn lower_resolved(&mut self, r: Resolved<'s>, hint: &str) -> Result<TypeRef, RefError> {
        let ty = r.value.get("type").and_then(Value::as_str);
        let props = r.value.get("properties").and_then(Value::as_object);
        if ty == Some("array") || (ty.is_none() && r.value.get("items").is_some()) {
            let items = r.ptr.push("items");
            if self.store.get(&items).is_none() {
                return Ok(TypeRef::Array(Box::new(TypeRef::Any)));
            }
            let item_hint = singular_hint(hint);
            return Ok(TypeRef::Array(Box::new(
                self.lower_type(&items, &item_hint)?,
            )));
        }
        if let Some(values) = r.value.get("enum").and_then(Value::as_array) {
            if matches!(ty, None | Some("string")) && values.iter().all(Value::is_string) {
                return self.model(&r, hint, |_, _| {
                    let wire: Vec<String> = values
                        .iter()
                        .filter_map(|v| v.as_str().map(String::from))
                        .collect();
                    Ok(ModelKind::Enum {
                        values: crate::naming::enum_values(&wire),
                    })
                });
            }
        }
        match (ty, props) {
            (_, Some(props)) if !props.is_empty() => {
                if is_code_value(props) {
                    return Ok(TypeRef::CodeValue);
                }
                self.model(&r, hint, |this, name| this.struct_kind(&r, name))
            }
            (Some("object"), _) | (None, _) => Ok(TypeRef::Any),
            (Some("string"), _) => Ok(TypeRef::String),
            (Some("integer"), _) => Ok(TypeRef::Integer),
            (Some("number"), _) => Ok(TypeRef::Number),
            (Some("boolean"), _) => Ok(TypeRef::Boolean),
            (Some(other), _) => Err(RefError::Invalid(Error::spec(
                self.store.location(&r.ptr),
                format!("unsupported schema type {other:?}"),
            ))),
        }
    }

    /// Registers (once) the model at `r.ptr` and returns a reference to it.
    fn model(
        &mut self,
        r: &Resolved<'s>,
        hint: &str,
        kind: impl FnOnce(&mut Self, &str) -> Result<ModelKind, RefError>,
    ) -> Result<TypeRef, RefError> {
        let id = model_id(self.store, &r.ptr);
        if self.models.contains_key(&id) || self.in_progress.contains(&id) {
            return Ok(TypeRef::Model(id));
        }
        self.in_progress.insert(id.clone());
        let (file, name) = self.preferred_name(r, hint);
        let kind = kind(self, &name)?;
        let xml_name = xml_hint(r, "name").and_then(|v| v.as_str().map(String::from));
        let model = Model {
            id: id.clone(),
            name,
            file,
            doc: doc_of(r.value.get("description").or(r.overlay.get("description"))),
            source: self.source_of(&r.ptr.doc),
            xml_name,
            kind,
            areas: Vec::new(),
        };
        self.in_progress.remove(&id);
        self.models.insert(id.clone(), model);
        Ok(TypeRef::Model(id))
    }

    /// (file, type name) for a model: named definitions by their name plus the file's variant,
    /// inline schemas by `hint` (or their XML element name for bundled specs).
    fn preferred_name(&self, r: &Resolved<'s>, hint: &str) -> (String, String) {
        let segs: Vec<&str> = r.ptr.pointer.split('/').skip(1).collect();
        match &r.ptr.doc {
            DocId::Schema(file) => {
                let variant = variant_suffix(file);
                if segs.len() == 1 {
                    (
                        file.clone(),
                        format!(
                            "{}{variant}",
                            type_ident(segs[0].trim_start_matches("rest_"))
                        ),
                    )
                } else {
                    (file.clone(), inline_name(r, hint))
                }
            }
            DocId::Area(area) => {
                if segs.len() == 3 && segs[0] == "components" && segs[1] == "schemas" {
                    return (area.clone(), type_ident(segs[2]));
                }
                (area.clone(), inline_name(r, hint))
            }
        }
    }

    fn struct_kind(&mut self, r: &Resolved<'s>, model_name: &str) -> Result<ModelKind, RefError> {
        let required: BTreeSet<&str> = r
            .value
            .get("required")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let props = r
            .value
            .get("properties")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let mut fields = Vec::new();
        // `extra` and `wire` are the generated struct's own fields.
        let mut used = BTreeSet::from(["extra".to_string(), "wire".to_string()]);
        for key in props.keys() {
            let pptr = r.ptr.push("properties").push(key);
            let hint = format!("{model_name}{}", type_ident(key));
            let mut format = None;
            let mut code_table = None;
            let (ty, resolved_xml, doc, example) = match self.store.resolve(&pptr) {
                Ok(pr) => {
                    format = pr.get("format").and_then(Value::as_str).map(String::from);
                    code_table = pr
                        .get("x-code-table")
                        .and_then(Value::as_str)
                        .map(String::from);
                    let xml = pr.get("xml").cloned();
                    let doc = doc_of(pr.get("description"));
                    let example = pr
                        .get("example")
                        .and_then(Value::as_str)
                        .filter(|s| !s.is_empty())
                        .map(String::from);
                    let items_xml = if pr.value.get("type").and_then(Value::as_str) == Some("array")
                    {
                        self.store
                            .resolve(&pr.ptr.push("items"))
                            .ok()
                            .and_then(|ir| ir.get("xml").cloned())
                    } else {
                        None
                    };
                    let ty = self.lower_resolved(pr, &hint)?;
                    (ty, (xml, items_xml), doc, example)
                }
                Err(RefError::MissingFile { reference, .. }) => {
                    self.nested_unresolved.insert(reference);
                    (TypeRef::Any, (None, None), None, None)
                }
                Err(e) => return Err(e),
            };
            let mut rust_name = snake_ident(key);
            while !used.insert(rust_name.clone()) {
                rust_name.push('_');
            }
            let xml = xml_field(key, &ty, resolved_xml.0.as_ref(), resolved_xml.1.as_ref());
            fields.push(Field {
                name: key.clone(),
                rust_name,
                ty,
                required: required.contains(key.as_str()),
                holding: Default::default(),
                doc,
                example,
                format,
                code_table,
                xml,
            });
        }
        Ok(ModelKind::Struct { fields })
    }
}

/// An inline object is named by its XML element when it has one (bundled specs inline whole
/// models), else by its place (`hint`).
fn inline_name(r: &Resolved<'_>, hint: &str) -> String {
    match r
        .value
        .get("xml")
        .and_then(|x| x.get("name"))
        .and_then(Value::as_str)
    {
        Some(n) if !n.is_empty() && n != "xml_value" => type_ident(n),
        _ => hint.to_string(),
    }
}

/// `-put`/`-post` schema files describe the request shape of the same model.
fn variant_suffix(file: &str) -> &'static str {
    if file.ends_with("-put") {
        "Put"
    } else if file.ends_with("-post") {
        "Post"
    } else {
        ""
    }
}

fn singular_hint(hint: &str) -> String {
    let snake = heck::ToSnakeCase::to_snake_case(hint);
    type_ident(&crate::naming::singular(&snake))
}

fn xml_hint<'a>(r: &'a Resolved<'_>, key: &str) -> Option<&'a Value> {
    r.get("xml").and_then(|x| x.get(key))
}

/// `{ value, desc }` with `desc` an attribute: Alma's code/description pair.
fn is_code_value(props: &serde_json::Map<String, Value>) -> bool {
    props.len() == 2 && props.contains_key("value") && props.contains_key("desc")
}

fn xml_field(key: &str, ty: &TypeRef, xml: Option<&Value>, items_xml: Option<&Value>) -> XmlField {
    let get_str = |v: Option<&Value>, k: &str| {
        v.and_then(|x| x.get(k))
            .and_then(Value::as_str)
            .map(String::from)
    };
    let get_bool = |v: Option<&Value>, k: &str| {
        v.and_then(|x| x.get(k))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    };
    let name = get_str(xml, "name");
    if matches!(ty, TypeRef::Array(_)) {
        let wrapped = get_bool(xml, "wrapped");
        let item = get_str(items_xml, "name").unwrap_or_else(|| key.to_string());
        return XmlField {
            name: if wrapped { item } else { key.to_string() },
            attribute: false,
            text: false,
            any: name.as_deref() == Some("xml_any"),
            wrapper: wrapped.then(|| name.unwrap_or_else(|| key.to_string())),
        };
    }
    let text = name.as_deref() == Some("xml_value");
    // An object's `xml.name` names its type's root element (`amount`, `shipping_cost`), which
    // reaches a property through its `$ref` or, in `tasklists.yaml`, inlined; the property's
    // element is named by its key, as Alma writes it and the XSDs declare it
    // (`<request_cost>` of type `amount`).
    let object = matches!(ty, TypeRef::Model(_));
    XmlField {
        name: match name {
            Some(n) if !text && !object => n,
            _ => key.to_string(),
        },
        attribute: get_bool(xml, "attribute"),
        text,
        wrapper: None,
        any: false,
    }
}

/// Cleans a description for use as documentation.
pub fn doc_of(v: Option<&Value>) -> Option<String> {
    let s = v?.as_str()?.trim();
    (!s.is_empty()).then(|| s.to_string())
}
