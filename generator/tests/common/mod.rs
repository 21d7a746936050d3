//! Builds throwaway projects (a `specs/` config plus a spec directory) from small hand-written
//! specs, so each test states exactly the input it exercises.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use alma_codegen::{generate, Generation, Options};

pub struct Project {
    pub dir: tempfile::TempDir,
}

impl Project {
    /// A project with one area `test` whose spec is `spec_name` with `spec` as content.
    pub fn new(spec_name: &str, spec: &str) -> Project {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = Project { dir };
        p.write(
            "specs/areas.toml",
            &format!(
                r#"
upstream_base_url = "https://example.org/openapi/"
xsd_base_url = "https://example.org/xsd/"
docs_base_url = "https://example.org/docs/"
mirrors = ["mirror"]

[[area]]
name = "test"
title = "Test"
file = "openapi/{spec_name}"
"#
            ),
        );
        p.write(
            "specs/corrections.toml",
            "[defaults]\ncoerce_string_defaults = true\nskip_empty_path_items = true\n",
        );
        p.write(&format!("mirror/openapi/{spec_name}"), spec);
        p
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, rel: &str, contents: &str) {
        let path = self.dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }

    pub fn schema(&self, name: &str, contents: &str) {
        self.write(&format!("mirror/schemas/{name}.json"), contents);
    }

    pub fn generate(&self) -> alma_codegen::Result<Generation> {
        generate(&Options {
            project_root: self.dir.path().to_path_buf(),
            specs: None,
            previous_summary: None,
            previous_changes: None,
            areas: None,
        })
    }

    /// Generates with `previous` as the generation on disk (its API summary and changelog).
    pub fn generate_after(&self, previous: &Generation) -> alma_codegen::Result<Generation> {
        generate(&Options {
            project_root: self.dir.path().to_path_buf(),
            specs: None,
            previous_summary: Some(file(previous, "api-summary.json").to_string()),
            previous_changes: Some(file(previous, "CHANGES.md").to_string()),
            areas: None,
        })
    }

    pub fn spec_dir(&self) -> PathBuf {
        self.dir.path().join("mirror")
    }
}

/// A minimal OpenAPI document with the given `paths` object (JSON text).
pub fn spec(paths: &str) -> String {
    format!(
        r#"{{"openapi": "3.0.1", "info": {{"title": "t", "version": "1"}},
  "components": {{"headers": {{"remaining": {{"schema": {{"type": "integer"}}}}}}}},
  "paths": {paths}}}"#
    )
}

/// A GET operation answering with `schema` (JSON text) in JSON and XML.
pub fn get_returning(path: &str, schema: &str) -> String {
    format!(
        r#"{{"{path}": {{"get": {{"summary": "Get it", "responses": {{
        "200": {{"description": "OK", "content": {{
            "application/json": {{"schema": {schema}}},
            "application/xml": {{"schema": {schema}}}}}}},
        "400": {{"description": "Bad Request\n\n401861 - 'Not found.'"}}}}}}}}}}"#
    )
}

pub fn file<'a>(gen: &'a Generation, path: &str) -> &'a str {
    &gen.files
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("no generated file {path}"))
        .contents
}

/// Copies a directory tree.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        if e.path().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// The project root (where `specs/` is).
pub fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("generator/ is one level below the root")
        .to_path_buf()
}

/// The spec mirror of the shared data (`../shared/alma-openapi`). When it is missing the test
/// fails saying so, unless `ALMA_SKIP_SHARED=1` asks to skip the tests that need it (`None`).
pub fn mirror() -> Option<PathBuf> {
    let root = project_root();
    let cfg = alma_codegen::config::Config::load(&root.join("specs")).expect("specs/ loads");
    match alma_codegen::find_spec_dir(&root, &cfg) {
        Ok(dir) => Some(dir),
        Err(_) if std::env::var_os("ALMA_SKIP_SHARED").is_some_and(|v| v == "1") => {
            eprintln!("skipped (ALMA_SKIP_SHARED=1): no spec mirror");
            None
        }
        Err(e) => panic!(
            "{e}\nthis test reads the spec mirror of the shared data (see README, Set-up); \
             set ALMA_SKIP_SHARED=1 to skip the tests that need it"
        ),
    }
}
