//! Alma behind the gateway: every operation served by what the generator decided it does
//! ([`Role`]: list, create, read, update, delete, act …), over the records of the [`Store`],
//! with the operation's documented errors. Nothing here is written per operation; Alma's
//! behaviours that a role does not say (loans, jobs, item by barcode, Analytics, webhooks,
//! authentication, fields Alma sets) are in `behave/`, called through [`Behaviours`].

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use alma_runtime::registry::{ChoiceViolation, ErrorInfo, ModelInfo, OperationInfo, ParamIn, Role};
use alma_runtime::{Format, Method};
use bytes::Bytes;
use serde_json::{json, Value};

use crate::answer::{escape, Answer};
use crate::config::SimConfig;
use crate::memory::{Gateway, Rules, State};
use crate::route::{encode, Router};
use crate::stats::Counters;
use crate::store::{self, Store};

/// One request, as the gateway passed it on.
pub struct Req {
    pub method: Method,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Bytes,
    /// The body's format, from its `Content-Type`.
    pub body_format: Option<Format>,
    /// The answer's format (`format=` or `Accept`; XML by default, as Alma's).
    pub format: Format,
    /// `scheme://host:port` the caller reached us at, for links and redirects.
    pub base: String,
    /// Request headers by lower-case name, but `Authorization`.
    pub headers: Vec<(String, String)>,
}

