//! The runtime against a local mock server: auth, regions, formats, language, limits, metadata.

use std::time::Duration;

use alma_runtime::codec::{decode_object, Codec, DecodeError, Node, ObjectWriter};
use alma_runtime::{
    ApiKeyMode, Client, Error, Extra, Format, Method, Model, OperationSpec, RawBody,
    ReadOnlyAccess, Region, MAX_REQUEST_BYTES,
};
use wiremock::matchers::{body_string, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const KEY: &str = "l7xx-secret-key-0123456789";

#[derive(Debug, Clone, Default, PartialEq)]
struct Thing {
    code: String,
    extra: Extra,
    wire: alma_runtime::Wire,
}

/// Written by hand over the codec's lower-level API (`decode_object`, `ObjectWriter`), which
/// stays public for such types (`CodeValue` uses it too).
impl Codec for Thing {
    fn from_node(node: Node<'_>) -> Result<Self, DecodeError> {
        let mut out = Thing::default();
        let (extra, wire) = decode_object(node, "Thing", &mut |k, v, r| {
            match k {
                "code" => out.code = r.read(0, v)?,
                _ => return Ok(Some(v)),
            }
            Ok(None)
        })?;
        out.extra = extra;
        out.wire = wire;
        Ok(out)
    }

    fn to_value(&self) -> serde_json::Value {
        let mut w = ObjectWriter::new(&self.wire);
        w.field(0, "code", &self.code);
        w.finish(&self.extra)
    }
}

impl Model for Thing {}

impl alma_runtime::Described for Thing {
    const NAME: &'static str = "Thing";
    fn desc() -> &'static alma_runtime::desc::ModelDesc {
        use alma_runtime::desc::{FieldDesc, FieldKind, FieldValue, ModelDesc};
        static M: ModelDesc = ModelDesc {
            root: "thing",
            fields: &[FieldDesc::new(
                "code",
                "code",
                FieldKind::Element,
                None,
                false,
                FieldValue::Scalar(alma_runtime::desc::ScalarKind::Str),
            )],
        };
        &M
    }
}

static GET: OperationSpec = OperationSpec {
    name: "test.get_thing",
    method: Method::Get,
    path: "/almaws/v1/things/{thing_id}",
    xml_only_body: false,
    read_only: ReadOnlyAccess::Allowed,
};
static POST: OperationSpec = OperationSpec {
    name: "test.create_thing",
    method: Method::Post,
    path: "/almaws/v1/things",
    xml_only_body: false,
    read_only: ReadOnlyAccess::Denied,
};
static POST_MARC: OperationSpec = OperationSpec {
    name: "test.create_bib",
    method: Method::Post,
    path: "/almaws/v1/bibs",
    xml_only_body: true,
    read_only: ReadOnlyAccess::Denied,
};

fn client(server: &MockServer) -> alma_runtime::ClientBuilder {
    Client::builder().api_key(KEY).base_url(server.uri())
}

fn json(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.as_bytes().to_vec(), "application/json")
}

