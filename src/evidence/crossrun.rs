//! The one cross-run engine: what other runs say about a failure, and
//! what a test's outcomes over time say. Triage's evidence (siblings of
//! the same recipe and version, alone or under load, a canonical since,
//! the test's record) and `ccci-triage history` (strip, flip rate, first
//! bad run) are both computed here, from the same [`Run`]s ingest reads
//! and the index gives back.
//!
//! The flake/deterministic question is answered here and only here: red
//! under load and green alone is a flake; red alone too is deterministic.
//! "Alone" is an isolation run ([`Run::is_isolation`]): no overlapping run,
//! not part of a sweep. A run that died, timed out or was cancelled proves
//! nothing either way about the recipe.
//!
//! The statistics are pure functions over a list of [`RunOutcome`]s
//! (oldest first), so every rule here is tested without a database.
//!
//! The flip rate follows TestGrid's flakiness rules:
//! - a run where every test failed is an infrastructure failure (the node,
//!   the network, the registry), not a fact about this test: excluded;
//! - three or more consecutive red runs are a break (the test or the
//!   recipe is broken), not flakiness: those reds are excluded too;
//! - what remains is counted: `flip_rate` = the remaining red runs over the
//!   remaining runs, and `flips` = the pass/red changes along them.
//!
//! Runs where the test did not run (skipped, absent) take no part.

use serde::Serialize;

use crate::model::{Failure, Outcome, Run, Tier, TierStatus};

/// Consecutive red runs from which a streak is a break, not a flake.
pub const BREAK_STREAK: usize = 3;

/// One run of a test's history.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunOutcome {
    pub run_id: String,
    pub version: Option<String>,
    pub git_ref: Option<String>,
    /// RFC 3339 start (else finish) of the run.
    pub time: Option<String>,
    /// `None`: the test did not run in this run (the run died early, the
    /// tier was not reached, the test did not exist yet).
    pub outcome: Option<Outcome>,
    /// The run overlapped other runs, or was part of a sweep (a sweep
    /// shares the node with Drone builds by design).
    pub loaded: bool,
    /// The run overlapped nothing and was not a sweep run.
    pub isolation: bool,
    /// Every test of the run was red: an infrastructure failure.
    pub infra: bool,
    /// The failure message's first line, when red.
    pub message: Option<String>,
    /// Retries of the test inside the run (rerun records): a flakiness sign
    /// even when the run ended green.
    pub reruns: u32,
}

impl RunOutcome {
    fn red(&self) -> bool {
        self.outcome.is_some_and(Outcome::is_red)
    }

    fn green(&self) -> bool {
        self.outcome == Some(Outcome::Pass)
    }
}

/// The first red run after the last green one, and what changed between
/// them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FirstBad {
    pub run_id: String,
    pub version: Option<String>,
    pub git_ref: Option<String>,
    /// The last green run before it (`None`: the test was never green).
    pub last_good_run: Option<String>,
    pub last_good_version: Option<String>,
    pub last_good_ref: Option<String>,
    /// Red in every run (where it ran) since `run_id`, up to the newest.
    pub red_since: bool,
}

impl FirstBad {
    /// `2.1.8+10.11.14 → 2.1.9+10.11.15`, or the refs when the version is
    /// the same, or `None` when nothing is known to have changed.
    pub fn change(&self) -> Option<String> {
        let (a, b) = (self.last_good_version.as_deref(), self.version.as_deref());
        match (a, b) {
            (Some(a), Some(b)) if a != b => Some(format!("{a} → {b}")),
            _ => match (self.last_good_ref.as_deref(), self.git_ref.as_deref()) {
                (Some(a), Some(b)) if a != b => Some(format!("ref {a} → {b}")),
                _ => None,
            },
        }
    }
}

/// The compact strip, oldest → newest: `.` pass, `F` fail, `E` error, `s`
/// skip, `-` not run; an infrastructure run's red is `x`.
pub fn strip(runs: &[RunOutcome]) -> String {
    runs.iter()
        .map(|r| match r.outcome {
            Some(o) if o.is_red() && r.infra => 'x',
            Some(Outcome::Pass) => '.',
            Some(Outcome::Fail) => 'F',
            Some(Outcome::Error) => 'E',
            Some(Outcome::Skip) => 's',
            None => '-',
        })
        .collect()
}

