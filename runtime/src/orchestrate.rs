//! The request path's stages, each a function over the call ([`Call`]: the operation, its
//! arguments and the client's shared [`Config`]), run in order by [`Call::run`]:
//!
//! guard → (admit → attempt → classify → redirect or retry)…
//!
//! The encode stage runs before (`RequestBuilder::send_with_body`), decode after
//! (`ResponseFuture`). Nothing here is generic, so the whole path is compiled once.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http::StatusCode;
use tracing::Instrument;

use crate::config::{ApiKeyMode, Config};
use crate::error::parse_error_body;
use crate::governor::{Observed, Refusal};
use crate::response::remaining;
use crate::retry::RetryPolicy;
use crate::spec::{Method, OperationSpec, MAX_REQUEST_BYTES};
use crate::{Error, Format, GatewayError};

/// How many redirects one call follows (Alma's item-by-barcode answer is one).
pub const MAX_REDIRECTS: u32 = 5;

/// How many bytes of an unexpected body errors quote.
const SNIPPET_BYTES: usize = 300;

/// The `reqwest` method of a [`Method`].
fn to_http(method: Method) -> reqwest::Method {
    match method {
        Method::Get => reqwest::Method::GET,
        Method::Post => reqwest::Method::POST,
        Method::Put => reqwest::Method::PUT,
        Method::Delete => reqwest::Method::DELETE,
    }
}

