//! What the generated code knows about an operation, independent of any HTTP client: its
//! method, path template, body rules and what a read-only key may send. The registry and the
//! request path both read it.

/// Alma's gateway rejects request bodies over 512 KB; we refuse them before sending.
pub const MAX_REQUEST_BYTES: usize = 512 * 1024;

/// HTTP methods the Alma APIs use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// Read.
    Get,
    /// Create or act.
    Post,
    /// Replace ("swap all").
    Put,
    /// Delete.
    Delete,
}

impl Method {
    /// `GET`, `POST`, …
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

/// What the generated code knows about an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationSpec {
    /// `area.method_name`, used in errors and traces.
    pub name: &'static str,
    /// HTTP method.
    pub method: Method,
    /// Path template with `{param}` placeholders.
    pub path: &'static str,
    /// The API accepts only XML bodies here (MARCXML payloads).
    pub xml_only_body: bool,
    /// Whether a read-only client may send it (decided by the generator).
    pub read_only: ReadOnlyAccess,
}

/// Whether a client in read-only mode (`ClientBuilder::read_only`) may send an
/// operation: reads, and the few writes Alma says alter nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadOnlyAccess {
    /// A read.
    Allowed,
    /// A write: refused with [`crate::Error::ReadOnly`].
    Denied,
    /// A write that alters nothing when the query parameter `param` is one of `values` (or
    /// absent, when `absent`: its default is one of them), such as authenticating a user.
    When {
        /// The query parameter.
        param: &'static str,
        /// Its values that alter nothing.
        values: &'static [&'static str],
        /// Whether leaving it out alters nothing too.
        absent: bool,
    },
}

impl ReadOnlyAccess {
    /// Whether a request with these query parameters may be sent by a read-only client.
    pub fn allows(self, query: &[(&str, String)]) -> bool {
        match self {
            ReadOnlyAccess::Allowed => true,
            ReadOnlyAccess::Denied => false,
            ReadOnlyAccess::When {
                param,
                values,
                absent,
            } => {
                let mut given = query.iter().filter(|(k, _)| *k == param).peekable();
                if given.peek().is_none() {
                    return absent;
                }
                given.all(|(_, v)| values.contains(&v.as_str()))
            }
        }
    }
}
