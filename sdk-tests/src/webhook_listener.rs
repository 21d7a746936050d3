//! The `webhook_listener` example's server, shared with the tests that call it over loopback
//! HTTP: Alma's webhook calls on `/`, verified and decoded by `alma_sdk::runtime::webhooks`.
//!
//! - `GET /?challenge=X` (registration) → 200 `{"challenge":"X"}`;
//! - `POST /` with a valid `X-Exl-Signature` → 200, and the event goes to `on_event`;
//! - a missing or wrong signature → 401 and nothing is processed; a body over the cap → 413;
//!   a signed body that is not an event → 400.

use std::sync::Arc;

use alma_sdk::runtime::webhooks::{Webhooks, SIGNATURE_HEADER};
use alma_sdk::webhooks::Event;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

/// What the listener does with each verified event.
pub type OnEvent = Arc<dyn Fn(Event) + Send + Sync>;

#[derive(Clone)]
struct Listener {
    webhooks: Arc<Webhooks>,
    on_event: OnEvent,
}

/// The listener's routes. Bodies over `webhooks.body_limit()` are refused while being read.
pub fn router(webhooks: Webhooks, on_event: OnEvent) -> Router {
    let limit = webhooks.body_limit();
    Router::new()
        .route("/", get(challenge).post(event))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(Listener {
            webhooks: Arc::new(webhooks),
            on_event,
        })
}

/// The line the example prints for an event: `event <action> <id>`.
pub fn event_line(e: &Event) -> String {
    format!("event {} {}", e.action(), e.id().unwrap_or("-"))
}

async fn challenge(RawQuery(query): RawQuery) -> Response {
    match Webhooks::answer_challenge(query.as_deref().unwrap_or("")) {
        Some(json) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
        None => (StatusCode::BAD_REQUEST, "no challenge\n").into_response(),
    }
}

async fn event(State(l): State<Listener>, headers: HeaderMap, body: Bytes) -> Response {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let signature = headers.get(SIGNATURE_HEADER).map(|v| v.as_bytes());
    match l.webhooks.receive::<Event>(content_type, signature, &body) {
        Ok(e) => {
            (l.on_event)(e);
            StatusCode::OK.into_response()
        }
        Err(e) => {
            let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
            (status, format!("{e}\n")).into_response()
        }
    }
}
