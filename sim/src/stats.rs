//! What the simulator served: answers by status, requests per operation, PUTs per record.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// A snapshot of the counters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Answers by HTTP status.
    pub served: BTreeMap<u16, u64>,
    /// Requests by operation (`users.get_user`).
    pub operations: BTreeMap<String, u64>,
    /// Requests by HTTP method, whatever their answer.
    pub methods: BTreeMap<String, u64>,
    /// Successful PUTs by record path.
    pub puts: BTreeMap<String, u64>,
    /// Connections dropped on purpose (`--fail drop=…`).
    pub dropped: u64,
    /// Webhook calls sent, and those the listener did not accept.
    pub webhooks_sent: u64,
    pub webhooks_failed: u64,
}

impl Stats {
    /// Answers with this status.
    pub fn status(&self, status: u16) -> u64 {
        self.served.get(&status).copied().unwrap_or(0)
    }

    /// Every answer.
    pub fn total(&self) -> u64 {
        self.served.values().sum()
    }

    /// Requests of one operation.
    pub fn operation(&self, name: &str) -> u64 {
        self.operations.get(name).copied().unwrap_or(0)
    }

    /// Requests with this method (`GET`).
    pub fn method(&self, method: &str) -> u64 {
        self.methods.get(method).copied().unwrap_or(0)
    }
}

#[derive(Default)]
pub struct Counters {
    served: Mutex<BTreeMap<u16, u64>>,
    operations: Mutex<BTreeMap<String, u64>>,
    methods: Mutex<BTreeMap<String, u64>>,
    /// Requests failed on purpose so far (`fail_first`).
    pub failed_first: AtomicU64,
    puts: Mutex<BTreeMap<String, u64>>,
    pub dropped: AtomicU64,
    pub webhooks_sent: AtomicU64,
    pub webhooks_failed: AtomicU64,
}

impl Counters {
    pub fn served(&self, status: u16) {
        *lock(&self.served).entry(status).or_default() += 1;
    }

    pub fn operation(&self, name: &str) {
        let mut ops = lock(&self.operations);
        match ops.get_mut(name) {
            Some(n) => *n += 1,
            None => {
                ops.insert(name.to_owned(), 1);
            }
        }
    }

    pub fn method(&self, method: &str) {
        *lock(&self.methods).entry(method.to_owned()).or_default() += 1;
    }

    pub fn put(&self, path: &str) {
        *lock(&self.puts).entry(path.to_owned()).or_default() += 1;
    }

    pub fn snapshot(&self) -> Stats {
        Stats {
            served: lock(&self.served).clone(),
            operations: lock(&self.operations).clone(),
            methods: lock(&self.methods).clone(),
            puts: lock(&self.puts).clone(),
            dropped: self.dropped.load(Ordering::Relaxed),
            webhooks_sent: self.webhooks_sent.load(Ordering::Relaxed),
            webhooks_failed: self.webhooks_failed.load(Ordering::Relaxed),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
