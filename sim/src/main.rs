//! `alma-sim`: a local Alma on loopback. Prints its base URL; Ctrl-C prints what it served.
//!
//! ```text
//! cargo run --release -p alma-sim -- --port 8025 --users 1000
//! ALMA_BASE_URL=http://127.0.0.1:8025 ALMA_API_KEY=any cargo run --example get_user -- sim0000001
//! ```

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use alma_sim::{SimConfig, Simulator, WebhookTarget};
use clap::Parser;

/// A stateful local Alma: every operation of the SDK, Alma's gateway rules, jobs, webhooks.
#[derive(Parser)]
#[command(name = "alma-sim", version)]
struct Args {
    /// Loopback port (0: a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// An API key the gateway accepts (repeatable); none given: any key.
    #[arg(long = "key")]
    keys: Vec<String>,
    /// A read-only API key (repeatable): its writes are refused, as a GET-only plan's.
    #[arg(long = "read-only-key")]
    read_only_keys: Vec<String>,
    /// The institution's requests per second before 429 PER_SECOND_THRESHOLD (0: no limit).
    #[arg(long, default_value_t = 25.0)]
    rate: f64,
    /// Requests taken at once on top of the rate.
    #[arg(long, default_value_t = alma_sim::DEFAULT_BURST)]
    burst: f64,
    /// How long a request over the rate waits in the gateway's queue before it gets 429
    /// (`0s`: refused at once).
    #[arg(long, value_parser = duration, default_value = "4s")]
    queue: Duration,
    /// Requests a day before DAILY_THRESHOLD (every answer says what is left).
    #[arg(long, default_value_t = alma_sim::DEFAULT_DAILY)]
    daily: u64,
    /// A directory of recorded documents laid out like ../shared/alma-fixtures (repeatable).
    #[arg(long)]
    seed: Vec<PathBuf>,
    /// Generated users (sim0000001 …).
    #[arg(long, default_value_t = 0)]
    users: usize,
    /// Faults: `503=0.05` (share answered 503 ROUTING_ERROR), `drop=0.01` (connections dropped).
    #[arg(long)]
    fail: Vec<String>,
    /// Every answer waits this long (`20ms`, `1s`).
    #[arg(long, value_parser = duration)]
    latency: Option<Duration>,
    /// How long a job instance runs.
    #[arg(long, value_parser = duration, default_value = "2s")]
    job_duration: Duration,
    /// Rows of the Analytics report.
    #[arg(long, default_value_t = 250)]
    report_rows: usize,
    /// Where Alma's webhook calls go.
    #[arg(long, requires = "webhook_secret")]
    webhook: Option<String>,
    /// The integration profile's secret the calls are signed with.
    #[arg(long)]
    webhook_secret: Option<String>,
}

fn duration(s: &str) -> Result<Duration, String> {
    let (n, unit) = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .map(|i| s.split_at(i))
        .unwrap_or((s, "ms"));
    let n: f64 = n.parse().map_err(|_| format!("not a duration: {s:?}"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        _ => return Err(format!("not a duration: {s:?} (use ms, s or m)")),
    };
    Ok(Duration::from_secs_f64(secs))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let mut config = SimConfig {
        port: args.port,
        keys: args.keys,
        read_only_keys: args.read_only_keys,
        rate: (args.rate > 0.0).then_some(args.rate),
        burst: args.burst,
        queue: args.queue,
        daily: args.daily,
        seed: args.seed,
        users: args.users,
        latency: args.latency.unwrap_or_default(),
        job_duration: args.job_duration,
        report_rows: args.report_rows,
        webhook: args
            .webhook
            .zip(args.webhook_secret)
            .map(|(url, secret)| WebhookTarget { url, secret }),
        ..SimConfig::default()
    };
    for f in &args.fail {
        let parsed = f.split_once('=').and_then(|(k, v)| {
            Some((
                k,
                v.parse::<f64>().ok().filter(|p| (0.0..=1.0).contains(p))?,
            ))
        });
        match parsed {
            Some(("503", p)) => config.fail_503 = p,
            Some(("drop", p)) => config.drop = p,
            _ => {
                eprintln!(
                    "error: --fail {f:?}: expected 503=SHARE or drop=SHARE, SHARE from 0 to 1"
                );
                return ExitCode::from(2);
            }
        }
    }
    let sim = match Simulator::start(config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("{}", sim.url());
    for s in sim.seeded() {
        eprintln!("{}", s.report());
    }
    if let Some(r) = sim.webhook_registered() {
        match r {
            Ok(()) => eprintln!("webhook listener registered (challenge answered)"),
            Err(e) => eprintln!("webhook listener did not answer the challenge: {e}"),
        }
    }
    eprintln!(
        "alma-sim at {} ({} records); Ctrl-C to stop",
        sim.url(),
        sim.records()
    );
    let _ = tokio::signal::ctrl_c().await;
    let stats = sim.stats();
    let served: Vec<String> = stats
        .served
        .iter()
        .map(|(s, n)| format!("{s}: {n}"))
        .collect();
    eprintln!("served {}", served.join(", "));
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flags_defaults_are_the_library_s() {
        let args = Args::parse_from(["alma-sim"]);
        assert_eq!(args.queue, alma_sim::DEFAULT_QUEUE);
        assert_eq!(args.burst, alma_sim::DEFAULT_BURST);
        assert_eq!(args.daily, alma_sim::DEFAULT_DAILY);
    }
}
