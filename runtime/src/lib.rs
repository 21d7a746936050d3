//! The hand-written half of the Alma SDK. Every generated operation goes through here.
//!
//! - [`Client`] / [`ClientBuilder`]: API key ([`ApiKeyMode`]: `Authorization: apikey …` header by
//!   default, `apikey=` query on request), [`Region`] or a custom base URL, [`Format`]
//!   (JSON by default, XML per client or per request), `lang`, timeouts, user agent, read-only
//!   mode. `ClientBuilder::from_env()` reads `ALMA_API_KEY`, `ALMA_REGION`, `ALMA_BASE_URL`,
//!   `ALMA_FORMAT`, `ALMA_LANG`.
//! - [`RequestBuilder`]: what the generated request builders wrap. It builds the URL from an
//!   [`OperationSpec`], applies auth and format, refuses bodies over Alma's 512 KB limit, sends,
//!   and turns the answer into a [`Response`] or an [`Error`].
//! - [`Error`]: Alma's logical errors (`errorList`, from JSON or XML), every gateway error of the
//!   Alma guide ([`GatewayError`]), transport failures, timeouts and undecodable bodies, with
//!   their cause as `source()`, [`Error::meta`] ([`ErrorMetadata`]: operation, status, code,
//!   message, tracking id, headers) and [`Error::kind`] for an operation's documented codes.
//! - [`Hooks`] around every attempt (add headers, refuse, observe answers and retries), and
//!   [`ClientBuilder::http_client`] for your own `reqwest::Client` (proxy, TLS roots, pool).
//! - Wire types shared by generated models: [`Model`], [`CodeValue`], [`RawBody`], [`Extra`].
//!
//! What only generated code uses (the codec models read and write themselves with, their XML
//! shapes, the registry, the macros) is `#[doc(hidden)]`: public for the generated crate, out of
//! the way of the code a user writes.
//!
//! The API key never appears in `Debug`, `Display`, tracing output, errors or printed URLs.
//!
//! Features: `client` (default) is the HTTP client and everything that sends requests (reqwest
//! with rustls, tokio); without it the crate is the models' codec, the errors, the registry and
//! webhook checking ([`webhooks::Webhooks`]). `redis` shares the institution's limits through
//! Redis.

#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "client")]
pub mod analytics;
mod body;
// Helpers the local Alma and the tools share with the runtime (one copy of each); not part of
// what a program using the SDK needs, so hidden from its docs like `registry` and `xml`.
#[doc(hidden)]
pub mod civil;
#[cfg(feature = "client")]
mod client;
#[doc(hidden)]
pub mod codec;
#[cfg(feature = "client")]
mod config;
#[doc(hidden)]
pub mod desc;
mod error;
#[cfg(feature = "client")]
mod governor;
#[cfg(feature = "client")]
mod hooks;
#[doc(hidden)]
pub mod json_path;
#[doc(hidden)]
pub mod layout;
#[cfg(feature = "client")]
mod orchestrate;
#[cfg(feature = "client")]
mod pages;
#[cfg(feature = "client")]
pub mod paginate;
#[doc(hidden)]
pub mod path;
mod region;
#[doc(hidden)]
pub mod registry;
#[cfg(feature = "client")]
mod request;
#[cfg(feature = "client")]
mod response;
#[cfg(feature = "client")]
mod retry;
mod secret;
mod spec;
#[cfg(all(test, feature = "client"))]
mod stage_tests;
#[cfg(feature = "client")]
pub mod wait;
pub mod webhooks;
#[doc(hidden)]
pub mod xml;

#[doc(hidden)]
pub use body::convert;
pub use body::{Decode, Encode, Model, RawBody};
#[cfg(feature = "client")]
pub use client::{Client, ClientBuilder, DEFAULT_MAX_RESPONSE_BYTES};
pub use codec::CodeValue;
pub use codec::DecodeError;
#[doc(hidden)]
pub use codec::{Codec, Node, Wire};
#[cfg(feature = "client")]
pub use config::ApiKeyMode;
#[doc(hidden)]
pub use desc::IsEmpty;
pub use desc::{Described, Extra};
pub use error::{
    parse_error_body, Error, ErrorDetail, ErrorMetadata, GatewayError, OperationError,
};
#[cfg(feature = "client")]
pub use governor::{
    next_midnight_utc, Amount, BoxFuture, Budget, BudgetState, BudgetUse, Limiter, Observed,
    Priority, RateLimiter, Report, Shared, Stats, SystemClock, WallClock, ALMA_REQUESTS_PER_SECOND,
    DEFAULT_BATCH_SHARE,
};
#[cfg(feature = "redis")]
pub use governor::{RedisFallback, RedisLimiter, RedisLimiterBuilder};
#[cfg(feature = "client")]
pub use hooks::{AttemptInfo, BeforeSend, Hooks, RetryInfo};
pub use http;
#[cfg(feature = "client")]
pub use orchestrate::MAX_REDIRECTS;
#[cfg(feature = "client")]
pub use paginate::{Paginator, MAX_PAGE_SIZE};
pub use region::{Format, Region};
#[cfg(feature = "client")]
pub use request::{RequestBuilder, ResponseFuture};
#[cfg(feature = "client")]
pub use response::Response;
#[cfg(feature = "client")]
pub use retry::RetryPolicy;
#[doc(hidden)]
#[doc(hidden)]
pub use secret::is_secret_name;
pub use secret::Secret;
pub use serde;
pub use spec::{Method, OperationSpec, ReadOnlyAccess, MAX_REQUEST_BYTES};

/// Adds the per-request options every generated request builder has: `with_format`,
/// `with_lang` and `with_timeout`. Used by the generated code; the builder must have a
/// `req: RequestBuilder` field.
#[cfg(feature = "client")]
#[doc(hidden)]
#[macro_export]
macro_rules! request_options {
    ($builder:ty) => {
        impl $builder {
            /// Wire format for this request (overrides the client's).
            #[inline]
            pub fn with_format(mut self, format: $crate::Format) -> Self {
                self.req = self.req.format(format);
                self
            }

            /// Language (2-letter code) of texts in the answer, for this request.
            #[inline]
            pub fn with_lang(mut self, lang: impl Into<String>) -> Self {
                self.req = self.req.lang(lang);
                self
            }

            /// Timeout for this request (overrides the client's request timeout).
            #[inline]
            pub fn with_timeout(mut self, timeout: std::time::Duration) -> Self {
                self.req = self.req.timeout(timeout);
                self
            }

            /// The class of this request (overrides the client's): `Interactive` requests do
            /// not queue behind `Batch` ones.
            #[inline]
            pub fn with_priority(mut self, priority: $crate::Priority) -> Self {
                self.req = self.req.priority(priority);
                self
            }
        }
    };
}

/// Implements serde's `Serialize` and `Deserialize` for a [`Codec`] type through its JSON shape,
/// so generated models work with any serde format. The impls are generic, so they cost nothing
/// to compile until used.
#[doc(hidden)]
#[macro_export]
macro_rules! serde_via_codec {
    ($ty:ty) => {
        impl $crate::serde::Serialize for $ty {
            fn serialize<S: $crate::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                $crate::codec::serialize(self, s)
            }
        }

        impl<'de> $crate::serde::Deserialize<'de> for $ty {
            fn deserialize<D: $crate::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $crate::codec::deserialize(d)
            }
        }
    };
}
