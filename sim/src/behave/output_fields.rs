//! Fields Alma sets ([`Behaviour::OutputFields`]: "Output parameter."): an update keeps the
//! record's own, whatever the body says; and where the record carries a MARC record (a bib's
//! `anies`, as Alma's JSON holds `xs:any`), the descriptive ones are Alma's reading of it, so a
//! PUT of `<bib><record>…</record></bib>` still answers its title and author.

use alma_runtime::registry::{Behaviour, OperationInfo};
use quick_xml::events::Event;
use serde_json::Value;

use crate::alma::Alma;

/// An output field and the MARC fields and subfields it is read from, first found wins: the
/// brief display Alma gives a bib.
const FROM_MARC: &[(&str, &[(&str, &str)])] = &[
    ("title", &[("245", "abnp")]),
    ("author", &[("100", "a"), ("110", "a"), ("111", "a")]),
    ("isbn", &[("020", "a")]),
    ("issn", &[("022", "a")]),
    ("complete_edition", &[("250", "a")]),
    ("place_of_publication", &[("264", "a"), ("260", "a")]),
    ("publisher_const", &[("264", "b"), ("260", "b")]),
    ("date_of_publication", &[("264", "c"), ("260", "c")]),
];

fn fields(op: &OperationInfo) -> &'static [&'static str] {
    op.behaviours
        .iter()
        .find_map(|b| match b {
            Behaviour::OutputFields { fields } => Some(*fields),
            _ => None,
        })
        .unwrap_or(&[])
}

pub fn before_write(_alma: &Alma, op: &OperationInfo, stored: Option<&Value>, new: &mut Value) {
    let output = fields(op);
    if output.is_empty() {
        return;
    }
    let Some(record) = new.as_object_mut() else {
        return;
    };
    // An update: what Alma set stays as it was.
    if let Some(stored) = stored {
        for f in output {
            match stored.get(*f) {
                Some(v) => {
                    record.insert((*f).to_owned(), v.clone());
                }
                None => {
                    record.remove(*f);
                }
            }
        }
    }
    // Then what Alma reads from the MARC record.
    let Some(marc) = marc_of(record) else {
        return;
    };
    for (field, sources) in FROM_MARC {
        if !output.contains(field) {
            continue;
        }
        let value = sources.iter().find_map(|(tag, codes)| {
            let parts: Vec<&str> = marc
                .iter()
                .filter(|(t, c, _)| t == tag && codes.contains(c.as_str()))
                .map(|(_, _, v)| v.as_str())
                .collect();
            (!parts.is_empty()).then(|| parts.join(" "))
        });
        match value {
            Some(v) => {
                record.insert((*field).to_owned(), Value::String(v));
            }
            None => {
                record.remove(*field);
            }
        }
    }
}

/// The record's MARC subfields, `(tag, code, text)`, from its `anies` (raw XML children).
fn marc_of(record: &serde_json::Map<String, Value>) -> Option<Vec<(String, String, String)>> {
    let xml = record
        .get("anies")?
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .find(|s| s.contains("<record"))?;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out = Vec::new();
    let (mut tag, mut code) = (String::new(), None::<String>);
    let attr = |e: &quick_xml::events::BytesStart<'_>, name: &[u8]| {
        e.attributes()
            .flatten()
            .find(|a| a.key.as_ref() == name)
            .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
    };
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) if e.local_name().as_ref() == b"datafield" => {
                tag = attr(&e, b"tag").unwrap_or_default();
            }
            Ok(Event::Start(e)) if e.local_name().as_ref() == b"subfield" => {
                code = attr(&e, b"code");
            }
            Ok(Event::Text(t)) => {
                if let (Some(c), Ok(text)) = (&code, t.unescape()) {
                    out.push((tag.clone(), c.clone(), text.trim().to_owned()));
                }
            }
            Ok(Event::End(e)) if e.local_name().as_ref() == b"subfield" => code = None,
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn marc_subfields_are_read() {
        let rec = json!({"anies": ["<record><leader>x</leader><datafield tag=\"245\" ind1=\"1\" ind2=\"0\"><subfield code=\"a\">Bananboken /</subfield><subfield code=\"c\">K. Vollset</subfield></datafield><datafield tag=\"100\"><subfield code=\"a\">Vollset, K.</subfield></datafield></record>"]});
        let marc = marc_of(rec.as_object().unwrap()).unwrap();
        assert!(marc.contains(&("245".into(), "a".into(), "Bananboken /".into())));
        assert!(marc.contains(&("100".into(), "a".into(), "Vollset, K.".into())));
        assert_eq!(marc.len(), 3);
    }
}
