//! `alma batch --input FILE [--journal FILE] [--apply] [--concurrency N] -- <area> <operation>
//! ARGS… [--set PATH=VALUE]…`: one operation per row of a CSV, TSV or NDJSON file, `{column}`
//! placeholders filled from the row.
//!
//! A dry run by default: each row's change (before → after, only what differs), nothing written.
//! `--apply` writes, each row through the journal (`journal.rs`): rerunning the same command
//! resumes, a row whose write may or may not have happened is checked with a fresh GET first,
//! so that after a `kill -9` at any moment every row is applied exactly once. With `--set`, an
//! update operation that has a GET pair reads the record, sets the fields, and writes it back only
//! if that changed something. Requests go through the client's limiter (shared through Redis
//! when the profile says so) as `batch` requests unless the profile says otherwise (so that
//! interactive work is not queued behind them), `--concurrency` at a time; the batch stops at
//! the daily quota's low-water mark or the profile's budget, and says how to resume. The end: a summary, the failed rows in a file to feed
//! back as `--input`, and a non-zero status if any row failed.

mod edit;
mod input;
mod journal;

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use alma_runtime::registry::{OperationInfo, Role};
use alma_runtime::{Error, Format, RawBody};
use clap::{Arg, ArgAction, Command};
use serde_json::{json, Value};

use crate::call::{error_line, Failure};
use crate::profile::Settings;
use edit::Setter;
use input::{Input, Row};
use journal::{Journal, State};

fn command() -> Command {
    Command::new("batch")
        .about("Run one operation for every row of a CSV, TSV or NDJSON file, with a journal")
        .arg(Arg::new("input").long("input").required(true).value_name("FILE").help("The rows: CSV, TSV or NDJSON"))
        .arg(Arg::new("journal").long("journal").value_name("FILE").help("The journal (default: derived from the input)"))
        .arg(Arg::new("apply").long("apply").action(ArgAction::SetTrue).help("Write (without it: a dry run, nothing written)"))
        .arg(Arg::new("concurrency").long("concurrency").value_name("N").default_value("4").value_parser(clap::value_parser!(usize)).help("Requests in flight"))
        .arg(Arg::new("profile").long("profile").value_name("NAME").help("The profile of ~/.config/alma/config.toml to use"))
        .arg(Arg::new("verbose").long("verbose").short('v').action(ArgAction::SetTrue).help("Print each row's outcome"))
        .arg(Arg::new("rate").long("rate").value_name("N").value_parser(clap::value_parser!(f64)).hide(true))
        .arg(Arg::new("operation").num_args(1..).last(true).required(true).value_name("AREA OPERATION ARGS…").allow_hyphen_values(true))
        .after_help("Example: alma batch --input items.csv -- bibs update-item {mms_id} {holding_id} {item_pid} --set item_data.internal_note_1={note}")
}

/// What happened to one row.
#[derive(Debug, Clone)]
enum Outcome {
    Applied,
    Unchanged,
    Failed(String, String),
    Uncertain,
    Skipped,
    /// Not sent: the daily quota's low-water mark (resumable).
    Stopped(String),
    /// Dry run: what would change.
    Would(String),
}

struct Plan {
    op: &'static OperationInfo,
    get: Option<&'static OperationInfo>,
    setters: Vec<Setter>,
    /// The operation's own arguments, with placeholders.
    args: Vec<String>,
    body: Option<String>,
}

