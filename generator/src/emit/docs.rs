//! Spec prose → rustdoc. Upstream descriptions mix Markdown, Ex Libris's `[text|url]` links, bare
//! URLs, HTML snippets and XSD indentation; rustdoc would read those as broken intra-doc links,
//! invalid HTML or (indented lines) doctests. This module makes them plain, safe Markdown.

const SITE: &str = "https://developers.exlibrisgroup.com";

/// Sanitized Markdown for a doc comment.
pub fn sanitize(text: &str) -> String {
    let mut out = String::new();
    let mut blank = false;
    let mut in_list = false;
    for line in text.replace("\r\n", "\n").replace('\r', "\n").lines() {
        let line = line.trim();
        if line.is_empty() {
            blank = !out.is_empty();
            in_list = false;
            continue;
        }
        // A plain line right after a list item would continue that item ("lazy continuation",
        // which rustdoc and clippy flag): upstream means a new paragraph.
        let item = is_list_item(line);
        if in_list && !item {
            blank = true;
        }
        in_list = item;
        if blank {
            out.push_str("\n\n");
        } else if !out.is_empty() {
            out.push('\n');
        }
        blank = false;
        out.push_str(&sanitize_line(line));
    }
    out
}

/// `1. x`, `- x`, `* x`, `+ x`: a Markdown list item.
fn is_list_item(line: &str) -> bool {
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 {
        let rest = &line[digits..];
        return rest.starts_with(". ") || rest.starts_with(") ");
    }
    line.starts_with("- ") || line.starts_with("* ") || line.starts_with("+ ")
}

fn sanitize_line(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len() + 8);
    let mut i = 0;
    // A line starting like a list, heading or quote is fine; one starting with a code fence is not.
    if line.starts_with("```") || line.starts_with("~~~") {
        out.push('\\');
    }
    while i < chars.len() {
        let c = chars[i];
        if c == '[' {
            if let Some((text, url, next)) = parse_link(&chars, i) {
                out.push('[');
                out.push_str(&escape_plain(&text));
                out.push_str("](");
                out.push_str(&absolute(&url));
                out.push(')');
                i = next;
                continue;
            }
            out.push_str("\\[");
        } else if c == ']' {
            out.push_str("\\]");
        } else if starts_url(&chars, i) {
            let end = url_end(&chars, i);
            let url: String = chars[i..end].iter().collect();
            out.push('<');
            out.push_str(&url);
            out.push('>');
            i = end;
            continue;
        } else {
            push_plain(&mut out, c);
        }
        i += 1;
    }
    out
}

fn push_plain(out: &mut String, c: char) {
    match c {
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        '&' => out.push_str("&amp;"),
        '\\' => out.push_str("\\\\"),
        '\t' => out.push(' '),
        '*' | '_' => {
            out.push('\\');
            out.push(c);
        }
        _ => out.push(c),
    }
}

fn escape_plain(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '[' | ']' => {
                out.push('\\');
                out.push(c);
            }
            c => push_plain(&mut out, c),
        }
    }
    out
}

/// `[text](url)` or Ex Libris's `[text|url]` starting at `i`: (text, url, index after).
fn parse_link(chars: &[char], i: usize) -> Option<(String, String, usize)> {
    let close = (i + 1..chars.len()).find(|&j| chars[j] == ']')?;
    let inner: String = chars[i + 1..close].iter().collect();
    if let Some((text, url)) = inner.split_once('|') {
        let url = url.trim();
        if url.starts_with("http") || url.starts_with('/') {
            return Some((text.trim().to_string(), url.to_string(), close + 1));
        }
    }
    if chars.get(close + 1) == Some(&'(') {
        let end = (close + 2..chars.len()).find(|&j| chars[j] == ')')?;
        let url: String = chars[close + 2..end].iter().collect();
        let url = url.trim();
        if !url.is_empty() && !url.contains(char::is_whitespace) {
            return Some((inner, url.to_string(), end + 1));
        }
    }
    None
}

fn absolute(url: &str) -> String {
    if url.starts_with('/') {
        format!("{SITE}{url}")
    } else {
        url.to_string()
    }
}

fn starts_url(chars: &[char], i: usize) -> bool {
    let rest: String = chars[i..chars.len().min(i + 8)].iter().collect();
    rest.starts_with("https://") || rest.starts_with("http://")
}

fn url_end(chars: &[char], i: usize) -> usize {
    let mut end = i;
    while end < chars.len() && !chars[end].is_whitespace() && !"<>\"'()[]".contains(chars[end]) {
        end += 1;
    }
    while end > i && ".,;:!?".contains(chars[end - 1]) {
        end -= 1;
    }
    end
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn makes_markdown_safe() {
        assert_eq!(sanitize("\t\tIndented\n\t\tlines"), "Indented\nlines");
        assert_eq!(
            sanitize("See [here](/alma/apis/docs/xsd/rest_user.xsd)"),
            "See [here](https://developers.exlibrisgroup.com/alma/apis/docs/xsd/rest_user.xsd)"
        );
        assert_eq!(
            sanitize("listed in [code table|https://x.org/a]."),
            "listed in [code table](https://x.org/a)."
        );
        assert_eq!(sanitize("use https://goo.gl/x."), "use <https://goo.gl/x>.");
        assert_eq!(sanitize("<div> [ALL] a_b"), "&lt;div&gt; \\[ALL\\] a\\_b");
        assert_eq!(
            sanitize("Two ways:\n1. one\n2. two\nAfter the list."),
            "Two ways:\n1. one\n2. two\n\nAfter the list."
        );
    }
}
