//! How generated models read and write Alma's JSON shape, in both wire formats.
//!
//! Every model implements [`Codec`] through [`Object`]: two small generated functions that list
//! its fields as `&dyn Field`, read by [`read_object`] from a parsed [`Node`] and written by
//! [`write_object`]. Everything else — lenient scalars, arrays that arrive as a lone element, unknown
//! fields, error paths — lives here, compiled once, instead of in serde-derived code that the
//! compiler would instantiate again for every model and every deserializer. That is what keeps
//! the generated crate quick to compile.
//!
//! Real Alma answers do not always match the declared types, so reading is lenient: booleans
//! arrive as `true` and as `"false"`, numbers as `12.5` and as `"12.5"`, any field may be `null`
//! or `""`, and a one-element array may arrive as the bare element.

mod node;
mod wire;

use std::fmt;

use serde_json::{Map, Value};

pub use node::Node;
pub(crate) use wire::{origin_probe, with_xml_origin, with_xml_target};
pub use wire::{Form, Recorder, Shape, Wire};

use crate::desc::{Described, Extra, IsEmpty};

/// A value generated models can hold: it reads itself from a [`Node`] and writes itself as a
/// `serde_json::Value` in Alma's JSON shape. `Debug`, `Clone`, `PartialEq` and `'static`,
/// because a model's `Debug`, `Clone` and `PartialEq` go through its field list
/// ([`debug_object`], [`clone_object`], [`eq_object`]).
pub trait Codec: Sized + fmt::Debug + Clone + PartialEq + 'static {
    /// What the value looks like on the wire, so that an unusual spelling is remembered.
    const SHAPE: Shape = Shape::Other;
    /// For a list, what its items look like (each item's spelling is remembered too).
    const ITEM_SHAPE: Shape = Shape::Other;

    /// Reads the value.
    fn from_node(node: Node<'_>) -> Result<Self, DecodeError>;

    /// Reads an optional value: `null` (and, for numbers and booleans, `""`) is `None`.
    fn from_node_opt(node: Node<'_>) -> Result<Option<Self>, DecodeError> {
        match node {
            Node::Null => Ok(None),
            node => match Self::from_node(node) {
                Ok(v) => Ok(Some(v)),
                Err(e) => Err(e),
            },
        }
    }

    /// Writes the value.
    fn to_value(&self) -> Value;

    /// Whether the field holding this value is left out when encoding: `None`, an empty list,
    /// a required object with nothing set (Alma treats a missing field as its default).
    fn is_absent(&self) -> bool {
        false
    }

    /// Whether a field holding this value, absent from the document it was decoded from, is
    /// still unset (so it stays absent): [`Codec::is_absent`], and for text the empty string.
    fn is_unset(&self) -> bool {
        self.is_absent()
    }

    /// Writes the value the way it arrived (`form`, see [`Wire`]) when that spelling still reads
    /// as the value; `None` leaves the field out.
    fn to_wire(&self, form: &Form) -> Option<Value> {
        // Re-reading is needed only for a value kept as spelled (`Form::Raw`), which a model
        // never is: generated models write with `object_to_wire`, which has no such step.
        let reread = |raw: &Value| match Self::from_node(Node::borrow_value(raw)) {
            Ok(then) => Some(then.to_value()),
            Err(_) => None,
        };
        default_to_wire(form, self, &reread)
    }
}

