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
}

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
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ParamSummary {
    pub location: String,
    pub ty: String,
    pub required: bool,
    pub default: Option<String>,
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
                                let ps = ParamSummary {
                                    location: if p.location == ParamIn::Path {
                                        "path"
                                    } else {
                                        "query"
                                    }
                                    .into(),
                                    ty: match &p.enum_type {
                                        Some(e) => format!("enum {e}"),
                                        None => format!("{:?}", p.ty).to_lowercase(),
                                    },
                                    required: p.required,
                                    default: p.default.as_ref().map(|d| d.to_string()),
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
        ApiSummary { areas, models }
    }
}

/// The change report, Markdown; `None` when nothing changed.
pub fn changes(old: &ApiSummary, new: &ApiSummary) -> Option<String> {
    let mut out = String::new();
    let areas: std::collections::BTreeSet<&String> =
        old.areas.keys().chain(new.areas.keys()).collect();
    let empty = BTreeMap::new();
    for area in areas {
        let (o, n) = (
            old.areas.get(area).unwrap_or(&empty),
            new.areas.get(area).unwrap_or(&empty),
        );
        let mut lines = Vec::new();
        for (name, op) in n.iter().filter(|(k, _)| !o.contains_key(*k)) {
            let from = op
                .overlay
                .as_ref()
                .map(|o| format!(", from our overlay `{o}`: not in Ex Libris's spec"))
                .unwrap_or_default();
            lines.push(format!(
                "- added operation `{name}` (`{} {}`{from})",
                op.method, op.path
            ));
        }
        for (name, op) in o.iter().filter(|(k, _)| !n.contains_key(*k)) {
            lines.push(format!(
                "- removed operation `{name}` (`{} {}`)",
                op.method, op.path
            ));
        }
        for (name, a) in o {
            let Some(b) = n.get(name) else { continue };
            if (&a.method, &a.path) != (&b.method, &b.path) {
                lines.push(format!(
                    "- `{name}`: now `{} {}` (was `{} {}`)",
                    b.method, b.path, a.method, a.path
                ));
            }
            for (p, ps) in b.params.iter().filter(|(k, _)| !a.params.contains_key(*k)) {
                lines.push(format!(
                    "- `{name}`: added {} parameter `{p}` ({}{})",
                    ps.location,
                    ps.ty,
                    if ps.required { ", required" } else { "" }
                ));
            }
            for p in a.params.keys().filter(|k| !b.params.contains_key(*k)) {
                lines.push(format!("- `{name}`: removed parameter `{p}`"));
            }
            for (p, pa) in &a.params {
                let Some(pb) = b.params.get(p) else { continue };
                if pa.ty != pb.ty {
                    lines.push(format!(
                        "- `{name}`: parameter `{p}` is now {} (was {})",
                        pb.ty, pa.ty
                    ));
                }
                if pa.required != pb.required {
                    let now = if pb.required { "required" } else { "optional" };
                    lines.push(format!("- `{name}`: parameter `{p}` is now {now}"));
                }
                if pa.default != pb.default {
                    lines.push(format!(
                        "- `{name}`: parameter `{p}` default is now {} (was {})",
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
                    lines.push(format!(
                        "- `{name}`: {what} body is now {} (was {}){}",
                        y.as_deref().unwrap_or("none"),
                        x.as_deref().unwrap_or("none"),
                        if typed { " — newly typed" } else { "" }
                    ));
                }
            }
        }
        if !lines.is_empty() {
            out.push_str(&format!("\n### {area}\n\n{}\n", lines.join("\n")));
        }
    }
    let mut lines = Vec::new();
    for (name, m) in new
        .models
        .iter()
        .filter(|(k, _)| !old.models.contains_key(*k))
    {
        lines.push(format!(
            "- added model `{name}` ({}, {} fields)",
            m.source,
            m.fields.len()
        ));
    }
    for name in old.models.keys().filter(|k| !new.models.contains_key(*k)) {
        lines.push(format!("- removed model `{name}`"));
    }
    for (name, a) in &old.models {
        let Some(b) = new.models.get(name) else {
            continue;
        };
        for (f, t) in b.fields.iter().filter(|(k, _)| !a.fields.contains_key(*k)) {
            lines.push(format!("- `{name}`: added field `{f}`: {t}"));
        }
        for f in a.fields.keys().filter(|k| !b.fields.contains_key(*k)) {
            lines.push(format!("- `{name}`: removed field `{f}`"));
        }
        for (f, ta) in &a.fields {
            if let Some(tb) = b.fields.get(f) {
                if ta != tb {
                    lines.push(format!("- `{name}`: field `{f}` is now {tb} (was {ta})"));
                }
            }
        }
        if !a.path.is_empty() && a.path != b.path {
            lines.push(format!(
                "- `{name}`: moved to `alma_sdk::{}` (was `alma_sdk::{}`; `alma_sdk::models::{name}` is unchanged)",
                b.path, a.path
            ));
        }
        if a.source != b.source {
            lines.push(format!(
                "- `{name}`: now from {} (was {})",
                b.source, a.source
            ));
        }
    }
    if !lines.is_empty() {
        out.push_str(&format!("\n### models\n\n{}\n", lines.join("\n")));
    }
    (!out.is_empty()).then_some(out)
}
