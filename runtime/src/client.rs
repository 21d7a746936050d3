//! The client and its builder.

use std::fmt;
use std::marker::PhantomData;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use url::Url;

use crate::config::{ApiKey, ApiKeyMode, Config};
use crate::governor::{
    Governor, Limiter, RateLimiter, Stats, SystemClock, WallClock, ALMA_REQUESTS_PER_SECOND,
};
use crate::request::RequestBuilder;
use crate::retry::RetryPolicy;
use crate::spec::OperationSpec;
use crate::{Error, Format, Region};

/// An Alma API client. Cheap to clone; clones share connections and configuration, and can be
/// used from many tasks at once.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Config>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

impl Client {
    /// What this client and its clones have done: requests, retries, 429s, remaining quota.
    pub fn stats(&self) -> Stats {
        self.inner.governor.stats()
    }

    /// The in-process rate limiter, to share with another client
    /// (`ClientBuilder::shared_limiter`); `None` without one or with another [`Limiter`].
    pub fn rate_limiter(&self) -> Option<&RateLimiter> {
        self.inner.governor.local.as_ref()
    }

    /// The limiter pacing this client's requests, whichever it is.
    pub fn limiter(&self) -> Option<&Arc<dyn Limiter>> {
        self.inner.governor.limiter.as_ref()
    }

    /// A builder for a client.
    pub fn builder() -> ClientBuilder<Client> {
        ClientBuilder::new()
    }

    /// A client configured from the environment (see [`ClientBuilder::from_env`]).
    pub fn from_env() -> Result<Client, Error> {
        ClientBuilder::<Client>::from_env()?.build()
    }

    /// Starts a request for the operation `spec` (used by generated code).
    pub fn request(&self, spec: &'static OperationSpec) -> RequestBuilder {
        RequestBuilder::new(self.inner.clone(), spec)
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    /// The client's default format.
    pub fn format(&self) -> Format {
        self.inner.format
    }

    /// Whether the client refuses POST, PUT and DELETE.
    pub fn is_read_only(&self) -> bool {
        self.inner.read_only
    }
}

/// The default cap on an answer's body: 64 MiB, well above Alma's largest pages (100 records,
/// an Analytics page of 1,000 rows), far below what would hurt a small worker.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;

/// Builds a [`Client`] (or a type wrapping one, such as the generated `alma_sdk::Client`).
pub struct ClientBuilder<C = Client> {
    api_key: Option<String>,
    region: Region,
    base_url: Option<String>,
    key_mode: ApiKeyMode,
    format: Format,
    lang: Option<String>,
    connect_timeout: Duration,
    timeout: Duration,
    user_agent: String,
    read_only: bool,
    allow_http: bool,
    limiter: Option<RateLimiter>,
    shared: Option<Arc<dyn Limiter>>,
    #[cfg(feature = "redis")]
    redis: Option<(String, Option<String>)>,
    clock: Arc<dyn WallClock>,
    rate: Option<f64>,
    max_in_flight: Option<usize>,
    retry: RetryPolicy,
    low_water: Option<u64>,
    http: Option<reqwest::Client>,
    hooks: Vec<Arc<dyn crate::Hooks>>,
    max_response_bytes: usize,
    priority: crate::Priority,
    budget: Option<crate::Budget>,
    batch_share: Option<f64>,
    _out: PhantomData<fn() -> C>,
}

impl<C> fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("region", &self.region)
            .field("base_url", &self.base_url)
            .field("key_mode", &self.key_mode)
            .field("format", &self.format)
            .field("lang", &self.lang)
            .field("read_only", &self.read_only)
            .finish()
    }
}

impl<C: From<Client>> Default for ClientBuilder<C> {
    fn default() -> Self {
        Self::new()
    }
}

