//! Seed data: recorded documents from a directory laid out like `../shared/alma-fixtures`
//! (`INDEX.tsv`: file, format, endpoint, kind), each stored where the API would serve it; and
//! generated users for tests that need volume.

use std::path::Path;

use alma_runtime::registry::{OperationInfo, Role};
use alma_runtime::{Format, Method};
use serde_json::{json, Value};

use crate::alma::Alma;
use crate::derive;
use crate::route::encode;
use crate::store::{set_at, text_at, Store};

/// A record read from a document, before it is placed.
struct Pending {
    file: String,
    /// The GET that serves it.
    read: &'static OperationInfo,
    record: Value,
    /// The list it came in, which may name its parents (`bib_data.mms_id`).
    context: Option<Value>,
}

/// What a seed directory gave.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Seeded {
    /// Documents the index lists.
    pub documents: usize,
    pub records: usize,
    /// Records derived from the records below them or naming them (a holding from its items,
    /// a circulation desk of a library, a code table from the codes records use).
    pub derived: usize,
    /// Documents not stored, with why (no operation answers them, an id is missing, …).
    pub skipped: Vec<String>,
}

impl Seeded {
    /// As `GET /__seed` lists it: the counts, and each skipped document with why.
    pub fn to_json(&self) -> Value {
        let skipped: Vec<Value> = self
            .skipped
            .iter()
            .map(|s| match s.split_once(": ") {
                Some((file, why)) => json!({"file": file, "why": why}),
                None => json!({"file": s, "why": ""}),
            })
            .collect();
        json!({
            "documents": self.documents,
            "seeded": self.documents - self.skipped.len(),
            "records": self.records,
            "derived": self.derived,
            "skipped": skipped,
        })
    }

    /// `seeded N of M documents (R records)`, then a line per skipped document: `file — why`.
    pub fn report(&self) -> String {
        let mut out = format!(
            "seeded {} of {} documents ({} records, {} derived)",
            self.documents - self.skipped.len(),
            self.documents,
            self.records,
            self.derived
        );
        if !self.skipped.is_empty() {
            out.push_str(&format!("; skipped {}:", self.skipped.len()));
            for s in &self.skipped {
                out.push_str(&format!("\n  {}", s.replacen(": ", " — ", 1)));
            }
        }
        out
    }
}

