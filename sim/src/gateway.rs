//! The Alma API gateway, from Ex Libris's guide, as an ordered chain of handlers (LocalStack's
//! request handler chain is the model): each looks at the request and lets it on, answers it
//! with the gateway's error, or holds it (the rate queue). [`CHAIN`] is the order; a new rule is
//! one entry. Gateway errors are always XML and carry the codes of
//! [`alma_runtime::GatewayError`].

use std::time::{Duration, Instant};

#[cfg(test)]
use crate::config::SimConfig;
#[cfg(test)]
use crate::memory::Gateway;

use alma_runtime::GatewayError;
use bytes::Bytes;

use crate::alma::Alma;
use crate::answer::Answer;

/// Alma's request body limit.
pub const MAX_BODY: usize = 512 * 1024;

/// The caller's key, as the gateway judged it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub key: String,
    pub read_only: bool,
}

/// A request as the gateway sees it.
pub struct Incoming<'a> {
    pub method: &'a hyper::Method,
    pub path: &'a str,
    pub query: &'a [(String, String)],
    pub headers: &'a hyper::HeaderMap,
    /// The body, or `None` when it was over [`MAX_BODY`].
    pub body: Option<&'a Bytes>,
    /// Set by the key handler.
    pub key: Option<Key>,
    /// Set by the quota handler: what every answer from here on says is left today.
    pub remaining: Option<u64>,
}

impl Incoming<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// What a handler decided.
pub enum Step {
    /// On to the next handler.
    Next,
    /// The gateway answers; Alma never sees the request.
    Answer(Answer),
    /// Held in the queue this long, then on.
    Wait(Duration),
}

