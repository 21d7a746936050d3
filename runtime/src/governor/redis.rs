//! The shared limiter: every process that uses one Redis server and one institution name draws
//! its rate slots from one schedule and learns what the others learnt about the daily quota.
//!
//! One round trip per admission: a Lua script (`admit.lua`: GCRA, the reservation form, with the
//! classes' rules of `local.rs`) counts the request's budget, reserves the institution's next
//! free slot, and answers how long to wait for it; the same script takes in the lowest
//! `X-Exl-Api-Remaining` this process saw and answers the institution's lowest and whether the
//! quota is used up. A batch request whose slot comes asks once more (`confirm.lua`) whether it
//! owes that slot to an interactive request. Time is Redis's own (`TIME`), so hosts
//! with skewed clocks still share one schedule. A 429 pushes the schedule back a quarter of a
//! second for everyone; `DAILY_THRESHOLD` is written with an expiry at midnight GMT.
//!
//! Redis unavailable or slow (no answer within the timeout): the request goes on under the
//! fallback (by default an in-process limiter at a quarter of the rate, announced once through
//! `tracing`), and Redis is tried again after `retry_after`. Nothing waits for Redis longer
//! than the timeout.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::Script;

use super::{
    next_midnight_utc, BoxFuture, BudgetState, Limiter, Observed, Priority, RateLimiter, Report,
    Shared, ALMA_REQUESTS_PER_SECOND, DEFAULT_BATCH_SHARE,
};
use crate::Error;

/// Reserves the next slot; records and answers the shared quota state.
static ADMIT: LazyLock<Script> = LazyLock::new(|| Script::new(include_str!("admit.lua")));
/// A batch request's slot has come: goes, or yields it to an interactive request.
static CONFIRM: LazyLock<Script> = LazyLock::new(|| Script::new(include_str!("confirm.lua")));
/// Pushes the schedule back (after a 429).
static PENALISE: LazyLock<Script> = LazyLock::new(|| Script::new(include_str!("penalise.lua")));

/// What a [`RedisLimiter`] does while Redis does not answer.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum RedisFallback {
    /// Go on with an in-process limiter at `share` (0 < share ≤ 1) of the rate: with four
    /// processes at the default 0.25, the institution still sees at most the full rate.
    Local {
        /// The share of the rate this process takes alone.
        share: f64,
    },
    /// Refuse requests ([`Error::Governance`]) until Redis answers again.
    Refuse,
}

impl Default for RedisFallback {
    fn default() -> Self {
        RedisFallback::Local { share: 0.25 }
    }
}

/// Configures a [`RedisLimiter`].
#[derive(Debug, Clone)]
pub struct RedisLimiterBuilder {
    url: String,
    institution: String,
    rate: f64,
    timeout: Duration,
    retry_after: Duration,
    fallback: RedisFallback,
    batch_share: f64,
}

impl RedisLimiterBuilder {
    /// Requests per second for the whole institution (default 25, Alma's limit).
    pub fn rate(mut self, per_second: f64) -> Self {
        self.rate = per_second;
        self
    }

    /// How long an admission waits for Redis before the fallback takes over (default 250 ms).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// After a failure, how long the fallback is used before Redis is tried again (default 1 s).
    pub fn retry_after(mut self, wait: Duration) -> Self {
        self.retry_after = wait;
        self
    }

    /// What to do while Redis does not answer (default: [`RedisFallback::Local`] at 0.25).
    pub fn fallback(mut self, fallback: RedisFallback) -> Self {
        self.fallback = fallback;
        self
    }

    /// The share of the rate batch requests keep however much interactive work there is, in
    /// every process (0 to 0.9; default 0.1). Processes of one institution should agree.
    pub fn batch_share(mut self, share: f64) -> Self {
        self.batch_share = share;
        self
    }

