//! The gateway's rules from Ex Libris's guide, as any client meets them: keys, read-only keys,
//! the per-second threshold, the daily quota, the body limit, XML without its content type,
//! faults; and Alma's answers: formats, documented not-found codes, typed query parameters.

use std::time::Duration;

use alma_sim::{SimConfig, Simulator};

async fn get(url: &str) -> (u16, String, reqwest::header::HeaderMap) {
    let r = reqwest::get(url).await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, r.text().await.unwrap(), headers)
}

#[tokio::test]
async fn keys_missing_invalid_and_read_only() {
    let sim = Simulator::start(SimConfig {
        keys: vec!["good".into()],
        read_only_keys: vec!["reader".into()],
        users: 1,
        ..Default::default()
    })
    .await
    .unwrap();
    let u = sim.url();
    let (s, body, _) = get(&format!("{u}/almaws/v1/users/sim0000001")).await;
    assert_eq!(s, 500);
    assert!(
        body.contains("<errorCode>GENERAL_ERROR</errorCode>") && body.contains("apikey"),
        "{body}"
    );
    let (s, body, _) = get(&format!(
        "{u}/almaws/v1/users/sim0000001?apikey=bad&format=json"
    ))
    .await;
    assert_eq!(s, 403);
    assert!(
        body.contains("INVALID_REQUEST") && body.starts_with("<?xml"),
        "gateway errors are XML: {body}"
    );
    let (s, _, _) = get(&format!("{u}/almaws/v1/users/sim0000001?apikey=good")).await;
    assert_eq!(s, 200);
    // A read-only key reads, authenticates (op=auth alters nothing), and may not write.
    let http = reqwest::Client::new();
    let (s, _, _) = get(&format!("{u}/almaws/v1/users/sim0000001?apikey=reader")).await;
    assert_eq!(s, 200);
    let mut user = sim.record("/almaws/v1/users/sim0000001").unwrap();
    user["password"] = serde_json::json!("x");
    sim.insert("/almaws/v1/users/sim0000001", user);
    let auth = http
        .post(format!(
            "{u}/almaws/v1/users/sim0000001?apikey=reader&op=auth&password=x"
        ))
        .send()
        .await
        .unwrap();
    assert!(auth.status().is_success(), "{}", auth.status());
    let del = http
        .delete(format!("{u}/almaws/v1/users/sim0000001?apikey=reader"))
        .send()
        .await
        .unwrap();
    assert_eq!(del.status().as_u16(), 403);
    assert!(del.text().await.unwrap().contains("UNAUTHORIZED"));
    assert!(
        sim.record("/almaws/v1/users/sim0000001").is_some(),
        "nothing deleted"
    );
}

#[tokio::test]
async fn the_per_second_threshold_and_the_daily_quota() {
    // A strict gateway (a bucket of 5, no queue), so the threshold shows at once.
    let sim = Simulator::start(SimConfig {
        rate: Some(5.0),
        burst: 5.0,
        queue: std::time::Duration::ZERO,
        daily: 8,
        ..Default::default()
    })
    .await
    .unwrap();
    let url = format!("{}/almaws/v1/conf/general?apikey=k", sim.url());
    let mut statuses = Vec::new();
    let mut remaining = Vec::new();
    for _ in 0..7 {
        let (s, body, h) = get(&url).await;
        if s == 429 {
            assert!(
                body.contains("PER_SECOND_THRESHOLD") && body.starts_with("<?xml"),
                "{body}"
            );
        }
        statuses.push(s);
        remaining.extend(
            h.get("x-exl-api-remaining")
                .map(|v| v.to_str().unwrap().to_owned()),
        );
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        2,
        "{statuses:?}"
    );
    assert_eq!(remaining, ["7", "6", "5", "4", "3"], "429s are not counted");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let mut after = Vec::new();
    for _ in 0..4 {
        after.push(get(&url).await);
    }
    let codes: Vec<u16> = after.iter().map(|a| a.0).collect();
    assert_eq!(codes, [200, 200, 200, 400], "the quota of 8 is used up");
    assert!(after[3].1.contains("DAILY_THRESHOLD"));
    assert_eq!(after[3].2.get("x-exl-api-remaining").unwrap(), "0");
    sim.reset_daily();
    assert_eq!(get(&url).await.0, 200);
    assert_eq!(sim.stats().status(429), 2);
}

