//! The one error type of Nacre. Every failure a caller can see has a stable `code`
//! (the same string in Rust, the CLI and JavaScript) and a human message.

use std::fmt;

/// What went wrong, as a stable machine-readable kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// The text was empty (or only whitespace and control characters).
    EmptyText,
    /// The text was not valid Unicode (for example a lone UTF-16 surrogate from JavaScript).
    InvalidText,
    /// The model file is damaged: bad magic, truncated, checksum mismatch, bad header.
    ModelCorrupt,
    /// The model file is intact but written by an incompatible format version.
    ModelVersion,
    /// The tokenizer inside the model could not be built or run.
    Tokenizer,
    /// The requested compute backend is not available (for example no WebGPU adapter).
    BackendUnavailable,
    /// The compute backend failed while running (for example a lost GPU device).
    Backend,
    /// A caller passed an argument outside the accepted range.
    InvalidArgument,
    /// Reading or writing a file failed (native only).
    Io,
    /// The policy data (`policy.json` or `resources.json`) is malformed or out of range.
    PolicyInvalid,
}

impl ErrorCode {
    /// The stable string form used across Rust, the CLI and JavaScript.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EmptyText => "EMPTY_TEXT",
            Self::InvalidText => "INVALID_TEXT",
            Self::ModelCorrupt => "MODEL_CORRUPT",
            Self::ModelVersion => "MODEL_VERSION",
            Self::Tokenizer => "TOKENIZER",
            Self::BackendUnavailable => "BACKEND_UNAVAILABLE",
            Self::Backend => "BACKEND",
            Self::InvalidArgument => "INVALID_ARGUMENT",
            Self::Io => "IO",
            Self::PolicyInvalid => "POLICY_INVALID",
        }
    }
}

/// A Nacre error: a stable code and a message for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub code: ErrorCode,
    pub message: String,
}

impl Error {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }

    pub fn corrupt(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::ModelCorrupt, message)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(err: std::io::Error) -> Self {
        Self::new(ErrorCode::Io, err.to_string())
    }
}

pub type Result<T> = std::result::Result<T, Error>;
