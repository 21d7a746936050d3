//! `cargo xtask fetch-specs`: download the specs of every area from upstream (or copy them from
//! a mirror), follow every external `$ref` recursively, fall back to the XSD of a model whose
//! schema file is not published (and the XSDs it includes), and write it all into a spec
//! directory laid out like the mirror, with `specs.lock` recording each file's URL and sha256.
//!
//! Everything is fetched into a temporary directory beside the target first; the previous spec
//! directory is replaced only when every file arrived and parsed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::source::{parse_ref, DocId};

/// Where files come from.
pub enum Origin {
    /// Upstream over HTTP(S): `<base>/<area>.json`, `<base>/schemas/<name>.json`,
    /// `<xsd_base>/<name>.xsd`.
    Http { base: String, xsd_base: String },
    /// A mirror directory laid out like `../shared/alma-openapi`.
    Dir(PathBuf),
}

/// What was fetched.
#[derive(Debug, Default)]
pub struct FetchReport {
    /// rel path → (url, sha256)
    pub files: BTreeMap<String, (String, String)>,
    /// Schema files published neither as JSON nor as XSD.
    pub missing: BTreeSet<String>,
}

impl Origin {
    /// The default XSD location for an upstream base URL: same host, `/alma/apis/docs/xsd/`.
    pub fn xsd_base_for(base: &str) -> String {
        match base
            .find("://")
            .and_then(|i| base[i + 3..].find('/').map(|j| i + 3 + j))
        {
            Some(host_end) => format!("{}/alma/apis/docs/xsd/", &base[..host_end]),
            None => format!("{}/alma/apis/docs/xsd/", base.trim_end_matches('/')),
        }
    }
}

enum Kind {
    Area(String),
    Schema(String),
    Xsd(String),
}

struct Fetcher<'a> {
    origin: &'a Origin,
    http: Option<reqwest::blocking::Client>,
    upstream_base: String,
}

impl Fetcher<'_> {
    /// (rel path, url) of a file.
    fn locate(&self, kind: &Kind) -> (String, String) {
        let (base, xsd_base) = match self.origin {
            Origin::Http { base, xsd_base } => (base.clone(), xsd_base.clone()),
            Origin::Dir(_) => (
                self.upstream_base.clone(),
                Origin::xsd_base_for(&self.upstream_base),
            ),
        };
        let base = format!("{}/", base.trim_end_matches('/'));
        let xsd_base = format!("{}/", xsd_base.trim_end_matches('/'));
        match kind {
            Kind::Area(file) => {
                let name = file.rsplit('/').next().unwrap_or(file);
                (file.clone(), format!("{base}{name}"))
            }
            Kind::Schema(n) => (
                format!("schemas/{n}.json"),
                format!("{base}schemas/{n}.json"),
            ),
            Kind::Xsd(n) => (format!("xsd/{n}.xsd"), format!("{xsd_base}{n}.xsd")),
        }
    }

    /// The bytes, `None` when the file does not exist (404).
    fn get(&self, rel: &str, url: &str) -> Result<Option<Vec<u8>>> {
        match self.origin {
            Origin::Dir(dir) => {
                let path = dir.join(rel);
                match std::fs::read(&path) {
                    Ok(b) => Ok(Some(b)),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(Error::io(path, e)),
                }
            }
            Origin::Http { .. } => {
                let client = self.http.as_ref().expect("http client for an http origin");
                let fail = |m: String| Error::Config {
                    path: PathBuf::from(url),
                    message: m,
                };
                let resp = client
                    .get(url)
                    .send()
                    .map_err(|e| fail(format!("download failed: {}", e.without_url())))?;
                match resp.status().as_u16() {
                    404 => Ok(None),
                    200 => resp
                        .bytes()
                        .map(|b| Some(b.to_vec()))
                        .map_err(|e| fail(format!("download cut off: {}", e.without_url()))),
                    s => Err(fail(format!("HTTP {s}"))),
                }
            }
        }
    }
}

