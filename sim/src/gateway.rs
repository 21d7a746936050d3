//! The Alma API gateway's rules, from Ex Libris's guide: the API key (missing, invalid,
//! read-only), 25 requests per second per key (`PER_SECOND_THRESHOLD`, 429, always XML), the
//! daily quota (`X-Exl-Api-Remaining`, `DAILY_THRESHOLD`), the 512 KB body limit
//! (`REQUEST_TOO_LARGE`), and XML sent without its content type.

use std::collections::HashMap;
use std::time::Instant;

use crate::answer::Answer;
use crate::config::SimConfig;

/// Alma's request body limit.
pub const MAX_BODY: usize = 512 * 1024;

/// The caller's key, as the gateway judged it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub key: String,
    pub read_only: bool,
}

/// Per-key token buckets and the day's count.
#[derive(Default)]
pub struct Gateway {
    buckets: HashMap<String, (f64, Instant)>,
    pub used_today: u64,
}

impl Gateway {
    /// The key of a request (header `Authorization: apikey …` or query `apikey=`), or the
    /// gateway's error.
    pub fn key(
        config: &SimConfig,
        authorization: Option<&str>,
        query_key: Option<&str>,
    ) -> Result<Key, Answer> {
        let from_header = authorization.and_then(|a| {
            let (scheme, rest) = a.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("apikey").then(|| rest.trim())
        });
        let Some(key) = from_header.or(query_key).filter(|k| !k.is_empty()) else {
            return Err(Answer::gateway_error(
                500,
                "GENERAL_ERROR",
                "A Gateway error has occurred - Make sure you add an appropriate apikey as a parameter or a header.",
            ));
        };
        let read_only = config.read_only_keys.iter().any(|k| k == key);
        if !read_only && !config.keys.is_empty() && !config.keys.iter().any(|k| k == key) {
            return Err(Answer::gateway_error(
                403,
                "INVALID_REQUEST",
                "Rejected by gateway due to invalid API-key.",
            ));
        }
        Ok(Key {
            key: key.to_owned(),
            read_only,
        })
    }

    /// The per-second threshold: a bucket of `rate` tokens per key, refilled continuously.
    pub fn admit(&mut self, config: &SimConfig, key: &str) -> Result<(), Answer> {
        let Some(rate) = config.rate.filter(|r| *r > 0.0) else {
            return Ok(());
        };
        let now = Instant::now();
        let (tokens, at) = self.buckets.entry(key.to_owned()).or_insert((rate, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * rate).min(rate);
        *at = now;
        if *tokens < 1.0 {
            return Err(Answer::gateway_error(
                429,
                "PER_SECOND_THRESHOLD",
                "HTTP requests are more than allowed per second. See https://goo.gl/2x1c1M ",
            ));
        }
        *tokens -= 1.0;
        Ok(())
    }

    /// The daily threshold: counts the request, or refuses it once the quota is used up.
    /// Gives the remaining quota for `X-Exl-Api-Remaining`.
    pub fn count(&mut self, config: &SimConfig) -> Result<Option<u64>, Answer> {
        let Some(quota) = config.daily else {
            return Ok(None);
        };
        if self.used_today >= quota {
            return Err(Answer::gateway_error(
                400,
                "DAILY_THRESHOLD",
                "Daily API Request Threshold has been reached. For details see: https://developers.exlibrisgroup.com/alma/apis#threshold",
            )
            .header("X-Exl-Api-Remaining", "0"));
        }
        self.used_today += 1;
        Ok(Some(quota - self.used_today))
    }
}

/// A write by a read-only key: the gateway's GET-only answer.
pub fn read_only_refusal() -> Answer {
    Answer::gateway_error(
        403,
        "UNAUTHORIZED",
        "HTTP requests for this API Plan (Read-only) must be GET only.",
    )
}

pub fn too_large() -> Answer {
    Answer::gateway_error(
        403,
        "REQUEST_TOO_LARGE",
        "Rejected by gateway due to message size limit. The current size limit is 512kb.",
    )
}

pub fn routing_error() -> Answer {
    Answer::gateway_error(
        503,
        "ROUTING_ERROR",
        "No response from Alma: sim01 (down for maintenance)",
    )
}

pub fn xml_without_content_type() -> Answer {
    Answer::gateway_error(
        400,
        "GENERAL_ERROR",
        "A Gateway error: XML was received but content-type header was not set to: application/xml",
    )
}

pub fn xml_not_well_formed() -> Answer {
    Answer::gateway_error(
        400,
        "GENERAL_ERROR",
        "A Gateway error has occurred: XML is not well-formed",
    )
}
