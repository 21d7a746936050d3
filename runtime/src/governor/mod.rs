//! Alma's governance limits, enforced on our side: a request-rate limiter, a cap on requests in
//! flight, the daily quota, priority classes and budgets (`classes.rs`), and counters.
//!
//! The limiter sits behind [`Limiter`]. The default, [`RateLimiter`], lives in the process and is
//! shared by every clone of a client (and by several clients given one clone). Alma counts per
//! institution, across processes and hosts; `RedisLimiter` (feature `redis`) shares the rate,
//! the used-up daily quota and the lowest remaining quota through a Redis server.
//!
//! Both pace requests (one every `1/rate` seconds, no bursts), so a gateway that allows `rate`
//! requests per second never sees more, and both put interactive requests before batch ones on
//! that one schedule (the rules: `local.rs`).

mod classes;
mod local;
#[cfg(feature = "redis")]
mod redis;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub use classes::{Amount, Budget, BudgetState, BudgetUse, Priority, DEFAULT_BATCH_SHARE};
pub use local::RateLimiter;
#[cfg(feature = "redis")]
pub use redis::{RedisFallback, RedisLimiter, RedisLimiterBuilder};

/// Alma's per-institution limit: 25 API calls per second.
pub const ALMA_REQUESTS_PER_SECOND: f64 = 25.0;

/// A boxed future, as [`Limiter`]'s methods return (the trait stays object-safe).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What paces a client's requests and shares what is known of the institution's quota.
///
/// The runtime calls [`acquire`](Limiter::acquire) before every attempt (retries included) and
/// [`observe`](Limiter::observe) with what the answer said. Implementations must not hang: a
/// shared store that does not answer is the implementation's to time out and work around.
pub trait Limiter: Send + Sync + fmt::Debug + 'static {
    /// Waits for this request's slot. `report` carries what this process learnt since its last
    /// call; the answer is what is known institution-wide. `Err` refuses the request
    /// ([`crate::Error::Governance`]), for limiters configured to fail rather than guess.
    fn acquire(&self, report: Report) -> BoxFuture<'_, Result<Shared, String>>;

    /// What an answer said about the institution's limits.
    fn observe(&self, what: Observed) -> BoxFuture<'_, ()>;

    /// The rate it currently allows, in requests per second.
    fn rate(&self) -> f64;
}

/// What a process passes to [`Limiter::acquire`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Report {
    /// The lowest `X-Exl-Api-Remaining` seen since the last call, if any.
    pub remaining_seen: Option<u64>,
    /// Now, by the client's wall clock (the quota resets at midnight GMT by it).
    pub now: SystemTime,
    /// The request's class: an interactive request does not queue behind batch ones.
    pub priority: Priority,
    /// The budget the request counts against, if the client has one.
    pub budget: Option<BudgetUse>,
}

impl Report {
    /// A report (for limiter implementations and their tests).
    pub fn new(now: SystemTime, priority: Priority) -> Report {
        Report {
            remaining_seen: None,
            now,
            priority,
            budget: None,
        }
    }
}

/// What is known institution-wide, from [`Limiter::acquire`]. A local limiter knows nothing
/// beyond the client (`Shared::default()`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Shared {
    /// Some process saw `DAILY_THRESHOLD`: the quota is used up until then.
    pub quota_exhausted_until: Option<SystemTime>,
    /// The lowest `X-Exl-Api-Remaining` any process saw today.
    pub lowest_remaining: Option<u64>,
    /// The budget of the report, as counted (institution-wide with a shared limiter).
    pub budget: Option<BudgetState>,
}

impl Shared {
    /// What a shared limiter found.
    pub fn new(quota_exhausted_until: Option<SystemTime>, lowest_remaining: Option<u64>) -> Self {
        Shared {
            quota_exhausted_until,
            lowest_remaining,
            budget: None,
        }
    }

    /// The same, with the budget's state.
    pub fn with_budget(mut self, budget: Option<BudgetState>) -> Self {
        self.budget = budget;
        self
    }
}