#[tokio::test]
async fn header_auth_is_the_default_and_keeps_the_key_out_of_the_url() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/almaws/v1/things/a%20b%2Fc"))
        .and(header("authorization", format!("apikey {KEY}").as_str()))
        .and(header("accept", "application/json"))
        .and(query_param_is_missing("apikey"))
        .respond_with(
            json(r#"{"code": "X", "added_later": {"n": 1}}"#)
                .insert_header("X-Exl-Api-Remaining", "41999"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server).build().unwrap();
    let r = c
        .request(&GET)
        .path_param("thing_id", "a b/c".into())
        .send::<Thing>()
        .await
        .unwrap();
    assert_eq!(r.value.code, "X");
    assert_eq!(
        r.value.extra["added_later"]["n"], 1,
        "unknown fields are kept"
    );
    assert_eq!(r.remaining, Some(41999));
    assert_eq!(r.status.as_u16(), 200);
}

#[tokio::test]
async fn query_auth_on_request_and_redacted_when_printed() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(query_param("apikey", KEY))
        .respond_with(json(r#"{"code": "Q"}"#))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server)
        .api_key_mode(ApiKeyMode::Query)
        .build()
        .unwrap();
    let req = c.request(&GET).path_param("thing_id", "1".into());
    let shown = req.display_url().unwrap();
    assert!(
        !shown.contains(KEY) && shown.contains("apikey=<redacted>"),
        "{shown}"
    );
    let r = req.send::<Thing>().await.unwrap();
    assert_eq!(r.value.code, "Q");
    let received = &server.received_requests().await.unwrap()[0];
    assert!(
        received.headers.get("authorization").is_none(),
        "no header in query mode"
    );
}

#[tokio::test]
async fn the_key_never_shows_in_debug_display_or_errors() {
    let b = Client::builder()
        .api_key(KEY)
        .base_url("http://127.0.0.1:9")
        .no_retries();
    assert!(!format!("{b:?}").contains(KEY));
    let c = b.api_key_mode(ApiKeyMode::Query).build().unwrap();
    assert!(!format!("{c:?}").contains(KEY));
    // Port 9 (discard) is closed: a transport error that would quote the URL with the key.
    let err = c
        .request(&GET)
        .path_param("thing_id", "1".into())
        .send::<Thing>()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(!text.contains(KEY), "{text}");
        assert!(text.contains("test.get_thing"), "{text}");
    }
}

#[tokio::test]
async fn regions_map_to_the_documented_gateways() {
    let expected = [
        (
            Region::NorthAmerica,
            "na",
            "https://api-na.hosted.exlibrisgroup.com",
        ),
        (
            Region::Europe,
            "eu",
            "https://api-eu.hosted.exlibrisgroup.com",
        ),
        (
            Region::AsiaPacific,
            "ap",
            "https://api-ap.hosted.exlibrisgroup.com",
        ),
        (
            Region::AsiaPacificSouth,
            "aps",
            "https://api-aps.hosted.exlibrisgroup.com",
        ),
        (
            Region::Canada,
            "ca",
            "https://api-ca.hosted.exlibrisgroup.com",
        ),
        (
            Region::China,
            "cn",
            "https://api-cn.hosted.exlibrisgroup.com.cn",
        ),
    ];
    for (region, code, url) in expected {
        assert_eq!(code.parse::<Region>().unwrap(), region);
        let c = Client::builder()
            .api_key(KEY)
            .region(region)
            .build()
            .unwrap();
        let shown = c
            .request(&GET)
            .path_param("thing_id", "42".into())
            .display_url()
            .unwrap();
        assert_eq!(shown, format!("{url}/almaws/v1/things/42"));
    }
    assert!("mars".parse::<Region>().is_err());
}

#[tokio::test]
async fn base_url_rules() {
    let build = |u: &str| Client::builder().api_key(KEY).base_url(u).build();
    assert!(build("https://proxy.example.org/alma").is_ok());
    assert!(build("http://localhost:8080").is_ok());
    assert!(build("http://[::1]:8080").is_ok());
    let err = build("http://alma.example.org").unwrap_err().to_string();
    assert!(err.contains("plain http"), "{err}");
    assert!(Client::builder()
        .api_key(KEY)
        .base_url("http://alma.example.org")
        .allow_insecure_http(true)
        .build()
        .is_ok());
    assert!(build("ftp://x").is_err());
    assert!(build(&format!("https://x.org/?apikey={KEY}")).is_err());
    let err = Client::builder()
        .base_url("https://x.org")
        .build()
        .unwrap_err()
        .to_string();
    assert!(err.contains("no API key"), "{err}");
}

#[tokio::test]
async fn a_base_url_path_prefix_is_kept() {
    let server = MockServer::start().await;
    Mock::given(path("/proxy/almaws/v1/things/1"))
        .respond_with(json("{}"))
        .expect(1)
        .mount(&server)
        .await;
    let c = Client::builder()
        .api_key(KEY)
        .base_url(format!("{}/proxy/", server.uri()))
        .build()
        .unwrap();
    c.request(&GET)
        .path_param("thing_id", "1".into())
        .send::<Thing>()
        .await
        .unwrap();
}

#[tokio::test]
async fn read_only_clients_refuse_changes_locally() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(json("{}"))
        .expect(0)
        .mount(&server)
        .await;
    let c = client(&server).read_only(true).build().unwrap();
    let err = c
        .request(&POST)
        .send_with_body::<_, Thing>(&Thing::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::ReadOnly { method: "POST", .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("read-only"), "{err}");
    // GET still works.
    Mock::given(method("GET"))
        .respond_with(json("{}"))
        .expect(1)
        .mount(&server)
        .await;
    c.request(&GET)
        .path_param("thing_id", "1".into())
        .send::<Thing>()
        .await
        .unwrap();
}

#[tokio::test]
async fn json_and_xml_accept_and_content_type() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(header("accept", "application/json"))
        .and(header("content-type", "application/json"))
        .and(body_string(r#"{"code":"J"}"#))
        .respond_with(json(r#"{"code": "J"}"#))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server).build().unwrap();
    let body = Thing {
        code: "J".into(),
        ..Thing::default()
    };
    let r = c
        .request(&POST)
        .send_with_body::<_, Thing>(&body)
        .await
        .unwrap();
    assert_eq!(r.value.code, "J");

    // Per request XML: Accept and Content-Type follow; a raw XML body is sent as is.
    Mock::given(method("PUT"))
        .and(header("accept", "application/xml"))
        .and(header("content-type", "application/xml"))
        .and(body_string("<thing><code>X</code></thing>"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw("<thing><code>X</code></thing>", "application/xml"),
        )
        .expect(1)
        .mount(&server)
        .await;
    static PUT: OperationSpec = OperationSpec {
        name: "test.update",
        method: Method::Put,
        path: "/almaws/v1/things/1",
        xml_only_body: false,
        read_only: ReadOnlyAccess::Denied,
    };
    let r = c
        .request(&PUT)
        .format(Format::Xml)
        .send_with_body::<_, RawBody>(&RawBody::xml("<thing><code>X</code></thing>"))
        .await
        .unwrap();
    assert_eq!(r.value, RawBody::xml("<thing><code>X</code></thing>"));

    // Per client XML.
    let xml_client = client(&server).format(Format::Xml).build().unwrap();
    Mock::given(method("GET"))
        .and(header("accept", "application/xml"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("<thing/>", "application/xml"))
        .expect(1)
        .mount(&server)
        .await;
    xml_client
        .request(&GET)
        .path_param("thing_id", "1".into())
        .send::<RawBody>()
        .await
        .unwrap();
}

#[tokio::test]
async fn marcxml_operations_send_xml_even_from_a_json_client() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/almaws/v1/bibs"))
        .and(header("content-type", "application/xml"))
        .and(header("accept", "application/json"))
        .respond_with(json(r#"{"mms_id": "99"}"#))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server).build().unwrap();
    let raw = RawBody::xml("<bib><record><leader>00000nam</leader></record></bib>");
    let r = c
        .request(&POST_MARC)
        .send_with_body::<_, RawBody>(&raw)
        .await
        .unwrap();
    assert_eq!(r.value.to_json().unwrap()["mms_id"], "99");
}

#[tokio::test]
async fn lang_per_client_and_per_request() {
    let server = MockServer::start().await;
    Mock::given(query_param("lang", "fr"))
        .respond_with(json(r#"{"code": "fr"}"#))
        .mount(&server)
        .await;
    Mock::given(query_param("lang", "de"))
        .respond_with(json(r#"{"code": "de"}"#))
        .mount(&server)
        .await;
    let c = client(&server).lang("fr").build().unwrap();
    let r = c
        .request(&GET)
        .path_param("thing_id", "1".into())
        .send::<Thing>()
        .await
        .unwrap();
    assert_eq!(r.value.code, "fr");
    let r = c
        .request(&GET)
        .path_param("thing_id", "1".into())
        .lang("de")
        .send::<Thing>()
        .await
        .unwrap();
    assert_eq!(r.value.code, "de");
    // An operation's own `lang` query parameter wins and is not sent twice.
    let r = c
        .request(&GET)
        .path_param("thing_id", "1".into())
        .query("lang", "de".into())
        .send::<Thing>()
        .await
        .unwrap();
    assert_eq!(r.value.code, "de");
    let last = server.received_requests().await.unwrap().pop().unwrap();
    assert_eq!(last.url.query(), Some("lang=de"));
}

#[tokio::test]
async fn oversized_bodies_are_refused_before_sending() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(json("{}"))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server).build().unwrap();
    let big = RawBody::xml("x".repeat(MAX_REQUEST_BYTES + 1));
    let err = c
        .request(&POST)
        .send_with_body::<_, RawBody>(&big)
        .await
        .unwrap_err();
    match &err {
        Error::RequestTooLarge { size, limit, .. } => {
            assert_eq!((*size, *limit), (MAX_REQUEST_BYTES + 1, 524_288))
        }
        other => panic!("{other:?}"),
    }
    assert!(
        err.to_string()
            .contains(&(MAX_REQUEST_BYTES + 1).to_string()),
        "{err}"
    );
    // Exactly at the limit is allowed.
    let ok = RawBody::xml("x".repeat(MAX_REQUEST_BYTES));
    c.request(&POST)
        .send_with_body::<_, RawBody>(&ok)
        .await
        .unwrap();
}

#[tokio::test]
async fn timeouts_per_client_and_per_request() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(json("{}").set_delay(Duration::from_millis(600)))
        .mount(&server)
        .await;
    let c = client(&server)
        .timeout(Duration::from_millis(150))
        .no_retries()
        .build()
        .unwrap();
    let err = c
        .request(&GET)
        .path_param("thing_id", "1".into())
        .send::<Thing>()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(err.is_retryable());
    // A longer per-request timeout lets the slow answer through.
    c.request(&GET)
        .path_param("thing_id", "1".into())
        .timeout(Duration::from_secs(5))
        .send::<Thing>()
        .await
        .unwrap();
}

#[tokio::test]
async fn remaining_header_and_headers_are_exposed() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            json("{}")
                .insert_header("X-Exl-Api-Remaining", "17")
                .insert_header("X-Custom", "yes"),
        )
        .mount(&server)
        .await;
    let c = client(&server).build().unwrap();
    let r = c
        .request(&GET)
        .path_param("thing_id", "1".into())
        .send::<Thing>()
        .await
        .unwrap();
    assert_eq!(r.remaining, Some(17));
    assert_eq!(r.headers.get("x-custom").unwrap(), "yes");
    // Missing or malformed: None.
    let server2 = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(json("{}").insert_header("X-Exl-Api-Remaining", "many"))
        .mount(&server2)
        .await;
    let c2 = client(&server2).build().unwrap();
    let r = c2
        .request(&GET)
        .path_param("thing_id", "1".into())
        .send::<Thing>()
        .await
        .unwrap();
    assert_eq!(r.remaining, None);
}

#[tokio::test]
async fn from_env_reads_every_variable() {
    // The only test that touches the environment.
    let server = MockServer::start().await;
    Mock::given(header("authorization", format!("apikey {KEY}").as_str()))
        .and(header("accept", "application/xml"))
        .and(query_param("lang", "he"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("<thing/>", "application/xml"))
        .expect(1)
        .mount(&server)
        .await;
    // SAFETY: no other test reads or writes these variables.
    unsafe {
        std::env::set_var("ALMA_API_KEY", KEY);
        std::env::set_var("ALMA_REGION", "eu");
        std::env::set_var("ALMA_BASE_URL", server.uri());
        std::env::set_var("ALMA_FORMAT", "xml");
        std::env::set_var("ALMA_LANG", "he");
    }
    let c = Client::from_env().unwrap();
    c.request(&GET)
        .path_param("thing_id", "1".into())
        .send::<RawBody>()
        .await
        .unwrap();
    unsafe { std::env::remove_var("ALMA_BASE_URL") };
    let c = Client::from_env().unwrap();
    assert_eq!(
        c.base_url().as_str(),
        "https://api-eu.hosted.exlibrisgroup.com/"
    );
    unsafe { std::env::set_var("ALMA_REGION", "moon") };
    let err = Client::from_env().unwrap_err().to_string();
    assert!(err.contains("ALMA_REGION"), "{err}");
    unsafe {
        for k in ["ALMA_API_KEY", "ALMA_REGION", "ALMA_FORMAT", "ALMA_LANG"] {
            std::env::remove_var(k);
        }
    }
    let err = Client::from_env().unwrap_err().to_string();
    assert!(err.contains("ALMA_API_KEY"), "{err}");
}

#[tokio::test]
async fn path_parameters_are_required_and_encoded() {
    let c = Client::builder().api_key(KEY).build().unwrap();
    let err = c.request(&GET).display_url().unwrap_err().to_string();
    assert!(err.contains("thing_id"), "{err}");
    let err = c
        .request(&GET)
        .path_param("thing_id", String::new())
        .display_url()
        .unwrap_err()
        .to_string();
    assert!(err.contains("empty"), "{err}");
    let url = c
        .request(&GET)
        .path_param("thing_id", "ä/?#".into())
        .display_url()
        .unwrap();
    assert!(url.ends_with("/things/%C3%A4%2F%3F%23"), "{url}");
}

#[tokio::test]
async fn requests_from_many_tasks_share_one_client() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(|req: &Request| {
            let id = req.url.path().rsplit('/').next().unwrap().to_string();
            json(&format!(r#"{{"code": "{id}"}}"#))
        })
        .expect(20)
        .mount(&server)
        .await;
    let c = client(&server).build().unwrap();
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let c = c.clone();
            tokio::spawn(async move {
                c.request(&GET)
                    .path_param("thing_id", i.to_string())
                    .send::<Thing>()
                    .await
                    .unwrap()
                    .value
                    .code
            })
        })
        .collect();
    for (i, t) in tasks.into_iter().enumerate() {
        assert_eq!(t.await.unwrap(), i.to_string());
    }
}
