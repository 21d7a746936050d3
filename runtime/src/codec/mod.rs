//! How generated models read and write Alma's JSON shape, in both wire formats.
//!
//! Every model implements [`Codec`] with two small generated functions: `from_node` (a `match`
//! on the keys of a parsed [`Node`]) and `to_value` (one [`ObjectWriter::field`] call per
//! field). Everything else — lenient scalars, arrays that arrive as a lone element, unknown
//! fields, error paths — lives here, compiled once, instead of in serde-derived code that the
//! compiler would instantiate again for every model and every deserializer. That is what keeps
//! the generated crate quick to compile.
//!
//! Real Alma answers do not always match the declared types, so reading is lenient: booleans
//! arrive as `true` and as `"false"`, numbers as `12.5` and as `"12.5"`, any field may be `null`
//! or `""`, and a one-element array may arrive as the bare element.

mod node;

use std::fmt;

use serde_json::{Map, Value};

pub use node::Node;

use crate::body::{CodeValue, Extra, IsEmpty};

/// A value generated models can hold: it reads itself from a [`Node`] and writes itself as a
/// `serde_json::Value` in Alma's JSON shape.
pub trait Codec: Sized {
    /// Reads the value.
    fn from_node(node: Node<'_>) -> Result<Self, DecodeError>;

    /// Reads an optional value: `null` (and, for numbers and booleans, `""`) is `None`.
    fn from_node_opt(node: Node<'_>) -> Result<Option<Self>, DecodeError> {
        match node {
            Node::Null => Ok(None),
            node => Self::from_node(node).map(Some),
        }
    }

    /// Writes the value.
    fn to_value(&self) -> Value;

    /// Whether the field holding this value is left out when encoding: `None`, an empty list,
    /// a required object with nothing set (Alma treats a missing field as its default).
    fn is_absent(&self) -> bool {
        false
    }
}

/// Why a document did not fit a model, and where (`user_group.value`, `item[3].barcode`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// Innermost segment first; reversed for display.
    path: Vec<Segment>,
    message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Key(String),
    Index(usize),
}

impl DecodeError {
    /// An error at the current position.
    pub fn new(message: impl Into<String>) -> DecodeError {
        DecodeError {
            path: Vec::new(),
            message: message.into(),
        }
    }

    fn expected(what: &str, node: &Node<'_>) -> DecodeError {
        DecodeError::new(format!("expected {what}, found {}", node.kind()))
    }

    /// The same error, one level down in field `key`.
    pub fn in_field(mut self, key: &str) -> DecodeError {
        self.path.push(Segment::Key(key.to_owned()));
        self
    }

    fn in_item(mut self, index: usize) -> DecodeError {
        self.path.push(Segment::Index(index));
        self
    }

    /// The path to the offending value, e.g. `contact_info.address[1].city`.
    pub fn path(&self) -> String {
        let mut out = String::new();
        for seg in self.path.iter().rev() {
            match seg {
                Segment::Key(k) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                }
                Segment::Index(i) => out.push_str(&format!("[{i}]")),
            }
        }
        out
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "at {}: {}", self.path(), self.message)
        }
    }
}

impl std::error::Error for DecodeError {}

/// What a generated model passes to [`decode_object`]: takes a key and its value, and gives the
/// value back when the key is not one of the model's fields.
pub type FieldReader<'f, 'a> =
    dyn FnMut(&str, Node<'a>) -> Result<Option<Node<'a>>, DecodeError> + 'f;

/// Reads an object for a generated model: `field` is called with each key and value and takes
/// the value (`Ok(None)`) when the key is one of the model's fields; every other entry is
/// returned, in order, as the model's `extra`. `null` reads as an object with nothing set.
/// A key given twice is an error: keeping either value would silently drop the other.
pub fn decode_object<'a>(
    node: Node<'a>,
    model: &'static str,
    field: &mut FieldReader<'_, 'a>,
) -> Result<Extra, DecodeError> {
    let mut entries = match node {
        Node::Object(entries) => entries,
        Node::Null => return Ok(Extra::new()),
        other => return Err(DecodeError::expected(&format!("a {model} object"), &other)),
    };
    let mut extra = Extra::new();
    // A 64-bit filter of the keys so far: the usual object (no key twice) costs one bit test per
    // key, and only a filter hit scans the earlier keys.
    let mut filter = 0u64;
    for i in 0..entries.len() {
        let (before, rest) = entries.split_at_mut(i);
        let Some(((key, slot), _)) = rest.split_first_mut() else {
            break;
        };
        let bit = 1u64 << key_hash(key);
        if filter & bit != 0 && before.iter().any(|(k, _)| k == key) {
            return Err(DecodeError::new(format!("duplicate field `{key}`")));
        }
        filter |= bit;
        let value = std::mem::replace(slot, Node::Null);
        if let Some(value) = field(key, value).map_err(|e| e.in_field(key))? {
            extra.insert(key.to_string(), value.into_value());
        }
    }
    Ok(extra)
}

