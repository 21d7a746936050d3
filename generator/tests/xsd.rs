//! XSD → IR: the constructs the Alma XSDs use, the `-post`/`-put` variants, and bad input.

mod common;

use alma_codegen::ir::{ModelKind, ModelSource, TypeRef};
use common::*;

const URL: &str = "https://developers.exlibrisgroup.com/wp-content/uploads/alma/openapi/schemas";

const WIDGET_XSD: &str = r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:annotation><xs:documentation>Widgets.</xs:documentation></xs:annotation>
  <xs:include schemaLocation="rest_part.xsd"/>
  <xs:element name="widget" type="widget"/>
  <xs:simpleType name="string255"><xs:restriction base="xs:string"><xs:maxLength value="255"/></xs:restriction></xs:simpleType>
  <xs:simpleType name="size"><xs:restriction base="xs:string"><xs:enumeration value="S"/><xs:enumeration value="L"/></xs:restriction></xs:simpleType>
  <xs:complexType name="widget">
    <xs:annotation><xs:documentation>A widget.</xs:documentation></xs:annotation>
    <xs:all>
      <xs:element name="code" type="string255">
        <xs:annotation><xs:appinfo><xs:tags>api get post put</xs:tags><xs:example>W1</xs:example></xs:appinfo>
        <xs:documentation>The code.</xs:documentation></xs:annotation>
      </xs:element>
      <xs:element name="created" type="xs:dateTime" minOccurs="0">
        <xs:annotation><xs:appinfo><xs:tags>api get</xs:tags></xs:appinfo></xs:annotation>
      </xs:element>
      <xs:element name="secret" type="xs:string" minOccurs="0">
        <xs:annotation><xs:appinfo><xs:tags>api post</xs:tags></xs:appinfo></xs:annotation>
      </xs:element>
      <xs:element name="count" type="xs:int" minOccurs="0"/>
      <xs:element name="size" type="size" minOccurs="0"/>
      <xs:element name="status" minOccurs="0">
        <xs:complexType><xs:simpleContent><xs:extension base="xs:string">
          <xs:attribute name="desc" type="xs:string"/></xs:extension></xs:simpleContent></xs:complexType>
      </xs:element>
      <xs:element name="parts" type="parts" minOccurs="0"/>
      <xs:element name="label	" type="xs:string" minOccurs="0"/>
    </xs:all>
    <xs:attribute name="link" type="xs:string"/>
  </xs:complexType>
  <xs:complexType name="parts">
    <xs:sequence><xs:element name="part" type="part" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>
  </xs:complexType>
</xs:schema>"#;

const PART_XSD: &str = r###"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:complexType name="part"><xs:sequence>
    <xs:element name="id" type="xs:long"/>
    <xs:any minOccurs="0" maxOccurs="unbounded" namespace="##other" processContents="lax"/>
  </xs:sequence></xs:complexType>
</xs:schema>"###;

fn project(files: &[(&str, &str)]) -> Project {
    let paths = format!(
        r#"{{"/almaws/v1/widgets": {{
            "get": {{"responses": {{"200": {{"description": "", "content": {{"application/json": {{"schema": {{"$ref": "{URL}/rest_widget.json#/rest_widget"}}}}}}}}}}}},
            "post": {{"requestBody": {{"content": {{"application/json": {{"schema": {{"$ref": "{URL}/rest_widget-post.json#/rest_widget-post"}}}}}}}},
                      "responses": {{"200": {{"description": ""}}}}}}}}}}"#
    );
    let p = Project::new("test.json", &spec(&paths));
    for (name, text) in files {
        p.write(&format!("mirror/xsd/{name}"), text);
    }
    p
}

fn fields_of(gen: &alma_codegen::Generation, name: &str) -> Vec<alma_codegen::ir::Field> {
    let m = gen
        .api
        .models
        .values()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("no {name}"));
    assert_eq!(m.source, ModelSource::Xsd);
    match &m.kind {
        ModelKind::Struct { fields } => fields.clone(),
        _ => panic!(),
    }
}

#[test]
fn xsd_constructs_become_the_same_ir_as_json_schemas() {
    let gen = project(&[("rest_widget.xsd", WIDGET_XSD), ("rest_part.xsd", PART_XSD)])
        .generate()
        .unwrap();
    let w = fields_of(&gen, "Widget");
    let names: Vec<&str> = w.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        ["code", "created", "count", "size", "status", "part", "label", "link"],
        "GET model: `secret` is post-only"
    );
    let by = |n: &str| w.iter().find(|f| f.name == n).unwrap();
    assert!(by("code").required && by("code").ty == TypeRef::String);
    assert_eq!(by("code").doc.as_deref(), Some("The code."));
    assert_eq!(by("code").example.as_deref(), Some("W1"));
    assert_eq!(by("created").format.as_deref(), Some("date-time"));
    assert!(!by("count").required && by("count").ty == TypeRef::Integer);
    assert!(
        matches!(&by("size").ty, TypeRef::Model(id) if matches!(gen.api.models[id].kind, ModelKind::Enum { .. }))
    );
    assert_eq!(by("status").ty, TypeRef::CodeValue);
    assert!(by("link").xml.attribute);
    let part = by("part");
    assert_eq!(
        (part.xml.name.as_str(), part.xml.wrapper.as_deref()),
        ("part", Some("parts")),
        "wrapped list under the inner name"
    );
    assert!(matches!(&part.ty, TypeRef::Array(_)));
    let p = fields_of(&gen, "Part");
    assert_eq!(p[0].ty, TypeRef::Integer);
    assert!(p[1].xml.any && p[1].name == "anies", "xs:any is raw XML");
    let post = fields_of(&gen, "WidgetPost");
    assert!(
        post.iter().any(|f| f.name == "secret") && !post.iter().any(|f| f.name == "created"),
        "POST variant from tags"
    );
    let report: Vec<_> = gen
        .report
        .models
        .iter()
        .filter(|m| m.source == "xsd")
        .map(|m| m.name.as_str())
        .collect();
    assert!(
        report.contains(&"Widget") && report.contains(&"WidgetPost"),
        "{report:?}"
    );
}

#[test]
fn malformed_xsd_is_a_clear_error() {
    let err = project(&[(
        "rest_widget.xsd",
        "<xs:schema><xs:element name=\"w\"></xs:schema>",
    )])
    .generate()
    .err()
    .unwrap()
    .to_string();
    assert!(err.contains("rest_widget.xsd"), "{err}");
    let err = project(&[("rest_widget.xsd", WIDGET_XSD)])
        .generate()
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("rest_part.xsd") && err.contains("not in the xsd directory"),
        "{err}"
    );
    let no_root = r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:complexType name="x"/></xs:schema>"#;
    let err = project(&[("rest_widget.xsd", no_root)])
        .generate()
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("no top-level xs:element"), "{err}");
    // Absurd nesting is refused early, naming the file (a fuzz finding: it used to hold a node
    // per level, 66 times the input's size).
    let deep = format!(
        "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">{}</xs:schema>",
        "<a>".repeat(100_000)
    );
    let err = project(&[("rest_widget.xsd", &deep)])
        .generate()
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("rest_widget.xsd") && err.contains("nested deeper than 256 levels"),
        "{err}"
    );
}

#[test]
fn no_json_and_no_xsd_stays_opaque() {
    let gen = project(&[]).generate().unwrap();
    assert_eq!(gen.report.totals.typed_operations, 0);
    assert_eq!(
        gen.report.missing_schema_files,
        ["rest_widget", "rest_widget-post"]
    );
}
