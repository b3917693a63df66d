//! Reports: what people read, rendered from what the pipeline decided.
//!
//! Every format here is a pure function of a [`Report`]: the runs that were
//! read, the failures with their verdicts, and the warnings. Nothing in this
//! module reads an input file, runs a check or changes a verdict; the one
//! side effect is [`append_journal`], which only ever adds bytes at the end
//! of a file. That split is what lets the same verdicts be printed as a
//! terminal table, a machine contract, a PR comment and a journal entry and
//! always agree.
//!
//! Guarantees, per format:
//! - [`table`]: no line wider than 100 display columns, whatever the input.
//! - [`json`]: exactly the contract of `shared/spec/interface.md`
//!   (`schema_version` 1), plus the extra field `rung` on each failure.
//! - [`markdown`]: renders in Gitea and GitHub, stays under
//!   [`MARKDOWN_LIMIT`] bytes, and text read from logs cannot close a block,
//!   open HTML, make a link or mention anyone.
//! - [`journal`]: entries in the redfix journal's voice;
//!   [`append_journal`] never rewrites existing bytes.
//! - [`explain`]: everything known about one run's failures, as plain text.
//!
//! Text that came from a log can carry terminal escapes and control
//! characters; every format strips them (see [`text::clean`]) so that
//! printing a report can never drive the terminal.

mod explain;
mod journal;
mod json;
mod markdown;
mod table;
pub mod text;

use std::collections::BTreeMap;

use crate::model::{Class, Run, Tier, TierStatus, Triaged};

pub use explain::explain;
pub use journal::{append_journal, journal};
pub use json::json;
pub use markdown::{MARKDOWN_LIMIT, markdown};
pub use table::{TABLE_WIDTH, table};

/// Everything a report needs: already read, already decided, already
/// filtered.
pub struct Report<'a> {
    /// The paths triage was given, as the user wrote them (JSON `inputs`).
    pub inputs: Vec<String>,
    /// Every run read, failing or not.
    pub runs: &'a [Run],
    /// Every failure with its verdict, in the order the pipeline gave them.
    pub triaged: &'a [Triaged],
    /// Problems met while reading, each naming its file.
    pub warnings: &'a [String],
}

impl Report<'_> {
    /// The run with this id, if it was read.
    pub fn run(&self, id: &str) -> Option<&Run> {
        self.runs.iter().find(|r| r.id == id)
    }

    /// How many failures each class has, in [`Class::ALL`] order, classes
    /// with none left out.
    pub fn class_counts(&self) -> Vec<(Class, usize)> {
        Class::ALL
            .into_iter()
            .map(|c| {
                let n = self.triaged.iter().filter(|t| t.verdict.class == c).count();
                (c, n)
            })
            .filter(|&(_, n)| n > 0)
            .collect()
    }

    /// `"1 flake, 2 recipe-defect"`: the class counts as one phrase, or
    /// `None` when there are no failures.
    pub fn class_summary(&self) -> Option<String> {
        let counts = self.class_counts();
        if counts.is_empty() {
            return None;
        }
        Some(
            counts
                .iter()
                .map(|(c, n)| format!("{n} {c}"))
                .collect::<Vec<_>>()
                .join(", "),
        )
    }

    /// The run ids that have failures, in the order their first failure
    /// appears.
    pub fn failing_run_ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = Vec::new();
        for t in self.triaged {
            if !ids.contains(&t.failure.run_id.as_str()) {
                ids.push(&t.failure.run_id);
            }
        }
        ids
    }
}

/// `n` followed by the noun, pluralised with an `s` when `n != 1`.
pub(crate) fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("{n} {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// A tier's result as the journal and `explain` print it: `PASS`, `FAIL`,
/// `EXPECTED_NA` (an intentional skip), `SKIP`, `UNVER`, `ERROR`.
fn status_label(run: &Run, tier: Tier, status: TierStatus) -> &'static str {
    match status {
        TierStatus::Pass => "PASS",
        TierStatus::Fail => "FAIL",
        TierStatus::Error => "ERROR",
        TierStatus::Skip if run.expected_na.contains_key(&tier) => "EXPECTED_NA",
        TierStatus::Skip => "SKIP",
        TierStatus::Unver => "UNVER",
    }
}

/// The run's tier results, in the order cc-ci runs the tiers: from
/// results.json's `results`, else its `rungs`, else the console's `RESULT:`
/// line. Tiers declared EXPECTED_NA and absent from all of those are listed
/// as such. Empty when the run recorded none.
pub fn tier_results(run: &Run) -> Vec<(Tier, &'static str)> {
    let mut tiers: BTreeMap<Tier, TierStatus> = BTreeMap::new();
    if let Some(record) = &run.record {
        let source = if record.results.is_empty() {
            &record.rungs
        } else {
            &record.results
        };
        for (name, status) in source {
            if let Some(tier) = Tier::parse(name) {
                tiers.insert(tier, *status);
            }
        }
    }
    if tiers.is_empty() {
        tiers.extend(run.console_results.iter().map(|(t, s)| (*t, *s)));
    }
    for tier in run.expected_na.keys() {
        tiers.entry(*tier).or_insert(TierStatus::Skip);
    }
    tiers
        .into_iter()
        .map(|(tier, status)| (tier, status_label(run, tier, status)))
        .collect()
}

/// `install PASS, upgrade FAIL, ...`, or `None` when the run recorded no
/// tier results.
pub fn tier_line(run: &Run) -> Option<String> {
    let results = tier_results(run);
    if results.is_empty() {
        return None;
    }
    Some(
        results
            .iter()
            .map(|(tier, label)| format!("{tier} {label}"))
            .collect::<Vec<_>>()
            .join(", "),
    )
}

/// How a run's circumstances read in prose: `isolation run, no overlapping
/// run`; `sweep run (sweep 2026-06-14T02:00:00Z), overlapping 754, 755`;
/// `manual run, span unknown so its load is not known`.
pub fn load_phrase(run: &Run) -> String {
    let mut s = format!("{} run", run.kind_label());
    if let Some(sweep) = &run.sweep {
        s.push_str(&format!(" (sweep {})", text::one_line(sweep)));
    }
    if !run.overlapping.is_empty() {
        let ids: Vec<String> = run.overlapping.iter().map(|i| text::one_line(i)).collect();
        s.push_str(&format!(", overlapping {}", ids.join(", ")));
    } else if run.span.started.is_some() && run.span.finished.is_some() {
        s.push_str(", no overlapping run");
    } else {
        s.push_str(", span unknown so its load is not known");
    }
    s
}
