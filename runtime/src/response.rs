//! A decoded answer and its metadata.

use http::{HeaderMap, StatusCode};

/// The typed value of an answer plus what came with it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Response<T> {
    /// The decoded body.
    pub value: T,
    /// HTTP status.
    pub status: StatusCode,
    /// Calls left in the institution's daily quota (`X-Exl-Api-Remaining`), when sent.
    pub remaining: Option<u64>,
    /// All response headers.
    pub headers: HeaderMap,
}

impl<T> Response<T> {
    /// The decoded body, dropping the metadata.
    pub fn into_inner(self) -> T {
        self.value
    }

    /// Converts the value, keeping the metadata.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Response<U> {
        Response {
            value: f(self.value),
            status: self.status,
            remaining: self.remaining,
            headers: self.headers,
        }
    }
}

impl<T> std::ops::Deref for Response<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

/// `X-Exl-Api-Remaining` as a number.
pub(crate) fn remaining(headers: &HeaderMap) -> Option<u64> {
    headers
        .get("x-exl-api-remaining")
        .and_then(|v| v.to_str().ok())
        .and_then(|s| s.trim().parse().ok())
}
