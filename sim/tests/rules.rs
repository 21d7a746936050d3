//! Alma's behaviours through the SDK: loans of items (one at a time, listed under the user and
//! the item, returned by a scan-in), item by barcode (302), jobs that run to completion,
//! Analytics in pages, seed data, generated users, PUTs counted per record.

use std::time::Duration;

use alma_sdk::bibs::ScanInItemCircDeskOrDepartment;
use alma_sdk::models::{BibPost, HoldingPost, ItemLoanPost, ItemPost};
use alma_sdk::runtime::wait::WaitOptions;
use alma_sdk::users::CreateLoanError;
use alma_sdk::Client;
use alma_sim::{SimConfig, Simulator};

fn client(sim: &Simulator) -> Client {
    Client::builder()
        .api_key("k")
        .base_url(sim.url())
        .no_rate_limit()
        .build()
        .unwrap()
}

/// A bib with a holding with an item of barcode `barcode`: (mms_id, holding_id, item_pid).
async fn item(c: &Client, barcode: &str) -> (String, String, String) {
    let bib = c
        .bibs()
        .create_bib(BibPost {
            anies: vec!["<record><leader>00000nam a2200000 a 4500</leader></record>".into()],
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    let mms = bib.value.mms_id.clone().unwrap();
    let holding = c
        .bibs()
        .create_holding(
            &mms,
            HoldingPost {
                anies: vec!["<record><leader>00000nx  a2200000zn 4500</leader></record>".into()],
                ..Default::default()
            },
        )
        .send()
        .await
        .unwrap();
    let hol = holding.value.holding_id.clone();
    let mut body = ItemPost::default();
    body.item_data.barcode = Some(barcode.into());
    let item = c.bibs().create_item(&mms, &hol, body).send().await.unwrap();
    let pid = item.value.item_data.pid.clone().unwrap();
    assert_eq!(
        item.value.bib_data.as_ref().map(|b| b.mms_id.as_str()),
        Some(mms.as_str()),
        "linked to its bib"
    );
    (mms, hol, pid)
}

#[tokio::test]
async fn a_loan_is_of_an_item_not_on_loan_and_a_scan_in_returns_it() {
    let sim = Simulator::start(SimConfig {
        users: 2,
        ..Default::default()
    })
    .await
    .unwrap();
    let c = client(&sim);
    let (mms, hol, pid) = item(&c, "39000001").await;
    let loan = c
        .users()
        .create_loan("sim0000001", ItemLoanPost::default())
        .item_barcode("39000001")
        .send()
        .await
        .unwrap();
    let loan_id = loan.value.loan_id.clone().unwrap();
    assert_eq!(loan.value.item_barcode.as_deref(), Some("39000001"));
    // Another patron cannot borrow it: the operation's documented code.
    let err = c
        .users()
        .create_loan("sim0000002", ItemLoanPost::default())
        .item_barcode("39000001")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.kind::<CreateLoanError>(),
        Some(CreateLoanError::ItemNotLoanable),
        "{err}"
    );
    // Listed under the user and under the item; the item is out of place.
    let mine = c.users().list_loans("sim0000001").send().await.unwrap();
    assert_eq!(mine.value.item_loan.len(), 1);
    let its = c
        .bibs()
        .list_item_loans(&mms, &hol, &pid)
        .send()
        .await
        .unwrap();
    assert_eq!(
        its.value.item_loan[0].loan_id.as_deref(),
        Some(loan_id.as_str())
    );
    let it = c.bibs().get_item(&mms, &hol, &pid).send().await.unwrap();
    assert_eq!(
        it.value
            .item_data
            .base_status
            .as_ref()
            .map(|s| s.value.as_str()),
        Some("0")
    );
    // Scanned in: returned, gone from both lists, then lendable again.
    c.bibs()
        // At a circulation desk: the library and the desk, as Alma's prose says.
        .scan_in_item(
            &mms,
            &hol,
            &pid,
            "MAIN",
            ScanInItemCircDeskOrDepartment::circ_desk("DEFAULT_CIRC_DESK"),
        )
        .send()
        .await
        .unwrap();
    assert!(c
        .users()
        .list_loans("sim0000001")
        .send()
        .await
        .unwrap()
        .value
        .item_loan
        .is_empty());
    c.users()
        .create_loan("sim0000002", ItemLoanPost::default())
        .item_barcode("39000001")
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn an_item_by_barcode_through_the_redirect() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let c = client(&sim);
    let (_, _, pid) = item(&c, "B-77").await;
    let found = c.bibs().get_item_by_barcode("B-77").send().await.unwrap();
    assert_eq!(found.value.item_data.pid.as_deref(), Some(pid.as_str()));
    let stats = sim.stats();
    assert_eq!(stats.status(302), 1);
    assert_eq!(
        (
            stats.operation("bibs.get_item_by_barcode"),
            stats.operation("bibs.get_item")
        ),
        (1, 1)
    );
    let err = c
        .bibs()
        .get_item_by_barcode("nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("401689"));
}

#[tokio::test]
async fn a_job_runs_to_completion() {
    let sim = Simulator::start(SimConfig {
        job_duration: Duration::from_millis(150),
        ..Default::default()
    })
    .await
    .unwrap();
    let c = client(&sim);
    let wait = WaitOptions {
        interval: Duration::from_millis(20),
        timeout: Duration::from_secs(5),
    };
    let instance = c
        .conf()
        .run_job_and_wait("M26714670000011", Default::default(), wait)
        .await
        .unwrap();
    assert_eq!(instance.status.unwrap().value, "COMPLETED_SUCCESS");
    assert_eq!(instance.progress, Some(100.0));
    assert!(
        sim.stats().operation("conf.get_job_instance") >= 2,
        "polled while running"
    );
}

#[tokio::test]
async fn an_analytics_report_in_pages() {
    let sim = Simulator::start(SimConfig {
        report_rows: 130,
        ..Default::default()
    })
    .await
    .unwrap();
    let c = client(&sim);
    let mut rows = c
        .analytics()
        .get_report()
        .path("/shared/Sim")
        .limit(50)
        .rows();
    let mut all = Vec::new();
    while let Some(r) = rows.next().await {
        all.push(r.unwrap());
    }
    assert_eq!(all.len(), 130);
    assert_eq!(
        sim.stats().operation("analytics.get_report"),
        3,
        "pages of 50"
    );
    assert_eq!(all[129][1], ("Title".to_owned(), "Title 129".to_owned()));
}

#[tokio::test]
async fn seeded_records_and_generated_users_are_served() {
    let fixtures =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/alma-fixtures");
    if !fixtures.is_dir() {
        assert!(
            std::env::var_os("ALMA_SKIP_SHARED").is_some(),
            "{} is missing (ALMA_SKIP_SHARED=1 skips)",
            fixtures.display()
        );
        return;
    }
    let sim = Simulator::start(SimConfig {
        seed: vec![fixtures],
        users: 250,
        ..Default::default()
    })
    .await
    .unwrap();
    let seeded = &sim.seeded()[0];
    // Every recorded record that holds its ids (and its parents'): 265 of the fixtures'.
    assert!(seeded.records > 250, "{seeded:?}");
    let item = c_item(&sim).await;
    assert!(item.is_some(), "a recorded item is found by its barcode");
    let c = client(&sim);
    // A recorded user, by the id in its document.
    let user = sim.record("/almaws/v1/users/sim0000250").unwrap();
    assert_eq!(user["primary_id"], "sim0000250");
    let all = c
        .users()
        .list_users()
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    assert!(all.len() >= 250, "{}", all.len());
    // GET → change → PUT: one PUT of that record.
    c.users()
        .update_user_with("sim0000007", |u| {
            u.job_description = Some("Cataloguer".into())
        })
        .await
        .unwrap();
    assert_eq!(
        sim.stats().puts.get("/almaws/v1/users/sim0000007"),
        Some(&1)
    );
    assert_eq!(
        sim.record("/almaws/v1/users/sim0000007").unwrap()["job_description"],
        "Cataloguer"
    );
}

/// A recorded item, through its barcode (pulibrary's barcode_32101044947941.json).
async fn c_item(sim: &Simulator) -> Option<alma_sdk::models::Item> {
    client(sim)
        .bibs()
        .get_item_by_barcode("32101044947941")
        .send()
        .await
        .ok()
        .map(|r| r.value)
}
