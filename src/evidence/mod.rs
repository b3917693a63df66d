//! Evidence: facts gathered across runs, from recipe checkouts, git and
//! probes. (Being written.)

pub mod git;
pub mod recipe;
