//! Every error shape of the Alma guide, as the gateway and Alma send them.

use alma_runtime::{
    Client, Error, ErrorDetail, GatewayError, Method, OperationSpec, RawBody, ReadOnlyAccess,
};
use wiremock::{Mock, MockServer, ResponseTemplate};

static GET: OperationSpec = OperationSpec {
    name: "users.get_user",
    method: Method::Get,
    path: "/almaws/v1/users/{user_id}",
    xml_only_body: false,
    read_only: ReadOnlyAccess::Allowed,
};

const KEY: &str = "l7xx-do-not-print-me";

fn gateway_xml(code: &str, message: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<web_service_result xmlns="http://com/exlibris/urm/general/xmlbeans">
  <errorsExist>true</errorsExist>
  <errorList>
    <error>
      <errorCode>{code}</errorCode>
      <errorMessage>{message}</errorMessage>
    </error>
  </errorList>
</web_service_result>"#
    )
}

async fn answer(status: u16, body: &str, content_type: &str) -> Error {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(
            ResponseTemplate::new(status).set_body_raw(body.as_bytes().to_vec(), content_type),
        )
        .mount(&server)
        .await;
    // JSON is asked for: gateway errors come back as XML anyway.
    let c = Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .no_retries()
        .build()
        .unwrap();
    let err = c
        .request(&GET)
        .path_param("user_id", "jdoe".into())
        .send::<RawBody>()
        .await
        .unwrap_err();
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(!text.contains(KEY), "key leaked: {text}");
    }
    err
}

#[tokio::test]
async fn every_gateway_error_of_the_guide() {
    let rows = [
        (500, "GENERAL_ERROR", "A Gateway error has occurred - Make sure you add an appropriate apikey as a parameter or a header.", GatewayError::MissingApiKey, false),
        (400, "GENERAL_ERROR", "A Gateway error: XML was received but content-type header was not set to: application/xml", GatewayError::XmlContentTypeNotSet, false),
        (400, "UNAUTHORIZED", "API-key not defined or not configured to allow this API.", GatewayError::ApiKeyNotAllowed, false),
        (403, "UNAUTHORIZED", "If your account has not been authorized, your requests are directed to the demo server and only GET requests are allowed.", GatewayError::DemoServerGetOnly, false),
        (403, "UNAUTHORIZED", "HTTP requests for this API Plan (Basic) must be GET only.", GatewayError::GetOnlyPlan, false),
        (403, "INVALID_REQUEST", "Rejected by gateway due to invalid API-key.", GatewayError::InvalidApiKey, false),
        (429, "PER_SECOND_THRESHOLD", "HTTP requests are more than allowed per second. See https://goo.gl/2x1c1M ", GatewayError::PerSecondThreshold, true),
        (403, "REQUEST_TOO_LARGE", "Rejected by gateway due to message size limit. The current size limit is 512kb.", GatewayError::RequestTooLarge, false),
        (403, "FORBIDDEN", "HTTP requests from IP address 10.1.2.3 are not allowed.", GatewayError::IpNotAllowed, false),
        (400, "GENERAL_ERROR", "A Gateway error has occurred: XML is not well-formed", GatewayError::XmlNotWellFormed, false),
        (503, "ROUTING_ERROR", "No response from Alma: eu01 (down for maintenance)", GatewayError::RoutingError, true),
        (400, "DAILY_THRESHOLD", "Daily API Request Threshold has been reached. For details see: https://developers.exlibrisgroup.com/alma/apis#threshold", GatewayError::DailyThreshold, false),
        (500, "INTERNAL_SERVER_ERROR", "The web server encountered an unexpected condition that prevented it from fulfilling the request.", GatewayError::InternalServerError, false),
    ];
    for (status, code, message, expected, retryable) in rows {
        let err = answer(status, &gateway_xml(code, message), "application/xml").await;
        assert_eq!(err.gateway(), Some(expected), "{status} {code}: {err:?}");
        assert_eq!(err.code(), Some(code));
        assert_eq!(err.message(), Some(message));
        if expected == GatewayError::DailyThreshold {
            // The daily quota is its own error, which says when it resets.
            assert!(matches!(err, Error::DailyQuota { .. }), "{err:?}");
            assert!(err.quota_resets_at().is_some());
        } else {
            assert_eq!(err.status().map(|s| s.as_u16()), Some(status));
        }
        assert_eq!(err.is_retryable(), retryable, "{code}");
        let shown = err.to_string();
        assert!(
            shown.contains(code) && shown.contains("users.get_user"),
            "{shown}"
        );
        assert_eq!(expected.code(), code);
    }
}

