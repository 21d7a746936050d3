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
                r#"{"/almaws/v1/x": {"get": {"parameters": [{"name": "h", "in": "header", "schema": {"type": "string"}}], "responses": {}}}}"#,
            ),
            "#/paths/~1almaws~1v1~1x/get/parameters/0",
            "unsupported location",
        ),
        (
            &spec(
                r#"{"/almaws/v1/x": {"get": {"parameters": [{"name": "q", "in": "query"}], "responses": {}}}}"#,
            ),
            "#/paths/~1almaws~1v1~1x/get/parameters/0",
            "a parameter needs a `schema` or a `content`",
        ),
        (
            &spec(r#"{"/almaws/v1/x": {"get": {"summary": 5, "responses": {}}}}"#),
            "#/paths/~1almaws~1v1~1x/get/summary",
            "not valid OpenAPI 3.0 here",
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

/// A list whose schema file is unpublished is derived from its item by Alma's list convention, but
/// only when `specs/corrections.toml` names it; an entry that derives nothing is reported stale.
#[test]
fn lists_are_derived_from_their_item_only_where_the_corrections_say() {
    let mut paths: serde_json::Value = serde_json::from_str(&get_returning(
        "/almaws/v1/things",
        r##"{"$ref": "./rest_things.json#/rest_things"}"##,
    ))
    .unwrap();
    let others: serde_json::Value = serde_json::from_str(&get_returning(
        "/almaws/v1/others",
        r##"{"$ref": "./rest_others.json#/rest_others"}"##,
    ))
    .unwrap();
    paths["/almaws/v1/others"] = others["/almaws/v1/others"].clone();
    let p = Project::new("conf.json", &spec(&paths.to_string()));
    p.schema(
        "rest_thing",
        r##"{"rest_thing": {"$ref": "#/thing"},
            "thing": {"type": "object", "xml": {"name": "thing"}, "properties": {"code": {"type": "string"}}}}"##,
    );
    p.write(
        "specs/corrections.toml",
        "[derived_lists.lists]\nrest_things = \"rest_thing\"\nrest_gone = \"rest_thing\"\n",
    );
    let gen = p.generate().unwrap();
    let things = gen
        .api
        .models
        .values()
        .find(|m| m.name == "Things")
        .expect("a derived Things model");
    assert_eq!(things.source, alma_codegen::ir::ModelSource::Derived);
    assert_eq!(things.xml_name.as_deref(), Some("things"));
    let alma_codegen::ir::ModelKind::Struct { fields } = &things.kind else {
        panic!("not a struct")
    };
    let names: Vec<_> = fields
        .iter()
        .map(|f| (f.name.as_str(), f.xml.attribute))
        .collect();
    assert_eq!(names, [("thing", false), ("total_record_count", true)]);
    // Not named in the corrections: stays untyped.
    assert!(gen
        .report
        .untyped_operations
        .iter()
        .any(|o| o.operation == "GET /almaws/v1/others"
            && o.causes[0].contains("model unpublished (`rest_others`)")));
    assert_eq!(
        gen.stale_corrections.len(),
        1,
        "{:?}",
        gen.stale_corrections
    );
    assert!(gen.stale_corrections[0].contains("rest_gone"));
    let report = file(&gen, "codegen-report.json");
    assert!(report.contains(r#""source": "derived""#), "{report}");
}

/// A body whose schema is an array at the top level (`rest_open_days`) is a model with one list
/// field named after the items.
#[test]
fn a_top_level_array_body_is_a_model_with_one_list() {
    let p = Project::new(
        "conf.json",
        &spec(&get_returning(
            "/almaws/v1/days",
            r##"{"$ref": "./rest_open_days.json#/rest_open_days"}"##,
        )),
    );
    p.schema(
        "rest_open_days",
        r##"{"rest_open_days": {"$ref": "#/days"},
            "days": {"type": "array", "xml": {"wrapped": true, "name": "days"},
                     "items": {"$ref": "#/day", "xml": {"name": "day"}}},
            "day": {"type": "object", "xml": {"name": "day"}, "properties": {"date": {"type": "string"}}}}"##,
    );
    let gen = p.generate().unwrap();
    let op = &gen.api.areas[0].operations[0];
    assert!(op.is_typed());
    let days = gen
        .api
        .models
        .values()
        .find(|m| m.name == "Days")
        .expect("Days");
    assert_eq!(days.xml_name.as_deref(), Some("days"));
    let alma_codegen::ir::ModelKind::Struct { fields } = &days.kind else {
        panic!()
    };
    assert_eq!(fields.len(), 1);
    assert_eq!(
        (fields[0].name.as_str(), fields[0].xml.name.as_str()),
        ("day", "day")
    );
    assert!(matches!(fields[0].ty, alma_codegen::ir::TypeRef::Array(_)));
}

const ENUM_PARAMS_SPEC: &str = r##"{
  "/almaws/v1/things": {"get": {
    "parameters": [
      {"name": "status", "in": "query", "description": "Status. Optional. Valid values are ACTIVE, INACTIVE, OTHER. Default: all.", "schema": {"type": "string"}},
      {"name": "direction", "in": "query", "description": "The sort direction of desc (default) or asc.", "schema": {"type": "string"}},
      {"name": "kind", "in": "query", "schema": {"type": "string", "enum": ["a", "b"]}},
      {"name": "expand", "in": "query", "description": "Comma separated list. Possible values: x, y", "schema": {"type": "string"}},
      {"name": "limit", "in": "query", "description": "Valid values are 0-100.", "schema": {"type": "integer"}}
    ],
    "responses": {"200": {"description": "OK"}}}},
  "/almaws/v1/things/{id}": {"post": {
    "parameters": [
      {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
      {"name": "op", "in": "query", "required": true, "description": "The operation. Currently only op=renew is supported.", "schema": {"type": "string"}},
      {"name": "direction", "in": "query", "description": "Direction: asc or desc.", "schema": {"type": "string"}}
    ],
    "responses": {"200": {"description": "OK"}}}}
}"##;

/// Enumerated query parameters: from the schema's `enum`, from the description's list, from an
/// explicit correction for prose; one type per (parameter, values) in an area; comma-separated
/// lists and non-strings stay as they are; an explicit entry that matches nothing is stale.
#[test]
fn enumerated_query_parameters_become_open_enums() {
    let p = Project::new("conf.json", &spec(ENUM_PARAMS_SPEC));
    p.write(
        "specs/corrections.toml",
        r#"[param_values]
from_descriptions = true

[[param_values.explicit]]
area = "test"
param = "direction"
values = ["asc", "desc"]
why = "prose"

[[param_values.explicit]]
area = "test"
param = "gone"
values = ["x"]
why = "matches nothing"
"#,
    );
    let gen = p.generate().unwrap();
    let area = &gen.api.areas[0];
    let of = |op: usize, name: &str| {
        area.operations[op]
            .params
            .iter()
            .find(|p| p.name == name)
            .unwrap()
            .enum_type
            .clone()
    };
    let list = area
        .operations
        .iter()
        .position(|o| o.method == alma_codegen::ir::HttpMethod::Get)
        .unwrap();
    let post = 1 - list;
    let list_name = area.operations[list].name.clone();
    let pascal = |s: &str| alma_codegen::naming::type_ident(s);
    assert_eq!(
        of(list, "status"),
        Some(pascal(&format!("{list_name}_status")))
    );
    assert_eq!(of(list, "kind"), Some(pascal(&format!("{list_name}_kind"))));
    assert_eq!(
        of(list, "expand"),
        None,
        "a comma-separated list stays a string"
    );
    assert_eq!(of(list, "limit"), None, "an integer stays an integer");
    // Both operations take the same `direction` values: one type, named after the parameter.
    assert_eq!(of(list, "direction").as_deref(), Some("Direction"));
    assert_eq!(of(post, "direction").as_deref(), Some("Direction"));
    // `op` has one documented value ("Currently only op=renew is supported."): the method sends
    // it itself (`lower/prose.rs`), so no enum is left for it.
    let op = area.operations[post]
        .params
        .iter()
        .find(|p| p.name == "op")
        .unwrap();
    assert_eq!(op.fixed.as_deref(), Some("renew"));
    assert_eq!(op.enum_type, None);
    let e = |name: &str| area.param_enums.iter().find(|e| e.name == name).unwrap();
    use alma_codegen::ir::ValuesSource;
    let wires = |name: &str| {
        e(name)
            .values
            .iter()
            .map(|v| (v.wire.clone(), v.variant.clone()))
            .collect::<Vec<_>>()
    };
    assert!(!area.param_enums.iter().any(|e| e.param == "op"));
    assert_eq!(e("Direction").source, ValuesSource::Correction);
    assert_eq!(e(&of(list, "kind").unwrap()).source, ValuesSource::Schema);
    let status = of(list, "status").unwrap();
    assert_eq!(
        wires(&status)
            .into_iter()
            .map(|(_, v)| v)
            .collect::<Vec<_>>(),
        ["Active", "Inactive", "Other_"],
        "a value named Other does not clash with the unknown-value case"
    );
    assert!(
        gen.stale_corrections.iter().any(|s| s.contains("\"gone\"")),
        "{:?}",
        gen.stale_corrections
    );
    let ops = file(&gen, "src/test/operations.rs");
    assert!(!ops.contains("op: impl Into<"), "{ops}");
    assert!(
        ops.contains(".query(\"op\", \"renew\".to_owned())"),
        "{ops}"
    );
    // The enums compile without the client (`enums.rs`), the operations with it.
    let enums = file(&gen, "src/test/enums.rs");
    assert!(enums.contains("pub enum Direction"), "{enums}");
    assert!(enums.contains("Other(String)"), "{enums}");
    assert!(!ops.contains("pub enum Direction"), "{ops}");
}

const PROSE_SPEC: &str = r##"{
  "/almaws/v1/things/{id}": {
    "get": {
      "parameters": [
        {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
        {"name": "from", "in": "query", "required": true, "description": "From this date. Optional.", "schema": {"type": "string"}},
        {"name": "level", "in": "query", "required": false, "description": "The level. Mandatory.", "schema": {"type": "string"}}
      ],
      "responses": {"200": {"description": "OK"}}},
    "post": {
      "description": "Acts on a thing. Success will result with an HTTP 204 (success - no content) response.",
      "parameters": [
        {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
        {"name": "op", "in": "query", "required": true, "description": "The operation. Options are open or close.", "schema": {"type": "string"}},
        {"name": "password", "in": "query", "required": true, "description": "The password. Relevant and mandatory for op=open. Alternatively the password can be sent, URL-encoded, in the header named Exl-Thing-Pw.", "schema": {"type": "string"}},
        {"name": "reason", "in": "query", "description": "Why. Relevant for op=close", "schema": {"type": "string"}}
      ],
      "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}}}
  },
  "/almaws/v1/things/{id}/scan": {
    "post": {
      "parameters": [
        {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
        {"name": "op", "in": "query", "required": true, "description": "Currently, only option is: scan.", "schema": {"type": "string"}},
        {"name": "desk", "in": "query", "required": true, "description": "The desk. Send either this parameter or the department parameter.", "schema": {"type": "string"}},
        {"name": "department", "in": "query", "required": true, "description": "The department. Send either this parameter or the desk parameter.", "schema": {"type": "string"}},
        {"name": "done", "in": "query", "description": "Done. Only relevant when department parameter is sent.", "schema": {"type": "string"}},
        {"name": "password", "in": "query", "description": "A password.", "schema": {"type": "string"}}
      ],
      "responses": {"200": {"description": "OK"}}}
  }
}"##;

/// Alma's prose over the spec's flags (`lower/prose.rs`): "Optional." and "Mandatory.", an
/// either/or group and what goes with one member, `op` values with their own parameters, a
/// password moved to its header, a one-value `op` sent by the method, a 204 answer; each with
/// the sentence it came from, and the emitted methods follow.
#[test]
fn prose_overrules_the_spec_flags() {
    let p = Project::new("conf.json", &spec(PROSE_SPEC));
    p.write(
        "specs/corrections.toml",
        "[param_values]\nfrom_descriptions = true\n",
    );
    let gen = p.generate().unwrap();
    let area = &gen.api.areas[0];
    let op = |m: alma_codegen::ir::HttpMethod, path: &str| {
        area.operations
            .iter()
            .find(|o| o.method == m && o.spec_path == path)
            .unwrap()
    };
    let param = |o: &alma_codegen::ir::Operation, n: &str| {
        o.params.iter().find(|p| p.name == n).unwrap().clone()
    };
    use alma_codegen::ir::{HttpMethod, ProseKind};
    let get = op(HttpMethod::Get, "/almaws/v1/things/{id}");
    assert!(!param(get, "from").required);
    assert!(param(get, "level").required);
    let kinds: Vec<(Option<&str>, ProseKind, &str)> = get
        .prose
        .iter()
        .map(|d| (d.param.as_deref(), d.kind, d.quote.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            (Some("from"), ProseKind::RequiredToOptional, "Optional."),
            (Some("level"), ProseKind::OptionalToRequired, "Mandatory."),
        ]
    );

    let post = op(HttpMethod::Post, "/almaws/v1/things/{id}");
    assert!(post.no_content && post.response.is_none());
    let pw = param(post, "password");
    assert_eq!(pw.location, ParamIn::Header);
    assert_eq!(pw.header.as_deref(), Some("Exl-Thing-Pw"));
    assert!(pw.secret && pw.url_encoded && !pw.required, "{pw:?}");
    let [choice] = post.choices.as_slice() else {
        panic!("{:?}", post.choices)
    };
    assert_eq!(choice.selector.as_deref(), Some("op"));
    let ways: Vec<(&str, Vec<&str>, Vec<&str>)> = choice
        .variants
        .iter()
        .map(|v| {
            (
                v.value.as_deref().unwrap(),
                v.required.iter().map(String::as_str).collect(),
                v.optional.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        ways,
        [
            ("open", vec!["password"], vec![]),
            ("close", vec![], vec!["reason"])
        ]
    );

    let scan = op(HttpMethod::Post, "/almaws/v1/things/{id}/scan");
    assert_eq!(param(scan, "op").fixed.as_deref(), Some("scan"));
    let [either] = scan.choices.as_slice() else {
        panic!("{:?}", scan.choices)
    };
    assert_eq!(either.selector, None);
    assert_eq!(either.variants[0].required, ["desk"]);
    assert_eq!(either.variants[1].required, ["department"]);
    assert_eq!(either.variants[1].optional, ["done"]);
    assert!(!param(scan, "desk").required && !param(scan, "department").required);
    // A password the prose offers no header for: sent in the query, as a `Secret`, and listed
    // as left with the reason.
    assert!(param(scan, "password").secret);
    assert!(scan
        .prose
        .iter()
        .any(|d| d.param.as_deref() == Some("password") && d.kind == ProseKind::Left));

    // The report lists each decision with its sentence; the methods follow the IR.
    let report = &gen.report.prose;
    assert_eq!(report.counts.get("either/or"), Some(&1));
    assert!(
        report
            .line()
            .starts_with("prose: 1 required→optional, 1 optional→required, 1 either/or"),
        "{}",
        report.line()
    );
    let ops = file(&gen, "src/test/operations.rs");
    assert!(
        ops.contains(".secret_header(\"Exl-Thing-Pw\", password, true)"),
        "{ops}"
    );
    assert!(!ops.contains(".query(\"password\""), "{ops}");
    assert!(ops.contains(".query(\"op\", \"scan\".to_owned())"), "{ops}");
    assert!(
        ops.contains("pub fn password(mut self, password: impl Into<alma_runtime::Secret>)"),
        "{ops}"
    );
    assert!(
        ops.contains("alma_runtime::Secret::expose(&password.into())"),
        "{ops}"
    );
    assert!(ops.contains("alma_runtime::ResponseFuture<()>"), "{ops}");
    let enums = file(&gen, "src/test/enums.rs");
    assert!(enums.contains("password: alma_runtime::Secret"), "{enums}");
    assert!(
        enums.contains("pub fn department(department: impl Into<String>) -> Self"),
        "{enums}"
    );
}
