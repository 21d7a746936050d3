//! What Alma does beyond an operation's role ([`Behaviour`]), each decided from a sentence of Ex
//! Libris's own documentation, which the decision quotes (`ProseKind::Behaviour`, in the report):
//!
//! - "…by barcode using: GET /almaws/v1/items?item_barcode={item_barcode}. Calling this
//!   shorthand URL will return an HTTP 302 redirect…" → [`Behaviour::FindBy`] on that GET;
//! - "…loans an item to a user" → [`Behaviour::Lend`];
//! - "Scan-in operation on item" → [`Behaviour::ScanIn`];
//! - "…submits a job…" → [`Behaviour::RunJob`];
//! - "…retrieving it in several parts…Resumption Token…" → [`Behaviour::ReportInParts`];
//! - "Authentication operation requires a password…" → [`Behaviour::Authenticate`];
//! - "JSON is not supported" → the body goes in XML only, whatever content types the spec
//!   lists (three operations list JSON too: the prose wins);
//! - a body field documented "Output parameter." → [`Behaviour::OutputFields`];
//! - a field "returned empty in the GET action" → [`Behaviour::WriteOnly`];
//! - a path parameter that "May be ALL …" → [`Param::wildcard`](crate::ir::Param::wildcard).
//!
//! Runs after `resources` (it reads roles and record fields).

use crate::ir::{
    Api, Behaviour, BodyType, HttpMethod, ModelKind, Operation, ParamIn, ProseKind, Role,
};

use super::prose::decision;
use super::prose_phrases::sentence_with;

pub(super) fn assign(api: &mut Api) {
    let finds = find_by(api);
    let mut decided = Vec::new();
    for (a, area) in api.areas.iter().enumerate() {
        for (o, op) in area.operations.iter().enumerate() {
            let mut found = Vec::new();
            for (target, param, quote) in &finds {
                if op.method == HttpMethod::Get && op.path == *target {
                    if let Some((field, read)) = find_target(api, op, param) {
                        found.push((
                            Behaviour::FindBy {
                                param: param.clone(),
                                field,
                                read,
                            },
                            quote.clone(),
                        ));
                    }
                }
            }
            found.extend(of_operation(api, op));
            decided.push((a, o, found, wildcards(op)));
        }
    }
    for (a, o, found, wild) in decided {
        let op = &mut api.areas[a].operations[o];
        let refuses_json = op
            .description
            .as_deref()
            .and_then(|d| sentence_with(d, "JSON is not supported"));
        if let (Some(q), Some(body)) = (refuses_json, op.request.as_mut()) {
            if body.json {
                body.json = false;
                op.prose
                    .push(decision(None, ProseKind::Behaviour, q, "operation"));
            }
        }
        for (behaviour, quote) in found {
            op.prose
                .push(decision(None, ProseKind::Behaviour, quote, "operation"));
            op.behaviours.push(behaviour);
        }
        for (param, word, quote) in wild {
            if let Some(p) = op.params.iter_mut().find(|p| p.name == param) {
                p.wildcard = Some(word);
                op.prose.push(decision(
                    Some(&param),
                    ProseKind::Wildcard,
                    quote,
                    "parameter",
                ));
            }
        }
    }
}

/// Shorthand URLs the documentation names: `(path, query parameter, sentence)` from "…using:
/// GET /almaws/v1/items?item_barcode={item_barcode}. Calling this shorthand URL will return an
/// HTTP 302 redirect…".
fn find_by(api: &Api) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for op in api.areas.iter().flat_map(|a| &a.operations) {
        let Some(d) = op.description.as_deref() else {
            continue;
        };
        let Some(quote) = sentence_with(d, "HTTP 302 redirect") else {
            continue;
        };
        // The URL is written just before: "GET /almaws/v1/items?item_barcode={item_barcode}".
        let Some(at) = d.find("GET /") else { continue };
        let url: String = d[at + 4..]
            .chars()
            .take_while(|c| !c.is_whitespace())
            .collect();
        let url = url.trim_end_matches('.');
        let Some((path, query)) = url.split_once('?') else {
            continue;
        };
        let Some((param, _)) = query.split_once('=') else {
            continue;
        };
        let context = sentence_with(d, "GET /").unwrap_or_default();
        out.push((
            path.to_owned(),
            param.to_owned(),
            format!("{context} {quote}"),
        ));
    }
    out.sort();
    out.dedup();
    out
}

