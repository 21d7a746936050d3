//! `alma mcp` measured: the size of `tools/list` an assistant's context takes (the compact
//! default, every read, every operation), and a read's time through a running server against
//! the same read through `alma` at the command line, both against the local Alma (the medians
//! of 40 calls each, more than 1/25 s apart; the command line starts a process per call, the
//! server does not).
//! `cargo xtask bench --only mcp`.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use alma_sim::{SimConfig, Simulator};

const CALLS: usize = 40;

fn alma(sim: Option<&Simulator>) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_alma"));
    c.env("ALMA_API_KEY", "bench")
        .env("ALMA_CONFIG", "/nonexistent/alma-bench.toml")
        .env_remove("ALMA_PROFILE")
        .env_remove("ALMA_REDIS_URL");
    if let Some(s) = sim {
        c.env("ALMA_BASE_URL", s.url());
    }
    c
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn list_size(args: &[&str]) -> (usize, usize) {
    let out = alma(None)
        .args(["mcp", "--list"])
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    (out.stdout.len(), v["tools"].as_array().map_or(0, Vec::len))
}

fn main() {
    let all = "acq,analytics,bibs,conf,courses,electronic,partners,tasklists,users";
    for (what, args) in [
        ("compact default (read-only)", vec![]),
        ("every read, a tool each", vec!["--tools", "all"]),
        (
            "every operation, writes allowed",
            vec!["--tools", "all", "--allow-writes", all],
        ),
    ] {
        let (bytes, n) = list_size(&args);
        println!(
            "mcp tools/list {what}: {n} tools, {bytes} bytes (~{} tokens at 4 bytes each)",
            bytes / 4
        );
    }

    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = rt
        .block_on(Simulator::start(SimConfig {
            users: 10,
            ..Default::default()
        }))
        .unwrap();

    // The command line: a process per call.
    let mut cli = Vec::new();
    for _ in 0..CALLS {
        let t = Instant::now();
        let out = alma(Some(&sim))
            .args(["users", "get-user", "sim0000001"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        cli.push(t.elapsed());
    }

    // The server: one process, JSON-RPC over its stdio.
    let mut server = alma(Some(&sim))
        .arg("mcp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut input = server.stdin.take().unwrap();
    let mut output = BufReader::new(server.stdout.take().unwrap());
    let mut send = |v: serde_json::Value| {
        writeln!(input, "{v}").unwrap();
        input.flush().unwrap();
    };
    let mut line = String::new();
    send(
        serde_json::json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "bench", "version": "0"}}}),
    );
    output.read_line(&mut line).unwrap();
    send(serde_json::json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    let mut mcp = Vec::new();
    for id in 1..=CALLS {
        // Apart by more than 1/25 s: the server's client paces calls at Alma's 25 a second
        // (as it should); this measures the call, not the pacing.
        std::thread::sleep(Duration::from_millis(60));
        let t = Instant::now();
        send(
            serde_json::json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
            "params": {"name": "users_get_user", "arguments": {"user_id": "sim0000001"}}}),
        );
        line.clear();
        output.read_line(&mut line).unwrap();
        mcp.push(t.elapsed());
        assert!(
            line.contains("sim0000001") && !line.contains("\"isError\":true"),
            "{line}"
        );
    }
    let _ = server.kill();
    let _ = server.wait();
    let (c, m) = (median(cli), median(mcp));
    println!(
        "mcp read (users_get_user), median of {CALLS}: through a running `alma mcp` {:.1} ms; `alma users get-user` {:.1} ms (a process per call); the server's call takes {:.0}% of the command line's",
        m.as_secs_f64() * 1e3,
        c.as_secs_f64() * 1e3,
        m.as_secs_f64() / c.as_secs_f64() * 100.0
    );
}
