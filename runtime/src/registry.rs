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
    desc: fn() -> &'static crate::desc::ModelDesc,
    to_value: fn(&[u8], Format) -> Result<serde_json::Value, crate::DecodeError>,
    from_value: fn(&serde_json::Value, Format) -> Result<String, String>,
}

impl ModelInfo {
    /// The entry for model `T`.
    pub fn of<T: Model>() -> ModelInfo {
        ModelInfo {
            name: T::NAME,
            xml_root: T::desc().root,
            decode_encode_json: |b| T::from_json(b).map_err(|e| e.to_string())?.to_json(),
            decode_encode_xml: |s| T::from_xml(s).map_err(|e| e.to_string())?.to_xml(),
            json_to_xml: |b| T::from_json(b).map_err(|e| e.to_string())?.to_xml(),
            unknown_json: |b| Ok(T::from_json(b).map_err(|e| e.to_string())?.unknown_fields()),
            unknown_xml: |s| Ok(T::from_xml(s).map_err(|e| e.to_string())?.unknown_fields()),
            desc: T::desc,
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
    pub fn desc(&self) -> &'static crate::desc::ModelDesc {
        (self.desc)()
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
    /// A request header (a secret Alma takes there: `Exl-User-Pw`).
    Header,
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

impl ParamType {
    /// The first part of `value` this type does not accept, if any: an integer, a number,
    /// `true`/`false` (any case), or for an enumeration each of a comma-separated list
    /// (`expand=loans,requests`) one of its documented values (any case). The CLI and the local
    /// Alma both judge values by this.
    pub fn rejects<'v>(&self, value: &'v str) -> Option<&'v str> {
        let ok = |v: &str| match self {
            ParamType::Integer => v.parse::<i64>().is_ok(),
            ParamType::Number => v.parse::<f64>().is_ok(),
            ParamType::Boolean => v.eq_ignore_ascii_case("true") || v.eq_ignore_ascii_case("false"),
            ParamType::Enum(values) => values.iter().any(|x| x.eq_ignore_ascii_case(v)),
            ParamType::String => true,
        };
        match self {
            ParamType::Enum(_) => value.split(',').map(str::trim).find(|v| !ok(v)),
            _ => (!ok(value)).then_some(value),
        }
    }

    /// Whether `value` is one this type accepts (see [`ParamType::rejects`]).
    pub fn accepts(&self, value: &str) -> bool {
        self.rejects(value).is_none()
    }
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
    /// Sent with this value by the method itself (the only value Alma documents).
    pub fixed: Option<&'static str>,
    /// A secret (a password): never in a URL, never printed.
    pub secret: bool,
    /// For [`ParamIn::Header`]: the header's name.
    pub header: Option<&'static str>,
    /// The header's value is percent-encoded.
    pub url_encoded: bool,
    /// The [`ChoiceInfo`] (by name) it belongs to.
    pub choice: Option<&'static str>,
    /// For a path parameter: the word standing for every record of its level (`ALL`: "May be
    /// ALL to retrieve all holdings for a Bib").
    pub wildcard: Option<&'static str>,
}

/// Parameters of which a call sends one group (see the generated choice enums): an either/or
/// group, or the values of a selector (`op`) each with its own parameters.
#[derive(Debug, Clone, Copy)]
pub struct ChoiceInfo {
    /// The enum's name (`ScanInItemCircDeskOrDepartment`).
    pub name: &'static str,
    /// For a choice of values: the selector parameter.
    pub selector: Option<&'static str>,
    /// The ways to call.
    pub variants: &'static [VariantInfo],
}

/// One way to call of a [`ChoiceInfo`].
#[derive(Debug, Clone, Copy)]
pub struct VariantInfo {
    /// The case's name (`CircDesk`).
    pub name: &'static str,
    /// The selector's value, for a choice of values.
    pub value: Option<&'static str>,
    /// Parameters this way must send.
    pub required: &'static [&'static str],
    /// Parameters this way may send.
    pub optional: &'static [&'static str],
}

/// What a call's parameters break of an operation's choices ([`OperationInfo::check_choices`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChoiceViolation {
    /// None of an either/or group was given.
    Neither {
        /// The group's members.
        members: Vec<&'static str>,
    },
    /// More than one of an either/or group was given.
    Several {
        /// The members given.
        given: Vec<&'static str>,
    },
    /// A parameter the chosen way requires is missing.
    Missing {
        /// The way: `op=auth`, or the member given.
        way: String,
        /// The parameter.
        param: &'static str,
    },
    /// A parameter that goes only with another way was given.
    NotWith {
        /// The way chosen.
        way: String,
        /// The parameter.
        param: &'static str,
    },
}

