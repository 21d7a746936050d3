//! What `cargo xtask test` needs besides the Rust toolchain, installed before anything is
//! built: README's test command sets up a fresh machine by itself (`.ci/run` only calls it).
//!
//! Each tool is one table entry: how to tell it is there, and how to install it. On a machine
//! where we cannot install (not root, no `apt-get`, the package registries out of reach), the
//! check fails at once, naming every missing tool and the command that installs it.

use std::process::{Command, Stdio};
use std::time::Instant;

/// How a tool is installed.
enum Install {
    /// Debian packages, with `apt-get install`.
    Apt(&'static [&'static str]),
    /// A crate's binaries, with `cargo install --locked`, and the environment it is built with.
    Cargo {
        krate: &'static str,
        env: &'static [(&'static str, &'static str)],
    },
}

/// A tool the tests need.
struct Tool {
    /// What it is called in messages.
    name: &'static str,
    /// What needs it.
    why: &'static str,
    /// A command that succeeds when the tool is there.
    probe: &'static [&'static str],
    install: Install,
}

/// Every tool `cargo xtask test` needs, in the order they are installed. Prism itself is an npm
/// package the conformance suite installs under `target/prism`; it needs Node.js and npm.
const TOOLS: &[Tool] = &[
    Tool {
        name: "Node.js and npm",
        why:
            "the conformance suite runs Prism (@stoplight/prism-cli, installed under target/prism)",
        probe: &["npm", "--version"],
        install: Install::Apt(&["nodejs", "npm"]),
    },
    Tool {
        name: "xmllint",
        why: "the conformance suite's XSD pass validates the XML the SDK writes",
        probe: &["xmllint", "--version"],
        install: Install::Apt(&["libxml2-utils"]),
    },
    Tool {
        name: "Python 3.11+ with venv",
        why: "the peer-client pass runs almapy (PyPI) and its own integration tests in a virtual environment",
        probe: &[
            "python3",
            "-c",
            "import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))",
        ],
        install: Install::Apt(&["python3", "python3-venv"]),
    },
    Tool {
        name: "redis-server",
        why: "the shared limiter's tests start their own Redis servers on loopback ports",
        probe: &["redis-server", "--version"],
        install: Install::Apt(&["redis-server"]),
    },
    Tool {
        name: "cargo-semver-checks",
        why: "`cargo xtask semver` holds CHANGES.md to it",
        probe: &["cargo", "semver-checks", "--version"],
        // Its release profile (LTO, one codegen unit, opt-level 3) is for distribution; a CI
        // tool builds in about half the time without them (258 s against 449 s on two cores),
        // and its checks take seconds either way (the time goes to rustdoc).
        install: Install::Cargo {
            krate: "cargo-semver-checks",
            env: &[
                ("CARGO_PROFILE_RELEASE_OPT_LEVEL", "1"),
                ("CARGO_PROFILE_RELEASE_LTO", "false"),
                ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16"),
            ],
        },
    },
];

fn present(probe: &[&str]) -> bool {
    Command::new(probe[0])
        .args(&probe[1..])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

impl Install {
    /// The command, as a person would type it.
    fn shown(&self, root: bool) -> String {
        match self {
            Install::Apt(pkgs) => format!(
                "{}apt-get install -y {}",
                if root { "" } else { "sudo " },
                pkgs.join(" ")
            ),
            Install::Cargo { krate, env } => format!(
                "{} cargo install {krate} --locked",
                env.iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        }
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Installs what is missing, saying what and how long it took; or, where it cannot, fails
/// naming each missing tool and the command that installs it.
pub fn ensure() -> Result<(), String> {
    let missing: Vec<&Tool> = TOOLS.iter().filter(|t| !present(t.probe)).collect();
    if missing.is_empty() {
        println!(
            "setup: every tool the tests need is here ({})",
            names(TOOLS.iter())
        );
        return Ok(());
    }
    let root = is_root();
    let apt = present(&["apt-get", "--version"]);
    let needs_apt = missing.iter().any(|t| matches!(t.install, Install::Apt(_)));
    let cannot = if needs_apt && !root {
        Some("not root, so apt-get cannot install".to_owned())
    } else if needs_apt && !apt {
        Some("no apt-get on this machine".to_owned())
    } else {
        None
    };
    if let Some(reason) = cannot {
        return Err(refusal(&missing, &reason, root));
    }
    let mut updated = false;
    for t in missing {
        let started = Instant::now();
        println!(
            "setup: installing {} ({}): {}",
            t.name,
            t.why,
            t.install.shown(root)
        );
        let status = match &t.install {
            Install::Apt(pkgs) => {
                if !updated {
                    let ok = quiet(Command::new("apt-get").args(["update", "-qq"]));
                    if !ok {
                        return Err(refusal(
                            &[t],
                            "apt-get update failed (no network, or the package lists cannot be reached)",
                            root,
                        ));
                    }
                    updated = true;
                }
                quiet(
                    Command::new("apt-get")
                        .args(["install", "-y", "-qq"])
                        .args(*pkgs)
                        .env("DEBIAN_FRONTEND", "noninteractive"),
                )
            }
            Install::Cargo { krate, env } => {
                let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
                Command::new(cargo)
                    .args(["install", krate, "--locked", "--quiet"])
                    .envs(env.iter().copied())
                    .status()
                    .is_ok_and(|s| s.success())
            }
        };
        if !status || !present(t.probe) {
            return Err(refusal(&[t], "the install did not succeed", root));
        }
        println!(
            "setup: {} installed in {:.0} s",
            t.name,
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

fn quiet(c: &mut Command) -> bool {
    c.stdout(Stdio::null()).status().is_ok_and(|s| s.success())
}

fn names<'a>(tools: impl Iterator<Item = &'a Tool>) -> String {
    tools.map(|t| t.name).collect::<Vec<_>>().join(", ")
}

fn refusal(missing: &[&Tool], reason: &str, root: bool) -> String {
    let mut out = format!(
        "the tests need tools this machine lacks, and {reason}; install them, then run `cargo xtask test` again:"
    );
    for t in missing {
        out.push_str(&format!(
            "\n  {} ({}): {}",
            t.name,
            t.why,
            t.install.shown(root)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_names_each_tool_and_its_install_command() {
        let missing: Vec<&Tool> = TOOLS.iter().collect();
        let text = refusal(&missing, "not root, so apt-get cannot install", false);
        for t in TOOLS {
            assert!(text.contains(t.name), "{text}");
        }
        assert!(
            text.contains("sudo apt-get install -y libxml2-utils"),
            "{text}"
        );
        assert!(
            text.contains("cargo install cargo-semver-checks --locked"),
            "{text}"
        );
        assert!(present(&["cargo", "--version"]));
        assert!(!present(&["alma-no-such-tool-xyz"]));
    }
}
