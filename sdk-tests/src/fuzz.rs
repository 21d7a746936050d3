//! Hostile input for the SDK's decoders and the generator's readers, on the stable toolchain:
//! structure-aware mutations of real documents (the recorded fixtures, the spec mirror), each
//! input run under `catch_unwind` with its time and memory measured. Driven by
//! `cargo xtask fuzz` (the `fuzz` example); crashing inputs are minimised and kept under
//! `sdk-tests/tests/fuzz-regressions/<target>/`, which `tests/fuzz_regressions.rs` replays.

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use alma_runtime::Format;

/// What is fuzzed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// JSON response decoding (and re-encoding) for every model.
    Json,
    /// XML response decoding (and re-encoding) for every model.
    Xml,
    /// Error bodies: JSON, XML, HTML proxy pages.
    Errors,
    /// The XSD → JSON Schema converter.
    Xsd,
    /// The spec loader and the whole generator over one area spec.
    Spec,
    /// `fetch-specs` reading an area spec (and following its references) from a mirror.
    Fetch,
}

impl Target {
    /// Every target, in the order `--target all` runs them.
    pub const ALL: [Target; 6] = [
        Target::Json,
        Target::Xml,
        Target::Errors,
        Target::Xsd,
        Target::Spec,
        Target::Fetch,
    ];

    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Target::Json => "json",
            Target::Xml => "xml",
            Target::Errors => "errors",
            Target::Xsd => "xsd",
            Target::Spec => "spec",
            Target::Fetch => "fetch",
        }
    }

    /// The target called `name`.
    pub fn from_name(name: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.name() == name)
    }
}

/// One input run through a target.
#[derive(Debug)]
pub struct Outcome {
    /// The panic message, if it panicked.
    pub panic: Option<String>,
    /// Wall time.
    pub elapsed: Duration,
    /// Whether it gave a value (`true`) or a typed error (`false`).
    pub accepted: bool,
}

/// The inputs a target's mutations start from.
pub struct Corpus {
    /// (file name, bytes) of every seed.
    pub seeds: Vec<(String, Vec<u8>)>,
}

/// The project root (`sdk-tests/..`).
pub fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("sdk-tests is one level below the root")
        .to_path_buf()
}

fn read_dir_files(dir: &Path, ext: &str, out: &mut Vec<(String, Vec<u8>)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            read_dir_files(&p, ext, out);
        } else if p.extension().is_some_and(|e| e == ext) {
            if let Ok(bytes) = std::fs::read(&p) {
                out.push((p.display().to_string(), bytes));
            }
        }
    }
}

impl Corpus {
    /// The seeds of `target`: fixtures for the decoders, the mirror's XSDs and specs for the
    /// generator's readers, plus hand-written hostile shapes every target starts from too.
    pub fn for_target(target: Target) -> Corpus {
        let root = project_root();
        let shared = root.join("../shared");
        let mut seeds = Vec::new();
        match target {
            Target::Json => read_dir_files(&shared.join("alma-fixtures"), "json", &mut seeds),
            Target::Xml => read_dir_files(&shared.join("alma-fixtures"), "xml", &mut seeds),
            Target::Errors => {
                read_dir_files(&shared.join("alma-fixtures"), "json", &mut seeds);
                read_dir_files(&shared.join("alma-fixtures"), "xml", &mut seeds);
                seeds.retain(|(_, b)| {
                    let t = String::from_utf8_lossy(b);
                    t.contains("errorList") || t.contains("web_service_result")
                });
                seeds.push((
                    "proxy.html".into(),
                    b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
                        .to_vec(),
                ));
            }
            Target::Xsd => read_dir_files(&shared.join("alma-openapi/xsd"), "xsd", &mut seeds),
            Target::Spec | Target::Fetch => {
                read_dir_files(&root.join("generator/tests/golden"), "json", &mut seeds);
                seeds.retain(|(n, _)| n.contains("/mirror/openapi/"));
            }
        }
        // Shapes every target meets: nothing, deep nesting, huge numbers, entity expansion.
        seeds.push(("empty".into(), Vec::new()));
        seeds.push(("deep-json".into(), "[".repeat(100_000).into_bytes()));
        seeds.push(("deep-xml".into(), "<a>".repeat(100_000).into_bytes()));
        seeds.push((
            "huge-number".into(),
            format!("{{\"total_record_count\": 1{}}}", "0".repeat(5_000)).into_bytes(),
        ));
        seeds.push(("billion-laughs".into(), BILLION_LAUGHS.as_bytes().to_vec()));
        Corpus { seeds }
    }
}

