//! What each operation does to the records it addresses ([`Resource`]), from its method and the
//! shape of its path among its area's paths: the local Alma (`alma-sim`) serves every operation
//! from this, and `alma batch` edits through it. A path that ends in a parameter addresses one
//! record of the collection above it; a path that some other path extends with a parameter is a
//! collection; any other path is a single thing (`/conf/general`).
//!
//! Also decided here, per operation:
//! - the JSON key of a list's records, and the JSON path of a record's identifier (the rule of
//!   `record_ids.rs`: the item path's parameter, its generic form, the record's own id names);
//! - for each path parameter, the error Alma gives when it names no record: a documented code
//!   whose message says something is missing and names the parameter's resource ("User with
//!   identifier X was not found" for `users/{user_id}`), from the operation, else from the
//!   operations on that resource, else a general error (marked undocumented);
//! - for a PUT, the GET of the same record when the two make a typed GET → PUT pair with no
//!   required query parameter (`update_*_with`).

use std::collections::BTreeSet;

use crate::ir::{
    Api, Area, BodyType, ErrorCode, HttpMethod, ModelKind, NotFound, Operation, Pagination,
    ParamIn, Resource, Role, TypeRef,
};

/// What Alma answers for an id no operation documents a code for.
const GENERAL_ERROR: (&str, &str) = (
    "401652",
    "General Error - An error has occurred while processing the request.",
);

pub(super) fn assign(api: &mut Api) {
    let mut decided = Vec::new();
    for (a, area) in api.areas.iter().enumerate() {
        let paths: BTreeSet<&str> = area.operations.iter().map(|o| o.path.as_str()).collect();
        for (o, op) in area.operations.iter().enumerate() {
            decided.push((a, o, resource(api, area, &paths, op)));
        }
    }
    for (a, o, r) in decided {
        api.areas[a].operations[o].resource = r;
    }
}

/// `{name}` when `segment` is a path parameter.
fn param_of(segment: &str) -> Option<&str> {
    segment.strip_prefix('{')?.strip_suffix('}')
}

