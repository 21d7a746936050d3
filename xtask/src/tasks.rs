//! `cargo xtask`'s commands and their flags, declared once: the table below gives clap its
//! parser (unknown flags and missing values refused, `--help` for the whole and each command)
//! and the dispatch. A new command or flag is a table entry (rust-analyzer's xtask declares its
//! flags once with xflags; this is the same idea with clap).

use clap::{Arg, ArgAction, Command};

/// A flag: `--name` alone, or `--name VALUE`.
pub struct Flag {
    pub name: &'static str,
    /// The value's name in the help, for a flag that takes one.
    pub value: Option<&'static str>,
    pub help: &'static str,
}

/// A command of `cargo xtask`.
pub struct Task {
    pub name: &'static str,
    pub about: &'static str,
    pub flags: &'static [Flag],
    /// Required positional arguments, in order.
    pub positional: &'static [&'static str],
    /// Runs it with the arguments after its name (flags as given, already checked).
    pub run: fn(&[String]) -> Result<(), String>,
}

const fn switch(name: &'static str, help: &'static str) -> Flag {
    Flag {
        name,
        value: None,
        help,
    }
}

const fn valued(name: &'static str, value: &'static str, help: &'static str) -> Flag {
    Flag {
        name,
        value: Some(value),
        help,
    }
}

const SPECS: Flag = valued("specs", "DIR", "read the specs from DIR");
const AREAS: Flag = valued("areas", "a,b", "only these areas");

/// Every command, in the order the help lists them.
pub const TASKS: &[Task] = &[
    Task {
        name: "codegen",
        about: "regenerate generated/ from the specs",
        flags: &[switch("check", "compare only: list the files that drifted"), SPECS, AREAS],
        positional: &[],
        run: crate::codegen,
    },
    Task {
        name: "bench",
        about: "time codegen and the generated crate's compile (progenitor 0.15.1 beside it), then the SDK's benchmarks",
        flags: &[
            valued("runs", "N", "runs of each timing"),
            SPECS,
            valued("only", "a,b", "only these benchmarks (none named: list them)"),
            valued("baseline", "REV", "REV's generated crate too, for a change's before and after"),
        ],
        positional: &[],
        run: crate::bench,
    },
    Task {
        name: "roundtrip",
        about: "decode FILE (.json/.xml) as MODEL and print it re-encoded",
        flags: &[],
        positional: &["MODEL", "FILE"],
        run: crate::roundtrip,
    },
    Task {
        name: "fetch-specs",
        about: "download every area, the schema files their $refs reach and the XSDs of unpublished ones into specs/cache",
        flags: &[
            valued("from", "DIR", "copy from a mirror directory"),
            valued("base-url", "URL", "the specs' base URL"),
            valued("xsd-base-url", "URL", "the XSDs' base URL"),
            valued("out", "DIR", "write here instead of specs/cache"),
        ],
        positional: &[],
        run: crate::fetch_specs,
    },
    Task {
        name: "bundle",
        about: "self-contained specs (local refs, corrections, the prose's parameters) for mock servers",
        flags: &[valued("out", "DIR", "write here"), SPECS],
        positional: &[],
        run: |args| crate::bundle(args).map(|_| ()),
    },
    Task {
        name: "conformance",
        about: "every operation against Prism (installed with npm if missing) and the local Alma, the XSD pass, every recorded fixture",
        flags: &[AREAS, switch("xsd-only", "only the XSD pass"), SPECS],
        positional: &[],
        run: crate::conformance::run,
    },
    Task {
        name: "circles",
        about: "import circles between the modules of runtime, sim, cli, xtask and generator (none allowed)",
        flags: &[switch("edges", "list every import between top-level modules too")],
        positional: &[],
        run: crate::circles::run,
    },
    Task {
        name: "peer",
        about: "almapy (PyPI, pinned) against the local Alma: its own integration tests and a script of everyday calls",
        flags: &[],
        positional: &[],
        run: crate::peer::run,
    },
    Task {
        name: "mcp",
        about: "`alma mcp` driven by the Python MCP SDK's client (PyPI, pinned) over a local Alma",
        flags: &[],
        positional: &[],
        run: crate::mcp::run,
    },
    Task {
        name: "fuzz",
        about: "hostile input for every decoder and the generator's readers",
        flags: &[
            valued("execs", "N", "executions per target (default 100000)"),
            valued("target", "T", "json, xml, errors, xsd, spec, fetch (default all)"),
            valued("seed", "S", "the generator's seed"),
            switch("smoke", "the short fixed-seed run CI does (debug build)"),
        ],
        positional: &[],
        run: crate::fuzz,
    },
    Task {
        name: "package",
        about: "alma-runtime and alma-sdk packaged as a registry takes them, each built from its .crate alone",
        flags: &[],
        positional: &[],
        run: crate::package::run_package,
    },
    Task {
        name: "semver",
        about: "alma-sdk against the last committed generation with cargo-semver-checks, held against CHANGES.md",
        flags: &[
            switch("no-demo", "skip the demo"),
            switch("demo-only", "only the demo"),
        ],
        positional: &[],
        run: crate::semver::run_semver,
    },
    Task {
        name: "setup",
        about: "install what the tests need besides Rust (Node.js and npm, xmllint, redis-server, cargo-semver-checks), or say how",
        flags: &[],
        positional: &[],
        run: |_| crate::step("cargo xtask setup", crate::setup::ensure),
    },
    Task {
        name: "test",
        about: "everything CI checks, after setup: fmt, circles, codegen --check, clippy, each area alone, the lean build, docs, tests, package, semver, fuzz smoke, conformance, peer, mcp",
        flags: &[],
        positional: &[],
        run: crate::test,
    },
];

