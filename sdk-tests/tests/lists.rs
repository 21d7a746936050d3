//! Lists that cannot loop: a server that ignores `offset` ends the stream with an error after at
//! most two pages (instead of spending the daily quota on the first page), pages that overlap
//! yield each record once (counted and traced), and an Analytics token that hands back the same
//! rows ends the report.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

mod common;

use alma_sdk::runtime::{Error, Format};
use alma_sdk::Client;
use serde_json::{json, Value};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

fn client(server: &MockServer) -> Client {
    Client::builder()
        .api_key("k")
        .base_url(server.uri())
        .build()
        .unwrap()
}

fn query(req: &Request, name: &str) -> Option<usize> {
    req.url
        .query_pairs()
        .find(|(k, _)| k == name)
        .and_then(|(_, v)| v.parse().ok())
}

fn user(i: usize) -> Value {
    json!({"primary_id": format!("u{i:04}"), "first_name": format!("User {i}")})
}

/// A list of `total` users answered by `page(offset, limit)` (the record numbers), counting
/// requests.
async fn users_server(
    total: usize,
    page: impl Fn(usize, usize) -> std::ops::Range<usize> + Send + Sync + 'static,
) -> (MockServer, Arc<AtomicUsize>) {
    let server = MockServer::start().await;
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    Mock::given(wiremock::matchers::path("/almaws/v1/users"))
        .respond_with(move |req: &Request| {
            counted.fetch_add(1, Ordering::SeqCst);
            let (offset, limit) = (
                query(req, "offset").unwrap_or(0),
                query(req, "limit").unwrap_or(10),
            );
            let users: Vec<Value> = page(offset, limit)
                .filter(|i| *i < total)
                .map(user)
                .collect();
            ResponseTemplate::new(200)
                .set_body_json(json!({"user": users, "total_record_count": total}))
        })
        .mount(&server)
        .await;
    (server, calls)
}

#[tokio::test]
async fn a_server_that_ignores_offset_ends_the_stream_after_two_pages() {
    // Every request gets the first page, as an Alma release did on loans.
    let (server, calls) = users_server(678, |_, limit| 0..limit).await;
    let c = client(&server);
    let mut stream = c.users().list_users().into_stream();
    let mut ok = 0;
    let err = loop {
        match stream.next().await {
            Some(Ok(_)) => ok += 1,
            Some(Err(e)) => break e,
            None => panic!("the stream ended without an error after {ok} records"),
        }
    };
    assert_eq!(ok, 100, "the first page is yielded");
    assert!(
        matches!(
            err,
            Error::RepeatedPage {
                operation: "users.list_users",
                offset: 100,
                by: "primary_id"
            }
        ),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("offset 100") && text.contains("primary_id"),
        "{text}"
    );
    assert!(stream.next().await.is_none(), "the stream ends");
    assert_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "no page is asked for a third time"
    );
}

#[tokio::test]
async fn overlapping_pages_yield_every_record_once() {
    // Each page after the first starts with the previous page's last record (electronic
    // collections did this).
    let (server, calls) = users_server(250, |offset, limit| {
        offset.saturating_sub(1)..offset.saturating_sub(1) + limit
    })
    .await;
    let c = client(&server);
    let (log, _guard) = common::capture(tracing::Level::WARN);
    let users = c
        .users()
        .list_users()
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<String> = users
        .iter()
        .map(|u| u.primary_id.clone().unwrap())
        .collect();
    let want: Vec<String> = (0..250).map(|i| format!("u{i:04}")).collect();
    assert_eq!(ids, want, "each record once, in order");
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    assert_eq!(
        c.runtime().stats().duplicates_skipped,
        1,
        "record 99 came twice"
    );
    let log = log.text();
    assert!(
        log.contains("records an earlier page already gave were skipped"),
        "{log}"
    );
    assert!(
        log.contains("users.list_users") && log.contains("primary_id"),
        "{log}"
    );
    assert!(
        !log.contains("u0099"),
        "the record's id is not logged: {log}"
    );
}

#[tokio::test]
async fn lists_without_an_identifier_compare_records_by_content() {
    // `list_courses` has no published schema: its records are JSON, told apart by content.
    let server = MockServer::start().await;
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    Mock::given(wiremock::matchers::path("/almaws/v1/courses"))
        .respond_with(move |_: &Request| {
            counted.fetch_add(1, Ordering::SeqCst);
            let courses: Vec<Value> = (0..100).map(|i| json!({"code": format!("C{i}")})).collect();
            ResponseTemplate::new(200)
                .set_body_json(json!({"course": courses, "total_record_count": 500}))
        })
        .mount(&server)
        .await;
    let mut stream = client(&server).courses().list_courses().into_stream();
    let mut ok = 0;
    while let Some(r) = stream.next().await {
        match r {
            Ok(_) => ok += 1,
            Err(e) => {
                assert!(
                    matches!(e, Error::RepeatedPage { by: "content", .. }),
                    "{e:?}"
                );
                break;
            }
        }
    }
    assert_eq!((ok, calls.load(Ordering::SeqCst)), (100, 2));
}

#[tokio::test]
async fn a_report_token_that_hands_back_the_same_rows_ends_the_report() {
    let Ok(p1) = std::fs::read_to_string(
        alma_sdk_tests::fixtures::default_dir()
            .join("scriptotek+php-alma-client/spec__data__analytics_response_part1.xml"),
    ) else {
        panic!("the fixtures in ../shared/alma-fixtures are needed");
    };
    let server = MockServer::start().await;
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    // The first page, again and again: never finished.
    Mock::given(wiremock::matchers::path("/almaws/v1/analytics/reports"))
        .respond_with(move |_: &Request| {
            counted.fetch_add(1, Ordering::SeqCst);
            ResponseTemplate::new(200).set_body_raw(p1.clone(), "application/xml")
        })
        .mount(&server)
        .await;
    let c = Client::builder()
        .api_key("k")
        .base_url(server.uri())
        .format(Format::Xml)
        .build()
        .unwrap();
    let mut rows = c.analytics().get_report().path("/x").rows();
    let mut ok = 0;
    let err = loop {
        match rows.next().await {
            Some(Ok(_)) => ok += 1,
            Some(Err(e)) => break e,
            None => panic!("the report ended without an error"),
        }
    };
    assert_eq!(ok, 150);
    assert!(
        matches!(
            err,
            Error::RepeatedPage {
                offset: 150,
                by: "rows",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}
