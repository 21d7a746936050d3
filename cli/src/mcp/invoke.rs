//! One tool call: the arguments judged as the registry types them and as Alma's prose allows
//! (`check_choices`), a write answered first by its dry run and made only with the confirmation
//! that dry run gave (an HMAC of the operation and its arguments under a key of this process,
//! so it cannot be made up), the answer narrowed by `fields` and bounded by `limit`, and every
//! result carrying the institution's limits. An Alma error becomes a tool error with Alma's
//! code, message and tracking id and what the operation documents that code to mean.

use alma_runtime::registry::{OperationInfo, ParamIn, ParamType};
use alma_runtime::{Client, Format, Method, RawBody, RequestBuilder};
use hmac::{Hmac, Mac};
use serde_json::{json, Map, Value};
use sha2::Sha256;

use super::catalogue::{reads, DATA_NOTE};

/// A tool's outcome: its structured content, and whether it is an error.
pub struct Outcome {
    pub value: Value,
    pub error: bool,
}

impl Outcome {
    fn ok(value: Value) -> Outcome {
        Outcome {
            value,
            error: false,
        }
    }

    fn refused(message: impl Into<String>) -> Outcome {
        Outcome {
            value: json!({ "error": { "message": message.into() } }),
            error: true,
        }
    }
}

/// Keys of JSON objects sorted at every level: one text for the same arguments.
fn canonical(v: &Value) -> String {
    fn sort(v: &Value) -> Value {
        match v {
            Value::Object(o) => {
                let mut keys: Vec<&String> = o.keys().collect();
                keys.sort();
                let mut out = Map::new();
                for k in keys {
                    out.insert(k.clone(), sort(&o[k]));
                }
                Value::Object(out)
            }
            Value::Array(a) => Value::Array(a.iter().map(sort).collect()),
            other => other.clone(),
        }
    }
    sort(v).to_string()
}

/// The confirmation of a write: an HMAC of the operation and its arguments (`confirm` left
/// out) under this process's key.
pub fn confirmation(secret: &[u8], op: &OperationInfo, args: &Map<String, Value>) -> String {
    let mut args = args.clone();
    args.remove("confirmation");
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("any key length");
    mac.update(op.qualified_name().as_bytes());
    mac.update(b"\n");
    mac.update(canonical(&Value::Object(args)).as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The text of an argument for the URL.
fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The request the arguments make, or why they are refused (nothing sent).
fn request(
    client: &Client,
    op: &'static OperationInfo,
    args: &Map<String, Value>,
) -> Result<RequestBuilder, String> {
    let known = |k: &str| {
        matches!(k, "body" | "fields" | "confirmation")
            || op
                .params
                .iter()
                .any(|p| p.name == k && p.fixed.is_none() && !p.secret)
    };
    if let Some(k) = args.keys().find(|k| !known(k)) {
        let names: Vec<&str> = op
            .params
            .iter()
            .filter(|p| p.fixed.is_none() && !p.secret)
            .map(|p| p.name)
            .collect();
        return Err(format!(
            "{}: no argument {k:?}; it takes {}",
            op.qualified_name(),
            names.join(", ")
        ));
    }
    let given = |name: &str| -> Option<String> {
        let p = op.param(name)?;
        p.fixed
            .map(str::to_owned)
            .or_else(|| args.get(name).and_then(text))
    };
    for p in op.params.iter().filter(|p| !p.secret) {
        match given(p.name) {
            None if p.required => {
                return Err(format!("{}: {} is required", op.qualified_name(), p.name))
            }
            Some(v) if !p.ty.accepts(&v) => {
                let what = match p.ty {
                    ParamType::Enum(values) => format!("one of {}", values.join(", ")),
                    ParamType::Integer => "an integer".into(),
                    ParamType::Number => "a number".into(),
                    ParamType::Boolean => "true or false".into(),
                    _ => "text".into(),
                };
                return Err(format!(
                    "{}: {}={v:?} is not {what}",
                    op.qualified_name(),
                    p.name
                ));
            }
            _ => {}
        }
    }
    op.check_choices(&given)
        .map_err(|v| format!("{}: {v}", op.qualified_name()))?;
    let mut req = client.request(&op.spec).format(Format::Json);
    for p in op.params.iter().filter(|p| !p.secret) {
        if let Some(v) = given(p.name) {
            req = match p.location {
                ParamIn::Path => req.path_param(p.name, v),
                ParamIn::Query | ParamIn::Header => req.query(p.name, v),
            };
        }
    }
    Ok(req)
}

/// The body to send: XML text for an XML-only operation, else the JSON object, read by the
/// operation's model first so that a body Alma would refuse is refused here.
fn body(op: &OperationInfo, args: &Map<String, Value>) -> Result<Option<RawBody>, String> {
    if !op.has_request_body {
        return Ok(None);
    }
    let Some(b) = args.get("body") else {
        return Err(format!("{}: body is required", op.qualified_name()));
    };
    let raw = match b {
        Value::String(xml) if op.spec.xml_only_body => RawBody::xml(xml.clone()),
        _ if op.spec.xml_only_body => {
            return Err(format!(
                "{}: Alma takes this body only as XML (give it as a string)",
                op.qualified_name()
            ))
        }
        Value::Object(_) => RawBody::json(b),
        _ => return Err(format!("{}: body must be an object", op.qualified_name())),
    };
    if let Some(model) = op.request_model.and_then(alma_sdk::registry::model) {
        model
            .to_value(raw.text.as_bytes(), raw.format)
            .map_err(|e| format!("{}: not a {} record: {e}", op.qualified_name(), model.name))?;
    }
    Ok(Some(raw))
}

/// The limits every result carries.
pub fn governance(client: &Client) -> Value {
    let s = client.stats();
    json!({
        "calls_left_today": s.remaining,
        "budget_used": s.budget_used,
        "budget_max": s.budget_limit,
    })
}

/// What changes: each JSON pointer whose value differs, before → after.
fn changes(before: &Value, after: &Value, at: &str, out: &mut Vec<Value>) {
    match (before, after) {
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                match (a.get(k), b.get(k)) {
                    (Some(x), Some(y)) => changes(x, y, &p, out),
                    (x, y) => out.push(json!({"at": p, "before": x, "after": y})),
                }
            }
        }
        (x, y) if x != y => {
            out.push(json!({"at": if at.is_empty() { "/" } else { at }, "before": x, "after": y}))
        }
        _ => {}
    }
}

