//! [`unknown_paths`]: where a value holds what its model does not declare, so that a program
//! can see that Alma sent something new (see [`crate::Model::unknown_fields`]).

use serde_json::{Map, Value};

use super::tree;
use crate::desc::{FieldKind, FieldValue, ModelDesc};
use crate::layout::LAYOUT_KEY;
use crate::layout::{Item, Layout};

/// Appends to `out` the path of everything in `obj` (the JSON shape of a value of `model`,
/// written for XML so that layouts are in it) that the model does not declare.
pub(crate) fn unknown_paths(
    obj: &Map<String, Value>,
    model: &ModelDesc,
    at: &str,
    out: &mut Vec<String>,
) {
    let join = |k: &str| {
        if at.is_empty() {
            k.to_owned()
        } else {
            format!("{at}.{k}")
        }
    };
    for (k, v) in obj {
        if k == LAYOUT_KEY {
            if let Some(layout) = Layout::from_value(v) {
                layout_paths(&layout, model, at, out);
            }
            continue;
        }
        let Some(f) = model.fields.iter().find(|f| f.key == k) else {
            out.push(join(k));
            continue;
        };
        let items: Vec<&Value> = match v {
            Value::Array(items) => items.iter().collect(),
            Value::Null => Vec::new(),
            one => vec![one],
        };
        let many = matches!(v, Value::Array(_));
        for (i, item) in items.into_iter().enumerate() {
            let here = if many {
                format!("{}[{i}]", join(k))
            } else {
                join(k)
            };
            match (f.value, item) {
                (FieldValue::Model(m), Value::Object(o)) => unknown_paths(o, m(), &here, out),
                (FieldValue::Code, Value::Object(o)) => {
                    for key in o.keys() {
                        if !matches!(key.as_str(), "value" | "desc") {
                            out.push(format!("{here}.{key}"));
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

/// What a layout keeps that the fields do not: content of known elements, second copies, text.
fn layout_paths(layout: &Layout, model: &ModelDesc, at: &str, out: &mut Vec<String>) {
    let join = |k: &str| {
        if at.is_empty() {
            k.to_owned()
        } else {
            format!("{at}.{k}")
        }
    };
    let text_field = model.fields.iter().any(|f| f.kind == FieldKind::Text);
    let mut text_reported = false;
    for item in &layout.items {
        match item {
            Item::Kept { key, index, raw } => {
                let here = match index {
                    Some(i) => format!("{}[{i}]", join(key)),
                    None => join(key),
                };
                let field = model.fields.iter().find(|f| f.key == *key);
                let item_name = field.map(|f| f.name);
                kept_paths(
                    raw,
                    &here,
                    field.is_some_and(|f| f.wrapper.is_some()),
                    item_name,
                    out,
                );
            }
            Item::Orphan { raw } => {
                let name = tree::parse(raw)
                    .map(|t| t.root().name().to_owned())
                    .unwrap_or_default();
                out.push(format!("{} (a second copy)", join(&name)));
            }
            Item::Text { .. } if !text_field && !text_reported => {
                text_reported = true;
                out.push(join("#text"));
            }
            _ => {}
        }
    }
}

/// The attributes and child elements of a kept element (for a wrapper: besides its items, and
/// those of its items).
fn kept_paths(raw: &str, here: &str, wrapper: bool, item: Option<&str>, out: &mut Vec<String>) {
    let Ok(tree) = tree::parse(raw) else { return };
    let elem = tree.root();
    for (k, _) in elem.attrs() {
        out.push(format!("{here}.@{k}"));
    }
    let mut i = 0;
    for c in elem.children() {
        if wrapper && Some(c.name()) == item {
            kept_paths(c.raw(), &format!("{here}[{i}]"), false, None, out);
            i += 1;
        } else {
            out.push(format!("{here}.{}", c.name()));
        }
    }
}