/// A [`Codec`] value as a generated model's field, object-safe: the code that reads and writes
/// fields (objects, wire forms, lists) takes `&dyn Field` and is compiled once in this crate
/// instead of once per model type in the generated one, which was most of its compile time
/// (`cargo llvm-lines`, rustc's self-profile).
#[doc(hidden)]
pub trait Field {
    /// Reads the field (number `index` of its model) from `node`, noting its spelling in `r`.
    fn read(&mut self, node: Node<'_>, r: &mut Recorder, index: u16) -> Result<(), DecodeError>;
    /// [`Codec::to_value`].
    fn encode(&self) -> Value;
    /// [`Codec::to_wire`].
    fn encode_wire(&self, form: &Form) -> Option<Value>;
    /// [`Codec::is_absent`].
    fn absent(&self) -> bool;
    /// [`Codec::is_unset`].
    fn unset(&self) -> bool;
    /// The value, for a model's `Debug`.
    fn debug(&self) -> &dyn fmt::Debug;
    /// The value, for comparing and cloning fields of one type through `&dyn Field`.
    fn any(&self) -> &dyn std::any::Any;
    /// Whether `other` is a field of the same type and equal value (a model's `PartialEq`).
    fn same(&self, other: &dyn Field) -> bool;
    /// Sets `target`, a field of the same type, to a clone of this one (a model's `Clone`).
    fn clone_to(&self, target: &mut dyn Field);
    /// `target`'s value, to be set by [`Field::clone_to`].
    fn any_mut(&mut self) -> &mut dyn std::any::Any;
}

impl<T: Codec> Field for T {
    fn read(&mut self, node: Node<'_>, r: &mut Recorder, index: u16) -> Result<(), DecodeError> {
        // Plain code rather than `Recorder::read` and `?`: this is instantiated per field type.
        r.note(index, &node, T::SHAPE, T::ITEM_SHAPE);
        match T::from_node(node) {
            Ok(value) => {
                *self = value;
                Ok(())
            }
            Err(e) => Err(e),
        }
    }
    fn encode(&self) -> Value {
        self.to_value()
    }
    fn encode_wire(&self, form: &Form) -> Option<Value> {
        self.to_wire(form)
    }
    fn absent(&self) -> bool {
        self.is_absent()
    }
    fn unset(&self) -> bool {
        self.is_unset()
    }
    fn debug(&self) -> &dyn fmt::Debug {
        self
    }
    fn any(&self) -> &dyn std::any::Any {
        self
    }
    fn same(&self, other: &dyn Field) -> bool {
        other.any().downcast_ref::<T>() == Some(self)
    }
    fn clone_to(&self, target: &mut dyn Field) {
        if let Some(target) = target.any_mut().downcast_mut::<T>() {
            target.clone_from(self);
        }
    }
    fn any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

/// A generated model's fields by number (their order in [`ModelDesc::fields`], whose `key` is
/// each one's JSON key), with its unknown fields and its wire memory. A generated model's
/// [`Codec`] is [`read_object`] and [`write_object`] over this: two functions per model that
/// list its fields, where a `match` on the keys and a call per field used to be compiled.
///
/// [`ModelDesc::fields`]: crate::desc::ModelDesc::fields
#[doc(hidden)]
pub trait Object {
    /// Calls `f` with every field in order, `extra` and `wire`.
    fn fields(&self, f: &mut VisitFields<'_>);
    /// Calls `f` with every field in order, `extra` and `wire`, to be set.
    fn fields_mut(&mut self, f: &mut VisitFieldsMut<'_>);
}

/// What [`Object::fields`] calls.
#[doc(hidden)]
pub type VisitFields<'f> = dyn FnMut(&[&dyn Field], &Extra, &Wire) + 'f;

/// What [`Object::fields_mut`] calls.
#[doc(hidden)]
pub type VisitFieldsMut<'f> = dyn FnMut(&mut [&mut dyn Field], &mut Extra, &mut Wire) + 'f;

/// Refuses a JSON document that is not this model at all: an object with keys, none of which is
/// a field of the model (a proxy's envelope `{"response": {…}}`, another record). Decoding it
/// would give a value of empty fields with everything kept as unknown, which a program could PUT
/// back. Drift (known fields beside unknown ones) is read as usual. Only the document itself is
/// checked: a nested object of unknown keys is kept.
pub fn refuse_foreign(
    node: &Node<'_>,
    name: &'static str,
    model: &crate::desc::ModelDesc,
) -> Result<(), DecodeError> {
    let Node::Object(entries) = node else {
        return Ok(());
    };
    if entries.is_empty() || model.fields.is_empty() {
        return Ok(());
    }
    if entries
        .iter()
        .any(|(k, _)| model.fields.iter().any(|f| f.key == k.as_ref()))
    {
        return Ok(());
    }
    let keys: Vec<&str> = entries.iter().map(|(k, _)| k.as_ref()).take(8).collect();
    let more = if entries.len() > keys.len() {
        ", …"
    } else {
        ""
    };
    Err(DecodeError::new(format!(
        "not a {name}: the document has none of its fields (keys found: {}{more})",
        keys.join(", ")
    )))
}

/// [`Codec::from_node`] of a generated model (see [`Object`] and [`decode_object`]). Only the
/// default value depends on `T`; the rest is compiled once.
#[doc(hidden)]
pub fn read_object<T: Object + Described + Default>(node: Node<'_>) -> Result<T, DecodeError> {
    let mut out = T::default();
    match read_into(node, T::NAME, T::desc(), &mut out) {
        Ok(()) => Ok(out),
        Err(e) => Err(e),
    }
}

fn read_into(
    node: Node<'_>,
    name: &'static str,
    model: &crate::desc::ModelDesc,
    object: &mut dyn Object,
) -> Result<(), DecodeError> {
    let mut node = Some(node);
    let mut result = Ok(());
    object.fields_mut(&mut |fields, extra, wire| {
        if let Some(node) = node.take() {
            result = read_fields(node, name, model, fields, extra, wire);
        }
    });
    result
}

fn read_fields(
    node: Node<'_>,
    name: &'static str,
    model: &crate::desc::ModelDesc,
    fields: &mut [&mut dyn Field],
    extra: &mut Extra,
    wire: &mut Wire,
) -> Result<(), DecodeError> {
    debug_assert_eq!(
        model.fields.len(),
        fields.len(),
        "{name}: one description per field"
    );
    // Keys usually arrive in the schema's order: the search starts after the last one found.
    let mut next = 0;
    let (e, w) = decode_object(node, name, &mut |key, value, r| {
        // A description without its field (never generated) leaves the key unknown, kept in
        // `extra`, rather than panicking.
        let found = find_key(model.fields, key, next).filter(|&i| i < fields.len());
        match found {
            Some(i) => {
                next = i + 1;
                fields[i].read(value, r, i as u16)?;
                Ok(None)
            }
            None => Ok(Some(value)),
        }
    })?;
    *extra = e;
    *wire = w;
    Ok(())
}

/// The number of the field whose key is `key`, searching from `from` round to it.
fn find_key(fields: &[crate::desc::FieldDesc], key: &str, from: usize) -> Option<usize> {
    let from = from.min(fields.len());
    let (before, after) = fields.split_at(from);
    after
        .iter()
        .position(|f| f.key == key)
        .map(|i| i + from)
        .or_else(|| before.iter().position(|f| f.key == key))
}

/// `Debug` of a generated model: its name, then each field under its Alma name (the JSON key),
/// then `extra` when the value has fields the SDK does not know. The wire memory is left out.
#[doc(hidden)]
pub fn debug_object<T: Object + Described>(value: &T, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    debug_fields(T::NAME, T::desc(), value, f)
}

fn debug_fields(
    name: &str,
    model: &crate::desc::ModelDesc,
    value: &dyn Object,
    f: &mut fmt::Formatter<'_>,
) -> fmt::Result {
    let mut result = Ok(());
    value.fields(&mut |fields, extra, _| {
        let mut s = f.debug_struct(name);
        for (field, x) in fields.iter().zip(model.fields) {
            if crate::secret::is_secret_name(x.key) {
                s.field(x.key, &Redacted(field.debug()));
            } else {
                s.field(x.key, field.debug());
            }
        }
        if !extra.is_empty() {
            s.field("extra", &RedactedExtra(extra));
        }
        result = s.finish();
    });
    result
}

/// A secret field's `Debug`: whether it holds something, never what.
struct Redacted<'a>(&'a dyn fmt::Debug);

impl fmt::Debug for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = format!("{:?}", self.0);
        match shown.as_str() {
            "None" | "\"\"" | "Some(\"\")" => f.write_str(&shown),
            _ => f.write_str("<redacted>"),
        }
    }
}

/// Unknown fields, with the values of secret-named ones hidden.
struct RedactedExtra<'a>(&'a crate::desc::Extra);

