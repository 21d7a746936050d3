//! The API surface in a stable, reviewable form (`generated/api-summary.json`), and the change
//! report between two of them (`generated/CHANGES.md`), which reviewers read before the code diff.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ir::{Api, BodyType, ModelKind, ParamIn, TypeRef};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ApiSummary {
    /// area → operation name → operation.
    pub areas: BTreeMap<String, BTreeMap<String, OpSummary>>,
    /// model name → model.
    pub models: BTreeMap<String, ModelSummary>,
    /// How the generator shapes the API where that decides what a change breaks (models
    /// `#[non_exhaustive]`, operations behind a feature): name → the convention in words.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub conventions: BTreeMap<String, String>,
}

/// The conventions of the generations that did not record them.
const LEGACY_CONVENTIONS: &[(&str, &str)] = &[
    (
        "models",
        "structs with public fields and a hidden `wire` field: build one with `..Default::default()`; \
         a field added is not a breaking change",
    ),
    (
        "operations",
        "compiled with every area: an area's feature brings the HTTP client",
    ),
];

/// The generator's conventions (see [`ApiSummary::conventions`]). Changing one is a breaking
/// change of the generated crate, reported as such.
pub const CONVENTIONS: &[(&str, &str)] = &[
    (
        "models",
        "structs with public fields and a hidden `wire` field: build one with `..Default::default()`; \
         a field added is not a breaking change",
    ),
    (
        "operations",
        "the client, the operations and their builders are behind the `client` feature (on by \
         default); models, enums and webhook payloads compile without it",
    ),
];

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OpSummary {
    pub method: String,
    pub path: String,
    /// parameter name → description of its type.
    pub params: BTreeMap<String, ParamSummary>,
    pub request: Option<String>,
    pub response: Option<String>,
    /// The overlay of ours it comes from, when Ex Libris's spec lacks it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overlay: Option<String>,
    /// Its documented error codes → the case of its error enum.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub errors: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ParamSummary {
    pub location: String,
    pub ty: String,
    pub required: bool,
    pub default: Option<String>,
    /// An enum parameter's values on the wire → their cases.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub values: BTreeMap<String, String>,
    /// Sent with this value by the method itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed: Option<String>,
    /// The choice it belongs to and the ways that send it (`ScanInItemCircDeskOrDepartment:
    /// Department`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choice: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelSummary {
    pub source: String,
    /// Where the type is defined (`users::models::User`, `shared::Item`).
    #[serde(default)]
    pub path: String,
    /// field (JSON key) → type, with `?` when optional.
    pub fields: BTreeMap<String, String>,
}

fn type_name(api: &Api, t: &TypeRef) -> String {
    match t {
        TypeRef::String => "string".into(),
        TypeRef::Integer => "integer".into(),
        TypeRef::Number => "number".into(),
        TypeRef::Boolean => "boolean".into(),
        TypeRef::CodeValue => "CodeValue".into(),
        TypeRef::Any => "any".into(),
        TypeRef::Model(id) => api
            .models
            .get(id)
            .map(|m| m.name.clone())
            .unwrap_or_else(|| id.clone()),
        TypeRef::Array(inner) => format!("[{}]", type_name(api, inner)),
    }
}

