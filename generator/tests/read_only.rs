//! `[[read_only]]`: a write a read-only API key may make, decided in the IR from the prose the
//! entry quotes, and not applied (reported stale) once the prose is gone.

mod common;

use alma_codegen::ir::ReadOnlyAccess;
use common::*;

fn spec_with(description: &str) -> String {
    spec(&format!(
        r##"{{
  "/almaws/v1/users/{{user_id}}": {{"post": {{
    "operationId": "post/almaws/v1/users/{{user_id}}",
    "description": "{description}",
    "parameters": [
      {{"name": "user_id", "in": "path", "required": true, "schema": {{"type": "string"}}}},
      {{"name": "op", "in": "query", "schema": {{"type": "string", "default": "auth"}}}}
    ],
    "responses": {{"204": {{"description": "OK"}}}}}},
  "get": {{"operationId": "get/almaws/v1/users/{{user_id}}",
    "parameters": [{{"name": "user_id", "in": "path", "required": true, "schema": {{"type": "string"}}}}],
    "responses": {{"200": {{"description": "OK"}}}}}}}}
}}"##
    ))
}

const CORRECTION: &str = r#"[[read_only]]
area = "test"
operation = "POST /almaws/v1/users/{user_id}"
param = "op"
values = ["auth"]
quote = "the authentication operation is allowed also for API-keys which are configured to allow read-only access"
"#;

#[test]
fn the_quoted_prose_decides_which_writes_a_read_only_key_may_make() {
    let p = Project::new(
        "test.json",
        &spec_with("Authenticates. Note: the authentication operation is allowed also for API-keys which are\\n configured to allow read-only access."),
    );
    p.write("specs/corrections.toml", CORRECTION);
    let gen = p.generate().unwrap();
    let ops = &gen.api.areas[0].operations;
    let post = ops.iter().find(|o| o.method.as_str() == "POST").unwrap();
    assert_eq!(
        post.read_only,
        ReadOnlyAccess::When {
            param: "op".into(),
            values: vec!["auth".into()],
            absent: true
        },
        "the default is auth: leaving op out authenticates too"
    );
    let get = ops.iter().find(|o| o.method.as_str() == "GET").unwrap();
    assert_eq!(get.read_only, ReadOnlyAccess::Allowed);
    assert!(
        gen.stale_corrections.is_empty(),
        "{:?}",
        gen.stale_corrections
    );
    let code = file(&gen, "src/test/operations.rs");
    assert!(code.contains("values: &[\"auth\"]"), "{code}");
}

#[test]
fn without_the_prose_the_write_stays_a_write() {
    let p = Project::new("test.json", &spec_with("Authenticates a user."));
    p.write("specs/corrections.toml", CORRECTION);
    let gen = p.generate().unwrap();
    let post = gen.api.areas[0]
        .operations
        .iter()
        .find(|o| o.method.as_str() == "POST")
        .unwrap();
    assert_eq!(post.read_only, ReadOnlyAccess::Denied);
    assert!(
        gen.stale_corrections
            .iter()
            .any(|s| s.contains("[[read_only]]") && s.contains("no longer says")),
        "{:?}",
        gen.stale_corrections
    );
}