impl fmt::Debug for RedactedExtra<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut m = f.debug_map();
        for (k, v) in self.0 {
            if crate::secret::is_secret_name(k) {
                m.entry(k, &format_args!("<redacted>"));
            } else {
                m.entry(k, v);
            }
        }
        m.finish()
    }
}

/// `PartialEq` of a generated model: every field, `extra` and the wire memory (which compares
/// equal always: how a value arrived is not part of it), as a derived `eq` would.
#[doc(hidden)]
pub fn eq_object<T: Object>(a: &T, b: &T) -> bool {
    eq_objects(a, b)
}

fn eq_objects(a: &dyn Object, b: &dyn Object) -> bool {
    let mut equal = false;
    a.fields(&mut |fa, ea, wa| {
        b.fields(&mut |fb, eb, wb| {
            equal = fa.len() == fb.len()
                && fa.iter().zip(fb).all(|(x, y)| x.same(*y))
                && ea == eb
                && wa == wb;
        })
    });
    equal
}

/// `Clone` of a generated model: every field, `extra` and the wire memory, as a derived `clone`
/// would (from the default value, field by field).
#[doc(hidden)]
pub fn clone_object<T: Object + Default>(source: &T) -> T {
    let mut out = T::default();
    clone_objects(source, &mut out);
    out
}

fn clone_objects(source: &dyn Object, target: &mut dyn Object) {
    source.fields(&mut |fs, es, ws| {
        target.fields_mut(&mut |ft, et, wt| {
            debug_assert_eq!(fs.len(), ft.len(), "one model's fields");
            for (s, t) in fs.iter().zip(ft.iter_mut()) {
                s.clone_to(&mut **t);
            }
            et.clone_from(es);
            wt.clone_from(ws);
        })
    });
}

/// [`Codec::to_value`] of a generated model (see [`Object`] and [`ObjectWriter`]).
#[doc(hidden)]
pub fn write_object<T: Object + Described>(value: &T) -> Value {
    write_from(T::desc(), value)
}

fn write_from(model: &crate::desc::ModelDesc, value: &dyn Object) -> Value {
    let mut out = Value::Null;
    value.fields(&mut |fields, extra, wire| {
        debug_assert_eq!(
            model.fields.len(),
            fields.len(),
            "one description per field"
        );
        let mut w = ObjectWriter::new(wire);
        for (i, (field, x)) in fields.iter().zip(model.fields).enumerate() {
            w.put(i as u16, x.key, *field);
        }
        out = w.finish(extra);
    });
    out
}

