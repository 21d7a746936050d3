//! Calls every operation of one area against a mock server (Prism) and prints one
//! tab-separated line per call: `area name accepted decoded typed xml_only reason`.
//! Run by `cargo xtask conformance`, which starts Prism and aggregates the lines.
//!
//! ```text
//! cargo run -p alma-sdk-tests --example conformance -- AREA BASE_URL
//! cargo run -p alma-sdk-tests --example conformance -- xml OUT_DIR [FIXTURES_DIR]
//! ```
//!
//! The `xml` form writes, for the XSD pass, the XML the SDK produces: the request body of every
//! operation that has one, as the client sends it in XML (captured by a hook, never sent), under
//! `OUT_DIR/requests/`, and what the typed model of every recorded fixture writes as XML, under
//! `OUT_DIR/fixtures/`.

use std::process::ExitCode;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use alma_sdk::runtime::{ApiKeyMode, BeforeSend, Error, Format, Hooks};

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("xml") && (2..=3).contains(&args.len()) {
        let fixtures = args
            .get(2)
            .map(PathBuf::from)
            .unwrap_or_else(alma_sdk_tests::fixtures::default_dir);
        return match write_xml(Path::new(&args[1]), &fixtures).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        };
    }
    if args.first().map(String::as_str) == Some("local") {
        return local().await;
    }
    let [area, base_url] = args.as_slice() else {
        eprintln!("usage: conformance AREA BASE_URL | conformance local | conformance xml OUT_DIR [FIXTURES_DIR]");
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
    // Prism reports what it found wrong in the `sl-violations` header, on answers it accepted
    // (the response's violations) and on those it refused (the request's).
    let violations = |headers: Option<&alma_sdk::runtime::http::HeaderMap>| {
        headers
            .and_then(|h| h.get("sl-violations"))
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    for o in alma_sdk_conformance::run_area(&client, area).await {
        let (accepted, decoded, reason) = match &o.result {
            Ok(headers) => {
                let found = violations(Some(headers))
                    .map(|v| format!("response violations (spec): {v}"))
                    .unwrap_or_default();
                (true, o.typed_response, found)
            }
            // The request passed Prism's checks but the answer did not fit the model.
            Err(e @ Error::Decode { .. }) => (true, false, e.to_string()),
            Err(e) => {
                let reason = match violations(e.headers()) {
                    Some(v) => format!("{e}; request violations: {v}"),
                    None => e.to_string(),
                };
                (false, false, reason)
            }
        };
        let reason = reason.replace(['\t', '\n'], " ");
        println!(
            "{}\t{}\t{accepted}\t{decoded}\t{}\t{}\t{reason}",
            o.area, o.name, o.typed_response, o.xml_only_request
        );
    }
    ExitCode::SUCCESS
}

/// Every operation of every area against the local Alma (`alma-sim`), one line each:
/// `area name answered decoded typed reason`. Answered: Alma's answer to the call, a success or
/// one of Alma's errors (a 4xx with an error code); not answered: a transport failure, a 5xx, a
/// path the simulator does not have. Decoded: a typed success answer the SDK decoded.
async fn local() -> ExitCode {
    let sim = match alma_sim::Simulator::start(alma_sim::SimConfig::default()).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let client = alma_sdk::Client::builder()
        .api_key("conformance-key")
        .base_url(sim.url())
        .no_rate_limit()
        .no_retries()
        .build()
        .expect("a client for the simulator");
    let areas: std::collections::BTreeSet<&str> =
        alma_sdk::registry::all().iter().map(|o| o.area).collect();
    for area in areas {
        for o in alma_sdk_conformance::run_area(&client, area).await {
            let (answered, decoded, reason) = match &o.result {
                Ok(_) => (true, o.typed_response, String::new()),
                Err(e @ Error::Decode { .. }) => (true, false, e.to_string()),
                Err(e) => {
                    let alma_said = e.status().is_some_and(|s| s.is_client_error())
                        && e.code().is_some_and(|c| c != "INTERNAL_SERVER_ERROR");
                    (alma_said, false, e.to_string())
                }
            };
            let reason = reason.replace(['\t', '\n'], " ");
            println!(
                "{}\t{}\t{answered}\t{decoded}\t{}\t{reason}",
                o.area, o.name, o.typed_response
            );
        }
    }
    ExitCode::SUCCESS
}

/// Keeps each request body the client is about to send, and refuses to send it.
#[derive(Default)]
struct Capture(Mutex<Vec<(String, Vec<u8>)>>);

impl Hooks for Capture {
    fn before_send(&self, request: &mut BeforeSend<'_>) -> Result<(), String> {
        if let Some(body) = request.body {
            let mut seen = self.0.lock().unwrap_or_else(|e| e.into_inner());
            seen.push((request.operation.to_string(), body.to_vec()));
        }
        Err("captured for the XSD pass".into())
    }
}

async fn write_xml(out: &Path, fixtures: &Path) -> Result<(), String> {
    let mkdir = |d: &Path| std::fs::create_dir_all(d).map_err(|e| format!("{}: {e}", d.display()));
    let write = |p: PathBuf, text: &[u8]| {
        std::fs::write(&p, text).map_err(|e| format!("{}: {e}", p.display()))
    };
    let requests = out.join("requests");
    let fixtures_out = out.join("fixtures");
    for d in [&requests, &fixtures_out] {
        if d.exists() {
            std::fs::remove_dir_all(d).map_err(|e| format!("{}: {e}", d.display()))?;
        }
        mkdir(d)?;
    }
    let capture = Arc::new(Capture::default());
    let client = alma_sdk::Client::builder()
        .api_key("conformance-key")
        .base_url("http://127.0.0.1:9")
        .format(Format::Xml)
        .hooks(capture.clone())
        .no_rate_limit()
        .no_retries()
        .build()
        .map_err(|e| e.to_string())?;
    for area in alma_sdk::registry::operations()
        .iter()
        .map(|o| o.area)
        .collect::<std::collections::BTreeSet<_>>()
    {
        alma_sdk_conformance::run_area(&client, area).await;
    }
    let captured = std::mem::take(&mut *capture.0.lock().unwrap_or_else(|e| e.into_inner()));
    for (op, body) in &captured {
        write(requests.join(format!("{op}.xml")), body)?;
    }
    let ops = alma_sdk::registry::operations();
    let mut written = 0;
    for fx in alma_sdk_tests::fixtures::read_index(fixtures)? {
        if fx.kind == "error" || fx.untypable().is_some() {
            continue;
        }
        let Ok(model) = fx.model(&ops) else { continue };
        let info = alma_sdk::registry::model(model).ok_or_else(|| format!("no model {model}"))?;
        let format = if fx.format == "xml" {
            Format::Xml
        } else {
            Format::Json
        };
        let path = fixtures.join(&fx.file);
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let xml = info
            .to_xml(&bytes, format)
            .map_err(|e| format!("{} as {model}: {e}", fx.file))?;
        let name = fx.file.replace('/', "__");
        write(
            fixtures_out.join(format!("{name}.{model}.xml")),
            xml.as_bytes(),
        )?;
        written += 1;
    }
    // The webhook payloads of the listener's tests (ours: Alma's recorded calls are not
    // published), as the payload model writes them, for webhook.xsd.
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/webhooks");
    let info = alma_sdk::registry::model("Notification").ok_or("no model Notification")?;
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&samples)
        .map_err(|e| format!("{}: {e}", samples.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let format = alma_sdk::runtime::webhooks::format_of(None, &bytes);
        // An action the XSD does not document carries what the XSD does not know.
        let event =
            <alma_sdk::webhooks::Event as alma_sdk::runtime::Decode>::decode(&bytes, format)
                .map_err(|e| format!("{}: {e}", path.display()))?;
        if matches!(event, alma_sdk::webhooks::Event::Other { .. }) {
            continue;
        }
        let xml = info
            .to_xml(&bytes, format)
            .map_err(|e| format!("{} as Notification: {e}", path.display()))?;
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        write(
            fixtures_out.join(format!("webhook__{name}.Notification.xml")),
            xml.as_bytes(),
        )?;
        written += 1;
    }
    println!(
        "{} request bodies, {written} fixtures and webhook payloads written as XML",
        captured.len()
    );
    Ok(())
}
