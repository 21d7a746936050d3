//! Query parameters whose values are enumerated become open enums (`Other(String)` keeps any
//! value the SDK does not know, so a list read from prose can never stop a caller).
//!
//! Values come, in this order of precedence, from the parameter schema's `enum`, from an entry in
//! `[[param_values.explicit]]` of `specs/corrections.toml`, or from the description when it lists
//! them in one of the phrasings [`read_description`] knows. Parameters holding a comma-separated
//! list (`expand`) stay strings: an enum would allow one value only.
//!
//! Naming: the values a parameter takes in one area form one type when every operation with that
//! parameter agrees (`bibs::Direction`); otherwise each set is named after the first operation
//! using it (`users::OperateOnFeeOp`), as is a set used by one operation only. A name that would
//! clash with a model or a request builder gets a `Param` suffix.

use std::collections::{BTreeMap, BTreeSet};

use crate::config::{ExplicitValues, ParamValues};
use crate::ir::{Api, Operation, Param, ParamEnum, ParamIn, ScalarType, ValuesSource};
use crate::naming::{enum_values, type_ident};

pub fn assign(api: &mut Api, cfg: &ParamValues) {
    let models: BTreeSet<String> = api.models.values().map(|m| m.name.clone()).collect();
    for area in &mut api.areas {
        // Names in the area's module (builders, enums) and model names, which users import
        // beside them.
        let mut taken = models.clone();
        taken.extend(area.operations.iter().map(|o| type_ident(&o.name)));
        // (parameter, values as a set) → (values in first-seen order, source, doc, users).
        type Group = (
            Vec<String>,
            ValuesSource,
            Option<String>,
            Vec<(usize, usize)>,
        );
        let mut groups: BTreeMap<(String, BTreeSet<String>), Group> = BTreeMap::new();
        for (oi, op) in area.operations.iter().enumerate() {
            for (pi, p) in op.params.iter().enumerate() {
                let Some((values, source)) = values_of(cfg, &area.name, op, p) else {
                    continue;
                };
                let key = (p.name.clone(), values.iter().cloned().collect());
                let g = groups
                    .entry(key)
                    .or_insert_with(|| (values, source, p.description.clone(), Vec::new()));
                g.3.push((oi, pi));
            }
        }
        let mut sets_per_param: BTreeMap<&str, usize> = BTreeMap::new();
        for (param, _) in groups.keys() {
            *sets_per_param.entry(param).or_default() += 1;
        }
        let mut enums = Vec::new();
        let mut assigned = Vec::new();
        for ((param, _), (values, source, doc, users)) in &groups {
            let mut ops: Vec<String> = users
                .iter()
                .map(|&(oi, _)| area.operations[oi].name.clone())
                .collect();
            ops.sort();
            ops.dedup();
            let shared = sets_per_param[param.as_str()] == 1 && ops.len() > 1;
            let base = if shared {
                type_ident(param)
            } else {
                type_ident(&format!("{}_{param}", ops[0]))
            };
            let mut name = base.clone();
            for n in 1.. {
                if !taken.contains(&name) {
                    break;
                }
                name = match n {
                    1 => format!("{base}Param"),
                    _ => format!("{base}Param{n}"),
                };
            }
            taken.insert(name.clone());
            assigned.extend(users.iter().map(|&u| (u, name.clone())));
            enums.push(ParamEnum {
                name,
                param: param.clone(),
                doc: doc.clone(),
                values: enum_values(values),
                source: *source,
                operations: ops,
            });
        }
        for ((oi, pi), name) in assigned {
            area.operations[oi].params[pi].enum_type = Some(name);
        }
        enums.sort_by(|a, b| a.name.cmp(&b.name));
        area.param_enums = enums;
    }
}

/// The values `p` of `op` takes, and where they were read, if it is an enumerated query string.
fn values_of(
    cfg: &ParamValues,
    area: &str,
    op: &Operation,
    p: &Param,
) -> Option<(Vec<String>, ValuesSource)> {
    if p.location != ParamIn::Query || p.ty != ScalarType::String {
        return None;
    }
    if !p.schema_enum.is_empty() {
        return Some((p.schema_enum.clone(), ValuesSource::Schema));
    }
    if let Some(e) = cfg.explicit.iter().find(|e| applies(e, area, op, p)) {
        return Some((e.values.clone(), ValuesSource::Correction));
    }
    if !cfg.from_descriptions {
        return None;
    }
    read_description(p.description.as_deref()?).map(|v| (v, ValuesSource::Description))
}

