//! `fetch-specs` against a mirror served over loopback HTTP: everything arrives and matches,
//! refs are followed recursively, a 404 falls back to the XSD or is reported, and a failure
//! leaves the previous spec directory as it was.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use alma_codegen::config::Config;
use alma_codegen::fetch::{fetch, Origin};

/// Serves files under `root` by URL path; stops answering after `die_after` files.
fn serve(root: PathBuf, die_after: Option<usize>) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let served = Arc::new(AtomicUsize::new(0));
    let count = served.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut line = String::new();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
                    break;
                }
            }
            if die_after.is_some_and(|n| count.load(Ordering::SeqCst) >= n) {
                // The server dies midway: half a response, then the connection drops.
                let _ = stream
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n{\"partial\":");
                return;
            }
            let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
            match std::fs::read(root.join(path.trim_start_matches('/'))) {
                Ok(body) => {
                    count.fetch_add(1, Ordering::SeqCst);
                    let _ = write!(
                        stream,
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = stream.write_all(&body);
                }
                Err(_) => {
                    let _ = stream.write_all(
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    );
                }
            }
        }
    });
    (format!("http://{addr}"), served)
}

const BASE: &str = "wp-content/uploads/alma/openapi";
const XSD: &str = "alma/apis/docs/xsd";

/// A small upstream: one area referring to a published schema (which refers to another), an
/// unpublished one with an XSD (which includes another XSD), and one with neither.
fn upstream() -> (tempfile::TempDir, Config) {
    let dir = tempfile::tempdir().unwrap();
    let w = |rel: String, text: &str| {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    let url = "https://developers.exlibrisgroup.com/wp-content/uploads/alma/openapi/schemas";
    w(
        format!("{BASE}/test.json"),
        &common::spec(&format!(
            r#"{{"/almaws/v1/a": {{"get": {{"responses": {{"200": {{"description": "", "content": {{
                "application/json": {{"schema": {{"$ref": "{url}/rest_a.json#/rest_a"}}}}}}}}}}}}}},
              "/almaws/v1/u": {{"get": {{"responses": {{"200": {{"description": "", "content": {{
                "application/json": {{"schema": {{"$ref": "{url}/rest_u.json#/rest_u"}}}}}}}}}}}}}},
              "/almaws/v1/x": {{"get": {{"responses": {{"200": {{"description": "", "content": {{
                "application/json": {{"schema": {{"$ref": "{url}/rest_x.json#/rest_x"}}}}}}}}}}}}}}}}"#
        )),
    );
    w(
        format!("{BASE}/schemas/rest_a.json"),
        r##"{"rest_a": {"$ref": "#/a"}, "a": {"type": "object", "properties": {"b": {"$ref": "./rest_b.json#/rest_b"}}}}"##,
    );
    w(
        format!("{BASE}/schemas/rest_b.json"),
        r##"{"rest_b": {"$ref": "#/b"}, "b": {"type": "object", "properties": {"n": {"type": "integer"}}}}"##,
    );
    w(
        format!("{XSD}/rest_u.xsd"),
        r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:include schemaLocation="rest_note.xsd"/><xs:element name="u" type="u"/><xs:complexType name="u"><xs:all><xs:element name="note" type="note" minOccurs="0"/></xs:all></xs:complexType></xs:schema>"#,
    );
    w(
        format!("{XSD}/rest_note.xsd"),
        r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:complexType name="note"><xs:all><xs:element name="text" type="xs:string" minOccurs="0"/></xs:all></xs:complexType></xs:schema>"#,
    );
    let p = common::Project::new("test.json", "{}");
    let config = Config::load(&p.root().join("specs")).unwrap();
    (dir, config)
}

fn http(base: &str) -> Origin {
    Origin::Http {
        base: format!("{base}/{BASE}/"),
        xsd_base: Origin::xsd_base_for(&format!("{base}/{BASE}/")),
    }
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap()
}

