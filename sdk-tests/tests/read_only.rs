//! A read-only client: reads, and the one write Alma says alters nothing (authenticating a user,
//! `op=auth` or no `op`, its default), decided in the IR from `[[read_only]]` in
//! `specs/corrections.toml`; every other write is refused before anything is sent.

use alma_sdk::runtime::Error;
use alma_sdk::users::AuthenticateOrRefreshUserOp;
use alma_sdk::Client;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/almaws/v1/users/jdoe"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    server
}

fn read_only(server: &MockServer) -> Client {
    Client::builder()
        .api_key("k")
        .base_url(server.uri())
        .read_only(true)
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_read_only_client_can_authenticate_a_user() {
    let server = server().await;
    let c = read_only(&server);
    // op=auth, the password in its header.
    c.users()
        .authenticate_or_refresh_user("jdoe", AuthenticateOrRefreshUserOp::auth("secret"))
        .send()
        .await
        .unwrap();
    let sent = server.received_requests().await.unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].url.query(), Some("op=auth"));
    assert_eq!(sent[0].headers.get("exl-user-pw").unwrap(), "secret");
}

#[tokio::test]
async fn a_read_only_client_refuses_every_other_write() {
    let server = server().await;
    Mock::given(query_param("op", "refresh"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let c = read_only(&server);
    let refused = |r: Result<_, Error>| matches!(r, Err(Error::ReadOnly { .. }));
    // Refreshing a linked user alters it.
    assert!(refused(
        c.users()
            .authenticate_or_refresh_user("jdoe", AuthenticateOrRefreshUserOp::refresh())
            .send()
            .await
            .map(|_| ())
    ));
    assert!(refused(
        c.users().delete_user("jdoe").send().await.map(|_| ())
    ));
    assert!(refused(
        c.users()
            .update_user("jdoe", Default::default())
            .send()
            .await
            .map(|_| ())
    ));
    assert!(refused(
        c.bibs()
            .create_bib(Default::default())
            .send()
            .await
            .map(|_| ())
    ));
    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "nothing was sent"
    );
    // Reads go through.
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("{}", "application/json"))
        .mount(&server)
        .await;
    c.users().get_user("jdoe").send().await.unwrap();
}
