//! A serde deserializer over the XML tree that presents each element in Alma's JSON shape, so the
//! generated models' `Deserialize` impls (written for JSON) read XML directly, without building an
//! intermediate JSON value.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::forward_to_deserialize_any;
use serde_json::Value;

use super::tree::Node;
use super::{XmlField, XmlKind, XmlModel, XmlValue};

/// A decoding failure.
#[derive(Debug)]
pub(crate) struct XmlDeError(pub String);

impl fmt::Display for XmlDeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for XmlDeError {}

impl de::Error for XmlDeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        XmlDeError(msg.to_string())
    }
}

type Result<T> = std::result::Result<T, XmlDeError>;

/// One value in the JSON shape.
enum Val<'t, 'a> {
    /// Text: an attribute, an element's text, a scalar element.
    Text(&'t str),
    /// An element of a known kind.
    Field(Node<'t, 'a>, &'static XmlField),
    /// The items of an array field.
    Seq(Vec<Node<'t, 'a>>, &'static XmlField),
    /// Raw XML children (`xs:any`).
    Raw(Vec<&'a str>),
    /// Anything the model does not describe, as generic JSON.
    Json(Value),
    /// A document's root element, read as `model`.
    Root(Node<'t, 'a>, &'static XmlModel),
}

/// The deserializer for a document's root element. Nested elements go through the same type,
/// so each model's `Deserialize` is compiled once for XML, not once per entry point.
pub(crate) fn root<'t, 'a>(node: Node<'t, 'a>, model: &'static XmlModel) -> ValDe<'t, 'a> {
    ValDe(Val::Root(node, model))
}

/// An element read as a model.
pub(crate) struct ModelDe<'t, 'a> {
    entries: Vec<(Cow<'t, str>, Val<'t, 'a>)>,
}

impl<'t, 'a> ModelDe<'t, 'a> {
    pub(crate) fn new(node: Node<'t, 'a>, model: &'static XmlModel) -> Self {
        let mut entries: Vec<(Cow<'t, str>, Val<'t, 'a>)> =
            Vec::with_capacity(model.fields.len() + 2);
        let mut any_field = None;
        for f in model.fields {
            let key = Cow::Borrowed(f.key);
            match f.kind {
                XmlKind::Attribute => {
                    if let Some((_, v)) = node.attrs().iter().find(|(k, _)| k == f.name) {
                        entries.push((key, Val::Text(v)));
                    }
                }
                XmlKind::Text => {
                    if !node.text().trim().is_empty() || !node.has_children() {
                        entries.push((key, Val::Text(node.text())));
                    }
                }
                XmlKind::Any => any_field = Some(f),
                XmlKind::Element => {
                    if let Some(w) = f.wrapper {
                        if let Some(wrapper) =
                            node.children().find(|c| c.name() == w && !c.is_used())
                        {
                            wrapper.mark_used();
                            let items = wrapper.children().filter(|c| c.name() == f.name).collect();
                            entries.push((key, Val::Seq(items, f)));
                        }
                    } else if f.array {
                        let items: Vec<_> = node
                            .children()
                            .filter(|c| c.name() == f.name && !c.is_used())
                            .collect();
                        if !items.is_empty() {
                            items.iter().for_each(|c| c.mark_used());
                            entries.push((key, Val::Seq(items, f)));
                        }
                    } else if let Some(c) =
                        node.children().find(|c| c.name() == f.name && !c.is_used())
                    {
                        c.mark_used();
                        entries.push((key, Val::Field(c, f)));
                    }
                }
            }
        }
        for (k, v) in node.attrs() {
            let known = model
                .fields
                .iter()
                .any(|f| f.kind == XmlKind::Attribute && f.name == k);
            if !known {
                entries.push((Cow::Owned(format!("@{k}")), Val::Text(v)));
            }
        }
        let mut raw = Vec::new();
        let mut unknown = serde_json::Map::new();
        for c in node.children().filter(|c| !c.is_used()) {
            if any_field.is_some() {
                raw.push(c.raw());
            } else {
                insert_repeated(&mut unknown, c.name(), generic_value(c));
            }
        }
        if let Some(f) = any_field {
            if !raw.is_empty() {
                entries.push((Cow::Borrowed(f.key), Val::Raw(raw)));
            }
        }
        for (k, v) in unknown {
            entries.push((Cow::Owned(k), Val::Json(v)));
        }
        ModelDe { entries }
    }
}

impl<'de, 't, 'a> de::Deserializer<'de> for ModelDe<'t, 'a> {
    type Error = XmlDeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_map(EntriesAccess {
            entries: self.entries.into_iter(),
            value: None,
        })
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_some(self)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

struct EntriesAccess<'t, 'a> {
    entries: std::vec::IntoIter<(Cow<'t, str>, Val<'t, 'a>)>,
    value: Option<Val<'t, 'a>>,
}

impl<'de, 't, 'a> MapAccess<'de> for EntriesAccess<'t, 'a> {
    type Error = XmlDeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        let Some((k, v)) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some(v);
        let key = match k {
            Cow::Borrowed(s) => {
                seed.deserialize(de::value::StrDeserializer::<XmlDeError>::new(s))?
            }
            Cow::Owned(s) => {
                seed.deserialize(de::value::StringDeserializer::<XmlDeError>::new(s))?
            }
        };
        Ok(Some(key))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        let v = self
            .value
            .take()
            .ok_or_else(|| XmlDeError("value without key".into()))?;
        seed.deserialize(ValDe(v))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

pub(crate) struct ValDe<'t, 'a>(Val<'t, 'a>);

impl<'de, 't, 'a> de::Deserializer<'de> for ValDe<'t, 'a> {
    type Error = XmlDeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.0 {
            Val::Text(t) => visitor.visit_str(t),
            Val::Field(node, f) => field_de(node, f, visitor),
            Val::Seq(items, f) => visitor.visit_seq(ItemsAccess {
                items: items.into_iter(),
                field: f,
            }),
            Val::Raw(items) => {
                visitor.visit_seq(de::value::SeqDeserializer::new(items.into_iter()))
            }
            Val::Json(v) => {
                de::Deserializer::deserialize_any(v, visitor).map_err(de::Error::custom)
            }
            Val::Root(node, model) => {
                de::Deserializer::deserialize_any(ModelDe::new(node, model), visitor)
            }
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_some(self)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

fn field_de<'de, V: Visitor<'de>>(
    node: Node<'_, '_>,
    f: &'static XmlField,
    visitor: V,
) -> Result<V::Value> {
    match f.value {
        XmlValue::Scalar => visitor.visit_str(node.text()),
        XmlValue::Code => {
            let mut entries: Vec<(Cow<'_, str>, Val<'_, '_>)> =
                Vec::with_capacity(node.attrs().len() + 1);
            entries.push((Cow::Borrowed("value"), Val::Text(node.text())));
            for (k, v) in node.attrs() {
                entries.push((Cow::Borrowed(k.as_ref()), Val::Text(v)));
            }
            visitor.visit_map(EntriesAccess {
                entries: entries.into_iter(),
                value: None,
            })
        }
        XmlValue::Model(model) => {
            de::Deserializer::deserialize_any(ModelDe::new(node, model()), visitor)
        }
        XmlValue::Any => de::Deserializer::deserialize_any(generic_value(node), visitor)
            .map_err(de::Error::custom),
    }
}

struct ItemsAccess<'t, 'a> {
    items: std::vec::IntoIter<Node<'t, 'a>>,
    field: &'static XmlField,
}

impl<'de, 't, 'a> SeqAccess<'de> for ItemsAccess<'t, 'a> {
    type Error = XmlDeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        match self.items.next() {
            Some(node) => seed
                .deserialize(ValDe(Val::Field(node, self.field)))
                .map(Some),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

fn insert_repeated(out: &mut serde_json::Map<String, Value>, key: &str, v: Value) {
    match out.get_mut(key) {
        None => {
            out.insert(key.to_string(), v);
        }
        Some(Value::Array(items)) => items.push(v),
        Some(existing) => {
            let first = existing.take();
            *existing = Value::Array(vec![first, v]);
        }
    }
}

/// An element with no known shape: its text if it is only text, else an object of `@attr` keys,
/// child elements and `#text`.
fn generic_value(node: Node<'_, '_>) -> Value {
    if node.attrs().is_empty() && !node.has_children() {
        return Value::String(node.text().to_string());
    }
    let mut m = serde_json::Map::new();
    for (k, v) in node.attrs() {
        m.insert(format!("@{k}"), Value::String(v.to_string()));
    }
    for c in node.children() {
        insert_repeated(&mut m, c.name(), generic_value(c));
    }
    if !node.text().trim().is_empty() {
        m.insert("#text".into(), Value::String(node.text().to_string()));
    }
    Value::Object(m)
}
