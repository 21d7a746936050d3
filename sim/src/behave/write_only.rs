//! Write-only fields ([`Behaviour::WriteOnly`]: a user's password, "returned empty in the GET
//! action"): every answer of the record's model gives them empty, and a PUT that leaves one
//! empty keeps the one held ("if left empty - the existing password will be kept").

use std::collections::HashMap;
use std::sync::OnceLock;

use alma_runtime::registry::{Behaviour, OperationInfo};
use serde_json::Value;

use crate::alma::Alma;

/// The write-only fields of the records an operation writes.
fn fields(op: &OperationInfo) -> impl Iterator<Item = &'static str> + '_ {
    op.behaviours.iter().filter_map(|b| match b {
        Behaviour::WriteOnly { field } => Some(*field),
        _ => None,
    })
}

/// The write-only fields of the records a model answers: those of the operations that write
/// that model (from the registry, once).
fn fields_of_model(model: &str) -> &'static [&'static str] {
    static BY_MODEL: OnceLock<HashMap<&'static str, Vec<&'static str>>> = OnceLock::new();
    let by_model = BY_MODEL.get_or_init(|| {
        let mut map: HashMap<&'static str, Vec<&'static str>> = HashMap::new();
        for o in alma_sdk::registry::all() {
            for f in fields(o) {
                for m in [o.request_model, o.response_model].into_iter().flatten() {
                    let v = map.entry(m).or_default();
                    if !v.contains(&f) {
                        v.push(f);
                    }
                }
            }
        }
        map
    });
    by_model.get(model).map_or(&[], Vec::as_slice)
}

pub fn before_answer(_alma: &Alma, op: &OperationInfo, value: &mut Value) {
    let Some(model) = op.response_model else {
        return;
    };
    let hidden = fields_of_model(model);
    if hidden.is_empty() {
        return;
    }
    // A list's records too.
    let records: Vec<&mut Value> = match op.items_key.and_then(|k| value.get_mut(k)) {
        Some(Value::Array(items)) => items.iter_mut().collect(),
        _ => vec![value],
    };
    for r in records {
        for f in hidden {
            if let Some(v) = r.get_mut(*f) {
                if !matches!(v, Value::String(s) if s.is_empty()) {
                    *v = Value::String(String::new());
                }
            }
        }
    }
}

pub fn before_write(op: &OperationInfo, stored: Option<&Value>, new: &mut Value) {
    let Some(stored) = stored else { return };
    for f in fields(op) {
        let left_empty = match new.get(f) {
            None | Some(Value::Null) => true,
            Some(Value::String(s)) => s.is_empty(),
            _ => false,
        };
        if let (true, Some(held), Some(o)) = (left_empty, stored.get(f), new.as_object_mut()) {
            o.insert(f.to_owned(), held.clone());
        }
    }
}
