//! For models published both as JSON schema and as XSD, the XSD-derived IR agrees with the
//! JSON-derived IR field by field: names, types, optionality, repetition and XML shape. Every
//! difference that remains is listed below with its explanation.

mod common;

use std::collections::BTreeMap;

use alma_codegen::ir::{Api, ModelKind, ModelSource, TypeRef};
use alma_codegen::{generate, Generation, Options};

/// Schema files removed from the second mirror copy, so their XSD is used instead.
const BOTH: &[&str] = &[
    "rest_library",
    "rest_libraries",
    "rest_location",
    "rest_locations",
    "rest_code_table",
    "rest_general",
];

/// Differences between the two sources, explained. (model, field, what differs) → why.
/// The XSDs in the mirror are 2020–2021 copies; the JSON schemas were published in 2024–2026.
const NEWER: &str = "added to the API after the XSD copy was taken";
const EXPLAINED: &[(&str, &str, &str, &str)] = &[
    ("CodeTable", "link", "only in JSON", NEWER),
    ("Digital", "ingest_form", "only in JSON", NEWER),
    ("Library", "id", "only in JSON", NEWER),
    ("Library", "number_of_circ_desks", "only in JSON", NEWER),
    ("Library", "number_of_locations", "only in JSON", NEWER),
    ("Location", "circ_desk", "only in JSON", NEWER),
    ("Location", "id", "only in JSON", NEWER),
    (
        "General",
        "digital",
        "XSD model Digital required",
        "the XSD leaves minOccurs at its default of 1; the JSON schema does not list it as required",
    ),
    ("CirculationDesk", "", "no XSD-derived model", "only reached through Location.circ_desk, which the XSD copy lacks"),
    ("IngestForm", "", "no XSD-derived model", "only reached through Digital.ingest_form, which the XSD copy lacks"),
    (
        "Scope",
        "",
        "no XSD-derived model",
        "the XSD-derived code-table scope shares its name with rest_mapping_table.json's `scope`, so it is named CodeTableScope; its fields are compared through CodeTable.scope",
    ),
];

use common::project_root as root;

fn type_desc(api: &Api, t: &TypeRef) -> String {
    match t {
        TypeRef::Model(id) => {
            let m = &api.models[id];
            match &m.kind {
                ModelKind::Enum { .. } => "enum".into(),
                ModelKind::Struct { .. } => format!(
                    "model {}",
                    m.name.trim_end_matches("Put").trim_end_matches("Post")
                ),
            }
        }
        TypeRef::Array(inner) => format!("[{}]", type_desc(api, inner)),
        other => format!("{other:?}"),
    }
}

/// model name → field name → description.
fn fields(gen: &Generation, source: ModelSource) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for m in gen.api.models.values().filter(|m| m.source == source) {
        let ModelKind::Struct { fields } = &m.kind else {
            continue;
        };
        let stem = m.id.split('#').next().unwrap_or("");
        let file = stem
            .rsplit('/')
            .next()
            .unwrap_or("")
            .split('.')
            .next()
            .unwrap_or("");
        let named =
            m.id.split('#')
                .nth(1)
                .is_some_and(|p| p.matches('/').count() == 1);
        if !BOTH.contains(&file) || !named {
            continue;
        }
        let f = fields
            .iter()
            .map(|f| {
                let xml = format!(
                    "xml:{}{}{}{}",
                    f.xml.name,
                    if f.xml.attribute { " attr" } else { "" },
                    if f.xml.text { " text" } else { "" },
                    f.xml
                        .wrapper
                        .as_deref()
                        .map(|w| format!(" in <{w}>"))
                        .unwrap_or_default()
                );
                (
                    f.name.clone(),
                    format!(
                        "{} {} {xml}",
                        type_desc(&gen.api, &f.ty),
                        if f.required { "required" } else { "optional" }
                    ),
                )
            })
            .collect();
        out.insert(m.name.clone(), f);
    }
    out
}

#[test]
fn xsd_derived_models_agree_with_the_json_schemas() {
    let Some(mirror) = common::mirror() else {
        return;
    };
    let json = generate(&Options {
        project_root: root(),
        specs: Some(mirror.clone()),
        previous_summary: None,
        previous_changes: None,
        areas: None,
    })
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(&mirror, dir.path());
    for f in BOTH {
        std::fs::remove_file(dir.path().join(format!("schemas/{f}.json"))).unwrap();
    }
    let xsd = generate(&Options {
        project_root: root(),
        specs: Some(dir.path().to_path_buf()),
        previous_summary: None,
        previous_changes: None,
        areas: None,
    })
    .unwrap();
    let (a, b) = (
        fields(&json, ModelSource::JsonSchema),
        fields(&xsd, ModelSource::Xsd),
    );
    assert!(a.len() >= 6, "JSON models compared: {:?}", a.keys());
    let mut diffs = Vec::new();
    for (model, fa) in &a {
        let Some(fb) = b.get(model) else {
            diffs.push(format!(
                "{model}: no XSD-derived model of that name (have {:?})",
                b.keys().collect::<Vec<_>>()
            ));
            continue;
        };
        for (field, da) in fa {
            match fb.get(field) {
                None => diffs.push(format!("{model}.{field}: only in JSON ({da})")),
                Some(db) if db != da => {
                    diffs.push(format!("{model}.{field}: JSON {da} / XSD {db}"))
                }
                _ => {}
            }
        }
        for (field, db) in fb.iter().filter(|(k, _)| !fa.contains_key(*k)) {
            diffs.push(format!("{model}.{field}: only in XSD ({db})"));
        }
    }
    let unexplained: Vec<&String> = diffs
        .iter()
        .filter(|d| {
            !EXPLAINED.iter().any(|(m, f, what, _)| {
                let place = if f.is_empty() {
                    format!("{m}:")
                } else {
                    format!("{m}.{f}:")
                };
                d.starts_with(&place) && d.contains(what)
            })
        })
        .collect();
    // Every explanation is still needed: a stale one means the sources converged.
    let stale: Vec<String> = EXPLAINED
        .iter()
        .filter_map(|(m, f, what, _)| {
            let place = if f.is_empty() {
                format!("{m}:")
            } else {
                format!("{m}.{f}:")
            };
            (!diffs
                .iter()
                .any(|d| d.starts_with(&place) && d.contains(what)))
            .then(|| format!("{place} {what}"))
        })
        .collect();
    assert!(
        stale.is_empty(),
        "explained difference(s) no longer occur:\n{}",
        stale.join("\n")
    );
    assert!(
        unexplained.is_empty(),
        "{} unexplained difference(s):\n{}",
        unexplained.len(),
        unexplained
            .iter()
            .map(|d| d.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}
