//! The error codes an operation documents become an enum (`users::GetUserError`) that a caller
//! matches with `err.kind::<GetUserError>()` instead of comparing code strings.
//!
//! Each case is named from Alma's message, without filler words and placeholders
//! (`401861 - User with identifier X was not found.` → `UserNotFound`); the text before a colon is
//! the name when there is one (`General Error: An error has occurred …` → `GeneralError`). A name
//! taken by an earlier code of the same operation gets the code (`UserNotFound401890`); a message
//! that leaves no words is named by its code (`Code401652`).

use std::collections::BTreeSet;

use crate::ir::Api;
use crate::naming::type_ident;

/// Words that say nothing about which error it is.
const FILLER: &[&str] = &[
    "a",
    "an",
    "and",
    "are",
    "be",
    "been",
    "by",
    "for",
    "given",
    "has",
    "have",
    "identifier",
    "in",
    "is",
    "it",
    "its",
    "of",
    "on",
    "or",
    "the",
    "this",
    "to",
    "type",
    "was",
    "were",
    "with",
    "x",
    "y",
    "z",
];

/// The filler words when a name must say more to tell two errors apart (`UserTypeNotFound`).
const TERSE_FILLER: &[&str] = &[
    "a", "an", "and", "are", "be", "been", "by", "for", "has", "have", "in", "is", "it", "its",
    "of", "on", "or", "the", "this", "to", "was", "were", "with", "x", "y", "z",
];

/// At most this many words make a name.
const MAX_WORDS: usize = 5;

pub fn assign(api: &mut Api) {
    let models: BTreeSet<String> = api.models.values().map(|m| m.name.clone()).collect();
    for area in &mut api.areas {
        let mut taken = models.clone();
        taken.extend(area.operations.iter().map(|o| type_ident(&o.name)));
        taken.extend(area.param_enums.iter().map(|e| e.name.clone()));
        for op in &mut area.operations {
            if op.errors.is_empty() {
                continue;
            }
            let mut name = format!("{}Error", type_ident(&op.name));
            while !taken.insert(name.clone()) {
                name.push('_');
            }
            op.error_enum = Some(name);
            // One entry per code; where two messages give one name, the shortest message (the
            // general case) keeps it and the others say more, then add their code.
            let mut firsts: Vec<usize> = Vec::new();
            let mut codes = BTreeSet::new();
            for (i, e) in op.errors.iter().enumerate() {
                if codes.insert(e.code.clone()) {
                    firsts.push(i);
                }
            }
            let primary: Vec<Option<String>> = firsts
                .iter()
                .map(|&i| variant_name(&op.errors[i].message, FILLER))
                .collect();
            let mut order: Vec<usize> = (0..firsts.len()).collect();
            order.sort_by_key(|&k| (op.errors[firsts[k]].message.len(), k));
            let mut used = BTreeSet::new();
            let mut names = vec![String::new(); firsts.len()];
            for k in order {
                let e = &op.errors[firsts[k]];
                let code = code_suffix(&e.code);
                let candidates = [
                    primary[k].clone(),
                    variant_name(&e.message, TERSE_FILLER),
                    primary[k].clone().map(|p| format!("{p}{code}")),
                ];
                let mut variant = candidates
                    .into_iter()
                    .flatten()
                    .find(|v| v != "Other" && !used.contains(v))
                    .unwrap_or_else(|| format!("Code{code}"));
                while !used.insert(variant.clone()) {
                    variant.push('_');
                }
                names[k] = variant;
            }
            for (k, &i) in firsts.iter().enumerate() {
                op.errors[i].variant = std::mem::take(&mut names[k]);
            }
        }
    }
}

/// `401861|401890` → `401861_401890`: a code as part of an identifier.
fn code_suffix(code: &str) -> String {
    code.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// The case name for an error message, if it has words that name it.
pub(crate) fn variant_name(message: &str, filler: &[&str]) -> Option<String> {
    let head = match message.split_once(':') {
        Some((head, _)) if head.split_whitespace().count() <= MAX_WORDS => head,
        _ => message,
    };
    let words: Vec<String> = head
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .filter(|w| !filler.contains(&w.as_str()))
        .filter(|w| !w.chars().all(|c| c.is_ascii_digit()))
        .take(MAX_WORDS)
        .collect();
    if words.is_empty() {
        return None;
    }
    Some(type_ident(&words.join("_")))
}

#[cfg(test)]
mod tests {
    use super::{variant_name, FILLER};

    fn name(message: &str) -> Option<String> {
        variant_name(message, FILLER)
    }

    #[test]
    fn names_from_alma_messages() {
        for (message, want) in [
            ("User with identifier X was not found.", "UserNotFound"),
            (
                "User with identifier X of type Y was not found.",
                "UserNotFound",
            ),
            (
                "General Error: An error has occurred while processing the request.",
                "GeneralError",
            ),
            (
                "The API Restricted profile is not valid.",
                "ApiRestrictedProfileNotValid",
            ),
            ("Fine not found.", "FineNotFound"),
            ("Parameter is not valid.", "ParameterNotValid"),
        ] {
            assert_eq!(name(message).as_deref(), Some(want), "{message}");
        }
        assert_eq!(name("X"), None);
        assert_eq!(name(""), None);
    }
}
