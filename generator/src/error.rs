//! One error type for the whole pipeline. Every error says *where*: the file, the JSON pointer
//! inside it, and the operation being lowered when there is one.

use std::fmt;
use std::path::PathBuf;

/// Where in the inputs an error was found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    /// Path of the file (as the generator opened it).
    pub file: Option<PathBuf>,
    /// RFC 6901 JSON pointer inside that file.
    pub pointer: Option<String>,
    /// `METHOD path` of the operation being lowered.
    pub operation: Option<String>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sep = "";
        if let Some(file) = &self.file {
            write!(f, "{}", file.display())?;
            sep = " ";
        }
        if let Some(ptr) = &self.pointer {
            write!(f, "#{ptr}")?;
            sep = " ";
        }
        if let Some(op) = &self.operation {
            write!(f, "{sep}(operation {op})")?;
        }
        Ok(())
    }
}

/// A codegen failure. Never a panic: every bad input ends up here.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A spec or config file is not valid JSON/YAML/TOML.
    #[error("{at}: cannot parse: {message}")]
    Parse { at: Location, message: String },
    /// The spec is well-formed but says something we cannot use.
    #[error("{at}: {message}")]
    Spec { at: Location, message: String },
    /// Our own config (specs/*.toml) is wrong.
    #[error("{path}: {message}")]
    Config { path: PathBuf, message: String },
    /// The emitted Rust did not parse (a generator bug, reported rather than panicking).
    #[error("generated code for {file} does not parse: {message}")]
    Emit { file: String, message: String },
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn spec(at: Location, message: impl Into<String>) -> Self {
        Error::Spec {
            at,
            message: message.into(),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
