//! The intermediate representation: what the API *is*, independent of openapiv3, of JSON
//! pointers and of Rust tokens. Lowering builds it; emitting and the report read it.
//!
//! Collections are ordered (`Vec` in a defined order, `BTreeMap`) so that everything derived from
//! the IR is deterministic.

use std::collections::BTreeMap;

use serde::Serialize;

/// The whole API surface of one generation.
#[derive(Debug, Clone, Serialize)]
pub struct Api {
    /// Package name of the generated crate (`alma-sdk`).
    pub crate_name: String,
    /// The generated crate's version, from its changelog (`release.rs`).
    pub crate_version: String,
    pub generator_version: String,
    pub spec_sha256: String,
    pub areas: Vec<Area>,
    /// Every model, by its stable id.
    pub models: BTreeMap<ModelId, Model>,
    /// The call the crate's docs show (set by the finishing pass).
    pub doc_example: Option<DocExample>,
    /// Fields whose codes a code table lists ("Possible codes are listed in 'User Groups' code
    /// table"): `(field, table)`, for field names that name one table wherever they are (set by
    /// the `code_tables` pass). What the local Alma builds its code tables from.
    pub code_table_fields: Vec<(String, String)>,
    /// Alma's refusals that no one operation owns — a general error, a mandatory parameter
    /// missing, a parameter's value invalid —, each the code and message the operations
    /// document most often (set by the `refusals` pass).
    pub refusals: Vec<(Refusal, ErrorCode)>,
}

/// A kind of refusal many operations document (see [`Api::refusals`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Refusal {
    /// "General Error - An error has occurred while processing the request."
    General,
    /// "Mandatory field is missing: X."
    Missing,
    /// "Parameter value is invalid."
    Invalid,
}

impl Refusal {
    pub const ALL: [Refusal; 3] = [Refusal::General, Refusal::Missing, Refusal::Invalid];

    /// Words of the documented message that say it is one of this kind (lower case).
    pub fn words(self) -> &'static [&'static str] {
        match self {
            Refusal::General => &["general error"],
            Refusal::Missing => &["mandatory", "missing"],
            Refusal::Invalid => &["param", "invalid"],
        }
    }
}

impl Api {
    /// The crate's name as a Rust path segment (`alma_sdk`).
    pub fn crate_ident(&self) -> String {
        self.crate_name.replace('-', "_")
    }

    /// The models operations send or answer (request and response bodies), with repeats.
    pub fn operation_bodies(&self) -> impl Iterator<Item = &ModelId> {
        self.areas.iter().flat_map(|a| a.operation_bodies())
    }
}

impl Area {
    /// The models this area's operations send or answer, with repeats.
    pub fn operation_bodies(&self) -> impl Iterator<Item = &ModelId> {
        self.operations
            .iter()
            .flat_map(|op| [&op.request, &op.response])
            .flatten()
            .filter_map(|b| match &b.ty {
                BodyType::Model(id) => Some(id),
                BodyType::Opaque { .. } => None,
            })
    }
}

/// An operation to show in the crate docs: the first (areas and operations in order) that GETs a
/// typed resource by one path parameter, e.g. `client.acq().get_fund("…")`.
#[derive(Debug, Clone, Serialize)]
pub struct DocExample {
    pub area: String,
    pub operation: String,
}

/// Stable identity of a model: `file#/pointer` of the schema it came from.
pub type ModelId = String;

#[derive(Debug, Clone, Serialize)]
pub struct Area {
    /// Module/feature name (`users`).
    pub name: String,
    pub title: String,
    /// Spec file relative to the spec directory.
    pub spec_file: String,
    /// Sorted by (path, method).
    pub operations: Vec<Operation>,
    /// `$ref`s whose schema file is missing, with the operations that use them. Sorted.
    pub unresolved_refs: BTreeMap<String, Vec<String>>,
    /// Alma's job operations, when the area has them typed (set by the finishing pass).
    pub jobs: Option<Jobs>,
    /// Enumerations of query parameter values, sorted by name (set by the `param_values` pass).
    pub param_enums: Vec<ParamEnum>,
    /// Set for the webhooks module (`[webhooks]` in `specs/areas.toml`), which has no operations.
    pub webhook: Option<Webhook>,
}

