//! The request path: operation spec → URL, auth, format → send → [`Response`] or [`Error`].

use std::sync::atomic::Ordering;
use std::time::Duration;

use http::StatusCode;
use tracing::Instrument;

use crate::body::{Decode, Encode};
use crate::client::Client;
use crate::error::parse_error_body;
use crate::governor::Observed;
use crate::response::{remaining, Response};
use crate::retry::RetryPolicy;
use crate::secret::is_secret_name;
use crate::spec::{Method, OperationSpec, MAX_REQUEST_BYTES};
use crate::{ApiKeyMode, Error, Format, GatewayError};

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

/// A request being built for one operation. Generated request builders wrap one.
#[derive(Debug, Clone)]
pub struct RequestBuilder {
    client: Client,
    spec: &'static OperationSpec,
    path_params: Vec<(&'static str, String)>,
    query: Vec<(&'static str, String)>,
    /// Secrets the operation sends in headers (`Exl-User-Pw`): never in the URL, never shown.
    secret_headers: Vec<(&'static str, crate::Secret, bool)>,
    format: Option<Format>,
    lang: Option<String>,
    timeout: Option<Duration>,
    priority: Option<crate::Priority>,
}

impl RequestBuilder {
    pub(crate) fn new(client: Client, spec: &'static OperationSpec) -> Self {
        RequestBuilder {
            client,
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

    /// Counts records a list stream skipped as duplicates in the client's [`crate::Stats`].
    pub(crate) fn note_duplicates(&self, n: u64) {
        self.client
            .inner
            .governor
            .counters
            .duplicates
            .fetch_add(n, std::sync::atomic::Ordering::Relaxed);
    }

    /// The operation being called.
    pub fn spec(&self) -> &'static OperationSpec {
        self.spec
    }

    /// Sets a path parameter (percent-encoded as one path segment).
    pub fn path_param(mut self, name: &'static str, value: String) -> Self {
        self.path_params.retain(|(n, _)| *n != name);
        self.path_params.push((name, value));
        self
    }

    /// Sets a query parameter, replacing an earlier value.
    pub fn query(mut self, name: &'static str, value: String) -> Self {
        self.query.retain(|(n, _)| *n != name);
        self.query.push((name, value));
        self
    }

    /// Sends a secret in header `name` (percent-encoded first when `url_encoded`, as Alma's
    /// documentation of `Exl-User-Pw` asks), replacing an earlier value. The value never
    /// appears in the URL, [`display_url`](Self::display_url), `Debug`, errors or traces, and
    /// request hooks do not see it.
    pub fn secret_header(
        mut self,
        name: &'static str,
        value: crate::Secret,
        url_encoded: bool,
    ) -> Self {
        self.secret_headers.retain(|(n, ..)| *n != name);
        self.secret_headers.push((name, value, url_encoded));
        self
    }

    /// Wire format for this request.
    pub fn format(mut self, format: Format) -> Self {
        self.format = Some(format);
        self
    }

    /// Language for this request.
    pub fn lang(mut self, lang: impl Into<String>) -> Self {
        self.lang = Some(lang.into());
        self
    }

    /// Timeout for this request.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The class of this request (the client's by default).
    pub fn priority(mut self, priority: crate::Priority) -> Self {
        self.priority = Some(priority);
        self
    }

    /// The URL the request goes to, with the API key redacted: safe to print.
    pub fn display_url(&self) -> Result<String, Error> {
        let mut url = self.url()?;
        // Generated operations never put a secret in the query; a hand-set one is hidden too.
        if url.query_pairs().any(|(k, _)| is_secret_name(&k)) {
            let pairs: Vec<(String, String)> = url
                .query_pairs()
                .map(|(k, v)| {
                    let v = if is_secret_name(&k) {
                        "<redacted>".into()
                    } else {
                        v.into_owned()
                    };
                    (k.into_owned(), v)
                })
                .collect();
            url.query_pairs_mut().clear().extend_pairs(pairs);
        }
        let shown = url.as_str().replace("%3Credacted%3E", "<redacted>");
        Ok(self.client.inner.key.redact(&shown))
    }

    fn format_for_response(&self) -> Format {
        self.format.unwrap_or(self.client.inner.format)
    }

    /// The full URL, key included when in query mode. Never printed as is.
    fn url(&self) -> Result<url::Url, Error> {
        let inner = &self.client.inner;
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

    /// Sends the request without a body.
    pub fn send<T: Decode>(self) -> ResponseFuture<T> {
        ResponseFuture::new(self.execute(None))
    }

    /// Sends the request with `body`, encoded at once: the future does not borrow it.
    pub fn send_with_body<B: Encode + ?Sized, T: Decode>(self, body: &B) -> ResponseFuture<T> {
        let format = if self.spec.xml_only_body {
            Format::Xml
        } else {
            self.format_for_response()
        };
        let encoded = body.encode(format).map_err(|message| Error::Encode {
            operation: self.spec.name,
            message,
        });
        ResponseFuture::new(self.execute_encoded(encoded))
    }

    async fn execute_encoded(
        self,
        encoded: Result<(Vec<u8>, Format), Error>,
    ) -> Result<Answer, Error> {
        self.execute(Some(encoded?)).await
    }

    /// The whole request path but decoding: not generic, so that its future is compiled (and
    /// proven `Send`) once in this crate rather than once per operation in the generated one.
    async fn execute(self, body: Option<(Vec<u8>, Format)>) -> Result<Answer, Error> {
        let raw = self.execute_raw(body).await?;
        let format = raw.format.unwrap_or(self.format_for_response());
        Ok(Answer {
            raw,
            format,
            operation: self.spec.name,
            key: self.client.inner.key.clone(),
        })
    }

    /// Everything up to a successful status, in stages: guard → (admission → attempt → classify →
    /// retry)… The encode stage ran before (`send_with_body`), decode runs after (`execute`).
    /// Not generic, so it is compiled once.
    async fn execute_raw(&self, body: Option<(Vec<u8>, Format)>) -> Result<RawAnswer, Error> {
        self.guard(body.as_ref().map(|(b, _)| b.len()))?;
        let url = self.url()?;
        let body = body.map(|(b, f)| (bytes::Bytes::from(b), f));
        let gov = &self.client.inner.governor;
        let policy = &self.client.inner.retry;
        let started = std::time::Instant::now();
        let mut attempt = 1u32;
        // Alma's redirects (`GET /items?item_barcode=…` answers 302 with the item's URL): each
        // hop is a request of its own, admitted, counted and checked like the first.
        let (mut url, mut body, mut method) = (url, body, self.spec.method);
        let mut hops = 0u32;
        loop {
            // Admission: the rate limit and the requests in flight; a shared limiter may have
            // learnt that another process used the quota up, so the quota is checked again.
            let priority = self.priority.unwrap_or(self.client.inner.priority);
            let permit = gov.admit(priority).await.map_err(|refusal| match refusal {
                crate::governor::Refusal::Governance(message) => Error::Governance {
                    operation: self.spec.name,
                    message: self.client.inner.key.redact(&message),
                },
                crate::governor::Refusal::Budget {
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
            let result = self
                .attempt(method, url.clone(), body.clone(), attempt)
                .await;
            drop(permit);
            let err = match self.classify(result).await? {
                Ok(answer) if answer.status.is_redirection() => {
                    hops += 1;
                    let next = self.redirect_target(&url, &answer, hops)?;
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
                    url = next;
                    attempt = 1;
                    continue;
                }
                Ok(answer) => return Ok(answer),
                Err(err) => err,
            };
            // Retry: within the policy's budget, for errors that are safe to retry.
            let budget_left =
                attempt < policy.max_attempts && started.elapsed() < policy.max_elapsed;
            if !budget_left || !RetryPolicy::retryable(&err, self.spec.method) {
                return Err(err);
            }
            let wait = policy.backoff(attempt);
            tracing::debug!(operation = self.spec.name, attempt, wait_ms = wait.as_millis() as u64, error = %err, "alma request will be retried");
            for h in &self.client.inner.hooks {
                h.on_retry(&crate::RetryInfo {
                    operation: self.spec.name,
                    attempt,
                    wait,
                    error: &err,
                });
            }
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
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
        let inner = &self.client.inner;
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
    fn guard(&self, body_len: Option<usize>) -> Result<(), Error> {
        let inner = &self.client.inner;
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
        let gov = &self.client.inner.governor;
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
    async fn classify(
        &self,
        result: Result<RawAnswer, Failed>,
    ) -> Result<Result<RawAnswer, Error>, Error> {
        let gov = &self.client.inner.governor;
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
        let hooks = &self.client.inner.hooks;
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
        let inner = &self.client.inner;
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
        let limit = self.client.inner.max_response_bytes;
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
            .then(|| self.client.inner.key.redact(&snippet(body)));
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
            message: self.client.inner.key.redact(&message),
            source: Some(Box::new(e)),
        }
    }
}

/// A failed exchange, with the quota header if the answer had one.
struct Failed {
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

struct RawAnswer {
    status: StatusCode,
    headers: http::HeaderMap,
    content_type: Option<String>,
    format: Option<Format>,
    body: bytes::Bytes,
}

/// A successful answer and what decoding it needs.
struct Answer {
    raw: RawAnswer,
    format: Format,
    operation: &'static str,
    key: crate::client::ApiKey,
}

impl Answer {
    /// Decodes the body as `T`: the only step of a request that depends on the operation's type.
    fn decode<T: Decode>(self) -> Result<Response<T>, Error> {
        let Answer {
            raw,
            format,
            operation,
            key,
        } = self;
        let value = T::decode(&raw.body, format)
            .map_err(|source| decode_error(operation, &raw, &key, source))?;
        Ok(Response {
            value,
            status: raw.status,
            remaining: remaining(&raw.headers),
            headers: raw.headers,
        })
    }
}

fn decode_error(
    operation: &'static str,
    raw: &RawAnswer,
    key: &crate::client::ApiKey,
    source: crate::DecodeError,
) -> Error {
    Error::Decode {
        operation,
        status: raw.status,
        content_type: raw.content_type.clone(),
        body_snippet: key.redact(&snippet(&raw.body)),
        message: key.redact(&source.to_string()),
        source: Box::new(source),
    }
}

/// The future of a request's [`Response`], returned by every generated `send()`.
///
/// A named type, so a program can keep it in a struct field or a `Vec`. It is `Send` and
/// `Unpin`, does nothing until polled (or awaited), and owns everything it needs: it borrows
/// neither the builder nor the body. The request path behind it is one future shared by every
/// operation; only the final decoding depends on `T`.
#[must_use = "a request does nothing until it is awaited"]
pub struct ResponseFuture<T> {
    inner: std::pin::Pin<Box<dyn std::future::Future<Output = Result<Answer, Error>> + Send>>,
    // `fn() -> T`: the future holds no `T`, so it is `Send` whatever `T` is.
    _decodes: std::marker::PhantomData<fn() -> T>,
}

impl<T> ResponseFuture<T> {
    fn new(
        inner: impl std::future::Future<Output = Result<Answer, Error>> + Send + 'static,
    ) -> Self {
        ResponseFuture {
            inner: Box::pin(inner),
            _decodes: std::marker::PhantomData,
        }
    }
}

impl<T> std::fmt::Debug for ResponseFuture<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseFuture")
            .field("decodes", &std::any::type_name::<T>())
            .finish_non_exhaustive()
    }
}

impl<T: Decode> std::future::Future for ResponseFuture<T> {
    type Output = Result<Response<T>, Error>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        self.inner.as_mut().poll(cx).map(|answer| answer?.decode())
    }
}

fn snippet(body: &[u8]) -> String {
    let cut = body.len().min(SNIPPET_BYTES);
    let mut s = String::from_utf8_lossy(&body[..cut]).into_owned();
    if body.len() > cut {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    //! The stages alone, without a server.

    use super::*;

    static PUT: OperationSpec = OperationSpec {
        name: "test.update_thing",
        method: Method::Put,
        path: "/almaws/v1/things",
        xml_only_body: false,
        read_only: crate::ReadOnlyAccess::Denied,
    };

    fn builder(read_only: bool) -> RequestBuilder {
        let client = Client::builder()
            .api_key("k")
            .base_url("http://127.0.0.1:9")
            .read_only(read_only)
            .build()
            .unwrap();
        client.request(&PUT)
    }

    fn api_error(status: u16, code: &str) -> Error {
        Error::Api {
            operation: PUT.name,
            status: StatusCode::from_u16(status).unwrap(),
            gateway: GatewayError::classify(status, code, ""),
            errors: vec![crate::ErrorDetail {
                code: code.into(),
                message: String::new(),
                tracking_id: None,
            }],
            body_snippet: None,
            headers: Box::default(),
        }
    }

    #[test]
    fn guard_refuses_before_sending() {
        assert!(matches!(
            builder(true).guard(None),
            Err(Error::ReadOnly { method: "PUT", .. })
        ));
        let b = builder(false);
        assert!(b.guard(Some(MAX_REQUEST_BYTES)).is_ok());
        assert!(matches!(
            b.guard(Some(MAX_REQUEST_BYTES + 1)),
            Err(Error::RequestTooLarge { .. })
        ));
    }

    #[tokio::test]
    async fn classify_ends_the_call_on_the_daily_threshold_and_slows_on_429() {
        let b = builder(false);
        let gov = &b.client.inner.governor;
        let throttled = |b: &RequestBuilder| b.client.stats().throttled;
        let before = throttled(&b);
        let retry = b
            .classify(Err(Failed::from(api_error(429, "PER_SECOND_THRESHOLD"))))
            .await;
        assert!(
            matches!(retry, Ok(Err(Error::Api { .. }))),
            "429 goes on to the retry stage"
        );
        assert_eq!(throttled(&b), before + 1);
        assert!(gov.exhausted().is_none());
        let quota = b
            .classify(Err(Failed::from(api_error(400, "DAILY_THRESHOLD"))))
            .await;
        assert!(
            matches!(quota, Err(Error::DailyQuota { .. })),
            "ends the call"
        );
        assert!(gov.exhausted().is_some(), "and the quota is known used up");
        // The guard now refuses locally.
        assert!(matches!(b.guard(None), Err(Error::DailyQuota { .. })));
    }
}
