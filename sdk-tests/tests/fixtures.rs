//! Every recorded Alma response (`../shared/alma-fixtures`) decodes into the model of the
//! endpoint it answers, in its format, and re-encodes with nothing lost.

mod common;

use alma_sdk::runtime::Format;
use common::*;

#[test]
fn every_fixture_decodes_and_round_trips() {
    let Some(fixtures) = fixtures() else { return };
    let ops = alma_sdk::registry::operations();
    let mut report = Vec::new();
    let mut failures = Vec::new();
    let mut counts = (0, 0, 0, 0); // typed json, typed xml, errors, untyped
    for fx in &fixtures {
        let bytes = std::fs::read(fixture_path(fx)).unwrap();
        let format = if fx.format == "xml" {
            Format::Xml
        } else {
            Format::Json
        };
        if fx.kind == "error" {
            let details = alma_sdk::runtime::parse_error_body(&bytes);
            match details {
                Some(d) if !d.is_empty() && !d[0].code.is_empty() => counts.2 += 1,
                other => {
                    failures.push(format!("{}: error document not parsed: {other:?}", fx.file))
                }
            }
            continue;
        }
        let expected_failure = fx.untypable();
        let model = match fx.model(&ops) {
            Ok(m) => m,
            Err(reason) => {
                counts.3 += 1;
                report.push(format!("untyped  {}: {reason}", fx.file));
                continue;
            }
        };
        let info = alma_sdk::registry::model(model).unwrap();
        let result = info
            .roundtrip(&bytes, format)
            .and_then(|out| compare(&bytes, out.as_bytes(), format));
        match (result, expected_failure) {
            (Ok(()), None) => {
                if format == Format::Json {
                    counts.0 += 1
                } else {
                    counts.1 += 1
                }
            }
            (Ok(()), Some(_)) => failures.push(format!(
                "{}: listed as untypable but decodes; remove it from UNTYPABLE",
                fx.file
            )),
            (Err(e), Some(why)) => {
                report.push(format!("untypable {} as {model}: {why} ({e})", fx.file))
            }
            (Err(e), None) => failures.push(format!("{} as {model} ({}): {e}", fx.file, fx.format)),
        }
    }
    for line in &report {
        println!("{line}");
    }
    println!(
        "fixtures: {} typed JSON and {} typed XML round-trip, {} error documents parse, {} without a published schema, {} listed untypable",
        counts.0, counts.1, counts.2, counts.3, alma_sdk_tests::fixtures::UNTYPABLE.len()
    );
    assert!(
        failures.is_empty(),
        "{} fixture(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        counts.0 + counts.1 > 100,
        "too few fixtures were checked: {counts:?}"
    );
}

/// The strict comparison (see `common`): what was received is what is sent back.
fn compare(input: &[u8], output: &[u8], format: Format) -> Result<(), String> {
    match format {
        Format::Json => {
            let a: serde_json::Value = serde_json::from_slice(input).map_err(|e| e.to_string())?;
            let b: serde_json::Value = serde_json::from_slice(output).map_err(|e| e.to_string())?;
            let mut diff = Vec::new();
            strict_json_diff(&a, &b, "", &mut diff);
            if diff.is_empty() {
                return Ok(());
            }
            Err(format!("round trip differs: {}", diff.join("; ")))
        }
        Format::Xml => {
            let a = canonical_xml(std::str::from_utf8(input).map_err(|e| e.to_string())?)?;
            let b = canonical_xml(std::str::from_utf8(output).map_err(|e| e.to_string())?)?;
            match strict_xml_diff(&a, &b, "") {
                None => Ok(()),
                Some(d) => Err(format!("round trip differs: {d}")),
            }
        }
    }
}

/// Every JSON key path of `v` (array items as `*`), each distinct shape once, with the concrete
/// path of its first occurrence.
fn key_paths(
    v: &serde_json::Value,
    at: &mut Vec<PathSeg>,
    shape: &mut String,
    out: &mut Vec<(String, Vec<PathSeg>)>,
) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, child) in m {
                let len = shape.len();
                shape.push('/');
                shape.push_str(k);
                at.push(PathSeg::Key(k.clone()));
                if !out.iter().any(|(s, _)| s == shape) {
                    out.push((shape.clone(), at.clone()));
                }
                key_paths(child, at, shape, out);
                at.pop();
                shape.truncate(len);
            }
        }
        serde_json::Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let len = shape.len();
                shape.push_str("/*");
                at.push(PathSeg::Index(i));
                key_paths(child, at, shape, out);
                at.pop();
                shape.truncate(len);
            }
        }
        _ => {}
    }
}

#[derive(Debug, Clone)]
enum PathSeg {
    Key(String),
    Index(usize),
}

fn remove_at(v: &mut serde_json::Value, path: &[PathSeg]) {
    match (path, v) {
        ([PathSeg::Key(k)], serde_json::Value::Object(m)) => {
            m.shift_remove(k);
        }
        ([PathSeg::Key(k), rest @ ..], serde_json::Value::Object(m)) => {
            if let Some(c) = m.get_mut(k) {
                remove_at(c, rest);
            }
        }
        ([PathSeg::Index(i), rest @ ..], serde_json::Value::Array(a)) => {
            if let Some(c) = a.get_mut(*i) {
                remove_at(c, rest);
            }
        }
        _ => {}
    }
}

/// Removing any one field, at any depth (each distinct field path of every typed JSON fixture),
/// still round-trips unchanged: nothing absent is invented, required or not.
#[test]
fn removing_any_one_field_round_trips_unchanged() {
    let Some(fixtures) = fixtures() else { return };
    let ops = alma_sdk::registry::operations();
    let (mut checked, mut failures) = (0, Vec::new());
    for fx in fixtures
        .iter()
        .filter(|f| f.format == "json" && f.kind != "error")
    {
        if fx.untypable().is_some() {
            continue;
        }
        let Ok(model) = fx.model(&ops) else {
            continue;
        };
        let info = alma_sdk::registry::model(model).unwrap();
        let original: serde_json::Value =
            serde_json::from_slice(&std::fs::read(fixture_path(fx)).unwrap()).unwrap();
        let mut paths = Vec::new();
        key_paths(&original, &mut Vec::new(), &mut String::new(), &mut paths);
        for (shape, path) in paths {
            let mut doc = original.clone();
            remove_at(&mut doc, &path);
            let bytes = serde_json::to_vec(&doc).unwrap();
            checked += 1;
            let result = info
                .roundtrip(&bytes, Format::Json)
                .and_then(|out| compare(&bytes, out.as_bytes(), Format::Json));
            if let Err(e) = result {
                failures.push(format!("{} without {shape}: {e}", fx.file));
            }
        }
    }
    println!("field removal: {checked} documents checked");
    assert!(checked > 1000, "too few field removals checked: {checked}");
    assert!(
        failures.is_empty(),
        "{} removal(s) changed the round trip:\n{}",
        failures.len(),
        failures
            .iter()
            .take(30)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