/// `e` names parameter `p` of `op` in `area`.
pub(crate) fn applies(e: &ExplicitValues, area: &str, op: &Operation, p: &Param) -> bool {
    e.area == area
        && e.param == p.name
        && (e.operations.is_empty() || e.operations.contains(&op.key()))
}

/// Phrasings that introduce a closed list of values, longest first so that a longer one wins
/// where two start at the same place. `skip_to_colon` phrasings name a subject before the list
/// (`Method for handling a Bib record left without holdings: retain, delete or suppress`); only
/// "only option" phrasings may list a single value.
const LEADS: &[(&str, bool, usize)] = &[
    ("ordering may be selected by", false, 2),
    ("sort options are available", true, 2),
    ("the supported operations are", false, 2),
    ("method for handling", true, 2),
    ("possible values are", false, 2),
    ("possible values", false, 2),
    ("optional values", false, 2),
    ("valid values are", false, 2),
    ("valid values", false, 2),
    ("only option is", false, 1),
    ("choose between", false, 2),
    ("options are", false, 2),
    ("may be", false, 2),
];

/// Phrasings that put the list before a verb: `Currently only next_step is supported`,
/// `Currently op=auth or op=refresh are supported`, `The operation op=run is supported`.
const SUPPORTED_LEADS: &[&str] = &["currently only", "currently", "the operation"];

/// The values a description lists, when it lists them in a phrasing we read and every item is a
/// plain token (`mark_in_erp`, `ALL_WITH_CLOSED`, `failed-login-attempts`). Anything else — code
/// table references, ranges (`0-100`), prose — gives `None`, and the parameter stays a string.
pub(crate) fn read_description(desc: &str) -> Option<Vec<String>> {
    let lower = desc.to_ascii_lowercase();
    if lower.contains("comma separated") || lower.contains("comma-separated") {
        return None;
    }
    let text = without_parentheses(desc);
    let lower = text.to_ascii_lowercase();
    for &(lead, skip_to_colon, min) in LEADS {
        let Some(at) = find_word(&lower, lead).next() else {
            continue;
        };
        let mut rest = &text[at + lead.len()..];
        if skip_to_colon {
            rest = &rest[rest.find(':')? + 1..];
        }
        let rest = rest.trim_start().trim_start_matches(':');
        return tokens(sentence(rest), min);
    }
    for lead in SUPPORTED_LEADS {
        for at in find_word(&lower, lead) {
            let rest = &text[at + lead.len()..];
            let Some(end) = [" is supported", " are supported"]
                .iter()
                .filter_map(|v| rest.find(v))
                .min()
            else {
                continue;
            };
            if let Some(values) = tokens(&rest[..end], 1) {
                return Some(values);
            }
        }
    }
    None
}

