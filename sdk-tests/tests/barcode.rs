//! Item by barcode (`GET /almaws/v1/items?item_barcode=…`, from our overlay): Alma answers 302
//! with the item's URL, and the runtime follows it itself, each hop admitted and counted, only
//! on Alma's host, never taking the key elsewhere.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use alma_sdk::bibs::GetItemByBarcodeError;
use alma_sdk::runtime::{ApiKeyMode, AttemptInfo, Hooks};
use alma_sdk::Client;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const KEY: &str = "l7xx-barcode-secret";
const ITEM_PATH: &str = "/almaws/v1/bibs/991/holdings/221/items/231";

fn item_json() -> Vec<u8> {
    std::fs::read(
        common::fixtures_dir()
            .join("pulibrary+bibdata/spec__fixtures__files__alma__barcode_32101044947941.json"),
    )
    .expect("the fixtures in ../shared/alma-fixtures are needed")
}

#[derive(Default)]
struct Attempts(AtomicUsize);

impl Hooks for Attempts {
    fn after_response(&self, _: &AttemptInfo<'_>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn the_redirect_is_followed_paced_and_counted() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/almaws/v1/items"))
        .and(query_param("item_barcode", "32101044947941"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header(
                    "Location",
                    format!("{}{ITEM_PATH}?view=label", server.uri()),
                )
                .insert_header("X-Exl-Api-Remaining", "4999"),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(ITEM_PATH))
        .and(query_param("view", "label"))
        .and(wiremock::matchers::header(
            "authorization",
            &*format!("apikey {KEY}"),
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(item_json(), "application/json")
                .insert_header("X-Exl-Api-Remaining", "4998"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let attempts = Arc::new(Attempts::default());
    let c = Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .hooks(attempts.clone())
        .build()
        .unwrap();
    let item = c
        .bibs()
        .get_item_by_barcode("32101044947941")
        .send()
        .await
        .unwrap();
    assert_eq!(item.status, 200);
    assert!(item.value.item_data.pid.is_some());
    assert_eq!(item.remaining, Some(4998));
    let stats = c.runtime().stats();
    // `requests` counts what the limiter admitted: both hops.
    assert_eq!(
        (stats.requests, stats.retries),
        (2, 0),
        "each hop is a request"
    );
    assert_eq!(
        attempts.0.load(Ordering::SeqCst),
        2,
        "each hop goes through the hooks"
    );
}

#[tokio::test]
async fn an_unknown_barcode_is_alma_s_documented_error() {
    let server = MockServer::start().await;
    let body = std::fs::read(
        common::fixtures_dir()
            .join("scriptotek+php-alma-client/spec__data__item_barcode_error_response.json"),
    )
    .unwrap();
    Mock::given(path("/almaws/v1/items"))
        .respond_with(ResponseTemplate::new(400).set_body_raw(body, "application/json"))
        .mount(&server)
        .await;
    let c = Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .build()
        .unwrap();
    let err = c
        .bibs()
        .get_item_by_barcode("123")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.kind::<GetItemByBarcodeError>(),
        Some(GetItemByBarcodeError::NoItemsFoundBarcode)
    );
}

#[tokio::test]
async fn a_redirect_to_another_host_is_not_followed_and_the_key_stays_home() {
    for mode in [ApiKeyMode::Header, ApiKeyMode::Query] {
        let elsewhere = MockServer::start().await;
        let reached = Arc::new(AtomicUsize::new(0));
        let seen = reached.clone();
        Mock::given(wiremock::matchers::any())
            .respond_with(move |_: &Request| {
                seen.fetch_add(1, Ordering::SeqCst);
                ResponseTemplate::new(200).set_body_raw(item_json(), "application/json")
            })
            .mount(&elsewhere)
            .await;
        let server = MockServer::start().await;
        // Another port on the same address is another origin too.
        Mock::given(path("/almaws/v1/items"))
            .respond_with(ResponseTemplate::new(302).insert_header(
                "Location",
                format!("{}{ITEM_PATH}?apikey={KEY}", elsewhere.uri()),
            ))
            .mount(&server)
            .await;
        let c = Client::builder()
            .api_key(KEY)
            .api_key_mode(mode)
            .base_url(server.uri())
            .build()
            .unwrap();
        let err = c.bibs().get_item_by_barcode("1").send().await.unwrap_err();
        assert_eq!(
            reached.load(Ordering::SeqCst),
            0,
            "{mode:?}: nothing reached the other host"
        );
        let text = format!("{err} {err:?}");
        assert!(text.contains("not followed"), "{text}");
        assert!(!text.contains(KEY), "{mode:?}: the key shows: {text}");
        assert_eq!(err.status().map(|s| s.as_u16()), Some(302));
    }
}

#[tokio::test]
async fn in_query_mode_the_key_on_the_next_hop_is_ours() {
    let server = MockServer::start().await;
    Mock::given(path("/almaws/v1/items"))
        .and(query_param("apikey", KEY))
        .respond_with(ResponseTemplate::new(302).insert_header(
            "Location",
            format!("{}{ITEM_PATH}?apikey=someone-else&view=brief", server.uri()),
        ))
        .mount(&server)
        .await;
    Mock::given(path(ITEM_PATH))
        .respond_with(|req: &Request| {
            let keys: Vec<String> = req
                .url
                .query_pairs()
                .filter(|(k, _)| k == "apikey")
                .map(|(_, v)| v.into_owned())
                .collect();
            assert_eq!(keys, [KEY], "exactly our key");
            ResponseTemplate::new(200).set_body_raw(item_json(), "application/json")
        })
        .expect(1)
        .mount(&server)
        .await;
    let c = Client::builder()
        .api_key(KEY)
        .api_key_mode(ApiKeyMode::Query)
        .base_url(server.uri())
        .build()
        .unwrap();
    c.bibs().get_item_by_barcode("1").send().await.unwrap();
}

#[tokio::test]
async fn redirects_do_not_go_on_forever() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(302).insert_header(
            "Location",
            format!("{}/almaws/v1/items?item_barcode=1", server.uri()),
        ))
        .mount(&server)
        .await;
    let c = Client::builder()
        .api_key(KEY)
        .base_url(server.uri())
        .build()
        .unwrap();
    let err = c.bibs().get_item_by_barcode("1").send().await.unwrap_err();
    assert!(err.to_string().contains("more than 5 redirects"), "{err}");
    assert_eq!(c.runtime().stats().requests, 6);
}