/// [`Codec::to_wire`] of a generated model: as it arrived (`null` while unset), else written
/// afresh. Only scalars are ever kept as spelled, so no re-reading is compiled per model.
#[doc(hidden)]
pub fn object_to_wire<T: Codec>(value: &T, form: &Form) -> Option<Value> {
    object_wire(value, form)
}

fn object_wire(value: &dyn Field, form: &Form) -> Option<Value> {
    match form {
        Form::Null if value.unset() => Some(Value::Null),
        _ => Some(value.encode()),
    }
}

/// [`Codec::to_wire`]'s default; `reread` reads a kept spelling as the type and writes it again
/// (`None` when it no longer reads). Plain matches rather than combinators in the generic code
/// of this module: each combinator is one more function instantiated per model type.
fn default_to_wire(
    form: &Form,
    value: &dyn Field,
    reread: &dyn Fn(&Value) -> Option<Value>,
) -> Option<Value> {
    Some(match form {
        Form::Natural | Form::Lone | Form::Items(_) | Form::LoneItem(_) => value.encode(),
        Form::Null if value.unset() => Value::Null,
        Form::Null => value.encode(),
        Form::Str => match value.encode() {
            Value::Number(n) => Value::String(n.to_string()),
            Value::Bool(b) => Value::String(b.to_string()),
            other => other,
        },
        Form::Raw(raw) => {
            let now = value.encode();
            if reread(raw).is_some_and(|then| then == now) {
                (**raw).clone()
            } else {
                now
            }
        }
    })
}

/// Why a document did not fit a model, and where (`user_group.value`, `item[3].barcode`); the
/// parser's own error, when there was one, is its [`source`](std::error::Error::source).
#[derive(Debug, Clone)]
pub struct DecodeError {
    /// Innermost segment first; reversed for display.
    path: Vec<Segment>,
    message: String,
    source: Option<std::sync::Arc<dyn std::error::Error + Send + Sync>>,
}

impl PartialEq for DecodeError {
    /// Same place and message (the cause is not compared).
    fn eq(&self, other: &Self) -> bool {
        self.path == other.path && self.message == other.message
    }
}

impl Eq for DecodeError {}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Key(String),
    Index(usize),
}

impl DecodeError {
    /// An error at the current position.
    pub fn new(message: impl Into<String>) -> DecodeError {
        DecodeError {
            path: Vec::new(),
            message: message.into(),
            source: None,
        }
    }

    /// The document could not be parsed at all: `cause` is the parser's error.
    pub fn unparsable(
        format: &str,
        cause: impl std::error::Error + Send + Sync + 'static,
    ) -> DecodeError {
        DecodeError {
            path: Vec::new(),
            message: format!("not {format}: {cause}"),
            source: Some(std::sync::Arc::new(cause)),
        }
    }

    fn expected(what: &str, node: &Node<'_>) -> DecodeError {
        DecodeError::new(format!("expected {what}, found {}", node.kind()))
    }

    /// The same error, one level down in field `key`.
    pub fn in_field(mut self, key: &str) -> DecodeError {
        self.path.push(Segment::Key(key.to_owned()));
        self
    }

    fn in_item(mut self, index: usize) -> DecodeError {
        self.path.push(Segment::Index(index));
        self
    }

    /// The path to the offending value, e.g. `contact_info.address[1].city`.
    pub fn path(&self) -> String {
        let mut out = String::new();
        for seg in self.path.iter().rev() {
            match seg {
                Segment::Key(k) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                }
                Segment::Index(i) => out.push_str(&format!("[{i}]")),
            }
        }
        out
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "at {}: {}", self.path(), self.message)
        }
    }
}

