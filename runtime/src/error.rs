//! The one error type of the SDK.
//!
//! Alma reports problems in three shapes, all of which end up in [`Error::Api`]:
//! logical errors from Alma itself (HTTP 400 with an `errorList`), errors of the API gateway in
//! front of it (always XML, whatever was asked for; see [`GatewayError`]), and error pages from
//! proxies (HTML, empty or cut-off bodies), which keep their status and the first bytes of the body.

use std::fmt;
use std::time::{Duration, SystemTime};

use http::StatusCode;

/// One entry of Alma's `errorList`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ErrorDetail {
    /// `errorCode`, e.g. `401861` or `PER_SECOND_THRESHOLD`.
    pub code: String,
    /// `errorMessage`.
    pub message: String,
    /// `trackingId`, for Ex Libris support.
    pub tracking_id: Option<String>,
}

/// The errors the Alma API gateway returns before a request reaches Alma (the guide's two
/// tables), plus Alma's internal server error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum GatewayError {
    /// 500 `GENERAL_ERROR`: no API key was sent.
    MissingApiKey,
    /// 400 `GENERAL_ERROR`: XML was sent without `Content-Type: application/xml`.
    XmlContentTypeNotSet,
    /// 400 `GENERAL_ERROR`: the XML body is not well-formed.
    XmlNotWellFormed,
    /// 400 `UNAUTHORIZED`: the key is not defined or not allowed for this API.
    ApiKeyNotAllowed,
    /// 403 `UNAUTHORIZED`: the account is not authorized; only GET on the demo server.
    DemoServerGetOnly,
    /// 403 `UNAUTHORIZED`: the key's API plan allows only GET.
    GetOnlyPlan,
    /// 403 `INVALID_REQUEST`: the key is invalid.
    InvalidApiKey,
    /// 403 `FORBIDDEN`: the caller's IP address is not allowed for the key.
    IpNotAllowed,
    /// 403 `REQUEST_TOO_LARGE`: the body is over the gateway's 512 KB limit.
    RequestTooLarge,
    /// 429 `PER_SECOND_THRESHOLD`: more than the allowed requests per second.
    PerSecondThreshold,
    /// `DAILY_THRESHOLD`: the institution's daily quota is used up (resets at midnight GMT).
    DailyThreshold,
    /// 503 `ROUTING_ERROR`: no response from Alma (down for maintenance).
    RoutingError,
    /// 500 `INTERNAL_SERVER_ERROR` (or `GENERAL_ERROR` with another message): Alma failed.
    InternalServerError,
}

impl GatewayError {
    /// Classifies a gateway error from its status, code and message.
    pub fn classify(status: u16, code: &str, message: &str) -> Option<GatewayError> {
        let msg = message.to_ascii_lowercase();
        Some(match code {
            "PER_SECOND_THRESHOLD" => GatewayError::PerSecondThreshold,
            "DAILY_THRESHOLD" => GatewayError::DailyThreshold,
            "ROUTING_ERROR" => GatewayError::RoutingError,
            "REQUEST_TOO_LARGE" => GatewayError::RequestTooLarge,
            "INVALID_REQUEST" => GatewayError::InvalidApiKey,
            "FORBIDDEN" => GatewayError::IpNotAllowed,
            "INTERNAL_SERVER_ERROR" => GatewayError::InternalServerError,
            "UNAUTHORIZED" if status == 400 => GatewayError::ApiKeyNotAllowed,
            "UNAUTHORIZED" if msg.contains("get only") => GatewayError::GetOnlyPlan,
            "UNAUTHORIZED" => GatewayError::DemoServerGetOnly,
            "GENERAL_ERROR" if msg.contains("content-type") => GatewayError::XmlContentTypeNotSet,
            "GENERAL_ERROR" if msg.contains("not well-formed") => GatewayError::XmlNotWellFormed,
            "GENERAL_ERROR" if msg.contains("apikey") || msg.contains("api key") => {
                GatewayError::MissingApiKey
            }
            "GENERAL_ERROR" if status >= 500 => GatewayError::InternalServerError,
            _ => return None,
        })
    }

