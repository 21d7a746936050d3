//! Calls as Alma's prose describes them (`generator/src/lower/prose.rs`), checked on the request
//! lines a server records: optional dates left out, one of an either/or group, the password in
//! its header and never in a URL, a 204 answer, and a document that is not the model refused.

mod common;

use alma_sdk::bibs::ScanInItemCircDeskOrDepartment;
use alma_sdk::models::User;
use alma_sdk::runtime::{Error, Model};
use alma_sdk::users::AuthenticateOrRefreshUserOp;
use alma_sdk::Client;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const PASSWORD: &str = "p@ss w0rd&secret=1";

async fn server(answer: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any()).respond_with(answer).mount(&server).await;
    server
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .api_key("l7xx-prose-key")
        .base_url(server.uri())
        .build()
        .unwrap()
}

fn pairs(r: &Request) -> Vec<(String, String)> {
    r.url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn names(r: &Request) -> Vec<String> {
    pairs(r).into_iter().map(|(k, _)| k).collect()
}

#[tokio::test]
async fn job_instances_by_the_job_id_alone() {
    let server = server(
        ResponseTemplate::new(200).set_body_json(serde_json::json!({"total_record_count": 0})),
    )
    .await;
    let c = client(&server);
    c.conf().list_job_instances("M123").send().await.unwrap();
    c.conf()
        .list_job_instances("M123")
        .submit_date_from("2026-01-01")
        .send()
        .await
        .unwrap();
    let sent = server.received_requests().await.unwrap();
    assert_eq!(sent[0].url.path(), "/almaws/v1/conf/jobs/M123/instances");
    assert_eq!(names(&sent[0]), Vec::<String>::new(), "{}", sent[0].url);
    assert_eq!(names(&sent[1]), ["submit_date_from"]);
}

#[tokio::test]
async fn scan_in_sends_exactly_one_of_desk_and_department() {
    let server = server(
        ResponseTemplate::new(200)
            .set_body_json(serde_json::json!({"bib_data": {}, "item_data": {}})),
    )
    .await;
    let c = client(&server);
    c.bibs()
        .scan_in_item(
            "99",
            "22",
            "23",
            "MAIN",
            ScanInItemCircDeskOrDepartment::circ_desk("DESK1"),
        )
        .send()
        .await
        .unwrap();
    let at_department = ScanInItemCircDeskOrDepartment::Department {
        department: "DIGI".into(),
        work_order_type: Some("Digitization".into()),
        status: None,
        done: Some("true".into()),
    };
    c.bibs()
        .scan_in_item("99", "22", "23", "MAIN", at_department)
        .send()
        .await
        .unwrap();
    let sent = server.received_requests().await.unwrap();
    let mut desk = pairs(&sent[0]);
    desk.sort();
    assert_eq!(
        desk,
        [("circ_desk", "DESK1"), ("library", "MAIN"), ("op", "scan")]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
    );
    let mut dept = names(&sent[1]);
    dept.sort();
    assert_eq!(
        dept,
        ["department", "done", "library", "op", "work_order_type"]
    );
}

#[tokio::test]
async fn authentication_sends_the_password_in_its_header_only_and_decodes_a_204() {
    let server = server(ResponseTemplate::new(204)).await;
    let c = client(&server);
    let builder = c
        .users()
        .authenticate_or_refresh_user("jdoe", AuthenticateOrRefreshUserOp::auth(PASSWORD));
    let shown = format!("{builder:?}");
    assert!(shown.contains("Secret(<redacted>)"), "{shown}");
    let answer = builder.send().await.unwrap();
    assert_eq!(answer.status.as_u16(), 204);
    let () = answer.value;
    c.users()
        .authenticate_or_refresh_user("jdoe", AuthenticateOrRefreshUserOp::refresh())
        .send()
        .await
        .unwrap();
    let sent = server.received_requests().await.unwrap();
    let encoded: String = url::form_urlencoded::byte_serialize(PASSWORD.as_bytes()).collect();
    assert_eq!(
        sent[0].headers.get("exl-user-pw").unwrap(),
        encoded.as_str()
    );
    assert_eq!(pairs(&sent[0]), [("op".to_owned(), "auth".to_owned())]);
    assert_eq!(pairs(&sent[1]), [("op".to_owned(), "refresh".to_owned())]);
    assert!(
        sent[1].headers.get("exl-user-pw").is_none(),
        "a refresh sends no password"
    );
    for r in &sent {
        assert!(
            !r.url.as_str().contains("p%40ss") && !r.url.as_str().contains("w0rd"),
            "{}",
            r.url
        );
    }
    assert!(
        !shown.contains("w0rd") && !shown.contains(&encoded),
        "{shown}"
    );
}

#[tokio::test]
async fn an_alma_error_on_authentication_never_shows_the_password() {
    let server = server(ResponseTemplate::new(400).set_body_json(serde_json::json!({
        "errorsExist": true,
        "errorList": {"error": [{"errorCode": "401866", "errorMessage": "User authentication failed", "trackingId": "E01-1"}]}
    })))
    .await;
    let c = client(&server);
    let err = c
        .users()
        .authenticate_or_refresh_user("jdoe", AuthenticateOrRefreshUserOp::auth(PASSWORD))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.meta().code, Some("401866"));
    let text = format!("{err} {err:?}");
    assert!(!text.contains("w0rd"), "{text}");
}

