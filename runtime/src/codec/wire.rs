//! [`Wire`]: how a decoded object looked on the wire, kept beside its typed value so that
//! encoding it again, unchanged, gives back what was received.
//!
//! Alma spells one value several ways (`14` and `"14"`, `true` and `"true"`, `null`, `""`, a
//! lone object for a one-element list), leaves fields out that its schema calls required, and in
//! XML keeps elements in a meaningful order. The typed value holds what the program needs
//! (`Option<i64>`, `bool`, an enum); the object's `Wire` remembers, for each field, which keys
//! were present, in which order, and any spelling the type would not produce by itself. When a
//! field is written back, its remembered spelling is used as long as it still reads as the
//! field's current value; a value the program changed keeps the JSON type it arrived as (a number
//! sent as a string stays a string) but not an odd spelling (`"Y"` → `false`), and a field the
//! program set that was absent is written as usual.
//!
//! A value built by the program has no `Wire` (the default) and is written as before: absent
//! `Option`s, empty lists and empty required objects are left out.

use std::fmt;

use serde_json::Value;

use super::Node;

/// What a field's type expects, so the decoder can tell an unusual spelling from the usual one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Text (`String`).
    Str,
    /// An integer.
    Int,
    /// A number.
    Num,
    /// A boolean.
    Bool,
    /// An enumerated value (text).
    Enum,
    /// A `{value, desc}` pair.
    Code,
    /// A list.
    List,
    /// An object or free-form content: it remembers its own form.
    Other,
}

/// How one field arrived.
#[derive(Debug, Clone, PartialEq)]
pub enum Form {
    /// The way the field's type writes it.
    Natural,
    /// `null`.
    Null,
    /// A JSON string holding the canonical text of a number or boolean (`"14"`, `"true"`).
    Str,
    /// A list sent as its lone element (not in an array), or a code pair sent as a bare string.
    Lone,
    /// Any other spelling (`"Y"`, `"014"`, `5` in a string field, `""` for a number), kept as
    /// received.
    Raw(Box<Value>),
    /// A list some of whose items were spelled otherwise than their type writes them (`["14"]`
    /// for integers): each item's form.
    Items(Vec<Form>),
    /// A list sent as its lone element, spelled otherwise than its type writes it.
    LoneItem(Box<Form>),
}

/// Which entry of the object a remembered key was.
#[derive(Debug, Clone, PartialEq)]
enum Slot {
    /// A field of the model, by its index in the model.
    Field(u16),
    /// A key the model does not know (kept in `extra`).
    Extra(Box<str>),
}

/// Memory of a decoded object: its keys in the order they arrived, and how each field was
/// spelled. Empty (the default) for values the program built.
///
/// Two values that differ only in how they were spelled are equal: `PartialEq` ignores it.
#[derive(Clone, Default)]
pub struct Wire(Option<Box<WireObject>>);

#[derive(Clone, Default)]
struct WireObject {
    entries: Vec<(Slot, Form)>,
    /// Decoded from XML, where every scalar is text: text is then the natural form.
    xml: bool,
    /// What the XML element held beyond the fields and `extra` (see [`crate::layout::Layout`]).
    layout: Option<Box<crate::layout::Layout>>,
}

impl Wire {
    /// Whether this value was decoded (rather than built by the program).
    pub fn is_decoded(&self) -> bool {
        self.0.is_some()
    }

    /// Forgets how the value arrived: it is then written as if the program had built it.
    pub fn forget(&mut self) {
        self.0 = None;
    }

    fn object(&self) -> Option<&WireObject> {
        self.0.as_deref()
    }

    /// What the XML element this value was read from held beyond its fields and `extra`.
    pub fn layout(&self) -> Option<&crate::layout::Layout> {
        self.object()?.layout.as_deref()
    }
}

/// The layout a `#xml` entry holds: only the XML reader's own node is one (a JSON document's
/// `#xml` key is an unknown field like any other).
pub(super) fn layout_of(node: Node<'_>) -> Result<Box<crate::layout::Layout>, Node<'_>> {
    match node {
        Node::Layout(layout) => Ok(layout),
        other => Err(other),
    }
}

impl PartialEq for Wire {
    fn eq(&self, _: &Wire) -> bool {
        true
    }
}

impl Eq for Wire {}

impl std::hash::Hash for Wire {
    fn hash<H: std::hash::Hasher>(&self, _: &mut H) {}
}

impl fmt::Debug for Wire {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            None => f.write_str("Wire(built)"),
            Some(w) => write!(f, "Wire(decoded, {} keys)", w.entries.len()),
        }
    }
}

