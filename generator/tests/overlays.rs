//! Overlays: operations Ex Libris documents only in prose, added from an OpenAPI fragment of ours
//! (`[[overlay]]` in `specs/corrections.toml`), merged by the loader, reported and stale-checked.

mod common;

use common::*;

const SPEC: &str = r##"{
  "/almaws/v1/things/{thing_id}": {"get": {
    "operationId": "get/almaws/v1/things/{thing_id}",
    "description": "Returns a thing. It is also possible to retrieve a thing by code using: GET /almaws/v1/things?code={code}.",
    "parameters": [{"name": "thing_id", "in": "path", "required": true, "schema": {"type": "string"}}],
    "responses": {"200": {"description": "OK"}}}}
}"##;

const FRAGMENT: &str = r##"# "It is also possible to retrieve a thing by code using: GET /almaws/v1/things?code={code}."
paths:
  /almaws/v1/things:
    get:
      operationId: get/almaws/v1/things
      x-alma-documented-at: GET /almaws/v1/things/{thing_id}
      parameters:
        - {name: code, in: query, required: true, schema: {type: string}}
      responses:
        "200": {description: OK}
"##;

fn project(spec_json: &str, quote: &str) -> Project {
    let p = Project::new("test.json", &spec(spec_json));
    p.write("specs/overlays/by-code.yaml", FRAGMENT);
    p.write(
        "specs/corrections.toml",
        &format!(
            "[[overlay]]\narea = \"test\"\nfile = \"overlays/by-code.yaml\"\nsource = \"GET /almaws/v1/things/{{thing_id}}\"\nquote = \"{quote}\"\n"
        ),
    );
    p.write(
        "specs/naming.toml",
        "[test]\n\"GET /almaws/v1/things\" = \"get_thing_by_code\"\n",
    );
    p
}

const QUOTE: &str =
    "It is also possible to retrieve a thing by code using: GET /almaws/v1/things?code={code}.";

#[test]
fn an_overlay_adds_its_operation_and_says_so() {
    let p = project(SPEC, QUOTE);
    let gen = p.generate().unwrap();
    let ops = &gen.api.areas[0].operations;
    let op = ops.iter().find(|o| o.name == "get_thing_by_code").unwrap();
    assert_eq!(op.overlay.as_deref(), Some("specs/overlays/by-code.yaml"));
    assert!(op.params.iter().any(|p| p.name == "code" && p.required));
    // Documented on the page of the operation whose prose describes it.
    let upstream = ops.iter().find(|o| o.name != "get_thing_by_code").unwrap();
    assert_eq!(op.doc_url, upstream.doc_url);
    assert!(
        gen.stale_corrections.is_empty(),
        "{:?}",
        gen.stale_corrections
    );
    let report = file(&gen, "codegen-report.json");
    assert!(
        report.contains(r#""test.get_thing_by_code": "specs/overlays/by-code.yaml""#),
        "{report}"
    );
    // The changelog of a generation that adds the overlay says where the operation comes from.
    let before = Project::new("test.json", &spec(SPEC));
    let first = before.generate().unwrap();
    let gen = p.generate_after(&first).unwrap();
    let changes = file(&gen, "CHANGES.md");
    assert!(
        changes.contains("added operation `get_thing_by_code` (`GET /almaws/v1/things`, from our overlay `specs/overlays/by-code.yaml`"),
        "{changes}"
    );
}

#[test]
fn an_overlay_is_stale_when_the_spec_has_the_operation_or_drops_the_prose() {
    // Ex Libris published the operation: upstream's is used, the overlay reported.
    let mut with: serde_json::Value = serde_json::from_str(SPEC).unwrap();
    with["/almaws/v1/things"] = serde_json::json!({"get": {
        "operationId": "get/almaws/v1/things",
        "parameters": [{"name": "code", "in": "query", "required": true, "schema": {"type": "string"}},
                       {"name": "upstream", "in": "query", "schema": {"type": "string"}}],
        "responses": {"200": {"description": "OK"}}}});
    let gen = project(&with.to_string(), QUOTE).generate().unwrap();
    let op = gen.api.areas[0]
        .operations
        .iter()
        .find(|o| o.path == "/almaws/v1/things")
        .unwrap();
    assert!(op.overlay.is_none() && op.params.iter().any(|p| p.name == "upstream"));
    assert!(
        gen.stale_corrections
            .iter()
            .any(|s| s.contains("by-code.yaml") && s.contains("has GET /almaws/v1/things itself")),
        "{:?}",
        gen.stale_corrections
    );
    // The prose changed: the addition is still made, and reported for a check.
    let changed = SPEC.replace("It is also possible", "It was once possible");
    let gen = project(&changed, QUOTE).generate().unwrap();
    assert!(gen.api.areas[0]
        .operations
        .iter()
        .any(|o| o.overlay.is_some()));
    assert!(
        gen.stale_corrections
            .iter()
            .any(|s| s.contains("no longer says what the overlay quotes")),
        "{:?}",
        gen.stale_corrections
    );
}

#[test]
fn a_bad_overlay_is_a_clear_error() {
    let p = project(SPEC, QUOTE);
    p.write("specs/overlays/by-code.yaml", "paths: {}\ncomponents: {}\n");
    let e = p.generate().err().expect("must fail").to_string();
    assert!(
        e.contains("by-code.yaml") && e.contains("only `paths`"),
        "{e}"
    );
    let p = project(SPEC, QUOTE);
    p.write("specs/overlays/by-code.yaml", "paths: [1\n");
    let e = p.generate().err().expect("must fail").to_string();
    assert!(
        e.contains("by-code.yaml") && e.contains("not a YAML/JSON OpenAPI fragment"),
        "{e}"
    );
    let p = project(SPEC, QUOTE);
    std::fs::remove_file(p.root().join("specs/overlays/by-code.yaml")).unwrap();
    let e = p.generate().err().expect("must fail").to_string();
    assert!(e.contains("by-code.yaml"), "{e}");
    let p = project(SPEC, QUOTE);
    p.write(
        "specs/corrections.toml",
        "[[overlay]]\narea = \"nope\"\nfile = \"overlays/by-code.yaml\"\nsource = \"GET /x\"\nquote = \"q\"\n",
    );
    let e = p.generate().err().expect("must fail").to_string();
    assert!(e.contains("unknown area \"nope\""), "{e}");
}