#[tokio::test]
async fn a_document_that_is_not_the_model_is_refused() {
    let user = serde_json::json!({"primary_id": "jdoe", "first_name": "J"});
    let enveloped = serde_json::json!({"response": user.clone()}).to_string();
    let err = User::from_json(enveloped.as_bytes())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("not a User") && err.contains("response"),
        "{err}"
    );
    // Drift (a known field beside unknown ones) is read and kept, as before.
    let drifted = serde_json::json!({"primary_id": "jdoe", "new_field": 1}).to_string();
    let u = User::from_json(drifted.as_bytes()).unwrap();
    assert_eq!(u.primary_id.as_deref(), Some("jdoe"));
    assert_eq!(u.unknown_fields(), ["new_field"]);
    // From a server: a decode error naming the model and the keys.
    let server = server(ResponseTemplate::new(200).set_body_string(enveloped)).await;
    let err = client(&server)
        .users()
        .get_user("jdoe")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert!(err.to_string().contains("not a User"), "{err}");
}

#[test]
fn a_model_s_debug_never_shows_a_password_or_pin() {
    let user = User::from_json(
        br#"{"primary_id": "jdoe", "password": "hunter2-pw", "pin_number": "4711", "user_note": [], "new_password": "x9-secret"}"#,
    )
    .unwrap();
    let shown = format!("{user:?}");
    for secret in ["hunter2-pw", "4711", "x9-secret"] {
        assert!(!shown.contains(secret), "{shown}");
    }
    // `User` has no such fields: they are kept as unknown, and hidden there too.
    assert!(
        shown.contains("\"password\": <redacted>") && shown.contains("jdoe"),
        "{shown}"
    );
    // A model that declares them (what a new user is created with).
    let post = alma_sdk::models::UserPost::from_json(
        br#"{"primary_id": "jdoe", "password": "hunter2-pw", "pin_number": "4711"}"#,
    )
    .unwrap();
    let shown = format!("{post:?}");
    assert!(
        !shown.contains("hunter2-pw") && !shown.contains("4711"),
        "{shown}"
    );
    assert!(
        shown.contains("password: <redacted>") && shown.contains("pin_number: <redacted>"),
        "{shown}"
    );
    // An empty one says so: nothing to hide.
    let none = format!(
        "{:?}",
        alma_sdk::models::UserPost::from_json(br#"{"primary_id": "jdoe"}"#).unwrap()
    );
    assert!(none.contains("password: None"), "{none}");
    // The value itself is kept and sent back.
    assert!(user.to_json().unwrap().contains("hunter2-pw"));
}
