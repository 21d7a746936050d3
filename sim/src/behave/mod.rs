//! Alma's behaviours beyond what an operation's role does, one file each. A behaviour applies
//! to the operations the generator tagged with it ([`alma_runtime::registry::Behaviour`], each
//! decided from Ex Libris's own sentence); it finds its paths in the registry and its codes in
//! the operation's documented errors, so nothing here names a path or an error number.
//!
//! Two kinds: rules that serve a request themselves ([`RULES`], tried in order before the
//! role's answer), and hooks on every record written or answered ([`BEHAVIOURS`]).

mod authenticate;
mod find_by;
mod lend;
mod notify;
mod output_fields;
mod report;
mod run_job;
mod scan_in;
mod write_only;

use alma_runtime::registry::OperationInfo;
use serde_json::Value;

use crate::alma::{Alma, Behaviours, Req};
use crate::answer::Answer;
use crate::memory::State;

pub use run_job::{advance_jobs, jobs_running};

/// One request, as a behaviour sees it: Alma, its memory, the request, the operation, the
/// path's parameters and the filled path.
pub struct Ctx<'a> {
    pub alma: &'a Alma,
    pub state: &'a mut State,
    pub req: &'a Req,
    pub op: &'static OperationInfo,
    pub params: &'a [(&'static str, String)],
    pub path: &'a str,
}

impl Ctx<'_> {
    /// The value of path parameter `name`.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Alma's refusal: the operation's documented error whose message has all of `words`
    /// (lower case), else its documented general error, else the one most operations document;
    /// `detail` fills the message's placeholder or follows it.
    pub fn refuse(&self, words: &[&str], detail: &str) -> Answer {
        crate::alma::refusal(self.req, self.op, words, detail)
    }

    /// As [`Ctx::refuse`], the message ending with the value not found ("… barcode 123.").
    pub fn refuse_naming(&self, words: &[&str], value: &str) -> Answer {
        crate::alma::refusal_naming(self.req, self.op, words, value)
    }
}

/// A behaviour that may serve a request itself.
pub struct Rule {
    /// For the logs and tests.
    pub name: &'static str,
    /// Whether it concerns the operation (by the operation's tags).
    pub applies: fn(&OperationInfo) -> bool,
    /// Its answer, or `None` to let the role answer (after what it did).
    pub serve: fn(&mut Ctx<'_>) -> Option<Answer>,
}

/// The rules, in the order they are tried.
pub const RULES: &[Rule] = &[
    find_by::RULE,
    authenticate::RULE,
    lend::RULE,
    scan_in::RULE,
    run_job::RULE,
    report::RULE,
];

/// The behaviours as the local Alma calls them (the crate root wires them in).
pub const BEHAVIOURS: Behaviours = Behaviours {
    intercept,
    changed: notify::changed,
    before_read: run_job::before_read,
    before_write,
    before_answer: write_only::before_answer,
};

/// Serves a request a rule answers itself, or `None` for the role's answer.
fn intercept(
    alma: &Alma,
    state: &mut State,
    req: &Req,
    op: &'static OperationInfo,
    params: &[(&'static str, String)],
    path: &str,
) -> Option<Answer> {
    let mut ctx = Ctx {
        alma,
        state,
        req,
        op,
        params,
        path,
    };
    RULES
        .iter()
        .filter(|r| (r.applies)(op))
        .find_map(|r| (r.serve)(&mut ctx))
}

/// A record about to be stored by a create or an update: what Alma sets is Alma's, and what
/// a write leaves empty of a write-only field is kept.
fn before_write(alma: &Alma, op: &OperationInfo, stored: Option<&Value>, new: &mut Value) {
    output_fields::before_write(alma, op, stored, new);
    write_only::before_write(op, stored, new);
}

/// Every operation a rule serves, with the rules' names (`area.operation` → names).
pub fn listing() -> Value {
    let mut out = serde_json::Map::new();
    for op in alma_sdk::registry::all() {
        let names: Vec<Value> = RULES
            .iter()
            .filter(|r| (r.applies)(op))
            .map(|r| Value::String(r.name.to_owned()))
            .collect();
        if !names.is_empty() {
            out.insert(op.qualified_name().to_owned(), Value::Array(names));
        }
    }
    Value::Object(out)
}
