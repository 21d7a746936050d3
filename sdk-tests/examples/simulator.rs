//! A local Alma gateway simulator on loopback, for trying the examples without an Alma
//! institution: `cargo run --example simulator -- [--per-second N] [--users N] [--daily N]`.
//! It prints its base URL; point a client at it with `ALMA_BASE_URL`. On Ctrl-C (SIGINT) it
//! prints what it served, by status (`served 200: N, 429: M`).

#[path = "../tests/sim/mod.rs"]
mod sim;

use sim::{SimConfig, Simulator};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse::<u64>().ok())
    };
    let config = SimConfig {
        per_second: arg("--per-second").unwrap_or(25) as f64,
        users: arg("--users").unwrap_or(1000) as usize,
        daily_quota: arg("--daily"),
        ..SimConfig::default()
    };
    let sim = Simulator::start(config.clone()).await;
    println!("{}", sim.uri());
    eprintln!(
        "simulating Alma at {} ({} requests/s, {} users); Ctrl-C to stop",
        sim.uri(),
        config.per_second,
        config.users
    );
    let _ = tokio::signal::ctrl_c().await;
    // What it served, by status, for comparing runs.
    let served = sim.state.lock().unwrap().served.clone();
    let line: Vec<String> = served.iter().map(|(s, n)| format!("{s}: {n}")).collect();
    eprintln!("served {}", line.join(", "));
}
