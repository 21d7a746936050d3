//! `alma-codegen`: the Alma OpenAPI specs in, the `alma-sdk` crate out.
//!
//! The pipeline is **load → IR → emit → write**:
//!
//! 1. [`source`] reads our config ([`config`]) and the spec documents, JSON or YAML, and every
//!    schema file their `$ref`s reach;
//! 2. [`lower`] turns them into the [`ir`], applying `specs/corrections.toml`;
//! 3. [`emit`] renders the IR as Rust source (quote → prettyplease) and [`report`] renders the
//!    coverage report;
//! 4. [`write`](mod@write) replaces `generated/` atomically, or compares it (`--check`).
//!
//! Nothing is written unless every step succeeded.

pub mod bundle;
pub mod config;
pub mod corrections;
pub mod emit;
pub mod error;
pub mod fetch;
pub mod ir;
pub mod lower;
pub mod naming;
pub mod release;
pub mod report;
pub mod source;
pub mod summary;
pub mod write;
pub mod xsd;

use std::path::{Path, PathBuf};

pub use error::{Error, Result};

/// Version written into every generated file's header.
pub const GENERATOR_VERSION: &str = env!("CARGO_PKG_VERSION");

/// What to generate from.
#[derive(Debug, Clone)]
pub struct Options {
    /// Project root (where `specs/` lives); mirror paths are relative to it.
    pub project_root: PathBuf,
    /// Spec directory; `None` searches the mirrors listed in `specs/areas.toml`.
    pub specs: Option<PathBuf>,
    /// The `generated/api-summary.json` being replaced, for `CHANGES.md`.
    pub previous_summary: Option<String>,
    /// The `generated/CHANGES.md` being replaced: kept as it is when the API did not change, else
    /// the new entry goes on top of its entries.
    pub previous_changes: Option<String>,
    /// Generate only these areas (`--areas a,b`); `None` is every area of `specs/areas.toml`.
    pub areas: Option<Vec<String>>,
}

impl Options {
    /// Every area, specs from the mirrors of `specs/areas.toml`, no previous generation.
    pub fn new(project_root: impl Into<PathBuf>) -> Options {
        Options {
            project_root: project_root.into(),
            specs: None,
            previous_summary: None,
            previous_changes: None,
            areas: None,
        }
    }

    /// The previous generation's summary and changelog, read from `root/generated` (absent files
    /// are a first generation).
    pub fn with_previous_from_disk(mut self) -> Options {
        let dir = self.project_root.join(write::SDK_DIR);
        self.previous_summary = std::fs::read_to_string(dir.join("api-summary.json")).ok();
        self.previous_changes = std::fs::read_to_string(dir.join("CHANGES.md")).ok();
        self
    }
}

/// The result of a generation, in memory.
pub struct Generation {
    pub api: ir::Api,
    /// Spec directory used.
    pub spec_dir: PathBuf,
    /// Files relative to `generated/`, sorted.
    pub files: Vec<write::File>,
    pub report: report::Report,
    /// Corrections in `specs/corrections.toml` that matched nothing (see [`corrections`]).
    pub stale_corrections: Vec<String>,
}

/// Loads the config and every spec document (the first half of [`generate`]).
pub fn load(opts: &Options) -> Result<(config::Config, source::Store)> {
    let mut config = config::Config::load(&opts.project_root.join("specs"))?;
    if let Some(only) = &opts.areas {
        config.keep_areas(only)?;
    }
    let spec_dir = match &opts.specs {
        Some(dir) => dir.clone(),
        None => find_spec_dir(&opts.project_root, &config)?,
    };
    let store = source::Store::load(&spec_dir, &config)?;
    Ok((config, store))
}

