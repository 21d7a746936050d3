//! Our configuration under `specs/`: the areas and where their specs live (`areas.toml`), the
//! corrections to upstream defects (`corrections.toml`) and hand-picked method names
//! (`naming.toml`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};

/// `specs/areas.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AreasConfig {
    /// Package name of the generated crate (`alma-sdk`; golden test crates have their own).
    #[serde(default = "default_crate_name")]
    pub crate_name: String,
    pub upstream_base_url: String,
    pub xsd_base_url: String,
    pub docs_base_url: String,
    /// Spec directories to try, relative to the project root.
    #[serde(default)]
    pub mirrors: Vec<PathBuf>,
    #[serde(rename = "area")]
    pub areas: Vec<AreaConfig>,
    /// The payloads of Alma's webhook calls, a module and feature of their own.
    #[serde(default)]
    pub webhooks: Option<WebhooksConfig>,
}

/// `[webhooks]` in `specs/areas.toml`: the module of webhook payloads and their event enum.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhooksConfig {
    /// Module and feature name (`webhooks`).
    pub name: String,
    /// Human title for docs.
    pub title: String,
    /// The payload's schema, derived from the XSD of that name (`webhook` → `xsd/webhook.xsd`,
    /// whose root element is `<notification>`).
    pub schema: String,
}

fn default_crate_name() -> String {
    "alma-sdk".into()
}

/// One API area, e.g. `users`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AreaConfig {
    /// Module and feature name.
    pub name: String,
    /// Human title for docs.
    pub title: String,
    /// Spec file relative to the spec directory (`openapi/users.json`).
    pub file: String,
}

/// `specs/corrections.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Corrections {
    #[serde(default)]
    pub defaults: DefaultRules,
    #[serde(default, rename = "path")]
    pub paths: Vec<PathCorrection>,
    /// Lists whose schema file is unpublished, derived from their item's model.
    #[serde(default)]
    pub derived_lists: Option<DerivedLists>,
    /// Enumerated query parameter values.
    #[serde(default)]
    pub param_values: ParamValues,
    /// Where an Ex Libris XSD is stricter than what Alma sends, for the conformance suite's XSD
    /// pass (`cargo xtask conformance`); the generator does not read XSDs through them.
    #[serde(default, rename = "xsd")]
    pub xsd: Vec<XsdCorrection>,
    /// Operations Ex Libris documents only in prose, added to an area's spec from an OpenAPI
    /// fragment of ours (`specs/overlays/`).
    #[serde(default, rename = "overlay")]
    pub overlays: Vec<Overlay>,
    /// Writes a read-only API key may make, as the spec's prose says.
    #[serde(default, rename = "read_only")]
    pub read_only: Vec<ReadOnlyCorrection>,
    /// Where Alma's prose is read ambiguously by the generator's rules (`lower/prose.rs`).
    #[serde(default, rename = "prose")]
    pub prose: Vec<ProseCorrection>,
    /// Success answers whose schema is not what Alma sends.
    #[serde(default, rename = "response")]
    pub responses: Vec<ResponseCorrection>,
    /// Error codes Alma answers that the operation does not document, from recorded answers.
    #[serde(default, rename = "error")]
    pub errors: Vec<ErrorCorrection>,
}

/// An error code real Alma answers for an operation whose documentation does not list it: added
/// to the operation's documented errors. `evidence` names the recorded answer that shows it.
/// Stale when the operation is gone or documents the code itself.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorCorrection {
    pub area: String,
    /// `METHOD path` as written upstream.
    pub operation: String,
    pub status: u16,
    pub code: String,
    pub message: String,
    pub why: String,
    pub evidence: String,
}

/// An operation whose success answer the spec describes with the wrong schema: the `$ref`
/// `from` of its 2xx responses becomes `to` (written as upstream writes refs). `evidence` names
/// a recorded answer of real Alma's that shows it. Applied to the spec as it is loaded; stale
/// when the operation no longer refers to `from`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseCorrection {
    pub area: String,
    /// `METHOD path` as written upstream.
    pub operation: String,
    pub from: String,
    pub to: String,
    pub why: String,
    pub evidence: String,
}

/// A parameter whose prose the rules of `lower/prose.rs` do not read, or read ambiguously: the
/// decision, and the sentence (`quote`, from the parameter's or the operation's description)
/// that makes it. Without that sentence (the prose changed) the entry is not applied and is
/// reported stale.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProseCorrection {
    pub area: String,
    /// `METHOD path` as written upstream.
    pub operation: String,
    pub param: String,
    pub decide: ProseDecide,
    pub quote: String,
    pub why: String,
}