/// A path with its parameters' names left out (`/items/{}/loans`): upstream names one segment
/// differently in sibling paths (`…/items/{item_id}/loans`, `…/items/{item_pid}/loans/{loan_id}`).
pub(crate) fn shape(path: &str) -> String {
    path.split('/')
        .map(|s| if param_of(s).is_some() { "{}" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

/// The parameter of the item paths directly below `path` (`/users` → `user_id`), if any.
fn item_param<'p>(paths: &BTreeSet<&'p str>, path: &str) -> Option<&'p str> {
    let path = shape(path);
    paths.iter().find_map(|p| {
        let (parent, last) = p.rsplit_once('/')?;
        (shape(parent) == path).then(|| param_of(last))?
    })
}

fn resource(api: &Api, area: &Area, paths: &BTreeSet<&str>, op: &Operation) -> Resource {
    let last = op.path.rsplit('/').next().unwrap_or("");
    let own_param = param_of(last);
    let below = item_param(paths, &op.path);
    // A POST to a collection that must say `op=…` acts on records; it creates none.
    let acts = op
        .params
        .iter()
        .any(|p| p.name == "op" && p.required && p.location == ParamIn::Query);
    let role = match (op.method, own_param.is_some(), below.is_some()) {
        (HttpMethod::Post, false, true) if acts => Role::Post,
        (HttpMethod::Get, true, _) => Role::Read,
        (HttpMethod::Put, true, _) => Role::Update,
        (HttpMethod::Delete, true, _) => Role::Delete,
        (HttpMethod::Post, true, _) => Role::Act,
        (HttpMethod::Get, false, true) => Role::List,
        (HttpMethod::Post, false, true) => Role::Create,
        (HttpMethod::Get, false, false) => Role::Get,
        (HttpMethod::Put, false, false) => Role::Put,
        (HttpMethod::Delete, false, false) => Role::Remove,
        (HttpMethod::Post, false, false) => Role::Post,
        // PUT or DELETE of a whole collection: the thing at that path.
        (HttpMethod::Put, false, true) => Role::Put,
        (HttpMethod::Delete, false, true) => Role::Remove,
    };
    fn model(b: &Option<crate::ir::Body>) -> Option<&str> {
        match b.as_ref().map(|b| &b.ty) {
            Some(BodyType::Model(id)) => Some(id.as_str()),
            _ => None,
        }
    }
    let (items_key, record_model) = match role {
        Role::List => list_items(api, op),
        Role::Create | Role::Read | Role::Act => (None, model(&op.response)),
        Role::Update => (None, model(&op.response).or(model(&op.request))),
        _ => (None, None),
    };
    // The parameter the record is addressed by: the operation's own, or the item path's.
    let id_param = own_param.or(below);
    let record_id = match role {
        Role::List | Role::Create | Role::Read | Role::Update | Role::Act => record_model
            .and_then(|m| {
                super::record_ids::id_of(api, m, id_param).or_else(|| {
                    // "The PO-Line number.": the parameter is the record's `number`.
                    let says_number = id_param
                        .and_then(|p| op.params.iter().find(|q| q.name == p))
                        .and_then(|p| p.description.as_deref())
                        .is_some_and(|d| d.trim().trim_end_matches('.').ends_with(" number"));
                    says_number
                        .then(|| super::record_ids::find_field(api, m, "number"))
                        .flatten()
                })
            })
            .map(|id| id.json_path),
        _ => None,
    };
    let not_found = path_params(&op.path)
        .map(|(template, segment, param)| not_found(area, op, template, segment, param))
        .collect();
    // The record a parameter's value is found in or written to: a list's item, else what the
    // operation answers or takes.
    let held_in = match role {
        Role::List => record_model,
        _ => model(&op.response).or(model(&op.request)),
    };
    let param_fields = held_in
        .map(|m| {
            op.params
                .iter()
                .filter(|p| matches!(p.location, ParamIn::Path | ParamIn::Query))
                .filter_map(|p| {
                    super::record_ids::param_field(api, m, &p.name).map(|f| (p.name.clone(), f))
                })
                .collect()
        })
        .unwrap_or_default();
    Resource {
        role,
        items_key,
        record_id,
        not_found,
        get_pair: (role == Role::Update).then(|| get_pair(area, op)).flatten(),
        param_fields,
    }
}

/// The JSON key of a list's records and their model: the paginated field, else the answer's one
/// array field, else (an unpublished answer) the collection's name made singular, as Alma names
/// the records of a list (`/courses` → `course`).
fn list_items<'a>(api: &'a Api, op: &Operation) -> (Option<String>, Option<&'a str>) {
    let fields = match op.response.as_ref().map(|b| &b.ty) {
        Some(BodyType::Model(id)) => match api.models.get(id).map(|m| &m.kind) {
            Some(ModelKind::Struct { fields }) => Some(fields),
            _ => None,
        },
        _ => None,
    };
    let arrays: Vec<_> = fields
        .into_iter()
        .flatten()
        .filter(|f| matches!(f.ty, TypeRef::Array(_)) && !f.xml.any)
        .collect();
    let named = match &op.pagination {
        Some(Pagination::OffsetLimit { items_field, .. }) => {
            arrays.iter().find(|f| f.rust_name == *items_field).copied()
        }
        _ => match arrays.as_slice() {
            [one] => Some(*one),
            _ => None,
        },
    };
    match named {
        Some(f) => {
            let item = match &f.ty {
                TypeRef::Array(inner) => match inner.as_ref() {
                    TypeRef::Model(id) => api.models.get(id).map(|m| m.id.as_str()),
                    _ => None,
                },
                _ => None,
            };
            (Some(f.name.clone()), item)
        }
        None if fields.is_none() => {
            let last = op.path.rsplit('/').next().unwrap_or("");
            (Some(singular(&last.replace('-', "_"))), None)
        }
        None => (None, None),
    }
}

