//! Writing the generator's output: all or nothing, and the `--check` comparison.
//!
//! The generator owns `generated/`, its one root: the `alma-sdk` crate's `src/` and the
//! conformance crate's `conformance/src/` entirely, and the other files it emits (`Cargo.toml`,
//! `README.md`, `codegen-report.json`, `conformance/Cargo.toml`, …).

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// A generated file, path relative to `generated/` with `/` separators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    pub path: String,
    pub contents: String,
}

/// The directories the generator owns wholesale: a file there that it no longer emits goes.
const OWNED_DIRS: &[&str] = &["src", "conformance/src"];

/// Whether `path` lies in one of the [`OWNED_DIRS`].
fn in_owned_dir(path: &str) -> bool {
    OWNED_DIRS.iter().any(|d| {
        path.strip_prefix(d)
            .is_some_and(|rest| rest.starts_with('/'))
    })
}

/// Replaces the generated files under `out`. Everything is first written to a staging directory
/// beside `out`; only when that succeeded are the owned directories swapped and each other file
/// renamed into place. A failure before the swaps leaves `out` exactly as it was.
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
    // Swap the owned directories.
    for (i, dir) in OWNED_DIRS.iter().enumerate() {
        let new = staging.path().join(dir);
        if new.is_dir() {
            let cur = out.join(dir);
            if let Some(parent) = cur.parent() {
                std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
            }
            replace_dir(&new, &cur, &staging.path().join(format!(".old-{i}")))?;
        }
    }
    for f in files.iter().filter(|f| !in_owned_dir(&f.path)) {
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

/// Writes the generated files under `root/generated` ([`write_all`]).
pub fn write_project(root: &Path, files: &[File]) -> Result<()> {
    write_all(&root.join(SDK_DIR), files)
}

/// Where the generated crates live, relative to the project root.
pub const SDK_DIR: &str = "generated";

/// [`check`] of `root/generated`; drift paths are relative to the project root.
pub fn check_project(root: &Path, files: &[File]) -> Result<Vec<Drift>> {
    Ok(check(&root.join(SDK_DIR), files)?
        .into_iter()
        .map(|d| d.under(SDK_DIR))
        .collect())
}

/// One difference between the files on disk and a fresh generation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drift {
    Changed(String),
    Missing(String),
    /// A file in an owned directory that the generator no longer produces.
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
    for dir in OWNED_DIRS {
        list_files(&out.join(dir), &mut on_disk)?;
    }
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