/// Alma's webhook calls: the payload model and the actions it tells apart.
#[derive(Debug, Clone, Serialize)]
pub struct Webhook {
    /// The model of a call's body (`<notification>`).
    pub model: ModelId,
    /// Sorted by action. From the payload fields' documentation ("Relevant when action=LOAN").
    pub actions: Vec<WebhookAction>,
}

/// One `action` of a webhook call and the field that carries its object.
#[derive(Debug, Clone, Serialize)]
pub struct WebhookAction {
    /// As on the wire: `JOB_END`.
    pub action: String,
    /// The event enum's variant: `JobEnd`.
    pub variant: String,
    /// JSON keys of the payload's fields that carry the action's object (`job_instance`).
    pub fields: Vec<String>,
}

/// The values a query parameter takes, as a Rust enum with an `Other(String)` case: from the
/// schema's `enum`, from the description's "Valid values are …", or from `specs/corrections.toml`.
#[derive(Debug, Clone, Serialize)]
pub struct ParamEnum {
    /// UpperCamelCase type name, unique in the area's module.
    pub name: String,
    /// The parameter's name on the wire.
    pub param: String,
    /// Description of the parameter where the type was first found.
    pub doc: Option<String>,
    pub values: Vec<EnumValue>,
    pub source: ValuesSource,
    /// Method names of the operations taking it, sorted.
    pub operations: Vec<String>,
}

/// Where a parameter's values were read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum ValuesSource {
    /// The parameter schema's `enum`.
    Schema,
    /// A list in the description ("Valid values are a, b.").
    Description,
    /// `[[param_values.explicit]]` in `specs/corrections.toml`, for prose no rule reads.
    Correction,
}

impl ValuesSource {
    pub fn as_str(self) -> &'static str {
        match self {
            ValuesSource::Schema => "schema",
            ValuesSource::Description => "description",
            ValuesSource::Correction => "correction",
        }
    }
}

/// One value of an enumeration: as sent, and its Rust variant.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct EnumValue {
    pub wire: String,
    pub variant: String,
}