/// For a shorthand GET: the field of its record that holds the parameter's value, and the
/// read operation whose description names the shorthand (the redirect's target).
fn find_target(api: &Api, op: &Operation, param: &str) -> Option<(String, String)> {
    let field = op
        .resource
        .param_fields
        .iter()
        .find(|(p, _)| p == param)
        .map(|(_, f)| f.clone())?;
    let read = api.areas.iter().flat_map(|a| &a.operations).find(|o| {
        o.resource.role == Role::Read
            && o.description
                .as_deref()
                .is_some_and(|d| d.contains(&format!("{}?{param}=", op.path)))
    })?;
    Some((field, read.name.clone()))
}

/// The behaviours an operation's own description (and its body's fields) say.
fn of_operation(api: &Api, op: &Operation) -> Vec<(Behaviour, String)> {
    let mut out = Vec::new();
    let text = |o: &Operation| {
        format!(
            "{}\n{}",
            o.summary.as_deref().unwrap_or(""),
            o.description.as_deref().unwrap_or("")
        )
    };
    let d = text(op);
    let says = |needle: &str| sentence_with(&d, needle);
    let role = op.resource.role;
    if role == Role::Create && op.path.ends_with("/loans") {
        if let Some(q) = says("loans an item to a user") {
            out.push((Behaviour::Lend, q));
        }
    }
    if role == Role::Act {
        if let Some(q) = says("Scan-in operation on item") {
            out.push((Behaviour::ScanIn, q));
        }
        if let Some(q) = says("submits a job") {
            out.push((Behaviour::RunJob, q));
        }
        if let Some(q) = says("Authentication operation requires a password") {
            // The `op` value the password goes with ("Relevant for op=auth").
            let value = op
                .params
                .iter()
                .filter(|p| p.secret)
                .find_map(|p| p.description.as_deref().and_then(|d| after(d, "op=")))
                .unwrap_or_else(|| "auth".to_owned());
            out.push((Behaviour::Authenticate { op: value }, q));
        }
    }
    if op.method == HttpMethod::Get && op.resource.role == Role::Get {
        if let (Some(parts), Some(token)) = (says("in several parts"), says("Resumption Token")) {
            out.push((Behaviour::ReportInParts, format!("{parts} {token}")));
        }
    }
    // Fields of the body's model documented as Alma's to set.
    let model = |b: &Option<crate::ir::Body>| match b.as_ref().map(|b| &b.ty) {
        Some(BodyType::Model(id)) => api.models.get(id),
        _ => None,
    };
    fn fields_of(m: Option<&crate::ir::Model>) -> &[crate::ir::Field] {
        match m.map(|m| &m.kind) {
            Some(ModelKind::Struct { fields }) => fields.as_slice(),
            _ => &[],
        }
    }
    let fields = fields_of(model(&op.request).or(model(&op.response)));
    if matches!(role, Role::Create | Role::Update) {
        // The record written is the answer's (`BibPut` writes a `Bib`): its fields and the
        // body's, each once.
        let mut output: Vec<String> = fields_of(model(&op.request))
            .iter()
            .chain(fields_of(model(&op.response)))
            .filter(|f| {
                f.doc
                    .as_deref()
                    .is_some_and(|d| sentence_with(d, "Output parameter").is_some())
            })
            .map(|f| f.name.clone())
            .collect();
        output.sort();
        output.dedup();
        if !output.is_empty() {
            let quote = format!("{}: \"Output parameter.\"", output.join(", "));
            out.push((Behaviour::OutputFields { fields: output }, quote));
        }
    }
    if matches!(role, Role::Create | Role::Update | Role::Read | Role::List) {
        for f in fields {
            if let Some(q) = f
                .doc
                .as_deref()
                .and_then(|d| sentence_with(d, "returned empty in the GET"))
            {
                out.push((
                    Behaviour::WriteOnly {
                        field: f.name.clone(),
                    },
                    q,
                ));
            }
        }
    }
    out
}

/// The word after `prefix` in `text` (`op=auth` → `auth`).
fn after(text: &str, prefix: &str) -> Option<String> {
    let at = text.find(prefix)? + prefix.len();
    let word: String = text[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!word.is_empty()).then_some(word)
}

/// Path parameters that "May be ALL …": `(param, word, sentence)`.
fn wildcards(op: &Operation) -> Vec<(String, String, String)> {
    op.params
        .iter()
        .filter(|p| p.location == ParamIn::Path)
        .filter_map(|p| {
            let d = p.description.as_deref()?;
            let q = sentence_with(d, "May be ")?;
            let word = after(&q, "May be ")?;
            // An upper-case word stands for every record ("May be ALL"); not a kind of value.
            (word.chars().all(|c| c.is_ascii_uppercase()) && word.len() > 1)
                .then(|| (p.name.clone(), word, q))
        })
        .collect()
}
