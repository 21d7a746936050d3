//! `run_job_and_wait`: submit a job, then poll its instance until it ends, within a bound.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use alma_sdk::runtime::wait::WaitOptions;
use alma_sdk::runtime::Error;
use alma_sdk::Client;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn server(final_after: usize, final_status: &'static str) -> (MockServer, Arc<AtomicUsize>) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/almaws/v1/conf/jobs/M18"))
        .and(query_param("op", "run"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"id": "M18", "additional_info": {"value": "Job no. 555 triggered", "link": "https://x/almaws/v1/conf/jobs/M18/instances/555"}}"#,
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let polls = Arc::new(AtomicUsize::new(0));
    let n = polls.clone();
    Mock::given(method("GET"))
        .and(path("/almaws/v1/conf/jobs/M18/instances/555"))
        .respond_with(move |_: &wiremock::Request| {
            let i = n.fetch_add(1, Ordering::SeqCst);
            let status = if i + 1 >= final_after {
                final_status
            } else {
                "RUNNING"
            };
            ResponseTemplate::new(200).set_body_raw(
                format!(
                    r#"{{"id": "555", "progress": {}, "status": {{"value": "{status}"}}}}"#,
                    (i * 10).min(100)
                ),
                "application/json",
            )
        })
        .mount(&server)
        .await;
    (server, polls)
}

fn fast(timeout_ms: u64) -> WaitOptions {
    WaitOptions {
        interval: Duration::from_millis(10),
        timeout: Duration::from_millis(timeout_ms),
    }
}

#[tokio::test]
async fn polls_until_the_instance_ends() {
    let (server, polls) = server(3, "COMPLETED_SUCCESS").await;
    let c = Client::builder()
        .api_key("k")
        .base_url(server.uri())
        .build()
        .unwrap();
    let instance = c
        .conf()
        .run_job_and_wait("M18", Default::default(), fast(5_000))
        .await
        .unwrap();
    assert_eq!(instance.status.unwrap().value, "COMPLETED_SUCCESS");
    assert_eq!(polls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn failed_jobs_end_the_wait_too() {
    let (server, _) = server(2, "FAILED").await;
    let c = Client::builder()
        .api_key("k")
        .base_url(server.uri())
        .build()
        .unwrap();
    let instance = c
        .conf()
        .run_job_and_wait("M18", Default::default(), fast(5_000))
        .await
        .unwrap();
    assert_eq!(instance.status.unwrap().value, "FAILED");
}

#[tokio::test]
async fn the_wait_is_bounded() {
    let (server, polls) = server(usize::MAX, "COMPLETED_SUCCESS").await;
    let c = Client::builder()
        .api_key("k")
        .base_url(server.uri())
        .build()
        .unwrap();
    let err = c
        .conf()
        .run_job_and_wait("M18", Default::default(), fast(200))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                operation: "conf.run_job_and_wait",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(polls.load(Ordering::SeqCst) >= 5);
}
