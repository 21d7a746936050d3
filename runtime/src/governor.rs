//! Alma's governance limits, enforced on our side: a request-rate limiter shared by every clone of
//! a client (and optionally by several clients using one key), a cap on requests in flight, the
//! daily quota, and counters.
//!
//! The limiter paces requests (one every `1/rate` seconds, no bursts), so a gateway that allows
//! `rate` requests per second never sees more. After a 429 it slows down by a quarter and then
//! creeps back to the configured rate as requests succeed.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Alma's per-institution limit: 25 API calls per second.
pub const ALMA_REQUESTS_PER_SECOND: f64 = 25.0;

/// A request-rate limiter. Clone it into several clients (`ClientBuilder::shared_limiter`) to
/// make them share one budget, as Alma counts per institution, not per client.
#[derive(Clone, Debug)]
pub struct RateLimiter {
    inner: Arc<Mutex<Pace>>,
}

#[derive(Debug)]
struct Pace {
    /// Configured requests per second.
    target: f64,
    /// Current requests per second (below `target` after a 429).
    current: f64,
    /// Earliest time the next request may leave.
    next: Instant,
}

impl RateLimiter {
    /// A limiter allowing `per_second` requests per second (must be > 0).
    pub fn new(per_second: f64) -> RateLimiter {
        let rate = if per_second.is_finite() && per_second > 0.0 {
            per_second
        } else {
            ALMA_REQUESTS_PER_SECOND
        };
        RateLimiter {
            inner: Arc::new(Mutex::new(Pace {
                target: rate,
                current: rate,
                next: Instant::now(),
            })),
        }
    }

    /// Waits for this request's slot.
    pub async fn acquire(&self) {
        let wait = {
            let mut p = self.inner.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            let slot = p.next.max(now);
            p.next = slot + Duration::from_secs_f64(1.0 / p.current);
            slot - now
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    /// The gateway said "too many": slow down by a quarter and push the next slot back.
    pub fn throttled(&self) {
        let mut p = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        p.current = (p.current * 0.75).max(p.target / 10.0);
        let pause = Duration::from_secs_f64(1.0 / p.current);
        p.next = p.next.max(Instant::now()) + pause;
    }

    /// A request went through: recover towards the configured rate.
    pub fn succeeded(&self) {
        let mut p = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if p.current < p.target {
            p.current = (p.current + p.target * 0.02).min(p.target);
        }
    }

    /// The current rate in requests per second.
    pub fn rate(&self) -> f64 {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).current
    }
}

/// Counters of one client and its clones.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub requests: AtomicU64,
    pub retries: AtomicU64,
    pub throttled: AtomicU64,
    /// Last `X-Exl-Api-Remaining` seen, or `u64::MAX` before any.
    pub remaining: AtomicU64,
    /// Unix seconds until which the daily quota is known to be used up (0: not).
    pub exhausted_until: AtomicU64,
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
    /// The last `X-Exl-Api-Remaining` seen.
    pub remaining: Option<u64>,
}

pub(crate) struct Governor {
    pub limiter: Option<RateLimiter>,
    in_flight: Option<Arc<Semaphore>>,
    pub counters: Counters,
    pub low_water: Option<u64>,
}

impl Governor {
    pub fn new(
        limiter: Option<RateLimiter>,
        max_in_flight: Option<usize>,
        low_water: Option<u64>,
    ) -> Governor {
        Governor {
            limiter,
            in_flight: max_in_flight.map(|n| Arc::new(Semaphore::new(n.max(1)))),
            counters: Counters {
                remaining: AtomicU64::new(u64::MAX),
                ..Counters::default()
            },
            low_water,
        }
    }

    /// Waits for a place in flight and a rate slot. The permit is held until the answer is read.
    pub async fn admit(&self) -> Option<OwnedSemaphorePermit> {
        let permit = match &self.in_flight {
            Some(s) => s.clone().acquire_owned().await.ok(),
            None => None,
        };
        if let Some(l) = &self.limiter {
            l.acquire().await;
        }
        permit
    }

    pub fn stats(&self) -> Stats {
        let remaining = self.counters.remaining.load(Ordering::Relaxed);
        Stats {
            requests: self.counters.requests.load(Ordering::Relaxed),
            retries: self.counters.retries.load(Ordering::Relaxed),
            throttled: self.counters.throttled.load(Ordering::Relaxed),
            remaining: (remaining != u64::MAX).then_some(remaining),
        }
    }

    pub fn record_remaining(&self, remaining: Option<u64>) {
        if let Some(r) = remaining {
            self.counters.remaining.store(r, Ordering::Relaxed);
        }
    }

    /// The daily quota is used up until the next midnight GMT.
    pub fn mark_exhausted(&self) -> SystemTime {
        let reset = next_midnight_utc(SystemTime::now());
        let secs = reset
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        self.counters.exhausted_until.store(secs, Ordering::Relaxed);
        reset
    }

    /// `Some(reset time)` while the daily quota is known to be used up.
    pub fn exhausted(&self) -> Option<SystemTime> {
        let until = self.counters.exhausted_until.load(Ordering::Relaxed);
        let reset = UNIX_EPOCH + Duration::from_secs(until);
        (until != 0 && SystemTime::now() < reset).then_some(reset)
    }

    /// `Some(remaining)` when the last known remaining quota is at or below the low-water mark.
    pub fn below_low_water(&self) -> Option<u64> {
        let mark = self.low_water?;
        let remaining = self.counters.remaining.load(Ordering::Relaxed);
        (remaining != u64::MAX && remaining <= mark).then_some(remaining)
    }
}

/// Alma's daily quota resets at midnight GMT.
pub fn next_midnight_utc(now: SystemTime) -> SystemTime {
    let secs = now
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    UNIX_EPOCH + Duration::from_secs((secs / 86_400 + 1) * 86_400)
}
