//! The codec generated models are built on: lenient scalars, lone elements, unknown fields,
//! absent fields on encode, values written back as they arrived, error paths, duplicate keys,
//! and serde interop.

use alma_runtime::codec::{self, Codec, DecodeError, Node};
use alma_runtime::desc::{FieldDesc, FieldKind, FieldValue, ModelDesc, ScalarKind};
use alma_runtime::{CodeValue, Described, Extra, Model, Wire};
use serde_json::{json, Value};

/// A model written the way the generator writes them: `Object` lists the fields in the order of
/// the XML description, whose keys name them, and the codec is the runtime's over that list.
#[derive(Default)]
struct Loan {
    id: String,
    renewable: Option<bool>,
    fine: Option<f64>,
    count: Option<i64>,
    status: CodeValue,
    notes: Vec<Note>,
    extra: Extra,
    wire: Wire,
}

#[derive(Default)]
struct Note {
    text: Option<String>,
    extra: Extra,
    wire: Wire,
}

/// What the generator prints for each model: the codec, `Debug`, `Clone` and `PartialEq`
/// through the field list, `Object` and `Model`.
macro_rules! model {
    ($ty:ident, $root:literal, [$($field:ident),*], $fields:expr) => {
        impl Codec for $ty {
            fn from_node(node: Node<'_>) -> Result<Self, DecodeError> {
                codec::read_object(node)
            }
            fn to_value(&self) -> Value {
                codec::write_object(self)
            }
            fn to_wire(&self, form: &codec::Form) -> Option<Value> {
                codec::object_to_wire(self, form)
            }
        }
        impl std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                codec::debug_object(self, f)
            }
        }
        impl Clone for $ty {
            fn clone(&self) -> Self {
                codec::clone_object(self)
            }
        }
        impl PartialEq for $ty {
            fn eq(&self, other: &Self) -> bool {
                codec::eq_object(self, other)
            }
        }
        impl codec::Object for $ty {
            fn fields(&self, f: &mut codec::VisitFields<'_>) {
                f(&[$(&self.$field),*], &self.extra, &self.wire)
            }
            fn fields_mut(&mut self, f: &mut codec::VisitFieldsMut<'_>) {
                f(&mut [$(&mut self.$field),*], &mut self.extra, &mut self.wire)
            }
        }
        impl Model for $ty {}
        impl Described for $ty {
            const NAME: &'static str = stringify!($ty);
            fn desc() -> &'static ModelDesc {
                static MODEL: ModelDesc = ModelDesc {
                    root: $root,
                    fields: $fields,
                };
                &MODEL
            }
        }
    };
}

const fn element(key: &'static str, array: bool, value: FieldValue) -> FieldDesc {
    FieldDesc {
        key,
        name: key,
        kind: FieldKind::Element,
        wrapper: None,
        array,
        value,
    }
}

model!(
    Loan,
    "loan",
    [id, renewable, fine, count, status, notes],
    &[
        element("id", false, FieldValue::Scalar(ScalarKind::Str)),
        element("renewable", false, FieldValue::Scalar(ScalarKind::Bool)),
        element("fine", false, FieldValue::Scalar(ScalarKind::Num)),
        element("count", false, FieldValue::Scalar(ScalarKind::Int)),
        element("status", false, FieldValue::Code),
        element("note", true, FieldValue::Model(<Note as Described>::desc)),
    ]
);

model!(
    Note,
    "note",
    [text],
    &[element("text", false, FieldValue::Scalar(ScalarKind::Str))]
);

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
            ..Note::default()
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
fn decoded_values_go_back_as_they_came() {
    // Every spelling Alma uses, keys in an unusual order, unknown keys between known ones.
    let inputs = [
        json!({"count": "14", "zeta": 1, "id": 42, "renewable": "true", "fine": 5}),
        json!({"renewable": "Y", "fine": "12.50", "count": "014", "status": "LOST"}),
        json!({"id": null, "renewable": "", "fine": null, "count": " ", "status": null, "note": null}),
        json!({"id": "", "status": {"value": "", "desc": null}, "note": [], "alpha": {}}),
        json!({"note": {"text": "lone"}, "count": 3.0, "renewable": 0}),
        json!({"status": {"desc": "no value", "value": "X", "lang": "en"}, "note": [{"text": null}]}),
        json!({}),
    ];
    for input in inputs {
        let loan: Loan = decode(input.clone()).unwrap();
        let out = loan.to_value();
        assert_eq!(out, input);
        // Key order too (serde_json keeps it): XML element order depends on it.
        let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
        assert_eq!(keys(&out), keys(&input));
    }
}

#[test]
fn a_changed_value_keeps_its_json_type_but_not_an_odd_spelling() {
    let mut loan: Loan =
        decode(json!({"count": "14", "renewable": "Y", "id": 7, "note": {"text": "a"}})).unwrap();
    loan.count = Some(15);
    loan.renewable = Some(false);
    loan.id = "x".into();
    loan.notes.push(Note {
        text: Some("b".into()),
        ..Note::default()
    });
    assert_eq!(
        loan.to_value(),
        // "14" was a number in a string: 15 is too. "Y" was an odd spelling: false is written plainly.
        json!({"count": "15", "renewable": false, "id": "x", "note": [{"text": "a"}, {"text": "b"}]})
    );
    // Unchanged values keep their spelling; removed ones are gone; new ones are added.
    let mut loan: Loan = decode(json!({"count": "14", "renewable": "Y", "fine": 1.5})).unwrap();
    loan.fine = None;
    loan.status = CodeValue::new("ACTIVE");
    assert_eq!(
        loan.to_value(),
        json!({"count": "14", "renewable": "Y", "status": {"value": "ACTIVE"}})
    );
}

#[test]
fn nothing_absent_is_invented() {
    // A required string absent from the input stays absent; set by the program, it is sent.
    let mut loan: Loan = decode(json!({"count": 1})).unwrap();
    assert_eq!(loan.to_value(), json!({"count": 1}));
    loan.id = "new".into();
    assert_eq!(loan.to_value(), json!({"count": 1, "id": "new"}));
    // Forgetting the wire memory gives the program-built form.
    let mut loan: Loan = decode(json!({"count": "1", "id": null})).unwrap();
    loan.wire.forget();
    assert_eq!(loan.to_value(), json!({"count": 1, "id": ""}));
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
