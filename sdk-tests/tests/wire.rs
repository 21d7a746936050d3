//! The wire-format rules, each on a real generated model, plus property tests of both round trips.

mod common;

use alma_sdk::conf::models::{CodeTable, CodeTableRow, Libraries, Library};
use alma_sdk::runtime::{CodeValue, Described, Model};
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
    assert_eq!(Libraries::desc().root, "libraries");
    assert_eq!(User::desc().root, "user");
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

// --- drift: what a newer Alma adds survives GET → PUT -------------------------------------------

/// The cases of issue 22, as a user meets them: attributes on text elements, a text element's
/// content in a child element, a code sent as an element, numbers spelled as integers.
#[test]
fn what_the_model_does_not_know_comes_back_as_it_came() {
    use alma_sdk::models::{Fees, Invoice};
    let xml = "<user><primary_id>jdoe<note>x</note></primary_id><first_name lang=\"he\">Dana</first_name>\n  <status><value>ACTIVE</value></status></user>";
    let user = User::from_xml(xml).unwrap();
    assert_eq!(user.primary_id.as_deref(), Some("jdoe"));
    assert_eq!(user.first_name.as_deref(), Some("Dana"));
    let back = user.to_xml().unwrap();
    assert_eq!(
        strict_xml_diff(
            &canonical_xml(xml).unwrap(),
            &canonical_xml(&back).unwrap(),
            ""
        ),
        None,
        "{back}"
    );
    assert!(
        back.contains("<primary_id>jdoe<note>x</note></primary_id>"),
        "{back}"
    );
    assert!(
        back.contains("<first_name lang=\"he\">Dana</first_name>"),
        "{back}"
    );
    assert!(
        back.contains("<status><value>ACTIVE</value></status>"),
        "{back}"
    );
    assert_eq!(
        user.unknown_fields(),
        ["primary_id.note", "first_name.@lang", "status.value"]
    );

    let fees = "<fees total_sum=\"150\"><fee><balance>150</balance></fee></fees>";
    let back = Fees::from_xml(fees).unwrap().to_xml().unwrap();
    assert!(
        back.contains("total_sum=\"150\"") && back.contains("<balance>150</balance>"),
        "{back}"
    );

    let json = r#"{"explicit_ratio":[{"rate":"10"}]}"#;
    let invoice = Invoice::from_json(json.as_bytes()).unwrap();
    assert_eq!(invoice.to_json().unwrap(), json);
}

#[test]
fn numbers_keep_their_spelling_in_every_place() {
    use alma_sdk::models::Fees;
    for spelled in ["10", "150", "0", "1.50", "007", "+1", "1e2", "150.00"] {
        let xml =
            format!("<fees total_sum=\"{spelled}\"><fee><balance>{spelled}</balance></fee></fees>");
        let fees = Fees::from_xml(&xml).unwrap();
        let want: f64 = spelled.parse().unwrap();
        assert_eq!(fees.total_sum, Some(want), "{spelled}");
        assert_eq!(fees.fee[0].balance, Some(want), "{spelled}");
        let back = fees.to_xml().unwrap();
        assert!(
            back.contains(&format!("total_sum=\"{spelled}\"")),
            "{spelled}: {back}"
        );
        assert!(
            back.contains(&format!("<balance>{spelled}</balance>")),
            "{spelled}: {back}"
        );
        // A changed number is written the codec's way.
        let mut changed = fees.clone();
        changed.total_sum = Some(want + 1.0);
        assert!(changed
            .to_xml()
            .unwrap()
            .contains(&format!("total_sum=\"{:?}\"", want + 1.0)));
    }
    // An integer field reads integral spellings of a decimal and keeps them.
    use alma_sdk::models::ResearcherEducation;
    for (spelled, year) in [
        ("2020", 2020),
        ("02020", 2020),
        ("+2020", 2020),
        ("2.02e3", 2020),
        ("2020.0", 2020),
    ] {
        let xml = format!(
            "<researcher_education><from_year>{spelled}</from_year></researcher_education>"
        );
        let e = ResearcherEducation::from_xml(&xml).unwrap();
        assert_eq!(e.from_year, Some(year), "{spelled}");
        assert!(e
            .to_xml()
            .unwrap()
            .contains(&format!("<from_year>{spelled}</from_year>")));
    }
    let err = ResearcherEducation::from_xml(
        "<researcher_education><from_year>20.5</from_year></researcher_education>",
    )
    .unwrap_err();
    assert_eq!(err.path(), "from_year", "{err}");
}

