//! `cargo xtask semver`: the generated crate's API changes judged by an independent tool,
//! cargo-semver-checks (rustdoc's view of the two crates, its own lints), and held against what
//! CHANGES.md says.
//!
//! 1. **The generation.** `alma-sdk` as it is now against the last committed one: `HEAD` when
//!    `generated/` has uncommitted changes, else the commit before the last one that changed it
//!    (so that CI on a clean clone checks the newest generation). The tool runs twice — every
//!    feature on, and every area without `client` (the lean build), which is where a change of
//!    what the features hold shows — and calls the change breaking when either run fails a lint
//!    that needs more than a patch release. CHANGES.md's new entries must agree: breaking marks
//!    when the tool finds a break, none when it does not; and the version in `Cargo.toml` must
//!    follow (`release::bump`). A disagreement fails, naming the tool's findings and our marks.
//! 2. **The tool is shown to catch a break** (`demo`): the users area generated from a copy of
//!    the spec mirror, then regenerated with a field removed from `rest_user.xsd` — both
//!    CHANGES.md and the tool must call it breaking — and with an optional field added — both
//!    must call it additive.

use std::path::{Path, PathBuf};
use std::process::Command;

use alma_codegen::{generate, release, write, Options};

use crate::project_root;

/// Where the tool's rustdoc builds go (shared by every run: dependencies are documented once).
const TARGET: &str = "target/semver";

pub fn run_semver(args: &[String]) -> Result<(), String> {
    let tool = tool_version()?;
    println!("cargo-semver-checks {tool}");
    let root = project_root();
    if !args.iter().any(|a| a == "--demo-only") {
        check_generation(&root)?;
    }
    if !args.iter().any(|a| a == "--no-demo") {
        demo(&root)?;
    }
    Ok(())
}

