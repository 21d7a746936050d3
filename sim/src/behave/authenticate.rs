//! Authentication ([`Behaviour::Authenticate`]: `op=auth`): the password (header `Exl-User-Pw`
//! or the query, as the operation's secret parameter says) must be the one the user record
//! holds; success is no content (HTTP 204, as the description says), a wrong or missing
//! password the operation's "authentication failed", an unknown user its not-found code.

use alma_runtime::registry::{Behaviour, OperationInfo};

use super::{Ctx, Rule};
use crate::answer::Answer;
use crate::store::text_at;

pub const RULE: Rule = Rule {
    name: "authenticate",
    applies: |op| op_value(op).is_some(),
    serve,
};

fn op_value(op: &OperationInfo) -> Option<&'static str> {
    op.behaviours.iter().find_map(|b| match b {
        Behaviour::Authenticate { op } => Some(*op),
        _ => None,
    })
}

fn serve(cx: &mut Ctx<'_>) -> Option<Answer> {
    let want = op_value(cx.op)?;
    // `op` defaults to the authentication where the operation documents that default.
    let selector = cx.op.choices.iter().find_map(|c| c.selector);
    let chosen = selector.and_then(|s| cx.req.param(cx.op, s)).or_else(|| {
        selector
            .and_then(|s| cx.op.param(s))
            .and_then(|p| p.default)
            .map(str::to_owned)
    });
    if chosen.as_deref() != Some(want) {
        return None;
    }
    let Some(user) = cx.state.store.get(cx.path) else {
        let id = cx.params.last().map(|(_, v)| v.as_str()).unwrap_or("");
        return Some(
            cx.alma
                .not_found(cx.req, cx.op, cx.params.len().saturating_sub(1), id),
        );
    };
    let secret = cx.op.params.iter().find(|p| p.secret)?;
    let from_header = secret.header.and_then(|h| cx.req.header(h)).map(|v| {
        if secret.url_encoded {
            crate::route::decode(v)
        } else {
            v.to_owned()
        }
    });
    let given = from_header.or_else(|| cx.req.query(secret.name).map(str::to_owned));
    // The record's field of the secret's name holds the password.
    let held = text_at(user, secret.name);
    match (given, held) {
        (Some(g), Some(h)) if !g.is_empty() && g == h => Some(Answer::empty(204)),
        _ => Some(cx.refuse(&["authentication failed"], "")),
    }
}
