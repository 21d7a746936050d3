//! Alma's behaviours that an operation's role does not say, each keyed by the resource it
//! concerns (not by operation name), with the operation's documented codes:
//!
//! - loans: a loan is of an item that exists and is not on loan already (else the create
//!   operation's "not loanable" code); it is listed under its user and under its item, and
//!   the item is out of place while it lasts; scanning the item in returns it;
//! - item by barcode: `GET /items?item_barcode=…` answers 302 with the item's URL;
//! - jobs: running one creates an instance that completes after the configured time
//!   (`COMPLETED_SUCCESS`, then a `JOB_END` webhook call);
//! - Analytics: a report answered in pages, the first with a resumption token and the columns'
//!   headings;
//! - webhook calls for users, items and loans created, changed or deleted.

use std::time::{Duration, Instant, SystemTime};

use alma_runtime::registry::{OperationInfo, Role};
use serde_json::{json, Value};

use crate::alma::{Alma, Behaviours, Req};
use crate::answer::{escape, Answer};
use crate::memory::State;
use crate::route::encode;
use crate::store::{self, text_at};

/// The behaviours, as the local Alma calls them (wired in by the crate root).
pub const BEHAVIOURS: Behaviours = Behaviours {
    intercept,
    changed,
    before_read,
};

/// Serves a request a rule answers itself, or `None` for the role's generic answer.
pub fn intercept(
    alma: &Alma,
    state: &mut State,
    req: &Req,
    op: &'static OperationInfo,
    params: &[(&'static str, String)],
    path: &str,
) -> Option<Answer> {
    let collection_name = |p: &str| store::split(p).1.to_owned();
    match op.role {
        Role::Get if op.path.ends_with("/items") && op.param("item_barcode").is_some() => {
            Some(by_barcode(alma, state, req, op))
        }
        Role::Get if op.path.ends_with("/analytics/reports") => Some(report(alma, state, req, op)),
        Role::Create if collection_name(op.path) == "loans" => {
            Some(create_loan(alma, state, req, op, params, path))
        }
        Role::Act if op.path.ends_with("/items/{item_pid}") && req.query("op") == Some("scan") => {
            return_item(alma, state, path);
            None
        }
        Role::Act if op.path.ends_with("/jobs/{job_id}") && req.query("op") == Some("run") => {
            Some(run_job(alma, state, req, op, params))
        }
        _ => None,
    }
}

fn by_barcode(alma: &Alma, state: &State, req: &Req, op: &OperationInfo) -> Answer {
    let barcode = req.query("item_barcode").unwrap_or("");
    let found = state.store.find_in("/items", |v| {
        text_at(v, "item_data.barcode").as_deref() == Some(barcode)
    });
    match found {
        Some(item) => {
            // Alma's shorthand URL: a redirect to the item, the rest of the query kept.
            let rest: Vec<String> = req
                .query
                .iter()
                .filter(|(k, _)| k != "item_barcode" && k != "apikey")
                .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
                .collect();
            let query = if rest.is_empty() {
                String::new()
            } else {
                format!("?{}", rest.join("&"))
            };
            Answer::empty(302).header("Location", format!("{}{item}{query}", req.base))
        }
        None => {
            let e = op
                .errors
                .iter()
                .find(|e| e.message.to_ascii_lowercase().contains("barcode"));
            let (code, message) = e
                .map(|e| (e.code, e.message))
                .unwrap_or(("401689", "No items found for barcode."));
            let _ = alma;
            Answer::alma_error(
                400,
                req.format,
                code,
                &format!("{} {barcode}.", message.trim_end_matches('.')),
            )
        }
    }
}

/// A loan: of an existing item not on loan already; stored under the user and the item.
fn create_loan(
    alma: &Alma,
    state: &mut State,
    req: &Req,
    op: &'static OperationInfo,
    params: &[(&'static str, String)],
    collection: &str,
) -> Answer {
    // The item: by the path (`…/items/{item_pid}/loans`) or by barcode (`users/{id}/loans`).
    let item_path = match collection.strip_suffix("/loans") {
        Some(p) if p.contains("/items/") => Some(p.to_owned()),
        _ => {
            let by = |field: &str, want: Option<&str>| {
                want.and_then(|w| {
                    state
                        .store
                        .find_in("/items", |v| text_at(v, field).as_deref() == Some(w))
                })
            };
            by("item_data.barcode", req.query("item_barcode"))
                .or_else(|| by("item_data.pid", req.query("item_pid")))
        }
    };
    let refuse =
        |pick: &dyn Fn(&str) -> bool, fallback: (&'static str, &'static str), detail: &str| {
            let e = op
                .errors
                .iter()
                .find(|e| pick(&e.message.to_ascii_lowercase()));
            let (code, message) = e.map(|e| (e.code, e.message)).unwrap_or(fallback);
            Answer::alma_error(400, req.format, code, &format!("{message} {detail}"))
        };
    let Some(item_path) = item_path.filter(|p| state.store.contains(p)) else {
        return refuse(
            &|m| m.contains("not loanable") || m.contains("item"),
            ("401651", "Item is not loanable."),
            "(no such item)",
        );
    };
    let on_loan = state
        .store
        .all(&format!("{item_path}/loans"))
        .any(|(_, l)| text_at(l, "loan_status").as_deref() != Some("COMPLETE"));
    if on_loan {
        return refuse(
            &|m| m.contains("not loanable"),
            ("401651", "Item is not loanable."),
            "(the item is on loan)",
        );
    }
    let body = match alma.body_value(req, op) {
        Ok(v) => v,
        Err(a) => return a,
    };
    let item = state.store.get(&item_path).cloned().unwrap_or_default();
    let user_id = params
        .iter()
        .find(|(n, _)| *n == "user_id")
        .map(|(_, v)| v.clone())
        .or_else(|| req.query("user_id").map(str::to_owned))
        .unwrap_or_default();
    if user_id.is_empty()
        || !state
            .store
            .contains(&format!("/almaws/v1/users/{}", encode(&user_id)))
    {
        return refuse(
            &|m| m.contains("user"),
            ("401890", "User with identifier X of type Y was not found."),
            &user_id,
        );
    }
    let loan_id = crate::alma::new_id(&mut state.store, "loan_id", &alma.config.institution);
    let now = SystemTime::now();
    let mut loan = body;
    let mut set = |k: &str, v: Value| store::set_at(&mut loan, k, v);
    set("loan_id", json!(loan_id));
    set("user_id", json!(user_id));
    set("loan_status", json!("ACTIVE"));
    set("loan_date", json!(iso(now)));
    set(
        "due_date",
        json!(iso(now + Duration::from_secs(14 * 86_400))),
    );
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
    let user_loan = format!(
        "/almaws/v1/users/{}/loans/{}",
        encode(&user_id),
        encode(&loan_id)
    );
    let item_loan = format!("{item_path}/loans/{}", encode(&loan_id));
    state.store.put(&user_loan, loan.clone());
    state.store.put(&item_loan, loan.clone());
    if let Some(it) = state.store.get_mut(&item_path) {
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
    notify(alma, "LOAN", "LOAN_CREATED", "item_loan", &loan);
    alma.record_answer(req, op, &loan, 200)
}

/// Scanning an item in returns its loan: gone from the user's loans and the item's.
fn return_item(alma: &Alma, state: &mut State, item_path: &str) {
    let loans: Vec<(String, Value)> = state
        .store
        .all(&format!("{item_path}/loans"))
        .map(|(p, v)| (p.to_owned(), v.clone()))
        .collect();
    for (path, loan) in loans {
        state.store.remove(&path);
        if let (Some(user), Some(id)) = (text_at(&loan, "user_id"), text_at(&loan, "loan_id")) {
            state.store.remove(&format!(
                "/almaws/v1/users/{}/loans/{}",
                encode(&user),
                encode(&id)
            ));
        }
        let mut returned = loan;
        store::set_at(&mut returned, "loan_status", json!("COMPLETE"));
        notify(alma, "LOAN", "LOAN_RETURNED", "item_loan", &returned);
    }
    if let Some(it) = state.store.get_mut(item_path) {
        store::set_at(
            it,
            "item_data.base_status",
            json!({"value": "1", "desc": "Item in place"}),
        );
    }
}

/// `op=run`: a new instance, `QUEUED`, then running, then `COMPLETED_SUCCESS`.
fn run_job(
    alma: &Alma,
    state: &mut State,
    req: &Req,
    op: &OperationInfo,
    params: &[(&'static str, String)],
) -> Answer {
    let job_id = params.first().map(|(_, v)| v.clone()).unwrap_or_default();
    let instance_id =
        crate::alma::new_id(&mut state.store, "instance_id", &alma.config.institution);
    let job_path = format!("/almaws/v1/conf/jobs/{}", encode(&job_id));
    let path = format!("{job_path}/instances/{}", encode(&instance_id));
    let link = format!("{}{path}", req.base);
    let now = SystemTime::now();
    let instance = json!({
        "id": instance_id,
        "name": format!("Job {job_id} - {}", iso(now)),
        "submitted_by": {"value": "exl_api", "desc": "API, Ex Libris"},
        "submit_time": iso(now),
        "progress": 0,
        "status": {"value": "QUEUED", "desc": "Queued"},
        "job_info": {"id": job_id, "name": format!("Job {job_id}"), "link": format!("{}{job_path}", req.base)},
        "link": link,
    });
    state.store.put(&path, instance);
    state.rules.jobs.push((path, Instant::now(), false));
    let job = json!({
        "id": job_id,
        "name": format!("Job {job_id}"),
        "additional_info": {"value": format!("Job no. {instance_id} triggered on {}", iso(now)), "link": link},
    });
    alma.record_answer(req, op, &job, 200)
}

/// Brings a job instance's status up to date before it is read.
pub fn before_read(alma: &Alma, state: &mut State, path: &str) {
    if path.contains("/conf/jobs/") && path.contains("/instances/") {
        advance_jobs(alma, state);
    }
}

/// Moves every running instance along; one past its time completes (and `JOB_END` is sent).
pub fn advance_jobs(alma: &Alma, state: &mut State) {
    let duration = alma.config.job_duration;
    let mut ended = Vec::new();
    for (path, started, done) in state.rules.jobs.iter_mut().filter(|j| !j.2) {
        let elapsed = started.elapsed();
        let Some(instance) = state.store.get_mut(path) else {
            *done = true;
            continue;
        };
        if elapsed >= duration {
            *done = true;
            store::set_at(
                instance,
                "status",
                json!({"value": "COMPLETED_SUCCESS", "desc": "Completed Successfully"}),
            );
            store::set_at(instance, "progress", json!(100));
            store::set_at(instance, "end_time", json!(iso(SystemTime::now())));
            ended.push(instance.clone());
        } else {
            let pct = (elapsed.as_secs_f64() / duration.as_secs_f64().max(1e-9) * 100.0) as u64;
            store::set_at(
                instance,
                "status",
                json!({"value": "RUNNING", "desc": "Running"}),
            );
            store::set_at(instance, "progress", json!(pct.min(99)));
        }
    }
    for instance in ended {
        notify(alma, "JOB_END", "", "job_instance", &instance);
    }
}

/// Whether any job instance is still running.
pub fn jobs_running(state: &State) -> bool {
    state.rules.jobs.iter().any(|j| !j.2)
}

/// A record created, changed or deleted: Alma's webhook call for users and items.
pub fn changed(alma: &Alma, what: &str, path: &str, value: &Value) {
    let collection = store::split(store::split(path).0).1;
    match collection {
        "users" => {
            let method = match what {
                "CREATED" => "CREATE",
                "DELETED" => "DELETE",
                _ => "UPDATE",
            };
            let payload = json!({"method": method, "cause": format!("USER_{what}"), "user": value});
            notify(alma, "USER", "", "webhook_user", &payload);
        }
        "items" => notify(alma, "ITEM", &format!("ITEM_{what}"), "item", value),
        _ => {}
    }
}

/// Sends Alma's webhook call for `action`, its object under `key`.
fn notify(alma: &Alma, action: &str, event: &str, key: &str, object: &Value) {
    let Some(sender) = &alma.webhooks else { return };
    let mut payload = json!({
        "id": format!("{}", fastrand::u64(1_000_000_000_000..9_999_999_999_999)),
        "action": action,
        "institution": {"value": alma.config.institution, "desc": alma.config.institution},
        "time": iso(SystemTime::now()),
    });
    if !event.is_empty() {
        payload["event"] = json!({"value": event, "desc": event.replace('_', " ").to_lowercase()});
    }
    payload[key] = object.clone();
    sender.send(payload);
}

/// An Analytics report in pages of `limit` rows (25 by default, as Alma): the first page has a
/// resumption token and the columns' headings; the last says `IsFinished`.
fn report(alma: &Alma, state: &mut State, req: &Req, op: &OperationInfo) -> Answer {
    let total = alma.config.report_rows;
    let limit = req
        .query("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(25)
        .clamp(25, 1000);
    let path = req.query("path").unwrap_or("/shared/Sim/Report");
    let token = match req.query("token") {
        None => format!("SIM{:032X}", fastrand::u128(..)),
        Some(t) => t.to_owned(),
    };
    let first = req.query("token").is_none();
    let offset = match state.rules.reports.get(&token) {
        Some(o) => *o,
        None if first => 0,
        None => return Answer::alma_error(400, req.format, "420033", "No more rows to fetch"),
    };
    if offset >= total && !first {
        state.rules.reports.remove(&token);
        return Answer::alma_error(400, req.format, "420033", "No more rows to fetch");
    }
    let end = (offset + limit).min(total);
    state.rules.reports.insert(token.clone(), end);
    let mut xml = String::from("<QueryResult>");
    if first {
        xml.push_str(&format!("<ResumptionToken>{token}</ResumptionToken>"));
    }
    xml.push_str(&format!("<IsFinished>{}</IsFinished><ResultXml><rowset xmlns=\"urn:schemas-microsoft-com:xml-analysis:rowset\">", end >= total));
    if first {
        xml.push_str("<xsd:schema xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" xmlns:saw-sql=\"urn:saw-sql\" targetNamespace=\"urn:schemas-microsoft-com:xml-analysis:rowset\"><xsd:complexType name=\"Row\"><xsd:sequence>");
        for (i, heading) in ["Row", "Title", "Barcode", "Report"].iter().enumerate() {
            xml.push_str(&format!(
                "<xsd:element maxOccurs=\"1\" minOccurs=\"0\" name=\"Column{i}\" saw-sql:columnHeading=\"{heading}\" type=\"xsd:string\"/>"
            ));
        }
        xml.push_str("</xsd:sequence></xsd:complexType></xsd:schema>");
    }
    for row in offset..end {
        xml.push_str(&format!(
            "<Row><Column0>{row}</Column0><Column1>Title {row}</Column1><Column2>39{row:011}</Column2><Column3>{}</Column3></Row>",
            escape(path)
        ));
    }
    xml.push_str("</rowset></ResultXml></QueryResult>");
    alma.record_answer(req, op, &json!({ "anies": [xml] }), 200)
}

/// `2026-12-06T03:04:05.000Z`, from the system clock (no date library for one format).
pub fn iso(t: SystemTime) -> String {
    let c = alma_runtime::civil::civil(t);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.000Z",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    #[test]
    fn iso_dates() {
        assert_eq!(iso(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            iso(UNIX_EPOCH + Duration::from_secs(1_796_526_245)),
            "2026-12-06T03:04:05.000Z"
        );
    }
}
