//! Priority classes and daily budgets: how one institution's 25 requests per second and daily
//! quota are shared between the applications that use them.
//!
//! - [`Priority`]: `Interactive` (the default: a circulation desk, a discovery layer) and `Batch`
//!   (a nightly sync). Both draw from one schedule; an interactive request does not queue behind
//!   batch requests that reserved slots before it, and the batch keeps a guaranteed share (10% by
//!   default) however much interactive work there is. See `local.rs` and `admit.lua`.
//! - [`Budget`]: what one application may use of the institution's daily quota — at most so many
//!   calls (or a share of the quota), and a reserve it leaves to the others — counted under its
//!   name across every process (through Redis with a shared limiter), starting afresh at midnight
//!   GMT as the quota does. Reaching it is [`crate::Error::Budget`], never retried.

use std::str::FromStr;
use std::sync::Arc;

/// The share of the rate a batch keeps while interactive work would take it all.
pub const DEFAULT_BATCH_SHARE: f64 = 0.10;

/// Which queue a request waits in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Priority {
    /// People waiting for the answer: never queued behind batch work (the default).
    #[default]
    Interactive,
    /// Work nobody watches: yields to interactive requests, keeps a guaranteed share.
    Batch,
}

impl Priority {
    /// `interactive` or `batch`.
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Interactive => "interactive",
            Priority::Batch => "batch",
        }
    }

    pub(crate) fn index(self) -> usize {
        match self {
            Priority::Interactive => 0,
            Priority::Batch => 1,
        }
    }
}

impl FromStr for Priority {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "interactive" => Ok(Priority::Interactive),
            "batch" => Ok(Priority::Batch),
            other => Err(format!(
                "unknown priority {other:?} (expected interactive or batch)"
            )),
        }
    }
}

impl std::fmt::Display for Priority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An amount of the daily quota: calls, or a share of the quota.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Amount {
    /// So many calls.
    Calls(u64),
    /// This share (0 to 1) of the institution's daily quota.
    Share(f64),
}

impl Amount {
    /// In calls, given the quota (a share needs it).
    pub fn calls(self, quota: Option<u64>) -> Option<u64> {
        match self {
            Amount::Calls(n) => Some(n),
            Amount::Share(s) => quota.map(|q| (q as f64 * s).floor() as u64),
        }
    }
}

impl FromStr for Amount {
    type Err = String;

    /// `50000` (calls) or `60%` (of the quota).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        match s.strip_suffix('%') {
            Some(p) => {
                let p: f64 = p
                    .trim()
                    .parse()
                    .map_err(|_| format!("{s:?} is not a percentage"))?;
                if !(0.0..=100.0).contains(&p) {
                    return Err(format!("{s:?}: a share is from 0% to 100%"));
                }
                Ok(Amount::Share(p / 100.0))
            }
            None => s
                .replace('_', "")
                .parse()
                .map(Amount::Calls)
                .map_err(|_| format!("{s:?} is neither a number of calls nor a percentage")),
        }
    }
}

impl std::fmt::Display for Amount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Amount::Calls(n) => write!(f, "{n} calls"),
            Amount::Share(s) => write!(f, "{}% of the daily quota", s * 100.0),
        }
    }
}

/// What one application may use of the institution's daily quota (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct Budget {
    pub(crate) name: Arc<str>,
    pub(crate) max: Option<Amount>,
    pub(crate) keep: Option<Amount>,
    pub(crate) quota: Option<u64>,
}

impl Budget {
    /// A budget counted under `name` (the same in every process of the application; through
    /// Redis, institution-wide).
    pub fn new(name: impl Into<String>) -> Budget {
        Budget {
            name: Arc::from(name.into()),
            max: None,
            keep: None,
            quota: None,
        }
    }

    /// At most this much of today's quota for this application.
    pub fn max(mut self, amount: Amount) -> Budget {
        self.max = Some(amount);
        self
    }

    /// Leave at least this much of today's quota to the others: stop when the institution has
    /// this little left.
    pub fn keep(mut self, amount: Amount) -> Budget {
        self.keep = Some(amount);
        self
    }

    /// The institution's daily quota (1000 calls per named user licence). Shares need it;
    /// without it, the largest `X-Exl-Api-Remaining` seen today stands in for it (exact at the
    /// start of the day, less later).
    pub fn daily_quota(mut self, calls: u64) -> Budget {
        self.quota = Some(calls);
        self
    }

    /// The name it is counted under.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its limit on this application's own calls.
    pub fn max_amount(&self) -> Option<Amount> {
        self.max
    }

    /// What it leaves to the others.
    pub fn keep_amount(&self) -> Option<Amount> {
        self.keep
    }
}

/// What a request's admission asks of a budget: its name and today's ceiling in calls (`None`:
/// not known yet, a share of a quota not seen yet).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BudgetUse {
    /// The budget's name.
    pub name: Arc<str>,
    /// Calls it allows today.
    pub max_today: Option<u64>,
}

/// What an admission found of the budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct BudgetState {
    /// Calls counted against it today (this one included when admitted).
    pub used: u64,
    /// The ceiling was reached: the request was not admitted.
    pub refused: bool,
}

impl BudgetState {
    /// A budget's state.
    pub fn new(used: u64, refused: bool) -> BudgetState {
        BudgetState { used, refused }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_as_calls_or_shares() {
        assert_eq!("50000".parse::<Amount>(), Ok(Amount::Calls(50_000)));
        assert_eq!("50_000".parse::<Amount>(), Ok(Amount::Calls(50_000)));
        assert_eq!("60%".parse::<Amount>(), Ok(Amount::Share(0.6)));
        assert!("160%".parse::<Amount>().is_err());
        assert!("lots".parse::<Amount>().is_err());
        assert_eq!(Amount::Share(0.6).calls(Some(100_000)), Some(60_000));
        assert_eq!(Amount::Share(0.6).calls(None), None);
        assert_eq!("Batch".parse::<Priority>(), Ok(Priority::Batch));
    }
}
