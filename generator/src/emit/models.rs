//! Models → Rust types. Structs keep every field they do not know in `extra` and write it back,
//! so a GET → modify → PUT never drops data Alma added after the spec was published.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::doc_attr;
use crate::ir::{Api, Area, EnumValue, Field, Model, ModelKind, TypeRef};

/// Path of a model's type from anywhere in the crate.
pub fn model_path(api: &Api, id: &str) -> TokenStream {
    model_path_in(api, id, quote! { crate })
}

/// The model's path from the root of crate `krate` (`alma_sdk` outside the SDK).
pub fn model_path_in(api: &Api, id: &str, krate: TokenStream) -> TokenStream {
    let segments = api.models[id]
        .rust_path()
        .split("::")
        .map(|s| format_ident!("{}", s))
        .collect::<Vec<_>>();
    quote! { #krate #(::#segments)* }
}

pub fn area_models(api: &Api, area: &Area, models: &[&Model]) -> TokenStream {
    let doc = format!(" Models of the {} API.", area.title);
    let items = models.iter().map(|m| model(api, m, quote! {}));
    quote! {
        #![doc = #doc]
        #(#items)*
    }
}

pub fn shared_module(api: &Api, models: &[&Model]) -> TokenStream {
    let items = models
        .iter()
        .map(|m| model(api, m, super::cfg_areas(&m.areas)));
    quote! { #(#items)* }
}

fn model(api: &Api, m: &Model, cfg: TokenStream) -> TokenStream {
    match &m.kind {
        ModelKind::Struct { fields } => struct_model(api, m, fields, cfg),
        ModelKind::Enum { values } => enum_model(m, values, cfg),
    }
}

fn model_doc(m: &Model) -> TokenStream {
    let body = doc_attr(m.doc.as_deref());
    let origin = format!(" Schema: `{}`.", m.id);
    if m.doc.is_some() {
        quote! { #body #[doc = ""] #[doc = #origin] }
    } else {
        quote! { #[doc = #origin] }
    }
}

fn struct_model(api: &Api, m: &Model, fields: &[Field], cfg: TokenStream) -> TokenStream {
    let name = format_ident!("{}", m.name);
    let doc = model_doc(m);
    let fields_ts = fields.iter().map(|f| field(api, f));
    let root = m
        .xml_name
        .clone()
        .unwrap_or_else(|| heck::ToSnakeCase::to_snake_case(m.name.as_str()));
    let model_name = &m.name;
    let xml_fields: Vec<TokenStream> = fields.iter().map(|f| xml_field(api, f)).collect();
    // The short names the field descriptions use, those they use only.
    let scalars = xml_fields
        .iter()
        .any(|f| f.to_string().contains("V :: Scalar"));
    let xml_use = match (fields.is_empty(), scalars) {
        (true, _) => quote! {},
        (false, true) => quote! {
            use alma_runtime::desc::{ScalarKind as S, FieldDesc as F, FieldKind as K, FieldValue as V};
        },
        (false, false) => quote! {
            use alma_runtime::desc::{FieldDesc as F, FieldKind as K, FieldValue as V};
        },
    };
    // A required enum always holds a value, so such a model is never empty.
    let empty_body = match fields
        .iter()
        .map(|f| empty_check(api, f))
        .collect::<Option<Vec<_>>>()
    {
        Some(checks) => quote! { #(#checks &&)* self.extra.is_empty() },
        None => quote! { false },
    };
    let idents: Vec<_> = fields
        .iter()
        .map(|f| format_ident!("{}", f.rust_name))
        .collect();
    // Not `#[non_exhaustive]`: `Model { field, ..Default::default() }` must work for users, and
    // that form keeps compiling when a regeneration adds fields.
    // The codec is the runtime's, over two functions per model that list its fields (in the
    // order of the XML description, whose keys name them): not serde derives, which are
    // instantiated once per model and per deserializer, nor a `match` on keys and a call per
    // field, which was most of the crate's compile time. `serde_via_codec!` still gives users
    // serde.
    quote! {
        #doc
        #cfg
        #[derive(Default)]
        pub struct #name {
            #(#fields_ts)*
            /// Fields this version of the SDK does not know, kept and sent back unchanged.
            pub extra: alma_runtime::Extra,
            /// How the value arrived on the wire, so that it is sent back as it came.
            #[doc(hidden)]
            pub wire: alma_runtime::Wire,
        }

        // The functions below only forward to the runtime: `#[inline]`, so that a program
        // compiles those of the models it uses, as it would serde-derived (generic) code.
        #cfg
        impl alma_runtime::IsEmpty for #name {
            #[inline]
            fn is_empty(&self) -> bool {
                #empty_body
            }
        }

        #cfg
        impl alma_runtime::Codec for #name {
            #[inline]
            fn from_node(node: alma_runtime::Node<'_>) -> Result<Self, alma_runtime::DecodeError> {
                alma_runtime::codec::read_object(node)
            }

            #[inline]
            fn to_value(&self) -> serde_json::Value {
                alma_runtime::codec::write_object(self)
            }

            #[inline]
            fn is_absent(&self) -> bool {
                alma_runtime::IsEmpty::is_empty(self)
            }

            #[inline]
            fn to_wire(&self, form: &alma_runtime::codec::Form) -> Option<serde_json::Value> {
                alma_runtime::codec::object_to_wire(self, form)
            }
        }

        // `Debug`, `Clone` and `PartialEq` through the field list, not derived: derived `fmt`,
        // `clone` and `eq` per model were the largest items of type checking the crate. They
        // do what the derived ones do (`Debug` names fields as Alma does).
        #cfg
        impl std::fmt::Debug for #name {
            #[inline]
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                alma_runtime::codec::debug_object(self, f)
            }
        }

        #cfg
        impl Clone for #name {
            #[inline]
            fn clone(&self) -> Self {
                alma_runtime::codec::clone_object(self)
            }
        }

        #cfg
        impl PartialEq for #name {
            #[inline]
            fn eq(&self, other: &Self) -> bool {
                alma_runtime::codec::eq_object(self, other)
            }
        }

        #cfg
        impl alma_runtime::codec::Object for #name {
            #[inline]
            fn fields(&self, f: &mut alma_runtime::codec::VisitFields<'_>) {
                f(&[#(&self.#idents),*], &self.extra, &self.wire)
            }

            #[inline]
            fn fields_mut(&mut self, f: &mut alma_runtime::codec::VisitFieldsMut<'_>) {
                f(&mut [#(&mut self.#idents),*], &mut self.extra, &mut self.wire)
            }
        }

        #cfg
        alma_runtime::serde_via_codec!(#name);

        #cfg
        impl alma_runtime::Described for #name {
            const NAME: &'static str = #model_name;

            #[inline]
            fn desc() -> &'static alma_runtime::desc::ModelDesc {
                #xml_use
                static MODEL: alma_runtime::desc::ModelDesc = alma_runtime::desc::ModelDesc {
                    root: #root,
                    fields: &[#(#xml_fields),*],
                };
                &MODEL
            }
        }

        #cfg
        impl alma_runtime::Model for #name {}
    }
}

/// The Rust type of a field and the runtime deserializer that reads it leniently.
pub(super) fn field_type(api: &Api, t: &TypeRef) -> TokenStream {
    match t {
        TypeRef::String => quote! { String },
        TypeRef::Integer => quote! { i64 },
        TypeRef::Number => quote! { f64 },
        TypeRef::Boolean => quote! { bool },
        TypeRef::CodeValue => quote! { alma_runtime::CodeValue },
        TypeRef::Any => quote! { serde_json::Value },
        TypeRef::Model(id) => model_path(api, id),
        TypeRef::Array(inner) => {
            let inner = field_type(api, inner);
            quote! { Vec<#inner> }
        }
    }
}

fn field(api: &Api, f: &Field) -> TokenStream {
    let ident = format_ident!("{}", f.rust_name);
    let doc = match &f.doc {
        Some(d) => super::doc_attr(Some(d)),
        None => {
            // Every public item is documented; the spec has nothing to say about this one.
            let line = match (&f.xml.wrapper, f.xml.attribute, f.xml.text) {
                (Some(w), _, _) => format!(" `{}` (XML `<{w}><{}>…`).", f.name, f.xml.name),
                (None, true, _) => format!(" `{}` (XML attribute `{}`).", f.name, f.xml.name),
                (None, _, true) => format!(" `{}` (XML text).", f.name),
                _ => format!(" `{}` (XML element `{}`).", f.name, f.xml.name),
            };
            quote! { #[doc = #line] }
        }
    };
    let example = f
        .example
        .as_ref()
        .filter(|e| !e.contains('`') && !e.contains('\n'))
        .map(|e| {
            let line = format!(" Example: `{e}`.");
            quote! { #[doc = ""] #[doc = #line] }
        });
    // How the field is held was decided in the IR (`Holding`); this only prints it.
    let mut ty = field_type(api, &f.ty);
    if f.holding.is_boxed() {
        ty = quote! { Box<#ty> };
    }
    if f.holding.is_optional() {
        ty = quote! { Option<#ty> };
    }
    quote! {
        #doc
        #example
        pub #ident: #ty,
    }
}

fn enum_model(m: &Model, values: &[EnumValue], cfg: TokenStream) -> TokenStream {
    let name = format_ident!("{}", m.name);
    let doc = model_doc(m);
    let body = enum_body(&name, values, &cfg);
    quote! {
        #doc
        #cfg
        // No `Default`: the schemas declare no default value, and a first variant picked for
        // an absent value would be invented data (enum fields are `Option`).
        #body

        #cfg
        impl alma_runtime::Codec for #name {
            const SHAPE: alma_runtime::codec::Shape = alma_runtime::codec::Shape::Enum;

            #[inline]
            fn from_node(node: alma_runtime::Node<'_>) -> Result<Self, alma_runtime::DecodeError> {
                Ok(Self::from(alma_runtime::codec::enum_text(node)?.as_str()))
            }

            #[inline]
            fn to_value(&self) -> serde_json::Value {
                serde_json::Value::String(self.as_str().to_owned())
            }
        }

        #cfg
        alma_runtime::serde_via_codec!(#name);
    }
}

/// An open enumeration: one variant per known value, `Other(String)` for the rest, `as_str` and
/// `From<&str>`. Shared by model enums and query parameter enums.
pub(super) fn enum_body(
    name: &proc_macro2::Ident,
    values: &[EnumValue],
    cfg: &TokenStream,
) -> TokenStream {
    let variants: Vec<_> = values
        .iter()
        .map(|v| format_ident!("{}", v.variant))
        .collect();
    let docs: Vec<String> = values.iter().map(|v| format!(" `{}`", v.wire)).collect();
    let vals: Vec<&str> = values.iter().map(|v| v.wire.as_str()).collect();
    quote! {
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum #name {
            #( #[doc = #docs] #variants, )*
            /// A value this version of the SDK does not know, kept as sent.
            Other(String),
        }

        #cfg
        impl #name {
            /// The value on the wire.
            #[inline]
            pub fn as_str(&self) -> &str {
                match self {
                    #( Self::#variants => #vals, )*
                    Self::Other(s) => s,
                }
            }
        }

        #cfg
        impl From<&str> for #name {
            #[inline]
            fn from(s: &str) -> Self {
                match s {
                    #( #vals => Self::#variants, )*
                    other => Self::Other(other.to_string()),
                }
            }
        }
    }
}

/// The runtime's XML description of one field.
fn xml_field(api: &Api, f: &Field) -> TokenStream {
    let key = &f.name;
    let name = &f.xml.name;
    let (array, inner) = match &f.ty {
        TypeRef::Array(inner) => (true, inner.as_ref()),
        t => (false, t),
    };
    let kind = if f.xml.any {
        quote! { K::Any }
    } else if f.xml.attribute {
        quote! { K::Attribute }
    } else if f.xml.text {
        quote! { K::Text }
    } else {
        quote! { K::Element }
    };
    let wrapper = match &f.xml.wrapper {
        Some(w) => quote! { Some(#w) },
        None => quote! { None },
    };
    let value = match inner {
        TypeRef::CodeValue => quote! { V::Code },
        TypeRef::Any => quote! { V::Any },
        TypeRef::Model(id) if matches!(api.models[id].kind, ModelKind::Struct { .. }) => {
            let path = model_path(api, id);
            quote! { V::Model(<#path as alma_runtime::Described>::desc) }
        }
        TypeRef::Integer => quote! { V::Scalar(S::Int) },
        TypeRef::Number => quote! { V::Scalar(S::Num) },
        TypeRef::Boolean => quote! { V::Scalar(S::Bool) },
        TypeRef::Model(_) => quote! { V::Scalar(S::Enum) },
        _ => quote! { V::Scalar(S::Str) },
    };
    // A struct literal, not a `const fn` call: cheaper for the compiler to check, per field.
    quote! { F { key: #key, name: #name, kind: #kind, wrapper: #wrapper, array: #array, value: #value } }
}

/// The `is_empty` test of one field, matching how `field` declares it; `None` when the field
/// always holds a value.
fn empty_check(api: &Api, f: &Field) -> Option<TokenStream> {
    let id = format_ident!("{}", f.rust_name);
    Some(match &f.ty {
        TypeRef::Array(_) => quote! { self.#id.is_empty() },
        TypeRef::Any => quote! { self.#id.is_null() },
        _ if f.holding.is_optional() => quote! { self.#id.is_none() },
        TypeRef::String => quote! { self.#id.is_empty() },
        TypeRef::CodeValue => quote! { alma_runtime::IsEmpty::is_empty(&self.#id) },
        TypeRef::Model(mid) => match api.models[mid].kind {
            ModelKind::Struct { .. } => quote! { alma_runtime::IsEmpty::is_empty(&self.#id) },
            ModelKind::Enum { .. } => return None,
        },
        TypeRef::Integer | TypeRef::Number | TypeRef::Boolean => return None,
    })
}
