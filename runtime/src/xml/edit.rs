//! Setting one value in an XML document in place: the element (or attribute) the path names gets
//! its new text, and every other byte of the document stays as it was. Found through the same
//! tree the reader uses; only the target element is written anew.

use std::borrow::Cow;

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
                if raw.ends_with("/>") {
                    return Ok(replace(doc, at, &start_tag(at, None, None), &added));
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
    let (start, inner) = match attr {
        Some(a) => (
            start_tag(at, Some((a, value)), drop_attr),
            at.inner_raw().to_owned(),
        ),
        None => (start_tag(at, None, drop_attr), escape(value).into_owned()),
    };
    Ok(replace(doc, at, &start, &inner))
}

/// The element's start tag, with `set` set (added last when new) and `drop` left out; the other
/// attributes in their order.
fn start_tag(e: Node<'_, '_>, set: Option<(&str, &str)>, drop: Option<&str>) -> String {
    let mut out = format!("<{}", e.name());
    let mut set_done = false;
    for (k, v) in e.attrs() {
        if Some(k.as_ref()) == drop {
            continue;
        }
        let v: Cow<'_, str> = match set {
            Some((name, new)) if name == k => {
                set_done = true;
                Cow::Borrowed(new)
            }
            _ => Cow::Borrowed(v.as_ref()),
        };
        out.push_str(&format!(" {k}=\"{}\"", escape(v.as_ref())));
    }
    if let (Some((name, new)), false) = (set, set_done) {
        out.push_str(&format!(" {name}=\"{}\"", escape(new)));
    }
    out.push('>');
    out
}

/// `doc` with element `e` written as `start` + `inner` + its end tag.
fn replace(doc: &str, e: Node<'_, '_>, start: &str, inner: &str) -> String {
    let from = e.offset_in(doc);
    let to = from + e.raw().len();
    format!(
        "{}{start}{inner}</{}>{}",
        &doc[..from],
        e.name(),
        &doc[to..]
    )
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
            "<a><c desc=\"Old\" x='y'>X</c></a>",
            &["c"],
            "Y",
            Some("desc"),
        )
        .unwrap();
        assert_eq!(out, "<a><c x=\"y\">Y</c></a>");
        let out = set_at("<a><c/><d/></a>", &["c"], "Y", None).unwrap();
        assert_eq!(out, "<a><c>Y</c><d/></a>");
    }

    #[test]
    fn attributes_are_set_in_place_and_added_last() {
        let doc = "<user><status desc=\"Active\">ACTIVE</status></user>";
        let out = set_at(doc, &["status", "@desc"], "Inactive", None).unwrap();
        assert_eq!(
            out,
            "<user><status desc=\"Inactive\">ACTIVE</status></user>"
        );
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
