//! Seed data: recorded documents from a directory laid out like `../shared/alma-fixtures`
//! (`INDEX.tsv`: file, format, endpoint, kind), each stored where the API would serve it; and
//! generated users for tests that need volume.

use std::path::Path;

use alma_runtime::registry::{OperationInfo, Role};
use alma_runtime::{Format, Method};
use serde_json::{json, Value};

use crate::alma::Alma;
use crate::route::encode;
use crate::store::{set_at, text_at, Store};

/// What a seed directory gave.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Seeded {
    /// Documents the index lists.
    pub documents: usize,
    pub records: usize,
    /// Documents not stored, with why (no operation answers them, an id is missing, …).
    pub skipped: Vec<String>,
}

impl Seeded {
    /// `seeded N of M documents (R records)`, then a line per skipped document: `file — why`.
    pub fn report(&self) -> String {
        let mut out = format!(
            "seeded {} of {} documents ({} records)",
            self.documents - self.skipped.len(),
            self.documents,
            self.records
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
        // A write's answer is the record as the write left it (scan-in answers the item):
        // stored where the GET of the same path serves it, when both answer the same model.
        if method != "GET" {
            let write = [Method::Post, Method::Put]
                .into_iter()
                .find(|m| m.as_str() == method)
                .and_then(|m| operation_for(m, path));
            if write.map(|w| w.response_model) != Some(op.response_model) {
                skip(
                    &mut out,
                    &format!("the answer of {method} {path} is not the record its GET serves"),
                );
                continue;
            }
        }
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
        match op.role {
            Role::Read => match place(alma, op, &value, op.path) {
                Some(p) => {
                    store.put(&p, value);
                    out.records += 1;
                }
                None => skip(&mut out, "its ids are not all in the record"),
            },
            Role::List => {
                let items = match op.items_key.and_then(|k| value.get(k)) {
                    Some(Value::Array(items)) => items.clone(),
                    Some(one @ Value::Object(_)) => vec![one.clone()],
                    _ => Vec::new(),
                };
                let item_op = item_read(op);
                let (n, mut unplaced) = (items.len(), 0);
                for item in items {
                    match item_op.and_then(|r| place(alma, r, &item, r.path)) {
                        Some(p) => {
                            store.put(&p, item);
                            out.records += 1;
                        }
                        None => unplaced += 1,
                    }
                }
                if unplaced > 0 {
                    skip(
                        &mut out,
                        &format!("{unplaced} of its {n} records do not hold all their ids"),
                    );
                }
            }
            // Another way to a record (an item by barcode): placed as its own GET places it.
            Role::Get => {
                let read = alma_sdk::registry::all()
                    .into_iter()
                    .find(|o| o.role == Role::Read && o.response_model == op.response_model);
                match read.and_then(|r| place(alma, r, &value, r.path)) {
                    Some(p) => {
                        store.put(&p, value);
                        out.records += 1;
                    }
                    None => skip(&mut out, "not a record or a list"),
                }
            }
            _ => skip(&mut out, "not a record or a list"),
        }
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

/// The GET of one record of a list.
fn item_read(list: &OperationInfo) -> Option<&'static OperationInfo> {
    alma_sdk::registry::all().into_iter().find(|o| {
        o.role == Role::Read
            && o.path
                .strip_prefix(list.path)
                .and_then(|r| r.strip_prefix("/{"))
                .is_some_and(|r| r.ends_with('}') && !r.contains('/'))
    })
}

/// Where a record is served from: its template with each parameter read from the record (its
/// own id from `record_id`, its parents' where the model holds them).
fn place(alma: &Alma, op: &OperationInfo, record: &Value, template: &str) -> Option<String> {
    // Only records a typed GET serves are placed.
    alma.model(op.response_model)?;
    let params: Vec<&str> = template
        .split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .collect();
    let mut path = template.to_owned();
    for (i, p) in params.iter().enumerate() {
        let value = if i + 1 == params.len() {
            op.record_id.and_then(|id| text_at(record, id))
        } else {
            op.param_field(p).and_then(|f| text_at(record, f))
        }?;
        path = path.replacen(&format!("{{{p}}}"), &encode(&value), 1);
    }
    Some(path)
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
        store.put(&format!("/almaws/v1/users/{id}"), user);
    }
}
