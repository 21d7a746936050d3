//! Run-time descriptions of the generated models and operations, for tools that work by name:
//! `cargo xtask roundtrip MODEL FILE`, the fixture checks, the conformance suite.

use crate::{Format, Method, Model};

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
        }
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
}

impl OperationInfo {
    /// Whether `path` (a concrete path, no query) is an instance of this operation's template.
    pub fn matches_path(&self, path: &str) -> bool {
        let t: Vec<&str> = self.path.trim_end_matches('/').split('/').collect();
        let p: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        t.len() == p.len() && t.iter().zip(&p).all(|(a, b)| a.starts_with('{') || a == b)
    }
}
