//! Webhook calls: Alma's for users and items created, changed or deleted, and the calls other
//! behaviours send (loans, job ends).

use std::time::SystemTime;

use serde_json::{json, Value};

use crate::alma::Alma;
use crate::store;

/// A record created, changed or deleted: Alma's webhook call for users and items.
pub fn changed(alma: &Alma, what: &str, path: &str, value: &Value) {
    let collection = store::split(store::split(path).0).1;
    match collection {
        "users" => {
            let method = match what {
                "CREATED" => "CREATE",
                "DELETED" => "DELETE",
                _ => "UPDATE",
            };
            let payload = json!({"method": method, "cause": format!("USER_{what}"), "user": value});
            send(alma, "USER", "", "webhook_user", &payload);
        }
        "items" => send(alma, "ITEM", &format!("ITEM_{what}"), "item", value),
        _ => {}
    }
}

/// Sends Alma's webhook call for `action`, its object under `key`.
pub fn send(alma: &Alma, action: &str, event: &str, key: &str, object: &Value) {
    let Some(sender) = &alma.webhooks else { return };
    let mut payload = json!({
        "id": format!("{}", fastrand::u64(1_000_000_000_000..9_999_999_999_999)),
        "action": action,
        "institution": {"value": alma.config.institution, "desc": alma.config.institution},
        "time": iso(SystemTime::now()),
    });
    if !event.is_empty() {
        payload["event"] = json!({"value": event, "desc": event.replace('_', " ").to_lowercase()});
    }
    payload[key] = object.clone();
    sender.send(payload);
}

/// `2026-12-06T03:04:05.000Z`, from the system clock (no date library for one format).
pub fn iso(t: SystemTime) -> String {
    let c = alma_runtime::civil::civil(t);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.000Z",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn iso_dates() {
        assert_eq!(iso(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            iso(UNIX_EPOCH + Duration::from_secs(1_796_526_245)),
            "2026-12-06T03:04:05.000Z"
        );
    }
}
