//! The lean receiver verifies and decodes real webhook payloads, and refuses a wrong signature,
//! built without the HTTP client.

use std::process::Command;

use alma_sdk::runtime::webhooks::Webhooks;

fn receive(signature: &str, file: &str, content_type: &str) -> (bool, String, String) {
    let path = format!("{}/../tests/webhooks/{file}", env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(env!("CARGO_BIN_EXE_alma-webhook-lean"))
        .args(["s3cret", signature, &path, content_type])
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn signed(file: &str) -> String {
    let path = format!("{}/../tests/webhooks/{file}", env!("CARGO_MANIFEST_DIR"));
    Webhooks::new("s3cret")
        .unwrap()
        .sign(&std::fs::read(path).unwrap())
}

#[test]
fn verifies_and_decodes_json_and_xml_calls() {
    let (ok, out, err) = receive(&signed("job_end.json"), "job_end.json", "application/json");
    assert!(ok, "{err}");
    assert!(out.starts_with("JOB_END "), "{out}");
    let (ok, out, err) = receive(&signed("loan.xml"), "loan.xml", "application/xml");
    assert!(ok, "{err}");
    assert!(out.starts_with("LOAN "), "{out}");
}

#[test]
fn a_wrong_signature_is_refused() {
    let (ok, out, err) = receive(&signed("loan.xml"), "job_end.json", "application/json");
    assert!(!ok && out.is_empty(), "{out}");
    assert!(err.contains("refused (401)"), "{err}");
}
