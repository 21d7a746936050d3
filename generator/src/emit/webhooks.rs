//! The webhooks module's `events.rs`: the event enum by action (`ir::Webhook`), decoded from a
//! call's body by the runtime's `webhooks::Webhooks::receive`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::ir::{Api, Area, Holding, ModelKind, TypeRef, Webhook};

use super::models::model_path;

pub fn events_rs(api: &Api, area: &Area, w: &Webhook) -> TokenStream {
    let model = model_path(api, &w.model);
    let name = &api.models[&w.model].name;
    let link = format!("crate::{}", api.models[&w.model].rust_path());
    let variants = w.actions.iter().map(|a| {
        let v = format_ident!("{}", a.variant);
        let fields = a
            .fields
            .iter()
            .map(|f| format!("`{f}`"))
            .collect::<Vec<_>>()
            .join(" or ");
        let doc = format!(" `{}`: its object is in {fields}.", a.action);
        quote! {
            #[doc = #doc]
            #v(Box<#model>),
        }
    });
    let decode_arms = w.actions.iter().map(|a| {
        let v = format_ident!("{}", a.variant);
        let action = &a.action;
        quote! { #action => Event::#v(Box::new(notification)), }
    });
    let action_arms = w.actions.iter().map(|a| {
        let v = format_ident!("{}", a.variant);
        let action = &a.action;
        quote! { Event::#v(_) => #action, }
    });
    let known = w.actions.iter().map(|a| {
        let v = format_ident!("{}", a.variant);
        quote! { Event::#v(n) }
    });
    let id = text_field(api, w, "id").map(|(field, plain)| {
        let body = if plain {
            quote! { Some(self.notification().#field.as_str()) }
        } else {
            quote! { self.notification().#field.as_deref() }
        };
        quote! {
            /// The call's `id` (unique per message: Alma retries with the same one).
            pub fn id(&self) -> Option<&str> {
                #body
            }
        }
    });
    let action_text = match text_field(api, w, "action") {
        Some((field, true)) => quote! { notification.#field.trim() },
        Some((field, false)) => quote! { notification.#field.as_deref().unwrap_or("").trim() },
        // `lower::webhooks` refuses a payload without a text `action` field.
        None => quote! { "" },
    };
    let doc = format!(
        " One webhook call from Alma, by its `action`. Decode it with\n \
         [`Webhooks::receive`](crate::runtime::webhooks::Webhooks::receive) (signature first),\n \
         or with \
         [`Decode`] from a body already verified. Every variant keeps the whole [`{name}`]({link})\n \
         (unknown fields included); an action this SDK does not know is [`Event::Other`], with\n \
         the body as received."
    );
    let module_doc = format!(
        " The {} event enum, one variant per action the payload documents.",
        area.title
    );
    quote! {
        #![doc = #module_doc]

        use alma_runtime::{Decode, DecodeError, Format, RawBody};

        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum Event {
            #(#variants)*
            /// An action this SDK does not know: the payload read as far as it goes, and the body
            /// exactly as received.
            Other {
                /// The call's `action`.
                action: String,
                /// The payload, unknown fields kept.
                notification: Box<#model>,
                /// The body as received.
                body: RawBody,
            },
        }

        impl Event {
            /// The call's `action` (`JOB_END`, `LOAN`, …).
            pub fn action(&self) -> &str {
                match self {
                    #(#action_arms)*
                    Event::Other { action, .. } => action,
                }
            }

            /// The payload.
            pub fn notification(&self) -> &#model {
                match self {
                    #(#known)|* => n,
                    Event::Other { notification, .. } => notification,
                }
            }

            #id
        }

        impl Decode for Event {
            fn decode(body: &[u8], format: Format) -> Result<Self, DecodeError> {
                let notification = <#model as Decode>::decode(body, format)?;
                let action = #action_text.to_string();
                if action.is_empty() {
                    return Err(DecodeError::new("the webhook call has no `action`").in_field("action"));
                }
                Ok(match action.as_str() {
                    #(#decode_arms)*
                    _ => {
                        let text = String::from_utf8(body.to_vec())
                            .map_err(|_| DecodeError::new("the body is not UTF-8"))?;
                        Event::Other {
                            action,
                            notification: Box::new(notification),
                            body: RawBody { format, text },
                        }
                    }
                })
            }
        }
    }
}

/// The payload's text field `name`: its Rust name, and whether it is held plain (`String`).
fn text_field(api: &Api, w: &Webhook, name: &str) -> Option<(proc_macro2::Ident, bool)> {
    let ModelKind::Struct { fields } = &api.models[&w.model].kind else {
        return None;
    };
    let f = fields
        .iter()
        .find(|f| f.name == name && f.ty == TypeRef::String)?;
    Some((
        format_ident!("{}", f.rust_name),
        f.holding == Holding::Plain,
    ))
}
