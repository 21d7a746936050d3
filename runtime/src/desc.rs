//! Model descriptions and the small value types every layer above shares. The bottom layer of
//! the runtime: it imports nothing of the crate.

/// Fields a model does not know, kept in the order they arrived and written back on encode, so a
/// GET → change → PUT round trip never drops data.
pub type Extra = serde_json::Map<String, serde_json::Value>;

/// A generated model's name and description (implemented by generated code; every
/// [`Model`](crate::Model) is one).
pub trait Described {
    /// The Rust type name (`User`).
    const NAME: &'static str;
    /// How the model looks in either format.
    fn desc() -> &'static ModelDesc;
}

/// Whether a value carries no data (nothing set), so that a required object left empty is not
/// sent. Implemented by every generated model.
pub trait IsEmpty {
    /// Nothing is set.
    fn is_empty(&self) -> bool;
}

impl<T: IsEmpty> IsEmpty for Box<T> {
    fn is_empty(&self) -> bool {
        (**self).is_empty()
    }
}

/// Where a field lives in the XML (in JSON every field is a key of the object).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// A child element.
    Element,
    /// An attribute of the model's element.
    Attribute,
    /// The model element's own text.
    Text,
    /// Raw child elements (`xs:any`), kept as XML strings.
    Any,
}

/// What a text field's value is, as the SDK types it (for tools that set fields by name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarKind {
    /// Text.
    Str,
    /// An integer.
    Int,
    /// A number.
    Num,
    /// `true` or `false`.
    Bool,
    /// One of an enumeration's values (open: others are kept).
    Enum,
}

/// What a field holds.
#[derive(Debug, Clone, Copy)]
pub enum FieldValue {
    /// Text (strings, numbers, booleans, enums), of this kind.
    Scalar(ScalarKind),
    /// A `{value, desc}` code pair.
    Code,
    /// A nested model.
    Model(fn() -> &'static ModelDesc),
    /// Free-form content.
    Any,
}

/// One field of a model.
#[derive(Debug, Clone, Copy)]
pub struct FieldDesc {
    /// JSON key / serde name.
    pub key: &'static str,
    /// Element or attribute name (for arrays: each item's element name).
    pub name: &'static str,
    /// Where the field lives.
    pub kind: FieldKind,
    /// For arrays in a wrapper element (`<rows><row/></rows>`): the wrapper's name.
    pub wrapper: Option<&'static str>,
    /// The field is an array.
    pub array: bool,
    /// What the field holds.
    pub value: FieldValue,
}

impl FieldDesc {
    /// A field description (used by generated code).
    pub const fn new(
        key: &'static str,
        name: &'static str,
        kind: FieldKind,
        wrapper: Option<&'static str>,
        array: bool,
        value: FieldValue,
    ) -> FieldDesc {
        FieldDesc {
            key,
            name,
            kind,
            wrapper,
            array,
            value,
        }
    }
}

/// A generated model described for every format: its fields (JSON keys, XML names and places,
/// what each holds) and its root element. The codecs, the XML reader and writer, the registry, the
/// CLI's batch editor and the local Alma all read models through it.
#[derive(Debug)]
pub struct ModelDesc {
    /// The element name when the model is a document root.
    pub root: &'static str,
    /// The fields, in schema order.
    pub fields: &'static [FieldDesc],
}
