//! Decoding a page of 100 users: typed JSON vs `serde_json::Value` on the same bytes, and typed
//! XML of the same page. `cargo bench -p alma-sdk-tests --bench decode` (or `cargo xtask bench`).
//!
//! The page is built from a real user record (`../shared/alma-fixtures`), repeated 100 times;
//! its XML is that page written by the SDK. Each figure is the median of several timed batches.

use std::hint::black_box;
use std::time::{Duration, Instant};

use alma_sdk::runtime::Model;
use alma_sdk::users::models::Users;

const USER_FIXTURE: &str =
    "Swiss-Library-Service-Platform+almapiwrapper/test__data__user_test1.json";

fn median_per_iter(mut f: impl FnMut()) -> Duration {
    // Warm up, then size batches to ~50 ms.
    let t = Instant::now();
    let mut n = 0u32;
    while t.elapsed() < Duration::from_millis(100) {
        f();
        n += 1;
    }
    let per_batch = (n / 2).max(1);
    let mut samples: Vec<Duration> = (0..15)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..per_batch {
                f();
            }
            t.elapsed() / per_batch
        })
        .collect();
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/alma-fixtures");
    let Ok(user) = std::fs::read_to_string(dir.join(USER_FIXTURE)) else {
        eprintln!("no fixtures at {}: nothing to measure", dir.display());
        return;
    };
    let user: serde_json::Value = serde_json::from_str(&user).expect("fixture is JSON");
    let page = serde_json::json!({ "total_record_count": 100, "user": vec![user; 100] });
    let json = serde_json::to_vec(&page).unwrap();
    let typed = Users::from_json(&json).expect("page decodes");
    assert_eq!(typed.user.len(), 100);
    let xml = typed.to_xml().unwrap();
    assert_eq!(Users::from_xml(&xml).unwrap().user.len(), 100);

    let value = median_per_iter(|| {
        black_box(serde_json::from_slice::<serde_json::Value>(black_box(&json)).unwrap());
    });
    let typed_json = median_per_iter(|| {
        black_box(Users::from_json(black_box(&json)).unwrap());
    });
    let typed_xml = median_per_iter(|| {
        black_box(Users::from_xml(black_box(&xml)).unwrap());
    });
    println!(
        "decode a page of 100 users (JSON {} KB, XML {} KB)",
        json.len() / 1024,
        xml.len() / 1024
    );
    println!(
        "  serde_json::Value : {:>9.1} µs",
        value.as_secs_f64() * 1e6
    );
    println!(
        "  typed JSON        : {:>9.1} µs",
        typed_json.as_secs_f64() * 1e6
    );
    println!(
        "  typed XML         : {:>9.1} µs",
        typed_xml.as_secs_f64() * 1e6
    );
    println!(
        "  typed JSON / Value = {:.2} (goal <= 1.00), typed XML / typed JSON = {:.2} (goal <= 2.00)",
        typed_json.as_secs_f64() / value.as_secs_f64(),
        typed_xml.as_secs_f64() / typed_json.as_secs_f64()
    );
}