/// A rule of the gateway.
pub type Handler = fn(&Alma, &mut Incoming<'_>) -> Step;

/// The gateway's rules, in the order they apply.
pub const CHAIN: &[(&str, Handler)] = &[
    ("key", key),
    ("size", size),
    ("read-only", read_only),
    ("rate", rate),
    ("quota", quota),
    ("faults", faults),
    ("content type", content_type),
];

/// Runs the chain: the gateway's answer, or `None` when the request goes on to Alma.
pub async fn pass(alma: &Alma, req: &mut Incoming<'_>) -> Option<Answer> {
    for (_, handler) in CHAIN {
        match handler(alma, req) {
            Step::Next => {}
            Step::Answer(a) => return Some(a),
            Step::Wait(d) => tokio::time::sleep(d).await,
        }
    }
    None
}

fn refuse(status: u16, error: GatewayError, message: &str) -> Step {
    Step::Answer(Answer::gateway_error(status, error.code(), message))
}

/// The API key: header `Authorization: apikey …` or query `apikey=`.
fn key(alma: &Alma, req: &mut Incoming<'_>) -> Step {
    let config = &alma.config;
    let from_header = req.header("authorization").and_then(|a| {
        let (scheme, rest) = a.trim().split_once(' ')?;
        scheme.eq_ignore_ascii_case("apikey").then(|| rest.trim())
    });
    let from_query = req
        .query
        .iter()
        .find(|(k, _)| k == "apikey")
        .map(|(_, v)| v.as_str());
    let Some(key) = from_header.or(from_query).filter(|k| !k.is_empty()) else {
        return refuse(
            500,
            GatewayError::MissingApiKey,
            "A Gateway error has occurred - Make sure you add an appropriate apikey as a parameter or a header.",
        );
    };
    let read_only = config.read_only_keys.iter().any(|k| k == key);
    if !read_only && !config.keys.is_empty() && !config.keys.iter().any(|k| k == key) {
        return refuse(
            403,
            GatewayError::InvalidApiKey,
            "Rejected by gateway due to invalid API-key.",
        );
    }
    req.key = Some(Key {
        key: key.to_owned(),
        read_only,
    });
    Step::Next
}

/// The 512 KB request limit.
fn size(_: &Alma, req: &mut Incoming<'_>) -> Step {
    if req.body.is_none() {
        return refuse(
            403,
            GatewayError::RequestTooLarge,
            "Rejected by gateway due to message size limit. The current size limit is 512kb.",
        );
    }
    Step::Next
}

/// A read-only (GET-only) API plan's writes, but those the operation's documentation says
/// alter nothing.
fn read_only(alma: &Alma, req: &mut Incoming<'_>) -> Step {
    if !req.key.as_ref().is_some_and(|k| k.read_only) || req.method == hyper::Method::GET {
        return Step::Next;
    }
    let allowed = crate::route::method_of(req.method)
        .and_then(|m| alma.operation(m, req.path))
        .is_some_and(|op| {
            let query: Vec<(&str, String)> = req
                .query
                .iter()
                .map(|(k, v)| (k.as_str(), v.clone()))
                .collect();
            op.spec.read_only.allows(&query)
        });
    if allowed {
        return Step::Next;
    }
    refuse(
        403,
        GatewayError::GetOnlyPlan,
        "HTTP requests for this API Plan (Read-only) must be GET only.",
    )
}

/// The per-second threshold, per institution (every key together): a GCRA schedule at the
/// rate with a burst, and a queue in front of it ([`SimConfig::queue`]).
fn rate(alma: &Alma, _: &mut Incoming<'_>) -> Step {
    let mut state = alma.state();
    match state.gateway.admit(&alma.config, Instant::now()) {
        Ok(wait) if wait.is_zero() => Step::Next,
        Ok(wait) => Step::Wait(wait),
        Err(()) => refuse(
            429,
            GatewayError::PerSecondThreshold,
            "HTTP requests are more than allowed per second. See https://goo.gl/2x1c1M ",
        ),
    }
}

/// The daily threshold.
fn quota(alma: &Alma, req: &mut Incoming<'_>) -> Step {
    let mut state = alma.state();
    match state.gateway.count(&alma.config) {
        Some(left) => {
            req.remaining = Some(left);
            Step::Next
        }
        None => {
            req.remaining = Some(0);
            refuse(
                400,
                GatewayError::DailyThreshold,
                "Daily API Request Threshold has been reached. For details see: https://developers.exlibrisgroup.com/alma/apis#threshold",
            )
        }
    }
}

/// Injected faults (`--fail 503=…`, `fail_first`): Alma behind the gateway not answering.
fn faults(alma: &Alma, req: &mut Incoming<'_>) -> Step {
    let config = &alma.config;
    let routing = || {
        refuse(
            503,
            GatewayError::RoutingError,
            "No response from Alma: sim01 (down for maintenance)",
        )
    };
    if config.fail_503 > 0.0 && fastrand::f64() < config.fail_503 {
        return routing();
    }
    if config.fail_first > 0
        && (config.fail_methods.is_empty()
            || config
                .fail_methods
                .iter()
                .any(|m| m.eq_ignore_ascii_case(req.method.as_str())))
    {
        let n = alma
            .counters
            .failed_first
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if (n as usize) < config.fail_first {
            return routing();
        }
    }
    Step::Next
}

/// XML bodies: sent with their content type, and well-formed.
fn content_type(_: &Alma, req: &mut Incoming<'_>) -> Step {
    let body = req.body.map(|b| &b[..]).unwrap_or_default();
    let declared_xml = req
        .header("content-type")
        .is_some_and(|c| c.to_ascii_lowercase().contains("xml"));
    if !declared_xml && body.trim_ascii_start().starts_with(b"<") {
        return refuse(
            400,
            GatewayError::XmlContentTypeNotSet,
            "A Gateway error: XML was received but content-type header was not set to: application/xml",
        );
    }
    if declared_xml && !body.is_empty() && !well_formed(body) {
        return refuse(
            400,
            GatewayError::XmlNotWellFormed,
            "A Gateway error has occurred: XML is not well-formed",
        );
    }
    Step::Next
}

/// Whether an XML body parses, start to end.
fn well_formed(body: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(body) else {
        return false;
    };
    let mut reader = quick_xml::Reader::from_str(text);
    let mut depth = 0i64;
    let mut roots = 0;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(_)) => {
                roots += i32::from(depth == 0);
                depth += 1;
            }
            Ok(quick_xml::events::Event::Empty(_)) => roots += i32::from(depth == 0),
            Ok(quick_xml::events::Event::End(_)) => depth -= 1,
            Ok(quick_xml::events::Event::Eof) => return depth == 0 && roots == 1,
            Ok(_) => {}
            Err(_) => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(rate: f64, burst: f64, queue_ms: u64) -> SimConfig {
        SimConfig {
            rate: Some(rate),
            burst,
            queue: Duration::from_millis(queue_ms),
            ..SimConfig::default()
        }
    }

    #[test]
    fn a_burst_goes_at_once_then_requests_queue_then_are_refused() {
        let c = config(25.0, 25.0, 1000);
        let mut g = Gateway::default();
        let t0 = Instant::now();
        let waits: Vec<Result<Duration, ()>> = (0..80).map(|_| g.admit(&c, t0)).collect();
        // 25 at once; then one every 40 ms, each waiting longer, up to the queue's second.
        assert!(waits[..25].iter().all(|w| *w == Ok(Duration::ZERO)));
        assert_eq!(waits[25], Ok(Duration::from_millis(40)));
        assert_eq!(waits[49], Ok(Duration::from_millis(1000)));
        assert!(
            waits[50..].iter().all(|w| w.is_err()),
            "{:?}",
            &waits[48..52]
        );
        // A refused request took no slot: one interval later, one more fits.
        assert_eq!(
            g.admit(&c, t0 + Duration::from_millis(40)),
            Ok(Duration::from_millis(1000))
        );
    }

    #[test]
    fn without_a_queue_the_rate_refuses_at_once() {
        let c = config(25.0, 1.0, 0);
        let mut g = Gateway::default();
        let t0 = Instant::now();
        assert_eq!(g.admit(&c, t0), Ok(Duration::ZERO));
        assert_eq!(g.admit(&c, t0), Err(()));
        assert_eq!(
            g.admit(&c, t0 + Duration::from_millis(40)),
            Ok(Duration::ZERO)
        );
    }
}
