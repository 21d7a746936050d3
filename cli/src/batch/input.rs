//! A batch's rows: CSV, TSV or NDJSON (by extension, else by the first line), each row a map of
//! column to text; and the file of failed rows, in the input's own format, to feed back.

use std::path::Path;

/// The rows of an input file.
pub struct Input {
    pub columns: Vec<String>,
    /// Each row's values, by column; `n` counts from 1.
    pub rows: Vec<Row>,
    pub kind: Kind,
}

#[derive(Clone)]
pub struct Row {
    pub n: usize,
    pub values: Vec<(String, String)>,
    /// The row as it was in the file (for the failed-rows file).
    pub raw: Vec<String>,
}

impl Row {
    pub fn get(&self, column: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(c, _)| c == column)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Csv,
    Tsv,
    Ndjson,
}

pub fn read(path: &Path) -> Result<Input, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let first = text.lines().next().unwrap_or("");
    let kind = match ext.as_str() {
        "csv" => Kind::Csv,
        "tsv" | "tab" => Kind::Tsv,
        "ndjson" | "jsonl" | "json" => Kind::Ndjson,
        _ if first.trim_start().starts_with('{') => Kind::Ndjson,
        _ if first.contains('\t') => Kind::Tsv,
        _ => Kind::Csv,
    };
    let err = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    match kind {
        Kind::Ndjson => {
            let mut columns: Vec<String> = Vec::new();
            let mut rows = Vec::new();
            for (i, line) in text
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
            {
                let v: serde_json::Value =
                    serde_json::from_str(line).map_err(|e| err(&format!("line {}: {e}", i + 1)))?;
                let obj = v
                    .as_object()
                    .ok_or_else(|| err(&format!("line {}: not a JSON object", i + 1)))?;
                let values: Vec<(String, String)> = obj
                    .iter()
                    .map(|(k, v)| {
                        let text = match v {
                            serde_json::Value::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        (k.clone(), text)
                    })
                    .collect();
                for (k, _) in &values {
                    if !columns.contains(k) {
                        columns.push(k.clone());
                    }
                }
                rows.push(Row {
                    n: rows.len() + 1,
                    values,
                    raw: vec![line.to_owned()],
                });
            }
            Ok(Input {
                columns,
                rows,
                kind,
            })
        }
        Kind::Csv | Kind::Tsv => {
            let mut reader = csv::ReaderBuilder::new()
                .delimiter(if kind == Kind::Tsv { b'\t' } else { b',' })
                .flexible(false)
                .from_reader(text.as_bytes());
            let columns: Vec<String> = reader
                .headers()
                .map_err(|e| err(&e))?
                .iter()
                .map(|h| h.trim().to_owned())
                .collect();
            let mut rows = Vec::new();
            for (i, record) in reader.records().enumerate() {
                let record = record.map_err(|e| err(&format!("row {}: {e}", i + 1)))?;
                let raw: Vec<String> = record.iter().map(str::to_owned).collect();
                let values = columns.iter().cloned().zip(raw.iter().cloned()).collect();
                rows.push(Row {
                    n: i + 1,
                    values,
                    raw,
                });
            }
            Ok(Input {
                columns,
                rows,
                kind,
            })
        }
    }
}

/// Writes `rows` to `path` in the input's format, header first: a file `--input` takes.
pub fn write_rows(path: &Path, input: &Input, rows: &[&Row]) -> Result<(), String> {
    let err = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    match input.kind {
        Kind::Ndjson => {
            let mut text = String::new();
            for r in rows {
                text.push_str(&r.raw[0]);
                text.push('\n');
            }
            std::fs::write(path, text).map_err(|e| err(&e))
        }
        Kind::Csv | Kind::Tsv => {
            let mut w = csv::WriterBuilder::new()
                .delimiter(if input.kind == Kind::Tsv { b'\t' } else { b',' })
                .from_path(path)
                .map_err(|e| err(&e))?;
            w.write_record(&input.columns).map_err(|e| err(&e))?;
            for r in rows {
                w.write_record(&r.raw).map_err(|e| err(&e))?;
            }
            w.flush().map_err(|e| err(&e))
        }
    }
}

/// `{column}` placeholders of a template, in order.
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let Some(end) = rest[start..].find('}') else {
            break;
        };
        let name = &rest[start + 1..start + end];
        if !name.is_empty() && !name.contains(['{', ' ']) {
            out.push(name);
        }
        rest = &rest[start + end + 1..];
    }
    out
}

/// A template with the row's values in its placeholders.
pub fn fill(template: &str, row: &Row) -> String {
    let mut out = template.to_owned();
    for name in placeholders(template) {
        if let Some(v) = row.get(name) {
            out = out.replace(&format!("{{{name}}}"), v);
        }
    }
    out
}
