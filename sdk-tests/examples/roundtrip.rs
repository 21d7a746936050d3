//! Does this payload fit the model? Decodes FILE into MODEL and prints it re-encoded in the same
//! format (from the extension, `.json` or `.xml`). Also `cargo xtask roundtrip MODEL FILE`.
//! MODEL is a type name (`PoLine`) or Alma's object name, the XML root element (`po_line`).
//!
//! ```text
//! cargo run --example roundtrip -- User user.json
//! cargo run --example roundtrip -- item_loans loans.xml
//! ```

use std::process::ExitCode;

use alma_sdk::runtime::Format;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [model, file] = args.as_slice() else {
        eprintln!("usage: roundtrip MODEL FILE   (MODEL is a type name such as User, Items, Bib; FILE ends in .json or .xml)");
        return ExitCode::from(2);
    };
    let format = match std::path::Path::new(file)
        .extension()
        .and_then(|e| e.to_str())
    {
        Some("json") => Format::Json,
        Some("xml") => Format::Xml,
        _ => {
            eprintln!(
                "error: {file}: cannot tell the format; the file name must end in .json or .xml"
            );
            return ExitCode::from(2);
        }
    };
    let Some(info) = find_model(model) else {
        let names: Vec<&str> = alma_sdk::registry::models()
            .iter()
            .map(|m| m.name)
            .collect();
        let close: Vec<&str> = names
            .iter()
            .copied()
            .filter(|n| n.to_lowercase().contains(&model.to_lowercase()))
            .take(10)
            .collect();
        eprintln!(
            "error: no model named {model:?} ({} models; similar: {})",
            names.len(),
            close.join(", ")
        );
        return ExitCode::from(2);
    };
    let bytes = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {file}: {e}");
            return ExitCode::from(2);
        }
    };
    match info.roundtrip(&bytes, format) {
        Ok(out) => {
            println!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {file} does not decode as {model}: {e}");
            ExitCode::FAILURE
        }
    }
}

/// By type name, else by Alma's object name (the model's XML root element; a response model
/// before the `…Post`/`…Put` request shapes of the same object).
fn find_model(name: &str) -> Option<alma_sdk::registry::ModelInfo> {
    if let Some(m) = alma_sdk::registry::model(name) {
        return Some(m);
    }
    let mut by_root: Vec<_> = alma_sdk::registry::models()
        .into_iter()
        .filter(|m| m.xml_root == name)
        .collect();
    by_root.sort_by_key(|m| {
        (
            m.name.ends_with("Post") || m.name.ends_with("Put"),
            m.name.len(),
            m.name,
        )
    });
    by_root.into_iter().next()
}