/// Flakiness by TestGrid's rules (see the module docs): `(flip_rate,
/// flips, counted runs)`.
pub fn flip_rate(runs: &[RunOutcome]) -> (f64, u32, u32) {
    // The pass/red sequence, infrastructure runs and non-runs removed.
    let seq: Vec<bool> = runs
        .iter()
        .filter(|r| !r.infra && (r.red() || r.green()))
        .map(RunOutcome::red)
        .collect();
    // Mark the reds that belong to a break.
    let mut keep = vec![true; seq.len()];
    let mut i = 0;
    while i < seq.len() {
        if seq[i] {
            let mut j = i;
            while j < seq.len() && seq[j] {
                j += 1;
            }
            if j - i >= BREAK_STREAK {
                keep[i..j].iter_mut().for_each(|k| *k = false);
            }
            i = j;
        } else {
            i += 1;
        }
    }
    let kept: Vec<bool> = seq
        .iter()
        .zip(&keep)
        .filter(|(_, k)| **k)
        .map(|(r, _)| *r)
        .collect();
    let red = kept.iter().filter(|r| **r).count();
    let flips = kept.windows(2).filter(|w| w[0] != w[1]).count();
    let rate = if kept.is_empty() {
        0.0
    } else {
        red as f64 / kept.len() as f64
    };
    (rate, flips as u32, kept.len() as u32)
}

/// The first red run after the last green one; `None` when the newest run
/// the test ran in is green, or it never ran red.
pub fn first_bad(runs: &[RunOutcome]) -> Option<FirstBad> {
    // An infrastructure run says nothing about the test: skipped.
    let ran: Vec<&RunOutcome> = runs
        .iter()
        .filter(|r| !r.infra && (r.red() || r.green()))
        .collect();
    let last_good = ran.iter().rposition(|r| r.green());
    let first_red = match last_good {
        Some(g) => g + 1,
        None => 0,
    };
    let bad = ran.get(first_red)?;
    let good = last_good.map(|g| ran[g]);
    Some(FirstBad {
        run_id: bad.run_id.clone(),
        version: bad.version.clone(),
        git_ref: bad.git_ref.clone(),
        last_good_run: good.map(|g| g.run_id.clone()),
        last_good_version: good.and_then(|g| g.version.clone()),
        last_good_ref: good.and_then(|g| g.git_ref.clone()),
        // Everything after the last green is red by construction.
        red_since: true,
    })
}

/// What a test's runs add up to.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Counts {
    pub red: u32,
    pub total: u32,
    /// Red in a run that overlapped others or was a sweep run.
    pub red_under_load: u32,
    /// Red in an isolation run. A run of unknown span is neither.
    pub red_alone: u32,
    pub green_alone: u32,
    pub isolation_runs: u32,
    /// Runs where every test was red (left out of everything above).
    pub infra_runs: u32,
}

/// Counts over the runs where the test ran; infrastructure runs are
/// counted apart, in `infra_runs` only.
pub fn counts(runs: &[RunOutcome]) -> Counts {
    let mut c = Counts::default();
    for r in runs.iter().filter(|r| r.red() || r.green()) {
        if r.infra {
            c.infra_runs += 1;
            continue;
        }
        c.total += 1;
        if r.isolation {
            c.isolation_runs += 1;
        }
        if r.red() {
            c.red += 1;
            if r.isolation {
                c.red_alone += 1;
            } else if r.loaded {
                c.red_under_load += 1;
            }
        } else if r.isolation {
            c.green_alone += 1;
        }
    }
    c
}

/// One sentence for a verdict's evidence, e.g. "red in 4 of the last 30
/// runs, all under load; green in all 6 isolation runs", or "red in every
/// run since version 2.1.9+10.11.15 (run 753)".
pub fn summary(c: &Counts, first_bad: Option<&FirstBad>) -> String {
    if c.total == 0 {
        return match c.infra_runs {
            0 => "never ran".to_string(),
            n => format!("ran only in {n} infrastructure runs (every test red)"),
        };
    }
    let mut parts = Vec::new();
    match first_bad {
        // Red ever since a change: that is the headline.
        Some(fb) if fb.last_good_run.is_some() && c.red > 0 => {
            let since = match &fb.version {
                Some(v) => format!("version {v} (run {})", fb.run_id),
                None => format!("run {}", fb.run_id),
            };
            let mut s = format!("red in every run since {since}");
            if let Some(change) = fb.change() {
                s.push_str(&format!(", after {change}"));
            }
            parts.push(s);
            parts.push(format!("red in {} of the last {} runs", c.red, c.total));
        }
        _ if c.red == c.total && c.total == 1 => parts.push("red in its one run".to_string()),
        _ if c.red == c.total => parts.push(format!("red in all {} runs", c.total)),
        _ if c.red == 0 => parts.push(format!("green in all {} runs", c.total)),
        _ => {
            let mut s = format!("red in {} of the last {} runs", c.red, c.total);
            if c.red_under_load == c.red {
                s.push_str(", all under load");
            } else if c.red_alone == c.red {
                s.push_str(", all in isolation");
            } else {
                s.push_str(&format!(
                    ", {} under load, {} alone",
                    c.red_under_load, c.red_alone
                ));
            }
            parts.push(s);
        }
    }
    if c.red > 0 {
        if c.isolation_runs == 0 {
            parts.push("no isolation run".to_string());
        } else if c.isolation_runs == 1 {
            let word = if c.green_alone == 1 { "green" } else { "red" };
            parts.push(format!("{word} in the one isolation run"));
        } else if c.green_alone == c.isolation_runs {
            parts.push(format!("green in all {} isolation runs", c.isolation_runs));
        } else if c.green_alone == 0 {
            parts.push(format!("red in all {} isolation runs", c.isolation_runs));
        } else {
            parts.push(format!(
                "green in {} of {} isolation runs",
                c.green_alone, c.isolation_runs
            ));
        }
    }
    if c.infra_runs > 0 {
        let s = if c.infra_runs == 1 { "" } else { "s" };
        parts.push(format!("{} infrastructure run{s} left out", c.infra_runs));
    }
    parts.join("; ")
}

