//! Run-time descriptions of the generated models and operations, for tools that work by name:
//! `cargo xtask roundtrip MODEL FILE`, the fixture checks, the conformance suite.

use crate::{Decode, Format, Method, Model};

/// A model, with monomorphic entry points to decode and re-encode it.
#[derive(Debug, Clone, Copy)]
pub struct ModelInfo {
    /// Rust type name (`User`).
    pub name: &'static str,
    /// XML root element name.
    pub xml_root: &'static str,
    decode_encode_json: fn(&[u8]) -> Result<String, String>,
    decode_encode_xml: fn(&str) -> Result<String, String>,
    json_to_xml: fn(&[u8]) -> Result<String, String>,
    unknown_json: fn(&[u8]) -> Result<Vec<String>, String>,
    unknown_xml: fn(&str) -> Result<Vec<String>, String>,
    xml_model: fn() -> &'static crate::xml::XmlModel,
    to_value: fn(&[u8], Format) -> Result<serde_json::Value, crate::DecodeError>,
    from_value: fn(&serde_json::Value, Format) -> Result<String, String>,
}

impl ModelInfo {
    /// The entry for model `T`.
    pub fn of<T: Model>() -> ModelInfo {
        ModelInfo {
            name: T::NAME,
            xml_root: T::xml_model().root,
            decode_encode_json: |b| T::from_json(b).map_err(|e| e.to_string())?.to_json(),
            decode_encode_xml: |s| T::from_xml(s).map_err(|e| e.to_string())?.to_xml(),
            json_to_xml: |b| T::from_json(b).map_err(|e| e.to_string())?.to_xml(),
            unknown_json: |b| Ok(T::from_json(b).map_err(|e| e.to_string())?.unknown_fields()),
            unknown_xml: |s| Ok(T::from_xml(s).map_err(|e| e.to_string())?.unknown_fields()),
            xml_model: T::xml_model,
            to_value: |b, f| Ok(T::decode(b, f)?.to_value()),
            from_value: |v, f| {
                let t = T::from_node(crate::Node::borrow_value(v)).map_err(|e| e.to_string())?;
                match f {
                    Format::Json => t.to_json(),
                    Format::Xml => t.to_xml(),
                }
            },
        }
    }

    /// Decodes `doc` (in `format`) into the model and gives its JSON shape: what a program
    /// holding the typed value would send as JSON.
    pub fn to_value(
        &self,
        doc: &[u8],
        format: Format,
    ) -> Result<serde_json::Value, crate::DecodeError> {
        (self.to_value)(doc, format)
    }

    /// Reads `value` (the model's JSON shape) as the model and writes it in `format`.
    pub fn from_value(&self, value: &serde_json::Value, format: Format) -> Result<String, String> {
        (self.from_value)(value, format)
    }

    /// How the model looks in XML.
    pub fn xml_model(&self) -> &'static crate::xml::XmlModel {
        (self.xml_model)()
    }

    /// Decodes `doc` (in `format`) and lists what it holds that the model does not declare
    /// ([`Model::unknown_fields`]).
    pub fn unknown_fields(&self, doc: &[u8], format: Format) -> Result<Vec<String>, String> {
        match format {
            Format::Json => (self.unknown_json)(doc),
            Format::Xml => (self.unknown_xml)(std::str::from_utf8(doc).map_err(|e| e.to_string())?),
        }
    }

    /// Decodes `doc` (in `format`) into the model and encodes it again in the same format.
    pub fn roundtrip(&self, doc: &[u8], format: Format) -> Result<String, String> {
        match format {
            Format::Json => (self.decode_encode_json)(doc),
            Format::Xml => {
                (self.decode_encode_xml)(std::str::from_utf8(doc).map_err(|e| e.to_string())?)
            }
        }
    }

    /// Decodes `doc` (in `format`) into the model and writes it as XML: what the SDK would send
    /// in a request body.
    pub fn to_xml(&self, doc: &[u8], format: Format) -> Result<String, String> {
        match format {
            Format::Json => (self.json_to_xml)(doc),
            Format::Xml => self.roundtrip(doc, Format::Xml),
        }
    }
}

