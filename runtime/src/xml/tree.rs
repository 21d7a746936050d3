//! A minimal XML tree borrowing from the document. All elements live in one arena (`Vec`) linked
//! by index, so parsing a page of records costs a handful of allocations instead of several per
//! element; names, attribute values and text stay slices of the input unless they hold entities,
//! and every element keeps its raw bytes (for `xs:any` content, kept byte for byte).

use std::borrow::Cow;

use quick_xml::events::{BytesStart, Event};

const NONE: u32 = u32::MAX;

/// Deepest element nesting accepted. Reading the tree recurses once per level, so a hostile or
/// broken document must not nest without bound (serde_json stops JSON at 128 levels); Alma's
/// records nest about ten deep.
const MAX_DEPTH: usize = 256;

#[derive(Debug)]
pub(crate) struct Tree<'a> {
    nodes: Vec<NodeData<'a>>,
    attrs: Vec<(Cow<'a, str>, Cow<'a, str>)>,
}

#[derive(Debug)]
struct NodeData<'a> {
    name: Cow<'a, str>,
    attrs: (u32, u32),
    text: Cow<'a, str>,
    raw: &'a str,
    /// The length of the start tag at the head of `raw` (all of it for an empty element).
    start_len: u32,
    first_child: u32,
    last_child: u32,
    next_sibling: u32,
}

/// An element of a [`Tree`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Node<'t, 'a> {
    tree: &'t Tree<'a>,
    id: u32,
}

impl<'t, 'a> Node<'t, 'a> {
    fn data(&self) -> &'t NodeData<'a> {
        &self.tree.nodes[self.id as usize]
    }

    pub fn name(&self) -> &'t str {
        &self.data().name
    }

    pub fn text(&self) -> &'t str {
        &self.data().text
    }

    /// The element's bytes in the source document.
    pub fn raw(&self) -> &'a str {
        self.data().raw
    }

    /// The start tag as in the source (all of an empty element, `<a/>`).
    pub fn start_raw(&self) -> &'a str {
        let d = self.data();
        &d.raw[..d.start_len as usize]
    }

    /// Where the element starts in `doc`, the document the tree was parsed from.
    pub fn offset_in(&self, doc: &str) -> usize {
        self.raw().as_ptr() as usize - doc.as_ptr() as usize
    }

    pub fn attrs(&self) -> &'t [(Cow<'a, str>, Cow<'a, str>)] {
        let (s, e) = self.data().attrs;
        &self.tree.attrs[s as usize..e as usize]
    }

    pub fn children(&self) -> Children<'t, 'a> {
        Children {
            tree: self.tree,
            next: self.data().first_child,
        }
    }

    pub fn has_children(&self) -> bool {
        self.data().first_child != NONE
    }
}

pub(crate) struct Children<'t, 'a> {
    tree: &'t Tree<'a>,
    next: u32,
}

impl<'t, 'a> Iterator for Children<'t, 'a> {
    type Item = Node<'t, 'a>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.next == NONE {
            return None;
        }
        let node = Node {
            tree: self.tree,
            id: self.next,
        };
        self.next = self.tree.nodes[self.next as usize].next_sibling;
        Some(node)
    }
}

impl<'a> Tree<'a> {
    /// The root element.
    pub fn root(&self) -> Node<'_, 'a> {
        Node { tree: self, id: 0 }
    }
}

