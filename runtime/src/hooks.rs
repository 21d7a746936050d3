//! Hooks around each attempt of a request: add headers or refuse before it is sent, see the
//! answer (status, headers, timing), hear about retries. In the spirit of progenitor's
//! `ClientHooks` and smithy's interceptors, as one small trait rather than a middleware stack:
//! the runtime's own stages (governor admission, retries, the daily quota) must stay outside
//! anything a hook can reorder, and a hook must never see the API key.

use std::time::Duration;

use http::{HeaderMap, StatusCode};

use crate::{Error, Method};

/// An attempt about to be sent. The API key is added after the hooks ran and is never shown to
/// them.
#[derive(Debug)]
#[non_exhaustive]
pub struct BeforeSend<'a> {
    /// The operation (`users.get_user`).
    pub operation: &'static str,
    /// Its HTTP method.
    pub method: Method,
    /// The URL path (no query string: it may carry the key).
    pub path: &'a str,
    /// 1 for the first attempt, 2 for the first retry, …
    pub attempt: u32,
    /// The request's headers so far (`Accept`, `Content-Type`); a hook may add its own.
    pub headers: &'a mut HeaderMap,
    /// The body exactly as it will be sent (JSON or XML, per `Content-Type`), if there is one.
    pub body: Option<&'a [u8]>,
}

/// The outcome of one attempt.
#[derive(Debug)]
#[non_exhaustive]
pub struct AttemptInfo<'a> {
    /// The operation (`users.get_user`).
    pub operation: &'static str,
    /// Its HTTP method.
    pub method: Method,
    /// 1 for the first attempt, 2 for the first retry, …
    pub attempt: u32,
    /// From sending to the whole answer received.
    pub elapsed: Duration,
    /// The answer's status, when there was an answer.
    pub status: Option<StatusCode>,
    /// The answer's headers, when there was an answer.
    pub headers: Option<&'a HeaderMap>,
    /// The error this attempt ended in, if it did.
    pub error: Option<&'a Error>,
}

/// A failed attempt that will be retried.
#[derive(Debug)]
#[non_exhaustive]
pub struct RetryInfo<'a> {
    /// The operation (`users.get_user`).
    pub operation: &'static str,
    /// The attempt that failed (1 for the first).
    pub attempt: u32,
    /// How long the runtime waits before the next attempt.
    pub wait: Duration,
    /// Why the attempt failed.
    pub error: &'a Error,
}

/// Code run around each attempt; every method has a default that does nothing. Set with
/// `ClientBuilder::hooks`; several hooks run in the order they were added.
pub trait Hooks: Send + Sync + 'static {
    /// Before an attempt is sent: may add headers, or refuse the request with a reason (the call
    /// then fails with [`Error::Refused`] and nothing is sent).
    fn before_send(&self, request: &mut BeforeSend<'_>) -> Result<(), String> {
        let _ = request;
        Ok(())
    }

    /// After an attempt: its answer or its error, and how long it took.
    fn after_response(&self, attempt: &AttemptInfo<'_>) {
        let _ = attempt;
    }

    /// When a failed attempt is about to be retried.
    fn on_retry(&self, retry: &RetryInfo<'_>) {
        let _ = retry;
    }
}

/// A shared hook (`Arc<MyRecorder>`), so the program keeps a handle to what it records.
impl<H: Hooks + ?Sized> Hooks for std::sync::Arc<H> {
    fn before_send(&self, request: &mut BeforeSend<'_>) -> Result<(), String> {
        (**self).before_send(request)
    }

    fn after_response(&self, attempt: &AttemptInfo<'_>) {
        (**self).after_response(attempt)
    }

    fn on_retry(&self, retry: &RetryInfo<'_>) {
        (**self).on_retry(retry)
    }
}
