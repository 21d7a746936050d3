//! Priority classes and daily budgets against the local Alma (`alma-sim`, at Alma's 25 requests
//! per second) and, for the institution-wide part, a real `redis-server` on a free loopback
//! port: interactive requests go before a saturating batch, the batch keeps its share, a budget
//! reached refuses (naming itself, sending nothing) until midnight GMT by the client's clock,
//! and processes share one budget.

use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use alma_sdk::runtime::{
    Amount, Budget, Error, Limiter, Priority, RateLimiter, RedisLimiter, RetryPolicy, WallClock,
};
use alma_sdk::Client;
use alma_sdk_tests::redis_server::RedisServer;
use alma_sim::{SimConfig, Simulator};

/// Alma's gateway: 25 requests per second, and 30 users.
fn alma() -> SimConfig {
    SimConfig {
        users: 30,
        // No queue: what overruns the rate shows as 429s, which these count.
        queue: std::time::Duration::ZERO,
        ..SimConfig::default().alma_rate()
    }
}

fn client(sim: &Simulator, limiter: Arc<dyn Limiter>) -> alma_sdk::runtime::ClientBuilder<Client> {
    Client::builder()
        .api_key("sim-key")
        .base_url(sim.url())
        .limiter(limiter)
        .retry_policy(RetryPolicy {
            initial_backoff: Duration::from_millis(20),
            ..RetryPolicy::default()
        })
}

/// A limiter as one process of institution `name` would have (its own Redis connection).
fn shared(redis: &RedisServer, name: &str, batch_share: f64) -> Arc<dyn Limiter> {
    Arc::new(
        RedisLimiter::builder(redis.url(), name)
            .batch_share(batch_share)
            .build()
            .unwrap(),
    )
}

/// `tasks` tasks sending requests on `client` until `stop`.
fn busy(client: &Client, tasks: usize, stop: &Arc<AtomicBool>) -> Vec<tokio::task::JoinHandle<()>> {
    (0..tasks)
        .map(|t| {
            let (c, stop) = (client.clone(), stop.clone());
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    let id = format!("sim{:07}", t % 30 + 1);
                    c.users().get_user(id).send().await.unwrap();
                }
            })
        })
        .collect()
}

async fn finish(stop: &AtomicBool, tasks: Vec<tokio::task::JoinHandle<()>>) {
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.await.unwrap();
    }
}

/// While 24 batch tasks keep the rate saturated, one caller sends ten requests, 200 ms apart,
/// as `priority`; answers how many batch requests were sent while each of its requests was on
/// its way (the most, and in all).
async fn batch_sent_meanwhile(batch: &Client, caller: &Client, priority: Priority) -> (u64, u64) {
    let (mut most, mut all) = (0, 0);
    for _ in 0..10 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let before = batch.runtime().stats().requests;
        caller
            .users()
            .get_user("sim0000001")
            .with_priority(priority)
            .send()
            .await
            .unwrap();
        let meanwhile = batch.runtime().stats().requests - before;
        most = most.max(meanwhile);
        all += meanwhile;
    }
    (most, all)
}