    /// Checks the configuration; connects on the first request, not here.
    pub fn build(self) -> Result<RedisLimiter, Error> {
        let name = &self.institution;
        if name.is_empty()
            || name.len() > 128
            || name
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '{' || c == '}')
        {
            return Err(Error::Config(format!(
                "institution name {name:?}: 1 to 128 characters, no spaces, braces or control \
                 characters"
            )));
        }
        if !(self.rate.is_finite() && self.rate > 0.0) {
            return Err(Error::Config(format!(
                "Redis limiter rate {}: must be above 0",
                self.rate
            )));
        }
        if !(self.batch_share.is_finite() && (0.0..=0.9).contains(&self.batch_share)) {
            return Err(Error::Config(format!(
                "batch share {}: must be from 0 to 0.9",
                self.batch_share
            )));
        }
        let share = match self.fallback {
            RedisFallback::Local { share } if share.is_finite() && share > 0.0 && share <= 1.0 => {
                Some(share)
            }
            RedisFallback::Local { share } => {
                return Err(Error::Config(format!(
                    "Redis fallback share {share}: must be above 0 and at most 1"
                )))
            }
            RedisFallback::Refuse => None,
        };
        let shown = redacted_url(&self.url);
        let secret = url::Url::parse(&self.url)
            .ok()
            .and_then(|u| u.password().map(str::to_string));
        let client = redis::Client::open(self.url.as_str()).map_err(|e| {
            Error::Config(format!(
                "Redis URL {shown}: {} (expected redis://[user:password@]host[:port][/db])",
                scrub(&e.to_string(), secret.as_deref())
            ))
        })?;
        let keys = [
            format!("alma:{{{name}}}:next-slot"),
            format!("alma:{{{name}}}:quota-used-up-until"),
            format!("alma:{{{name}}}:lowest-remaining"),
            format!("alma:{{{name}}}:interactive-slot"),
            format!("alma:{{{name}}}:batch-until"),
            format!("alma:{{{name}}}:owed-to-interactive"),
        ];
        Ok(RedisLimiter {
            inner: Arc::new(Inner {
                client,
                manager: tokio::sync::OnceCell::new(),
                keys,
                institution: self.institution,
                url: shown,
                secret,
                rate: self.rate,
                timeout: self.timeout,
                retry_after: self.retry_after,
                fallback: self.fallback,
                batch_share: self.batch_share,
                local: share
                    .map(|s| RateLimiter::new(self.rate * s).with_batch_share(self.batch_share)),
                down_until: Mutex::new(None),
                degraded: AtomicBool::new(false),
                unsent: AtomicU64::new(u64::MAX),
            }),
        })
    }
}

/// A [`Limiter`] shared through Redis by every process using the same institution name (see
/// the module documentation). Cheap to clone; clones share the connection.
#[derive(Clone)]
pub struct RedisLimiter {
    inner: Arc<Inner>,
}

struct Inner {
    client: redis::Client,
    manager: tokio::sync::OnceCell<ConnectionManager>,
    /// Next free slot (µs, Redis time), used-up-until (Unix seconds), lowest remaining, the
    /// interactive lane's next slot, the latest slot a batch request holds, the slots owed to
    /// interactive requests.
    keys: [String; 6],
    institution: String,
    /// The URL without its password, for messages.
    url: String,
    /// The password, to scrub from the Redis client's messages.
    secret: Option<String>,
    rate: f64,
    timeout: Duration,
    retry_after: Duration,
    fallback: RedisFallback,
    batch_share: f64,
    local: Option<RateLimiter>,
    /// While set and in the future, Redis is not tried.
    down_until: Mutex<Option<Instant>>,
    /// The fallback is in use (announced once per outage).
    degraded: AtomicBool,
    /// Lowest remaining not yet written to Redis (`u64::MAX`: none).
    unsent: AtomicU64,
}

impl fmt::Debug for RedisLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("RedisLimiter")
            .field("url", &i.url)
            .field("institution", &i.institution)
            .field("rate", &i.rate)
            .field("timeout", &i.timeout)
            .field("fallback", &i.fallback)
            .field("batch_share", &i.batch_share)
            .field("degraded", &i.degraded.load(Ordering::Relaxed))
            .finish()
    }
}

