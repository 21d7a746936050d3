//! What the local Alma remembers between requests, in one place every part locks: the records,
//! the gateway's schedule and count, the behaviours' running jobs and cursors. Below the
//! gateway, Alma and the behaviours, which all read it.

use std::time::{Duration, Instant};

use crate::config::SimConfig;
use crate::store::Store;

/// The store, the gateway's and the behaviours' memory.
pub struct State {
    pub store: Store,
    pub gateway: Gateway,
    pub rules: Rules,
}

/// The gateway's memory: the rate schedule and the day's count.
#[derive(Default)]
pub struct Gateway {
    /// The schedule's next free slot (GCRA's theoretical arrival time).
    next: Option<Instant>,
    pub used_today: u64,
}

impl Gateway {
    /// A slot for a request arriving `now`: how long it waits in the queue (zero within the
    /// burst), or `Err` when it would wait longer than the queue holds.
    pub fn admit(&mut self, config: &SimConfig, now: Instant) -> Result<Duration, ()> {
        let Some(rate) = config.rate.filter(|r| *r > 0.0) else {
            return Ok(Duration::ZERO);
        };
        let interval = Duration::from_secs_f64(1.0 / rate);
        // The burst: this many requests may be ahead of the schedule at once.
        let tolerance = interval.mul_f64((config.burst - 1.0).max(0.0));
        let next = self.next.map_or(now, |n| n.max(now));
        let wait = next.saturating_duration_since(now + tolerance);
        if wait > config.queue {
            return Err(());
        }
        self.next = Some(next + interval);
        Ok(wait)
    }

    /// Counts the request against the daily quota: what is left after it, or `None` once
    /// the quota is used up.
    pub fn count(&mut self, config: &SimConfig) -> Option<u64> {
        if self.used_today >= config.daily {
            return None;
        }
        self.used_today += 1;
        Some(config.daily - self.used_today)
    }
}

/// What the rules remember between requests.
#[derive(Default)]
pub struct Rules {
    /// Running job instances: path, when they started, whether they ended.
    pub jobs: Vec<(String, Instant, bool)>,
    /// Analytics cursors: resumption token → the next row. Alma's token names a cursor that
    /// moves on each use, so every page after the first is asked for with the same token.
    pub reports: std::collections::HashMap<String, usize>,
}
