//! Errors that end a command, each mapped to the exit status of
//! `shared/spec/interface.md` and carrying a hint that says what to do.
//!
//! Problems with one input among many are *not* errors: they are warnings
//! (see [`crate::model::Warnings`]) and the rest is still read. An [`Error`] is for what
//! stops the whole command: a bad flag, a PATH that does not exist, an
//! engine that cannot be reached.

use std::fmt;

/// Exit status 2: usage or unreadable input.
pub const EXIT_USAGE: u8 = 2;
/// Exit status 1: an internal error (a bug, or a write that failed).
pub const EXIT_INTERNAL: u8 = 1;
/// Exit status 3: `check` found something (interface.md), so a PR pipeline
/// can gate on it.
pub const EXIT_FINDING: u8 = 3;

/// What went wrong, which decides the exit status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A bad flag, a missing or unreadable PATH, an unreachable engine.
    Usage,
    /// Everything else.
    Internal,
}

/// An error that ends the command.
#[derive(Debug)]
pub struct Error {
    pub kind: Kind,
    pub message: String,
    /// What the user can do about it, printed on its own line.
    pub hint: Option<String>,
}

impl Error {
    pub fn usage(message: impl Into<String>) -> Error {
        Error {
            kind: Kind::Usage,
            message: message.into(),
            hint: None,
        }
    }

    pub fn internal(message: impl Into<String>) -> Error {
        Error {
            kind: Kind::Internal,
            message: message.into(),
            hint: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Error {
        self.hint = Some(hint.into());
        self
    }

    pub fn exit_code(&self) -> u8 {
        match self.kind {
            Kind::Usage => EXIT_USAGE,
            Kind::Internal => EXIT_INTERNAL,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\nhint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;
