//! Copies of the mirror's XSDs with the `[[xsd]]` corrections of `specs/corrections.toml`
//! applied, for the XSD pass. The files are rewritten event by event (quick-xml), so only what an
//! entry names changes; an entry that matches nothing is an error naming it.

use std::collections::BTreeSet;
use std::path::Path;

use alma_codegen::config::XsdCorrection;
use quick_xml::events::{BytesEnd, BytesStart, Event};

/// Writes every XSD of `xsd_dir` into `out`, with the entries `use_entries` of `corrections`
/// applied to their files.
pub fn write_corrected(
    xsd_dir: &Path,
    corrections: &[XsdCorrection],
    use_entries: &[usize],
    out: &Path,
) -> Result<(), String> {
    if out.exists() {
        std::fs::remove_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    }
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let files: BTreeSet<&str> = corrections.iter().map(|c| c.file.as_str()).collect();
    for c in &files {
        if !xsd_dir.join(c).is_file() {
            return Err(format!(
                "specs/corrections.toml: [[xsd]] file {c:?} is not in {}",
                xsd_dir.display()
            ));
        }
    }
    for entry in std::fs::read_dir(xsd_dir).map_err(|e| format!("{}: {e}", xsd_dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
            continue;
        };
        if !name.ends_with(".xsd") {
            continue;
        }
        let mine: Vec<&XsdCorrection> = use_entries
            .iter()
            .map(|i| &corrections[*i])
            .filter(|c| c.file == name)
            .collect();
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let text = if mine.is_empty() {
            bytes
        } else {
            patch(&bytes, &mine).map_err(|e| format!("{name}: {e}"))?
        };
        std::fs::write(out.join(&name), text).map_err(|e| format!("{name}: {e}"))?;
    }
    Ok(())
}

/// What an entry matched, so one that matched nothing is reported.
#[derive(Default)]
struct Hits {
    ty: bool,
    optional: BTreeSet<String>,
    any: bool,
    group: bool,
    enumeration: bool,
    text: BTreeSet<String>,
}

/// One open element of the XSD being copied.
struct Frame {
    /// Written name (`xs:sequence`).
    written: Vec<u8>,
    /// For `complexType`/`simpleType`: the entries naming this type.
    types: Option<Vec<usize>>,
    /// For a named type: its name; for an `xs:element`: its `name`.
    name: Option<String>,
}