/// A failure message with its variable parts made equal: every word (a
/// run of letters, digits and `_`) made only of hex digits and holding at
/// least one decimal digit (a port, an address part, a container id, a
/// random domain suffix) becomes `#`. Two recipes hitting the same
/// registry error then give one key.
pub fn normalise(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let numeric =
            word.chars().all(|c| c.is_ascii_hexdigit()) && word.chars().any(|c| c.is_ascii_digit());
        if numeric {
            out.push('#');
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in message.chars() {
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out.trim().to_string()
}

/// What the same test (or tier) of `failure` did in `run`: `Some(red)`,
/// or `None` when `run` says nothing about it (the test did not run
/// there, the tier is unknown or was skipped on purpose).
pub fn outcome_in(failure: &Failure, run: &Run) -> Option<bool> {
    if let Some(test) = &failure.test {
        let t = run.tests.iter().find(|t| &t.id == test)?;
        return match t.outcome {
            Outcome::Skip => None,
            o => Some(o.is_red()),
        };
    }
    match failure.tier {
        Tier::Run => None,
        Tier::Promote => {
            // A run of the same version whose own output shows the promote
            // failing (or its warm domain getting no answer).
            let red = run.signals.iter().any(|s| {
                s.role == crate::model::Role::PromoteFailed
                    || (s.role == crate::model::Role::NoAnswer && s.capture("warm").is_some())
            });
            red.then_some(true)
        }
        tier => match run.tier(tier)? {
            TierStatus::Skip => None,
            st => Some(st.is_red()),
        },
    }
}

/// A run that ended without an answer about the recipe: it died with no
/// results.json (any non-zero end but a red one, or no end at all), timed
/// out (142) or was cancelled (143). Whatever its tests did before, it
/// reproduces nothing, red or green: the same test as [`crate::failures`]
/// makes a failure of the run's end.
pub fn died(run: &Run) -> bool {
    crate::failures::cut_off(run)
}

/// Every test of the run was red, with enough tests for that to say
/// something: an infrastructure run.
fn infra(run: &Run) -> bool {
    let n = run
        .tests
        .iter()
        .filter(|t| t.outcome != Outcome::Skip)
        .count();
    n >= 2
        && run
            .tests
            .iter()
            .filter(|t| t.outcome != Outcome::Skip)
            .all(|t| t.outcome.is_red())
}

/// A test's history in one recipe: the evidence `verdict` cites and what
/// `ccci-triage history` prints.
#[derive(Clone, Debug, Serialize)]
pub struct TestHistory {
    pub recipe: String,
    pub test: String,
    /// Every run of the recipe, oldest first, with the test's outcome.
    pub runs: Vec<RunOutcome>,
    /// `.`/`F`/`E`/`s`/`-`/`x` per run, oldest first (see [`strip`]).
    pub strip: String,
    pub counts: Counts,
    /// TestGrid flakiness: red runs over counted runs, infrastructure runs
    /// and breaks (3+ consecutive reds) left out.
    pub flip_rate: f64,
    pub flips: u32,
    pub counted: u32,
    pub first_bad: Option<FirstBad>,
}

impl TestHistory {
    /// One sentence: "red in 4 of the last 30 runs, all under load; green
    /// in all 6 isolation runs" or "red in every run since version X".
    pub fn summary(&self) -> String {
        summary(&self.counts, self.first_bad.as_ref())
    }

    /// The last `n` runs (newest last).
    pub fn last(&self, n: usize) -> &[RunOutcome] {
        &self.runs[self.runs.len().saturating_sub(n)..]
    }
}

/// The history of `test` over `runs` (one recipe's runs, in time order).
pub fn test_history(recipe: &str, test: &str, runs: &[&Run]) -> TestHistory {
    let outcomes: Vec<RunOutcome> = runs
        .iter()
        .map(|r| {
            let t = r
                .tests
                .iter()
                .filter(|t| t.id == test)
                .max_by_key(|t| t.outcome.is_red());
            RunOutcome {
                run_id: r.id.clone(),
                version: r.version.clone(),
                git_ref: r.git_ref.clone(),
                time: r.span.key().map(|t| t.to_string()),
                outcome: t.map(|t| t.outcome),
                loaded: r.is_loaded(),
                // A run that died proves nothing alone, red or green.
                isolation: r.is_isolation() && !died(r),
                infra: infra(r),
                message: t
                    .filter(|t| t.outcome.is_red())
                    .and_then(|t| t.message.clone()),
                reruns: t.map(|t| t.reruns).unwrap_or(0),
            }
        })
        .collect();
    let (flip_rate, flips, counted) = flip_rate(&outcomes);
    TestHistory {
        recipe: recipe.to_string(),
        test: test.to_string(),
        strip: strip(&outcomes),
        counts: counts(&outcomes),
        first_bad: first_bad(&outcomes),
        runs: outcomes,
        flip_rate,
        flips,
        counted,
    }
}

/// The tests of `runs` (one recipe's), sorted; `red_only` keeps those red
/// at least once outside an infrastructure run.
pub fn tests_of(runs: &[&Run], red_only: bool) -> Vec<String> {
    let mut out: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    for r in runs {
        let inf = infra(r);
        for t in &r.tests {
            if !red_only || (t.outcome.is_red() && !inf) {
                out.insert(t.id.clone());
            }
        }
    }
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seq(s: &str) -> Vec<RunOutcome> {
        s.chars()
            .enumerate()
            .map(|(i, c)| RunOutcome {
                run_id: format!("r{i}"),
                version: Some(format!("v{}", i / 4)),
                git_ref: None,
                time: None,
                outcome: match c {
                    '.' => Some(Outcome::Pass),
                    'F' | 'x' => Some(Outcome::Fail),
                    's' => Some(Outcome::Skip),
                    _ => None,
                },
                loaded: true,
                isolation: false,
                infra: c == 'x',
                message: None,
                reruns: 0,
            })
            .collect()
    }

    #[test]
    fn three_consecutive_reds_are_a_break_not_flakiness() {
        let (rate, flips, n) = flip_rate(&seq("..FFF...."));
        assert_eq!((rate, flips, n), (0.0, 0, 6));
        let (rate, flips, n) = flip_rate(&seq("..FF....."));
        assert_eq!(n, 9);
        assert_eq!(flips, 2);
        assert!((rate - 2.0 / 9.0).abs() < 1e-9);
    }

    #[test]
    fn infrastructure_runs_and_non_runs_are_excluded() {
        let (rate, flips, n) = flip_rate(&seq(".x.-.s.F"));
        assert_eq!(n, 5);
        assert_eq!(flips, 1);
        assert!((rate - 0.2).abs() < 1e-9);
        // An infra run does not join two reds into a break.
        let (_, _, n) = flip_rate(&seq(".FxF.F."));
        assert_eq!(n, 6);
    }

    #[test]
    fn strip_marks_each_outcome() {
        assert_eq!(strip(&seq(".Fx-s")), ".Fx-s");
    }

    #[test]
    fn first_bad_is_after_the_last_green() {
        let runs = seq(".F..F...FFFF");
        let fb = first_bad(&runs).unwrap();
        assert_eq!(fb.run_id, "r8");
        assert_eq!(fb.last_good_run.as_deref(), Some("r7"));
        assert_eq!(fb.change().as_deref(), Some("v1 → v2"));
        assert!(first_bad(&seq("..F.")).is_none());
        assert_eq!(first_bad(&seq("-FF")).unwrap().last_good_run, None);
    }

    #[test]
    fn summary_says_load_and_isolation() {
        let mut runs = seq("..F..F......");
        for r in runs.iter_mut().skip(8) {
            r.isolation = true;
            r.loaded = false;
        }
        let c = counts(&runs);
        assert_eq!(
            summary(&c, first_bad(&runs).as_ref()),
            "red in 2 of the last 12 runs, all under load; green in all 4 isolation runs"
        );
    }

    #[test]
    fn normalise_makes_numbers_and_hex_equal() {
        assert_eq!(
            normalise("dial tcp 10.0.3.4:443: i/o timeout after 30s"),
            normalise("dial tcp 10.0.9.17:443: i/o timeout after 30s")
        );
        assert_eq!(
            normalise("container 7ae7b0f7c2 exited"),
            "container # exited"
        );
        // Words keep their letters; only standalone numbers go.
        assert_eq!(normalise("deadbeef test_abc1"), "deadbeef test_abc1");
        assert_eq!(normalise("gite-e1cb78.ci"), "gite-#.ci");
    }
}
