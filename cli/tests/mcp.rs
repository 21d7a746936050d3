//! `alma mcp`'s tools as an assistant sees them (`tools/list`), snapshotted as the generated
//! crate is diffed in review: the compact default whole, and every operation's tool (one line
//! each: name, annotations, arguments) with every area's writes allowed.

use std::process::Command;

fn list(args: &[&str]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_alma"))
        .args(["mcp", "--list"])
        .args(args)
        .env("ALMA_CONFIG", "/nonexistent/alma-test.toml")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn the_compact_default() {
    let tools = list(&[]);
    let names: Vec<&str> = tools["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(names.starts_with(&["alma_search", "alma_describe", "alma_invoke"]));
    // Read-only by default: every operation tool reads.
    for t in tools["tools"].as_array().unwrap().iter().skip(3) {
        assert_eq!(t["annotations"]["readOnlyHint"], true, "{}", t["name"]);
    }
    insta::assert_snapshot!(serde_json::to_string_pretty(&tools).unwrap());
}

#[test]
fn every_operation_with_writes_allowed() {
    let all = "acq,analytics,bibs,conf,courses,electronic,partners,tasklists,users";
    let tools = list(&["--tools", "all", "--allow-writes", all]);
    let lines: Vec<String> = tools["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let a = &t["annotations"];
            let hint = |k: &str| match a[k].as_bool() {
                Some(true) => k.trim_end_matches("Hint").chars().next().unwrap(),
                _ => '-',
            };
            let args: Vec<&str> = t["inputSchema"]["properties"]
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            format!(
                "{} [{}{}{}] {} {}",
                t["name"].as_str().unwrap(),
                hint("readOnlyHint"),
                hint("idempotentHint"),
                hint("destructiveHint"),
                t["_meta"]["alma/kind"].as_str().unwrap(),
                args.join(",")
            )
        })
        .collect();
    assert_eq!(lines.len(), 315, "a tool per operation");
    // Actions (a POST acting on records) are marked as such, apart from creates.
    assert!(lines
        .iter()
        .any(|l| l.starts_with("bibs_scan_in_item ") && l.contains(" action ")));
    assert!(lines
        .iter()
        .any(|l| l.starts_with("users_create_user ") && l.contains(" create ")));
    insta::assert_snapshot!(lines.join("\n"));
}

#[test]
fn an_unknown_area_is_named() {
    let out = Command::new(env!("CARGO_BIN_EXE_alma"))
        .args(["mcp", "--list", "--areas", "users,nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no area \"nope\"") && err.contains("users"),
        "{err}"
    );
}