impl std::error::Error for DecodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// What a generated model passes to [`decode_object`]: takes a key and its value, reads the
/// value through the [`Recorder`] when the key is one of the model's fields (`Ok(None)`), and
/// gives the value back otherwise.
pub type FieldReader<'f, 'a> =
    dyn FnMut(&str, Node<'a>, &mut Recorder) -> Result<Option<Node<'a>>, DecodeError> + 'f;

/// Reads an object for a generated model: `field` is called with each key and value and takes
/// the value (`Ok(None)`) when the key is one of the model's fields; every other entry is
/// returned, in order, as the model's `extra`, and the [`Wire`] remembers the keys' order and
/// spelling. `null` reads as an object with nothing set (and nothing remembered: the parent
/// remembers the `null`). A key given twice is an error: keeping either value would silently
/// drop the other.
pub fn decode_object<'a>(
    node: Node<'a>,
    model: &'static str,
    field: &mut FieldReader<'_, 'a>,
) -> Result<(Extra, Wire), DecodeError> {
    let mut entries = match node {
        Node::Object(entries) => entries,
        Node::Null => return Ok((Extra::new(), Wire::default())),
        other => return Err(DecodeError::expected(&format!("a {model} object"), &other)),
    };
    let mut extra = Extra::new();
    let mut recorder = Recorder::new(entries.len());
    // A 64-bit filter of the keys so far: the usual object (no key twice) costs one bit test per
    // key, and only a filter hit scans the earlier keys.
    let mut filter = 0u64;
    for i in 0..entries.len() {
        let (before, rest) = entries.split_at_mut(i);
        let Some(((key, slot), _)) = rest.split_first_mut() else {
            break;
        };
        let bit = 1u64 << key_hash(key);
        if filter & bit != 0 && before.iter().any(|(k, _)| k == key) {
            return Err(DecodeError::new(format!("duplicate field `{key}`")));
        }
        filter |= bit;
        let mut value = std::mem::replace(slot, Node::Null);
        if key == crate::layout::LAYOUT_KEY {
            match wire::layout_of(value) {
                Ok(layout) => {
                    recorder.layout(layout);
                    continue;
                }
                Err(other) => value = other,
            }
        }
        if let Some(value) = field(key, value, &mut recorder).map_err(|e| e.in_field(key))? {
            recorder.extra(key);
            extra.insert(key.to_string(), value.into_value());
        }
    }
    Ok((extra, recorder.finish()))
}

/// A cheap 6-bit hash of a key for the duplicate filter.
fn key_hash(key: &str) -> u32 {
    let b = key.as_bytes();
    let first = b.first().copied().unwrap_or(0) as u32;
    let last = b.last().copied().unwrap_or(0) as u32;
    let mid = b.get(b.len() / 2).copied().unwrap_or(0) as u32;
    (b.len() as u32)
        .wrapping_mul(31)
        .wrapping_add(first)
        .wrapping_add(last.wrapping_mul(7))
        .wrapping_add(mid.wrapping_mul(13))
        & 63
}

/// Builds the JSON object of a generated model: fields in declaration order, then `extra`; or,
/// for a decoded value, the keys in the order they arrived (unless a JSON value is written as
/// XML, see `Lookup::keeps_order`), each spelled as it arrived while its
/// value is unchanged (see [`Wire`]).
#[derive(Default)]
pub struct ObjectWriter<'w> {
    wire: Option<wire::Lookup<'w>>,
    /// (field index, key, value) in declaration order.
    fields: Vec<(u16, &'static str, Option<Value>)>,
}

impl<'w> ObjectWriter<'w> {
    /// A writer for a value whose wire memory is `wire`.
    pub fn new(wire: &'w Wire) -> ObjectWriter<'w> {
        wire::probe(wire);
        ObjectWriter {
            wire: wire::Lookup::new(wire),
            fields: Vec::new(),
        }
    }

    /// Writes field number `index`, `key`. A value the program built leaves it out when absent
    /// (see [`Codec::is_absent`]); a decoded one writes it when it arrived (as it arrived, if
    /// unchanged) or when the program has since set it.
    pub fn field<T: Codec>(&mut self, index: u16, key: &'static str, value: &T) {
        self.put(index, key, value);
    }

    fn put(&mut self, index: u16, key: &'static str, value: &dyn Field) {
        let v = match &mut self.wire {
            None if value.absent() => None,
            None => Some(value.encode()),
            Some(lookup) => match lookup.form(index) {
                Some(form) => value.encode_wire(form),
                None if value.unset() => None,
                None => Some(value.encode()),
            },
        };
        if v.is_some() {
            self.fields.push((index, key, v));
        }
    }

    /// Adds the fields the model did not know (never overriding a known one) and returns the
    /// object.
    pub fn finish(mut self, extra: &Extra) -> Value {
        let mut map = Map::with_capacity(self.fields.len() + extra.len());
        if let Some(lookup) = self.wire.as_ref().filter(|l| l.keeps_order()) {
            for slot in lookup.order() {
                match slot {
                    Ok(index) => {
                        if let Ok(i) = self.fields.binary_search_by_key(&index, |f| f.0) {
                            let (_, key, value) = &mut self.fields[i];
                            if let Some(v) = value.take() {
                                map.insert((*key).to_owned(), v);
                            }
                        }
                    }
                    Err(key) => {
                        if let Some(v) = extra.get(key) {
                            map.entry(key.to_owned()).or_insert_with(|| v.clone());
                        }
                    }
                }
            }
        }
        for (_, key, value) in self.fields {
            if let Some(v) = value {
                map.insert(key.to_owned(), v);
            }
        }
        // A decoded XML element's layout goes to the XML writer with it (see `xml::Layout`).
        if let Some(layout) = self.wire.as_ref().and_then(|l| l.layout_for_xml()) {
            map.insert(crate::layout::LAYOUT_KEY.to_owned(), layout.to_value());
        }
        let json_to_xml = self.wire.as_ref().is_some_and(|l| !l.keeps_order());
        for (k, v) in extra {
            if !map.contains_key(k) {
                let v = if json_to_xml {
                    code_pairs_for_xml(v)
                } else {
                    v.clone()
                };
                map.insert(k.clone(), v);
            }
        }
        Value::Object(map)
    }
}

/// A field the model does not know, decoded from JSON and written as XML: Alma's JSON
/// `{"value": "MR", "desc": "Mr"}` is its XML `<user_title desc="Mr">MR</user_title>` (the
/// `{value, desc}` pair is how every code field travels in JSON), so such objects, at any
/// depth, get the text-and-attribute form the generic XML writer prints that way. Known fields
/// need no such rule: their type says they are codes.
fn code_pairs_for_xml(v: &Value) -> Value {
    match v {
        Value::Object(obj) => {
            let scalar = |v: &Value| !matches!(v, Value::Object(_) | Value::Array(_));
            let is_pair = obj.get("value").is_some_and(scalar)
                && obj
                    .iter()
                    .all(|(k, v)| (k == "value" || k == "desc") && scalar(v));
            if is_pair {
                let mut out = Map::new();
                if let Some(d) = obj.get("desc") {
                    out.insert("@desc".into(), d.clone());
                }
                out.insert("#text".into(), obj["value"].clone());
                Value::Object(out)
            } else {
                Value::Object(
                    obj.iter()
                        .map(|(k, v)| (k.clone(), code_pairs_for_xml(v)))
                        .collect(),
                )
            }
        }
        Value::Array(items) => Value::Array(items.iter().map(code_pairs_for_xml).collect()),
        other => other.clone(),
    }
}

// --- scalars -------------------------------------------------------------------------------

fn is_blank(node: &Node<'_>) -> bool {
    matches!(node, Node::Str(s) if s.trim().is_empty())
}

/// A string; numbers and booleans are turned into their text, `null` into `""`, and an object
/// or array (never seen for a string field, but not worth failing a whole page for) into its
/// JSON text.
impl Codec for String {
    const SHAPE: Shape = Shape::Str;