/// Where `lead` occurs at word boundaries in `lower`.
fn find_word<'a>(lower: &'a str, lead: &'a str) -> impl Iterator<Item = usize> + 'a {
    lower.match_indices(lead).map(|(i, _)| i).filter(move |&i| {
        let before = lower[..i].chars().next_back();
        let after = lower[i + lead.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// `desc` without parenthesised asides (`desc (default) or asc`).
fn without_parentheses(desc: &str) -> String {
    let mut out = String::with_capacity(desc.len());
    let mut depth = 0usize;
    for c in desc.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// Up to the end of the sentence: a `.` or `;` followed by a space or the end.
fn sentence(s: &str) -> &str {
    let b = s.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        if (c == b'.' || c == b';') && b.get(i + 1).is_none_or(|n| n.is_ascii_whitespace()) {
            return &s[..i];
        }
    }
    s
}

/// `a, b and c` / `'a' or 'b'` / `full / brief` / `op=a or op=b` → the items, if there are at least
/// `min` and each is a plain token.
fn tokens(list: &str, min: usize) -> Option<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for piece in list.split([',', '/']) {
        for item in piece.split(" or ").flat_map(|s| s.split(" and ")) {
            let item = item.trim();
            let item = item
                .strip_prefix("or ")
                .or_else(|| item.strip_prefix("and "))
                .unwrap_or(item)
                .trim()
                .trim_matches(|c| c == '\'' || c == '"' || c == '`');
            let item = item.strip_prefix("op=").unwrap_or(item);
            if item.is_empty() {
                continue;
            }
            let plain = item.starts_with(|c: char| c.is_ascii_alphabetic())
                && item
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if !plain {
                return None;
            }
            if !out.iter().any(|v| v == item) {
                out.push(item.to_string());
            }
        }
    }
    (out.len() >= min).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::read_description as read;

    fn v(items: &[&str]) -> Option<Vec<String>> {
        Some(items.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn lists_in_each_phrasing() {
        let cases: &[(&str, &[&str])] = &[
            ("License status. Optional. Valid values are ACTIVE, DELETED, DRAFT. Unless specified.", &["ACTIVE", "DELETED", "DRAFT"]),
            ("Set type for filtering. Optional. Valid values are 'ITEMIZED' or 'LOGICAL'.", &["ITEMIZED", "LOGICAL"]),
            ("Vendor Status. Optional. Valid values: active, inactive", &["active", "inactive"]),
            ("Currently, the options are 'mark_in_erp', 'paid', 'process_invoice' or 'rejected'", &["mark_in_erp", "paid", "process_invoice", "rejected"]),
            ("The operation. Possible values are approve or reject", &["approve", "reject"]),
            ("The view format, possible values: full / brief (used for vendors). Default is full", &["full", "brief"]),
            ("The mode for currency display. May be ALL, Subset or Ratio. ALL by default.", &["ALL", "Subset", "Ratio"]),
            ("Method for handling a Bib record left without any holdings: retain, delete or suppress. Optional.", &["retain", "delete", "suppress"]),
            ("A few sort options are available (only one can be sent): loan_date, due_date and return_date (relevant only for historical loans). A secondary", &["loan_date", "due_date", "return_date"]),
            ("The logical operator. Choose between AND, OR, NOT. Default is AND. Optional", &["AND", "OR", "NOT"]),
            ("Options are CREDIT_CARD, ONLINE, or CASH", &["CREDIT_CARD", "ONLINE", "CASH"]),
            ("Optional values: all, true and failed-login-attempts. optional.", &["all", "true", "failed-login-attempts"]),
            ("The operation that is to be performed. Currently, only option is: scan.", &["scan"]),
            ("Mandatory. Currently only next_step is supported.", &["next_step"]),
            ("Mandatory. Currently op=auth or op=refresh are supported.  The default is auth.", &["auth", "refresh"]),
            ("Mandatory. Currently submit and withdraw are supported.", &["submit", "withdraw"]),
            ("The operation op=run is supported.", &["run"]),
            ("The operation to perform on the import profile. The operation op=run is supported.", &["run"]),
            ("For filtering jobs by their type. Optional. Possible values are MANUAL/SCHEDULED/OTHER. If no type", &["MANUAL", "SCHEDULED", "OTHER"]),
        ];
        for (desc, want) in cases {
            assert_eq!(read(desc), v(want), "{desc}");
        }
    }

    #[test]
    fn prose_ranges_and_code_tables_stay_strings() {
        for desc in [
            "Limits the number of results. Optional. Valid values are 0-100. Default value: 10.",
            "Type for filtering. Optional. Valid values are from the IntegrationTypes code table",
            "License review status. Optional. Valid values are ALL, and the listed values in LicenseReviewStatuses code table.",
            "Owning Library. Optional. Possible values are valid library values",
            "Status. Possible values according to PurchaseRequestStatus code table",
            "Comma separated list of values for expansion of results. Possible values: 'renewable'",
            "Three options are available: loans-Include the total number of loans; requests-Include",
            "The sort direction of desc (default) or asc.",
            "Possible values: full - full User object will be returned. brief - only core",
            "A unique identifier for the user",
            "Currently supported: due_date_policy, due_date",
        ] {
            assert_eq!(read(desc), None, "{desc}");
        }
    }

    #[test]
    fn one_value_needs_an_only_or_supported_phrasing() {
        assert_eq!(read("Valid values are ACTIVE."), None);
        assert_eq!(
            read("Currently, the only option is 'receive'"),
            v(&["receive"])
        );
    }
}
