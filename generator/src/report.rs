//! The coverage report: `generated/codegen-report.json` for machines and the table in
//! `generated/README.md` (askama template `generator/templates/README.md`) for people.

use std::collections::{BTreeMap, BTreeSet};

use askama::Template;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::ir::{Api, BodyType, ParamIn, ScalarType};
use crate::source::Store;
use crate::write::File;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub crate_name: String,
    /// The crate docs' example (Rust lines, hidden ones starting with `# `).
    pub example: Vec<String>,
    pub generator_version: String,
    pub spec_sha256: String,
    pub areas: Vec<AreaReport>,
    pub totals: Totals,
    /// Every model, where it came from and which areas use it.
    pub models: Vec<ModelReport>,
    /// Schema files referenced by the specs but absent from the spec directory.
    pub missing_schema_files: Vec<String>,
    /// Every operation still untyped, with why.
    pub untyped_operations: Vec<UntypedOperation>,
    /// How query parameters are typed.
    pub query_params: QueryParams,
    /// Every enumerated query parameter type.
    pub param_enums: Vec<ParamEnumReport>,
    /// How each `limit`/`offset` list tells its records apart (`area.operation` → the
    /// identifying field's JSON path, or `content`; see `lower/record_ids.rs`).
    pub list_record_ids: BTreeMap<String, String>,
    /// Operations from overlays of ours (`area.operation` → the overlay file).
    pub overlay_operations: BTreeMap<String, String>,
    /// What each operation does to the records it addresses (`area.operation` →, see
    /// `lower/resources.rs`): what the local Alma and `alma batch` go by.
    pub resources: BTreeMap<String, crate::ir::Resource>,
    /// Where Ex Libris's prose overrules the spec's flags (`lower/prose.rs`): every decision
    /// with the sentence it came from, and what was read and deliberately left.
    pub prose: ProseReport,
}

/// The `prose` section of the report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ProseReport {
    /// Decisions by kind (`required→optional` …).
    pub counts: BTreeMap<&'static str, usize>,
    /// Every decision, by `area.operation`.
    pub decisions: BTreeMap<String, Vec<crate::ir::ProseDecision>>,
    /// The choices methods take (`area.operation` → the choices).
    pub choices: BTreeMap<String, Vec<crate::ir::Choice>>,
}

impl ProseReport {
    /// One line: `prose: 22 required→optional, 12 optional→required, …`.
    pub fn line(&self) -> String {
        let order = [
            crate::ir::ProseKind::RequiredToOptional,
            crate::ir::ProseKind::OptionalToRequired,
            crate::ir::ProseKind::EitherOr,
            crate::ir::ProseKind::Condition,
            crate::ir::ProseKind::Fixed,
            crate::ir::ProseKind::SecretToHeader,
            crate::ir::ProseKind::NoContent,
            crate::ir::ProseKind::Behaviour,
            crate::ir::ProseKind::Wildcard,
        ];
        let mut parts: Vec<String> = order
            .iter()
            .map(|k| {
                format!(
                    "{} {}",
                    self.counts.get(k.as_str()).copied().unwrap_or(0),
                    k.as_str()
                )
            })
            .collect();
        let choices: usize = self.choices.values().map(Vec::len).sum();
        parts.push(format!("{choices} choices as types"));
        let left = self
            .counts
            .get(crate::ir::ProseKind::Left.as_str())
            .copied()
            .unwrap_or(0);
        format!(
            "prose: {}; {left} left as the spec says (reasons in codegen-report.json)",
            parts.join(", ")
        )
    }
}

