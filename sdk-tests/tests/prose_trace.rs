//! The password of an authentication never appears in what the SDK traces. One test in its own
//! binary: tracing caches each call site's interest process-wide, and a test on another thread
//! without a subscriber can make this thread's capture miss the request's events.

mod common;

use alma_sdk::users::AuthenticateOrRefreshUserOp;
use alma_sdk::Client;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn tracing_never_shows_the_password() {
    const PASSWORD: &str = "p@ss w0rd&secret=1";
    let (log, _guard) = common::capture(tracing::Level::TRACE);
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let c = Client::builder()
        .api_key("l7xx-prose-key")
        .base_url(server.uri())
        .build()
        .unwrap();
    c.users()
        .authenticate_or_refresh_user("jdoe", AuthenticateOrRefreshUserOp::auth(PASSWORD))
        .send()
        .await
        .unwrap();
    let traced = log.text();
    assert!(
        traced.contains("users.authenticate_or_refresh_user") && traced.contains("alma answer"),
        "the request's events were captured: {traced}"
    );
    let encoded: String = url::form_urlencoded::byte_serialize(PASSWORD.as_bytes()).collect();
    assert!(
        !traced.contains("w0rd") && !traced.contains(&encoded),
        "{traced}"
    );
}