/// Loads every document of `dir`'s `INDEX.tsv` that a GET answers.
pub fn load(alma: &Alma, store: &mut Store, dir: &Path) -> Result<Seeded, String> {
    let index = dir.join("INDEX.tsv");
    let text = std::fs::read_to_string(&index).map_err(|e| format!("{}: {e}", index.display()))?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or("").split('\t').collect();
    let col = |n: &str| {
        header
            .iter()
            .position(|h| *h == n)
            .ok_or_else(|| format!("{}: no {n} column", index.display()))
    };
    let (file_c, format_c, endpoint_c) = (col("file")?, col("format")?, col("endpoint")?);
    let mut out = Seeded::default();
    let mut pending: Vec<Pending> = Vec::new();
    for line in lines.filter(|l| !l.trim().is_empty()) {
        out.documents += 1;
        let cells: Vec<&str> = line.split('\t').collect();
        let (Some(file), Some(format), Some(endpoint)) = (
            cells.get(file_c),
            cells.get(format_c),
            cells.get(endpoint_c),
        ) else {
            out.skipped.push(format!(
                "{}: the index line lacks a column",
                line.split('\t').next().unwrap_or(line)
            ));
            continue;
        };
        let skip = |out: &mut Seeded, why: &str| out.skipped.push(format!("{file}: {why}"));
        // Answers recorded with another status (or as errors) are not records.
        if endpoint.contains("(HTTP") && !endpoint.contains("(HTTP 200)")
            || endpoint.contains("(error)")
            || cells.get(col("kind")?).is_some_and(|k| *k == "error")
        {
            skip(&mut out, "an error answer, not a record");
            continue;
        }
        let Some((method, rest)) = endpoint.split_once(' ') else {
            skip(&mut out, "its endpoint names no method");
            continue;
        };
        let path = rest.split([' ', '?']).next().unwrap_or("");
        let Some(op) = operation_for(Method::Get, path) else {
            skip(&mut out, "no GET answers its path");
            continue;
        };
        // A write's answer is the record as the write left it (scan-in answers the item, a
        // create the record made): stored where a GET serves that record.
        let op = if method == "GET" {
            op
        } else {
            let write = [Method::Post, Method::Put]
                .into_iter()
                .find(|m| m.as_str() == method)
                .and_then(|m| operation_for(m, path));
            let read = match write {
                Some(w) if w.role == Role::Create && op.role == Role::List => {
                    crate::route::read_below(op.path)
                        .filter(|r| r.response_model == w.response_model)
                }
                Some(w) if w.response_model == op.response_model => Some(op),
                _ => None,
            };
            match read {
                Some(r) => r,
                None => {
                    skip(
                        &mut out,
                        &format!("the answer of {method} {path} is not a record a GET serves"),
                    );
                    continue;
                }
            }
        };
        let format = if *format == "xml" {
            Format::Xml
        } else {
            Format::Json
        };
        let Some(model) = alma.model(op.response_model) else {
            skip(&mut out, "untyped answer");
            continue;
        };
        let bytes = std::fs::read(dir.join(file)).map_err(|e| format!("{file}: {e}"))?;
        let value = match model.to_value(&bytes, format) {
            Ok(v) => v,
            Err(e) => {
                skip(&mut out, &format!("does not decode as {}: {e}", model.name));
                continue;
            }
        };
        let found: Vec<(&'static OperationInfo, Value, Option<Value>)> = match op.role {
            Role::Read => vec![(op, value, None)],
            Role::List => {
                let items = match op.items_key.and_then(|k| value.get(k)) {
                    Some(Value::Array(items)) => items.clone(),
                    Some(one @ Value::Object(_)) => vec![one.clone()],
                    _ => Vec::new(),
                };
                match crate::route::read_below(op.path) {
                    Some(r) => items
                        .into_iter()
                        .map(|i| (r, i, Some(value.clone())))
                        .collect(),
                    None => {
                        skip(&mut out, "no GET serves one of its records");
                        continue;
                    }
                }
            }
            Role::Get
                if op
                    .behaviours
                    .contains(&alma_runtime::registry::Behaviour::ReportInParts) =>
            {
                skip(
                    &mut out,
                    "a part of an Analytics report: the local Alma answers reports in parts it makes (--report-rows), not from documents",
                );
                continue;
            }
            // Another way to a record (an item by barcode): placed as its own GET places it.
            Role::Get => {
                let read = alma_sdk::registry::all()
                    .into_iter()
                    .find(|o| o.role == Role::Read && o.response_model == op.response_model);
                match read {
                    Some(r) => vec![(r, value, None)],
                    None => {
                        skip(&mut out, "not a record or a list");
                        continue;
                    }
                }
            }
            _ => {
                skip(&mut out, "not a record or a list");
                continue;
            }
        };
        for (read, record, context) in found {
            pending.push(Pending {
                file: file.to_string(),
                read,
                record,
                context,
            });
        }
    }
    // Each record where its own ids, its link, its list or (second) the records already
    // placed say it is; the inventory's missing links derived between the two passes.
    let mut unplaced: Vec<Pending> = Vec::new();
    for p in pending {
        match place(alma, p.read, &p.record, p.context.as_ref()) {
            Some(path) => {
                store.put(&path, p.record);
                out.records += 1;
            }
            None => unplaced.push(p),
        }
    }
    out.derived = derive::inventory(store);
    let mut left: std::collections::BTreeMap<String, (usize, String)> = Default::default();
    for p in unplaced {
        match place_by_own_id(store, p.read, &p.record) {
            Some(path) => {
                store.put(&path, p.record);
                out.records += 1;
            }
            None => {
                let e = left.entry(p.file).or_insert((0, String::new()));
                e.0 += 1;
                e.1 = missing_ids(p.read, &p.record);
            }
        }
    }
    for (file, (n, why)) in left {
        out.skipped.push(format!(
            "{file}: {n} record{} not placed: {why}",
            if n == 1 { "" } else { "s" }
        ));
    }
    Ok(out)
}

/// The operation of `method` whose template a concrete path (or template) fits best.
fn operation_for(method: Method, path: &str) -> Option<&'static OperationInfo> {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    alma_sdk::registry::all()
        .into_iter()
        .filter(|o| o.method == method)
        // An id in the recorded endpoint (`{mms_id}`, `{holding_id|ALL}`) is a parameter of
        // the operation's template too, never one of its words (`authorities`).
        .filter(|o| {
            let t: Vec<&str> = o.path.trim_matches('/').split('/').collect();
            t.len() == parts.len()
                && t.iter().zip(&parts).all(|(a, b)| {
                    a.starts_with('{') && (b.starts_with('{') || !b.is_empty()) || a == b
                })
                && t.iter()
                    .zip(&parts)
                    .all(|(a, b)| !b.starts_with('{') || a.starts_with('{'))
        })
        .min_by_key(|o| o.path.matches('{').count())
}