thread_local! {
    /// Set while an XML document is read into nodes and decoded (see `xml::from_xml`).
    static XML_ORIGIN: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// Set while a value is encoded for an XML document (see `Model::to_xml`).
    static XML_TARGET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with `flag` set on this thread, restored afterwards (even on a panic).
fn with_flag<R>(
    flag: &'static std::thread::LocalKey<std::cell::Cell<bool>>,
    f: impl FnOnce() -> R,
) -> R {
    struct Reset(&'static std::thread::LocalKey<std::cell::Cell<bool>>, bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            self.0.with(|c| c.set(self.1));
        }
    }
    let _reset = Reset(flag, flag.with(|c| c.replace(true)));
    f()
}

thread_local! {
    /// While [`origin_probe`] runs: whether the first decoded object written was read from XML.
    static PROBE: std::cell::Cell<Option<Option<bool>>> = const { std::cell::Cell::new(None) };
}

/// Runs `f` (which encodes a value) and says whether the value was read from XML: the first
/// object `f` writes is the value itself.
pub(crate) fn origin_probe<R>(f: impl FnOnce() -> R) -> (R, bool) {
    let before = PROBE.with(|p| p.replace(Some(None)));
    let out = f();
    let seen = PROBE.with(|p| p.replace(before));
    (out, matches!(seen, Some(Some(true))))
}

/// Notes, for a running [`origin_probe`], where the first object written came from.
pub(super) fn probe(wire: &Wire) {
    PROBE.with(|p| {
        if p.get() == Some(None) {
            p.set(Some(Some(wire.object().is_some_and(|o| o.xml))));
        }
    });
}

/// Runs `f` with XML as the origin of every object decoded meanwhile on this thread.
pub(crate) fn with_xml_origin<R>(f: impl FnOnce() -> R) -> R {
    with_flag(&XML_ORIGIN, f)
}

/// Runs `f` with XML as the target of every object encoded meanwhile on this thread.
pub(crate) fn with_xml_target<R>(f: impl FnOnce() -> R) -> R {
    with_flag(&XML_TARGET, f)
}

/// Records the keys of one object while it is decoded (see [`super::decode_object`]).
pub struct Recorder {
    object: WireObject,
}

impl Recorder {
    pub(super) fn new(len: usize) -> Recorder {
        Recorder {
            object: WireObject {
                entries: Vec::with_capacity(len),
                xml: XML_ORIGIN.with(|c| c.get()),
                layout: None,
            },
        }
    }

    /// Reads field number `index` of the model from `node`, remembering how it was spelled.
    pub fn read<'a, T: super::Codec>(
        &mut self,
        index: u16,
        node: Node<'a>,
    ) -> Result<T, super::DecodeError> {
        self.note(index, &node, T::SHAPE, T::ITEM_SHAPE);
        T::from_node(node)
    }

    /// [`Recorder::read`]'s bookkeeping, apart so that it is compiled once, not per field type.
    pub(super) fn note(&mut self, index: u16, node: &Node<'_>, shape: Shape, item: Shape) {
        let form = note_field(node, shape, item, self.object.xml);
        self.object.entries.push((Slot::Field(index), form));
    }

    pub(super) fn layout(&mut self, layout: Box<crate::layout::Layout>) {
        self.object.layout = Some(layout);
    }

    pub(super) fn extra(&mut self, key: &str) {
        self.object
            .entries
            .push((Slot::Extra(key.into()), Form::Natural));
    }

    pub(super) fn finish(self) -> Wire {
        Wire(Some(Box::new(self.object)))
    }
}

/// How `node`, read as a field of `shape` (a list: of items of `item`), was spelled.
fn note_field(node: &Node<'_>, shape: Shape, item: Shape, xml: bool) -> Form {
    let form = note(node, shape, xml);
    if shape != Shape::List || item == Shape::Other {
        return form;
    }
    match (node, form) {
        (Node::Array(items), Form::Natural) => {
            let forms: Vec<Form> = items.iter().map(|i| note(i, item, xml)).collect();
            if forms.iter().all(|f| *f == Form::Natural) {
                Form::Natural
            } else {
                Form::Items(forms)
            }
        }
        (lone, Form::Lone) => match note(lone, item, xml) {
            Form::Natural => Form::Lone,
            other => Form::LoneItem(Box::new(other)),
        },
        (_, form) => form,
    }
}

