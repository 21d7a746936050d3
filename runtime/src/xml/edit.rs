//! Setting one value in an XML document in place: the element (or attribute) the path names gets
//! its new text, and every other byte of the document stays as it was — the target's other
//! attributes too, with their quotes and entities. Found through the same tree the reader uses.

use quick_xml::escape::escape;

use super::tree::{self, Node};

/// `doc` with the text at `path` set to `value`. `path` names elements below the root, the last
/// one `@name` for an attribute of the element before it. `drop_attr` is an attribute the
/// target element loses (a code's `desc`, which described the old code). An element that is
/// missing is added at the end of its parent; a missing parent is an error.
pub fn set_at(
    doc: &str,
    path: &[&str],
    value: &str,
    drop_attr: Option<&str>,
) -> Result<String, String> {
    let (elems, attr) = match path.last().and_then(|l| l.strip_prefix('@')) {
        Some(a) => (&path[..path.len() - 1], Some(a)),
        None => (path, None),
    };
    let tree = tree::parse(doc).map_err(|e| format!("the record is not XML: {e}"))?;
    let mut at = tree.root();
    for (depth, name) in elems.iter().enumerate() {
        match at.children().find(|c| c.name() == *name) {
            Some(child) => at = child,
            // The last element missing: added at the end of its parent, with the text.
            None if depth + 1 == elems.len() && attr.is_none() => {
                let added = format!("<{name}>{}</{name}>", escape(value));
                let raw = at.raw();
                if at.start_raw().len() == raw.len() {
                    let from = at.offset_in(doc);
                    let start = opened(at.start_raw().to_owned());
                    return Ok(format!(
                        "{}{start}{added}{}{}",
                        &doc[..from],
                        end_tag(at),
                        &doc[from + raw.len()..]
                    ));
                }
                // Before the parent's end tag; the parent's start tag stays as it was.
                let end = at.offset_in(doc) + raw.rfind("</").unwrap_or(raw.len());
                return Ok(format!("{}{added}{}", &doc[..end], &doc[end..]));
            }
            None => {
                return Err(format!("the record has no element {}", path.join("/")));
            }
        }
    }
    let from = at.offset_in(doc);
    let to = from + at.raw().len();
    let element = match attr {
        // Only the start tag changes; an empty element stays empty.
        Some(a) => format!(
            "{}{}",
            edit_tag(at, Some((a, value)), drop_attr)?,
            &at.raw()[at.start_raw().len()..]
        ),
        None => {
            let start = opened(edit_tag(at, None, drop_attr)?);
            format!("{start}{}{}", escape(value), end_tag(at))
        }
    };
    Ok(format!("{}{element}{}", &doc[..from], &doc[to..]))
}

/// The element's start tag as in the source, with `set` set (in place, or added last when new)
/// and `drop` left out; every other byte of it as it was (quotes, spacing, entities, `/>`).
fn edit_tag(
    e: Node<'_, '_>,
    set: Option<(&str, &str)>,
    drop: Option<&str>,
) -> Result<String, String> {
    let tag = e.start_raw();
    let mut out = String::with_capacity(tag.len() + 16);
    let mut from = 0;
    let mut set_done = false;
    for (key, whole, value) in attribute_spans(tag)? {
        if Some(key) == drop {
            out.push_str(&tag[from..whole.start]);
            from = whole.end;
        } else if let Some((_, new)) = set.filter(|(name, _)| *name == key) {
            out.push_str(&tag[from..value.start]);
            out.push_str(&escape(new));
            from = value.end;
            set_done = true;
        }
    }
    out.push_str(&tag[from..]);
    if let (Some((name, new)), false) = (set, set_done) {
        let close = if out.ends_with("/>") { 2 } else { 1 };
        let body = out[..out.len() - close].trim_end().len();
        out.insert_str(body, &format!(" {name}=\"{}\"", escape(new)));
    }
    Ok(out)
}

/// A start tag that content follows: an empty-element tag (`<a/>`) opened (`<a>`).
fn opened(tag: String) -> String {
    match tag.strip_suffix("/>") {
        Some(body) => format!("{}>", body.trim_end()),
        None => tag,
    }
}

/// Each attribute of a start tag: its name, its span with the space before it, and the span
/// of its value between the quotes.
type AttrSpan<'t> = (&'t str, std::ops::Range<usize>, std::ops::Range<usize>);

