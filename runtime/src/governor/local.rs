//! The in-process limiter (the default): paces the requests of every client that holds a clone,
//! interactive before batch, and counts budgets.
//!
//! One schedule, two queues. `next` is the schedule's next free slot: a request takes it and
//! moves it on by one interval (GCRA, reservation form). While batch requests hold slots ahead,
//! an interactive request does not queue behind them: it goes at its lane's slot (now, unless
//! interactive requests come faster than their share) and is owed a slot; the batch request
//! whose slot comes within an interval of it yields its slot and queues again at `next`. So the
//! total never goes past the schedule, and interactive requests wait for nothing but each other.
//! The lane moves on by `interval / (1 - batch_share)` per request, so interactive requests take
//! at most `1 - batch_share` of the rate while the batch waits, and the batch keeps its share.
//! With no batch waiting, interactive requests take the schedule's slots like any request and
//! use the whole rate. `admit.lua` and `confirm.lua` do the same in Redis for every process.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use super::{
    BoxFuture, BudgetState, BudgetUse, Limiter, Observed, Priority, Report, Shared,
    ALMA_REQUESTS_PER_SECOND, DEFAULT_BATCH_SHARE,
};

/// A request-rate limiter. Clone it into several clients (`ClientBuilder::shared_limiter`) to
/// make them share one budget, as Alma counts per institution, not per client.
#[derive(Clone, Debug)]
pub struct RateLimiter {
    inner: Arc<Mutex<Pace>>,
    budgets: Arc<Budgets>,
}

#[derive(Debug)]
struct Pace {
    /// Configured requests per second.
    target: f64,
    /// Current requests per second (below `target` after a 429).
    current: f64,
    /// Earliest time the next request may leave.
    next: Instant,
    /// The interactive lane's next slot.
    lane: Instant,
    /// The share of the rate batch requests keep.
    batch_share: f64,
    /// The slots of interactive requests that went ahead of the batch: a batch request whose
    /// slot comes within an interval of one yields its slot (in order: lane slots only grow).
    owed: VecDeque<Instant>,
    /// The latest slot a batch request holds: while it is ahead, the batch is waiting.
    batch_until: Instant,
}

impl Pace {
    /// Reserves a slot at `now`: the time until it comes (see the module docs).
    fn reserve(&mut self, priority: Priority, now: Instant) -> Duration {
        let interval = Duration::from_secs_f64(1.0 / self.current);
        match priority {
            Priority::Batch => {
                let slot = self.take(now, interval);
                self.batch_until = slot;
                if slot <= now {
                    // Its slot is now: it may owe it already.
                    return self.confirm(now);
                }
                slot - now
            }
            // The batch is waiting: go ahead of it at the lane's slot; the batch request whose
            // slot comes nearest to it yields.
            Priority::Interactive if self.batch_until > now => {
                let slot = self.lane.max(now);
                self.owed.push_back(slot);
                self.lane = slot + interval.div_f64(1.0 - self.batch_share);
                slot - now
            }
            Priority::Interactive => {
                let slot = self.take(now.max(self.lane), interval);
                self.lane = slot + interval;
                slot - now
            }
        }
    }

    /// The schedule's next slot from `now` on, moved on by one interval.
    fn take(&mut self, now: Instant, interval: Duration) -> Instant {
        let slot = self.next.max(now);
        self.next = slot + interval;
        slot
    }

    /// A batch request's slot has come at `now`: zero (it goes), or it yields the slot to an
    /// interactive request going within an interval of it and waits for a new one.
    fn confirm(&mut self, now: Instant) -> Duration {
        let interval = Duration::from_secs_f64(1.0 / self.current);
        // Slots owed to interactive requests long gone: no batch request was there to yield.
        while self.owed.front().is_some_and(|d| *d + interval < now) {
            self.owed.pop_front();
        }
        if self.owed.front().is_none_or(|d| *d > now + interval) {
            return Duration::ZERO;
        }
        self.owed.pop_front();
        let slot = self.take(now, interval);
        self.batch_until = slot;
        slot - now
    }
}

/// Budgets counted in this process: name → (GMT day, calls).
#[derive(Debug, Default)]
pub(crate) struct Budgets(Mutex<HashMap<Arc<str>, (u64, u64)>>);

