//! Hostile inputs never panic: the kept fuzz regressions (`tests/fuzz-regressions/<target>/`) and
//! the hand-written hostile shapes every fuzz target starts from (deep nesting, huge numbers,
//! entity expansion, an empty body), through every target.

use alma_sdk_tests::fuzz::{self, Corpus, Target};

fn scratch() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[test]
fn hostile_shapes_give_errors_not_panics() {
    let dir = scratch();
    for target in Target::ALL {
        let corpus = Corpus::for_target(target);
        let hostile: Vec<_> = corpus
            .seeds
            .iter()
            .filter(|(n, _)| {
                matches!(
                    n.as_str(),
                    "empty" | "deep-json" | "deep-xml" | "huge-number" | "billion-laughs"
                )
            })
            .collect();
        assert_eq!(hostile.len(), 5, "{}", target.name());
        for (name, input) in hostile {
            let out = fuzz::run(target, input, dir.path());
            assert!(
                out.panic.is_none(),
                "{} panicked on {name}: {:?}",
                target.name(),
                out.panic
            );
            // None of them is a document any target should take.
            assert!(!out.accepted, "{} accepted {name}", target.name());
        }
    }
}

#[test]
fn kept_regressions_replay_without_panics() {
    let dir = scratch();
    let mut replayed = 0;
    for target in Target::ALL {
        let Ok(entries) = std::fs::read_dir(fuzz::regressions_dir(target)) else {
            continue;
        };
        for e in entries.flatten() {
            let input = std::fs::read(e.path()).unwrap();
            let out = fuzz::run(target, &input, dir.path());
            assert!(
                out.panic.is_none(),
                "{} panicked again on {}: {:?}",
                target.name(),
                e.path().display(),
                out.panic
            );
            replayed += 1;
        }
    }
    eprintln!("replayed {replayed} kept fuzz inputs");
}

/// The mutator is reproducible from its seed (a CI smoke run is the same run every time) and
/// produces the shapes it promises.
#[test]
fn mutations_are_reproducible_and_varied() {
    let seed = br#"{"primary_id": "jdoe", "total_record_count": 12}"#;
    let run = |s| {
        let mut rng = fuzz::Rng::new(s);
        (0..200)
            .map(|_| fuzz::mutate(seed, b"<user/>", &mut rng))
            .collect::<Vec<_>>()
    };
    assert_eq!(run(3), run(3));
    assert_ne!(run(3), run(4));
    let all = run(5);
    assert!(
        all.iter().any(|m| std::str::from_utf8(m).is_err()),
        "invalid UTF-8"
    );
    assert!(all.iter().any(|m| m.len() < seed.len()), "truncation");
    assert!(
        all.iter().any(|m| m.len() > 2 * seed.len()),
        "growth or nesting"
    );
    assert!(
        all.iter()
            .any(|m| String::from_utf8_lossy(m).contains("<!DOCTYPE")),
        "entity declarations"
    );
}