#[tokio::test]
async fn logical_error_list_as_array_and_as_object() {
    let array = r#"{"errorsExist":true,"errorList":{"error":[
        {"errorCode":"401861","errorMessage":"User with identifier 1234 was not found.","trackingId":"E01-0101190932-VOBYO-AWAE1554214409"},
        {"errorCode":"402119","errorMessage":"General error."}]},"result":null}"#;
    let err = answer(400, array, "application/json").await;
    assert_eq!(err.code(), Some("401861"));
    assert_eq!(
        err.tracking_id(),
        Some("E01-0101190932-VOBYO-AWAE1554214409")
    );
    assert_eq!(err.details().len(), 2);
    assert_eq!(err.gateway(), None);
    assert!(!err.is_retryable());
    assert_eq!(
        err.to_string(),
        "users.get_user: HTTP 400: 401861: User with identifier 1234 was not found. (tracking id E01-0101190932-VOBYO-AWAE1554214409) (+1 more)"
    );

    let object = r#"{"web_service_result":{"errorsExist":true,"errorList":{"error":{"errorCode":"401890","errorMessage":"User with identifier X of type Y was not found.","trackingId":"E01-X"}}}}"#;
    let err = answer(404, object, "application/json").await;
    assert_eq!(
        err.details(),
        &[ErrorDetail {
            code: "401890".into(),
            message: "User with identifier X of type Y was not found.".into(),
            tracking_id: Some("E01-X".into())
        }]
    );
}

#[tokio::test]
async fn internal_server_error_in_xml_with_tracking_id() {
    let body = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<web_service_result xmlns="http://com/exlibris/urm/general/xmlbeans">
  <errorsExist>true</errorsExist>
  <errorList>
    <error>
      <errorCode>INTERNAL_SERVER_ERROR</errorCode>
      <errorMessage>The web server encountered an unexpected condition that prevented it from fulfilling the request.</errorMessage>
      <trackingId>E01-2303131047-FGBKX-TSE188753689</trackingId>
    </error>
  </errorList>
</web_service_result>"#;
    // Served with a JSON content type although it is XML: the body decides.
    let err = answer(500, body, "application/json").await;
    assert_eq!(err.gateway(), Some(GatewayError::InternalServerError));
    assert_eq!(err.tracking_id(), Some("E01-2303131047-FGBKX-TSE188753689"));
}

#[tokio::test]
async fn proxy_pages_empty_and_truncated_bodies() {
    let html = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>";
    let err = answer(502, html, "text/html").await;
    assert_eq!(err.status().unwrap().as_u16(), 502);
    assert!(err.details().is_empty());
    assert!(err.is_retryable());
    assert!(err.to_string().contains("502 Bad Gateway"), "{err}");

    let err = answer(500, "", "text/plain").await;
    assert!(err.to_string().contains("empty body"), "{err}");
    assert!(!err.is_retryable());

    let err = answer(503, "", "text/plain").await;
    assert_eq!(
        err.gateway(),
        Some(GatewayError::RoutingError),
        "a bare 503 is maintenance"
    );

    let err = answer(429, "Too Many Requests", "text/plain").await;
    assert_eq!(err.gateway(), Some(GatewayError::PerSecondThreshold));

    // A truncated error document still yields an error with its status and snippet.
    let err = answer(
        400,
        r#"{"errorsExist":true,"errorList":{"error":[{"errorCode":"4018"#,
        "application/json",
    )
    .await;
    assert_eq!(err.status().unwrap().as_u16(), 400);
    assert!(err.to_string().contains("errorCode"), "{err}");
}

#[tokio::test]
async fn undecodable_success_bodies_say_what_arrived() {
    #[derive(Debug, Clone, PartialEq)]
    struct User {
        primary_id: String,
    }
    impl alma_runtime::Codec for User {
        fn from_node(node: alma_runtime::Node<'_>) -> Result<Self, alma_runtime::DecodeError> {
            let mut primary_id = String::new();
            alma_runtime::codec::decode_object(node, "User", &mut |k, v, r| {
                if k != "primary_id" {
                    return Ok(Some(v));
                }
                primary_id = r.read(0, v)?;
                Ok(None)
            })?;
            Ok(User { primary_id })
        }
        fn to_value(&self) -> serde_json::Value {
            serde_json::json!({ "primary_id": self.primary_id })
        }
    }
    impl alma_runtime::Model for User {}
    impl alma_runtime::Described for User {
        const NAME: &'static str = "User";
        fn desc() -> &'static alma_runtime::desc::ModelDesc {
            static M: alma_runtime::desc::ModelDesc = alma_runtime::desc::ModelDesc {
                root: "user",
                fields: &[],
            };
            &M
        }
    }
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"primary_id": "jd"#.as_bytes().to_vec(),
            "application/json",
        ))
        .mount(&server)
        .await;
    let c = Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .no_retries()
        .build()
        .unwrap();
    let err = c
        .request(&GET)
        .path_param("user_id", "jd".into())
        .send::<User>()
        .await
        .unwrap_err();
    match &err {
        Error::Decode {
            status,
            content_type,
            body_snippet,
            ..
        } => {
            assert_eq!(status.as_u16(), 200);
            assert_eq!(content_type.as_deref(), Some("application/json"));
            assert_eq!(body_snippet, r#"{"primary_id": "jd"#);
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("does not decode"), "{err}");
}
