//! `cargo xtask mcp`: `alma mcp` driven by a client nobody here wrote, the Python MCP SDK's
//! (PyPI `mcp`, pinned in `sdk-tests/mcp/requirements.txt`), over stdio, against a local Alma:
//! `sdk-tests/mcp/drive.py` lists the tools, reads, is refused a write, gets a dry run, makes a
//! confirmed write and sees it, is refused a wrong confirmation, gets an Alma error with its
//! code, and sweeps every result for the key. Prints `mcp: C/N checks`.

use std::process::{Command, Stdio};
use std::time::Instant;

/// The key the local Alma accepts in this pass (and that no result may show).
const KEY: &str = "mcp-check-key-5b1f0c";

pub fn run(_args: &[String]) -> Result<(), String> {
    let started = Instant::now();
    let root = crate::project_root();
    let python = crate::peer::venv_with(
        &root.join("target/mcp/venv"),
        &root.join("sdk-tests/mcp/requirements.txt"),
    )?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    crate::run(
        &cargo,
        &["build", "-q", "-p", "alma-sim", "-p", "alma-cli"],
        &[],
    )?;
    let sim = crate::peer::Sim::start_with(&root, KEY, &["--users", "5"])?;
    let out = Command::new(&python)
        .arg(root.join("sdk-tests/mcp/drive.py"))
        .env("ALMA_MCP_BIN", root.join("target/debug/alma"))
        .env("ALMA_BASE_URL", &sim.url)
        .env("ALMA_API_KEY", KEY)
        .stderr(Stdio::inherit())
        .output();
    drop(sim);
    let out = out.map_err(|e| format!("drive.py: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    print!("{text}");
    let summary = text
        .lines()
        .find_map(|l| l.strip_prefix("mcp: "))
        .ok_or("drive.py printed no summary")?
        .to_owned();
    println!(
        "\nmcp: {summary} ({:.0} s)",
        started.elapsed().as_secs_f64()
    );
    let (good, total) = summary
        .split_whitespace()
        .next()
        .and_then(|c| c.split_once('/'))
        .and_then(|(g, t)| Some((g.parse::<usize>().ok()?, t.parse::<usize>().ok()?)))
        .ok_or("drive.py's summary is not C/N")?;
    if good < total || !out.status.success() {
        return Err(format!("alma mcp: {good} of {total} checks passed"));
    }
    Ok(())
}