/// Why an admission refused a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The limiter could not admit it (`RedisFallback::Refuse`).
    Governance(String),
    /// A budget: its name, what it allows, what was used (or, for a reserve, what is left).
    Budget {
        name: String,
        limit: u64,
        used: u64,
        reserve: bool,
    },
}

/// What an answer said, for [`Limiter::observe`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Observed {
    /// A request went through.
    Succeeded,
    /// The gateway answered 429 (`PER_SECOND_THRESHOLD`).
    Throttled,
    /// The gateway answered `DAILY_THRESHOLD`: nothing more until `until` (midnight GMT).
    QuotaExhausted {
        /// When the quota resets.
        until: SystemTime,
        /// Now, by the client's wall clock.
        now: SystemTime,
    },
}

/// The wall clock the governor reads for the daily quota (midnight GMT). Tests give a clock
/// near midnight; everything else uses [`SystemClock`].
pub trait WallClock: Send + Sync + fmt::Debug + 'static {
    /// Now.
    fn now(&self) -> SystemTime;
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl WallClock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// Counters of one client and its clones.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub requests: AtomicU64,
    pub retries: AtomicU64,
    pub throttled: AtomicU64,
    /// Records a list stream skipped because an earlier page had given them.
    pub duplicates: AtomicU64,
    /// Last `X-Exl-Api-Remaining` seen (or the institution's lowest, with a shared limiter), or
    /// `u64::MAX` before any.
    pub remaining: AtomicU64,
    /// The GMT day (days since 1970) `remaining` was learnt on: the quota starts afresh at
    /// midnight, so yesterday's low remaining must not stop today's requests.
    remaining_day: AtomicU64,
    /// Lowest `X-Exl-Api-Remaining` seen since the last report to the limiter (`u64::MAX`: none).
    unreported: AtomicU64,
    /// Unix seconds until which the daily quota is known to be used up (0: not).
    pub exhausted_until: AtomicU64,
    /// Time spent waiting for admission (ns) and admissions, per class.
    waited_ns: [AtomicU64; 2],
    admitted: [AtomicU64; 2],
    /// The largest `X-Exl-Api-Remaining` seen today (the quota's stand-in), and its day.
    highest_remaining: AtomicU64,
    highest_day: AtomicU64,
    /// Calls counted against the client's budget today, as the last admission said.
    budget_used: AtomicU64,
}

/// What a client has done so far (all clones together).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// HTTP requests sent, retries included.
    pub requests: u64,
    /// Of those, retries.
    pub retries: u64,
    /// 429 answers received (each was retried).
    pub throttled: u64,
    /// Records list streams skipped because an earlier page had given them (pages that
    /// overlap).
    pub duplicates_skipped: u64,
    /// The last `X-Exl-Api-Remaining` seen; with a shared limiter, the lowest any process saw.
    pub remaining: Option<u64>,
    /// Requests admitted as interactive, and the time they spent waiting for admission.
    pub interactive_admitted: u64,
    /// Time interactive requests waited for admission, in total.
    pub interactive_wait: Duration,
    /// Requests admitted as batch.
    pub batch_admitted: u64,
    /// Time batch requests waited for admission, in total.
    pub batch_wait: Duration,
    /// Calls counted against the client's budget today (institution-wide with a shared limiter).
    pub budget_used: Option<u64>,
    /// What the budget allows today, in calls, when known.
    pub budget_limit: Option<u64>,
}

pub(crate) struct Governor {
    pub limiter: Option<Arc<dyn Limiter>>,
    /// The same limiter when it is the in-process one (`Client::rate_limiter`).
    pub local: Option<RateLimiter>,
    in_flight: Option<Arc<Semaphore>>,
    pub counters: Counters,
    pub low_water: Option<u64>,
    pub clock: Arc<dyn WallClock>,
    pub budget: Option<Budget>,
    /// Budgets of a client without a limiter (counted here).
    solo_budgets: local::Budgets,
}

