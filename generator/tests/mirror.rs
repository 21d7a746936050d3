//! Codegen over the whole mirror of the published specs (`../shared/alma-openapi`), and the
//! committed `generated/` crate against it. Fails saying so when the mirror is missing, unless
//! `ALMA_SKIP_SHARED=1`.

mod common;

use alma_codegen::{generate, Options};

use common::project_root as root;

#[test]
fn every_area_and_operation_is_generated() {
    if common::mirror().is_none() {
        return;
    }
    let gen = generate(&Options {
        project_root: root(),
        specs: None,
        previous_summary: None,
        previous_changes: None,
        areas: None,
    })
    .unwrap();
    // Where records hold their parameters is decided here, once, for the local Alma.
    let op = |area: &str, name: &str| {
        gen.api
            .areas
            .iter()
            .find(|a| a.name == area)
            .and_then(|a| a.operations.iter().find(|o| o.name == name))
            .unwrap()
            .clone()
    };
    let fields = |area: &str, name: &str| {
        op(area, name)
            .resource
            .param_fields
            .iter()
            .map(|(p, f)| format!("{p}={f}"))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        fields("bibs", "create_item"),
        [
            "mms_id=bib_data.mms_id",
            "holding_id=holding_data.holding_id"
        ]
    );
    assert!(
        fields("bibs", "get_item").contains(&"item_pid=item_data.pid".to_string()),
        "{:?}",
        fields("bibs", "get_item")
    );
    let counts: Vec<(String, usize)> = gen
        .api
        .areas
        .iter()
        .map(|a| (a.name.clone(), a.operations.len()))
        .collect();
    let expected = [
        ("acq", 59),
        ("analytics", 5),
        ("bibs", 78),
        ("conf", 68),
        ("courses", 29),
        ("electronic", 15),
        ("partners", 9),
        ("tasklists", 10),
        ("users", 42),
        ("webhooks", 0),
    ];
    assert_eq!(counts, expected.map(|(a, n)| (a.to_string(), n)));
    // 314 from Ex Libris's specs, 1 from our overlay (item by barcode).
    assert_eq!(gen.report.totals.operations, 315);
    assert_eq!(
        gen.report.overlay_operations.keys().collect::<Vec<_>>(),
        ["bibs.get_item_by_barcode"]
    );
    // The webhook payload: the actions its fields document, and the API's own models in them.
    let hooks = gen.api.areas.iter().find(|a| a.name == "webhooks").unwrap();
    let w = hooks.webhook.as_ref().unwrap();
    let actions: Vec<&str> = w.actions.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "BIB",
            "HOLDING",
            "ITEM",
            "JOB_END",
            "LENDING_REQUEST",
            "LOAN",
            "NOTIFICATION",
            "REQUEST",
            "USER"
        ]
    );
    let payload = &gen.api.models[&w.model];
    assert_eq!(payload.name, "Notification");
    let field_type = |key: &str| match &payload.kind {
        alma_codegen::ir::ModelKind::Struct { fields } => fields
            .iter()
            .find(|f| f.name == key)
            .map(|f| f.ty.clone())
            .unwrap(),
        _ => panic!("not a struct"),
    };
    assert_eq!(
        field_type("job_instance"),
        alma_codegen::ir::TypeRef::Model("schemas/rest_job_instance.json#/job_instance".into()),
        "a JOB_END's job instance is the model run_job_and_wait returns"
    );
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
    if common::mirror().is_none() {
        return;
    }
    // As `cargo xtask codegen` runs: the previous summary and changelog are the ones on disk, so
    // an unchanged API leaves CHANGES.md as committed (a rerun is a no-op).
    let opts = Options::new(root()).with_previous_from_disk();
    let a = generate(&opts).unwrap();
    let b = generate(&opts).unwrap();
    assert_eq!(a.files, b.files, "two runs must be byte-identical");
    let drift = alma_codegen::write::check_project(&root(), &a.files).unwrap();
    assert!(
        drift.is_empty(),
        "generated/ is stale, run `cargo xtask codegen`: {drift:?}"
    );
}

/// Helpers are bound to operations by method and path, not by their configured names: renaming
/// the job operations in `specs/naming.toml` keeps `run_job_and_wait`, calling the new names.
#[test]
fn renaming_the_job_operations_keeps_run_job_and_wait() {
    let Some(mirror) = common::mirror() else {
        return;
    };
    let project = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(project.path().join("specs")).unwrap();
    for f in [
        "areas.toml",
        "corrections.toml",
        "overlays/items-by-barcode.yaml",
    ] {
        let to = project.path().join("specs").join(f);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(root().join("specs").join(f), to).unwrap();
    }
    let naming = std::fs::read_to_string(root().join("specs/naming.toml"))
        .unwrap()
        .replace("= \"submit_job\"", "= \"launch_job\"")
        .replace("= \"get_job_instance\"", "= \"read_job_run\"");
    std::fs::write(project.path().join("specs/naming.toml"), naming).unwrap();
    let gen = generate(&Options {
        project_root: project.path().to_path_buf(),
        specs: Some(mirror),
        previous_summary: None,
        previous_changes: None,
        areas: None,
    })
    .unwrap();
    let conf = &gen
        .files
        .iter()
        .find(|f| f.path == "src/conf/operations.rs")
        .unwrap()
        .contents;
    assert!(conf.contains("pub async fn run_job_and_wait("));
    // `op=run`, the only documented value, is sent by the submit method itself.
    assert!(conf.contains("self.launch_job(job_id.clone(), job)"));
    assert!(conf.contains("self.read_job_run(job_id.clone(), instance_id.clone())"));
}

/// `--areas conf`: only that area is generated, the other areas' corrections are not reported
/// stale, and an unknown name is an error listing the areas there are.
#[test]
fn areas_option_generates_a_subset() {
    if common::mirror().is_none() {
        return;
    }
    let conf = generate(&Options {
        areas: Some(vec!["conf".into()]),
        ..Options::new(root())
    })
    .unwrap();
    let names: Vec<&str> = conf.api.areas.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["conf"]);
    assert!(
        conf.stale_corrections.is_empty(),
        "{:?}",
        conf.stale_corrections
    );
    assert!(conf
        .files
        .iter()
        .any(|f| f.path == "src/conf/operations.rs"));
    assert!(!conf.files.iter().any(|f| f.path.starts_with("src/users/")));
    let err = generate(&Options {
        areas: Some(vec!["conf".into(), "loans".into()]),
        ..Options::new(root())
    })
    .err()
    .expect("an unknown area fails")
    .to_string();
    assert!(
        err.contains("\"loans\"") && err.contains("users") && err.contains("--areas"),
        "{err}"
    );
}
