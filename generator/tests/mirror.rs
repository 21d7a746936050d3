//! Codegen over the whole mirror of the published specs (`../shared/alma-openapi`), and the
//! committed `generated/` crate against it. Skipped with a message when no mirror is present.

use std::path::{Path, PathBuf};

use alma_codegen::{generate, Options};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn mirror_available() -> bool {
    let cfg = alma_codegen::config::Config::load(&root().join("specs")).unwrap();
    alma_codegen::find_spec_dir(&root(), &cfg).is_ok()
}

#[test]
fn every_area_and_operation_is_generated() {
    if !mirror_available() {
        eprintln!("skipped: no spec mirror found");
        return;
    }
    let gen = generate(&Options {
        project_root: root(),
        specs: None,
        previous_summary: None,
    })
    .unwrap();
    let counts: Vec<(String, usize)> = gen
        .api
        .areas
        .iter()
        .map(|a| (a.name.clone(), a.operations.len()))
        .collect();
    let expected = [
        ("acq", 59),
        ("analytics", 5),
        ("bibs", 77),
        ("conf", 68),
        ("courses", 29),
        ("electronic", 15),
        ("partners", 9),
        ("tasklists", 10),
        ("users", 42),
    ];
    assert_eq!(counts, expected.map(|(a, n)| (a.to_string(), n)));
    assert_eq!(gen.report.totals.operations, 314);
    // The names the API reads by.
    let has = |area: &str, name: &str| {
        gen.api
            .areas
            .iter()
            .find(|a| a.name == area)
            .unwrap()
            .operations
            .iter()
            .any(|o| o.name == name)
    };
    for (area, name) in [
        ("users", "get_user"),
        ("bibs", "list_holdings"),
        ("conf", "list_libraries"),
        ("bibs", "get_bib"),
    ] {
        assert!(has(area, name), "{area}.{name} missing");
    }
    // MARCXML operations send XML only.
    let bibs = gen.api.areas.iter().find(|a| a.name == "bibs").unwrap();
    let create = bibs
        .operations
        .iter()
        .find(|o| o.name == "create_bib")
        .unwrap();
    assert!(create.request.as_ref().unwrap().xml_only());
    // The conf area's schema files are all published: every operation is typed.
    let conf = gen.report.areas.iter().find(|a| a.name == "conf").unwrap();
    assert!(
        conf.unresolved_refs.is_empty(),
        "{:?}",
        conf.unresolved_refs
    );
}

#[test]
fn committed_generated_crate_is_up_to_date_and_deterministic() {
    if !mirror_available() {
        eprintln!("skipped: no spec mirror found");
        return;
    }
    let opts = Options {
        project_root: root(),
        specs: None,
        previous_summary: None,
    };
    let a = generate(&opts).unwrap();
    let b = generate(&opts).unwrap();
    assert_eq!(a.files, b.files, "two runs must be byte-identical");
    let drift = alma_codegen::write::check(&root().join("generated"), &a.files).unwrap();
    assert!(
        drift.is_empty(),
        "generated/ is stale, run `cargo xtask codegen`: {drift:?}"
    );
}