/// What an operation does to the records it addresses, decided by the generator from its
/// method and the shape of its path (a path ending in a parameter is one record of the
/// collection above it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// GET of a collection: a page of its records.
    List,
    /// POST to a collection: a new record.
    Create,
    /// GET of a record.
    Read,
    /// PUT of a record: replaces it whole.
    Update,
    /// DELETE of a record.
    Delete,
    /// POST to a record (`op=…`): an action on it.
    Act,
    /// GET of a path that is not a collection.
    Get,
    /// PUT of such a path.
    Put,
    /// DELETE of such a path.
    Remove,
    /// POST to such a path, or an action on a collection's records.
    Post,
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamIn {
    /// A segment of the path.
    Path,
    /// The query string.
    Query,
}

/// What a parameter holds, as the SDK types it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    /// Text.
    String,
    /// An integer.
    Integer,
    /// A number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// One of these values (Alma's documented ones; others are sent as given).
    Enum(&'static [&'static str]),
}

/// A parameter of an operation.
#[derive(Debug, Clone, Copy)]
pub struct ParamInfo {
    /// Name on the wire.
    pub name: &'static str,
    /// Where it goes.
    pub location: ParamIn,
    /// What it holds.
    pub ty: ParamType,
    /// Whether it must be given.
    pub required: bool,
    /// The documented default, as text.
    pub default: Option<&'static str>,
    /// The spec's description.
    pub description: Option<&'static str>,
}

/// An error code an operation documents.
#[derive(Debug, Clone, Copy)]
pub struct ErrorInfo {
    /// Alma's `errorCode`.
    pub code: &'static str,
    /// HTTP status.
    pub status: u16,
    /// The documented message (`X`, `Y` stand for values).
    pub message: &'static str,
}

/// What Alma answers when a path parameter names no record.
#[derive(Debug, Clone, Copy)]
pub struct NotFoundInfo {
    /// The path parameter.
    pub param: &'static str,
    /// Alma's `errorCode`.
    pub code: &'static str,
    /// The message (`X` stands for the id).
    pub message: &'static str,
    /// Whether an operation of the resource documents it (else a general error).
    pub documented: bool,
}

/// An operation: where it lives and what it sends and answers.
#[derive(Debug, Clone, Copy)]
pub struct OperationInfo {
    /// Area (module and feature), e.g. `users`.
    pub area: &'static str,
    /// Method name, e.g. `get_user`.
    pub name: &'static str,
    /// HTTP method.
    pub method: Method,
    /// Path template as sent.
    pub path: &'static str,
    /// Path template as written in the spec (before corrections).
    pub spec_path: &'static str,
    /// Model of the request body, when typed.
    pub request_model: Option<&'static str>,
    /// Model of the response body, when typed.
    pub response_model: Option<&'static str>,
    /// The request has a body.
    pub has_request_body: bool,
    /// The response has a body.
    pub has_response_body: bool,
    /// What the runtime sends it by.
    pub spec: crate::OperationSpec,
    /// The spec's summary.
    pub summary: Option<&'static str>,
    /// The spec's description.
    pub description: Option<&'static str>,
    /// Its page on Ex Libris's developer network.
    pub doc_url: &'static str,
    /// Its parameters, path ones first in path order.
    pub params: &'static [ParamInfo],
    /// The error codes it documents.
    pub errors: &'static [ErrorInfo],
    /// What it does to the records it addresses.
    pub role: Role,
    /// For a list: the JSON key of its records.
    pub items_key: Option<&'static str>,
    /// The JSON path of a record's identifier (`primary_id`, `item_data.pid`).
    pub record_id: Option<&'static str>,
    /// What Alma answers when a path parameter names no record, per path parameter.
    pub not_found: &'static [NotFoundInfo],
    /// For an update: the GET of the same record (a typed GET → PUT pair).
    pub get_pair: Option<&'static str>,
    /// A `limit`/`offset` list.
    pub paginated: bool,
}

impl OperationInfo {
    /// `area.name`.
    pub fn qualified_name(&self) -> &'static str {
        self.spec.name
    }

    /// The parameter named `name`.
    pub fn param(&self, name: &str) -> Option<&'static ParamInfo> {
        self.params.iter().find(|p| p.name == name)
    }

    /// Its path parameters, in path order.
    pub fn path_params(&self) -> impl Iterator<Item = &'static ParamInfo> {
        self.params.iter().filter(|p| p.location == ParamIn::Path)
    }

    /// Whether `path` (a concrete path, no query) is an instance of this operation's template.
    pub fn matches_path(&self, path: &str) -> bool {
        let t: Vec<&str> = self.path.trim_end_matches('/').split('/').collect();
        let p: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        t.len() == p.len() && t.iter().zip(&p).all(|(a, b)| a.starts_with('{') || a == b)
    }
}