impl ApiSummary {
    pub fn new(api: &Api) -> ApiSummary {
        let body = |b: &Option<crate::ir::Body>| {
            b.as_ref().map(|b| match &b.ty {
                BodyType::Model(id) => api.models[id].name.clone(),
                BodyType::Opaque { .. } => "RawBody".into(),
            })
        };
        let areas = api
            .areas
            .iter()
            .map(|a| {
                let ops = a
                    .operations
                    .iter()
                    .map(|op| {
                        let params = op
                            .params
                            .iter()
                            .map(|p| {
                                let choice = p.choice.as_ref().map(|name| {
                                    let c = op.choices.iter().find(|c| &c.name == name);
                                    let ways: Vec<String> = c
                                        .map(|c| {
                                            c.variants
                                                .iter()
                                                .filter(|v| {
                                                    v.required.contains(&p.name)
                                                        || v.optional.contains(&p.name)
                                                })
                                                .map(|v| {
                                                    let req = if v.required.contains(&p.name) {
                                                        ""
                                                    } else {
                                                        "?"
                                                    };
                                                    format!("{}{req}", v.variant)
                                                })
                                                .collect()
                                        })
                                        .unwrap_or_default();
                                    if ways.is_empty() {
                                        format!("{name} (selects)")
                                    } else {
                                        format!("{name}: {}", ways.join(", "))
                                    }
                                });
                                let ps = ParamSummary {
                                    location: match p.location {
                                        ParamIn::Path => "path",
                                        ParamIn::Query => "query",
                                        ParamIn::Header => "header",
                                    }
                                    .into(),
                                    fixed: p.fixed.clone(),
                                    choice,
                                    ty: match &p.enum_type {
                                        Some(e) => format!("enum {e}"),
                                        None => format!("{:?}", p.ty).to_lowercase(),
                                    },
                                    required: p.required,
                                    default: p.default.as_ref().map(|d| d.to_string()),
                                    values: p
                                        .enum_type
                                        .as_ref()
                                        .and_then(|e| a.param_enums.iter().find(|pe| &pe.name == e))
                                        .map(|pe| {
                                            pe.values
                                                .iter()
                                                .map(|v| (v.wire.clone(), v.variant.clone()))
                                                .collect()
                                        })
                                        .unwrap_or_default(),
                                };
                                (p.name.clone(), ps)
                            })
                            .collect();
                        let s = OpSummary {
                            method: op.method.as_str().into(),
                            path: op.path.clone(),
                            params,
                            request: body(&op.request),
                            response: body(&op.response),
                            overlay: op.overlay.clone(),
                            errors: op
                                .errors
                                .iter()
                                .filter(|e| op.error_enum.is_some() && !e.variant.is_empty())
                                .map(|e| (e.code.clone(), e.variant.clone()))
                                .collect(),
                        };
                        (op.name.clone(), s)
                    })
                    .collect();
                (a.name.clone(), ops)
            })
            .collect();
        let models = api
            .models
            .values()
            .map(|m| {
                let fields = match &m.kind {
                    ModelKind::Struct { fields } => fields
                        .iter()
                        .map(|f| {
                            let opt = if f.required { "" } else { "?" };
                            (f.name.clone(), format!("{}{opt}", type_name(api, &f.ty)))
                        })
                        .collect(),
                    ModelKind::Enum { values } => values
                        .iter()
                        .map(|v| (v.wire.clone(), "enum value".to_string()))
                        .collect(),
                };
                let source = m.source.as_str();
                (
                    m.name.clone(),
                    ModelSummary {
                        source: source.into(),
                        path: m.rust_path(),
                        fields,
                    },
                )
            })
            .collect();
        let conventions = CONVENTIONS
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        ApiSummary {
            areas,
            models,
            conventions,
        }
    }
}

/// One line of the change report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub text: String,
    /// Code that compiled against the previous generation may not compile against this one
    /// (the semver rules cargo-semver-checks applies; `cargo xtask semver` holds us to them).
    pub breaking: bool,
}

/// What changed between two API summaries, by section (an area, `models`, `conventions`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    pub sections: Vec<(String, Vec<Change>)>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.sections.is_empty()
    }

    /// Whether any change breaks.
    pub fn breaking(&self) -> bool {
        self.all().any(|c| c.breaking)
    }

    pub fn all(&self) -> impl Iterator<Item = &Change> {
        self.sections.iter().flat_map(|(_, c)| c)
    }

    /// Markdown: a `###` section each, breaking lines marked **breaking**.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for (section, lines) in &self.sections {
            let lines: Vec<String> = lines
                .iter()
                .map(|c| {
                    if c.breaking {
                        format!("- {} — **breaking**", c.text)
                    } else {
                        format!("- {}", c.text)
                    }
                })
                .collect();
            out.push_str(&format!("\n### {section}\n\n{}\n", lines.join("\n")));
        }
        out
    }
}

/// Collects a section's lines.
#[derive(Default)]
struct Lines(Vec<Change>);

impl Lines {
    fn add(&mut self, text: String) {
        self.0.push(Change {
            text,
            breaking: false,
        });
    }

    fn breaks(&mut self, text: String) {
        self.0.push(Change {
            text,
            breaking: true,
        });
    }
}

/// The change report, Markdown; `None` when nothing changed.
pub fn changes(old: &ApiSummary, new: &ApiSummary) -> Option<String> {
    let c = diff(old, new);
    (!c.is_empty()).then(|| c.render())
}

