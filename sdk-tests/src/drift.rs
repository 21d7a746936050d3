//! Documents changed the way a newer Alma changes them, for the drift property tests
//! (`tests/drift.rs`): an unknown attribute on an element, an element's text wrapped in an
//! unknown child, an unknown sibling element, a decimal spelled as an integer, an integer with
//! leading zeros; in JSON an unknown key, a scalar turned into an object, a decimal string spelled
//! as an integer. Each change is applied at a deterministic sample of places in a document.
//!
//! Also a strict XML comparison that, unlike a canonical form with text per element, sees where
//! text stands among child elements.

use std::fmt;

use alma_sdk::runtime::desc::{FieldDesc, FieldKind, FieldValue, ModelDesc};
use serde_json::Value;

/// One XML element, its content in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Elem {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub content: Vec<Content>,
}

/// A piece of an element's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    Text(String),
    Elem(Elem),
}

impl Elem {
    /// Parses a document (declaration, comments and processing instructions left out; text and
    /// CDATA unescaped; whitespace-only text between child elements left out).
    pub fn parse(doc: &str) -> Result<Elem, String> {
        use quick_xml::events::Event;
        let mut reader = quick_xml::Reader::from_str(doc.trim_start_matches('\u{feff}'));
        let mut stack: Vec<Elem> = vec![Elem::new("")];
        let open = |e: &quick_xml::events::BytesStart<'_>| -> Result<Elem, String> {
            let mut el = Elem::new(&String::from_utf8_lossy(e.name().as_ref()));
            for a in e.attributes() {
                let a = a.map_err(|e| e.to_string())?;
                el.attrs.push((
                    String::from_utf8_lossy(a.key.as_ref()).into_owned(),
                    a.unescape_value().map_err(|e| e.to_string())?.into_owned(),
                ));
            }
            Ok(el)
        };
        loop {
            match reader.read_event().map_err(|e| e.to_string())? {
                Event::Start(e) => stack.push(open(&e)?),
                Event::Empty(e) => {
                    let el = open(&e)?;
                    stack.last_mut().unwrap().close(el);
                }
                Event::Text(t) => {
                    let t = t.unescape().map_err(|e| e.to_string())?;
                    stack.last_mut().unwrap().push_text(&t);
                }
                Event::CData(t) => stack
                    .last_mut()
                    .unwrap()
                    .push_text(&String::from_utf8_lossy(&t)),
                Event::End(_) => {
                    let el = stack.pop().ok_or("unbalanced")?;
                    stack.last_mut().ok_or("unbalanced")?.close(el);
                }
                Event::Eof => break,
                _ => {}
            }
        }
        let root = stack.pop().ok_or("empty")?;
        root.content
            .into_iter()
            .find_map(|c| match c {
                Content::Elem(e) => Some(e),
                Content::Text(_) => None,
            })
            .ok_or_else(|| "no root element".to_string())
    }

    fn new(name: &str) -> Elem {
        Elem {
            name: name.to_owned(),
            attrs: Vec::new(),
            content: Vec::new(),
        }
    }

    fn push_text(&mut self, t: &str) {
        match self.content.last_mut() {
            Some(Content::Text(prev)) => prev.push_str(t),
            _ => self.content.push(Content::Text(t.to_owned())),
        }
    }

    fn close(&mut self, child: Elem) {
        self.content.push(Content::Elem(child));
    }

    /// Whitespace-only text beside child elements is layout: removed, at every depth.
    fn normalise(&mut self) {
        let has_children = self.content.iter().any(|c| matches!(c, Content::Elem(_)));
        if has_children {
            self.content
                .retain(|c| !matches!(c, Content::Text(t) if t.trim().is_empty()));
        }
        for c in &mut self.content {
            if let Content::Elem(e) = c {
                e.normalise();
            }
        }
    }

    /// The element's own text (its text pieces), when it has no child elements.
    pub fn leaf_text(&self) -> Option<String> {
        let mut out = String::new();
        for c in &self.content {
            match c {
                Content::Text(t) => out.push_str(t),
                Content::Elem(_) => return None,
            }
        }
        Some(out)
    }

    fn children(&self) -> impl Iterator<Item = &Elem> {
        self.content.iter().filter_map(|c| match c {
            Content::Elem(e) => Some(e),
            Content::Text(_) => None,
        })
    }
}

