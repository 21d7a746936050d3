//! Every `$ref` form the Alma specs use resolves to the right model.

mod common;

use alma_codegen::ir::{BodyType, ModelKind, TypeRef};
use common::*;

const URL: &str = "https://developers.exlibrisgroup.com/wp-content/uploads/alma/openapi/schemas";

fn model_fields(gen: &alma_codegen::Generation, name: &str) -> Vec<(String, TypeRef, bool)> {
    let m = gen
        .api
        .models
        .values()
        .find(|m| m.name == name)
        .unwrap_or_else(|| {
            panic!(
                "no model {name}; have {:?}",
                gen.api.models.values().map(|m| &m.name).collect::<Vec<_>>()
            )
        });
    match &m.kind {
        ModelKind::Struct { fields } => fields
            .iter()
            .map(|f| (f.name.clone(), f.ty.clone(), f.required))
            .collect(),
        ModelKind::Enum { .. } => panic!("{name} is an enum"),
    }
}

#[test]
fn absolute_url_relative_file_and_local_definitions() {
    let p = Project::new(
        "a.json",
        &spec(&get_returning(
            "/almaws/v1/things",
            &format!(r#"{{"$ref": "{URL}/rest_things.json#/rest_things"}}"#),
        )),
    );
    // rest_x alias → local definition; items refer to another file with ./
    p.schema(
        "rest_things",
        r##"{"rest_things": {"$ref": "#/things"},
            "things": {"type": "object", "xml": {"name": "things"}, "properties": {
                "total_record_count": {"type": "integer", "xml": {"attribute": true}},
                "thing": {"type": "array", "items": {"$ref": "./rest_thing.json#/rest_thing"}}}}}"##,
    );
    p.schema(
        "rest_thing",
        r##"{"rest_thing": {"$ref": "#/thing"},
            "thing": {"type": "object", "required": ["code"], "properties": {
                "code": {"type": "string"},
                "status": {"type": "object", "properties": {
                    "value": {"type": "string", "xml": {"name": "xml_value"}},
                    "desc": {"type": "string", "xml": {"attribute": true}}}}}}}"##,
    );
    let gen = p.generate().unwrap();
    let op = &gen.api.areas[0].operations[0];
    assert_eq!(op.name, "list_things");
    let BodyType::Model(id) = &op.response.as_ref().unwrap().ty else {
        panic!("untyped")
    };
    assert_eq!(gen.api.models[id].name, "Things");
    let things = model_fields(&gen, "Things");
    assert_eq!(
        things[0],
        ("total_record_count".into(), TypeRef::Integer, false)
    );
    let TypeRef::Array(item) = &things[1].1 else {
        panic!("not an array: {:?}", things[1])
    };
    let TypeRef::Model(thing_id) = item.as_ref() else {
        panic!("item not a model")
    };
    assert_eq!(gen.api.models[thing_id].name, "Thing");
    let thing = model_fields(&gen, "Thing");
    assert_eq!(thing[0], ("code".into(), TypeRef::String, true));
    assert_eq!(
        thing[1].1,
        TypeRef::CodeValue,
        "{{value, desc}} is the runtime CodeValue"
    );
}

#[test]
fn components_refs_and_sibling_keys() {
    let p = Project::new(
        "a.json",
        r##"{"openapi": "3.0.1", "info": {"title": "t", "version": "1"},
        "components": {"schemas": {
            "Widget": {"type": "object", "properties": {
                "part": {"$ref": "#/components/schemas/Part", "description": "Overridden doc", "xml": {"attribute": true}}}},
            "Part": {"type": "string", "description": "Original doc"}}},
        "paths": {"/almaws/v1/widgets/{widget_id}": {"get": {
            "parameters": [{"name": "widget_id", "in": "path", "required": true, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "OK", "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Widget"}}}}}}}}}"##,
    );
    let gen = p.generate().unwrap();
    let m = gen
        .api
        .models
        .values()
        .find(|m| m.name == "Widget")
        .unwrap();
    let ModelKind::Struct { fields } = &m.kind else {
        panic!()
    };
    assert_eq!(fields[0].ty, TypeRef::String);
    assert_eq!(
        fields[0].doc.as_deref(),
        Some("Overridden doc"),
        "sibling description wins"
    );
    assert!(fields[0].xml.attribute, "sibling xml hint is kept");
    assert_eq!(gen.api.areas[0].operations[0].name, "get_widget");
}