/// What a [`ProseCorrection`] decides.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProseDecide {
    /// Required (where it stands: in its variant, when it belongs to one).
    Required,
    /// Sent by the method itself, though its prose says "optional".
    Fixed,
    /// Goes with the either/or member `with` (an optional parameter of its variant).
    With(String),
}

/// A non-GET operation that Alma lets a read-only API key call (it alters no data), when its
/// query parameter `param` is one of `values` (or absent, when its default is one of them). The
/// spec says so only in prose: `quote` is the operation's description's words; without them
/// (the prose changed) the entry is not applied and is reported stale.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadOnlyCorrection {
    pub area: String,
    /// `METHOD path` as written upstream.
    pub operation: String,
    pub param: String,
    pub values: Vec<String>,
    pub quote: String,
}

/// An OpenAPI fragment of ours merged into an area's spec: an operation the upstream spec
/// describes only in the prose of another (`source`), in words we quote (`quote`). It is stale
/// once the spec has the operation itself, or no longer says what we quote.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Overlay {
    pub area: String,
    /// The fragment (`paths:` only), relative to `specs/`.
    pub file: String,
    /// `METHOD path` of the upstream operation whose description documents the addition.
    pub source: String,
    /// The words of that description the addition rests on.
    pub quote: String,
    /// The fragment's `paths`, read by `Config::load`.
    #[serde(skip)]
    pub paths: serde_json::Map<String, serde_json::Value>,
}

/// One documented exception to an XSD: a change to one type of one file, made to a copy before
/// validating against it. Real fixtures decide: `evidence` names documents Alma sent that the
/// XSD as published rejects.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct XsdCorrection {
    /// The XSD file (`rest_bib.xsd`).
    pub file: String,
    /// The `complexType` or `simpleType` changed: by name, or, for an anonymous one, as
    /// `owner/element` (the type of `element`, declared in the named type `owner`).
    #[serde(rename = "type")]
    pub type_name: String,
    /// Its child elements made optional (`minOccurs="0"`); `["*"]` for all of them.
    #[serde(default)]
    pub optional: Vec<String>,
    /// Elements Alma sends that the type does not declare, added as optional with any content.
    #[serde(default)]
    pub add: Vec<String>,
    /// Its elements or attributes whose declared type Alma does not keep to (an `xs:int` sent
    /// as `""`): any text is accepted.
    #[serde(default)]
    pub text: Vec<String>,
    /// Its `xs:any` wildcard (`##other`: namespace-qualified elements only) replaced by the
    /// element Alma sends there in no namespace (`record`), optional and repeatable, any content.
    #[serde(default)]
    pub any_element: Option<String>,
    /// A `simpleType` whose enumeration Alma does not keep to: any text is accepted.
    #[serde(default)]
    pub open_enumeration: bool,
    /// Why: what Alma sends and the XSD refuses.
    pub why: String,
    /// Fixtures (under `alma-fixtures`) showing it, or the spec file that does.
    #[serde(default)]
    pub evidence: Vec<String>,
}

/// How query parameters get enumerated values: the description rule, and the hand-read entries
/// for prose it does not read.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamValues {
    /// Read "Valid values are a, b." and the other list phrasings of upstream descriptions.
    #[serde(default)]
    pub from_descriptions: bool,
    /// Values stated in prose the rule does not read.
    #[serde(default)]
    pub explicit: Vec<ExplicitValues>,
}

/// `param` of the operations of `area` (all of them, or those at `operations`, `"METHOD path"` as
/// upstream writes it) takes `values`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExplicitValues {
    pub area: String,
    pub param: String,
    #[serde(default)]
    pub operations: Vec<String>,
    pub values: Vec<String>,
    /// Why: the upstream wording the values were read from.
    pub why: String,
}

/// Alma's list convention: `rest_<plural>` holds its items under the singular name, with a
/// `total_record_count` (in XML `<invoices total_record_count="n"><invoice>…`). Applied only to
/// the lists named, each with its item's schema file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DerivedLists {
    /// List schema file → item schema file (`rest_invoices = "rest_invoice"`).
    pub lists: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefaultRules {
    #[serde(default)]
    pub coerce_string_defaults: bool,
    #[serde(default)]
    pub skip_empty_path_items: bool,
    #[serde(default)]
    pub drop_undefined_required: bool,
}

