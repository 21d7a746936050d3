//! Stream every user through the paginated list operation and report what it took.
//!
//! ```text
//! ALMA_API_KEY=… ALMA_REGION=eu cargo run --release --example list_users
//! cargo run --release -p alma-sim -- --port 8025 --users 5000 &   # or a local Alma
//! ALMA_API_KEY=x ALMA_BASE_URL=http://127.0.0.1:8025 cargo run --release --example list_users
//! ```
//!
//! With `ALMA_REDIS_URL` (and `ALMA_INSTITUTION`), every process started this way shares the
//! institution's 25 requests per second and its daily quota through that Redis server.
//!
//! Prints, one per line: `users N`, `requests N`, `retries N`, `throttled N`, `seconds S`.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    alma_sdk_tests::list_users::run().await
}
