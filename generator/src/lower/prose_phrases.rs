//! The phrasings of Alma's prose that `prose.rs` decides by: "Optional.", a sentence
//! "Mandatory.", "Send either this parameter or the X parameter", "Relevant (and mandatory)
//! for op=a,b", "Only relevant when X parameter is sent", "in the header named H". Each reader
//! gives the sentence it found, which the decision quotes.

/// The sentence of `text` that contains `needle` (case-insensitive), trimmed.
pub(super) fn sentence_with(text: &str, needle: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let at = lower.find(&needle.to_ascii_lowercase())?;
    let start = text[..at].rfind(['.', '\n']).map(|i| i + 1).unwrap_or(0);
    // The sentence ends at a full stop followed by a space or the end ("op=auth." ends it,
    // "e.g." in the middle does not end it early enough to matter for a quote).
    let mut end = text.len();
    let bytes = text.as_bytes();
    let mut i = at + needle.len();
    while i < bytes.len() {
        if bytes[i] == b'\n' || (bytes[i] == b'.' && (i + 1 == bytes.len() || bytes[i + 1] == b' '))
        {
            end = if bytes[i] == b'.' { i + 1 } else { i };
            break;
        }
        i += 1;
    }
    let s = text[start..end].trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// A sentence that is exactly `word.` ("Mandatory."), or `word` set apart as a parenthesis.
pub(super) fn says_alone(text: &str, word: &str) -> Option<String> {
    for s in sentences(text) {
        let t = s
            .trim()
            .trim_matches(|c| c == '(' || c == ')' || c == '.')
            .trim();
        if t.eq_ignore_ascii_case(word) {
            return Some(s.trim().to_string());
        }
    }
    None
}

/// `text` in sentences: split after ". " and at line ends, parentheses kept.
fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let b = text.as_bytes();
    for i in 0..b.len() {
        let end_here = b[i] == b'\n'
            || (b[i] == b'.' && (i + 1 == b.len() || b[i + 1] == b' '))
            || (b[i] == b')' && i > 0 && b[i - 1] == b')');
        if end_here {
            let s = &text[start..=i];
            if !s.trim().is_empty() {
                out.push(s);
            }
            start = i + 1;
        }
    }
    if start < text.len() && !text[start..].trim().is_empty() {
        out.push(&text[start..]);
    }
    // "… level. (optional)" has its parenthesis as a last part of its own.
    out.into_iter()
        .flat_map(|s| {
            let t = s.trim_end();
            match t.rfind(" (") {
                Some(i) if t.ends_with(')') => vec![&s[..i], &t[i + 1..]],
                _ => vec![s],
            }
        })
        .collect()
}

/// The prose says the parameter may be left out: the sentence.
pub(super) fn says_optional(desc: &str) -> Option<String> {
    let lower = desc.to_ascii_lowercase();
    if let Some(s) = says_alone(desc, "optional") {
        return Some(s);
    }
    for needle in [
        "is optional",
        "this optional parameter",
        "optional.",
        "needed when",
    ] {
        if lower.contains(needle) {
            return sentence_with(desc, needle);
        }
    }
    None
}

/// `op=a,b` values a sentence "Relevant (and mandatory) for/if op=…" names, with whether it
/// says mandatory; or the parameter an "Only relevant when X parameter is sent" names.
pub(super) enum Relevance {
    Values {
        selector: String,
        values: Vec<String>,
        mandatory: bool,
        quote: String,
    },
    With {
        param: String,
        quote: String,
    },
}

pub(super) fn relevance(desc: &str) -> Option<Relevance> {
    for s in sentences(desc) {
        let lower = s.to_ascii_lowercase();
        if let Some(at) = lower.find("relevant") {
            let rest = &lower[at..];
            if let Some(eq) = rest.find("op=") {
                let head = &rest[..eq];
                if !(head.contains(" for ") || head.contains(" if ")) {
                    continue;
                }
                let tail = &rest[eq + 3..];
                let list: String = tail
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ',')
                    .collect();
                let values: Vec<String> = list
                    .split(',')
                    .filter(|v| !v.is_empty())
                    .map(String::from)
                    .collect();
                if !values.is_empty() {
                    return Some(Relevance::Values {
                        selector: "op".into(),
                        values,
                        mandatory: head.contains("mandatory"),
                        quote: s.trim().to_string(),
                    });
                }
            }
            if let Some(w) = rest.strip_prefix("relevant when ") {
                if let Some(param) = w
                    .strip_suffix(" parameter is sent.")
                    .or(w.strip_suffix(" parameter is sent"))
                {
                    return Some(Relevance::With {
                        param: param.trim().to_string(),
                        quote: s.trim().to_string(),
                    });
                }
            }
        }
    }
    None
}

/// "Send either this parameter or the X parameter": X and the sentence.
pub(super) fn either_with(desc: &str) -> Option<(String, String)> {
    let s = sentence_with(desc, "send either this parameter or the ")?;
    let lower = s.to_ascii_lowercase();
    let rest = &lower[lower.find("or the ")? + 7..];
    let other = rest
        .strip_suffix(" parameter.")
        .or(rest.strip_suffix(" parameter"))?;
    Some((other.trim().to_string(), s))
}

/// "… in the header named H": H and the sentence.
pub(super) fn header_named(desc: &str) -> Option<(String, String)> {
    let s = sentence_with(desc, "in the header named ")?;
    let at = s.to_ascii_lowercase().find("in the header named ")? + 20;
    let name: String = s[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    (!name.is_empty()).then_some((name, s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_phrasings_alma_uses() {
        assert!(
            says_optional("Retrieve instances from this Date (YYYY-MM-DD). Optional.").is_some()
        );
        assert!(says_optional("The requested operation (remove_file). (optional)").is_some());
        assert_eq!(
            says_optional("The request ID. Needed when item is not yet bound to a single request.")
                .as_deref(),
            Some("Needed when item is not yet bound to a single request.")
        );
        assert!(
            says_optional("The circulation desk where the action is being performed.").is_none()
        );
        assert_eq!(
            says_alone("The operation to be performed on the request. Mandatory. Currently only next_step is supported.", "mandatory").as_deref(),
            Some("Mandatory.")
        );
        assert!(says_alone(
            "Relevant and mandatory if op=pay. Options are CASH",
            "mandatory"
        )
        .is_none());
        assert_eq!(
            either_with(
                "The circulation desk. Send either this parameter or the department parameter."
            )
            .map(|e| e.0)
            .as_deref(),
            Some("department")
        );
        assert_eq!(
            header_named("The user's password. Relevant for op=auth. Alternatively the password can be sent, URL-encoded, in the header named Exl-User-Pw.").map(|h| h.0).as_deref(),
            Some("Exl-User-Pw")
        );
        match relevance("The amount. Relevant for op=pay,waive") {
            Some(Relevance::Values {
                values, mandatory, ..
            }) => {
                assert_eq!(values, ["pay", "waive"]);
                assert!(!mandatory);
            }
            _ => panic!("not read"),
        }
        match relevance(
            "The reason. Relevant and mandatory for op=waive. The value should be a code.",
        ) {
            Some(Relevance::Values {
                values, mandatory, ..
            }) => {
                assert_eq!(values, ["waive"]);
                assert!(mandatory);
            }
            _ => panic!("not read"),
        }
        match relevance("Work order processing is completed on the item. Options: true or false. Only relevant when department parameter is sent.") {
            Some(Relevance::With { param, .. }) => assert_eq!(param, "department"),
            _ => panic!("not read"),
        }
    }
}
