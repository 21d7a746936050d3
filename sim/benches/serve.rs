//! The local Alma's speed and size: simple GETs a second with governance off, the simulator on
//! one core (a current-thread runtime on its own thread) and the load from another; and memory
//! held per record as records are added. `cargo xtask bench --only sim`.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use alma_sim::{SimConfig, Simulator};

const USERS: usize = 1000;
const RUN_FOR: Duration = Duration::from_secs(5);
const CONNECTIONS: usize = 16;

/// Resident memory of this process, in bytes (Linux).
fn rss() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

fn user(i: usize) -> serde_json::Value {
    serde_json::json!({
        "record_type": {"value": "PUBLIC", "desc": "Public"},
        "primary_id": format!("mem{i:07}"),
        "first_name": "Dana",
        "last_name": "Levi",
        "user_group": {"value": "STAFF", "desc": "Staff"},
        "status": {"value": "ACTIVE", "desc": "Active"},
        "contact_info": {"email": [{"email_address": format!("mem{i:07}@example.org"), "preferred": true}]}
    })
}

fn main() {
    // The simulator alone on one core.
    let (url_tx, url_rx) = mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let sim = Simulator::start(SimConfig {
                users: USERS,
                ..SimConfig::default()
            })
            .await
            .unwrap();
            url_tx.send(sim.url().to_owned()).unwrap();
            let _ = stop_rx.await;
            sim.stats()
        })
    });
    let url = url_rx.recv().unwrap();
    let load = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let measure = |format: &'static str| {
        let url = url.clone();
        load.block_on(async move {
            let http = reqwest::Client::builder()
                .pool_max_idle_per_host(CONNECTIONS)
                .build()
                .unwrap();
            let started = Instant::now();
            let tasks: Vec<_> = (0..CONNECTIONS)
                .map(|t| {
                    let (http, url) = (http.clone(), url.clone());
                    tokio::spawn(async move {
                        let mut ok = 0u64;
                        let mut i = t;
                        while started.elapsed() < RUN_FOR {
                            let r = http
                                .get(format!(
                                    "{url}/almaws/v1/users/sim{:07}?format={format}",
                                    i % USERS + 1
                                ))
                                .header("Authorization", "apikey bench")
                                .send()
                                .await
                                .unwrap();
                            assert!(r.status().is_success());
                            r.bytes().await.unwrap();
                            ok += 1;
                            i += CONNECTIONS;
                        }
                        ok
                    })
                })
                .collect();
            let mut ok = 0;
            for t in tasks {
                ok += t.await.unwrap();
            }
            ok as f64 / started.elapsed().as_secs_f64()
        })
    };
    let json = measure("json");
    let xml = measure("xml");
    let _ = stop_tx.send(());
    let stats = server.join().unwrap();
    println!("local Alma (alma-sim), governance off, the simulator on one core, {CONNECTIONS} connections, {} s each",
        RUN_FOR.as_secs());
    println!("  GET /users/{{id}} in JSON : {json:>8.0} req/s (goal >= 5000)");
    println!("  GET /users/{{id}} in XML  : {xml:>8.0} req/s");
    println!("  answers served            : {}", stats.total());

    // Memory: records held, measured in this process.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let sim = Simulator::start(SimConfig::default()).await.unwrap();
        let base = rss();
        let mut at = 0;
        let mut line = Vec::new();
        for n in [25_000, 50_000, 100_000] {
            for i in at..n {
                sim.insert(&format!("/almaws/v1/users/mem{i:07}"), user(i));
            }
            at = n;
            let held = rss().saturating_sub(base);
            line.push(format!(
                "{n} records: {:.1} MB ({} B/record)",
                held as f64 / 1e6,
                held / n as u64
            ));
        }
        println!("  memory held               : {}", line.join(", "));
    });
}