pub async fn run(args: Vec<String>) -> Result<bool, Failure> {
    let m = command()
        .try_get_matches_from(std::iter::once("batch".to_owned()).chain(args))
        .map_err(|e| Failure::Usage(e.render().to_string()))?;
    let input_path = PathBuf::from(m.get_one::<String>("input").unwrap());
    let input = input::read(&input_path).map_err(Failure::Usage)?;
    let template: Vec<String> = m
        .get_many::<String>("operation")
        .unwrap()
        .cloned()
        .collect();
    let plan = plan(&template, &input)?;
    let settings = Settings::load(m.get_one::<String>("profile").map(String::as_str))
        .map_err(Failure::Usage)?;
    let client = settings
        .client(
            m.get_one::<f64>("rate").copied(),
            alma_runtime::Priority::Batch,
        )
        .map_err(Failure::Usage)?;
    let apply = m.get_flag("apply");
    let verbose = m.get_flag("verbose");
    let concurrency = (*m.get_one::<usize>("concurrency").unwrap()).max(1);
    let fingerprint = format!(
        "{} -- {}",
        input_path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or(""),
        template.join(" ")
    );
    let journal_path = m
        .get_one::<String>("journal")
        .map(PathBuf::from)
        .unwrap_or_else(|| derived(&input_path, plan.op, "journal"));
    // Held before the journal is read, until the run ends: one run per journal.
    let _held = if apply {
        Some(journal::hold(&journal_path).map_err(Failure::Usage)?)
    } else {
        None
    };
    let states = if apply {
        journal::read(&journal_path, &fingerprint).map_err(Failure::Usage)?
    } else {
        Default::default()
    };
    let journal = if apply {
        Some(Arc::new(
            Journal::open(&journal_path, &fingerprint).map_err(Failure::Usage)?,
        ))
    } else {
        None
    };
    let plan = Arc::new(plan);
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicUsize::new(0));
    let total = input.rows.len();
    let started = Instant::now();
    let progress = std::io::stderr().is_terminal() && !verbose;
    let semaphore = Arc::new(tokio::sync::Semaphore::new(concurrency));
    let mut tasks = Vec::new();
    for row in input.rows.iter().cloned() {
        let state = states.get(&row.n).cloned();
        if state.as_ref().is_some_and(State::done) {
            done.fetch_add(1, Ordering::Relaxed);
            tasks.push(tokio::spawn(async move { (row.n, Outcome::Skipped) }));
            continue;
        }
        let permit = semaphore
            .clone()
            .acquire_owned()
            .await
            .expect("open semaphore");
        let (plan, client, journal, stop, counted) = (
            plan.clone(),
            client.clone(),
            journal.clone(),
            stop.clone(),
            done.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let n = row.n;
            let outcome = if stop.load(Ordering::Relaxed) {
                Outcome::Stopped("stopped earlier".into())
            } else {
                let in_doubt = state == Some(State::Pending);
                one(&plan, &client, journal.as_deref(), &row, in_doubt, apply).await
            };
            if matches!(outcome, Outcome::Stopped(_)) {
                stop.store(true, Ordering::Relaxed);
            }
            counted.fetch_add(1, Ordering::Relaxed);
            drop(permit);
            (n, outcome)
        }));
        if progress {
            let d = done.load(Ordering::Relaxed);
            let rate = d as f64 / started.elapsed().as_secs_f64().max(1e-3);
            eprint!(
                "\r\x1b[K{d} / {total} rows, {rate:.1}/s, {:.0} s to go",
                (total - d) as f64 / rate.max(1e-9)
            );
        }
    }
    let mut outcomes: BTreeMap<usize, Outcome> = BTreeMap::new();
    for t in tasks {
        let (n, o) = t
            .await
            .map_err(|e| Failure::Usage(format!("a row's task failed: {e}")))?;
        outcomes.insert(n, o);
    }
    if progress {
        eprint!("\r\x1b[K");
    }
    report(
        &input,
        &input_path,
        plan.op,
        &outcomes,
        apply,
        verbose,
        &journal_path,
        started,
    )
}

/// The file beside the input: `items.csv` → `items.bibs-update_item.journal`.
fn derived(input: &Path, op: &OperationInfo, what: &str) -> PathBuf {
    let stem = input
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("batch");
    let ext = input.extension().and_then(|s| s.to_str()).unwrap_or("csv");
    let name = match what {
        "failed" => format!("{stem}.failed.{ext}"),
        _ => format!("{stem}.{}-{}.{what}", op.area, op.name),
    };
    input.with_file_name(name)
}

