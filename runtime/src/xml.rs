//! XML for generated models, driven by a static description of each model ([`XmlModel`]) that
//! the generator writes from the schemas' `xml` hints.
//!
//! Decoding parses the document into a small tree, maps it onto the JSON shape Alma uses for the
//! same object (attributes and elements become keys, `<status desc="…">X</status>` becomes
//! `{"value": "X", "desc": "…"}`, `<rows><row/>…</rows>` becomes `"row": […]`), then lets serde
//! build the typed value from that. Encoding goes the other way. Nothing is dropped:
//!
//! - unknown attributes are kept under `"@name"`, unknown elements under their name (text, or an
//!   object with `"@attr"` keys, child elements and `"#text"`), and written back where they were
//!   (attributes on the element, elements after the known ones);
//! - `xs:any` content (MARCXML `<record>` inside bibs and holdings) is kept as raw XML strings,
//!   byte for byte, in `anies`, as Alma's JSON does.

use serde_json::{Map, Value};

/// Where a field lives in the XML.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XmlKind {
    /// A child element.
    Element,
    /// An attribute of the model's element.
    Attribute,
    /// The model element's own text.
    Text,
    /// Raw child elements (`xs:any`), kept as XML strings.
    Any,
}

/// What a field holds.
#[derive(Debug, Clone, Copy)]
pub enum XmlValue {
    /// Text (strings, numbers, booleans, enums).
    Scalar,
    /// A `{value, desc}` code pair.
    Code,
    /// A nested model.
    Model(fn() -> &'static XmlModel),
    /// Free-form content.
    Any,
}

/// One field of a model.
#[derive(Debug, Clone, Copy)]
pub struct XmlField {
    /// JSON key / serde name.
    pub key: &'static str,
    /// Element or attribute name (for arrays: each item's element name).
    pub name: &'static str,
    pub kind: XmlKind,
    /// For arrays in a wrapper element (`<rows><row/></rows>`): the wrapper's name.
    pub wrapper: Option<&'static str>,
    /// The field is an array.
    pub array: bool,
    pub value: XmlValue,
}

impl XmlField {
    /// A field description (used by generated code).
    pub const fn new(
        key: &'static str,
        name: &'static str,
        kind: XmlKind,
        wrapper: Option<&'static str>,
        array: bool,
        value: XmlValue,
    ) -> XmlField {
        XmlField {
            key,
            name,
            kind,
            wrapper,
            array,
            value,
        }
    }
}

/// The XML shape of a generated model.
#[derive(Debug)]
pub struct XmlModel {
    /// The element name when the model is a document root.
    pub root: &'static str,
    pub fields: &'static [XmlField],
}

// ---------------------------------------------------------------------------------------------
// A minimal tree with byte spans (for raw `xs:any` content).

#[derive(Debug, Default)]
struct Node<'a> {
    name: String,
    attrs: Vec<(String, String)>,
    children: Vec<Node<'a>>,
    text: String,
    /// The element's bytes in the source document.
    raw: &'a str,
}

fn parse(doc: &str) -> Result<Node<'_>, String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(doc);
    let mut stack: Vec<(Node, usize)> = Vec::new();
    let mut root = None;
    loop {
        let start = reader.buffer_position() as usize;
        let event = reader.read_event().map_err(|e| {
            format!(
                "XML is not well-formed at byte {}: {e}",
                reader.buffer_position()
            )
        })?;
        match event {
            Event::Start(_) | Event::Empty(_) if root.is_some() && stack.is_empty() => {
                return Err("XML has more than one root element".into());
            }
            Event::Start(e) => stack.push((element(&e)?, start)),
            Event::Empty(e) => {
                let mut n = element(&e)?;
                let end = reader.buffer_position() as usize;
                n.raw = &doc[start..end];
                match stack.last_mut() {
                    Some((parent, _)) => parent.children.push(n),
                    None => root = Some(n),
                }
            }
            Event::Text(t) => {
                if let Some((n, _)) = stack.last_mut() {
                    n.text.push_str(&t.unescape().map_err(|e| e.to_string())?);
                }
            }
            Event::CData(t) => {
                if let Some((n, _)) = stack.last_mut() {
                    n.text.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::End(_) => {
                let (mut n, s) = stack.pop().ok_or("unbalanced end tag")?;
                n.raw = &doc[s..reader.buffer_position() as usize];
                match stack.last_mut() {
                    Some((parent, _)) => parent.children.push(n),
                    None => root = Some(n),
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err("XML ends inside an element (truncated?)".into());
    }
    root.ok_or_else(|| "XML has no root element".into())
}

fn element<'a>(e: &quick_xml::events::BytesStart<'_>) -> Result<Node<'a>, String> {
    let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
    let mut attrs = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|e| e.to_string())?;
        let k = String::from_utf8_lossy(a.key.as_ref()).into_owned();
        let v = a.unescape_value().map_err(|e| e.to_string())?.into_owned();
        attrs.push((k, v));
    }
    Ok(Node {
        name,
        attrs,
        ..Node::default()
    })
}

// ---------------------------------------------------------------------------------------------
// XML → JSON shape

/// Decodes an XML document into the JSON shape of `model`.
pub fn xml_to_value(doc: &str, model: &XmlModel) -> Result<Value, String> {
    let root = parse(strip_bom(doc))?;
    if root.name != model.root && local(&root.name) != model.root {
        return Err(format!(
            "expected root element <{}>, found <{}>",
            model.root, root.name
        ));
    }
    Ok(model_value(&root, model))
}

fn strip_bom(s: &str) -> &str {
    s.strip_prefix('\u{feff}').unwrap_or(s)
}

fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

