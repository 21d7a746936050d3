//! XML tree → [`Node`] in Alma's JSON shape, driven by the model's [`XmlModel`]: attributes and
//! elements become keys, `<status desc="…">X</status>` becomes `{"value": "X", "desc": "…"}`,
//! `<rows><row/>…</rows>` becomes `"row": […]`, unknown content is kept.

use std::borrow::Cow;

use crate::codec::Node;

use super::tree::Node as Elem;
use super::{XmlField, XmlKind, XmlModel, XmlValue};

/// An element read as `model`.
pub(crate) fn model<'t>(elem: Elem<'t, '_>, model: &'static XmlModel) -> Node<'t> {
    let mut entries: Vec<(Cow<'t, str>, Node<'t>)> = Vec::with_capacity(model.fields.len() + 2);
    let mut any_field = None;
    for f in model.fields {
        let key = Cow::Borrowed(f.key);
        match f.kind {
            XmlKind::Attribute => {
                if let Some((_, v)) = elem.attrs().iter().find(|(k, _)| k == f.name) {
                    entries.push((key, text(v)));
                }
            }
            XmlKind::Text => {
                if !elem.text().trim().is_empty() || !elem.has_children() {
                    entries.push((key, text(elem.text())));
                }
            }
            XmlKind::Any => any_field = Some(f),
            XmlKind::Element => {
                if let Some(w) = f.wrapper {
                    if let Some(wrapper) = elem.children().find(|c| c.name() == w && !c.is_used()) {
                        wrapper.mark_used();
                        let items = wrapper
                            .children()
                            .filter(|c| c.name() == f.name)
                            .map(|c| field(c, f))
                            .collect();
                        entries.push((key, Node::Array(items)));
                    }
                } else if f.array {
                    let items: Vec<Node<'t>> = elem
                        .children()
                        .filter(|c| c.name() == f.name && !c.is_used())
                        .map(|c| {
                            c.mark_used();
                            field(c, f)
                        })
                        .collect();
                    if !items.is_empty() {
                        entries.push((key, Node::Array(items)));
                    }
                } else if let Some(c) = elem.children().find(|c| c.name() == f.name && !c.is_used())
                {
                    c.mark_used();
                    entries.push((key, field(c, f)));
                }
            }
        }
    }
    for (k, v) in elem.attrs() {
        let known = model
            .fields
            .iter()
            .any(|f| f.kind == XmlKind::Attribute && f.name == k);
        if !known {
            entries.push((Cow::Owned(format!("@{k}")), text(v)));
        }
    }
    let mut raw = Vec::new();
    let mut unknown: Vec<(Cow<'t, str>, Node<'t>)> = Vec::new();
    for c in elem.children().filter(|c| !c.is_used()) {
        if any_field.is_some() {
            raw.push(Node::Str(Cow::Borrowed(c.raw())));
        } else {
            insert_repeated(&mut unknown, c.name(), generic(c));
        }
    }
    if let Some(f) = any_field {
        if !raw.is_empty() {
            entries.push((Cow::Borrowed(f.key), Node::Array(raw)));
        }
    }
    entries.extend(unknown);
    Node::Object(entries)
}

fn text<'t>(s: &'t str) -> Node<'t> {
    Node::Str(Cow::Borrowed(s))
}

fn field<'t>(elem: Elem<'t, '_>, f: &'static XmlField) -> Node<'t> {
    match f.value {
        XmlValue::Scalar => text(elem.text()),
        XmlValue::Code => {
            let mut entries = Vec::with_capacity(elem.attrs().len() + 1);
            entries.push((Cow::Borrowed("value"), text(elem.text())));
            for (k, v) in elem.attrs() {
                entries.push((Cow::Borrowed(k.as_ref()), text(v)));
            }
            Node::Object(entries)
        }
        XmlValue::Model(m) => model(elem, m()),
        XmlValue::Any => generic(elem),
    }
}

/// Unknown siblings of the same name become one array, as Alma's JSON has them.
fn insert_repeated<'t>(out: &mut Vec<(Cow<'t, str>, Node<'t>)>, key: &'t str, v: Node<'t>) {
    match out.iter_mut().find(|(k, _)| k == key) {
        None => out.push((Cow::Borrowed(key), v)),
        Some((_, Node::Array(items))) => items.push(v),
        Some((_, existing)) => {
            let first = std::mem::replace(existing, Node::Null);
            *existing = Node::Array(vec![first, v]);
        }
    }
}

/// An element with no known shape: its text if it is only text, else an object of `@attr` keys,
/// child elements and `#text`.
fn generic<'t>(elem: Elem<'t, '_>) -> Node<'t> {
    if elem.attrs().is_empty() && !elem.has_children() {
        return text(elem.text());
    }
    let mut m: Vec<(Cow<'t, str>, Node<'t>)> = Vec::new();
    for (k, v) in elem.attrs() {
        m.push((Cow::Owned(format!("@{k}")), text(v)));
    }
    for c in elem.children() {
        insert_repeated(&mut m, c.name(), generic(c));
    }
    if !elem.text().trim().is_empty() {
        m.push((Cow::Borrowed("#text"), text(elem.text())));
    }
    Node::Object(m)
}
