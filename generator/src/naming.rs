//! Rust names: method names for operations, type and field names for models.
//!
//! Method names come from the HTTP method and the path, so they read like the API
//! (`get_user`, `list_holdings`, `create_item`) and stay stable when summaries are reworded.
//! Where two operations of an area would get the same name, the nearest parent resource is added
//! (`list_bib_loans`, `list_item_loans`); `specs/naming.toml` overrides the rule by hand.

use heck::{ToSnakeCase, ToUpperCamelCase};

use crate::ir::HttpMethod;

/// Rust keywords (strict and reserved) that cannot be used as plain identifiers.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "union", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// A snake_case identifier that is not a keyword (`type` → `type_`).
pub fn snake_ident(raw: &str) -> String {
    let mut s = raw.to_snake_case();
    if s.is_empty() {
        s = "field".into();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    if KEYWORDS.contains(&s.as_str()) {
        s.push('_');
    }
    s
}

/// An UpperCamelCase type name.
pub fn type_ident(raw: &str) -> String {
    let mut s = raw.to_upper_camel_case();
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, 'T');
    }
    if s == "Self" {
        s.push('_');
    }
    s
}

/// Rust variants for an enumeration's wire values, in order: UpperCamelCase, `Empty` for `""`,
/// and a trailing `_` where a name would clash with `Other` (the unknown-value case) or with an
/// earlier variant (`ACTIVE` and `Active`).
pub fn enum_values(wire: &[String]) -> Vec<crate::ir::EnumValue> {
    let mut used = std::collections::BTreeSet::new();
    wire.iter()
        .map(|v| {
            let mut variant = if v.is_empty() {
                "Empty".to_string()
            } else {
                type_ident(v)
            };
            if variant == "Other" {
                variant.push('_');
            }
            while !used.insert(variant.clone()) {
                variant.push('_');
            }
            crate::ir::EnumValue {
                wire: v.clone(),
                variant,
            }
        })
        .collect()
}

/// English singular of the last word of a snake_case noun (`libraries` → `library`).
pub fn singular(noun: &str) -> String {
    let (head, last) = match noun.rsplit_once('_') {
        Some((h, l)) => (format!("{h}_"), l),
        None => (String::new(), noun),
    };
    let one = if let Some(stem) = last.strip_suffix("ies") {
        format!("{stem}y")
    } else if ["sses", "ches", "shes", "xes"]
        .iter()
        .any(|s| last.ends_with(s))
    {
        last[..last.len() - 2].to_string()
    } else if last.ends_with("ss") || last.ends_with("us") || last.ends_with("is") {
        last.to_string()
    } else if let Some(stem) = last.strip_suffix('s') {
        stem.to_string()
    } else {
        last.to_string()
    };
    format!("{head}{one}")
}

fn is_plural(noun: &str) -> bool {
    singular(noun) != noun
}

/// The resource chain of a path: static segments below `/almaws/v1`, snake_cased, and whether
/// the path ends on a parameter (an item) or a static segment (a collection or singleton).
pub struct PathShape {
    pub nouns: Vec<String>,
    pub ends_with_param: bool,
}

pub fn path_shape(path: &str) -> PathShape {
    let segs: Vec<&str> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .skip_while(|s| {
            *s == "almaws" || s.starts_with('v') && s[1..].chars().all(|c| c.is_ascii_digit())
        })
        .collect();
    let nouns = segs
        .iter()
        .filter(|s| !s.starts_with('{'))
        .map(|s| s.to_snake_case())
        .filter(|s| !s.is_empty())
        .collect();
    PathShape {
        nouns,
        ends_with_param: segs.last().is_some_and(|s| s.starts_with('{')),
    }
}

/// Method name for an operation, qualified with `level` parent resources (0 = none). Returns
/// `None` when the path has fewer parents than `level`.
pub fn operation_name(method: HttpMethod, shape: &PathShape, level: usize) -> Option<String> {
    let (last, parents) = shape.nouns.split_last()?;
    // Parents, nearest first, skipping namespace segments that are not resources of their own.
    let quals: Vec<String> = parents.iter().rev().map(|p| singular(p)).collect();
    if level > quals.len() {
        return None;
    }
    let mut noun_parts: Vec<String> = quals[..level].iter().rev().cloned().collect();
    let item = shape.ends_with_param;
    let (verb, noun) = match (method, item) {
        (HttpMethod::Get, true) => ("get", singular(last)),
        (HttpMethod::Get, false) if is_plural(last) => ("list", last.clone()),
        (HttpMethod::Get, false) => ("get", last.clone()),
        (HttpMethod::Post, false) if is_plural(last) => ("create", singular(last)),
        (HttpMethod::Post, false) => ("post", last.clone()),
        (HttpMethod::Post, true) => ("operate_on", singular(last)),
        (HttpMethod::Put, true) => ("update", singular(last)),
        (HttpMethod::Put, false) => ("update", last.clone()),
        (HttpMethod::Delete, true) => ("delete", singular(last)),
        (HttpMethod::Delete, false) => ("delete", last.clone()),
    };
    noun_parts.push(noun);
    Some(format!("{verb}_{}", noun_parts.join("_")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn singulars() {
        assert_eq!(singular("libraries"), "library");
        assert_eq!(singular("code_tables"), "code_table");
        assert_eq!(singular("courses"), "course");
        assert_eq!(singular("addresses"), "address");
        assert_eq!(singular("open_hours"), "open_hour");
        assert_eq!(singular("general"), "general");
        assert_eq!(singular("status"), "status");
    }

    #[test]
    fn names_from_paths() {
        let n = |m, p| operation_name(m, &path_shape(p), 0).unwrap();
        assert_eq!(n(HttpMethod::Get, "/almaws/v1/users/{user_id}"), "get_user");
        assert_eq!(
            n(HttpMethod::Get, "/almaws/v1/bibs/{mms_id}/holdings"),
            "list_holdings"
        );
        assert_eq!(
            n(HttpMethod::Get, "/almaws/v1/conf/libraries"),
            "list_libraries"
        );
        assert_eq!(n(HttpMethod::Get, "/almaws/v1/conf/general"), "get_general");
        assert_eq!(n(HttpMethod::Post, "/almaws/v1/users"), "create_user");
        assert_eq!(
            n(HttpMethod::Put, "/almaws/v1/conf/open-hours"),
            "update_open_hours"
        );
        assert_eq!(
            n(HttpMethod::Delete, "/almaws/v1/acq/funds/{fund_id}"),
            "delete_fund"
        );
        let q = operation_name(
            HttpMethod::Get,
            &path_shape("/almaws/v1/bibs/{mms_id}/holdings/{holding_id}/items/{item_id}/loans"),
            1,
        );
        assert_eq!(q.as_deref(), Some("list_item_loans"));
        assert_eq!(
            operation_name(HttpMethod::Get, &path_shape("/almaws/v1/bibs"), 1),
            None
        );
    }

    #[test]
    fn identifiers() {
        assert_eq!(snake_ident("type"), "type_");
        assert_eq!(snake_ident("libraryCode"), "library_code");
        assert_eq!(snake_ident("notificationType"), "notification_type");
        assert_eq!(type_ident("code_table"), "CodeTable");
        assert_eq!(type_ident("3d"), "T3d");
    }
}
