//! `src/registry.rs`: every model and operation by name, for tools (round trips, fixture checks,
//! conformance). Entries are gated on their area features.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::models::model_path;
use crate::ir::{
    Api, Area, Behaviour, BodyType, HttpMethod, ModelKind, Operation, ParamIn, ReadOnlyAccess,
    Role, ScalarType,
};

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
    let areas: Vec<TokenStream> = api
        .areas
        .iter()
        .filter(|a| a.webhook.is_none())
        .map(|area| {
            let feat = &area.name;
            let stat = format_ident!("{}", area.name.to_uppercase());
            let entries = area
                .operations
                .iter()
                .map(|op| operation_info(api, area, op));
            quote! {
                #[cfg(feature = #feat)]
                static #stat: &[OperationInfo] = &[#(#entries),*];
            }
        })
        .collect();
    let slices: Vec<TokenStream> = api
        .areas
        .iter()
        .filter(|a| a.webhook.is_none())
        .map(|area| {
            let feat = &area.name;
            let stat = format_ident!("{}", area.name.to_uppercase());
            quote! {
                #[cfg(feature = #feat)]
                v.extend(#stat.iter());
            }
        })
        .collect();
    let code_tables = api
        .code_table_fields
        .iter()
        .map(|(f, t)| quote! { (#f, #t) });
    let refusals = api.refusals.iter().map(|(kind, e)| {
        let name = match kind {
            crate::ir::Refusal::General => "general",
            crate::ir::Refusal::Missing => "missing",
            crate::ir::Refusal::Invalid => "invalid",
        };
        let code = &e.code;
        let status: u16 = e.status.parse().unwrap_or(400);
        let message = &e.message;
        quote! { #name => Some(ErrorInfo { code: #code, status: #status, message: #message }), }
    });
    quote! {
        //! Every model and operation of the enabled areas, by name.
        // Entries are gated one by one on their area's feature, which a `vec![…]` literal cannot do.
        #![allow(unused_mut, clippy::vec_init_then_push)]

        // Which of these the entries use depends on the areas enabled.
        #[allow(unused_imports)]
        use alma_runtime::registry::{Behaviour, ChoiceInfo, ErrorInfo, NotFoundInfo, ParamIn, ParamInfo, ParamType, Role, VariantInfo};
        use alma_runtime::{Method, OperationSpec, ReadOnlyAccess};
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

        #(#areas)*

        /// Every operation (of the enabled areas), by area then path.
        pub fn operations() -> Vec<OperationInfo> {
            all().into_iter().copied().collect()
        }

        /// Every operation (of the enabled areas), by area then path, as `'static` entries (whose
        /// `spec` a `RequestBuilder` can take).
        pub fn all() -> Vec<&'static OperationInfo> {
            let mut v: Vec<&'static OperationInfo> = Vec::new();
            #(#slices)*
            v
        }

        /// Fields whose codes a code table lists, `(field, table)`: what the documentation of
        /// the field names, for field names that name one table wherever they are.
        pub fn code_table_fields() -> &'static [(&'static str, &'static str)] {
            &[#(#code_tables),*]
        }

        /// Alma's refusals no one operation owns, as the operations document them most often:
        /// `general`, `missing` (a mandatory parameter), `invalid` (a parameter's value).
        pub fn refusal(kind: &str) -> Option<ErrorInfo> {
            match kind {
                #(#refusals)*
                _ => None,
            }
        }

        /// The operation `name` of `area` (`users`, `get_user`), if its area is enabled.
        pub fn operation(area: &str, name: &str) -> Option<&'static OperationInfo> {
            all().into_iter().find(|o| o.area == area && o.name == name)
        }
    }
}

/// One `OperationInfo` literal: everything the IR decided about the operation that tools need.
fn operation_info(api: &Api, area: &Area, op: &Operation) -> TokenStream {
    let feat = &area.name;
    let name = &op.name;
    let qualified = format!("{}.{}", area.name, op.name);
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
    let opt = |s: &Option<String>| match s {
        Some(s) => quote! { Some(#s) },
        None => quote! { None },
    };
    let req = model_of(&op.request);
    let resp = model_of(&op.response);
    let has_req = op.request.is_some();
    let has_resp = op.response.is_some();
    let xml_only = op.request.as_ref().is_some_and(crate::ir::Body::xml_only);
    let read_only = match &op.read_only {
        ReadOnlyAccess::Allowed => quote! { ReadOnlyAccess::Allowed },
        ReadOnlyAccess::Denied => quote! { ReadOnlyAccess::Denied },
        ReadOnlyAccess::When {
            param,
            values,
            absent,
        } => quote! {
            ReadOnlyAccess::When { param: #param, values: &[#(#values),*], absent: #absent }
        },
    };
    let summary = opt(&op.summary);
    let description = opt(&op.description);
    let doc_url = &op.doc_url;
    let enums = &area.param_enums;
    let params = op.params.iter().map(|p| {
        let pname = &p.name;
        let location = match p.location {
            ParamIn::Path => quote! { ParamIn::Path },
            ParamIn::Query => quote! { ParamIn::Query },
            ParamIn::Header => quote! { ParamIn::Header },
        };
        // A fixed parameter's one value, a selector's values (their enums are the method's
        // business no more, but the tools check values by them).
        let selector_values = op
            .choices
            .iter()
            .find(|c| c.selector.as_deref() == Some(p.name.as_str()))
            .map(|c| c.variants.iter().filter_map(|v| v.value.clone()).collect::<Vec<_>>());
        let values = p
            .enum_type
            .as_ref()
            .and_then(|e| enums.iter().find(|pe| &pe.name == e))
            .map(|pe| pe.values.iter().map(|v| v.wire.clone()).collect::<Vec<_>>())
            .or_else(|| p.fixed.clone().map(|v| vec![v]))
            .or(selector_values);
        let ty = match (&values, p.ty) {
            (Some(v), _) => quote! { ParamType::Enum(&[#(#v),*]) },
            (None, ScalarType::Integer) => quote! { ParamType::Integer },
            (None, ScalarType::Number) => quote! { ParamType::Number },
            (None, ScalarType::Boolean) => quote! { ParamType::Boolean },
            (None, _) => quote! { ParamType::String },
        };
        let required = p.required;
        let default = match &p.default {
            Some(crate::ir::Scalar::String(s)) => quote! { Some(#s) },
            Some(other) => {
                let s = other.to_string();
                quote! { Some(#s) }
            }
            None => quote! { None },
        };
        let pdesc = opt(&p.description);
        let fixed = opt(&p.fixed);
        let secret = p.secret;
        let header = opt(&p.header);
        let url_encoded = p.url_encoded;
        let choice = opt(&p.choice);
        let wildcard = opt(&p.wildcard);
        quote! {
            ParamInfo { name: #pname, location: #location, ty: #ty, required: #required, default: #default, description: #pdesc, fixed: #fixed, secret: #secret, header: #header, url_encoded: #url_encoded, choice: #choice, wildcard: #wildcard }
        }
    });
    let choices = op.choices.iter().map(|c| {
        let name = &c.name;
        let selector = opt(&c.selector);
        let variants = c.variants.iter().map(|v| {
            let (vname, value, required, optional) = (&v.variant, opt(&v.value), &v.required, &v.optional);
            quote! { VariantInfo { name: #vname, value: #value, required: &[#(#required),*], optional: &[#(#optional),*] } }
        });
        quote! { ChoiceInfo { name: #name, selector: #selector, variants: &[#(#variants),*] } }
    });
    let no_content = op.no_content;
    let param_fields = op
        .resource
        .param_fields
        .iter()
        .map(|(p, f)| quote! { (#p, #f) });
    let behaviours = op.behaviours.iter().map(|b| match b {
        Behaviour::FindBy { param, field, read } => {
            quote! { Behaviour::FindBy { param: #param, field: #field, read: #read } }
        }
        Behaviour::Lend => quote! { Behaviour::Lend },
        Behaviour::ScanIn => quote! { Behaviour::ScanIn },
        Behaviour::RunJob => quote! { Behaviour::RunJob },
        Behaviour::ReportInParts => quote! { Behaviour::ReportInParts },
        Behaviour::Authenticate { op } => quote! { Behaviour::Authenticate { op: #op } },
        Behaviour::OutputFields { fields } => {
            quote! { Behaviour::OutputFields { fields: &[#(#fields),*] } }
        }
        Behaviour::WriteOnly { field } => quote! { Behaviour::WriteOnly { field: #field } },
    });
    let errors = op.errors.iter().map(|e| {
        let code = &e.code;
        let status: u16 = e.status.parse().unwrap_or(400);
        let message = &e.message;
        quote! { ErrorInfo { code: #code, status: #status, message: #message } }
    });
    let r = &op.resource;
    let role = match r.role {
        Role::List => quote! { Role::List },
        Role::Create => quote! { Role::Create },
        Role::Read => quote! { Role::Read },
        Role::Update => quote! { Role::Update },
        Role::Delete => quote! { Role::Delete },
        Role::Act => quote! { Role::Act },
        Role::Get => quote! { Role::Get },
        Role::Put => quote! { Role::Put },
        Role::Remove => quote! { Role::Remove },
        Role::Post => quote! { Role::Post },
    };
    let items_key = opt(&r.items_key);
    let record_id = opt(&r.record_id);
    let get_pair = opt(&r.get_pair);
    let not_found = r.not_found.iter().map(|n| {
        let (param, code, message, documented) = (&n.param, &n.code, &n.message, n.documented);
        quote! { NotFoundInfo { param: #param, code: #code, message: #message, documented: #documented } }
    });
    let paginated = matches!(
        op.pagination,
        Some(crate::ir::Pagination::OffsetLimit { .. } | crate::ir::Pagination::RawOffsetLimit)
    );
    quote! {
        OperationInfo {
            area: #feat,
            name: #name,
            method: #method,
            path: #path,
            spec_path: #spec_path,
            request_model: #req,
            response_model: #resp,
            has_request_body: #has_req,
            has_response_body: #has_resp,
            spec: OperationSpec { name: #qualified, method: #method, path: #path, xml_only_body: #xml_only, read_only: #read_only },
            summary: #summary,
            description: #description,
            doc_url: #doc_url,
            params: &[#(#params),*],
            errors: &[#(#errors),*],
            role: #role,
            items_key: #items_key,
            record_id: #record_id,
            not_found: &[#(#not_found),*],
            get_pair: #get_pair,
            paginated: #paginated,
            choices: &[#(#choices),*],
            no_content: #no_content,
            param_fields: &[#(#param_fields),*],
            behaviours: &[#(#behaviours),*],
        }
    }
}
