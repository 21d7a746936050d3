//! Runtime v2: errors that keep their cause and metadata, the caller's own HTTP client, and hooks
//! around every attempt (retries included).

use std::error::Error as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use alma_runtime::{
    AttemptInfo, BeforeSend, Client, Error, Hooks, Method, OperationError, OperationSpec, RawBody,
    ReadOnlyAccess, RetryInfo, RetryPolicy,
};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "l7xx-v2-secret-key";

static GET: OperationSpec = OperationSpec {
    name: "test.get_thing",
    method: Method::Get,
    path: "/almaws/v1/things/{thing_id}",
    xml_only_body: false,
    read_only: ReadOnlyAccess::Allowed,
};

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(10),
        ..RetryPolicy::default()
    }
}

async fn get(client: &Client) -> Result<alma_runtime::Response<RawBody>, Error> {
    client
        .request(&GET)
        .path_param("thing_id", "t1".into())
        .send::<RawBody>()
        .await
}

const NOT_FOUND: &str = r#"{"errorsExist":true,"errorList":{"error":[{"errorCode":"401861","errorMessage":"User with identifier X was not found.","trackingId":"E01-TRACK-1"}]},"result":null}"#;

/// What a generated per-operation error enum looks like (`users::GetUserError`).
#[derive(Debug, PartialEq)]
enum GetThingError {
    UserNotFound,
    Other(String),
}

impl OperationError for GetThingError {
    fn from_code(code: &str) -> Self {
        match code {
            "401861" => GetThingError::UserNotFound,
            other => GetThingError::Other(other.to_string()),
        }
    }
}

#[tokio::test]
async fn api_errors_keep_status_headers_tracking_id_and_match_by_kind() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(400)
                .insert_header("x-exl-api-remaining", "4321")
                .set_body_raw(NOT_FOUND.as_bytes().to_vec(), "application/json"),
        )
        .mount(&server)
        .await;
    let client = Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .build()
        .unwrap();
    let err = get(&client).await.unwrap_err();
    let meta = err.meta();
    assert_eq!(meta.operation, Some("test.get_thing"));
    assert_eq!(meta.status.map(|s| s.as_u16()), Some(400));
    assert_eq!(meta.code, Some("401861"));
    assert_eq!(meta.message, Some("User with identifier X was not found."));
    assert_eq!(meta.tracking_id, Some("E01-TRACK-1"));
    let headers = meta.headers.expect("the answer's headers are kept");
    assert_eq!(headers["x-exl-api-remaining"], "4321");
    assert_eq!(
        err.kind::<GetThingError>(),
        Some(GetThingError::UserNotFound)
    );
    // One helpful line: operation, status, code and message, tracking id.
    assert_eq!(
        err.to_string(),
        "test.get_thing: HTTP 400: 401861: User with identifier X was not found. (tracking id E01-TRACK-1)"
    );
}

#[tokio::test]
async fn metadata_for_every_kind_of_failure() {
    // Transport: nothing listens on the port.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let client = Client::builder()
        .api_key(KEY)
        .base_url(format!("http://{dead}"))
        .no_retries()
        .build()
        .unwrap();
    let err = get(&client).await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    let m = err.meta();
    assert_eq!(
        (m.operation, m.status, m.code),
        (Some("test.get_thing"), None, None)
    );
    assert_eq!(err.kind::<GetThingError>(), None, "no code, no kind");
    // The cause chain is there (reqwest → hyper → io), and no link of it quotes the key.
    let mut chain = Vec::new();
    let mut cur: Option<&dyn std::error::Error> = err.source();
    while let Some(e) = cur {
        chain.push(e.to_string());
        cur = e.source();
    }
    assert!(!chain.is_empty(), "transport errors keep their source");
    assert!(chain.iter().all(|c| !c.contains(KEY)), "{chain:?}");

    // Decode: a success answer that is not the model.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(b"{not json".to_vec(), "application/json"),
        )
        .mount(&server)
        .await;
    let client = Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .build()
        .unwrap();
    let err = client
        .request(&GET)
        .path_param("thing_id", "t1".into())
        .send::<Strict>()
        .await;
    let err = match err {
        Err(e) => e,
        Ok(_) => panic!("decodes"),
    };
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert_eq!(err.meta().status.map(|s| s.as_u16()), Some(200));
    let decode = err.source().expect("decode errors keep their source");
    let parser = decode.source().expect("and the parser's error under it");
    assert!(parser.is::<serde_json::Error>(), "{parser:?}");

    // Local refusals carry the operation too.
    let ro = Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .read_only(true)
        .build()
        .unwrap();
    static PUT: OperationSpec = OperationSpec {
        name: "test.update_thing",
        method: Method::Put,
        path: "/almaws/v1/things",
        xml_only_body: false,
        read_only: ReadOnlyAccess::Denied,
    };
    let err = ro.request(&PUT).send::<RawBody>().await.unwrap_err();
    assert_eq!(err.meta().operation, Some("test.update_thing"));
}

/// A body that must be JSON, decoded the way models are (the parser's error as the source).
struct Strict;

impl alma_runtime::Decode for Strict {
    fn decode(body: &[u8], _: alma_runtime::Format) -> Result<Self, alma_runtime::DecodeError> {
        serde_json::from_slice::<serde_json::Value>(body)
            .map_err(|e| alma_runtime::DecodeError::unparsable("JSON", e))?;
        Ok(Strict)
    }
}

/// Records every attempt and retry, and adds a header to each attempt.
#[derive(Default)]
struct Recorder {
    seen: Mutex<Vec<String>>,
}

