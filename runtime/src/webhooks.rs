//! Receiving Alma's webhooks, framework-agnostic: answer the registration challenge, check the
//! signature over the bytes received, and decode the event (the typed event enum is generated:
//! `alma_sdk::webhooks::Event`).
//!
//! Alma registers a listener with `GET {listener}?challenge=…` (unsigned; the answer is
//! `{"challenge": "…"}`), then sends each event as `POST {listener}` with a JSON or XML body and
//! `X-Exl-Signature`: the Base64 HMAC-SHA256 of the body, keyed with the integration profile's
//! secret. The signature is checked over the raw body, before anything parses it, in constant
//! time; a body over the size cap is refused before it is hashed or parsed.

use std::fmt;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::body::Decode;
use crate::Format;

/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "X-Exl-Signature";

/// Largest event body accepted by default: 1 MiB. Alma's events carry one object (a user, a
/// loan, a job instance, a bib with its MARC record), far below it.
pub const DEFAULT_MAX_WEBHOOK_BYTES: usize = 1024 * 1024;

/// Why a webhook call was refused. [`WebhookError::status`] is the HTTP status to answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// No `X-Exl-Signature` header.
    #[error("no X-Exl-Signature header: the call is not from Alma, or not signed")]
    MissingSignature,
    /// The signature does not match the body (wrong secret, altered or truncated body or
    /// signature, or not Base64).
    #[error("X-Exl-Signature does not match the body")]
    BadSignature,
    /// The body is over the cap; it was not read further.
    #[error("webhook body of {size} bytes is over the limit of {limit}")]
    TooLarge {
        /// Bytes received (at least).
        size: usize,
        /// The cap.
        limit: usize,
    },
    /// Signed, but not an event: not JSON or XML, or no `action`.
    #[error("malformed webhook body ({format:?}): {message}")]
    Malformed {
        /// The format it was read as.
        format: Format,
        /// What went wrong, and where.
        message: String,
    },
}

impl WebhookError {
    /// The HTTP status a listener answers: 401 for a missing or wrong signature (nothing was
    /// processed), 413 for an oversize body, 400 for a malformed one.
    pub fn status(&self) -> u16 {
        match self {
            WebhookError::MissingSignature | WebhookError::BadSignature => 401,
            WebhookError::TooLarge { .. } => 413,
            WebhookError::Malformed { .. } => 400,
        }
    }
}

/// A webhook receiver: the integration profile's secret and the body cap. Its `Debug` never
/// shows the secret.
#[derive(Clone)]
pub struct Webhooks {
    secret: Vec<u8>,
    max_body_bytes: usize,
}

impl fmt::Debug for Webhooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhooks")
            .field("secret", &"<redacted>")
            .field("max_body_bytes", &self.max_body_bytes)
            .finish()
    }
}

impl Webhooks {
    /// A receiver checking signatures with `secret` (the integration profile's "Secret").
    /// An empty secret is refused: every signature would be computable by anyone.
    pub fn new(secret: impl AsRef<[u8]>) -> Result<Webhooks, crate::Error> {
        let secret = secret.as_ref();
        if secret.is_empty() {
            return Err(crate::Error::Config("the webhook secret is empty".into()));
        }
        Ok(Webhooks {
            secret: secret.to_vec(),
            max_body_bytes: DEFAULT_MAX_WEBHOOK_BYTES,
        })
    }

    /// The largest body accepted (default [`DEFAULT_MAX_WEBHOOK_BYTES`]).
    pub fn max_body_bytes(mut self, n: usize) -> Self {
        self.max_body_bytes = n;
        self
    }

    /// The cap, for a server that limits the body while reading it.
    pub fn body_limit(&self) -> usize {
        self.max_body_bytes
    }

