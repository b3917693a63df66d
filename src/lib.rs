//! ccci-triage: read cc-ci's run artifacts and give every failure one
//! verdict, with the evidence it rests on.
//!
//! One pipeline, one direction (see `shared/design.md`):
//!
//! ```text
//! ingest → failures → rules (signals) → evidence (facts) → verdict → report
//! ```
//!
//! Beside it, [`probe`] (the live Docker engine, read-only) and [`history`]
//! (an index of every run) are sources of facts that also stand alone as
//! commands. Each stage is a module; data flows down and never back up.

pub mod cli;
pub mod error;
pub mod evidence;
pub mod failures;
pub mod history;
pub mod ingest;
pub mod model;
pub mod pipeline;
pub mod probe;
pub mod report;
pub mod rules;
pub mod verdict;

/// `ccci-triage <version>`, as the JSON's `tool` field prints it.
pub const TOOL: &str = concat!("ccci-triage ", env!("CARGO_PKG_VERSION"));