/// The operations `run_job_and_wait` is built on, found by method and path shape
/// (`POST …/jobs/{job_id}` with an `op` parameter, `GET …/jobs/{job_id}/instances/{instance_id}`),
/// whatever their method names.
#[derive(Debug, Clone, Serialize)]
pub struct Jobs {
    /// Method name of the submit operation.
    pub submit: String,
    /// Method name of the instance operation.
    pub instance: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum HttpMethod {
    Get,
    Post,
    Put,
    Delete,
}

impl HttpMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Delete => "DELETE",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Operation {
    /// snake_case method name, unique within the area.
    pub name: String,
    pub method: HttpMethod,
    /// Path template we send (after corrections), e.g. `/almaws/v1/users/{user_id}`.
    pub path: String,
    /// Path as written upstream (documentation links, naming overrides).
    pub spec_path: String,
    pub operation_id: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub tags: Vec<String>,
    /// Link to the operation's page on the developer network.
    pub doc_url: String,
    /// Path parameters in template order, then query parameters in spec order.
    pub params: Vec<Param>,
    pub request: Option<Body>,
    pub response: Option<Body>,
    /// Error codes documented for 4xx/5xx responses: (http status, code, message).
    pub errors: Vec<ErrorCode>,
    /// How to walk the whole list, for list operations (set by the finishing pass).
    pub pagination: Option<Pagination>,
    /// The overlay of ours the operation comes from (`specs/overlays/…`), when it is not in
    /// Ex Libris's spec.
    pub overlay: Option<String>,
    /// Whether a client holding a read-only API key may send it.
    pub read_only: ReadOnlyAccess,
    /// What the operation does to the records it addresses (set by `lower/resources.rs`): what
    /// the local Alma (`alma-sim`) does for it and what `alma batch` edits through it.
    pub resource: Resource,
    /// The enum of the error codes the operation documents (`GetUserError`), when it documents
    /// any (set by the `error_codes` pass).
    pub error_enum: Option<String>,
    /// Parameters that go together, as one argument of the method whose type lets a program
    /// send only what Alma's prose allows (set by the `prose` pass).
    pub choices: Vec<Choice>,
    /// Alma answers success with no content (HTTP 204), as the operation's description says,
    /// whatever response the spec declares: the method gives `()` (set by the `prose` pass).
    pub no_content: bool,
    /// Where Ex Libris's prose overrules the spec's flags for this operation, and where it was
    /// read but deliberately not followed (set by the `prose` pass; listed in the report).
    pub prose: Vec<ProseDecision>,
    /// What Alma does beyond the operation's role, as its documentation says (set by the
    /// `behaviours` pass, each with its sentence in [`Operation::prose`]).
    pub behaviours: Vec<Behaviour>,
}

/// Something Alma does for an operation that its [`Role`] does not say, decided from the
/// documentation's own sentence (the local Alma serves it; the report quotes it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Behaviour {
    /// Another way to one record: query parameter `param` names the record whose field `field`
    /// holds its value, and Alma answers with a redirect to the record's own URL (operation
    /// `read`).
    FindBy {
        param: String,
        field: String,
        read: String,
    },
    /// Lends an item to a user: the loan is listed under both, the item leaves its place.
    Lend,
    /// Scans an item in: its loan ends, it is back in place.
    ScanIn,
    /// Runs a job: a new instance that moves on until it completes.
    RunJob,
    /// A report answered in parts: the first with a resumption token, each next part by it.
    ReportInParts,
    /// Authenticates a user by the password the user record holds (with `op` = this value);
    /// success is no content.
    Authenticate { op: String },
    /// Fields of the body's model that Alma sets ("Output parameter."): a write's values for
    /// them are not taken; Alma keeps or derives them (a bib's title from its MARC record).
    OutputFields { fields: Vec<String> },
    /// A field the answers give empty and a PUT that leaves it empty keeps (a password).
    WriteOnly { field: String },
}

/// Parameters of which a call sends one group: an either/or group ("Send either this parameter
/// or the department parameter": one variant per parameter), or the values of an `op` parameter
/// whose documented values take different parameters ("Relevant for op=auth": one variant per
/// value, carrying its own). One argument of the method, typed as an enum of the variants.
#[derive(Debug, Clone, Serialize)]
pub struct Choice {
    /// UpperCamelCase type name, unique in the area's module (`ScanInItemCircDeskOrDepartment`).
    pub name: String,
    /// The method's argument (`circ_desk_or_department`, `op`).
    pub arg: String,
    /// For a choice of values: the parameter whose value names the variant (`op`).
    pub selector: Option<String>,
    pub variants: Vec<ChoiceVariant>,
}

/// One way to call: the selector's value it sends, and the parameters that go with it.
#[derive(Debug, Clone, Serialize)]
pub struct ChoiceVariant {
    /// UpperCamelCase case name (`CircDesk`, `Auth`).
    pub variant: String,
    /// snake_case constructor name (`circ_desk`, `auth`).
    pub constructor: String,
    /// The selector's value on the wire, for a choice of values.
    pub value: Option<String>,
    /// Wire names of the parameters this variant must send.
    pub required: Vec<String>,
    /// Wire names of the parameters this variant may send.
    pub optional: Vec<String>,
}

/// What the prose of a parameter or an operation said, and what the IR made of it.
#[derive(Debug, Clone, Serialize)]
pub struct ProseDecision {
    /// The parameter it concerns, if one.
    pub param: Option<String>,
    pub kind: ProseKind,
    /// The sentence it came from, as written upstream.
    pub quote: String,
    /// Where the sentence is: `parameter` or `operation` description.
    pub from: &'static str,
    /// Decided by an entry of `specs/corrections.toml` (`[[prose]]`) rather than a rule.
    pub correction: bool,
    /// For [`ProseKind::Left`]: why the prose is not followed.
    pub reason: Option<String>,
}