impl fmt::Display for Elem {
    /// The element as XML.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{}", self.name)?;
        for (k, v) in &self.attrs {
            write!(f, " {k}=\"{}\"", escape(v, true))?;
        }
        if self.content.is_empty() {
            return f.write_str("/>");
        }
        f.write_str(">")?;
        for c in &self.content {
            match c {
                Content::Text(t) => f.write_str(&escape(t, false))?,
                Content::Elem(e) => write!(f, "{e}")?,
            }
        }
        write!(f, "</{}>", self.name)
    }
}

fn escape(s: &str, attr: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attr => out.push_str("&quot;"),
            '\n' if attr => out.push_str("&#10;"),
            '\t' if attr => out.push_str("&#9;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    out
}

/// The first difference between two XML documents: names, attributes (as a set), and content in
/// order — text exactly, where it stands among the child elements. Only the declaration,
/// comments, processing instructions and whitespace-only text between elements are not compared.
pub fn xml_diff(a: &str, b: &str) -> Result<Option<String>, String> {
    let mut a = Elem::parse(a)?;
    let mut b = Elem::parse(b)?;
    a.normalise();
    b.normalise();
    Ok(elem_diff(&a, &b, ""))
}

fn elem_diff(a: &Elem, b: &Elem, path: &str) -> Option<String> {
    let here = format!("{path}/{}", a.name);
    if a.name != b.name {
        return Some(format!("{here}: became <{}>", b.name));
    }
    let mut aa = a.attrs.clone();
    let mut ba = b.attrs.clone();
    aa.sort();
    ba.sort();
    if aa != ba {
        return Some(format!("{here}: attributes {aa:?} became {ba:?}"));
    }
    for (i, (x, y)) in a.content.iter().zip(&b.content).enumerate() {
        match (x, y) {
            (Content::Text(s), Content::Text(t)) if s == t => {}
            (Content::Elem(e), Content::Elem(f)) => {
                if let Some(d) = elem_diff(e, f, &format!("{here}[{i}]")) {
                    return Some(d);
                }
            }
            _ => return Some(format!("{here}: content {i} {x:?} became {y:?}")),
        }
    }
    if a.content.len() != b.content.len() {
        return Some(format!(
            "{here}: {} pieces of content became {}",
            a.content.len(),
            b.content.len()
        ));
    }
    None
}

/// How a newer Alma changes a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Change {
    /// XML: an attribute the model does not know, on an element.
    UnknownAttribute,
    /// XML: an element's text moved into a child element the model does not know.
    TextWrapped,
    /// XML: an element the model does not know, among an element's children.
    UnknownSibling,
    /// A decimal (`150.50`) spelled as an integer (`150`): XML text or attribute, JSON string.
    DecimalAsInteger,
    /// An integer (`5`) with leading zeros (`005`): XML text or attribute, JSON string.
    LeadingZeros,
    /// JSON: a key the model does not know, in an object.
    UnknownKey,
    /// JSON: a scalar turned into an object.
    ScalarToObject,
    /// JSON: a number sent as a string (`0` → `"0"`), as Alma does for some totals.
    NumberAsString,
}

impl Change {
    /// The changes that apply to a format.
    pub fn for_xml() -> &'static [Change] {
        &[
            Change::UnknownAttribute,
            Change::TextWrapped,
            Change::UnknownSibling,
            Change::DecimalAsInteger,
            Change::LeadingZeros,
        ]
    }

    /// The changes that apply to JSON.
    pub fn for_json() -> &'static [Change] {
        &[
            Change::UnknownKey,
            Change::ScalarToObject,
            Change::NumberAsString,
            Change::DecimalAsInteger,
            Change::LeadingZeros,
        ]
    }

    /// What [`alma_sdk::runtime::Model::unknown_fields`] must then report, as the end of a path:
    /// what the change added that no model declares.
    pub fn marker(self) -> Option<&'static str> {
        match self {
            Change::UnknownAttribute => Some("drift_attr"),
            Change::TextWrapped => Some("drift_wrap"),
            Change::UnknownSibling => Some("drift_new"),
            Change::UnknownKey => Some("drift_key"),
            _ => None,
        }
    }
}

/// A number's text: `Some(true)` for a decimal (`12.50`), `Some(false)` for an integer.
fn numeric(s: &str) -> Option<bool> {
    let t = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = match t.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (t, None),
    };
    let digits = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
    match frac {
        Some(f) if digits(int) && digits(f) => Some(true),
        None if digits(int) => Some(false),
        _ => None,
    }
}

