//! A local Alma gateway simulator (loopback, wiremock) for governance tests, the throughput
//! benchmark and the `simulator` example: a token bucket of N requests per second answering
//! 429 `PER_SECOND_THRESHOLD` exactly as the Alma guide shows, a daily quota with
//! `X-Exl-Api-Remaining` and `DAILY_THRESHOLD`, injected 503 `ROUTING_ERROR`s, slow answers, and a
//! paginated `/almaws/v1/users` list whose `total_record_count` can be made wrong.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// What `total_record_count` the user list reports.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TotalCount {
    Exact,
    MinusOne,
    Missing,
    Wrong(i64),
}

#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Requests per second the gateway allows (a bucket of this many tokens).
    pub per_second: f64,
    /// Daily quota, if any.
    pub daily_quota: Option<u64>,
    /// The first N requests whose method is in `fail_methods` get a 503 ROUTING_ERROR.
    pub fail_first: usize,
    pub fail_methods: &'static [&'static str],
    /// Every answer is delayed this long.
    pub delay: Duration,
    /// Users in the list.
    pub users: usize,
    pub total: TotalCount,
    /// Pages of the list that come back empty although records remain (an Alma glitch).
    pub empty_pages_at: Vec<usize>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            per_second: 25.0,
            daily_quota: None,
            fail_first: 0,
            fail_methods: &["GET", "POST", "PUT", "DELETE"],
            delay: Duration::ZERO,
            users: 0,
            total: TotalCount::Exact,
            empty_pages_at: Vec::new(),
        }
    }
}

#[derive(Debug, Default)]
pub struct SimState {
    tokens: f64,
    refilled: Option<Instant>,
    pub served: BTreeMap<u16, u64>,
    pub by_method: BTreeMap<String, u64>,
    pub daily_used: u64,
    pub failed_503: usize,
    pub ok: u64,
}

pub struct Simulator {
    pub server: MockServer,
    pub state: Arc<Mutex<SimState>>,
}

impl Simulator {
    pub async fn start(config: SimConfig) -> Simulator {
        let server = MockServer::start().await;
        let state = Arc::new(Mutex::new(SimState {
            tokens: config.per_second,
            ..SimState::default()
        }));
        Mock::given(wiremock::matchers::any())
            .respond_with(Gateway {
                config,
                state: state.clone(),
            })
            .mount(&server)
            .await;
        Simulator { server, state }
    }

    pub fn uri(&self) -> String {
        self.server.uri()
    }

    pub fn served(&self, status: u16) -> u64 {
        self.state
            .lock()
            .unwrap()
            .served
            .get(&status)
            .copied()
            .unwrap_or(0)
    }

    /// A new day: the daily quota starts afresh.
    pub fn reset_daily(&self) {
        self.state.lock().unwrap().daily_used = 0;
    }

    /// Requests the gateway answered, whatever the status.
    pub fn total(&self) -> u64 {
        self.state.lock().unwrap().served.values().sum()
    }

    pub fn requests(&self, method: &str) -> u64 {
        self.state
            .lock()
            .unwrap()
            .by_method
            .get(method)
            .copied()
            .unwrap_or(0)
    }
}

struct Gateway {
    config: SimConfig,
    state: Arc<Mutex<SimState>>,
}

pub fn error_xml(code: &str, message: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<web_service_result xmlns=\"http://com/exlibris/urm/general/xmlbeans\">\n  <errorsExist>true</errorsExist>\n  <errorList>\n    <error>\n      <errorCode>{code}</errorCode>\n      <errorMessage>{message}</errorMessage>\n    </error>\n  </errorList>\n</web_service_result>"
    )
}

impl Respond for Gateway {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let c = &self.config;
        let mut s = self.state.lock().unwrap();
        *s.by_method.entry(req.method.to_string()).or_default() += 1;
        let (status, body, ct, remaining) = self.answer(&mut s, req);
        *s.served.entry(status).or_default() += 1;
        let mut t = ResponseTemplate::new(status)
            .set_body_raw(body, ct)
            .set_delay(c.delay);
        if let Some(r) = remaining {
            t = t.insert_header("X-Exl-Api-Remaining", r.to_string().as_str());
        }
        t
    }
}

impl Gateway {
    fn answer(&self, s: &mut SimState, req: &Request) -> (u16, String, &'static str, Option<u64>) {
        let c = &self.config;
        // The per-second threshold: a bucket of `per_second` tokens, refilled continuously.
        let now = Instant::now();
        let elapsed = s
            .refilled
            .map(|t| now.duration_since(t).as_secs_f64())
            .unwrap_or(0.0);
        s.tokens = (s.tokens + elapsed * c.per_second).min(c.per_second);
        s.refilled = Some(now);
        if s.tokens < 1.0 {
            let body = error_xml(
                "PER_SECOND_THRESHOLD",
                "HTTP requests are more than allowed per second. See https://goo.gl/2x1c1M ",
            );
            return (429, body, "application/xml", None);
        }
        s.tokens -= 1.0;
        // The daily threshold.
        if let Some(q) = c.daily_quota {
            if s.daily_used >= q {
                let body = error_xml(
                    "DAILY_THRESHOLD",
                    "Daily API Request Threshold has been reached. For details see: https://developers.exlibrisgroup.com/alma/apis#threshold",
                );
                return (400, body, "application/xml", Some(0));
            }
            s.daily_used += 1;
        }
        let remaining = c.daily_quota.map(|q| q - s.daily_used);
        // Maintenance.
        if s.failed_503 < c.fail_first && c.fail_methods.contains(&req.method.as_str()) {
            s.failed_503 += 1;
            let body = error_xml(
                "ROUTING_ERROR",
                "No response from Alma: na01 (down for maintenance)",
            );
            return (503, body, "application/xml", remaining);
        }
        s.ok += 1;
        let path = req.url.path();
        let body = if path == "/almaws/v1/users" && req.method.as_str() == "GET" {
            self.users_page(req)
        } else if let Some(id) = path.strip_prefix("/almaws/v1/users/") {
            format!(
                r#"{{"primary_id": "{id}", "first_name": "Sim", "status": {{"value": "ACTIVE", "desc": "Active"}}}}"#
            )
        } else {
            "{}".to_string()
        };
        (200, body, "application/json", remaining)
    }

    fn users_page(&self, req: &Request) -> String {
        let c = &self.config;
        let q: BTreeMap<String, String> = req.url.query_pairs().into_owned().collect();
        let limit: usize = q
            .get("limit")
            .and_then(|v| v.parse().ok())
            .unwrap_or(10)
            .min(100);
        let offset: usize = q.get("offset").and_then(|v| v.parse().ok()).unwrap_or(0);
        let page_index = offset / limit.max(1);
        let items: Vec<String> = if c.empty_pages_at.contains(&page_index) {
            Vec::new()
        } else {
            (offset..(offset + limit).min(c.users))
                .map(|i| format!(r#"{{"primary_id": "user{i:05}", "link": "x"}}"#))
                .collect()
        };
        let total = match c.total {
            TotalCount::Exact => format!(r#""total_record_count": {}, "#, c.users),
            TotalCount::MinusOne => r#""total_record_count": -1, "#.to_string(),
            TotalCount::Missing => String::new(),
            TotalCount::Wrong(n) => format!(r#""total_record_count": {n}, "#),
        };
        format!(r#"{{{total}"user": [{}]}}"#, items.join(","))
    }
}