impl Governor {
    pub fn new(
        limiter: Option<Arc<dyn Limiter>>,
        local: Option<RateLimiter>,
        max_in_flight: Option<usize>,
        low_water: Option<u64>,
        clock: Arc<dyn WallClock>,
    ) -> Governor {
        Governor {
            limiter,
            local,
            in_flight: max_in_flight.map(|n| Arc::new(Semaphore::new(n.max(1)))),
            counters: Counters {
                remaining: AtomicU64::new(u64::MAX),
                unreported: AtomicU64::new(u64::MAX),
                ..Counters::default()
            },
            low_water,
            clock,
            budget: None,
            solo_budgets: local::Budgets::default(),
        }
    }

    pub fn with_budget(mut self, budget: Option<Budget>) -> Governor {
        self.budget = budget;
        self
    }

    /// The institution's daily quota as known: the budget's, else the largest remaining seen
    /// today.
    fn quota(&self) -> Option<u64> {
        let known = self.budget.as_ref().and_then(|b| b.quota);
        let today = crate::civil::gmt_day(self.clock.now());
        let seen = (self.counters.highest_day.load(Ordering::Relaxed) == today)
            .then(|| self.counters.highest_remaining.load(Ordering::Relaxed))
            .filter(|h| *h > 0);
        known.or(seen)
    }

    /// The budget's ceiling today, in calls.
    fn budget_limit(&self) -> Option<u64> {
        let b = self.budget.as_ref()?;
        b.max?.calls(self.quota())
    }

    /// The remaining quota known today (the lowest seen, institution-wide with Redis).
    fn remaining_today(&self) -> Option<u64> {
        let remaining = self.counters.remaining.load(Ordering::Relaxed);
        let today = crate::civil::gmt_day(self.clock.now());
        let known_today = self.counters.remaining_day.load(Ordering::Relaxed) == today;
        (remaining != u64::MAX && known_today).then_some(remaining)
    }

    /// Waits for a place in flight and a rate slot in `priority`'s queue, and takes in what the
    /// limiter knows of the institution; a budget reached refuses. The permit is held until the
    /// answer is read.
    pub async fn admit(&self, priority: Priority) -> Result<Option<OwnedSemaphorePermit>, Refusal> {
        let started = std::time::Instant::now();
        // A reserve left to the others: checked against what the institution has left.
        if let Some(b) = &self.budget {
            let keep = b.keep.and_then(|k| k.calls(self.quota()));
            if let (Some(keep), Some(left)) = (keep, self.remaining_today()) {
                if left <= keep {
                    return Err(Refusal::Budget {
                        name: b.name.to_string(),
                        limit: keep,
                        used: left,
                        reserve: true,
                    });
                }
            }
        }
        let permit = match &self.in_flight {
            Some(s) => s.clone().acquire_owned().await.ok(),
            None => None,
        };
        let budget = self.budget.as_ref().map(|b| BudgetUse {
            name: b.name.clone(),
            max_today: self.budget_limit(),
        });
        let shared = match &self.limiter {
            Some(l) => {
                let seen = self.counters.unreported.swap(u64::MAX, Ordering::Relaxed);
                let report = Report {
                    remaining_seen: (seen != u64::MAX).then_some(seen),
                    now: self.clock.now(),
                    priority,
                    budget: budget.clone(),
                };
                l.acquire(report).await.map_err(Refusal::Governance)?
            }
            None => Shared::default().with_budget(
                budget
                    .as_ref()
                    .map(|u| self.solo_budgets.count(u, self.clock.now())),
            ),
        };
        if let Some(until) = shared.quota_exhausted_until {
            self.counters
                .exhausted_until
                .fetch_max(unix_secs(until), Ordering::Relaxed);
        }
        if let Some(low) = shared.lowest_remaining {
            self.store_remaining(low);
        }
        if let (Some(state), Some(b)) = (shared.budget, &self.budget) {
            self.counters
                .budget_used
                .store(state.used, Ordering::Relaxed);
            if state.refused {
                let limit = self.budget_limit().unwrap_or(state.used);
                tracing::warn!(budget = %b.name, used = state.used, limit, "a budget is reached: requests are refused until midnight GMT");
                return Err(Refusal::Budget {
                    name: b.name.to_string(),
                    limit,
                    used: state.used,
                    reserve: false,
                });
            }
        }
        let waited = started.elapsed();
        let i = priority.index();
        self.counters.waited_ns[i].fetch_add(waited.as_nanos() as u64, Ordering::Relaxed);
        self.counters.admitted[i].fetch_add(1, Ordering::Relaxed);
        tracing::trace!(
            priority = priority.as_str(),
            wait_ms = waited.as_millis() as u64,
            "admitted"
        );
        Ok(permit)
    }