fn attribute_spans(tag: &str) -> Result<Vec<AttrSpan<'_>>, String> {
    let mut reader = quick_xml::Reader::from_str(tag);
    let start = match reader.read_event() {
        Ok(quick_xml::events::Event::Start(s) | quick_xml::events::Event::Empty(s)) => s,
        _ => return Err(format!("not a start tag: {tag}")),
    };
    let mut out = Vec::new();
    for a in start.attributes() {
        let a = a.map_err(|e| e.to_string())?;
        let key = a.key.as_ref();
        // The reader reads from `tag`, so the name is a slice of it.
        let at = (key.as_ptr() as usize).wrapping_sub(tag.as_ptr() as usize);
        let name = tag
            .get(at..at + key.len())
            .filter(|n| n.as_bytes() == key)
            .ok_or("an attribute name outside its tag")?;
        let lead = tag[..at].trim_end().len();
        // name, spaces, '=', spaces, a quote, the value, the same quote.
        let rest = &tag[at + key.len()..];
        let eq = rest.find('=').ok_or("an attribute without a value")?;
        let after_eq = &rest[eq + 1..];
        let q_at = after_eq.len() - after_eq.trim_start().len();
        let value_start = at + key.len() + eq + 1 + q_at + 1;
        let value_end = value_start + a.value.len();
        out.push((name, lead..value_end + 1, value_start..value_end));
    }
    Ok(out)
}

/// The element's end tag as in the source, or made for an empty element.
fn end_tag(e: Node<'_, '_>) -> String {
    let raw = e.raw();
    match raw.rfind("</") {
        Some(i) if i >= e.start_raw().len() => raw[i..].to_owned(),
        _ => format!("</{}>", e.name()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_is_replaced_and_nothing_else_moves() {
        let doc = "<?xml version=\"1.0\"?>\n<bib a='1'><mms_id>1</mms_id> <suppress_from_publishing>false</suppress_from_publishing><record><leader>x</leader></record></bib>";
        let out = set_at(doc, &["suppress_from_publishing"], "true", None).unwrap();
        assert_eq!(out, doc.replace(">false<", ">true<"));
        let out = set_at(doc, &["cataloging_level"], "05 & more", None).unwrap();
        assert_eq!(
            out,
            doc.replace(
                "</record></bib>",
                "</record><cataloging_level>05 &amp; more</cataloging_level></bib>"
            )
        );
        let out = set_at(
            "<a><c desc=\"Old\"  x='y &amp; z'>X</c ></a>",
            &["c"],
            "Y",
            Some("desc"),
        )
        .unwrap();
        assert_eq!(
            out, "<a><c  x='y &amp; z'>Y</c ></a>",
            "the rest of the tag as it was"
        );
        let out = set_at("<a><c/><d/></a>", &["c"], "Y", None).unwrap();
        assert_eq!(out, "<a><c>Y</c><d/></a>");
        let out = set_at("<a><p k='1' /></a>", &["p", "c"], "v", None).unwrap();
        assert_eq!(
            out, "<a><p k='1'><c>v</c></p></a>",
            "an empty parent opened"
        );
    }

    #[test]
    fn attributes_are_set_in_place_and_added_last() {
        let doc = "<user><status desc=\"Active\">ACTIVE</status></user>";
        let out = set_at(doc, &["status", "@desc"], "Inactive", None).unwrap();
        assert_eq!(
            out,
            "<user><status desc=\"Inactive\">ACTIVE</status></user>"
        );
        let out = set_at(
            "<user><status desc = 'A&#39;s'/></user>",
            &["status", "@desc"],
            "B",
            None,
        )
        .unwrap();
        assert_eq!(out, "<user><status desc = 'B'/></user>");
        let out = set_at("<user><status/></user>", &["status", "@desc"], "B", None).unwrap();
        assert_eq!(out, "<user><status desc=\"B\"/></user>");
        let out = set_at(doc, &["status", "@lang"], "en", None).unwrap();
        assert_eq!(
            out,
            "<user><status desc=\"Active\" lang=\"en\">ACTIVE</status></user>"
        );
    }

    #[test]
    fn a_missing_parent_or_a_broken_document_is_an_error() {
        let err = set_at("<a></a>", &["b", "c"], "x", None).unwrap_err();
        assert!(err.contains("no element b/c"), "{err}");
        let err = set_at("<a><b></a>", &["b"], "x", None).unwrap_err();
        assert!(err.contains("not XML"), "{err}");
    }
}
