//! `--set PATH=VALUE`: a field of the record by its path in the model (`item_data.internal_note_1`),
//! the value typed as the field is (text, integer, number, boolean, a code), checked against the
//! model before any request. Applied to the record as received — everything else goes back as
//! it came — in JSON, or in XML for records Alma takes only as XML (the text of one element
//! replaced, the rest of the document byte for byte).

use alma_runtime::desc::{FieldKind, FieldValue, ModelDesc, ScalarKind};
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
pub fn setter(spec: &str, model: &'static ModelDesc) -> Result<Setter, String> {
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
        if f.kind == FieldKind::Attribute {
            xml_path.push(format!("@{}", f.name));
        } else {
            xml_path.push(f.name.to_owned());
        }
        match (f.value, last) {
            (FieldValue::Model(inner), false) => current = inner(),
            (FieldValue::Model(_), true) => {
                return Err(format!(
                    "--set {path}: {seg:?} is an object; set one of its fields"
                ))
            }
            (FieldValue::Scalar(kind), true) => {
                return Ok(Setter {
                    path: segments.iter().map(|s| s.to_string()).collect(),
                    xml_path,
                    kind: Target::Text(kind),
                    template: template.to_owned(),
                })
            }
            (FieldValue::Code, true) => {
                return Ok(Setter {
                    path: segments.iter().map(|s| s.to_string()).collect(),
                    xml_path,
                    kind: Target::Code,
                    template: template.to_owned(),
                })
            }
            (FieldValue::Any, _) => {
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
        let path: Vec<&str> = self.xml_path.iter().map(String::as_str).collect();
        let drop = (self.kind == Target::Code).then_some("desc");
        alma_runtime::xml::set_at(doc, &path, value, drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_set_in_xml_loses_its_description_and_nothing_else_moves() {
        let model = alma_sdk::registry::model("User").unwrap().desc();
        let s = setter("user_group=", model).unwrap();
        let doc = "<user><primary_id>x</primary_id><user_group desc=\"Staff\">01</user_group><status>ACTIVE</status></user>";
        let out = s.apply_xml(doc, "02").unwrap();
        assert_eq!(
            out,
            doc.replace("<user_group desc=\"Staff\">01<", "<user_group>02<")
        );
    }
}