impl<C: From<Client>> ClientBuilder<C> {
    /// Defaults: no key yet, North America, key in the header, JSON, 10 s connect and 60 s
    /// request timeouts, at most 25 requests per second and 16 in flight, retries on
    /// (see [`RetryPolicy`]).
    pub fn new() -> Self {
        ClientBuilder {
            api_key: None,
            region: Region::NorthAmerica,
            base_url: None,
            key_mode: ApiKeyMode::Header,
            format: Format::Json,
            lang: None,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            user_agent: format!("alma-sdk-rust/{}", env!("CARGO_PKG_VERSION")),
            read_only: false,
            allow_http: false,
            limiter: None,
            shared: None,
            #[cfg(feature = "redis")]
            redis: None,
            clock: Arc::new(SystemClock),
            rate: Some(ALMA_REQUESTS_PER_SECOND),
            max_in_flight: Some(16),
            retry: RetryPolicy::default(),
            low_water: None,
            http: None,
            hooks: Vec::new(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            priority: crate::Priority::Interactive,
            budget: None,
            batch_share: None,
            _out: PhantomData,
        }
    }

    /// A builder configured from the environment: `ALMA_API_KEY` (required at `build()` unless
    /// set on the builder), `ALMA_REGION` (`na`, `eu`, `ap`, `aps`, `ca`, `cn`), `ALMA_BASE_URL`
    /// (overrides the region, e.g. a local mock), `ALMA_FORMAT` (`json`/`xml`), `ALMA_LANG`;
    /// `ALMA_REDIS_URL` shares the institution's limits through Redis (feature `redis`, see
    /// `ClientBuilder::redis`) under the name `ALMA_INSTITUTION`; `ALMA_PRIORITY`
    /// (`interactive`/`batch`); a budget named `ALMA_BUDGET`, with `ALMA_BUDGET_MAX` and
    /// `ALMA_BUDGET_KEEP` (calls, or a share such as `60%`) and `ALMA_DAILY_QUOTA` (calls).
    pub fn from_env() -> Result<Self, Error> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let mut b = Self::new();
        b.api_key = var("ALMA_API_KEY");
        if let Some(r) = var("ALMA_REGION") {
            b.region = r
                .parse()
                .map_err(|e| Error::Config(format!("ALMA_REGION: {e}")))?;
        }
        b.base_url = var("ALMA_BASE_URL");
        if let Some(f) = var("ALMA_FORMAT") {
            b.format = f
                .parse()
                .map_err(|e| Error::Config(format!("ALMA_FORMAT: {e}")))?;
        }
        b.lang = var("ALMA_LANG");
        if let Some(p) = var("ALMA_PRIORITY") {
            b.priority = p
                .parse()
                .map_err(|e| Error::Config(format!("ALMA_PRIORITY: {e}")))?;
        }
        let amount = |k: &str| -> Result<Option<crate::Amount>, Error> {
            var(k)
                .map(|v| v.parse().map_err(|e| Error::Config(format!("{k}: {e}"))))
                .transpose()
        };
        let (max, keep) = (amount("ALMA_BUDGET_MAX")?, amount("ALMA_BUDGET_KEEP")?);
        let quota = var("ALMA_DAILY_QUOTA")
            .map(|v| {
                v.trim().parse::<u64>().map_err(|_| {
                    Error::Config(format!("ALMA_DAILY_QUOTA: {v:?} is not a number of calls"))
                })
            })
            .transpose()?;
        match var("ALMA_BUDGET") {
            Some(name) => {
                let mut budget = crate::Budget::new(name);
                budget.max = max;
                budget.keep = keep;
                budget.quota = quota;
                b.budget = Some(budget);
            }
            None if max.is_some() || keep.is_some() => {
                return Err(Error::Config(
                    "ALMA_BUDGET_MAX or ALMA_BUDGET_KEEP is set without ALMA_BUDGET (the name \
                     the budget is counted under)"
                        .into(),
                ))
            }
            None => {}
        }
        if let Some(url) = var("ALMA_REDIS_URL") {
            #[cfg(feature = "redis")]
            {
                b.redis = Some((url, var("ALMA_INSTITUTION")));
            }
            #[cfg(not(feature = "redis"))]
            {
                let _ = url;
                return Err(Error::Config(
                    "ALMA_REDIS_URL is set, but this build has no Redis support: enable the \
                     `redis` feature of alma-sdk"
                        .into(),
                ));
            }
        }
        Ok(b)
    }

    /// The API key.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// The region whose gateway to call.
    pub fn region(mut self, region: Region) -> Self {
        self.region = region;
        self
    }

    /// A custom base URL (proxy, mock server); overrides the region.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Header (default) or query-parameter authentication.
    pub fn api_key_mode(mut self, mode: ApiKeyMode) -> Self {
        self.key_mode = mode;
        self
    }

    /// Default wire format (JSON unless set).
    pub fn format(mut self, format: Format) -> Self {
        self.format = format;
        self
    }

    /// Default language (2-letter code) for texts in answers.
    pub fn lang(mut self, lang: impl Into<String>) -> Self {
        self.lang = Some(lang.into());
        self
    }

    /// Timeout for establishing a connection.
    pub fn connect_timeout(mut self, t: Duration) -> Self {
        self.connect_timeout = t;
        self
    }

