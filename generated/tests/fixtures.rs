//! Every recorded Alma response (`../shared/alma-fixtures`) decodes into the model of the
//! endpoint it answers, in its format, and re-encodes with nothing lost.

mod common;

use alma_sdk::runtime::Format;
use common::*;

/// Fixtures that cannot be typed, and why. Every other fixture must decode and round-trip.
const UNTYPABLE: &[(&str, &str)] = &[
    (
        "Swiss-Library-Service-Platform+almapiwrapper/test__data__user_testLoanUser3.json",
        "not valid Alma JSON: the key `external_id` appears twice in one object",
    ),
    (
        "BIBSYSDEV+ALMA-API-Example-usage/src__test__resources__representation.json",
        "copied from the documentation's sample: `total_record_count` is the placeholder \"string\"",
    ),
    (
        "BIBSYSDEV+ALMA-API-Example-usage/src__test__resources__representations.json",
        "copied from the documentation's sample: `files.total_record_count` is the placeholder \"string\"",
    ),
    (
        "scriptotek+php-alma-client/spec__data__jobinstance_response.json",
        "copied from the documentation's sample: `action` holds the placeholder \"string\" instead of objects",
    ),
];

/// The model for a fixture: the response model of the operation whose path template matches its
/// endpoint (the most specific one), else the model named like its kind.
fn model_for(fx: &Fixture, ops: &[alma_sdk::registry::OperationInfo]) -> Result<String, String> {
    if let Some((method, path)) = fx.method_and_path() {
        let mut candidates: Vec<_> = ops
            .iter()
            .filter(|o| o.method.as_str() == method && o.matches_path(path))
            .collect();
        candidates.sort_by_key(|o| o.path.matches('{').count());
        if let Some(op) = candidates.first() {
            return op
                .response_model
                .map(String::from)
                .ok_or_else(|| format!("{}.{} has no published response schema", op.area, op.name));
        }
    }
    let by_kind: String = fx.kind.split(['(', ' ']).next().unwrap_or("").split('_').map(|w| {
        let mut c = w.chars();
        c.next().map(|f| f.to_uppercase().chain(c).collect::<String>()).unwrap_or_default()
    }).collect();
    alma_sdk::registry::model(&by_kind)
        .map(|m| m.name.to_string())
        .ok_or_else(|| format!("no operation matches {:?} and no model is named {by_kind}", fx.endpoint))
}

#[test]
fn every_fixture_decodes_and_round_trips() {
    let Some(fixtures) = fixtures() else { return };
    let ops = alma_sdk::registry::operations();
    let mut report = Vec::new();
    let mut failures = Vec::new();
    let mut counts = (0, 0, 0, 0); // typed json, typed xml, errors, untyped
    for fx in &fixtures {
        let bytes = std::fs::read(fx.path()).unwrap();
        let format = if fx.format == "xml" { Format::Xml } else { Format::Json };
        if fx.kind == "error" {
            let details = alma_sdk::runtime::parse_error_body(&bytes);
            match details {
                Some(d) if !d.is_empty() && !d[0].code.is_empty() => counts.2 += 1,
                other => failures.push(format!("{}: error document not parsed: {other:?}", fx.file)),
            }
            continue;
        }
        let expected_failure = UNTYPABLE.iter().find(|(f, _)| *f == fx.file);
        let model = match model_for(fx, &ops) {
            Ok(m) => m,
            Err(reason) => {
                counts.3 += 1;
                report.push(format!("untyped  {}: {reason}", fx.file));
                continue;
            }
        };
        let info = alma_sdk::registry::model(&model).unwrap();
        let result = info.roundtrip(&bytes, format).and_then(|out| compare(&bytes, out.as_bytes(), format));
        match (result, expected_failure) {
            (Ok(()), None) => {
                if format == Format::Json { counts.0 += 1 } else { counts.1 += 1 }
            }
            (Ok(()), Some(_)) => failures.push(format!("{}: listed as untypable but decodes; remove it from UNTYPABLE", fx.file)),
            (Err(e), Some((_, why))) => report.push(format!("untypable {} as {model}: {why} ({e})", fx.file)),
            (Err(e), None) => failures.push(format!("{} as {model} ({}): {e}", fx.file, fx.format)),
        }
    }
    for line in &report {
        println!("{line}");
    }
    println!(
        "fixtures: {} typed JSON and {} typed XML round-trip, {} error documents parse, {} without a published schema, {} listed untypable",
        counts.0, counts.1, counts.2, counts.3, UNTYPABLE.len()
    );
    assert!(failures.is_empty(), "{} fixture(s) failed:\n{}", failures.len(), failures.join("\n"));
    assert!(counts.0 + counts.1 > 100, "too few fixtures were checked: {counts:?}");
}

fn compare(input: &[u8], output: &[u8], format: Format) -> Result<(), String> {
    match format {
        Format::Json => {
            let a: serde_json::Value = serde_json::from_slice(input).map_err(|e| e.to_string())?;
            let b: serde_json::Value = serde_json::from_slice(output).map_err(|e| e.to_string())?;
            let (a, b) = (canonical_json(&a), canonical_json(&b));
            if a == b {
                return Ok(());
            }
            let mut diff = Vec::new();
            json_diff(&a, &b, "", &mut diff);
            Err(format!("round trip differs: {}", diff.join("; ")))
        }
        Format::Xml => {
            let a = canonical_xml(std::str::from_utf8(input).map_err(|e| e.to_string())?)?;
            let b = canonical_xml(std::str::from_utf8(output).map_err(|e| e.to_string())?)?;
            if a == b {
                return Ok(());
            }
            Err(format!("round trip differs: {}", xml_diff(&a, &b, "")))
        }
    }
}

fn xml_diff(a: &CanonicalXml, b: &CanonicalXml, path: &str) -> String {
    let here = format!("{path}/{}", a.name);
    if a.name != b.name || a.attrs != b.attrs || a.text != b.text {
        return format!("{here}: {:?} {:?} {:?} became {} {:?} {:?}", a.attrs, a.text, a.children.len(), b.name, b.attrs, b.text);
    }
    for c in &a.children {
        if !b.children.contains(c) {
            match b.children.iter().find(|d| d.name == c.name) {
                Some(d) => return xml_diff(c, d, &here),
                None => return format!("{here}/{}: lost", c.name),
            }
        }
    }
    for d in &b.children {
        if !a.children.contains(d) {
            return format!("{here}/{}: added", d.name);
        }
    }
    format!("{here}: children differ")
}
