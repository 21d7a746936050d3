//! Shared by the generated crate's tests: the recorded Alma fixtures and canonical forms of JSON
//! and XML documents for round-trip comparisons.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

/// `../shared/alma-fixtures` from the project root.
pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/alma-fixtures")
}

/// One row of `INDEX.tsv`.
#[derive(Debug, Clone)]
pub struct Fixture {
    pub file: String,
    pub format: String,
    pub endpoint: String,
    pub kind: String,
}

impl Fixture {
    pub fn path(&self) -> PathBuf {
        fixtures_dir().join(&self.file)
    }

    /// `GET /almaws/v1/bibs/{mms_id} (HTTP 200)` → (`GET`, `/almaws/v1/bibs/{mms_id}`).
    pub fn method_and_path(&self) -> Option<(&str, &str)> {
        let (method, rest) = self.endpoint.split_once(' ')?;
        let path = rest.split([' ', '?']).next()?;
        path.starts_with('/').then_some((method, path))
    }
}

/// The fixtures, or `None` (with a message) when the directory is not there.
pub fn fixtures() -> Option<Vec<Fixture>> {
    let index = fixtures_dir().join("INDEX.tsv");
    let Ok(text) = std::fs::read_to_string(&index) else {
        eprintln!("skipped: no fixtures at {}", index.display());
        return None;
    };
    let mut out = Vec::new();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next()?.split('\t').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap_or_else(|| panic!("INDEX.tsv has no {name} column"));
    let (f, fmt, ep, kind) = (col("file"), col("format"), col("endpoint"), col("kind"));
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let c: Vec<&str> = line.split('\t').collect();
        out.push(Fixture {
            file: c[f].to_string(),
            format: c[fmt].to_string(),
            endpoint: c[ep].to_string(),
            kind: c[kind].to_string(),
        });
    }
    Some(out)
}

/// Scalars compared by meaning, not spelling: `5`, `"5"` and `5.0` agree, as do `true` and
/// `"true"`. Alma spells the same value both ways; the SDK writes the declared type.
fn canonical_scalar(s: &str) -> String {
    let t = s.trim();
    if let Ok(n) = t.parse::<f64>() {
        if !t.is_empty() && t.chars().any(|c| c.is_ascii_digit()) && n.is_finite() {
            return format!("{n}");
        }
    }
    match t {
        "true" | "false" => t.to_string(),
        _ => s.to_string(),
    }
}

/// A JSON document in canonical form: key order (maps are sorted); `null`, `""`, `[]` and `{}`
/// dropped (Alma treats empty and absent alike, and a PUT gives missing fields their default);
/// one-element arrays unwrapped (Alma sends a lone element either way); scalars by meaning.
pub fn canonical_json(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut out = serde_json::Map::new();
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            for k in keys {
                let c = canonical_json(&m[k]);
                if !c.is_null() {
                    out.insert(k.clone(), c);
                }
            }
            if out.is_empty() {
                Value::Null
            } else {
                Value::Object(out)
            }
        }
        Value::Array(items) => {
            let items: Vec<Value> = items.iter().map(canonical_json).filter(|v| !v.is_null()).collect();
            match items.len() {
                0 => Value::Null,
                1 => items.into_iter().next().unwrap_or(Value::Null),
                _ => Value::Array(items),
            }
        }
        Value::Null => Value::Null,
        Value::String(s) if s.is_empty() => Value::Null,
        Value::String(s) => Value::String(canonical_scalar(s)),
        Value::Bool(b) => Value::String(b.to_string()),
        Value::Number(n) => Value::String(canonical_scalar(&n.to_string())),
    }
}

/// An XML element in canonical form.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct CanonicalXml {
    pub name: String,
    pub attrs: BTreeMap<String, String>,
    pub text: String,
    pub children: Vec<CanonicalXml>,
}

/// An XML document in canonical form: no declaration, attributes sorted, whitespace-only text
/// dropped, sibling elements sorted (Alma's schemas use `xs:all`: order carries no meaning),
/// empty elements dropped (absent and empty are the same to Alma), scalars by meaning.
pub fn canonical_xml(doc: &str) -> Result<CanonicalXml, String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(doc.trim_start_matches('\u{feff}'));
    let mut stack: Vec<CanonicalXml> = vec![CanonicalXml { name: String::new(), attrs: BTreeMap::new(), text: String::new(), children: vec![] }];
    let open = |e: &quick_xml::events::BytesStart<'_>| -> Result<CanonicalXml, String> {
        let mut attrs = BTreeMap::new();
        for a in e.attributes() {
            let a = a.map_err(|e| e.to_string())?;
            attrs.insert(
                String::from_utf8_lossy(a.key.as_ref()).into_owned(),
                canonical_scalar(&a.unescape_value().map_err(|e| e.to_string())?),
            );
        }
        Ok(CanonicalXml { name: String::from_utf8_lossy(e.name().as_ref()).into_owned(), attrs, text: String::new(), children: vec![] })
    };
    loop {
        match reader.read_event().map_err(|e| e.to_string())? {
            Event::Start(e) => stack.push(open(&e)?),
            Event::Empty(e) => {
                let n = open(&e)?;
                close(stack.last_mut().unwrap(), n);
            }
            Event::Text(t) => stack.last_mut().unwrap().text.push_str(&t.unescape().map_err(|e| e.to_string())?),
            Event::CData(t) => stack.last_mut().unwrap().text.push_str(&String::from_utf8_lossy(&t)),
            Event::End(_) => {
                let n = stack.pop().ok_or("unbalanced")?;
                close(stack.last_mut().ok_or("unbalanced")?, n);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let mut root = stack.pop().ok_or("empty")?;
    root.children.pop().ok_or_else(|| "no root element".to_string())
}

fn close(parent: &mut CanonicalXml, mut n: CanonicalXml) {
    n.text = if n.text.trim().is_empty() { String::new() } else { canonical_scalar(&n.text) };
    n.children.sort();
    if n.attrs.is_empty() && n.children.is_empty() && n.text.is_empty() {
        return;
    }
    parent.children.push(n);
}

/// A readable difference between two canonical JSON documents (first few paths).
pub fn json_diff(a: &Value, b: &Value, path: &str, out: &mut Vec<String>) {
    if out.len() > 8 {
        return;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                match y.get(k) {
                    Some(w) => json_diff(v, w, &format!("{path}/{k}"), out),
                    None => out.push(format!("{path}/{k}: lost")),
                }
            }
            for k in y.keys().filter(|k| !x.contains_key(*k)) {
                out.push(format!("{path}/{k}: added"));
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                json_diff(v, w, &format!("{path}/{i}"), out);
            }
        }
        (x, y) if x != y => out.push(format!("{path}: {x} became {y}")),
        _ => {}
    }
}