    /// The error code as Alma spells it.
    pub fn code(self) -> &'static str {
        match self {
            GatewayError::MissingApiKey
            | GatewayError::XmlContentTypeNotSet
            | GatewayError::XmlNotWellFormed => "GENERAL_ERROR",
            GatewayError::ApiKeyNotAllowed
            | GatewayError::DemoServerGetOnly
            | GatewayError::GetOnlyPlan => "UNAUTHORIZED",
            GatewayError::InvalidApiKey => "INVALID_REQUEST",
            GatewayError::IpNotAllowed => "FORBIDDEN",
            GatewayError::RequestTooLarge => "REQUEST_TOO_LARGE",
            GatewayError::PerSecondThreshold => "PER_SECOND_THRESHOLD",
            GatewayError::DailyThreshold => "DAILY_THRESHOLD",
            GatewayError::RoutingError => "ROUTING_ERROR",
            GatewayError::InternalServerError => "INTERNAL_SERVER_ERROR",
        }
    }
}

/// Every failure of an SDK call.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// Alma or its gateway answered with an error status.
    Api {
        /// Operation, e.g. `users.get_user`.
        operation: &'static str,
        /// HTTP status of the answer.
        status: StatusCode,
        /// The gateway error, when the answer is one of the guide's gateway errors.
        gateway: Option<GatewayError>,
        /// The `errorList` entries (empty when the body had none, e.g. an HTML proxy page).
        errors: Vec<ErrorDetail>,
        /// The first bytes of the body when it was not an Alma error document.
        body_snippet: Option<String>,
        /// The answer's headers (`X-Exl-Api-Remaining`, `Retry-After`, …).
        headers: Box<http::HeaderMap>,
    },
    /// The request could not be sent or the answer not received.
    Transport {
        /// Operation, e.g. `users.get_user`.
        operation: &'static str,
        /// What went wrong (the cause chain, scrubbed of the API key).
        message: String,
        /// The HTTP client's error, its URL removed (it may carry the key in query mode).
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// No answer within the timeout.
    Timeout {
        /// Operation, e.g. `users.get_user`.
        operation: &'static str,
        /// The timeout that ran out.
        after: Option<Duration>,
    },
    /// A success answer whose body did not decode into the expected type.
    Decode {
        /// Operation, e.g. `users.get_user`.
        operation: &'static str,
        /// HTTP status of the answer.
        status: StatusCode,
        /// The answer's `Content-Type`.
        content_type: Option<String>,
        /// The first bytes of the body.
        body_snippet: String,
        /// What went wrong, and where in the document.
        message: String,
        /// The decoder's error (with the parser's error as its source, when the body did not
        /// parse at all).
        source: Box<crate::codec::DecodeError>,
    },
    /// A request body could not be encoded.
    Encode {
        /// Operation, e.g. `users.get_user`.
        operation: &'static str,
        /// What went wrong.
        message: String,
    },
    /// The body is over Alma's 512 KB request limit; refused before sending.
    RequestTooLarge {
        /// Operation, e.g. `users.get_user`.
        operation: &'static str,
        /// Size of the body in bytes.
        size: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// The answer's body is larger than the client's cap (`ClientBuilder::max_response_bytes`);
    /// it was not read further.
    ResponseTooLarge {
        /// Operation, e.g. `users.get_user`.
        operation: &'static str,
        /// Bytes announced or received when it was refused (at least this many).
        received: u64,
        /// The cap in bytes.
        limit: usize,
    },
    /// The client is read-only and the operation would change data.
    ReadOnly {
        /// Operation, e.g. `users.get_user`.
        operation: &'static str,
        /// The refused method.
        method: &'static str,
    },
    /// The institution's daily API quota is used up (`DAILY_THRESHOLD`, or known from an earlier
    /// answer), or the remaining quota reached the client's low-water mark. Not retried: the
    /// quota resets at midnight GMT.
    DailyQuota {
        /// Operation, e.g. `users.get_user`.
        operation: &'static str,
        /// When the quota resets (next midnight GMT).
        resets_at: SystemTime,
        /// Calls left when known (0 when Alma said the threshold was reached).
        remaining: Option<u64>,
        /// The client's low-water mark, when that is what stopped the request.
        low_water: Option<u64>,
        /// Alma's `errorList`, when the gateway answered.
        errors: Vec<ErrorDetail>,
    },
    /// A hook refused to send the request (see `Hooks::before_send`).
    Refused {
        /// Operation, e.g. `users.get_user`.
        operation: &'static str,
        /// The hook's reason.
        reason: String,
    },
    /// The shared limiter could not admit the request and is configured to refuse rather than
    /// fall back (`RedisFallback::Refuse`); nothing was sent.
    Governance {
        /// Operation, e.g. `users.get_user`.
        operation: &'static str,
        /// Why (the shared store's error, scrubbed of credentials).
        message: String,
    },
    /// The client's budget ([`crate::Budget`]) is reached: nothing was sent. Not retried: it
    /// starts afresh at midnight GMT, as the quota does.
    Budget {
        /// Operation, e.g. `users.get_user`.
        operation: &'static str,
        /// The budget's name.
        budget: String,
        /// Its ceiling today in calls (for a reserve: the calls it leaves to the others).
        limit: u64,
        /// Calls counted against it today (for a reserve: the calls the institution has left).
        used: u64,
        /// The reserve it keeps for the others was reached, rather than its own ceiling.
        reserve: bool,
        /// When it starts afresh (next midnight GMT).
        resets_at: SystemTime,
    },
    /// A list's page repeated records the stream had already received (Alma ignored `offset`,
    /// or a report's resumption token gave the same rows again): the stream stopped rather than
    /// ask for the same page until the daily quota is spent.
    RepeatedPage {
        /// Operation, e.g. `users.list_users`.
        operation: &'static str,
        /// The offset the page was asked for (for a report: the rows received before it).
        offset: u64,
        /// How records were told apart: the identifying field (`primary_id`), `content`, or
        /// `rows`.
        by: &'static str,
    },
    /// The client configuration is invalid (missing key, bad URL, …).
    Config(String),
}

impl Error {
    /// Alma's error code: the first `errorCode`, the gateway code, or `None`.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Api {
                errors, gateway, ..
            } => errors
                .first()
                .map(|e| e.code.as_str())
                .or(gateway.map(GatewayError::code)),
            Error::DailyQuota {
                errors,
                low_water: None,
                ..
            } => errors
                .first()
                .map(|e| e.code.as_str())
                .or(Some("DAILY_THRESHOLD")),
            _ => None,
        }
    }

    /// Alma's message for the first error.
    pub fn message(&self) -> Option<&str> {
        match self {
            Error::Api { errors, .. } | Error::DailyQuota { errors, .. } => {
                errors.first().map(|e| e.message.as_str())
            }
            _ => None,
        }
    }

    /// The first `trackingId`, to quote to Ex Libris support.
    pub fn tracking_id(&self) -> Option<&str> {
        match self {
            Error::Api { errors, .. } => errors.iter().find_map(|e| e.tracking_id.as_deref()),
            _ => None,
        }
    }

    /// The HTTP status, when there was an answer.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api { status, .. } | Error::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The gateway error, when this is one.
    pub fn gateway(&self) -> Option<GatewayError> {
        match self {
            Error::Api { gateway, .. } => *gateway,
            Error::DailyQuota {
                low_water: None, ..
            } => Some(GatewayError::DailyThreshold),
            _ => None,
        }
    }

    /// When the daily quota resets, for [`Error::DailyQuota`] (and a budget, [`Error::Budget`]).
    pub fn quota_resets_at(&self) -> Option<SystemTime> {
        match self {
            Error::DailyQuota { resets_at, .. } | Error::Budget { resets_at, .. } => {
                Some(*resets_at)
            }
            _ => None,
        }
    }

    /// The `errorList` entries.
    pub fn details(&self) -> &[ErrorDetail] {
        match self {
            Error::Api { errors, .. } | Error::DailyQuota { errors, .. } => errors,
            _ => &[],
        }
    }

    /// Whether trying again later may succeed: per-second throttling, maintenance (503), bad
    /// gateways (502/504), transport failures and timeouts. The daily quota is *not* retryable
    /// the same day. Whether a retry is *safe* also depends on the method (see the retry policy).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api {
                gateway: Some(GatewayError::DailyThreshold),
                ..
            } => false,
            Error::Api {
                gateway: Some(GatewayError::PerSecondThreshold | GatewayError::RoutingError),
                ..
            } => true,
            Error::Api { status, .. } => matches!(status.as_u16(), 429 | 502 | 503 | 504),
            Error::Transport { .. } | Error::Timeout { .. } => true,
            _ => false,
        }
    }

    /// A success answer that does not say what the SDK needs (for generated helpers).
    #[doc(hidden)]
    pub fn unexpected_answer(
        operation: &'static str,
        status: StatusCode,
        body_snippet: String,
        message: &str,
    ) -> Error {
        Error::Decode {
            operation,
            status,
            content_type: None,
            body_snippet,
            message: message.to_string(),
            source: Box::new(crate::codec::DecodeError::new(message)),
        }
    }

    /// Everything known about the failure, whatever the variant.
    pub fn meta(&self) -> ErrorMetadata<'_> {
        ErrorMetadata {
            operation: self.operation(),
            status: self.status(),
            code: self.code(),
            message: self.message(),
            tracking_id: self.tracking_id(),
            headers: self.headers(),
        }
    }

    /// The answer's headers, for [`Error::Api`].
    pub fn headers(&self) -> Option<&http::HeaderMap> {
        match self {
            Error::Api { headers, .. } => Some(headers),
            _ => None,
        }
    }

    /// The error as the operation's documented error codes: `err.kind::<users::GetUserError>()`
    /// gives `Some(GetUserError::UserNotFound)` for Alma's `401861`; `None` when there is no
    /// code (transport errors, timeouts, …).
    pub fn kind<K: OperationError>(&self) -> Option<K> {
        self.code().map(K::from_code)
    }

    /// The operation that failed (`users.get_user`), when known.
    pub fn operation(&self) -> Option<&'static str> {
        match self {
            Error::Api { operation, .. }
            | Error::Transport { operation, .. }
            | Error::Timeout { operation, .. }
            | Error::Decode { operation, .. }
            | Error::Encode { operation, .. }
            | Error::RequestTooLarge { operation, .. }
            | Error::ResponseTooLarge { operation, .. }
            | Error::ReadOnly { operation, .. }
            | Error::DailyQuota { operation, .. }
            | Error::Refused { operation, .. }
            | Error::Governance { operation, .. }
            | Error::RepeatedPage { operation, .. }
            | Error::Budget { operation, .. } => Some(operation),
            Error::Config(_) => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api { operation, status, errors, body_snippet, gateway, .. } => {
                write!(f, "{operation}: HTTP {}", status.as_u16())?;
                match (errors.first(), gateway) {
                    (Some(e), _) => {
                        write!(f, ": {}: {}", e.code, e.message.trim())?;
                        if let Some(t) = &e.tracking_id {
                            write!(f, " (tracking id {t})")?;
                        }
                        if errors.len() > 1 {
                            write!(f, " (+{} more)", errors.len() - 1)?;
                        }
                    }
                    (None, Some(g)) => write!(f, ": {}", g.code())?,
                    (None, None) => {
                        if let Some(s) = body_snippet.as_deref().filter(|s| !s.is_empty()) {
                            write!(f, ": body: {s}")?;
                        } else {
                            write!(f, " with an empty body")?;
                        }
                    }
                }
                Ok(())
            }
            Error::Transport { operation, message, .. } => write!(f, "{operation}: transport error: {message}"),
            Error::Timeout { operation, after: Some(d) } => write!(f, "{operation}: timed out after {d:?}"),
            Error::Timeout { operation, after: None } => write!(f, "{operation}: timed out"),
            Error::Decode { operation, status, content_type, body_snippet, message, .. } => write!(
                f,
                "{operation}: HTTP {} answer ({}) does not decode: {message}; body starts: {body_snippet}",
                status.as_u16(),
                content_type.as_deref().unwrap_or("no content type"),
            ),
            Error::Encode { operation, message } => write!(f, "{operation}: cannot encode the body: {message}"),
            Error::RequestTooLarge { operation, size, limit } => write!(
                f,
                "{operation}: request body is {size} bytes, over Alma's limit of {limit} bytes; not sent"
            ),
            Error::ResponseTooLarge { operation, received, limit } => write!(
                f,
                "{operation}: the answer is over the client's limit of {limit} bytes ({received} bytes or more); not read"
            ),
            Error::ReadOnly { operation, method } => {
                write!(f, "{operation}: the client is read-only and refuses {method} requests")
            }
            Error::DailyQuota { operation, resets_at, remaining, low_water, .. } => {
                let secs = resets_at.duration_since(SystemTime::now()).map(|d| d.as_secs()).unwrap_or(0);
                let when = format!("resets at midnight GMT, in {}h{:02}m", secs / 3600, secs % 3600 / 60);
                match (low_water, remaining) {
                    (Some(mark), Some(r)) => write!(
                        f,
                        "{operation}: not sent: {r} calls left today, at or below the low-water mark of {mark} ({when})"
                    ),
                    _ => write!(f, "{operation}: DAILY_THRESHOLD: the daily API quota is used up ({when})"),
                }
            }
            Error::Refused { operation, reason } => write!(f, "{operation}: not sent, refused by a hook: {reason}"),
            Error::Governance { operation, message } => write!(f, "{operation}: not sent, the shared rate limiter is unavailable: {message}"),
            Error::Budget { operation, budget, limit, used, reserve: false, resets_at } => write!(
                f,
                "{operation}: not sent: the budget {budget:?} is used up ({used} of {limit} calls today); it starts afresh at {}",
                gmt(*resets_at)
            ),
            Error::Budget { operation, budget, limit, used, reserve: true, resets_at } => write!(
                f,
                "{operation}: not sent: the institution has {used} calls left today, and the budget {budget:?} leaves {limit} to others; it starts afresh at {}",
                gmt(*resets_at)
            ),
            Error::RepeatedPage { operation, offset, by } => write!(f, "{operation}: the page at offset {offset} repeats records already received (told apart by {by}); the list stopped instead of asking for it again (Alma may be ignoring `offset`)"),
            Error::Config(m) => write!(f, "invalid client configuration: {m}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport {
                source: Some(s), ..
            } => Some(s.as_ref() as &(dyn std::error::Error + 'static)),
            Error::Decode { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }
}

/// What is known about a failed call, whatever the variant (in the spirit of aws-smithy's
/// `ErrorMetadata`): for logs, metrics and support tickets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ErrorMetadata<'a> {
    /// The operation (`users.get_user`), when the error belongs to one.
    pub operation: Option<&'static str>,
    /// The HTTP status, when there was an answer.
    pub status: Option<StatusCode>,
    /// Alma's error code (`401861`, `PER_SECOND_THRESHOLD`).
    pub code: Option<&'a str>,
    /// Alma's message for it.
    pub message: Option<&'a str>,
    /// Alma's `trackingId`, to quote to Ex Libris support.
    pub tracking_id: Option<&'a str>,
    /// The answer's headers, when there was an answer.
    pub headers: Option<&'a http::HeaderMap>,
}

/// The error codes an operation documents, as a generated enum (`users::GetUserError`): built from
/// an error's code by [`Error::kind`].
pub trait OperationError: Sized {
    /// The case for `code`, or the type's catch-all for a code it does not list.
    fn from_code(code: &str) -> Self;
}

/// Parses an Alma error document, JSON or XML whatever was asked for:
/// `{"errorsExist":true,"errorList":{"error":[…] or {…}}}`, the same wrapped in
/// `{"web_service_result": …}`, or `<web_service_result><errorList><error>…`.
pub fn parse_error_body(body: &[u8]) -> Option<Vec<ErrorDetail>> {
    match crate::Format::sniff(body)? {
        crate::Format::Json => parse_json_errors(body),
        crate::Format::Xml => parse_xml_errors(body),
    }
}

fn parse_json_errors(body: &[u8]) -> Option<Vec<ErrorDetail>> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let root = v.get("web_service_result").unwrap_or(&v);
    let list = root.get("errorList")?.get("error")?;
    let items: Vec<&serde_json::Value> = match list {
        serde_json::Value::Array(a) => a.iter().collect(),
        other => vec![other],
    };
    let text = |e: &serde_json::Value, k: &str| match e.get(k) {
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(serde_json::Value::Null) | None => None,
        Some(other) => Some(other.to_string()),
    };
    Some(
        items
            .into_iter()
            .map(|e| ErrorDetail {
                code: text(e, "errorCode").unwrap_or_default(),
                message: text(e, "errorMessage").unwrap_or_default(),
                tracking_id: text(e, "trackingId").filter(|s| !s.is_empty()),
            })
            .collect(),
    )
}

