//! A listener for Alma's webhooks on `/`: answers the registration challenge, verifies each
//! call's `X-Exl-Signature` with the integration profile's secret, and prints one line per event,
//! `event <action> <id>`.
//!
//! ```text
//! ALMA_WEBHOOK_SECRET=… cargo run --example webhook_listener -- --port 8080
//! ```
//!
//! Answers: 200 for the challenge and for a verified event; 401 for a missing or wrong
//! signature (nothing is processed); 413 for a body over 1 MiB; 400 for a malformed body.

use std::process::ExitCode;
use std::sync::Arc;

use alma_sdk::runtime::webhooks::Webhooks;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let port = match args.as_slice() {
        [flag, port] if flag == "--port" => port.parse::<u16>().ok(),
        _ => None,
    };
    let Some(port) = port else {
        eprintln!("usage: webhook_listener --port PORT (secret in ALMA_WEBHOOK_SECRET)");
        return ExitCode::from(2);
    };
    let secret = std::env::var("ALMA_WEBHOOK_SECRET").unwrap_or_default();
    let webhooks = match Webhooks::new(secret) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("error: ALMA_WEBHOOK_SECRET: {e}");
            return ExitCode::from(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind(("0.0.0.0", port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: port {port}: {e}");
            return ExitCode::FAILURE;
        }
    };
    eprintln!("listening on port {port}");
    let app = alma_sdk_tests::webhook_listener::router(
        webhooks,
        Arc::new(|event| println!("{}", alma_sdk_tests::webhook_listener::event_line(&event))),
    );
    match axum::serve(listener, app).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
