//! [`Layout`]: what a model element held that the model's fields cannot say, so that writing the
//! decoded value back as XML gives what was received.
//!
//! Alma adds attributes and elements to its documents without a new API version, and a PUT
//! replaces the whole record, so whatever the model does not know must survive GET → PUT. Most of
//! it fits the JSON shape models read (unknown attributes as `"@name"` keys, unknown elements
//! under their name, both in `extra`). What does not fit is kept here, per model element, in the
//! element's [`Wire`](crate::codec::Wire):
//!
//! - the order of the element's children when the JSON shape would regroup them (an unknown
//!   element between two items of a list, a list split by another element);
//! - the raw XML of a known element whose content the field's value cannot hold: attributes or
//!   child elements on an element read as text (`<first_name lang="he">`), child elements of a
//!   code pair, anything besides the items in a list's wrapper element;
//! - the raw XML of each unknown element, written back byte for byte while its value in `extra`
//!   is unchanged;
//! - a second copy of an element the model holds once, and text between child elements.
//!
//! A layout exists only when something needs it: a document the model describes fully costs
//! nothing. It travels from the reader to the model as a `#xml` entry of the element's object
//! (a key no XML name can spell), and from the model to the writer the same way, only when the
//! value is written as XML.

use serde_json::{json, Value};

/// The key of the layout entry: no XML element or attribute name can spell it.
pub const LAYOUT_KEY: &str = "#xml";

/// The children of one model element, in document order, when their order or content is more
/// than the model's fields say.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Layout {
    pub(crate) items: Vec<Item>,
    /// For a model with a text field: the text as read, so that unchanged text is written back
    /// in its original pieces ([`Item::Text`]) and changed text once, where the first piece was.
    pub(crate) text: Option<String>,
}

/// One child of a model element.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Item {
    /// A known child, written from the field's value: `index` is the item of a list field.
    Field { key: String, index: Option<u32> },
    /// A known child whose content the value does not hold all of: written from `raw` while
    /// the value still reads the same, else from the value with what `raw` adds to it.
    Kept {
        key: String,
        index: Option<u32>,
        raw: String,
    },
    /// An unknown child, kept in `extra[key]` (item `index` when repeated): written from `raw`
    /// while that value is unchanged.
    Unknown {
        key: String,
        index: Option<u32>,
        raw: String,
    },
    /// A child the model cannot hold (a second copy of a single element): written as it came.
    Orphan { raw: String },
    /// Text between children (as in the source: escaped, comments included).
    Text { raw: String },
}

impl Item {
    /// The field or `extra` key and list index this child is written from.
    pub(crate) fn slot(&self) -> Option<(&str, Option<u32>)> {
        match self {
            Item::Field { key, index }
            | Item::Kept { key, index, .. }
            | Item::Unknown { key, index, .. } => Some((key, *index)),
            Item::Orphan { .. } | Item::Text { .. } => None,
        }
    }
}

impl Layout {
    /// The layout as the JSON value of a `#xml` entry.
    pub(crate) fn to_value(&self) -> Value {
        let index = |i: &Option<u32>| i.map_or(Value::Null, Value::from);
        let items: Vec<Value> = self
            .items
            .iter()
            .map(|item| match item {
                Item::Field { key, index: i } => json!(["f", key, index(i)]),
                Item::Kept { key, index: i, raw } => json!(["k", key, index(i), raw]),
                Item::Unknown { key, index: i, raw } => json!(["u", key, index(i), raw]),
                Item::Orphan { raw } => json!(["o", raw]),
                Item::Text { raw } => json!(["t", raw]),
            })
            .collect();
        match &self.text {
            Some(t) => json!({"items": items, "text": t}),
            None => json!({ "items": items }),
        }
    }

