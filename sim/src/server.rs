//! The HTTP side: each connection served by hyper; each request through dropped-connection
//! faults, the gateway's chain (`gateway::CHAIN`), then Alma; answers counted.

use std::sync::Arc;

use alma_runtime::Format;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::alma::{Alma, Req};
use crate::answer::Answer;
use crate::gateway::{self, MAX_BODY};
use crate::route;
use serde_json::{json, Value};

/// The connection is dropped on purpose (`--fail drop=…`): hyper closes it without an answer.
#[derive(Debug)]
pub struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for Dropped {}

/// Accepts connections until `stop` says so.
pub async fn serve(listener: TcpListener, alma: Arc<Alma>, mut stop: watch::Receiver<bool>) {
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(_) => continue,
            },
            _ = stop.changed() => break,
        };
        let _ = stream.set_nodelay(true);
        let alma = alma.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let alma = alma.clone();
                async move { handle(&alma, req).await }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn handle(
    alma: &Alma,
    req: hyper::Request<Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, Dropped> {
    let config = &alma.config;
    if config.drop > 0.0 && fastrand::f64() < config.drop {
        alma.counters
            .dropped
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        return Err(Dropped);
    }
    // The local Alma's own page (not Alma's API): what seeding loaded and skipped, and which
    // behaviours serve which operations.
    if req.uri().path() == "/__seed" {
        let report = json!({
            "seed": alma.seed_report.get().cloned().unwrap_or(Value::Array(Vec::new())),
            "behaviours": crate::behave::listing(),
        });
        return Ok(response(
            Answer::new(200, Format::Json, report.to_string()),
            None,
        ));
    }
    let (answer, remaining) = answer(alma, req).await;
    alma.counters.served(answer.status);
    // The answer is slow to come back: the request was carried out already, as when a slow
    // network or a timeout leaves a client not knowing whether its write happened.
    if !config.latency.is_zero() {
        tokio::time::sleep(config.latency).await;
    }
    Ok(response(answer, remaining))
}

async fn answer(alma: &Alma, req: hyper::Request<Incoming>) -> (Answer, Option<u64>) {
    let (parts, body) = req.into_parts();
    alma.counters.method(parts.method.as_str());
    let query: Vec<(String, String)> = parts
        .uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let declared_too_large = parts
        .headers
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .is_some_and(|n| n > MAX_BODY);
    let body = if declared_too_large {
        None
    } else {
        Limited::new(body, MAX_BODY)
            .collect()
            .await
            .ok()
            .map(|b| b.to_bytes())
    };
    let path = parts.uri.path().trim_end_matches('/').to_owned();
    let mut incoming = gateway::Incoming {
        method: &parts.method,
        path: &path,
        query: &query,
        headers: &parts.headers,
        body: body.as_ref(),
        key: None,
        remaining: None,
    };
    if let Some(answer) = gateway::pass(alma, &mut incoming).await {
        return (answer, incoming.remaining);
    }
    let remaining = incoming.remaining;
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let content_type = header("content-type").unwrap_or("").to_ascii_lowercase();
    let body_format = if content_type.contains("xml") {
        Some(Format::Xml)
    } else if content_type.contains("json") {
        Some(Format::Json)
    } else {
        None
    };
    let format = match query
        .iter()
        .find(|(k, _)| k == "format")
        .map(|(_, v)| v.as_str())
    {
        Some("json") => Format::Json,
        Some("xml") => Format::Xml,
        _ => {
            let accept = header("accept").unwrap_or("").to_ascii_lowercase();
            // Alma's default is XML.
            if accept.contains("json") && !accept.starts_with("application/xml") {
                Format::Json
            } else {
                Format::Xml
            }
        }
    };
    let Some(method) = route::method_of(&parts.method) else {
        return (
            Answer::alma_error(405, format, "INTERNAL_SERVER_ERROR", "Method not allowed"),
            remaining,
        );
    };
    let host = header("host").unwrap_or("localhost");
    let req = Req {
        method,
        path,
        query,
        body: body.unwrap_or_default(),
        body_format,
        format,
        base: format!("http://{host}"),
        // What the registry's header parameters read (`Exl-User-Pw`); never the key.
        headers: parts
            .headers
            .iter()
            .filter(|(k, _)| *k != hyper::header::AUTHORIZATION)
            .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect(),
    };
    (alma.serve(&req), remaining)
}

fn response(answer: Answer, remaining: Option<u64>) -> hyper::Response<Full<Bytes>> {
    let mut builder = hyper::Response::builder().status(answer.status);
    if let Some(ct) = answer.content_type {
        builder = builder.header("Content-Type", format!("{ct};charset=UTF-8"));
    }
    let mut has_remaining = false;
    for (k, v) in &answer.headers {
        has_remaining |= k.eq_ignore_ascii_case("x-exl-api-remaining");
        builder = builder.header(*k, v.as_str());
    }
    if let (Some(r), false) = (remaining, has_remaining) {
        builder = builder.header("X-Exl-Api-Remaining", r.to_string());
    }
    builder
        .body(Full::new(answer.body))
        .unwrap_or_else(|_| hyper::Response::new(Full::new(Bytes::new())))
}
