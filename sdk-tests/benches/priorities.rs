//! Priorities against a saturating batch: four batch processes × eight tasks keep the local Alma
//! (25 requests per second) busy through one Redis-shared limit, while one interactive process
//! asks one request every 200 ms (each on its own task, whether the last one is answered or
//! not) for 20 s. Run twice: with priorities (the batch processes are `batch`), and without
//! (every process in the default class, as before priorities existed). Prints one line per run:
//!
//! `priorities: interactive p95 wait W ms (p50 …), batch B req/s, total T% of 25/s, 429 N`
//!
//! The wait is each interactive request's time from asking to its answer (the local Alma answers
//! in about a millisecond; the admission wait alone, on average, follows in brackets). Totals
//! are what the gateway served in the 20 s window.
//! `cargo bench -p alma-sdk-tests --bench priorities` (or `cargo xtask bench --only priorities`).

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use alma_sdk::runtime::{Priority, RedisLimiter};
use alma_sdk_tests::redis_server::RedisServer;
use alma_sim::{SimConfig, Simulator};

const BATCH_PROCESSES: usize = 4;
const TASKS: usize = 8;
/// The batch starts this long before the interactive process, so that it saturates the rate.
const WARM_UP: Duration = Duration::from_secs(1);
const WINDOW: Duration = Duration::from_secs(20);
const EVERY: Duration = Duration::from_millis(200);

struct Run {
    /// Each interactive request's time from asking to its answer, in ms, sorted.
    waits: Vec<f64>,
    /// The interactive requests' mean admission wait (from the client's stats), ms.
    admission: f64,
    /// What the gateway served in the window: successes, and the interactive ones among them.
    served: u64,
    interactive: u64,
    served_429: u64,
}

impl Run {
    fn percentile(&self, p: f64) -> f64 {
        let i = ((self.waits.len() as f64 * p).ceil() as usize).clamp(1, self.waits.len()) - 1;
        self.waits[i]
    }

    fn line(&self, label: &str) -> String {
        let seconds = WINDOW.as_secs_f64();
        format!(
            "priorities: interactive p95 wait {:.0} ms (p50 {:.0} ms, admission {:.1} ms on average), batch {:.1} req/s, total {:.1}% of 25/s, 429 {}   [{label}]",
            self.percentile(0.95),
            self.percentile(0.5),
            self.admission,
            (self.served - self.interactive) as f64 / seconds,
            self.served as f64 / seconds / 25.0 * 100.0,
            self.served_429,
        )
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        return child(&args[i + 1..]).await;
    }
    let redis = match RedisServer::start() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("priorities bench: {e}");
            std::process::exit(1);
        }
    };
    let on = run(true, &redis).await;
    let off = run(false, &redis).await;
    println!(
        "priorities: {BATCH_PROCESSES} batch processes x {TASKS} tasks and 1 interactive process (1 request / {} ms), {} s, 25 req/s gateway, Redis-shared limit",
        EVERY.as_millis(),
        WINDOW.as_secs()
    );
    println!("{}", on.line("priorities on"));
    println!("{}", off.line("priorities off"));
    println!("  goal (on): interactive p95 <= 100 ms, total >= 96% of 25/s, <= 3 429s");
}

/// One run: a fresh simulator, the processes started together.
async fn run(priorities: bool, redis: &RedisServer) -> Run {
    let sim = Simulator::start(SimConfig {
        users: 30,
        // No queue: what overruns the rate shows as 429s, which these count.
        queue: std::time::Duration::ZERO,
        ..SimConfig::default().alma_rate()
    })
    .await
    .unwrap();
    let institution = format!("bench-priorities-{priorities}-{}", std::process::id());
    let exe = std::env::current_exe().expect("the bench's own path");
    let batch_class = if priorities { "batch" } else { "interactive" };
    let spawn = |role: &str, class: &str| {
        Command::new(&exe)
            .args([
                "--child",
                role,
                class,
                sim.url(),
                &redis.url(),
                &institution,
            ])
            .stdout(Stdio::piped())
            .spawn()
            .expect("start a child process")
    };
    let mut children: Vec<_> = (0..BATCH_PROCESSES)
        .map(|_| spawn("batch", batch_class))
        .collect();
    children.push(spawn("interactive", "interactive"));
    tokio::time::sleep(WARM_UP).await;
    let start = sim.stats().status(200);
    tokio::time::sleep(WINDOW).await;
    let served = sim.stats().status(200) - start;
    let outputs = tokio::task::spawn_blocking(move || {
        children
            .into_iter()
            .map(|c| c.wait_with_output().expect("child output"))
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    let text = String::from_utf8_lossy(&outputs.last().unwrap().stdout).into_owned();
    let mut lines = text.lines();
    let numbers = |line: Option<&str>| -> Vec<f64> {
        line.unwrap_or_default()
            .split_whitespace()
            .filter_map(|v| v.parse().ok())
            .collect()
    };
    let mut waits = numbers(lines.next());
    let admission = numbers(lines.next()).first().copied().unwrap_or(f64::NAN);
    waits.sort_by(f64::total_cmp);
    assert!(
        !waits.is_empty(),
        "the interactive process answered: {text}"
    );
    Run {
        interactive: waits.len() as u64,
        waits,
        admission,
        served,
        served_429: sim.stats().status(429),
    }
}

/// A child process: `batch` runs `TASKS` tasks for the warm-up and the window; `interactive`
/// waits for the warm-up, then asks once every `EVERY` for the window and prints each request's
/// time in ms on one line, the mean admission wait on the next.
async fn child(args: &[String]) {
    let [role, class, base, redis_url, institution, ..] = args else {
        eprintln!("usage: --child ROLE CLASS BASE_URL REDIS_URL INSTITUTION");
        std::process::exit(2);
    };
    let limiter = RedisLimiter::builder(redis_url.as_str(), institution.as_str())
        .build()
        .expect("Redis limiter");
    let client = alma_sdk::Client::builder()
        .api_key("bench")
        .base_url(base.as_str())
        .limiter(Arc::new(limiter))
        .priority(class.parse::<Priority>().expect("a class"))
        .build()
        .expect("client");
    let started = Instant::now();
    if role == "batch" {
        let handles: Vec<_> = (0..TASKS)
            .map(|t| {
                let c = client.clone();
                tokio::spawn(async move {
                    let mut i = 0;
                    while started.elapsed() < WARM_UP + WINDOW {
                        let id = format!("sim{:07}", (t * 7 + i) % 30 + 1);
                        let _ = c.users().get_user(id).send().await;
                        i += 1;
                    }
                })
            })
            .collect();
        for h in handles {
            h.await.unwrap();
        }
        return;
    }
    tokio::time::sleep(WARM_UP).await;
    let mut ticks = tokio::time::interval(EVERY);
    let mut asked = Vec::new();
    for _ in 0..(WINDOW.as_millis() / EVERY.as_millis()) {
        ticks.tick().await;
        let c = client.clone();
        asked.push(tokio::spawn(async move {
            let at = Instant::now();
            c.users().get_user("sim0000001").send().await.ok()?;
            Some(at.elapsed().as_secs_f64() * 1000.0)
        }));
    }
    let mut waits = Vec::new();
    for a in asked {
        if let Some(ms) = a.await.unwrap() {
            waits.push(format!("{ms:.2}"));
        }
    }
    let stats = client.runtime().stats();
    println!("{}", waits.join(" "));
    println!(
        "{:.3}",
        stats.interactive_wait.as_secs_f64() * 1000.0 / stats.interactive_admitted.max(1) as f64
    );
}
