//! The fuzz driver behind `cargo xtask fuzz`: mutates the seeds of each target and runs every
//! input under `catch_unwind`, timing it and measuring the memory it allocates. Prints one line
//! per target and exits non-zero on a panic, an input over 1 s, or one whose peak allocation is
//! over the bound.
//!
//! ```text
//! cargo run --release -p alma-sdk-tests --example fuzz -- [--execs N] [--target T|all] [--seed S]
//! ```

use std::alloc::{GlobalAlloc, Layout, System};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use alma_sdk_tests::fuzz::{self, Corpus, Rng, Target};

/// Counts live bytes and the peak since the last reset, so each input's allocation is measured.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// An input may take this long.
const TIME_LIMIT: Duration = Duration::from_secs(1);

/// Peak extra allocation allowed for an input of `len` bytes: a small multiple of the input,
/// plus a fixed allowance for the model tables and the generator's own state.
fn memory_bound(target: Target, len: usize) -> usize {
    let fixed = match target {
        Target::Spec | Target::Xsd | Target::Fetch => 64 << 20,
        _ => 8 << 20,
    };
    fixed + 32 * len
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let execs: u64 = value("--execs")
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let seed: u64 = value("--seed").and_then(|v| v.parse().ok()).unwrap_or(1);
    let targets: Vec<Target> = match value("--target").as_deref() {
        None | Some("all") => Target::ALL.to_vec(),
        Some(name) => match Target::from_name(name) {
            Some(t) => vec![t],
            None => {
                eprintln!("unknown target {name:?} (json, xml, errors, xsd, spec, fetch, all)");
                return ExitCode::from(2);
            }
        },
    };
    let scratch = tempdir();
    let mut failed = false;
    for target in targets {
        let corpus = Corpus::for_target(target);
        let mut rng = Rng::new(seed ^ (target.name().len() as u64 * 0x5151));
        let (mut panics, mut hangs, mut over_memory, mut accepted) = (0u64, 0u64, 0u64, 0u64);
        let mut slowest = Duration::ZERO;
        let mut worst_ratio = 0.0f64;
        let started = std::time::Instant::now();
        for n in 0..execs {
            let a = &corpus.seeds[rng.below(corpus.seeds.len())].1;
            let b = &corpus.seeds[rng.below(corpus.seeds.len())].1;
            // Every seed once as it is, then mutations.
            let input = if (n as usize) < corpus.seeds.len() {
                corpus.seeds[n as usize].1.clone()
            } else {
                fuzz::mutate(a, b, &mut rng)
            };
            let base = LIVE.load(Ordering::Relaxed);
            PEAK.store(base, Ordering::Relaxed);
            let out = fuzz::run(target, &input, &scratch);
            let extra = PEAK.load(Ordering::Relaxed).saturating_sub(base);
            worst_ratio = worst_ratio.max(extra as f64 / input.len().max(1) as f64);
            slowest = slowest.max(out.elapsed);
            accepted += u64::from(out.accepted);
            let problem = if let Some(p) = &out.panic {
                panics += 1;
                Some(format!("panic: {p}"))
            } else if out.elapsed > TIME_LIMIT {
                hangs += 1;
                Some(format!("took {:?}", out.elapsed))
            } else if extra > memory_bound(target, input.len()) {
                over_memory += 1;
                Some(format!(
                    "allocated {extra} bytes for {} bytes of input",
                    input.len()
                ))
            } else {
                None
            };
            if let Some(problem) = problem {
                failed = true;
                let kept = if out.panic.is_some() {
                    fuzz::minimise(target, &input, &scratch)
                } else {
                    input.clone()
                };
                let dir = fuzz::regressions_dir(target);
                let _ = std::fs::create_dir_all(&dir);
                let name = format!("{:016x}", fnv(&kept));
                let _ = std::fs::write(dir.join(&name), &kept);
                eprintln!(
                    "{}: {problem}; input kept as {}",
                    target.name(),
                    dir.join(name).display()
                );
            }
        }
        println!(
            "fuzz {:<6} execs {execs:>9}  seeds {:>4}  accepted {accepted:>9}  panics {panics}  hangs {hangs}  over-memory {over_memory}  slowest {:>7.1} ms  peak/input {:>8.1}x  ({:.1} s)",
            target.name(),
            corpus.seeds.len(),
            slowest.as_secs_f64() * 1e3,
            worst_ratio,
            started.elapsed().as_secs_f64(),
        );
    }
    let _ = std::fs::remove_dir_all(&scratch);
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("alma-fuzz-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    dir
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x1000_0000_01b3)
    })
}