const BILLION_LAUGHS: &str = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<user><primary_id>&lol4;</primary_id></user>"#;

/// A small, seedable generator (xorshift), so a run is reproducible from its seed.
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next number.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }
}

/// One to four mutations of `seed`, aware of the structure of JSON and XML: truncation, byte
/// changes, invalid UTF-8, deep nesting, huge numbers, duplicated keys and elements, entity
/// declarations, and splices with another seed.
pub fn mutate(seed: &[u8], other: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = out.len();
        match rng.below(11) {
            0 => out.truncate(rng.below(len + 1)),
            1 if len > 0 => {
                let i = rng.below(len);
                out[i] = rng.next_u64() as u8;
            }
            2 => {
                let i = rng.below(len + 1);
                let bad: &[u8] = [&b"\xff"[..], b"\xc3\x28", b"\xed\xa0\x80", b"\0"][rng.below(4)];
                out.splice(i..i, bad.iter().copied());
            }
            3 => {
                let i = rng.below(len + 1);
                let depth = 1 + rng.below(5_000);
                let open = ["[", "{\"a\":", "<a>"][rng.below(3)];
                out.splice(i..i, open.repeat(depth).into_bytes());
            }
            4 => {
                // Replace a digit run with a huge number.
                if let Some(i) = (0..len)
                    .map(|_| rng.below(len))
                    .find(|&i| out[i].is_ascii_digit())
                {
                    let big = ["9".repeat(400), "1e999999".into(), "-0.0000e-99999".into()]
                        [rng.below(3)]
                    .clone();
                    out.splice(i..i + 1, big.into_bytes());
                }
            }
            5 if len > 2 => {
                // Duplicate a range: repeated keys, elements, attributes.
                let a = rng.below(len);
                let b = (a + 1 + rng.below(200)).min(len);
                let piece = out[a..b].to_vec();
                out.splice(b..b, piece);
            }
            6 if len > 2 => {
                let a = rng.below(len);
                let b = (a + 1 + rng.below(64)).min(len);
                out.drain(a..b);
            }
            7 => {
                let decl = [
                    &b"<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>"[..],
                    b"<!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;\">]>",
                    b"&amp;&lt;&#x0;&#xD800;&unknown;",
                    b"<![CDATA[",
                ][rng.below(4)];
                let i = if rng.below(2) == 0 {
                    0
                } else {
                    rng.below(len + 1)
                };
                out.splice(i..i, decl.iter().copied());
            }
            8 if !other.is_empty() => {
                let a = rng.below(len + 1);
                let b = rng.below(other.len());
                out.truncate(a);
                out.extend_from_slice(&other[b..]);
            }
            9 => {
                let i = rng.below(len + 1);
                let tok: &[u8] = [
                    &b"null"[..],
                    b"\"\"",
                    b"{}",
                    b"[]",
                    b"true",
                    b"\"\\ud800\"",
                    b"<x/>",
                    b" xmlns:a=\"u\" a:b=\"c\"",
                ][rng.below(8)];
                out.splice(i..i, tok.iter().copied());
            }
            _ => {
                // Grow: repeat the whole input (large bodies).
                if len > 0 && len < 4 << 20 {
                    let copy = out.clone();
                    out.extend_from_slice(&copy);
                }
            }
        }
    }
    out
}

/// Runs `input` through `target`, catching panics.
pub fn run(target: Target, input: &[u8], scratch: &Path) -> Outcome {
    let started = Instant::now();
    let result = std::panic::catch_unwind(AssertUnwindSafe(|| run_inner(target, input, scratch)));
    let elapsed = started.elapsed();
    match result {
        Ok(accepted) => Outcome {
            panic: None,
            elapsed,
            accepted,
        },
        Err(p) => Outcome {
            panic: Some(
                p.downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "panic".into()),
            ),
            elapsed,
            accepted: false,
        },
    }
}

/// The models every decoding input is tried against: a few, picked by the input's bytes so the
/// choice is reproducible.
fn models_for(input: &[u8]) -> Vec<alma_sdk::registry::ModelInfo> {
    let all = alma_sdk::registry::models();
    let h = input
        .iter()
        .take(256)
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x1000_0000_01b3)
        });
    (0..3)
        .map(|k| all[(h as usize).wrapping_add(k * 7919) % all.len()])
        .collect()
}

