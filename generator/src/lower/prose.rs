//! What Ex Libris's prose says where the spec's flags say otherwise. The spec marks parameters
//! `required` that their descriptions call "Optional.", leaves optional those called
//! "Mandatory.", and says nothing of groups ("Send either this parameter or the department
//! parameter"), of parameters that go with one value of `op` ("Relevant for op=auth"), of a
//! password that may go in a header, or of a 204 answer. The prose and real Alma win: each
//! reading is a decision here, with the sentence it came from (`Operation::prose`), listed in
//! `codegen-report.json`; the emitters, the registry, the CLI and the local Alma only follow it.
//!
//! Rules, in order, per operation:
//! 1. `[[prose]]` entries of `specs/corrections.toml` decide a parameter whose prose the rules
//!    read ambiguously (each quotes the deciding sentence; stale when it is gone).
//! 2. Requiredness: "Optional." (or "optional", "Needed when …") on a required parameter makes
//!    it optional; a sentence "Mandatory." on an optional one makes it required. A path
//!    parameter stays required whatever its prose (it cannot be left out of the path): left.
//! 3. Either/or: "Send either this parameter or the X parameter" groups the two; "Only relevant
//!    when X parameter is sent" puts a parameter in X's variant.
//! 4. Conditions: "Relevant (and mandatory) for/if op=a,b" puts a parameter in the variants of
//!    those values; when `op` has several documented values, it becomes a choice of values,
//!    each carrying its parameters. With one value, the condition always holds.
//! 5. Secrets: a password whose prose says it may be sent "in the header named H" goes there.
//! 6. A required parameter with one documented value is sent by the method itself.
//! 7. "HTTP 204" in the operation's description: success has no content.

use std::collections::{BTreeMap, BTreeSet};

use crate::config::{ProseCorrection, ProseDecide};
use crate::error::Result;
use crate::ir::{Api, Choice, ChoiceVariant, Operation, Param, ParamIn, ProseDecision, ProseKind};
use crate::naming::{snake_ident, type_ident};

use super::prose_phrases::{
    either_with, header_named, relevance, says_alone, says_optional, sentence_with, Relevance,
};
use super::squash;

/// Runs the rules over every operation, then drops parameter enums no method takes any more
/// (a fixed `op`, a selector that became a choice).
pub fn apply(api: &mut Api, corrections: &[ProseCorrection]) -> Result<()> {
    let models: BTreeSet<String> = api.models.values().map(|m| m.name.clone()).collect();
    for area in &mut api.areas {
        let area_name = area.name.clone();
        let mut pending: Vec<(usize, Vec<Group>)> = Vec::new();
        for (i, op) in area.operations.iter_mut().enumerate() {
            let values = |p: &Param| -> Vec<String> {
                p.enum_type
                    .as_ref()
                    .and_then(|e| area.param_enums.iter().find(|pe| &pe.name == e))
                    .map(|pe| pe.values.iter().map(|v| v.wire.clone()).collect())
                    .unwrap_or_default()
            };
            let op_values: BTreeMap<String, Vec<String>> = op
                .params
                .iter()
                .map(|p| (p.name.clone(), values(p)))
                .collect();
            let groups = reconcile(&area_name, op, corrections, &op_values);
            pending.push((i, groups));
        }
        // Enums of parameters no method takes as themselves any more: fixed ones, selectors.
        for (i, groups) in &pending {
            let op = &mut area.operations[*i];
            let selectors: Vec<&str> = groups
                .iter()
                .filter_map(|g| g.selector.as_deref())
                .collect();
            for p in &mut op.params {
                if p.fixed.is_some() || selectors.contains(&p.name.as_str()) {
                    if let Some(e) = p.enum_type.take() {
                        if let Some(pe) = area.param_enums.iter_mut().find(|pe| pe.name == e) {
                            pe.operations.retain(|o| o != &op.name);
                        }
                    }
                }
            }
        }
        let still_used: BTreeSet<String> = area
            .operations
            .iter()
            .flat_map(|o| o.params.iter().filter_map(|p| p.enum_type.clone()))
            .collect();
        area.param_enums.retain(|pe| still_used.contains(&pe.name));
        // Choice names, unique in the module (models, builders, enums).
        let mut taken = models.clone();
        taken.extend(area.operations.iter().map(|o| type_ident(&o.name)));
        taken.extend(area.param_enums.iter().map(|pe| pe.name.clone()));
        for (i, groups) in pending {
            let op = &mut area.operations[i];
            for g in groups {
                let base = format!("{}{}", type_ident(&op.name), g.suffix);
                let mut name = base.clone();
                let mut n = 2;
                while !taken.insert(name.clone()) {
                    name = format!("{base}{n}");
                    n += 1;
                }
                for p in &mut op.params {
                    if p.choice.as_deref() == Some(g.key.as_str()) {
                        p.choice = Some(name.clone());
                    }
                }
                op.choices.push(Choice {
                    name,
                    arg: g.arg,
                    selector: g.selector,
                    variants: g.variants,
                });
            }
        }
    }
    Ok(())
}