fn singular(word: &str) -> String {
    if let Some(stem) = word.strip_suffix("ies") {
        format!("{stem}y")
    } else if let Some(stem) = word.strip_suffix('s') {
        stem.to_owned()
    } else {
        word.to_owned()
    }
}

/// Each path parameter of `path`: the record path it ends (`/almaws/v1/users/{user_id}`), the
/// segment before it (`users`), and its name.
fn path_params(path: &str) -> impl Iterator<Item = (&str, &str, &str)> {
    let segments: Vec<(usize, &str)> = path
        .match_indices('/')
        .map(|(i, _)| i + 1)
        .map(|start| {
            let end = path[start..].find('/').map_or(path.len(), |e| start + e);
            (end, &path[start..end])
        })
        .collect();
    let mut out = Vec::new();
    for (i, (end, seg)) in segments.iter().enumerate() {
        if let Some(param) = param_of(seg) {
            let before = i.checked_sub(1).map_or("", |j| segments[j].1);
            out.push((&path[..*end], before, param));
        }
    }
    out.into_iter()
}

/// Words a message may name a resource by: the collection's name made singular
/// (`reading-lists` → `reading list`, its last word `list`) and the parameter's words without
/// `id`/`code`/`pid`/`name` (`mms_id` → `mms`, `mmsid`; `vendorCode` → `vendor`).
fn nouns(segment: &str, param: &str) -> Vec<String> {
    let mut out = Vec::new();
    let seg_words: Vec<String> = segment
        .split(['-', '_'])
        .filter(|w| w.len() > 1)
        .map(str::to_ascii_lowercase)
        .collect();
    if let Some((last, rest)) = seg_words.split_last() {
        let last = singular(last);
        let mut phrase = rest.to_vec();
        phrase.push(last.clone());
        out.push(phrase.join(" "));
        out.push(last);
    }
    let mut words: Vec<String> = Vec::new();
    let mut cur = String::new();
    for c in param.chars() {
        if c == '_' || c.is_ascii_uppercase() {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
            if c == '_' {
                continue;
            }
        }
        cur.push(c.to_ascii_lowercase());
    }
    words.push(cur);
    words.retain(|w| !matches!(w.as_str(), "id" | "code" | "pid" | "name" | ""));
    if !words.is_empty() {
        out.push(words.join(" "));
        out.push(format!("{}id", words.join("")));
    }
    out.sort();
    out.dedup();
    out
}

/// A message reduced to lowercase words between single spaces, padded: `" po line x not found "`.
fn words(message: &str) -> String {
    let cleaned: String = message
        .replace("\\_", "_")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                ' '
            }
        })
        .collect();
    format!(
        " {} ",
        cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
    )
}

/// How strongly a message says a record is missing: 2 "not found", 1 "not valid", 0 neither.
fn missing(message: &str) -> u8 {
    let m = words(message);
    let strong = [
        " not found ",
        " does not exist ",
        " doesn t exist ",
        " failed to find ",
        " was not found ",
        " no items found ",
        // Real Alma's words for a missing holding or item ("Search failed for Holdings ID: X";
        // recorded: "Search failed for Items with mmsId 123, holdings id 456.").
        " search failed for ",
    ];
    if strong.iter().any(|p| m.contains(p)) {
        2
    } else if m.contains(" not valid ") || m.contains(" invalid ") {
        1
    } else {
        0
    }
}

