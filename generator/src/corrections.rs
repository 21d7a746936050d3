//! Which of our corrections (`specs/corrections.toml`) no longer match anything: reported by
//! `cargo xtask codegen` so that an entry goes once Ex Libris fixes the spec it works around.
//!
//! The corrections themselves are applied where they take effect: path rewrites and the default
//! rules while lowering operations (`lower/`), derived lists while loading (`source.rs`),
//! parameter values in the `param_values` pass (`lower/param_values.rs`).

use crate::config::Config;
use crate::ir::Api;
use crate::source::{DocId, Store};

/// Operation `key` (`METHOD path` as written upstream) of `area`.
fn operation<'a>(api: &'a Api, area: &str, key: &str) -> Option<&'a crate::ir::Operation> {
    api.areas
        .iter()
        .filter(|a| a.name == area)
        .flat_map(|a| &a.operations)
        .find(|op| op.key() == key)
}

/// A human line per correction that matched nothing in this generation.
pub fn stale(config: &Config, store: &Store, api: &Api) -> Vec<String> {
    let mut out = Vec::new();
    for e in &config.corrections.param_values.explicit {
        let matched: Vec<_> = api
            .areas
            .iter()
            .filter(|a| a.name == e.area)
            .flat_map(|a| &a.operations)
            .flat_map(|op| op.params.iter().map(move |p| (op, p)))
            .filter(|(op, p)| crate::lower::explicit_values_apply(e, &e.area, op, p))
            .collect();
        let read_now = !matched.is_empty()
            && matched.iter().all(|(_, p)| {
                !p.schema_enum.is_empty()
                    || p.description
                        .as_deref()
                        .and_then(crate::lower::values_in_description)
                        .is_some()
            });
        if matched.is_empty() {
            out.push(format!(
                "[[param_values.explicit]] {} {:?}: no operation has this parameter any more",
                e.area, e.param
            ));
        } else if read_now {
            out.push(format!(
                "[[param_values.explicit]] {} {:?}: the spec states the values in a form the generator reads now",
                e.area, e.param
            ));
        }
    }
    for c in &config.corrections.read_only {
        let op = operation(api, &c.area, &c.operation);
        match op {
            None => out.push(format!(
                "[[read_only]] {} {}: no such operation any more",
                c.area, c.operation
            )),
            Some(op) if !crate::lower::read_only_applies(c, &c.area, op) => out.push(format!(
                "[[read_only]] {} {}: its description no longer says what the entry quotes (not applied: the operation is a write for read-only keys)",
                c.area, c.operation
            )),
            Some(op) if !op.params.iter().any(|p| p.name == c.param) => out.push(format!(
                "[[read_only]] {} {}: no parameter {:?} any more",
                c.area, c.operation, c.param
            )),
            Some(_) => {}
        }
    }
    for c in &config.corrections.responses {
        if !store.responses_corrected.contains(&c.operation) {
            out.push(format!(
                "[[response]] {} {}: the operation no longer answers with {} (not applied)",
                c.area, c.operation, c.from
            ));
        }
    }
    for c in &config.corrections.errors {
        // With `--areas`, another area's entries are not stale.
        let generated = api.areas.iter().any(|a| a.name == c.area);
        if generated && operation(api, &c.area, &c.operation).is_none() {
            out.push(format!(
                "[[error]] {} {}: no such operation any more",
                c.area, c.operation
            ));
        }
    }
    for c in &config.corrections.prose {
        let op = operation(api, &c.area, &c.operation);
        match op {
            None => out.push(format!(
                "[[prose]] {} {}: no such operation any more",
                c.area, c.operation
            )),
            Some(op) if !op.params.iter().any(|p| p.name == c.param) => out.push(format!(
                "[[prose]] {} {}: no parameter {:?} any more",
                c.area, c.operation, c.param
            )),
            Some(op) if !op.prose.iter().any(|d| d.correction && d.param.as_deref() == Some(c.param.as_str())) => out.push(format!(
                "[[prose]] {} {} {:?}: the descriptions no longer say what the entry quotes (not applied)",
                c.area, c.operation, c.param
            )),
            Some(_) => {}
        }
    }
    for o in &store.overlays {
        for op in &o.upstream_has {
            out.push(format!(
                "[[overlay]] {}: the spec has {op} itself now (upstream's is used)",
                o.file
            ));
        }
        if !o.quote_found {
            out.push(format!(
                "[[overlay]] {}: the spec no longer says what the overlay quotes; check the addition",
                o.file
            ));
        }
    }
    for c in &config.corrections.paths {
        let id = DocId::Area(c.area.clone());
        let present = store
            .doc(&id)
            .and_then(|d| d.value.get("paths"))
            .and_then(|p| p.as_object())
            .is_some_and(|p| p.contains_key(&c.from));
        if !present {
            out.push(format!(
                "[[path]] {} {:?}: no such path in the spec any more",
                c.area, c.from
            ));
        }
    }
    // Derived lists are not tied to an area: with `--areas`, one the chosen areas do not use is
    // not stale.
    if let Some(d) = config
        .corrections
        .derived_lists
        .as_ref()
        .filter(|_| !config.subset)
    {
        for list in d.lists.keys() {
            if !store.derived.contains(&DocId::Schema(list.clone())) {
                out.push(format!(
                    "[derived_lists.lists] {list}: not derived (its schema is published now, or no spec refers to it)"
                ));
            }
        }
    }
    out
}
