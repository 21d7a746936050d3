//! Alma's behaviours beyond an operation's role (`lower/behaviours.rs`), each decided from the
//! documentation's own sentence and quoted; without the sentence, no behaviour.

mod common;

use alma_codegen::ir::{Behaviour, ProseKind};
use common::*;

const SCHEMA: &str = r##"{"rest_gadget": {"$ref": "#/gadget"}, "gadget": {"type": "object", "xml": {"name": "gadget"}, "properties": {
  "gadget_id": {"type": "string", "description": "Gadget identifier. Output parameter."},
  "gadget_data": {"type": "object", "properties": {"pid": {"type": "string"}, "barcode": {"type": "string"}}},
  "secret": {"type": "string", "description": "The secret. Due to security issues, it is returned empty in the GET action."},
  "title": {"type": "string", "description": "The title. Output parameter."},
  "colour": {"type": "object", "description": "Possible codes are listed in 'Gadget Colours' [code table](https://x).", "properties": {"value": {"type": "string"}, "desc": {"type": "string"}}}
}}}"##;

fn paths(say: bool) -> String {
    let s = |t: &str| if say { t.to_owned() } else { String::new() };
    let body = r##"{"content": {"application/json": {"schema": {"$ref": "https://example.org/openapi/schemas/rest_gadget.json#/rest_gadget"}}, "application/xml": {"schema": {"$ref": "https://example.org/openapi/schemas/rest_gadget.json#/rest_gadget"}}}}"##;
    let ok = r##"{"200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "https://example.org/openapi/schemas/rest_gadget.json#/rest_gadget"}}, "application/xml": {"schema": {"$ref": "https://example.org/openapi/schemas/rest_gadget.json#/rest_gadget"}}}}}"##;
    format!(
        r##"{{
  "/almaws/v1/gadgets": {{
    "get": {{"description": "Gadgets by barcode.", "parameters": [{{"name": "gadget_barcode", "in": "query", "required": true, "schema": {{"type": "string"}}}}], "responses": {ok}}},
    "post": {{"description": "Creates a gadget.", "requestBody": {body}, "responses": {ok}}}
  }},
  "/almaws/v1/racks/{{rack_id}}/gadgets/{{gadget_id}}": {{
    "get": {{"description": "Returns a gadget. {find}", "parameters": [{{"name": "rack_id", "in": "path", "required": true, "schema": {{"type": "string"}}, "description": "Rack id. {all}"}}, {{"name": "gadget_id", "in": "path", "required": true, "schema": {{"type": "string"}}}}], "responses": {ok}}},
    "put": {{"description": "Updates a gadget. {json}", "parameters": [{{"name": "rack_id", "in": "path", "required": true, "schema": {{"type": "string"}}}}, {{"name": "gadget_id", "in": "path", "required": true, "schema": {{"type": "string"}}}}], "requestBody": {body}, "responses": {ok}}},
    "post": {{"summary": "{scan}", "description": "Acts on a gadget.", "parameters": [{{"name": "rack_id", "in": "path", "required": true, "schema": {{"type": "string"}}}}, {{"name": "gadget_id", "in": "path", "required": true, "schema": {{"type": "string"}}}}, {{"name": "op", "in": "query", "required": true, "schema": {{"type": "string"}}, "description": "Only op=scan is supported."}}], "responses": {ok}}}
  }}
}}"##,
        find = s("It is also possible to retrieve a gadget by barcode using: GET /almaws/v1/gadgets?gadget_barcode={gadget_barcode}. Calling this shorthand URL will return an HTTP 302 redirect response leading to the gadget."),
        all = s("May be ALL to retrieve every gadget."),
        json = s("Note: JSON is not supported for this API."),
        scan = if say { "Scan-in operation on item." } else { "Acts." },
    )
}

fn generate(say: bool) -> alma_codegen::Generation {
    let p = Project::new("test.json", &spec(&paths(say)));
    p.schema("rest_gadget", SCHEMA);
    p.generate().unwrap()
}

#[test]
fn behaviours_come_from_the_documentation_with_their_sentences() {
    let gen = generate(true);
    let ops = &gen.api.areas[0].operations;
    let find = ops
        .iter()
        .find(|o| o.path == "/almaws/v1/gadgets" && o.method.as_str() == "GET")
        .unwrap();
    let read = ops
        .iter()
        .find(|o| {
            o.path == "/almaws/v1/racks/{rack_id}/gadgets/{gadget_id}" && o.method.as_str() == "GET"
        })
        .unwrap();
    assert_eq!(
        find.behaviours,
        [Behaviour::FindBy {
            param: "gadget_barcode".into(),
            field: "gadget_data.barcode".into(),
            read: read.name.clone(),
        }]
    );
    let quoted = |o: &alma_codegen::ir::Operation, kind: ProseKind, words: &str| {
        o.prose
            .iter()
            .any(|d| d.kind == kind && d.quote.contains(words))
    };
    assert!(quoted(find, ProseKind::Behaviour, "HTTP 302 redirect"));
    // "May be ALL": the parameter's wildcard.
    let id = read.params.iter().find(|p| p.name == "rack_id").unwrap();
    assert_eq!(id.wildcard.as_deref(), Some("ALL"));
    assert!(quoted(read, ProseKind::Wildcard, "May be ALL"));
    // "JSON is not supported" wins over the spec's content types.
    let put = ops.iter().find(|o| o.method.as_str() == "PUT").unwrap();
    assert!(put.request.as_ref().unwrap().xml_only());
    assert!(quoted(put, ProseKind::Behaviour, "JSON is not supported"));
    // Fields documented "Output parameter." and "returned empty in the GET action".
    assert!(put.behaviours.contains(&Behaviour::OutputFields {
        fields: vec!["gadget_id".into(), "title".into()]
    }));
    assert!(put.behaviours.contains(&Behaviour::WriteOnly {
        field: "secret".into()
    }));
    let scan = ops
        .iter()
        .find(|o| o.method.as_str() == "POST" && o.path.ends_with('}'))
        .unwrap();
    assert_eq!(scan.behaviours, [Behaviour::ScanIn]);
    // The code table a field's documentation names, spaces dropped.
    assert!(gen
        .api
        .code_table_fields
        .contains(&("colour".to_owned(), "GadgetColours".to_owned())));
}

#[test]
fn without_the_sentences_there_is_no_behaviour() {
    let gen = generate(false);
    for o in &gen.api.areas[0].operations {
        let tagged: Vec<_> = o
            .behaviours
            .iter()
            .filter(|b| {
                !matches!(
                    b,
                    Behaviour::OutputFields { .. } | Behaviour::WriteOnly { .. }
                )
            })
            .collect();
        assert!(tagged.is_empty(), "{}: {tagged:?}", o.name);
        assert!(o.params.iter().all(|p| p.wildcard.is_none()), "{}", o.name);
        if let Some(b) = &o.request {
            assert!(!b.xml_only(), "{}", o.name);
        }
    }
}