/// One call: the operation, what the program gave for it, and the client's shared
/// configuration. What every stage reads (smithy-rs's config bag, in one struct).
#[derive(Debug, Clone)]
pub(crate) struct Call {
    pub(crate) config: Arc<Config>,
    pub(crate) spec: &'static OperationSpec,
    pub(crate) path_params: Vec<(&'static str, String)>,
    pub(crate) query: Vec<(&'static str, String)>,
    /// Secrets the operation sends in headers (`Exl-User-Pw`): never in the URL, never shown.
    pub(crate) secret_headers: Vec<(&'static str, crate::Secret, bool)>,
    pub(crate) format: Option<Format>,
    pub(crate) lang: Option<String>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) priority: Option<crate::Priority>,
}

impl Call {
    pub(crate) fn new(config: Arc<Config>, spec: &'static OperationSpec) -> Call {
        Call {
            config,
            spec,
            path_params: Vec::new(),
            query: Vec::new(),
            secret_headers: Vec::new(),
            format: None,
            lang: None,
            timeout: None,
            priority: None,
        }
    }

    /// The format the answer is asked for in.
    pub(crate) fn format_for_response(&self) -> Format {
        self.format.unwrap_or(self.config.format)
    }

    /// The full URL, key included when in query mode. Never printed as is.
    pub(crate) fn url(&self) -> Result<url::Url, Error> {
        let inner = &*self.config;
        let path = crate::path::fill(self.spec.path, |name| {
            self.path_params
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.as_str())
        })
        .map_err(|e| Error::Config(format!("{}: {e}", self.spec.name)))?;
        let mut url = inner.base.clone();
        let base_path = url.path().trim_end_matches('/').to_string();
        url.set_path(&format!("{base_path}{path}"));
        {
            let mut q = url.query_pairs_mut();
            for (k, v) in &self.query {
                q.append_pair(k, v);
            }
            let lang = self.lang.as_ref().or(inner.lang.as_ref());
            if let Some(lang) = lang {
                if !self.query.iter().any(|(k, _)| *k == "lang") {
                    q.append_pair("lang", lang);
                }
            }
            if inner.key_mode == ApiKeyMode::Query {
                q.append_pair("apikey", &inner.key.0);
            }
        }
        if url.query() == Some("") {
            url.set_query(None);
        }
        Ok(url)
    }

    /// Everything up to a successful status: guard, then per attempt admit → attempt →
    /// classify, following Alma's redirects and retrying what the policy allows.
    pub(crate) async fn run(&self, body: Option<(Vec<u8>, Format)>) -> Result<RawAnswer, Error> {
        self.guard(body.as_ref().map(|(b, _)| b.len()))?;
        let started = Instant::now();
        let mut attempt = 1u32;
        // Alma's redirects (`GET /items?item_barcode=…` answers 302 with the item's URL): each
        // hop is a request of its own, admitted, counted and checked like the first.
        let mut url = self.url()?;
        let mut body = body.map(|(b, f)| (bytes::Bytes::from(b), f));
        let mut method = self.spec.method;
        let mut hops = 0u32;
        loop {
            let permit = self.admit(attempt).await?;
            let result = self
                .attempt(method, url.clone(), body.clone(), attempt)
                .await;
            drop(permit);
            let err = match self.classify(result).await? {
                Ok(answer) if answer.status.is_redirection() => {
                    hops += 1;
                    url = self.redirect_target(&url, &answer, hops)?;
                    tracing::debug!(
                        operation = self.spec.name,
                        status = answer.status.as_u16(),
                        hop = hops,
                        "alma redirect followed"
                    );
                    // 301/302/303 are followed with a GET and no body, as browsers do;
                    // 307/308 repeat the request.
                    if !matches!(answer.status.as_u16(), 307 | 308) {
                        method = Method::Get;
                        body = None;
                    }
                    attempt = 1;
                    continue;
                }
                Ok(answer) => return Ok(answer),
                Err(err) => err,
            };
            let wait = self.retry(&err, attempt, started).ok_or(err)?;
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// Admit: the rate limit and the requests in flight, in the call's class; a shared limiter
    /// may have learnt that another process used the quota up, so the quota is checked again.
    /// The permit holds a place among the requests in flight until dropped.
    async fn admit(
        &self,
        attempt: u32,
    ) -> Result<Option<tokio::sync::OwnedSemaphorePermit>, Error> {
        let gov = &self.config.governor;
        let priority = self.priority.unwrap_or(self.config.priority);
        let permit = gov.admit(priority).await.map_err(|refusal| match refusal {
            Refusal::Governance(message) => Error::Governance {
                operation: self.spec.name,
                message: self.config.key.redact(&message),
            },
            Refusal::Budget {
                name,
                limit,
                used,
                reserve,
            } => Error::Budget {
                operation: self.spec.name,
                budget: name,
                limit,
                used,
                reserve,
                resets_at: gov.next_reset(),
            },
        })?;
        self.quota_guard()?;
        gov.counters.requests.fetch_add(1, Ordering::Relaxed);
        if attempt > 1 {
            gov.counters.retries.fetch_add(1, Ordering::Relaxed);
        }
        Ok(permit)
    }

    /// Retry: how long to wait before the next attempt, within the policy's budget and for
    /// errors that are safe to retry; `None` ends the call with `err`. The hooks hear of it.
    fn retry(&self, err: &Error, attempt: u32, started: Instant) -> Option<Duration> {
        let policy = &self.config.retry;
        let budget_left = attempt < policy.max_attempts && started.elapsed() < policy.max_elapsed;
        if !budget_left || !RetryPolicy::retryable(err, self.spec.method) {
            return None;
        }
        let wait = policy.backoff(attempt);
        tracing::debug!(operation = self.spec.name, attempt, wait_ms = wait.as_millis() as u64, error = %err, "alma request will be retried");
        for h in &self.config.hooks {
            h.on_retry(&crate::RetryInfo {
                operation: self.spec.name,
                attempt,
                wait,
                error: err,
            });
        }
        Some(wait)
    }

    /// Where a redirect leads: only to Alma's own host (scheme, host and port of the client's
    /// base URL), so that the key never reaches another; in query-key mode the key goes on the
    /// new URL as ours, never as the `Location` said. At most [`MAX_REDIRECTS`] hops.
    fn redirect_target(
        &self,
        from: &url::Url,
        answer: &RawAnswer,
        hops: u32,
    ) -> Result<url::Url, Error> {
        let inner = &*self.config;
        let refuse = |why: String| {
            // The Location may carry the key (query mode): the error keeps it redacted.
            let mut headers = answer.headers.clone();
            if let Some(l) = headers
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
            {
                let redacted = inner.key.redact(l);
                if let Ok(v) = http::HeaderValue::from_str(&redacted) {
                    headers.insert(reqwest::header::LOCATION, v);
                }
            }
            Error::Api {
                operation: self.spec.name,
                status: answer.status,
                gateway: None,
                errors: Vec::new(),
                body_snippet: Some(why),
                headers: Box::new(headers),
            }
        };
        if hops > MAX_REDIRECTS {
            return Err(refuse(format!(
                "more than {MAX_REDIRECTS} redirects; not followed further"
            )));
        }
        let location = answer
            .headers
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| refuse("a redirect without a Location".into()))?;
        let mut next = from
            .join(location)
            .map_err(|_| refuse("a redirect to an unreadable Location".into()))?;
        let base = &inner.base;
        let same_origin = next.scheme() == base.scheme()
            && next.host_str() == base.host_str()
            && next.port_or_known_default() == base.port_or_known_default();
        if !same_origin {
            // The host is safe to say; the URL may carry the key (query mode).
            return Err(refuse(format!(
                "a redirect to another host ({}) was not followed: the API key is only sent to {}",
                next.host_str().unwrap_or("?"),
                base.host_str().unwrap_or("?")
            )));
        }
        if inner.key_mode == ApiKeyMode::Query {
            let pairs: Vec<(String, String)> = next
                .query_pairs()
                .filter(|(k, _)| k != "apikey")
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            let mut q = next.query_pairs_mut();
            q.clear();
            for (k, v) in &pairs {
                q.append_pair(k, v);
            }
            q.append_pair("apikey", &inner.key.0);
        }
        if next.query() == Some("") {
            next.set_query(None);
        }
        Ok(next)
    }

    /// Guard: what is refused before anything is sent (read-only clients, oversized bodies, a
    /// used-up daily quota or one at the low-water mark).
    pub(crate) fn guard(&self, body_len: Option<usize>) -> Result<(), Error> {
        let inner = &*self.config;
        let op = self.spec.name;
        if inner.read_only && !self.spec.read_only.allows(&self.query) {
            return Err(Error::ReadOnly {
                operation: op,
                method: self.spec.method.as_str(),
            });
        }
        if let Some(len) = body_len.filter(|&l| l > MAX_REQUEST_BYTES) {
            return Err(Error::RequestTooLarge {
                operation: op,
                size: len,
                limit: MAX_REQUEST_BYTES,
            });
        }
        self.quota_guard()
    }

    /// The daily quota: known to be used up, or down to the caller's low-water mark.
    fn quota_guard(&self) -> Result<(), Error> {
        let gov = &self.config.governor;
        let op = self.spec.name;
        if let Some(resets_at) = gov.exhausted() {
            return Err(Error::DailyQuota {
                operation: op,
                resets_at,
                remaining: Some(0),
                low_water: None,
                errors: Vec::new(),
            });
        }
        if let Some(remaining) = gov.below_low_water() {
            return Err(Error::DailyQuota {
                operation: op,
                resets_at: gov.next_reset(),
                remaining: Some(remaining),
                low_water: gov.low_water,
                errors: Vec::new(),
            });
        }
        Ok(())
    }

    /// Classify: what an attempt's outcome means for the institution's governance. A success
    /// records the remaining quota; `DAILY_THRESHOLD` marks the quota used up and ends the call
    /// (the outer `Err`); a 429 slows the shared limiter. The inner result is the answer, or an
    /// error the retry stage decides about.
    pub(crate) async fn classify(
        &self,
        result: Result<RawAnswer, Failed>,
    ) -> Result<Result<RawAnswer, Error>, Error> {
        let gov = &self.config.governor;
        let failed = match result {
            Ok(answer) => {
                gov.observe(Observed::Succeeded).await;
                gov.record_remaining(remaining(&answer.headers));
                return Ok(Ok(answer));
            }
            Err(failed) => failed,
        };
        if let Some(remaining) = failed.remaining_header {
            gov.record_remaining(Some(remaining));
        }
        let err = failed.error;
        match err.gateway() {
            Some(GatewayError::DailyThreshold) => {
                let (resets_at, now) = gov.mark_exhausted();
                gov.observe(Observed::QuotaExhausted {
                    until: resets_at,
                    now,
                })
                .await;
                return Err(Error::DailyQuota {
                    operation: self.spec.name,
                    resets_at,
                    remaining: Some(0),
                    low_water: None,
                    errors: err.details().to_vec(),
                });
            }
            Some(GatewayError::PerSecondThreshold) => {
                gov.counters.throttled.fetch_add(1, Ordering::Relaxed);
                gov.observe(Observed::Throttled).await;
            }
            _ => {}
        }
        Ok(Err(err))
    }

    /// Attempt: one HTTP exchange with the hooks around it.
    async fn attempt(
        &self,
        method: Method,
        url: url::Url,
        body: Option<(bytes::Bytes, Format)>,
        attempt: u32,
    ) -> Result<RawAnswer, Failed> {
        let hooks = &self.config.hooks;
        let mut headers = http::HeaderMap::new();
        headers.insert(
            reqwest::header::ACCEPT,
            http::HeaderValue::from_static(self.format_for_response().media_type()),
        );
        if let Some((_, format)) = &body {
            headers.insert(
                reqwest::header::CONTENT_TYPE,
                http::HeaderValue::from_static(format.media_type()),
            );
        }
        for h in hooks {
            let mut req = crate::BeforeSend {
                operation: self.spec.name,
                method,
                path: url.path(),
                attempt,
                headers: &mut headers,
                body: body.as_ref().map(|(b, _)| &b[..]),
            };
            if let Err(reason) = h.before_send(&mut req) {
                return Err(Failed::from(Error::Refused {
                    operation: self.spec.name,
                    reason,
                }));
            }
        }
        let sent = std::time::Instant::now();
        let result = self.send_once(method, url, headers, body, attempt).await;
        if !hooks.is_empty() {
            let (status, answer_headers, error) = match &result {
                Ok(a) => (Some(a.status), Some(&a.headers), None),
                Err(f) => (f.error.status(), f.error.headers(), Some(&f.error)),
            };
            let info = crate::AttemptInfo {
                operation: self.spec.name,
                method,
                attempt,
                elapsed: sent.elapsed(),
                status,
                headers: answer_headers,
                error,
            };
            for h in hooks {
                h.after_response(&info);
            }
        }
        result
    }

    /// One HTTP exchange: everything up to a successful status. Not generic, so compiled once.
    async fn send_once(
        &self,
        method: Method,
        url: url::Url,
        headers: http::HeaderMap,
        body: Option<(bytes::Bytes, Format)>,
        attempt: u32,
    ) -> Result<RawAnswer, Failed> {
        let inner = &*self.config;
        let timeout = self.timeout.unwrap_or(inner.timeout);
        let mut req = inner
            .http
            .request(to_http(method), url)
            .headers(headers)
            .timeout(timeout);
        // The key goes on last, after the hooks, which never see it.
        if let Some(value) = &inner.auth_header {
            req = req.header(reqwest::header::AUTHORIZATION, value.clone());
        }
        for (name, secret, url_encoded) in &self.secret_headers {
            let text = if *url_encoded {
                url::form_urlencoded::byte_serialize(secret.expose().as_bytes()).collect()
            } else {
                secret.expose().to_owned()
            };
            let mut value = reqwest::header::HeaderValue::from_str(&text).map_err(|_| {
                Failed::from(Error::Config(format!(
                    "{}: the value of header {name} is not valid in a header",
                    self.spec.name
                )))
            })?;
            value.set_sensitive(true);
            req = req.header(*name, value);
        }
        if let Some((bytes, _)) = body {
            req = req.body(bytes);
        }
        let span = tracing::debug_span!(
            "alma.request",
            operation = self.spec.name,
            method = method.as_str(),
            path = self.spec.path,
            attempt,
            status = tracing::field::Empty,
            remaining = tracing::field::Empty,
        );
        let result = async {
            let resp = req
                .send()
                .await
                .map_err(|e| self.transport_error(e, timeout))?;
            let status = resp.status();
            let headers = resp.headers().clone();
            let content_type = headers
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(String::from);
            let bytes = self.read_capped(resp, timeout).await?;
            Ok::<_, Error>((status, headers, content_type, bytes))
        }
        .instrument(span.clone())
        .await;
        let (status, headers, content_type, bytes) = result?;
        span.record("status", status.as_u16());
        let remaining_now = remaining(&headers);
        if let Some(r) = remaining_now {
            span.record("remaining", r);
        }
        let format = Format::sniff(&bytes)
            .or_else(|| content_type.as_deref().and_then(Format::from_content_type));
        // A redirect with somewhere to go is the request path's to follow (`redirect_target`).
        let redirect = status.is_redirection() && headers.contains_key(reqwest::header::LOCATION);
        if !status.is_success() && !redirect {
            tracing::debug!(parent: &span, status = status.as_u16(), "alma error answer");
            return Err(Failed {
                error: self.api_error(status, headers, &bytes),
                remaining_header: remaining_now,
            });
        }
        tracing::debug!(parent: &span, status = status.as_u16(), "alma answer");
        Ok(RawAnswer {
            status,
            headers,
            content_type,
            format,
            body: bytes,
        })
    }

    /// The answer's body, refused as soon as it is known to exceed the client's cap (from
    /// `Content-Length`, or while it arrives): a hostile or broken server cannot make the SDK
    /// hold more than the cap in memory.
    async fn read_capped(
        &self,
        mut resp: reqwest::Response,
        timeout: Duration,
    ) -> Result<bytes::Bytes, Error> {
        let limit = self.config.max_response_bytes;
        let too_large = |received: u64| Error::ResponseTooLarge {
            operation: self.spec.name,
            received,
            limit,
        };
        if let Some(len) = resp.content_length().filter(|&l| l > limit as u64) {
            return Err(too_large(len));
        }
        let mut body = bytes::BytesMut::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| self.transport_error(e, timeout))?
        {
            if body.len() + chunk.len() > limit {
                return Err(too_large((body.len() + chunk.len()) as u64));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    }

    fn api_error(&self, status: StatusCode, headers: http::HeaderMap, body: &[u8]) -> Error {
        let errors = parse_error_body(body).unwrap_or_default();
        let gateway = errors
            .iter()
            .find_map(|e| GatewayError::classify(status.as_u16(), &e.code, &e.message))
            .or_else(|| match status.as_u16() {
                429 => Some(GatewayError::PerSecondThreshold),
                503 if errors.is_empty() => Some(GatewayError::RoutingError),
                _ => None,
            });
        let body_snippet = errors
            .is_empty()
            .then(|| self.config.key.redact(&snippet(body)));
        Error::Api {
            operation: self.spec.name,
            status,
            gateway,
            errors,
            body_snippet,
            headers: Box::new(headers),
        }
    }

    fn transport_error(&self, e: reqwest::Error, timeout: Duration) -> Error {
        if e.is_timeout() {
            return Error::Timeout {
                operation: self.spec.name,
                after: Some(timeout),
            };
        }
        // reqwest quotes the URL, which carries the key in query mode: drop it, then scrub.
        let e = e.without_url();
        let mut message = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            message.push_str(": ");
            message.push_str(&s.to_string());
            source = s.source();
        }
        Error::Transport {
            operation: self.spec.name,
            message: self.config.key.redact(&message),
            source: Some(Box::new(e)),
        }
    }
}

/// A failed exchange, with the quota header if the answer had one.
pub(crate) struct Failed {
    error: Error,
    remaining_header: Option<u64>,
}

impl From<Error> for Failed {
    fn from(error: Error) -> Self {
        Failed {
            error,
            remaining_header: None,
        }
    }
}

pub(crate) struct RawAnswer {
    pub(crate) status: StatusCode,
    pub(crate) headers: http::HeaderMap,
    pub(crate) content_type: Option<String>,
    pub(crate) format: Option<Format>,
    pub(crate) body: bytes::Bytes,
}

pub(crate) fn snippet(body: &[u8]) -> String {
    let cut = body.len().min(SNIPPET_BYTES);
    let mut s = String::from_utf8_lossy(&body[..cut]).into_owned();
    if body.len() > cut {
        s.push('…');
    }
    s
}