/// Applies `entries` (all of one file) to the XSD `bytes`.
pub fn patch(bytes: &[u8], entries: &[&XsdCorrection]) -> Result<Vec<u8>, String> {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut writer = quick_xml::Writer::new(Vec::with_capacity(bytes.len() + 256));
    let mut stack: Vec<Frame> = Vec::new();
    let mut hits: Vec<Hits> = entries.iter().map(|_| Hits::default()).collect();
    // Depth of an `xs:enumeration` being left out.
    let mut skipping = 0usize;
    let mut buf = Vec::new();
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| format!("at byte {}: {e}", reader.buffer_position()))?;
        // The entries naming the nearest enclosing type (none for an anonymous one): an element
        // inside a nested anonymous type belongs to that type, not to the named one.
        let nearest = stack.iter().rev().find_map(|f| f.types.as_ref());
        let empty = matches!(event, Event::Empty(_));
        match event {
            Event::Eof => break,
            _ if skipping > 0 => match event {
                Event::Start(_) => skipping += 1,
                Event::End(_) => skipping -= 1,
                _ => {}
            },
            Event::Start(e) | Event::Empty(e) => {
                let local = local_name(e.name().as_ref()).to_vec();
                let mut e = e.into_owned();
                let written = e.name().as_ref().to_vec();
                let mut types = None;
                let mut frame_name = None;
                match local.as_slice() {
                    b"complexType" | b"simpleType" => {
                        // A named type by its name; an anonymous one as `type/element`: the
                        // element that declares it, inside the nearest named type.
                        let name = attr(&e, b"name").or_else(|| {
                            let element = stack.last().and_then(|f| f.name.clone())?;
                            let owner = stack
                                .iter()
                                .rev()
                                .find(|f| f.types.is_some() && f.name.is_some())
                                .and_then(|f| f.name.clone())?;
                            Some(format!("{owner}/{element}"))
                        });
                        frame_name = attr(&e, b"name");
                        let mine: Vec<usize> = entries
                            .iter()
                            .enumerate()
                            .filter(|(_, c)| name.as_deref() == Some(c.type_name.as_str()))
                            .map(|(i, _)| i)
                            .collect();
                        for i in &mine {
                            hits[*i].ty = true;
                        }
                        types = Some(mine);
                    }
                    b"element" | b"attribute" => {
                        let name = attr(&e, b"name").unwrap_or_default();
                        frame_name = Some(name.clone());
                        for i in nearest.into_iter().flatten() {
                            let c = entries[*i];
                            let element = local == b"element";
                            if element && c.optional.iter().any(|o| o == "*" || *o == name) {
                                e = with_attr(&e, b"minOccurs", "0");
                                hits[*i].optional.insert(name.clone());
                            }
                            if c.text.contains(&name) {
                                e = with_attr(&e, b"type", "xs:string");
                                hits[*i].text.insert(name.clone());
                            }
                        }
                    }
                    b"any" => {
                        let replaced = nearest
                            .into_iter()
                            .flatten()
                            .find_map(|i| entries[*i].any_element.as_ref().map(|n| (*i, n)));
                        if let Some((i, element)) = replaced {
                            hits[i].any = true;
                            let prefix = prefix_of(e.name().as_ref());
                            let mut el = BytesStart::new(format!("{prefix}element"));
                            el.push_attribute(("name", element.as_str()));
                            el.push_attribute(("minOccurs", "0"));
                            el.push_attribute(("maxOccurs", "unbounded"));
                            writer
                                .write_event(Event::Empty(el))
                                .map_err(|e| e.to_string())?;
                            if !empty {
                                skipping = 1;
                            }
                            buf.clear();
                            continue;
                        }
                    }
                    b"enumeration" => {
                        let open = nearest
                            .into_iter()
                            .flatten()
                            .filter(|i| entries[**i].open_enumeration)
                            .collect::<Vec<_>>();
                        if !open.is_empty() {
                            for i in open {
                                hits[*i].enumeration = true;
                            }
                            if !empty {
                                skipping = 1;
                            }
                            buf.clear();
                            continue;
                        }
                    }
                    _ => {}
                }
                if empty {
                    writer
                        .write_event(Event::Empty(e))
                        .map_err(|e| e.to_string())?;
                } else {
                    writer
                        .write_event(Event::Start(e))
                        .map_err(|e| e.to_string())?;
                    stack.push(Frame {
                        written,
                        types,
                        name: frame_name,
                    });
                }
            }
            Event::End(_) => {
                let frame = stack.pop().ok_or("unbalanced end tag")?;
                let local = local_name(&frame.written).to_vec();
                let parent = stack.last().and_then(|f| f.types.as_ref());
                if matches!(local.as_slice(), b"sequence" | b"all" | b"choice") {
                    let prefix = prefix_of(&frame.written);
                    for i in parent.into_iter().flatten() {
                        for name in &entries[*i].add {
                            let el = format!("{prefix}element name=\"{name}\" minOccurs=\"0\"");
                            let len = prefix.len() + "element".len();
                            writer
                                .write_event(Event::Empty(BytesStart::from_content(el, len)))
                                .map_err(|e| e.to_string())?;
                            hits[*i].group = true;
                        }
                    }
                }
                let name = String::from_utf8_lossy(&frame.written).into_owned();
                writer
                    .write_event(Event::End(BytesEnd::new(name)))
                    .map_err(|e| e.to_string())?;
            }
            other => writer.write_event(other).map_err(|e| e.to_string())?,
        }
        buf.clear();
    }
    for (c, h) in entries.iter().zip(&hits) {
        let what = format!("[[xsd]] {} type {:?}", c.file, c.type_name);
        if !h.ty {
            return Err(format!("{what}: no complexType or simpleType of that name"));
        }
        let missing: Vec<&String> = c
            .optional
            .iter()
            .filter(|o| *o != "*" && !h.optional.contains(*o))
            .collect();
        if !missing.is_empty() || (c.optional.iter().any(|o| o == "*") && h.optional.is_empty()) {
            return Err(format!(
                "{what}: optional elements not declared there: {missing:?}"
            ));
        }
        let untyped: Vec<&String> = c.text.iter().filter(|t| !h.text.contains(*t)).collect();
        if !untyped.is_empty() {
            return Err(format!(
                "{what}: text elements or attributes not declared there: {untyped:?}"
            ));
        }
        if c.any_element.is_some() && !h.any {
            return Err(format!("{what}: any_element, but the type has no xs:any"));
        }
        if !c.add.is_empty() && !h.group {
            return Err(format!(
                "{what}: the type has no xs:sequence/xs:all of its own"
            ));
        }
        if c.open_enumeration && !h.enumeration {
            return Err(format!(
                "{what}: open_enumeration, but the type has no xs:enumeration"
            ));
        }
    }
    Ok(writer.into_inner())
}

