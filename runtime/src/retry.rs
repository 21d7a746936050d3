//! When and how long to wait before trying a failed request again.

use std::time::Duration;

use crate::{Error, GatewayError, Method};

/// Retries with jittered exponential backoff, bounded by attempts and by total time.
///
/// What is retried:
/// - 429 `PER_SECOND_THRESHOLD`, for every method: the gateway refused the request before Alma
///   saw it, so even a POST is safe to send again;
/// - 503 `ROUTING_ERROR`, 502, 504, connection failures and timeouts, for GET, PUT and DELETE
///   only: a POST may have been carried out before the answer was lost, and replaying it could
///   create a second record;
/// - never `DAILY_THRESHOLD` (the quota resets at midnight GMT) or any other error.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = no retries).
    pub max_attempts: u32,
    /// Backoff before the first retry; doubles each time.
    pub initial_backoff: Duration,
    /// Longest single backoff.
    pub max_backoff: Duration,
    /// No retry starts after this much time since the first attempt.
    pub max_elapsed: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 6,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(10),
            max_elapsed: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn disabled() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// Whether `error` on a `method` request may be retried (ignoring the budget).
    pub fn retryable(error: &Error, method: Method) -> bool {
        let idempotent = matches!(method, Method::Get | Method::Put | Method::Delete);
        match error {
            Error::Api {
                gateway: Some(GatewayError::PerSecondThreshold),
                ..
            } => true,
            Error::Api {
                status, gateway, ..
            } => {
                idempotent
                    && (matches!(gateway, Some(GatewayError::RoutingError))
                        || matches!(status.as_u16(), 502..=504))
            }
            Error::Transport { .. } | Error::Timeout { .. } => idempotent,
            _ => false,
        }
    }

    /// Backoff before retry number `retry` (1-based): full jitter over an exponential ceiling.
    pub fn backoff(&self, retry: u32) -> Duration {
        let ceiling = self
            .initial_backoff
            .saturating_mul(
                1u32.checked_shl(retry.saturating_sub(1))
                    .unwrap_or(u32::MAX),
            )
            .min(self.max_backoff);
        ceiling.mul_f64(0.5 + fastrand::f64() * 0.5)
    }
}
