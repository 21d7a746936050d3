//! How a simulator is set up: the gateway's rules, faults, seed data, jobs and webhooks.

use std::path::PathBuf;
use std::time::Duration;

/// Where and how the simulator sends Alma's webhook calls.
#[derive(Debug, Clone)]
pub struct WebhookTarget {
    /// The listener's URL (the integration profile's "Webhook listener URL").
    pub url: String,
    /// The integration profile's secret: calls are signed with it (`X-Exl-Signature`).
    pub secret: String,
}

/// What `total_record_count` lists report: Alma's is not to be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TotalCount {
    /// The number of records.
    #[default]
    Exact,
    /// `-1`, as some Alma lists say.
    MinusOne,
    /// Left out.
    Missing,
    /// A wrong number.
    Wrong(i64),
}

/// Alma's list quirks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListQuirks {
    /// What `total_record_count` says.
    pub total: TotalCount,
    /// Pages (by index at the asked limit) that come back empty though records remain.
    pub empty_pages_at: Vec<usize>,
}

/// The simulator's settings. [`SimConfig::default`] is an open local Alma: any API key, no
/// rate limit, no quota, no faults.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Loopback port to listen on; 0 picks a free one.
    pub port: u16,
    /// API keys the gateway accepts (others get `INVALID_REQUEST`); empty: any key.
    pub keys: Vec<String>,
    /// Keys configured read-only: their writes get `UNAUTHORIZED`, as a GET-only API plan.
    pub read_only_keys: Vec<String>,
    /// Requests per second per key before `PER_SECOND_THRESHOLD` (429); `None`: no limit.
    pub rate: Option<f64>,
    /// Requests a day before `DAILY_THRESHOLD`, with `X-Exl-Api-Remaining`; `None`: no quota.
    pub daily: Option<u64>,
    /// Share of requests answered 503 `ROUTING_ERROR` (0 to 1).
    pub fail_503: f64,
    /// Share of connections dropped before any answer (0 to 1).
    pub drop: f64,
    /// The first this many requests (of the methods in `fail_methods`) get 503
    /// `ROUTING_ERROR`: deterministic faults for retry tests.
    pub fail_first: usize,
    /// Methods `fail_first` applies to (`GET`, `POST`, …); empty: all.
    pub fail_methods: Vec<String>,
    /// Alma's known list quirks, for testing how a client walks lists.
    pub quirks: ListQuirks,
    /// Every answer waits this long before it is sent (the request is carried out first).
    pub latency: Duration,
    /// Directories of recorded documents laid out like `../shared/alma-fixtures` (`INDEX.tsv`).
    pub seed: Vec<PathBuf>,
    /// Generated users (`sim0000001`, …) for tests that need volume.
    pub users: usize,
    /// How long a job instance runs before it completes.
    pub job_duration: Duration,
    /// Rows of the Analytics report every path answers.
    pub report_rows: usize,
    /// Where Alma's webhook calls go.
    pub webhook: Option<WebhookTarget>,
    /// The institution code in webhook calls and generated ids' suffix.
    pub institution: String,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            port: 0,
            keys: Vec::new(),
            read_only_keys: Vec::new(),
            rate: None,
            daily: None,
            fail_503: 0.0,
            drop: 0.0,
            fail_first: 0,
            fail_methods: Vec::new(),
            quirks: ListQuirks::default(),
            latency: Duration::ZERO,
            seed: Vec::new(),
            users: 0,
            job_duration: Duration::from_millis(200),
            report_rows: 250,
            webhook: None,
            institution: "01SIM_INST".into(),
        }
    }
}

impl SimConfig {
    /// Alma's gateway as the guide describes it: 25 requests per second per key.
    pub fn alma_rate(mut self) -> Self {
        self.rate = Some(alma_runtime::ALMA_REQUESTS_PER_SECOND);
        self
    }
}
