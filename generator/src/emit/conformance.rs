//! The conformance crate (`generated/conformance/`, never published): one call per operation
//! through the generated client, with sample values for every parameter and a sample body built from the
//! schema, for the conformance suite (`cargo xtask conformance`). It goes through the same
//! builders users call, so a wrong parameter name or body shape in emitted code shows up there.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::{json, Map, Value};

use super::header;
use super::models::model_path_in;
use crate::ir::{Api, Area, BodyType, ModelKind, Operation, Param, Scalar, ScalarType, TypeRef};
use crate::write::File;

/// `conformance/Cargo.toml`: a crate of its own under `generated/`, never published, with one
/// feature per area (each turning on the SDK's).
pub fn cargo_toml(api: &Api) -> File {
    let areas: Vec<&str> = operation_areas(api).map(|a| a.name.as_str()).collect();
    let mut s = header(api, "#");
    s.push_str(&format!(
        r#"
[package]
name = "{name}-conformance"
version = "0.0.0"
description = "Every operation of {name} called once with sample values, for the conformance suite (`cargo xtask conformance`)"
edition.workspace = true
license.workspace = true
rust-version.workspace = true
publish = false

[features]
default = [{default}]
"#,
        name = api.crate_name,
        default = areas
            .iter()
            .map(|n| format!("\"{n}\""))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    for n in &areas {
        s.push_str(&format!("{n} = [\"{}/{n}\"]\n", api.crate_name));
    }
    s.push_str(&format!(
        r#"
[dependencies]
{name} = {{ path = "..", default-features = false, features = ["client"] }}
alma-runtime = {{ workspace = true, features = ["client"] }}
serde_json = {{ workspace = true }}
"#,
        name = api.crate_name
    ));
    File {
        path: "conformance/Cargo.toml".into(),
        contents: s,
    }
}

/// The areas that have operations (webhook areas have none).
fn operation_areas(api: &Api) -> impl Iterator<Item = &Area> {
    api.areas.iter().filter(|a| a.webhook.is_none())
}

/// `conformance/src/lib.rs`: the table's types, the areas' modules and the runner.
pub fn lib_rs(api: &Api) -> TokenStream {
    let sdk = format_ident!("{}", api.crate_ident());
    let areas: Vec<&str> = operation_areas(api).map(|a| a.name.as_str()).collect();
    let mods = areas.iter().map(|a| {
        let m = format_ident!("{}", a);
        quote! {
            #[cfg(feature = #a)]
            pub mod #m;
        }
    });
    let arms = areas.iter().map(|a| {
        let m = format_ident!("{}", a);
        quote! {
            #[cfg(feature = #a)]
            #a => #m::CALLS,
        }
    });
    quote! {
        //! Every operation of the SDK called once with sample values, for the conformance suite
        //! (`cargo xtask conformance`): one function per operation, going through the same
        //! builders users call, and a table per area. Generated beside the SDK, never published.

        use std::future::Future;
        use std::pin::Pin;

        /// What a call gives back: the answer's headers, or the error.
        pub type Answer<'a> = Pin<Box<dyn Future<Output = Result<alma_runtime::http::HeaderMap, alma_runtime::Error>> + Send + 'a>>;

        /// One operation's entry in the table.
        pub struct Call {
            /// Area of the operation.
            pub area: &'static str,
            /// Method name.
            pub name: &'static str,
            /// The response has a generated model.
            pub typed_response: bool,
            /// Alma accepts only XML for the request body.
            pub xml_only_request: bool,
            /// Makes the call.
            pub run: for<'a> fn(&'a #sdk::Client) -> Answer<'a>,
        }

        /// The outcome of one call.
        #[derive(Debug)]
        pub struct Outcome {
            /// Area of the operation.
            pub area: &'static str,
            /// Method name.
            pub name: &'static str,
            /// The response has a generated model.
            pub typed_response: bool,
            /// Alma accepts only XML for the request body.
            pub xml_only_request: bool,
            /// The response headers, or the error.
            pub result: Result<alma_runtime::http::HeaderMap, alma_runtime::Error>,
        }

        #(#mods)*

        /// The calls of `area` (none for an area not compiled in).
        pub fn calls(area: &str) -> &'static [Call] {
            match area {
                #(#arms)*
                _ => &[],
            }
        }

        /// Calls every operation of `area` once, in the table's order.
        pub async fn run_area(client: &#sdk::Client, area: &str) -> Vec<Outcome> {
            let mut out = Vec::new();
            for c in calls(area) {
                let result = (c.run)(client).await;
                out.push(Outcome {
                    area: c.area,
                    name: c.name,
                    typed_response: c.typed_response,
                    xml_only_request: c.xml_only_request,
                    result,
                });
            }
            out
        }
    }
}

/// `conformance/src/<area>.rs`: a function per operation and the area's table.
pub fn area_rs(api: &Api, area: &Area) -> TokenStream {
    let fns = area.operations.iter().map(|op| call(api, area, op));
    let entries = area.operations.iter().map(|op| {
        let name = &op.name;
        let f = format_ident!("{}", op.name);
        let area = area.name.as_str();
        let typed = matches!(
            op.response.as_ref().map(|b| &b.ty),
            Some(BodyType::Model(_))
        );
        let xml_only = op.request.as_ref().is_some_and(|b| b.xml_only());
        quote! {
            crate::Call { area: #area, name: #name, typed_response: #typed, xml_only_request: #xml_only, run: #f },
        }
    });
    let doc = format!(" The {} operations, each called once.", area.title);
    quote! {
        #![doc = #doc]

        /// Every operation of the area, in the spec's order.
        pub static CALLS: &[crate::Call] = &[#(#entries)*];

        #(#fns)*
    }
}

fn sample_param(area: &Area, p: &Param) -> TokenStream {
    if let Some(e) = area
        .param_enums
        .iter()
        .find(|e| Some(&e.name) == p.enum_type.as_ref())
    {
        // The default when it is one of the values, else the first value.
        let wire = match &p.default {
            Some(Scalar::String(d)) if e.values.iter().any(|v| v.wire == *d) => d.clone(),
            _ => e.values.first().map(|v| v.wire.clone()).unwrap_or_default(),
        };
        return quote! { #wire };
    }
    match (p.ty, &p.default) {
        (ScalarType::String, Some(Scalar::String(s))) if !s.is_empty() => quote! { #s },
        (ScalarType::String, _) => quote! { "sample" },
        (ScalarType::Integer, Some(Scalar::Integer(i))) => quote! { #i },
        (ScalarType::Integer, _) => quote! { 1 },
        (ScalarType::Number, _) => quote! { 1.0 },
        (ScalarType::Boolean, Some(Scalar::Boolean(b))) => quote! { #b },
        (ScalarType::Boolean, _) => quote! { true },
    }
}

fn call(api: &Api, area_ir: &Area, op: &Operation) -> TokenStream {
    let sdk_path = format_ident!("{}", api.crate_ident());
    let area_ident = format_ident!("{}", area_ir.name);
    let name = format_ident!("{}", op.name);
    let mut args: Vec<TokenStream> = super::operations::direct_args(op)
        .map(|p| sample_param(area_ir, p))
        .collect();
    // A choice: its first way, with samples of what that way requires.
    for c in &op.choices {
        let ty = format_ident!("{}", c.name);
        let Some(v) = c.variants.first() else {
            continue;
        };
        let ctor = format_ident!("{}", v.constructor);
        let values = v
            .required
            .iter()
            .filter_map(|n| op.params.iter().find(|p| &p.name == n))
            .map(|p| sample_param(area_ir, p));
        args.push(quote! { #sdk_path::#area_ident::#ty::#ctor(#(#values),*) });
    }
    let setters = op
        .params
        .iter()
        .filter(|p| !p.required && p.choice.is_none() && p.fixed.is_none())
        .map(|p| {
            let setter = format_ident!("{}", p.rust_name);
            let v = sample_param(area_ir, p);
            quote! { .#setter(#v) }
        });
    let body = op.request.as_ref().map(|b| match &b.ty {
        BodyType::Model(id) => {
            let path = model_path_in(api, id, quote! { #sdk_path });
            let text = sample_model(api, id, 0).to_string();
            quote! { serde_json::from_str::<#path>(#text).expect("sample body fits its model") }
        }
        BodyType::Opaque { .. } if b.xml_only() => {
            quote! { alma_runtime::RawBody::xml("<sample/>") }
        }
        BodyType::Opaque { .. } => quote! { alma_runtime::RawBody::json(&serde_json::json!({})) },
    });
    quote! {
        fn #name(client: &#sdk_path::Client) -> crate::Answer<'_> {
            Box::pin(async move {
                client.#area_ident().#name(#(#args,)* #body)#(#setters)*.send().await.map(|r| r.headers)
            })
        }
    }
}

/// A JSON instance of a model with every required field filled in.
/// A minimal MARC 21 record in MARCXML (no namespace, as Alma writes it).
const SAMPLE_MARC_RECORD: &str = "<record><leader>00000nam a2200000 a 4500</leader>\
<controlfield tag=\"008\">240530s2024    xx            000 0 eng d</controlfield>\
<datafield tag=\"245\" ind1=\"0\" ind2=\"0\"><subfield code=\"a\">Sample title</subfield></datafield>\
</record>";

fn sample_model(api: &Api, id: &str, depth: usize) -> Value {
    let Some(m) = api.models.get(id) else {
        return json!({});
    };
    match &m.kind {
        ModelKind::Enum { values } => {
            Value::String(values.first().map(|v| v.wire.clone()).unwrap_or_default())
        }
        ModelKind::Struct { fields } => {
            let mut obj = Map::new();
            for f in fields.iter().filter(|f| f.required && depth < 6) {
                obj.insert(
                    f.name.clone(),
                    sample_type(api, &f.ty, f.format.as_deref(), depth + 1),
                );
            }
            // Raw XML children (`xs:any`) hold a MARC record in every Alma model that has them
            // (bibs, holdings, authorities): the sample carries a minimal one, so the MARCXML
            // operations send a record for the XSD pass to check.
            for f in fields.iter().filter(|f| f.xml.any && depth == 0) {
                obj.insert(f.name.clone(), json!([SAMPLE_MARC_RECORD]));
            }
            // An object with nothing required still needs content: an empty one is not sent.
            if obj.is_empty() {
                if let Some(f) = fields.iter().find(|f| !f.xml.attribute) {
                    obj.insert(
                        f.name.clone(),
                        sample_type(api, &f.ty, f.format.as_deref(), depth + 1),
                    );
                }
            }
            Value::Object(obj)
        }
    }
}

fn sample_type(api: &Api, t: &TypeRef, format: Option<&str>, depth: usize) -> Value {
    match t {
        TypeRef::String => Value::String(
            match format {
                Some("date") => "2024-05-30",
                Some("date-time") => "2024-05-30T10:00:00Z",
                _ => "sample",
            }
            .into(),
        ),
        TypeRef::Integer => json!(1),
        TypeRef::Number => json!(1.5),
        TypeRef::Boolean => json!(true),
        TypeRef::CodeValue => json!({"value": "sample"}),
        TypeRef::Any => json!({}),
        TypeRef::Model(id) => sample_model(api, id, depth),
        TypeRef::Array(inner) => Value::Array(vec![sample_type(api, inner, format, depth)]),
    }
}
