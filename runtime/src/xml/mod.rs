//! XML for generated models, driven by a static description of each model ([`ModelDesc`]) that
//! the generator writes from the schemas' `xml` hints.
//!
//! Decoding parses the document into a small borrowed tree (`tree`) and reads it (`read`) into
//! a [`Node`] in the JSON shape Alma uses for the same object: attributes and elements become
//! keys, `<status desc="…">X</status>` becomes `{"value": "X", "desc": "…"}`,
//! `<rows><row/>…</rows>` becomes `"row": […]`. The model then reads that node exactly as it
//! reads JSON. Encoding writes the model's JSON shape out ([`value_to_xml`]). Nothing is
//! dropped:
//!
//! - unknown attributes are kept under `"@name"`, unknown elements under their name (text, or an
//!   object with `"@attr"` keys, child elements and `"#text"`), and written back where they were,
//!   from their source while unchanged;
//! - whatever that shape cannot say (attributes or children of an element read as text, text
//!   between elements, the order of regrouped children, a second copy of a single element) is the
//!   element's [`Layout`], kept in its model's wire memory and followed when it is written;
//! - `xs:any` content (MARCXML `<record>` inside bibs and holdings) is kept as raw XML strings,
//!   byte for byte, in `anies`, as Alma's JSON does.

mod edit;
mod read;
mod tree;
mod unknown;
mod write;

use serde_json::{Map, Value};

pub use crate::layout::Layout;
pub(crate) use crate::layout::LAYOUT_KEY;
pub use edit::set_at;
pub(crate) use unknown::unknown_paths;

use crate::codec::{Codec, Node};
use crate::desc::{FieldDesc, FieldKind, FieldValue, ModelDesc};

/// Decodes an XML document into `T`, whose XML shape is `model`.
pub fn from_xml<T: Codec>(
    doc: &str,
    model: &'static ModelDesc,
) -> Result<T, crate::codec::DecodeError> {
    let mut out = None;
    let mut failed = None;
    with_node(doc, model, &mut |node| {
        match T::from_node(node) {
            Ok(v) => out = Some(v),
            Err(e) => {
                let text = e.to_string();
                failed = Some(e);
                return Err(text);
            }
        }
        Ok(())
    })
    .map_err(|text| {
        failed
            .take()
            .unwrap_or_else(|| crate::codec::DecodeError::new(text))
    })?;
    out.ok_or_else(|| crate::codec::DecodeError::new("no document"))
}

/// Decodes an XML document into the JSON shape of `model` (what models read).
pub fn xml_to_value(doc: &str, model: &'static ModelDesc) -> Result<Value, String> {
    from_xml(doc, model).map_err(|e| e.to_string())
}

/// Parses `doc` and hands its root, read as `model`, to `f`. Not generic, so the parsing is
/// compiled once.
fn with_node(
    doc: &str,
    model: &'static ModelDesc,
    f: &mut dyn FnMut(Node<'_>) -> Result<(), String>,
) -> Result<(), String> {
    let tree = tree::parse(doc.strip_prefix('\u{feff}').unwrap_or(doc))?;
    let root = tree.root();
    if root.name() != model.root && local(root.name()) != model.root {
        return Err(format!(
            "expected root element <{}>, found <{}>",
            model.root,
            root.name()
        ));
    }
    // Text is the natural spelling of every XML scalar: what models remember (`Wire`) says so.
    crate::codec::with_xml_origin(|| f(read::model(root, model)?))
}

fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

// ---------------------------------------------------------------------------------------------
// JSON shape → XML

/// Encodes the JSON shape of a model as an XML document.
pub fn value_to_xml(value: &Value, model: &ModelDesc) -> Result<String, String> {
    value_to_xml_as(value, model, model.root)
}

/// Encodes the JSON shape of a model as an XML document whose root element is `root`.
pub(crate) fn value_to_xml_as(
    value: &Value,
    model: &ModelDesc,
    root: &str,
) -> Result<String, String> {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>");
    let obj = value
        .as_object()
        .ok_or("a model must encode to an object")?;
    write_model(&mut out, root, obj, model);
    Ok(out)
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        other => Some(other.to_string()),
    }
}

