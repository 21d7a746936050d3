//! `cargo xtask` — project automation (matklad's convention). Run `cargo xtask help`.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use alma_codegen::{generate, write, Options};

mod circles;
mod conformance;
mod mcp;
mod package;
mod peer;
mod progenitor;
mod semver;
mod setup;
mod tasks;
mod xsd_check;
mod xsd_mutants;
mod xsd_patch;

// The generator allocates many small strings and token trees; glibc's allocator is a third of a
// generation's time, mimalloc a fraction of that.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match tasks::run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", e.trim_start_matches("error: "));
            ExitCode::FAILURE
        }
    }
}

pub(crate) fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the project root")
        .to_path_buf()
}

/// Value of `--name VALUE` in `args`.
pub(crate) fn flag_value(args: &[String], name: &str) -> Result<Option<String>, String> {
    match args.iter().position(|a| a == name) {
        Some(i) => args
            .get(i + 1)
            .cloned()
            .map(Some)
            .ok_or_else(|| format!("{name} needs a value")),
        None => Ok(None),
    }
}

pub(crate) fn options(args: &[String]) -> Result<Options, String> {
    let root = project_root();
    let specs = flag_value(args, "--specs")?.map(|s| {
        let p = PathBuf::from(s);
        if p.is_absolute() {
            p
        } else {
            std::env::current_dir().unwrap_or_default().join(p)
        }
    });
    let areas = flag_value(args, "--areas")?.map(|a| a.split(',').map(String::from).collect());
    Ok(Options {
        specs,
        areas,
        ..Options::new(root).with_previous_from_disk()
    })
}

fn codegen(args: &[String]) -> Result<(), String> {
    let check = args.iter().any(|a| a == "--check");
    let opts = options(args)?;
    let started = Instant::now();
    let gen = generate(&opts).map_err(|e| e.to_string())?;
    let root = &opts.project_root;
    if check {
        let drift = write::check_project(root, &gen.files).map_err(|e| e.to_string())?;
        if drift.is_empty() {
            println!(
                "generated/ is up to date ({} files, spec sha256 {})",
                gen.files.len(),
                &gen.api.spec_sha256[..12]
            );
            return Ok(());
        }
        for d in &drift {
            eprintln!("  {d}");
        }
        return Err(format!(
            "generated/ differs from a fresh generation in {} file(s); run `cargo xtask codegen`",
            drift.len()
        ));
    }
    write::write_project(root, &gen.files).map_err(|e| e.to_string())?;
    print_summary(&gen, started.elapsed().as_secs_f64());
    Ok(())
}

fn print_summary(gen: &alma_codegen::Generation, secs: f64) {
    let r = &gen.report;
    println!(
        "alma-codegen {} — specs from {}",
        r.generator_version,
        gen.spec_dir.display()
    );
    println!(
        "{:<12} {:>6} {:>6} {:>7} {:>7} {:>11}",
        "area", "ops", "typed", "share", "models", "unresolved"
    );
    for a in &r.areas {
        println!(
            "{:<12} {:>6} {:>6} {:>7} {:>7} {:>11}",
            a.name,
            a.operations,
            a.typed_operations,
            alma_codegen::report::Report::typed_percent(a.typed_operations, a.operations),
            a.models,
            a.unresolved_refs.len()
        );
    }
    println!(
        "{:<12} {:>6} {:>6} {:>7} {:>7} {:>11}",
        "total",
        r.totals.operations,
        r.totals.typed_operations,
        alma_codegen::report::Report::typed_percent(r.totals.typed_operations, r.totals.operations),
        r.totals.models,
        r.missing_schema_files.len()
    );
    println!("{}", r.prose.line());
    for s in &gen.stale_corrections {
        println!("stale correction in specs/corrections.toml: {s}");
    }
    println!(
        "wrote {} files to generated/ in {:.2} s (spec sha256 {})",
        gen.files.len(),
        secs,
        &gen.api.spec_sha256[..12]
    );
}

