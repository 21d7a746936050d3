//! `alma mcp`: a Model Context Protocol server over every Alma operation, for AI assistants,
//! read-only by default and inside the institution's limits. Its tools are registered at run
//! time from the registry the generator writes (`catalogue.rs`); a call goes through the same
//! governed client as `alma` (`invoke.rs`); the protocol is the official Rust SDK's, rmcp
//! (`server.rs`), over stdio, or with `--http PORT` streamable HTTP on 127.0.0.1: one process,
//! one limiter, for several assistants.

mod catalogue;
mod invoke;
mod server;

use std::collections::BTreeSet;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Arg, ArgAction, Command};
use rmcp::ServiceExt;

use crate::call::Failure;

pub use catalogue::{Catalogue, Options};

pub fn command() -> Command {
    Command::new("mcp")
        .about("A Model Context Protocol server over Alma's operations (stdio), read-only by default")
        .arg(
            Arg::new("areas")
                .long("areas")
                .value_name("AREA,…")
                .help("Only these areas' operations (all by default)"),
        )
        .arg(
            Arg::new("allow-writes")
                .long("allow-writes")
                .value_name("AREA,…")
                .help("Offer these areas' writes (each made only after its dry run is confirmed)"),
        )
        .arg(
            Arg::new("read-only")
                .long("read-only")
                .action(ArgAction::SetTrue)
                .conflicts_with("allow-writes")
                .help("No writes at all (the default)"),
        )
        .arg(
            Arg::new("tools")
                .long("tools")
                .value_parser(["compact", "all"])
                .default_value("compact")
                .help("compact: search, describe and invoke over every operation, and the most used ones as tools; all: a tool per operation"),
        )
        .arg(
            Arg::new("budget")
                .long("budget")
                .value_name("CALLS")
                .value_parser(clap::value_parser!(u64))
                .help("At most this many calls a day for this server (the SDK's budgets; shared through Redis with the profile's redis_url)"),
        )
        .arg(
            Arg::new("http")
                .long("http")
                .value_name("PORT")
                .value_parser(clap::value_parser!(u16))
                .help("Serve streamable HTTP on 127.0.0.1:PORT (0: any free port) instead of stdio: one process and one limiter for several assistants"),
        )
        .arg(
            Arg::new("list")
                .long("list")
                .action(ArgAction::SetTrue)
                .help("Print tools/list as JSON and exit"),
        )
}

fn set(value: Option<&String>) -> BTreeSet<String> {
    value
        .map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// Runs `alma mcp ARGS…` with the profile given before the command, if any.
pub fn run(profile: Option<String>, args: Vec<String>) -> ExitCode {
    let m = match command().try_get_matches_from(std::iter::once("mcp".to_owned()).chain(args)) {
        Ok(m) => m,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(match e.kind() {
                clap::error::ErrorKind::DisplayHelp => 0,
                _ => 2,
            });
        }
    };
    let areas = set(m.get_one::<String>("areas"));
    let options = Options {
        areas: (!areas.is_empty()).then_some(areas),
        allow_writes: set(m.get_one::<String>("allow-writes")),
        all_tools: m.get_one::<String>("tools").map(String::as_str) == Some("all"),
    };
    let catalogue = match Catalogue::new(options) {
        Ok(c) => c,
        Err(e) => return crate::finish(Err(Failure::Usage(e))),
    };
    if m.get_flag("list") {
        println!("{}", catalogue.list_json());
        return ExitCode::SUCCESS;
    }
    let served = crate::runtime().block_on(serve(
        profile,
        catalogue,
        m.get_one::<u64>("budget").copied(),
        m.get_one::<u16>("http").copied(),
    ));
    crate::finish(served.map(|()| true))
}

async fn serve(
    profile: Option<String>,
    catalogue: Catalogue,
    budget: Option<u64>,
    http: Option<u16>,
) -> Result<(), Failure> {
    let settings = crate::profile::Settings::load(profile.as_deref()).map_err(Failure::Usage)?;
    let (key, _) = settings.key().map_err(Failure::Usage)?;
    let budget =
        budget.map(|n| alma_runtime::Budget::new("alma-mcp").max(alma_runtime::Amount::Calls(n)));
    let client = settings
        .client_with_budget(None, alma_runtime::Priority::Interactive, budget)
        .map_err(Failure::Usage)?;
    // The confirmations' key: from the operating system, so that no one can compute one.
    let mut secret = [0u8; 32];
    getrandom::getrandom(&mut secret)
        .map_err(|e| Failure::Usage(format!("mcp: no random source: {e}")))?;
    let server = server::AlmaMcp {
        catalogue: Arc::new(catalogue),
        client,
        secret,
        key: alma_runtime::Secret::new(key),
    };
    if let Some(port) = http {
        return serve_http(server, port).await;
    }
    let running = server
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| Failure::Usage(format!("mcp: {e}")))?;
    running
        .waiting()
        .await
        .map_err(|e| Failure::Usage(format!("mcp: {e}")))?;
    Ok(())
}

/// Streamable HTTP on 127.0.0.1 only: every session a view of the same server (one client, so
/// one limiter and one budget for all the assistants it serves). Prints its URL first.
async fn serve_http(server: server::AlmaMcp, port: u16) -> Result<(), Failure> {
    use rmcp::transport::streamable_http_server::{
        session::local::LocalSessionManager, StreamableHttpServerConfig, StreamableHttpService,
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| Failure::Usage(format!("--http {port}: {e}")))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Failure::Usage(e.to_string()))?;
    let shared = Arc::new(server);
    let service = StreamableHttpService::new(
        move || Ok(shared.view()),
        Arc::new(LocalSessionManager::default()),
        StreamableHttpServerConfig::default(),
    );
    println!("http://{addr}/mcp");
    eprintln!("alma mcp: streamable HTTP at http://{addr}/mcp (loopback only); Ctrl-C to stop");
    loop {
        let (stream, _) = listener
            .accept()
            .await
            .map_err(|e| Failure::Usage(format!("--http: {e}")))?;
        let service = service.clone();
        tokio::spawn(async move {
            let io = hyper_util::rt::TokioIo::new(stream);
            let service = hyper_util::service::TowerToHyperService::new(service);
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(io, service)
                .await;
        });
    }
}