impl Hooks for Recorder {
    fn before_send(&self, r: &mut BeforeSend<'_>) -> Result<(), String> {
        assert!(
            !r.headers.contains_key("authorization"),
            "hooks never see the key"
        );
        r.headers.insert(
            "x-request-tag",
            format!("attempt-{}", r.attempt).parse().unwrap(),
        );
        self.seen
            .lock()
            .unwrap()
            .push(format!("send {} {}", r.operation, r.attempt));
        Ok(())
    }
    fn after_response(&self, a: &AttemptInfo<'_>) {
        self.seen.lock().unwrap().push(format!(
            "answer {} {}",
            a.attempt,
            a.status.map(|s| s.as_u16()).unwrap_or(0)
        ));
    }
    fn on_retry(&self, r: &RetryInfo<'_>) {
        self.seen
            .lock()
            .unwrap()
            .push(format!("retry after {}", r.attempt));
    }
}

#[tokio::test]
async fn hooks_see_every_attempt_and_retry_and_add_headers() {
    let server = MockServer::start().await;
    // Two throttled answers, then success; each attempt must carry the hook's header.
    Mock::given(method("GET"))
        .and(header("x-request-tag", "attempt-1"))
        .respond_with(ResponseTemplate::new(429))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("x-request-tag", "attempt-2"))
        .respond_with(ResponseTemplate::new(429))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("x-request-tag", "attempt-3"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(b"{}".to_vec(), "application/json"))
        .mount(&server)
        .await;
    let rec = Arc::new(Recorder::default());
    let client = Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .retry_policy(fast_retries())
        .hooks(rec.clone())
        .build()
        .unwrap();
    get(&client).await.unwrap();
    assert_eq!(
        *rec.seen.lock().unwrap(),
        [
            "send test.get_thing 1",
            "answer 1 429",
            "retry after 1",
            "send test.get_thing 2",
            "answer 2 429",
            "retry after 2",
            "send test.get_thing 3",
            "answer 3 200",
        ]
    );
}

struct Refuse;
impl Hooks for Refuse {
    fn before_send(&self, _: &mut BeforeSend<'_>) -> Result<(), String> {
        Err("maintenance window".into())
    }
}

#[tokio::test]
async fn a_hook_may_refuse_and_nothing_is_sent() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let client = Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .hooks(Refuse)
        .build()
        .unwrap();
    let err = get(&client).await.unwrap_err();
    assert!(matches!(err, Error::Refused { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "test.get_thing: not sent, refused by a hook: maintenance window"
    );
}

/// The caller's own reqwest client, configured with a proxy: the request goes to the proxy (here
/// a mock server standing in for one) in absolute form, for a host that does not resolve.
#[tokio::test]
async fn a_custom_http_client_goes_through_its_proxy() {
    let proxy = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/almaws/v1/things/t1"))
        .and(header("host", "alma.invalid"))
        .and(header("authorization", format!("apikey {KEY}").as_str()))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(b"{\"via\":\"proxy\"}".to_vec(), "application/json"),
        )
        .expect(1)
        .mount(&proxy)
        .await;
    let http = reqwest::Client::builder()
        .proxy(reqwest::Proxy::http(proxy.uri()).unwrap())
        .build()
        .unwrap();
    let client = Client::builder()
        .api_key(KEY)
        .base_url("http://alma.invalid")
        .allow_insecure_http(true)
        .http_client(http)
        .build()
        .unwrap();
    let answer = get(&client).await.unwrap();
    assert_eq!(answer.value.text, "{\"via\":\"proxy\"}");
}

/// Answers over the client's cap are refused before they are decoded or held whole, whether the
/// size is announced or only seen while the body arrives; under the cap they pass.
#[tokio::test]
async fn response_bodies_are_capped() {
    let server = MockServer::start().await;
    let big = vec![b' '; 10_000];
    Mock::given(method("GET"))
        .and(path("/almaws/v1/things/t1"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(big, "application/json"))
        .mount(&server)
        .await;
    let capped = Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .max_response_bytes(4_096)
        .build()
        .unwrap();
    let err = get(&capped).await.unwrap_err();
    match &err {
        Error::ResponseTooLarge {
            received, limit, ..
        } => {
            assert_eq!(*limit, 4_096);
            assert!(*received >= 10_000, "{err}");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        err.to_string()
            .contains("over the client's limit of 4096 bytes"),
        "{err}"
    );
    assert!(!err.is_retryable());
    let roomy = Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .max_response_bytes(10_000)
        .build()
        .unwrap();
    assert_eq!(get(&roomy).await.unwrap().value.text.len(), 10_000);
    assert_eq!(alma_runtime::DEFAULT_MAX_RESPONSE_BYTES, 64 * 1024 * 1024);
}

/// A body without `Content-Length` (chunked) is counted as it arrives.
#[tokio::test]
async fn chunked_bodies_are_capped_as_they_arrive() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 4096];
        let _ = sock.read(&mut buf).await;
        let _ = sock
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
            .await;
        // Far more than the cap, in chunks, without ever saying how much.
        for _ in 0..64 {
            let chunk = vec![b' '; 1024];
            let head = format!("{:x}\r\n", chunk.len());
            if sock.write_all(head.as_bytes()).await.is_err()
                || sock.write_all(&chunk).await.is_err()
                || sock.write_all(b"\r\n").await.is_err()
            {
                return;
            }
        }
        let _ = sock.write_all(b"0\r\n\r\n").await;
    });
    let client = Client::builder()
        .api_key(KEY)
        .base_url(format!("http://{addr}"))
        .max_response_bytes(8_192)
        .build()
        .unwrap();
    let err = get(&client).await.unwrap_err();
    assert!(
        matches!(err, Error::ResponseTooLarge { limit: 8_192, .. }),
        "{err:?}"
    );
}
