//! The `alma` command against the local Alma at Alma's 25 requests per second:
//! `alma users list-users --all` over 20,000 users (share of the rate, peak memory of the
//! process), a 1,000-row `--apply` batch (a GET and a PUT per row: share of the rate), and how
//! fast `alma --help` starts. `cargo xtask bench --only cli`.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use alma_sim::{SimConfig, Simulator};

const USERS: usize = 20_000;
const ROWS: usize = 1_000;

fn alma(sim: &Simulator, dir: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_alma"));
    c.env("ALMA_API_KEY", "bench")
        .env("ALMA_BASE_URL", sim.url())
        .env("ALMA_CONFIG", dir.join("none.toml"))
        .env_remove("ALMA_PROFILE")
        .env_remove("ALMA_REDIS_URL")
        .current_dir(dir);
    c
}

/// A child's peak resident memory (`VmHWM` of `/proc/PID/status`, Linux), read until it exits:
/// the child's own, from `exec` on (a fork shares its parent's pages until then, which
/// `getrusage(RUSAGE_CHILDREN)` would count).
fn run_measured(mut c: Command) -> (std::process::Output, u64) {
    let child = c.stdout(Stdio::piped()).spawn().unwrap();
    let pid = child.id();
    let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let seen = peak.clone();
    let watcher = std::thread::spawn(move || {
        while let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
            let kb = status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0);
            seen.fetch_max(kb * 1024, std::sync::atomic::Ordering::Relaxed);
            if status.contains("State:\tZ") {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    });
    let out = child.wait_with_output().unwrap();
    let _ = watcher.join();
    (out, peak.load(std::sync::atomic::Ordering::Relaxed))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Simulator::start(SimConfig {
        users: USERS,
        ..SimConfig::default().alma_rate()
    })
    .await
    .unwrap();

    // --help, first: nothing else has run in a child yet.
    let mut walls = Vec::new();
    for _ in 0..21 {
        let t = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_alma"))
            .arg("--help")
            .output()
            .unwrap();
        walls.push(t.elapsed());
        assert!(out.status.success());
    }
    walls.sort();
    let help = walls[walls.len() / 2];

    // --all over 20,000 users.
    let before = sim.stats().total();
    let t = Instant::now();
    let (out, peak) = tokio::task::spawn_blocking({
        let mut c = alma(&sim, dir.path());
        c.args(["users", "list-users", "--all"])
            .stderr(Stdio::null());
        move || run_measured(c)
    })
    .await
    .unwrap();
    let secs = t.elapsed().as_secs_f64();
    assert!(out.status.success());
    let records = out
        .stdout
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .count();
    assert_eq!(records, USERS);
    let requests = sim.stats().total() - before;
    let all_rate = requests as f64 / secs;

    // A 1,000-row batch: GET, set, PUT each row.
    let mut csv = String::from("id,job\n");
    for i in 1..=ROWS {
        csv.push_str(&format!("sim{i:07},Bench {i}\n"));
    }
    std::fs::write(dir.path().join("rows.csv"), csv).unwrap();
    let before = sim.stats();
    let t = Instant::now();
    let out = tokio::task::spawn_blocking({
        let mut c = alma(&sim, dir.path());
        c.args([
            "batch",
            "--input",
            "rows.csv",
            "--apply",
            "--concurrency",
            "8",
            "--",
            "users",
            "update-user",
            "{id}",
            "--set",
            "job_description={job}",
        ])
        .stderr(Stdio::piped());
        move || c.output().unwrap()
    })
    .await
    .unwrap();
    let batch_secs = t.elapsed().as_secs_f64();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = sim.stats();
    let batch_requests = after.total() - before.total();
    let puts = after.method("PUT") - before.method("PUT");
    assert_eq!(puts as usize, ROWS);
    let batch_rate = batch_requests as f64 / batch_secs;
    let throttled = after.status(429) - before.status(429);

    println!("alma against the local Alma at 25 requests/s");
    println!(
        "  alma users list-users --all : {USERS} records, {requests} requests in {secs:.1} s = {all_rate:.2} req/s = {:.1}% of 25/s (goal >= 96%), peak memory {:.1} MB (goal < 30 MB)",
        all_rate / 25.0 * 100.0,
        peak as f64 / 1e6
    );
    println!(
        "  alma batch --apply          : {ROWS} rows, {batch_requests} requests ({puts} PUTs) in {batch_secs:.1} s = {batch_rate:.2} req/s = {:.1}% of 25/s (goal >= 95%), 429s {throttled}",
        batch_rate / 25.0 * 100.0
    );
    println!(
        "  alma --help                 : {:.1} ms (median of {}, goal < 20 ms)",
        help.as_secs_f64() * 1e3,
        walls.len()
    );
}
