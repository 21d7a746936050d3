//! `generated/CHANGES.md`: what a regeneration changed in the API surface.

mod common;

use common::*;

const URL: &str = "https://developers.exlibrisgroup.com/wp-content/uploads/alma/openapi/schemas";

fn v1_paths() -> String {
    format!(
        r#"{{
  "/almaws/v1/things": {{"get": {{
      "parameters": [{{"name": "limit", "in": "query", "schema": {{"type": "integer", "default": 10}}}},
                     {{"name": "q", "in": "query", "schema": {{"type": "string"}}}}],
      "responses": {{"200": {{"description": "OK", "content": {{"application/json": {{"schema": {{"$ref": "{URL}/rest_thing.json#/rest_thing"}}}}}}}}}}}}}},
  "/almaws/v1/things/{{id}}": {{"delete": {{
      "parameters": [{{"name": "id", "in": "path", "required": true, "schema": {{"type": "string"}}}}],
      "responses": {{"204": {{"description": "gone"}}}}}}}}
}}"#
    )
}

const THING_V1: &str = r##"{"rest_thing": {"$ref": "#/thing"}, "thing": {"type": "object", "properties": {
    "code": {"type": "string"}, "count": {"type": "integer"}}}}"##;

fn changes_between(v2_paths: &str, thing_v2: &str, extra_schema: Option<(&str, &str)>) -> String {
    let p = Project::new("test.json", &spec(&v1_paths()));
    p.schema("rest_thing", THING_V1);
    let v1 = p.generate().unwrap();
    p.write("mirror/openapi/test.json", &spec(v2_paths));
    p.schema("rest_thing", thing_v2);
    if let Some((name, body)) = extra_schema {
        p.schema(name, body);
    }
    let v2 = p.generate_after(&v1).unwrap();
    file(&v2, "CHANGES.md").to_string()
}

/// A regeneration that changes nothing in the API leaves CHANGES.md byte for byte as it was
/// (`cargo xtask codegen` on a clean checkout leaves `git status` clean), even when the spec
/// inputs changed in ways the API does not show (a description).
#[test]
fn nothing_changed_keeps_the_changelog_as_it_was() {
    let p = Project::new("test.json", &spec(&v1_paths()));
    p.schema("rest_thing", THING_V1);
    let v1 = p.generate().unwrap();
    let first = file(&v1, "CHANGES.md").to_string();
    assert!(first.contains("First generation: 2 operations"), "{first}");
    let again = p.generate_after(&v1).unwrap();
    assert_eq!(file(&again, "CHANGES.md"), first);
    p.write(
        "mirror/openapi/test.json",
        &spec(&v1_paths().replace(
            r#""responses": {"204""#,
            r#""description": "Deletes.", "responses": {"204""#,
        )),
    );
    let described = p.generate_after(&v1).unwrap();
    assert_ne!(described.api.spec_sha256, v1.api.spec_sha256);
    assert_eq!(file(&described, "CHANGES.md"), first);
}

/// An API change adds an entry on top; the earlier entries stay below it, newest first.
#[test]
fn a_change_goes_on_top_of_the_earlier_entries() {
    let p = Project::new("test.json", &spec(&v1_paths()));
    p.schema("rest_thing", THING_V1);
    let v1 = p.generate().unwrap();
    p.write(
        "mirror/openapi/test.json",
        &spec(&v1_paths().replace("/almaws/v1/things/{id}", "/almaws/v1/gone/{id}")),
    );
    let v2 = p.generate_after(&v1).unwrap();
    let text = file(&v2, "CHANGES.md");
    let entries: Vec<&str> = text.split("\n## Spec inputs ").skip(1).collect();
    assert_eq!(entries.len(), 2, "{text}");
    assert!(entries[0].starts_with(&v2.api.spec_sha256[..12]), "{text}");
    assert!(
        entries[0].contains("- added operation `delete_gone`"),
        "{text}"
    );
    assert!(entries[1].starts_with(&v1.api.spec_sha256[..12]), "{text}");
    assert!(entries[1].contains("First generation"), "{text}");
    assert!(text.starts_with("<!-- DO NOT EDIT."), "{text}");
}

#[test]
fn an_operation_removed() {
    let v2 = v1_paths().replace(
        r#""/almaws/v1/things/{id}": {"delete""#,
        r#""/almaws/v1/gone/{id}": {"delete""#,
    );
    let text = changes_between(&v2, THING_V1, None);
    assert!(
        text.contains("- removed operation `delete_thing` (`DELETE /almaws/v1/things/{id}`)"),
        "{text}"
    );
    assert!(text.contains("- added operation `delete_gone`"), "{text}");
}

