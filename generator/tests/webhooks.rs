//! The webhooks module from a small hand-written payload (golden case "jobs"): the actions its
//! fields document, payload fields of published types as the API's own models, and the copies
//! the XSD carries of them never becoming types of their own.

use alma_codegen::ir::{ModelKind, TypeRef};
use alma_codegen::{generate, Options};

#[test]
fn the_payload_uses_the_apis_models_and_documents_its_actions() {
    let case = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/jobs");
    let gen = generate(&Options::new(&case)).unwrap();
    let area = gen.api.areas.iter().find(|a| a.name == "webhooks").unwrap();
    assert!(area.operations.is_empty());
    let w = area.webhook.as_ref().unwrap();
    let actions: Vec<(&str, &str, Vec<&str>)> = w
        .actions
        .iter()
        .map(|a| {
            (
                a.action.as_str(),
                a.variant.as_str(),
                a.fields.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("JOB_END", "JobEnd", vec!["job_instance"]),
            ("WIDGET_MOVED", "WidgetMoved", vec!["widget"]),
            ("WIDGET_SOLD", "WidgetSold", vec!["widget"]),
        ]
    );
    let payload = &gen.api.models[&w.model];
    let ModelKind::Struct { fields } = &payload.kind else {
        panic!("{payload:?}")
    };
    let ty = |key: &str| fields.iter().find(|f| f.name == key).map(|f| f.ty.clone());
    let job = "schemas/rest_job_instance.json#/job_instance";
    assert_eq!(ty("job_instance"), Some(TypeRef::Model(job.into())));
    // The job instance is one type, shared by the conf area and the webhooks module.
    assert_eq!(gen.api.models[job].areas, ["conf", "webhooks"]);
    let names: Vec<&str> = gen.api.models.values().map(|m| m.name.as_str()).collect();
    assert_eq!(
        names
            .iter()
            .filter(|n| n.contains("JobInstance") && **n != "JobInstances")
            .count(),
        1,
        "{names:?}"
    );
    assert!(names.contains(&"Widget"), "{names:?}");
}
