//! Nothing silently lost when Alma's documents drift: every recorded fixture, changed the way a
//! newer Alma changes documents (`alma_sdk_tests::drift`) at a deterministic sample of places,
//! comes back from a decode → encode round trip with the same content, or is refused with an
//! error naming the path. What the change added that no model declares is reported by
//! `Model::unknown_fields`.

mod common;

use std::collections::BTreeMap;

use alma_sdk::runtime::Format;
use alma_sdk_tests::drift::{json_variants, xml_diff, xml_variants, Change, Rng};
use common::*;

/// Places changed per document and kind of change.
const PLACES: usize = 5;

#[derive(Default, Debug)]
struct Counts {
    documents: usize,
    kept: usize,
    refused: usize,
}

#[test]
fn drifted_fixtures_come_back_unchanged_or_are_refused_with_a_path() {
    let Some(fixtures) = fixtures() else { return };
    let ops = alma_sdk::registry::operations();
    let mut counts: BTreeMap<(String, Change), Counts> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut unreported = Vec::new();
    let mut per_document = Vec::new();
    for fx in &fixtures {
        if fx.kind == "error" || fx.untypable().is_some() {
            continue;
        }
        let Ok(model) = fx.model(&ops) else { continue };
        let info = alma_sdk::registry::model(model).unwrap();
        let bytes = std::fs::read(fixture_path(fx)).unwrap();
        let xml = fx.format == "xml";
        let (format, changes) = if xml {
            (Format::Xml, Change::for_xml())
        } else {
            (Format::Json, Change::for_json())
        };
        let mut variants: Vec<(Change, Vec<u8>, String, bool)> = Vec::new();
        for &change in changes {
            let mut rng = Rng::new(&fx.file, change);
            if xml {
                let doc = std::str::from_utf8(&bytes).unwrap();
                for v in xml_variants(doc, info.desc(), change, PLACES, &mut rng) {
                    variants.push((change, v.doc.into_bytes(), v.at, v.declared));
                }
            } else {
                let doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
                for v in json_variants(&doc, info.desc(), change, PLACES, &mut rng) {
                    variants.push((change, v.doc.into_bytes(), v.at, v.declared));
                }
            }
        }
        per_document.push((fx.file.clone(), variants.len()));
        for (change, doc, at, declared) in variants {
            let c = counts.entry((fx.format.clone(), change)).or_default();
            c.documents += 1;
            let fail = |why: String| format!("{} as {model}, {at}: {why}", fx.file);
            match info.roundtrip(&doc, format) {
                Err(e) if e.starts_with("at ") => c.refused += 1,
                Err(e) => failures.push(fail(format!("refused without naming a path: {e}"))),
                Ok(out) => {
                    let diff = if xml {
                        xml_diff(std::str::from_utf8(&doc).unwrap(), &out).unwrap()
                    } else {
                        let a: serde_json::Value = serde_json::from_slice(&doc).unwrap();
                        let b: serde_json::Value = serde_json::from_str(&out).unwrap();
                        let mut d = Vec::new();
                        strict_json_diff(&a, &b, "", &mut d);
                        (!d.is_empty()).then(|| d.join("; "))
                    };
                    if let Some(d) = diff {
                        failures.push(fail(format!("silently changed: {d}")));
                        continue;
                    }
                    c.kept += 1;
                    if let Some(marker) = change.marker().filter(|_| declared) {
                        let unknown = info.unknown_fields(&doc, format).unwrap();
                        if !unknown.iter().any(|p| p.ends_with(marker)) {
                            unreported.push(fail(format!(
                                "kept, but unknown_fields does not report {marker}: {unknown:?}"
                            )));
                        }
                    }
                }
            }
        }
    }
    let mut total = Counts::default();
    for ((format, change), c) in &counts {
        println!(
            "drift {format} {change:?}: {} documents, {} came back unchanged, {} refused with a path",
            c.documents, c.kept, c.refused
        );
        total.documents += c.documents;
        total.kept += c.kept;
        total.refused += c.refused;
    }
    println!(
        "drift: {} changed documents from {} fixtures, {} came back unchanged, {} refused with a path, {} silent changes",
        total.documents,
        per_document.len(),
        total.kept,
        total.refused,
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} changed document(s) were silently altered or refused without a path:\n{}",
        failures.len(),
        failures
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        unreported.is_empty(),
        "{} change(s) were kept but not reported by unknown_fields:\n{}",
        unreported.len(),
        unreported
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    // Each change at up to 5 places of each document; a document with fewer places in all (a
    // page of `{"total_record_count": 0}`) is changed at every one it has.
    let thin = per_document.iter().filter(|(_, n)| *n < 5).count();
    println!("drift: {thin} fixtures have fewer than 5 places to change; all of them were changed");
    assert!(
        thin * 5 < per_document.len(),
        "{thin} of {} fixtures were changed at fewer than 5 places",
        per_document.len()
    );
    assert!(
        total.documents > 1000,
        "too few changed documents: {}",
        total.documents
    );
}