    fn from_node(node: Node<'_>) -> Result<Self, DecodeError> {
        Ok(match node {
            Node::Null => String::new(),
            Node::Str(s) => s.into_owned(),
            Node::Bool(b) => b.to_string(),
            Node::Number(n) => n.to_string(),
            other => other.into_value().to_string(),
        })
    }

    fn to_value(&self) -> Value {
        Value::String(self.clone())
    }

    fn is_unset(&self) -> bool {
        self.is_empty()
    }
}

/// An integer from a number or a numeric string; `null` and `""` give 0 (`None` when optional).
impl Codec for i64 {
    const SHAPE: Shape = Shape::Int;

    fn from_node(node: Node<'_>) -> Result<Self, DecodeError> {
        Ok(i64::from_node_opt(node)?.unwrap_or_default())
    }

    fn from_node_opt(node: Node<'_>) -> Result<Option<Self>, DecodeError> {
        match node {
            Node::Null => Ok(None),
            ref n if is_blank(n) => Ok(None),
            Node::Number(n) => n
                .as_i64()
                .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
                .map(Some)
                .ok_or_else(|| DecodeError::new(format!("{n} is not an integer"))),
            Node::Str(s) => {
                let t = s.trim();
                t.parse()
                    .ok()
                    .or_else(|| {
                        // `1e2`, `150.0`: an integer spelled as a decimal (kept as spelled).
                        t.parse::<f64>()
                            .ok()
                            .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                            .map(|f| f as i64)
                    })
                    .map(Some)
                    .ok_or_else(|| DecodeError::new(format!("{s:?} is not an integer")))
            }
            other => Err(DecodeError::expected("an integer", &other)),
        }
    }

    fn to_value(&self) -> Value {
        Value::from(*self)
    }
}

/// A number from a number or a numeric string; `null` and `""` give 0 (`None` when optional).
impl Codec for f64 {
    const SHAPE: Shape = Shape::Num;

    fn from_node(node: Node<'_>) -> Result<Self, DecodeError> {
        Ok(f64::from_node_opt(node)?.unwrap_or_default())
    }

    fn from_node_opt(node: Node<'_>) -> Result<Option<Self>, DecodeError> {
        match node {
            Node::Null => Ok(None),
            ref n if is_blank(n) => Ok(None),
            Node::Number(n) => Ok(n.as_f64()),
            Node::Str(s) => s
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| DecodeError::new(format!("{s:?} is not a number"))),
            other => Err(DecodeError::expected("a number", &other)),
        }
    }

    fn to_value(&self) -> Value {
        serde_json::Number::from_f64(*self).map_or(Value::Null, Value::Number)
    }
}

/// A boolean from `true`, `"true"`, `"false"`, `"Y"`/`"N"`, `1`/`0`; `null` and `""` give
/// `false` (`None` when optional).
impl Codec for bool {
    const SHAPE: Shape = Shape::Bool;

