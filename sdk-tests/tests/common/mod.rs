//! Shared by the generated crate's tests: the recorded Alma fixtures and canonical forms of JSON
//! and XML documents for round-trip comparisons.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

pub use alma_sdk_tests::fixtures::Fixture;

/// `../shared/alma-fixtures` from the project root. When it is missing the test fails with a
/// message saying so, unless `ALMA_SKIP_SHARED=1` asks to skip the tests that need it (they then
/// find nothing there and return early, saying so).
pub fn fixtures_dir() -> PathBuf {
    let dir = alma_sdk_tests::fixtures::default_dir();
    if !dir.is_dir() {
        if std::env::var_os("ALMA_SKIP_SHARED").is_some_and(|v| v == "1") {
            eprintln!(
                "skipped (ALMA_SKIP_SHARED=1): no fixtures at {}",
                dir.display()
            );
        } else {
            panic!(
                "{} is missing: this test reads the recorded Alma responses of the shared data \
                 (see README, Set-up); set ALMA_SKIP_SHARED=1 to skip the tests that need it",
                dir.display()
            );
        }
    }
    dir
}

/// The path of a fixture.
pub fn fixture_path(fx: &Fixture) -> PathBuf {
    fixtures_dir().join(&fx.file)
}

/// The fixtures, or `None` (with a message) when the directory is not there.
pub fn fixtures() -> Option<Vec<Fixture>> {
    let dir = fixtures_dir();
    if !dir.is_dir() {
        return None;
    }
    Some(alma_sdk_tests::fixtures::read_index(&dir).unwrap_or_else(|e| panic!("{e}")))
}

/// Differences between a JSON document and its round trip, under the strict rules: the same keys
/// at every level (only a `null` may become absent), arrays of the same length in the same order,
/// scalars of the same JSON type and value (`"14"` stays a string, `""`, `{}` and `[]` stay).
/// Key order may change. Gives the first few differing paths.
pub fn strict_json_diff(a: &Value, b: &Value, path: &str, out: &mut Vec<String>) {
    if out.len() > 8 {
        return;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                match y.get(k) {
                    Some(w) => strict_json_diff(v, w, &format!("{path}/{k}"), out),
                    None if v.is_null() => {}
                    None => out.push(format!("{path}/{k}: lost ({v})")),
                }
            }
            for (k, w) in y.iter().filter(|(k, _)| !x.contains_key(*k)) {
                out.push(format!("{path}/{k}: added ({w})"));
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                strict_json_diff(v, w, &format!("{path}/{i}"), out);
            }
        }
        (x, y) if x != y => out.push(format!("{path}: {x} became {y}")),
        _ => {}
    }
}

/// An XML element, for strict comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonicalXml {
    pub name: String,
    pub attrs: BTreeMap<String, String>,
    /// Trimmed text.
    pub text: String,
    pub children: Vec<CanonicalXml>,
}

/// An XML document for strict comparison: elements in document order with their attributes (as a
/// set) and trimmed text; empty elements stay. Only the declaration, comments, processing
/// instructions and whitespace around text are left out.
pub fn canonical_xml(doc: &str) -> Result<CanonicalXml, String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(doc.trim_start_matches('\u{feff}'));
    let mut stack: Vec<CanonicalXml> = vec![CanonicalXml {
        name: String::new(),
        attrs: BTreeMap::new(),
        text: String::new(),
        children: vec![],
    }];
    let open = |e: &quick_xml::events::BytesStart<'_>| -> Result<CanonicalXml, String> {
        let mut attrs = BTreeMap::new();
        for a in e.attributes() {
            let a = a.map_err(|e| e.to_string())?;
            attrs.insert(
                String::from_utf8_lossy(a.key.as_ref()).into_owned(),
                a.unescape_value().map_err(|e| e.to_string())?.into_owned(),
            );
        }
        Ok(CanonicalXml {
            name: String::from_utf8_lossy(e.name().as_ref()).into_owned(),
            attrs,
            text: String::new(),
            children: vec![],
        })
    };
    loop {
        match reader.read_event().map_err(|e| e.to_string())? {
            Event::Start(e) => stack.push(open(&e)?),
            Event::Empty(e) => {
                let n = open(&e)?;
                close(stack.last_mut().unwrap(), n);
            }
            Event::Text(t) => stack
                .last_mut()
                .unwrap()
                .text
                .push_str(&t.unescape().map_err(|e| e.to_string())?),
            Event::CData(t) => stack
                .last_mut()
                .unwrap()
                .text
                .push_str(&String::from_utf8_lossy(&t)),
            Event::End(_) => {
                let n = stack.pop().ok_or("unbalanced")?;
                close(stack.last_mut().ok_or("unbalanced")?, n);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let mut root = stack.pop().ok_or("empty")?;
    root.children
        .pop()
        .ok_or_else(|| "no root element".to_string())
}

fn close(parent: &mut CanonicalXml, mut n: CanonicalXml) {
    n.text = n.text.trim().to_string();
    parent.children.push(n);
}

/// The first difference between two XML documents under the strict rules, if any.
pub fn strict_xml_diff(a: &CanonicalXml, b: &CanonicalXml, path: &str) -> Option<String> {
    let here = format!("{path}/{}", a.name);
    if a.name != b.name {
        return Some(format!("{here}: became <{}>", b.name));
    }
    if a.attrs != b.attrs {
        return Some(format!(
            "{here}: attributes {:?} became {:?}",
            a.attrs, b.attrs
        ));
    }
    if a.text != b.text {
        return Some(format!("{here}: text {:?} became {:?}", a.text, b.text));
    }
    for (i, (c, d)) in a.children.iter().zip(&b.children).enumerate() {
        if let Some(diff) = strict_xml_diff(c, d, &format!("{here}[{i}]")) {
            return Some(diff);
        }
    }
    if a.children.len() != b.children.len() {
        let names = |x: &CanonicalXml| {
            x.children
                .iter()
                .map(|c| c.name.clone())
                .collect::<Vec<_>>()
        };
        return Some(format!(
            "{here}: children {:?} became {:?}",
            names(a),
            names(b)
        ));
    }
    None
}

/// What tracing writes, kept for a test to read.
#[derive(Clone, Default)]
pub struct Buffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Buffer {
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// Events at `level` and above traced on this thread while the guard lives.
pub fn capture(level: tracing::Level) -> (Buffer, tracing::subscriber::DefaultGuard) {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    (buffer, tracing::subscriber::set_default(subscriber))
}
