//! The XSD pass of `cargo xtask conformance`: the XML the SDK writes — every request body the
//! client sends in XML, and what every typed model writes for each recorded fixture — validated
//! with `xmllint --schema` against Ex Libris's XSDs, a check nobody here wrote.
//!
//! Where an XSD is stricter than what Alma sends, the exception is an `[[xsd]]` entry of
//! `specs/corrections.toml`, applied to a copy of the XSD (`xsd_patch`). A document is valid when
//! it validates against the XSD as published, or against the corrected copy; each entry must be
//! needed by some document (checked by validating without it), so none outlives its reason.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use alma_codegen::config::XsdCorrection;

use crate::xsd_mutants::{self, Doc, Mutation};
use crate::xsd_patch;

/// What the pass found.
#[derive(Debug, Default)]
pub struct Report {
    /// Documents with an XSD for their root element.
    pub checked: usize,
    /// Of those, the ones valid as published or with corrections.
    pub valid: usize,
    /// Request bodies (operation `area.name`) that validated.
    pub valid_requests: BTreeSet<String>,
    /// Documents without an XSD for their root (not counted).
    pub no_xsd: Vec<String>,
    /// Invalid documents with xmllint's first errors.
    pub invalid: Vec<(String, Vec<String>)>,
    /// Each correction used, with how many documents needed it.
    pub used: Vec<(usize, usize)>,
    /// Corrections no document needs (each one validates without it), described: stale entries.
    pub unneeded: Vec<String>,
    /// Per mutation (`xsd_mutants`): mutants of valid documents written, and refused.
    pub mutants: Vec<(Mutation, usize, usize)>,
    /// Mutants that validated: bugs of that kind the pass would miss in that document.
    pub survivors: Vec<String>,
}

/// `xmllint`, or an error saying how to install it.
pub fn ensure_xmllint() -> Result<(), String> {
    match Command::new("xmllint").arg("--version").output() {
        Ok(o) if o.status.success() => Ok(()),
        _ => Err(
            "xmllint is needed for the XSD pass of the conformance suite: install the Debian \
                  package libxml2-utils (`apt-get install libxml2-utils`; .ci/run does it)"
                .into(),
        ),
    }
}

/// Validates every document under `xml_dir` (`requests/`, `fixtures/`) against the XSDs of
/// `xsd_dir`, with `corrections` applied in copies under `work`.
pub fn run(
    xsd_dir: &Path,
    corrections: &[XsdCorrection],
    xml_dir: &Path,
    work: &Path,
) -> Result<Report, String> {
    ensure_xmllint()?;
    let roots = root_elements(xsd_dir)?;
    let mut report = Report::default();
    let mut docs = Vec::new();
    for sub in ["requests", "fixtures"] {
        let dir = xml_dir.join(sub);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        files.sort();
        for path in files {
            let name = format!("{sub}/{}", file_name(&path));
            let text = std::fs::read_to_string(&path).map_err(|e| format!("{name}: {e}"))?;
            // Untyped bodies go as JSON even when the client speaks XML: nothing to check.
            let Some(root) = root_element(&text) else {
                continue;
            };
            match roots.get(&root) {
                Some(xsd) => docs.push(Doc {
                    name,
                    path,
                    xsd: xsd.clone(),
                }),
                None => report.no_xsd.push(format!("{name} <{root}>")),
            }
        }
    }
    report.checked = docs.len();
    let published = validate(xsd_dir, &docs)?;
    let failing: Vec<Doc> = docs
        .iter()
        .filter(|d| published[&d.name].is_err())
        .cloned()
        .collect();
    let corrected_dir = work.join("xsd-corrected");
    let all: Vec<usize> = (0..corrections.len()).collect();
    xsd_patch::write_corrected(xsd_dir, corrections, &all, &corrected_dir)?;
    let corrected = validate(&corrected_dir, &failing)?;
    for d in &docs {
        let ok = published[&d.name].is_ok() || corrected[&d.name].is_ok();
        if ok {
            report.valid += 1;
            if let Some(op) = d.name.strip_prefix("requests/") {
                report
                    .valid_requests
                    .insert(op.trim_end_matches(".xml").to_string());
            }
        } else {
            let errors = corrected[&d.name].clone().err().unwrap_or_default();
            report.invalid.push((d.name.clone(), errors));
        }
    }
    check_mutants(&docs, &mut report, xsd_dir, &corrected_dir, work)?;
    // Each entry must be needed: without it, some document that validated with all of them
    // fails. Only the documents whose XSD includes the entry's file are tried.
    let rescued: Vec<Doc> = failing
        .into_iter()
        .filter(|d| corrected[&d.name].is_ok())
        .collect();
    let includes = include_closure(xsd_dir)?;
    let ablated_dir = work.join("xsd-ablated");
    for (i, c) in corrections.iter().enumerate() {
        let affected: Vec<Doc> = rescued
            .iter()
            .filter(|d| includes.get(&d.xsd).is_some_and(|s| s.contains(&c.file)))
            .cloned()
            .collect();
        let mut needed = 0;
        if !affected.is_empty() {
            let others: Vec<usize> = all.iter().copied().filter(|j| *j != i).collect();
            xsd_patch::write_corrected(xsd_dir, corrections, &others, &ablated_dir)?;
            needed = validate(&ablated_dir, &affected)?
                .values()
                .filter(|r| r.is_err())
                .count();
        }
        if needed == 0 {
            report
                .unneeded
                .push(format!("[[xsd]] {} type {:?}", c.file, c.type_name));
        } else {
            report.used.push((i, needed));
        }
    }
    Ok(report)
}