/// Query parameters (one per operation and name) by Rust type.
#[derive(Debug, Clone, Default, Serialize)]
pub struct QueryParams {
    pub total: usize,
    pub boolean: usize,
    pub integer: usize,
    pub number: usize,
    /// Enumerated, by where the values were read (`schema`, `description`, `correction`).
    pub enumerated: BTreeMap<&'static str, usize>,
    pub enumerated_total: usize,
    pub string: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct ParamEnumReport {
    pub area: String,
    pub name: String,
    pub param: String,
    pub values: Vec<String>,
    pub source: &'static str,
    pub operations: Vec<String>,
}

/// An operation with a body that has no model.
#[derive(Debug, Clone, Serialize)]
pub struct UntypedOperation {
    pub area: String,
    pub method: String,
    /// `METHOD path` as written upstream.
    pub operation: String,
    /// One cause per untyped body: `request: model unpublished (rest_x)` or `response: the
    /// spec gives no schema`.
    pub causes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AreaReport {
    pub name: String,
    pub title: String,
    pub operations: usize,
    pub typed_operations: usize,
    pub models: usize,
    pub unresolved_refs: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Totals {
    pub operations: usize,
    pub typed_operations: usize,
    pub models: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct ModelReport {
    pub name: String,
    pub schema: String,
    pub source: &'static str,
    pub areas: Vec<String>,
}

impl Report {
    pub fn new(api: &Api, store: &Store) -> Report {
        let areas: Vec<AreaReport> = api
            .areas
            .iter()
            .map(|a| AreaReport {
                name: a.name.clone(),
                title: a.title.clone(),
                operations: a.operations.len(),
                typed_operations: a.operations.iter().filter(|o| o.is_typed()).count(),
                models: api
                    .models
                    .values()
                    .filter(|m| m.areas.contains(&a.name))
                    .count(),
                unresolved_refs: a.unresolved_refs.keys().cloned().collect(),
            })
            .collect();
        let totals = Totals {
            operations: areas.iter().map(|a| a.operations).sum(),
            typed_operations: areas.iter().map(|a| a.typed_operations).sum(),
            models: api.models.len(),
        };
        let mut models: Vec<ModelReport> = api
            .models
            .values()
            .map(|m| ModelReport {
                name: m.name.clone(),
                schema: m.id.clone(),
                source: m.source.as_str(),
                areas: m.areas.clone(),
            })
            .collect();
        models.sort_by(|a, b| a.name.cmp(&b.name));
        let mut untyped_operations = Vec::new();
        for a in &api.areas {
            for op in a.operations.iter().filter(|o| !o.is_typed()) {
                let causes = [("request", &op.request), ("response", &op.response)]
                    .into_iter()
                    .filter_map(|(which, b)| match &b.as_ref()?.ty {
                        BodyType::Model(_) => None,
                        BodyType::Opaque {
                            unresolved_ref: Some(r),
                        } => {
                            let file = r.rsplit('/').next().unwrap_or(r);
                            let file = file.split(['.', '#']).next().unwrap_or(file);
                            Some(format!("{which}: model unpublished (`{file}`)"))
                        }
                        BodyType::Opaque {
                            unresolved_ref: None,
                        } => Some(format!(
                            "{which}: the spec gives no schema (free-form object, file or test endpoint)"
                        )),
                    })
                    .collect();
                untyped_operations.push(UntypedOperation {
                    area: a.name.clone(),
                    method: op.name.clone(),
                    operation: op.key(),
                    causes,
                });
            }
        }
        let mut query_params = QueryParams::default();
        let mut param_enums = Vec::new();
        for a in &api.areas {
            for p in a.operations.iter().flat_map(|o| &o.params) {
                if p.location != ParamIn::Query {
                    continue;
                }
                query_params.total += 1;
                let e = p
                    .enum_type
                    .as_ref()
                    .and_then(|t| a.param_enums.iter().find(|e| &e.name == t));
                match (e, p.ty) {
                    (Some(e), _) => {
                        *query_params
                            .enumerated
                            .entry(e.source.as_str())
                            .or_default() += 1;
                        query_params.enumerated_total += 1;
                    }
                    (None, ScalarType::Boolean) => query_params.boolean += 1,
                    (None, ScalarType::Integer) => query_params.integer += 1,
                    (None, ScalarType::Number) => query_params.number += 1,
                    (None, ScalarType::String) => query_params.string += 1,
                }
            }
            param_enums.extend(a.param_enums.iter().map(|e| ParamEnumReport {
                area: a.name.clone(),
                name: e.name.clone(),
                param: e.param.clone(),
                values: e.values.iter().map(|v| v.wire.clone()).collect(),
                source: e.source.as_str(),
                operations: e.operations.clone(),
            }));
        }
        let mut list_record_ids = BTreeMap::new();
        let mut overlay_operations = BTreeMap::new();
        let mut resources = BTreeMap::new();
        let mut prose = ProseReport::default();
        for a in &api.areas {
            for op in &a.operations {
                let key = format!("{}.{}", a.name, op.name);
                for d in &op.prose {
                    // An either/or group is counted once per group, not per member.
                    if d.kind != crate::ir::ProseKind::EitherOr {
                        *prose.counts.entry(d.kind.as_str()).or_default() += 1;
                    }
                }
                let groups = op.choices.iter().filter(|c| c.selector.is_none()).count();
                if groups > 0 {
                    *prose
                        .counts
                        .entry(crate::ir::ProseKind::EitherOr.as_str())
                        .or_default() += groups;
                }
                if !op.prose.is_empty() {
                    prose.decisions.insert(key.clone(), op.prose.clone());
                }
                if !op.choices.is_empty() {
                    prose.choices.insert(key.clone(), op.choices.clone());
                }
                resources.insert(format!("{}.{}", a.name, op.name), op.resource.clone());
                if let Some(o) = &op.overlay {
                    overlay_operations.insert(format!("{}.{}", a.name, op.name), o.clone());
                }
                match &op.pagination {
                    Some(crate::ir::Pagination::OffsetLimit { id, .. }) => {
                        let by = id.as_ref().map_or("content", |id| id.json_path.as_str());
                        list_record_ids.insert(format!("{}.{}", a.name, op.name), by.to_owned());
                    }
                    Some(crate::ir::Pagination::RawOffsetLimit) => {
                        list_record_ids.insert(format!("{}.{}", a.name, op.name), "content".into());
                    }
                    _ => {}
                }
            }
        }
        Report {
            prose,
            list_record_ids,
            overlay_operations,
            resources,
            crate_name: api.crate_name.clone(),
            example: crate::emit::example_lines(api),
            generator_version: api.generator_version.clone(),
            spec_sha256: api.spec_sha256.clone(),
            areas,
            totals,
            models,
            missing_schema_files: store
                .missing
                .iter()
                .cloned()
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
            untyped_operations,
            query_params,
            param_enums,
        }
    }

    /// Typed share in percent, one decimal.
    pub fn typed_percent(typed: usize, total: usize) -> String {
        if total == 0 {
            return "–".into();
        }
        format!("{:.1}%", typed as f64 * 100.0 / total as f64)
    }

    pub fn files(&self) -> Result<Vec<File>> {
        let json = serde_json::to_string_pretty(self).map_err(|e| Error::Emit {
            file: "codegen-report.json".into(),
            message: e.to_string(),
        })?;
        let readme = ReadmeTemplate { r: self }
            .render()
            .map_err(|e| Error::Emit {
                file: "README.md".into(),
                message: e.to_string(),
            })?;
        Ok(vec![
            File {
                path: "codegen-report.json".into(),
                contents: json + "\n",
            },
            File {
                path: "README.md".into(),
                contents: readme,
            },
        ])
    }
}

#[derive(Template)]
#[template(path = "README.md", escape = "none")]
struct ReadmeTemplate<'a> {
    r: &'a Report,
}

impl ReadmeTemplate<'_> {
    /// The DO NOT EDIT header (the generator's, as every generated file has it), as an HTML
    /// comment: the template holds no copy of it.
    fn header(&self) -> String {
        format!(
            "<!-- DO NOT EDIT. Generated by alma-codegen {} (`cargo xtask codegen`). -->\n<!-- Spec inputs sha256: {} -->",
            self.r.generator_version, self.r.spec_sha256
        )
    }

    fn pct(&self, typed: &usize, total: &usize) -> String {
        Report::typed_percent(*typed, *total)
    }
}