#[test]
fn everything_arrives_and_matches() {
    let (up, config) = upstream();
    let (base, _) = serve(up.path().to_path_buf(), None);
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().join("cache");
    let mut progress = Vec::new();
    let report = fetch(&config, &http(&base), &out, |done, known, rel| {
        progress.push((done, known, rel.to_string()))
    })
    .unwrap();
    let mut files: Vec<&String> = report.files.keys().collect();
    files.sort();
    assert_eq!(
        files,
        [
            "openapi/test.json",
            "schemas/rest_a.json",
            "schemas/rest_b.json",
            "xsd/rest_note.xsd",
            "xsd/rest_u.xsd"
        ],
        "recursive refs and XSD includes are followed"
    );
    assert_eq!(
        report.missing.iter().collect::<Vec<_>>(),
        ["rest_x"],
        "published neither way: reported"
    );
    for rel in &files {
        let src = match rel.split_once('/') {
            Some(("xsd", f)) => format!("{XSD}/{f}"),
            Some(("openapi", f)) => format!("{BASE}/{f}"),
            _ => format!("{BASE}/{rel}"),
        };
        assert_eq!(
            read(&out.join(rel)),
            read(&up.path().join(src)),
            "{rel} arrived intact"
        );
    }
    let lock = std::fs::read_to_string(out.join("specs.lock")).unwrap();
    assert_eq!(lock.lines().filter(|l| !l.starts_with('#')).count(), 5);
    assert!(
        lock.contains(&format!(
            "schemas/rest_b.json\t{base}/{BASE}/schemas/rest_b.json\t"
        )),
        "{lock}"
    );
    assert_eq!(
        progress.len(),
        5 + 2,
        "one progress line per file tried (5 found, 2 schema files not published)"
    );
    // The fetched directory generates, and the XSD fallback gives the unpublished model a type.
    let project = common::Project::new("test.json", "{}");
    let gen = alma_codegen::generate(&alma_codegen::Options {
        project_root: project.root().to_path_buf(),
        specs: Some(out.clone()),
        previous_summary: None,
        previous_changes: None,
        areas: None,
    })
    .unwrap();
    let u = gen
        .api
        .models
        .values()
        .find(|m| m.name == "U")
        .expect("model from rest_u.xsd");
    assert_eq!(u.source, alma_codegen::ir::ModelSource::Xsd);
    assert_eq!(
        gen.report.totals.typed_operations, 2,
        "a and u are typed, x is not"
    );
}

#[test]
fn a_server_dying_midway_leaves_the_old_directory_intact() {
    let (up, config) = upstream();
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().join("cache");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("previous.txt"), "the old specs").unwrap();
    let (base, _) = serve(up.path().to_path_buf(), Some(2));
    let err = fetch(&config, &http(&base), &out, |_, _, _| {})
        .unwrap_err()
        .to_string();
    assert!(err.contains("rest_"), "names the file that failed: {err}");
    assert_eq!(
        std::fs::read_to_string(out.join("previous.txt")).unwrap(),
        "the old specs"
    );
    assert_eq!(
        std::fs::read_dir(&out).unwrap().count(),
        1,
        "nothing new was written into it"
    );
    let leftovers: Vec<_> = std::fs::read_dir(out_dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(
        leftovers,
        vec![std::ffi::OsString::from("cache")],
        "no temporary directory left"
    );
}

#[test]
fn a_non_json_answer_and_a_missing_area_are_errors() {
    let (up, config) = upstream();
    std::fs::write(
        up.path().join(format!("{BASE}/schemas/rest_b.json")),
        "<html>proxy login</html>",
    )
    .unwrap();
    let (base, _) = serve(up.path().to_path_buf(), None);
    let out = tempfile::tempdir().unwrap();
    let err = fetch(&config, &http(&base), &out.path().join("c"), |_, _, _| {})
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("rest_b.json") && err.contains("not JSON"),
        "{err}"
    );
    std::fs::remove_file(up.path().join(format!("{BASE}/test.json"))).unwrap();
    let err = fetch(&config, &http(&base), &out.path().join("c"), |_, _, _| {})
        .unwrap_err()
        .to_string();
    assert!(err.contains("test.json") && err.contains("404"), "{err}");
}

#[test]
fn from_a_mirror_directory() {
    let (up, config) = upstream();
    // Lay the upstream files out like the mirror.
    let mirror = tempfile::tempdir().unwrap();
    for (from, to) in [(BASE, ""), (XSD, "xsd")] {
        common::copy_dir(&up.path().join(from), &mirror.path().join(to));
    }
    std::fs::create_dir_all(mirror.path().join("openapi")).unwrap();
    std::fs::rename(
        mirror.path().join("test.json"),
        mirror.path().join("openapi/test.json"),
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let report = fetch(
        &config,
        &Origin::Dir(mirror.path().to_path_buf()),
        &out.path().join("c"),
        |_, _, _| {},
    )
    .unwrap();
    assert_eq!(report.files.len(), 5);
}
