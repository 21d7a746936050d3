//! Fetch one user and print it as JSON.
//!
//! ```text
//! ALMA_API_KEY=… ALMA_REGION=eu cargo run --example get_user -- USER_ID
//! ```
//!
//! `ALMA_BASE_URL` points it at a proxy or a local mock server instead of a region. On an error
//! the code, message and tracking id go to stderr and the exit status is non-zero.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let Some(user_id) = std::env::args().nth(1) else {
        eprintln!(
            "usage: get_user USER_ID   (configure with ALMA_API_KEY, ALMA_REGION or ALMA_BASE_URL)"
        );
        return ExitCode::from(2);
    };
    let client = match alma_sdk::Client::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    match client.users().get_user(user_id).send().await {
        Ok(response) => match serde_json::to_string_pretty(&response.value) {
            Ok(json) => {
                println!("{json}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: cannot print the user: {e}");
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            eprintln!("error: {e}");
            if let Some(code) = e.code() {
                eprintln!("code: {code}");
            }
            if let Some(message) = e.message() {
                eprintln!("message: {message}");
            }
            if let Some(tracking) = e.tracking_id() {
                eprintln!("tracking id: {tracking}");
            }
            ExitCode::FAILURE
        }
    }
}
