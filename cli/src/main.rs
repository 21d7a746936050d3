//! `alma`: every operation of the Alma REST APIs from a terminal, and batch changes that survive
//! interruption. The commands come from the SDK's registry, which the generator writes from the
//! same IR as the SDK: a new operation in the specs is a new command after `cargo xtask codegen`.
//!
//! ```text
//! alma users get-user jdoe
//! alma bibs list-holdings 991234 --format xml
//! alma users list-users --all > users.ndjson
//! alma users get-user jdoe | jq '.job_description = "Cataloguer"' | alma users update-user jdoe --body -
//! alma batch --input ids.csv --apply -- users update-user {id} --set job_description={job}
//! alma config show
//! ```

mod batch;
mod call;
mod commands;
mod profile;

use std::process::ExitCode;

use call::Failure;

const USAGE: &str =
    "alma <AREA> <OPERATION> [ARGS…] [--FLAGS…]   (alma <AREA> --help lists its operations)
alma batch --input FILE [--apply] -- <AREA> <OPERATION> ARGS… [--set PATH=VALUE]…
alma config show | alma completions bash|zsh|fish | alma man";

fn top_help() -> String {
    let mut out = format!(
        "alma {} — every operation of the Alma REST APIs from a terminal\n\nUsage:\n  {}\n\nAreas:\n",
        env!("CARGO_PKG_VERSION"),
        USAGE.replace('\n', "\n  ")
    );
    let all = alma_sdk::registry::all();
    for a in commands::areas() {
        let n = all.iter().filter(|o| o.area == a).count();
        out.push_str(&format!("  {a:<12} {n} operations\n"));
    }
    out.push_str(
        "\nCommands:\n  batch        one operation per row of a CSV, TSV or NDJSON file, with a journal\n  config show  the profile in use (~/.config/alma/config.toml, ALMA_PROFILE), the key redacted\n  completions  shell completions (bash, zsh, fish)\n  man          the man page\n\nThe key: ALMA_API_KEY, or a profile's key_env or key_cmd. ALMA_* variables override the profile.\n",
    );
    out
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

fn finish(result: Result<bool, Failure>) -> ExitCode {
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(Failure::Usage(e)) => {
            eprintln!("alma: {}", e.trim_end().trim_start_matches("error: "));
            ExitCode::from(2)
        }
        Err(Failure::Call(e)) => {
            eprintln!("alma: {}", call::error_line(&e));
            ExitCode::from(1)
        }
        Err(Failure::Closed) => ExitCode::SUCCESS,
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // Global flags before the command.
    let mut rest: Vec<String> = Vec::new();
    let mut global: Vec<String> = Vec::new();
    let mut it = args.into_iter().peekable();
    while let Some(a) = it.peek() {
        match a.as_str() {
            "--profile" => {
                global.push(it.next().unwrap_or_default());
                global.push(it.next().unwrap_or_default());
            }
            "--verbose" | "-v" => global.push(it.next().unwrap_or_default()),
            _ => break,
        }
    }
    rest.extend(it);
    let Some(first) = rest.first().cloned() else {
        eprint!("{}", top_help());
        return ExitCode::from(2);
    };
    match first.as_str() {
        "-h" | "--help" | "help" => {
            print!("{}", top_help());
            ExitCode::SUCCESS
        }
        "-V" | "--version" => {
            println!("alma {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        "config" => {
            if rest.get(1).map(String::as_str) != Some("show") {
                eprintln!("usage: alma config show");
                return ExitCode::from(2);
            }
            let profile = global
                .iter()
                .position(|g| g == "--profile")
                .and_then(|i| global.get(i + 1))
                .map(String::as_str);
            match profile::Settings::load(profile) {
                Ok(s) => {
                    println!("{}", profile::show(&s));
                    ExitCode::SUCCESS
                }
                Err(e) => finish(Err(Failure::Usage(e))),
            }
        }
        "completions" => {
            let shell = match rest.get(1).map(|s| s.parse::<clap_complete::Shell>()) {
                Some(Ok(s)) => s,
                _ => {
                    eprintln!("usage: alma completions bash|zsh|fish|elvish|powershell");
                    return ExitCode::from(2);
                }
            };
            let mut cmd = commands::root(true);
            clap_complete::generate(shell, &mut cmd, "alma", &mut std::io::stdout());
            ExitCode::SUCCESS
        }
        "man" => {
            let man = clap_mangen::Man::new(commands::root(false));
            match man.render(&mut std::io::stdout()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => finish(Err(Failure::Usage(e.to_string()))),
            }
        }
        "batch" => {
            let args = global.into_iter().chain(rest.into_iter().skip(1)).collect();
            finish(runtime().block_on(batch::run(args)))
        }
        area if commands::areas().contains(&area) => {
            let Some(name) = rest.get(1).filter(|n| !n.starts_with('-')) else {
                let mut cmd = commands::area(area, false).bin_name(format!("alma {area}"));
                print!("{}", cmd.render_help());
                return if rest.len() > 1 {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::from(2)
                };
            };
            let Some(op) = commands::find(area, name) else {
                let close: Vec<String> = alma_sdk::registry::all()
                    .into_iter()
                    .filter(|o| o.area == area)
                    .map(|o| commands::kebab(o.name))
                    .filter(|n| n.contains(name.as_str()) || name.contains(n.as_str()))
                    .take(5)
                    .collect();
                return finish(Err(Failure::Usage(format!(
                    "{area} has no operation {name:?}{} (alma {area} --help lists them)",
                    if close.is_empty() {
                        String::new()
                    } else {
                        format!("; did you mean {}?", close.join(", "))
                    }
                ))));
            };
            let cmd = commands::operation(op, false).bin_name(format!("alma {area} {name}"));
            let argv = global.into_iter().chain(rest.into_iter().skip(2));
            let m = match cmd.try_get_matches_from(std::iter::once(String::new()).chain(argv)) {
                Ok(m) => m,
                Err(e) => {
                    let _ = e.print();
                    return ExitCode::from(match e.kind() {
                        clap::error::ErrorKind::DisplayHelp
                        | clap::error::ErrorKind::DisplayVersion => 0,
                        _ => 2,
                    });
                }
            };
            finish(runtime().block_on(call::run(op, &m)).map(|()| true))
        }
        other => finish(Err(Failure::Usage(format!(
            "no command {other:?}\n{USAGE}"
        )))),
    }
}
