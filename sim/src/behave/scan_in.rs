//! Scanning an item in ([`Behaviour::ScanIn`]): its loans end (gone from the item's and the
//! user's loans, a `LOAN_RETURNED` webhook call each) and it is back in place; the operation's
//! role then answers the item.

use alma_runtime::registry::Behaviour;
use serde_json::json;

use super::lend::{collection, item_ids, lending, loans_of};
use super::{notify, Ctx, Rule};
use crate::answer::Answer;
use crate::route::encode;
use crate::store::{self, text_at};

pub const RULE: Rule = Rule {
    name: "scan in",
    applies: |op| op.behaviours.contains(&Behaviour::ScanIn),
    serve,
};

fn serve(cx: &mut Ctx<'_>) -> Option<Answer> {
    let item_path = cx.path.to_owned();
    let mut ids = item_ids(cx.op.path, &item_path);
    let loans = loans_of(&cx.state.store, &ids);
    for loan in loans {
        let (Some(user), Some(id)) = (text_at(&loan, "user_id"), text_at(&loan, "loan_id")) else {
            continue;
        };
        ids.retain(|(n, _)| *n != "user_id");
        ids.push(("user_id", user));
        for o in lending() {
            if let Some(c) = collection(o, &ids) {
                cx.state.store.remove(&format!("{c}/{}", encode(&id)));
            }
        }
        let mut returned = loan;
        store::set_at(&mut returned, "loan_status", json!("COMPLETE"));
        notify::send(cx.alma, "LOAN", "LOAN_RETURNED", "item_loan", &returned);
    }
    if let Some(it) = cx.state.store.get_mut(&item_path) {
        store::set_at(
            it,
            "item_data.base_status",
            json!({"value": "1", "desc": "Item in place"}),
        );
    }
    None
}