/// Mutates every valid document (`xsd_mutants`) and validates the mutants as the originals were
/// (as published, then corrected); records per mutation (written, refused), and the survivors.
fn check_mutants(
    docs: &[Doc],
    report: &mut Report,
    xsd_dir: &Path,
    corrected_dir: &Path,
    work: &Path,
) -> Result<(), String> {
    let invalid: BTreeSet<&str> = report.invalid.iter().map(|(n, _)| n.as_str()).collect();
    let valid: Vec<Doc> = docs
        .iter()
        .filter(|d| !invalid.contains(d.name.as_str()))
        .cloned()
        .collect();
    let mutants = xsd_mutants::write(&valid, &work.join("xsd-mutants"))?;
    let all: Vec<Doc> = mutants.iter().map(|(_, _, m)| m.clone()).collect();
    let published = validate(xsd_dir, &all)?;
    let corrected = validate(corrected_dir, &all)?;
    for kind in Mutation::ALL {
        let (mut written, mut refused) = (0, 0);
        for (m, _, mutant) in mutants.iter().filter(|(m, _, _)| *m == kind) {
            written += 1;
            if published[&mutant.name].is_err() && corrected[&mutant.name].is_err() {
                refused += 1;
            } else {
                report
                    .survivors
                    .push(format!("{} ({})", mutant.name, m.describe()));
            }
        }
        report.mutants.push((kind, written, refused));
    }
    Ok(())
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The first element's name, if the text is an XML document.
fn root_element(text: &str) -> Option<String> {
    let mut reader = quick_xml::Reader::from_str(text);
    loop {
        match reader.read_event().ok()? {
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => {
                return Some(String::from_utf8_lossy(e.name().as_ref()).into_owned())
            }
            quick_xml::events::Event::Eof => return None,
            quick_xml::events::Event::Text(t) if !t.iter().all(u8::is_ascii_whitespace) => {
                return None
            }
            _ => {}
        }
    }
}

/// Root element name → the XSD declaring it (`rest_<name>.xsd` when several do).
fn root_elements(xsd_dir: &Path) -> Result<BTreeMap<String, String>, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for file in xsd_files(xsd_dir)? {
        let roots =
            alma_codegen::xsd::root_elements(&xsd_dir.join(&file)).map_err(|e| e.to_string())?;
        for root in roots {
            let own = file == format!("rest_{root}.xsd");
            if own || !out.contains_key(&root) {
                out.insert(root, file.clone());
            }
        }
    }
    Ok(out)
}

fn xsd_files(dir: &Path) -> Result<Vec<String>, String> {
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok())
        .map(|e| file_name(&e.path()))
        .filter(|n| n.ends_with(".xsd"))
        .collect();
    files.sort();
    Ok(files)
}

/// Each XSD → itself and every file it includes, directly or not.
fn include_closure(dir: &Path) -> Result<BTreeMap<String, BTreeSet<String>>, String> {
    let mut direct: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in xsd_files(dir)? {
        let text = std::fs::read_to_string(dir.join(&f)).map_err(|e| format!("{f}: {e}"))?;
        let mut inc = Vec::new();
        for part in text.split("schemaLocation=\"").skip(1) {
            if let Some(end) = part.find('"') {
                inc.push(part[..end].rsplit('/').next().unwrap_or("").to_string());
            }
        }
        direct.insert(f, inc);
    }
    let mut out = BTreeMap::new();
    for f in direct.keys() {
        let mut seen = BTreeSet::new();
        let mut todo = vec![f.clone()];
        while let Some(x) = todo.pop() {
            if seen.insert(x.clone()) {
                todo.extend(direct.get(&x).into_iter().flatten().cloned());
            }
        }
        out.insert(f.clone(), seen);
    }
    Ok(out)
}

/// Validates `docs` against the XSDs in `dir`, one `xmllint` per XSD: document name → `Ok` or
/// its error lines.
fn validate(dir: &Path, docs: &[Doc]) -> Result<BTreeMap<String, Result<(), Vec<String>>>, String> {
    let mut by_xsd: BTreeMap<&str, Vec<&Doc>> = BTreeMap::new();
    for d in docs {
        by_xsd.entry(&d.xsd).or_default().push(d);
    }
    let mut out = BTreeMap::new();
    for (xsd, group) in by_xsd {
        for chunk in group.chunks(200) {
            let o = Command::new("xmllint")
                .arg("--noout")
                .arg("--schema")
                .arg(dir.join(xsd))
                .args(chunk.iter().map(|d| &d.path))
                .output()
                .map_err(|e| format!("xmllint: {e}"))?;
            let stderr = String::from_utf8_lossy(&o.stderr);
            if stderr.contains("WXS schema") && stderr.contains("failed to compile") {
                return Err(format!("xmllint could not compile {xsd}:\n{stderr}"));
            }
            for d in chunk {
                let p = d.path.display().to_string();
                let errors: Vec<String> = stderr
                    .lines()
                    .filter(|l| l.starts_with(&format!("{p}:")))
                    .map(|l| l[p.len() + 1..].to_string())
                    .collect();
                let verdict = if stderr.lines().any(|l| l == format!("{p} validates")) {
                    Ok(())
                } else {
                    Err(if errors.is_empty() {
                        vec![format!("xmllint did not validate it ({})", o.status)]
                    } else {
                        errors
                    })
                };
                out.insert(d.name.clone(), verdict);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_element_skips_the_declaration_and_refuses_json() {
        assert_eq!(
            root_element("<?xml version=\"1.0\"?>\n<user a=\"1\"><x/></user>").as_deref(),
            Some("user")
        );
        assert_eq!(root_element("{\"user\": 1}"), None);
        assert_eq!(root_element(""), None);
    }
}