fn parse_xml_errors(body: &[u8]) -> Option<Vec<ErrorDetail>> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(body);
    let mut out = Vec::new();
    let mut in_list = false;
    let mut saw_list = false;
    let mut current: Option<ErrorDetail> = None;
    let mut field: Option<String> = None;
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                match name.as_str() {
                    "errorList" => {
                        in_list = true;
                        saw_list = true;
                    }
                    "error" if in_list => current = Some(ErrorDetail::default()),
                    _ if current.is_some() => field = Some(name),
                    _ => {}
                }
            }
            Ok(Event::Text(t)) => {
                if let (Some(cur), Some(f)) = (current.as_mut(), field.as_deref()) {
                    let text = t.unescape().map(|c| c.into_owned()).unwrap_or_default();
                    match f {
                        "errorCode" => cur.code.push_str(&text),
                        "errorMessage" => cur.message.push_str(&text),
                        "trackingId" => cur
                            .tracking_id
                            .get_or_insert_with(String::new)
                            .push_str(&text),
                        _ => {}
                    }
                }
            }
            Ok(Event::CData(t)) => {
                if let (Some(cur), Some("errorMessage")) = (current.as_mut(), field.as_deref()) {
                    cur.message.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Ok(Event::End(e)) => {
                let name = e.local_name();
                match name.as_ref() {
                    b"error" if current.is_some() && field.is_none() => out.extend(current.take()),
                    b"errorList" => in_list = false,
                    _ => field = None,
                }
            }
            Ok(Event::Eof) => break,
            Err(_) => return if out.is_empty() { None } else { Some(out) },
            _ => {}
        }
        buf.clear();
    }
    (saw_list || !out.is_empty()).then_some(out)
}