/// Calls an operation with a tool's arguments.
pub async fn call(
    client: &Client,
    secret: &[u8],
    op: &'static OperationInfo,
    args: Map<String, Value>,
) -> Outcome {
    let req = match request(client, op, &args) {
        Ok(r) => r,
        Err(e) => return Outcome::refused(e),
    };
    let body = match body(op, &args) {
        Ok(b) => b,
        Err(e) => return Outcome::refused(e),
    };
    if !reads(op) {
        let expected = confirmation(secret, op, &args);
        match args.get("confirmation").and_then(Value::as_str) {
            None => return Outcome::ok(dry_run(client, op, &args, &req, body.as_ref(), &expected).await),
            Some(c) if c != expected => {
                return Outcome::refused(format!(
                    "{}: the confirmation does not match these arguments (or this server's run): ask for a new dry run and confirm it unchanged",
                    op.qualified_name()
                ))
            }
            Some(_) => {}
        }
    }
    let sent = match &body {
        Some(b) => req.send_with_body::<RawBody, RawBody>(b).await,
        None => req.send::<RawBody>().await,
    };
    match sent {
        Ok(answer) => {
            let value = answer.value.to_json().unwrap_or_else(|| {
                if answer.value.text.trim().is_empty() {
                    json!({"status": answer.status.as_u16()})
                } else {
                    Value::String(answer.value.text.clone())
                }
            });
            Outcome::ok(shape(op, &args, value, client))
        }
        Err(e) => {
            let m = e.meta();
            let meaning = m.code.and_then(|c| {
                op.errors
                    .iter()
                    .find(|d| d.code == c)
                    .map(|d| d.message)
                    .or_else(|| op.not_found.iter().find(|n| n.code == c).map(|n| n.message))
            });
            Outcome {
                value: json!({
                    "error": {
                        "operation": op.qualified_name(),
                        "status": m.status.map(|s| s.as_u16()),
                        "code": m.code,
                        "message": m.message.map(str::to_owned).unwrap_or_else(|| e.to_string()),
                        "tracking_id": m.tracking_id,
                        "documented_meaning": meaning,
                    },
                    "governance": governance(client),
                }),
                error: true,
            }
        }
    }
}