/// A cheap 6-bit hash of a key for the duplicate filter.
fn key_hash(key: &str) -> u32 {
    let b = key.as_bytes();
    let first = b.first().copied().unwrap_or(0) as u32;
    let last = b.last().copied().unwrap_or(0) as u32;
    let mid = b.get(b.len() / 2).copied().unwrap_or(0) as u32;
    (b.len() as u32)
        .wrapping_mul(31)
        .wrapping_add(first)
        .wrapping_add(last.wrapping_mul(7))
        .wrapping_add(mid.wrapping_mul(13))
        & 63
}

/// Builds the JSON object of a generated model, fields in declaration order, then `extra`.
#[derive(Debug, Default)]
pub struct ObjectWriter {
    map: Map<String, Value>,
}

impl ObjectWriter {
    /// An empty object.
    pub fn new() -> ObjectWriter {
        ObjectWriter::default()
    }

    /// Writes `value` under `key` unless it is absent (see [`Codec::is_absent`]).
    pub fn field<T: Codec>(&mut self, key: &'static str, value: &T) {
        if !value.is_absent() {
            self.map.insert(key.to_owned(), value.to_value());
        }
    }

    /// Adds the fields the model did not know (never overriding a known one) and returns the
    /// object.
    pub fn finish(mut self, extra: &Extra) -> Value {
        for (k, v) in extra {
            if !self.map.contains_key(k) {
                self.map.insert(k.clone(), v.clone());
            }
        }
        Value::Object(self.map)
    }
}

// --- scalars -------------------------------------------------------------------------------

fn is_blank(node: &Node<'_>) -> bool {
    matches!(node, Node::Str(s) if s.trim().is_empty())
}

/// A string; numbers and booleans are turned into their text, `null` into `""`, and an object
/// or array (never seen for a string field, but not worth failing a whole page for) into its
/// JSON text.
impl Codec for String {
    fn from_node(node: Node<'_>) -> Result<Self, DecodeError> {
        Ok(match node {
            Node::Null => String::new(),
            Node::Str(s) => s.into_owned(),
            Node::Bool(b) => b.to_string(),
            Node::Number(n) => n.to_string(),
            other => other.into_value().to_string(),
        })
    }

    fn to_value(&self) -> Value {
        Value::String(self.clone())
    }
}

/// An integer from a number or a numeric string; `null` and `""` give 0 (`None` when optional).
impl Codec for i64 {
    fn from_node(node: Node<'_>) -> Result<Self, DecodeError> {
        Ok(i64::from_node_opt(node)?.unwrap_or_default())
    }

    fn from_node_opt(node: Node<'_>) -> Result<Option<Self>, DecodeError> {
        match node {
            Node::Null => Ok(None),
            ref n if is_blank(n) => Ok(None),
            Node::Number(n) => n
                .as_i64()
                .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
                .map(Some)
                .ok_or_else(|| DecodeError::new(format!("{n} is not an integer"))),
            Node::Str(s) => s
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| DecodeError::new(format!("{s:?} is not an integer"))),
            other => Err(DecodeError::expected("an integer", &other)),
        }
    }

    fn to_value(&self) -> Value {
        Value::from(*self)
    }
}

/// A number from a number or a numeric string; `null` and `""` give 0 (`None` when optional).
impl Codec for f64 {
    fn from_node(node: Node<'_>) -> Result<Self, DecodeError> {
        Ok(f64::from_node_opt(node)?.unwrap_or_default())
    }

    fn from_node_opt(node: Node<'_>) -> Result<Option<Self>, DecodeError> {
        match node {
            Node::Null => Ok(None),
            ref n if is_blank(n) => Ok(None),
            Node::Number(n) => Ok(n.as_f64()),
            Node::Str(s) => s
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| DecodeError::new(format!("{s:?} is not a number"))),
            other => Err(DecodeError::expected("a number", &other)),
        }
    }

    fn to_value(&self) -> Value {
        serde_json::Number::from_f64(*self).map_or(Value::Null, Value::Number)
    }
}

/// A boolean from `true`, `"true"`, `"false"`, `"Y"`/`"N"`, `1`/`0`; `null` and `""` give
/// `false` (`None` when optional).
impl Codec for bool {
    fn from_node(node: Node<'_>) -> Result<Self, DecodeError> {
        Ok(bool::from_node_opt(node)?.unwrap_or_default())
    }

