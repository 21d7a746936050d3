//! The client against the local Alma (`alma-sim`): Alma's per-second and daily thresholds,
//! maintenance 503s, slow answers, and pagination that must not trust `total_record_count`.

use std::time::Duration;

use alma_sdk::runtime::{Error, GatewayError, RetryPolicy};
use alma_sdk::Client;
use alma_sim::{ListQuirks, SimConfig, Simulator, TotalCount};

/// Users every simulator here has (`sim0000001` …).
const USERS: usize = 30;

fn client(sim: &Simulator) -> alma_sdk::runtime::ClientBuilder<Client> {
    Client::builder()
        .api_key("sim-key")
        .base_url(sim.url())
        .retry_policy(RetryPolicy {
            initial_backoff: Duration::from_millis(20),
            ..RetryPolicy::default()
        })
}

async fn hammer(c: &Client, tasks: usize, per_task: usize) -> Vec<Result<(), Error>> {
    let handles: Vec<_> = (0..tasks)
        .map(|t| {
            let c = c.clone();
            tokio::spawn(async move {
                let mut out = Vec::new();
                for i in 0..per_task {
                    out.push(
                        c.users()
                            .get_user(format!("sim{:07}", (t * per_task + i) % USERS + 1))
                            .send()
                            .await
                            .map(|_| ()),
                    );
                }
                out
            })
        })
        .collect();
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await.unwrap());
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_tasks_at_the_gateway_limit_see_no_429() {
    let sim = Simulator::start(SimConfig {
        rate: Some(100.0),
        users: USERS,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let c = client(&sim).rate_limit(100.0).build().unwrap();
    let results = hammer(&c, 8, 30).await;
    assert_eq!(results.len(), 240);
    assert!(
        results.iter().all(Result::is_ok),
        "{:?}",
        results.iter().find(|r| r.is_err())
    );
    assert_eq!(
        sim.stats().status(429),
        0,
        "the limiter kept under the gateway's threshold"
    );
    assert_eq!(c.runtime().stats().requests, 240);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_client_faster_than_the_gateway_never_surfaces_a_429() {
    // A strict gateway: a bucket of 50 and no queue, so what exceeds it is refused at once.
    let sim = Simulator::start(SimConfig {
        rate: Some(50.0),
        burst: 50.0,
        queue: Duration::ZERO,
        users: USERS,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    // Four times the gateway's rate: 429s happen, are retried, and slow the limiter down.
    // A generous retry budget: on a busy machine a request may meet several refusals in a row.
    let c = client(&sim)
        .rate_limit(200.0)
        .retry_policy(RetryPolicy {
            max_attempts: 12,
            initial_backoff: Duration::from_millis(20),
            max_backoff: Duration::from_millis(500),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();
    let results = hammer(&c, 8, 25).await;
    assert!(
        results.iter().all(Result::is_ok),
        "{:?}",
        results.iter().find(|r| r.is_err())
    );
    let stats = c.runtime().stats();
    assert!(
        sim.stats().status(429) > 0,
        "the test must provoke throttling"
    );
    assert_eq!(stats.throttled, sim.stats().status(429));
    assert_eq!(stats.retries, sim.stats().status(429));
    assert!(
        c.runtime().rate_limiter().unwrap().rate() < 200.0,
        "the limiter slowed down"
    );
}

#[tokio::test]
async fn post_is_never_replayed_after_a_503_but_get_is() {
    let sim = Simulator::start(SimConfig {
        fail_first: 1,
        users: USERS,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let c = client(&sim).build().unwrap();
    let err = c
        .users()
        .create_user(Default::default())
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.gateway(), Some(GatewayError::RoutingError));
    assert_eq!(
        sim.stats().method("POST"),
        1,
        "a POST that may have been carried out is not sent again"
    );

    let sim = Simulator::start(SimConfig {
        fail_first: 2,
        users: USERS,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let c = client(&sim).build().unwrap();
    c.users().get_user("sim0000001").send().await.unwrap();
    assert_eq!(sim.stats().method("GET"), 3);
    assert_eq!(c.runtime().stats().retries, 2);
}

#[tokio::test]
async fn post_is_retried_after_a_429() {
    // A bucket of 5 tokens refilled at 5/s, no queue and no client-side limit: back-to-back
    // POSTs run into the threshold, and every refused one is sent again.
    let sim = Simulator::start(SimConfig {
        rate: Some(5.0),
        burst: 5.0,
        queue: Duration::ZERO,
        users: USERS,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let c = client(&sim).no_rate_limit().build().unwrap();
    for _ in 0..8 {
        c.users()
            .create_user(Default::default())
            .send()
            .await
            .unwrap();
    }
    assert!(sim.stats().status(429) >= 1);
    assert_eq!(sim.stats().status(200), 8);
}

#[tokio::test]
async fn the_daily_threshold_stops_at_once() {
    let sim = Simulator::start(SimConfig {
        daily: 3,
        users: USERS,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let c = client(&sim).build().unwrap();
    for _ in 0..3 {
        c.users().get_user("sim0000001").send().await.unwrap();
    }
    let err = c.users().get_user("sim0000001").send().await.unwrap_err();
    assert!(matches!(err, Error::DailyQuota { .. }), "{err:?}");
    assert_eq!(err.code(), Some("DAILY_THRESHOLD"));
    assert!(err.to_string().contains("resets at midnight GMT"), "{err}");
    assert_eq!(sim.stats().method("GET"), 4, "not retried");
    // Later calls fail without reaching the gateway.
    let again = c.users().get_user("sim0000001").send().await.unwrap_err();
    assert!(matches!(again, Error::DailyQuota { .. }));
    assert_eq!(sim.stats().method("GET"), 4);
}

#[tokio::test]
async fn a_low_water_mark_keeps_calls_in_reserve() {
    let sim = Simulator::start(SimConfig {
        daily: 10,
        users: USERS,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let c = client(&sim).quota_low_water_mark(7).build().unwrap();
    for _ in 0..3 {
        c.users().get_user("sim0000001").send().await.unwrap();
    }
    assert_eq!(c.runtime().stats().remaining, Some(7));
    let err = c.users().get_user("sim0000001").send().await.unwrap_err();
    match &err {
        Error::DailyQuota {
            remaining,
            low_water,
            ..
        } => assert_eq!((*remaining, *low_water), (Some(7), Some(7))),
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("low-water mark of 7"), "{err}");
    assert_eq!(sim.stats().method("GET"), 3);
}

#[tokio::test]
async fn slow_answers_time_out_and_are_retried_for_get() {
    let sim = Simulator::start(SimConfig {
        latency: Duration::from_millis(300),
        users: USERS,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let c = client(&sim)
        .timeout(Duration::from_millis(100))
        .retry_policy(RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(10),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();
    let err = c.users().get_user("sim0000001").send().await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert_eq!(c.runtime().stats().requests, 3, "three attempts");
    // A per-request timeout lets a slow first page through.
    c.users()
        .get_user("sim0000001")
        .with_timeout(Duration::from_secs(5))
        .send()
        .await
        .unwrap();
}

async fn all_users(config: SimConfig) -> (Vec<String>, u64) {
    let sim = Simulator::start(SimConfig {
        rate: Some(1000.0),
        ..config
    })
    .await
    .unwrap();
    let c = client(&sim).no_rate_limit().build().unwrap();
    let mut stream = c.users().list_users().into_stream();
    let mut ids = Vec::new();
    while let Some(u) = stream.next().await {
        ids.push(u.unwrap().primary_id.unwrap());
    }
    (ids, sim.stats().method("GET"))
}

fn expected(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("sim{i:07}")).collect()
}

#[tokio::test]
async fn pagination_ignores_total_record_count() {
    for total in [
        TotalCount::Exact,
        TotalCount::MinusOne,
        TotalCount::Missing,
        TotalCount::Wrong(120),
        TotalCount::Wrong(900),
    ] {
        let (ids, requests) = all_users(SimConfig {
            users: 250,
            quirks: ListQuirks {
                total,
                ..ListQuirks::default()
            },
            ..SimConfig::default()
        })
        .await;
        assert_eq!(ids, expected(250), "{total:?}");
        assert_eq!(requests, 3, "{total:?}: three pages (100, 100, 50)");
    }
}

#[tokio::test]
async fn pagination_edge_cases() {
    // Empty list: one request.
    let (ids, requests) = all_users(SimConfig {
        users: 0,
        ..SimConfig::default()
    })
    .await;
    assert_eq!((ids.len(), requests), (0, 1));
    // A last page of exactly 100: one more, empty, request and nothing lost or repeated.
    let (ids, requests) = all_users(SimConfig {
        users: 200,
        ..SimConfig::default()
    })
    .await;
    assert_eq!((ids, requests), (expected(200), 3));
    // An empty page ends the stream (it cannot be told apart from the end).
    let (ids, _) = all_users(SimConfig {
        users: 300,
        quirks: ListQuirks {
            empty_pages_at: vec![1],
            ..ListQuirks::default()
        },
        ..SimConfig::default()
    })
    .await;
    assert_eq!(ids, expected(100));
}

#[tokio::test]
async fn pagination_surfaces_errors_and_stops() {
    let sim = Simulator::start(SimConfig {
        users: 150,
        fail_first: 100,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let c = client(&sim)
        .retry_policy(RetryPolicy {
            max_attempts: 2,
            initial_backoff: Duration::from_millis(5),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();
    let mut stream = c.users().list_users().into_stream();
    let first = stream.next().await.unwrap();
    assert!(first.is_err());
    assert!(
        stream.next().await.is_none(),
        "the stream ends after an error"
    );
}
