//! Lending ([`Behaviour::Lend`]): a loan is of an item that exists and is not on loan already,
//! to a user who exists; it is listed under the user and under the item (the two lending
//! operations' collections), and the item is out of place while it lasts.

use std::time::{Duration, SystemTime};

use alma_runtime::registry::{Behaviour, OperationInfo};
use serde_json::{json, Value};

use super::{notify, Ctx, Rule};
use crate::answer::Answer;
use crate::route::encode;
use crate::store::{self, text_at};

pub const RULE: Rule = Rule {
    name: "lend",
    applies: |op| op.behaviours.contains(&Behaviour::Lend),
    serve,
};

/// The lending operations (their collections hold a loan twice: the user's and the item's).
pub fn lending() -> Vec<&'static OperationInfo> {
    alma_sdk::registry::all()
        .into_iter()
        .filter(|o| o.behaviours.contains(&Behaviour::Lend))
        .collect()
}

/// A lending operation's collection with these ids filled in, when it has them all.
pub fn collection(op: &OperationInfo, ids: &[(&str, String)]) -> Option<String> {
    alma_runtime::path::fill(op.path, |name| {
        ids.iter()
            .find(|(n, _)| *n == name || param_alias(n) == param_alias(name))
            .map(|(_, v)| v.as_str())
    })
    .ok()
}

/// The loans held in the lending collections these ids fill (an item's: its loans).
pub fn loans_of(store: &crate::store::Store, ids: &[(&str, String)]) -> Vec<Value> {
    lending()
        .into_iter()
        .filter_map(|o| collection(o, ids))
        .flat_map(|c| store.all(&c).map(|(_, l)| l.clone()).collect::<Vec<_>>())
        .collect()
}

/// Sibling paths name one id differently (`item_id`, `item_pid`).
fn param_alias(name: &str) -> &str {
    name.strip_suffix("_pid")
        .or_else(|| name.strip_suffix("_id"))
        .unwrap_or(name)
}

/// The item record's template: the lending path that goes through an item, up to it.
fn item_template() -> Option<&'static str> {
    lending()
        .into_iter()
        .find(|o| o.path_params().count() > 1)
        .and_then(|o| o.path.rsplit_once('/'))
        .map(|(item, _)| item)
}

