//! Golden files: the emitted code for a small spec, reviewed as snapshots (`cargo insta review`).

mod common;

use common::*;

const URL: &str = "https://developers.exlibrisgroup.com/wp-content/uploads/alma/openapi/schemas";

fn project() -> Project {
    let p = Project::new(
        "test.json",
        &spec(&format!(
            r##"{{
  "/almaws/v1/test/widgets/{{widget_id}}": {{
    "get": {{
      "summary": "Retrieve Widget",
      "description": "Returns one widget. See [docs](/alma/apis/docs/xsd/rest_widget.xsd).",
      "parameters": [
        {{"name": "widget_id", "in": "path", "required": true, "schema": {{"type": "string"}}, "description": "The widget id."}},
        {{"name": "view", "in": "query", "schema": {{"type": "string", "default": "full"}}, "description": "brief or full"}},
        {{"name": "limit", "in": "query", "schema": {{"type": "integer", "default": "10"}}}}
      ],
      "responses": {{
        "200": {{"description": "OK", "content": {{
          "application/json": {{"schema": {{"$ref": "{URL}/rest_widget.json#/rest_widget"}}}},
          "application/xml": {{"schema": {{"$ref": "{URL}/rest_widget.json#/rest_widget"}}}}}}}},
        "400": {{"description": "Bad Request\n\n401652 - 'Widget not found.'"}}
      }}
    }},
    "put": {{
      "summary": "Update Widget",
      "parameters": [{{"name": "widget_id", "in": "path", "required": true, "schema": {{"type": "string"}}}}],
      "requestBody": {{"content": {{"application/xml": {{"schema": {{"$ref": "{URL}/rest_widget.json#/rest_widget"}}}}}}}},
      "responses": {{"200": {{"description": "OK", "content": {{
          "application/json": {{"schema": {{"$ref": "{URL}/rest_widget.json#/rest_widget"}}}}}}}}}}
    }}
  }}
}}"##
        )),
    );
    p.schema(
        "rest_widget",
        r##"{
  "rest_widget": {"$ref": "#/widget"},
  "widget": {
    "description": "A widget <b>object</b>.",
    "type": "object",
    "required": ["code"],
    "xml": {"name": "widget"},
    "properties": {
      "link": {"type": "string", "xml": {"attribute": true}},
      "code": {"type": "string", "example": "W1", "description": "Widget code."},
      "active": {"type": "boolean"},
      "price": {"type": "number"},
      "status": {"type": "object", "properties": {
        "value": {"type": "string", "xml": {"name": "xml_value"}},
        "desc": {"type": "string", "xml": {"attribute": true}}}},
      "kind": {"type": "string", "enum": ["BIG", "small", "Other"]},
      "part": {"$ref": "#/parts"},
      "note": {"type": "object", "properties": {"text": {"type": "string"}}}
    }
  },
  "parts": {"type": "array", "xml": {"wrapped": true, "name": "parts"},
            "items": {"$ref": "#/part", "xml": {"name": "part"}}},
  "part": {"type": "object", "properties": {"id": {"type": "integer"}}}
}"##,
    );
    p
}

#[test]
fn emitted_models() {
    let gen = project().generate().unwrap();
    insta::assert_snapshot!(file(&gen, "src/test/models.rs"));
}

#[test]
fn emitted_operations() {
    let gen = project().generate().unwrap();
    insta::assert_snapshot!(file(&gen, "src/test/operations.rs"));
}

/// Parameter and error-code enums: in `enums.rs`, compiled without the `client` feature.
#[test]
fn emitted_enums() {
    let gen = project().generate().unwrap();
    insta::assert_snapshot!(file(&gen, "src/test/enums.rs"));
}

#[test]
fn emitted_crate_root_and_manifest() {
    let gen = project().generate().unwrap();
    insta::assert_snapshot!("lib_rs", file(&gen, "src/lib.rs"));
    insta::assert_snapshot!("cargo_toml", file(&gen, "Cargo.toml"));
}

#[test]
fn output_is_deterministic() {
    let a = project().generate().unwrap();
    let b = project().generate().unwrap();
    assert_eq!(a.files, b.files);
    for f in &a.files {
        let header = if f.path.ends_with(".rs") {
            "// DO NOT EDIT."
        } else if f.path.ends_with(".toml") {
            "# DO NOT EDIT."
        } else {
            ""
        };
        if !header.is_empty() {
            assert!(f.contents.starts_with(header), "{} has no header", f.path);
            assert!(
                f.contents.contains(&a.api.spec_sha256),
                "{} does not name the spec hash",
                f.path
            );
        }
    }
}

#[test]
fn models_can_be_named_by_hand() {
    let p = project();
    let id = "schemas/rest_widget.json#/widget/properties/note";
    p.write(
        "specs/naming.toml",
        &format!("[models]\n{id:?} = \"WidgetRemark\"\n"),
    );
    let gen = p.generate().unwrap();
    let models = file(&gen, "src/test/models.rs");
    assert!(models.contains("pub struct WidgetRemark {"), "{models}");
    assert!(models.contains("pub note: Option<crate::test::models::WidgetRemark>,"));
    assert!(!models.contains("WidgetNote"));

    // A stale or misspelt entry is an error naming the file and the entry, not ignored.
    p.write(
        "specs/naming.toml",
        "[models]\n\"schemas/rest_widget.json#/nope\" = \"Nope\"\n",
    );
    let msg = p.generate().err().unwrap().to_string();
    assert!(
        msg.contains("naming.toml") && msg.contains("#/nope") && msg.contains("no model"),
        "{msg}"
    );
    p.write(
        "specs/naming.toml",
        &format!("[models]\n{id:?} = \"widget_remark\"\n"),
    );
    let msg = p.generate().err().unwrap().to_string();
    assert!(msg.contains("not an UpperCamelCase type name"), "{msg}");
}