/// What changed from `old` to `new`, each change judged breaking or not. A summary written by
/// an older generator lacks some details (error codes, enum values): those are compared only
/// when `old` has them.
pub fn diff(old: &ApiSummary, new: &ApiSummary) -> Changes {
    let mut out = Changes::default();
    let areas: std::collections::BTreeSet<&String> =
        old.areas.keys().chain(new.areas.keys()).collect();
    let empty = BTreeMap::new();
    for area in areas {
        let (o, n) = (
            old.areas.get(area).unwrap_or(&empty),
            new.areas.get(area).unwrap_or(&empty),
        );
        let mut lines = Lines::default();
        for (name, op) in n.iter().filter(|(k, _)| !o.contains_key(*k)) {
            let from = op
                .overlay
                .as_ref()
                .map(|o| format!(", from our overlay `{o}`: not in Ex Libris's spec"))
                .unwrap_or_default();
            lines.add(format!(
                "added operation `{name}` (`{} {}`{from})",
                op.method, op.path
            ));
        }
        for (name, op) in o.iter().filter(|(k, _)| !n.contains_key(*k)) {
            lines.breaks(format!(
                "removed operation `{name}` (`{} {}`)",
                op.method, op.path
            ));
        }
        for (name, a) in o {
            let Some(b) = n.get(name) else { continue };
            op_changes(name, a, b, &mut lines);
        }
        if !lines.0.is_empty() {
            out.sections.push((area.to_string(), lines.0));
        }
    }
    let mut lines = Lines::default();
    for (name, m) in new
        .models
        .iter()
        .filter(|(k, _)| !old.models.contains_key(*k))
    {
        lines.add(format!(
            "added model `{name}` ({}, {} fields)",
            m.source,
            m.fields.len()
        ));
    }
    for name in old.models.keys().filter(|k| !new.models.contains_key(*k)) {
        lines.breaks(format!("removed model `{name}`"));
    }
    for (name, a) in &old.models {
        let Some(b) = new.models.get(name) else {
            continue;
        };
        // A model has a hidden field (`wire`): struct literals take `..Default::default()`, so a
        // field added breaks nothing (nor does an enum value: model enums are non-exhaustive).
        for (f, t) in b.fields.iter().filter(|(k, _)| !a.fields.contains_key(*k)) {
            lines.add(format!("`{name}`: added field `{f}`: {t}"));
        }
        for f in a.fields.keys().filter(|k| !b.fields.contains_key(*k)) {
            lines.breaks(format!("`{name}`: removed field `{f}`"));
        }
        for (f, ta) in &a.fields {
            if let Some(tb) = b.fields.get(f) {
                if ta != tb {
                    lines.breaks(format!("`{name}`: field `{f}` is now {tb} (was {ta})"));
                }
            }
        }
        if !a.path.is_empty() && a.path != b.path {
            lines.breaks(format!(
                "`{name}`: moved to `alma_sdk::{}` (was `alma_sdk::{}`; `alma_sdk::models::{name}` is unchanged)",
                b.path, a.path
            ));
        }
        if a.source != b.source {
            lines.add(format!(
                "`{name}`: now from {} (was {})",
                b.source, a.source
            ));
        }
    }
    if !lines.0.is_empty() {
        out.sections.push(("models".into(), lines.0));
    }
    let mut lines = Lines::default();
    // A summary from before conventions were recorded had these; one without any on both
    // sides (built by hand, as in tests) has nothing to compare.
    let old_conventions: BTreeMap<String, String> = if new.conventions.is_empty() {
        BTreeMap::new()
    } else if old.conventions.is_empty() {
        LEGACY_CONVENTIONS
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    } else {
        old.conventions.clone()
    };
    let names: std::collections::BTreeSet<&String> = old_conventions
        .keys()
        .chain(new.conventions.keys())
        .collect();
    for k in names {
        match (old_conventions.get(k), new.conventions.get(k)) {
            (None, Some(b)) => lines.breaks(format!("{k}: {b}")),
            (Some(a), Some(b)) if a != b => lines.breaks(format!("{k}: {b} (was: {a})")),
            (Some(a), None) => lines.breaks(format!("{k}: no longer {a}")),
            _ => {}
        }
    }
    if !lines.0.is_empty() {
        out.sections.push(("conventions".into(), lines.0));
    }
    out
}