impl Budgets {
    /// Counts a call against `budget` today (by `now`), unless its ceiling is reached.
    pub(crate) fn count(&self, budget: &BudgetUse, now: SystemTime) -> BudgetState {
        let day = crate::civil::gmt_day(now);
        let mut all = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let entry = all.entry(budget.name.clone()).or_insert((day, 0));
        if entry.0 != day {
            *entry = (day, 0);
        }
        if budget.max_today.is_some_and(|max| entry.1 >= max) {
            return BudgetState::new(entry.1, true);
        }
        entry.1 += 1;
        BudgetState::new(entry.1, false)
    }
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
                lane: Instant::now(),
                batch_share: DEFAULT_BATCH_SHARE,
                owed: VecDeque::new(),
                batch_until: Instant::now(),
            })),
            budgets: Arc::new(Budgets::default()),
        }
    }

    /// The share of the rate batch requests keep however much interactive work there is (0 to
    /// 0.9; default 0.1).
    pub fn with_batch_share(self, share: f64) -> RateLimiter {
        {
            let mut p = self.inner.lock().unwrap_or_else(|e| e.into_inner());
            p.batch_share = if share.is_finite() {
                share.clamp(0.0, 0.9)
            } else {
                DEFAULT_BATCH_SHARE
            };
        }
        self
    }

    /// Waits for an interactive request's slot.
    pub async fn acquire(&self) {
        self.acquire_as(Priority::Interactive).await
    }

    /// Waits for the slot of a request of `priority` (see the module docs).
    pub async fn acquire_as(&self, priority: Priority) {
        let mut wait = self.reserve(priority);
        while !wait.is_zero() {
            tokio::time::sleep(wait).await;
            wait = match priority {
                Priority::Batch => self.confirm(),
                Priority::Interactive => Duration::ZERO,
            };
        }
    }

    /// Reserves a slot: the time until it comes.
    fn reserve(&self, priority: Priority) -> Duration {
        let mut p = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        p.reserve(priority, Instant::now())
    }

    /// A batch request's slot has come: zero (it goes), or the wait for a new one.
    fn confirm(&self) -> Duration {
        let mut p = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        p.confirm(Instant::now())
    }

    /// The gateway said "too many": slow down by a quarter and push the next slot back.
    pub fn throttled(&self) {
        let mut p = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        p.current = (p.current * 0.75).max(p.target / 10.0);
        let pause = Duration::from_secs_f64(1.0 / p.current);
        let now = Instant::now();
        p.next = p.next.max(now) + pause;
        p.lane = p.lane.max(now) + pause;
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
    fn acquire(&self, report: Report) -> BoxFuture<'_, Result<Shared, String>> {
        Box::pin(async move {
            // A refused request takes no slot.
            let budget = report
                .budget
                .as_ref()
                .map(|b| self.budgets.count(b, report.now));
            if !budget.is_some_and(|b| b.refused) {
                self.acquire_as(report.priority).await;
            }
            Ok(Shared::default().with_budget(budget))
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

#[cfg(test)]
mod tests {
    //! The schedule driven through virtual time: every request's reservation, wake-up and
    //! confirmation, as tasks would make them, without sleeping.
    use super::*;
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;

    const RATE: f64 = 25.0;
    /// How long a request takes once sent, before its task asks again.
    const LATENCY: Duration = Duration::from_millis(30);

    #[derive(Clone, Copy, PartialEq)]
    enum Task {
        /// Asks again as soon as its answer is in.
        Busy(Priority),
        /// Asks every so often, interactive.
        Every(Duration),
    }

    #[derive(Debug, Default)]
    struct Run {
        /// (when sent, priority, how long it waited for its slot)
        sent: Vec<(Duration, Priority, Duration)>,
    }

    impl Run {
        fn waits(&self, p: Priority) -> Vec<Duration> {
            self.sent.iter().filter(|s| s.1 == p).map(|s| s.2).collect()
        }
        fn count(&self, p: Priority) -> usize {
            self.sent.iter().filter(|s| s.1 == p).count()
        }
        /// The most requests sent in any one second.
        fn busiest_second(&self) -> usize {
            let mut at: Vec<Duration> = self.sent.iter().map(|s| s.0).collect();
            at.sort();
            let mut most = 0;
            let mut from = 0;
            for (to, t) in at.iter().enumerate() {
                while *t - at[from] >= Duration::from_secs(1) {
                    from += 1;
                }
                most = most.max(to - from + 1);
            }
            most
        }
    }

    /// Runs `tasks` for `length` of virtual time.
    fn run(tasks: &[Task], batch_share: f64, length: Duration) -> Run {
        let start = Instant::now();
        let mut pace = Pace {
            target: RATE,
            current: RATE,
            next: start,
            lane: start,
            batch_share,
            owed: VecDeque::new(),
            batch_until: start,
        };
        // (time, sequence, task, event: 0 ask, 1 slot came; time asked)
        let mut queue = BinaryHeap::new();
        for (n, _) in tasks.iter().enumerate() {
            queue.push(Reverse((Duration::ZERO, n, n, 0u8, Duration::ZERO)));
        }
        let mut seq = tasks.len();
        let mut out = Run::default();
        while let Some(Reverse((t, _, n, event, asked))) = queue.pop() {
            if t >= length {
                break;
            }
            let priority = match tasks[n] {
                Task::Busy(p) => p,
                Task::Every(_) => Priority::Interactive,
            };
            let wait = match (event, priority) {
                (0, p) => pace.reserve(p, start + t),
                (_, Priority::Batch) => pace.confirm(start + t),
                (_, Priority::Interactive) => Duration::ZERO,
            };
            seq += 1;
            if !wait.is_zero() {
                queue.push(Reverse((t + wait, seq, n, 1, asked)));
                continue;
            }
            out.sent.push((t, priority, t - asked));
            let again = match tasks[n] {
                Task::Busy(_) => t + LATENCY,
                Task::Every(period) => asked + period,
            };
            queue.push(Reverse((again, seq, n, 0, again)));
        }
        out
    }

    fn batch(n: usize) -> Vec<Task> {
        vec![Task::Busy(Priority::Batch); n]
    }

    const TWENTY_SECONDS: Duration = Duration::from_secs(20);

    #[test]
    fn interactive_requests_do_not_queue_behind_a_saturating_batch() {
        let mut tasks = batch(32);
        tasks.push(Task::Every(Duration::from_millis(200)));
        let with = run(&tasks, DEFAULT_BATCH_SHARE, TWENTY_SECONDS);
        let waits = with.waits(Priority::Interactive);
        assert_eq!(waits.len(), 100);
        assert!(waits.iter().all(|w| w.is_zero()), "{waits:?}");
        // The batch takes the rest of the rate, and the total holds to the schedule.
        assert!(with.sent.len() >= 495, "{}", with.sent.len());
        assert!(with.busiest_second() <= 26, "{}", with.busiest_second());
        // Priorities off (the same caller as batch): it waits behind every reservation.
        tasks.pop();
        tasks.push(Task::Busy(Priority::Batch));
        let without = run(&tasks, DEFAULT_BATCH_SHARE, TWENTY_SECONDS);
        let queued = without.waits(Priority::Batch);
        let mean = queued.iter().sum::<Duration>() / queued.len() as u32;
        assert!(mean > Duration::from_millis(1000), "{mean:?}");
    }

    #[test]
    fn a_batch_keeps_its_share_of_a_saturating_interactive_load() {
        let mut tasks = batch(8);
        tasks.extend(vec![Task::Busy(Priority::Interactive); 32]);
        for share in [DEFAULT_BATCH_SHARE, 0.3] {
            let r = run(&tasks, share, TWENTY_SECONDS);
            let total = r.sent.len() as f64;
            let batch = r.count(Priority::Batch) as f64 / total;
            assert!(total >= 495.0, "{total}");
            assert!(
                batch >= share * 0.95 && batch <= share * 1.2,
                "share {share}: batch had {batch:.3} of {total}"
            );
            assert!(r.busiest_second() <= 26, "{}", r.busiest_second());
        }
        // With no share kept, the batch would be starved.
        let r = run(&tasks, 0.0, TWENTY_SECONDS);
        assert!(
            r.count(Priority::Batch) <= 8,
            "{}",
            r.count(Priority::Batch)
        );
    }

    #[test]
    fn alone_either_class_uses_the_whole_rate() {
        for p in [Priority::Batch, Priority::Interactive] {
            let r = run(
                &vec![Task::Busy(p); 16],
                DEFAULT_BATCH_SHARE,
                TWENTY_SECONDS,
            );
            assert!(r.sent.len() >= 499, "{p}: {}", r.sent.len());
            assert!(r.busiest_second() <= 26, "{p}: {}", r.busiest_second());
        }
    }
}
