//! The institution-wide limiter (`RedisLimiter`) against a real `redis-server` on a free
//! loopback port and the local Alma (`alma-sim`, at Alma's 25 requests per second): clients in one process and several processes share
//! one rate and one daily quota; Redis killed, slow and restarted; the quota keys expiring at
//! midnight GMT by a clock set just before it.

use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use alma_sdk::runtime::{Error, Limiter, RedisFallback, RedisLimiter, RetryPolicy, WallClock};
use alma_sdk::Client;
use alma_sdk_tests::redis_server::RedisServer;
use alma_sim::{SimConfig, Simulator};

/// Users every simulator here has (`sim0000001` …).
const USERS: usize = 30;

/// Alma's gateway as the guide states it: 25 requests per second, what exceeds it refused at
/// once (no queue), so that a limiter that overruns the rate shows as 429s; and `USERS` users.
fn alma() -> SimConfig {
    SimConfig {
        users: USERS,
        queue: Duration::ZERO,
        ..SimConfig::default().alma_rate()
    }
}

fn limiter(redis: &RedisServer, institution: &str) -> RedisLimiter {
    RedisLimiter::builder(redis.url(), institution)
        .retry_after(Duration::from_millis(300))
        .build()
        .unwrap()
}

fn client(sim: &Simulator, limiter: impl Limiter) -> alma_sdk::runtime::ClientBuilder<Client> {
    Client::builder()
        .api_key("sim-key")
        .base_url(sim.url())
        .limiter(Arc::new(limiter))
        .retry_policy(RetryPolicy {
            initial_backoff: Duration::from_millis(20),
            ..RetryPolicy::default()
        })
}

