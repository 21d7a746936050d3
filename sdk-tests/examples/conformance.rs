//! Calls every operation of one area against a mock server (Prism) and prints one
//! tab-separated line per call: `area name accepted decoded typed xml_only reason`.
//! Run by `cargo xtask conformance`, which starts Prism and aggregates the lines.
//!
//! ```text
//! cargo run -p alma-sdk-tests --example conformance -- AREA BASE_URL
//! ```

use std::process::ExitCode;

use alma_sdk::runtime::{ApiKeyMode, Error};

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [area, base_url] = args.as_slice() else {
        eprintln!("usage: conformance AREA BASE_URL");
        return ExitCode::from(2);
    };
    // The specs declare the key as a query parameter: send it there, as Prism checks.
    let client = match alma_sdk::Client::builder()
        .api_key("conformance-key")
        .api_key_mode(ApiKeyMode::Query)
        .base_url(base_url.as_str())
        .no_rate_limit()
        .no_retries()
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    for o in alma_sdk_tests::conformance::run_area(&client, area).await {
        let (accepted, decoded, reason) = match &o.result {
            Ok(headers) => {
                let violations = headers
                    .get("sl-violations")
                    .and_then(|v| v.to_str().ok())
                    .map(|v| format!("response violations (spec): {v}"))
                    .unwrap_or_default();
                (true, o.typed_response, violations)
            }
            // The request passed Prism's checks but the answer did not fit the model.
            Err(e @ Error::Decode { .. }) => (true, false, e.to_string()),
            Err(e) => (false, false, e.to_string()),
        };
        let reason = reason.replace(['\t', '\n'], " ");
        println!(
            "{}\t{}\t{accepted}\t{decoded}\t{}\t{}\t{reason}",
            o.area, o.name, o.typed_response, o.xml_only_request
        );
    }
    ExitCode::SUCCESS
}