/// Writes one model element. Keys are written in the object's order (for a decoded model, the
/// order they arrived in), so elements come back where they were; a decoded element's
/// [`Layout`] (its `#xml` entry), when it has one, orders the children instead.
fn write_model(out: &mut String, name: &str, obj: &Map<String, Value>, model: &ModelDesc) {
    let field = |k: &str| model.fields.iter().find(|f| f.key == k);
    out.push('<');
    out.push_str(name);
    for (k, v) in obj {
        match field(k) {
            Some(f) if f.kind == FieldKind::Attribute => {
                if let Some(t) = scalar_text(v) {
                    push_attr(out, f.name, &t);
                }
            }
            Some(_) => {}
            None => {
                if let (Some(a), Some(t)) = (k.strip_prefix('@'), scalar_text(v)) {
                    push_attr(out, a, &t);
                }
            }
        }
    }
    out.push('>');
    match obj.get(LAYOUT_KEY).and_then(Layout::from_value) {
        Some(layout) => write::by_layout(out, obj, model, &layout),
        None => {
            for (k, v) in obj {
                write_entry(out, model, k, v);
            }
            if let Some(t) = obj.get("#text").and_then(scalar_text) {
                push_text(out, &t);
            }
        }
    }
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// Writes the child elements (or text) of one entry of a model's object.
fn write_entry(out: &mut String, model: &ModelDesc, k: &str, v: &Value) {
    let Some(f) = model.fields.iter().find(|f| f.key == k) else {
        if !k.starts_with('@') && k != "#text" && k != LAYOUT_KEY {
            write_generic(out, k, v);
        }
        return;
    };
    match f.kind {
        FieldKind::Attribute => {}
        FieldKind::Text => {
            if let Some(t) = scalar_text(v) {
                push_text(out, &t);
            }
        }
        FieldKind::Any => {
            for item in as_items(v) {
                write_any(out, item);
            }
        }
        FieldKind::Element => {
            if let Some(w) = f.wrapper {
                out.push('<');
                out.push_str(w);
                out.push('>');
                for item in as_items(v) {
                    write_field(out, f, item);
                }
                out.push_str("</");
                out.push_str(w);
                out.push('>');
            } else {
                for item in as_items(v) {
                    write_field(out, f, item);
                }
            }
        }
    }
}

/// One item of `xs:any` content: raw XML.
fn write_any(out: &mut String, item: &Value) {
    if let Some(s) = item.as_str() {
        out.push_str(strip_declaration(s));
    }
}

fn as_items(v: &Value) -> Vec<&Value> {
    match v {
        Value::Null => Vec::new(),
        Value::Array(items) => items.iter().filter(|i| !i.is_null()).collect(),
        other => vec![other],
    }
}

/// The XML declaration of an embedded document (Alma's JSON says `encoding="UTF-16"` for
/// MARCXML held in a UTF-8 string) cannot stay inside another document.
fn strip_declaration(s: &str) -> &str {
    let t = s.trim_start();
    if t.starts_with("<?xml") {
        if let Some(end) = t.find("?>") {
            return t[end + 2..].trim_start();
        }
    }
    s
}

fn write_field(out: &mut String, f: &FieldDesc, v: &Value) {
    match (f.value, v) {
        (FieldValue::Model(model), Value::Object(obj)) => write_model(out, f.name, obj, model()),
        (FieldValue::Code, Value::Object(obj)) => {
            out.push('<');
            out.push_str(f.name);
            for (k, a) in obj {
                if k != "value" {
                    if let Some(t) = scalar_text(a) {
                        push_attr(out, k.trim_start_matches('@'), &t);
                    }
                }
            }
            out.push('>');
            if let Some(t) = obj.get("value").and_then(scalar_text) {
                push_text(out, &t);
            }
            out.push_str("</");
            out.push_str(f.name);
            out.push('>');
        }
        (_, v) => write_generic(out, f.name, v),
    }
}

fn write_generic(out: &mut String, name: &str, v: &Value) {
    match v {
        Value::Null => {}
        Value::Array(items) => {
            for i in items {
                write_generic(out, name, i);
            }
        }
        Value::Object(obj) => {
            out.push('<');
            out.push_str(name);
            for (k, a) in obj {
                if let (Some(attr), Some(t)) = (k.strip_prefix('@'), scalar_text(a)) {
                    push_attr(out, attr, &t);
                }
            }
            out.push('>');
            for (k, c) in obj {
                if !k.starts_with('@') && k != "#text" {
                    write_generic(out, k, c);
                }
            }
            if let Some(t) = obj.get("#text").and_then(scalar_text) {
                push_text(out, &t);
            }
            out.push_str("</");
            out.push_str(name);
            out.push('>');
        }
        scalar => {
            out.push('<');
            out.push_str(name);
            out.push('>');
            if let Some(t) = scalar_text(scalar) {
                push_text(out, &t);
            }
            out.push_str("</");
            out.push_str(name);
            out.push('>');
        }
    }
}

fn push_attr(out: &mut String, name: &str, value: &str) {
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#10;"),
            '\t' => out.push_str("&#9;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn push_text(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
}
