//! Writing is all-or-nothing, and `--check` sees every kind of drift.

mod common;

use alma_codegen::write::{check, write_all, Drift, File};

fn f(path: &str, contents: &str) -> File {
    File {
        path: path.into(),
        contents: contents.into(),
    }
}

#[test]
fn write_then_check_then_drift() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("generated");
    std::fs::create_dir_all(out.join("examples")).unwrap();
    std::fs::write(out.join("examples/mine.rs"), "hand-written").unwrap();
    let files = vec![
        f("Cargo.toml", "a"),
        f("src/lib.rs", "b"),
        f("src/x/mod.rs", "c"),
    ];
    write_all(&out, &files).unwrap();
    assert_eq!(check(&out, &files).unwrap(), vec![]);
    assert_eq!(
        std::fs::read_to_string(out.join("examples/mine.rs")).unwrap(),
        "hand-written"
    );

    // A changed file, a removed file, a stale file under src/.
    std::fs::write(out.join("src/lib.rs"), "edited").unwrap();
    std::fs::remove_file(out.join("Cargo.toml")).unwrap();
    std::fs::write(out.join("src/old.rs"), "left over").unwrap();
    let drift = check(&out, &files).unwrap();
    assert_eq!(
        drift,
        vec![
            Drift::Changed("src/lib.rs".into()),
            Drift::Missing("Cargo.toml".into()),
            Drift::Stale("src/old.rs".into()),
        ]
    );

    // Rewriting replaces src/ wholesale: the stale file is gone, hand-written files stay.
    write_all(&out, &files).unwrap();
    assert_eq!(check(&out, &files).unwrap(), vec![]);
    assert!(!out.join("src/old.rs").exists());
    assert!(out.join("examples/mine.rs").exists());
    // No staging directory is left behind.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(leftovers, vec![std::ffi::OsString::from("generated")]);
}

#[test]
fn a_failed_generation_leaves_generated_untouched() {
    let p = common::Project::new("a.json", "{ not json");
    let out = p.root().join("generated");
    let files = vec![f("src/lib.rs", "previous")];
    write_all(&out, &files).unwrap();
    // The pipeline fails before anything is written, and the old output is intact.
    assert!(p.generate().is_err());
    assert_eq!(
        std::fs::read_to_string(out.join("src/lib.rs")).unwrap(),
        "previous"
    );
}

#[test]
fn unwritable_output_fails_without_partial_state() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("generated");
    write_all(&out, &[f("src/lib.rs", "previous")]).unwrap();
    // A file path that cannot be created (a directory where a file must go) fails while staging.
    let bad = vec![f("src/lib.rs", "new"), f("src/lib.rs/oops", "x")];
    assert!(write_all(&out, &bad).is_err());
    assert_eq!(
        std::fs::read_to_string(out.join("src/lib.rs")).unwrap(),
        "previous"
    );
}
