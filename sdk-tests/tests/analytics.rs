//! Analytics reports as rows: the resumption token is followed until `IsFinished`, with real
//! recorded pages.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use alma_sdk::runtime::Format;
use alma_sdk::Client;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

fn page(name: &str) -> Option<String> {
    std::fs::read_to_string(
        common::fixtures_dir().join(format!("scriptotek+php-alma-client/spec__data__{name}.xml")),
    )
    .ok()
}

#[tokio::test]
async fn rows_follow_the_token_until_finished() {
    let (Some(p1), Some(p2), Some(p3)) = (
        page("analytics_response_part1"),
        page("analytics_response_part2"),
        page("analytics_response_part3"),
    ) else {
        return;
    };
    let server = MockServer::start().await;
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    Mock::given(wiremock::matchers::path("/almaws/v1/analytics/reports"))
        .respond_with(move |req: &Request| {
            let q: Vec<(String, String)> = req.url.query_pairs().into_owned().collect();
            let has = |k: &str| q.iter().any(|(n, _)| n == k);
            assert!(q.iter().any(|(k, v)| k == "col_names" && v == "true"));
            let body = match seen.fetch_add(1, Ordering::SeqCst) {
                0 => {
                    assert!(has("path") && !has("token"), "first page by path");
                    p1.clone()
                }
                1 => {
                    assert!(has("token"), "then by token");
                    p2.clone()
                }
                _ => p3.clone(),
            };
            ResponseTemplate::new(200).set_body_raw(body, "application/xml")
        })
        .mount(&server)
        .await;
    let c = Client::builder()
        .api_key("k")
        .base_url(server.uri())
        .format(Format::Xml)
        .build()
        .unwrap();
    let mut rows = c
        .analytics()
        .get_report()
        .path("/shared/Test/Report")
        .limit(150)
        .rows();
    let mut all = Vec::new();
    while let Some(r) = rows.next().await {
        all.push(r.unwrap());
    }
    assert_eq!(all.len(), 150 + 150 + 88, "every row of the three pages");
    assert_eq!(calls.load(Ordering::SeqCst), 3, "stops at IsFinished");
    assert!(!rows.columns().is_empty());
    // Every row has one cell per column, named by its heading.
    let width = rows.columns().len();
    assert!(all.iter().all(|r| r.len() == width));
    assert_eq!(all[0][0].0, rows.columns()[0]);
}

#[tokio::test]
async fn a_single_finished_page_with_headings() {
    let Some(p) = page("analytics_response") else {
        return;
    };
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200).set_body_raw(p, "application/xml"))
        .expect(1)
        .mount(&server)
        .await;
    let c = Client::builder()
        .api_key("k")
        .base_url(server.uri())
        .format(Format::Xml)
        .build()
        .unwrap();
    let rows = c.analytics().get_report().path("/x").rows();
    let all = rows.try_collect().await.unwrap();
    assert_eq!(all.len(), 25);
    assert!(
        all[0].iter().any(|(h, _)| h == "Event End Date and Time"),
        "{:?}",
        all[0]
    );
}