/// Send `to` instead of the upstream path `from`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathCorrection {
    pub area: String,
    pub from: String,
    pub to: String,
}

/// The table of `specs/naming.toml` that names models (schema id → type name) rather than the
/// methods of an area.
pub const MODEL_NAMES: &str = "models";

/// `specs/naming.toml`: area → ("METHOD path" → method name), and `models` → (schema id → type
/// name).
pub type Naming = BTreeMap<String, BTreeMap<String, String>>;

/// Everything under `specs/` that drives a generation.
#[derive(Debug, Clone)]
pub struct Config {
    pub areas: AreasConfig,
    pub corrections: Corrections,
    pub naming: Naming,
    /// Raw bytes of the config files, hashed into the spec hash: a changed correction is a changed
    /// input.
    pub raw: Vec<(String, Vec<u8>)>,
    /// Only some areas are generated (`--areas`): names given to models those areas do not reach
    /// are not errors.
    pub subset: bool,
}

impl Config {
    /// Reads `areas.toml`, `corrections.toml` and `naming.toml` from `dir`. The last two are
    /// optional.
    pub fn load(dir: &Path) -> Result<Config> {
        let mut raw = Vec::new();
        let areas: AreasConfig =
            read_toml(&dir.join("areas.toml"), &mut raw)?.ok_or_else(|| Error::Config {
                path: dir.join("areas.toml"),
                message: "missing".into(),
            })?;
        let corrections = read_toml(&dir.join("corrections.toml"), &mut raw)?.unwrap_or_default();
        let naming = read_toml(&dir.join("naming.toml"), &mut raw)?.unwrap_or_default();
        let mut corrections: Corrections = corrections;
        for o in &mut corrections.overlays {
            o.paths = read_overlay(dir, &o.file, &mut raw)?;
        }
        let config = Config {
            areas,
            corrections,
            naming,
            raw,
            subset: false,
        };
        config.validate(dir)?;
        Ok(config)
    }

    /// Keeps only the areas named in `only` (`--areas a,b`); an unknown name is an error listing
    /// the known ones. Corrections and names of the other areas are then ignored.
    pub fn keep_areas(&mut self, only: &[String]) -> Result<()> {
        let known: Vec<&str> = self
            .areas
            .areas
            .iter()
            .map(|a| a.name.as_str())
            .chain(self.areas.webhooks.iter().map(|w| w.name.as_str()))
            .collect();
        if let Some(bad) = only.iter().find(|n| !known.contains(&n.as_str())) {
            return Err(Error::Config {
                path: PathBuf::from("specs/areas.toml"),
                message: format!("--areas: no area {bad:?} (areas: {})", known.join(", ")),
            });
        }
        self.areas.areas.retain(|a| only.contains(&a.name));
        self.areas.webhooks.take_if(|w| !only.contains(&w.name));
        self.subset = true;
        let keep = |area: &String| only.contains(area);
        self.corrections.paths.retain(|p| keep(&p.area));
        self.corrections.overlays.retain(|o| keep(&o.area));
        self.corrections.read_only.retain(|r| keep(&r.area));
        self.corrections.prose.retain(|r| keep(&r.area));
        self.corrections.responses.retain(|r| keep(&r.area));
        self.corrections
            .param_values
            .explicit
            .retain(|e| keep(&e.area));
        Ok(())
    }

