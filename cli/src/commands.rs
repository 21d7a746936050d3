//! The command line of every operation, from the SDK's registry (which the generator writes from
//! the IR): `alma <area> <operation>`, the SDK's method names in kebab case, path parameters in
//! order, query parameters as `--flags` typed as the SDK types them (integers, booleans, enums
//! listed in `--help`), help from the spec. Only the command asked for is built, so that
//! `alma --help` starts at once.

use std::ffi::OsStr;

use alma_runtime::registry::{OperationInfo, ParamIn, ParamType};
use clap::builder::{PossibleValue, TypedValueParser};
use clap::{Arg, ArgAction, Command};

/// `get_user` → `get-user`.
pub fn kebab(name: &str) -> String {
    name.replace('_', "-")
}

/// The areas, in order.
pub fn areas() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = alma_sdk::registry::all().iter().map(|o| o.area).collect();
    v.dedup();
    v
}

/// The operation `alma <area> <name>` names.
pub fn find(area: &str, name: &str) -> Option<&'static OperationInfo> {
    alma_sdk::registry::all()
        .into_iter()
        .find(|o| o.area == area && kebab(o.name) == name)
}

/// Our own flags, which a query parameter of the same name gives way to (`--cli-…`).
const OURS: &[&str] = &["body", "format", "all", "profile", "verbose", "set"];

/// The flag of a query parameter: its name in kebab case, `--param-NAME` if ours has it.
pub fn flag(p: &str) -> String {
    let k = kebab(p);
    if OURS.contains(&k.as_str()) {
        format!("param-{k}")
    } else {
        k
    }
}

/// A parameter's argument id: its name, or `param-NAME` when ours has the name.
pub fn arg_id(p: &alma_runtime::registry::ParamInfo) -> String {
    match p.location {
        ParamIn::Path => p.name.to_owned(),
        ParamIn::Query | ParamIn::Header => flag(p.name),
    }
}

/// A secret parameter's flag: the name of the environment variable that holds it (a secret is
/// never a value on the command line, where `ps` and shell history would show it).
pub fn secret_env_flag(p: &alma_runtime::registry::ParamInfo) -> String {
    format!("{}-env", flag(p.name))
}

/// Values of an enumerated parameter: each of a comma-separated list must be a documented one
/// (`expand=loans,requests`).
#[derive(Clone)]
struct EnumValues(&'static [&'static str]);

impl TypedValueParser for EnumValues {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &Command,
        arg: Option<&Arg>,
        value: &OsStr,
    ) -> Result<String, clap::Error> {
        let text = value.to_string_lossy().into_owned();
        let bad = ParamType::Enum(self.0).rejects(&text);
        match bad {
            None => Ok(text),
            Some(v) => {
                let mut e = clap::Error::new(clap::error::ErrorKind::InvalidValue).with_cmd(cmd);
                e.insert(
                    clap::error::ContextKind::InvalidArg,
                    clap::error::ContextValue::String(
                        arg.map(|a| a.to_string()).unwrap_or_default(),
                    ),
                );
                e.insert(
                    clap::error::ContextKind::InvalidValue,
                    clap::error::ContextValue::String(v.to_owned()),
                );
                e.insert(
                    clap::error::ContextKind::ValidValue,
                    clap::error::ContextValue::Strings(
                        self.0.iter().map(|s| s.to_string()).collect(),
                    ),
                );
                Err(e)
            }
        }
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(self.0.iter().map(|v| PossibleValue::new(*v))))
    }
}

fn first_line(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
        .to_owned()
}

