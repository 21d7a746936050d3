//! Sustained throughput against the local Alma (`alma-sim`) set to Alma's 25 requests per second, with
//! 8 concurrent tasks for 10 seconds: the share of 25/s achieved and the 429s the gateway served.
//! `cargo bench -p alma-sdk-tests --bench throughput` (or `cargo xtask bench`).

use std::time::{Duration, Instant};

use alma_sim::{SimConfig, Simulator};

const TASKS: usize = 8;
const RUN_FOR: Duration = Duration::from_secs(10);

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let sim = Simulator::start(SimConfig {
        users: 30,
        // No queue: what overruns the rate shows as 429s, which these count.
        queue: std::time::Duration::ZERO,
        ..SimConfig::default().alma_rate()
    })
    .await
    .unwrap();
    let client = alma_sdk::Client::builder()
        .api_key("bench")
        .base_url(sim.url())
        .build()
        .unwrap();
    let started = Instant::now();
    let handles: Vec<_> = (0..TASKS)
        .map(|t| {
            let c = client.clone();
            tokio::spawn(async move {
                let mut ok = 0u64;
                let mut i = 0;
                while started.elapsed() < RUN_FOR {
                    c.users()
                        .get_user(format!("sim{:07}", (t * 7 + i) % 30 + 1))
                        .send()
                        .await
                        .expect("no error surfaces");
                    ok += 1;
                    i += 1;
                }
                ok
            })
        })
        .collect();
    let mut ok = 0;
    for h in handles {
        ok += h.await.unwrap();
    }
    let secs = started.elapsed().as_secs_f64();
    let rate = ok as f64 / secs;
    let stats = client.runtime().stats();
    println!("throughput against a 25 req/s gateway, {TASKS} tasks, {secs:.1} s");
    println!("  requests completed : {ok}");
    println!(
        "  achieved rate      : {rate:.2} req/s = {:.1}% of 25/s (goal >= 96%)",
        rate / 25.0 * 100.0
    );
    println!(
        "  429s served        : {} (retried by the client: {})",
        sim.stats().status(429),
        stats.retries
    );
}