#[tokio::test]
async fn bodies_over_512_kb_and_xml_without_its_content_type() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let http = reqwest::Client::new();
    let url = format!("{}/almaws/v1/users?apikey=k", sim.url());
    let big = format!(
        "{{\"primary_id\": \"x\", \"pad\": \"{}\"}}",
        "a".repeat(600 * 1024)
    );
    let r = http
        .post(&url)
        .header("Content-Type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    assert!(r.text().await.unwrap().contains("REQUEST_TOO_LARGE"));
    let r = http
        .post(&url)
        .body("<user><primary_id>x</primary_id></user>")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("content-type header was not set"));
    let r = http
        .post(&url)
        .header("Content-Type", "application/xml")
        .body("<user><primary_id>x</primary_id>")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert!(r.text().await.unwrap().contains("not well-formed"));
    assert_eq!(sim.records(), 0);
}

#[tokio::test]
async fn faults_routing_errors_dropped_connections_and_latency() {
    let sim = Simulator::start(SimConfig {
        fail_503: 1.0,
        ..Default::default()
    })
    .await
    .unwrap();
    let (s, body, _) = get(&format!("{}/almaws/v1/conf/general?apikey=k", sim.url())).await;
    assert_eq!(s, 503);
    assert!(body.contains("ROUTING_ERROR"));
    let sim = Simulator::start(SimConfig {
        drop: 1.0,
        ..Default::default()
    })
    .await
    .unwrap();
    let e = reqwest::get(format!("{}/almaws/v1/conf/general?apikey=k", sim.url())).await;
    assert!(e.is_err(), "the connection is dropped: {e:?}");
    assert!(sim.stats().dropped >= 1);
    let sim = Simulator::start(SimConfig {
        latency: Duration::from_millis(150),
        ..Default::default()
    })
    .await
    .unwrap();
    let t = std::time::Instant::now();
    get(&format!("{}/almaws/v1/conf/general?apikey=k", sim.url())).await;
    assert!(t.elapsed() >= Duration::from_millis(150));
}

#[tokio::test]
async fn answers_in_the_format_asked_with_documented_codes_and_typed_parameters() {
    let sim = Simulator::start(SimConfig {
        users: 3,
        ..Default::default()
    })
    .await
    .unwrap();
    let u = sim.url();
    // XML by default, as Alma; JSON by `format=` or `Accept`.
    let (_, xml, h) = get(&format!("{u}/almaws/v1/users/sim0000001?apikey=k")).await;
    assert!(xml.contains("<primary_id>sim0000001</primary_id>"), "{xml}");
    assert!(h["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/xml"));
    let (_, json, _) = get(&format!(
        "{u}/almaws/v1/users/sim0000001?apikey=k&format=json"
    ))
    .await;
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&json).unwrap()["primary_id"],
        "sim0000001"
    );
    // Unknown ids: Alma's documented code, in Alma's error body, in either format.
    let (s, body, _) = get(&format!("{u}/almaws/v1/users/nobody?apikey=k&format=json")).await;
    assert_eq!(s, 400);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["errorList"]["error"][0]["errorCode"], "401861");
    assert_eq!(
        v["errorList"]["error"][0]["errorMessage"],
        "User with identifier nobody was not found."
    );
    let (_, body, _) = get(&format!("{u}/almaws/v1/users/nobody/loans?apikey=k")).await;
    assert!(
        body.contains("<errorCode>401861</errorCode>"),
        "the parent's code: {body}"
    );
    // Query parameters as the spec types them.
    let (s, body, _) = get(&format!("{u}/almaws/v1/users?apikey=k&limit=ten")).await;
    assert_eq!(s, 400);
    assert!(
        body.contains("The parameter limit is invalid. Received: ten."),
        "Alma's wording: {body}"
    );
    let (s, _, _) = get(&format!(
        "{u}/almaws/v1/users/sim0000001?apikey=k&view=nonsense"
    ))
    .await;
    assert_eq!(s, 400);
    // Lists page with limit/offset and total_record_count.
    let (_, page, _) = get(&format!(
        "{u}/almaws/v1/users?apikey=k&format=json&limit=2&offset=2"
    ))
    .await;
    let v: serde_json::Value = serde_json::from_str(&page).unwrap();
    assert_eq!(v["total_record_count"], 3);
    assert_eq!(v["user"].as_array().unwrap().len(), 1);
    // An unknown path.
    let (s, body, _) = get(&format!("{u}/almaws/v1/nothing/here?apikey=k")).await;
    assert_eq!(s, 400);
    assert!(body.contains("Path not found"));
    assert_eq!(sim.stats().operation("users.get_user"), 4);
}

