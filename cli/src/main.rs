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
mod mcp;
mod profile;
mod top;

use std::process::ExitCode;

use call::Failure;

/// The usage lines: operations, then each top-level command of the table.
fn usage() -> String {
    let mut out = String::from(
        "alma <AREA> <OPERATION> [ARGS…] [--FLAGS…]   (alma <AREA> --help lists its operations)",
    );
    for t in top::TOP {
        out.push('\n');
        out.push_str(t.usage);
    }
    out
}

fn top_help() -> String {
    let mut out = format!(
        "alma {} — every operation of the Alma REST APIs from a terminal\n\nUsage:\n  {}\n\nAreas:\n",
        env!("CARGO_PKG_VERSION"),
        usage().replace('\n', "\n  ")
    );
    let all = alma_sdk::registry::all();
    for a in commands::areas() {
        let n = all.iter().filter(|o| o.area == a).count();
        out.push_str(&format!("  {a:<12} {n} operations\n"));
    }
    out.push_str("\nCommands:\n");
    for t in top::TOP {
        out.push_str(&format!("  {:<12} {}\n", t.name, t.about));
    }
    out.push_str(
        "\nThe key: ALMA_API_KEY, or a profile's key_env or key_cmd. ALMA_* variables override the profile.\n",
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
        name if top::find(name).is_some() => {
            let t = top::find(name).expect("found above");
            (t.run)(top::Global(global), rest.into_iter().skip(1).collect())
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
            "no command {other:?}\n{}",
            usage()
        )))),
    }
}
