//! Webhook calls over real HTTP on loopback to the `webhook_listener` example's server: the
//! registration challenge, signed JSON and XML events of several actions (the `JOB_END` job
//! instance is the type `run_job_and_wait` returns), and every way a call is refused. Signatures
//! are computed here with `hmac` directly, not with the SDK's own signing.

use std::sync::{Arc, Mutex};

use alma_sdk::runtime::webhooks::Webhooks;
use alma_sdk::runtime::{Decode, Format, Model};
use alma_sdk::webhooks::Event;
use base64::Engine;
use hmac::{Hmac, Mac};

const SECRET: &str = "integration-profile-secret";

fn payload(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/webhooks")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

struct Listener {
    url: String,
    events: Arc<Mutex<Vec<Event>>>,
    http: reqwest::Client,
}

impl Listener {
    async fn start(max_body: usize) -> Listener {
        let events = Arc::new(Mutex::new(Vec::new()));
        let seen = events.clone();
        let webhooks = Webhooks::new(SECRET).unwrap().max_body_bytes(max_body);
        let app = alma_sdk_tests::webhook_listener::router(
            webhooks,
            Arc::new(move |e| seen.lock().unwrap().push(e)),
        );
        let socket = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", socket.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(socket, app).await.unwrap() });
        Listener {
            url,
            events,
            http: reqwest::Client::new(),
        }
    }

    async fn post(&self, content_type: &str, signature: Option<&str>, body: Vec<u8>) -> u16 {
        let mut req = self
            .http
            .post(&self.url)
            .header("Content-Type", content_type)
            .body(body);
        if let Some(s) = signature {
            req = req.header("X-Exl-Signature", s);
        }
        req.send().await.unwrap().status().as_u16()
    }

    fn events(&self) -> Vec<Event> {
        self.events.lock().unwrap().clone()
    }
}

#[tokio::test]
async fn the_registration_challenge_is_answered() {
    let l = Listener::start(1 << 20).await;
    let answer = l
        .http
        .get(format!("{}?challenge=Zx81%2Bq", l.url))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 200);
    let body: serde_json::Value = serde_json::from_str(&answer.text().await.unwrap()).unwrap();
    assert_eq!(body, serde_json::json!({"challenge": "Zx81+q"}));
    let none = l.http.get(&l.url).send().await.unwrap();
    assert_eq!(none.status().as_u16(), 400);
}

/// `run_job_and_wait` returns the very type a `JOB_END` call carries (checked by the compiler).
#[allow(dead_code)]
async fn run_job_and_wait_returns_the_job_end_type(
    c: &alma_sdk::Client,
) -> Result<alma_sdk::models::JobInstance, alma_sdk::Error> {
    c.conf()
        .run_job_and_wait(
            "M1",
            alma_sdk::models::JobPost::default(),
            alma_sdk::runtime::wait::WaitOptions::default(),
        )
        .await
}

#[tokio::test]
async fn signed_events_are_decoded_by_action() {
    let l = Listener::start(1 << 20).await;
    let job_end = payload("job_end.json");
    let loan = payload("loan.xml");
    let user = payload("user.json");
    for (ct, body) in [
        ("application/json", &job_end),
        ("application/xml", &loan),
        ("application/json; charset=UTF-8", &user),
    ] {
        let sig = sign(SECRET, body);
        assert_eq!(l.post(ct, Some(&sig), body.clone()).await, 200);
    }
    let events = l.events();
    assert_eq!(events.len(), 3);

    let Event::JobEnd(n) = &events[0] else {
        panic!("{:?}", events[0])
    };
    assert_eq!(events[0].id(), Some("8734562187956310005"));
    let job: &alma_sdk::models::JobInstance = n.job_instance.as_ref().unwrap();
    let wire: serde_json::Value = serde_json::from_slice(&job_end).unwrap();
    // The job instance reads as run_job_and_wait's type would read it from the API.
    let direct = alma_sdk::models::JobInstance::decode(
        wire["job_instance"].to_string().as_bytes(),
        Format::Json,
    )
    .unwrap();
    assert_eq!(job, &direct);
    assert_eq!(job.progress, Some(100.0));
    // Nothing dropped or invented: the payload encodes back to what was received.
    let again: serde_json::Value = serde_json::from_str(&n.to_json().unwrap()).unwrap();
    assert_eq!(again, wire);

    let Event::Loan(n) = &events[1] else {
        panic!("{:?}", events[1])
    };
    assert_eq!(events[1].action(), "LOAN");
    assert_eq!(events[1].id(), Some("4512876601230005"));
    let item_loan = n.item_loan.as_ref().unwrap();
    assert_eq!(item_loan.loan_id.as_deref(), Some("2377201730005"));
    assert_eq!(
        n.event.as_ref().map(|e| e.value.as_str()),
        Some("LOAN_CREATED")
    );

    let Event::User(n) = &events[2] else {
        panic!("{:?}", events[2])
    };
    let w = n.webhook_user.as_ref().unwrap();
    assert_eq!(w.method, "UPDATE");
    assert_eq!(w.user.primary_id.as_deref(), Some("jdoe"));
}

#[tokio::test]
async fn an_unknown_action_is_kept_with_its_body() {
    let l = Listener::start(1 << 20).await;
    let body = payload("unknown_action.json");
    let sig = sign(SECRET, &body);
    assert_eq!(
        l.post("application/json", Some(&sig), body.clone()).await,
        200
    );
    let events = l.events();
    let Event::Other {
        action,
        notification,
        body: raw,
    } = &events[0]
    else {
        panic!("{:?}", events[0])
    };
    assert_eq!(action, "PORTFOLIO_UPDATED");
    assert_eq!(notification.id, "777000111");
    assert_eq!(raw.format, Format::Json);
    assert_eq!(
        raw.text.as_bytes(),
        &body[..],
        "the body exactly as received"
    );
}