/// The changes of operation `name` that is in both generations.
fn op_changes(name: &str, a: &OpSummary, b: &OpSummary, lines: &mut Lines) {
    if (&a.method, &a.path) != (&b.method, &b.path) {
        // The method's signature stays; the request goes elsewhere.
        lines.add(format!(
            "`{name}`: now `{} {}` (was `{} {}`)",
            b.method, b.path, a.method, a.path
        ));
    }
    for (p, ps) in b.params.iter().filter(|(k, _)| !a.params.contains_key(*k)) {
        let text = format!(
            "`{name}`: added {} parameter `{p}` ({}{})",
            ps.location,
            ps.ty,
            if ps.required { ", required" } else { "" }
        );
        // A required parameter is an argument of the method; an optional one a new setter.
        if ps.required {
            lines.breaks(text);
        } else {
            lines.add(text);
        }
    }
    for p in a.params.keys().filter(|k| !b.params.contains_key(*k)) {
        lines.breaks(format!("`{name}`: removed parameter `{p}`"));
    }
    for (p, pa) in &a.params {
        let Some(pb) = b.params.get(p) else { continue };
        // A parameter the method now sends itself, or that moved into a choice, is reported
        // as that, not also as a change of its type or requiredness.
        let moved = pa.fixed != pb.fixed || pa.choice != pb.choice;
        if pa.ty != pb.ty && !moved {
            lines.breaks(format!(
                "`{name}`: parameter `{p}` is now {} (was {})",
                pb.ty, pa.ty
            ));
        } else if !pa.values.is_empty() && !moved {
            // The enum is `#[non_exhaustive]`: values added break nothing.
            for (v, case) in pb
                .values
                .iter()
                .filter(|(k, _)| !pa.values.contains_key(*k))
            {
                lines.add(format!(
                    "`{name}`: parameter `{p}` has a new value `{v}` ({case})"
                ));
            }
            for (v, case) in &pa.values {
                match pb.values.get(v) {
                    None => lines.breaks(format!(
                        "`{name}`: parameter `{p}` lost the value `{v}` ({case})"
                    )),
                    Some(c) if c != case => lines.breaks(format!(
                        "`{name}`: parameter `{p}`'s value `{v}` is now {c} (was {case})"
                    )),
                    Some(_) => {}
                }
            }
        }
        if pa.required != pb.required && !moved {
            let now = if pb.required { "required" } else { "optional" };
            lines.breaks(format!("`{name}`: parameter `{p}` is now {now}"));
        }
        if pa.fixed != pb.fixed {
            lines.breaks(match &pb.fixed {
                Some(v) => format!("`{name}`: parameter `{p}` is now sent by the method itself (`{p}={v}`, the only documented value)"),
                None => format!("`{name}`: parameter `{p}` is no longer sent by the method itself"),
            });
        }
        if pa.choice != pb.choice {
            lines.breaks(match &pb.choice {
                Some(c) => format!("`{name}`: parameter `{p}` now goes in {c}"),
                None => format!("`{name}`: parameter `{p}` is no longer part of a choice"),
            });
        }
        if pa.location != pb.location {
            lines.add(format!(
                "`{name}`: parameter `{p}` is now sent in the {} (was the {})",
                pb.location, pa.location
            ));
        }
        if pa.default != pb.default {
            lines.add(format!(
                "`{name}`: parameter `{p}` default is now {} (was {})",
                pb.default.as_deref().unwrap_or("none"),
                pa.default.as_deref().unwrap_or("none")
            ));
        }
    }
    for (what, x, y) in [
        ("request", &a.request, &b.request),
        ("response", &a.response, &b.response),
    ] {
        if x != y {
            let typed = matches!(x.as_deref(), Some("RawBody"))
                && y.as_deref().is_some_and(|t| t != "RawBody");
            lines.breaks(format!(
                "`{name}`: {what} body is now {} (was {}){}",
                y.as_deref().unwrap_or("none"),
                x.as_deref().unwrap_or("none"),
                if typed { " — newly typed" } else { "" }
            ));
        }
    }
    // Error codes, when the older summary has them (its enum is `#[non_exhaustive]`).
    if !a.errors.is_empty() {
        for (code, case) in b.errors.iter().filter(|(k, _)| !a.errors.contains_key(*k)) {
            lines.add(format!("`{name}`: documents error `{code}` ({case})"));
        }
        for (code, case) in &a.errors {
            match b.errors.get(code) {
                None => lines.breaks(format!(
                    "`{name}`: no longer documents error `{code}` ({case})"
                )),
                Some(c) if c != case => {
                    lines.breaks(format!("`{name}`: error `{code}` is now {c} (was {case})"))
                }
                Some(_) => {}
            }
        }
    }
}
