//! The `list_users` example's body, shared with the tests that run it as several processes:
//! a client from the environment (`ALMA_*`, `ALMA_REDIS_URL` and `ALMA_INSTITUTION` included)
//! streams every user through the paginated list.

use std::process::ExitCode;
use std::time::Instant;

/// Prints, one per line: `users N`, `requests N`, `retries N`, `throttled N`, `seconds S`.
pub async fn run() -> ExitCode {
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
    println!("throttled {}", stats.throttled);
    println!("seconds {:.2}", started.elapsed().as_secs_f64());
    ExitCode::SUCCESS
}