/// Marks a choice of values' provisional key.
const SELECTOR_MARK: &str = "#selector";

/// A choice found in one operation, named once the area's names are known.
struct Group {
    /// Provisional key members carry in `Param::choice` until the choice is named.
    key: String,
    /// Appended to the builder's type name (`CircDeskOrDepartment`, `Op`).
    suffix: String,
    arg: String,
    selector: Option<String>,
    variants: Vec<ChoiceVariant>,
}

pub(super) fn decision(
    param: Option<&str>,
    kind: ProseKind,
    quote: String,
    from: &'static str,
) -> ProseDecision {
    ProseDecision {
        param: param.map(String::from),
        kind,
        quote,
        from,
        correction: false,
        reason: None,
    }
}

/// The `[[prose]]` entry for `p` of `op`, when its quote is still in the parameter's or the
/// operation's description.
pub(crate) fn correction_for<'c>(
    corrections: &'c [ProseCorrection],
    area: &str,
    op: &Operation,
    param: &str,
) -> Option<(&'c ProseCorrection, &'static str)> {
    let c = corrections
        .iter()
        .find(|c| c.area == area && c.operation == op.key() && c.param == param)?;
    let quote = squash(&c.quote);
    let in_param = op
        .params
        .iter()
        .find(|p| p.name == param)
        .and_then(|p| p.description.as_deref())
        .is_some_and(|d| squash(d).contains(&quote));
    if in_param {
        return Some((c, "parameter"));
    }
    op.description
        .as_deref()
        .is_some_and(|d| squash(d).contains(&quote))
        .then_some((c, "operation"))
}

