//! `src/conformance.rs` (feature `conformance`, off by default): one call per operation through
//! the generated client, with sample values for every parameter and a sample body built from the
//! schema, for the conformance suite (`cargo xtask conformance`). It goes through the same
//! builders users call, so a wrong parameter name or body shape in emitted code shows up there.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::{json, Map, Value};

use super::models::model_path_in;
use crate::ir::{Api, Area, BodyType, ModelKind, Operation, Param, Scalar, ScalarType, TypeRef};

pub fn conformance_rs(api: &Api) -> TokenStream {
    let calls = api
        .areas
        .iter()
        .flat_map(|area| area.operations.iter().map(move |op| call(api, area, op)));
    quote! {
        //! Every operation of the SDK called once with sample values, for the conformance suite
        //! (`cargo xtask conformance`). Generated into the test crate, not the SDK.

        /// The outcome of one call.
        #[derive(Debug)]
        pub struct Outcome {
            /// Area of the operation.
            pub area: &'static str,
            /// Method name.
            pub name: &'static str,
            /// The response has a generated model.
            pub typed_response: bool,
            /// The spec accepts only XML for the request body (MARCXML).
            pub xml_only_request: bool,
            /// The response headers, or the error.
            pub result: Result<alma_runtime::http::HeaderMap, alma_runtime::Error>,
        }

        /// Calls every operation of `area` once.
        #[allow(unused_variables, unused_mut)]
        pub async fn run_area(client: &alma_sdk::Client, area: &str) -> Vec<Outcome> {
            let mut out = Vec::new();
            #(#calls)*
            out
        }
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
    let area = area_ir.name.as_str();
    let area_ident = format_ident!("{}", area);
    let name = format_ident!("{}", op.name);
    let op_name = &op.name;
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
        args.push(quote! { alma_sdk::#area_ident::#ty::#ctor(#(#values),*) });
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
            let path = model_path_in(api, id, quote! { alma_sdk });
            let text = sample_model(api, id, 0).to_string();
            quote! { serde_json::from_str::<#path>(#text).expect("sample body fits its model") }
        }
        BodyType::Opaque { .. } if b.xml_only() => {
            quote! { alma_runtime::RawBody::xml("<sample/>") }
        }
        BodyType::Opaque { .. } => quote! { alma_runtime::RawBody::json(&serde_json::json!({})) },
    });
    let typed = matches!(
        op.response.as_ref().map(|b| &b.ty),
        Some(BodyType::Model(_))
    );
    let xml_only = op.request.as_ref().is_some_and(|b| b.xml_only());
    quote! {
        if area == #area {
            let result = client.#area_ident().#name(#(#args,)* #body)#(#setters)*.send().await.map(|r| r.headers);
            out.push(Outcome { area: #area, name: #op_name, typed_response: #typed, xml_only_request: #xml_only, result });
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