/// Checks the command before any request: the operation, every placeholder a column, the
/// arguments as the operation's command line takes them (for the first row), `--set` paths
/// in the record's model.
fn plan(template: &[String], input: &Input) -> Result<Plan, Failure> {
    let [area, name, rest @ ..] = template else {
        return Err(Failure::Usage("after --, give AREA OPERATION ARGS…".into()));
    };
    let op = crate::commands::find(area, name).ok_or_else(|| {
        Failure::Usage(format!(
            "no operation {area} {name} (alma {area} --help lists them)"
        ))
    })?;
    for t in rest {
        for p in input::placeholders(t) {
            if !input.columns.iter().any(|c| c == p) {
                return Err(Failure::Usage(format!(
                    "{{{p}}}: the input has no column {p:?} (columns: {})",
                    input.columns.join(", ")
                )));
            }
        }
    }
    // Split our --set from the operation's own arguments.
    let mut args = Vec::new();
    let mut sets = Vec::new();
    let mut body = None;
    let mut it = rest.iter();
    while let Some(a) = it.next() {
        if a == "--set" {
            sets.push(
                it.next()
                    .cloned()
                    .ok_or_else(|| Failure::Usage("--set needs PATH=VALUE".into()))?,
            );
        } else if let Some(s) = a.strip_prefix("--set=") {
            sets.push(s.to_owned());
        } else if a == "--body" {
            body = Some(
                it.next()
                    .cloned()
                    .ok_or_else(|| Failure::Usage("--body needs a file".into()))?,
            );
        } else {
            args.push(a.clone());
        }
    }
    let get = match (sets.is_empty(), op.role, op.get_pair) {
        (true, _, _) => None,
        (false, Role::Update, Some(g)) => crate::commands::find(area, &crate::commands::kebab(g)),
        _ => {
            return Err(Failure::Usage(format!(
                "--set needs an update operation with a GET of the same record; {} is not one",
                op.spec.name
            )))
        }
    };
    if !sets.is_empty() && body.is_some() {
        return Err(Failure::Usage(
            "--set reads the record itself: leave out --body".into(),
        ));
    }
    let model = get
        .and_then(|g| g.response_model)
        .and_then(alma_sdk::registry::model)
        .map(|m| m.desc());
    let setters = match model {
        Some(model) => sets
            .iter()
            .map(|s| edit::setter(s, model))
            .collect::<Result<Vec<_>, _>>()
            .map_err(Failure::Usage)?,
        None => Vec::new(),
    };
    if op.has_request_body && sets.is_empty() && body.is_none() {
        return Err(Failure::Usage(format!(
            "{} takes a body: give --body FILE (with {{column}} placeholders inside it), or --set",
            op.spec.name
        )));
    }
    let plan = Plan {
        op,
        get,
        setters,
        args,
        body,
    };
    if let Some(first) = input.rows.first() {
        parse(&plan, first)?;
        for s in &plan.setters {
            s.json_value(&input::fill(&s.template, first))
                .map_err(Failure::Usage)?;
        }
    }
    Ok(plan)
}

/// The operation's arguments for a row, parsed as `alma <area> <operation>` parses them.
fn parse(plan: &Plan, row: &Row) -> Result<clap::ArgMatches, Failure> {
    let args: Vec<String> = plan.args.iter().map(|a| input::fill(a, row)).collect();
    crate::commands::operation(plan.op, true)
        .no_binary_name(true)
        .try_get_matches_from(args)
        .map_err(|e| Failure::Usage(format!("row {}: {}", row.n, e.render().to_string().trim())))
}

/// The format the record is read and written in: XML where Alma takes only XML.
fn record_format(plan: &Plan) -> Format {
    if plan.op.spec.xml_only_body {
        Format::Xml
    } else {
        Format::Json
    }
}

