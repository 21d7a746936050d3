//! Waiting for Alma to finish something: poll until a condition holds, with a bound.

use std::future::Future;
use std::time::{Duration, Instant};

use crate::Error;

/// How often and how long to poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitOptions {
    /// Pause between polls.
    pub interval: Duration,
    /// Give up (with [`Error::Timeout`]) after this long.
    pub timeout: Duration,
}

impl Default for WaitOptions {
    /// Every 5 seconds, for at most an hour (Alma jobs can take that long).
    fn default() -> Self {
        WaitOptions {
            interval: Duration::from_secs(5),
            timeout: Duration::from_secs(3600),
        }
    }
}

/// Calls `poll` until `done` holds for its value, pausing `interval` between calls, for at most
/// `timeout`. Errors from `poll` end the wait.
pub async fn poll_until<T, F, Fut>(
    operation: &'static str,
    mut poll: F,
    done: impl Fn(&T) -> bool,
    options: WaitOptions,
) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let started = Instant::now();
    loop {
        let value = poll().await?;
        if done(&value) {
            return Ok(value);
        }
        if started.elapsed() + options.interval > options.timeout {
            return Err(Error::Timeout {
                operation,
                after: Some(options.timeout),
            });
        }
        tokio::time::sleep(options.interval).await;
    }
}

/// Whether an Alma job instance status (`COMPLETED_SUCCESS`, `RUNNING`, …) means it ended.
pub fn job_status_is_final(status: &str) -> bool {
    status.starts_with("COMPLETED")
        || matches!(
            status,
            "FAILED" | "ABORTED" | "SYSTEM_ABORTED" | "CANCELLED" | "SKIPPED" | "FINALIZED"
        )
}
