//! [`Secret`]: a value that must never be printed (a patron's password, a PIN).

/// Whether a parameter or field named `name` holds a secret wherever it appears (a patron's
/// password, a PIN): such values are never shown (`Debug` of models, printed URLs). The API
/// key has its own redaction.
pub fn is_secret_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.contains("password") || n == "pin" || n == "pin_number" || n == "pw"
}

/// A secret parameter's value. It is sent where the operation says (a header, never a URL) and
/// is never shown: `Debug` prints `Secret(<redacted>)`, and it has no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps `value`.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value itself, for sending it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Secret {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Secret {
        Secret(value.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::{is_secret_name, Secret};

    #[test]
    fn secret_names() {
        for n in ["password", "Password", "new_password", "pin_number", "PIN"] {
            assert!(is_secret_name(n), "{n}");
        }
        for n in ["primary_id", "pinned", "send_pin_number_letter", "user_id"] {
            assert!(!is_secret_name(n), "{n}");
        }
    }

    /// The form generated code sends a query-only secret in (`lower/prose.rs` leaves it there).
    #[test]
    fn the_generated_query_form_compiles_and_exposes() {
        fn send(password: impl Into<Secret>) -> String {
            Secret::expose(&password.into()).to_owned()
        }
        assert_eq!(send("pw"), "pw");
    }

    #[test]
    fn debug_never_shows_the_value() {
        let s = Secret::from("hunter2");
        assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
        assert_eq!(format!("{:?}", Some(&s)), "Some(Secret(<redacted>))");
        assert_eq!(s.expose(), "hunter2");
    }
}
