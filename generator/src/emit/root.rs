//! Crate-level files: `Cargo.toml`, `src/lib.rs`, and each area's `mod.rs`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::header;
use crate::ir::{Api, Area};
use crate::write::File;

pub fn cargo_toml(api: &Api) -> File {
    let names: Vec<&str> = api.areas.iter().map(|a| a.name.as_str()).collect();
    let mut s = header(api, "#");
    s.push_str(&format!(
        "\n[package]\nname = \"{}\"\n# Follows CHANGES.md: a breaking change bumps the minor version (0.x), an additive one the\n# patch (`cargo xtask codegen` writes it).\nversion = \"{}\"\n",
        api.crate_name, api.crate_version
    ));
    s.push_str(
        r#"description = "Typed client for the Ex Libris Alma REST APIs, generated from the OpenAPI specs"
edition.workspace = true
license.workspace = true
rust-version.workspace = true
repository.workspace = true
readme = "README.md"
keywords = ["alma", "ex-libris", "library", "openapi", "sdk"]
categories = ["api-bindings", "web-programming::http-client"]
# Nothing else stands in the way: `cargo package` builds it from its packaged files in CI.
publish = false

[package.metadata.docs.rs]
all-features = true
rustdoc-args = ["--cfg", "docsrs"]

[features]
"#,
    );
    s.push_str(&format!(
        "default = [\"client\", {}]\n",
        names
            .iter()
            .map(|n| format!("\"{n}\""))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    s.push_str(
        "# The HTTP client (reqwest, rustls, tokio): `Client`, every operation, pagination, limits.\n\
         # Without it: the models (JSON and XML), the parameter and error-code enums, the webhook\n\
         # payloads and `runtime::webhooks::Webhooks`.\nclient = [\"alma-runtime/client\"]\n",
    );
    for n in &names {
        s.push_str(&format!("{n} = []\n"));
    }
    s.push_str(&format!(
        "# `{}::registry`: every model and operation by name, for tools and tests.\nregistry = []\n",
        api.crate_ident()
    ));
    s.push_str(
        "# Share the institution's rate limit and daily quota across processes through Redis\n\
         # (`ClientBuilder::redis`, `ALMA_REDIS_URL`).\nredis = [\"client\", \"alma-runtime/redis\"]\n",
    );
    s.push_str(
        r#"
[dependencies]
alma-runtime = { workspace = true }
serde = { workspace = true }
serde_json = { workspace = true }
"#,
    );
    File {
        path: "Cargo.toml".into(),
        contents: s,
    }
}

/// The licence files the crate is published with (the project's own, copied).
pub fn licence_files() -> Vec<File> {
    vec![
        File {
            path: "LICENSE-APACHE".into(),
            contents: include_str!("../../../LICENSE-APACHE").into(),
        },
        File {
            path: "LICENSE-MIT".into(),
            contents: include_str!("../../../LICENSE-MIT").into(),
        },
    ]
}

pub fn lib_rs(api: &Api) -> TokenStream {
    let mut intro = vec![
        "Typed client for the Ex Libris **Alma REST APIs**, generated from the published OpenAPI specs.".to_string(),
        String::new(),
        "```no_run".to_string(),
    ];
    intro.extend(example_lines(api));
    intro.extend([
        "```".to_string(),
        String::new(),
        "Each API area is a module and a cargo feature (all on by default):".to_string(),
        String::new(),
    ]);
    let mut mods = Vec::new();
    let mut accessors = Vec::new();
    for area in &api.areas {
        let ops = area.operations.len();
        let m = format_ident!("{}", area.name);
        let feat = &area.name;
        if area.webhook.is_some() {
            intro.push(format!(
                "- `{}` — {}: payloads and the event enum (no operations)",
                area.name, area.title
            ));
            mods.push(quote! {
                #[cfg(feature = #feat)]
                pub mod #m;
            });
            continue;
        }
        intro.push(format!(
            "- `{}` — {} ({ops} operations)",
            area.name, area.title
        ));
        let api_ty = format_ident!("{}", area_type(area));
        let doc = format!(" The {} API ({ops} operations).", area.title);
        mods.push(quote! {
            #[cfg(feature = #feat)]
            pub mod #m;
        });
        accessors.push(quote! {
            #[doc = #doc]
            #[cfg(feature = #feat)]
            #[inline]
            pub fn #m(&self) -> #m::#api_ty {
                #m::#api_ty::new(self.inner.clone())
            }
        });
    }
    // `shared` exists when some model is used by several areas, and is compiled when any of
    // those areas is.
    let shared_areas: std::collections::BTreeSet<String> = api
        .models
        .values()
        .filter(|m| m.areas.len() > 1)
        .flat_map(|m| m.areas.iter().cloned())
        .collect();
    let shared_mod = (!shared_areas.is_empty()).then(|| {
        let cfg = super::cfg_areas(&shared_areas.into_iter().collect::<Vec<_>>());
        quote! {
            /// Models used by more than one area.
            #cfg
            pub mod shared;
        }
    });
    let models_mod = stable_models(api);
    let intro = intro.iter().map(|l| {
        if l.is_empty() {
            String::new()
        } else {
            format!(" {l}")
        }
    });
    quote! {
        #( #![doc = #intro] )*
        #![allow(clippy::too_many_arguments, clippy::large_enum_variant)]
        #![warn(missing_docs)]
        #![cfg_attr(docsrs, feature(doc_cfg))]

        pub use alma_runtime as runtime;
        pub use alma_runtime::{CodeValue, Error, Extra, Format, RawBody, Region};
        #[cfg(feature = "client")]
        pub use alma_runtime::{ApiKeyMode, ClientBuilder, Response};

        #(#mods)*

        #shared_mod

        #models_mod

        #[cfg(feature = "registry")]
        pub mod registry;

        /// The Alma API client: one accessor per area (`client.users()`, `client.bibs()`, …).
        ///
        /// Cheap to clone; clones share the connection pool and configuration.
        #[cfg(feature = "client")]
        #[derive(Debug, Clone)]
        pub struct Client {
            inner: alma_runtime::Client,
        }

        #[cfg(feature = "client")]
        impl Client {
            /// Wraps a configured runtime client.
            pub fn new(inner: alma_runtime::Client) -> Self {
                Client { inner }
            }

            /// A builder for a client: API key, region, format, language, timeouts.
            pub fn builder() -> alma_runtime::ClientBuilder<Client> {
                alma_runtime::ClientBuilder::new()
            }

            /// A client configured from `ALMA_API_KEY`, `ALMA_REGION`, `ALMA_BASE_URL`,
            /// `ALMA_FORMAT` and `ALMA_LANG`.
            pub fn from_env() -> Result<Client, Error> {
                alma_runtime::ClientBuilder::<Client>::from_env()?.build()
            }

            /// The runtime client underneath.
            pub fn runtime(&self) -> &alma_runtime::Client {
                &self.inner
            }

            #(#accessors)*
        }

        #[cfg(feature = "client")]
        impl From<alma_runtime::Client> for Client {
            fn from(inner: alma_runtime::Client) -> Self {
                Client { inner }
            }
        }
    }
}

/// `UsersApi` for area `users`.
pub fn area_type(area: &Area) -> String {
    format!("{}Api", crate::naming::type_ident(&area.name))
}

pub fn area_mod(area: &Area) -> TokenStream {
    if area.webhook.is_some() {
        let lines = [
            format!(
                "{}: the payloads of Alma's webhook calls and their [`Event`] enum.",
                area.title
            ),
            String::new(),
            format!(
                "Generated from `{}`. Verify and decode a call with \
                 [`Webhooks`](crate::runtime::webhooks::Webhooks).",
                area.spec_file
            ),
        ];
        let docs = lines.iter().map(|l| format!(" {l}"));
        return quote! {
            #( #![doc = #docs] )*

            mod events;
            pub mod models;

            pub use events::*;
        };
    }
    let typed = area.operations.iter().filter(|o| o.is_typed()).count();
    let lines = [
        format!(
            "{} ({} operations, {typed} with typed bodies).",
            area.title,
            area.operations.len()
        ),
        String::new(),
        format!(
            "Generated from `{}`. Start from [`{}`].",
            area.spec_file,
            area_type(area)
        ),
    ];
    let docs = lines.iter().map(|l| format!(" {l}"));
    quote! {
        #( #![doc = #docs] )*

        mod enums;
        pub mod models;
        #[cfg(feature = "client")]
        mod operations;

        pub use enums::*;
        #[cfg(feature = "client")]
        pub use operations::*;
    }
}

/// The crate docs' example: a client from the environment and the IR's example call.
pub fn example_lines(api: &Api) -> Vec<String> {
    let krate = api.crate_ident();
    let mut lines = vec![
        format!("# async fn demo() -> Result<(), {krate}::Error> {{"),
        format!("let client = {krate}::Client::from_env()?; // ALMA_API_KEY, ALMA_REGION, …"),
    ];
    if let Some(e) = &api.doc_example {
        lines.push(format!(
            "let answer = client.{}().{}(\"…\").send().await?;",
            e.area, e.operation
        ));
        lines.push(
            "println!(\"{:?} (calls left today: {:?})\", answer.value, answer.remaining);".into(),
        );
    }
    lines.push("# Ok(()) }".into());
    lines
}

/// `alma_sdk::models::X` for every model: the one import path that does not change when a model
/// moves between `<area>::models` and `shared` (which happens when another area starts using
/// it; `CHANGES.md` reports such moves).
fn stable_models(api: &crate::ir::Api) -> proc_macro2::TokenStream {
    let uses = api.models.values().map(|m| {
        let path = super::models::model_path(api, &m.id);
        let cfg = super::cfg_areas(&m.areas);
        quote! { #cfg pub use #path; }
    });
    quote! {
        /// Every model under one path that stays the same whichever areas use it
        /// (`alma_sdk::models::User`); each is defined in its area's `models` module, or in
        /// `shared` when several areas use it.
        pub mod models {
            #(#uses)*
        }
    }
}
