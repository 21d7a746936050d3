//! The generated client end to end against a local mock server: routing, parameters, typed
//! bodies in JSON and XML, the MARCXML rule and the GET → PUT update helper.

mod common;

use alma_sdk::runtime::{Format, Model, RawBody};
use alma_sdk::Client;
use wiremock::matchers::{body_string_contains, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const KEY: &str = "test-key-123";

fn client(server: &MockServer) -> Client {
    Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .build()
        .unwrap()
}

fn fixture(rel: &str) -> Option<Vec<u8>> {
    std::fs::read(common::fixtures_dir().join(rel)).ok()
}

#[tokio::test]
async fn get_user_is_typed_and_routed() {
    let Some(body) =
        fixture("Swiss-Library-Service-Platform+almapiwrapper/test__data__user_test1.json")
    else {
        return;
    };
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/almaws/v1/users/jdoe%40example.org"))
        .and(query_param("view", "full"))
        .and(query_param("expand", "loans,requests"))
        .and(header("authorization", "apikey test-key-123"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(body, "application/json")
                .insert_header("X-Exl-Api-Remaining", "999"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let r = client(&server)
        .users()
        .get_user("jdoe@example.org")
        .view("full")
        .expand("loans,requests")
        .send()
        .await
        .unwrap();
    assert_eq!(r.remaining, Some(999));
    assert!(r.value.primary_id.as_deref().is_some_and(|p| !p.is_empty()));
    assert!(r.value.contact_info.is_some());
    assert!(
        !r.value.user_role.is_empty(),
        "wrapped arrays arrive under the singular key"
    );
}

#[tokio::test]
async fn required_query_parameters_are_arguments() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/almaws/v1/users/jdoe/loans/123"))
        .and(query_param("op", "renew"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("{}", "application/json"))
        .expect(1)
        .mount(&server)
        .await;
    client(&server)
        .users()
        .renew_loan("jdoe", "123")
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn xml_client_decodes_typed_xml() {
    let Some(body) = fixture("scriptotek+php-alma-client/spec__data__bib_response.xml") else {
        return;
    };
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(header("accept", "application/xml"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body.clone(), "application/xml"))
        .mount(&server)
        .await;
    let c = Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .format(Format::Xml)
        .build()
        .unwrap();
    let bib = c
        .bibs()
        .get_bib("990006312214702204")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(bib.mms_id.is_some());
    assert_eq!(bib.anies.len(), 1, "the MARCXML record is kept");
    // The record is kept byte for byte.
    let text = String::from_utf8(body).unwrap();
    let start = text.find("<record").unwrap();
    let end = text.rfind("</record>").unwrap() + "</record>".len();
    assert_eq!(bib.anies[0], &text[start..end]);
    // And written back as it was.
    assert!(bib.to_xml().unwrap().contains(&text[start..end]));
}

#[tokio::test]
async fn marcxml_operations_send_xml_from_a_json_client() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/almaws/v1/bibs"))
        .and(header("content-type", "application/xml"))
        .and(header("accept", "application/json"))
        .and(body_string_contains("<record><leader>"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(r#"{"mms_id": "991"}"#, "application/json"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let bib = alma_sdk::bibs::models::BibPost {
        anies: vec![r#"<?xml version="1.0" encoding="UTF-16"?><record><leader>00000nam a2200000 i 4500</leader></record>"#.into()],
        ..Default::default()
    };
    let r = client(&server).bibs().create_bib(bib).send().await.unwrap();
    assert_eq!(r.value.mms_id.as_deref(), Some("991"));
    let sent = &server.received_requests().await.unwrap()[0];
    let sent = String::from_utf8(sent.body.clone()).unwrap();
    assert!(
        sent.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\""),
        "{sent}"
    );
    assert!(
        !sent.contains("UTF-16"),
        "the embedded declaration is dropped: {sent}"
    );
}

#[tokio::test]
async fn update_helper_keeps_fields_the_sdk_does_not_know() {
    let server = MockServer::start().await;
    let current = r#"{"primary_id": "jdoe", "first_name": "Jane", "last_name": "Doe",
        "a_field_from_2030": {"deep": [1, 2, 3]}, "user_role": [{"status": {"value": "ACTIVE"}}]}"#;
    Mock::given(method("GET"))
        .and(path("/almaws/v1/users/jdoe"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(current, "application/json"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/almaws/v1/users/jdoe"))
        .and(header("content-type", "application/json"))
        .respond_with(|req: &Request| {
            ResponseTemplate::new(200).set_body_raw(req.body.clone(), "application/json")
        })
        .expect(1)
        .mount(&server)
        .await;
    let r = client(&server)
        .users()
        .update_user_with("jdoe", |u| u.first_name = Some("Janet".into()))
        .await
        .unwrap();
    assert_eq!(r.value.first_name.as_deref(), Some("Janet"));
    let sent: serde_json::Value =
        serde_json::from_slice(&server.received_requests().await.unwrap()[1].body).unwrap();
    assert_eq!(
        sent["a_field_from_2030"]["deep"],
        serde_json::json!([1, 2, 3])
    );
    assert_eq!(sent["last_name"], "Doe");
    assert_eq!(sent["user_role"][0]["status"]["value"], "ACTIVE");
}

#[tokio::test]
async fn untyped_operations_take_and_return_raw_bodies() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/almaws/v1/courses"))
        .and(header("content-type", "application/json"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(r#"{"code": "V1"}"#, "application/json"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let body = RawBody::json(&serde_json::json!({"code": "V1", "name": "Course"}));
    let r = client(&server)
        .courses()
        .create_course(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.value.to_json().unwrap()["code"], "V1");
}

#[tokio::test]
async fn request_options_override_the_client() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/almaws/v1/conf/libraries"))
        .and(query_param("lang", "fr"))
        .and(header("accept", "application/xml"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"<libraries total_record_count="1"><library link="https://x/lib/MAIN"><code>MAIN</code><name>Main</name><campus desc="Main campus">C1</campus></library></libraries>"#,
            "application/xml",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let r = client(&server)
        .conf()
        .list_libraries()
        .with_format(Format::Xml)
        .with_lang("fr")
        .send()
        .await
        .unwrap();
    let libs = r.into_inner();
    assert_eq!(libs.total_record_count, Some(1));
    assert_eq!(libs.library[0].code, "MAIN");
    assert_eq!(libs.library[0].link.as_deref(), Some("https://x/lib/MAIN"));
    let campus = libs.library[0].campus.as_ref().unwrap();
    assert_eq!(
        (campus.value.as_str(), campus.desc.as_deref()),
        ("C1", Some("Main campus"))
    );
}

/// Lists without a published schema still stream: records come from the page's one array field.
#[tokio::test]
async fn untyped_lists_stream_their_records_as_json() {
    let server = MockServer::start().await;
    let page = |from: usize, n: usize| {
        let courses: Vec<_> = (from..from + n)
            .map(|i| serde_json::json!({"code": format!("F{i}")}))
            .collect();
        serde_json::json!({"course": courses, "total_record_count": -1}).to_string()
    };
    for (offset, body) in [("0", page(0, 100)), ("100", page(100, 3))] {
        Mock::given(method("GET"))
            .and(path("/almaws/v1/courses"))
            .and(query_param("limit", "100"))
            .and(query_param("offset", offset))
            .and(header("accept", "application/json"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
            .expect(1)
            .mount(&server)
            .await;
    }
    // Asked for in JSON even from an XML client.
    let c = Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .format(Format::Xml)
        .build()
        .unwrap();
    let courses = c
        .courses()
        .list_courses()
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    let codes: Vec<&str> = courses
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes.len(), 103);
    assert_eq!((codes[0], codes[102]), ("F0", "F102"));

    // A page that does not say which field holds the records ends the stream with an error.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(r#"{"a": [1], "b": [2]}"#, "application/json"),
        )
        .mount(&server)
        .await;
    let mut stream = client(&server).courses().list_courses().into_stream();
    let err = stream.next().await.unwrap().unwrap_err();
    assert!(
        err.to_string()
            .contains("cannot tell which field holds the records: a, b"),
        "{err}"
    );
    assert!(stream.next().await.is_none());
}

/// GET → change one field → PUT, on a real recorded user: the body sent is the body received with
/// that one field changed, nothing else (spellings, nulls, empty strings, unknown fields kept).
#[tokio::test]
async fn update_helper_changes_only_what_the_closure_changed() {
    let Ok(current) = std::fs::read(
        common::fixtures_dir().join("scriptotek+php-alma-client/spec__data__user_response.json"),
    ) else {
        panic!("the fixtures in ../shared/alma-fixtures are needed");
    };
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/almaws/v1/users/jdoe"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(current.clone(), "application/json"))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/almaws/v1/users/jdoe"))
        .respond_with(|req: &Request| {
            ResponseTemplate::new(200).set_body_raw(req.body.clone(), "application/json")
        })
        .mount(&server)
        .await;
    client(&server)
        .users()
        .update_user_with("jdoe", |u| u.job_description = Some("Cataloguer".into()))
        .await
        .unwrap();
    let sent: serde_json::Value =
        serde_json::from_slice(&server.received_requests().await.unwrap()[1].body).unwrap();
    let mut expected: serde_json::Value = serde_json::from_slice(&current).unwrap();
    expected["job_description"] = serde_json::json!("Cataloguer");
    let mut diff = Vec::new();
    common::strict_json_diff(&expected, &sent, "", &mut diff);
    assert!(
        diff.is_empty(),
        "the PUT changed more than job_description: {diff:?}"
    );
}

/// Alma's documented codes are typed per operation: `err.kind::<GetUserError>()`, with the codes
/// the operation does not document kept in `Other`.
#[tokio::test]
async fn documented_error_codes_match_by_kind() {
    use alma_sdk::users::GetUserError;
    let server = MockServer::start().await;
    let answer = |code: &str| {
        ResponseTemplate::new(400).set_body_raw(
            format!(r#"{{"errorsExist":true,"errorList":{{"error":[{{"errorCode":"{code}","errorMessage":"m","trackingId":"E01-1"}}]}}}}"#)
                .into_bytes(),
            "application/json",
        )
    };
    Mock::given(method("GET"))
        .and(path("/almaws/v1/users/nobody"))
        .respond_with(answer("401861"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/almaws/v1/users/odd"))
        .respond_with(answer("999999"))
        .mount(&server)
        .await;
    let c = client(&server);
    let err = c.users().get_user("nobody").send().await.unwrap_err();
    assert_eq!(err.kind::<GetUserError>(), Some(GetUserError::UserNotFound));
    assert_eq!(GetUserError::UserNotFound.code(), "401861");
    let err = c.users().get_user("odd").send().await.unwrap_err();
    assert_eq!(
        err.kind::<GetUserError>(),
        Some(GetUserError::Other("999999".into()))
    );
}

/// A typed answer that is not what the model reads fails with the decoder's error as the source,
/// and the parser's error below it.
#[tokio::test]
async fn a_body_that_does_not_decode_keeps_its_cause() {
    use std::error::Error as _;
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/almaws/v1/users/jdoe"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(b"{\"primary_id\": ".to_vec(), "application/json"),
        )
        .mount(&server)
        .await;
    let err = client(&server)
        .users()
        .get_user("jdoe")
        .send()
        .await
        .unwrap_err();
    let decode = err.source().expect("the decoder's error");
    assert!(decode.is::<alma_sdk::runtime::DecodeError>(), "{decode:?}");
    assert!(
        decode.source().is_some_and(|p| p.is::<serde_json::Error>()),
        "{decode:?}"
    );
}
