//! `--set PATH=VALUE`: a field of the record by its path in the model (`item_data.internal_note_1`),
//! the value typed as the field is (text, integer, number, boolean, a code), checked against the
//! model before any request. Applied to the record as received — everything else goes back as
//! it came — in JSON, or in XML for records Alma takes only as XML (the text of one element
//! replaced, the rest of the document byte for byte).

use alma_runtime::xml::{ScalarKind, XmlKind, XmlModel, XmlValue};
use serde_json::Value;

/// A field to set: its path, and how its value is written.
#[derive(Debug, Clone)]
pub struct Setter {
    pub path: Vec<String>,
    /// The element names in XML (a field's XML name may differ from its key).
    pub xml_path: Vec<String>,
    pub kind: Target,
    /// The value template (`{note}`).
    pub template: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Text(ScalarKind),
    /// A code pair: its `value`.
    Code,
}

/// Reads `PATH=VALUE` against the record's model.
pub fn setter(spec: &str, model: &'static XmlModel) -> Result<Setter, String> {
    let (path, template) = spec
        .split_once('=')
        .ok_or_else(|| format!("--set {spec:?}: expected PATH=VALUE"))?;
    let segments: Vec<&str> = path.split('.').collect();
    let mut current = model;
    let mut xml_path = Vec::new();
    for (i, seg) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        let Some(f) = current.fields.iter().find(|f| f.key == *seg) else {
            let mut names: Vec<&str> = current.fields.iter().map(|f| f.key).collect();
            names.sort_unstable();
            return Err(format!(
                "--set {path}: {:?} has no field {seg:?}; its fields: {}",
                if i == 0 {
                    current.root.to_owned()
                } else {
                    segments[..i].join(".")
                },
                names.join(", ")
            ));
        };
        if f.array || f.wrapper.is_some() {
            return Err(format!(
                "--set {path}: {seg:?} is a list; --set changes one value"
            ));
        }
        if f.kind == XmlKind::Attribute {
            xml_path.push(format!("@{}", f.name));
        } else {
            xml_path.push(f.name.to_owned());
        }
        match (f.value, last) {
            (XmlValue::Model(inner), false) => current = inner(),
            (XmlValue::Model(_), true) => {
                return Err(format!(
                    "--set {path}: {seg:?} is an object; set one of its fields"
                ))
            }
            (XmlValue::Scalar(kind), true) => {
                return Ok(Setter {
                    path: segments.iter().map(|s| s.to_string()).collect(),
                    xml_path,
                    kind: Target::Text(kind),
                    template: template.to_owned(),
                })
            }
            (XmlValue::Code, true) => {
                return Ok(Setter {
                    path: segments.iter().map(|s| s.to_string()).collect(),
                    xml_path,
                    kind: Target::Code,
                    template: template.to_owned(),
                })
            }
            (XmlValue::Any, _) => {
                return Err(format!("--set {path}: {seg:?} is free-form content"))
            }
            (_, false) => return Err(format!("--set {path}: {seg:?} has no fields")),
        }
    }
    Err(format!("--set {spec:?}: empty path"))
}

impl Setter {
    /// The value as the field's type writes it in JSON.
    pub fn json_value(&self, text: &str) -> Result<Value, String> {
        let bad = |what: &str| format!("{}: {text:?} is not {what}", self.path.join("."));
        Ok(match self.kind {
            Target::Text(ScalarKind::Int) => {
                Value::from(text.trim().parse::<i64>().map_err(|_| bad("an integer"))?)
            }
            Target::Text(ScalarKind::Num) => {
                let f: f64 = text.trim().parse().map_err(|_| bad("a number"))?;
                serde_json::Number::from_f64(f)
                    .map(Value::Number)
                    .ok_or_else(|| bad("a number"))?
            }
            Target::Text(ScalarKind::Bool) => match text.trim().to_ascii_lowercase().as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => return Err(bad("true or false")),
            },
            Target::Text(_) => Value::String(text.to_owned()),
            Target::Code => Value::String(text.to_owned()),
        })
    }

    /// The field's value in a JSON record (a code's `value`).
    pub fn current<'v>(&self, record: &'v Value) -> Option<&'v Value> {
        let v = self.path.iter().try_fold(record, |v, k| v.get(k))?;
        match self.kind {
            Target::Code => v.get("value").or(Some(v)),
            Target::Text(_) => Some(v),
        }
    }

    /// Whether the record holds `value` there already (numbers by value, text exactly).
    pub fn holds(&self, record: &Value, value: &Value) -> bool {
        match (self.current(record), value) {
            (Some(Value::Number(a)), Value::Number(b)) => a.as_f64() == b.as_f64(),
            (Some(Value::String(a)), Value::Number(b)) => {
                a.trim().parse::<f64>().ok() == b.as_f64()
            }
            (Some(Value::String(a)), Value::Bool(b)) => {
                a.trim().eq_ignore_ascii_case(&b.to_string())
            }
            (Some(a), b) => a == b,
            (None, _) => false,
        }
    }

    /// Sets the value in a JSON record, creating objects on the way; a code's description goes
    /// (it described the old code).
    pub fn apply(&self, record: &mut Value, value: Value) {
        let value = match self.kind {
            Target::Code => serde_json::json!({ "value": value }),
            Target::Text(_) => value,
        };
        alma_runtime::json_path::set(record, self.path.iter().map(String::as_str), value);
    }

    /// Sets the value in an XML record: the element's text (or the attribute), everything else
    /// as it was; a code element loses its `desc`. A missing element is added at the end of its
    /// parent.
    pub fn apply_xml(&self, doc: &str, value: &str) -> Result<String, String> {
        xml_set(doc, &self.xml_path, value, self.kind == Target::Code)
    }
}