#[test]
fn a_changed_text_element_keeps_what_alma_added_to_it() {
    let xml =
        "<user><first_name lang=\"he\">Dana<x/></first_name><last_name>Levi</last_name></user>";
    let mut user = User::from_xml(xml).unwrap();
    user.first_name = Some("Dina".into());
    user.last_name = Some("Cohen".into());
    let back = user.to_xml().unwrap();
    assert!(
        back.contains("<first_name lang=\"he\">Dina<x/></first_name>"),
        "{back}"
    );
    assert!(back.contains("<last_name>Cohen</last_name>"), "{back}");
    // Removed by the program: gone, with what was kept on it.
    user.first_name = None;
    let back = user.to_xml().unwrap();
    assert!(!back.contains("first_name"), "{back}");
}

#[test]
fn unknown_elements_stay_in_their_place_and_added_items_follow_the_last() {
    let xml = "<user><primary_id>a</primary_id><user_identifiers><user_identifier><id_type>BARCODE</id_type><value>1</value></user_identifier><drift_new n=\"1\">kept</drift_new><user_identifier><id_type>BARCODE</id_type><value>2</value></user_identifier></user_identifiers><new_field><deep a=\"1\">t</deep><deep>u</deep></new_field><last_name>L</last_name></user>";
    let mut user = User::from_xml(xml).unwrap();
    assert_eq!(user.user_identifier.len(), 2);
    assert!(user.extra.contains_key("new_field"));
    let back = user.to_xml().unwrap();
    assert_eq!(
        strict_xml_diff(
            &canonical_xml(xml).unwrap(),
            &canonical_xml(&back).unwrap(),
            ""
        ),
        None,
        "{back}"
    );
    assert!(
        back.contains("<new_field><deep a=\"1\">t</deep><deep>u</deep></new_field><last_name>"),
        "{back}"
    );
    assert!(
        back.contains("</user_identifier><drift_new n=\"1\">kept</drift_new><user_identifier>"),
        "{back}"
    );
    let mut added = user.user_identifier[1].clone();
    added.value = "3".into();
    user.user_identifier.push(added);
    let back = user.to_xml().unwrap();
    assert!(back.contains("<value>2</value></user_identifier><user_identifier><id_type>BARCODE</id_type><value>3</value></user_identifier></user_identifiers>"), "{back}");
    // The program changed the unknown element's value: written from the value.
    user.extra.insert("new_field".into(), json!("replaced"));
    let back = user.to_xml().unwrap();
    assert!(
        back.contains("<new_field>replaced</new_field><last_name>"),
        "{back}"
    );
}

#[test]
fn a_value_the_program_builds_writes_nothing_it_did_not_set() {
    let user = User {
        first_name: Some("Dana".into()),
        ..User::default()
    };
    let xml = user.to_xml().unwrap();
    assert!(
        xml.ends_with("<user><first_name>Dana</first_name></user>"),
        "{xml}"
    );
    assert!(user.unknown_fields().is_empty());
}

#[test]
fn the_put_model_keeps_the_xml_of_the_get_model() {
    use alma_sdk::models::UserPut;
    let xml = "<user><record_type desc=\"Public\">PUBLIC</record_type><primary_id>jdoe<note>x</note></primary_id><first_name lang=\"he\">Dana</first_name><drift_new>1</drift_new><user_statistics><user_statistic segment_type=\"Internal\"><statistic_category desc=\"A\">A</statistic_category></user_statistic></user_statistics><fees total_sum=\"150\"/></user>";
    let mut user = User::from_xml(xml).unwrap();
    user.last_name = Some("Levi".into());
    let put: UserPut = alma_sdk::runtime::convert(&user, "users.update_user").unwrap();
    let back = put.to_xml().unwrap();
    for kept in [
        "<primary_id>jdoe<note>x</note></primary_id>",
        "<first_name lang=\"he\">Dana</first_name>",
        "<drift_new>1</drift_new>",
        "<last_name>Levi</last_name>",
    ] {
        assert!(back.contains(kept), "{kept} not in {back}");
    }
    // Everything else as it came: the output without the new last name is the input.
    let without = back.replace("<last_name>Levi</last_name>", "");
    assert_eq!(
        strict_xml_diff(
            &canonical_xml(xml).unwrap(),
            &canonical_xml(&without).unwrap(),
            ""
        ),
        None,
        "{back}"
    );
    // The same conversion of a JSON value keeps JSON's spellings.
    let json = r#"{"primary_id":"jdoe","user_statistic":[{"statistic_category":{"value":"A"},"segment_type":"Internal"}],"fees":{"value":"150","currency":"ILS"},"extra_key":7}"#;
    let user = User::from_json(json.as_bytes()).unwrap();
    let put: UserPut = alma_sdk::runtime::convert(&user, "users.update_user").unwrap();
    let a: serde_json::Value = serde_json::from_str(json).unwrap();
    let b: serde_json::Value = serde_json::from_str(&put.to_json().unwrap()).unwrap();
    let mut diff = Vec::new();
    strict_json_diff(&a, &b, "", &mut diff);
    assert!(diff.is_empty(), "{diff:?}");
}