impl std::fmt::Display for ChoiceViolation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChoiceViolation::Neither { members } => {
                write!(f, "send one of {}", members.join(", "))
            }
            ChoiceViolation::Several { given } => {
                write!(f, "send only one of {}", given.join(", "))
            }
            ChoiceViolation::Missing { way, param } => write!(f, "{way} needs {param}"),
            ChoiceViolation::NotWith { way, param } => {
                write!(f, "{param} does not go with {way}")
            }
        }
    }
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
    /// Parameters that go together (either/or groups, values of `op` with their parameters).
    pub choices: &'static [ChoiceInfo],
    /// Success is HTTP 204 with no content, as the operation's description says.
    pub no_content: bool,
    /// Where the operation's record (a list's item) holds each parameter's value
    /// (`("mms_id", "bib_data.mms_id")`), decided by the generator.
    pub param_fields: &'static [(&'static str, &'static str)],
    /// What Alma does beyond the operation's role, as its documentation says (the generator's
    /// report quotes each sentence).
    pub behaviours: &'static [Behaviour],
}

/// Something Alma does for an operation that its [`Role`] does not say, decided by the
/// generator from Ex Libris's own sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Behaviour {
    /// Another way to one record: query parameter `param` names the record whose field `field`
    /// holds its value; Alma answers with a redirect to the record's own URL, the URL of
    /// operation `read` ("Calling this shorthand URL will return an HTTP 302 redirect").
    FindBy {
        param: &'static str,
        field: &'static str,
        read: &'static str,
    },
    /// Lends an item to a user: the loan is listed under both; the item leaves its place.
    Lend,
    /// Scans an item in: its loan ends and it is back in place.
    ScanIn,
    /// Runs a job: a new instance, which moves on until it completes.
    RunJob,
    /// A report answered in parts: the first carries a resumption token, which asks for the next.
    ReportInParts,
    /// Authenticates a user by the password the user record holds (with `op` = this value);
    /// success is no content.
    Authenticate { op: &'static str },
    /// Fields of the body's model that Alma sets ("Output parameter."): a write's values for
    /// them are not taken; Alma keeps or derives them.
    OutputFields { fields: &'static [&'static str] },
    /// A field the answers give empty ("returned empty in the GET action") and that a PUT
    /// leaving it empty keeps.
    WriteOnly { field: &'static str },
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

    /// Whether the parameters a call gives (`given(name)`: its value, if given) respect the
    /// operation's choices: one member of each either/or group, the chosen value's required
    /// parameters, and no parameter of another way. A selector left out counts as its default.
    /// The CLI and the local Alma both judge calls by this.
    pub fn check_choices(
        &self,
        given: &dyn Fn(&str) -> Option<String>,
    ) -> Result<(), ChoiceViolation> {
        for c in self.choices {
            let chosen: Vec<&VariantInfo> = match c.selector {
                None => c
                    .variants
                    .iter()
                    .filter(|v| v.required.iter().all(|r| given(r).is_some()))
                    .collect(),
                Some(sel) => {
                    let value = given(sel)
                        .or_else(|| self.param(sel).and_then(|p| p.default).map(str::to_owned));
                    match value {
                        // A value the documentation does not list is Alma's to judge.
                        Some(v) => c
                            .variants
                            .iter()
                            .filter(|x| x.value.is_some_and(|xv| xv.eq_ignore_ascii_case(&v)))
                            .collect(),
                        None => Vec::new(),
                    }
                }
            };
            let v = match (chosen.as_slice(), c.selector) {
                ([one], _) => *one,
                ([], None) => {
                    return Err(ChoiceViolation::Neither {
                        members: c
                            .variants
                            .iter()
                            .flat_map(|v| v.required.iter().copied())
                            .collect(),
                    })
                }
                (_, None) => {
                    return Err(ChoiceViolation::Several {
                        given: chosen
                            .iter()
                            .flat_map(|v| v.required.iter().copied())
                            .collect(),
                    })
                }
                (_, Some(_)) => continue,
            };
            let way = match (c.selector, v.value) {
                (Some(s), Some(value)) => format!("{s}={value}"),
                _ => v.required.join("+"),
            };
            if let Some(param) = v.required.iter().find(|r| given(r).is_none()) {
                return Err(ChoiceViolation::Missing { way, param });
            }
            let own = |n: &str| v.required.contains(&n) || v.optional.contains(&n);
            for other in c.variants.iter().filter(|o| o.name != v.name) {
                for p in other.required.iter().chain(other.optional) {
                    if !own(p) && given(p).is_some() {
                        return Err(ChoiceViolation::NotWith { way, param: p });
                    }
                }
            }
        }
        Ok(())
    }

    /// Where the operation's record holds parameter `name`'s value, if it does.
    pub fn param_field(&self, name: &str) -> Option<&'static str> {
        self.param_fields
            .iter()
            .find(|(p, _)| *p == name)
            .map(|(_, f)| *f)
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

#[cfg(test)]
mod tests {
    use super::ParamType;

    #[test]
    fn values_judged_by_type() {
        assert!(ParamType::Integer.accepts("12") && !ParamType::Integer.accepts("1.5"));
        assert!(ParamType::Number.accepts("1.5"));
        assert!(ParamType::Boolean.accepts("TRUE") && !ParamType::Boolean.accepts("yes"));
        let e = ParamType::Enum(&["loans", "requests"]);
        assert_eq!(e.rejects("loans, Requests"), None);
        assert_eq!(e.rejects("loans,fees"), Some("fees"));
        assert!(ParamType::String.accepts("anything"));
    }
}