use quick_xml::escape::escape;

/// The document with the text at `path` (element names below the root; `@name` for an
/// attribute of the last element) set to `value`.
fn xml_set(doc: &str, path: &[String], value: &str, code: bool) -> Result<String, String> {
    use quick_xml::events::Event;
    let (elems, attr) = match path.last().and_then(|l| l.strip_prefix('@')) {
        Some(a) => (&path[..path.len() - 1], Some(a)),
        None => (path, None),
    };
    let mut reader = quick_xml::Reader::from_str(doc);
    let mut out = String::with_capacity(doc.len() + value.len());
    let mut stack: Vec<String> = Vec::new();
    let mut done = false;
    // Inside the target element: its old content is skipped.
    let mut skipping: Option<usize> = None;
    loop {
        let start = reader.buffer_position() as usize;
        let event = reader
            .read_event()
            .map_err(|e| format!("the record is not XML: {e}"))?;
        let end = reader.buffer_position() as usize;
        let raw = &doc[start..end];
        let below_root = |stack: &[String]| stack.len() > 1 && stack[1..] == *elems;
        match event {
            Event::Eof => break,
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                if skipping.is_some() {
                    stack.push(name);
                    continue;
                }
                stack.push(name);
                if below_root(&stack) && !done {
                    done = true;
                    match attr {
                        Some(a) => out.push_str(&with_attr(raw, a, value)),
                        None => {
                            out.push_str(&if code {
                                without_attr(raw, "desc")
                            } else {
                                raw.to_owned()
                            });
                            out.push_str(&escape(value));
                            skipping = Some(stack.len());
                        }
                    }
                    continue;
                }
                out.push_str(raw);
            }
            Event::Empty(e) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                if skipping.is_some() {
                    continue;
                }
                stack.push(name.clone());
                if below_root(&stack) && !done {
                    done = true;
                    match attr {
                        Some(a) => out.push_str(&with_attr(raw, a, value)),
                        None => {
                            let open = raw.trim_end_matches("/>").trim_end();
                            let open = if code {
                                without_attr(&format!("{open}>"), "desc")
                            } else {
                                format!("{open}>")
                            };
                            out.push_str(&open);
                            out.push_str(&escape(value));
                            out.push_str(&format!("</{name}>"));
                        }
                    }
                } else {
                    out.push_str(raw);
                }
                stack.pop();
            }
            Event::End(_) => {
                if let Some(depth) = skipping {
                    if stack.len() == depth {
                        skipping = None;
                        out.push_str(raw);
                    }
                    stack.pop();
                    continue;
                }
                // The parent of a missing element: the element goes at its end.
                if !done
                    && attr.is_none()
                    && !stack.is_empty()
                    && stack.len() == elems.len()
                    && stack[1..] == elems[..elems.len() - 1]
                {
                    let name = &elems[elems.len() - 1];
                    out.push_str(&format!("<{name}>{}</{name}>", escape(value)));
                    done = true;
                }
                stack.pop();
                out.push_str(raw);
            }
            _ => {
                if skipping.is_none() {
                    out.push_str(raw);
                }
            }
        }
    }
    if !done {
        return Err(format!("the record has no element {}", path.join("/")));
    }
    Ok(out)
}

/// A start tag with attribute `name` set to `value`.
fn with_attr(tag: &str, name: &str, value: &str) -> String {
    let stripped = without_attr(tag, name);
    let close = if stripped.ends_with("/>") { "/>" } else { ">" };
    let body = stripped.trim_end_matches(close).trim_end();
    format!("{body} {name}=\"{}\"{close}", escape(value))
}

/// A start tag without attribute `name`.
fn without_attr(tag: &str, name: &str) -> String {
    for quote in ['"', '\''] {
        let needle = format!(" {name}={quote}");
        if let Some(i) = tag.find(&needle) {
            let after = i + needle.len();
            if let Some(j) = tag[after..].find(quote) {
                return format!("{}{}", &tag[..i], &tag[after + j + 1..]);
            }
        }
    }
    tag.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_text_is_replaced_and_nothing_else_moves() {
        let doc = "<bib><mms_id>1</mms_id><suppress_from_publishing>false</suppress_from_publishing><record><leader>x</leader></record></bib>";
        let out = xml_set(doc, &["suppress_from_publishing".into()], "true", false).unwrap();
        assert_eq!(out, doc.replace(">false<", ">true<"));
        let out = xml_set(doc, &["cataloging_level".into()], "05", false).unwrap();
        assert!(
            out.ends_with("</record><cataloging_level>05</cataloging_level></bib>"),
            "{out}"
        );
        let out = xml_set("<a><c desc=\"Old\">X</c></a>", &["c".into()], "Y", true).unwrap();
        assert_eq!(out, "<a><c>Y</c></a>");
    }
}