#[tokio::test]
async fn unsigned_wrongly_signed_and_altered_calls_are_refused_unprocessed() {
    let l = Listener::start(1 << 20).await;
    let body = payload("job_end.json");
    let good = sign(SECRET, &body);
    let mut tampered = body.clone();
    let at = tampered.windows(3).position(|w| w == b"100").unwrap();
    tampered[at] = b'9';
    let cases: Vec<(&str, Option<String>, Vec<u8>)> = vec![
        ("no signature", None, body.clone()),
        (
            "wrong secret",
            Some(sign("another-secret", &body)),
            body.clone(),
        ),
        ("tampered body", Some(good.clone()), tampered),
        (
            "truncated signature",
            Some(good[..good.len() - 6].to_string()),
            body.clone(),
        ),
        ("not Base64", Some("%%%".into()), body.clone()),
        (
            "signature of the re-serialized JSON",
            Some(sign(SECRET, reserialized(&body).as_bytes())),
            body.clone(),
        ),
    ];
    for (what, sig, b) in cases {
        assert_eq!(
            l.post("application/json", sig.as_deref(), b).await,
            401,
            "{what}"
        );
    }
    assert!(l.events().is_empty(), "nothing was processed");
    // The same body, rightly signed, goes through.
    assert_eq!(l.post("application/json", Some(&good), body).await, 200);
    assert_eq!(l.events().len(), 1);
}

/// What a listener that signs a parsed-and-printed body would check against.
fn reserialized(body: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(body)
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn oversize_and_malformed_bodies_are_refused() {
    let l = Listener::start(4096).await;
    let big = vec![b' '; 5000];
    assert_eq!(
        l.post("application/json", Some(&sign(SECRET, &big)), big)
            .await,
        413
    );
    for (ct, body) in [
        ("application/json", b"{\"id\": \"1\", \"action\": ".to_vec()),
        (
            "application/json",
            b"{\"id\": \"1\", \"action\": \"\"}".to_vec(),
        ),
        ("application/xml", b"<notification><id>1</id>".to_vec()),
        ("application/json", b"[1, 2, 3]".to_vec()),
    ] {
        let sig = sign(SECRET, &body);
        let shown = String::from_utf8_lossy(&body).into_owned();
        assert_eq!(l.post(ct, Some(&sig), body).await, 400, "{shown}");
    }
    assert!(l.events().is_empty());
}

/// The local Alma sends its webhook calls to this listener: the registration challenge, then a
/// job's `JOB_END` (with the instance `run_job_and_wait` returned) and the user and loan events
/// of what the program changed, each signed with the integration profile's secret.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_local_alma_calls_the_listener_end_to_end() {
    use alma_sdk::models::{BibPost, HoldingPost, ItemLoanPost, ItemPost};
    let listener = Listener::start(1 << 20).await;
    let sim = alma_sim::Simulator::start(alma_sim::SimConfig {
        webhook: Some(alma_sim::WebhookTarget {
            url: listener.url.clone(),
            secret: SECRET.into(),
        }),
        job_duration: std::time::Duration::from_millis(100),
        users: 1,
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(
        sim.webhook_registered(),
        Some(&Ok(())),
        "the challenge was answered"
    );
    let c = alma_sdk::Client::builder()
        .api_key("k")
        .base_url(sim.url())
        .build()
        .unwrap();
    let wait = alma_sdk::runtime::wait::WaitOptions {
        interval: std::time::Duration::from_millis(20),
        timeout: std::time::Duration::from_secs(10),
    };
    let instance = c
        .conf()
        .run_job_and_wait("M26714670000011", Default::default(), wait)
        .await
        .unwrap();
    // An item lent to the user.
    let bib = c
        .bibs()
        .create_bib(BibPost {
            anies: vec!["<record><leader>00000nam a2200000 a 4500</leader></record>".into()],
            ..Default::default()
        })
        .send()
        .await
        .unwrap()
        .value;
    let mms = bib.mms_id.unwrap();
    let hol = c
        .bibs()
        .create_holding(&mms, HoldingPost::default())
        .send()
        .await
        .unwrap()
        .value
        .holding_id;
    let mut item = ItemPost::default();
    item.item_data.barcode = Some("WH-1".into());
    c.bibs().create_item(&mms, &hol, item).send().await.unwrap();
    c.users()
        .create_loan("sim0000001", ItemLoanPost::default())
        .item_barcode("WH-1")
        .send()
        .await
        .unwrap();
    c.users()
        .update_user_with("sim0000001", |u| {
            u.job_description = Some("Cataloguer".into())
        })
        .await
        .unwrap();
    // Calls arrive in order, one at a time; the simulator counts a call once its answer is in,
    // which may be just after the listener has it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let done = || {
        let s = sim.stats();
        listener.events().len() >= 4 && s.webhooks_sent + s.webhooks_failed >= 4
    };
    while !done() && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let events = listener.events();
    let actions: Vec<&str> = events.iter().map(|e| e.action()).collect();
    assert_eq!(actions, ["JOB_END", "ITEM", "LOAN", "USER"], "{events:?}");
    match &events[0] {
        Event::JobEnd(n) => assert_eq!(n.job_instance.as_ref().map(|j| &j.id), Some(&instance.id)),
        other => panic!("{other:?}"),
    }
    let stats = sim.stats();
    assert_eq!((stats.webhooks_sent, stats.webhooks_failed), (4, 0));
}