/// The name of the first element of an XML document, if it has one.
fn root_element(input: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(input.get(..input.len().min(4096))?).ok()?;
    let mut rest = text;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        if rest.starts_with(['?', '!']) {
            continue;
        }
        let name: String = rest
            .chars()
            .take_while(|c| !c.is_whitespace() && *c != '>' && *c != '/')
            .collect();
        return (!name.is_empty()).then_some(name);
    }
    None
}

fn run_inner(target: Target, input: &[u8], scratch: &Path) -> bool {
    match target {
        Target::Json | Target::Xml => {
            let format = if target == Target::Json {
                Format::Json
            } else {
                Format::Xml
            };
            let mut models = models_for(input);
            if target == Target::Xml {
                // The models whose root element the document has, so that decoding goes deep.
                if let Some(root) = root_element(input) {
                    models.extend(
                        alma_sdk::registry::models()
                            .into_iter()
                            .filter(|m| m.xml_root == root)
                            .take(3),
                    );
                }
            }
            let mut any = false;
            for m in models {
                any |= m.roundtrip(input, format).is_ok();
            }
            any
        }
        Target::Errors => alma_runtime::parse_error_body(input).is_some(),
        Target::Xsd => {
            let dir = scratch.join("xsd");
            let _ = std::fs::create_dir_all(&dir);
            if std::fs::write(dir.join("rest_fuzz.xsd"), input).is_err() {
                return false;
            }
            alma_codegen::xsd::to_json_schema(&dir, "rest_fuzz").is_ok()
        }
        Target::Spec => match project_with(scratch.join("spec"), input) {
            Some(project) => alma_codegen::generate(&alma_codegen::Options::new(&project)).is_ok(),
            None => false,
        },
        Target::Fetch => {
            let Some(project) = project_with(scratch.join("fetch"), input) else {
                return false;
            };
            let Ok(config) = alma_codegen::config::Config::load(&project.join("specs")) else {
                return false;
            };
            alma_codegen::fetch::fetch(
                &config,
                &alma_codegen::fetch::Origin::Dir(project.join("mirror")),
                &project.join("out"),
                |_, _, _| {},
            )
            .is_ok()
        }
    }
}

/// A project at `dir` with one area whose spec is `input` (`mirror/openapi/fuzz.json`).
fn project_with(dir: PathBuf, input: &[u8]) -> Option<PathBuf> {
    std::fs::create_dir_all(dir.join("specs")).ok()?;
    std::fs::create_dir_all(dir.join("mirror/openapi")).ok()?;
    std::fs::write(dir.join("specs/areas.toml"), AREAS_TOML).ok()?;
    std::fs::write(dir.join("mirror/openapi/fuzz.json"), input).ok()?;
    Some(dir)
}

/// One area, `fuzz`, read from `mirror/openapi/fuzz.json`.
const AREAS_TOML: &str = "upstream_base_url = \"https://example.org/openapi/\"\nxsd_base_url = \"https://example.org/xsd/\"\ndocs_base_url = \"https://example.org/docs/\"\nmirrors = [\"mirror\"]\n\n[[area]]\nname = \"fuzz\"\ntitle = \"Fuzz\"\nfile = \"openapi/fuzz.json\"\n";

/// A smaller input that still panics in `target` (chunks removed while the panic stays).
pub fn minimise(target: Target, input: &[u8], scratch: &Path) -> Vec<u8> {
    let mut cur = input.to_vec();
    let mut chunk = cur.len() / 2;
    while chunk > 0 {
        let mut i = 0;
        let mut shrunk = false;
        while i + chunk <= cur.len() {
            let mut cand = cur.clone();
            cand.drain(i..i + chunk);
            if run(target, &cand, scratch).panic.is_some() {
                cur = cand;
                shrunk = true;
            } else {
                i += chunk;
            }
        }
        if !shrunk {
            chunk /= 2;
        }
    }
    cur
}

/// Where minimised crashing inputs are kept, per target.
pub fn regressions_dir(target: Target) -> PathBuf {
    project_root()
        .join("sdk-tests/tests/fuzz-regressions")
        .join(target.name())
}