fn model_value(node: &Node<'_>, model: &XmlModel) -> Value {
    let mut out = Map::new();
    let mut used = vec![false; node.children.len()];
    let mut used_attrs = vec![false; node.attrs.len()];
    let mut any_field = None;
    for f in model.fields {
        match f.kind {
            XmlKind::Attribute => {
                if let Some(i) = node.attrs.iter().position(|(k, _)| k == f.name) {
                    used_attrs[i] = true;
                    out.insert(f.key.into(), Value::String(node.attrs[i].1.clone()));
                }
            }
            XmlKind::Text => {
                if !node.text.trim().is_empty() || node.children.is_empty() {
                    out.insert(f.key.into(), Value::String(node.text.clone()));
                }
            }
            XmlKind::Any => any_field = Some(f),
            XmlKind::Element => {
                if let Some(w) = f.wrapper {
                    let Some(i) = node.children.iter().position(|c| c.name == w) else {
                        continue;
                    };
                    used[i] = true;
                    let items: Vec<Value> = node.children[i]
                        .children
                        .iter()
                        .filter(|c| c.name == f.name)
                        .map(|c| field_value(c, f))
                        .collect();
                    out.insert(f.key.into(), Value::Array(items));
                } else if f.array {
                    let mut items = Vec::new();
                    for (i, c) in node.children.iter().enumerate() {
                        if c.name == f.name {
                            used[i] = true;
                            items.push(field_value(c, f));
                        }
                    }
                    if !items.is_empty() {
                        out.insert(f.key.into(), Value::Array(items));
                    }
                } else if let Some(i) = node.children.iter().position(|c| c.name == f.name) {
                    used[i] = true;
                    out.insert(f.key.into(), field_value(&node.children[i], f));
                }
            }
        }
    }
    for (i, (k, v)) in node.attrs.iter().enumerate() {
        if !used_attrs[i] {
            out.insert(format!("@{k}"), Value::String(v.clone()));
        }
    }
    let mut raw = Vec::new();
    for (i, c) in node.children.iter().enumerate() {
        if used[i] {
            continue;
        }
        if any_field.is_some() {
            raw.push(Value::String(c.raw.to_string()));
        } else {
            insert_repeated(&mut out, &c.name, generic_value(c));
        }
    }
    if let Some(f) = any_field {
        if !raw.is_empty() {
            out.insert(f.key.into(), Value::Array(raw));
        }
    }
    Value::Object(out)
}

fn field_value(node: &Node<'_>, f: &XmlField) -> Value {
    match f.value {
        XmlValue::Scalar => Value::String(node.text.clone()),
        XmlValue::Code => {
            let mut m = Map::new();
            m.insert("value".into(), Value::String(node.text.clone()));
            for (k, v) in &node.attrs {
                m.insert(k.clone(), Value::String(v.clone()));
            }
            Value::Object(m)
        }
        XmlValue::Model(model) => model_value(node, model()),
        XmlValue::Any => generic_value(node),
    }
}

fn insert_repeated(out: &mut Map<String, Value>, key: &str, v: Value) {
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

/// An element with no known shape: text if it is only text, else an object.
fn generic_value(node: &Node<'_>) -> Value {
    if node.attrs.is_empty() && node.children.is_empty() {
        return Value::String(node.text.clone());
    }
    let mut m = Map::new();
    for (k, v) in &node.attrs {
        m.insert(format!("@{k}"), Value::String(v.clone()));
    }
    for c in &node.children {
        insert_repeated(&mut m, &c.name, generic_value(c));
    }
    if !node.text.trim().is_empty() {
        m.insert("#text".into(), Value::String(node.text.clone()));
    }
    Value::Object(m)
}

// ---------------------------------------------------------------------------------------------
// JSON shape → XML

/// Encodes the JSON shape of a model as an XML document.
pub fn value_to_xml(value: &Value, model: &XmlModel) -> Result<String, String> {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>");
    let obj = value
        .as_object()
        .ok_or("a model must encode to an object")?;
    write_model(&mut out, model.root, obj, model);
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

fn write_model(out: &mut String, name: &str, obj: &Map<String, Value>, model: &XmlModel) {
    out.push('<');
    out.push_str(name);
    let known = |k: &str| model.fields.iter().any(|f| f.key == k);
    for f in model.fields.iter().filter(|f| f.kind == XmlKind::Attribute) {
        if let Some(t) = obj.get(f.key).and_then(scalar_text) {
            push_attr(out, f.name, &t);
        }
    }
    for (k, v) in obj {
        if let (Some(a), Some(t)) = (k.strip_prefix('@'), scalar_text(v)) {
            if !known(k) {
                push_attr(out, a, &t);
            }
        }
    }
    out.push('>');
    for f in model.fields {
        let Some(v) = obj.get(f.key) else { continue };
        match f.kind {
            XmlKind::Attribute => {}
            XmlKind::Text => {
                if let Some(t) = scalar_text(v) {
                    push_text(out, &t);
                }
            }
            XmlKind::Any => {
                for item in as_items(v) {
                    if let Some(s) = item.as_str() {
                        out.push_str(strip_declaration(s));
                    }
                }
            }
            XmlKind::Element => {
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
    for (k, v) in obj {
        if !known(k) && !k.starts_with('@') && k != "#text" {
            write_generic(out, k, v);
        }
    }
    if let Some(t) = obj.get("#text").and_then(scalar_text) {
        push_text(out, &t);
    }
    out.push_str("</");
    out.push_str(name);
    out.push('>');
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

fn write_field(out: &mut String, f: &XmlField, v: &Value) {
    match (f.value, v) {
        (XmlValue::Model(model), Value::Object(obj)) => write_model(out, f.name, obj, model()),
        (XmlValue::Code, Value::Object(obj)) => {
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