/// The decisions for one operation; returns the choices it found, not yet named.
fn reconcile(
    area: &str,
    op: &mut Operation,
    corrections: &[ProseCorrection],
    values: &BTreeMap<String, Vec<String>>,
) -> Vec<Group> {
    let mut notes: Vec<ProseDecision> = Vec::new();
    let mut corrected: BTreeMap<String, ProseDecide> = BTreeMap::new();
    for p in &op.params {
        if let Some((c, from)) = correction_for(corrections, area, op, &p.name) {
            corrected.insert(p.name.clone(), c.decide.clone());
            let mut d = decision(
                Some(&p.name),
                match c.decide {
                    ProseDecide::Required if p.required => ProseKind::Condition,
                    ProseDecide::Required => ProseKind::OptionalToRequired,
                    ProseDecide::Fixed => ProseKind::Fixed,
                    ProseDecide::With(_) => ProseKind::Condition,
                },
                c.quote.clone(),
                from,
            );
            d.correction = true;
            d.reason = Some(c.why.clone());
            notes.push(d);
        }
    }

    // 2. Requiredness from the parameter's own prose.
    for p in &mut op.params {
        let Some(desc) = p.description.clone() else {
            continue;
        };
        if corrected.contains_key(&p.name) {
            continue;
        }
        if p.required {
            if let Some(q) = says_optional(&desc) {
                if p.location == ParamIn::Path {
                    let mut d = decision(Some(&p.name), ProseKind::Left, q, "parameter");
                    d.reason = Some(
                        "a path parameter cannot be left out of the path; the operation without it is another path".into(),
                    );
                    notes.push(d);
                } else {
                    p.required = false;
                    notes.push(decision(
                        Some(&p.name),
                        ProseKind::RequiredToOptional,
                        q,
                        "parameter",
                    ));
                }
            }
        } else if let Some(q) = says_alone(&desc, "mandatory") {
            p.required = true;
            notes.push(decision(
                Some(&p.name),
                ProseKind::OptionalToRequired,
                q,
                "parameter",
            ));
        } else if let Some(q) = sentence_with(&desc, "mandatory if the")
            .or_else(|| sentence_with(&desc, "mandatory when the"))
        {
            let mut d = decision(Some(&p.name), ProseKind::Left, q, "parameter");
            d.reason = Some(
                "the condition is on the request's content, which the parameters cannot see: left optional, Alma checks it".into(),
            );
            notes.push(d);
        }
    }

    let mut groups = Vec::new();

    // 3. Either/or groups.
    let mut pairs: Vec<(String, String)> = Vec::new();
    for p in &op.params {
        if let Some((other, q)) = p.description.as_deref().and_then(either_with) {
            if !op.params.iter().any(|o| o.name == other) {
                continue;
            }
            notes.push(decision(Some(&p.name), ProseKind::EitherOr, q, "parameter"));
            let key = (p.name.clone().min(other.clone()), p.name.clone().max(other));
            if !pairs.contains(&key) {
                pairs.push(key);
            }
        }
    }
    for (a, b) in pairs {
        // Members in the spec's order.
        let members: Vec<String> = op
            .params
            .iter()
            .filter(|p| p.name == a || p.name == b)
            .map(|p| p.name.clone())
            .collect();
        let key = format!("either:{}", members.join("|"));
        let mut variants: Vec<ChoiceVariant> = members
            .iter()
            .map(|m| ChoiceVariant {
                variant: type_ident(m),
                constructor: snake_ident(m),
                value: None,
                required: vec![m.clone()],
                optional: Vec::new(),
            })
            .collect();
        for p in &mut op.params {
            let with = match corrected.get(&p.name) {
                Some(ProseDecide::With(w)) => Some(w.clone()),
                _ => p
                    .description
                    .as_deref()
                    .and_then(relevance)
                    .and_then(|r| match r {
                        Relevance::With { param, quote } => {
                            notes.push(decision(
                                Some(&p.name),
                                ProseKind::Condition,
                                quote,
                                "parameter",
                            ));
                            Some(param)
                        }
                        _ => None,
                    }),
            };
            if let Some(v) =
                with.and_then(|w| variants.iter_mut().find(|v| v.required.contains(&w)))
            {
                v.optional.push(p.name.clone());
                p.required = false;
                p.choice = Some(key.clone());
            }
            if members.contains(&p.name) {
                p.required = false;
                p.choice = Some(key.clone());
            }
        }
        groups.push(Group {
            key,
            suffix: members
                .iter()
                .map(|m| type_ident(m))
                .collect::<Vec<_>>()
                .join("Or"),
            arg: members
                .iter()
                .map(|m| snake_ident(m))
                .collect::<Vec<_>>()
                .join("_or_"),
            selector: None,
            variants,
        });
    }

    // 4. Conditions on the value of `op`.
    let mut conditioned: Vec<(String, Vec<String>, bool)> = Vec::new();
    for p in &op.params {
        if p.choice.is_some() {
            continue;
        }
        if let Some(Relevance::Values {
            selector,
            values: vs,
            mandatory,
            quote,
        }) = p.description.as_deref().and_then(relevance)
        {
            if !op
                .params
                .iter()
                .any(|s| s.name == selector && s.location == ParamIn::Query)
            {
                continue;
            }
            notes.push(decision(
                Some(&p.name),
                ProseKind::Condition,
                quote,
                "parameter",
            ));
            let mandatory =
                mandatory || matches!(corrected.get(&p.name), Some(ProseDecide::Required));
            conditioned.push((p.name.clone(), vs, mandatory));
        }
    }
    if !conditioned.is_empty() {
        let selector_values = values.get("op").cloned().unwrap_or_default();
        if selector_values.len() >= 2 {
            let key = format!("values:op{SELECTOR_MARK}");
            let variants: Vec<ChoiceVariant> = selector_values
                .iter()
                .map(|v| {
                    let mut cv = ChoiceVariant {
                        variant: type_ident(v),
                        constructor: snake_ident(v),
                        value: Some(v.clone()),
                        required: Vec::new(),
                        optional: Vec::new(),
                    };
                    for (param, vs, mandatory) in &conditioned {
                        if vs.contains(v) {
                            if *mandatory {
                                cv.required.push(param.clone());
                            } else {
                                cv.optional.push(param.clone());
                            }
                        }
                    }
                    cv
                })
                .collect();
            for p in &mut op.params {
                if p.name == "op" || conditioned.iter().any(|(n, ..)| n == &p.name) {
                    // The selector stays required: every variant sends it.
                    if p.name != "op" {
                        p.required = false;
                    }
                    p.choice = Some(key.clone());
                }
            }
            groups.push(Group {
                key,
                suffix: "Op".into(),
                arg: "op".into(),
                selector: Some("op".into()),
                variants,
            });
        } else if selector_values.len() == 1 {
            // One value: the condition always holds.
            for (param, vs, mandatory) in &conditioned {
                if *mandatory && vs.contains(&selector_values[0]) {
                    if let Some(p) = op.params.iter_mut().find(|p| &p.name == param) {
                        if !p.required {
                            p.required = true;
                            let q = notes
                                .iter()
                                .rev()
                                .find(|d| d.param.as_deref() == Some(param.as_str()))
                                .map(|d| d.quote.clone())
                                .unwrap_or_default();
                            notes.push(decision(
                                Some(param),
                                ProseKind::OptionalToRequired,
                                q,
                                "parameter",
                            ));
                        }
                    }
                }
            }
        }
    }

    // Corrections that make a parameter required where it stands.
    for p in &mut op.params {
        if matches!(corrected.get(&p.name), Some(ProseDecide::Required)) {
            if p.choice.is_some() {
                for g in &mut groups {
                    for v in &mut g.variants {
                        if let Some(i) = v.optional.iter().position(|o| o == &p.name) {
                            v.optional.remove(i);
                            v.required.push(p.name.clone());
                        }
                    }
                }
            } else {
                p.required = true;
            }
        }
    }

    // 5. Secrets: in the header the prose names, else (left, with the reason) in the query.
    for p in &mut op.params {
        if !p.name.to_ascii_lowercase().contains("password") {
            continue;
        }
        p.secret = true;
        if let Some((header, q)) = p.description.as_deref().and_then(header_named) {
            p.location = ParamIn::Header;
            p.header = Some(header);
            p.url_encoded = q.to_ascii_lowercase().contains("url-encoded");
            notes.push(decision(
                Some(&p.name),
                ProseKind::SecretToHeader,
                q,
                "parameter",
            ));
        } else {
            let mut d = decision(
                Some(&p.name),
                ProseKind::Left,
                p.description.clone().unwrap_or_default(),
                "parameter",
            );
            d.reason = Some(
                "a secret the documentation lets go only in the query: sent there, hidden wherever printed"
                    .into(),
            );
            notes.push(d);
        }
    }

    // 6. One documented value: the method sends it.
    for p in &mut op.params {
        let fixed_by_correction = matches!(corrected.get(&p.name), Some(ProseDecide::Fixed));
        let vs = values.get(&p.name).map(Vec::as_slice).unwrap_or(&[]);
        if p.location == ParamIn::Query
            && p.choice.is_none()
            && vs.len() == 1
            && (p.required || fixed_by_correction)
        {
            p.required = true;
            p.fixed = Some(vs[0].clone());
            if !fixed_by_correction {
                let q = p
                    .description
                    .as_deref()
                    .and_then(|d| sentence_with(d, &vs[0]))
                    .unwrap_or_default();
                notes.push(decision(Some(&p.name), ProseKind::Fixed, q, "parameter"));
            }
        }
    }

    // 7. Success with no content.
    if let Some(q) = op
        .description
        .as_deref()
        .and_then(|d| sentence_with(d, "HTTP 204"))
    {
        op.no_content = true;
        op.response = None;
        notes.push(decision(None, ProseKind::NoContent, q, "operation"));
    }

    op.prose = notes;
    groups
}
