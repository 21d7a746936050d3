//! Which of our corrections (`specs/corrections.toml`) no longer match anything: reported by
//! `cargo xtask codegen` so that an entry goes once Ex Libris fixes the spec it works around.
//!
//! The corrections themselves are applied where they take effect: path rewrites and the default
//! rules while lowering operations (`lower/`), derived lists while loading (`source.rs`).

use crate::config::Config;
use crate::source::{DocId, Store};

/// A human line per correction that matched nothing in this generation.
pub fn stale(config: &Config, store: &Store) -> Vec<String> {
    let mut out = Vec::new();
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
    if let Some(d) = &config.corrections.derived_lists {
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
