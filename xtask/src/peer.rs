//! `cargo xtask peer`: the local Alma against a client nobody here wrote. almapy (PyPI, pinned
//! in `sdk-tests/peer/requirements.txt`) runs its own integration tests from its sdist
//! (`tests/test_integration_*.py`, written against real Alma: its error wording, its gateway
//! under a burst) and a script of everyday calls (`sdk-tests/peer/everyday.py`), both pointed at
//! a seeded `alma-sim` with its default settings by a pytest plugin that rewrites almapy's
//! region table (`sdk-tests/peer/peer_alma.py`). Prints
//! `peer: almapy integration P/9, calls C/N`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

/// The peer client's version; its sdist carries the integration tests.
const ALMAPY: &str = "9.3.1";
/// How many integration tests the sdist has (`test_integration_errors.py` and
/// `test_integration_adaptive.py`).
const INTEGRATION_TESTS: usize = 9;
/// The key the local Alma accepts in this pass.
const KEY: &str = "peer-key";

pub fn run(_args: &[String]) -> Result<(), String> {
    let started = Instant::now();
    let root = crate::project_root();
    let dir = root.join("target/peer");
    let python = venv(&root, &dir)?;
    let tests = sdist(&python, &dir)?;
    let barcodes = barcodes(&root.join("../shared/alma-fixtures"))?;
    if barcodes.is_empty() {
        return Err("no item barcodes in ../shared/alma-fixtures".into());
    }
    std::fs::create_dir_all(tests.join(".testdata")).map_err(|e| e.to_string())?;
    std::fs::write(
        tests.join(".testdata/barcodes.txt"),
        barcodes.join("\n") + "\n",
    )
    .map_err(|e| e.to_string())?;
    std::fs::write(tests.join(".env"), format!("API_KEY={KEY}\n")).map_err(|e| e.to_string())?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    crate::run(&cargo, &["build", "-q", "-p", "alma-sim"], &[])?;

    // The integration tests, on a fresh local Alma.
    let sim = Sim::start(&root)?;
    let junit = dir.join("integration.xml");
    let _ = std::fs::remove_file(&junit);
    let status = Command::new(&python)
        .current_dir(&tests)
        .args([
            "-m",
            "pytest",
            "-p",
            "peer_alma",
            "-p",
            "no:cacheprovider",
            "-q",
        ])
        .args(["-o", "addopts=", "--junitxml"])
        .arg(&junit)
        .args([
            "tests/test_integration_errors.py",
            "tests/test_integration_adaptive.py",
        ])
        .env("ALMA_INTEGRATION", "1")
        .env("ALMA_PEER_BASE", &sim.url)
        .env("PYTHONPATH", root.join("sdk-tests/peer"))
        .status()
        .map_err(|e| format!("pytest: {e}"))?;
    drop(sim);
    let passed = passed(&junit)?;
    println!("almapy's integration tests: {passed} of {INTEGRATION_TESTS} passed ({status})");

    // The everyday calls, on another fresh one.
    let sim = Sim::start(&root)?;
    let out = Command::new(&python)
        .arg(root.join("sdk-tests/peer/everyday.py"))
        .env("ALMA_PEER_BASE", &sim.url)
        .env("ALMA_PEER_KEY", KEY)
        .env("ALMA_PEER_BARCODE", &barcodes[0])
        .env("PYTHONPATH", root.join("sdk-tests/peer"))
        .stderr(Stdio::null())
        .output()
        .map_err(|e| format!("everyday.py: {e}"))?;
    drop(sim);
    let text = String::from_utf8_lossy(&out.stdout);
    print!("{text}");
    let calls = text
        .lines()
        .find_map(|l| l.strip_prefix("calls "))
        .ok_or_else(|| format!("everyday.py printed no total ({})", out.status))?
        .to_owned();
    println!(
        "\npeer: almapy integration {passed}/{INTEGRATION_TESTS}, calls {calls} ({:.0} s)",
        started.elapsed().as_secs_f64()
    );
    if passed < INTEGRATION_TESTS {
        return Err(format!(
            "almapy's integration tests: {passed} of {INTEGRATION_TESTS} passed against the local Alma"
        ));
    }
    Ok(())
}

/// `target/peer/venv` with the pinned requirements; its python.
fn venv(root: &Path, dir: &Path) -> Result<PathBuf, String> {
    let python = venv_with(
        &dir.join("venv"),
        &root.join("sdk-tests/peer/requirements.txt"),
    )?;
    Ok(python)
}

/// A virtual environment at `venv` with the pinned `requirements` (reinstalled when they
/// change); its python.
pub fn venv_with(venv: &Path, requirements: &Path) -> Result<PathBuf, String> {
    let python = venv.join("bin/python");
    let stamp = venv.join(".installed");
    let wanted = std::fs::read_to_string(requirements).map_err(|e| e.to_string())?;
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(python);
    }
    let t = Instant::now();
    crate::run("python3", &["-m", "venv", &venv.display().to_string()], &[])?;
    crate::run(
        &python.display().to_string(),
        &[
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            "-r",
            &requirements.display().to_string(),
        ],
        &[],
    )?;
    std::fs::write(&stamp, wanted).map_err(|e| e.to_string())?;
    println!(
        "installed {} into {} in {:.0} s",
        requirements.display(),
        venv.display(),
        t.elapsed().as_secs_f64()
    );
    Ok(python)
}