/// `tasks` tasks on each client, `per_task` requests each; every error is returned.
async fn hammer(clients: &[Client], tasks: usize, per_task: usize) -> Vec<Error> {
    let mut handles = Vec::new();
    for (n, c) in clients.iter().enumerate() {
        for t in 0..tasks {
            let c = c.clone();
            handles.push(tokio::spawn(async move {
                let mut errors = Vec::new();
                for i in 0..per_task {
                    let id = format!("sim{:07}", (n * 1000 + t * per_task + i) % USERS + 1);
                    if let Err(e) = c.users().get_user(id).send().await {
                        errors.push(e);
                    }
                }
                errors
            }));
        }
    }
    let mut errors = Vec::new();
    for h in handles {
        errors.extend(h.await.unwrap());
    }
    errors
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn clients_in_one_process_share_one_rate() {
    let redis = RedisServer::start().unwrap();
    let sim = Simulator::start(alma()).await.unwrap();
    // Three clients, each with its own connection to Redis, as three processes would have:
    // 75 requests per second offered against a 25/s gateway.
    let clients: Vec<Client> = (0..3)
        .map(|_| {
            client(&sim, limiter(&redis, "one-process"))
                .build()
                .unwrap()
        })
        .collect();
    let errors = hammer(&clients, 4, 8).await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(sim.stats().status(200), 96);
    assert!(
        sim.stats().status(429) <= 3,
        "the gateway served {} 429s",
        sim.stats().status(429)
    );
    // Without sharing, each client alone would have sent at its own 25/s.
    let local: Vec<Client> = (0..3)
        .map(|_| {
            Client::builder()
                .api_key("sim-key")
                .base_url(sim.url())
                .build()
                .unwrap()
        })
        .collect();
    let before = sim.stats().status(429);
    let _ = hammer(&local, 4, 8).await;
    assert!(
        sim.stats().status(429) > before + 3,
        "in-process limiters alone should overrun the gateway: {} more 429s",
        sim.stats().status(429) - before
    );
}

/// Run by `processes_list_every_user_within_the_shared_rate` as one of its child processes: the
/// `list_users` example's code, configured from the environment.
#[test]
#[ignore = "a child process of processes_list_every_user_within_the_shared_rate"]
fn list_users_child() {
    let code = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(alma_sdk_tests::list_users::run());
    assert_eq!(code, std::process::ExitCode::SUCCESS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processes_list_every_user_within_the_shared_rate() {
    let redis = RedisServer::start().unwrap();
    let sim = Simulator::start(SimConfig {
        users: 2500,
        ..alma()
    })
    .await
    .unwrap();
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..4)
        .map(|_| {
            Command::new(&exe)
                .args(["list_users_child", "--exact", "--ignored", "--nocapture"])
                .env("ALMA_API_KEY", "sim-key")
                .env("ALMA_BASE_URL", sim.url())
                .env("ALMA_REDIS_URL", redis.url())
                .env("ALMA_INSTITUTION", "four-processes")
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
    for out in &outputs {
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "child failed: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            stdout.lines().any(|l| l == "users 2500"),
            "every process lists every user: {stdout}"
        );
    }
    // 26 pages each (the last one empty), 104 requests at 25/s.
    assert!(
        sim.stats().status(200) >= 104,
        "{}",
        sim.stats().status(200)
    );
    assert!(
        sim.stats().status(429) <= 3,
        "the gateway served {} 429s",
        sim.stats().status(429)
    );
    // The processes met in Redis, under the institution's name.
    assert_ne!(
        redis.command(&["EXISTS", "alma:{four-processes}:next-slot"]),
        Some(":0".into())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_killed_then_restarted_mid_run() {
    let mut redis = RedisServer::start().unwrap();
    let sim = Simulator::start(alma()).await.unwrap();
    let limiters: Vec<RedisLimiter> = (0..2).map(|_| limiter(&redis, "outage")).collect();
    let clients: Vec<Client> = limiters
        .iter()
        .map(|l| client(&sim, l.clone()).build().unwrap())
        .collect();
    let saw_fallback = Arc::new(AtomicBool::new(false));
    let watcher = {
        let limiters = limiters.clone();
        let saw = saw_fallback.clone();
        tokio::spawn(async move {
            loop {
                if limiters.iter().any(|l| l.degraded()) {
                    saw.store(true, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    };
    let work = {
        let clients = clients.clone();
        tokio::spawn(async move { hammer(&clients, 4, 15).await })
    };
    tokio::time::sleep(Duration::from_millis(1000)).await;
    redis.kill();
    let at_kill = sim.stats().total();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let during_outage = sim.stats().total() - at_kill;
    redis.restart().unwrap();
    let errors = work.await.unwrap();
    watcher.abort();
    // Nothing lost: every request went through, under the fallback while Redis was away.
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(sim.stats().status(200), 120);
    assert!(during_outage > 0, "requests went on while Redis was away");
    assert!(saw_fallback.load(Ordering::Relaxed), "the fallback engaged");
    // No 429 storm: two processes at a quarter of the rate each stay under the gateway's limit.
    assert!(
        sim.stats().status(429) <= 3,
        "the gateway served {} 429s",
        sim.stats().status(429)
    );
    // Redis came back (empty) and the limiters use it again.
    for c in &clients {
        c.users().get_user("sim0000001").send().await.unwrap();
    }
    assert!(limiters.iter().all(|l| !l.degraded()), "{limiters:?}");
    assert_eq!(
        redis.command(&["EXISTS", "alma:{outage}:next-slot"]),
        Some(":1".into())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_redis_that_does_not_answer_is_worked_around_within_the_timeout() {
    let redis = RedisServer::start().unwrap();
    let sim = Simulator::start(alma()).await.unwrap();
    let l = RedisLimiter::builder(redis.url(), "frozen")
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let c = client(&sim, l.clone()).build().unwrap();
    c.users().get_user("sim0000001").send().await.unwrap();
    assert!(!l.degraded());
    // Redis stops answering, its connections open.
    redis.pause();
    let before = sim.stats().total();
    let requests = tokio::time::timeout(Duration::from_secs(10), async {
        for _ in 0..5 {
            c.users().get_user("sim0000001").send().await.unwrap();
        }
    })
    .await;
    redis.resume();
    assert!(requests.is_ok(), "the requests waited for a frozen Redis");
    assert_eq!(sim.stats().total(), before + 5);
    assert!(l.degraded());
    // Thawed: back to the shared schedule after `retry_after`.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    c.users().get_user("sim0000001").send().await.unwrap();
    assert!(!l.degraded());
}

#[tokio::test]
async fn refusing_fallback_fails_fast_and_names_the_server_not_its_password() {
    let mut redis = RedisServer::start().unwrap();
    let url = format!("redis://:pa55word@127.0.0.1:{}/", redis.port());
    redis.kill();
    let sim = Simulator::start(alma()).await.unwrap();
    let l = RedisLimiter::builder(url, "refuse")
        .fallback(RedisFallback::Refuse)
        .build()
        .unwrap();
    let c = client(&sim, l).build().unwrap();
    let e = c.users().get_user("sim0000001").send().await.unwrap_err();
    assert!(matches!(e, Error::Governance { .. }), "{e:?}");
    let text = e.to_string();
    assert!(
        text.contains(&format!("127.0.0.1:{}", redis.port())) && !text.contains("pa55word"),
        "{text}"
    );
    assert_eq!(sim.stats().total(), 0, "nothing was sent");
}

/// A wall clock running `offset` ahead of the system's (negative: behind).
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
async fn a_used_up_quota_stops_every_process_until_midnight_gmt() {
    let redis = RedisServer::start().unwrap();
    let sim = Simulator::start(SimConfig { daily: 3, ..alma() })
        .await
        .unwrap();
    let clock = just_before_midnight(Duration::from_millis(2500));
    let a = client(&sim, limiter(&redis, "quota"))
        .wall_clock(clock.clone())
        .build()
        .unwrap();
    let b = client(&sim, limiter(&redis, "quota"))
        .wall_clock(clock.clone())
        .build()
        .unwrap();
    for _ in 0..3 {
        a.users().get_user("sim0000001").send().await.unwrap();
    }
    let e = a.users().get_user("sim0000001").send().await.unwrap_err();
    assert!(matches!(e, Error::DailyQuota { .. }), "{e:?}");
    let sent = sim.stats().total();
    // The other process learns it from Redis and sends nothing.
    let e = b.users().get_user("sim0000001").send().await.unwrap_err();
    assert!(matches!(e, Error::DailyQuota { .. }), "{e:?}");
    assert_eq!(sim.stats().total(), sent, "b sent nothing");
    let key = "alma:{quota}:quota-used-up-until";
    let ttl: i64 = redis
        .command(&["PTTL", key])
        .and_then(|r| r.trim_start_matches(':').parse().ok())
        .unwrap();
    assert!(
        (1..=2500).contains(&ttl),
        "expires at midnight GMT: {ttl} ms"
    );
    // Midnight GMT by the clock: the key is gone and the quota is new.
    tokio::time::sleep(Duration::from_millis(2600)).await;
    assert_eq!(redis.command(&["EXISTS", key]), Some(":0".into()));
    sim.reset_daily();
    b.users().get_user("sim0000001").send().await.unwrap();
    a.users().get_user("sim0000001").send().await.unwrap();
    assert_eq!(sim.stats().total(), sent + 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_low_water_mark_holds_institution_wide() {
    let redis = RedisServer::start().unwrap();
    let sim = Simulator::start(SimConfig {
        daily: 20,
        ..alma()
    })
    .await
    .unwrap();
    let a = client(&sim, limiter(&redis, "low-water")).build().unwrap();
    let b = client(&sim, limiter(&redis, "low-water"))
        .quota_low_water_mark(10)
        .build()
        .unwrap();
    b.users().get_user("sim0000001").send().await.unwrap();
    // `a` uses the quota down to 8 left (20 - 1 - 11); its last admission reports it.
    for _ in 0..11 {
        a.users().get_user("sim0000001").send().await.unwrap();
    }
    a.users().get_user("sim0000001").send().await.unwrap();
    let sent = sim.stats().total();
    let e = b.users().get_user("sim0000001").send().await.unwrap_err();
    match e {
        Error::DailyQuota {
            remaining,
            low_water,
            ..
        } => {
            assert_eq!(low_water, Some(10));
            assert!(remaining.is_some_and(|r| r <= 10), "{remaining:?}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(sim.stats().total(), sent, "b sent nothing");
}
