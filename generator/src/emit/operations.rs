//! Operations → an area client (`UsersApi`) with one method per operation, each returning a
//! request builder (`GetUser`) with a setter per optional query parameter and `send()`.
//!
//! The builders are thin: they hold an `alma_runtime::RequestBuilder`, which does URL building,
//! auth, format negotiation, errors and metadata. The generated side only says *what* to send.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::models::{enum_body, model_path};
use super::root::area_type;
use super::{doc_lines, sanitize};
use crate::ir::{
    Api, Area, Body, BodyType, Choice, HttpMethod, ModelKind, Operation, Pagination, Param,
    ParamEnum, ParamIn, ReadOnlyAccess, ScalarType, ValuesSource,
};
use crate::naming::type_ident;

pub fn area_operations(api: &Api, area: &Area) -> TokenStream {
    let api_ty = format_ident!("{}", area_type(area));
    let doc = format!(
        " Operations of the {} API. Get one with `client.{}()`.",
        area.title, area.name
    );
    let methods = area.operations.iter().map(|op| accessor(api, area, op));
    let updates = area
        .operations
        .iter()
        .filter_map(|put| update_helper(api, area, put));
    let jobs = jobs_helper(api, area);
    let builders = area.operations.iter().map(|op| builder(api, area, op));
    // The parameters' enums live beside, in `enums.rs` (compiled without the client too).
    let enums = has_enums(area).then(|| {
        quote! {
            #[allow(unused_imports)]
            use super::enums::*;
        }
    });
    quote! {
        #enums

        #[doc = #doc]
        #[derive(Debug, Clone)]
        pub struct #api_ty {
            client: alma_runtime::Client,
        }

        impl #api_ty {
            pub(crate) fn new(client: alma_runtime::Client) -> Self {
                Self { client }
            }

            #(#methods)*
            #(#updates)*
            #jobs
        }

        #(#builders)*
    }
}

/// Whether `area` has parameter, choice or error-code enums (`enums.rs` is then not empty).
fn has_enums(area: &Area) -> bool {
    !area.param_enums.is_empty()
        || area
            .operations
            .iter()
            .any(|op| op.error_enum.is_some() || !op.choices.is_empty())
}