async fn interactive_before_batch(batch: Client, caller: Client, sim: &Simulator) {
    let stop = Arc::new(AtomicBool::new(false));
    let tasks = busy(&batch, 24, &stop);
    // Let the batch fill the schedule (24 slots ahead: about a second).
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (most, _) = batch_sent_meanwhile(&batch, &caller, Priority::Interactive).await;
    // Priorities off (the caller queues like the batch): it waits behind the reservations.
    let (_, all_off) = batch_sent_meanwhile(&batch, &caller, Priority::Batch).await;
    finish(&stop, tasks).await;
    assert!(
        most <= 3,
        "an interactive request went while {most} batch requests were sent"
    );
    assert!(
        all_off >= 100,
        "as batch, the same requests should queue behind the batch: {all_off} batch requests went meanwhile"
    );
    let stats = caller.runtime().stats();
    assert_eq!((stats.interactive_admitted, stats.batch_admitted), (10, 10));
    assert!(
        stats.interactive_wait * 10 < stats.batch_wait,
        "waits: interactive {:?}, batch {:?}",
        stats.interactive_wait,
        stats.batch_wait
    );
    assert!(
        sim.stats().status(429) <= 3,
        "the gateway served {} 429s",
        sim.stats().status(429)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn interactive_requests_go_before_a_saturating_batch_through_redis() {
    let redis = RedisServer::start().unwrap();
    let sim = Simulator::start(alma()).await.unwrap();
    // Two processes of one institution.
    let batch = client(&sim, shared(&redis, "desk", 0.1))
        .priority(Priority::Batch)
        .build()
        .unwrap();
    let desk = client(&sim, shared(&redis, "desk", 0.1)).build().unwrap();
    interactive_before_batch(batch, desk, &sim).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn interactive_requests_go_before_a_saturating_batch_in_one_process() {
    let sim = Simulator::start(alma()).await.unwrap();
    let limiter: Arc<dyn Limiter> = Arc::new(RateLimiter::new(25.0));
    let batch = client(&sim, limiter.clone())
        .priority(Priority::Batch)
        .build()
        .unwrap();
    let desk = client(&sim, limiter).build().unwrap();
    interactive_before_batch(batch, desk, &sim).await;
}

/// Interactive requests from 16 tasks would take the whole rate; 8 batch tasks run beside them.
/// Answers the batch's requests and everyone's in 4 s (after the first second, when the tasks
/// have made their first reservations), and the 429s.
async fn batch_part(redis: &RedisServer, name: &str, share: f64) -> (u64, u64, u64) {
    let sim = Simulator::start(alma()).await.unwrap();
    let batch = client(&sim, shared(redis, name, share))
        .priority(Priority::Batch)
        .build()
        .unwrap();
    let flood = client(&sim, shared(redis, name, share)).build().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = busy(&flood, 16, &stop);
    tasks.extend(busy(&batch, 8, &stop));
    let sent = || {
        (
            batch.runtime().stats().requests,
            flood.runtime().stats().requests,
        )
    };
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (b0, i0) = sent();
    tokio::time::sleep(Duration::from_secs(4)).await;
    let (b1, i1) = sent();
    finish(&stop, tasks).await;
    let (b, i) = sent();
    assert_eq!(
        b + i,
        sim.stats().total(),
        "every request reached the gateway"
    );
    (b1 - b0, b1 - b0 + i1 - i0, sim.stats().status(429))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_batch_keeps_its_guaranteed_share_through_redis() {
    let redis = RedisServer::start().unwrap();
    for (share, name) in [(0.3, "share-30"), (0.1, "share-10")] {
        let (batch, all, throttled) = batch_part(&redis, name, share).await;
        let part = batch as f64 / all as f64;
        assert!(
            (share * 0.7..=share * 1.3).contains(&part),
            "a {share} share: the batch had {batch} of {all}"
        );
        assert!(throttled <= 3, "{throttled} 429s");
    }
    // No share kept: the batch is starved.
    let (batch, all, _) = batch_part(&redis, "share-0", 0.0).await;
    assert!(batch <= 2, "no share: the batch had {batch} of {all}");
}

/// A wall clock running `offset` ms ahead of the system's.
#[derive(Debug)]
struct Shifted(i128);

impl WallClock for Shifted {
    fn now(&self) -> SystemTime {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis() as i128;
        UNIX_EPOCH + Duration::from_millis((now + self.0) as u64)
    }
}

/// A clock that reads `before` ahead of the next midnight GMT now.
fn just_before_midnight(before: Duration) -> Arc<Shifted> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i128;
    let midnight = (now / 86_400_000 + 1) * 86_400_000;
    Arc::new(Shifted(midnight - before.as_millis() as i128 - now))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_budget_reached_refuses_until_midnight_gmt() {
    let redis = RedisServer::start().unwrap();
    let sim = Simulator::start(alma()).await.unwrap();
    let clock = just_before_midnight(Duration::from_millis(3000));
    let nightly = || {
        client(&sim, shared(&redis, "budgets", 0.1))
            .priority(Priority::Batch)
            .budget(Budget::new("nightly-sync").max(Amount::Calls(5)))
            .wall_clock(clock.clone())
            .build()
            .unwrap()
    };
    let c = nightly();
    for _ in 0..5 {
        c.users().get_user("sim0000001").send().await.unwrap();
    }
    let sent = sim.stats().total();
    let e = c.users().get_user("sim0000001").send().await.unwrap_err();
    match &e {
        Error::Budget {
            operation,
            budget,
            limit,
            used,
            reserve,
            resets_at,
        } => {
            assert_eq!(*operation, "users.get_user");
            assert_eq!(
                (budget.as_str(), *limit, *used, *reserve),
                ("nightly-sync", 5, 5, false)
            );
            assert_eq!(
                *resets_at,
                alma_sdk::runtime::next_midnight_utc(clock.now())
            );
        }
        other => panic!("{other:?}"),
    }
    let text = e.to_string();
    assert!(
        text.contains("\"nightly-sync\"") && text.contains("5 of 5") && text.contains("00:00 GMT"),
        "{text}"
    );
    assert_eq!(
        e.quota_resets_at(),
        Some(alma_sdk::runtime::next_midnight_utc(clock.now()))
    );
    // Not retried, and nothing sent after it, by this client or a new one under the same name.
    assert!(nightly()
        .users()
        .get_user("sim0000001")
        .send()
        .await
        .is_err());
    assert_eq!(
        sim.stats().total(),
        sent,
        "nothing was sent after the budget was reached"
    );
    let stats = c.runtime().stats();
    assert_eq!((stats.budget_used, stats.budget_limit), (Some(5), Some(5)));
    // Another application's budget, and the interactive desk, are not held back.
    let desk = client(&sim, shared(&redis, "budgets", 0.1))
        .build()
        .unwrap();
    desk.users().get_user("sim0000001").send().await.unwrap();
    // Midnight GMT by the clock: the budget starts afresh.
    tokio::time::sleep(Duration::from_millis(3100)).await;
    c.users().get_user("sim0000001").send().await.unwrap();
    assert_eq!(c.runtime().stats().budget_used, Some(1));
    assert_eq!(sim.stats().total(), sent + 2);
}

/// Run by `two_processes_share_one_budget` as one of its processes: sends until its budget (from
/// `ALMA_BUDGET*`) refuses, then prints `sent N` and the refusal.
#[test]
#[ignore = "a child process of two_processes_share_one_budget"]
fn budget_child() {
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let c = Client::from_env().unwrap();
        let mut sent = 0u64;
        loop {
            match c.users().get_user("sim0000001").send().await {
                Ok(_) => sent += 1,
                Err(e @ Error::Budget { .. }) => {
                    println!("sent {sent}");
                    println!("refused {e}");
                    return;
                }
                Err(e) => panic!("{e}"),
            }
        }
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_share_one_budget() {
    let redis = RedisServer::start().unwrap();
    let sim = Simulator::start(alma()).await.unwrap();
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..2)
        .map(|_| {
            Command::new(&exe)
                .args(["budget_child", "--exact", "--ignored", "--nocapture"])
                .env("ALMA_API_KEY", "sim-key")
                .env("ALMA_BASE_URL", sim.url())
                .env("ALMA_REDIS_URL", redis.url())
                .env("ALMA_INSTITUTION", "two-processes")
                .env("ALMA_PRIORITY", "batch")
                .env("ALMA_BUDGET", "nightly-sync")
                .env("ALMA_BUDGET_MAX", "40")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<_> = tokio::task::spawn_blocking(move || {
        children
            .into_iter()
            .map(|c| c.wait_with_output().unwrap())
            .collect()
    })
    .await
    .unwrap();
    let mut total = 0;
    for out in &outputs {
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let sent: u64 = stdout
            .lines()
            .find_map(|l| l.strip_prefix("sent "))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{stdout}"));
        assert!(sent > 0, "both processes took part: {stdout}");
        assert!(
            stdout.contains("the budget \"nightly-sync\" is used up (40 of 40 calls today)"),
            "{stdout}"
        );
        total += sent;
    }
    assert_eq!(total, 40, "the two processes together kept to the budget");
    assert_eq!(sim.stats().status(200), 40);
    let day = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        / 86_400;
    assert_eq!(
        redis.command(&[
            "GET",
            &format!("alma:{{two-processes}}:budget:nightly-sync:{day}")
        ]),
        Some("40".into())
    );
}

#[tokio::test]
async fn a_share_of_the_quota_and_a_reserve_left_to_others() {
    let sim = Simulator::start(SimConfig {
        daily: 100,
        ..alma()
    })
    .await
    .unwrap();
    // 10% of a quota the client learns from the first answer's X-Exl-Api-Remaining (99): 9.
    let c = Client::builder()
        .api_key("sim-key")
        .base_url(sim.url())
        .budget(Budget::new("reports").max("10%".parse().unwrap()))
        .build()
        .unwrap();
    let mut sent = 0;
    let e = loop {
        match c.users().get_user("sim0000001").send().await {
            Ok(_) => sent += 1,
            Err(e) => break e,
        }
    };
    assert_eq!(sent, 9);
    assert!(
        matches!(
            &e,
            Error::Budget {
                limit: 9,
                reserve: false,
                ..
            }
        ),
        "{e:?}"
    );
    // Leave 85 of the 100 to others: the institution has 91 left, so 6 more calls.
    let c = Client::builder()
        .api_key("sim-key")
        .base_url(sim.url())
        .budget(Budget::new("sync").keep(Amount::Calls(85)).daily_quota(100))
        .build()
        .unwrap();
    let mut sent = 0;
    let e = loop {
        match c.users().get_user("sim0000001").send().await {
            Ok(_) => sent += 1,
            Err(e) => break e,
        }
    };
    assert_eq!(sent, 6);
    assert!(
        matches!(
            &e,
            Error::Budget {
                limit: 85,
                used: 85,
                reserve: true,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("85 calls left today"), "{e}");
    assert_eq!(sim.stats().total(), 15);
}