/// The command of one operation, with `batch` extras when asked (`--set`).
pub fn operation(op: &'static OperationInfo, for_batch: bool) -> Command {
    let about = op
        .summary
        .map(first_line)
        .or_else(|| op.description.map(first_line))
        .unwrap_or_else(|| format!("{} {}", op.method.as_str(), op.path));
    let mut long = String::new();
    if let Some(s) = op.summary {
        long.push_str(s.trim());
        long.push_str("\n\n");
    }
    if let Some(d) = op.description {
        long.push_str(d.trim());
        long.push_str("\n\n");
    }
    long.push_str(&format!("{} {}", op.method.as_str(), op.path));
    let mut after = String::new();
    if !op.errors.is_empty() {
        after.push_str("Documented error codes:\n");
        for e in op.errors {
            after.push_str(&format!(
                "  {} (HTTP {}): {}\n",
                e.code, e.status, e.message
            ));
        }
        after.push('\n');
    }
    after.push_str(&format!("Ex Libris's page: {}", op.doc_url));
    let mut c = Command::new(kebab(op.name))
        .about(about)
        .long_about(long)
        .after_long_help(after)
        .arg(
            Arg::new("profile")
                .long("profile")
                .value_name("NAME")
                .help("The profile of ~/.config/alma/config.toml to use (or ALMA_PROFILE)"),
        )
        .arg(
            Arg::new("verbose")
                .long("verbose")
                .short('v')
                .action(ArgAction::SetTrue)
                .help("Say what is sent (method, URL without the key) and what came back"),
        )
        .arg(
            Arg::new("format")
                .long("format")
                .value_parser(["json", "xml"])
                .help("The answer's format (JSON by default; XML comes out as received)"),
        );
    for p in op.params.iter().filter(|p| p.location == ParamIn::Path) {
        c = c.arg(
            Arg::new(arg_id(p))
                .required(true)
                .value_name(p.name.to_ascii_uppercase())
                .help(p.description.map(first_line).unwrap_or_default()),
        );
    }
    // Parameters the method sends itself (the one documented value) are not flags.
    for p in op
        .params
        .iter()
        .filter(|p| p.location != ParamIn::Path && p.fixed.is_none())
    {
        let mut help = p.description.map(first_line).unwrap_or_default();
        if let Some(d) = p.default.filter(|d| !d.is_empty()) {
            help.push_str(&format!(" [Alma's default: {d}]"));
        }
        if p.secret {
            // Asked on the terminal when the chosen way needs it and this is not given.
            c = c.arg(
                Arg::new(arg_id(p))
                    .long(secret_env_flag(p))
                    .value_name("VAR")
                    .required(false)
                    .help(format!(
                        "{help} — the name of the environment variable that holds it (asked on a terminal otherwise; never a value on the command line)"
                    )),
            );
            continue;
        }
        let arg = Arg::new(arg_id(p))
            .long(flag(p.name))
            .value_name("VALUE")
            .required(p.required && p.choice.is_none())
            .help(help);
        let arg = match p.ty {
            ParamType::Integer => arg.value_parser(clap::value_parser!(i64)),
            ParamType::Number => arg.value_parser(clap::value_parser!(f64)),
            ParamType::Boolean => arg.value_parser(["true", "false"]),
            ParamType::Enum(values) => arg.value_parser(EnumValues(values)),
            ParamType::String => arg,
        };
        c = c.arg(arg);
    }
    // An either/or group: exactly one of its members, clap naming both flags otherwise.
    for choice in op.choices.iter().filter(|c| c.selector.is_none()) {
        let members: Vec<String> = choice
            .variants
            .iter()
            .flat_map(|v| v.required.iter())
            .filter_map(|n| op.param(n))
            .map(arg_id)
            .collect();
        c = c.group(
            clap::ArgGroup::new(choice.name)
                .args(members)
                .required(true)
                .multiple(false),
        );
    }
    if op.has_request_body {
        c = c.arg(
            Arg::new("body")
                .long("body")
                .value_name("FILE|-")
                .required(!for_batch || op.get_pair.is_none())
                .help(match op.request_model {
                    Some(m) => {
                        format!("The request body ({m}), JSON or XML, from a file or - for stdin")
                    }
                    None => "The request body, JSON or XML, from a file or - for stdin".into(),
                }),
        );
    }
    if op.paginated {
        c = c.arg(
            Arg::new("all")
                .long("all")
                .action(ArgAction::SetTrue)
                .help("Every record, page by page, one JSON document per line (NDJSON)"),
        );
    }
    if for_batch {
        c = c.arg(
            Arg::new("set")
                .long("set")
                .value_name("PATH=VALUE")
                .action(ArgAction::Append)
                .help("GET the record, set this field (a path in the model), PUT it back if that changed something"),
        );
    }
    c
}

/// `alma <area>`: its operations, for help and completions.
pub fn area(area: &str, full: bool) -> Command {
    let mut c = Command::new(area.to_owned())
        .about(format!("Operations of the {area} area"))
        .subcommand_required(true);
    for op in alma_sdk::registry::all()
        .into_iter()
        .filter(|o| o.area == area)
    {
        c = c.subcommand(if full {
            operation(op, false)
        } else {
            Command::new(kebab(op.name)).about(
                op.summary
                    .map(first_line)
                    .unwrap_or_else(|| format!("{} {}", op.method.as_str(), op.path)),
            )
        });
    }
    c
}
