//! Records seeding derives from the records it loaded, so that every relation a record shows
//! can be followed: a record's parents from what it says of them (an item's `holding_data` and
//! `bib_data` give its holding and bib, so the bib lists its holdings), and the configuration
//! the records use (their libraries and locations, each library's circulation desks, and the code
//! tables whose codes they carry, from `registry::code_table_fields`). Nothing is derived where
//! a record is held already.

use std::collections::{BTreeMap, BTreeSet};

use alma_runtime::registry::{OperationInfo, Role};
use serde_json::{json, Value};

use crate::route::encode;
use crate::store::{set_at, split, text_at, Store};

/// The GET of one record whose template is `template`.
fn read_at(template: &str) -> Option<&'static OperationInfo> {
    alma_sdk::registry::all()
        .into_iter()
        .find(|o| o.role == Role::Read && o.path == template)
}

/// The list whose records are named `items_key` (`circ_desk`).
fn list_of(items_key: &str) -> Option<&'static OperationInfo> {
    alma_sdk::registry::all()
        .into_iter()
        .find(|o| o.role == Role::List && o.items_key == Some(items_key))
}

fn singular(word: &str) -> &str {
    word.strip_suffix('s').unwrap_or(word)
}

/// Parents named by their children: for each record below another (`…/holdings/{h}/items/
/// {i}`), each missing ancestor from the child's `<ancestor>_data` object (`holding_data`),
/// with its id. A holding, which Alma keeps as MARC, gets the MARC holdings record that says
/// what the item says of it (852 $b library, $c location, $h call number; 004 its bib).
pub fn inventory(store: &mut Store) -> usize {
    let mut made = 0;
    let reads: Vec<&'static OperationInfo> = alma_sdk::registry::all()
        .into_iter()
        .filter(|o| o.role == Role::Read && o.path_params().count() > 1)
        .collect();
    for read in reads {
        let records: Vec<(String, Value)> = store
            .records_like(read.path)
            .into_iter()
            .map(|(p, v)| (p.to_owned(), v.clone()))
            .collect();
        for (path, child) in records {
            let segments: Vec<&str> = read.path.split('/').collect();
            let filled: Vec<&str> = path.split('/').collect();
            for i in (0..segments.len()).filter(|&i| segments[i].starts_with('{')) {
                if i + 1 == segments.len() {
                    break;
                }
                let template = segments[..=i].join("/");
                let parent = filled[..=i].join("/");
                let Some(parent_read) = read_at(&template) else {
                    continue;
                };
                if store.contains(&parent) {
                    continue;
                }
                let noun = singular(segments[i - 1]);
                let Some(data) = child.get(format!("{noun}_data")).cloned() else {
                    continue;
                };
                let mut record = if data.is_object() { data } else { json!({}) };
                let id = crate::route::decode(filled[i]);
                if let Some(f) = parent_read.record_id {
                    set_at(&mut record, f, Value::String(id.clone()));
                }
                if parent_read.param("holding_id").is_some() && record.get("anies").is_none() {
                    let bib = filled
                        .get(i.saturating_sub(2))
                        .map(|s| crate::route::decode(s))
                        .unwrap_or_default();
                    record["anies"] = json!([marc_holding(&id, &bib, &child)]);
                    for k in ["library", "location"] {
                        if let Some(v) = child.get("item_data").and_then(|d| d.get(k)) {
                            record[k] = v.clone();
                        }
                    }
                }
                store.put(&parent, record);
                made += 1;
            }
        }
    }
    made
}

/// The MARC holdings record of what an item says of its holding.
fn marc_holding(holding_id: &str, bib: &str, item: &Value) -> String {
    let esc = |s: &str| quick_xml::escape::escape(s).into_owned();
    let code = |path: &str| text_at(item, path).unwrap_or_default();
    let mut sub = String::new();
    for (c, v) in [
        ("b", code("item_data.library.value")),
        ("c", code("item_data.location.value")),
        ("h", code("holding_data.call_number")),
    ] {
        if !v.is_empty() {
            sub.push_str(&format!("<subfield code=\"{c}\">{}</subfield>", esc(&v)));
        }
    }
    format!(
        "<record><leader>00000nx  a22000001n 4500</leader><controlfield tag=\"001\">{}</controlfield><controlfield tag=\"004\">{}</controlfield><datafield ind1=\"0\" ind2=\" \" tag=\"852\">{sub}</datafield></record>",
        esc(holding_id),
        esc(bib)
    )
}