    fn from_node_opt(node: Node<'_>) -> Result<Option<Self>, DecodeError> {
        match node {
            Node::Null => Ok(None),
            Node::Bool(b) => Ok(Some(b)),
            Node::Str(s) => match s.trim().to_ascii_lowercase().as_str() {
                "" => Ok(None),
                "true" | "y" | "yes" | "1" => Ok(Some(true)),
                "false" | "n" | "no" | "0" => Ok(Some(false)),
                _ => Err(DecodeError::new(format!("{s:?} is not a boolean"))),
            },
            Node::Number(n) => Ok(Some(n.as_f64() != Some(0.0))),
            other => Err(DecodeError::expected("a boolean", &other)),
        }
    }

    fn to_value(&self) -> Value {
        Value::Bool(*self)
    }
}

/// Free-form content, kept as it came.
impl Codec for Value {
    fn from_node(node: Node<'_>) -> Result<Self, DecodeError> {
        Ok(node.into_value())
    }

    fn to_value(&self) -> Value {
        self.clone()
    }

    fn is_absent(&self) -> bool {
        self.is_null()
    }
}

impl Codec for CodeValue {
    /// `{"value", "desc", …}`; a bare string is the code alone.
    fn from_node(node: Node<'_>) -> Result<Self, DecodeError> {
        if let Node::Str(s) = node {
            return Ok(CodeValue::new(s.into_owned()));
        }
        let mut out = CodeValue::default();
        let extra = decode_object(node, "code/description", &mut |k, v| {
            match k {
                "value" => out.value = String::from_node(v)?,
                "desc" => out.desc = String::from_node_opt(v)?,
                _ => return Ok(Some(v)),
            }
            Ok(None)
        })?;
        out.extra = extra;
        Ok(out)
    }

    fn to_value(&self) -> Value {
        let mut w = ObjectWriter::new();
        if !self.value.is_empty() {
            w.field("value", &self.value);
        }
        w.field("desc", &self.desc);
        w.finish(&self.extra)
    }

    fn is_absent(&self) -> bool {
        self.is_empty()
    }
}

/// The text of an enumerated value (numbers and booleans as text); `None` for `null`, which
/// generated enums read as their default.
pub fn enum_text(node: Node<'_>) -> Result<Option<String>, DecodeError> {
    String::from_node_opt(node)
}

// --- containers ----------------------------------------------------------------------------

impl<T: Codec> Codec for Option<T> {
    fn from_node(node: Node<'_>) -> Result<Self, DecodeError> {
        T::from_node_opt(node)
    }

    fn to_value(&self) -> Value {
        self.as_ref().map_or(Value::Null, T::to_value)
    }

    fn is_absent(&self) -> bool {
        self.is_none()
    }
}

/// An array that may arrive as `null` (empty), a lone element, or an array.
impl<T: Codec> Codec for Vec<T> {
    fn from_node(node: Node<'_>) -> Result<Self, DecodeError> {
        match node {
            Node::Null => Ok(Vec::new()),
            // Plain loops rather than iterator chains: this is instantiated for every item type.
            Node::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.into_iter().enumerate() {
                    out.push(T::from_node(item).map_err(|e| e.in_item(i))?);
                }
                Ok(out)
            }
            lone => Ok(vec![T::from_node(lone)?]),
        }
    }

    fn to_value(&self) -> Value {
        let mut out = Vec::with_capacity(self.len());
        for item in self {
            out.push(item.to_value());
        }
        Value::Array(out)
    }

    fn is_absent(&self) -> bool {
        self.is_empty()
    }
}

/// Models that contain themselves hold the inner one in a `Box`.
impl<T: Codec> Codec for Box<T> {
    fn from_node(node: Node<'_>) -> Result<Self, DecodeError> {
        T::from_node(node).map(Box::new)
    }

    fn to_value(&self) -> Value {
        T::to_value(self)
    }

    fn is_absent(&self) -> bool {
        T::is_absent(self)
    }
}

// --- serde, for users ----------------------------------------------------------------------

/// `Serialize` for a generated model (what `serde_via_codec!` expands to).
pub fn serialize<T: Codec, S: serde::Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&value.to_value(), s)
}

/// `Deserialize` for a generated model (what `serde_via_codec!` expands to).
pub fn deserialize<'de, T: Codec, D: serde::Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    let node = <Node<'de> as serde::Deserialize>::deserialize(d)?;
    T::from_node(node).map_err(serde::de::Error::custom)
}
