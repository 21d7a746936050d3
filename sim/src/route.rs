//! Routing by method and path template, over every operation of the SDK's registry (generated
//! from the IR: a new operation in the specs is a new route after `cargo xtask codegen`).

use alma_runtime::registry::OperationInfo;
use alma_runtime::Method;

#[derive(Debug)]
enum Seg {
    Lit(&'static str),
    Param(&'static str),
}

struct Route {
    method: Method,
    segments: Vec<Seg>,
    /// Literal segments: the more, the more specific (`/users/ME` before `/users/{user_id}`).
    literals: usize,
    op: &'static OperationInfo,
}

/// Every operation's route.
pub struct Router {
    routes: Vec<Route>,
    /// Collection template → the parameter its records are addressed by.
    item_params: std::collections::HashMap<String, &'static str>,
}

/// The registry's method of an HTTP method (Alma has no others).
pub fn method_of(m: &hyper::Method) -> Option<Method> {
    Some(match *m {
        hyper::Method::GET => Method::Get,
        hyper::Method::POST => Method::Post,
        hyper::Method::PUT => Method::Put,
        hyper::Method::DELETE => Method::Delete,
        _ => return None,
    })
}

/// A matched request: the operation and its path parameters (decoded).
pub struct Matched {
    pub op: &'static OperationInfo,
    pub params: Vec<(&'static str, String)>,
}

impl Router {
    pub fn new(ops: &[&'static OperationInfo]) -> Router {
        let mut routes: Vec<Route> = ops
            .iter()
            .map(|op| {
                let segments: Vec<Seg> = op
                    .path
                    .trim_matches('/')
                    .split('/')
                    .map(
                        |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                            Some(p) => Seg::Param(p),
                            None => Seg::Lit(s),
                        },
                    )
                    .collect();
                let literals = segments.iter().filter(|s| matches!(s, Seg::Lit(_))).count();
                Route {
                    method: op.method,
                    segments,
                    literals,
                    op,
                }
            })
            .collect();
        // Most specific first, so the first match wins.
        routes.sort_by(|a, b| {
            b.literals
                .cmp(&a.literals)
                .then(a.segments.len().cmp(&b.segments.len()))
        });
        let mut item_params = std::collections::HashMap::new();
        for op in ops {
            if let Some((collection, last)) = op.path.rsplit_once('/') {
                if let Some(p) = last.strip_prefix('{').and_then(|l| l.strip_suffix('}')) {
                    item_params.entry(shape(collection)).or_insert(p);
                }
            }
        }
        Router {
            routes,
            item_params,
        }
    }

    /// The parameter the records of the collection `template` are addressed by (`user_id`).
    pub fn item_param(&self, template: &str) -> Option<&'static str> {
        self.item_params.get(&shape(template)).copied()
    }

    /// The operation `method path` calls, or `Err(true)` when the path exists with other
    /// methods, `Err(false)` when no operation has it.
    pub fn find(&self, method: Method, path: &str) -> Result<Matched, bool> {
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        let mut path_known = false;
        for r in &self.routes {
            if r.segments.len() != parts.len() {
                continue;
            }
            let fits = r.segments.iter().zip(&parts).all(|(s, p)| match s {
                Seg::Lit(l) => l == p,
                Seg::Param(_) => !p.is_empty(),
            });
            if !fits {
                continue;
            }
            if r.method != method {
                path_known = true;
                continue;
            }
            let params = r
                .segments
                .iter()
                .zip(&parts)
                .filter_map(|(s, p)| match s {
                    Seg::Param(name) => Some((*name, decode(p))),
                    Seg::Lit(_) => None,
                })
                .collect();
            return Ok(Matched { op: r.op, params });
        }
        Err(path_known)
    }
}

/// A percent-encoded path segment, decoded.
pub fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A path segment, percent-encoded (what the record's path in the store uses): the runtime's.
pub use alma_runtime::path::encode_segment as encode;

/// A path template with its parameters' names left out (`/items/{}/loans`): upstream names one
/// segment differently in sibling paths (`{item_id}`, `{item_pid}`).
pub fn shape(template: &str) -> String {
    template
        .split('/')
        .map(|s| if s.starts_with('{') { "{}" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

/// The GET of one record of the list at `list` (`/users` → `/users/{user_id}`), by shape:
/// sibling paths name one parameter differently (`{item_id}`, `{item_pid}`).
pub fn read_below(list: &str) -> Option<&'static OperationInfo> {
    let list_shape = shape(list);
    alma_sdk::registry::all().into_iter().find(|o| {
        o.role == alma_runtime::registry::Role::Read
            && shape(o.path)
                .strip_prefix(&list_shape)
                .is_some_and(|r| r == "/{}")
    })
}
