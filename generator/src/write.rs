//! Writing `generated/`: all or nothing, and the `--check` comparison.
//!
//! The generator owns `generated/src/` entirely and the top-level files it emits (`Cargo.toml`,
//! `README.md`, `codegen-report.json`, …). Hand-written files beside them (`examples/`, `tests/`)
//! are never touched.

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
    let cur_src = out.join(OWNED_DIR);
    if new_src.is_dir() {
        let old = staging.path().join(".old-src");
        if cur_src.exists() {
            std::fs::rename(&cur_src, &old).map_err(|e| Error::io(&cur_src, e))?;
        }
        if let Err(e) = std::fs::rename(&new_src, &cur_src) {
            // Put the old tree back before reporting.
            let _ = std::fs::rename(&old, &cur_src);
            return Err(Error::io(&cur_src, e));
        }
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

/// One difference between the files on disk and a fresh generation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drift {
    Changed(String),
    Missing(String),
    /// A file under `src/` that the generator no longer produces.
    Stale(String),
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

/// Files `--check` does not compare: `CHANGES.md` describes the change against the previous
/// commit, so it legitimately differs once that change is committed.
const UNCHECKED: &[&str] = &["CHANGES.md"];

/// Compares `files` with what is under `out`.
pub fn check(out: &Path, files: &[File]) -> Result<Vec<Drift>> {
    let mut drift = Vec::new();
    for f in files
        .iter()
        .filter(|f| !UNCHECKED.contains(&f.path.as_str()))
    {
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
