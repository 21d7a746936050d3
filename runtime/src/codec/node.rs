//! [`Node`]: a parsed document in Alma's JSON shape, borrowing from the input where it can.
//!
//! Both wire formats decode into this tree first (JSON through serde_json, XML through the model's
//! [`ModelDesc`](crate::desc::ModelDesc)), and every generated model reads itself from it. Unlike
//! `serde_json::Value` it allocates no key strings and no hash maps, so parsing into it and then
//! into the model is faster than parsing into a `Value`.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Number, Value};

/// One value of a parsed document.
#[derive(Debug, Clone, PartialEq)]
pub enum Node<'a> {
    /// `null`, or nothing.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A JSON number.
    Number(Number),
    /// A string (XML text is always a string).
    Str(Cow<'a, str>),
    /// An array.
    Array(Vec<Node<'a>>),
    /// An object, keys in document order.
    Object(Vec<(Cow<'a, str>, Node<'a>)>),
    /// What an XML element held beyond its model's fields: only ever the value of the `#xml`
    /// entry the XML reader adds to an element's object (see [`crate::layout::Layout`]).
    Layout(Box<crate::layout::Layout>),
}

impl<'a> Node<'a> {
    /// What kind of value this is, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Node::Null => "null",
            Node::Bool(_) => "a boolean",
            Node::Number(_) => "a number",
            Node::Str(_) => "a string",
            Node::Array(_) => "an array",
            Node::Object(_) => "an object",
            Node::Layout(_) => "XML content",
        }
    }

    /// The same value as a `serde_json::Value` (for fields kept in `extra`).
    pub fn into_value(self) -> Value {
        match self {
            Node::Null => Value::Null,
            Node::Bool(b) => Value::Bool(b),
            Node::Number(n) => Value::Number(n),
            Node::Str(s) => Value::String(s.into_owned()),
            Node::Array(items) => Value::Array(items.into_iter().map(Node::into_value).collect()),
            Node::Object(entries) => {
                let mut m = Map::with_capacity(entries.len());
                for (k, v) in entries {
                    m.insert(k.into_owned(), v.into_value());
                }
                Value::Object(m)
            }
            Node::Layout(layout) => layout.to_value(),
        }
    }

    /// A `serde_json::Value` as a node (owned).
    pub fn from_value(value: Value) -> Node<'static> {
        match value {
            Value::Null => Node::Null,
            Value::Bool(b) => Node::Bool(b),
            Value::Number(n) => Node::Number(n),
            Value::String(s) => Node::Str(Cow::Owned(s)),
            Value::Array(items) => Node::Array(items.into_iter().map(Node::from_value).collect()),
            Value::Object(m) => Node::Object(
                m.into_iter()
                    .map(|(k, v)| (Cow::Owned(k), Node::from_value(v)))
                    .collect(),
            ),
        }
    }

    /// A `serde_json::Value` as a node, borrowing its strings.
    pub fn borrow_value(value: &'a Value) -> Node<'a> {
        match value {
            Value::Null => Node::Null,
            Value::Bool(b) => Node::Bool(*b),
            Value::Number(n) => Node::Number(n.clone()),
            Value::String(s) => Node::Str(Cow::Borrowed(s)),
            Value::Array(items) => Node::Array(items.iter().map(Node::borrow_value).collect()),
            Value::Object(m) => Node::Object(
                m.iter()
                    .map(|(k, v)| (Cow::Borrowed(k.as_str()), Node::borrow_value(v)))
                    .collect(),
            ),
        }
    }

    /// Parses a JSON document.
    pub fn parse_json(bytes: &'a [u8]) -> Result<Node<'a>, serde_json::Error> {
        serde_json::from_slice(bytes)
    }
}

impl<'de> Deserialize<'de> for Node<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut scratch = Scratch::default();
        NodeSeed(&mut scratch).deserialize(d)
    }
}

/// Stacks shared by every level of one parse: an object's entries (or an array's items) are
/// pushed there while it is read, then moved into a `Vec` of exactly the right size. JSON maps
/// give no size hint, and growing a fresh `Vec` per object by doubling was most of the cost
/// of parsing a page of records.
#[derive(Default)]
struct Scratch<'de> {
    entries: Vec<(Cow<'de, str>, Node<'de>)>,
    items: Vec<Node<'de>>,
}

struct NodeSeed<'s, 'de>(&'s mut Scratch<'de>);

impl<'de> DeserializeSeed<'de> for NodeSeed<'_, 'de> {
    type Value = Node<'de>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Node<'de>, D::Error> {
        d.deserialize_any(NodeVisitor(self.0))
    }
}

struct NodeVisitor<'s, 'de>(&'s mut Scratch<'de>);

impl<'de> Visitor<'de> for NodeVisitor<'_, 'de> {
    type Value = Node<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node<'de>, E> {
        Ok(Node::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node<'de>, E> {
        Ok(Node::Number(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node<'de>, E> {
        Ok(Node::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node<'de>, E> {
        Ok(Number::from_f64(v).map_or(Node::Null, Node::Number))
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Node<'de>, E> {
        Ok(Node::Str(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node<'de>, E> {
        Ok(Node::Str(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Node<'de>, E> {
        Ok(Node::Str(Cow::Owned(v)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Node<'de>, E> {
        Ok(Node::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Node<'de>, E> {
        Ok(Node::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node<'de>, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node<'de>, A::Error> {
        let start = self.0.items.len();
        while let Some(item) = seq.next_element_seed(NodeSeed(&mut *self.0))? {
            self.0.items.push(item);
        }
        Ok(Node::Array(self.0.items.drain(start..).collect()))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node<'de>, A::Error> {
        let start = self.0.entries.len();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            let value = map.next_value_seed(NodeSeed(&mut *self.0))?;
            self.0.entries.push((key, value));
        }
        Ok(Node::Object(self.0.entries.drain(start..).collect()))
    }
}

/// Keys borrow from the input when they hold no escapes (serde's own `Cow<str>` always copies).
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}