fn respell(s: &str, change: Change) -> Option<String> {
    match (numeric(s), change) {
        (Some(true), Change::DecimalAsInteger) => s.split_once('.').map(|(i, _)| i.to_owned()),
        (Some(false), Change::LeadingZeros) => Some(match s.strip_prefix('-') {
            Some(n) => format!("-00{n}"),
            None => format!("00{s}"),
        }),
        _ => None,
    }
}

/// A small deterministic generator (xorshift), seeded per document and change.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: &str, change: Change) -> Rng {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in seed.bytes().chain([change as u8]) {
            h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
        }
        Rng(h | 1)
    }

    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

/// Up to `n` of `candidates`, chosen by `rng`, in order.
pub fn sample(candidates: usize, n: usize, rng: &mut Rng) -> Vec<usize> {
    let mut all: Vec<usize> = (0..candidates).collect();
    if candidates <= n {
        return all;
    }
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let i = rng.below(all.len());
        out.push(all.swap_remove(i));
    }
    out.sort_unstable();
    out
}

/// A place in an XML document: the path of child indexes (into `content`) from the root, and,
/// for attributes, which one.
#[derive(Debug, Clone)]
struct Place {
    path: Vec<usize>,
    attr: Option<usize>,
}

fn places(root: &Elem, change: Change) -> Vec<Place> {
    let mut out = Vec::new();
    walk(root, &mut Vec::new(), change, &mut out);
    out
}

fn walk(e: &Elem, path: &mut Vec<usize>, change: Change, out: &mut Vec<Place>) {
    match change {
        Change::UnknownAttribute => out.push(Place {
            path: path.clone(),
            attr: None,
        }),
        Change::TextWrapped => {
            if e.leaf_text().is_some_and(|t| !t.trim().is_empty()) {
                out.push(Place {
                    path: path.clone(),
                    attr: None,
                });
            }
        }
        Change::UnknownSibling => {
            if e.children().next().is_some() {
                // Each position among the children, before each one and at the end.
                let n = e.content.len();
                for i in 0..=n {
                    out.push(Place {
                        path: path.clone(),
                        attr: Some(i),
                    });
                }
            }
        }
        Change::DecimalAsInteger | Change::LeadingZeros => {
            for (i, (_, v)) in e.attrs.iter().enumerate() {
                if respell(v, change).is_some() {
                    out.push(Place {
                        path: path.clone(),
                        attr: Some(i),
                    });
                }
            }
            if e.leaf_text().is_some_and(|t| respell(&t, change).is_some()) {
                out.push(Place {
                    path: path.clone(),
                    attr: None,
                });
            }
        }
        Change::UnknownKey | Change::ScalarToObject | Change::NumberAsString => {}
    }
    for (i, c) in e.content.iter().enumerate() {
        if let Content::Elem(child) = c {
            path.push(i);
            walk(child, path, change, out);
            path.pop();
        }
    }
}

fn at_mut<'e>(root: &'e mut Elem, path: &[usize]) -> &'e mut Elem {
    let mut e = root;
    for &i in path {
        e = match &mut e.content[i] {
            Content::Elem(c) => c,
            Content::Text(_) => unreachable!("places point at elements"),
        };
    }
    e
}

fn apply(root: &mut Elem, place: &Place, change: Change) {
    let e = at_mut(root, &place.path);
    match change {
        Change::UnknownAttribute => e.attrs.push(("drift_attr".into(), "x1".into())),
        Change::TextWrapped => {
            let text = e.leaf_text().unwrap_or_default();
            e.content = vec![Content::Elem(Elem {
                name: "drift_wrap".into(),
                attrs: Vec::new(),
                content: vec![Content::Text(text)],
            })];
        }
        Change::UnknownSibling => {
            let at = place.attr.unwrap_or(0).min(e.content.len());
            e.content.insert(
                at,
                Content::Elem(Elem {
                    name: "drift_new".into(),
                    attrs: vec![("n".into(), "1".into())],
                    content: vec![Content::Text("added".into())],
                }),
            );
        }
        Change::DecimalAsInteger | Change::LeadingZeros => match place.attr {
            Some(i) => {
                let v = &mut e.attrs[i].1;
                *v = respell(v, change).unwrap_or_default();
            }
            None => {
                let t = e.leaf_text().unwrap_or_default();
                e.content = vec![Content::Text(respell(&t, change).unwrap_or_default())];
            }
        },
        Change::UnknownKey | Change::ScalarToObject | Change::NumberAsString => {}
    }
}