/// Codegen wall time, conf only and all areas: the median of N in-memory runs (no writes).
/// Every benchmark by name, in the order `cargo xtask bench` runs them.
const BENCHES: &[(&str, &str)] = &[
    (
        "mcp",
        "alma mcp: tools/list sizes, a read through the server against the command line",
    ),
    (
        "codegen",
        "generation time, in memory and as `cargo xtask codegen` runs",
    ),
    ("compile", "the generated crate's clean compile time"),
    (
        "decode",
        "typed JSON and XML decoding against serde_json::Value",
    ),
    (
        "throughput",
        "one client against the local Alma at 25 req/s",
    ),
    (
        "shared_limit",
        "4 processes x 8 tasks, in-process limiters vs Redis",
    ),
    (
        "lean",
        "a webhook receiver's release binary without and with the HTTP client: clean build, size",
    ),
    (
        "priorities",
        "4 batch processes x 8 tasks and 1 interactive process through Redis, priorities on vs off",
    ),
    (
        "sim",
        "the local Alma's GETs a second on one core, and memory per record",
    ),
    (
        "cli",
        "alma --all over 20,000 users, a 1,000-row batch, and --help, at 25 req/s",
    ),
];

fn bench(args: &[String]) -> Result<(), String> {
    let only: Option<Vec<String>> =
        flag_value(args, "--only")?.map(|o| o.split(',').map(str::to_owned).collect());
    if let Some(bad) = only
        .iter()
        .flatten()
        .find(|n| !BENCHES.iter().any(|(b, _)| b == n))
    {
        let names: Vec<String> = BENCHES
            .iter()
            .map(|(n, what)| format!("  {n}: {what}"))
            .collect();
        return Err(format!(
            "--only {bad:?}: no such benchmark; they are:\n{}",
            names.join("\n")
        ));
    }
    let wanted = |name: &str| only.as_ref().is_none_or(|o| o.iter().any(|n| n == name));
    let runs: usize = flag_value(args, "--runs")?
        .map(|r| {
            r.parse()
                .map_err(|_| format!("--runs {r:?} is not a number"))
        })
        .transpose()?
        .unwrap_or(10);
    let opts = options(args)?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    if wanted("codegen") || wanted("compile") {
        let baseline = flag_value(args, "--baseline")?;
        codegen_bench(
            &opts,
            runs,
            &cargo,
            wanted("codegen"),
            wanted("compile"),
            baseline.as_deref(),
        )?;
    }
    // The SDK's own benchmarks; `cargo bench` builds them optimized whatever profile xtask has.
    for bench in ["decode", "throughput", "shared_limit", "priorities"] {
        if wanted(bench) {
            run(
                &cargo,
                &["bench", "-q", "-p", "alma-sdk-tests", "--bench", bench],
                &[],
            )?;
        }
    }
    if wanted("lean") {
        lean_bench(&cargo)?;
    }
    if wanted("sim") {
        run(
            &cargo,
            &["bench", "-q", "-p", "alma-sim", "--bench", "serve"],
            &[],
        )?;
    }
    if wanted("cli") {
        run(
            &cargo,
            &["bench", "-q", "-p", "alma-cli", "--bench", "cli"],
            &[],
        )?;
    }
    if wanted("mcp") {
        run(
            &cargo,
            &["bench", "-q", "-p", "alma-cli", "--bench", "mcp"],
            &[],
        )?;
    }
    Ok(())
}

