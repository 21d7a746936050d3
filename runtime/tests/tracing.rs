//! Every request is traced (operation, method, path template, attempt, status, remaining quota)
//! and the traces never contain the API key, in either auth mode.

use std::io::Write;
use std::sync::{Arc, Mutex};

use alma_runtime::{ApiKeyMode, Client, Method, OperationSpec, RawBody, ReadOnlyAccess};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "l7xx-trace-secret-000";

static GET: OperationSpec = OperationSpec {
    name: "users.get_user",
    method: Method::Get,
    path: "/almaws/v1/users/{user_id}",
    xml_only_body: false,
    read_only: ReadOnlyAccess::Allowed,
};

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Buffer {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// Everything traced at `level` or above on this thread, while the guard lives.
fn capture(level: tracing::Level) -> (Buffer, tracing::subscriber::DefaultGuard) {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    (buffer, tracing::subscriber::set_default(subscriber))
}

#[tokio::test(flavor = "current_thread")]
async fn traces_say_what_happened_and_never_the_key() {
    let (buffer, _guard) = capture(tracing::Level::TRACE);

    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw("{}", "application/json")
                .insert_header("X-Exl-Api-Remaining", "4242"),
        )
        .mount(&server)
        .await;
    for mode in [ApiKeyMode::Header, ApiKeyMode::Query] {
        let c = Client::builder()
            .api_key(KEY)
            .api_key_mode(mode)
            .base_url(server.uri())
            .build()
            .unwrap();
        c.request(&GET)
            .path_param("user_id", "jdoe".into())
            .send::<RawBody>()
            .await
            .unwrap();
    }
    let out = buffer.text();
    for needle in [
        "users.get_user",
        "GET",
        "/almaws/v1/users/{user_id}",
        "status=200",
        "remaining=4242",
        "attempt=1",
    ] {
        assert!(out.contains(needle), "trace lacks {needle:?}:\n{out}");
    }
    assert!(!out.contains(KEY), "the key leaked into traces:\n{out}");
}

/// A shared limiter whose Redis does not answer says so once, names the server but not its
/// password, and the request goes on under the fallback.
#[cfg(feature = "redis")]
#[tokio::test(flavor = "current_thread")]
async fn a_redis_fallback_is_announced_without_the_password() {
    let (buffer, _guard) = capture(tracing::Level::INFO);
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200).set_body_raw("{}", "application/json"))
        .mount(&server)
        .await;
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let limiter = alma_runtime::RedisLimiter::builder(
        format!("redis://:hunter2@127.0.0.1:{port}/"),
        "trace-inst",
    )
    .build()
    .unwrap();
    let c = Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .limiter(Arc::new(limiter.clone()))
        .build()
        .unwrap();
    for id in ["a", "b", "c"] {
        c.request(&GET)
            .path_param("user_id", id.into())
            .send::<RawBody>()
            .await
            .unwrap();
    }
    assert!(limiter.degraded());
    let out = buffer.text();
    assert_eq!(
        out.matches("Redis is unavailable").count(),
        1,
        "announced once per outage:\n{out}"
    );
    assert!(
        out.contains(&format!("127.0.0.1:{port}"))
            && out.contains("trace-inst")
            && out.contains("fallback_rate=6.25"),
        "{out}"
    );
    assert!(!out.contains("hunter2") && !out.contains(KEY), "{out}");
}