/// Where a record is served from: its template with each parameter read from the record (its
/// own id from `record_id`, its parents' where the model holds them), else from the record's
/// `link` (Alma's records carry their own URL), else from the list it came in.
fn place(
    alma: &Alma,
    op: &OperationInfo,
    record: &Value,
    context: Option<&Value>,
) -> Option<String> {
    // Only records a typed GET serves are placed.
    alma.model(op.response_model)?;
    if let Some(p) = by_link(op, record) {
        return Some(p);
    }
    let params: Vec<&str> = op.path_params().map(|p| p.name).collect();
    let mut path = op.path.to_owned();
    for (i, p) in params.iter().enumerate() {
        let value = if i + 1 == params.len() {
            op.record_id.and_then(|id| text_at(record, id))
        } else {
            op.param_field(p)
                .and_then(|f| text_at(record, f))
                .or_else(|| context.and_then(|c| find_key(c, p)))
        }?;
        path = path.replacen(&format!("{{{p}}}"), &encode(&value), 1);
    }
    Some(path)
}

/// The record's path from its `link` (`https://api-eu…/almaws/v1/bibs/99…/holdings/22…`), when
/// that path is one the operation serves.
fn by_link(op: &OperationInfo, record: &Value) -> Option<String> {
    let link = record.get("link")?.as_str()?;
    let at = link.find("/almaws/")?;
    let path = link[at..].split(['?', '#']).next()?.trim_end_matches('/');
    op.matches_path(path).then(|| path.to_owned())
}

/// The first text value of key `name` at any depth (a list's `bib_data.mms_id`).
fn find_key(v: &Value, name: &str) -> Option<String> {
    match v {
        Value::Object(o) => o
            .get(name)
            .and_then(|x| match x {
                Value::String(s) if !s.is_empty() => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .or_else(|| o.values().find_map(|c| find_key(c, name))),
        Value::Array(items) => items.iter().find_map(|i| find_key(i, name)),
        _ => None,
    }
}

/// A record whose parents are named nowhere but whose own id is that of a record already
/// placed (a holding that its items name): placed there, the recorded document replacing
/// what was derived.
fn place_by_own_id(store: &Store, op: &OperationInfo, record: &Value) -> Option<String> {
    let own = encode(&text_at(record, op.record_id?)?);
    store
        .records_like(op.path)
        .into_iter()
        .map(|(p, _)| p.to_owned())
        .find(|p| p.rsplit('/').next() == Some(own.as_str()))
}

/// Why a record could not be placed: the ids named nowhere.
fn missing_ids(op: &OperationInfo, record: &Value) -> String {
    let params: Vec<&str> = op.path_params().map(|p| p.name).collect();
    let missing: Vec<&str> = params
        .iter()
        .enumerate()
        .filter(|(i, p)| {
            if i + 1 == params.len() {
                op.record_id.and_then(|id| text_at(record, id)).is_none()
            } else {
                op.param_field(p).and_then(|f| text_at(record, f)).is_none()
            }
        })
        .map(|(_, p)| *p)
        .collect();
    format!(
        "Alma serves it at {} and no document names its {} (not the record, its link, its list or a record below it)",
        op.path,
        missing.join(", ")
    )
}

/// `n` plausible users (`sim0000001` …), each as Alma answers `GET /users/{id}`.
pub fn users(store: &mut Store, n: usize) {
    const FIRST: [&str; 8] = [
        "Dana", "Noa", "Avi", "Maya", "Omer", "Tamar", "Yoav", "Shira",
    ];
    const LAST: [&str; 8] = [
        "Levi", "Cohen", "Mizrahi", "Peretz", "Biton", "Dahan", "Avraham", "Friedman",
    ];
    const GROUPS: [(&str, &str); 3] = [
        ("STAFF", "Staff"),
        ("UNDERGRAD", "Undergraduate"),
        ("FACULTY", "Faculty"),
    ];
    // The users' collection: the list whose records are `user`s.
    let Some(users) = alma_sdk::registry::all().into_iter().find(|o| {
        o.role == Role::List && o.items_key == Some("user") && o.path_params().count() == 0
    }) else {
        return;
    };
    for i in 1..=n {
        let id = format!("sim{i:07}");
        let (first, last) = (FIRST[i % FIRST.len()], LAST[(i / FIRST.len()) % LAST.len()]);
        let (group, group_desc) = GROUPS[i % GROUPS.len()];
        let mut user = json!({
            "record_type": {"value": "PUBLIC", "desc": "Public"},
            "primary_id": id,
            "first_name": first,
            "last_name": last,
            "full_name": format!("{first} {last}"),
            "user_group": {"value": group, "desc": group_desc},
            "account_type": {"value": "INTERNAL", "desc": "Internal"},
            "status": {"value": "ACTIVE", "desc": "Active"},
            "expiry_date": "2030-12-31Z",
        });
        set_at(
            &mut user,
            "contact_info",
            json!({"email": [{"email_address": format!("{id}@example.org"), "preferred": true, "email_type": [{"value": "personal"}]}]}),
        );
        store.put(&format!("{}/{id}", users.path), user);
    }
}
