//! XML tree → [`Node`] in Alma's JSON shape, driven by the model's [`ModelDesc`]: attributes and
//! elements become keys, `<status desc="…">X</status>` becomes `{"value": "X", "desc": "…"}`,
//! `<rows><row/>…</rows>` becomes `"row": […]`. Nothing is dropped: unknown attributes and
//! elements are keys the model keeps in `extra`, and whatever the JSON shape cannot say (the
//! order of regrouped children, attributes or children of a text element, text between
//! elements, a second copy of a single element) goes into the element's [`Layout`], a `#xml`
//! entry of its object.

use std::borrow::Cow;

use crate::codec::Node;
use crate::layout::LAYOUT_KEY;

use super::tree::Node as Elem;
use crate::desc::{FieldDesc, FieldKind, FieldValue, ModelDesc};
use crate::layout::{self, Item, Layout, Part};

/// What a child element is to its parent's model.
#[derive(Clone, Copy)]
enum Role {
    /// The wrapper of a list field (`<user_identifiers>`).
    Wrapper(&'static FieldDesc),
    /// An item of a list field without a wrapper.
    Item(&'static FieldDesc),
    /// The element of a single-valued field.
    Single(&'static FieldDesc),
    /// Raw `xs:any` content: an element the model does not know, in a model that takes any.
    Any(&'static FieldDesc),
    /// An element the model does not know: kept in `extra` under its name.
    Unknown,
    /// A second copy of an element the model holds once.
    Orphan,
}

/// Tells children's roles in document order (a single field's second copy is an orphan).
struct Roles {
    model: &'static ModelDesc,
    any: Option<&'static FieldDesc>,
    taken: Vec<&'static str>,
}

impl Roles {
    fn new(model: &'static ModelDesc) -> Roles {
        Roles {
            model,
            any: model.fields.iter().find(|f| f.kind == FieldKind::Any),
            taken: Vec::new(),
        }
    }

    fn of(&mut self, name: &str) -> Role {
        let known = self.model.fields.iter().find(|f| {
            f.kind == FieldKind::Element
                && match f.wrapper {
                    Some(w) => w == name,
                    None => f.name == name,
                }
        });
        let once = |f: &'static FieldDesc, taken: &mut Vec<&'static str>, role: Role| {
            if taken.contains(&f.key) {
                None
            } else {
                taken.push(f.key);
                Some(role)
            }
        };
        let role = match known {
            Some(f) if f.wrapper.is_some() => once(f, &mut self.taken, Role::Wrapper(f)),
            Some(f) if f.array => Some(Role::Item(f)),
            Some(f) => once(f, &mut self.taken, Role::Single(f)),
            None => None,
        };
        match (role, self.any) {
            (Some(r), _) => r,
            (None, Some(f)) => Role::Any(f),
            (None, None) if known.is_some() => Role::Orphan,
            (None, None) => Role::Unknown,
        }
    }
}

/// An element read as `model`, keys in document order (attributes, then child elements; the
/// items of a list at the place of its first item), so that writing the model back keeps the
/// elements where they were; plus a `#xml` [`Layout`] entry when the keys alone would lose
/// something.
pub(crate) fn model<'t>(elem: Elem<'t, '_>, model: &'static ModelDesc) -> Result<Node<'t>, String> {
    let mut entries: Vec<(Cow<'t, str>, Node<'t>)> = Vec::with_capacity(model.fields.len() + 2);
    for (k, v) in elem.attrs() {
        match model
            .fields
            .iter()
            .find(|f| f.kind == FieldKind::Attribute && f.name == k)
        {
            Some(f) => entries.push((Cow::Borrowed(f.key), text(v))),
            None => entries.push((Cow::Owned(format!("@{k}")), text(v))),
        }
    }
    // Where each list (or `xs:any`, or repeated unknown name) went, and the previous child's
    // key: an item arriving after something else means the JSON shape would regroup the list.
    let mut lists: Vec<(&'t str, usize)> = Vec::new();
    let mut previous: Option<&'t str> = None;
    let mut needs_layout = false;
    let mut roles = Roles::new(model);
    for c in elem.children() {
        let name = c.name();
        let role = roles.of(name);
        let (key, node, listed): (&'t str, Node<'t>, bool) = match role {
            Role::Wrapper(f) => {
                needs_layout |= wrapper_needs_raw(c, f);
                let mut items = Vec::new();
                for i in c.children().filter(|i| i.name() == f.name) {
                    items.push(field(i, f)?);
                }
                (f.key, Node::Array(items), false)
            }
            Role::Item(f) => {
                needs_layout |= item_needs_raw(c, f);
                (f.key, field(c, f)?, true)
            }
            Role::Single(f) => {
                needs_layout |= item_needs_raw(c, f);
                (f.key, field(c, f)?, false)
            }
            Role::Any(f) => (f.key, Node::Str(Cow::Borrowed(c.raw())), true),
            Role::Unknown => {
                // Written back from its source while unchanged, where it was.
                needs_layout = true;
                (name, generic(c), true)
            }
            Role::Orphan => {
                needs_layout = true;
                previous = None;
                continue;
            }
        };
        if !listed {
            entries.push((Cow::Borrowed(key), node));
        } else if let Some(&(_, at)) = lists.iter().find(|(k, _)| *k == key) {
            needs_layout |= previous != Some(key);
            match role {
                Role::Unknown => push_repeated(&mut entries[at].1, node),
                _ => {
                    if let Node::Array(items) = &mut entries[at].1 {
                        items.push(node);
                    }
                }
            }
        } else {
            lists.push((key, entries.len()));
            let node = match role {
                Role::Unknown => node,
                _ => Node::Array(vec![node]),
            };
            entries.push((Cow::Borrowed(key), node));
        }
        previous = Some(key);
    }
    let has_text = !elem.text().trim().is_empty();
    let text_field = model.fields.iter().find(|f| f.kind == FieldKind::Text);
    match text_field {
        Some(f) => {
            if has_text || !elem.has_children() {
                entries.push((Cow::Borrowed(f.key), text(elem.text())));
            }
            // Text among child elements: where it stood is in the layout.
            needs_layout |= has_text && elem.has_children();
        }
        // Text the model has no field for.
        None => needs_layout |= has_text,
    }
    if needs_layout {
        let layout = layout_of(elem, model, &entries)?;
        entries.push((
            Cow::Borrowed(LAYOUT_KEY),
            Node::Layout(Box::new(Layout {
                items: layout,
                text: text_field.map(|_| elem.text().to_owned()),
            })),
        ));
    }
    Ok(Node::Object(entries))
}

/// The children of `elem`, in document order, with text between them (see [`Layout`]).
fn layout_of<'t>(
    elem: Elem<'t, '_>,
    model: &'static ModelDesc,
    entries: &[(Cow<'_, str>, Node<'_>)],
) -> Result<Vec<Item>, String> {
    let parts = layout::parts(elem.raw())?;
    let mut items = Vec::with_capacity(parts.len());
    let mut children = elem.children();
    let mut roles = Roles::new(model);
    // The next item index of each list, `xs:any` field and repeated unknown name.
    let mut next_index: Vec<(&'t str, u32)> = Vec::new();
    let mut next = |key: &'t str| -> u32 {
        match next_index.iter_mut().find(|(k, _)| *k == key) {
            Some((_, n)) => {
                *n += 1;
                *n
            }
            None => {
                next_index.push((key, 0));
                0
            }
        }
    };
    for part in parts {
        let c = match part {
            Part::Text(raw) => {
                items.push(Item::Text { raw: raw.into() });
                continue;
            }
            Part::Elem(_) => children
                .next()
                .ok_or("an element's content does not match its children")?,
        };
        let raw = || c.raw().to_owned();
        let item = |f: &FieldDesc, index: Option<u32>, keep: bool| {
            if keep {
                Item::Kept {
                    key: f.key.into(),
                    index,
                    raw: raw(),
                }
            } else {
                Item::Field {
                    key: f.key.into(),
                    index,
                }
            }
        };
        items.push(match roles.of(c.name()) {
            Role::Wrapper(f) => item(f, None, wrapper_needs_raw(c, f)),
            Role::Item(f) => {
                let index = next(f.key);
                item(f, Some(index), item_needs_raw(c, f))
            }
            Role::Single(f) => item(f, None, item_needs_raw(c, f)),
            Role::Any(f) => Item::Field {
                key: f.key.into(),
                index: Some(next(f.key)),
            },
            Role::Unknown => {
                let name = c.name();
                let repeated = entries
                    .iter()
                    .any(|(k, v)| k == name && matches!(v, Node::Array(_)));
                Item::Unknown {
                    key: name.into(),
                    index: repeated.then(|| next(name)),
                    raw: raw(),
                }
            }
            Role::Orphan => Item::Orphan { raw: raw() },
        });
    }
    Ok(items)
}

/// Whether an item element holds more than the field's value can: attributes or children on
/// text, children in a code pair, anything on free-form content (kept from its source).
pub(crate) fn item_needs_raw(c: Elem<'_, '_>, f: &FieldDesc) -> bool {
    match f.value {
        FieldValue::Scalar(_) | FieldValue::Any => !c.attrs().is_empty() || c.has_children(),
        FieldValue::Code => c.has_children(),
        FieldValue::Model(_) => false,
    }
}

/// Whether a list's wrapper element holds more than its items: attributes, text, other
/// elements, or items that hold more than their values.
pub(crate) fn wrapper_needs_raw(c: Elem<'_, '_>, f: &FieldDesc) -> bool {
    !c.attrs().is_empty()
        || !c.text().trim().is_empty()
        || c.children()
            .any(|i| i.name() != f.name || item_needs_raw(i, f))
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

fn field<'t>(elem: Elem<'t, '_>, f: &'static FieldDesc) -> Result<Node<'t>, String> {
    Ok(match f.value {
        FieldValue::Scalar(_) => text(elem.text()),
        FieldValue::Code => {
            let mut entries = Vec::with_capacity(elem.attrs().len() + 1);
            entries.push((Cow::Borrowed("value"), text(elem.text())));
            for (k, v) in elem.attrs() {
                entries.push((Cow::Borrowed(k.as_ref()), text(v)));
            }
            Node::Object(entries)
        }
        FieldValue::Model(m) => model(elem, m())?,
        FieldValue::Any => generic(elem),
    })
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
/// child elements and `#text`. (Its source is kept too, in the parent's layout: this is what a
/// program reads of it.)
pub(crate) fn generic<'t>(elem: Elem<'t, '_>) -> Node<'t> {
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