#[test]
fn recursive_models_terminate() {
    let p = Project::new(
        "a.json",
        &spec(&get_returning(
            "/almaws/v1/nodes",
            &format!(r#"{{"$ref": "{URL}/rest_node.json#/rest_node"}}"#),
        )),
    );
    p.schema(
        "rest_node",
        r##"{"rest_node": {"$ref": "#/node"},
            "node": {"type": "object", "properties": {
                "name": {"type": "string"},
                "children": {"type": "array", "items": {"$ref": "#/node"}},
                "parent": {"$ref": "./rest_node.json#/node"}}}}"##,
    );
    let gen = p.generate().unwrap();
    let fields = model_fields(&gen, "Node");
    let node_id = gen
        .api
        .models
        .values()
        .find(|m| m.name == "Node")
        .unwrap()
        .id
        .clone();
    assert_eq!(
        fields[1].1,
        TypeRef::Array(Box::new(TypeRef::Model(node_id.clone())))
    );
    assert_eq!(fields[2].1, TypeRef::Model(node_id));
    // Recursive fields must compile: Vec gives indirection, a direct self field needs a Box.
    let models = file(&gen, "src/test/models.rs");
    assert!(
        models.contains("pub parent: Option<Box<crate::test::models::Node>>"),
        "{models}"
    );
}

#[test]
fn ref_loop_without_a_schema_is_an_error_naming_the_file() {
    let p = Project::new(
        "a.json",
        &spec(&get_returning(
            "/almaws/v1/loops",
            &format!(r#"{{"$ref": "{URL}/rest_loop.json#/a"}}"#),
        )),
    );
    p.schema(
        "rest_loop",
        r##"{"a": {"$ref": "#/b"}, "b": {"$ref": "#/a"}}"##,
    );
    let err = p
        .generate()
        .err()
        .expect("a ref loop must fail")
        .to_string();
    assert!(err.contains("rest_loop.json"), "{err}");
    assert!(err.contains("loops back"), "{err}");
    assert!(
        err.contains("GET /almaws/v1/loops"),
        "names the operation: {err}"
    );
}

#[test]
fn missing_schema_file_gives_an_opaque_body_and_a_report_entry() {
    let p = Project::new(
        "a.json",
        &spec(&get_returning(
            "/almaws/v1/ghosts",
            &format!(r#"{{"$ref": "{URL}/rest_ghost.json#/rest_ghost"}}"#),
        )),
    );
    let gen = p.generate().expect("a missing schema file is not an error");
    let op = &gen.api.areas[0].operations[0];
    assert_eq!(
        op.response.as_ref().unwrap().ty,
        BodyType::Opaque {
            unresolved_ref: Some(format!("{URL}/rest_ghost.json#/rest_ghost"))
        }
    );
    assert!(!op.is_typed());
    assert_eq!(
        gen.report.areas[0].unresolved_refs,
        vec![format!("{URL}/rest_ghost.json#/rest_ghost")]
    );
    assert_eq!(
        gen.report.missing_schema_files,
        vec!["rest_ghost".to_string()]
    );
    let ops = file(&gen, "src/test/operations.rs");
    assert!(
        ops.contains("alma_runtime::ResponseFuture<alma_runtime::RawBody>"),
        "{ops}"
    );
}

#[test]
fn bundled_yaml_with_refs_into_paths() {
    let p = Project::new(
        "tasks.yaml",
        r##"
openapi: 3.0.1
info: {title: t, version: "1"}
paths:
  /almaws/v1/task-lists: {}
  /almaws/v1/task-lists/printouts:
    get:
      parameters:
        - {name: limit, in: query, required: false, schema: {type: integer, default: "10"}}
      responses:
        "200":
          description: OK
          content:
            application/json:
              schema:
                type: object
                xml: {name: printouts}
                properties:
                  printout:
                    type: array
                    items:
                      type: object
                      xml: {name: printout}
                      properties:
                        id: {type: string}
                        date: {type: string, format: date-time, example: 2019-11-07 08:08:38}
    post:
      responses:
        "200":
          description: OK
          content:
            application/json:
              schema:
                $ref: "#/paths/~1almaws~1v1~1task-lists~1printouts/get/responses/200/content/application~1json/schema"
"##,
    );
    let gen = p.generate().unwrap();
    let ops = &gen.api.areas[0].operations;
    assert_eq!(ops.len(), 2, "the empty path item is skipped");
    let get = ops.iter().find(|o| o.name == "list_printouts").unwrap();
    let post = ops.iter().find(|o| o.name == "create_printout").unwrap();
    assert_eq!(
        get.response.as_ref().unwrap().ty,
        post.response.as_ref().unwrap().ty,
        "same model through #/paths ref"
    );
    let limit = &get.params[0];
    assert_eq!(
        limit.default,
        Some(alma_codegen::ir::Scalar::Integer(10)),
        "string default coerced"
    );
    assert!(gen.api.models.values().any(|m| m.name == "Printout"));
}
