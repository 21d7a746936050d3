//! The recorded Alma responses (`../shared/alma-fixtures`, indexed by `INDEX.tsv`) and the model
//! each one is an answer of. Shared by the fixture tests and the conformance suite's XSD pass.

use std::path::{Path, PathBuf};

use alma_sdk::registry::OperationInfo;

/// Fixtures that cannot be typed, and why. Every other fixture must decode and round-trip.
pub const UNTYPABLE: &[(&str, &str)] = &[
    (
        "Swiss-Library-Service-Platform+almapiwrapper/test__data__user_testLoanUser3.json",
        "not valid Alma JSON: the key `external_id` appears twice in one object",
    ),
    (
        "BIBSYSDEV+ALMA-API-Example-usage/src__test__resources__representation.json",
        "copied from the documentation's sample: `total_record_count` is the placeholder \"string\"",
    ),
    (
        "BIBSYSDEV+ALMA-API-Example-usage/src__test__resources__representations.json",
        "copied from the documentation's sample: `files.total_record_count` is the placeholder \"string\"",
    ),
    (
        "scriptotek+php-alma-client/spec__data__jobinstance_response.json",
        "copied from the documentation's sample: `action` holds the placeholder \"string\" instead of objects",
    ),
];

/// One row of `INDEX.tsv`.
#[derive(Debug, Clone)]
pub struct Fixture {
    /// Its path under the fixtures directory.
    pub file: String,
    /// `json` or `xml`.
    pub format: String,
    /// `GET /almaws/v1/bibs/{mms_id} (HTTP 200)`.
    pub endpoint: String,
    /// What it is (`user`, `error`, …).
    pub kind: String,
}

impl Fixture {
    /// `GET /almaws/v1/bibs/{mms_id} (HTTP 200)` → (`GET`, `/almaws/v1/bibs/{mms_id}`).
    pub fn method_and_path(&self) -> Option<(&str, &str)> {
        let (method, rest) = self.endpoint.split_once(' ')?;
        let path = rest.split([' ', '?']).next()?;
        path.starts_with('/').then_some((method, path))
    }

    /// Listed in [`UNTYPABLE`].
    pub fn untypable(&self) -> Option<&'static str> {
        UNTYPABLE
            .iter()
            .find(|(f, _)| *f == self.file)
            .map(|(_, why)| *why)
    }

    /// The model it answers: the response model of the operation whose path template matches its
    /// endpoint (the most specific one), else the model named like its kind.
    pub fn model(&self, ops: &[OperationInfo]) -> Result<&'static str, String> {
        if let Some((method, path)) = self.method_and_path() {
            let mut candidates: Vec<_> = ops
                .iter()
                .filter(|o| o.method.as_str() == method && o.matches_path(path))
                .collect();
            candidates.sort_by_key(|o| o.path.matches('{').count());
            if let Some(op) = candidates.first() {
                return op.response_model.ok_or_else(|| {
                    format!("{}.{} has no published response schema", op.area, op.name)
                });
            }
        }
        let by_kind: String = self
            .kind
            .split(['(', ' '])
            .next()
            .unwrap_or("")
            .split('_')
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_uppercase().chain(c).collect::<String>())
                    .unwrap_or_default()
            })
            .collect();
        alma_sdk::registry::model(&by_kind)
            .map(|m| m.name)
            .ok_or_else(|| {
                format!(
                    "no operation matches {:?} and no model is named {by_kind}",
                    self.endpoint
                )
            })
    }
}

/// `alma-fixtures` beside the project (`../shared/alma-fixtures`).
pub fn default_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/alma-fixtures")
}

/// The rows of `dir/INDEX.tsv`.
pub fn read_index(dir: &Path) -> Result<Vec<Fixture>, String> {
    let index = dir.join("INDEX.tsv");
    let text = std::fs::read_to_string(&index).map_err(|e| format!("{}: {e}", index.display()))?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines
        .next()
        .ok_or_else(|| format!("{}: empty", index.display()))?
        .split('\t')
        .collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .ok_or_else(|| format!("{}: no {name} column", index.display()))
    };
    let (f, fmt, ep, kind) = (col("file")?, col("format")?, col("endpoint")?, col("kind")?);
    let width = f.max(fmt).max(ep).max(kind);
    let mut out = Vec::new();
    for (n, line) in lines.enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let c: Vec<&str> = line.split('\t').collect();
        if c.len() <= width {
            return Err(format!(
                "{}:{}: {} columns, expected at least {}",
                index.display(),
                n + 2,
                c.len(),
                width + 1
            ));
        }
        out.push(Fixture {
            file: c[f].to_string(),
            format: c[fmt].to_string(),
            endpoint: c[ep].to_string(),
            kind: c[kind].to_string(),
        });
    }
    Ok(out)
}