fn local_name(name: &[u8]) -> &[u8] {
    match name.iter().position(|b| *b == b':') {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

/// `xs:` of `xs:sequence` (empty when unprefixed).
fn prefix_of(name: &[u8]) -> String {
    match name.iter().position(|b| *b == b':') {
        Some(i) => String::from_utf8_lossy(&name[..=i]).into_owned(),
        None => String::new(),
    }
}

fn attr(e: &BytesStart<'_>, key: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .and_then(|a| a.unescape_value().ok().map(|v| v.trim().to_string()))
}

/// `e` with attribute `key` set to `value` (replaced when present).
fn with_attr(e: &BytesStart<'_>, key: &[u8], value: &str) -> BytesStart<'static> {
    let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
    let mut out = BytesStart::new(name);
    for a in e.attributes().flatten() {
        if a.key.as_ref() != key {
            out.push_attribute(a);
        }
    }
    out.push_attribute((String::from_utf8_lossy(key).as_ref(), value));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const XSD: &str = r###"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
<xs:element name="bib" type="bib"/>
<xs:complexType name="bib"><xs:sequence>
<xs:element name="mms_id" type="xs:string"/>
<xs:element name="title" type="xs:string" minOccurs="1"/>
<xs:element name="note"><xs:complexType><xs:sequence><xs:element name="text"/></xs:sequence></xs:complexType></xs:element>
<xs:any namespace="##other" processContents="lax" minOccurs="0"/>
</xs:sequence></xs:complexType>
<xs:simpleType name="status"><xs:restriction base="xs:string"><xs:enumeration value="A"/><xs:enumeration value="B"><xs:annotation/></xs:enumeration></xs:restriction></xs:simpleType>
</xs:schema>"###;

    fn entry(toml_text: &str) -> XsdCorrection {
        toml::from_str(toml_text).unwrap()
    }

    fn apply(c: &XsdCorrection) -> Result<String, String> {
        patch(XSD.as_bytes(), &[c]).map(|b| String::from_utf8(b).unwrap())
    }

    #[test]
    fn optional_sets_min_occurs_on_the_types_own_elements_only() {
        let out = apply(&entry(
            "file = \"x.xsd\"\ntype = \"bib\"\noptional = [\"*\"]\nwhy = \"w\"",
        ))
        .unwrap();
        assert!(out.contains(r###"<xs:element name="mms_id" type="xs:string" minOccurs="0"/>"###));
        assert!(out.contains(r###"<xs:element name="title" type="xs:string" minOccurs="0"/>"###));
        // `text` belongs to the anonymous type of `note`, not to `bib`.
        assert!(out.contains(r###"<xs:element name="text"/>"###), "{out}");
    }

    #[test]
    fn add_any_element_and_open_enumeration() {
        let out = apply(&entry(
            "file = \"x.xsd\"\ntype = \"bib\"\nadd = [\"approval_date\"]\nany_element = \"record\"\nwhy = \"w\"",
        ))
        .unwrap();
        assert!(
            out.contains(r###"<xs:element name="record" minOccurs="0" maxOccurs="unbounded"/>"###)
                && !out.contains("xs:any"),
            "{out}"
        );
        assert!(
            out.contains(
                r###"<xs:element name="approval_date" minOccurs="0"/></xs:sequence></xs:complexType>"###
            ),
            "{out}"
        );
        let out = apply(&entry(
            "file = \"x.xsd\"\ntype = \"status\"\nopen_enumeration = true\nwhy = \"w\"",
        ))
        .unwrap();
        assert!(!out.contains("enumeration"), "{out}");
        assert!(out.contains(r###"<xs:restriction base="xs:string"></xs:restriction>"###));
    }

    #[test]
    fn an_anonymous_type_is_named_by_its_owner_and_element() {
        let out = apply(&entry(
            "file = \"x.xsd\"\ntype = \"bib/note\"\noptional = [\"text\"]\nwhy = \"w\"",
        ))
        .unwrap();
        assert!(
            out.contains(r###"<xs:element name="text" minOccurs="0"/>"###),
            "{out}"
        );
        // The named type's own elements are untouched.
        assert!(out.contains(r###"<xs:element name="mms_id" type="xs:string"/>"###));
        // An element name inside another type's anonymous type does not count as found.
        let e = apply(&entry(
            "file = \"x.xsd\"\ntype = \"bib\"\noptional = [\"text\"]\nwhy = \"w\"",
        ))
        .unwrap_err();
        assert!(e.contains("\"text\""), "{e}");
    }

    #[test]
    fn an_entry_that_matches_nothing_is_an_error_naming_it() {
        let e = apply(&entry(
            "file = \"x.xsd\"\ntype = \"nope\"\noptional = [\"a\"]\nwhy = \"w\"",
        ))
        .unwrap_err();
        assert!(
            e.contains("type \"nope\"") && e.contains("no complexType"),
            "{e}"
        );
        let e = apply(&entry(
            "file = \"x.xsd\"\ntype = \"bib\"\noptional = [\"mms\"]\nwhy = \"w\"",
        ))
        .unwrap_err();
        assert!(e.contains("\"mms\""), "{e}");
        let e = apply(&entry(
            "file = \"x.xsd\"\ntype = \"status\"\nany_element = \"record\"\nwhy = \"w\"",
        ))
        .unwrap_err();
        assert!(e.contains("no xs:any"), "{e}");
    }
}
