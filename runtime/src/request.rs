//! A request as the program builds it ([`RequestBuilder`]) and its future ([`ResponseFuture`]):
//! encode before the request path ([`crate::orchestrate`]), decode after it.

use std::sync::Arc;
use std::time::Duration;

use crate::body::{Decode, Encode};
use crate::config::{ApiKey, Config};
use crate::orchestrate::{snippet, Call, RawAnswer};
use crate::response::{remaining, Response};
use crate::secret::is_secret_name;
use crate::spec::OperationSpec;
use crate::{Error, Format};

/// A request being built for one operation. Generated request builders wrap one.
#[derive(Debug, Clone)]
pub struct RequestBuilder {
    call: Call,
}

impl RequestBuilder {
    pub(crate) fn new(config: Arc<Config>, spec: &'static OperationSpec) -> Self {
        RequestBuilder {
            call: Call::new(config, spec),
        }
    }

    /// Counts records a list stream skipped as duplicates in the client's [`crate::Stats`].
    pub(crate) fn note_duplicates(&self, n: u64) {
        self.call
            .config
            .governor
            .counters
            .duplicates
            .fetch_add(n, std::sync::atomic::Ordering::Relaxed);
    }

    /// The operation being called.
    pub fn spec(&self) -> &'static OperationSpec {
        self.call.spec
    }

    /// Sets a path parameter (percent-encoded as one path segment).
    pub fn path_param(mut self, name: &'static str, value: String) -> Self {
        self.call.path_params.retain(|(n, _)| *n != name);
        self.call.path_params.push((name, value));
        self
    }

    /// Sets a query parameter, replacing an earlier value.
    pub fn query(mut self, name: &'static str, value: String) -> Self {
        self.call.query.retain(|(n, _)| *n != name);
        self.call.query.push((name, value));
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
        self.call.secret_headers.retain(|(n, ..)| *n != name);
        self.call.secret_headers.push((name, value, url_encoded));
        self
    }

    /// Wire format for this request.
    pub fn format(mut self, format: Format) -> Self {
        self.call.format = Some(format);
        self
    }

    /// Language for this request.
    pub fn lang(mut self, lang: impl Into<String>) -> Self {
        self.call.lang = Some(lang.into());
        self
    }

    /// Timeout for this request.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.call.timeout = Some(timeout);
        self
    }

    /// The class of this request (the client's by default).
    pub fn priority(mut self, priority: crate::Priority) -> Self {
        self.call.priority = Some(priority);
        self
    }

    /// The URL the request goes to, with the API key redacted: safe to print.
    pub fn display_url(&self) -> Result<String, Error> {
        let mut url = self.call.url()?;
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
        Ok(self.call.config.key.redact(&shown))
    }

    /// Sends the request without a body.
    pub fn send<T: Decode>(self) -> ResponseFuture<T> {
        ResponseFuture::new(self.execute(None))
    }

    /// Sends the request with `body`, encoded at once: the future does not borrow it.
    pub fn send_with_body<B: Encode + ?Sized, T: Decode>(self, body: &B) -> ResponseFuture<T> {
        let format = if self.call.spec.xml_only_body {
            Format::Xml
        } else {
            self.call.format_for_response()
        };
        let encoded = body.encode(format).map_err(|message| Error::Encode {
            operation: self.call.spec.name,
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
        let raw = self.call.run(body).await?;
        let format = raw.format.unwrap_or(self.call.format_for_response());
        Ok(Answer {
            raw,
            format,
            operation: self.call.spec.name,
            key: self.call.config.key.clone(),
        })
    }
}

/// A successful answer and what decoding it needs.
struct Answer {
    raw: RawAnswer,
    format: Format,
    operation: &'static str,
    key: ApiKey,
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
    key: &ApiKey,
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