/// The kinds of [`ProseDecision`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum ProseKind {
    /// Required in the spec, optional in the prose ("Optional.", "Needed when …").
    RequiredToOptional,
    /// Optional in the spec, required in the prose ("Mandatory.").
    OptionalToRequired,
    /// A member of an either/or group.
    EitherOr,
    /// Relevant only with one value of the selector ("Relevant for op=auth").
    Condition,
    /// A required parameter with one documented value: the method sends it itself.
    Fixed,
    /// A secret the prose lets us send in a header instead of the URL.
    SecretToHeader,
    /// Success is HTTP 204 with no content.
    NoContent,
    /// A behaviour of Alma's beyond the operation's role ([`Behaviour`]), or a body Alma takes
    /// in XML only.
    Behaviour,
    /// A path parameter that may be one word standing for every record ("May be ALL").
    Wildcard,
    /// Read, and deliberately not followed (see the reason).
    Left,
}

impl ProseKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProseKind::RequiredToOptional => "required→optional",
            ProseKind::OptionalToRequired => "optional→required",
            ProseKind::EitherOr => "either/or",
            ProseKind::Condition => "condition",
            ProseKind::Fixed => "fixed value",
            ProseKind::SecretToHeader => "secret to header",
            ProseKind::NoContent => "no-content",
            ProseKind::Behaviour => "behaviour",
            ProseKind::Wildcard => "wildcard",
            ProseKind::Left => "left",
        }
    }
}

/// How a list operation is walked to the end.
#[derive(Debug, Clone, Serialize)]
pub enum Pagination {
    /// `limit`/`offset`, the typed answer holding the page's items in one array field.
    OffsetLimit {
        /// The array field of the response model holding the page's items.
        items_field: String,
        /// Its element type.
        item: TypeRef,
        /// The field that identifies a record, when one does (see `lower/record_ids.rs`): the
        /// stream uses it to stop on a repeated page and to yield a record seen twice once.
        id: Option<RecordId>,
    },
    /// `limit`/`offset` with an answer that has no published schema: the items are read as JSON
    /// from the page's one array field at run time.
    RawOffsetLimit,
    /// Analytics reports: a `token` query parameter and raw `QueryResult` documents in the
    /// answer's `xs:any` field.
    ResumptionToken {
        /// The `xs:any` field of the response model holding the raw results.
        raw_field: String,
    },
}

/// What an operation does, from its method and the shape of its path among the area's paths:
/// a path ending in a parameter addresses one record of the collection above it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
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
    /// GET of a path that is not a collection (`/conf/general`).
    #[default]
    Get,
    /// PUT of such a path.
    Put,
    /// DELETE of such a path.
    Remove,
    /// POST to such a path (an action on no one record).
    Post,
}

/// The records an operation addresses (see [`Role`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Resource {
    pub role: Role,
    /// For [`Role::List`]: the JSON key of the answer's array of records.
    pub items_key: Option<String>,
    /// The JSON path of a record's identifier in the record (`primary_id`, `item_data.pid`),
    /// for the roles that carry a record.
    pub record_id: Option<String>,
    /// What Alma answers when a path parameter names no record, one per path parameter,
    /// outermost first.
    pub not_found: Vec<NotFound>,
    /// For [`Role::Update`]: the GET of the same record, when the two make a typed GET → PUT
    /// pair with no required query parameter (what `update_*_with` and `alma batch --set` use).
    pub get_pair: Option<String>,
    /// Where the operation's record (a list's item) holds each parameter's value, for the
    /// parameters it holds: `(mms_id, bib_data.mms_id)`. In parameter order.
    pub param_fields: Vec<(String, String)>,
}