/// A choice of the parameters `op` sends ([`Choice`]): a case per way to call, carrying its
/// parameters (required ones as values, the others as `Option`s), and a constructor per case
/// taking the required ones.
fn choice_enum(area: &Area, op: &Operation, c: &Choice) -> TokenStream {
    let name = format_ident!("{}", c.name);
    let api_ty = area_type(area);
    let param = |n: &String| op.params.iter().find(|p| &p.name == n);
    let mut lines = vec![match &c.selector {
        Some(s) => format!(
            "The `{s}` of [`{api_ty}::{o}`](super::{api_ty}::{o}): each value with the parameters Alma's documentation says go with it.",
            o = op.name
        ),
        None => format!(
            "Which of {} [`{api_ty}::{o}`](super::{api_ty}::{o}) sends: exactly one, as Alma's documentation says.",
            c.variants
                .iter()
                .flat_map(|v| v.required.iter().map(|r| format!("`{r}`")))
                .collect::<Vec<_>>()
                .join(" and "),
            o = op.name
        ),
    }];
    let quotes: Vec<String> = op
        .prose
        .iter()
        .filter(|d| {
            d.param
                .as_ref()
                .and_then(param)
                .is_some_and(|p| p.choice.as_ref() == Some(&c.name))
        })
        .map(|d| {
            format!(
                "- `{}`: \"{}\"",
                d.param.as_deref().unwrap_or(""),
                sanitize(&d.quote).replace('\n', " ")
            )
        })
        .collect();
    if !quotes.is_empty() {
        lines.push(String::new());
        lines.extend(quotes);
    }
    let doc = doc_lines(&lines);
    let mut variants = Vec::new();
    let mut constructors = Vec::new();
    for v in &c.variants {
        let variant = format_ident!("{}", v.variant);
        let ctor = format_ident!("{}", v.constructor);
        let mut vdoc = match &v.value {
            Some(value) => vec![format!(
                "`{}={value}`.",
                c.selector.as_deref().unwrap_or("op")
            )],
            None => vec![format!(
                "Sends `{}`{}.",
                v.required.join("`, `"),
                if v.optional.is_empty() {
                    String::new()
                } else {
                    format!(", and may send `{}`", v.optional.join("`, `"))
                }
            )],
        };
        let mut fields = Vec::new();
        let mut args = Vec::new();
        let mut inits = Vec::new();
        for (p, required) in v
            .required
            .iter()
            .filter_map(param)
            .map(|p| (p, true))
            .chain(v.optional.iter().filter_map(param).map(|p| (p, false)))
        {
            let ident = format_ident!("{}", p.rust_name);
            let (ty, _) = field_type(p);
            let mut fdoc: Vec<String> = match &p.description {
                Some(d) => sanitize(d).lines().map(String::from).collect(),
                None => vec![format!("Query parameter `{}`.", p.name)],
            };
            if let Some(h) = &p.header {
                fdoc.push(String::new());
                fdoc.push(format!("Sent in the `{h}` header, never in the URL."));
            }
            let fdoc = doc_lines(&fdoc);
            if required {
                fields.push(quote! { #fdoc #ident: #ty });
                let (arg_ty, arg_value) = arg_type(p);
                let arg_value = if p.secret || p.enum_type.is_some() || p.ty == ScalarType::String {
                    if p.enum_type.is_some() {
                        quote! { #ident.into() }
                    } else {
                        arg_value
                    }
                } else {
                    quote! { #ident }
                };
                args.push(quote! { #ident: #arg_ty });
                inits.push(quote! { #ident: #arg_value });
            } else {
                fields.push(quote! { #fdoc #ident: Option<#ty> });
                inits.push(quote! { #ident: None });
            }
        }
        if v.required.is_empty() && v.optional.is_empty() {
            vdoc.push(String::new());
            vdoc.push("No other parameter goes with it.".into());
        }
        let vdoc = doc_lines(&vdoc);
        let cdoc = format!(
            " [`{}::{}`](Self::{}), the optional parameters left out.",
            c.name, v.variant, v.variant
        );
        if fields.is_empty() {
            variants.push(quote! { #vdoc #variant });
            constructors.push(quote! {
                #[doc = #cdoc]
                #[inline]
                pub fn #ctor() -> Self { Self::#variant }
            });
        } else {
            variants.push(quote! { #vdoc #variant { #(#fields),* } });
            constructors.push(quote! {
                #[doc = #cdoc]
                #[inline]
                pub fn #ctor(#(#args),*) -> Self { Self::#variant { #(#inits),* } }
            });
        }
    }
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq)]
        pub enum #name {
            #(#variants,)*
        }

        impl #name {
            #(#constructors)*
        }
    }
}

/// `src/<area>/enums.rs`: the parameters' value enums and each operation's error-code enum.
/// Plain data, so they compile without the HTTP client (feature `client`): a program that only
/// matches Alma's error codes or builds query values needs no reqwest or tokio.
pub fn area_enums(area: &Area) -> TokenStream {
    let enums = area.param_enums.iter().map(|e| param_enum(area, e));
    let error_enums = area.operations.iter().filter_map(|op| error_enum(area, op));
    let choices = area
        .operations
        .iter()
        .flat_map(|op| op.choices.iter().map(move |c| choice_enum(area, op, c)));
    quote! {
        // The docs link each enum to its operations, which exist only with the client.
        #![cfg_attr(not(feature = "client"), allow(rustdoc::broken_intra_doc_links))]

        #(#enums)*

        #(#choices)*

        #(#error_enums)*
    }
}

/// The error codes `op` documents as an enum: a case per code, `Other` for the rest, built by
/// `err.kind::<…>()` (the runtime's `OperationError`).
fn error_enum(area: &Area, op: &Operation) -> Option<TokenStream> {
    let name = format_ident!("{}", op.error_enum.as_ref()?);
    let api_ty = area_type(area);
    let doc = format!(
        " The error codes Alma documents for [`{api_ty}::{op}`](super::{api_ty}::{op}): `match err.kind::<{name}>()`.",
        op = op.name
    );
    let cases: Vec<_> = op.errors.iter().filter(|e| !e.variant.is_empty()).collect();
    let variants: Vec<_> = cases
        .iter()
        .map(|e| format_ident!("{}", e.variant))
        .collect();
    let docs: Vec<String> = cases
        .iter()
        .map(|e| {
            format!(
                " `{}` (HTTP {}): {}",
                e.code,
                e.status,
                sanitize(&e.message).replace('\n', " ")
            )
        })
        .collect();
    // A documented `a|b` is either code.
    let patterns: Vec<TokenStream> = cases
        .iter()
        .map(|e| {
            let alternatives = e.code.split('|').map(str::trim);
            quote! { #(#alternatives)|* }
        })
        .collect();
    let codes: Vec<&str> = cases.iter().map(|e| e.code.as_str()).collect();
    Some(quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum #name {
            #( #[doc = #docs] #variants, )*
            /// A code this operation's documentation does not list (or a gateway code).
            Other(String),
        }

        impl #name {
            /// The error code as Alma documents it.
            #[inline]
            pub fn code(&self) -> &str {
                match self {
                    #( Self::#variants => #codes, )*
                    Self::Other(code) => code,
                }
            }
        }

        impl alma_runtime::OperationError for #name {
            #[inline]
            fn from_code(code: &str) -> Self {
                match code {
                    #( #patterns => Self::#variants, )*
                    other => Self::Other(other.to_string()),
                }
            }
        }
    })
}

/// An enumerated query parameter: the values the spec names, `Other` for the rest, and
/// conversions from text so that `"pay"` works wherever `OperateOnFeeOp::Pay` does.
fn param_enum(area: &Area, e: &ParamEnum) -> TokenStream {
    let name = format_ident!("{}", e.name);
    let api_ty = area_type(area);
    let mut lines: Vec<String> = match &e.doc {
        Some(d) => sanitize(d).lines().map(String::from).collect(),
        None => vec![format!("Values of the `{}` query parameter.", e.param)],
    };
    lines.push(String::new());
    let users: Vec<String> = e
        .operations
        .iter()
        .map(|o| format!("[`{api_ty}::{o}`](super::{api_ty}::{o})"))
        .collect();
    lines.push(format!(
        "The `{}` parameter of {}; values from the {}.",
        e.param,
        users.join(", "),
        match e.source {
            ValuesSource::Schema => "parameter's schema",
            ValuesSource::Description => "parameter's description",
            ValuesSource::Correction =>
                "parameter's description, as read in `specs/corrections.toml`",
        }
    ));
    let doc = doc_lines(&lines);
    let body = enum_body(&name, &e.values, &TokenStream::new());
    quote! {
        #doc
        #body

        impl From<String> for #name {
            #[inline]
            fn from(s: String) -> Self {
                Self::from(s.as_str())
            }
        }
    }
}

fn body_type(api: &Api, body: &Body) -> TokenStream {
    match &body.ty {
        BodyType::Model(id) => model_path(api, id),
        BodyType::Opaque { .. } => quote! { alma_runtime::RawBody },
    }
}

/// Required parameters (path, then required query) become arguments of the accessor.
fn arg_type(p: &Param) -> (TokenStream, TokenStream) {
    let ident = format_ident!("{}", p.rust_name);
    if p.secret {
        return (
            quote! { impl Into<alma_runtime::Secret> },
            quote! { #ident.into() },
        );
    }
    if let Some(e) = &p.enum_type {
        let e = format_ident!("{}", e);
        return (
            quote! { impl Into<#e> },
            quote! { Into::<#e>::into(#ident).as_str().to_owned() },
        );
    }
    match p.ty {
        ScalarType::String => (quote! { impl Into<String> }, quote! { #ident.into() }),
        ScalarType::Integer => (quote! { i64 }, quote! { #ident.to_string() }),
        ScalarType::Number => (quote! { f64 }, quote! { #ident.to_string() }),
        ScalarType::Boolean => (quote! { bool }, quote! { #ident.to_string() }),
    }
}

/// The parameters that are arguments of the method as themselves: required, in no choice, and
/// not sent by the method itself.
pub(crate) fn direct_args(op: &Operation) -> impl Iterator<Item = &Param> {
    op.params
        .iter()
        .filter(|p| p.required && p.choice.is_none() && p.fixed.is_none())
}

/// The parameters a builder has a setter for.
fn setter_params(op: &Operation) -> impl Iterator<Item = &Param> {
    op.params
        .iter()
        .filter(|p| !p.required && p.choice.is_none() && p.fixed.is_none())
}

/// `req.<put it where it goes>(value)` for parameter `p`, whose value `value` is of the type
/// [`arg_type`] converts to (a `String`, or a `Secret` for a secret).
fn place(p: &Param, value: TokenStream) -> TokenStream {
    let wire = &p.name;
    match (p.location, &p.header) {
        (ParamIn::Path, _) => quote! { .path_param(#wire, #value) },
        (ParamIn::Header, Some(h)) => {
            let encoded = p.url_encoded;
            quote! { .secret_header(#h, #value, #encoded) }
        }
        // A secret Alma takes only in the query (the prose offers no header): it must travel
        // there; `display_url` and `Debug` still hide it.
        _ if p.secret => quote! { .query(#wire, alma_runtime::Secret::expose(&#value).to_owned()) },
        _ => quote! { .query(#wire, #value) },
    }
}

/// The type of a choice variant's field for `p`, and how a value `v` of it is sent.
fn field_type(p: &Param) -> (TokenStream, TokenStream) {
    let v = format_ident!("{}", p.rust_name);
    if p.secret {
        return (quote! { alma_runtime::Secret }, quote! { #v });
    }
    if let Some(e) = &p.enum_type {
        let e = format_ident!("{}", e);
        return (quote! { #e }, quote! { #v.as_str().to_owned() });
    }
    match p.ty {
        ScalarType::String => (quote! { String }, quote! { #v }),
        ScalarType::Integer => (quote! { i64 }, quote! { #v.to_string() }),
        ScalarType::Number => (quote! { f64 }, quote! { #v.to_string() }),
        ScalarType::Boolean => (quote! { bool }, quote! { #v.to_string() }),
    }
}

/// `let req = match choice { … };`: each variant sends its selector value and its parameters.
fn apply_choice(op: &Operation, c: &Choice) -> TokenStream {
    let arg = format_ident!("{}", c.arg);
    let ty = format_ident!("{}", c.name);
    let arms = c.variants.iter().map(|v| {
        let variant = format_ident!("{}", v.variant);
        let param = |n: &String| op.params.iter().find(|p| &p.name == n);
        let fields: Vec<_> = v
            .required
            .iter()
            .chain(&v.optional)
            .filter_map(param)
            .map(|p| format_ident!("{}", p.rust_name))
            .collect();
        let selector = match (&c.selector, &v.value) {
            (Some(s), Some(value)) => quote! { .query(#s, #value.to_owned()) },
            _ => quote! {},
        };
        let required = v.required.iter().filter_map(param).map(|p| {
            let (_, send) = field_type(p);
            place(p, send)
        });
        let optional: Vec<TokenStream> = v
            .optional
            .iter()
            .filter_map(param)
            .map(|p| {
                let ident = format_ident!("{}", p.rust_name);
                let (_, send) = field_type(p);
                let put = place(p, send);
                quote! { if let Some(#ident) = #ident { req = req #put; } }
            })
            .collect();
        let pattern = if fields.is_empty() {
            quote! { #ty::#variant }
        } else {
            quote! { #ty::#variant { #(#fields),* } }
        };
        let body = if optional.is_empty() {
            quote! { req #selector #(#required)* }
        } else {
            quote! {{
                let mut req = req #selector #(#required)*;
                #(#optional)*
                req
            }}
        };
        quote! { #pattern => #body, }
    });
    quote! {
        let req = match #arg { #(#arms)* };
    }
}

fn accessor(api: &Api, area: &Area, op: &Operation) -> TokenStream {
    let name = format_ident!("{}", op.name);
    let builder = format_ident!("{}", type_ident(&op.name));
    let required: Vec<&Param> = direct_args(op).collect();
    let mut args = Vec::new();
    let mut sets = Vec::new();
    for p in &required {
        let ident = format_ident!("{}", p.rust_name);
        let (ty, value) = arg_type(p);
        args.push(quote! { #ident: #ty });
        sets.push(place(p, value));
    }
    for p in op.params.iter().filter(|p| p.choice.is_none()) {
        if let Some(v) = &p.fixed {
            let wire = &p.name;
            sets.push(quote! { .query(#wire, #v.to_owned()) });
        }
    }
    for c in &op.choices {
        let arg = format_ident!("{}", c.arg);
        let ty = format_ident!("{}", c.name);
        args.push(quote! { #arg: #ty });
    }
    let choices = op.choices.iter().map(|c| apply_choice(op, c));
    let body_arg = op.request.as_ref().map(|b| {
        let ty = body_type(api, b);
        quote! { body: #ty }
    });
    let body_init = op.request.as_ref().map(|_| quote! { body, });
    let method = match op.method {
        HttpMethod::Get => quote! { alma_runtime::Method::Get },
        HttpMethod::Post => quote! { alma_runtime::Method::Post },
        HttpMethod::Put => quote! { alma_runtime::Method::Put },
        HttpMethod::Delete => quote! { alma_runtime::Method::Delete },
    };
    let path = &op.path;
    let op_name = format!("{}.{}", area.name, op.name);
    let xml_only = op.request.as_ref().is_some_and(Body::xml_only);
    let read_only = match &op.read_only {
        ReadOnlyAccess::Allowed => quote! { alma_runtime::ReadOnlyAccess::Allowed },
        ReadOnlyAccess::Denied => quote! { alma_runtime::ReadOnlyAccess::Denied },
        ReadOnlyAccess::When {
            param,
            values,
            absent,
        } => quote! {
            alma_runtime::ReadOnlyAccess::When { param: #param, values: &[#(#values),*], absent: #absent }
        },
    };
    let doc = accessor_doc(op, &required);
    quote! {
        #doc
        #[inline]
        pub fn #name(&self, #(#args,)* #body_arg) -> #builder {
            let req = self.client.request(&alma_runtime::OperationSpec {
                name: #op_name,
                method: #method,
                path: #path,
                xml_only_body: #xml_only,
                read_only: #read_only,
            })
            #(#sets)*;
            #(#choices)*
            #builder { req, #body_init }
        }
    }
}

fn accessor_doc(op: &Operation, required: &[&Param]) -> TokenStream {
    let mut lines = Vec::new();
    if let Some(s) = &op.summary {
        lines.push(sanitize(s.trim_end_matches('.')) + ".");
    }
    if let Some(d) = &op.description {
        if !lines.is_empty() {
            lines.push(String::new());
        }
        lines.extend(sanitize(d).lines().map(String::from));
    }
    if !lines.is_empty() {
        lines.push(String::new());
    }
    lines.push(format!(
        "`{} {}` — [API reference]({})",
        op.method.as_str(),
        op.path,
        op.doc_url
    ));
    if !required.is_empty() || !op.choices.is_empty() {
        lines.push(String::new());
        lines.push("# Arguments".into());
        for p in required {
            let secret = if p.secret {
                match &p.header {
                    Some(h) => format!(" Sent in the `{h}` header, never in the URL."),
                    None => " A secret: never shown.".into(),
                }
            } else {
                String::new()
            };
            match p.description.as_deref().map(sanitize) {
                Some(d) => lines.push(format!(
                    "- `{}`: {}{secret}",
                    p.rust_name,
                    d.replace('\n', " ")
                )),
                None => lines.push(format!("- `{}`{secret}", p.rust_name)),
            }
        }
        for c in &op.choices {
            lines.push(format!(
                "- `{}`: [`{}`], one of the ways Alma's documentation allows.",
                c.arg, c.name
            ));
        }
    }
    let fixed: Vec<String> = op
        .params
        .iter()
        .filter_map(|p| p.fixed.as_ref().map(|v| format!("`{}={v}`", p.name)))
        .collect();
    if !fixed.is_empty() {
        lines.push(String::new());
        lines.push(format!(
            "Sends {} itself: the only value Alma documents.",
            fixed.join(", ")
        ));
    }
    if op.no_content {
        lines.push(String::new());
        lines.push("Alma answers success with HTTP 204 and no content: the value is `()`.".into());
    }
    if let Some(b) = &op.request {
        if let BodyType::Opaque { unresolved_ref } = &b.ty {
            lines.push(String::new());
            lines.push(match unresolved_ref {
                Some(r) => format!(
                    "The body's schema (`{}`) is not published; send it as a [`RawBody`](alma_runtime::RawBody).",
                    r.rsplit('/').next().unwrap_or(r)
                ),
                None => "The body is free-form; send it as a [`RawBody`](alma_runtime::RawBody).".into(),
            });
        }
        if b.xml_only() {
            lines.push(String::new());
            lines.push("This operation accepts only XML bodies (\"JSON is not supported\", its documentation says); it sends XML whatever the client's format.".into());
        }
    }
    if !op.errors.is_empty() {
        lines.push(String::new());
        lines.push("# Errors".into());
        lines.push(String::new());
        match &op.error_enum {
            Some(e) => lines.push(format!(
                "Alma error codes documented for this operation, matched with `err.kind::<{e}>()` ([`{e}`]):"
            )),
            None => lines.push("Alma error codes documented for this operation:".into()),
        }
        for e in &op.errors {
            lines.push(format!(
                "- `{}` ({}): {}",
                e.code,
                e.status,
                sanitize(&e.message).replace('\n', " ")
            ));
        }
    }
    doc_lines(&lines)
}

fn builder(api: &Api, area: &Area, op: &Operation) -> TokenStream {
    let builder = format_ident!("{}", type_ident(&op.name));
    let api_ty = area_type(area);
    let doc = format!(
        " Request builder for [`{api_ty}::{}`](super::{api_ty}::{}).",
        op.name, op.name
    );
    let setters = setter_params(op).map(setter);
    let response = match &op.response {
        Some(b) => body_type(api, b),
        None => quote! { () },
    };
    let (body_field, send) = match &op.request {
        Some(b) => {
            let ty = body_type(api, b);
            (
                quote! { body: #ty, },
                quote! { self.req.send_with_body(&self.body) },
            )
        }
        None => (quote! {}, quote! { self.req.send() }),
    };
    let paginator = op.pagination.as_ref().map(|pg| {
        let page = body_type(
            api,
            op.response
                .as_ref()
                .expect("paginated operations have a response body"),
        );
        match pg {
            Pagination::OffsetLimit {
                items_field,
                item,
                id,
            } => {
                let item = super::models::field_type(api, item);
                let field = format_ident!("{}", items_field);
                let (identified, doc) = match id {
                    Some(id) => {
                        let mut access = quote! { r };
                        let last = id.steps.len() - 1;
                        for (i, (name, optional)) in id.steps.iter().enumerate() {
                            let name = format_ident!("{}", name);
                            access = if *optional && i < last {
                                quote! { #access.#name.as_ref()? }
                            } else {
                                quote! { #access.#name }
                            };
                        }
                        let path = &id.json_path;
                        let doc = [
                            format!(" Records are told apart by `{path}`: a page that repeats the previous one"),
                            " ends the stream with an error, and a record two pages share is yielded once."
                                .to_owned(),
                        ];
                        (
                            quote! {
                                .identified_by(#path, |r: &#item| -> Option<String> {
                                    alma_runtime::paginate::RecordId::record_id(&#access)
                                })
                            },
                            doc,
                        )
                    }
                    None => (
                        quote! {},
                        [
                            " Records are told apart by their content: a page that repeats the previous one"
                                .to_owned(),
                            " ends the stream with an error, and a record two pages share is yielded once."
                                .to_owned(),
                        ],
                    ),
                };
                let [doc1, doc2] = doc;
                quote! {
                    /// Every item of the list, page by page (`limit=100` and a rising `offset`, set for
                    /// you), stopping at the first short page: `total_record_count` is not trusted.
                    ///
                    #[doc = #doc1]
                    #[doc = #doc2]
                    #[inline]
                    pub fn into_stream(self) -> alma_runtime::Paginator<#page, #item> {
                        alma_runtime::Paginator::new(self.req, |page: #page| Ok(page.#field))
                            #identified
                    }
                }
            }
            Pagination::RawOffsetLimit => quote! {
                /// Every record of the list as JSON (Ex Libris has not published this answer's
                /// schema), page by page (`limit=100` and a rising `offset`, set for you), stopping
                /// at the first short page: `total_record_count` is not trusted. The records are
                /// the page's one array field; the pages are asked for in JSON.
                #[inline]
                pub fn into_stream(self) -> alma_runtime::Paginator<alma_runtime::RawBody, serde_json::Value> {
                    alma_runtime::Paginator::untyped(self.req)
                }
            },
            Pagination::ResumptionToken { raw_field } => {
                let raw = format_ident!("{}", raw_field);
                quote! {
                    /// Every row of the report, following the resumption token until `IsFinished`,
                    /// each as (column heading, value) pairs.
                    #[inline]
                    pub fn rows(self) -> alma_runtime::analytics::ReportRows<#page> {
                        alma_runtime::analytics::ReportRows::new(self.req, |page: #page| page.#raw)
                    }
                }
            }
        }
    });
    let body_accessor = op.request.as_ref().map(|b| {
        let ty = body_type(api, b);
        quote! {
            /// The body that will be sent, for changes before `send()`.
            #[inline]
            pub fn body_mut(&mut self) -> &mut #ty {
                &mut self.body
            }
        }
    });
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone)]
        #[must_use = "a request does nothing until `.send().await`"]
        pub struct #builder {
            req: alma_runtime::RequestBuilder,
            #body_field
        }

        impl #builder {
            #(#setters)*
            #body_accessor
            #paginator

            /// Sends the request and decodes the response: a named future (`Send`, `Unpin`).
            // The runtime's boxed future, not an `async fn` or `impl Future` of our own: a
            // state machine per operation, or proving an opaque type `Send` per operation, was
            // a large part of the crate's compile time. `#[inline]` like every forwarding
            // function of a builder: a program compiles the operations it uses.
            #[inline]
            pub fn send(self) -> alma_runtime::ResponseFuture<#response> {
                #send
            }
        }

        alma_runtime::request_options!(#builder);
    }
}

fn setter(p: &Param) -> TokenStream {
    let ident = format_ident!("{}", p.rust_name);
    let wire = &p.name;
    let mut lines: Vec<String> = match &p.description {
        Some(d) => sanitize(d).lines().map(String::from).collect(),
        None => vec![format!("Query parameter `{wire}`.")],
    };
    if let Some(d) = &p.default {
        // Outside `sanitize`: the default is shown verbatim in a code span.
        lines.push(String::new());
        lines.push(format!("Default: `{}`.", d.to_string().replace('`', "'")));
    }
    let doc = doc_lines(&lines);
    let (ty, value) = arg_type(p);
    let put = place(p, value);
    quote! {
        #doc
        #[inline]
        pub fn #ident(mut self, #ident: #ty) -> Self {
            self.req = self.req #put;
            self
        }
    }
}

/// `update_x_with(ids…, |value| …)` for a PUT whose path also has a GET, both typed and with no
/// required query parameters: GET, let the caller edit the value, PUT it back. Alma's PUT
/// replaces the whole record, so starting from a fresh GET (and keeping unknown fields) is the
/// only safe way to change one field.
fn update_helper(api: &Api, area: &Area, put: &Operation) -> Option<TokenStream> {
    // Which GET pairs with this PUT was decided in the IR (`Resource::get_pair`).
    let get_op = put.resource.get_pair.as_deref()?;
    let get = area.operations.iter().find(|o| o.name == get_op)?;
    let (BodyType::Model(get_model), BodyType::Model(_)) =
        (&get.response.as_ref()?.ty, &put.request.as_ref()?.ty)
    else {
        return None;
    };
    let name = format_ident!("{}_with", put.name);
    let get_name = format_ident!("{}", get.name);
    let put_name = format_ident!("{}", put.name);
    let value_ty = model_path(api, get_model);
    let response = match &put.response {
        Some(b) => body_type(api, b),
        None => quote! { () },
    };
    let ids: Vec<_> = direct_args(put)
        .map(|p| format_ident!("{}", p.rust_name))
        .collect();
    let op_name = format!("{}.{}", area.name, put.name);
    let doc = doc_lines(&[
        format!(
            "Fetches the record with [`{g}`](Self::{g}), lets `change` edit it, and sends it back with [`{p}`](Self::{p}).",
            g = get.name,
            p = put.name
        ),
        String::new(),
        "Alma's PUT replaces the whole record (missing fields get default values), so this keeps every field,".into(),
        "including ones this SDK does not know, and changes only what `change` changes.".into(),
    ]);
    Some(quote! {
        #doc
        pub async fn #name(
            &self,
            #(#ids: impl Into<String>,)*
            change: impl FnOnce(&mut #value_ty),
        ) -> Result<alma_runtime::Response<#response>, alma_runtime::Error> {
            #(let #ids: String = #ids.into();)*
            let mut value = self.#get_name(#(#ids.clone()),*).send().await?.into_inner();
            change(&mut value);
            let body = alma_runtime::convert(&value, #op_name)?;
            self.#put_name(#(#ids,)* body).send().await
        }
    })
}

/// `run_job_and_wait` when the area has Alma's job operations, typed: submit a job (`op=run`),
/// read the instance id from the answer's `additional_info` link, and poll the instance until
/// its status is final.
fn jobs_helper(api: &Api, area: &Area) -> Option<TokenStream> {
    // Which operations these are was decided in the IR (`Area::jobs`), by method and path.
    let jobs = area.jobs.as_ref()?;
    let find = |name: &str| area.operations.iter().find(|o| o.name == name);
    let (submit, instance) = (find(&jobs.submit)?, find(&jobs.instance)?);
    let (Some(BodyType::Model(req)), Some(BodyType::Model(job)), Some(BodyType::Model(inst))) = (
        submit.request.as_ref().map(|b| &b.ty),
        submit.response.as_ref().map(|b| &b.ty),
        instance.response.as_ref().map(|b| &b.ty),
    ) else {
        return None;
    };
    let has_field = |id: &str, f: &str| matches!(&api.models[id].kind, ModelKind::Struct { fields } if fields.iter().any(|x| x.rust_name == f));
    if !has_field(job, "additional_info") || !has_field(inst, "status") {
        return None;
    }
    let (req_ty, inst_ty) = (model_path(api, req), model_path(api, inst));
    let (submit_name, instance_name) = (
        format_ident!("{}", submit.name),
        format_ident!("{}", instance.name),
    );
    let op_name = format!("{}.run_job_and_wait", area.name);
    // `op=run` is an argument unless it is the only documented value (the method sends it).
    let run = match submit.params.iter().find(|p| p.name == "op") {
        Some(p) if p.fixed.is_some() => quote! {},
        _ => quote! { "run", },
    };
    let doc = doc_lines(&[
        "Submits job `job_id` (`op=run`) and polls its instance until it ends (`COMPLETED_*`, `FAILED`, …),".into(),
        "every `wait.interval`, for at most `wait.timeout`; returns the final instance.".into(),
        String::new(),
        "Fails with [`Error::Timeout`](alma_runtime::Error::Timeout) when the bound is reached, and with".into(),
        "[`Error::Decode`](alma_runtime::Error::Decode) when the answer does not name the instance.".into(),
    ]);
    Some(quote! {
        #doc
        pub async fn run_job_and_wait(
            &self,
            job_id: impl Into<String>,
            job: #req_ty,
            wait: alma_runtime::wait::WaitOptions,
        ) -> Result<#inst_ty, alma_runtime::Error> {
            let job_id: String = job_id.into();
            let submitted = self.#submit_name(job_id.clone(), #run job).send().await?;
            let status = submitted.status;
            let link = submitted.value.additional_info.as_ref().and_then(|i| i.link.clone()).unwrap_or_default();
            let instance_id = link.trim_end_matches('/').rsplit('/').next().unwrap_or("").to_string();
            if instance_id.is_empty() || !link.contains("/instances/") {
                return Err(alma_runtime::Error::unexpected_answer(
                    #op_name,
                    status,
                    link,
                    "the submitted job's additional_info has no instance link",
                ));
            }
            let done = |r: &alma_runtime::Response<#inst_ty>| {
                r.value.status.as_ref().is_some_and(|s| alma_runtime::wait::job_status_is_final(&s.value))
            };
            let poll = || self.#instance_name(job_id.clone(), instance_id.clone()).send();
            alma_runtime::wait::poll_until(#op_name, poll, done, wait).await.map(|r| r.value)
        }
    })
}
