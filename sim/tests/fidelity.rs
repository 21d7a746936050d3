//! The local Alma answers as Alma does, where an Alma client from another project found it did
//! not (issue 32's findings), each reproduced with plain HTTP as `curl` would, over the recorded
//! documents of `../shared/alma-fixtures`.

use std::path::PathBuf;

use alma_sim::{SimConfig, Simulator};
use serde_json::{json, Value};

fn fixtures() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/alma-fixtures");
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("ALMA_SKIP_SHARED").is_some(),
        "{} is missing (ALMA_SKIP_SHARED=1 skips)",
        dir.display()
    );
    None
}

async fn seeded() -> Option<Simulator> {
    let sim = Simulator::start(SimConfig {
        seed: vec![fixtures()?],
        ..Default::default()
    })
    .await
    .unwrap();
    Some(sim)
}

/// `(status, body, headers)` of a request with the key.
async fn call(
    method: reqwest::Method,
    url: &str,
    body: Option<(&str, String)>,
) -> (u16, String, reqwest::header::HeaderMap) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut r = client
        .request(method, url)
        .header("Authorization", "apikey k");
    if let Some((ct, b)) = body {
        r = r.header("Content-Type", ct).body(b);
    }
    let r = r.send().await.unwrap();
    let (s, h) = (r.status().as_u16(), r.headers().clone());
    (s, r.text().await.unwrap(), h)
}

async fn get_json(url: &str) -> (u16, Value) {
    let (s, body, _) = call(reqwest::Method::GET, url, None).await;
    (
        s,
        serde_json::from_str(&body).unwrap_or(Value::String(body)),
    )
}