    fn from_node(node: Node<'_>) -> Result<Self, DecodeError> {
        Ok(bool::from_node_opt(node)?.unwrap_or_default())
    }

    fn from_node_opt(node: Node<'_>) -> Result<Option<Self>, DecodeError> {
        match node {
            Node::Null => Ok(None),
            Node::Bool(b) => Ok(Some(b)),
            Node::Str(s) => match s.trim().to_ascii_lowercase().as_str() {
                "" => Ok(None),
                "true" | "y" | "yes" | "1" => Ok(Some(true)),
                "false" | "n" | "no" | "0" => Ok(Some(false)),
                _ => Err(DecodeError::new(format!("{s:?} is not a boolean"))),
            },
            Node::Number(n) => Ok(Some(n.as_f64() != Some(0.0))),
            other => Err(DecodeError::expected("a boolean", &other)),
        }
    }

    fn to_value(&self) -> Value {
        Value::Bool(*self)
    }
}

/// Free-form content, kept as it came.
impl Codec for Value {
    fn from_node(node: Node<'_>) -> Result<Self, DecodeError> {
        Ok(node.into_value())
    }

    fn to_value(&self) -> Value {
        self.clone()
    }

    fn is_absent(&self) -> bool {
        self.is_null()
    }
}

/// Alma's code/description pair: JSON `{"value": "ACTIVE", "desc": "Active"}`, XML
/// `<status desc="Active">ACTIVE</status>`. Send `value`; `desc` is informational.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodeValue {
    /// The code.
    pub value: String,
    /// Its description in the request's language.
    pub desc: Option<String>,
    /// Anything else Alma sent with the pair.
    pub extra: Extra,
    /// How the pair arrived (see [`crate::codec::Wire`]).
    #[doc(hidden)]
    pub wire: crate::codec::Wire,
}

crate::serde_via_codec!(CodeValue);

impl CodeValue {
    /// A pair with only the code, as sent in requests.
    pub fn new(value: impl Into<String>) -> CodeValue {
        CodeValue {
            value: value.into(),
            ..CodeValue::default()
        }
    }
}

impl From<&str> for CodeValue {
    fn from(value: &str) -> Self {
        CodeValue::new(value)
    }
}

impl IsEmpty for CodeValue {
    fn is_empty(&self) -> bool {
        self.value.is_empty() && self.desc.is_none() && self.extra.is_empty()
    }
}

impl Codec for CodeValue {
    const SHAPE: Shape = Shape::Code;

    /// `{"value", "desc", …}`; a bare string is the code alone.
    fn from_node(node: Node<'_>) -> Result<Self, DecodeError> {
        if let Node::Str(s) = node {
            return Ok(CodeValue::new(s.into_owned()));
        }
        let mut out = CodeValue::default();
        let (extra, wire) = decode_object(node, "code/description", &mut |k, v, r| {
            match k {
                "value" => out.value = r.read(0, v)?,
                "desc" => out.desc = r.read(1, v)?,
                _ => return Ok(Some(v)),
            }
            Ok(None)
        })?;
        out.extra = extra;
        out.wire = wire;
        Ok(out)
    }

    fn to_value(&self) -> Value {
        let mut w = ObjectWriter::new(&self.wire);
        if !self.value.is_empty() || self.wire.is_decoded() {
            w.field(0, "value", &self.value);
        }
        w.field(1, "desc", &self.desc);
        w.finish(&self.extra)
    }

    fn is_absent(&self) -> bool {
        self.is_empty()
    }

    /// A pair that arrived as a bare code goes back as one while it holds only the code.
    fn to_wire(&self, form: &Form) -> Option<Value> {
        match form {
            Form::Lone if self.desc.is_none() && self.extra.is_empty() => {
                Some(Value::String(self.value.clone()))
            }
            Form::Null if self.is_unset() => Some(Value::Null),
            _ => Some(self.to_value()),
        }
    }
}

/// The text of an enumerated value (numbers and booleans as text). Enum fields are optional, so
/// `null` reaches this only inside a list, where it is an error: no variant is a default.
pub fn enum_text(node: Node<'_>) -> Result<String, DecodeError> {
    match node {
        Node::Null => Err(DecodeError::new("expected an enumerated value, found null")),
        node => String::from_node(node),
    }
}

// --- containers ----------------------------------------------------------------------------

impl<T: Codec> Codec for Option<T> {
    const SHAPE: Shape = T::SHAPE;
    const ITEM_SHAPE: Shape = T::ITEM_SHAPE;

    fn from_node(node: Node<'_>) -> Result<Self, DecodeError> {
        T::from_node_opt(node)
    }

    fn to_value(&self) -> Value {
        match self {
            Some(v) => v.to_value(),
            None => Value::Null,
        }
    }

    fn is_absent(&self) -> bool {
        self.is_none()
    }