/// One changed document.
pub struct Variant {
    /// The document.
    pub doc: String,
    /// Where it was changed.
    pub at: String,
    /// Whether the changed element is one the model describes (not inside `xs:any` content or
    /// an element the model does not know), so that what the change added is the model's
    /// unknown content.
    pub declared: bool,
}

/// The XML document `doc`, read as `model`, changed by `change` at up to `n` places chosen by
/// `rng`, one document per place.
pub fn xml_variants(
    doc: &str,
    model: &'static ModelDesc,
    change: Change,
    n: usize,
    rng: &mut Rng,
) -> Vec<Variant> {
    let Ok(root) = Elem::parse(doc) else {
        return Vec::new();
    };
    let all = places(&root, change);
    sample(all.len(), n, rng)
        .into_iter()
        .map(|i| {
            let mut changed = root.clone();
            apply(&mut changed, &all[i], change);
            Variant {
                doc: changed.to_string(),
                at: format!("{:?} at {:?}", change, all[i]),
                declared: declared(&root, model, &all[i].path, change),
            }
        })
        .collect()
}

/// What an element is to the model that reads the document.
#[derive(Clone, Copy)]
enum Seen {
    Model(&'static ModelDesc),
    Wrapper(&'static FieldDesc),
    Leaf,
    Undeclared,
}

/// Whether the element at `path` is one `model` describes.
fn declared(root: &Elem, model: &'static ModelDesc, path: &[usize], change: Change) -> bool {
    let item = |f: &'static FieldDesc| match f.value {
        FieldValue::Model(m) => Seen::Model(m()),
        FieldValue::Scalar(_) | FieldValue::Code => Seen::Leaf,
        FieldValue::Any => Seen::Undeclared,
    };
    let mut seen = Seen::Model(model);
    let mut e = root;
    for &i in path {
        let Content::Elem(child) = &e.content[i] else {
            return false;
        };
        seen = match seen {
            Seen::Model(m) => {
                let f = m.fields.iter().find(|f| {
                    f.kind == FieldKind::Element
                        && (f.wrapper == Some(&child.name) || f.name == child.name)
                });
                match f {
                    Some(f) if f.wrapper == Some(&child.name) => Seen::Wrapper(f),
                    Some(f) => item(f),
                    None => Seen::Undeclared,
                }
            }
            Seen::Wrapper(f) if f.name == child.name => item(f),
            _ => Seen::Undeclared,
        };
        e = child;
    }
    match seen {
        // New children of an element whose schema takes any element (`xs:any`) are that
        // content (a bib's `anies`), not unknown to the model.
        Seen::Model(m) if change == Change::UnknownSibling => {
            !m.fields.iter().any(|f| f.kind == FieldKind::Any)
        }
        Seen::Undeclared => false,
        _ => true,
    }
}

/// A place in a JSON document: a JSON pointer's segments.
fn json_places(v: &Value, at: &mut Vec<String>, change: Change, out: &mut Vec<Vec<String>>) {
    match v {
        Value::Object(m) => {
            if change == Change::UnknownKey {
                out.push(at.clone());
            }
            for (k, c) in m {
                at.push(k.clone());
                json_places(c, at, change, out);
                at.pop();
            }
        }
        Value::Array(items) => {
            for (i, c) in items.iter().enumerate() {
                at.push(i.to_string());
                json_places(c, at, change, out);
                at.pop();
            }
        }
        Value::String(s) => {
            if respell(s, change).is_some() || (change == Change::ScalarToObject) {
                out.push(at.clone());
            }
        }
        Value::Number(_) => {
            if matches!(change, Change::ScalarToObject | Change::NumberAsString) {
                out.push(at.clone());
            }
        }
        Value::Bool(_) => {
            if change == Change::ScalarToObject {
                out.push(at.clone());
            }
        }
        Value::Null => {}
    }
}

fn pointer(path: &[String]) -> String {
    path.iter()
        .map(|s| format!("/{}", s.replace('~', "~0").replace('/', "~1")))
        .collect()
}

/// Whether the JSON value at `path` is one `model` describes (an object of a model or a code
/// pair, not free-form content or a key the model does not know).
fn json_declared(model: &'static ModelDesc, path: &[String]) -> bool {
    let mut seen = Seen::Model(model);
    let mut segments = path.iter().peekable();
    while let Some(key) = segments.next() {
        seen = match seen {
            Seen::Model(m) => match m.fields.iter().find(|f| f.key == *key) {
                None => Seen::Undeclared,
                Some(f) => {
                    // A list's index, when the list arrived as an array.
                    if f.array && segments.peek().is_some_and(|s| s.parse::<usize>().is_ok()) {
                        segments.next();
                    }
                    match f.value {
                        FieldValue::Model(m) => Seen::Model(m()),
                        FieldValue::Code => Seen::Leaf,
                        FieldValue::Scalar(_) | FieldValue::Any => Seen::Undeclared,
                    }
                }
            },
            _ => Seen::Undeclared,
        };
    }
    !matches!(seen, Seen::Undeclared)
}

/// The JSON document `doc`, read as `model`, changed by `change` at up to `n` places chosen by
/// `rng`.
pub fn json_variants(
    doc: &Value,
    model: &'static ModelDesc,
    change: Change,
    n: usize,
    rng: &mut Rng,
) -> Vec<Variant> {
    let mut all = Vec::new();
    json_places(doc, &mut Vec::new(), change, &mut all);
    sample(all.len(), n, rng)
        .into_iter()
        .filter_map(|i| {
            let p = pointer(&all[i]);
            let declared = json_declared(model, &all[i]);
            let mut changed = doc.clone();
            let target = changed.pointer_mut(&p)?;
            match change {
                Change::UnknownKey => {
                    target
                        .as_object_mut()?
                        .insert("drift_key".into(), Value::from("x1"));
                }
                Change::ScalarToObject => {
                    let old = target.take();
                    *target = serde_json::json!({ "drift_value": old });
                }
                Change::NumberAsString => {
                    let n = target.as_number()?.to_string();
                    *target = Value::String(n);
                }
                _ => {
                    let s = respell(target.as_str()?, change)?;
                    *target = Value::String(s);
                }
            }
            Some(Variant {
                doc: changed.to_string(),
                at: format!("{change:?} at {p}"),
                declared,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_comparison_sees_where_text_stands() {
        let d = xml_diff("<a>x<b/></a>", "<a><b/>x</a>").unwrap();
        assert!(d.is_some());
        assert_eq!(xml_diff("<a>\n  <b/>\n</a>", "<a><b/></a>").unwrap(), None);
        assert!(xml_diff("<a x=\"1\"/>", "<a/>").unwrap().is_some());
        assert!(xml_diff("<a> t</a>", "<a>t</a>").unwrap().is_some());
    }

    #[test]
    fn changes_land_where_they_say() {
        let doc = "<fees total_sum=\"150.50\"><fee><balance>5</balance></fee></fees>";
        let mut rng = Rng::new("x", Change::LeadingZeros);
        let fees = alma_sdk::registry::model("Fees").unwrap().desc();
        let v = xml_variants(doc, fees, Change::LeadingZeros, 5, &mut rng);
        assert_eq!(v.len(), 1);
        assert!(v[0].doc.contains("<balance>005</balance>"), "{}", v[0].doc);
        assert!(v[0].declared);
        let mut rng = Rng::new("x", Change::DecimalAsInteger);
        let v = xml_variants(doc, fees, Change::DecimalAsInteger, 5, &mut rng);
        assert!(v[0].doc.contains("total_sum=\"150\""), "{}", v[0].doc);
        let mut rng = Rng::new("x", Change::TextWrapped);
        let v = xml_variants(doc, fees, Change::TextWrapped, 5, &mut rng);
        assert!(v[0]
            .doc
            .contains("<balance><drift_wrap>5</drift_wrap></balance>"));
        let invoice = alma_sdk::registry::model("Invoice").unwrap().desc();
        let j = serde_json::json!({"explicit_ratio": [{"rate": "10.0", "n": 1}]});
        let mut rng = Rng::new("x", Change::ScalarToObject);
        let v = json_variants(&j, invoice, Change::ScalarToObject, 5, &mut rng);
        assert_eq!(v.len(), 2);
        let changed: Value = serde_json::from_str(&v[0].doc).unwrap();
        assert_eq!(
            changed["explicit_ratio"][0]["rate"],
            serde_json::json!({"drift_value": "10.0"})
        );
        let mut rng = Rng::new("x", Change::UnknownKey);
        let v = json_variants(&j, invoice, Change::UnknownKey, 5, &mut rng);
        assert_eq!(
            v.iter().filter(|v| v.declared).count(),
            2,
            "root and the ratio"
        );
    }
}