/// almapy's sdist, unpacked under `target/peer`: its tests and their conftest.
fn sdist(python: &Path, dir: &Path) -> Result<PathBuf, String> {
    let tests = dir.join(format!("almapy-{ALMAPY}"));
    if tests.join("tests/conftest.py").is_file() {
        return Ok(tests);
    }
    crate::run(
        &python.display().to_string(),
        &[
            "-m",
            "pip",
            "download",
            "-q",
            "--disable-pip-version-check",
            "--no-deps",
            "--no-binary",
            ":all:",
            &format!("almapy=={ALMAPY}"),
            "-d",
            &dir.display().to_string(),
        ],
        &[],
    )?;
    let archive = dir.join(format!("almapy-{ALMAPY}.tar.gz"));
    crate::run(
        "tar",
        &[
            "xzf",
            &archive.display().to_string(),
            "-C",
            &dir.display().to_string(),
        ],
        &[],
    )?;
    Ok(tests)
}

/// The barcodes of the recorded items (what a library's tester would list for the adaptive
/// tests), in the order the fixtures have them.
fn barcodes(fixtures: &Path) -> Result<Vec<String>, String> {
    let index = std::fs::read_to_string(fixtures.join("INDEX.tsv"))
        .map_err(|e| format!("{}: {e}", fixtures.join("INDEX.tsv").display()))?;
    let mut out: Vec<String> = Vec::new();
    for line in index.lines().skip(1) {
        let c: Vec<&str> = line.split('\t').collect();
        if c.len() < 7 || c[4] != "json" || !matches!(c[6], "items" | "item") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(fixtures.join(c[0])) else {
            continue;
        };
        let Ok(doc) = serde_json::from_str::<serde_json::Value>(&text) else {
            continue;
        };
        let items = match doc.get("item") {
            Some(serde_json::Value::Array(a)) => a.clone(),
            Some(one) => vec![one.clone()],
            None => vec![doc.clone()],
        };
        for it in items {
            if let Some(b) = it.pointer("/item_data/barcode").and_then(|b| b.as_str()) {
                if !b.is_empty() && !out.iter().any(|x| x == b) {
                    out.push(b.to_owned());
                }
            }
        }
    }
    Ok(out)
}

/// Passed tests in a JUnit report: test cases with no failure, error or skipped element.
fn passed(junit: &Path) -> Result<usize, String> {
    use quick_xml::events::Event;
    let text = std::fs::read_to_string(junit).map_err(|e| format!("{}: {e}", junit.display()))?;
    let mut reader = quick_xml::Reader::from_str(&text);
    let (mut passed, mut failed_here) = (0, false);
    loop {
        match reader
            .read_event()
            .map_err(|e| format!("{}: {e}", junit.display()))?
        {
            Event::Empty(e) if e.name().as_ref() == b"testcase" => passed += 1,
            Event::Start(e) if e.name().as_ref() == b"testcase" => failed_here = false,
            Event::Start(e) | Event::Empty(e)
                if matches!(e.name().as_ref(), b"failure" | b"error" | b"skipped") =>
            {
                failed_here = true
            }
            Event::End(e) if e.name().as_ref() == b"testcase" => {
                passed += usize::from(!failed_here)
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(passed)
}

/// A seeded local Alma with its default settings, stopped when dropped.
/// A local Alma for a pass, stopped when dropped.
pub struct Sim {
    child: Child,
    pub url: String,
}

impl Sim {
    /// A seeded local Alma with the peer pass's key.
    fn start(root: &Path) -> Result<Sim, String> {
        let fixtures = root.join("../shared/alma-fixtures").display().to_string();
        Sim::start_with(root, KEY, &["--seed", &fixtures])
    }

    /// A local Alma (`target/debug/alma-sim`) taking `key`, with more flags; its URL from the
    /// first line it prints.
    pub fn start_with(root: &Path, key: &str, args: &[&str]) -> Result<Sim, String> {
        let mut child = Command::new(root.join("target/debug/alma-sim"))
            .args(["--key", key])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("alma-sim: {e}"))?;
        let mut line = String::new();
        use std::io::BufRead;
        let stdout = child.stdout.take().ok_or("alma-sim: no stdout")?;
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .map_err(|e| format!("alma-sim: {e}"))?;
        let url = line.trim().to_owned();
        if !url.starts_with("http") {
            let _ = child.kill();
            return Err(format!("alma-sim printed no URL: {line:?}"));
        }
        Ok(Sim { child, url })
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_cases_without_failure_error_or_skip_pass() {
        let report = r#"<testsuites><testsuite>
<testcase classname="a" name="ok1" time="0.1" />
<testcase classname="a" name="ok2"><system-out>x</system-out></testcase>
<testcase classname="a" name="bad"><failure message="no">x</failure></testcase>
<testcase classname="a" name="err"><error message="no"/></testcase>
<testcase classname="a" name="xf"><skipped type="pytest.xfail" message="x"/></testcase>
</testsuite></testsuites>"#;
        let path = std::env::temp_dir().join(format!("peer-junit-{}.xml", std::process::id()));
        std::fs::write(&path, report).unwrap();
        assert_eq!(super::passed(&path).unwrap(), 2);
        let _ = std::fs::remove_file(&path);
    }
}
