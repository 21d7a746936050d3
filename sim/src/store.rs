//! The records: each at its path (`/almaws/v1/users/jdoe`), in Alma's JSON shape (what the SDK's
//! models write), with each collection's ids in order. Memory is the records and their ids.

use std::collections::{BTreeSet, HashMap};

use serde_json::Value;

#[derive(Default)]
pub struct Store {
    records: HashMap<String, Value>,
    /// Collection path → the ids of its records.
    collections: HashMap<String, BTreeSet<String>>,
    /// For generated ids.
    counter: u64,
}

/// The collection a record path is in, and its id (its last segment).
pub fn split(path: &str) -> (&str, &str) {
    match path.rfind('/') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => ("", path),
    }
}

impl Store {
    pub fn get(&self, path: &str) -> Option<&Value> {
        self.records.get(path)
    }

    pub fn get_mut(&mut self, path: &str) -> Option<&mut Value> {
        self.records.get_mut(path)
    }

    pub fn contains(&self, path: &str) -> bool {
        self.records.contains_key(path)
    }

    /// Stores `value` at `path` (a collection's record when the path's last segment is its id),
    /// replacing what was there.
    pub fn put(&mut self, path: &str, value: Value) {
        let (collection, id) = split(path);
        self.collections
            .entry(collection.to_owned())
            .or_default()
            .insert(id.to_owned());
        self.records.insert(path.to_owned(), value);
    }

    pub fn remove(&mut self, path: &str) -> Option<Value> {
        let (collection, id) = split(path);
        if let Some(ids) = self.collections.get_mut(collection) {
            ids.remove(id);
        }
        self.records.remove(path)
    }

    /// The records of a collection, `offset`.. at most `limit`, and how many it has.
    pub fn page(&self, collection: &str, offset: usize, limit: usize) -> (Vec<&Value>, usize) {
        let Some(ids) = self.collections.get(collection) else {
            return (Vec::new(), 0);
        };
        let items = ids
            .iter()
            .skip(offset)
            .take(limit)
            .filter_map(|id| self.records.get(&format!("{collection}/{id}")))
            .collect();
        (items, ids.len())
    }

    /// Every record of a collection, in order.
    pub fn all<'s>(
        &'s self,
        collection: &'s str,
    ) -> impl Iterator<Item = (&'s str, &'s Value)> + 's {
        self.collections
            .get(collection)
            .into_iter()
            .flatten()
            .filter_map(move |id| {
                let path = format!("{collection}/{id}");
                self.records
                    .get_key_value(&path)
                    .map(|(k, v)| (k.as_str(), v))
            })
    }

    /// Whether any record lives below `path` (a bib's holdings, a user's loans).
    pub fn has_children(&self, path: &str) -> bool {
        let prefix = format!("{path}/");
        self.collections
            .iter()
            .any(|(c, ids)| !ids.is_empty() && (c == path || c.starts_with(&prefix)))
    }

    /// Every record path below `path`, deepest first (for deleting a record with its own).
    pub fn paths_below(&self, path: &str) -> Vec<String> {
        let prefix = format!("{path}/");
        let mut out: Vec<String> = self
            .records
            .keys()
            .filter(|k| k.starts_with(&prefix))
            .cloned()
            .collect();
        out.sort_by_key(|p| std::cmp::Reverse(p.matches('/').count()));
        out
    }

    /// The collections a pattern names: its `{…}` segments (a template's parameters) or `*`
    /// match any one segment (`/bibs/1/holdings/{holding_id}/items` → every holding's items).
    pub fn collections_like(&self, pattern: &str) -> Vec<String> {
        let want: Vec<&str> = pattern.split('/').collect();
        let mut out: Vec<String> = self
            .collections
            .iter()
            .filter(|(c, ids)| !ids.is_empty() && segments_match(&want, c))
            .map(|(c, _)| c.clone())
            .collect();
        out.sort();
        out
    }

    /// Every record whose path a template fits (`/bibs/{mms_id}/holdings/{holding_id}/items/
    /// {item_pid}`: every item), in path order.
    pub fn records_like<'s>(&'s self, template: &str) -> Vec<(&'s str, &'s Value)> {
        let want: Vec<&str> = template.split('/').collect();
        let mut out: Vec<(&str, &Value)> = self
            .records
            .iter()
            .filter(|(p, _)| segments_match(&want, p))
            .map(|(p, v)| (p.as_str(), v))
            .collect();
        out.sort_by(|a, b| a.0.cmp(b.0));
        out
    }

    /// Every record held.
    pub fn all_records(&self) -> impl Iterator<Item = &Value> {
        self.records.values()
    }

    /// Records held.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// A new Alma-style id: digits, with the institution's suffix (`99…3506421` for a bib).
    pub fn new_id(&mut self, prefix: &str, suffix: &str) -> String {
        self.counter += 1;
        format!("{prefix}{:09}{suffix}", self.counter)
    }
}

/// Whether a path's segments are those of a pattern, whose `{…}` and `*` segments match any.
fn segments_match(want: &[&str], path: &str) -> bool {
    let got: Vec<&str> = path.split('/').collect();
    got.len() == want.len()
        && want
            .iter()
            .zip(&got)
            .all(|(w, g)| *w == "*" || w.starts_with('{') || w == g)
}

/// The value at a JSON path (`item_data.pid`) of a record.
pub fn at<'v>(v: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(v, |v, k| v.get(k))
}

/// Text at a JSON path, when it is a non-empty string or a number.
pub fn text_at(v: &Value, path: &str) -> Option<String> {
    match at(v, path)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Sets the value at a JSON path, creating objects on the way.
pub fn set_at(v: &mut Value, path: &str, value: Value) {
    alma_runtime::json_path::set(v, path.split('.'), value);
}
