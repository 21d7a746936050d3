//! The request path's stages alone, without a server (a module of its own: it builds a client,
//! which sits above the stages).

use http::StatusCode;

use crate::orchestrate::{Call, Failed};
use crate::spec::{Method, OperationSpec, MAX_REQUEST_BYTES};
use crate::{Client, Error, GatewayError};

static PUT: OperationSpec = OperationSpec {
    name: "test.update_thing",
    method: Method::Put,
    path: "/almaws/v1/things",
    xml_only_body: false,
    read_only: crate::ReadOnlyAccess::Denied,
};

fn builder(read_only: bool) -> Call {
    let client = Client::builder()
        .api_key("k")
        .base_url("http://127.0.0.1:9")
        .read_only(read_only)
        .build()
        .unwrap();
    Call::new(client.inner.clone(), &PUT)
}

fn api_error(status: u16, code: &str) -> Error {
    Error::Api {
        operation: PUT.name,
        status: StatusCode::from_u16(status).unwrap(),
        gateway: GatewayError::classify(status, code, ""),
        errors: vec![crate::ErrorDetail {
            code: code.into(),
            message: String::new(),
            tracking_id: None,
        }],
        body_snippet: None,
        headers: Box::default(),
    }
}

#[test]
fn guard_refuses_before_sending() {
    assert!(matches!(
        builder(true).guard(None),
        Err(Error::ReadOnly { method: "PUT", .. })
    ));
    let b = builder(false);
    assert!(b.guard(Some(MAX_REQUEST_BYTES)).is_ok());
    assert!(matches!(
        b.guard(Some(MAX_REQUEST_BYTES + 1)),
        Err(Error::RequestTooLarge { .. })
    ));
}

#[tokio::test]
async fn classify_ends_the_call_on_the_daily_threshold_and_slows_on_429() {
    let b = builder(false);
    let gov = &b.config.governor;
    let throttled = |b: &Call| b.config.governor.stats().throttled;
    let before = throttled(&b);
    let retry = b
        .classify(Err(Failed::from(api_error(429, "PER_SECOND_THRESHOLD"))))
        .await;
    assert!(
        matches!(retry, Ok(Err(Error::Api { .. }))),
        "429 goes on to the retry stage"
    );
    assert_eq!(throttled(&b), before + 1);
    assert!(gov.exhausted().is_none());
    let quota = b
        .classify(Err(Failed::from(api_error(400, "DAILY_THRESHOLD"))))
        .await;
    assert!(
        matches!(quota, Err(Error::DailyQuota { .. })),
        "ends the call"
    );
    assert!(gov.exhausted().is_some(), "and the quota is known used up");
    // The guard now refuses locally.
    assert!(matches!(b.guard(None), Err(Error::DailyQuota { .. })));
}
