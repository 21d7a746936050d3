//! `alma-sim`: a stateful local Alma for offline tests of anything that talks to Alma — the SDK,
//! curl, any other client. Every operation of the generated SDK's registry is served from what
//! the generator decided it does (list, create, read, update, delete, act on records), with the
//! operation's documented error codes, in the format asked (`Accept` or `format=`, XML by
//! default as Alma); bodies are read by the SDK's models. Behind Alma's gateway rules from Ex
//! Libris's guide: API keys, 25 requests per second per key, the daily quota, the 512 KB body
//! limit; with faults to inject, jobs that run, webhook calls and Analytics reports.
//!
//! ```no_run
//! # async fn demo() -> Result<(), String> {
//! let sim = alma_sim::Simulator::start(alma_sim::SimConfig { users: 100, ..Default::default() }).await?;
//! let client = alma_sdk::Client::builder().api_key("any").base_url(sim.url()).build().unwrap();
//! let user = client.users().get_user("sim0000001").send().await.unwrap();
//! assert_eq!(sim.stats().operation("users.get_user"), 1);
//! # Ok(()) }
//! ```

mod alma;
mod answer;
mod behave;
mod config;
mod derive;
mod gateway;
mod memory;
mod route;
mod seed;
mod server;
mod stats;
mod store;
mod webhooks;

use std::sync::Arc;

use serde_json::Value;
use tokio::sync::watch;

pub use config::{
    ListQuirks, SimConfig, TotalCount, WebhookTarget, DEFAULT_BURST, DEFAULT_DAILY, DEFAULT_QUEUE,
};
pub use seed::Seeded;
pub use stats::Stats;
pub use webhooks::signature;

/// A running simulator on a loopback port. Dropping it stops it.
pub struct Simulator {
    url: String,
    alma: Arc<alma::Alma>,
    stop: watch::Sender<bool>,
    seeded: Vec<Seeded>,
    webhook_registered: Option<Result<(), String>>,
}

impl Simulator {
    /// Starts a simulator: binds its port, loads its seed data, registers with the webhook
    /// listener (the challenge), and serves until dropped.
    pub async fn start(config: SimConfig) -> Result<Simulator, String> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port))
            .await
            .map_err(|e| format!("cannot listen on 127.0.0.1:{}: {e}", config.port))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let counters = Arc::new(stats::Counters::default());
        let (webhooks, webhook_registered) = match &config.webhook {
            Some(target) => {
                let (sender, registered) = webhooks::start(target.clone(), counters.clone()).await;
                (Some(sender), Some(registered))
            }
            None => (None, None),
        };
        let alma = Arc::new(alma::Alma::new(
            config.clone(),
            counters,
            webhooks,
            behave::BEHAVIOURS,
        ));
        let mut seeded = Vec::new();
        {
            let mut state = alma.state.lock().unwrap_or_else(|e| e.into_inner());
            for dir in &config.seed {
                seeded.push(seed::load(&alma, &mut state.store, dir)?);
            }
            seed::users(&mut state.store, config.users);
            // The configuration every record now held uses (code tables, libraries, desks).
            let derived = derive::configuration(&mut state.store);
            if let Some(last) = seeded.last_mut() {
                last.derived += derived;
            }
        }
        let _ = alma
            .seed_report
            .set(Value::Array(seeded.iter().map(Seeded::to_json).collect()));
        let (stop, stopped) = watch::channel(false);
        tokio::spawn(server::serve(listener, alma.clone(), stopped.clone()));
        // Jobs move on (and send `JOB_END`) whether or not anyone reads them.
        let ticker = alma.clone();
        let mut stopped_t = stopped;
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(std::time::Duration::from_millis(20)) => {}
                    _ = stopped_t.changed() => break,
                }
                let mut state = ticker.state.lock().unwrap_or_else(|e| e.into_inner());
                if behave::jobs_running(&state) {
                    behave::advance_jobs(&ticker, &mut state);
                }
            }
        });
        Ok(Simulator {
            url: format!("http://{addr}"),
            alma,
            stop,
            seeded,
            webhook_registered,
        })
    }

    /// The base URL (`http://127.0.0.1:PORT`): what `ALMA_BASE_URL` takes.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// What it served so far.
    pub fn stats(&self) -> Stats {
        self.alma.counters.snapshot()
    }

    /// What each seed directory gave.
    pub fn seeded(&self) -> &[Seeded] {
        &self.seeded
    }

    /// Whether the webhook listener answered the registration challenge.
    pub fn webhook_registered(&self) -> Option<&Result<(), String>> {
        self.webhook_registered.as_ref()
    }

    /// Stores a record (Alma's JSON shape) at its path (`/almaws/v1/users/jdoe`).
    pub fn insert(&self, path: &str, record: Value) {
        self.state().store.put(path, record);
    }

    /// The record at a path.
    pub fn record(&self, path: &str) -> Option<Value> {
        self.state().store.get(path).cloned()
    }

    /// Records held.
    pub fn records(&self) -> usize {
        self.state().store.len()
    }

    /// A new day: the daily quota starts afresh.
    pub fn reset_daily(&self) {
        self.state().gateway.used_today = 0;
    }

    fn state(&self) -> std::sync::MutexGuard<'_, memory::State> {
        self.alma.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}
