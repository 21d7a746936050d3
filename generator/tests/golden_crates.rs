//! Compiled golden outputs, as progenitor keeps them: each case under `tests/golden/<case>/` is a
//! small hand-written project (`specs/` plus a `mirror/` of specs: each `$ref` form, XSD
//! constructs, derived lists, enums, recursion, XML-only bodies, jobs, a YAML area), and its
//! generated crate is committed under `out/`, a member of the workspace, so `cargo clippy`,
//! `cargo test` and `cargo doc` build it like the real SDK. A change to `emit/` is a reviewable
//! diff of these crates.
//!
//! `UPDATE_GOLDEN=1 cargo test -p alma-codegen --test golden_crates` rewrites `out/`.

use std::path::{Path, PathBuf};

use alma_codegen::{generate, write, Options};

fn cases() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("specs/areas.toml").is_file())
        .collect();
    cases.sort();
    cases
}

#[test]
fn every_case_generates_its_committed_crate() {
    let cases = cases();
    assert!(cases.len() >= 3, "golden cases: {cases:?}");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1");
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let out = case.join("out");
        let opts = Options::new(case);
        let gen = generate(&opts).unwrap_or_else(|e| panic!("golden case {name}: {e}"));
        let again = generate(&opts).unwrap();
        assert_eq!(
            gen.files, again.files,
            "golden case {name}: not deterministic"
        );
        if update {
            write::write_all(&out, &gen.files).unwrap();
            continue;
        }
        let drift = write::check(&out, &gen.files).unwrap();
        if !drift.is_empty() {
            failures.push(format!(
                "{name}: {}",
                drift
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        // The crate is what its case says it is: named after the case, one area.
        let manifest = std::fs::read_to_string(out.join("Cargo.toml")).unwrap();
        assert!(
            manifest.contains(&format!("name = \"golden-{name}\"")),
            "{name}: {manifest}"
        );
    }
    assert!(
        failures.is_empty(),
        "golden output differs from a fresh generation (review, then \
         `UPDATE_GOLDEN=1 cargo test -p alma-codegen --test golden_crates`):\n{}",
        failures.join("\n")
    );
}

/// Every case's crate is a workspace member, so that CI compiles it.
#[test]
fn every_case_is_compiled_by_the_workspace() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    assert!(
        manifest.contains("\"generator/tests/golden/*/out\""),
        "the workspace must list generator/tests/golden/*/out as members"
    );
    for case in cases() {
        assert!(
            case.join("out/Cargo.toml").is_file(),
            "{} has no generated crate",
            case.display()
        );
    }
}
