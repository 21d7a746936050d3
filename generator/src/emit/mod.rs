//! IR → Rust source files of the `alma-sdk` crate. Tokens are built with `quote`, parsed by `syn`
//! and printed by `prettyplease`, so the output is formatted and deterministic.

mod conformance;
mod docs;
mod models;
mod operations;
mod registry;
mod root;
mod webhooks;

use proc_macro2::TokenStream;
use quote::quote;

use crate::error::{Error, Result};
use crate::ir::{Api, Model};
use crate::write::File;

pub use docs::sanitize;
pub use root::example_lines;

/// Which crate a printed file belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Crate {
    /// `generated/` (alma-sdk).
    Sdk,
    /// `sdk-tests/`.
    Tests,
}

/// A file to print: its crate, its path there and the function building its tokens.
type Job<'a> = (Crate, String, Box<dyn Fn() -> TokenStream + Sync + 'a>);

/// Every generated file of the crate except the report (see [`crate::report`]), and the
/// generated files of the hand-written test crate `sdk-tests/` (the conformance calls, which only
/// the conformance suite compiles).
pub fn emit(api: &Api) -> Result<(Vec<File>, Vec<File>)> {
    let mut jobs: Vec<Job<'_>> = vec![
        (
            Crate::Tests,
            "src/conformance.rs".into(),
            Box::new(|| conformance::conformance_rs(api)),
        ),
        (
            Crate::Sdk,
            "src/lib.rs".into(),
            Box::new(|| root::lib_rs(api)),
        ),
        (
            Crate::Sdk,
            "src/registry.rs".into(),
            Box::new(|| registry::registry_rs(api)),
        ),
    ];
    let shared: Vec<&Model> = api.models.values().filter(|m| m.areas.len() > 1).collect();
    if !shared.is_empty() {
        jobs.push((
            Crate::Sdk,
            "src/shared.rs".into(),
            Box::new(move || models::shared_module(api, &shared)),
        ));
    }
    for area in &api.areas {
        let own: Vec<&Model> = api
            .models
            .values()
            .filter(|m| m.areas.len() == 1 && m.areas[0] == area.name)
            .collect();
        jobs.push((
            Crate::Sdk,
            format!("src/{}/mod.rs", area.name),
            Box::new(|| root::area_mod(area)),
        ));
        jobs.push((
            Crate::Sdk,
            format!("src/{}/models.rs", area.name),
            Box::new(move || models::area_models(api, area, &own)),
        ));
        match &area.webhook {
            Some(w) => jobs.push((
                Crate::Sdk,
                format!("src/{}/events.rs", area.name),
                Box::new(move || webhooks::events_rs(api, area, w)),
            )),
            None => {
                jobs.push((
                    Crate::Sdk,
                    format!("src/{}/operations.rs", area.name),
                    Box::new(|| operations::area_operations(api, area)),
                ));
                jobs.push((
                    Crate::Sdk,
                    format!("src/{}/enums.rs", area.name),
                    Box::new(|| operations::area_enums(area)),
                ));
            }
        }
    }
    let mut files = vec![root::cargo_toml(api), rustfmt_toml(api)];
    files.extend(root::licence_files());
    let mut tests = Vec::new();
    for (krate, f) in print_all(api, jobs)? {
        match krate {
            Crate::Sdk => files.push(f),
            Crate::Tests => tests.push(f),
        }
    }
    Ok((files, tests))
}

/// Builds and prints the files on every core: parsing and pretty-printing are most of a
/// generation's time. The output does not depend on the scheduling (each file is printed alone
/// and the results keep the jobs' order).
fn print_all(api: &Api, jobs: Vec<Job<'_>>) -> Result<Vec<(Crate, File)>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut done: Vec<(usize, Crate, Result<File>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads.min(jobs.len()))
            .map(|_| {
                scope.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some((krate, path, build)) = jobs.get(i) else {
                            break;
                        };
                        out.push((i, *krate, rust_file(api, path, build())));
                    }
                    out
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    done.sort_by_key(|(i, _, _)| *i);
    done.into_iter()
        .map(|(_, k, f)| f.map(|f| (k, f)))
        .collect()
}

/// `rustfmt.toml`: the crate is formatted by prettyplease, and `cargo fmt` leaves it alone.
fn rustfmt_toml(api: &Api) -> File {
    File {
        path: "rustfmt.toml".into(),
        contents: format!(
            "{}
# Formatted by the generator (prettyplease); rustfmt leaves it alone.
disable_all_formatting = true
",
            header(api, "#")
        ),
    }
}

/// The DO NOT EDIT header every generated file starts with.
pub fn header(api: &Api, comment: &str) -> String {
    format!(
        "{comment} DO NOT EDIT. Generated by alma-codegen {} (`cargo xtask codegen`).\n{comment} Spec inputs sha256: {}\n",
        api.generator_version, api.spec_sha256
    )
}

fn rust_file(api: &Api, path: &str, tokens: TokenStream) -> Result<File> {
    let parsed: syn::File = syn::parse2(tokens).map_err(|e| Error::Emit {
        file: path.to_string(),
        message: e.to_string(),
    })?;
    let body = prettyplease::unparse(&parsed);
    Ok(File {
        path: path.to_string(),
        contents: format!("{}\n{body}", header(api, "//")),
    })
}

/// `#[doc = "…"]` attributes for an optional text.
pub(crate) fn doc_attr(text: Option<&str>) -> TokenStream {
    match text {
        Some(t) if !t.trim().is_empty() => {
            let t = sanitize(t);
            let lines = t.lines().map(|l| format!(" {l}"));
            quote! { #( #[doc = #lines] )* }
        }
        _ => quote! {},
    }
}

/// `#[doc = "…"]` for already-sanitized Markdown lines.
pub(crate) fn doc_lines(lines: &[String]) -> TokenStream {
    let lines = lines.iter().map(|l| {
        if l.is_empty() {
            String::new()
        } else {
            format!(" {l}")
        }
    });
    quote! { #( #[doc = #lines] )* }
}

/// `#[cfg(...)]` enabling an item when any of `areas`' features is on.
pub(crate) fn cfg_areas(areas: &[String]) -> TokenStream {
    match areas {
        [one] => quote! { #[cfg(feature = #one)] },
        many => quote! { #[cfg(any(#(feature = #many),*))] },
    }
}