/// Every `{value, desc}` at key `key`, at any depth of a record.
fn codes_at(v: &Value, key: &str, out: &mut BTreeMap<String, String>) {
    match v {
        Value::Object(o) => {
            for (k, c) in o {
                if k == key {
                    if let Some(code) = c.get("value").and_then(Value::as_str) {
                        if !code.is_empty() {
                            let desc = c.get("desc").and_then(Value::as_str).unwrap_or(code);
                            out.entry(code.to_owned())
                                .or_insert_with(|| desc.to_owned());
                        }
                    }
                }
                codes_at(c, key, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| codes_at(i, key, out)),
        _ => {}
    }
}

/// Objects holding both keys (`library` and `location` of an item's data), at any depth.
fn pairs(v: &Value, a: &str, b: &str, out: &mut BTreeSet<(String, String, String)>) {
    match v {
        Value::Object(o) => {
            let code = |k: &str| {
                o.get(k)
                    .and_then(|c| c.get("value"))
                    .and_then(Value::as_str)
            };
            if let (Some(x), Some(y)) = (code(a), code(b)) {
                if !x.is_empty() && !y.is_empty() {
                    let desc = o
                        .get(b)
                        .and_then(|c| c.get("desc"))
                        .and_then(Value::as_str)
                        .unwrap_or(y);
                    out.insert((x.to_owned(), y.to_owned(), desc.to_owned()));
                }
            }
            o.values().for_each(|c| pairs(c, a, b, out));
        }
        Value::Array(items) => items.iter().for_each(|i| pairs(i, a, b, out)),
        _ => {}
    }
}

/// The configuration the records use: code tables of the codes they carry, libraries and
/// their locations, and each library's circulation desks (those loans name, and the
/// `DEFAULT_CIRC_DESK` Alma gives every library).
pub fn configuration(store: &mut Store) -> usize {
    let all: Vec<Value> = store.all_records().cloned().collect();
    let mut made = 0;
    // Code tables.
    if let Some(read) = alma_sdk::registry::all().into_iter().find(|o| {
        o.role == Role::Read
            && o.path_params()
                .last()
                .is_some_and(|p| p.name.to_ascii_lowercase().contains("codetable"))
    }) {
        let mut tables: BTreeMap<&str, BTreeMap<String, String>> = BTreeMap::new();
        for (field, table) in alma_sdk::registry::code_table_fields() {
            let rows = tables.entry(table).or_default();
            for r in &all {
                codes_at(r, field, rows);
            }
        }
        for (table, rows) in tables.into_iter().filter(|(_, r)| !r.is_empty()) {
            let path = fill_last(read.path, table);
            if store.contains(&path) {
                continue;
            }
            let row: Vec<Value> = rows
                .into_iter()
                .map(|(code, desc)| json!({"code": code, "description": desc, "enabled": true, "default": false}))
                .collect();
            store.put(
                &path,
                json!({"name": table, "description": table, "row": row}),
            );
            made += 1;
        }
    }
    // Libraries, their locations and circulation desks.
    let mut libraries = BTreeMap::new();
    for r in &all {
        codes_at(r, "library", &mut libraries);
    }
    let mut locations = BTreeSet::new();
    for r in &all {
        pairs(r, "library", "location", &mut locations);
    }
    let mut desks = BTreeSet::new();
    for r in &all {
        pairs(r, "library", "circ_desk", &mut desks);
    }
    let lib_list = list_of("library");
    let lib_read = lib_list.and_then(|l| crate::route::read_below(l.path));
    let Some(lib_read) = lib_read else {
        return made;
    };
    for (code, name) in &libraries {
        let path = fill_last(lib_read.path, code);
        if !store.contains(&path)
            && store
                .records_like(lib_read.path)
                .iter()
                .all(|(_, v)| text_at(v, "code").as_deref() != Some(code))
        {
            store.put(&path, json!({"code": code, "name": name}));
            made += 1;
        }
        desks.insert((
            code.clone(),
            "DEFAULT_CIRC_DESK".to_owned(),
            "Default Circulation Desk".to_owned(),
        ));
    }
    for (items_key, found) in [("location", &locations), ("circ_desk", &desks)] {
        let Some(read) = list_of(items_key).and_then(|l| crate::route::read_below(l.path)) else {
            continue;
        };
        for (library, code, name) in found {
            let Some(library_path) = library_path_of(store, lib_read, library) else {
                continue;
            };
            let rest = &read.path[lib_read.path.len()..];
            let (coll, _) = split(rest);
            let path = format!("{library_path}{coll}/{}", encode(code));
            if !store.contains(&path) {
                store.put(&path, json!({"code": code, "name": name}));
                made += 1;
            }
        }
    }
    made
}

/// Where library `code` is held (by its path, or a record whose `code` it is).
fn library_path_of(store: &Store, lib_read: &OperationInfo, code: &str) -> Option<String> {
    let direct = fill_last(lib_read.path, code);
    if store.contains(&direct) {
        return Some(direct);
    }
    store
        .records_like(lib_read.path)
        .into_iter()
        .find(|(_, v)| text_at(v, "code").as_deref() == Some(code))
        .map(|(p, _)| p.to_owned())
}

/// A template whose one parameter is its last segment, filled.
fn fill_last(template: &str, value: &str) -> String {
    let (head, _) = split(template);
    format!("{head}/{}", encode(value))
}
