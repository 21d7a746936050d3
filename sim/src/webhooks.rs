//! Alma's webhook calls to a listener: the registration challenge first (`GET ?challenge=…`,
//! answered with the challenge), then each event as a JSON `POST` signed with the integration
//! profile's secret (`X-Exl-Signature`: Base64 HMAC-SHA256 of the body), one at a time in order.

use std::sync::Arc;

use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::Value;
use tokio::sync::mpsc;

use crate::config::WebhookTarget;
use crate::stats::Counters;

/// Where events go to be sent.
#[derive(Clone)]
pub struct Sender(mpsc::UnboundedSender<Value>);

impl Sender {
    pub fn send(&self, payload: Value) {
        let _ = self.0.send(payload);
    }
}

/// The signature Alma puts on a call's body.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Starts the sender: answers whether the listener passed the challenge, then sends events
/// as they come.
pub async fn start(target: WebhookTarget, counters: Arc<Counters>) -> (Sender, Result<(), String>) {
    let (tx, mut rx) = mpsc::unbounded_channel::<Value>();
    let http = reqwest::Client::new();
    let challenge = format!("sim-{:016x}", fastrand::u64(..));
    let registered = async {
        let url = format!(
            "{}{}challenge={challenge}",
            target.url,
            if target.url.contains('?') { "&" } else { "?" }
        );
        let answer = http.get(&url).send().await.map_err(|e| e.to_string())?;
        let status = answer.status();
        let body = answer.text().await.map_err(|e| e.to_string())?;
        if status.is_success() && body.contains(&challenge) {
            Ok(())
        } else {
            Err(format!(
                "the listener answered the challenge with {status}: {body:.200}"
            ))
        }
    }
    .await;
    tokio::spawn(async move {
        while let Some(payload) = rx.recv().await {
            let body = payload.to_string();
            let sig = signature(&target.secret, body.as_bytes());
            let sent = http
                .post(&target.url)
                .header("Content-Type", "application/json")
                .header("X-Exl-Signature", sig)
                .body(body)
                .send()
                .await;
            counters
                .webhooks_sent
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if !sent.is_ok_and(|r| r.status().is_success()) {
                counters
                    .webhooks_failed
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        }
    });
    (Sender(tx), registered)
}
