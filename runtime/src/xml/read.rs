//! XML tree → [`Node`] in Alma's JSON shape, driven by the model's [`XmlModel`]: attributes and
//! elements become keys, `<status desc="…">X</status>` becomes `{"value": "X", "desc": "…"}`,
//! `<rows><row/>…</rows>` becomes `"row": […]`, unknown content is kept.

use std::borrow::Cow;

use crate::codec::Node;

use super::tree::Node as Elem;
use super::{XmlField, XmlKind, XmlModel, XmlValue};

/// An element read as `model`, keys in document order (attributes, then child elements; the
/// items of a list at the place of its first item), so that writing the model back keeps the
/// elements where they were.
pub(crate) fn model<'t>(elem: Elem<'t, '_>, model: &'static XmlModel) -> Node<'t> {
    let mut entries: Vec<(Cow<'t, str>, Node<'t>)> = Vec::with_capacity(model.fields.len() + 2);
    for (k, v) in elem.attrs() {
        match model
            .fields
            .iter()
            .find(|f| f.kind == XmlKind::Attribute && f.name == k)
        {
            Some(f) => entries.push((Cow::Borrowed(f.key), text(v))),
            None => entries.push((Cow::Owned(format!("@{k}")), text(v))),
        }
    }
    let any_field = model.fields.iter().find(|f| f.kind == XmlKind::Any);
    // Where each list field, the raw `xs:any` content and each unknown element name went.
    let mut lists: Vec<(&'static str, usize)> = Vec::new();
    let mut unknown: Vec<(&'t str, usize)> = Vec::new();
    let mut raw_at: Option<usize> = None;
    for c in elem.children() {
        let name = c.name();
        let known = model.fields.iter().find(|f| {
            f.kind == XmlKind::Element
                && match f.wrapper {
                    Some(w) => w == name,
                    None => f.name == name,
                }
        });
        let taken =
            |key: &str, entries: &[(Cow<'t, str>, Node<'t>)]| entries.iter().any(|(k, _)| k == key);
        match known {
            Some(f) if f.wrapper.is_some() && !taken(f.key, &entries) => {
                let items = c
                    .children()
                    .filter(|i| i.name() == f.name)
                    .map(|i| field(i, f))
                    .collect();
                entries.push((Cow::Borrowed(f.key), Node::Array(items)));
            }
            Some(f) if f.wrapper.is_none() && f.array => {
                let item = field(c, f);
                match lists.iter().find(|(k, _)| *k == f.key) {
                    Some(&(_, at)) => {
                        if let Node::Array(items) = &mut entries[at].1 {
                            items.push(item);
                        }
                    }
                    None => {
                        lists.push((f.key, entries.len()));
                        entries.push((Cow::Borrowed(f.key), Node::Array(vec![item])));
                    }
                }
            }
            Some(f) if f.wrapper.is_none() && !taken(f.key, &entries) => {
                entries.push((Cow::Borrowed(f.key), field(c, f)));
            }
            // Unknown, or a second copy of a single element: kept, not dropped.
            _ => match any_field {
                Some(f) => {
                    let raw = Node::Str(Cow::Borrowed(c.raw()));
                    match raw_at {
                        Some(at) => {
                            if let Node::Array(items) = &mut entries[at].1 {
                                items.push(raw);
                            }
                        }
                        None => {
                            raw_at = Some(entries.len());
                            entries.push((Cow::Borrowed(f.key), Node::Array(vec![raw])));
                        }
                    }
                }
                None => {
                    let v = generic(c);
                    match unknown.iter().find(|(k, _)| *k == name) {
                        Some(&(_, at)) => push_repeated(&mut entries[at].1, v),
                        None => {
                            unknown.push((name, entries.len()));
                            entries.push((Cow::Borrowed(name), v));
                        }
                    }
                }
            },
        }
    }
    if let Some(f) = model.fields.iter().find(|f| f.kind == XmlKind::Text) {
        if !elem.text().trim().is_empty() || !elem.has_children() {
            entries.push((Cow::Borrowed(f.key), text(elem.text())));
        }
    }
    Node::Object(entries)
}

/// A second element of the same unknown name: the two become an array, as in Alma's JSON.
fn push_repeated<'t>(existing: &mut Node<'t>, v: Node<'t>) {
    match existing {
        Node::Array(items) => items.push(v),
        other => {
            let first = std::mem::replace(other, Node::Null);
            *other = Node::Array(vec![first, v]);
        }
    }
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
