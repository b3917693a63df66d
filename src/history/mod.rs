//! The index of every run. (Being written on its own branch.)

use crate::error::{Error, Result};

/// `ccci-triage history` (not yet built).
pub fn command(_args: &crate::cli::HistoryArgs, _out: &mut dyn std::io::Write) -> Result<()> {
    Err(Error::usage("history is not built yet"))
}
