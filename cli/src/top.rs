//! `alma`'s top-level commands beside the areas, one table entry each: the name, the usage
//! line and summary the help shows, the clap command completions and the man page are built
//! from, and what runs it. A new command is one entry (oxide's `cli_builder.rs` is the model).

use std::process::ExitCode;

use clap::{Arg, Command};

use crate::call::Failure;

/// Global flags given before the command (`--profile NAME`, `-v`).
pub struct Global(pub Vec<String>);

impl Global {
    /// The value of `--profile`, if given.
    pub fn profile(&self) -> Option<&str> {
        self.0
            .iter()
            .position(|g| g == "--profile")
            .and_then(|i| self.0.get(i + 1))
            .map(String::as_str)
    }
}

/// One top-level command.
pub struct TopCommand {
    pub name: &'static str,
    /// The usage line (`alma config show`).
    pub usage: &'static str,
    /// One line for `alma --help`.
    pub about: &'static str,
    /// Its clap command, for completions and the man page.
    pub command: fn() -> Command,
    /// Runs it with the global flags and the arguments after its name.
    pub run: fn(Global, Vec<String>) -> ExitCode,
}

/// Every top-level command, in the order the help lists them.
pub const TOP: &[TopCommand] = &[
    TopCommand {
        name: "batch",
        usage: "alma batch --input FILE [--apply] -- <AREA> <OPERATION> ARGS… [--set PATH=VALUE]…",
        about: "one operation per row of a CSV, TSV or NDJSON file, with a journal",
        command: || {
            Command::new("batch").about(
                "Run one operation for every row of a CSV, TSV or NDJSON file, with a journal",
            )
        },
        run: |global, args| {
            let args = global.0.into_iter().chain(args).collect();
            crate::finish(crate::runtime().block_on(crate::batch::run(args)))
        },
    },
    TopCommand {
        name: "config",
        usage: "alma config show",
        about: "the profile in use (~/.config/alma/config.toml, ALMA_PROFILE), the key redacted",
        command: || {
            Command::new("config")
                .about("Show the profile in use (the key redacted)")
                .subcommand(Command::new("show"))
        },
        run: |global, args| {
            if args.first().map(String::as_str) != Some("show") {
                eprintln!("usage: alma config show");
                return ExitCode::from(2);
            }
            match crate::profile::Settings::load(global.profile()) {
                Ok(s) => {
                    println!("{}", crate::profile::show(&s));
                    ExitCode::SUCCESS
                }
                Err(e) => crate::finish(Err(Failure::Usage(e))),
            }
        },
    },
    TopCommand {
        name: "completions",
        usage: "alma completions bash|zsh|fish|elvish|powershell",
        about: "shell completions (bash, zsh, fish, elvish, powershell)",
        command: || {
            Command::new("completions").about("Shell completions").arg(
                Arg::new("shell")
                    .value_parser(["bash", "zsh", "fish", "elvish", "powershell"])
                    .required(true),
            )
        },
        run: |_, args| {
            let shell = match args.first().map(|s| s.parse::<clap_complete::Shell>()) {
                Some(Ok(s)) => s,
                _ => {
                    eprintln!("usage: alma completions bash|zsh|fish|elvish|powershell");
                    return ExitCode::from(2);
                }
            };
            let mut cmd = root(true);
            clap_complete::generate(shell, &mut cmd, "alma", &mut std::io::stdout());
            ExitCode::SUCCESS
        },
    },
    TopCommand {
        name: "mcp",
        usage: "alma mcp [--areas A,…] [--allow-writes A,…] [--tools compact|all] [--budget N] [--http PORT] [--list]",
        about: "a Model Context Protocol server for AI assistants (stdio), read-only by default",
        command: crate::mcp::command,
        run: |global, args| crate::mcp::run(global.profile().map(str::to_owned), args),
    },
    TopCommand {
        name: "man",
        usage: "alma man",
        about: "the man page, in roff",
        command: || Command::new("man").about("The man page, in roff"),
        run: |_, _| {
            let man = clap_mangen::Man::new(root(false));
            match man.render(&mut std::io::stdout()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => crate::finish(Err(Failure::Usage(e.to_string()))),
            }
        },
    },
];

/// The command named `name`.
pub fn find(name: &str) -> Option<&'static TopCommand> {
    TOP.iter().find(|t| t.name == name)
}

/// The whole command line (for completions and the man page).
pub fn root(full: bool) -> Command {
    let mut c = Command::new("alma")
        .version(env!("CARGO_PKG_VERSION"))
        .about("Every operation of the Alma REST APIs from a terminal, and batch changes that survive interruption")
        .subcommand_required(true);
    // The top-level commands from their table (`top.rs`), then the areas.
    for t in TOP {
        c = c.subcommand((t.command)());
    }
    for a in crate::commands::areas() {
        c = c.subcommand(crate::commands::area(a, full));
    }
    c
}

#[cfg(test)]
mod tests {
    use super::{root, TOP};

    #[test]
    fn each_entry_is_in_the_help_the_completions_and_the_man_page() {
        let root = root(false);
        for t in TOP {
            assert_eq!((t.command)().get_name(), t.name);
            assert!(
                t.usage.starts_with(&format!("alma {}", t.name)),
                "{}",
                t.usage
            );
            assert!(root.find_subcommand(t.name).is_some(), "{}", t.name);
            assert!(crate::top_help().contains(&format!("  {:<12} {}", t.name, t.about)));
        }
    }
}
