//! Another way to one record ([`Behaviour::FindBy`]: `GET /items?item_barcode=…`): Alma
//! answers with a redirect to the record's own URL, the rest of the query kept; a value no
//! record holds gets the operation's documented refusal naming it.

use alma_runtime::registry::{Behaviour, OperationInfo};

use super::{Ctx, Rule};
use crate::answer::Answer;
use crate::route::encode;
use crate::store::text_at;

pub const RULE: Rule = Rule {
    name: "find by",
    applies: |op| by(op).is_some(),
    serve,
};

/// The parameter, the field that holds its value, and the record's own GET.
fn by(op: &OperationInfo) -> Option<(&'static str, &'static str, &'static str)> {
    op.behaviours.iter().find_map(|b| match b {
        Behaviour::FindBy { param, field, read } => Some((*param, *field, *read)),
        _ => None,
    })
}

fn serve(cx: &mut Ctx<'_>) -> Option<Answer> {
    let (param, field, read) = by(cx.op)?;
    let value = cx.req.query(param).unwrap_or("");
    let template = alma_sdk::registry::operation(cx.op.area, read)?.path;
    let found = cx
        .state
        .store
        .records_like(template)
        .into_iter()
        .find(|(_, v)| text_at(v, field).is_some_and(|t| t == value))
        .map(|(p, _)| p.to_owned());
    Some(match found {
        Some(record) => {
            let rest: Vec<String> = cx
                .req
                .query
                .iter()
                .filter(|(k, _)| k != param && k != "apikey")
                .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
                .collect();
            let query = if rest.is_empty() {
                String::new()
            } else {
                format!("?{}", rest.join("&"))
            };
            Answer::empty(302).header("Location", format!("{}{record}{query}", cx.req.base))
        }
        // The documented refusal that names what was looked for ("No items found for barcode").
        None => cx.refuse_naming(&[param.rsplit('_').next().unwrap_or(param)], value),
    })
}
