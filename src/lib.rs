//! ccci-triage: read cc-ci's run artifacts and give every failure one
//! verdict, with the evidence it rests on.
//!
//! One pipeline, one direction (see `shared/design.md`, and
//! [`cmd::triage`] for the order of the stages):
//!
//! ```text
//! ingest → failures → evidence (facts, from sources) → verdict → report
//! ```
//!
//! [`model`] holds the nouns every stage shares, [`rules`] everything that
//! recognises text, [`sources`] the facts from outside the run files (git,
//! the Docker engine, the index). [`cmd`] is the only code that knows the
//! command line ([`cli`]).

pub mod cli;
pub mod cmd;
pub mod error;
pub mod evidence;
pub mod failures;
pub mod forge;
pub mod fsx;
pub mod ingest;
pub mod mem;
pub mod model;
pub mod par;
pub mod report;
pub mod rules;
pub mod sources;
pub mod verdict;

/// `ccci-triage <version>`, as the JSON's `tool` field prints it.
pub const TOOL: &str = concat!("ccci-triage ", env!("CARGO_PKG_VERSION"));