    /// Default timeout for a whole request (some Alma lists take several seconds).
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }

    /// The `User-Agent` header.
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }

    /// Refuse POST, PUT and DELETE locally (for read-only keys and the guest sandbox).
    pub fn read_only(mut self, yes: bool) -> Self {
        self.read_only = yes;
        self
    }

    /// Allow plain `http://` base URLs that are not loopback addresses (never needed for Alma).
    pub fn allow_insecure_http(mut self, yes: bool) -> Self {
        self.allow_http = yes;
        self
    }

    /// Requests per second across this client and its clones (default 25, Alma's limit).
    pub fn rate_limit(mut self, per_second: f64) -> Self {
        self.rate = Some(per_second);
        self
    }

    /// No client-side rate limit (the gateway's 429s are still retried).
    pub fn no_rate_limit(mut self) -> Self {
        self.rate = None;
        self.limiter = None;
        self.shared = None;
        #[cfg(feature = "redis")]
        {
            self.redis = None;
        }
        self
    }

    /// Share `limiter` with other clients, e.g. every client using the same institution's key.
    pub fn shared_limiter(mut self, limiter: RateLimiter) -> Self {
        self.limiter = Some(limiter);
        self
    }

    /// Paces requests with `limiter` instead of the in-process limiter, e.g. one shared with
    /// other processes (`RedisLimiter`, feature `redis`).
    pub fn limiter(mut self, limiter: Arc<dyn Limiter>) -> Self {
        self.shared = Some(limiter);
        self
    }

    /// Shares the institution's limits (the rate, the used-up daily quota, the lowest remaining
    /// quota) with every process that uses the same Redis server and `institution` name
    /// (default: a hash of the API key, never the key). The rate is [`Self::rate_limit`]'s
    /// (default 25/s); for timeouts and the fallback, build a [`crate::RedisLimiter`] and pass
    /// it to [`Self::limiter`].
    #[cfg(feature = "redis")]
    pub fn redis(mut self, url: impl Into<String>, institution: Option<String>) -> Self {
        self.redis = Some((url.into(), institution));
        self
    }

    /// The wall clock for the daily quota's midnight (tests of the reset).
    pub fn wall_clock(mut self, clock: Arc<dyn WallClock>) -> Self {
        self.clock = clock;
        self
    }

    /// At most `n` requests in flight at once (default 16).
    pub fn max_in_flight(mut self, n: usize) -> Self {
        self.max_in_flight = Some(n);
        self
    }

    /// When and how to retry (default: [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Never retry.
    pub fn no_retries(mut self) -> Self {
        self.retry = RetryPolicy::disabled();
        self
    }

    /// Stop with [`Error::DailyQuota`] instead of sending once the remaining daily quota
    /// (`X-Exl-Api-Remaining`) is at or below `n`, keeping calls for other applications.
    pub fn quota_low_water_mark(mut self, n: u64) -> Self {
        self.low_water = Some(n);
        self
    }

    /// Sends through this HTTP client (its connection pool, proxy and TLS roots, shared with the
    /// rest of the program) instead of one the runtime builds. Its own settings then apply: the
    /// builder's user agent and connect timeout do not (per-request timeouts still do), and
    /// TLS 1.2 as the minimum is what the runtime's own client enforces, so keep it in yours.
    /// Build it with `.redirect(reqwest::redirect::Policy::none())`: the runtime follows Alma's
    /// redirects itself (only on Alma's host, each hop paced and counted against the quota);
    /// a client that follows them on its own does so unpaced and uncounted.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// The class of this client's requests (default [`Priority::Interactive`](crate::Priority);
    /// `ALMA_PRIORITY` in `from_env`): a nightly job is `Batch`, so that interactive requests
    /// sharing the institution's rate never queue behind it. A request can say otherwise
    /// (`with_priority`).
    pub fn priority(mut self, priority: crate::Priority) -> Self {
        self.priority = priority;
        self
    }

    /// What this application may use of the institution's daily quota (see
    /// [`Budget`](crate::Budget)); counted institution-wide under its name with a shared limiter.
    pub fn budget(mut self, budget: crate::Budget) -> Self {
        self.budget = Some(budget);
        self
    }

    /// The share of the rate batch requests keep however much interactive work there is
    /// (default 0.1), for the limiter this builder makes.
    pub fn batch_share(mut self, share: f64) -> Self {
        self.batch_share = Some(share);
        self
    }

    /// The largest answer body the client reads (default [`DEFAULT_MAX_RESPONSE_BYTES`], 64 MiB);
    /// a larger one fails with [`Error::ResponseTooLarge`] before it is decoded or held whole.
    pub fn max_response_bytes(mut self, n: usize) -> Self {
        self.max_response_bytes = n;
        self
    }

    /// Adds hooks run around every attempt (see [`crate::Hooks`]); several run in order.
    pub fn hooks(mut self, hooks: impl crate::Hooks) -> Self {
        self.hooks.push(Arc::new(hooks));
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<C, Error> {
        if let Some(b) = &self.budget {
            if b.name.trim().is_empty() || b.name.chars().any(char::is_control) {
                return Err(Error::Config(format!(
                    "budget name {:?}: a name every process of the application uses, not empty",
                    b.name
                )));
            }
        }
        if let Some(share) = self.batch_share {
            if !(share.is_finite() && (0.0..=0.9).contains(&share)) {
                return Err(Error::Config(format!(
                    "batch share {share}: must be from 0 to 0.9"
                )));
            }
        }
        let key = self
            .api_key
            .filter(|k| !k.trim().is_empty())
            .ok_or_else(|| {
                Error::Config("no API key: call .api_key(…) or set ALMA_API_KEY".into())
            })?;
        let raw = self
            .base_url
            .unwrap_or_else(|| self.region.base_url().to_string());
        let base =
            Url::parse(raw.trim()).map_err(|e| Error::Config(format!("base URL {raw:?}: {e}")))?;
        match base.scheme() {
            "https" => {}
            "http" if self.allow_http || is_loopback(&base) => {}
            "http" => {
                return Err(Error::Config(format!(
                    "base URL {raw:?} is plain http and not a loopback address; use https (or allow_insecure_http)"
                )))
            }
            other => return Err(Error::Config(format!("base URL {raw:?}: unsupported scheme {other:?}"))),
        }
        if base.query().is_some() || !base.username().is_empty() || base.password().is_some() {
            return Err(Error::Config(
                "base URL must not carry a query or credentials; use .api_key(…)".into(),
            ));
        }
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .user_agent(self.user_agent)
                .connect_timeout(self.connect_timeout)
                .min_tls_version(reqwest::tls::Version::TLS_1_2)
                .https_only(base.scheme() == "https")
                // Redirects are followed by the request path, where each hop is paced by the
                // limiter, counted, and kept on Alma's host (see `request.rs`).
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| Error::Config(format!("HTTP client: {e}")))?,
        };
        let auth_header = match self.key_mode {
            ApiKeyMode::Header => {
                let mut value = reqwest::header::HeaderValue::from_str(&format!("apikey {key}"))
                    .map_err(|_| {
                        Error::Config(
                            "the API key contains characters not allowed in a header".into(),
                        )
                    })?;
                value.set_sensitive(true);
                Some(value)
            }
            ApiKeyMode::Query => None,
        };
        let share = self.batch_share.unwrap_or(crate::DEFAULT_BATCH_SHARE);
        let local = self.limiter.or_else(|| {
            self.rate
                .map(|r| RateLimiter::new(r).with_batch_share(share))
        });
        #[cfg(feature = "redis")]
        let shared = match (self.shared, self.redis) {
            (Some(l), _) => Some(l),
            (None, Some((url, institution))) => {
                let name = institution.unwrap_or_else(|| crate::governor::key_hash_name(&key));
                let limiter = crate::RedisLimiter::builder(url, name)
                    .rate(self.rate.unwrap_or(ALMA_REQUESTS_PER_SECOND))
                    .batch_share(share)
                    .build()?;
                Some(Arc::new(limiter) as Arc<dyn Limiter>)
            }
            (None, None) => None,
        };
        #[cfg(not(feature = "redis"))]
        let shared = self.shared;
        let (limiter, local) = match shared {
            Some(l) => (Some(l), None),
            None => (
                local.clone().map(|l| Arc::new(l) as Arc<dyn Limiter>),
                local,
            ),
        };
        let client = Client {
            inner: Arc::new(Config {
                http,
                base,
                key: ApiKey(key.into()),
                key_mode: self.key_mode,
                auth_header,
                format: self.format,
                lang: self.lang,
                timeout: self.timeout,
                read_only: self.read_only,
                governor: Governor::new(
                    limiter,
                    local,
                    self.max_in_flight,
                    self.low_water,
                    self.clock,
                )
                .with_budget(self.budget),
                retry: self.retry,
                hooks: self.hooks,
                max_response_bytes: self.max_response_bytes,
                priority: self.priority,
            }),
        };
        Ok(C::from(client))
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}
