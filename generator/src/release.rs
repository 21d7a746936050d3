//! The generated crate's version, decided from its changelog: the version of `CHANGES.md`'s
//! newest entry (0.1.0 before any), bumped when this generation changes the API — the minor
//! while 0.x (the major from 1.0) for a breaking change, the patch (the minor from 1.0) for an
//! additive one, nothing when the API is the same.

use crate::summary::{self, ApiSummary, Changes};

/// The version before any entry recorded one.
pub const FIRST_VERSION: &str = "0.1.0";

/// The line each changelog entry records its version on: `Version 0.2.0 (was 0.1.0): …`.
const VERSION_LINE: &str = "Version ";

/// What this generation releases.
#[derive(Debug, Clone)]
pub struct Release {
    pub summary: ApiSummary,
    /// What changed since the previous generation; `None` for a first generation.
    pub changes: Option<Changes>,
    /// The previous generation's version (from its changelog).
    pub previous_version: String,
    /// This generation's version.
    pub version: String,
}

impl Release {
    /// Whether this generation adds a changelog entry.
    pub fn has_entry(&self) -> bool {
        self.changes.as_ref().is_none_or(|c| !c.is_empty())
    }

    /// The entry's version line.
    pub fn version_line(&self) -> String {
        match &self.changes {
            None => format!("{VERSION_LINE}{}: the first.", self.version),
            Some(c) if c.breaking() => format!(
                "{VERSION_LINE}{} (was {}): breaking — {} of {} changes, marked below.",
                self.version,
                self.previous_version,
                c.all().filter(|c| c.breaking).count(),
                c.all().count()
            ),
            Some(_) => format!(
                "{VERSION_LINE}{} (was {}): additive, nothing breaks.",
                self.version, self.previous_version
            ),
        }
    }
}

/// Decides the release: `previous_summary` and `previous_changes` are the files being replaced.
pub fn decide(
    summary: ApiSummary,
    previous_summary: Option<&str>,
    previous_changes: Option<&str>,
) -> Release {
    let previous_version = previous_changes
        .and_then(recorded_version)
        .unwrap_or_else(|| FIRST_VERSION.to_string());
    let old = previous_summary.and_then(|p| serde_json::from_str::<ApiSummary>(p).ok());
    let changes = old.map(|old| summary::diff(&old, &summary));
    let version = match &changes {
        None => FIRST_VERSION.to_string(),
        Some(c) if c.is_empty() => previous_version.clone(),
        Some(c) => bump(&previous_version, c.breaking()),
    };
    Release {
        summary,
        changes,
        previous_version,
        version,
    }
}

/// The version of the newest entry of a changelog.
pub fn recorded_version(changes: &str) -> Option<String> {
    changes.lines().find_map(|l| {
        let rest = l.strip_prefix(VERSION_LINE)?;
        let v = rest.split([' ', ':']).next()?;
        parse(v).map(|_| v.to_string())
    })
}

fn parse(v: &str) -> Option<(u64, u64, u64)> {
    let mut parts = v.split('.').map(|p| p.parse::<u64>().ok());
    let (a, b, c) = (parts.next()??, parts.next()??, parts.next()??);
    parts.next().is_none().then_some((a, b, c))
}

/// `version` bumped for a breaking or an additive change, by Cargo's rules for 0.x.
pub fn bump(version: &str, breaking: bool) -> String {
    let (major, minor, patch) = parse(version).unwrap_or((0, 1, 0));
    let (major, minor, patch) = match (major, breaking) {
        (0, true) => (0, minor + 1, 0),
        (0, false) => (0, minor, patch + 1),
        (_, true) => (major + 1, 0, 0),
        (_, false) => (major, minor + 1, 0),
    };
    format!("{major}.{minor}.{patch}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_bump_by_cargo_rules() {
        assert_eq!(bump("0.1.0", true), "0.2.0");
        assert_eq!(bump("0.2.3", false), "0.2.4");
        assert_eq!(bump("1.2.3", true), "2.0.0");
        assert_eq!(bump("1.2.3", false), "1.3.0");
    }

    #[test]
    fn the_newest_entry_gives_the_version() {
        let log = "# API changes\n\n## Spec inputs b\n\nVersion 0.3.1 (was 0.3.0): additive, nothing breaks.\n\n## Spec inputs a\n\nVersion 0.3.0 (was 0.2.0): breaking\n";
        assert_eq!(recorded_version(log).as_deref(), Some("0.3.1"));
        assert_eq!(recorded_version("# API changes\n"), None);
    }
}