fn code_of(body: &Value) -> String {
    body["errorList"]["error"][0]["errorCode"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn a_bib_put_in_xml_keeps_the_record_and_alma_reads_title_and_author_from_marc() {
    let Some(sim) = seeded().await else { return };
    let bib = format!("{}/almaws/v1/bibs/990006312214702204", sim.url());
    let (s, xml, _) = call(reqwest::Method::GET, &bib, None).await;
    assert_eq!(s, 200);
    assert_eq!(xml.matches("<mms_id>").count(), 1);
    // The exact document the GET gave, back: one mms_id, and the record as it was.
    let (s, back, _) = call(
        reqwest::Method::PUT,
        &bib,
        Some(("application/xml", xml.clone())),
    )
    .await;
    assert_eq!(s, 200, "{back}");
    assert_eq!(back.matches("<mms_id>").count(), 1, "{back}");
    let (_, json) = get_json(&format!("{bib}?format=json")).await;
    assert_eq!(json["title"], "Bananboken", "{json}");
    assert_eq!(json["mms_id"], "990006312214702204");
    let anies = json["anies"].as_array().unwrap();
    assert_eq!(
        anies.len(),
        1,
        "only the MARC record is left to `anies`: {json}"
    );
    assert!(anies[0].as_str().unwrap().contains("<record"));
    // Only a MARC record: Alma reads title and author from it ("Output parameter.").
    let marc = "<bib><record><leader>00000nam a2200000 a 4500</leader><datafield tag=\"100\" ind1=\"1\" ind2=\" \"><subfield code=\"a\">Joslin, Sesyle.</subfield></datafield><datafield tag=\"245\" ind1=\"1\" ind2=\"0\"><subfield code=\"a\">What do you do, dear? /</subfield></datafield></record><title>Ignored</title></bib>";
    let (s, back, _) = call(
        reqwest::Method::PUT,
        &format!("{bib}?format=json"),
        Some(("application/xml", marc.into())),
    )
    .await;
    assert_eq!(s, 200, "{back}");
    let back: Value = serde_json::from_str(&back).unwrap();
    assert_eq!(back["title"], "What do you do, dear? /");
    assert_eq!(back["author"], "Joslin, Sesyle.");
    assert_eq!(back["mms_id"], "990006312214702204", "Alma's id kept");
    // "JSON is not supported" for this API.
    let (s, body, _) = call(
        reqwest::Method::PUT,
        &format!("{bib}?format=json"),
        Some(("application/json", json.to_string())),
    )
    .await;
    assert_eq!(s, 400, "{body}");
    assert!(body.contains("JSON is not supported"), "{body}");
}

#[tokio::test]
async fn seeded_inventory_holds_together() {
    let Some(sim) = seeded().await else { return };
    let u = format!("{}/almaws/v1", sim.url());
    // Every seeded item: its holding and bib answer, list it, and its barcode leads to it.
    let items: Vec<(String, Value)> =
        ["/almaws/v1/bibs/990006312214702204/holdings/22163771200002204/items/23163771190002204"]
            .into_iter()
            .filter_map(|p| sim.record(p).map(|v| (p.to_owned(), v)))
            .collect();
    assert!(!items.is_empty(), "the recorded items are seeded");
    for (path, item) in items {
        let mms = item["bib_data"]["mms_id"].as_str().unwrap();
        let hold = item["holding_data"]["holding_id"].as_str().unwrap();
        let pid = item["item_data"]["pid"].as_str().unwrap();
        let (s, holdings) = get_json(&format!("{u}/bibs/{mms}/holdings?format=json")).await;
        assert_eq!(s, 200);
        let ids: Vec<&str> = holdings["holding"]
            .as_array()
            .map(|h| h.iter().filter_map(|h| h["holding_id"].as_str()).collect())
            .unwrap_or_default();
        assert!(
            ids.contains(&hold),
            "{path}: the bib lists its holding: {ids:?}"
        );
        let (s, holding, _) = call(
            reqwest::Method::GET,
            &format!("{u}/bibs/{mms}/holdings/{hold}"),
            None,
        )
        .await;
        assert_eq!(s, 200, "{holding}");
        assert!(holding.contains("<record>"), "a holding is MARC: {holding}");
        let (s, list) = get_json(&format!("{u}/bibs/{mms}/holdings/ALL/items?format=json")).await;
        assert_eq!(s, 200, "holding_id may be ALL: {list}");
        let pids: Vec<&str> = list["item"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|i| i["item_data"]["pid"].as_str())
            .collect();
        assert!(pids.contains(&pid), "{pids:?}");
        if let Some(barcode) = item["item_data"]["barcode"].as_str() {
            let (s, _, h) = call(
                reqwest::Method::GET,
                &format!("{u}/items?item_barcode={barcode}"),
                None,
            )
            .await;
            assert_eq!(s, 302);
            assert!(h["location"].to_str().unwrap().ends_with(&path));
        }
    }
}

#[tokio::test]
async fn configuration_comes_from_the_records_and_lists_filter_as_alma() {
    let Some(sim) = seeded().await else { return };
    let u = format!("{}/almaws/v1", sim.url());
    // The UserGroups code table has the groups the seeded users are in.
    let (s, table) = get_json(&format!("{u}/conf/code-tables/UserGroups?format=json")).await;
    assert_eq!(s, 200, "{table}");
    let codes: Vec<&str> = table["row"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["code"].as_str())
        .collect();
    let (_, users) = get_json(&format!("{u}/users?limit=100&format=json")).await;
    let groups: Vec<String> = users["user"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|u| u["user_group"]["value"].as_str().map(str::to_owned))
        .collect();
    assert!(!groups.is_empty(), "{users}");
    for g in &groups {
        assert!(codes.contains(&g.as_str()), "{g} in {codes:?}");
    }
    assert!(!codes.is_empty());
    // A library the items are in has circulation desks; a loan there is found by
    // `loan_status=Active` (Alma's documented value; the record says ACTIVE).
    let item = sim
        .record(
            "/almaws/v1/bibs/990006312214702204/holdings/22163771200002204/items/23163771190002204",
        )
        .unwrap();
    let library = item["item_data"]["library"]["value"].as_str().unwrap();
    let (s, desks) = get_json(&format!(
        "{u}/conf/libraries/{library}/circ-desks?format=json"
    ))
    .await;
    assert_eq!(s, 200, "{desks}");
    let desk = desks["circ_desk"][0]["code"].as_str().unwrap().to_owned();
    sim.insert(
        "/almaws/v1/users/lender",
        json!({"primary_id": "lender", "status": {"value": "ACTIVE"}}),
    );
    let barcode = item["item_data"]["barcode"].as_str().unwrap();
    let (s, body, _) = call(
        reqwest::Method::POST,
        &format!("{u}/users/lender/loans?item_barcode={barcode}&format=json"),
        Some((
            "application/json",
            json!({"circ_desk": {"value": desk}, "library": {"value": library}}).to_string(),
        )),
    )
    .await;
    assert_eq!(s, 200, "{body}");
    let (_, loans) = get_json(&format!(
        "{u}/users/lender/loans?loan_status=Active&format=json"
    ))
    .await;
    assert_eq!(loans["total_record_count"], 1, "{loans}");
}

#[tokio::test]
async fn refusals_are_the_ones_alma_answers() {
    let Some(sim) = seeded().await else { return };
    let u = format!("{}/almaws/v1", sim.url());
    // Recorded from Alma: a bib that does not exist (402203), a user (401861), a barcode
    // (401689), the items of a bib and holding that do not exist (401688).
    for (url, recorded) in [
        (format!("{u}/bibs/99238241500560?format=json"), "helper2424+exlibris/spec__fixtures__vcr_cassettes__api__check_availability__unexists.yml__interaction0.response.json"),
        (format!("{u}/users/ogrouch?format=json"), "pulibrary+bibdata/spec__fixtures__files__alma__patrons__ogrouch.json"),
        (format!("{u}/items?item_barcode=32101108683143&format=json"), "pulibrary+bibdata/spec__fixtures__files__alma__barcode_32101108683143.json"),
        (format!("{u}/bibs/123/holdings/456/items?format=json"), "pulibrary+bibdata/spec__fixtures__files__alma__holding_items_nonexistant_mmsid.json"),
    ] {
        let text = std::fs::read_to_string(fixtures().unwrap().join(recorded)).unwrap();
        let want = code_of(&serde_json::from_str(&text).unwrap());
        let (s, got) = get_json(&url).await;
        assert_eq!(s, 400, "{url}: {got}");
        assert_eq!(code_of(&got), want, "{url}: {got}");
        let message = got["errorList"]["error"][0]["errorMessage"].as_str().unwrap();
        assert!(!message.contains('{'), "no placeholder left: {message}");
    }
    // A holding that does not exist: the operation's documented 402208.
    let (_, got) = get_json(&format!(
        "{u}/bibs/990006312214702204/holdings/1?format=json"
    ))
    .await;
    assert_eq!(code_of(&got), "402208", "{got}");
    // An item with a loan is not deleted: the documented "Item delete errors: {description of
    // the specific case}", the case said in place of the placeholder.
    let item =
        format!("{u}/bibs/990006312214702204/holdings/22163771200002204/items/23163771190002204");
    sim.insert("/almaws/v1/users/lender", json!({"primary_id": "lender"}));
    let (s, body, _) = call(
        reqwest::Method::POST,
        &format!("{item}/loans?user_id=lender&format=json"),
        Some(("application/json", "{}".into())),
    )
    .await;
    assert_eq!(s, 200, "{body}");
    let (s, body, _) = call(
        reqwest::Method::DELETE,
        &format!("{item}?format=json"),
        None,
    )
    .await;
    assert_eq!(s, 400, "{body}");
    let got: Value = serde_json::from_str(&body).unwrap();
    let message = got["errorList"]["error"][0]["errorMessage"]
        .as_str()
        .unwrap();
    assert!(
        message.starts_with("Item delete errors: ") && !message.contains('{'),
        "{message}"
    );
}

#[tokio::test]
async fn seeding_names_every_document_it_did_not_load() {
    let Some(sim) = seeded().await else { return };
    let dir = fixtures().unwrap();
    let listed = std::fs::read_to_string(dir.join("INDEX.tsv"))
        .unwrap()
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .count();
    let seeded = &sim.seeded()[0];
    assert_eq!(seeded.documents, listed);
    assert!(seeded.derived > 0, "{seeded:?}");
    let (s, page) = get_json(&format!("{}/__seed", sim.url())).await;
    assert_eq!(s, 200);
    let report = &page["seed"][0];
    assert_eq!(report["documents"], listed);
    let skipped = report["skipped"].as_array().unwrap();
    assert_eq!(
        report["seeded"].as_u64().unwrap() as usize + skipped.len(),
        listed
    );
    for s in skipped {
        assert!(
            !s["why"].as_str().unwrap().is_empty()
                && dir.join(s["file"].as_str().unwrap()).is_file(),
            "{s}"
        );
    }
    // Which behaviours serve which operations, as the generator tagged them.
    assert_eq!(page["behaviours"]["users.create_loan"][0], "lend", "{page}");
    assert_eq!(page["behaviours"]["bibs.get_item_by_barcode"][0], "find by");
}
