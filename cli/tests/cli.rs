//! The `alma` binary as a process against the local Alma (`alma-sim`): typed flags, errors and
//! the key, `--all`, a GET → edit → PUT pipe, dry runs, and a batch killed at random moments
//! and resumed, every row applied exactly once (the simulator counts PUTs per record).

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use alma_sim::{SimConfig, Simulator};

const KEY: &str = "l7xx-cli-secret-key-0001";

fn alma(sim: &Simulator, dir: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_alma"));
    c.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("ALMA_API_KEY", KEY)
        .env("ALMA_BASE_URL", sim.url())
        .env("ALMA_CONFIG", dir.join("none.toml"))
        .current_dir(dir);
    c
}

fn run(mut c: Command) -> Output {
    c.output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

async fn sim(users: usize) -> Simulator {
    Simulator::start(SimConfig {
        users,
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operation_with_typed_flags_and_a_bad_enum_value() {
    let sim = sim(30).await;
    let dir = tempfile::tempdir().unwrap();
    let mut c = alma(&sim, dir.path());
    c.args([
        "users",
        "list-users",
        "--limit",
        "5",
        "--offset",
        "10",
        "--order-by",
        "last_name",
    ]);
    let out = run(c);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let page: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(page["user"].as_array().unwrap().len(), 5);
    assert_eq!(page["total_record_count"], 30);
    // Not a terminal: compact JSON on one line.
    assert_eq!(text(&out.stdout).trim().lines().count(), 1);
    let before = sim.stats().total();
    for bad in [
        vec!["users", "get-user", "sim0000001", "--view", "bogus"],
        vec!["users", "list-users", "--limit", "ten"],
        vec!["users", "get-user"],
        vec!["users", "get-usr", "x"],
    ] {
        let mut c = alma(&sim, dir.path());
        c.args(&bad);
        let out = run(c);
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {}", text(&out.stderr));
        assert!(!text(&out.stderr).is_empty());
    }
    let mut c = alma(&sim, dir.path());
    c.args(["users", "get-user", "sim0000001", "--view", "bogus"]);
    let err = text(&run(c).stderr);
    assert!(
        err.contains("bogus") && err.contains("full") && err.contains("brief"),
        "{err}"
    );
    assert_eq!(
        sim.stats().total(),
        before,
        "a bad value is refused before any request"
    );
    // XML as received.
    let mut c = alma(&sim, dir.path());
    c.args(["users", "get-user", "sim0000001", "--format", "xml"]);
    let out = run(c);
    assert!(
        text(&out.stdout).starts_with("<?xml")
            && text(&out.stdout).contains("<primary_id>sim0000001</primary_id>")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_exits_non_zero_with_alma_s_code_and_never_the_key() {
    let sim = sim(1).await;
    let dir = tempfile::tempdir().unwrap();
    for verbose in [false, true] {
        let mut c = alma(&sim, dir.path());
        if verbose {
            c.arg("--verbose");
        }
        c.args(["users", "get-user", "nobody"]);
        let out = run(c);
        assert_eq!(out.status.code(), Some(1));
        let err = text(&out.stderr);
        let line = err.lines().last().unwrap();
        assert!(
            line.contains("401861")
                && line.contains("User with identifier nobody was not found.")
                && line.contains("tracking id E01-"),
            "{err}"
        );
        assert!(
            !err.contains(KEY) && !text(&out.stdout).contains(KEY),
            "the key shows: {err}"
        );
        if verbose {
            assert!(err.contains("GET http://"), "{err}");
        }
    }
    // In query-key mode too (the key would be in the URL).
    let mut c = alma(&sim, dir.path());
    c.args(["--verbose", "config", "show"]);
    let out = run(c);
    assert!(text(&out.stdout).contains("********") && !text(&out.stdout).contains(KEY));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_records_as_ndjson() {
    let sim = sim(250).await;
    let dir = tempfile::tempdir().unwrap();
    let mut c = alma(&sim, dir.path());
    c.args(["users", "list-users", "--all"]);
    let out = run(c);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 250);
    assert_eq!(lines[249]["primary_id"], "sim0000250");
    assert_eq!(sim.stats().operation("users.list_users"), 3, "pages of 100");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pipe_from_get_through_an_edit_to_put_changes_that_field_only() {
    let sim = sim(3).await;
    let dir = tempfile::tempdir().unwrap();
    let before = sim.record("/almaws/v1/users/sim0000002").unwrap();
    let mut get = alma(&sim, dir.path());
    get.args(["users", "get-user", "sim0000002"]);
    let got = run(get);
    let mut v: serde_json::Value = serde_json::from_slice(&got.stdout).unwrap();
    v["job_description"] = "Cataloguer".into();
    let mut put = alma(&sim, dir.path());
    put.args(["users", "update-user", "sim0000002", "--body", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = put.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(v.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut after = sim.record("/almaws/v1/users/sim0000002").unwrap();
    assert_eq!(after["job_description"], "Cataloguer");
    after.as_object_mut().unwrap().remove("job_description");
    assert_eq!(after, before, "nothing else changed");
    // A body that does not fit the model is refused before sending.
    let mut bad = alma(&sim, dir.path());
    std::fs::write(
        dir.path().join("bad.json"),
        r#"{"user_group": 5, "expiry_date": {"x": []}, "is_researcher": "maybe"}"#,
    )
    .unwrap();
    bad.args(["users", "update-user", "sim0000002", "--body", "bad.json"]);
    let out = run(bad);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert_eq!(sim.stats().method("PUT"), 1);
}

fn rows(dir: &std::path::Path, n: usize) -> std::path::PathBuf {
    let mut csv = String::from("id,job\n");
    for i in 1..=n {
        csv.push_str(&format!("sim{i:07},Job {i}\n"));
    }
    let path = dir.join("rows.csv");
    std::fs::write(&path, csv).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_writes_nothing() {
    let sim = sim(10).await;
    let dir = tempfile::tempdir().unwrap();
    rows(dir.path(), 10);
    let mut c = alma(&sim, dir.path());
    c.args([
        "batch",
        "--input",
        "rows.csv",
        "--",
        "users",
        "update-user",
        "{id}",
        "--set",
        "job_description={job}",
    ]);
    let out = run(c);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert_eq!(
        stdout
            .lines()
            .filter(|l| l.contains("would change job_description: (none) → \"Job"))
            .count(),
        10,
        "{stdout}"
    );
    assert_eq!(sim.stats().method("PUT"), 0);
    assert!(!dir.path().join("rows.users-update_user.journal").exists());
    assert!(text(&out.stderr).contains("nothing was written"));
}

/// `alma batch --apply` of `rows.csv` (see [`rows`]), four at a time, output piped.
fn apply_rows(sim: &Simulator, dir: &std::path::Path) -> Command {
    let mut c = alma(sim, dir);
    c.args([
        "batch",
        "--input",
        "rows.csv",
        "--apply",
        "--concurrency",
        "4",
        "--",
        "users",
        "update-user",
        "{id}",
        "--set",
        "job_description={job}",
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    c
}

/// Killed with SIGKILL at random moments, rerun until done: every row once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_killed_at_any_moment_applies_every_row_exactly_once() {
    const ROWS: usize = 60;
    let sim = Simulator::start(SimConfig {
        users: ROWS,
        // Answers come back late: kills land between a write and its answer.
        latency: Duration::from_millis(25),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    rows(dir.path(), ROWS);
    let batch = |sim: &Simulator| apply_rows(sim, dir.path());
    let mut kills = 0;
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let finished = loop {
        let mut child = batch(&sim).spawn().unwrap();
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let after = Duration::from_millis(40 + rng % 250);
        let deadline = std::time::Instant::now() + after;
        let done = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break Some(status);
            }
            if std::time::Instant::now() >= deadline {
                break None;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        };
        match done {
            Some(status) => break status,
            None => {
                child.kill().unwrap(); // SIGKILL
                child.wait().unwrap();
                kills += 1;
                assert!(kills < 100, "the batch never finished");
            }
        }
    };
    assert!(finished.success());
    assert!(
        kills >= 2,
        "the test must interrupt the batch ({kills} kills)"
    );
    let stats = sim.stats();
    for i in 1..=ROWS {
        let path = format!("/almaws/v1/users/sim{i:07}");
        assert_eq!(
            stats.puts.get(&path),
            Some(&1),
            "{path}: PUTs {:?} after {kills} kills",
            stats.puts.get(&path)
        );
        assert_eq!(
            sim.record(&path).unwrap()["job_description"],
            format!("Job {i}")
        );
    }
    // Once more: everything is done.
    let out = batch(&sim).output().unwrap();
    assert!(
        text(&out.stderr).contains(&format!("skipped (done before) {ROWS}")),
        "{}",
        text(&out.stderr)
    );
    println!("{kills} kills; every row applied once");
}

/// Calls as Alma's prose describes them: a job's instances by its id alone; a scan-in at a desk
/// or a department, never both or neither (a usage error naming the two flags, nothing sent);
/// a password read from the environment variable a flag names, sent in its header, never
/// printed by `-v`, never a flag's value; a 204 answer printed as nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_as_alma_documents_them() {
    let sim = sim(3).await;
    let dir = tempfile::tempdir().unwrap();
    let call = |args: &[&str]| {
        let mut c = alma(&sim, dir.path());
        c.args(args).stdin(Stdio::null());
        c
    };
    let out = run(call(&["conf", "list-job-instances", "M123", "-v"]));
    let err = text(&out.stderr);
    assert!(!err.contains("Mandatory field is missing"), "{err}");
    assert!(
        err.contains("/almaws/v1/conf/jobs/M123/instances (as"),
        "{err}"
    );
    assert!(!err.contains("submit_date"), "{err}");

    let scan = [
        "bibs",
        "scan-in-item",
        "99",
        "22",
        "23",
        "--library",
        "MAIN",
    ];
    let before = sim.stats().method("POST");
    let both = run(call(
        &[&scan[..], &["--circ-desk", "D1", "--department", "X"]].concat(),
    ));
    let err = text(&both.stderr);
    assert_eq!(both.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--circ-desk") && err.contains("--department"),
        "{err}"
    );
    let neither = run(call(&scan));
    let err = text(&neither.stderr);
    assert_eq!(neither.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--circ-desk") && err.contains("--department"),
        "{err}"
    );
    let done_at_desk = run(call(
        &[&scan[..], &["--circ-desk", "D1", "--done", "true"]].concat(),
    ));
    let err = text(&done_at_desk.stderr);
    assert_eq!(done_at_desk.status.code(), Some(2), "{err}");
    assert!(err.contains("--done does not go with --circ-desk"), "{err}");
    assert_eq!(sim.stats().method("POST"), before, "nothing was sent");

    const PASSWORD: &str = "cli-patron-pw-0042";
    // The user's password, as Alma holds it: authentication compares with it.
    let mut user = sim.record("/almaws/v1/users/sim0000001").unwrap();
    user["password"] = serde_json::json!(PASSWORD);
    sim.insert("/almaws/v1/users/sim0000001", user);
    let on_cli = run(call(&[
        "users",
        "authenticate-or-refresh-user",
        "sim0000001",
        "--op",
        "auth",
        "--password",
        PASSWORD,
    ]));
    assert_eq!(
        on_cli.status.code(),
        Some(2),
        "a password is never a flag's value"
    );
    let no_terminal = run(call(&[
        "users",
        "authenticate-or-refresh-user",
        "sim0000001",
        "--op",
        "auth",
    ]));
    let err = text(&no_terminal.stderr);
    assert_eq!(no_terminal.status.code(), Some(2), "{err}");
    assert!(err.contains("--password-env"), "{err}");
    let mut c = call(&[
        "users",
        "authenticate-or-refresh-user",
        "sim0000001",
        "--op",
        "auth",
        "--password-env",
        "PATRON_PW",
        "-v",
    ]);
    c.env("PATRON_PW", PASSWORD);
    let out = run(c);
    let (o, e) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{e}");
    assert!(e.contains("HTTP 204"), "{e}");
    assert!(o.is_empty(), "{o}");
    assert!(!o.contains(PASSWORD) && !e.contains(PASSWORD), "{e}");
    let refresh = run(call(&[
        "users",
        "authenticate-or-refresh-user",
        "sim0000001",
        "--op",
        "refresh",
    ]));
    assert!(
        refresh.status.success(),
        "a refresh needs no password: {}",
        text(&refresh.stderr)
    );
}

/// Two runs on one journal, the second started 2 s after the first (a cron overlap): the second
/// refuses at once naming the first's process, and every row is applied exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_batch_on_the_same_journal_refuses_while_the_first_runs() {
    const ROWS: usize = 120;
    let sim = sim(ROWS).await;
    let dir = tempfile::tempdir().unwrap();
    rows(dir.path(), ROWS);
    let batch = |sim: &Simulator| apply_rows(sim, dir.path());
    let first = batch(&sim).spawn().unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let started = std::time::Instant::now();
    let second = batch(&sim).output().unwrap();
    let refused_in = started.elapsed();
    let first = first.wait_with_output().unwrap();
    assert!(first.status.success(), "{}", text(&first.stderr));
    let err = text(&second.stderr);
    assert_eq!(second.status.code(), Some(2), "{err}");
    assert!(
        err.contains("in use by another alma batch") && err.contains("process "),
        "{err}"
    );
    assert!(
        refused_in < Duration::from_secs(2),
        "refused only after {refused_in:?}"
    );
    // The first was still running when the second was refused: it applied every row.
    assert!(
        text(&first.stderr).contains(&format!("applied {ROWS}")),
        "{}",
        text(&first.stderr)
    );
    let stats = sim.stats();
    for i in 1..=ROWS {
        let path = format!("/almaws/v1/users/sim{i:07}");
        assert_eq!(stats.puts.get(&path), Some(&1), "{path}");
    }
    // Once the first has ended, the journal is free again.
    let out = batch(&sim).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains(&format!("skipped (done before) {ROWS}")),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profiles_keys_from_commands_and_the_environment_over_them() {
    let sim = sim(2).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.toml"),
        format!(
            "default = \"local\"\n\n[profiles.local]\nbase_url = \"{}\"\nkey_cmd = \"echo {KEY}\"\nread_only = true\nredis_url = \"redis://user:hunter2@127.0.0.1:1/\"\ninstitution = \"main\"\n\n[profiles.other]\nregion = \"eu\"\n",
            sim.url()
        ),
    )
    .unwrap();
    let base = || {
        let mut c = Command::new(env!("CARGO_BIN_EXE_alma"));
        c.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("ALMA_CONFIG", dir.path().join("config.toml"))
            .current_dir(dir.path());
        c
    };
    // `config show`: the key redacted, the Redis password too, where each setting came from.
    let mut c = base();
    c.args(["config", "show"]);
    let shown = text(&run(c).stdout);
    assert!(shown.contains("profile:     local"), "{shown}");
    assert!(shown.contains("read_only:   true (profile)"), "{shown}");
    assert!(
        shown.contains("redis://user:***@127.0.0.1:1/") && !shown.contains("hunter2"),
        "{shown}"
    );
    assert!(
        shown.contains("******** (from the output of key_cmd)") && !shown.contains(KEY),
        "{shown}"
    );
    // ALMA_* over the profile.
    let mut c = base();
    c.env("ALMA_READ_ONLY", "false")
        .env("ALMA_PROFILE", "other")
        .args(["config", "show"]);
    let shown = text(&run(c).stdout);
    assert!(
        shown.contains("profile:     other") && shown.contains("region:      eu (profile)"),
        "{shown}"
    );
    assert!(
        shown.contains("read_only:   false (ALMA_READ_ONLY)"),
        "{shown}"
    );
    assert!(shown.contains("api key:     not set"), "{shown}");
    // The key from key_cmd works; the read-only profile refuses a write before sending it.
    let mut c = base();
    c.env("ALMA_REDIS_URL", "")
        .args(["users", "get-user", "sim0000001"]);
    let out = run(c);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut c = base();
    c.args(["users", "delete-user", "sim0000001"]);
    let out = run(c);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("read-only"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(sim.stats().method("DELETE"), 0);
    // An unknown profile names the known ones.
    let mut c = base();
    c.args(["--profile", "nope", "config", "show"]);
    let err = text(&run(c).stderr);
    assert!(
        err.contains("no profile \"nope\"") && err.contains("local, other"),
        "{err}"
    );
}

/// Every operation's command line is well formed (clap checks it in debug builds): no argument
/// twice, a query parameter named like one of our flags renamed.
#[test]
fn every_operation_has_a_well_formed_command() {
    let out = Command::new(env!("CARGO_BIN_EXE_alma"))
        .args(["acq", "list-purchase-requests", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("--param-format"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn completions_and_the_man_page() {
    for shell in ["bash", "zsh", "fish"] {
        let out = Command::new(env!("CARGO_BIN_EXE_alma"))
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success());
        let script = text(&out.stdout);
        assert!(
            script.contains("get-user") && script.contains("list-users"),
            "{shell}"
        );
    }
    let out = Command::new(env!("CARGO_BIN_EXE_alma"))
        .arg("man")
        .output()
        .unwrap();
    let man = text(&out.stdout);
    assert!(
        man.starts_with(".ie") || man.contains(".TH"),
        "{}",
        &man[..200.min(man.len())]
    );
    assert!(man.contains("batch") && man.contains("users"));
}

/// A profile's priority and budget: shown by `config show` (the environment over them), and a
/// batch that stops at the budget, the rest deferred to a rerun.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_stops_at_its_budget_and_config_show_says_so() {
    let sim = sim(10).await;
    let dir = tempfile::tempdir().unwrap();
    rows(dir.path(), 10);
    std::fs::write(
        dir.path().join("config.toml"),
        format!(
            "default = \"nightly\"\n\n[profiles.nightly]\nbase_url = \"{}\"\nbudget = {{ name = \"nightly-sync\", max = 9, keep = \"15%\", daily_quota = 1000 }}\n",
            sim.url()
        ),
    )
    .unwrap();
    let base = || {
        let mut c = alma(&sim, dir.path());
        c.env("ALMA_CONFIG", dir.path().join("config.toml"));
        c
    };
    let mut c = base();
    c.args(["config", "show"]);
    let shown = text(&run(c).stdout);
    assert!(
        shown.contains("priority:    interactive (default; batch for alma batch)"),
        "{shown}"
    );
    assert!(
        shown.contains("budget:      \"nightly-sync\": at most 9 calls, leaving 15% of the daily quota to others, of a daily quota of 1000 calls; counted in this process and starting afresh at midnight GMT (profile)"),
        "{shown}"
    );
    let mut c = base();
    c.env("ALMA_PRIORITY", "batch").args(["config", "show"]);
    let shown = text(&run(c).stdout);
    assert!(
        shown.contains("priority:    batch (ALMA_PRIORITY)"),
        "{shown}"
    );
    let mut c = base();
    c.env("ALMA_PRIORITY", "urgent")
        .args(["users", "get-user", "sim0000001"]);
    let out = run(c);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("unknown priority \"urgent\""),
        "{}",
        text(&out.stderr)
    );
    // Each row is a GET and a PUT: 9 calls are four rows and the fifth row's GET.
    let mut c = base();
    c.args([
        "batch",
        "--input",
        "rows.csv",
        "--apply",
        "--concurrency",
        "1",
        "--",
        "users",
        "update-user",
        "{id}",
        "--set",
        "job_description={job}",
    ]);
    let out = run(c);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("applied 4") && stderr.contains("not done (stopped) 6"),
        "{stderr}"
    );
    assert!(
        stderr.contains("stopped: ")
            && stderr.contains("the budget \"nightly-sync\" is used up (9 of 9 calls today)"),
        "{stderr}"
    );
    assert_eq!(sim.stats().method("PUT"), 4);
    assert_eq!(sim.stats().method("GET"), 5);
}