#[cfg(test)]
mod metadata_tests {
    use super::*;

    /// Every variant answers `meta()`; the operation is there for all but configuration errors.
    #[test]
    fn metadata_on_every_variant() {
        let op = "users.get_user";
        let status = StatusCode::BAD_REQUEST;
        let detail = ErrorDetail {
            code: "401861".into(),
            message: "User not found".into(),
            tracking_id: Some("E01-1".into()),
        };
        let all = [
            Error::Api {
                operation: op,
                status,
                gateway: None,
                errors: vec![detail.clone()],
                body_snippet: None,
                headers: Box::default(),
            },
            Error::Transport {
                operation: op,
                message: "refused".into(),
                source: None,
            },
            Error::Timeout {
                operation: op,
                after: None,
            },
            Error::unexpected_answer(op, StatusCode::OK, String::new(), "no link"),
            Error::Encode {
                operation: op,
                message: "x".into(),
            },
            Error::RequestTooLarge {
                operation: op,
                size: 2,
                limit: 1,
            },
            Error::ResponseTooLarge {
                operation: op,
                received: 2,
                limit: 1,
            },
            Error::ReadOnly {
                operation: op,
                method: "PUT",
            },
            Error::DailyQuota {
                operation: op,
                resets_at: SystemTime::now(),
                remaining: Some(0),
                low_water: None,
                errors: vec![],
            },
            Error::Refused {
                operation: op,
                reason: "no".into(),
            },
            Error::Governance {
                operation: op,
                message: "redis down".into(),
            },
            Error::RepeatedPage {
                operation: op,
                offset: 100,
                by: "primary_id",
            },
            Error::Budget {
                operation: op,
                budget: "nightly".into(),
                limit: 10,
                used: 10,
                reserve: false,
                resets_at: SystemTime::now(),
            },
        ];
        for e in &all {
            let m = e.meta();
            assert_eq!(m.operation, Some(op), "{e:?}");
            assert!(!e.to_string().is_empty());
            assert!(e.to_string().starts_with(op), "{e}");
        }
        let api = all[0].meta();
        assert_eq!(
            (api.status, api.code, api.message, api.tracking_id),
            (
                Some(status),
                Some("401861"),
                Some("User not found"),
                Some("E01-1")
            )
        );
        assert!(api.headers.is_some());
        let decode = all
            .iter()
            .find(|e| matches!(e, Error::Decode { .. }))
            .unwrap();
        assert_eq!(decode.meta().status, Some(StatusCode::OK));
        let quota = all
            .iter()
            .find(|e| matches!(e, Error::DailyQuota { .. }))
            .unwrap();
        assert_eq!(quota.meta().code, Some("DAILY_THRESHOLD"));
        assert_eq!(Error::Config("bad".into()).meta().operation, None);
    }
}

/// `2026-12-07 00:00 GMT`: a time by the client's clock, which may not be the system's.
fn gmt(t: SystemTime) -> String {
    let c = crate::civil::civil(t);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} GMT",
        c.year, c.month, c.day, c.hour, c.minute
    )
}

#[cfg(test)]
mod gmt_tests {
    #[test]
    fn times_read_as_gmt_dates() {
        let at = |s: u64| super::gmt(std::time::UNIX_EPOCH + std::time::Duration::from_secs(s));
        assert_eq!(at(0), "1970-01-01 00:00 GMT");
        assert_eq!(at(951_782_400), "2000-02-29 00:00 GMT");
        assert_eq!(at(1_796_601_600 + 3_660), "2026-12-07 01:01 GMT");
    }
}