/// Runs load → IR → emit, returning the files without touching the disk.
pub fn generate(opts: &Options) -> Result<Generation> {
    let (config, store) = load(opts)?;
    let spec_dir = store.root.clone();
    let mut api = lower::lower(&store, &config, GENERATOR_VERSION)?;
    // The version follows the changelog: decided before emitting, which only prints it.
    let release = release::decide(
        summary::ApiSummary::new(&api),
        opts.previous_summary.as_deref(),
        opts.previous_changes.as_deref(),
    );
    api.crate_version = release.version.clone();
    let stale_corrections = corrections::stale(&config, &store, &api);
    let report = report::Report::new(&api, &store);
    let mut files = emit::emit(&api)?;
    files.extend(report.files()?);
    files.extend(summary_files(
        &api,
        &release,
        opts.previous_changes.as_deref(),
    )?);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Generation {
        api,
        spec_dir,
        files,
        report,
        stale_corrections,
    })
}

/// The first mirror directory from `specs/areas.toml` that holds the first area's spec.
pub fn find_spec_dir(root: &Path, config: &config::Config) -> Result<PathBuf> {
    let probe = config
        .areas
        .areas
        .first()
        .map(|a| a.file.clone())
        .unwrap_or_default();
    for m in &config.areas.mirrors {
        let dir = root.join(m);
        if dir.join(&probe).is_file() {
            return Ok(dir);
        }
    }
    Err(Error::Config {
        path: root.join("specs/areas.toml"),
        message: format!(
            "no spec directory found (tried {}); pass --specs DIR or run `cargo xtask fetch-specs`",
            config
                .areas
                .mirrors
                .iter()
                .map(|m| m.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    })
}

/// `api-summary.json` and `CHANGES.md`.
///
/// `CHANGES.md` is the changelog of the generated API, newest entry first: a generation whose
/// API surface differs from the previous one adds an entry on top of the previous file's
/// entries — its version (`release.rs`), then the changes, the breaking ones marked; one that
/// changes nothing in the API keeps the file byte for byte, so rerunning `cargo xtask codegen` on
/// a clean checkout leaves it as committed.
fn summary_files(
    api: &ir::Api,
    release: &release::Release,
    previous_changes: Option<&str>,
) -> Result<Vec<write::File>> {
    let json = serde_json::to_string_pretty(&release.summary).map_err(|e| Error::Emit {
        file: "api-summary.json".into(),
        message: e.to_string(),
    })?;
    let entry = match &release.changes {
        Some(c) if c.is_empty() => None,
        Some(c) => Some(c.render()),
        None => Some(format!(
            "\nFirst generation: {} operations, {} models.\n",
            release
                .summary
                .areas
                .values()
                .map(|a| a.len())
                .sum::<usize>(),
            release.summary.models.len()
        )),
    };
    let kept = previous_changes.filter(|_| !release.has_entry());
    let changes = match (kept, entry) {
        (Some(same), _) => same.to_string(),
        (None, entry) => {
            let mut text = emit::header(api, "<!--").replace('\n', " -->\n");
            text.push_str(CHANGES_INTRO);
            if let Some(entry) = entry {
                text.push_str(&format!(
                    "\n## Spec inputs {} (alma-codegen {})\n\n{}\n{}",
                    &api.spec_sha256[..12],
                    api.generator_version,
                    release.version_line(),
                    entry
                ));
            }
            if let Some(older) = previous_changes.and_then(|p| p.split_once(CHANGES_ENTRIES)) {
                text.push_str(older.1);
            }
            text
        }
    };
    Ok(vec![
        write::File {
            path: "api-summary.json".into(),
            contents: json + "\n",
        },
        write::File {
            path: "CHANGES.md".into(),
            contents: changes,
        },
    ])
}

/// The line after which `CHANGES.md`'s entries start.
const CHANGES_ENTRIES: &str = "<!-- entries, newest first -->\n";

const CHANGES_INTRO: &str = "# API changes\n\nWhat each generation changed in the API surface of `alma-sdk` (operations, parameters,\nerror codes, models and their import paths), newest first. `cargo xtask codegen` adds an entry\nwhen the API changes and leaves this file alone when it does not. Each entry gives the crate's\nversion: a breaking change (marked **breaking**) bumps the minor version while 0.x, an additive\none the patch. `cargo xtask semver` checks the marks against cargo-semver-checks.\n\n<!-- entries, newest first -->\n";