/// Parameters as Alma's prose allows them (the IR's reconciliation, not the spec's flags): the
/// dates of a job's instances may be left out; a scan-in at a desk and a department at once, or
/// at neither, is refused; authentication takes the password in `Exl-User-Pw` and answers 204.
#[tokio::test]
async fn parameters_as_the_prose_allows() {
    let sim = Simulator::start(SimConfig {
        users: 1,
        ..Default::default()
    })
    .await
    .unwrap();
    let u = sim.url();
    let http = reqwest::Client::new();
    let (s, body, _) = get(&format!(
        "{u}/almaws/v1/conf/jobs/M123/instances?apikey=k&format=json"
    ))
    .await;
    assert!(!body.contains("Mandatory field is missing"), "{s} {body}");
    let scan = format!(
        "{u}/almaws/v1/bibs/99/holdings/22/items/23?apikey=k&format=json&op=scan&library=MAIN"
    );
    for (extra, code) in [("&circ_desk=D&department=X", "401652"), ("", "401664")] {
        let r = http.post(format!("{scan}{extra}")).send().await.unwrap();
        let status = r.status().as_u16();
        let body = r.text().await.unwrap();
        assert_eq!(status, 400, "{extra}: {body}");
        assert!(body.contains(code), "{extra}: {body}");
        assert!(
            body.contains("circ_desk") && body.contains("department"),
            "{extra}: {body}"
        );
    }
    let auth = format!("{u}/almaws/v1/users/sim0000001?apikey=k&op=auth");
    let r = http.post(&auth).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Mandatory field is missing: password"));
    // The password the user record holds, in the header: no content ("HTTP 204"); another,
    // the operation's documented failure.
    let mut user = sim.record("/almaws/v1/users/sim0000001").unwrap();
    user["password"] = serde_json::json!("pw");
    sim.insert("/almaws/v1/users/sim0000001", user);
    let r = http
        .post(&auth)
        .header("Exl-User-Pw", "pw")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    assert!(r.text().await.unwrap().is_empty());
    let r = http
        .post(&auth)
        .header("Exl-User-Pw", "not-pw")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("<errorCode>401866</errorCode>")
            && body.contains("User authentication failed"),
        "{body}"
    );
    // The user's GET gives the password empty ("returned empty in the GET action").
    let (_, body, _) = get(&format!(
        "{u}/almaws/v1/users/sim0000001?apikey=k&format=json"
    ))
    .await;
    let got: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(got["password"], "", "{body}");
}

/// Alma's own gateway holds a burst over the rate in a queue ("will be queued and processed
/// later") and refuses only what would wait too long ("will be blocked" with 429): with the
/// defaults, 60 requests at once at 25/s all succeed, the last ones late; every answer says
/// what is left of the day (`X-Exl-Api-Remaining`), as Alma's do.
#[tokio::test]
async fn a_burst_is_queued_and_every_answer_says_what_is_left() {
    let sim = Simulator::start(SimConfig::default().alma_rate())
        .await
        .unwrap();
    let url = format!("{}/almaws/v1/conf/general?apikey=k", sim.url());
    let started = std::time::Instant::now();
    let answers = futures_join(60, &url).await;
    let elapsed = started.elapsed();
    assert!(answers.iter().all(|(s, _)| *s == 200), "{answers:?}");
    // 25 at once, 35 more one every 40 ms: the last about 1.4 s later.
    assert!(
        elapsed >= std::time::Duration::from_millis(1200),
        "{elapsed:?}"
    );
    let mut left: Vec<u64> = answers.iter().map(|(_, r)| r.unwrap()).collect();
    left.sort_unstable();
    let top = alma_sim::DEFAULT_DAILY;
    assert_eq!(left.first(), Some(&(top - 60)));
    assert_eq!(left.last(), Some(&(top - 1)));

    // Past what the queue holds (4 s of requests beyond the burst), the gateway refuses.
    let answers = futures_join(200, &url).await;
    let refused = answers.iter().filter(|(s, _)| *s == 429).count();
    assert!(refused > 0 && refused < 200, "{refused} of 200 refused");
}

/// `n` GETs of `url` at once: each answer's status and `X-Exl-Api-Remaining`.
async fn futures_join(n: usize, url: &str) -> Vec<(u16, Option<u64>)> {
    let client = reqwest::Client::new();
    let mut tasks = Vec::new();
    for _ in 0..n {
        let (client, url) = (client.clone(), url.to_owned());
        tasks.push(tokio::spawn(async move {
            let r = client.get(&url).send().await.unwrap();
            let left = r
                .headers()
                .get("x-exl-api-remaining")
                .and_then(|v| v.to_str().ok()?.parse().ok());
            (r.status().as_u16(), left)
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}