fn serve(cx: &mut Ctx<'_>) -> Option<Answer> {
    let items = item_template()?;
    // The item: by the path, or by barcode or pid in the query.
    let item_path = if cx.op.path.starts_with(items) {
        Some(cx.path.rsplit_once('/')?.0.to_owned())
    } else {
        let by_query = |field_param: &str| {
            let want = cx.req.query(field_param)?;
            // Where an item holds it: a shorthand's field (`item_barcode` → `item_data.barcode`),
            // else the item's own GET's (`item_pid` → `item_data.pid`).
            let field = alma_sdk::registry::all()
                .into_iter()
                .flat_map(|o| o.behaviours.iter())
                .find_map(|b| match b {
                    Behaviour::FindBy { param, field, .. } if *param == field_param => Some(*field),
                    _ => None,
                })
                .or_else(|| {
                    alma_sdk::registry::all()
                        .into_iter()
                        .find(|o| o.role == alma_runtime::registry::Role::Read && o.path == items)
                        .and_then(|o| o.param_field(field_param))
                })?;
            cx.state
                .store
                .records_like(items)
                .into_iter()
                .find(|(_, v)| text_at(v, field).as_deref() == Some(want))
                .map(|(p, _)| p.to_owned())
        };
        cx.op
            .params
            .iter()
            .filter(|p| p.location == alma_runtime::registry::ParamIn::Query)
            .find_map(|p| by_query(p.name))
    };
    let Some(item_path) = item_path.filter(|p| cx.state.store.contains(p)) else {
        return Some(cx.refuse(&["not loanable"], "(no such item)"));
    };
    let item = cx.state.store.get(&item_path).cloned().unwrap_or_default();
    let item_ids = item_ids(items, &item_path);
    let on_loan = loans_of(&cx.state.store, &item_ids)
        .into_iter()
        .any(|l| text_at(&l, "loan_status").is_some_and(|s| !s.eq_ignore_ascii_case("COMPLETE")));
    if on_loan {
        return Some(cx.refuse(&["not loanable"], "(the item is on loan)"));
    }
    let user_id = cx
        .req
        .param(cx.op, "user_id")
        .or_else(|| cx.param("user_id").map(str::to_owned))
        .unwrap_or_default();
    let user_ids = [("user_id", user_id.clone())];
    let user_known = lending()
        .into_iter()
        .find(|o| o.path_params().count() == 1)
        .and_then(|o| o.path.rsplit_once('/'))
        .and_then(|(user, _)| collection_of(user, &user_ids))
        .is_some_and(|p| cx.state.store.contains(&p));
    if user_id.is_empty() || !user_known {
        return Some(cx.refuse(&["user"], &user_id));
    }
    let mut loan = match cx.alma.body_value(cx.req, cx.op) {
        Ok(v) => v,
        Err(a) => return Some(a),
    };
    let loan_id = crate::alma::new_id(&mut cx.state.store, "loan_id", &cx.alma.config.institution);
    let now = SystemTime::now();
    let mut set = |k: &str, v: Value| store::set_at(&mut loan, k, v);
    set("loan_id", json!(loan_id));
    set("user_id", json!(user_id));
    set("loan_status", json!("ACTIVE"));
    set("loan_date", json!(notify::iso(now)));
    set(
        "due_date",
        json!(notify::iso(now + Duration::from_secs(14 * 86_400))),
    );
    // What the loan says of its item, from the item record (the loan's fields named like the
    // item's parameters, and its title).
    for (field, from) in [
        ("item_barcode", "item_data.barcode"),
        ("item_id", "item_data.pid"),
        ("mms_id", "bib_data.mms_id"),
        ("holding_id", "holding_data.holding_id"),
        ("title", "bib_data.title"),
    ] {
        if let Some(v) = text_at(&item, from) {
            set(field, json!(v));
        }
    }
    let mut ids = item_ids.clone();
    ids.push(("user_id", user_id));
    for o in lending() {
        if let Some(c) = collection(o, &ids) {
            cx.state
                .store
                .put(&format!("{c}/{}", encode(&loan_id)), loan.clone());
        }
    }
    if let Some(it) = cx.state.store.get_mut(&item_path) {
        store::set_at(
            it,
            "item_data.base_status",
            json!({"value": "0", "desc": "Item not in place"}),
        );
        store::set_at(
            it,
            "item_data.process_type",
            json!({"value": "LOAN", "desc": "Loan"}),
        );
    }
    notify::send(cx.alma, "LOAN", "LOAN_CREATED", "item_loan", &loan);
    Some(cx.alma.record_answer(cx.req, cx.op, &loan, 200))
}

/// A template filled with these ids (`/users/{user_id}` → `/users/jdoe`).
fn collection_of(template: &str, ids: &[(&str, String)]) -> Option<String> {
    alma_runtime::path::fill(template, |name| {
        ids.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    })
    .ok()
}

/// The ids an item's path holds, by the item template's parameter names (decoded).
pub fn item_ids(template: &str, path: &str) -> Vec<(&'static str, String)> {
    let names: Vec<&str> = template
        .split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .collect();
    let values: Vec<&str> = template
        .split('/')
        .zip(path.split('/'))
        .filter(|(t, _)| t.starts_with('{'))
        .map(|(_, v)| v)
        .collect();
    names
        .into_iter()
        .zip(values)
        .filter_map(|(n, v)| {
            let name: &'static str = alma_sdk::registry::all()
                .into_iter()
                .flat_map(|o| o.params.iter())
                .find(|p| p.name == n)?
                .name;
            Some((name, crate::route::decode(v)))
        })
        .collect()
}