#[test]
fn a_parameter_made_required_and_its_default_changed() {
    let v2 = v1_paths()
        .replace(
            r#"{"name": "q", "in": "query", "schema""#,
            r#"{"name": "q", "in": "query", "required": true, "schema""#,
        )
        .replace(r#""default": 10"#, r#""default": 25"#);
    let text = changes_between(&v2, THING_V1, None);
    assert!(
        text.contains("- `list_things`: parameter `q` is now required"),
        "{text}"
    );
    assert!(
        text.contains("- `list_things`: parameter `limit` default is now 25 (was 10)"),
        "{text}"
    );
}

#[test]
fn a_field_type_changed_and_a_field_added() {
    let thing = THING_V1.replace(
        r#""count": {"type": "integer"}"#,
        r#""count": {"type": "string"}, "note": {"type": "string"}"#,
    );
    let text = changes_between(&v1_paths(), &thing, None);
    assert!(text.contains("## models"), "{text}");
    assert!(
        text.contains("- `Thing`: field `count` is now string? (was integer?)"),
        "{text}"
    );
    assert!(
        text.contains("- `Thing`: added field `note`: string?"),
        "{text}"
    );
}

#[test]
fn a_model_added_and_an_operation_newly_typed() {
    let v2 = v1_paths().replace(
        r#""responses": {"204": {"description": "gone"}}"#,
        &format!(r#""responses": {{"200": {{"description": "OK", "content": {{"application/json": {{"schema": {{"$ref": "{URL}/rest_receipt.json#/rest_receipt"}}}}}}}}}}"#),
    );
    let text = changes_between(
        &v2,
        THING_V1,
        Some((
            "rest_receipt",
            r##"{"rest_receipt": {"$ref": "#/receipt"}, "receipt": {"type": "object", "properties": {"ok": {"type": "boolean"}}}}"##,
        )),
    );
    assert!(
        text.contains("- added model `Receipt` (json-schema, 1 fields)"),
        "{text}"
    );
    assert!(
        text.contains("- `delete_thing`: response body is now Receipt (was none)"),
        "{text}"
    );
}

#[test]
fn a_realistic_edit_of_the_real_mirror() {
    // The mirror as published, then the same with one upstream-style edit: `users` gains an
    // optional query parameter on GET /users/{user_id}, and a schema file of conf loses a field.
    let root = common::project_root();
    let Some(mirror) = common::mirror() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(&mirror, &dir.path().join("mirror"));
    common::copy_dir(&root.join("specs"), &dir.path().join("specs"));
    let opts = |prev: Option<String>| alma_codegen::Options {
        project_root: dir.path().to_path_buf(),
        specs: Some(dir.path().join("mirror")),
        previous_summary: prev,
        previous_changes: None,
        areas: None,
    };
    let v1 = alma_codegen::generate(&opts(None)).unwrap();
    let users = dir.path().join("mirror/openapi/users.json");
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&users).unwrap()).unwrap();
    doc["paths"]["/almaws/v1/users/{user_id}"]["get"]["parameters"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"name": "include_history", "in": "query", "required": false, "schema": {"type": "boolean", "default": "false"}}));
    std::fs::write(&users, serde_json::to_string(&doc).unwrap()).unwrap();
    let lib = dir.path().join("mirror/schemas/rest_library.json");
    let mut s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&lib).unwrap()).unwrap();
    s["library"]["properties"]
        .as_object_mut()
        .unwrap()
        .remove("proxy");
    std::fs::write(&lib, serde_json::to_string(&s).unwrap()).unwrap();
    let v2 =
        alma_codegen::generate(&opts(Some(file(&v1, "api-summary.json").to_string()))).unwrap();
    let text = file(&v2, "CHANGES.md");
    assert!(text.contains("## users"), "{text}");
    assert!(
        text.contains("- `get_user`: added query parameter `include_history` (boolean)"),
        "{text}"
    );
    assert!(
        text.contains("- `Library`: removed field `proxy`"),
        "{text}"
    );
    assert_eq!(
        text.matches("\n- ").count(),
        2,
        "exactly the two edits: {text}"
    );
}

/// A model that moves between `<area>::models` and `shared` breaks imports of the old path:
/// CHANGES.md says so and names the stable one.
#[test]
fn a_model_that_moves_module_is_reported() {
    use alma_codegen::summary::{changes, ApiSummary, ModelSummary};
    let model = |path: &str| ModelSummary {
        source: "xsd".into(),
        path: path.into(),
        ..ModelSummary::default()
    };
    let mut old = ApiSummary::default();
    old.models
        .insert("Item".into(), model("bibs::models::Item"));
    let mut new = ApiSummary::default();
    new.models.insert("Item".into(), model("shared::Item"));
    let text = changes(&old, &new).expect("a change");
    assert!(
        text.contains("`Item`: moved to `alma_sdk::shared::Item` (was `alma_sdk::bibs::models::Item`; `alma_sdk::models::Item` is unchanged)"),
        "{text}"
    );
    assert_eq!(changes(&new, &new), None);
}
