//! `alma <area> <operation> …`: one call, its answer on stdout (JSON pretty-printed on a
//! terminal and compact otherwise, XML as received), an error on stderr as one line with Alma's
//! code, message and tracking id; `--all` streams every record as NDJSON, one page in memory.

use std::io::{IsTerminal, Read, Write};
use std::time::Instant;

use alma_runtime::registry::{OperationInfo, ParamIn};
use alma_runtime::{Error, Format, RawBody, RequestBuilder};
use clap::ArgMatches;

use crate::profile::Settings;

/// What went wrong, and the exit status it gives.
pub enum Failure {
    /// Bad arguments or configuration: nothing was sent (2).
    Usage(String),
    /// Alma or the connection said no (1).
    Call(Error),
    /// The output went away (a closed pipe): not an error.
    Closed,
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Call(e)
    }
}

/// One line for stderr: Alma's code, message and tracking id, or what failed. The runtime's
/// errors never hold the key.
pub fn error_line(e: &Error) -> String {
    let m = e.meta();
    match (m.code, m.message) {
        (Some(code), Some(message)) => format!(
            "{}: {code} {message}{}",
            m.operation.unwrap_or("alma"),
            m.tracking_id
                .map(|t| format!(" (tracking id {t})"))
                .unwrap_or_default()
        ),
        _ => e.to_string(),
    }
}