impl RedisLimiter {
    /// A limiter for `institution` (a name every process of the institution uses; not the API
    /// key) through the Redis server at `url`.
    pub fn builder(url: impl Into<String>, institution: impl Into<String>) -> RedisLimiterBuilder {
        RedisLimiterBuilder {
            url: url.into(),
            institution: institution.into(),
            rate: ALMA_REQUESTS_PER_SECOND,
            timeout: Duration::from_millis(250),
            retry_after: Duration::from_secs(1),
            fallback: RedisFallback::default(),
            batch_share: DEFAULT_BATCH_SHARE,
        }
    }

    /// Whether the fallback is in use (Redis did not answer the last time it was tried).
    pub fn degraded(&self) -> bool {
        self.inner.degraded.load(Ordering::Relaxed)
    }

    /// The Redis keys this limiter uses: next slot, quota used up until, lowest remaining,
    /// interactive lane, the batch's latest slot, slots owed to interactive requests. Budgets
    /// add `alma:{institution}:budget:{name}:{GMT day}`.
    pub fn keys(&self) -> &[String; 6] {
        &self.inner.keys
    }

    /// The key a budget is counted under on the GMT day of `now`.
    pub fn budget_key(&self, budget: &str, now: SystemTime) -> String {
        format!(
            "alma:{{{}}}:budget:{budget}:{}",
            self.inner.institution,
            crate::civil::gmt_day(now)
        )
    }

