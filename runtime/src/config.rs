//! The client's shared configuration ([`Config`]) and the API key: what the request path reads.
//! Below the client and the request path; it knows neither.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use url::Url;

use crate::governor::Governor;
use crate::retry::RetryPolicy;
use crate::Format;

/// Where the API key goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ApiKeyMode {
    /// `Authorization: apikey KEY` (default: the key stays out of URLs and server logs).
    #[default]
    Header,
    /// `?apikey=KEY` query parameter, as the OpenAPI specs declare it.
    Query,
}

/// An API key. Its `Debug` and `Display` never show it.
#[derive(Clone)]
pub(crate) struct ApiKey(pub(crate) Arc<str>);

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

impl ApiKey {
    /// `text` with every occurrence of the key replaced, for messages that may quote a URL.
    pub(crate) fn redact(&self, text: &str) -> String {
        if self.0.is_empty() {
            return text.to_string();
        }
        text.replace(&*self.0, "<redacted>")
    }
}

/// What every request of a client and its clones shares: connections, the key, defaults, the
/// governor, the retry policy and the hooks. The request path runs over it (never over the
/// client), so it sits below both.
pub(crate) struct Config {
    pub(crate) http: reqwest::Client,
    pub(crate) base: Url,
    pub(crate) key: ApiKey,
    pub(crate) key_mode: ApiKeyMode,
    /// `Authorization: apikey …`, built once (marked sensitive so it is never logged); `None` in
    /// query mode.
    pub(crate) auth_header: Option<reqwest::header::HeaderValue>,
    pub(crate) format: Format,
    pub(crate) lang: Option<String>,
    pub(crate) timeout: Duration,
    pub(crate) read_only: bool,
    pub(crate) governor: Governor,
    pub(crate) retry: RetryPolicy,
    pub(crate) hooks: Vec<Arc<dyn crate::Hooks>>,
    pub(crate) max_response_bytes: usize,
    /// The class of requests that do not say theirs.
    pub(crate) priority: crate::Priority,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base.as_str())
            .field("api_key", &self.key)
            .field("api_key_mode", &self.key_mode)
            .field("format", &self.format)
            .field("lang", &self.lang)
            .field("timeout", &self.timeout)
            .field("read_only", &self.read_only)
            .field("retry", &self.retry)
            .field("stats", &self.governor.stats())
            .finish()
    }
}