pub(crate) fn parse(doc: &str) -> Result<Tree<'_>, String> {
    let mut reader = quick_xml::Reader::from_str(doc);
    let mut tree = Tree {
        nodes: Vec::with_capacity(doc.len() / 32),
        attrs: Vec::new(),
    };
    // Open elements: (node id, start byte).
    let mut stack: Vec<(u32, usize)> = Vec::new();
    loop {
        let start = reader.buffer_position() as usize;
        let event = reader.read_event().map_err(|e| {
            format!(
                "XML is not well-formed at byte {}: {e}",
                reader.buffer_position()
            )
        })?;
        match event {
            Event::Start(_) | Event::Empty(_) if !tree.nodes.is_empty() && stack.is_empty() => {
                return Err("XML has more than one root element".into());
            }
            Event::Start(e) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(format!(
                        "XML nests deeper than {MAX_DEPTH} elements at byte {start}"
                    ));
                }
                let id = open(doc, &mut tree, &stack, &e)?;
                tree.nodes[id as usize].start_len =
                    (reader.buffer_position() as usize - start) as u32;
                stack.push((id, start));
            }
            Event::Empty(e) => {
                let id = open(doc, &mut tree, &stack, &e)?;
                let raw = &doc[start..reader.buffer_position() as usize];
                tree.nodes[id as usize].raw = raw;
                tree.nodes[id as usize].start_len = raw.len() as u32;
            }
            Event::Text(t) => {
                if let Some(&(id, _)) = stack.last() {
                    let node = &mut tree.nodes[id as usize];
                    let piece = t.unescape().map_err(|e| e.to_string())?;
                    // Whitespace between child elements is layout, not data.
                    if !(node.first_child != NONE && piece.trim().is_empty()) {
                        append(&mut node.text, piece);
                    }
                }
            }
            Event::CData(t) => {
                if let Some(&(id, _)) = stack.last() {
                    let piece = Cow::Owned(String::from_utf8_lossy(&t).into_owned());
                    append(&mut tree.nodes[id as usize].text, piece);
                }
            }
            Event::End(_) => {
                let (id, s) = stack.pop().ok_or("unbalanced end tag")?;
                tree.nodes[id as usize].raw = &doc[s..reader.buffer_position() as usize];
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err("XML ends inside an element (truncated?)".into());
    }
    if tree.nodes.is_empty() {
        return Err("XML has no root element".into());
    }
    Ok(tree)
}

/// Adds an element as the last child of the innermost open element.
fn open<'a>(
    doc: &'a str,
    tree: &mut Tree<'a>,
    stack: &[(u32, usize)],
    e: &BytesStart<'_>,
) -> Result<u32, String> {
    let id = u32::try_from(tree.nodes.len()).map_err(|_| "XML document too large")?;
    let name = text_of(doc, e.name().into_inner())?;
    let first_attr = tree.attrs.len() as u32;
    for a in e.attributes() {
        let a = a.map_err(|e| e.to_string())?;
        let key = text_of(doc, a.key.into_inner())?;
        let value = match text_of(doc, &a.value)? {
            Cow::Borrowed(raw) => quick_xml::escape::unescape(raw).map_err(|e| e.to_string())?,
            Cow::Owned(raw) => Cow::Owned(
                quick_xml::escape::unescape(&raw)
                    .map_err(|e| e.to_string())?
                    .into_owned(),
            ),
        };
        tree.attrs.push((key, value));
    }
    tree.nodes.push(NodeData {
        name,
        attrs: (first_attr, tree.attrs.len() as u32),
        text: Cow::Borrowed(""),
        raw: "",
        start_len: 0,
        first_child: NONE,
        last_child: NONE,
        next_sibling: NONE,
    });
    if let Some(&(parent, _)) = stack.last() {
        let p = &mut tree.nodes[parent as usize];
        // Text before the first child was layout too, if it was only whitespace.
        if p.first_child == NONE && p.text.trim().is_empty() {
            p.text = Cow::Borrowed("");
        }
        let prev = p.last_child;
        if prev == NONE {
            p.first_child = id;
        }
        p.last_child = id;
        if prev != NONE {
            tree.nodes[prev as usize].next_sibling = id;
        }
    }
    Ok(id)
}

/// Text arrives in pieces around comments and CDATA; most elements have one piece.
fn append<'a>(text: &mut Cow<'a, str>, piece: Cow<'a, str>) {
    if text.is_empty() {
        *text = piece;
    } else {
        text.to_mut().push_str(&piece);
    }
}

/// `bytes` as text borrowed from `doc` when it is a slice of it (the reader reads from `doc`, so
/// names and attribute values are), else copied.
fn text_of<'a>(doc: &'a str, bytes: &[u8]) -> Result<Cow<'a, str>, String> {
    let offset = (bytes.as_ptr() as usize).wrapping_sub(doc.as_ptr() as usize);
    if let Some(s) = offset
        .checked_add(bytes.len())
        .and_then(|end| doc.get(offset..end))
    {
        if s.as_ptr() == bytes.as_ptr() {
            return Ok(Cow::Borrowed(s));
        }
    }
    Ok(Cow::Owned(
        std::str::from_utf8(bytes)
            .map_err(|e| e.to_string())?
            .to_string(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_is_bounded() {
        let deep = |n: usize| format!("{}{}", "<a>".repeat(n), "</a>".repeat(n));
        assert!(parse(&deep(MAX_DEPTH)).is_ok());
        let err = parse(&deep(100_000)).unwrap_err();
        assert!(err.contains("deeper than 256"), "{err}");
    }
}