async fn one(
    plan: &Plan,
    client: &alma_runtime::Client,
    journal: Option<&Journal>,
    row: &Row,
    in_doubt: bool,
    apply: bool,
) -> Outcome {
    let m = match parse(plan, row) {
        Ok(m) => m,
        Err(Failure::Usage(e)) => return Outcome::Failed("arguments".into(), e),
        Err(_) => return Outcome::Failed("arguments".into(), "bad arguments".into()),
    };
    let fail = |e: &Error| Outcome::Failed(e.code().unwrap_or("error").to_owned(), error_line(e));
    let journal_write = |v: Value| -> Result<(), Outcome> {
        match journal {
            Some(j) => j
                .write(&v)
                .map_err(|e| Outcome::Failed("journal".into(), e)),
            None => Ok(()),
        }
    };
    let finish = |outcome: Outcome, extra: Value| -> Outcome {
        let (state, code) = match &outcome {
            Outcome::Applied => ("applied", None),
            Outcome::Unchanged => ("unchanged", None),
            Outcome::Failed(c, _) => ("failed", Some(c.clone())),
            Outcome::Uncertain => ("uncertain", None),
            Outcome::Stopped(_) => ("deferred", None),
            _ => return outcome,
        };
        let mut line = json!({"row": row.n, "state": state, "values": row.values.iter().cloned().collect::<BTreeMap<_, _>>()});
        if let Some(c) = code {
            line["code"] = json!(c);
        }
        if let Outcome::Failed(_, e) = &outcome {
            line["error"] = json!(e);
        }
        if let Value::Object(o) = extra {
            for (k, v) in o {
                line[k] = v;
            }
        }
        match journal_write(line) {
            Ok(()) => outcome,
            Err(o) => o,
        }
    };
    // The quota, or the budget, is used up for today: stop, resumable.
    let quota = |e: &Error| matches!(e, Error::DailyQuota { .. } | Error::Budget { .. });
    // Without --set: the operation as given, per row.
    let Some(get) = plan.get else {
        let req = match crate::call::request(client, plan.op, &m, Some(Format::Json)) {
            Ok(r) => r,
            Err(_) => return Outcome::Failed("arguments".into(), "bad arguments".into()),
        };
        let shown = req.display_url().unwrap_or_default();
        if !apply {
            return Outcome::Would(format!("{} {shown}", plan.op.method.as_str()));
        }
        if in_doubt {
            // Sent before the interruption, or not: a delete is checked by reading the record;
            // anything else is not sent twice.
            if plan.op.role == Role::Delete {
                if let Some(read) = crate::commands::find(plan.op.area, &read_of(plan.op)) {
                    let m2 = parse_for(read, &m);
                    if let Ok(r) = crate::call::request(client, read, &m2, Some(Format::Json)) {
                        match r.send::<RawBody>().await {
                            Err(e)
                                if e.status()
                                    .is_some_and(|s| s.as_u16() == 400 || s.as_u16() == 404) =>
                            {
                                return finish(
                                    Outcome::Applied,
                                    json!({"checked": "gone after an interruption"}),
                                )
                            }
                            _ => {}
                        }
                    }
                }
            } else {
                return finish(
                    Outcome::Uncertain,
                    json!({"checked": "may have been sent before an interruption; not sent again"}),
                );
            }
        }
        if let Err(o) = journal_write(json!({"row": row.n, "state": "pending"})) {
            return o;
        }
        let result = match &plan.body {
            Some(file) => match std::fs::read_to_string(file) {
                Ok(text) => {
                    let text = input::fill(&text, row);
                    let b = if text.trim_start().starts_with('<') {
                        RawBody::xml(text)
                    } else {
                        RawBody {
                            format: Format::Json,
                            text,
                        }
                    };
                    req.send_with_body::<RawBody, RawBody>(&b).await
                }
                Err(e) => {
                    return finish(
                        Outcome::Failed("body".into(), format!("{file}: {e}")),
                        json!({}),
                    )
                }
            },
            None => req.send::<RawBody>().await,
        };
        return match result {
            Ok(a) => finish(Outcome::Applied, json!({"answer": answer_value(&a.value)})),
            Err(e) if quota(&e) => finish(Outcome::Stopped(error_line(&e)), json!({})),
            Err(e) => finish(fail(&e), json!({})),
        };
    };
    // --set: GET, set, PUT only if something changed.
    let format = record_format(plan);
    let get_m = parse_for(get, &m);
    let read = match crate::call::request(client, get, &get_m, Some(format)) {
        Ok(r) => r.format(format),
        Err(_) => return Outcome::Failed("arguments".into(), "bad arguments".into()),
    };
    let before = match read.send::<RawBody>().await {
        Ok(a) => a.value,
        Err(e) if quota(&e) => return finish(Outcome::Stopped(error_line(&e)), json!({})),
        Err(e) => return finish(fail(&e), json!({})),
    };
    let record: Value = match format {
        Format::Json => match serde_json::from_str(&before.text) {
            Ok(v) => v,
            Err(e) => {
                return finish(
                    Outcome::Failed("answer".into(), format!("the record is not JSON: {e}")),
                    json!({}),
                )
            }
        },
        Format::Xml => match get
            .response_model
            .and_then(alma_sdk::registry::model)
            .map(|mi| mi.to_value(before.text.as_bytes(), Format::Xml))
        {
            Some(Ok(v)) => v,
            _ => {
                return finish(
                    Outcome::Failed("answer".into(), "the record does not decode".into()),
                    json!({}),
                )
            }
        },
    };
    let mut targets = Vec::new();
    for s in &plan.setters {
        match s.json_value(&input::fill(&s.template, row)) {
            Ok(v) => targets.push((s, v)),
            Err(e) => return finish(Outcome::Failed("value".into(), e), json!({})),
        }
    }
    let changes: Vec<(&Setter, Value)> = targets
        .iter()
        .filter(|(s, v)| !s.holds(&record, v))
        .cloned()
        .collect();
    if changes.is_empty() {
        return finish(
            if in_doubt {
                Outcome::Applied
            } else {
                Outcome::Unchanged
            },
            json!({"checked": if in_doubt { "the record holds the change: applied before an interruption" } else { "already so" }}),
        );
    }
    let diff: Vec<String> = changes
        .iter()
        .map(|(s, v)| {
            format!(
                "{}: {} → {}",
                s.path.join("."),
                s.current(&record).map_or("(none)".into(), Value::to_string),
                v
            )
        })
        .collect();
    if !apply {
        return Outcome::Would(diff.join("; "));
    }
    let body = match format {
        Format::Json => {
            let mut after = record.clone();
            for (s, v) in &changes {
                s.apply(&mut after, v.clone());
            }
            RawBody {
                format: Format::Json,
                text: after.to_string(),
            }
        }
        Format::Xml => {
            let mut doc = before.text.clone();
            for (s, v) in &changes {
                let text = match v {
                    Value::String(t) => t.clone(),
                    other => other.to_string(),
                };
                doc = match s.apply_xml(&doc, &text) {
                    Ok(d) => d,
                    Err(e) => return finish(Outcome::Failed("xml".into(), e), json!({})),
                };
            }
            RawBody::xml(doc)
        }
    };
    // The before-image goes to the journal before the write: whatever happens next, a rerun
    // knows this row was about to change.
    if let Err(o) =
        journal_write(json!({"row": row.n, "state": "pending", "before": record, "change": diff}))
    {
        return o;
    }
    let put = match crate::call::request(client, plan.op, &m, Some(format)) {
        Ok(r) => r.format(format),
        Err(_) => return Outcome::Failed("arguments".into(), "bad arguments".into()),
    };
    match put.send_with_body::<RawBody, RawBody>(&body).await {
        Ok(a) => finish(
            Outcome::Applied,
            json!({"change": diff, "answer": answer_value(&a.value)}),
        ),
        Err(e) if quota(&e) => finish(Outcome::Stopped(error_line(&e)), json!({})),
        Err(e) => finish(fail(&e), json!({"change": diff})),
    }
}