/// `cargo semver-checks --version`, or how to install it.
fn tool_version() -> Result<String, String> {
    let cargo = cargo();
    let out = Command::new(&cargo)
        .args(["semver-checks", "--version"])
        .output()
        .map_err(|e| format!("{cargo}: {e}"))?;
    if !out.status.success() {
        return Err(
            "cargo-semver-checks is not installed: `cargo install cargo-semver-checks --locked` \
             (.ci/run installs it)"
                .into(),
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .trim()
        .trim_start_matches("cargo-semver-checks ")
        .to_string())
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

fn git(root: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(root)
        .output()
        .map_err(|e| format!("git: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// What the tool found in one configuration.
struct Verdict {
    config: &'static str,
    /// The failed lints' lines (`--- failure …` and the items under them).
    findings: Vec<String>,
}

impl Verdict {
    fn breaking(&self) -> bool {
        !self.findings.is_empty()
    }
}

/// Runs the tool on `alma-sdk` of the workspace `current` (its root manifest) against
/// `baseline` (`--baseline-rev REV` or `--baseline-root DIR`) with `features`; a change that
/// needs more than a patch is a finding. The tool is given the workspace and the package: given
/// the member's own manifest it clones the baseline and stops without checking anything.
fn check(
    root: &Path,
    config: &'static str,
    current: &Path,
    baseline: &[&str],
    features: &[&str],
) -> Result<Verdict, String> {
    let manifest = current.to_string_lossy();
    let mut args = vec![
        "semver-checks",
        "check-release",
        "--manifest-path",
        &manifest,
        "--package",
        "alma-sdk",
        "--release-type",
        "patch",
    ];
    args.extend_from_slice(baseline);
    args.extend_from_slice(features);
    println!("\n==> cargo {}", args.join(" "));
    let out = Command::new(cargo())
        .args(&args)
        .current_dir(root)
        .env("CARGO_TARGET_DIR", root.join(TARGET))
        .output()
        .map_err(|e| format!("cargo semver-checks: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let text = format!("{stdout}{stderr}");
    let findings = failures(&text);
    if !out.status.success() && findings.is_empty() {
        return Err(format!(
            "cargo semver-checks failed without a finding ({config}):\n{text}"
        ));
    }
    let Some(summary) = text.lines().find(|l| l.trim_start().starts_with("Summary")) else {
        return Err(format!(
            "cargo semver-checks checked nothing ({config}): no Summary line in its output:\n{text}"
        ));
    };
    println!("  {config}: {}", summary.trim());
    Ok(Verdict { config, findings })
}

/// The tool's failed lints: `LINT: item; item` for each `--- failure LINT: … ---` line and the
/// items under its `Failed in:` (each once: a model re-exported under two paths is listed twice;
/// without the file it was in). The tool's own progress lines (`Building …`) end the items.
fn failures(text: &str) -> Vec<String> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    let mut items = false;
    for line in text.lines() {
        let l = line.trim();
        if let Some(rest) = l.strip_prefix("--- failure ") {
            let lint = rest.split(':').next().unwrap_or(rest).trim().to_string();
            out.push((lint, Vec::new()));
            items = false;
        } else if l == "Failed in:" {
            items = true;
        } else if l.is_empty() || is_progress(l) {
            items = false;
        } else if items {
            let item = l
                .split(", previously in file")
                .next()
                .unwrap_or(l)
                .to_string();
            if let Some((_, list)) = out.last_mut() {
                if !list.contains(&item) {
                    list.push(item);
                }
            }
        }
    }
    out.into_iter()
        .map(|(lint, items)| format!("{lint}: {}", items.join("; ")))
        .collect()
}

/// A progress line of cargo or the tool (`Building alma-sdk …`, `Checked [ 0.2s] …`).
fn is_progress(line: &str) -> bool {
    const VERBS: [&str; 12] = [
        "Building",
        "Built",
        "Parsing",
        "Parsed",
        "Checking",
        "Checked",
        "Summary",
        "Finished",
        "Compiling",
        "Cloning",
        "Documenting",
        "Warning",
    ];
    VERBS
        .iter()
        .any(|v| line.strip_prefix(v).is_some_and(|r| r.starts_with(' ')))
}

/// The features of the lean configuration: every area, no `client`.
fn lean_features(manifest: &Path) -> Result<String, String> {
    let text =
        std::fs::read_to_string(manifest).map_err(|e| format!("{}: {e}", manifest.display()))?;
    let doc: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| format!("{}: {e}", manifest.display()))?;
    let defaults = doc
        .get("features")
        .and_then(|f| f.get("default"))
        .and_then(|d| d.as_array())
        .ok_or_else(|| format!("{}: no default features", manifest.display()))?;
    Ok(defaults
        .iter()
        .filter_map(|v| v.as_str())
        .filter(|f| *f != "client")
        .collect::<Vec<_>>()
        .join(","))
}

/// The breaking lines of the entries `current` has that `baseline` has not.
fn new_entries(baseline: &str, current: &str) -> (usize, Vec<String>) {
    let entries = |t: &str| -> Vec<String> {
        // Trimmed: `git show` output comes without the file's last newline.
        t.split("\n## ")
            .skip(1)
            .map(|e| format!("## {}", e.trim_end()))
            .collect()
    };
    let old = entries(baseline);
    let new: Vec<String> = entries(current)
        .into_iter()
        .filter(|e| !old.contains(e))
        .collect();
    let breaking = new
        .iter()
        .flat_map(|e| e.lines())
        .filter(|l| l.ends_with("— **breaking**"))
        .map(str::to_string)
        .collect();
    (new.len(), breaking)
}

fn version_of(manifest_text: &str) -> Option<String> {
    let doc: toml::Table = manifest_text.parse().ok()?;
    doc.get("package")?
        .get("version")?
        .as_str()
        .map(str::to_string)
}

/// Part 1: the generation against the last committed one.
fn check_generation(root: &Path) -> Result<(), String> {
    let dirty = !Command::new("git")
        .args(["diff", "--quiet", "HEAD", "--", "generated"])
        .current_dir(root)
        .status()
        .map_err(|e| format!("git: {e}"))?
        .success();
    let rev = if dirty {
        git(root, &["rev-parse", "HEAD"])?
    } else {
        let last = git(root, &["log", "-1", "--format=%H", "--", "generated"])?;
        git(root, &["rev-parse", &format!("{last}^")])?
    };
    let short = &rev[..12.min(rev.len())];
    println!(
        "alma-sdk now against alma-sdk at {short} ({})",
        if dirty {
            "HEAD: generated/ has uncommitted changes"
        } else {
            "before the last commit that changed generated/"
        }
    );
    let manifest = root.join("generated/Cargo.toml");
    let lean = lean_features(&manifest)?;
    let verdicts = [
        check(
            root,
            "every feature",
            &root.join("Cargo.toml"),
            &["--baseline-rev", &rev],
            &["--all-features"],
        )?,
        check(
            root,
            "every area without client",
            &root.join("Cargo.toml"),
            &["--baseline-rev", &rev],
            &["--only-explicit-features", "--features", &lean],
        )?,
    ];
    let baseline_changes = git(root, &["show", &format!("{rev}:generated/CHANGES.md")])?;
    let current_changes = std::fs::read_to_string(root.join("generated/CHANGES.md"))
        .map_err(|e| format!("generated/CHANGES.md: {e}"))?;
    let (entries, ours) = new_entries(&baseline_changes, &current_changes);
    let tool_breaks = verdicts.iter().any(Verdict::breaking);
    let mut problems = Vec::new();
    if tool_breaks == ours.is_empty() {
        let mut text = format!(
            "CHANGES.md and cargo-semver-checks disagree: CHANGES.md marks {} breaking change(s) in {entries} new entr{}, the tool {}.",
            ours.len(),
            if entries == 1 { "y" } else { "ies" },
            if tool_breaks { "finds a break" } else { "finds none" }
        );
        for v in verdicts.iter().filter(|v| v.breaking()) {
            text.push_str(&format!("\n  the tool ({}):", v.config));
            for f in &v.findings {
                text.push_str(&format!("\n    {f}"));
            }
        }
        for l in &ours {
            text.push_str(&format!("\n  CHANGES.md: {l}"));
        }
        problems.push(text);
    }
    // The version follows the changelog.
    let old_version = version_of(&git(
        root,
        &["show", &format!("{rev}:generated/Cargo.toml")],
    )?)
    .unwrap_or_else(|| release::FIRST_VERSION.to_string());
    let new_version = version_of(
        &std::fs::read_to_string(&manifest).map_err(|e| format!("generated/Cargo.toml: {e}"))?,
    )
    .ok_or("generated/Cargo.toml has no version")?;
    let expected = if entries == 0 {
        old_version.clone()
    } else {
        release::bump(&old_version, !ours.is_empty())
    };
    if new_version != expected {
        problems.push(format!(
            "generated/Cargo.toml says {new_version}; after {old_version} with {} it should be {expected}",
            if entries == 0 {
                "no API change".to_string()
            } else if ours.is_empty() {
                "additive changes".to_string()
            } else {
                "breaking changes".to_string()
            }
        ));
    }
    if !problems.is_empty() {
        return Err(problems.join("\n"));
    }
    println!(
        "semver: {} — CHANGES.md agrees ({} new entr{}, {} marked breaking), version {old_version} → {new_version}",
        if tool_breaks {
            "the tool finds a break"
        } else {
            "the tool finds no break"
        },
        entries,
        if entries == 1 { "y" } else { "ies" },
        ours.len()
    );
    Ok(())
}

/// A generation of the users area from `mirror`, written as a workspace at `dir` whose
/// `generated/` is the crate; `previous` is the generation it follows.
fn generate_into(
    root: &Path,
    mirror: &Path,
    dir: &Path,
    previous: Option<&Path>,
) -> Result<(), String> {
    let read = |p: &Path, f: &str| std::fs::read_to_string(p.join("generated").join(f)).ok();
    let gen = generate(&Options {
        project_root: root.to_path_buf(),
        specs: Some(mirror.to_path_buf()),
        previous_summary: previous.and_then(|p| read(p, "api-summary.json")),
        previous_changes: previous.and_then(|p| read(p, "CHANGES.md")),
        areas: Some(vec!["users".into()]),
    })
    .map_err(|e| e.to_string())?;
    let _ = std::fs::remove_dir_all(dir);
    write::write_all(&dir.join("generated"), &gen.files).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("Cargo.toml"), demo_workspace(root)?)
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(())
}

/// A workspace for a demo crate: our `[workspace.package]`, and its dependencies (the runtime by
/// its path here).
fn demo_workspace(root: &Path) -> Result<String, String> {
    let text =
        std::fs::read_to_string(root.join("Cargo.toml")).map_err(|e| format!("Cargo.toml: {e}"))?;
    let ours: toml::Table = text.parse().map_err(|e| format!("Cargo.toml: {e}"))?;
    let ws = ours
        .get("workspace")
        .and_then(|w| w.as_table())
        .ok_or("Cargo.toml has no [workspace]")?;
    let mut deps = toml::Table::new();
    for name in ["serde", "serde_json", "alma-runtime"] {
        let mut dep = ws
            .get("dependencies")
            .and_then(|d| d.get(name))
            .cloned()
            .ok_or_else(|| format!("no workspace dependency {name}"))?;
        if let Some(t) = dep.as_table_mut() {
            if let Some(path) = t.get("path").and_then(|p| p.as_str()) {
                let abs = root.join(path).to_string_lossy().into_owned();
                t.insert("path".into(), toml::Value::String(abs));
            }
        }
        deps.insert(name.into(), dep);
    }
    let mut out = toml::Table::new();
    let mut w = toml::Table::new();
    w.insert("resolver".into(), toml::Value::String("2".into()));
    w.insert(
        "members".into(),
        toml::Value::Array(vec![toml::Value::String("generated".into())]),
    );
    if let Some(p) = ws.get("package") {
        w.insert("package".into(), p.clone());
    }
    w.insert("dependencies".into(), toml::Value::Table(deps));
    out.insert("workspace".into(), toml::Value::Table(w));
    Ok(out.to_string())
}

/// `rest_user.xsd` of `mirror` changed by `edit`.
fn edit_user_xsd(mirror: &Path, edit: impl Fn(&str) -> Option<String>) -> Result<(), String> {
    let path = mirror.join("xsd/rest_user.xsd");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let changed = edit(&text).ok_or_else(|| {
        format!(
            "{}: the demo's edit found nothing to change (has the XSD changed?)",
            path.display()
        )
    })?;
    std::fs::write(&path, changed).map_err(|e| format!("{}: {e}", path.display()))
}

/// Part 2: a removed field must be breaking for both, an added one for neither.
fn demo(root: &Path) -> Result<(), String> {
    let base_dir = root.join("target/semver-demo");
    let _ = std::fs::remove_dir_all(&base_dir);
    let mirror = alma_codegen::find_spec_dir(
        root,
        &alma_codegen::config::Config::load(&root.join("specs")).map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    let copy = |name: &str| -> Result<PathBuf, String> {
        let to = base_dir.join(name);
        crate::package::copy_tree(&mirror, &to)?;
        Ok(to)
    };
    let base_mirror = copy("mirror-base")?;
    let base = base_dir.join("base");
    generate_into(root, &base_mirror, &base, None)?;
    let removed_mirror = copy("mirror-removed")?;
    edit_user_xsd(&removed_mirror, |t| {
        let start = t.find("<xs:element name=\"job_description\"")?;
        let end = start + t[start..].find("</xs:element>")? + "</xs:element>".len();
        Some(format!("{}{}", &t[..start], &t[end..]))
    })?;
    let added_mirror = copy("mirror-added")?;
    edit_user_xsd(&added_mirror, |t| {
        let at = t.find("<xs:element name=\"gender\"")?;
        Some(format!(
            "{}<xs:element name=\"semver_demo_note\" type=\"xs:string\" minOccurs=\"0\"/>\n\t\t\t{}",
            &t[..at],
            &t[at..]
        ))
    })?;
    let mut rows = Vec::new();
    for (case, mirror, want_breaking) in [
        ("a field removed", &removed_mirror, true),
        ("a field added", &added_mirror, false),
    ] {
        let dir = base_dir.join(if want_breaking { "removed" } else { "added" });
        generate_into(root, mirror, &dir, Some(&base))?;
        let changes =
            std::fs::read_to_string(dir.join("generated/CHANGES.md")).map_err(|e| e.to_string())?;
        let base_changes = std::fs::read_to_string(base.join("generated/CHANGES.md"))
            .map_err(|e| e.to_string())?;
        let (entries, ours) = new_entries(&base_changes, &changes);
        let verdict = check(
            root,
            if want_breaking {
                "demo: a field removed"
            } else {
                "demo: a field added"
            },
            &dir.join("Cargo.toml"),
            &["--baseline-root", &base.to_string_lossy()],
            &["--only-explicit-features", "--features", "users"],
        )?;
        let version = version_of(
            &std::fs::read_to_string(dir.join("generated/Cargo.toml"))
                .map_err(|e| e.to_string())?,
        )
        .unwrap_or_default();
        if entries != 1 || ours.is_empty() == want_breaking || verdict.breaking() != want_breaking {
            return Err(format!(
                "semver demo, {case}: expected both to call it {}; CHANGES.md: {entries} new entr{}, breaking lines {ours:?}; the tool: {:?}",
                if want_breaking { "breaking" } else { "additive" },
                if entries == 1 { "y" } else { "ies" },
                verdict.findings
            ));
        }
        let ours: Vec<&str> = ours
            .iter()
            .map(|l| {
                l.trim_start_matches("- ")
                    .trim_end_matches(" — **breaking**")
            })
            .collect();
        rows.push(format!(
            "  {case}: version 0.1.0 → {version}\n    CHANGES.md: {}\n    cargo-semver-checks: {}",
            if want_breaking {
                format!("breaking ({})", ours.join("; "))
            } else {
                "additive".into()
            },
            if verdict.breaking() {
                format!("breaking ({})", verdict.findings.join(" | "))
            } else {
                "passes".into()
            }
        ));
    }
    println!("\nsemver demo (users area, rest_user.xsd edited):");
    for r in rows {
        println!("{r}");
    }
    let _ = std::fs::remove_dir_all(&base_dir);
    Ok(())
}