/// The clap command the table declares.
pub fn command() -> Command {
    let mut root = Command::new("cargo xtask")
        .about("The project's tasks")
        .subcommand_required(true)
        .arg_required_else_help(true)
        .disable_version_flag(true);
    for t in TASKS {
        let mut c = Command::new(t.name).about(t.about);
        for f in t.flags {
            let arg = Arg::new(f.name).long(f.name).help(f.help);
            c = c.arg(match f.value {
                Some(v) => arg.value_name(v).action(ArgAction::Set),
                None => arg.action(ArgAction::SetTrue),
            });
        }
        for p in t.positional {
            c = c.arg(Arg::new(*p).required(true));
        }
        root = root.subcommand(c);
    }
    root
}

/// Checks `args` against the declaration, then runs the command they name.
pub fn run(args: &[String]) -> Result<(), String> {
    let parsed = command().try_get_matches_from(
        std::iter::once("cargo xtask".to_owned()).chain(args.iter().cloned()),
    );
    let m = match parsed {
        Ok(m) => m,
        Err(e)
            if matches!(
                e.kind(),
                clap::error::ErrorKind::DisplayHelp
                    | clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) =>
        {
            let _ = e.print();
            return Ok(());
        }
        Err(e) => return Err(e.to_string()),
    };
    let (name, _) = m.subcommand().expect("a command is required");
    let task = TASKS
        .iter()
        .find(|t| t.name == name)
        .expect("every subcommand comes from the table");
    (task.run)(&args[1..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_declaration_parses_and_refuses() {
        command().debug_assert();
        let ok = |a: &[&str]| {
            command()
                .try_get_matches_from(std::iter::once("x").chain(a.iter().copied()))
                .is_ok()
        };
        assert!(ok(&["codegen", "--check", "--areas", "conf"]));
        assert!(ok(&["roundtrip", "User", "u.json"]));
        assert!(!ok(&["codegen", "--nope"]));
        assert!(!ok(&["codegen", "--areas"]));
        assert!(!ok(&["roundtrip", "User"]));
        assert!(!ok(&["nope"]));
    }
}