    async fn connection(&self) -> redis::RedisResult<ConnectionManager> {
        let i = &self.inner;
        i.manager
            .get_or_try_init(|| async {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(i.timeout))
                    .set_response_timeout(Some(i.timeout))
                    .set_number_of_retries(1)
                    .set_min_delay(Duration::from_millis(50))
                    .set_max_delay(i.retry_after);
                ConnectionManager::new_lazy_with_config(i.client.clone(), config)
            })
            .await
            .cloned()
    }

    /// One round trip: the wait for the reserved slot and what is known institution-wide.
    async fn admit_shared(&self, report: &Report) -> redis::RedisResult<(Duration, Shared)> {
        let i = &self.inner;
        let seen = match report.remaining_seen {
            Some(r) => i.unsent.fetch_min(r, Ordering::Relaxed).min(r),
            None => i.unsent.load(Ordering::Relaxed),
        };
        let interval = 1_000_000.0 / i.rate;
        let budget_key = match &report.budget {
            Some(b) => self.budget_key(&b.name, report.now),
            None => format!("alma:{{{}}}:budget", i.institution),
        };
        let max = match &report.budget {
            None => -2,
            Some(b) => b.max_today.map_or(-1, |m| m.min(i64::MAX as u64) as i64),
        };
        let mut con = self.connection().await?;
        let (wait_us, used_up_until, lowest, used): (i64, String, String, i64) = ADMIT
            .key(&i.keys[0])
            .key(&i.keys[1])
            .key(&i.keys[2])
            .key(&i.keys[3])
            .key(&i.keys[4])
            .key(&i.keys[5])
            .key(budget_key)
            .arg(interval.round() as u64)
            .arg(if seen == u64::MAX { -1 } else { seen as i64 })
            .arg(millis_until_midnight(report.now))
            .arg(match report.priority {
                Priority::Interactive => "i",
                Priority::Batch => "b",
            })
            .arg((interval / (1.0 - i.batch_share)).round() as u64)
            .arg(max)
            .invoke_async(&mut con)
            .await?;
        // Written: forget it unless a lower one arrived meanwhile.
        let _ = i
            .unsent
            .compare_exchange(seen, u64::MAX, Ordering::Relaxed, Ordering::Relaxed);
        let until = used_up_until
            .parse::<u64>()
            .ok()
            .filter(|s| *s > 0)
            .map(|s| UNIX_EPOCH + Duration::from_secs(s));
        let lowest = lowest.parse::<u64>().ok();
        let budget = (used >= 0).then(|| BudgetState::new(used as u64, wait_us == -1));
        // -2: the batch request's slot is now and slots are owed: ask at once.
        let wait = match wait_us {
            -2 => self.confirm().await?,
            us => Duration::from_micros(us.max(0) as u64),
        };
        Ok((wait, Shared::new(until, lowest).with_budget(budget)))
    }

    /// A batch request's reserved slot has come: the time to wait again if it had to yield it.
    async fn confirm(&self) -> redis::RedisResult<Duration> {
        let i = &self.inner;
        let mut con = self.connection().await?;
        let wait_us: i64 = CONFIRM
            .key(&i.keys[0])
            .key(&i.keys[4])
            .key(&i.keys[5])
            .arg((1_000_000.0 / i.rate).round() as u64)
            .invoke_async(&mut con)
            .await?;
        Ok(Duration::from_micros(wait_us.max(0) as u64))
    }

    /// Runs `call` within the timeout unless Redis is known to be down; `None` when it did not
    /// answer (the outage is then recorded and announced).
    async fn try_redis<T>(
        &self,
        what: &str,
        call: impl std::future::Future<Output = redis::RedisResult<T>>,
    ) -> Option<T> {
        let i = &self.inner;
        let down = i
            .down_until
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some_and(|until| Instant::now() < until);
        if down {
            return None;
        }
        let failure = match tokio::time::timeout(i.timeout, call).await {
            Ok(Ok(value)) => {
                if i.degraded.swap(false, Ordering::Relaxed) {
                    tracing::info!(redis = %i.url, institution = %i.institution, "Redis answers again: the shared rate limit is back in use");
                }
                return Some(value);
            }
            Ok(Err(e)) => scrub(&e.to_string(), i.secret.as_deref()),
            Err(_) => format!("no answer within {:?}", i.timeout),
        };
        *i.down_until.lock().unwrap_or_else(|e| e.into_inner()) =
            Some(Instant::now() + i.retry_after);
        if !i.degraded.swap(true, Ordering::Relaxed) {
            match &i.local {
                Some(l) => {
                    tracing::warn!(redis = %i.url, institution = %i.institution, error = %failure, during = what, fallback_rate = l.rate(), "Redis is unavailable: going on with an in-process limiter at a share of the rate")
                }
                None => {
                    tracing::warn!(redis = %i.url, institution = %i.institution, error = %failure, during = what, "Redis is unavailable: requests are refused until it answers")
                }
            }
        }
        None
    }

    fn fallback_message(&self) -> String {
        format!(
            "Redis at {} did not answer (retried every {:?})",
            self.inner.url, self.inner.retry_after
        )
    }
}