fn codegen_bench(
    opts: &Options,
    runs: usize,
    cargo: &str,
    codegen: bool,
    compile: bool,
    baseline: Option<&str>,
) -> Result<(), String> {
    let time = |opts: &Options| -> Result<(f64, usize, usize), String> {
        let mut samples = Vec::new();
        let mut lines = 0;
        let mut ops = 0;
        for _ in 0..runs.max(1) {
            let t = Instant::now();
            let gen = generate(opts).map_err(|e| e.to_string())?;
            samples.push(t.elapsed().as_secs_f64());
            lines = gen
                .files
                .iter()
                .filter(|f| f.path.ends_with(".rs"))
                .map(|f| f.contents.lines().count())
                .sum();
            ops = gen.report.totals.operations;
        }
        samples.sort_by(|a, b| a.total_cmp(b));
        Ok((samples[samples.len() / 2], ops, lines))
    };
    let (all, ops, lines) = time(opts)?;
    let conf_opts = Options {
        areas: Some(vec!["conf".to_string()]),
        ..opts.clone()
    };
    let (conf, conf_ops, conf_lines) = time(&conf_opts)?;
    if codegen {
        // The documented command itself, as a user runs it: cargo's freshness check, the
        // generator binary as built by `cargo xtask`, reading specs and writing the (unchanged)
        // files.
        let mut walls = Vec::new();
        for _ in 0..runs.clamp(1, 5) {
            let t = Instant::now();
            let out = std::process::Command::new(cargo)
                .args(["xtask", "codegen"])
                .current_dir(&opts.project_root)
                .output()
                .map_err(|e| format!("cargo xtask codegen: {e}"))?;
            if !out.status.success() {
                return Err(format!(
                    "cargo xtask codegen failed:\n{}",
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
            walls.push(t.elapsed().as_secs_f64());
        }
        walls.sort_by(|a, b| a.total_cmp(b));
        let wall = walls[walls.len() / 2];
        println!("codegen benchmark (median of {runs} runs in memory, this xtask build)");
        println!(
            "  conf area : {:>8.1} ms  ({conf_ops} operations, {conf_lines} lines of Rust)",
            conf * 1e3
        );
        println!(
            "  all areas : {:>8.1} ms  ({ops} operations, {lines} lines of Rust)",
            all * 1e3
        );
        println!(
            "  `cargo xtask codegen` as README runs it, wall: {:>8.1} ms  (median of {})",
            wall * 1e3,
            walls.len()
        );
    }
    if compile {
        compile_time(cargo, &opts.project_root, conf_ops, ops, baseline)?;
    }
    Ok(())
}

/// `alma-webhook-lean` (verify and decode one webhook call) built for release from clean, all
/// its dependencies included, in a target directory of its own: without `client`, then with.
fn lean_bench(cargo: &str) -> Result<(), String> {
    let root = project_root();
    let mut rows = Vec::new();
    for (label, features) in [("without client", None), ("with client", Some("client"))] {
        let target = root.join("target/bench-lean");
        let _ = std::fs::remove_dir_all(&target);
        let target = target.to_string_lossy().into_owned();
        let mut args = vec![
            "build",
            "-q",
            "--release",
            "-p",
            "alma-webhook-lean",
            "--target-dir",
            &target,
        ];
        if let Some(f) = features {
            args.extend_from_slice(&["--features", f]);
        }
        let t = Instant::now();
        run(cargo, &args, &[])?;
        let secs = t.elapsed().as_secs_f64();
        let bin = root.join("target/bench-lean/release/alma-webhook-lean");
        let size = std::fs::metadata(&bin)
            .map_err(|e| format!("{}: {e}", bin.display()))?
            .len();
        rows.push((label, secs, size));
    }
    let _ = std::fs::remove_dir_all(root.join("target/bench-lean"));
    println!("lean: a webhook receiver (verify + decode one call), release, clean build with its dependencies");
    for (label, secs, size) in &rows {
        println!(
            "  {label:<15} {secs:>6.1} s  {:>6.2} MB",
            *size as f64 / 1_048_576.0
        );
    }
    Ok(())
}

/// Times clean debug builds, crate only (dependencies built first, untimed), each in a target
/// directory of its own so the workspace's build is left alone: the generated crate with the
/// conf area and with all areas; progenitor's client for the conf area, the reference
/// ([`progenitor`]); and, with `--baseline REV`, the generated crate of that revision, so a
/// change's before and after are measured in one run.
///
/// The builds are interleaved: each round builds every configuration once, progenitor first,
/// and each configuration's time relative to progenitor's is taken within its round. This
/// machine's speed drifts by a third over minutes; a slow spell then slows both sides of a
/// ratio instead of one. The table gives each configuration's median time and the median of its
/// per-round ratios.
fn compile_time(
    cargo: &str,
    root: &Path,
    conf_ops: usize,
    all_ops: usize,
    baseline: Option<&str>,
) -> Result<(), String> {
    // progenitor's crate first: the bundle comes from the specs as they are now.
    let bundle = bundle(&["--out".into(), "target/bench-progenitor/bundle".into()])?;
    let pg_dir = root.join("target/bench-progenitor/crate");
    let pg_ops = progenitor::write_crate(&bundle, "conf", &pg_dir)?;
    let pg_manifest = pg_dir.join("Cargo.toml").to_string_lossy().into_owned();
    let mut builds = vec![CleanBuild::prepare(
        cargo,
        format!("progenitor {} conf", progenitor::VERSION),
        pg_ops,
        &pg_manifest,
        "bench-progenitor",
        &root.join("target/bench-progenitor/target"),
        &[],
    )?];
    let mut configs = |label: &str, crate_root: &Path, target: &Path| -> Result<(), String> {
        let manifest = crate_root.join("Cargo.toml").to_string_lossy().into_owned();
        // Since the lean-build change the operations need `client`; before it there was none.
        let has_client = std::fs::read_to_string(crate_root.join("generated/Cargo.toml"))
            .map(|t| t.contains("\nclient = "))
            .unwrap_or(false);
        let conf_features = if has_client { "conf,client" } else { "conf" };
        builds.push(CleanBuild::prepare(
            cargo,
            format!("{label} conf area"),
            conf_ops,
            &manifest,
            "alma-sdk",
            target,
            &["--no-default-features", "--features", conf_features],
        )?);
        builds.push(CleanBuild::prepare(
            cargo,
            format!("{label} all areas"),
            all_ops,
            &manifest,
            "alma-sdk",
            target,
            &[],
        )?);
        Ok(())
    };
    let baseline_dir = root.join("target/bench-baseline");
    let remove_worktree = || {
        let _ = Command::new("git")
            .args(["worktree", "remove", "--force"])
            .arg(&baseline_dir)
            .current_dir(root)
            .status();
    };
    if let Some(rev) = baseline {
        remove_worktree();
        let ok = Command::new("git")
            .args(["worktree", "add", "--detach", "--force"])
            .arg(&baseline_dir)
            .arg(rev)
            .current_dir(root)
            .status()
            .map_err(|e| format!("git worktree: {e}"))?
            .success();
        if !ok {
            return Err(format!("git worktree add {rev} failed"));
        }
        let short = &rev[..rev.len().min(12)];
        // The target directory outlives the worktree: dependencies are built once.
        configs(
            &format!("alma-sdk at {short}"),
            &baseline_dir,
            &root.join("target/bench-compile-baseline"),
        )?;
    }
    configs("alma-sdk now", root, &root.join("target/bench-compile"))?;
    let measured = (|| -> Result<Vec<Vec<f64>>, String> {
        let mut times = vec![Vec::new(); builds.len()];
        for _ in 0..COMPILE_SAMPLES {
            for (build, t) in builds.iter().zip(&mut times) {
                t.push(build.time()?);
            }
        }
        Ok(times)
    })();
    if baseline.is_some() {
        remove_worktree();
    }
    let times = measured?;
    let pg_per_op = |round: usize| times[0][round] / pg_ops.max(1) as f64;
    println!(
        "compile time (debug, crate only, from clean; {COMPILE_SAMPLES} interleaved rounds, progenitor on the same area in each; median time, median of the rounds' ratios)"
    );
    for (build, t) in builds.iter().zip(&times) {
        let per_op = |round: usize| t[round] / build.operations.max(1) as f64;
        let ratios: Vec<f64> = (0..t.len()).map(|r| per_op(r) / pg_per_op(r)).collect();
        let secs = median(t);
        println!(
            "  {:<32} {secs:>6.1} s  {:>3} operations  {:.3} s/operation = {:.2}x progenitor (rounds: {})",
            build.label,
            build.operations,
            secs / build.operations.max(1) as f64,
            median(&ratios),
            ratios
                .iter()
                .map(|r| format!("{r:.2}"))
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    Ok(())
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// One configuration of [`compile_time`]: its dependencies are built when it is prepared, and
/// each [`CleanBuild::time`] cleans the package alone and times its build.
struct CleanBuild {
    label: String,
    operations: usize,
    cargo: String,
    build: Vec<String>,
    clean: Vec<String>,
}

impl CleanBuild {
    fn prepare(
        cargo: &str,
        label: String,
        operations: usize,
        manifest: &str,
        package: &str,
        target: &Path,
        features: &[&str],
    ) -> Result<CleanBuild, String> {
        let target = target.to_string_lossy().into_owned();
        let common = |verb: &str| -> Vec<String> {
            [
                verb,
                "-q",
                "--manifest-path",
                manifest,
                "-p",
                package,
                "--target-dir",
                &target,
            ]
            .iter()
            .map(|s| s.to_string())
            .collect()
        };
        let mut build = common("build");
        build.extend(features.iter().map(|s| s.to_string()));
        let b = CleanBuild {
            label,
            operations,
            cargo: cargo.to_string(),
            build,
            clean: common("clean"),
        };
        b.run(&b.build)?;
        Ok(b)
    }

    fn run(&self, args: &[String]) -> Result<(), String> {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&self.cargo, &args, &[])
    }

    fn time(&self) -> Result<f64, String> {
        self.run(&self.clean)?;
        let t = Instant::now();
        self.run(&self.build)?;
        Ok(t.elapsed().as_secs_f64())
    }
}

/// Interleaved rounds in `cargo xtask bench --only compile`.
const COMPILE_SAMPLES: usize = 5;

/// Runs one of our own steps of `cargo xtask test`, with its time.
fn step(name: &str, f: impl FnOnce() -> Result<(), String>) -> Result<(), String> {
    println!("\n==> {name}");
    let started = Instant::now();
    let result = f();
    println!("<== {name}: {:.0} s", started.elapsed().as_secs_f64());
    result
}

/// Runs a command from the project root, failing with its name when it fails.
pub(crate) fn run(program: &str, args: &[&str], envs: &[(&str, &str)]) -> Result<(), String> {
    let name = Path::new(program)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let shown = format!("{name} {}", args.join(" "));
    println!("\n==> {shown}");
    let started = Instant::now();
    let status = std::process::Command::new(program)
        .args(args)
        .envs(envs.iter().copied())
        .current_dir(project_root())
        .status()
        .map_err(|e| format!("{shown}: {e}"))?;
    // Each step's time, so that CI's budget can be kept from its log.
    println!("<== {:.0} s", started.elapsed().as_secs_f64());
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{shown}` failed ({status})"))
    }
}

/// The whole check, as CI runs it.
fn test(_args: &[String]) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let started = Instant::now();
    // Before anything is built: a machine that lacks a tool and cannot install it says so now.
    step("cargo xtask setup", setup::ensure)?;
    run(&cargo, &["fmt", "--all", "--check"], &[])?;
    step("cargo xtask circles", || circles::run(&[]))?;
    println!("\n==> cargo xtask codegen --check");
    codegen(&["--check".to_string()])?;
    run(
        &cargo,
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
        &[],
    )?;
    let root = project_root();
    let cfg = alma_codegen::config::Config::load(&root.join("specs")).map_err(|e| e.to_string())?;
    let features: Vec<&String> = cfg
        .areas
        .areas
        .iter()
        .map(|a| &a.name)
        .chain(cfg.areas.webhooks.iter().map(|w| &w.name))
        .collect();
    // Each area alone, with the client (the webhook payloads have no operations).
    for feature in &features {
        let with_client = format!("{feature},client");
        run(
            &cargo,
            &[
                "clippy",
                "-p",
                "alma-sdk",
                "--no-default-features",
                "--features",
                &with_client,
                "--",
                "-D",
                "warnings",
            ],
            &[],
        )?;
    }
    lean_build(&cargo, &features)?;
    // From clean, so that pages of items hidden since are not left over.
    let _ = std::fs::remove_dir_all(root.join("target/doc"));
    run(
        &cargo,
        &["doc", "--workspace", "--no-deps"],
        &[("RUSTDOCFLAGS", "-D warnings")],
    )?;
    check_public_docs(&root.join("target/doc"))?;
    run(&cargo, &["test", "--workspace"], &[])?;
    step("cargo xtask package", || package::run_package(&[]))?;
    step("cargo xtask semver", || semver::run_semver(&[]))?;
    step("cargo xtask fuzz --smoke", || {
        fuzz(&["--smoke".to_string()])
    })?;
    step("cargo xtask conformance", || conformance::run(&[]))?;
    step("cargo xtask peer", || peer::run(&[]))?;
    step("cargo xtask mcp", || mcp::run(&[]))?;
    println!(
        "\nall checks passed in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Every area without the client: the models, enums and webhook payloads build (clippy-clean)
/// with no HTTP stack in the dependency tree.
fn lean_build(cargo: &str, features: &[&String]) -> Result<(), String> {
    let all = features
        .iter()
        .map(|f| f.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let args = [
        "-p",
        "alma-sdk",
        "--no-default-features",
        "--features",
        &all,
    ];
    let mut clippy = vec!["clippy"];
    clippy.extend_from_slice(&args);
    clippy.extend_from_slice(&["--", "-D", "warnings"]);
    run(cargo, &clippy, &[])?;
    let mut tree = vec!["tree", "-e", "normal", "--prefix", "none"];
    tree.extend_from_slice(&args);
    let out = std::process::Command::new(cargo)
        .args(&tree)
        .current_dir(project_root())
        .output()
        .map_err(|e| format!("cargo tree: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "cargo tree failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let heavy: std::collections::BTreeSet<&str> = text
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| {
            ["reqwest", "hyper", "rustls", "tokio", "h2"]
                .iter()
                .any(|h| name == h || name.starts_with(&format!("{h}-")))
        })
        .collect();
    if !heavy.is_empty() {
        return Err(format!(
            "alma-sdk without `client` depends on the HTTP stack: {}",
            heavy.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    println!(
        "lean alma-sdk (no `client`, every area): {} crates in its tree, none of reqwest, hyper, rustls, tokio",
        text.lines().collect::<std::collections::BTreeSet<_>>().len()
    );
    Ok(())
}

/// `cargo xtask fuzz`: runs the `fuzz` example of the test crate.
fn fuzz(args: &[String]) -> Result<(), String> {
    let smoke = args.iter().any(|a| a == "--smoke");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let execs = flag_value(args, "--execs")?.unwrap_or_else(|| {
        if smoke {
            "4000".into()
        } else {
            "100000".into()
        }
    });
    let target = flag_value(args, "--target")?.unwrap_or_else(|| "all".into());
    let seed = flag_value(args, "--seed")?.unwrap_or_else(|| "1".into());
    let mut cmd = vec!["run", "-q"];
    if !smoke {
        cmd.push("--release");
    }
    cmd.extend([
        "-p",
        "alma-sdk-tests",
        "--example",
        "fuzz",
        "--",
        "--execs",
        &execs,
        "--target",
        &target,
        "--seed",
        &seed,
    ]);
    run(&cargo, &cmd, &[])
}

/// The runtime's docs show what a user calls, not what only generated code uses.
fn check_public_docs(doc: &Path) -> Result<(), String> {
    let rt = doc.join("alma_runtime");
    let shown = [
        "trait.Hooks.html",
        "struct.ErrorMetadata.html",
        "enum.Error.html",
        "struct.Secret.html",
    ];
    let hidden = [
        "trait.Codec.html",
        "struct.Node.html",
        "struct.Wire.html",
        "trait.IsEmpty.html",
        "fn.convert.html",
        "macro.request_options.html",
        "macro.serde_via_codec.html",
        "xml/index.html",
        "registry/index.html",
        "codec/index.html",
        "civil/index.html",
        "path/index.html",
        "json_path/index.html",
    ];
    let missing: Vec<&str> = shown
        .iter()
        .copied()
        .filter(|p| !rt.join(p).is_file())
        .collect();
    let leaked: Vec<&str> = hidden
        .iter()
        .copied()
        .filter(|p| rt.join(p).exists())
        .collect();
    if !missing.is_empty() || !leaked.is_empty() {
        return Err(format!(
            "alma_runtime docs: missing {missing:?}, showing codegen-only items {leaked:?}"
        ));
    }
    println!(
        "docs: {} user-facing pages present, {} codegen-only items hidden",
        shown.len(),
        hidden.len()
    );
    Ok(())
}

/// `cargo xtask roundtrip MODEL FILE`: runs the `roundtrip` example of the generated crate (xtask
/// itself does not depend on it, so codegen works even when `generated/` does not compile).
fn roundtrip(args: &[String]) -> Result<(), String> {
    let [model, file] = args else {
        return Err("usage: cargo xtask roundtrip MODEL FILE".into());
    };
    let file = std::env::current_dir()
        .map_err(|e| e.to_string())?
        .join(file);
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // A target directory of its own: built beside xtask in `target/`, the example resolves
    // features of shared dependencies (rustls and its dependants) differently from xtask, and
    // the two builds would rebuild each other on every call.
    let status = std::process::Command::new(cargo)
        .args([
            "run",
            "--quiet",
            "--target-dir",
            "target/roundtrip",
            "-p",
            "alma-sdk-tests",
            "--example",
            "roundtrip",
            "--",
        ])
        .arg(model)
        .arg(&file)
        .current_dir(project_root())
        .status()
        .map_err(|e| e.to_string())?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{} did not round-trip as {model}", file.display()))
    }
}

/// `cargo xtask bundle`: writes the self-contained specs, returning their directory.
pub(crate) fn bundle(args: &[String]) -> Result<PathBuf, String> {
    let opts = options(args)?;
    let out = flag_value(args, "--out")?
        .map(PathBuf::from)
        .unwrap_or_else(|| opts.project_root.join("target/bundle"));
    let (config, store) = alma_codegen::load(&opts).map_err(|e| e.to_string())?;
    if out.exists() {
        std::fs::remove_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    }
    let files =
        alma_codegen::bundle::write_bundle(&store, &config, &out).map_err(|e| e.to_string())?;
    println!("bundled {} spec files into {}", files.len(), out.display());
    Ok(out)
}

/// `cargo xtask fetch-specs`.
fn fetch_specs(args: &[String]) -> Result<(), String> {
    use alma_codegen::fetch::{fetch, Origin};
    let root = project_root();
    let cwd = std::env::current_dir().map_err(|e| e.to_string())?;
    let config =
        alma_codegen::config::Config::load(&root.join("specs")).map_err(|e| e.to_string())?;
    let out = flag_value(args, "--out")?
        .map(|o| cwd.join(o))
        .unwrap_or_else(|| root.join("specs/cache"));
    let origin = match flag_value(args, "--from")? {
        Some(dir) => Origin::Dir(cwd.join(dir)),
        None => {
            let base = flag_value(args, "--base-url")?
                .unwrap_or_else(|| config.areas.upstream_base_url.clone());
            let xsd_base = match (
                flag_value(args, "--xsd-base-url")?,
                flag_value(args, "--base-url")?,
            ) {
                (Some(x), _) => x,
                (None, Some(b)) => Origin::xsd_base_for(&b),
                (None, None) => config.areas.xsd_base_url.clone(),
            };
            Origin::Http { base, xsd_base }
        }
    };
    let started = Instant::now();
    let report = fetch(&config, &origin, &out, |done, known, rel| {
        println!("[{done:>3}/{known:>3}] {rel}");
    })
    .map_err(|e| format!("{e}\n(the previous {} is unchanged)", out.display()))?;
    println!(
        "fetched {} files into {} in {:.1} s ({} schema files published neither as JSON nor as XSD); lock: {}",
        report.files.len(),
        out.display(),
        started.elapsed().as_secs_f64(),
        report.missing.len(),
        out.join("specs.lock").display()
    );
    Ok(())
}