    /// Reads the JSON value of a `#xml` entry; `None` when it is not one.
    pub(crate) fn from_value(v: &Value) -> Option<Layout> {
        let obj = v.as_object()?;
        let items = obj.get("items")?.as_array()?;
        let text = match obj.get("text") {
            None => None,
            Some(t) => Some(t.as_str()?.to_owned()),
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            let a = item.as_array()?;
            let s = |i: usize| a.get(i).and_then(Value::as_str).map(str::to_owned);
            let index = |i: usize| match a.get(i)? {
                Value::Null => Some(None),
                n => n.as_u64().and_then(|n| u32::try_from(n).ok()).map(Some),
            };
            out.push(match a.first()?.as_str()? {
                "f" => Item::Field {
                    key: s(1)?,
                    index: index(2)?,
                },
                "k" => Item::Kept {
                    key: s(1)?,
                    index: index(2)?,
                    raw: s(3)?,
                },
                "u" => Item::Unknown {
                    key: s(1)?,
                    index: index(2)?,
                    raw: s(3)?,
                },
                "o" => Item::Orphan { raw: s(1)? },
                "t" => Item::Text { raw: s(1)? },
                _ => return None,
            });
        }
        Some(Layout { items: out, text })
    }
}

/// One piece of an element's content, as a slice of its source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part<'a> {
    /// Text or CDATA, as written (escaped).
    Text(&'a str),
    /// A child element, start to end tag.
    Elem(&'a str),
}

/// The content of the element `raw` (its source, start to end tag), piece by piece: what lies
/// between its start and end tags at the first level. Text that is only whitespace between child
/// elements is layout, not content, and left out (as the tree reader does).
pub(crate) fn parts(raw: &str) -> Result<Vec<Part<'_>>, String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(raw);
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut child_start = 0usize;
    loop {
        let start = reader.buffer_position() as usize;
        let event = reader.read_event().map_err(|e| e.to_string())?;
        let end = reader.buffer_position() as usize;
        match event {
            Event::Start(_) => {
                if depth == 1 {
                    child_start = start;
                }
                depth += 1;
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if depth == 1 {
                    out.push(Part::Elem(&raw[child_start..end]));
                }
                if depth == 0 {
                    break;
                }
            }
            Event::Empty(_) => {
                if depth == 0 {
                    break;
                }
                if depth == 1 {
                    out.push(Part::Elem(&raw[start..end]));
                }
            }
            Event::Eof => break,
            // Comments and processing instructions are not content (the tree reader skips them).
            Event::Text(_) | Event::CData(_) if depth == 1 => {
                out.push(Part::Text(&raw[start..end]))
            }
            _ => {}
        }
    }
    let has_children = out.iter().any(|p| matches!(p, Part::Elem(_)));
    if has_children {
        out.retain(|p| !matches!(p, Part::Text(t) if t.trim().is_empty()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_the_first_level_in_order() {
        let p = parts("<a x=\"1\">jdoe<note>x<b/></note> tail <c/>\n</a>").unwrap();
        assert_eq!(
            p,
            [
                Part::Text("jdoe"),
                Part::Elem("<note>x<b/></note>"),
                Part::Text(" tail "),
                Part::Elem("<c/>"),
            ]
        );
        assert_eq!(parts("<a/>").unwrap(), []);
        assert_eq!(parts("<a> </a>").unwrap(), [Part::Text(" ")]);
    }

    #[test]
    fn a_layout_survives_its_json_form() {
        let l = Layout {
            items: vec![
                Item::Field {
                    key: "a".into(),
                    index: None,
                },
                Item::Kept {
                    key: "b".into(),
                    index: Some(2),
                    raw: "<b x=\"1\">t</b>".into(),
                },
                Item::Unknown {
                    key: "c".into(),
                    index: None,
                    raw: "<c/>".into(),
                },
                Item::Orphan { raw: "<a/>".into() },
                Item::Text { raw: "hi".into() },
            ],
            text: Some("hi".into()),
        };
        assert_eq!(Layout::from_value(&l.to_value()), Some(l));
        assert_eq!(Layout::from_value(&json!({"items": [["z"]]})), None);
        assert_eq!(Layout::from_value(&json!("x")), None);
    }
}