impl Limiter for RedisLimiter {
    fn acquire(&self, report: Report) -> BoxFuture<'_, Result<Shared, String>> {
        Box::pin(async move {
            if let Some((mut wait, shared)) = self
                .try_redis("admission", self.admit_shared(&report))
                .await
            {
                let refused = shared.budget.is_some_and(|b| b.refused);
                while !refused && !wait.is_zero() {
                    tokio::time::sleep(wait).await;
                    // A batch request may owe its slot to an interactive one. Redis gone
                    // meanwhile: it goes, as its slot was reserved.
                    wait = match report.priority {
                        Priority::Batch => self
                            .try_redis("admission", self.confirm())
                            .await
                            .unwrap_or_default(),
                        Priority::Interactive => Duration::ZERO,
                    };
                }
                return Ok(shared);
            }
            if let Some(r) = report.remaining_seen {
                self.inner.unsent.fetch_min(r, Ordering::Relaxed);
            }
            match &self.inner.local {
                // Budgets are counted in this process meanwhile: the fallback cannot know what
                // the others used, so each process keeps to the whole budget alone.
                Some(l) => Limiter::acquire(l, report).await,
                None => Err(self.fallback_message()),
            }
        })
    }

    fn observe(&self, what: Observed) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            let i = &self.inner;
            let degraded = self.degraded();
            match what {
                Observed::Succeeded => {
                    if let (true, Some(l)) = (degraded, &i.local) {
                        l.succeeded();
                    }
                }
                Observed::Throttled => {
                    let penalty_us = 250_000u64;
                    let call = async {
                        let mut con = self.connection().await?;
                        PENALISE
                            .key(&i.keys[0])
                            .key(&i.keys[3])
                            .arg(penalty_us)
                            .invoke_async::<i64>(&mut con)
                            .await
                    };
                    if self.try_redis("a 429", call).await.is_none() {
                        if let Some(l) = &i.local {
                            l.throttled();
                        }
                    }
                }
                Observed::QuotaExhausted { until, now } => {
                    let secs = until
                        .duration_since(UNIX_EPOCH)
                        .map(|d| d.as_secs())
                        .unwrap_or(0);
                    let ttl = until
                        .duration_since(now)
                        .map(|d| d.as_millis() as u64)
                        .unwrap_or(0)
                        .max(1);
                    let call = async {
                        let mut con = self.connection().await?;
                        redis::cmd("SET")
                            .arg(&i.keys[1])
                            .arg(secs)
                            .arg("PX")
                            .arg(ttl)
                            .query_async::<()>(&mut con)
                            .await
                    };
                    self.try_redis("DAILY_THRESHOLD", call).await;
                }
            }
        })
    }

    fn rate(&self) -> f64 {
        match (&self.inner.local, self.degraded()) {
            (Some(l), true) => l.rate(),
            _ => self.inner.rate,
        }
    }
}

/// Milliseconds from `now` to the next midnight GMT (at least 1): the quota keys expire then.
fn millis_until_midnight(now: SystemTime) -> u64 {
    next_midnight_utc(now)
        .duration_since(now)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
        .max(1)
}

/// `text` without `secret`.
fn scrub(text: &str, secret: Option<&str>) -> String {
    match secret {
        Some(s) if !s.is_empty() => text.replace(s, "<redacted>"),
        _ => text.to_string(),
    }
}

/// `url` with its password replaced, for messages and `Debug`.
fn redacted_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("redacted"));
            }
            u.to_string()
        }
        Err(_) => "<unparsable URL>".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_never_shows() {
        let l = RedisLimiter::builder("redis://user:s3cret@127.0.0.1:6390/2", "inst")
            .build()
            .unwrap();
        let shown = format!("{l:?}");
        assert!(
            !shown.contains("s3cret") && shown.contains(":redacted@"),
            "{shown}"
        );
        let e = RedisLimiter::builder("redis://user:s3cret@[::1", "inst")
            .build()
            .unwrap_err()
            .to_string();
        assert!(!e.contains("s3cret"), "{e}");
    }

    #[test]
    fn bad_configuration_is_refused_naming_it() {
        let e = RedisLimiter::builder("redis://127.0.0.1", "my inst")
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("\"my inst\""), "{e}");
        let e = RedisLimiter::builder("redis://127.0.0.1", "inst")
            .fallback(RedisFallback::Local { share: 1.5 })
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("share 1.5"), "{e}");
        let e = RedisLimiter::builder("redis://127.0.0.1", "inst")
            .rate(0.0)
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("rate 0"), "{e}");
    }

    #[test]
    fn keys_are_named_by_institution_in_one_hash_slot() {
        let l = RedisLimiter::builder("redis://127.0.0.1", "main-library")
            .build()
            .unwrap();
        assert!(l
            .keys()
            .iter()
            .all(|k| k.starts_with("alma:{main-library}:")));
    }

    #[test]
    fn quota_keys_expire_at_midnight_gmt() {
        let day = UNIX_EPOCH + Duration::from_secs(20_000 * 86_400);
        assert_eq!(
            millis_until_midnight(day + Duration::from_millis(86_399_250)),
            750
        );
        assert_eq!(millis_until_midnight(day), 86_400_000);
    }
}
