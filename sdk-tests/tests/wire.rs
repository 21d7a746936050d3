//! The wire-format rules, each on a real generated model, plus property tests of both round trips.

mod common;

use alma_sdk::conf::models::{CodeTable, CodeTableRow, Libraries, Library};
use alma_sdk::runtime::{CodeValue, Model};
use alma_sdk::users::models::User;
use common::{canonical_xml, strict_json_diff, strict_xml_diff};
use proptest::prelude::*;
use serde_json::json;

#[test]
fn attributes_are_plain_keys_in_json() {
    let xml =
        r#"<library link="https://api/lib/MAIN"><code>MAIN</code><name>Main</name></library>"#;
    let lib = Library::from_xml(xml).unwrap();
    assert_eq!(lib.link.as_deref(), Some("https://api/lib/MAIN"));
    let j: serde_json::Value = serde_json::from_str(&lib.to_json().unwrap()).unwrap();
    assert_eq!(j["link"], "https://api/lib/MAIN");
    assert!(lib
        .to_xml()
        .unwrap()
        .contains(r#"<library link="https://api/lib/MAIN">"#));
}

#[test]
fn code_pairs_are_text_with_a_desc_attribute() {
    let lib: Library = serde_json::from_value(
        json!({"code": "M", "name": "N", "campus": {"value": "C1", "desc": "Main campus"}}),
    )
    .unwrap();
    assert_eq!(
        lib.campus,
        Some(CodeValue {
            value: "C1".into(),
            desc: Some("Main campus".into()),
            ..CodeValue::default()
        })
    );
    let xml = lib.to_xml().unwrap();
    assert!(
        xml.contains(r#"<campus desc="Main campus">C1</campus>"#),
        "{xml}"
    );
    assert_eq!(Library::from_xml(&xml).unwrap(), lib);
}

#[test]
fn wrapped_arrays_use_the_plural_element_in_xml_and_the_singular_key_in_json() {
    let table: CodeTable = serde_json::from_value(json!({
        "name": "T", "row": [{"code": "a", "description": "A"}, {"code": "b", "description": "B"}]
    }))
    .unwrap();
    assert_eq!(table.row.len(), 2);
    let xml = table.to_xml().unwrap();
    assert!(
        xml.contains("<rows><row><code>a</code><description>A</description></row><row>"),
        "{xml}"
    );
    let back = CodeTable::from_xml(&xml).unwrap();
    assert_eq!(back.row, table.row);
    // A single element may arrive as a bare object.
    let one: CodeTable =
        serde_json::from_value(json!({"name": "T", "row": {"code": "a", "description": "A"}}))
            .unwrap();
    assert_eq!(
        one.row,
        vec![CodeTableRow {
            code: "a".into(),
            description: "A".into(),
            ..CodeTableRow::default()
        }]
    );
}

#[test]
fn json_nulls_are_absent_values() {
    let lib: Library = serde_json::from_value(json!({"code": "M", "name": "N", "description": null, "campus": null, "resource_sharing": null})).unwrap();
    assert_eq!(
        (
            lib.description.as_ref(),
            lib.campus.as_ref(),
            lib.resource_sharing
        ),
        (None, None, None)
    );
    let xml = lib.to_xml().unwrap();
    assert!(
        !xml.contains("description") && !xml.contains("campus"),
        "{xml}"
    );
}

#[test]
fn root_elements_come_from_the_schema() {
    assert_eq!(Libraries::xml_model().root, "libraries");
    assert_eq!(User::xml_model().root, "user");
    assert!(Libraries::default()
        .to_xml()
        .unwrap()
        .ends_with("<libraries></libraries>"));
    let err = Libraries::from_xml("<users/>").unwrap_err().to_string();
    assert!(
        err.contains("<libraries>") && err.contains("<users>"),
        "{err}"
    );
}

#[test]
fn unknown_fields_survive_both_formats() {
    let json_in =
        json!({"code": "M", "name": "N", "opening_year": 1907, "new_thing": {"a": ["x", "y"]}});
    let lib: Library = serde_json::from_value(json_in.clone()).unwrap();
    assert_eq!(lib.extra["opening_year"], 1907);
    let mut diff = Vec::new();
    strict_json_diff(
        &json_in,
        &serde_json::from_str(&lib.to_json().unwrap()).unwrap(),
        "",
        &mut diff,
    );
    assert!(diff.is_empty(), "{diff:?}");

    let xml_in = r#"<library link="L" added_attr="v"><code>M</code><name>N</name><gps lat="1.5"><lon>2.5</lon></gps><tag>a</tag><tag>b</tag></library>"#;
    let lib = Library::from_xml(xml_in).unwrap();
    assert_eq!(lib.extra["@added_attr"], "v");
    assert_eq!(lib.extra["tag"], json!(["a", "b"]));
    let out = lib.to_xml().unwrap();
    assert_eq!(
        strict_xml_diff(
            &canonical_xml(xml_in).unwrap(),
            &canonical_xml(&out).unwrap(),
            ""
        ),
        None,
        "{out}"
    );
}

#[test]
fn xml_comes_back_in_its_own_order_with_empty_elements() {
    // Elements out of schema order, unknown ones between known ones, empty elements.
    let xml_in = r#"<library link="L"><name>N</name><extra_one>x</extra_one><code>M</code><description/><resource_sharing>true</resource_sharing><campus desc="">C</campus></library>"#;
    let lib = Library::from_xml(xml_in).unwrap();
    assert_eq!(lib.description.as_deref(), Some(""));
    let out = lib.to_xml().unwrap();
    assert_eq!(
        strict_xml_diff(
            &canonical_xml(xml_in).unwrap(),
            &canonical_xml(&out).unwrap(),
            ""
        ),
        None,
        "{out}"
    );
    // A value the program builds is written in schema order: the XSD's sequence, then what
    // only the JSON schema has (`id`).
    let built = Library {
        code: "M".into(),
        name: "N".into(),
        ..Library::default()
    };
    assert!(
        built
            .to_xml()
            .unwrap()
            .ends_with("<library><code>M</code><name>N</name><id></id></library>"),
        "{}",
        built.to_xml().unwrap()
    );
}

#[test]
fn marcxml_in_json_is_written_as_xml() {
    let Ok(bytes) = std::fs::read(
        common::fixtures_dir().join("scriptotek+php-alma-client/spec__data__bib_response.json"),
    ) else {
        return;
    };
    let bib = alma_sdk::models::Bib::from_json(&bytes).unwrap();
    assert!(bib.anies[0].starts_with("<?xml version=\"1.0\" encoding=\"UTF-16\"?>"));
    let xml = bib.to_xml().unwrap();
    assert!(!xml.contains("UTF-16"));
    let back = alma_sdk::models::Bib::from_xml(&xml).unwrap();
    let record = |s: &str| s[s.find("<record").unwrap()..].to_string();
    assert_eq!(
        record(&back.anies[0]),
        record(&bib.anies[0]),
        "the record survives JSON → XML → model"
    );
}

/// Text that XML can carry (no control characters) and that is not blank (blank is absent).
fn text() -> impl Strategy<Value = String> {
    "[A-Za-z0-9 <>&\"'éü_.:/-]{1,12}".prop_filter("not blank", |s| !s.trim().is_empty())
}

fn code_value() -> impl Strategy<Value = CodeValue> {
    (text(), proptest::option::of(text())).prop_map(|(value, desc)| CodeValue {
        value,
        desc,
        ..CodeValue::default()
    })
}

prop_compose! {
    fn library()(
        code in text(), name in text(), link in proptest::option::of(text()),
        path in proptest::option::of(text()), description in proptest::option::of(text()),
        resource_sharing in proptest::option::of(any::<bool>()),
        campus in proptest::option::of(code_value()), proxy in proptest::option::of(text()),
    ) -> Library {
        Library { code, name, link, path, description, resource_sharing, campus, proxy, ..Library::default() }
    }
}

prop_compose! {
    fn libraries()(library in proptest::collection::vec(library(), 0..4), total_record_count in proptest::option::of(0i64..10_000)) -> Libraries {
        Libraries { library, total_record_count, ..Libraries::default() }
    }
}

prop_compose! {
    fn code_table()(name in text(), rows in proptest::collection::vec((text(), text(), proptest::option::of(any::<bool>())), 0..4)) -> CodeTable {
        let row = rows
            .into_iter()
            .map(|(code, description, enabled)| CodeTableRow { code, description, enabled, ..CodeTableRow::default() })
            .collect();
        CodeTable { name, row, ..CodeTable::default() }
    }
}

fn both_round_trips<T: Model + PartialEq + std::fmt::Debug>(value: &T) {
    let json = value.to_json().unwrap();
    assert_eq!(
        &T::from_json(json.as_bytes()).unwrap(),
        value,
        "JSON: {json}"
    );
    let xml = value.to_xml().unwrap();
    assert_eq!(&T::from_xml(&xml).unwrap(), value, "XML: {xml}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn libraries_round_trip(v in libraries()) { both_round_trips(&v) }

    #[test]
    fn code_tables_round_trip(v in code_table()) { both_round_trips(&v) }
}