/// A write's dry run: the exact request (the key is a header, never in the URL, and is not
/// shown), and for an update what changes in the record, before → after.
async fn dry_run(
    client: &Client,
    op: &'static OperationInfo,
    args: &Map<String, Value>,
    req: &RequestBuilder,
    body: Option<&RawBody>,
    confirm: &str,
) -> Value {
    let url = req.display_url().unwrap_or_else(|e| e.to_string());
    let mut run = json!({
        "dry_run": true,
        "operation": op.qualified_name(),
        "method": op.method.as_str(),
        "url": url,
        "body": body.map(|b| b.to_json().unwrap_or_else(|| Value::String(b.text.clone()))),
        "confirmation": confirm,
        "to_make_it": format!("call {} again with the same arguments and \"confirmation\": \"{confirm}\", after the user agreed", super::catalogue::tool_name(op)),
    });
    // An update: the record as it is, and what the body changes.
    if op.method == Method::Put {
        if let (Some(get), Some(after)) = (
            op.get_pair
                .and_then(|g| alma_sdk::registry::operation(op.area, g)),
            body.and_then(RawBody::to_json),
        ) {
            let mut get_args = args.clone();
            get_args.retain(|k, _| get.param(k).is_some());
            if let Ok(r) = request(client, get, &get_args) {
                if let Ok(before) = r.send::<RawBody>().await {
                    if let Some(before) = before.value.to_json() {
                        let mut diff = Vec::new();
                        changes(&before, &after, "", &mut diff);
                        run["changes"] = Value::Array(diff);
                    }
                }
            }
        }
    }
    json!({ "result": run, "governance": governance(client), "note": "Nothing was changed: this is the dry run." })
}

/// The answer narrowed to `fields` (JSON pointers), a list's page described, and the limits.
fn shape(op: &OperationInfo, args: &Map<String, Value>, value: Value, client: &Client) -> Value {
    let mut out = Map::new();
    if let (Some(key), Value::Object(o)) = (op.items_key, &value) {
        let total = o.get("total_record_count").and_then(Value::as_i64);
        let n = o.get(key).and_then(Value::as_array).map_or(0, Vec::len) as i64;
        let offset = args.get("offset").and_then(Value::as_i64).unwrap_or(0);
        let limit = args.get("limit").and_then(Value::as_i64).unwrap_or(10);
        let next = (total.is_some_and(|t| offset + n < t)).then_some(offset + n);
        out.insert(
            "page".into(),
            json!({"total_record_count": total, "offset": offset, "limit": limit, "returned": n,
                   "next_offset": next}),
        );
    }
    let result = match args.get("fields").and_then(Value::as_array) {
        Some(pointers) => {
            let mut picked = Map::new();
            for p in pointers.iter().filter_map(Value::as_str) {
                picked.insert(
                    p.to_owned(),
                    value.pointer(p).cloned().unwrap_or(Value::Null),
                );
            }
            Value::Object(picked)
        }
        None => value,
    };
    out.insert("result".into(), result);
    out.insert("governance".into(), governance(client));
    out.insert("note".into(), json!(DATA_NOTE));
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_arguments_give_the_same_confirmation_in_any_order() {
        let op = alma_sdk::registry::operation("users", "update_user").unwrap();
        let a: Map<String, Value> =
            serde_json::from_str(r#"{"user_id": "jdoe", "body": {"a": 1, "b": 2}}"#).unwrap();
        let b: Map<String, Value> = serde_json::from_str(
            r#"{"body": {"b": 2, "a": 1}, "user_id": "jdoe", "confirmation": "x"}"#,
        )
        .unwrap();
        assert_eq!(confirmation(b"k", op, &a), confirmation(b"k", op, &b));
        let c: Map<String, Value> =
            serde_json::from_str(r#"{"user_id": "jdoe", "body": {"a": 1, "b": 3}}"#).unwrap();
        assert_ne!(confirmation(b"k", op, &a), confirmation(b"k", op, &c));
        assert_ne!(confirmation(b"k", op, &a), confirmation(b"other", op, &a));
    }

    #[test]
    fn changes_are_pointers_before_and_after() {
        let mut out = Vec::new();
        changes(
            &json!({"a": 1, "b": {"c": "x"}, "d": 1}),
            &json!({"a": 1, "b": {"c": "y"}, "e": 2}),
            "",
            &mut out,
        );
        assert_eq!(
            out,
            vec![
                json!({"at": "/b/c", "before": "x", "after": "y"}),
                json!({"at": "/d", "before": 1, "after": null}),
                json!({"at": "/e", "before": null, "after": 2}),
            ]
        );
    }
}