#[test]
fn list_items_keep_their_own_spelling() {
    // An item of a list of texts sent as an object comes back as one; integers sent as strings
    // stay strings.
    let json = r#"{"primary_id":"a","user_identifier":[{"id_type":{"value":"BARCODE"},"value":{"drift":"1"}}]}"#;
    let user = User::from_json(json.as_bytes()).unwrap();
    assert_eq!(user.to_json().unwrap(), json);
}

/// A model's `Debug` goes through the codec's field list: every field under its Alma name, the
/// fields the SDK does not know when there are any, never the wire memory.
#[test]
fn debug_shows_fields_by_alma_name_and_unknown_fields() {
    let built = Library {
        code: "MAIN".into(),
        link: Some("https://api/lib/MAIN".into()),
        ..Default::default()
    };
    let text = format!("{built:?}");
    assert!(text.starts_with("Library { "), "{text}");
    assert!(text.contains(r#"code: "MAIN""#), "{text}");
    assert!(
        text.contains(r#"link: Some("https://api/lib/MAIN")"#),
        "{text}"
    );
    assert!(!text.contains("extra"), "{text}");
    assert!(!text.contains("wire"), "{text}");

    let decoded: Library =
        serde_json::from_value(json!({"code": "MAIN", "name": "Main", "surprise": 7})).unwrap();
    let text = format!("{decoded:?}");
    assert!(text.contains(r#"name: "Main""#), "{text}");
    assert!(
        text.contains("extra") && text.contains("surprise"),
        "{text}"
    );
    assert!(!text.contains("wire"), "{text}");
}

/// A model's `Clone` and `PartialEq` go through the codec's field list: a clone is equal, keeps
/// the unknown fields and how the value arrived (so it is sent back as it came); one changed
/// field, or one changed unknown field, makes it unequal; the wire memory is not compared.
#[test]
fn clone_and_eq_cover_every_field_extra_and_the_wire_memory() {
    let sent = json!({
        "code": "MAIN", "name": "Main", "resource_sharing": "true",
        "campus": {"value": "C1", "desc": "Main campus"}, "surprise": [1, "two"]
    });
    let decoded: Library = serde_json::from_value(sent.clone()).unwrap();
    let copy = decoded.clone();
    assert_eq!(copy, decoded);
    assert_eq!(copy.resource_sharing, Some(true));
    assert_eq!(copy.campus.as_ref().map(|c| c.value.as_str()), Some("C1"));
    // The wire memory came along: the string-spelled boolean goes back as a string.
    assert_eq!(serde_json::to_value(&copy).unwrap(), sent);

    let mut changed = decoded.clone();
    changed.name = "Other".into();
    assert_ne!(changed, decoded);
    let mut changed = decoded.clone();
    changed.extra.insert("surprise".into(), json!(3));
    assert_ne!(changed, decoded);

    // Equal values, one decoded and one built: how a value arrived is not part of it.
    let built = Library {
        code: "MAIN".into(),
        name: "Main".into(),
        resource_sharing: Some(true),
        campus: Some(CodeValue {
            value: "C1".into(),
            desc: Some("Main campus".into()),
            ..Default::default()
        }),
        extra: decoded.extra.clone(),
        ..Default::default()
    };
    assert_eq!(built, decoded);
}