    /// `None` where the field arrived as `null` or as blank text (a number or boolean sent as
    /// `""`) goes back that way; otherwise the program removed it, and it is left out.
    fn to_wire(&self, form: &Form) -> Option<Value> {
        match self {
            Some(v) => v.to_wire(form),
            None => none_to_wire(form),
        }
    }
}

/// An array that may arrive as `null` (empty), a lone element, or an array.
impl<T: Codec> Codec for Vec<T> {
    const SHAPE: Shape = Shape::List;
    const ITEM_SHAPE: Shape = T::SHAPE;

    // Each method is a small closure over a non-generic function: this impl is instantiated
    // for every item type.
    fn from_node(node: Node<'_>) -> Result<Self, DecodeError> {
        let mut out = Vec::with_capacity(list_len(&node));
        read_list(node, &mut |item| {
            out.push(T::from_node(item)?);
            Ok(())
        })?;
        Ok(out)
    }

    fn to_value(&self) -> Value {
        list_value(self.len(), &mut |i| self[i].to_value())
    }

    fn is_absent(&self) -> bool {
        self.is_empty()
    }

    /// A list that arrived as its lone element goes back that way while it has one element;
    /// items keep their spelling while the list has as many items as arrived.
    fn to_wire(&self, form: &Form) -> Option<Value> {
        Some(list_wire(form, self.len(), &mut |i, f| match f {
            Some(f) => self[i].to_wire(f).unwrap_or(Value::Null),
            None => self[i].to_value(),
        }))
    }
}

/// `None` where the field arrived as `null` or as blank text (a number or boolean sent as
/// `""`) goes back that way; otherwise the program removed it, and it is left out.
fn none_to_wire(form: &Form) -> Option<Value> {
    match form {
        Form::Null => Some(Value::Null),
        Form::Raw(raw) if raw.as_str().is_some_and(|s| s.trim().is_empty()) => {
            Some((**raw).clone())
        }
        _ => None,
    }
}

/// How many items `node` holds as a list.
fn list_len(node: &Node<'_>) -> usize {
    match node {
        Node::Null => 0,
        Node::Array(items) => items.len(),
        _ => 1,
    }
}

/// Calls `item` for each item of a list that may arrive as `null` (empty), a lone element, or
/// an array; an item's error names its index.
fn read_list(
    node: Node<'_>,
    item: &mut dyn FnMut(Node<'_>) -> Result<(), DecodeError>,
) -> Result<(), DecodeError> {
    match node {
        Node::Null => Ok(()),
        Node::Array(items) => {
            for (i, node) in items.into_iter().enumerate() {
                item(node).map_err(|e| e.in_item(i))?;
            }
            Ok(())
        }
        lone => item(lone),
    }
}

/// An array of `len` items written by `item`.
fn list_value(len: usize, item: &mut dyn FnMut(usize) -> Value) -> Value {
    let mut out = Vec::with_capacity(len);
    for i in 0..len {
        out.push(item(i));
    }
    Value::Array(out)
}

/// A list of `len` items written the way it arrived (`form`): as its lone element while it has
/// one; items in their own spelling (`item(i, Some(form))`) while it has as many as arrived.
fn list_wire(
    form: &Form,
    len: usize,
    item: &mut dyn FnMut(usize, Option<&Form>) -> Value,
) -> Value {
    match (form, len) {
        (Form::Lone, 1) => item(0, None),
        (Form::LoneItem(f), 1) => item(0, Some(f)),
        (Form::Items(forms), n) if forms.len() == n => {
            let mut out = Vec::with_capacity(n);
            for (i, f) in forms.iter().enumerate() {
                out.push(item(i, Some(f)));
            }
            Value::Array(out)
        }
        (Form::Null, 0) => Value::Null,
        _ => list_value(len, &mut |i| item(i, None)),
    }
}

/// Models that contain themselves hold the inner one in a `Box`.
impl<T: Codec> Codec for Box<T> {
    const SHAPE: Shape = T::SHAPE;
    const ITEM_SHAPE: Shape = T::ITEM_SHAPE;

    fn from_node(node: Node<'_>) -> Result<Self, DecodeError> {
        T::from_node(node).map(Box::new)
    }

    fn to_value(&self) -> Value {
        T::to_value(self)
    }

    fn is_absent(&self) -> bool {
        T::is_absent(self)
    }

    fn is_unset(&self) -> bool {
        T::is_unset(self)
    }

    fn to_wire(&self, form: &Form) -> Option<Value> {
        T::to_wire(self, form)
    }
}

// --- serde, for users ----------------------------------------------------------------------

/// `Serialize` for a generated model (what `serde_via_codec!` expands to).
pub fn serialize<T: Codec, S: serde::Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&value.to_value(), s)
}

/// `Deserialize` for a generated model (what `serde_via_codec!` expands to).
pub fn deserialize<'de, T: Codec, D: serde::Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    let node = <Node<'de> as serde::Deserialize>::deserialize(d)?;
    T::from_node(node).map_err(serde::de::Error::custom)
}
