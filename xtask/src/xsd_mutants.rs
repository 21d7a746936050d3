//! The XSD pass checks itself: a broken XML writer must fail it. Every document that validated
//! is mutated the two ways a writer typically breaks — an element renamed (the root's first
//! child), an attribute written as an element (the first attribute of the root or of one of its
//! children) — and every mutant must be refused by the same XSDs, corrections included. A mutant
//! that validates means the pass would not have noticed that bug in that document.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};

/// One XML document and the XSD that declares its root element.
#[derive(Debug, Clone)]
pub struct Doc {
    /// `requests/bibs.create_bib.xml`, `fixtures/<fixture>.<Model>.xml`.
    pub name: String,
    pub path: PathBuf,
    pub xsd: String,
}

/// How a document was broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutation {
    RenamedElement,
    AttributeAsElement,
}

impl Mutation {
    pub const ALL: [Mutation; 2] = [Mutation::RenamedElement, Mutation::AttributeAsElement];

    pub fn describe(self) -> &'static str {
        match self {
            Mutation::RenamedElement => "an element renamed",
            Mutation::AttributeAsElement => "an attribute written as an element",
        }
    }

    fn tag(self) -> &'static str {
        match self {
            Mutation::RenamedElement => "renamed",
            Mutation::AttributeAsElement => "attr-as-element",
        }
    }
}

/// The mutants of `docs`, written under `dir`: (mutation, the document it came from, the mutant).
/// A document with no place for a mutation (no child, no attribute) has no mutant of that kind.
pub fn write(docs: &[Doc], dir: &Path) -> Result<Vec<(Mutation, String, Doc)>, String> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut out = Vec::new();
    for (n, d) in docs.iter().enumerate() {
        let text = std::fs::read(&d.path).map_err(|e| format!("{}: {e}", d.name))?;
        for m in Mutation::ALL {
            let Some(bytes) = mutate(&text, m).map_err(|e| format!("{}: {e}", d.name))? else {
                continue;
            };
            let path = dir.join(format!("{n}.{}.xml", m.tag()));
            std::fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
            let mutant = Doc {
                name: format!("{} ({})", d.name, m.tag()),
                path,
                xsd: d.xsd.clone(),
            };
            out.push((m, d.name.clone(), mutant));
        }
    }
    Ok(out)
}

/// `text` with mutation `m`, or `None` when the document has no place for it.
pub fn mutate(text: &[u8], m: Mutation) -> Result<Option<Vec<u8>>, String> {
    let mut reader = quick_xml::Reader::from_reader(text);
    let mut writer = quick_xml::Writer::new(Vec::with_capacity(text.len() + 64));
    let mut depth = 0usize;
    let mut done = false;
    // The depth-1 element being renamed, until its end tag.
    let mut renaming: Option<(Vec<u8>, usize)> = None;
    let mut buf = Vec::new();
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| format!("at byte {}: {e}", reader.buffer_position()))?;
        let empty = matches!(event, Event::Empty(_));
        match event {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) => {
                let e = e.into_owned();
                if !done && m == Mutation::RenamedElement && depth == 1 {
                    let renamed = [e.name().as_ref(), b"_renamed"].concat();
                    let mut r = BytesStart::new(String::from_utf8_lossy(&renamed).into_owned());
                    r.extend_attributes(e.attributes().flatten());
                    write_start(&mut writer, r, empty)?;
                    if !empty {
                        renaming = Some((renamed, depth));
                    }
                    done = true;
                } else if !done && m == Mutation::AttributeAsElement && depth <= 1 {
                    match first_attribute(&e) {
                        Some((key, value)) => {
                            let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                            let mut kept = BytesStart::new(name.clone());
                            kept.extend_attributes(
                                e.attributes().flatten().filter(|a| a.key.as_ref() != key),
                            );
                            writer.write_event(Event::Start(kept)).map_err(io)?;
                            let key = String::from_utf8_lossy(&key).into_owned();
                            writer
                                .write_event(Event::Start(BytesStart::new(key.clone())))
                                .map_err(io)?;
                            writer
                                .write_event(Event::Text(BytesText::new(&value)))
                                .map_err(io)?;
                            writer
                                .write_event(Event::End(BytesEnd::new(key)))
                                .map_err(io)?;
                            if empty {
                                writer
                                    .write_event(Event::End(BytesEnd::new(name)))
                                    .map_err(io)?;
                            }
                            done = true;
                        }
                        None => write_start(&mut writer, e, empty)?,
                    }
                } else {
                    write_start(&mut writer, e, empty)?;
                }
                if !empty {
                    depth += 1;
                }
            }
            Event::End(e) => {
                depth = depth.saturating_sub(1);
                match renaming.take() {
                    Some((renamed, at)) if at == depth => {
                        let end = BytesEnd::new(String::from_utf8_lossy(&renamed).into_owned());
                        writer.write_event(Event::End(end)).map_err(io)?;
                    }
                    other => {
                        renaming = other;
                        writer.write_event(Event::End(e)).map_err(io)?;
                    }
                }
            }
            other => writer.write_event(other).map_err(io)?,
        }
        buf.clear();
    }
    Ok(done.then(|| writer.into_inner()))
}

