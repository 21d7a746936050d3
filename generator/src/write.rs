//! Writing the generator's output: all or nothing, and the `--check` comparison.
//!
//! The generator owns `generated/` (the `alma-sdk` crate): `src/` entirely and the top-level files
//! it emits (`Cargo.toml`, `README.md`, `codegen-report.json`, …). In the hand-written test crate
//! `sdk-tests/` it owns only the files it emits there (the conformance calls).

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// A generated file, path relative to `generated/` with `/` separators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    pub path: String,
    pub contents: String,
}

/// The directory the generator owns wholesale.
const OWNED_DIR: &str = "src";

/// Replaces the generated files under `out`. Everything is first written to a staging directory
/// beside `out`; only when that succeeded is `out/src` swapped and each top-level file renamed
/// into place. A failure before the swap leaves `out` exactly as it was.
pub fn write_all(out: &Path, files: &[File]) -> Result<()> {
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let staging = tempfile::Builder::new()
        .prefix(".codegen-staging-")
        .tempdir_in(parent)
        .map_err(|e| Error::io(parent, e))?;
    for f in files {
        let path = staging.path().join(&f.path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        std::fs::write(&path, &f.contents).map_err(|e| Error::io(&path, e))?;
    }
    // Swap the owned directory.
    let new_src = staging.path().join(OWNED_DIR);
    if new_src.is_dir() {
        replace_dir(
            &new_src,
            &out.join(OWNED_DIR),
            &staging.path().join(".old-src"),
        )?;
    }
    for f in files
        .iter()
        .filter(|f| !f.path.starts_with(&format!("{OWNED_DIR}/")))
    {
        let from = staging.path().join(&f.path);
        let to = out.join(&f.path);
        if let Some(dir) = to.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        std::fs::rename(&from, &to).map_err(|e| Error::io(&to, e))?;
    }
    Ok(())
}

/// Moves the complete directory `new` to `cur`, the old `cur` (if any) to `backup` first; if the
/// move fails the old tree is put back. Shared by `write_all` and `fetch-specs`: the old
/// directory goes only once the new one is complete.
pub(crate) fn replace_dir(new: &Path, cur: &Path, backup: &Path) -> Result<()> {
    let had_old = cur.exists();
    if had_old {
        std::fs::rename(cur, backup).map_err(|e| Error::io(cur, e))?;
    }
    if let Err(e) = std::fs::rename(new, cur) {
        if had_old {
            let _ = std::fs::rename(backup, cur);
        }
        return Err(Error::io(cur, e));
    }
    Ok(())
}

/// Writes the SDK crate's files under `root/generated` ([`write_all`]) and the generated files of
/// the test crate under `root/sdk-tests`. The test files are staged beside their destination
/// first, so a failure anywhere leaves both crates as they were.
pub fn write_project(root: &Path, sdk: &[File], tests: &[File]) -> Result<()> {
    let tests_dir = root.join(TESTS_DIR);
    let mut staged = Vec::new();
    let cleanup = |staged: &[(PathBuf, PathBuf)]| {
        for (tmp, _) in staged {
            let _ = std::fs::remove_file(tmp);
        }
    };
    for f in tests {
        let to = tests_dir.join(&f.path);
        let tmp = to.with_extension("codegen-tmp");
        let written = to
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&tmp, &f.contents));
        if let Err(e) = written {
            cleanup(&staged);
            return Err(Error::io(&tmp, e));
        }
        staged.push((tmp, to));
    }
    if let Err(e) = write_all(&root.join(SDK_DIR), sdk) {
        cleanup(&staged);
        return Err(e);
    }
    for (tmp, to) in &staged {
        std::fs::rename(tmp, to).map_err(|e| Error::io(to, e))?;
    }
    Ok(())
}

/// Where the SDK crate and the test crate live, relative to the project root.
pub const SDK_DIR: &str = "generated";
pub const TESTS_DIR: &str = "sdk-tests";

/// [`check`] for both crates; drift paths are relative to the project root.
pub fn check_project(root: &Path, sdk: &[File], tests: &[File]) -> Result<Vec<Drift>> {
    let mut drift: Vec<Drift> = check(&root.join(SDK_DIR), sdk)?
        .into_iter()
        .map(|d| d.under(SDK_DIR))
        .collect();
    for f in tests {
        let path = root.join(TESTS_DIR).join(&f.path);
        let rel = format!("{TESTS_DIR}/{}", f.path);
        match std::fs::read_to_string(&path) {
            Ok(s) if s == f.contents => {}
            Ok(_) => drift.push(Drift::Changed(rel)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => drift.push(Drift::Missing(rel)),
            Err(e) => return Err(Error::io(path, e)),
        }
    }
    drift.sort_by_key(|d| d.to_string());
    Ok(drift)
}

/// One difference between the files on disk and a fresh generation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drift {
    Changed(String),
    Missing(String),
    /// A file under `src/` that the generator no longer produces.
    Stale(String),
}

impl Drift {
    fn under(self, dir: &str) -> Drift {
        match self {
            Drift::Changed(p) => Drift::Changed(format!("{dir}/{p}")),
            Drift::Missing(p) => Drift::Missing(format!("{dir}/{p}")),
            Drift::Stale(p) => Drift::Stale(format!("{dir}/{p}")),
        }
    }
}

impl std::fmt::Display for Drift {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Drift::Changed(p) => write!(f, "changed: {p}"),
            Drift::Missing(p) => write!(f, "missing: {p}"),
            Drift::Stale(p) => write!(f, "stale:   {p}"),
        }
    }
}

/// Compares `files` with what is under `out`.
pub fn check(out: &Path, files: &[File]) -> Result<Vec<Drift>> {
    let mut drift = Vec::new();
    for f in files {
        let path = out.join(&f.path);
        match std::fs::read_to_string(&path) {
            Ok(s) if s == f.contents => {}
            Ok(_) => drift.push(Drift::Changed(f.path.clone())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                drift.push(Drift::Missing(f.path.clone()))
            }
            Err(e) => return Err(Error::io(path, e)),
        }
    }
    let mut on_disk = Vec::new();
    list_files(&out.join(OWNED_DIR), &mut on_disk)?;
    for p in on_disk {
        let rel = p
            .strip_prefix(out)
            .map(|r| r.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        if !files.iter().any(|f| f.path == rel) {
            drift.push(Drift::Stale(rel));
        }
    }
    drift.sort_by_key(|d| d.to_string());
    Ok(drift)
}

fn list_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(dir, e)),
    };
    for e in entries {
        let e = e.map_err(|err| Error::io(dir, err))?;
        let p = e.path();
        if p.is_dir() {
            list_files(&p, out)?;
        } else {
            out.push(p);
        }
    }
    Ok(())
}
