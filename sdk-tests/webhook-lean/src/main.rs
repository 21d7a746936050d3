//! `alma-webhook-lean SECRET SIGNATURE FILE [CONTENT-TYPE]`: verifies one Alma webhook call (the
//! body in FILE, its `X-Exl-Signature` header), decodes it and prints its action and id — what a
//! serverless webhook handler does, built on `alma-sdk` with `default-features = false`, so with
//! no HTTP client (`cargo xtask bench --only lean` builds it with and without `client`).

use std::process::ExitCode;

use alma_sdk::runtime::webhooks::Webhooks;
use alma_sdk::webhooks::Event;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [secret, signature, file, rest @ ..] = args.as_slice() else {
        eprintln!("usage: alma-webhook-lean SECRET SIGNATURE FILE [CONTENT-TYPE]");
        return ExitCode::from(2);
    };
    let body = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{file}: {e}");
            return ExitCode::from(2);
        }
    };
    let hooks = match Webhooks::new(secret) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    match hooks.receive::<Event>(
        rest.first().map(String::as_str),
        Some(signature.as_bytes()),
        &body,
    ) {
        Ok(event) => {
            println!("{} {}", event.action(), event.id().unwrap_or("-"));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("refused ({}): {e}", e.status());
            ExitCode::FAILURE
        }
    }
}