    /// The answer to a registration call: `Some(JSON body)` when `query` (the URL's query
    /// string, without `?`) carries `challenge`, e.g. `{"challenge":"abc"}`.
    pub fn answer_challenge(query: &str) -> Option<String> {
        let challenge = url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == "challenge")
            .map(|(_, v)| v.into_owned())?;
        Some(serde_json::json!({ "challenge": challenge }).to_string())
    }

    /// The signature Alma sends for `body`: Base64 of HMAC-SHA256 keyed with the secret.
    pub fn sign(&self, body: &[u8]) -> String {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(self.mac(body).finalize().into_bytes())
    }

    /// Checks `signature` (the `X-Exl-Signature` header's value) against the bytes received,
    /// in constant time. Call it before reading the body in any other way.
    pub fn verify(&self, body: &[u8], signature: Option<&[u8]>) -> Result<(), WebhookError> {
        use base64::Engine;
        if body.len() > self.max_body_bytes {
            return Err(WebhookError::TooLarge {
                size: body.len(),
                limit: self.max_body_bytes,
            });
        }
        let signature = signature.ok_or(WebhookError::MissingSignature)?;
        let signature = std::str::from_utf8(signature)
            .ok()
            .map(str::trim)
            .and_then(|s| base64::engine::general_purpose::STANDARD.decode(s).ok())
            .ok_or(WebhookError::BadSignature)?;
        // `verify_slice` compares in constant time (a length mismatch fails at once: the
        // length of a MAC is no secret).
        self.mac(body)
            .verify_slice(&signature)
            .map_err(|_| WebhookError::BadSignature)
    }

    /// Size cap, signature, then decoding as `E` (`alma_sdk::webhooks::Event`) in the format of
    /// `content_type` (`application/json`, `application/xml`; without one, by the first byte).
    pub fn receive<E: Decode>(
        &self,
        content_type: Option<&str>,
        signature: Option<&[u8]>,
        body: &[u8],
    ) -> Result<E, WebhookError> {
        self.verify(body, signature)?;
        let format = format_of(content_type, body);
        E::decode(body, format).map_err(|e| WebhookError::Malformed {
            format,
            message: e.to_string(),
        })
    }

    fn mac(&self, body: &[u8]) -> Hmac<Sha256> {
        // HMAC takes a key of any length.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.secret)
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of every length"));
        mac.update(body);
        mac
    }
}

/// The body's format: from its content type, else from its first non-blank byte.
pub fn format_of(content_type: Option<&str>, body: &[u8]) -> Format {
    let ct = content_type.unwrap_or("").to_ascii_lowercase();
    if ct.contains("xml") {
        return Format::Xml;
    }
    if ct.contains("json") {
        return Format::Json;
    }
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'<') => Format::Xml,
        _ => Format::Json,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_base64_hmac_sha256_of_the_body() {
        // RFC 4231, test case 2: key "Jefe", data "what do ya want for nothing?".
        let w = Webhooks::new("Jefe").unwrap();
        let body = b"what do ya want for nothing?";
        assert_eq!(w.sign(body), "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=");
        assert!(w.verify(body, Some(w.sign(body).as_bytes())).is_ok());
    }

    #[test]
    fn every_wrong_signature_is_refused() {
        let w = Webhooks::new("s3cret").unwrap();
        let body = br#"{"id":"1","action":"JOB_END"}"#;
        let good = w.sign(body);
        let other = Webhooks::new("other").unwrap().sign(body);
        let cases: [(&[u8], Option<&[u8]>); 5] = [
            (body, None),
            (
                b"{\"id\":\"2\",\"action\":\"JOB_END\"}",
                Some(good.as_bytes()),
            ),
            (body, Some(&good.as_bytes()[..good.len() - 4])),
            (body, Some(b"not base64!")),
            (body, Some(other.as_bytes())),
        ];
        for (b, sig) in cases {
            let e = w.verify(b, sig).unwrap_err();
            assert_eq!(e.status(), 401, "{e}");
        }
        assert!(matches!(
            w.verify(body, None),
            Err(WebhookError::MissingSignature)
        ));
    }

    #[test]
    fn oversize_bodies_are_refused_before_hashing() {
        let w = Webhooks::new("s").unwrap().max_body_bytes(10);
        let e = w.verify(&[b'x'; 11], Some(b"AAAA")).unwrap_err();
        assert!(matches!(
            e,
            WebhookError::TooLarge {
                size: 11,
                limit: 10
            }
        ));
        assert_eq!(e.status(), 413);
    }

    #[test]
    fn the_challenge_is_echoed_as_json() {
        assert_eq!(
            Webhooks::answer_challenge("challenge=a%20b%22c").as_deref(),
            Some(r#"{"challenge":"a b\"c"}"#)
        );
        assert_eq!(Webhooks::answer_challenge("x=1"), None);
    }

    #[test]
    fn the_secret_never_shows_and_an_empty_one_is_refused() {
        let w = Webhooks::new("hunter2").unwrap();
        assert!(!format!("{w:?}").contains("hunter2"));
        assert!(Webhooks::new("").is_err());
    }

    #[test]
    fn format_follows_the_content_type_then_the_body() {
        assert_eq!(
            format_of(Some("application/xml; charset=UTF-8"), b"{"),
            Format::Xml
        );
        assert_eq!(format_of(Some("application/json"), b"<"), Format::Json);
        assert_eq!(format_of(None, b"  <notification/>"), Format::Xml);
        assert_eq!(format_of(None, b"{}"), Format::Json);
    }
}