/// How `node`, read as a value of `shape`, was spelled.
fn note(node: &Node<'_>, shape: Shape, xml: bool) -> Form {
    let raw = || Form::Raw(Box::new(node.clone().into_value()));
    match (node, shape) {
        (Node::Null, _) => Form::Null,
        (Node::Array(_), Shape::List) => Form::Natural,
        (_, Shape::List) => Form::Lone,
        (Node::Str(_), Shape::Str | Shape::Enum) => Form::Natural,
        (Node::Str(_), Shape::Code) => Form::Lone,
        (Node::Str(s), Shape::Int) => {
            canonical(xml, s.parse::<i64>().ok().map(Value::from), s, raw)
        }
        (Node::Str(s), Shape::Num) => canonical(xml, s.parse::<f64>().ok().map(num), s, raw),
        (Node::Str(s), Shape::Bool) => {
            canonical(xml, s.parse::<bool>().ok().map(Value::Bool), s, raw)
        }
        (Node::Number(n), Shape::Int) if n.is_i64() || n.is_u64() => Form::Natural,
        (Node::Number(n), Shape::Num) if n.is_f64() => Form::Natural,
        (Node::Bool(_), Shape::Bool) => Form::Natural,
        (_, Shape::Other) => Form::Natural,
        (Node::Object(_), Shape::Code) => Form::Natural,
        _ => raw(),
    }
}

/// A number as the codec writes it (`150.0` for the `f64` 150).
fn num(f: f64) -> Value {
    serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
}

/// Text that is exactly how the value writes itself (`14`, `12.5`, `150.0`, `true`) is the
/// natural form in XML and a string in JSON; any other spelling (`"014"`, `" 5"`, `"1e3"`,
/// `"150"` for a decimal, `"+1"`, `""`) is kept as it came.
fn canonical(xml: bool, parsed: Option<Value>, s: &str, raw: impl Fn() -> Form) -> Form {
    let written = |v: &Value| match v {
        Value::Number(n) => n.to_string() == s,
        Value::Bool(b) => b.to_string() == s,
        _ => false,
    };
    match parsed {
        Some(v) if written(&v) => {
            if xml {
                Form::Natural
            } else {
                Form::Str
            }
        }
        _ => raw(),
    }
}

/// Where [`super::ObjectWriter`] finds how each field arrived.
pub(super) struct Lookup<'w> {
    object: &'w WireObject,
    cursor: usize,
}

impl<'w> Lookup<'w> {
    pub(super) fn new(wire: &'w Wire) -> Option<Lookup<'w>> {
        wire.object().map(|object| Lookup { object, cursor: 0 })
    }

    /// Whether the keys are written in the order they arrived. Not when a value decoded from
    /// JSON is written as XML: JSON's key order means nothing (Alma's is alphabetical), while
    /// an XML document's element order is the schema's (`xs:sequence`), so the declaration order
    /// is used, as for a value the program built.
    pub(super) fn keeps_order(&self) -> bool {
        self.object.xml || !XML_TARGET.with(|c| c.get())
    }

    /// The element's layout, when the value is being written as XML and was read from XML.
    pub(super) fn layout_for_xml(&self) -> Option<&'w crate::layout::Layout> {
        let layout = self.object.layout.as_deref()?;
        (self.object.xml && XML_TARGET.with(|c| c.get())).then_some(layout)
    }

    /// How field `index` arrived; `None` when it was absent. Fields are asked for in model
    /// order and usually arrived in it, so the search resumes where the last one ended.
    pub(super) fn form(&mut self, index: u16) -> Option<&'w Form> {
        let entries = &self.object.entries;
        let n = entries.len();
        for step in 0..n {
            let i = (self.cursor + step) % n;
            if entries[i].0 == Slot::Field(index) {
                self.cursor = i + 1;
                return Some(&entries[i].1);
            }
        }
        None
    }

    /// The keys in the order they arrived: `Ok(field index)` or `Err(extra key)`.
    pub(super) fn order(&self) -> impl Iterator<Item = Result<u16, &'w str>> + 'w {
        self.object.entries.iter().map(|(slot, _)| match slot {
            Slot::Field(i) => Ok(*i),
            Slot::Extra(k) => Err(&**k),
        })
    }
}