/// Alma's error for a path parameter that names no record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotFound {
    /// The path parameter.
    pub param: String,
    pub code: String,
    pub message: String,
    /// Whether an operation of the resource documents the code (else a general error).
    pub documented: bool,
}

/// Whether a read-only API key may call an operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum ReadOnlyAccess {
    /// A read (GET).
    Allowed,
    /// A write.
    Denied,
    /// A write that alters nothing when the query parameter `param` is one of `values`, or
    /// absent when `absent` (its default is one of them): `[[read_only]]` in
    /// `specs/corrections.toml`.
    When {
        param: String,
        values: Vec<String>,
        absent: bool,
    },
}

/// Where a list record's identifier is: a path of fields from the record (`item_data.pid`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordId {
    /// Each step: the field's Rust name and whether it is held in an `Option`.
    pub steps: Vec<(String, bool)>,
    /// The path as JSON keys, for documentation and messages (`item_data.pid`).
    pub json_path: String,
}

impl Operation {
    /// `METHOD path` as written upstream.
    pub fn key(&self) -> String {
        format!("{} {}", self.method.as_str(), self.spec_path)
    }

    /// Every body the operation sends or receives has a generated model.
    pub fn is_typed(&self) -> bool {
        [&self.request, &self.response]
            .into_iter()
            .flatten()
            .all(|b| matches!(b.ty, BodyType::Model(_)))
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ErrorCode {
    pub status: String,
    pub code: String,
    pub message: String,
    /// The case of the operation's error enum (set by the `error_codes` pass; the first entry of
    /// a code repeated under another status has it, the others are empty).
    pub variant: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ParamIn {
    Path,
    Query,
    /// A request header (a secret the prose lets us send there: `Exl-User-Pw`).
    Header,
}

#[derive(Debug, Clone, Serialize)]
pub struct Param {
    /// Name on the wire.
    pub name: String,
    /// snake_case Rust name.
    pub rust_name: String,
    pub location: ParamIn,
    pub required: bool,
    pub ty: ScalarType,
    pub default: Option<Scalar>,
    pub description: Option<String>,
    /// The schema's `enum`, as written.
    pub schema_enum: Vec<String>,
    /// The area's [`ParamEnum`] that types this parameter (set by the `param_values` pass).
    pub enum_type: Option<String>,
    /// A required parameter with one documented value: the method sends this value itself
    /// (set by the `prose` pass).
    pub fixed: Option<String>,
    /// A secret (a password): sent in [`Param::header`], redacted wherever printed.
    pub secret: bool,
    /// For [`ParamIn::Header`]: the header's name (`Exl-User-Pw`).
    pub header: Option<String>,
    /// The header's value is percent-encoded ("sent, URL-encoded, in the header named …").
    pub url_encoded: bool,
    /// The [`Choice`] (by name) this parameter belongs to.
    pub choice: Option<String>,
    /// For a path parameter: the word that stands for every record of its level ("May be ALL
    /// to retrieve all holdings for a Bib"; set by the `behaviours` pass).
    pub wildcard: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ScalarType {
    String,
    Integer,
    Number,
    Boolean,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Scalar {
    String(String),
    Integer(i64),
    Number(f64),
    Boolean(bool),
}

impl std::fmt::Display for Scalar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Scalar::String(s) => write!(f, "{s:?}"),
            Scalar::Integer(i) => write!(f, "{i}"),
            Scalar::Number(n) => write!(f, "{n}"),
            Scalar::Boolean(b) => write!(f, "{b}"),
        }
    }
}

/// A request or response body.
#[derive(Debug, Clone, Serialize)]
pub struct Body {
    /// The spec offers JSON for this body.
    pub json: bool,
    /// The spec offers XML for this body.
    pub xml: bool,
    pub ty: BodyType,
    pub description: Option<String>,
}

impl Body {
    /// The API accepts only XML here (MARCXML payloads): send XML whatever the client's format.
    pub fn xml_only(&self) -> bool {
        self.xml && !self.json
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum BodyType {
    /// A generated model.
    Model(ModelId),
    /// No model: the schema file is missing (the `$ref` is kept) or the schema is free-form.
    Opaque { unresolved_ref: Option<String> },
}

/// Where a model's definition came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ModelSource {
    JsonSchema,
    Xsd,
    /// A list derived from its item by Alma's list convention (`specs/corrections.toml`).
    Derived,
}

impl ModelSource {
    /// How reports name it: `json-schema`, `xsd`, `derived`.
    pub fn as_str(self) -> &'static str {
        match self {
            ModelSource::JsonSchema => "json-schema",
            ModelSource::Xsd => "xsd",
            ModelSource::Derived => "derived",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Model {
    pub id: ModelId,
    /// UpperCamelCase type name, unique across the crate.
    pub name: String,
    /// Schema file (`rest_user`) or area spec it came from.
    pub file: String,
    pub doc: Option<String>,
    pub source: ModelSource,
    /// Element name when this model is the root of an XML document or an array item.
    pub xml_name: Option<String>,
    pub kind: ModelKind,
    /// Areas whose operations reach this model (decides its module and feature gate).
    pub areas: Vec<String>,
}

impl Model {
    /// Where the type is defined, from the crate root: `users::models::User` when one area uses
    /// it, `shared::Item` when several do.
    pub fn rust_path(&self) -> String {
        match self.areas.as_slice() {
            [one] => format!("{one}::models::{}", self.name),
            _ => format!("shared::{}", self.name),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub enum ModelKind {
    Struct {
        fields: Vec<Field>,
    },
    /// A string enumeration; unknown values are kept, never rejected.
    Enum {
        values: Vec<EnumValue>,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct Field {
    /// Key in JSON (and element/attribute name in XML unless `xml.name` says otherwise).
    pub name: String,
    pub rust_name: String,
    pub ty: TypeRef,
    /// The schema lists the field as required.
    pub required: bool,
    /// How the field is held in Rust (decided by the `field_forms` pass in `lower/finish.rs`).
    pub holding: Holding,
    pub doc: Option<String>,
    pub example: Option<String>,
    /// JSON Schema `format` of a string field (`date`, `date-time`, …).
    pub format: Option<String>,
    /// The code table that lists the field's codes, as the XSD's `xs:codeTable` names it.
    pub code_table: Option<String>,
    pub xml: XmlField,
}

/// How a field's value is held in the generated struct.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum Holding {
    /// The type itself: lists (empty when absent), free-form JSON (`null` when absent), and
    /// required text and objects (Alma sends them; an absent one stays absent on the wire).
    Plain,
    /// `Option<T>`: optional fields, and every number, boolean and enum (inventing a `0`,
    /// `false` or a first variant would change data on a PUT).
    #[default]
    Optional,
    /// `Box<T>`: a required model that contains itself.
    Boxed,
    /// `Option<Box<T>>`: an optional model that contains itself.
    OptionalBoxed,
}

impl Holding {
    pub fn is_optional(self) -> bool {
        matches!(self, Holding::Optional | Holding::OptionalBoxed)
    }

    pub fn is_boxed(self) -> bool {
        matches!(self, Holding::Boxed | Holding::OptionalBoxed)
    }
}

/// How a field appears in XML; the JSON schema's `xml` hints, kept for the wire-format work.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct XmlField {
    /// Element or attribute name (defaults to the JSON key).
    pub name: String,
    /// `xml.attribute: true`.
    pub attribute: bool,
    /// `xml.name: xml_value`: the element's text content.
    pub text: bool,
    /// For arrays with `xml.wrapped`: the wrapper element's name.
    pub wrapper: Option<String>,
    /// Raw XML children (`xs:any`, `xml.name: xml_any`): MARCXML records kept as strings.
    pub any: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum TypeRef {
    String,
    Integer,
    Number,
    Boolean,
    /// `{ value, desc }` code/description pair (runtime type `CodeValue`).
    CodeValue,
    /// Free-form JSON.
    Any,
    Model(ModelId),
    Array(Box<TypeRef>),
}