fn write_start(
    writer: &mut quick_xml::Writer<Vec<u8>>,
    e: BytesStart<'_>,
    empty: bool,
) -> Result<(), String> {
    let event = if empty {
        Event::Empty(e)
    } else {
        Event::Start(e)
    };
    writer.write_event(event).map_err(io)
}

/// The first attribute that is not a namespace declaration or `xsi:` hint: key and unescaped value.
fn first_attribute(e: &BytesStart<'_>) -> Option<(Vec<u8>, String)> {
    e.attributes().flatten().find_map(|a| {
        let key = a.key.as_ref();
        if key.starts_with(b"xmlns") || key.starts_with(b"xsi:") {
            return None;
        }
        let value = a.unescape_value().unwrap_or(Cow::Borrowed(""));
        Some((key.to_vec(), value.into_owned()))
    })
}

fn io(e: impl std::fmt::Display) -> String {
    e.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str, m: Mutation) -> Option<String> {
        mutate(text.as_bytes(), m)
            .unwrap()
            .map(|b| String::from_utf8(b).unwrap())
    }

    #[test]
    fn renames_the_roots_first_child_and_its_end_tag() {
        assert_eq!(
            run("<user><a><a>x</a></a><b/></user>", Mutation::RenamedElement).as_deref(),
            Some("<user><a_renamed><a>x</a></a_renamed><b/></user>")
        );
        assert_eq!(
            run("<user><a/><b/></user>", Mutation::RenamedElement).as_deref(),
            Some("<user><a_renamed/><b/></user>")
        );
        assert_eq!(run("<user/>", Mutation::RenamedElement), None);
    }

    #[test]
    fn moves_the_first_attribute_of_the_root_or_a_child_into_an_element() {
        assert_eq!(
            run(
                "<user link=\"a&amp;b\" x=\"1\"><g desc=\"D\">G</g></user>",
                Mutation::AttributeAsElement
            )
            .as_deref(),
            Some("<user x=\"1\"><link>a&amp;b</link><g desc=\"D\">G</g></user>")
        );
        assert_eq!(
            run(
                "<user><g desc=\"D\">G</g><h/></user>",
                Mutation::AttributeAsElement
            )
            .as_deref(),
            Some("<user><g><desc>D</desc>G</g><h/></user>")
        );
        assert_eq!(
            run("<user><g desc=\"D\"/></user>", Mutation::AttributeAsElement).as_deref(),
            Some("<user><g><desc>D</desc></g></user>")
        );
        // Attributes deeper down (inside a MARC record, say) are not the writer's own.
        assert_eq!(
            run(
                "<user><r><f tag=\"245\"/></r></user>",
                Mutation::AttributeAsElement
            ),
            None
        );
    }
}