fn not_found(area: &Area, op: &Operation, template: &str, segment: &str, param: &str) -> NotFound {
    let nouns = nouns(segment, param);
    let names = |e: &ErrorCode| {
        let m = words(&e.message);
        nouns
            .iter()
            .any(|n| m.contains(&format!(" {n} ")) || m.contains(&format!(" {n}s ")))
    };
    // A list whose parent is missing fails to list: its own "Error while retrieving items."
    // (recorded from Alma for a bib or holding that does not exist: 401688).
    let listed = op
        .path
        .rsplit('/')
        .next()
        .filter(|s| param_of(s).is_none())
        .map(|s| format!(" error while retrieving {} ", s.replace('-', " ")));
    let lists = |e: &ErrorCode| {
        listed
            .as_deref()
            .is_some_and(|l| words(&e.message).contains(l))
    };
    if let Some(e) = op.errors.iter().find(|e| lists(e)) {
        return NotFound {
            param: param.to_owned(),
            code: e.code.clone(),
            message: e.message.clone(),
            documented: true,
        };
    }
    // The operation's own codes first, then those of the operations on the record's path.
    let on_template = area
        .operations
        .iter()
        .filter(|o| o.path == template && o.name != op.name)
        .flat_map(|o| &o.errors);
    let best = op
        .errors
        .iter()
        .map(|e| (0u8, e))
        .chain(on_template.map(|e| (1u8, e)))
        .filter(|(_, e)| missing(&e.message) > 0 && names(e))
        // Where; how sure the message is; whether it names the id (`X`) and nothing else
        // (`of type Y`); then the shortest, plainest wording.
        .min_by_key(|(from, e)| {
            let m = words(&e.message);
            let names_id = m.contains(" x ") || m.contains(" xxx ");
            (
                *from,
                2 - missing(&e.message),
                !names_id,
                m.matches(" y ").count(),
                e.message.len(),
            )
        });
    match best {
        Some((_, e)) => NotFound {
            param: param.to_owned(),
            code: e.code.clone(),
            message: e.message.clone(),
            documented: true,
        },
        None => NotFound {
            param: param.to_owned(),
            code: GENERAL_ERROR.0.to_owned(),
            message: GENERAL_ERROR.1.to_owned(),
            documented: false,
        },
    }
}

/// The GET that pairs with the PUT `put`: same path, both typed, no required query parameter.
fn get_pair(area: &Area, put: &Operation) -> Option<String> {
    let get = area
        .operations
        .iter()
        .find(|o| o.method == HttpMethod::Get && o.path == put.path)?;
    let typed =
        |b: &Option<crate::ir::Body>| matches!(b.as_ref().map(|b| &b.ty), Some(BodyType::Model(_)));
    let only_path = |op: &Operation| {
        op.params
            .iter()
            .all(|p| !p.required || p.location == ParamIn::Path)
    };
    (typed(&get.response) && typed(&put.request) && only_path(get) && only_path(put))
        .then(|| get.name.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nouns_come_from_the_collection_and_the_parameter() {
        assert_eq!(nouns("users", "user_id"), ["user", "userid"]);
        assert_eq!(
            nouns("reading-lists", "reading_list_id"),
            ["list", "reading list", "readinglistid"]
        );
        assert_eq!(nouns("bibs", "mms_id"), ["bib", "mms", "mmsid"]);
        assert_eq!(nouns("vendors", "vendorCode"), ["vendor", "vendorid"]);
    }

    #[test]
    fn messages_say_how_sure_they_are() {
        assert_eq!(missing("User with identifier X was not found."), 2);
        assert_eq!(missing("Loan ID XXX does not exist."), 2);
        assert_eq!(missing("Input parameters mmsId X is not valid."), 1);
        assert_eq!(missing("General error."), 0);
        assert!(words("Po-Line X not found.").contains(" po line "));
    }

    #[test]
    fn path_parameters_with_their_records() {
        let p: Vec<_> = path_params("/almaws/v1/users/{user_id}/loans/{loan_id}").collect();
        assert_eq!(
            p,
            [
                ("/almaws/v1/users/{user_id}", "users", "user_id"),
                (
                    "/almaws/v1/users/{user_id}/loans/{loan_id}",
                    "loans",
                    "loan_id"
                ),
            ]
        );
    }
}