    fn validate(&self, dir: &Path) -> Result<()> {
        let err = |file: &str, message: String| Error::Config {
            path: dir.join(file),
            message,
        };
        let name = &self.areas.crate_name;
        let ok = name.starts_with(|c: char| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if !ok {
            return Err(err(
                "areas.toml",
                format!("crate_name {name:?} must be a lowercase package name"),
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for a in &self.areas.areas {
            let ok = !a.name.is_empty()
                && a.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !ok {
                return Err(err(
                    "areas.toml",
                    format!("area name {:?} must be snake_case", a.name),
                ));
            }
            if !seen.insert(&a.name) {
                return Err(err("areas.toml", format!("area {:?} listed twice", a.name)));
            }
            // Each area is a cargo feature of the generated crate, beside these.
            if [
                "default", "registry", "redis", "shared", "models", "runtime",
            ]
            .contains(&a.name.as_str())
            {
                return Err(err(
                    "areas.toml",
                    format!("area name {:?} is taken by the generated crate (a feature or module of its own)", a.name),
                ));
            }
        }
        if let Some(w) = &self.areas.webhooks {
            let ok = !w.name.is_empty()
                && w.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !ok || seen.contains(&w.name) {
                return Err(err(
                    "areas.toml",
                    format!(
                        "[webhooks] name {:?} must be snake_case and differ from every area",
                        w.name
                    ),
                ));
            }
        }
        for p in &self.corrections.paths {
            if !seen.contains(&p.area) {
                return Err(err(
                    "corrections.toml",
                    format!("path correction names unknown area {:?}", p.area),
                ));
            }
        }
        for r in &self.corrections.read_only {
            if !seen.contains(&r.area) || r.values.is_empty() || r.quote.trim().is_empty() {
                return Err(err(
                    "corrections.toml",
                    format!(
                        "[[read_only]] {} {}: needs a known area, `values` and the `quote` it rests on",
                        r.area, r.operation
                    ),
                ));
            }
        }
        for o in &self.corrections.overlays {
            if !seen.contains(&o.area) {
                return Err(err(
                    "corrections.toml",
                    format!("[[overlay]] {} names unknown area {:?}", o.file, o.area),
                ));
            }
            if o.quote.trim().is_empty() || o.source.split_once(' ').is_none() {
                return Err(err(
                    "corrections.toml",
                    format!(
                        "[[overlay]] {}: `source` (\"METHOD path\") and `quote` say where the spec documents it",
                        o.file
                    ),
                ));
            }
        }
        for e in &self.corrections.param_values.explicit {
            if !seen.contains(&e.area) {
                return Err(err(
                    "corrections.toml",
                    format!("[[param_values.explicit]] names unknown area {:?}", e.area),
                ));
            }
            if e.values.is_empty() || e.values.iter().any(String::is_empty) {
                return Err(err(
                    "corrections.toml",
                    format!(
                        "[[param_values.explicit]] {} {:?}: values must be non-empty",
                        e.area, e.param
                    ),
                ));
            }
        }
        for area in self.naming.keys() {
            if area != MODEL_NAMES && !seen.contains(area) {
                return Err(err("naming.toml", format!("unknown area {area:?}")));
            }
        }
        for (id, name) in self.naming.get(MODEL_NAMES).into_iter().flatten() {
            if crate::naming::type_ident(name) != *name {
                return Err(err(
                    "naming.toml",
                    format!("[models] {id:?}: {name:?} is not an UpperCamelCase type name"),
                ));
            }
        }
        Ok(())
    }
}

/// The `paths` of an overlay fragment (YAML or JSON), hashed into the spec hash like every
/// config file.
fn read_overlay(
    dir: &Path,
    file: &str,
    raw: &mut Vec<(String, Vec<u8>)>,
) -> Result<serde_json::Map<String, serde_json::Value>> {
    let path = dir.join(file);
    let err = |message: String| Error::Config {
        path: path.clone(),
        message,
    };
    let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
    let value: serde_json::Value = serde_yaml::from_slice(&bytes)
        .map_err(|e| err(format!("not a YAML/JSON OpenAPI fragment: {e}")))?;
    let obj = value
        .as_object()
        .ok_or_else(|| err("an overlay is a mapping with `paths`".into()))?;
    if let Some(other) = obj.keys().find(|k| *k != "paths") {
        return Err(err(format!(
            "an overlay holds only `paths` (found {other:?}): schemas come from the spec"
        )));
    }
    let paths = obj
        .get("paths")
        .and_then(|p| p.as_object())
        .ok_or_else(|| err("an overlay needs a `paths` mapping".into()))?;
    raw.push((format!("specs/{file}"), bytes));
    Ok(paths.clone())
}

fn read_toml<T: serde::de::DeserializeOwned>(
    path: &Path,
    raw: &mut Vec<(String, Vec<u8>)>,
) -> Result<Option<T>> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(path, e)),
    };
    let text = String::from_utf8(bytes.clone()).map_err(|e| Error::Config {
        path: path.into(),
        message: e.to_string(),
    })?;
    let value = toml::from_str(&text).map_err(|e| Error::Config {
        path: path.into(),
        message: e.to_string(),
    })?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    raw.push((format!("specs/{name}"), bytes));
    Ok(Some(value))
}