    /// Tells the limiter what an answer said.
    pub async fn observe(&self, what: Observed) {
        if let Some(l) = &self.limiter {
            l.observe(what).await;
        }
    }

    pub fn stats(&self) -> Stats {
        let remaining = self.counters.remaining.load(Ordering::Relaxed);
        Stats {
            requests: self.counters.requests.load(Ordering::Relaxed),
            retries: self.counters.retries.load(Ordering::Relaxed),
            throttled: self.counters.throttled.load(Ordering::Relaxed),
            duplicates_skipped: self.counters.duplicates.load(Ordering::Relaxed),
            remaining: (remaining != u64::MAX).then_some(remaining),
            interactive_admitted: self.counters.admitted[0].load(Ordering::Relaxed),
            interactive_wait: Duration::from_nanos(
                self.counters.waited_ns[0].load(Ordering::Relaxed),
            ),
            batch_admitted: self.counters.admitted[1].load(Ordering::Relaxed),
            batch_wait: Duration::from_nanos(self.counters.waited_ns[1].load(Ordering::Relaxed)),
            budget_used: self
                .budget
                .as_ref()
                .map(|_| self.counters.budget_used.load(Ordering::Relaxed)),
            budget_limit: self.budget_limit(),
        }
    }

    pub fn record_remaining(&self, remaining: Option<u64>) {
        if let Some(r) = remaining {
            self.store_remaining(r);
            self.counters.unreported.fetch_min(r, Ordering::Relaxed);
        }
    }

    fn store_remaining(&self, r: u64) {
        let today = crate::civil::gmt_day(self.clock.now());
        self.counters.remaining.store(r, Ordering::Relaxed);
        self.counters.remaining_day.store(today, Ordering::Relaxed);
        if self.counters.highest_day.swap(today, Ordering::Relaxed) != today {
            self.counters.highest_remaining.store(r, Ordering::Relaxed);
        } else {
            self.counters
                .highest_remaining
                .fetch_max(r, Ordering::Relaxed);
        }
    }

    /// The daily quota is used up until the next midnight GMT.
    pub fn mark_exhausted(&self) -> (SystemTime, SystemTime) {
        let now = self.clock.now();
        let reset = next_midnight_utc(now);
        self.counters
            .exhausted_until
            .fetch_max(unix_secs(reset), Ordering::Relaxed);
        (reset, now)
    }

    /// `Some(reset time)` while the daily quota is known to be used up.
    pub fn exhausted(&self) -> Option<SystemTime> {
        let until = self.counters.exhausted_until.load(Ordering::Relaxed);
        let reset = UNIX_EPOCH + Duration::from_secs(until);
        (until != 0 && self.clock.now() < reset).then_some(reset)
    }

    /// `Some(remaining)` when the remaining quota known today is at or below the low-water mark.
    pub fn below_low_water(&self) -> Option<u64> {
        let mark = self.low_water?;
        let remaining = self.counters.remaining.load(Ordering::Relaxed);
        let today = crate::civil::gmt_day(self.clock.now());
        let known_today = self.counters.remaining_day.load(Ordering::Relaxed) == today;
        (remaining != u64::MAX && known_today && remaining <= mark).then_some(remaining)
    }

    /// The next midnight GMT by the client's clock.
    pub fn next_reset(&self) -> SystemTime {
        next_midnight_utc(self.clock.now())
    }
}

/// The institution name used when none is given: a hash of the API key (never the key).
#[cfg(feature = "redis")]
pub(crate) fn key_hash_name(key: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(key.as_bytes());
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("key-{hex}")
}

pub(crate) use crate::civil::unix_secs;

/// Alma's daily quota resets at midnight GMT.
pub fn next_midnight_utc(now: SystemTime) -> SystemTime {
    crate::civil::next_gmt_midnight(now)
}
