//! The upstream quirks the generator copes with, and bad input it reports without panicking.

mod common;

use alma_codegen::ir::{ParamIn, Scalar, ScalarType};
use alma_codegen::Error;
use common::*;

const PARAMS_SPEC: &str = r##"{
  "/almaws/v1/conf": {},
  "/almaws/v1/conf/libraries/{libraryCode}/desks/": {"get": {
    "operationId": "get/almaws/v1/conf/libraries/{libraryCode}/desks/",
    "parameters": [
      {"name": "libraryCode", "in": "path", "required": true, "schema": {"type": "string"}},
      {"name": "limit", "in": "query", "schema": {"type": "integer", "default": "10"}},
      {"name": "full", "in": "query", "schema": {"type": "boolean", "default": "true"}},
      {"name": "type", "in": "query", "required": true, "schema": {"type": "string", "default": ""}}
    ],
    "responses": {"200": {"description": "OK"}}}}
}"##;

#[test]
fn string_defaults_trailing_slash_placeholders_and_keywords() {
    let p = Project::new("conf.json", &spec(PARAMS_SPEC));
    p.write(
        "specs/corrections.toml",
        r#"[defaults]
coerce_string_defaults = true
skip_empty_path_items = true

[[path]]
area = "test"
from = "/almaws/v1/conf/libraries/{libraryCode}/desks/"
to = "/almaws/v1/conf/libraries/{libraryCode}/desks"
"#,
    );
    let gen = p.generate().unwrap();
    let ops = &gen.api.areas[0].operations;
    assert_eq!(
        ops.len(),
        1,
        "the empty path item /almaws/v1/conf is skipped"
    );
    let op = &ops[0];
    assert_eq!(
        op.path, "/almaws/v1/conf/libraries/{libraryCode}/desks",
        "trailing slash corrected"
    );
    assert_eq!(
        op.spec_path,
        "/almaws/v1/conf/libraries/{libraryCode}/desks/"
    );
    assert_eq!(op.name, "list_desks");
    let p0 = &op.params[0];
    assert_eq!(
        (p0.name.as_str(), p0.rust_name.as_str(), p0.location),
        ("libraryCode", "library_code", ParamIn::Path)
    );
    let limit = op.params.iter().find(|p| p.name == "limit").unwrap();
    assert_eq!(
        (limit.ty, limit.default.clone()),
        (ScalarType::Integer, Some(Scalar::Integer(10)))
    );
    let full = op.params.iter().find(|p| p.name == "full").unwrap();
    assert_eq!(full.default, Some(Scalar::Boolean(true)));
    let ty = op.params.iter().find(|p| p.name == "type").unwrap();
    assert_eq!(ty.rust_name, "type_", "keywords are escaped");
    let code = file(&gen, "src/test/operations.rs");
    assert!(code.contains("library_code: impl Into<String>,"), "{code}");
    assert!(code.contains("type_: impl Into<String>,"), "{code}");
    assert!(
        code.contains(r#".path_param("libraryCode", library_code.into())"#),
        "{code}"
    );
    assert!(
        code.contains(r#"path: "/almaws/v1/conf/libraries/{libraryCode}/desks","#),
        "{code}"
    );
    assert!(
        code.contains("pub fn limit(mut self, limit: i64) -> Self"),
        "{code}"
    );
    assert!(code.contains("Default: `10`."), "{code}");
}

#[test]
fn string_defaults_without_the_correction_are_reported() {
    let p = Project::new("conf.json", &spec(PARAMS_SPEC));
    p.write(
        "specs/corrections.toml",
        "[defaults]\nskip_empty_path_items = true\n",
    );
    let err = p.generate().err().expect("must fail").to_string();
    assert!(err.contains("conf.json#/paths/~1almaws~1v1~1conf~1libraries~1{libraryCode}~1desks~1/get/parameters/1/schema/default"), "{err}");
    assert!(err.contains("\"limit\""), "{err}");
    assert!(
        err.contains("GET /almaws/v1/conf/libraries/{libraryCode}/desks/"),
        "{err}"
    );
}

#[test]
fn unparsable_default_names_the_parameter() {
    let bad = PARAMS_SPEC.replace(r#""default": "10""#, r#""default": "ten""#);
    let err = Project::new("conf.json", &spec(&bad))
        .generate()
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains(r#"default "ten" is not an integer"#), "{err}");
}

#[test]
fn malformed_json_names_the_file() {
    let p = Project::new("conf.json", "{\"openapi\": \"3.0.1\", \"paths\": {");
    let err = p.generate().err().unwrap();
    assert!(matches!(err, Error::Parse { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("mirror/openapi/conf.json"), "{msg}");
    assert!(msg.contains("line 1"), "{msg}");
}

#[test]
fn malformed_yaml_names_the_file() {
    let p = Project::new("t.yaml", "openapi: 3.0.1\npaths:\n  - [unbalanced\n");
    let msg = p.generate().err().unwrap().to_string();
    assert!(msg.contains("mirror/openapi/t.yaml"), "{msg}");
}

#[test]
fn structural_errors_name_the_pointer() {
    let cases = [
        (r#"{"openapi": "3.0.1"}"#, "#/paths", "missing"),
        (
            &spec(r#"{"/almaws/v1/x": []}"#) as &str,
            "#/paths/~1almaws~1v1~1x",
            "not an object",
        ),
        (
            &spec(r#"{"/almaws/v1/x": {"patch": {}}}"#),
            "#/paths/~1almaws~1v1~1x/patch",
            "unsupported path item key",
        ),
        (
            &spec(r#"{"/almaws/v1/x/{id}": {"get": {"responses": {}}}}"#),
            "GET /almaws/v1/x/{id}",
            "has no path parameter",
        ),
        (
            &spec(
                r#"{"/almaws/v1/x": {"get": {"parameters": [{"name": "h", "in": "header"}], "responses": {}}}}"#,
            ),
            "#/paths/~1almaws~1v1~1x/get/parameters/0",
            "unsupported location",
        ),
        (
            &spec(
                r#"{"/almaws/v1/x": {"get": {"responses": {"200": {"description": "", "content": {"application/json": {"schema": {"$ref": "ftp://x/y.txt"}}}}}}}}"#,
            ),
            "#/paths/~1almaws~1v1~1x/get/responses/200/content/application~1json/schema",
            "unsupported $ref",
        ),
        (
            &spec(
                r##"{"/almaws/v1/x": {"get": {"responses": {"200": {"description": "", "content": {"application/json": {"schema": {"$ref": "#/nowhere"}}}}}}}}"##,
            ),
            "#/nowhere",
            "does not exist",
        ),
    ];
    for (doc, place, what) in cases {
        let msg = Project::new("a.json", doc)
            .generate()
            .err()
            .unwrap_or_else(|| panic!("{doc} must fail"))
            .to_string();
        assert!(
            msg.contains(place) && msg.contains(what),
            "expected {place:?} and {what:?} in: {msg}"
        );
    }
}

#[test]
fn colliding_names_get_parent_qualifiers_or_an_error() {
    let p = Project::new(
        "a.json",
        &spec(
            r#"{
        "/almaws/v1/bibs/{mms_id}/loans": {"get": {"parameters": [{"name": "mms_id", "in": "path", "schema": {"type": "string"}}], "responses": {}}},
        "/almaws/v1/bibs/{mms_id}/items/{item_id}/loans": {"get": {"parameters": [
            {"name": "mms_id", "in": "path", "schema": {"type": "string"}},
            {"name": "item_id", "in": "path", "schema": {"type": "string"}}], "responses": {}}}}"#,
        ),
    );
    let gen = p.generate().unwrap();
    let mut names: Vec<_> = gen.api.areas[0]
        .operations
        .iter()
        .map(|o| o.name.clone())
        .collect();
    names.sort();
    assert_eq!(names, ["list_bib_loans", "list_item_loans"]);

    // Same shape twice with no parent to tell them apart: the error asks for naming.toml.
    let p = Project::new(
        "a.json",
        &spec(
            r#"{"/almaws/v1/loans": {"get": {"responses": {}}}, "/almaws/v1/loans/": {"get": {"responses": {}}}}"#,
        ),
    );
    let msg = p.generate().err().unwrap().to_string();
    assert!(
        msg.contains("list_loans") && msg.contains("specs/naming.toml"),
        "{msg}"
    );

    p.write(
        "specs/naming.toml",
        "[test]\n\"GET /almaws/v1/loans/\" = \"list_loans_again\"\n",
    );
    let gen = p.generate().unwrap();
    assert!(gen.api.areas[0]
        .operations
        .iter()
        .any(|o| o.name == "list_loans_again"));
}

#[test]
fn bad_config_is_reported_with_its_file() {
    let p = Project::new("a.json", &spec("{}"));
    p.write(
        "specs/corrections.toml",
        "[[path]]\narea = \"nope\"\nfrom = \"/a\"\nto = \"/b\"\n",
    );
    let msg = p.generate().err().unwrap().to_string();
    assert!(
        msg.contains("corrections.toml") && msg.contains("unknown area"),
        "{msg}"
    );
    p.write("specs/corrections.toml", "[defaults]\nbogus = true\n");
    let msg = p.generate().err().unwrap().to_string();
    assert!(
        msg.contains("corrections.toml") && msg.contains("bogus"),
        "{msg}"
    );
}

#[test]
fn no_spec_directory_says_where_it_looked() {
    let p = Project::new("a.json", &spec("{}"));
    std::fs::remove_dir_all(p.spec_dir()).unwrap();
    let msg = p.generate().err().unwrap().to_string();
    assert!(
        msg.contains("no spec directory found") && msg.contains("mirror"),
        "{msg}"
    );
}
