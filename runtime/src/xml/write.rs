//! Writing a decoded model element's children by its [`Layout`]: in the order they arrived, each
//! kept element from its source while its value reads the same, and what the program added after
//! the last item of its kind (or at the end).

use serde_json::{Map, Value};

use super::read::{generic, item_needs_raw};
use super::tree;
use super::{
    as_items, push_attr, push_text, scalar_text, write_any, write_entry, write_field,
    write_generic, FieldDesc, FieldKind, FieldValue, ModelDesc,
};
use crate::layout::LAYOUT_KEY;
use crate::layout::{parts, Item, Layout, Part};

/// Which items of each entry have been written.
struct Written<'o> {
    slots: Vec<(&'o str, Option<u32>)>,
}

impl<'o> Written<'o> {
    fn has(&self, key: &str, index: Option<u32>) -> bool {
        self.slots.iter().any(|(k, i)| *k == key && *i == index)
    }

    fn mark(&mut self, key: &'o str, index: Option<u32>) {
        self.slots.push((key, index));
    }
}

/// Writes the children of a model element whose object is `obj`, following `layout`.
pub(super) fn by_layout(out: &mut String, obj: &Map<String, Value>, model: &ModelDesc, l: &Layout) {
    let field = |k: &str| model.fields.iter().find(|f| f.key == k);
    let text_field = model.fields.iter().find(|f| f.kind == FieldKind::Text);
    // Text pieces go back as they came while the text reads the same; changed text is written
    // once, where its first piece was.
    let text_now = text_field
        .and_then(|f| obj.get(f.key))
        .and_then(scalar_text);
    let text_same = text_field.is_none() || l.text.as_deref() == text_now.as_deref();
    let mut text_written = false;
    // How many items of each list the layout has, and where its last one is.
    let recorded = |key: &str| {
        l.items
            .iter()
            .filter_map(Item::slot)
            .filter(|(k, _)| *k == key)
            .count()
    };
    let last_of = |key: &str| {
        l.items
            .iter()
            .filter_map(Item::slot)
            .filter(|(k, _)| *k == key)
            .filter_map(|(_, i)| i)
            .max()
    };
    let mut written = Written { slots: Vec::new() };
    for item in &l.items {
        let (key, index, raw, is_kept) = match item {
            Item::Text { raw } => {
                if text_same {
                    out.push_str(raw);
                } else if !text_written {
                    if let Some(t) = &text_now {
                        push_text(out, t);
                    }
                }
                text_written = true;
                continue;
            }
            Item::Orphan { raw } => {
                out.push_str(raw);
                continue;
            }
            Item::Field { key, index } => (key, *index, None, false),
            Item::Kept { key, index, raw } => (key, *index, Some(raw.as_str()), true),
            Item::Unknown { key, index, raw } => (key, *index, Some(raw.as_str()), false),
        };
        // The program may have removed the entry, or items of it.
        let Some((entry_key, v)) = obj.get_key_value(key.as_str()) else {
            continue;
        };
        let items = as_items(v);
        let value = match index {
            None => Some(v).filter(|v| !v.is_null()),
            Some(i) => items.get(i as usize).copied(),
        };
        if let Some(value) = value {
            if written.has(entry_key, index) {
                continue;
            }
            written.mark(entry_key, index);
            let same_len = index.is_none() || items.len() == recorded(key);
            match (field(key), raw) {
                (Some(f), None) if f.wrapper.is_some() => write_entry(out, model, key, v),
                (Some(f), None) if f.kind == FieldKind::Any => write_any(out, value),
                (Some(f), None) => write_field(out, f, value),
                (Some(f), Some(raw)) if f.wrapper.is_some() => wrapper(out, f, &items, raw),
                (Some(f), Some(raw)) => kept(out, Some(f), f.name, value, raw, same_len),
                (None, None) => write_generic(out, key, value),
                // A known element of another model (a value converted between models).
                (None, Some(raw)) if is_kept => kept(out, None, key, value, raw, same_len),
                (None, Some(raw)) => unknown(out, key, value, raw),
            }
        }
        // Items the program added go after the last one that arrived.
        if let Some(i) = index.filter(|i| Some(*i) == last_of(key)) {
            for (j, extra) in items.iter().enumerate().skip(i as usize + 1) {
                let j = Some(j as u32);
                if !written.has(entry_key, j) {
                    written.mark(entry_key, j);
                    match field(key) {
                        Some(f) if f.kind == FieldKind::Any => write_any(out, extra),
                        Some(f) => write_field(out, f, extra),
                        None => write_generic(out, key, extra),
                    }
                }
            }
        }
    }
    // Entries the layout does not place: set by the program, or items it added.
    for (k, v) in obj {
        if k.starts_with('@') || k == "#text" || k == LAYOUT_KEY {
            continue;
        }
        let f = field(k);
        match f.map(|f| f.kind) {
            Some(FieldKind::Attribute) => continue,
            Some(FieldKind::Text) => {
                if !text_written {
                    write_entry(out, model, k, v);
                }
                continue;
            }
            _ => {}
        }
        let placed = written.slots.iter().any(|(w, _)| *w == k.as_str());
        let listed = matches!(v, Value::Array(_)) && f.is_none_or(|f| f.wrapper.is_none());
        if !placed {
            write_entry(out, model, k, v);
        } else if listed {
            for (j, item) in as_items(v).into_iter().enumerate() {
                if !written.has(k, Some(j as u32)) {
                    match f {
                        Some(f) if f.kind == FieldKind::Any => write_any(out, item),
                        Some(f) => write_field(out, f, item),
                        None => write_generic(out, k, item),
                    }
                }
            }
        }
    }
}