/// The request an operation's arguments make (values as given; clap checked their types).
pub fn request(
    client: &alma_runtime::Client,
    op: &'static OperationInfo,
    m: &ArgMatches,
    settings_format: Option<Format>,
) -> Result<RequestBuilder, Failure> {
    let mut req = client.request(&op.spec);
    let given = |name: &str| -> Option<String> {
        let p = op.param(name)?;
        if p.fixed.is_some() {
            return p.fixed.map(str::to_owned);
        }
        let id = crate::commands::arg_id(p);
        match p.ty {
            alma_runtime::registry::ParamType::Integer => {
                m.get_one::<i64>(&id).map(|v| v.to_string())
            }
            alma_runtime::registry::ParamType::Number => {
                m.get_one::<f64>(&id).map(|v| v.to_string())
            }
            _ => m.get_one::<String>(&id).cloned(),
        }
    };
    // The way the call is made must be one Alma's documentation allows; a secret the chosen way
    // needs is then read (its value is never an argument).
    // Needed when required on its own, or when the registry's judgement of the choices says the
    // chosen way lacks it.
    let needs_secret = |name: &str| {
        op.param(name)
            .is_some_and(|p| p.required && p.choice.is_none())
            || matches!(
                op.check_choices(&given),
                Err(alma_runtime::registry::ChoiceViolation::Missing { param, .. }) if param == name
            )
    };
    let mut secrets: Vec<(&'static alma_runtime::registry::ParamInfo, String)> = Vec::new();
    for p in op.params.iter().filter(|p| p.secret) {
        let id = crate::commands::arg_id(p);
        let flag = crate::commands::secret_env_flag(p);
        let value = match m.get_one::<String>(&id) {
            Some(var) => Some(std::env::var(var).map_err(|_| {
                Failure::Usage(format!("--{flag} {var}: no such environment variable"))
            })?),
            None if needs_secret(p.name) => {
                if !std::io::stdin().is_terminal() {
                    return Err(Failure::Usage(format!(
                        "{}: {} is needed: name the environment variable that holds it with --{flag}",
                        op.spec.name, p.name
                    )));
                }
                Some(
                    rpassword::prompt_password(format!("{}: ", p.name))
                        .map_err(|e| Failure::Usage(format!("{}: {e}", p.name)))?,
                )
            }
            None => None,
        };
        if let Some(v) = value {
            secrets.push((p, v));
        }
    }
    let with_secrets = |name: &str| {
        if secrets.iter().any(|(p, _)| p.name == name) {
            Some(String::new())
        } else {
            given(name)
        }
    };
    op.check_choices(&with_secrets).map_err(|v| {
        Failure::Usage(format!(
            "{}: {}",
            op.spec.name,
            flags_in(op, &v.to_string())
        ))
    })?;
    for (p, v) in secrets {
        if let Some(h) = p.header {
            req = req.secret_header(h, alma_runtime::Secret::from(v), p.url_encoded);
        }
    }
    for p in op.params.iter().filter(|p| !p.secret) {
        if let Some(v) = p.fixed {
            req = req.query(p.name, v.to_owned());
            continue;
        }
        let id = crate::commands::arg_id(p);
        let value = match p.ty {
            alma_runtime::registry::ParamType::Integer => {
                m.get_one::<i64>(&id).map(|v| v.to_string())
            }
            alma_runtime::registry::ParamType::Number => {
                m.get_one::<f64>(&id).map(|v| v.to_string())
            }
            _ => m.get_one::<String>(&id).cloned(),
        };
        if let Some(v) = value {
            req = match p.location {
                ParamIn::Path => req.path_param(p.name, v),
                ParamIn::Query | ParamIn::Header => req.query(p.name, v),
            };
        }
    }
    let format = match m.get_one::<String>("format").map(String::as_str) {
        Some("xml") => Format::Xml,
        Some(_) => Format::Json,
        None => settings_format.unwrap_or(Format::Json),
    };
    Ok(req.format(format))
}

/// A message about parameters, with each parameter named as its flag (`circ_desk` →
/// `--circ-desk`).
fn flags_in(op: &OperationInfo, message: &str) -> String {
    let mut out = message.to_owned();
    let mut params: Vec<&alma_runtime::registry::ParamInfo> = op
        .params
        .iter()
        .filter(|p| p.location != ParamIn::Path)
        .collect();
    // Longer names first, so `work_order_type` is not half-replaced by a shorter one.
    params.sort_by_key(|p| std::cmp::Reverse(p.name.len()));
    for p in params {
        let flag = if p.secret {
            crate::commands::secret_env_flag(p)
        } else {
            crate::commands::flag(p.name)
        };
        out = out
            .split(' ')
            .map(|w| {
                let (word, rest) = w.split_at(w.trim_end_matches(',').len());
                if word == p.name {
                    format!("--{flag}{rest}")
                } else {
                    w.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join(" ");
    }
    out
}

/// A body from a file or stdin, in the format its first character says, checked against the
/// operation's model before anything is sent (and sent as given, byte for byte).
pub fn body(op: &OperationInfo, source: &str) -> Result<RawBody, Failure> {
    let mut text = String::new();
    if source == "-" {
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Failure::Usage(format!("--body -: {e}")))?;
    } else {
        text = std::fs::read_to_string(source)
            .map_err(|e| Failure::Usage(format!("--body {source}: {e}")))?;
    }
    let xml = text.trim_start().starts_with('<');
    let format = if xml { Format::Xml } else { Format::Json };
    if op.spec.xml_only_body && !xml {
        return Err(Failure::Usage(format!(
            "{}: Alma takes this body only as XML (MARCXML)",
            op.spec.name
        )));
    }
    if let Some(model) = op.request_model.and_then(alma_sdk::registry::model) {
        model.to_value(text.as_bytes(), format).map_err(|e| {
            Failure::Usage(format!(
                "--body {source}: not a {} the operation takes: {e}",
                model.name
            ))
        })?;
    }
    Ok(match format {
        Format::Xml => RawBody::xml(text),
        Format::Json => RawBody {
            format: Format::Json,
            text,
        },
    })
}

/// Writes a body to stdout: JSON pretty on a terminal, compact otherwise; XML as received.
pub fn print(body: &RawBody) -> Result<(), Failure> {
    let stdout = std::io::stdout();
    let terminal = stdout.is_terminal();
    let mut out = stdout.lock();
    let text = match body.format {
        Format::Json if !body.text.trim().is_empty() => {
            match serde_json::from_str::<serde_json::Value>(&body.text) {
                Ok(v) if terminal => serde_json::to_string_pretty(&v).unwrap_or_default(),
                Ok(v) => v.to_string(),
                Err(_) => body.text.clone(),
            }
        }
        _ => body.text.clone(),
    };
    if text.is_empty() {
        return Ok(());
    }
    writeln!(out, "{text}")
        .and_then(|_| out.flush())
        .map_err(|_| Failure::Closed)
}

/// Runs one operation.
pub async fn run(op: &'static OperationInfo, m: &ArgMatches) -> Result<(), Failure> {
    let settings = Settings::load(m.get_one::<String>("profile").map(String::as_str))
        .map_err(Failure::Usage)?;
    let verbose = m.get_flag("verbose");
    let client = settings
        .client(None, alma_runtime::Priority::Interactive)
        .map_err(Failure::Usage)?;
    let req = request(&client, op, m, settings.format().map_err(Failure::Usage)?)?;
    if verbose {
        eprintln!(
            "alma: {} {} (as {})",
            op.method.as_str(),
            req.display_url().map_err(Failure::Call)?,
            op.spec.name
        );
    }
    if m.try_get_one::<bool>("all").ok().flatten() == Some(&true) {
        if m.get_one::<String>("format").map(String::as_str) == Some("xml") {
            return Err(Failure::Usage(
                "--all writes one JSON document per line; leave out --format xml".into(),
            ));
        }
        return all(req, verbose).await;
    }
    let started = Instant::now();
    let answer = match m.try_get_one::<String>("body").ok().flatten() {
        Some(source) => {
            let b = body(op, source)?;
            req.send_with_body::<RawBody, RawBody>(&b).await?
        }
        None => req.send::<RawBody>().await?,
    };
    if verbose {
        eprintln!(
            "alma: HTTP {} in {} ms{}",
            answer.status.as_u16(),
            started.elapsed().as_millis(),
            answer
                .remaining
                .map(|r| format!(", {r} calls left today"))
                .unwrap_or_default()
        );
    }
    print(&answer.value)
}

/// `--all`: every record as one JSON line, with the stream's guards (a repeated page ends it);
/// progress on stderr when it is a terminal.
async fn all(req: RequestBuilder, verbose: bool) -> Result<(), Failure> {
    let mut stream = alma_runtime::Paginator::untyped(req);
    let progress = std::io::stderr().is_terminal();
    let started = Instant::now();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut n: u64 = 0;
    let mut shown = Instant::now();
    while let Some(record) = stream.next().await {
        let record = record?;
        serde_json::to_writer(&mut out, &record).map_err(|_| Failure::Closed)?;
        out.write_all(b"\n").map_err(|_| Failure::Closed)?;
        n += 1;
        if progress && shown.elapsed().as_millis() >= 250 {
            shown = Instant::now();
            out.flush().map_err(|_| Failure::Closed)?;
            let secs = started.elapsed().as_secs_f64().max(1e-3);
            let rate = n as f64 / secs;
            let line = match stream.total_record_count() {
                Some(total) if total >= n => {
                    let left = (total - n) as f64 / rate.max(1e-9);
                    format!("{n} / {total} records, {rate:.0}/s, {left:.0} s to go")
                }
                _ => format!("{n} records, {rate:.0}/s"),
            };
            eprint!("\r\x1b[K{line}");
        }
    }
    out.flush().map_err(|_| Failure::Closed)?;
    if progress || verbose {
        eprintln!(
            "\r\x1b[K{n} records in {:.1} s ({} pages)",
            started.elapsed().as_secs_f64(),
            stream.pages_fetched()
        );
    }
    Ok(())
}
