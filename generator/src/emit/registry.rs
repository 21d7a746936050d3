//! `src/registry.rs`: every model and operation by name, for tools (round trips, fixture checks,
//! conformance). Entries are gated on their area features.

use proc_macro2::TokenStream;
use quote::quote;

use super::models::model_path;
use crate::ir::{Api, BodyType, HttpMethod, ModelKind};

pub fn registry_rs(api: &Api) -> TokenStream {
    // A webhook call's payload is a body too (sent by Alma to the listener).
    let bodies: std::collections::BTreeSet<&str> = api
        .operation_bodies()
        .chain(
            api.areas
                .iter()
                .filter_map(|a| a.webhook.as_ref())
                .map(|w| &w.model),
        )
        .map(String::as_str)
        .collect();
    let models = api
        .models
        .values()
        // Body models only: each entry compiles the model's four codecs, and nested models are
        // reached through their parents anyway.
        .filter(|m| matches!(m.kind, ModelKind::Struct { .. }) && bodies.contains(m.id.as_str()))
        .map(|m| {
            let path = model_path(api, &m.id);
            let cfg = super::cfg_areas(&m.areas);
            quote! {
                #cfg
                v.push(ModelInfo::of::<#path>());
            }
        });
    let ops = api.areas.iter().flat_map(|area| {
        area.operations.iter().map(move |op| {
            let feat = &area.name;
            let name = &op.name;
            let path = &op.path;
            let spec_path = &op.spec_path;
            let method = match op.method {
                HttpMethod::Get => quote! { Method::Get },
                HttpMethod::Post => quote! { Method::Post },
                HttpMethod::Put => quote! { Method::Put },
                HttpMethod::Delete => quote! { Method::Delete },
            };
            let model_of = |b: &Option<crate::ir::Body>| match b.as_ref().map(|b| &b.ty) {
                Some(BodyType::Model(id)) => {
                    let n = &api.models[id].name;
                    quote! { Some(#n) }
                }
                _ => quote! { None },
            };
            let req = model_of(&op.request);
            let resp = model_of(&op.response);
            let has_req = op.request.is_some();
            let has_resp = op.response.is_some();
            quote! {
                #[cfg(feature = #feat)]
                v.push(OperationInfo {
                    area: #feat,
                    name: #name,
                    method: #method,
                    path: #path,
                    spec_path: #spec_path,
                    request_model: #req,
                    response_model: #resp,
                    has_request_body: #has_req,
                    has_response_body: #has_resp,
                });
            }
        })
    });
    quote! {
        //! Every model and operation of the enabled areas, by name.
        // Entries are gated one by one on their area's feature, which a `vec![…]` literal cannot do.
        #![allow(unused_mut, clippy::vec_init_then_push)]

        use alma_runtime::Method;
        pub use alma_runtime::registry::{ModelInfo, OperationInfo};

        /// Every request and response model (of the enabled areas), in name order.
        pub fn models() -> Vec<ModelInfo> {
            let mut v: Vec<ModelInfo> = Vec::new();
            #(#models)*
            v.sort_by_key(|m| m.name);
            v
        }

        /// The model named `name` (`User`), if its area is enabled.
        pub fn model(name: &str) -> Option<ModelInfo> {
            models().into_iter().find(|m| m.name == name)
        }

        /// Every operation (of the enabled areas), by area then path.
        pub fn operations() -> Vec<OperationInfo> {
            let mut v: Vec<OperationInfo> = Vec::new();
            #(#ops)*
            v
        }
    }
}
