//! A canon sweep as its log tells it (cc-ci-runs.md §5).

use std::path::PathBuf;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{Loc, Signal};

/// What the sweep says happened to one recipe. The label is not trusted
/// for promotes: logs before the 2026-06-17 fix print `PASS (promoted)`
/// whatever the promote did, so a `WC5 promote failed` line wins.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "outcome")]
pub enum SweepOutcome {
    /// Cold green and promoted (the canonical advanced).
    Promoted,
    /// Cold green, promote failed (`GREEN-BUT-PROMOTE-FAILED`, or a `WC5
    /// promote failed` line under any label).
    PromoteFailed {
        canonical: Option<String>,
        expected: Option<String>,
    },
    /// The cold run was red.
    Red,
    /// Not run: no new version, never released.
    Skipped,
    /// The label was not one the rules know.
    Unknown,
}

/// A failed promote: the line, its reason, and the signals of the lines
/// that follow it (a pull rate limit there is harness).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Promote {
    pub loc: Loc,
    pub text: String,
    pub reason: String,
    pub domain: Option<String>,
}

/// What a sweep log said about one recipe.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepEntry {
    pub recipe: String,
    /// The entry's own line (`sweep: <recipe> … rc=N (<LABEL>)`).
    pub loc: Loc,
    pub text: String,
    /// The version the sweep ran (`new release A`, `expected A`, the legacy
    /// `run_on_tag A`).
    pub version: Option<String>,
    /// The canonical before the run (`> canonical B`, `canonical=B`).
    pub canonical: Option<String>,
    pub rc: Option<i32>,
    /// The label as printed (`FAIL (red; canonical unchanged)`).
    pub label: Option<String>,
    pub outcome: SweepOutcome,
    pub promote: Option<Promote>,
    /// A run id the log gives (the legacy `run_id=`): it wins when placing.
    pub run_id: Option<String>,
    /// The run directory the entry was placed on, and how.
    pub run: Option<String>,
    pub placed_by: Option<String>,
    /// Every signal of the lines that belong to this entry.
    pub signals: Vec<Signal>,
    /// The entry's time window from the line prefixes.
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
}

impl SweepEntry {
    /// The id failures of this entry are filed under: the placed run, else
    /// `sweep:<recipe>`.
    pub fn run_key(&self) -> String {
        self.run
            .clone()
            .or_else(|| self.run_id.clone())
            .unwrap_or_else(|| format!("sweep:{}", self.recipe))
    }
}

/// A parsed canon sweep log.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sweep {
    pub path: PathBuf,
    /// How the sweep is named in reports (its start date, else the file).
    pub label: String,
    pub started: Option<Timestamp>,
    pub finished: Option<Timestamp>,
    /// The recipes the banner enrolls.
    pub enrolled: Vec<String>,
    pub entries: Vec<SweepEntry>,
    /// Lines that look like sweep lines but no rule could read, by line.
    pub unread: Vec<u32>,
    pub lines: u32,
}
