//! The in-process limiter (the default): paces the requests of every client that holds a clone.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{BoxFuture, Limiter, Observed, Report, Shared, ALMA_REQUESTS_PER_SECOND};

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

/// Local: nothing is shared beyond the clones, so what the answers say about the quota stays in
/// the client's own counters.
impl Limiter for RateLimiter {
    fn acquire(&self, _report: Report) -> BoxFuture<'_, Result<Shared, String>> {
        Box::pin(async move {
            RateLimiter::acquire(self).await;
            Ok(Shared::default())
        })
    }

    fn observe(&self, what: Observed) -> BoxFuture<'_, ()> {
        match what {
            Observed::Succeeded => self.succeeded(),
            Observed::Throttled => self.throttled(),
            Observed::QuotaExhausted { .. } => {}
        }
        Box::pin(std::future::ready(()))
    }

    fn rate(&self) -> f64 {
        RateLimiter::rate(self)
    }
}
