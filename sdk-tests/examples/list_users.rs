//! Stream every user through the paginated list operation and report what it took.
//!
//! ```text
//! ALMA_API_KEY=… ALMA_REGION=eu cargo run --release --example list_users
//! cargo run --example simulator -- --users 5000 &      # or a local gateway simulator
//! ALMA_API_KEY=x ALMA_BASE_URL=http://127.0.0.1:PORT cargo run --release --example list_users
//! ```
//!
//! Prints, one per line: `users N`, `requests N`, `retries N`, `seconds S`.

use std::process::ExitCode;
use std::time::Instant;

#[tokio::main]
async fn main() -> ExitCode {
    let client = match alma_sdk::Client::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let started = Instant::now();
    let mut users = client.users().list_users().into_stream();
    let mut count = 0u64;
    while let Some(user) = users.next().await {
        match user {
            Ok(_) => count += 1,
            Err(e) => {
                eprintln!("error after {count} users: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let stats = client.runtime().stats();
    println!("users {count}");
    println!("requests {}", stats.requests);
    println!("retries {}", stats.retries);
    println!("seconds {:.2}", started.elapsed().as_secs_f64());
    ExitCode::SUCCESS
}