/// Fetches every area of `config` from `origin` into `out`, replacing it only on success.
pub fn fetch(
    config: &Config,
    origin: &Origin,
    out: &Path,
    mut progress: impl FnMut(usize, usize, &str),
) -> Result<FetchReport> {
    let http = match origin {
        Origin::Http { .. } => Some(
            reqwest::blocking::Client::builder()
                .timeout(Duration::from_secs(60))
                .user_agent(concat!("alma-codegen/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|e| Error::Config {
                    path: PathBuf::from("fetch"),
                    message: e.to_string(),
                })?,
        ),
        Origin::Dir(_) => None,
    };
    let fetcher = Fetcher {
        origin,
        http,
        upstream_base: config.areas.upstream_base_url.clone(),
    };
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    let tmp = tempfile::Builder::new()
        .prefix(".fetch-specs-")
        .tempdir_in(parent)
        .map_err(|e| Error::io(parent, e))?;
    let mut report = FetchReport::default();
    let mut queue: Vec<Kind> = config
        .areas
        .areas
        .iter()
        .rev()
        .map(|a| Kind::Area(a.file.clone()))
        .collect();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    while let Some(kind) = queue.pop() {
        let (rel, url) = fetcher.locate(&kind);
        if !seen.insert(rel.clone()) {
            continue;
        }
        progress(
            report.files.len() + 1,
            report.files.len() + 1 + queue.len(),
            &rel,
        );
        let bytes = match (fetcher.get(&rel, &url)?, &kind) {
            (Some(b), _) => b,
            (None, Kind::Schema(name)) => {
                // Unpublished JSON schema: the XSD of the same model, if Ex Libris has one.
                let (base, _) = crate::xsd::Variant::of(name);
                let xsd = Kind::Xsd(base.to_string());
                let (xrel, xurl) = fetcher.locate(&xsd);
                if seen.contains(&xrel) {
                    continue;
                }
                match fetcher.get(&xrel, &xurl)? {
                    Some(_) => queue.push(xsd),
                    None => {
                        report.missing.insert(name.clone());
                    }
                }
                continue;
            }
            (None, Kind::Area(_)) => {
                return Err(Error::Config {
                    path: PathBuf::from(&url),
                    message: "area spec not found (404)".into(),
                });
            }
            (None, Kind::Xsd(n)) => {
                report.missing.insert(n.clone());
                continue;
            }
        };
        // Every file must parse: a proxy's HTML page or a cut-off download is caught here.
        match &kind {
            Kind::Area(file) => {
                let value = parse_doc(&rel, &url, &bytes)?;
                let id = DocId::Area(file.clone());
                collect(&id, &value, &mut queue);
            }
            Kind::Schema(name) => {
                let value = parse_doc(&rel, &url, &bytes)?;
                collect(&DocId::Schema(name.clone()), &value, &mut queue);
            }
            Kind::Xsd(_) => {
                let text = std::str::from_utf8(&bytes).map_err(|e| Error::Parse {
                    at: loc(&url),
                    message: e.to_string(),
                })?;
                if !text.contains("schema") {
                    return Err(Error::Parse {
                        at: loc(&url),
                        message: "not an XSD".into(),
                    });
                }
                for inc in xsd_includes(text) {
                    queue.push(Kind::Xsd(inc));
                }
            }
        }
        let path = tmp.path().join(&rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        std::fs::write(&path, &bytes).map_err(|e| Error::io(&path, e))?;
        let sha: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        report.files.insert(rel, (url, sha));
    }
    let mut lock =
        String::from("# Spec files fetched by `cargo xtask fetch-specs`: path, URL, sha256.\n");
    for (rel, (url, sha)) in &report.files {
        lock.push_str(&format!("{rel}\t{url}\t{sha}\n"));
    }
    let lock_path = tmp.path().join("specs.lock");
    std::fs::write(&lock_path, lock).map_err(|e| Error::io(&lock_path, e))?;
    // Swap: the old directory goes only once the new one is complete.
    let tmp_path = tmp.keep();
    let old = parent.join(format!(".fetch-specs-old-{}", std::process::id()));
    if let Err(e) = crate::write::replace_dir(&tmp_path, out, &old) {
        let _ = std::fs::remove_dir_all(&tmp_path);
        return Err(e);
    }
    let _ = std::fs::remove_dir_all(&old);
    Ok(report)
}

fn loc(url: &str) -> crate::error::Location {
    crate::error::Location {
        file: Some(PathBuf::from(url)),
        ..Default::default()
    }
}

fn parse_doc(rel: &str, url: &str, bytes: &[u8]) -> Result<serde_json::Value> {
    if rel.ends_with(".yaml") || rel.ends_with(".yml") {
        let text = std::str::from_utf8(bytes).map_err(|e| Error::Parse {
            at: loc(url),
            message: e.to_string(),
        })?;
        serde_yaml::from_str(text).map_err(|e| Error::Parse {
            at: loc(url),
            message: format!("not YAML: {e}"),
        })
    } else {
        serde_json::from_slice(bytes).map_err(|e| Error::Parse {
            at: loc(url),
            message: format!("not JSON: {e}"),
        })
    }
}

fn collect(from: &DocId, value: &serde_json::Value, queue: &mut Vec<Kind>) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(r) = map.get("$ref").and_then(|r| r.as_str()) {
                if let Ok(ptr) = parse_ref(from, r) {
                    if let DocId::Schema(name) = ptr.doc {
                        queue.push(Kind::Schema(name));
                    }
                }
            }
            map.values().for_each(|v| collect(from, v, queue));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect(from, v, queue)),
        _ => {}
    }
}

/// `<xs:include schemaLocation="rest_x.xsd"/>` targets, without the extension.
fn xsd_includes(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("schemaLocation=\"") {
        rest = &rest[i + 16..];
        if let Some(end) = rest.find('"') {
            let loc = &rest[..end];
            let name = loc.rsplit('/').next().unwrap_or(loc);
            if let Some(stem) = name.strip_suffix(".xsd") {
                out.push(stem.to_string());
            }
            rest = &rest[end..];
        }
    }
    out
}
