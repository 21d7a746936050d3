//! `cargo xtask package`: `alma-runtime` and `alma-sdk` packaged and verified as a registry would
//! take them — each `.crate` unpacked and built from its own files alone, `alma-sdk` against the
//! packaged `alma-runtime` (cargo's local registry overlay).
//!
//! Both crates say `publish = false` until a person decides to publish them, and cargo will not
//! package a crate whose dependency is unpublishable. So the two crates are packaged from a copy
//! of the workspace whose manifests differ from ours by that line alone: what passes here is what
//! `cargo publish` would upload once the line is gone.

use std::path::{Path, PathBuf};

use crate::{project_root, run};

/// The crates packaged, in dependency order, with their directories.
const CRATES: &[(&str, &str)] = &[("alma-runtime", "runtime"), ("alma-sdk", "generated")];

pub fn run_package(_args: &[String]) -> Result<(), String> {
    let root = project_root();
    let copy = root.join("target/package-check");
    let _ = std::fs::remove_dir_all(&copy);
    std::fs::create_dir_all(&copy).map_err(|e| format!("{}: {e}", copy.display()))?;
    std::fs::write(copy.join("Cargo.toml"), workspace_manifest(&root)?)
        .map_err(|e| format!("{}: {e}", copy.display()))?;
    std::fs::copy(root.join("Cargo.lock"), copy.join("Cargo.lock"))
        .map_err(|e| format!("Cargo.lock: {e}"))?;
    for (name, dir) in CRATES {
        copy_tree(&root.join(dir), &copy.join(dir))?;
        let manifest = copy.join(dir).join("Cargo.toml");
        let text = std::fs::read_to_string(&manifest).map_err(|e| format!("{name}: {e}"))?;
        if !text.lines().any(|l| l.trim() == "publish = false") {
            return Err(format!(
                "{dir}/Cargo.toml no longer says `publish = false`: drop the copy in \
                 xtask/src/package.rs and package the workspace itself"
            ));
        }
        let publishable = text.replace("publish = false\n", "");
        std::fs::write(&manifest, publishable).map_err(|e| format!("{name}: {e}"))?;
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let manifest = copy.join("Cargo.toml");
    let manifest = manifest.to_string_lossy();
    forget_unpacked()?;
    // The workspace's target directory: the dependencies are built once for both.
    let target = root.join("target");
    run(
        &cargo,
        &[
            "package",
            "--manifest-path",
            &manifest,
            "--workspace",
            "--target-dir",
            &target.to_string_lossy(),
        ],
        &[],
    )?;
    println!("packaged and verified (each built from its .crate alone):");
    for (name, dir) in CRATES {
        let version = version_of(&copy.join(dir).join("Cargo.toml"))?;
        let file = target.join(format!("package/{name}-{version}.crate"));
        let size = std::fs::metadata(&file)
            .map_err(|e| format!("{}: {e}", file.display()))?
            .len();
        println!(
            "  {name} {version}: {:.0} KiB compressed ({})",
            size as f64 / 1024.0,
            file.display()
        );
    }
    Ok(())
}

/// Our workspace manifest with the two crates as its only members.
fn workspace_manifest(root: &Path) -> Result<String, String> {
    let text =
        std::fs::read_to_string(root.join("Cargo.toml")).map_err(|e| format!("Cargo.toml: {e}"))?;
    let mut doc: toml::Table = text.parse().map_err(|e| format!("Cargo.toml: {e}"))?;
    let ws = doc
        .get_mut("workspace")
        .and_then(|w| w.as_table_mut())
        .ok_or("Cargo.toml has no [workspace]")?;
    let members = CRATES
        .iter()
        .map(|(_, dir)| toml::Value::String(dir.to_string()))
        .collect();
    ws.insert("members".into(), toml::Value::Array(members));
    ws.remove("default-members");
    // Path dependencies on crates not copied would not resolve.
    if let Some(deps) = ws.get_mut("dependencies").and_then(|d| d.as_table_mut()) {
        deps.retain(|_, v| {
            v.get("path")
                .and_then(|p| p.as_str())
                .is_none_or(|p| CRATES.iter().any(|(_, dir)| *dir == p))
        });
    }
    Ok(doc.to_string())
}

/// Copies the tree `from` to `to`, without a `target` directory.
pub(crate) fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    for entry in std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))? {
        let entry = entry.map_err(|e| e.to_string())?;
        let name = entry.file_name();
        if name == "target" {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            copy_tree(&path, &to.join(&name))?;
        } else {
            std::fs::copy(&path, to.join(&name)).map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    Ok(())
}

/// The `version` of a manifest, inherited from the workspace's when it says so.
fn version_of(manifest: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(manifest).map_err(|e| e.to_string())?;
    let doc: toml::Table = text
        .parse()
        .map_err(|e| format!("{}: {e}", manifest.display()))?;
    match doc.get("package").and_then(|p| p.get("version")) {
        Some(toml::Value::String(v)) => Ok(v.clone()),
        _ => {
            let ws = manifest
                .parent()
                .and_then(|p| p.parent())
                .ok_or("no workspace")?
                .join("Cargo.toml");
            let text = std::fs::read_to_string(&ws).map_err(|e| e.to_string())?;
            let doc: toml::Table = text.parse().map_err(|e: toml::de::Error| e.to_string())?;
            doc.get("workspace")
                .and_then(|w| w.get("package"))
                .and_then(|p| p.get("version"))
                .and_then(|v| v.as_str())
                .map(str::to_string)
                .ok_or_else(|| format!("{}: no version", manifest.display()))
        }
    }
}

/// Removes the copies of our crates that an earlier run unpacked from cargo's temporary
/// registry (`$CARGO_HOME/registry/src/-<hash>/alma-runtime-0.1.0`). Cargo keeps them and does
/// not unpack the same name and version again, so verifying `alma-sdk` would build against the
/// runtime as it was at that run, not as packaged now.
fn forget_unpacked() -> Result<(), String> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .ok_or("neither CARGO_HOME nor HOME is set")?;
    let src = home.join("registry/src");
    let Ok(registries) = std::fs::read_dir(&src) else {
        return Ok(());
    };
    for registry in registries.flatten() {
        // crates.io's sources (`index.crates.io-…`) are never ours.
        if registry.file_name().to_string_lossy().starts_with("index.") {
            continue;
        }
        let Ok(entries) = std::fs::read_dir(registry.path()) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if CRATES
                .iter()
                .any(|(krate, _)| name.starts_with(&format!("{krate}-")))
            {
                std::fs::remove_dir_all(entry.path())
                    .map_err(|e| format!("{}: {e}", entry.path().display()))?;
            }
        }
    }
    Ok(())
}