impl Req {
    /// The value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The value a parameter of `op` has in this request: the query, or for one the SDK sends
    /// in a header, that header or (as Alma also takes it, "as a parameter") the query.
    pub fn param(&self, op: &OperationInfo, name: &str) -> Option<String> {
        let from_header = match op.param(name) {
            Some(p) if p.location == ParamIn::Header => p.header.and_then(|h| self.header(h)),
            _ => None,
        };
        from_header.or_else(|| self.query(name)).map(str::to_owned)
    }

    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A behaviour's look at a request: Alma, its memory, the request, the operation, the path's
/// parameters and the filled path.
pub type Intercept = fn(
    &Alma,
    &mut State,
    &Req,
    &'static OperationInfo,
    &[(&'static str, String)],
    &str,
) -> Option<Answer>;

/// Alma's behaviours beyond what a role does (`behave/`), called at these points; the crate
/// root wires them in, so that Alma does not depend on them.
pub struct Behaviours {
    /// Serves a request a behaviour answers itself, or `None` for the role's answer.
    pub intercept: Intercept,
    /// A record was created, updated or deleted (webhooks).
    pub changed: fn(&Alma, &str, &str, &Value),
    /// A record is about to be read (jobs move on).
    pub before_read: fn(&Alma, &mut State, &str),
    /// A create's or an update's record before it is stored, with the record it replaces.
    pub before_write: fn(&Alma, &OperationInfo, Option<&Value>, &mut Value),
    /// A record about to be answered.
    pub before_answer: fn(&Alma, &OperationInfo, &mut Value),
}

pub struct Alma {
    pub config: SimConfig,
    behaviours: Behaviours,
    pub router: Router,
    pub models: HashMap<&'static str, ModelInfo>,
    /// Collection templates a record can be created in: their records must exist to be
    /// addressed; other collections (libraries, code tables, jobs) are configuration, which
    /// every institution has, so any id of theirs exists.
    pub creatable: HashSet<String>,
    pub state: Mutex<State>,
    pub counters: std::sync::Arc<Counters>,
    pub webhooks: Option<crate::webhooks::Sender>,
    /// What seeding loaded, derived and skipped, as `GET /__seed` answers it.
    pub seed_report: std::sync::OnceLock<Value>,
}

/// The template of the `i`-th path parameter's record: `/almaws/v1/users/{user_id}`.
fn template_upto(template: &str, i: usize) -> Option<&str> {
    let (pos, _) = template.match_indices('{').nth(i)?;
    let close = template[pos..].find('}')? + pos;
    Some(&template[..=close])
}

/// A template with its parameters filled in (encoded as the store keys them).
fn fill(template: &str, params: &[(&'static str, String)]) -> String {
    // A placeholder without its value (never, for a matched route) is left empty, as before.
    alma_runtime::path::fill(template, |name| {
        Some(
            params
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.as_str())
                .unwrap_or(""),
        )
    })
    .unwrap_or_else(|_| template.to_owned())
}

impl Alma {
    pub fn new(
        config: SimConfig,
        counters: std::sync::Arc<Counters>,
        webhooks: Option<crate::webhooks::Sender>,
        behaviours: Behaviours,
    ) -> Alma {
        let ops = alma_sdk::registry::all();
        let creatable = ops
            .iter()
            .filter(|o| o.role == Role::Create)
            .map(|o| crate::route::shape(o.path))
            .collect();
        let models = alma_sdk::registry::models()
            .into_iter()
            .map(|m| (m.name, m))
            .collect();
        Alma {
            router: Router::new(&ops),
            models,
            creatable,
            state: Mutex::new(State {
                store: Store::default(),
                gateway: Gateway::default(),
                rules: Rules::default(),
            }),
            counters,
            webhooks,
            behaviours,
            config,
            seed_report: std::sync::OnceLock::new(),
        }
    }

    /// The store, the gateway's and the behaviours' memory, locked.
    pub fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The operation `method` on `path` is.
    pub fn operation(&self, method: Method, path: &str) -> Option<&'static OperationInfo> {
        self.router
            .find(method, path.trim_end_matches('/'))
            .ok()
            .map(|m| m.op)
    }

    pub fn model(&self, name: Option<&str>) -> Option<&ModelInfo> {
        name.and_then(|n| self.models.get(n))
    }

    /// Serves one request the gateway let through.
    pub fn serve(&self, req: &Req) -> Answer {
        let matched = match self.router.find(req.method, &req.path) {
            Ok(m) => m,
            Err(_) => {
                // What Alma answers for a path it does not have (recorded: "Path not found
                // (/test/path)").
                return Answer::alma_error(
                    400,
                    req.format,
                    alma_runtime::GatewayError::InternalServerError.code(),
                    &format!("Path not found ({})", req.path),
                );
            }
        };
        let op = matched.op;
        self.counters.operation(op.spec.name);
        if let Err(a) = check_query(op, req) {
            return a;
        }
        let path = fill(op.path, &matched.params);
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(answer) =
            (self.behaviours.intercept)(self, &mut state, req, op, &matched.params, &path)
        {
            return answer;
        }
        if let Err(a) = self.parents_exist(&state.store, req, op, &matched.params) {
            return a;
        }
        let answer = match op.role {
            Role::List => self.list(&state.store, req, op, &matched.params, &path),
            Role::Create => self.create(&mut state, req, op, &matched.params, &path),
            Role::Read | Role::Act => self.read(&mut state, req, op, &matched.params, &path),
            Role::Update => self.update(&mut state, req, op, &matched.params, &path),
            Role::Delete => self.delete(&mut state, req, op, &matched.params, &path),
            Role::Get => self.get_thing(&state.store, req, op, &path),
            Role::Put => self.put_thing(&mut state.store, req, op, &path),
            Role::Remove => {
                state.store.remove(&path);
                Answer::empty(204)
            }
            Role::Post => self.post(req, op),
        };
        if req.method == Method::Put && answer.status < 300 {
            self.counters.put(&path);
        }
        // Success with no content where the operation's description says so (HTTP 204).
        if op.no_content && answer.status < 300 {
            return Answer::empty(204);
        }
        answer
    }

    /// Each path parameter but the record's own names a record that exists (or one of
    /// configuration, which always does).
    fn parents_exist(
        &self,
        store: &Store,
        req: &Req,
        op: &OperationInfo,
        params: &[(&'static str, String)],
    ) -> Result<(), Answer> {
        let own = matches!(
            op.role,
            Role::Read | Role::Update | Role::Delete | Role::Act
        );
        let n = params.len().saturating_sub(usize::from(own));
        for i in 0..n {
            let Some(template) = template_upto(op.path, i) else {
                break;
            };
            if is_wildcard(op, &params[i]) {
                continue;
            }
            let collection = store::split(template).0;
            if !self.creatable.contains(&crate::route::shape(collection)) {
                continue;
            }
            // A record others hang from exists (a seeded item's bib, though not recorded).
            let parent = fill(template, params);
            if !store.contains(&parent) && !store.has_children(&parent) {
                return Err(self.not_found(req, op, i, &params[i].1));
            }
        }
        Ok(())
    }

    /// Alma's error for path parameter `i` naming no record.
    pub fn not_found(&self, req: &Req, op: &OperationInfo, i: usize, id: &str) -> Answer {
        match op.not_found.get(i) {
            Some(n) => Answer::alma_error(400, req.format, n.code, &with_id(n.message, id)),
            None => refusal(req, op, &[], id),
        }
    }

    /// The record at `path` as the operation answers it.
    pub fn record_answer(
        &self,
        req: &Req,
        op: &OperationInfo,
        value: &Value,
        status: u16,
    ) -> Answer {
        let mut value = value.clone();
        (self.behaviours.before_answer)(self, op, &mut value);
        self.encode(req.format, op.response_model, &value, status, op)
    }

    /// `value` (Alma's JSON shape) in `format`, as `model` writes it; untyped answers as JSON
    /// or generic XML.
    pub fn encode(
        &self,
        format: Format,
        model: Option<&str>,
        value: &Value,
        status: u16,
        op: &OperationInfo,
    ) -> Answer {
        match self.model(model) {
            Some(m) => match m.from_value(value, format) {
                Ok(text) => Answer::new(status, format, text),
                Err(e) => Answer::alma_error(
                    500,
                    format,
                    "INTERNAL_SERVER_ERROR",
                    &format!("the record does not fit {}: {e}", m.name),
                ),
            },
            None => match format {
                Format::Json => Answer::new(status, Format::Json, value.to_string()),
                Format::Xml => {
                    let root = op
                        .items_key
                        .map(|k| format!("{k}s"))
                        .unwrap_or_else(|| "result".to_owned());
                    Answer::new(status, Format::Xml, generic_xml(&root, value))
                }
            },
        }
    }

    /// The body as the operation's request model reads it (Alma's JSON shape). Where the record
    /// it writes is the answer's model under the same element (`BibPut` and `Bib`, both
    /// `<bib>`), it is read as that record, so that the elements the request model leaves to its
    /// wildcard (`mms_id`, `title`, the MARC `record`) keep their places. JSON is refused where
    /// the operation takes XML only ("JSON is not supported").
    pub fn body_value(&self, req: &Req, op: &OperationInfo) -> Result<Value, Answer> {
        if req.body.is_empty() {
            return Ok(json!({}));
        }
        let format = req.body_format.unwrap_or(Format::Json);
        if op.spec.xml_only_body && format == Format::Json {
            return Err(refusal(
                req,
                op,
                &[],
                "JSON is not supported for this API: send the record in XML.",
            ));
        }
        let request = self.model(op.request_model);
        let record = self
            .model(op.response_model)
            .filter(|r| request.is_some_and(|q| q.xml_root == r.xml_root))
            .filter(|_| matches!(op.role, Role::Update | Role::Create));
        match record.or(request) {
            Some(m) => m.to_value(&req.body, format).map_err(|e| {
                refusal(
                    req,
                    op,
                    &[],
                    &format!("The body does not fit {}: {e}", m.name),
                )
            }),
            None => match format {
                Format::Json => serde_json::from_slice(&req.body)
                    .map_err(|e| refusal(req, op, &[], &format!("Not JSON: {e}"))),
                Format::Xml => Ok(Value::String(
                    String::from_utf8_lossy(&req.body).into_owned(),
                )),
            },
        }
    }

    fn list(
        &self,
        store: &Store,
        req: &Req,
        op: &OperationInfo,
        params: &[(&'static str, String)],
        path: &str,
    ) -> Answer {
        let limit = req
            .query("limit")
            .and_then(|l| l.parse::<usize>().ok())
            .unwrap_or(10)
            .min(100);
        let offset = req
            .query("offset")
            .and_then(|o| o.parse().ok())
            .unwrap_or(0);
        // Alma's searches: `q=field~value`, and parameters named like a field of the records
        // (`GET /bibs?mms_id=1,2`, comma-separated values).
        let mut conditions: Vec<(String, bool, String)> = Vec::new();
        if let Some(q) = req.query("q") {
            conditions.extend(Filter::parse(q).0);
        }
        let mut by_field: Vec<(String, Vec<String>)> = Vec::new();
        for p in op.params.iter().filter(|p| p.location == ParamIn::Query) {
            if matches!(
                p.name,
                "limit"
                    | "offset"
                    | "q"
                    | "view"
                    | "expand"
                    | "order_by"
                    | "direction"
                    | "lang"
                    | "format"
                    | "apikey"
            ) {
                continue;
            }
            let Some(value) = req.query(p.name) else {
                continue;
            };
            // Where the list's records hold it: the generator's decision.
            if let Some(path) = op.param_field(p.name) {
                by_field.push((
                    path.to_owned(),
                    value.split(',').map(|v| v.trim().to_owned()).collect(),
                ));
            }
        }
        let searched = !conditions.is_empty() || !by_field.is_empty();
        let filter = Filter(conditions);
        // Alma compares codes without regard to case (`loan_status=Active` finds `ACTIVE`).
        let fits = |v: &Value| {
            filter.matches(v)
                && by_field.iter().all(|(path, values)| {
                    store::text_at(v, path)
                        .is_some_and(|t| values.iter().any(|w| w.eq_ignore_ascii_case(&t)))
                })
        };
        // A parameter given its wildcard (`holding_id=ALL`) lists the records of every record
        // of its level.
        let collections = match wildcard_pattern(op, path, params) {
            Some(pattern) => store.collections_like(&pattern),
            None => vec![path.to_owned()],
        };
        let (items, total): (Vec<Value>, usize) = if !searched && collections.len() == 1 {
            let (items, total) = store.page(&collections[0], offset, limit);
            (items.into_iter().cloned().collect(), total)
        } else {
            {
                let all: Vec<&Value> = collections
                    .iter()
                    .flat_map(|c| store.all(c))
                    .map(|(_, v)| v)
                    .filter(|v| fits(v))
                    .collect();
                let total = all.len();
                (
                    all.into_iter().skip(offset).take(limit).cloned().collect(),
                    total,
                )
            }
        };
        let quirks = &self.config.quirks;
        let items = if quirks.empty_pages_at.contains(&(offset / limit.max(1))) {
            Vec::new()
        } else {
            items
        };
        let mut page = serde_json::Map::new();
        if let Some(key) = op.items_key {
            page.insert(key.to_owned(), Value::Array(items));
        }
        let total = match quirks.total {
            crate::config::TotalCount::Exact => Some(total as i64),
            crate::config::TotalCount::MinusOne => Some(-1),
            crate::config::TotalCount::Missing => None,
            crate::config::TotalCount::Wrong(n) => Some(n),
        };
        if let Some(total) = total {
            page.insert("total_record_count".into(), Value::from(total));
        }
        self.record_answer(req, op, &Value::Object(page), 200)
    }

    fn create(
        &self,
        state: &mut State,
        req: &Req,
        op: &OperationInfo,
        params: &[(&'static str, String)],
        collection: &str,
    ) -> Answer {
        let mut value = match self.body_value(req, op) {
            Ok(v) => v,
            Err(a) => return a,
        };
        let id = match op
            .record_id
            .or(Some("id"))
            .and_then(|p| store::text_at(&value, p))
        {
            Some(id) => id,
            None => {
                let param = self
                    .router
                    .item_param(collection_template(op))
                    .unwrap_or("");
                let id = new_id(&mut state.store, param, &self.config.institution);
                match op.record_id {
                    Some(p) => store::set_at(&mut value, p, Value::String(id.clone())),
                    // An unpublished record (a course): Alma's records carry their `id`.
                    None if value.is_object() => {
                        store::set_at(&mut value, "id", Value::String(id.clone()))
                    }
                    None => {}
                }
                id
            }
        };
        let path = format!("{collection}/{}", encode(&id));
        if state.store.contains(&path) {
            return refusal(
                req,
                op,
                &["exist"],
                &format!("A record with identifier {id} exists already."),
            );
        }
        self.link_parents(&mut value, op, params);
        (self.behaviours.before_write)(self, op, None, &mut value);
        state.store.put(&path, value.clone());
        (self.behaviours.changed)(self, "CREATED", &path, &value);
        self.record_answer(req, op, &value, 200)
    }

    /// Sets the parents' ids on a new record where its model has fields of their names (an
    /// item's `bib_data.mms_id`, a loan's `user_id`).
    fn link_parents(
        &self,
        value: &mut Value,
        op: &OperationInfo,
        params: &[(&'static str, String)],
    ) {
        for (name, id) in params {
            if let Some(path) = op.param_field(name) {
                if store::text_at(value, path).is_none() {
                    store::set_at(value, path, Value::String(id.clone()));
                }
            }
        }
    }

    fn read(
        &self,
        state: &mut State,
        req: &Req,
        op: &OperationInfo,
        params: &[(&'static str, String)],
        path: &str,
    ) -> Answer {
        (self.behaviours.before_read)(self, state, path);
        match state.store.get(path) {
            Some(v) => self.record_answer(req, op, v, 200),
            None => match self.implicit(op, params, path) {
                Some(v) => self.record_answer(req, op, &v, 200),
                None => self.not_found(
                    req,
                    op,
                    params.len().saturating_sub(1),
                    &params.last().map(|p| p.1.clone()).unwrap_or_default(),
                ),
            },
        }
    }

    /// A record of configuration (a collection no operation creates in): every id exists, as
    /// the institution's libraries and code tables do.
    fn implicit(
        &self,
        op: &OperationInfo,
        params: &[(&'static str, String)],
        path: &str,
    ) -> Option<Value> {
        let collection = store::split(op.path).0;
        if self.creatable.contains(&crate::route::shape(collection)) {
            return None;
        }
        let _ = path;
        let mut v = json!({});
        if let (Some(p), Some((_, id))) = (op.record_id, params.last()) {
            store::set_at(&mut v, p, Value::String(id.clone()));
        }
        Some(v)
    }

    fn update(
        &self,
        state: &mut State,
        req: &Req,
        op: &OperationInfo,
        params: &[(&'static str, String)],
        path: &str,
    ) -> Answer {
        let exists = state.store.contains(path) || self.implicit(op, params, path).is_some();
        if !exists {
            let i = params.len().saturating_sub(1);
            return self.not_found(req, op, i, &params[i].1);
        }
        let mut value = match self.body_value(req, op) {
            Ok(v) => v,
            Err(a) => return a,
        };
        // PUT swaps all: what the body leaves out is gone; the record keeps its id, and what
        // Alma sets is Alma's.
        if let (Some(p), Some((_, id))) = (op.record_id, params.last()) {
            if store::text_at(&value, p).is_none() {
                store::set_at(&mut value, p, Value::String(id.clone()));
            }
        }
        let stored = state.store.get(path).cloned();
        (self.behaviours.before_write)(self, op, stored.as_ref(), &mut value);
        state.store.put(path, value.clone());
        (self.behaviours.changed)(self, "UPDATED", path, &value);
        self.record_answer(req, op, &value, 200)
    }

    fn delete(
        &self,
        state: &mut State,
        req: &Req,
        op: &OperationInfo,
        params: &[(&'static str, String)],
        path: &str,
    ) -> Answer {
        let Some(value) = state.store.get(path).cloned() else {
            if self.implicit(op, params, path).is_some() {
                return Answer::empty(204);
            }
            let i = params.len().saturating_sub(1);
            return self.not_found(req, op, i, &params[i].1);
        };
        if state.store.has_children(path) && req.query("override") != Some("true") {
            // Alma refuses to delete a record others hang from (a bib with holdings).
            return refusal(
                req,
                op,
                &["delet"],
                "The record has records below it (override=true deletes them too).",
            );
        }
        let below: Vec<String> = state.store.paths_below(path);
        for p in below {
            state.store.remove(&p);
        }
        state.store.remove(path);
        (self.behaviours.changed)(self, "DELETED", path, &value);
        Answer::empty(204)
    }

    fn get_thing(&self, store: &Store, req: &Req, op: &OperationInfo, path: &str) -> Answer {
        let value = store.get(path).cloned().unwrap_or_else(|| json!({}));
        self.record_answer(req, op, &value, 200)
    }

    fn put_thing(&self, store: &mut Store, req: &Req, op: &OperationInfo, path: &str) -> Answer {
        let value = match self.body_value(req, op) {
            Ok(v) => v,
            Err(a) => return a,
        };
        store.put(path, value.clone());
        self.record_answer(req, op, &value, 200)
    }

    fn post(&self, req: &Req, op: &OperationInfo) -> Answer {
        let value = match self.body_value(req, op) {
            Ok(Value::String(_)) | Err(_) => json!({}),
            Ok(v) => v,
        };
        if op.has_response_body {
            self.record_answer(req, op, &value, 200)
        } else {
            Answer::empty(204)
        }
    }
}

/// The collection template a create operation adds to.
fn collection_template(op: &OperationInfo) -> &'static str {
    op.path
}

/// A new id for a record addressed by `param`: Alma's digits for ids, a code for codes.
pub fn new_id(store: &mut Store, param: &str, institution: &str) -> String {
    let suffix: String = institution
        .bytes()
        .map(|b| (b % 10 + b'0') as char)
        .take(4)
        .collect();
    let lower = param.to_ascii_lowercase();
    if lower.contains("code") || lower.ends_with("name") {
        return store.new_id("SIM", "");
    }
    let prefix = if lower.starts_with("mms") {
        "99"
    } else if lower.starts_with("holding") {
        "22"
    } else if lower.starts_with("item") || lower.ends_with("pid") {
        "23"
    } else {
        "1"
    };
    store.new_id(prefix, &suffix)
}

/// The documented message with the id in place of its `X` (`User with identifier X was not
/// found.`).
fn with_id(message: &str, id: &str) -> String {
    let mut out = Vec::new();
    let mut done = false;
    for w in message.split(' ') {
        let bare = w.trim_end_matches(['.', ',', ':', ';']);
        if !done && (bare == "X" || bare == "XXX") {
            out.push(format!("{id}{}", &w[bare.len()..]));
            done = true;
        } else {
            out.push(w.to_owned());
        }
    }
    out.join(" ")
}

/// Alma's refusal for `op`: its documented error whose message has all of `words` (lower case),
/// else its documented general error, else the general error most operations document; the
/// message's placeholder (`X`, `{description of the specific case}`) filled with `detail`, or
/// `detail` after it.
pub fn refusal(req: &Req, op: &OperationInfo, words: &[&str], detail: &str) -> Answer {
    answer_for(req, refusal_error(op, words), detail)
}

/// As [`refusal`], for a message that ends naming what was not found ("No items found for
/// barcode." → "No items found for barcode 123.", as Alma words it).
pub fn refusal_naming(req: &Req, op: &OperationInfo, words: &[&str], value: &str) -> Answer {
    let error = refusal_error(op, words);
    match error {
        Some(e) if !e.message.contains('{') && with_id(e.message, value) == e.message => {
            let message = format!("{} {value}.", e.message.trim_end().trim_end_matches('.'));
            Answer::alma_error(e.status.max(400), req.format, e.code, &message)
        }
        _ => answer_for(req, error, value),
    }
}

fn refusal_error(op: &OperationInfo, words: &[&str]) -> Option<ErrorInfo> {
    let has = |e: &ErrorInfo, ws: &[&str]| {
        let m = e.message.to_ascii_lowercase();
        ws.iter().all(|w| m.contains(w))
    };
    op.errors
        .iter()
        .find(|e| !words.is_empty() && has(e, words))
        .or_else(|| op.errors.iter().find(|e| has(e, &["general error"])))
        .copied()
        .or_else(|| alma_sdk::registry::refusal("general"))
}

/// A refusal of a kind many operations document (`missing`, `invalid`): the operation's own
/// code for it where it documents one, else the one most operations document.
fn refuse_as(req: &Req, op: &OperationInfo, kind: &str, detail: &str) -> Answer {
    answer_for(req, kind_error(op, kind), detail)
}

/// The operation's own documented error of a kind, else the one most operations document.
fn kind_error(op: &OperationInfo, kind: &str) -> Option<ErrorInfo> {
    let common = alma_sdk::registry::refusal(kind);
    let own = common.and_then(|c| {
        let words: Vec<String> = c
            .message
            .to_ascii_lowercase()
            .split(|ch: char| !ch.is_ascii_alphabetic())
            .filter(|w| w.len() > 3)
            .map(str::to_owned)
            .collect();
        op.errors.iter().copied().find(|e| {
            let m = e.message.to_ascii_lowercase();
            !words.is_empty() && words.iter().all(|w| m.contains(w.as_str()))
        })
    });
    own.or(common)
}

fn answer_for(req: &Req, error: Option<ErrorInfo>, detail: &str) -> Answer {
    match error {
        Some(e) => Answer::alma_error(
            e.status.max(400),
            req.format,
            e.code,
            &message_with(e.message, detail),
        ),
        None => Answer::alma_error(
            400,
            req.format,
            alma_runtime::GatewayError::InternalServerError.code(),
            detail,
        ),
    }
}

/// A documented message with its placeholder filled: `{…}` or a lone `X` (`Mandatory field
/// is missing: X.`) becomes `detail`; a message without one is followed by it.
fn message_with(message: &str, detail: &str) -> String {
    if let (Some(open), Some(close)) = (message.find('{'), message.find('}')) {
        if open < close {
            return format!("{}{detail}{}", &message[..open], &message[close + 1..]);
        }
    }
    let filled = with_id(message, detail);
    if filled != message || detail.is_empty() {
        return filled;
    }
    format!("{} {detail}", message.trim_end())
}

/// Whether a path parameter's value is its documented wildcard (`holding_id=ALL`).
fn is_wildcard(op: &OperationInfo, (name, value): &(&'static str, String)) -> bool {
    op.param(name)
        .and_then(|p| p.wildcard)
        .is_some_and(|w| w == value)
}

/// For a path with a parameter at its wildcard: the pattern of the collections it stands for
/// (`/bibs/1/holdings/*/items`).
fn wildcard_pattern(
    op: &OperationInfo,
    path: &str,
    params: &[(&'static str, String)],
) -> Option<String> {
    if !params.iter().any(|p| is_wildcard(op, p)) {
        return None;
    }
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    for (t, seg) in op.path.split('/').zip(path.split('/')) {
        if t.starts_with('{') {
            let wild = params.get(i).is_some_and(|p| is_wildcard(op, p));
            out.push(if wild { "*".into() } else { seg.to_owned() });
            i += 1;
        } else {
            out.push(seg.to_owned());
        }
    }
    Some(out.join("/"))
}

/// Query and header parameters as the IR reconciled them from Alma's prose: required ones
/// present, the choices respected (one of an either/or group, what the chosen `op` needs),
/// integers, booleans and enumerated values as documented.
fn check_query(op: &OperationInfo, req: &Req) -> Result<(), Answer> {
    for p in op.params.iter().filter(|p| p.location != ParamIn::Path) {
        let Some(value) = req.param(op, p.name) else {
            if p.required {
                return Err(refuse_as(req, op, "missing", p.name));
            }
            continue;
        };
        if p.secret {
            continue;
        }
        let ok = p.ty.accepts(&value);
        if !ok {
            // Alma's own wording, recorded: "The parameter item_pid is invalid. Received:
            // 23258799999906421." (the code is the documented one).
            let message = format!("The parameter {} is invalid. Received: {value}.", p.name);
            return Err(match kind_error(op, "invalid") {
                Some(e) => Answer::alma_error(e.status.max(400), req.format, e.code, &message),
                None => answer_for(req, None, &message),
            });
        }
    }
    match op.check_choices(&|name| req.param(op, name)) {
        // A parameter "only relevant" with another way is ignored, not refused: almapy 9.3.1,
        // written against real Alma, sends `done=false` with `circ_desk` on every scan-in.
        Err(ChoiceViolation::NotWith { .. }) => Ok(()),
        other => other,
    }
    .map_err(|v| match v {
        ChoiceViolation::Neither { members } => {
            refuse_as(req, op, "missing", &members.join(" or "))
        }
        ChoiceViolation::Missing { param, .. } => refuse_as(req, op, "missing", param),
        // The operation's own code for a parameter it refuses where it documents one, else
        // its documented general error, else the one most operations document.
        other => refusal(req, op, &["parameter"], &other.to_string()),
    })
}

/// `q=field~value` (contains) or `field=value` (equals), joined by ` AND `: Alma's list
/// search, over a record's fields at any depth.
pub struct Filter(Vec<(String, bool, String)>);

impl Filter {
    pub fn parse(q: &str) -> Filter {
        Filter(
            q.split(" AND ")
                .filter_map(|part| {
                    let (k, contains, v) = match part.split_once('~') {
                        Some((k, v)) => (k, true, v),
                        None => {
                            let (k, v) = part.split_once('=')?;
                            (k, false, v)
                        }
                    };
                    Some((k.trim().to_owned(), contains, v.trim().to_ascii_lowercase()))
                })
                .collect(),
        )
    }

    pub fn matches(&self, record: &Value) -> bool {
        self.0.iter().all(|(field, contains, want)| {
            let mut found = false;
            visit(record, &mut |k, v| {
                if k == field {
                    let text = match v {
                        Value::String(s) => s.to_ascii_lowercase(),
                        Value::Object(o) => o
                            .get("value")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_ascii_lowercase(),
                        other => other.to_string().to_ascii_lowercase(),
                    };
                    found |= if *contains {
                        text.contains(want)
                    } else {
                        text == *want
                    };
                }
            });
            found
        })
    }
}

fn visit(v: &Value, f: &mut dyn FnMut(&str, &Value)) {
    match v {
        Value::Object(o) => {
            for (k, c) in o {
                f(k, c);
                visit(c, f);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| visit(i, f)),
        _ => {}
    }
}

/// Alma's JSON shape as plain XML, for answers without a published schema.
pub fn generic_xml(root: &str, v: &Value) -> String {
    fn write(out: &mut String, name: &str, v: &Value) {
        match v {
            Value::Null => {}
            Value::Array(items) => items.iter().for_each(|i| write(out, name, i)),
            Value::Object(o) => {
                out.push('<');
                out.push_str(name);
                out.push('>');
                for (k, c) in o {
                    write(out, k, c);
                }
                out.push_str("</");
                out.push_str(name);
                out.push('>');
            }
            scalar => {
                let text = match scalar {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                out.push_str(&format!("<{name}>{}</{name}>", escape(&text)));
            }
        }
    }
    if let Value::String(s) = v {
        if s.trim_start().starts_with('<') {
            return s.clone();
        }
    }
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>");
    write(&mut out, root, v);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_fill_and_cut() {
        let t = "/almaws/v1/users/{user_id}/loans/{loan_id}";
        assert_eq!(template_upto(t, 0), Some("/almaws/v1/users/{user_id}"));
        assert_eq!(template_upto(t, 1), Some(t));
        assert_eq!(
            fill(t, &[("user_id", "j doe".into()), ("loan_id", "1".into())]),
            "/almaws/v1/users/j%20doe/loans/1"
        );
        assert_eq!(
            with_id("User with identifier X was not found.", "jdoe"),
            "User with identifier jdoe was not found."
        );
    }

    #[test]
    fn list_filters() {
        let f = Filter::parse("primary_id~do AND status=active");
        assert!(f.matches(&json!({"primary_id": "jdoe", "status": {"value": "ACTIVE"}})));
        assert!(!f.matches(&json!({"primary_id": "jdoe", "status": {"value": "INACTIVE"}})));
    }
}