/// The answer as a journal holds it: JSON as JSON, anything else as text.
fn answer_value(b: &RawBody) -> Value {
    serde_json::from_str(&b.text).unwrap_or_else(|_| Value::String(b.text.clone()))
}

/// The GET of the record a delete removes (same path).
fn read_of(op: &OperationInfo) -> String {
    alma_sdk::registry::all()
        .into_iter()
        .find(|o| o.area == op.area && o.role == Role::Read && o.path == op.path)
        .map(|o| crate::commands::kebab(o.name))
        .unwrap_or_default()
}

/// Another operation's arguments from these: the same path parameters, by name.
fn parse_for(other: &'static OperationInfo, m: &clap::ArgMatches) -> clap::ArgMatches {
    let args: Vec<String> = other
        .path_params()
        .map(|p| m.get_one::<String>(p.name).cloned().unwrap_or_default())
        .collect();
    crate::commands::operation(other, false)
        .no_binary_name(true)
        .ignore_errors(true)
        .try_get_matches_from(args)
        .unwrap_or_default()
}

#[allow(clippy::too_many_arguments)]
fn report(
    input: &Input,
    input_path: &Path,
    op: &OperationInfo,
    outcomes: &BTreeMap<usize, Outcome>,
    apply: bool,
    verbose: bool,
    journal: &Path,
    started: Instant,
) -> Result<bool, Failure> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut codes: BTreeMap<String, usize> = BTreeMap::new();
    let mut failed: Vec<&Row> = Vec::new();
    let mut stopped = None;
    for row in &input.rows {
        let Some(o) = outcomes.get(&row.n) else {
            continue;
        };
        let key = match o {
            Outcome::Applied => "applied",
            Outcome::Unchanged => "unchanged",
            Outcome::Skipped => "skipped (done before)",
            Outcome::Uncertain => "uncertain (not sent again)",
            Outcome::Would(change) => {
                println!("row {}: would change {change}", row.n);
                "would change"
            }
            Outcome::Failed(code, e) => {
                eprintln!("row {}: failed: {e}", row.n);
                *codes.entry(code.clone()).or_default() += 1;
                failed.push(row);
                "failed"
            }
            Outcome::Stopped(e) => {
                stopped.get_or_insert_with(|| e.clone());
                "not done (stopped)"
            }
        };
        if verbose && !matches!(o, Outcome::Failed(..) | Outcome::Would(_)) {
            println!("row {}: {key}", row.n);
        }
        *counts.entry(key).or_default() += 1;
    }
    let mut summary: Vec<String> = counts.iter().map(|(k, n)| format!("{k} {n}")).collect();
    if !codes.is_empty() {
        let c: Vec<String> = codes.iter().map(|(c, n)| format!("{c} ×{n}")).collect();
        summary.push(format!("failed by code: {}", c.join(", ")));
    }
    eprintln!(
        "{} {}: {} rows in {:.1} s — {}",
        if apply { "applied" } else { "dry run of" },
        op.spec.name,
        input.rows.len(),
        started.elapsed().as_secs_f64(),
        summary.join(", ")
    );
    if !apply {
        eprintln!("nothing was written; add --apply to write");
    } else {
        eprintln!("journal: {}", journal.display());
    }
    if !failed.is_empty() && apply {
        let path = derived(input_path, op, "failed");
        input::write_rows(&path, input, &failed).map_err(Failure::Usage)?;
        eprintln!(
            "failed rows: {} (give it as --input to try them again)",
            path.display()
        );
    }
    if let Some(e) = stopped {
        eprintln!("stopped: {e}\nrun the same command again to resume (after midnight GMT, when the quota starts afresh)");
        return Ok(false);
    }
    Ok(failed.is_empty())
}