/// A known element kept from its source (`raw`): as it came while `value` reads the same, else
/// the new value with what the source adds to it (its attributes and child elements) when the
/// element is still the same one (`same`: not a list whose items the program added or removed).
fn kept(out: &mut String, f: Option<&FieldDesc>, name: &str, value: &Value, raw: &str, same: bool) {
    let write_field = |out: &mut String, f: Option<&FieldDesc>, value: &Value| match f {
        Some(f) => write_field(out, f, value),
        None => write_generic(out, name, value),
    };
    let Ok(tree) = tree::parse(raw) else {
        return write_field(out, f, value);
    };
    let source = tree.root();
    let kind = match (f, value) {
        (Some(f), _) => f.value,
        (None, Value::Object(_) | Value::Array(_)) => FieldValue::Any,
        (None, _) => FieldValue::Scalar(crate::desc::ScalarKind::Str),
    };
    match (kind, value) {
        (FieldValue::Scalar(_), v) => {
            let Some(now) = scalar_text(v).filter(|_| !v.is_object() && !v.is_array()) else {
                return write_field(out, f, value);
            };
            if source.text() == now {
                out.push_str(raw);
            } else if same {
                open(out, name, source.attrs().iter().map(|(k, v)| (&**k, &**v)));
                push_text(out, &now);
                children_of(out, raw);
                close(out, name);
            } else {
                write_field(out, f, value);
            }
        }
        (FieldValue::Code, Value::Object(now)) => {
            let mut then = Map::new();
            then.insert("value".into(), Value::String(source.text().to_owned()));
            for (k, v) in source.attrs() {
                then.insert(k.to_string(), Value::String(v.to_string()));
            }
            let mut now_plain = now.clone();
            now_plain.remove(LAYOUT_KEY);
            if same_code(&then, &now_plain) {
                out.push_str(raw);
            } else if same {
                let attrs: Vec<(&str, String)> = now_plain
                    .iter()
                    .filter(|(k, _)| *k != "value")
                    .filter_map(|(k, v)| Some((k.trim_start_matches('@'), scalar_text(v)?)))
                    .collect();
                open(out, name, attrs.iter().map(|(k, v)| (*k, v.as_str())));
                if let Some(t) = now_plain.get("value").and_then(scalar_text) {
                    push_text(out, &t);
                }
                children_of(out, raw);
                close(out, name);
            } else {
                write_field(out, f, value);
            }
        }
        _ => {
            if generic(source).into_value() == *value {
                out.push_str(raw);
            } else {
                write_field(out, f, value);
            }
        }
    }
}

/// A code pair as read from its source and as it is now: the same pair, spelled alike.
fn same_code(then: &Map<String, Value>, now: &Map<String, Value>) -> bool {
    then.len() == now.len()
        && then
            .iter()
            .all(|(k, v)| now.get(k).and_then(scalar_text) == scalar_text(v))
}

/// An unknown element: from its source while its value in `extra` reads the same.
fn unknown(out: &mut String, key: &str, value: &Value, raw: &str) {
    let Ok(tree) = tree::parse(raw) else {
        return write_generic(out, key, value);
    };
    if generic(tree.root()).into_value() == *value {
        out.push_str(raw);
    } else {
        write_generic(out, key, value);
    }
}

/// A list's wrapper element kept from its source: its attributes and the elements and text
/// besides the items stay where they were; the items are written from the list (each kept item
/// from its source while it reads the same), and items the program added after the last one.
fn wrapper(out: &mut String, f: &FieldDesc, items: &[&Value], raw: &str) {
    let (Ok(tree), Ok(parts)) = (tree::parse(raw), parts(raw)) else {
        return write_plain_wrapper(out, f, items);
    };
    let source = tree.root();
    let name = f.wrapper.unwrap_or(f.name);
    let mut children = source.children();
    let count = source.children().filter(|c| c.name() == f.name).count();
    open(out, name, source.attrs().iter().map(|(k, v)| (&**k, &**v)));
    let mut i = 0;
    for part in parts {
        match part {
            Part::Text(t) => out.push_str(t),
            Part::Elem(_) => {
                let Some(c) = children.next() else { break };
                if c.name() != f.name {
                    out.push_str(c.raw());
                    continue;
                }
                if let Some(item) = items.get(i) {
                    if item_needs_raw(c, f) {
                        kept(out, Some(f), f.name, item, c.raw(), items.len() == count);
                    } else {
                        write_field(out, f, item);
                    }
                }
                i += 1;
            }
        }
    }
    for item in items.iter().skip(i) {
        write_field(out, f, item);
    }
    close(out, name);
}

fn write_plain_wrapper(out: &mut String, f: &FieldDesc, items: &[&Value]) {
    let name = f.wrapper.unwrap_or(f.name);
    open(out, name, std::iter::empty());
    for item in items {
        write_field(out, f, item);
    }
    close(out, name);
}

/// The child elements of the element `raw`, as they came.
fn children_of(out: &mut String, raw: &str) {
    for part in parts(raw).unwrap_or_default() {
        if let Part::Elem(e) = part {
            out.push_str(e);
        }
    }
}

fn open<'a>(out: &mut String, name: &str, attrs: impl Iterator<Item = (&'a str, &'a str)>) {
    out.push('<');
    out.push_str(name);
    for (k, v) in attrs {
        push_attr(out, k, v);
    }
    out.push('>');
}

fn close(out: &mut String, name: &str) {
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}
