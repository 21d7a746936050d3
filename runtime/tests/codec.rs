//! The codec generated models are built on: lenient scalars, lone elements, unknown fields,
//! absent fields on encode, error paths, duplicate keys, and serde interop.

use alma_runtime::codec::{decode_object, Codec, DecodeError, Node, ObjectWriter};
use alma_runtime::{CodeValue, Extra};
use serde_json::{json, Value};

/// A model written the way the generator writes them.
#[derive(Debug, Default, PartialEq)]
struct Loan {
    id: String,
    renewable: Option<bool>,
    fine: Option<f64>,
    count: Option<i64>,
    status: CodeValue,
    notes: Vec<Note>,
    extra: Extra,
}

#[derive(Debug, Default, PartialEq)]
struct Note {
    text: Option<String>,
    extra: Extra,
}

impl Codec for Loan {
    fn from_node(node: Node<'_>) -> Result<Self, DecodeError> {
        let mut out = Loan::default();
        let extra = decode_object(node, "Loan", &mut |k, v| {
            match k {
                "id" => out.id = Codec::from_node(v)?,
                "renewable" => out.renewable = Codec::from_node(v)?,
                "fine" => out.fine = Codec::from_node(v)?,
                "count" => out.count = Codec::from_node(v)?,
                "status" => out.status = Codec::from_node(v)?,
                "note" => out.notes = Codec::from_node(v)?,
                _ => return Ok(Some(v)),
            }
            Ok(None)
        })?;
        Ok(Loan { extra, ..out })
    }

    fn to_value(&self) -> Value {
        let mut w = ObjectWriter::new();
        w.field("id", &self.id);
        w.field("renewable", &self.renewable);
        w.field("fine", &self.fine);
        w.field("count", &self.count);
        w.field("status", &self.status);
        w.field("note", &self.notes);
        w.finish(&self.extra)
    }
}

impl Codec for Note {
    fn from_node(node: Node<'_>) -> Result<Self, DecodeError> {
        let mut out = Note::default();
        let extra = decode_object(node, "Note", &mut |k, v| {
            match k {
                "text" => out.text = Codec::from_node(v)?,
                _ => return Ok(Some(v)),
            }
            Ok(None)
        })?;
        Ok(Note { extra, ..out })
    }

    fn to_value(&self) -> Value {
        let mut w = ObjectWriter::new();
        w.field("text", &self.text);
        w.finish(&self.extra)
    }
}

fn decode<T: Codec>(v: Value) -> Result<T, DecodeError> {
    let text = v.to_string();
    T::from_node(Node::parse_json(text.as_bytes()).unwrap())
}

#[test]
fn scalars_are_read_leniently() {
    let loan: Loan = decode(json!({
        "id": 42, "renewable": "Y", "fine": "12.50", "count": "7",
        "status": {"value": "ACTIVE", "desc": "Active"}
    }))
    .unwrap();
    assert_eq!(loan.id, "42");
    assert_eq!(loan.renewable, Some(true));
    assert_eq!(loan.fine, Some(12.5));
    assert_eq!(loan.count, Some(7));
    assert_eq!(loan.status.value, "ACTIVE");
    assert_eq!(loan.status.desc.as_deref(), Some("Active"));

    let loan: Loan =
        decode(json!({"id": null, "renewable": "", "fine": null, "count": " ", "status": null}))
            .unwrap();
    assert_eq!(loan, Loan::default());

    let loan: Loan = decode(json!({"renewable": 0, "count": 3.0, "status": "LOST"})).unwrap();
    assert_eq!(loan.renewable, Some(false));
    assert_eq!(loan.count, Some(3));
    assert_eq!(loan.status, CodeValue::new("LOST"));
}

#[test]
fn lists_arrive_as_arrays_lone_elements_or_null() {
    let many: Loan = decode(json!({"note": [{"text": "a"}, {"text": "b"}]})).unwrap();
    let one: Loan = decode(json!({"note": {"text": "a"}})).unwrap();
    let none: Loan = decode(json!({"note": null})).unwrap();
    assert_eq!(many.notes.len(), 2);
    assert_eq!(
        one.notes,
        vec![Note {
            text: Some("a".into()),
            extra: Extra::new()
        }]
    );
    assert!(none.notes.is_empty());
}

#[test]
fn unknown_fields_are_kept_in_order_and_written_back() {
    let input = json!({"id": "1", "zeta": [1, 2], "alpha": {"deep": true}, "note": [{"text": "x", "new": "y"}]});
    let loan: Loan = decode(input.clone()).unwrap();
    assert_eq!(loan.extra.keys().collect::<Vec<_>>(), ["zeta", "alpha"]);
    assert_eq!(loan.notes[0].extra["new"], json!("y"));
    assert_eq!(loan.to_value(), input);
}

#[test]
fn absent_fields_are_not_written() {
    let v = Loan {
        id: "1".into(),
        ..Loan::default()
    }
    .to_value();
    // An unset required code is not sent; a required string is, even empty.
    assert_eq!(v, json!({"id": "1"}));
    assert_eq!(Loan::default().to_value(), json!({"id": ""}));
}

#[test]
fn errors_name_the_path_to_the_bad_value() {
    let err = decode::<Loan>(json!({"note": [{"text": "ok"}, "not a note"]})).unwrap_err();
    assert_eq!(err.path(), "note[1]");
    assert!(
        err.to_string()
            .contains("expected a Note object, found a string"),
        "{err}"
    );

    let err = decode::<Loan>(json!({"count": "seven"})).unwrap_err();
    assert_eq!(err.to_string(), "at count: \"seven\" is not an integer");

    let err = decode::<Loan>(json!({"renewable": {"x": 1}})).unwrap_err();
    assert_eq!(
        err.to_string(),
        "at renewable: expected a boolean, found an object"
    );
}

#[test]
fn a_known_key_twice_is_an_error_not_a_silent_choice() {
    let err = Loan::from_node(Node::parse_json(br#"{"id": "1", "count": 1, "id": "2"}"#).unwrap())
        .unwrap_err();
    assert!(err.to_string().contains("duplicate field `id`"), "{err}");
    // Unknown keys too: `extra` could keep only one of the values.
    let err = Loan::from_node(Node::parse_json(br#"{"x": 1, "x": 2}"#).unwrap()).unwrap_err();
    assert!(err.to_string().contains("duplicate field `x`"), "{err}");
    // Many distinct keys (colliding in the filter) are fine.
    let mut obj = serde_json::Map::new();
    for i in 0..200 {
        obj.insert(format!("k{i}"), json!(i));
    }
    obj.insert("id".into(), json!("x"));
    let loan: Loan = decode(Value::Object(obj)).unwrap();
    assert_eq!(loan.extra.len(), 200);
}

#[test]
fn escaped_strings_and_keys_are_read() {
    let loan =
        Loan::from_node(Node::parse_json(br#"{"i\u0064": "a\"b", "n\u00e9": "\u00e9"}"#).unwrap())
            .unwrap();
    assert_eq!(loan.id, "a\"b");
    assert_eq!(loan.extra["né"], json!("é"));
}

#[test]
fn code_values_work_through_serde_too() {
    let c: CodeValue =
        serde_json::from_value(json!({"value": "X", "desc": "Ex", "lang": "en"})).unwrap();
    assert_eq!(c.value, "X");
    assert_eq!(c.extra["lang"], json!("en"));
    assert_eq!(
        serde_json::to_value(&c).unwrap(),
        json!({"value": "X", "desc": "Ex", "lang": "en"})
    );
}
