//! Paths as Alma's operations name them: a template (`/almaws/v1/users/{user_id}`) filled with
//! values, each percent-encoded as one path segment. One copy, for the runtime's URLs, the local
//! Alma's records and the tools.

/// Percent-encodes `value` as a single path segment, appending to `out` (RFC 3986 unreserved
/// characters kept, every other byte as `%XX`).
pub fn encode_segment_into(value: &str, out: &mut String) {
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

/// `value` percent-encoded as a single path segment.
pub fn encode_segment(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    encode_segment_into(value, &mut out);
    out
}

/// Why a template could not be filled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FillError {
    /// A `{` without its `}`.
    Template,
    /// No value for this placeholder.
    Missing(String),
    /// An empty value for this placeholder (it would address the collection instead).
    Empty(String),
}

impl std::fmt::Display for FillError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FillError::Template => f.write_str("bad path template"),
            FillError::Missing(n) => write!(f, "path parameter {n} not set"),
            FillError::Empty(n) => write!(f, "path parameter {n} is empty"),
        }
    }
}

/// `template` with each `{name}` replaced by `value(name)`, percent-encoded.
pub fn fill<'a>(
    template: &str,
    value: impl Fn(&str) -> Option<&'a str>,
) -> Result<String, FillError> {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find('}')
            .map(|e| start + e)
            .ok_or(FillError::Template)?;
        let name = &rest[start + 1..end];
        let v = value(name).ok_or_else(|| FillError::Missing(name.to_owned()))?;
        if v.is_empty() {
            return Err(FillError::Empty(name.to_owned()));
        }
        encode_segment_into(v, &mut out);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_filled_and_encoded() {
        let v = |n: &str| match n {
            "user_id" => Some("j doe/ü"),
            "empty" => Some(""),
            _ => None,
        };
        assert_eq!(
            fill("/almaws/v1/users/{user_id}/loans", v).unwrap(),
            "/almaws/v1/users/j%20doe%2F%C3%BC/loans"
        );
        assert_eq!(fill("/x/{nope}", v), Err(FillError::Missing("nope".into())));
        assert_eq!(fill("/x/{empty}", v), Err(FillError::Empty("empty".into())));
        assert_eq!(fill("/x/{user_id", v), Err(FillError::Template));
        assert_eq!(encode_segment("a-b_c.d~e"), "a-b_c.d~e");
    }
}
