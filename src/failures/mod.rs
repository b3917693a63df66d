//! Failures: every red thing in a run, none missed and none invented.
//!
//! A failure is one of (shared/spec/verdicts.md, interface.md):
//! - a failed or errored test case (all JUnit records of it grouped);
//! - a red tier with no failing test case to blame;
//! - an `unver` rung (should have run and did not) and a failed lint;
//! - a failed WC5 promote, from the sweep log (whatever its label says) or
//!   the run's own output;
//! - a run that did not end normally: timed out (rc 142, the harness's
//!   deadline), cancelled (rc 143), or died early (any other non-zero end,
//!   or no end at all, with no results.json);
//! - a sweep entry that went red with no run directory to read.
//!
//! Never: passing tests, skipped tests, EXPECTED_NA tiers, green runs,
//! `deps-not-ready:` skips. Failures are listed once per (run, recipe,
//! tier, test).

use std::collections::BTreeSet;

use crate::model::{
    Evidence, Failure, Loc, Role, Run, Signal, Sweep, SweepEntry, SweepOutcome, TestSource, Tier,
};

/// The exit status of a run the harness's deadline stopped.
pub const RC_DEADLINE: i32 = 142;
/// The exit status of a cancelled run.
pub const RC_CANCELLED: i32 = 143;
/// The exit status of a run that ended red: a tier failed. A normal end.
pub const RC_RED: i32 = 7;

/// Roles whose line, on its own, explains a red tier.
const TELLING: [Role; 7] = [
    Role::Harness,
    Role::DeployTimeout,
    Role::DeployFailed,
    Role::Rollback,
    Role::NoAnswer,
    Role::UpstreamRefused,
    Role::DataLost,
];

/// Keeps failures unique per (run, recipe, tier, test).
#[derive(Default)]
pub struct Collector {
    seen: BTreeSet<(String, Option<String>, Tier, Option<String>)>,
    pub failures: Vec<Failure>,
}

impl Collector {
    pub fn push(&mut self, f: Failure) {
        if self.seen.insert(f.key()) {
            self.failures.push(f);
        }
    }

    pub fn extend(&mut self, fs: impl IntoIterator<Item = Failure>) {
        for f in fs {
            self.push(f);
        }
    }
}

fn base(run: &Run, tier: Tier, message: String, loc: Loc) -> Failure {
    Failure {
        run_id: run.id.clone(),
        recipe: run.recipe.clone(),
        tag: run.version.clone(),
        tier,
        test: None,
        source: TestSource::Unknown,
        message,
        detail: None,
        reruns: 0,
        lines: Vec::new(),
        loc,
    }
}

/// The failures of one run.
pub fn of_run(run: &Run) -> Vec<Failure> {
    let mut out: Vec<Failure> = Vec::new();
    let red_tiers: Vec<(Tier, Loc)> = run
        .tiers
        .iter()
        .filter(|(t, r)| {
            Tier::TESTED.contains(t)
                && r.status.is_red()
                && r.status != crate::model::TierStatus::Unver
                && !run.expected_na.contains_key(t)
        })
        .map(|(t, r)| (*t, r.origin.clone()))
        .collect();
    let tier_fail_line = |tier: Tier| {
        run.signals.iter().find(|s| {
            s.role == Role::TierFailed && s.capture("tier").and_then(Tier::parse) == Some(tier)
        })
    };

    // 1. Red test cases.
    for t in run.tests.iter().filter(|t| t.outcome.is_red()) {
        let tier = t.tier.unwrap_or(match red_tiers.as_slice() {
            [(only, _)] => *only,
            _ => Tier::Run,
        });
        if run.expected_na.contains_key(&tier) {
            continue;
        }
        let message = t
            .message
            .clone()
            .unwrap_or_else(|| format!("{} ({}) with no message", t.name, t.outcome));
        let mut f = base(run, tier, message.clone(), t.loc.clone());
        f.test = Some(t.id.clone());
        f.source = t.source;
        f.detail = t.detail.clone();
        f.reruns = t.reruns;
        if let Some(s) = tier_fail_line(tier) {
            f.lines.push(s.evidence());
        }
        out.push(f);
    }

    // 2. Red tiers with no red test to blame.
    for (tier, origin) in &red_tiers {
        if out.iter().any(|f| f.tier == *tier) {
            continue;
        }
        let fail_line = tier_fail_line(*tier);
        let telling = run.signals.iter().find(|s| TELLING.contains(&s.role));
        let message = match (telling, fail_line.and_then(|s| s.capture("reason"))) {
            (Some(s), _) => format!("{tier} failed: {}", s.message()),
            (None, Some(reason)) => format!("{tier} failed: {reason}"),
            (None, None) => format!("{tier} failed with no failing test case"),
        };
        let loc = fail_line
            .or(telling)
            .map(|s| s.loc.clone())
            .unwrap_or_else(|| origin.clone());
        let mut f = base(run, *tier, message, loc);
        f.lines
            .push(Evidence::at(origin, format!("{tier}: failed")));
        if let Some(s) = fail_line {
            f.lines.push(s.evidence());
        }
        if let Some(s) = telling {
            f.lines.push(s.evidence());
        }
        out.push(f);
    }

    // 3. A promote the run's own output shows failing.
    if let Some(s) = run.signals.iter().find(|s| s.role == Role::PromoteFailed) {
        let reason = s.capture("reason").unwrap_or(s.message()).to_string();
        let mut f = base(run, Tier::Promote, reason, s.loc.clone());
        f.lines.push(s.evidence());
        out.push(f);
    }

    // 4. Rungs that should have run and did not. After another failure
    // they are its consequence (the run stopped there): cited with it, not
    // listed again. Alone, each is a failure.
    if let Some(rec) = &run.record {
        let loc = Loc::new(&rec.path, None);
        if !run.unver.is_empty() {
            match out.first_mut() {
                Some(first) => first.lines.push(Evidence::at(
                    &loc,
                    format!(
                        "rungs {} = \"unver\": did not run after this failure",
                        run.unver.join(", ")
                    ),
                )),
                None => {
                    for rung in &run.unver {
                        let tier = Tier::parse(rung).unwrap_or(Tier::Run);
                        let mut f = base(
                            run,
                            tier,
                            format!("rung `{rung}` should have run and did not (unver)"),
                            loc.clone(),
                        );
                        f.lines
                            .push(Evidence::at(&loc, format!("rungs.{rung} = \"unver\"")));
                        if !out.iter().any(|x| x.tier == tier) {
                            out.push(f);
                        }
                    }
                }
            }
        }
        if !run.lint_failed.is_empty() {
            let mut f = base(
                run,
                Tier::Lint,
                format!("abra recipe lint failed: {}", run.lint_failed.join(", ")),
                loc.clone(),
            );
            f.lines.push(Evidence::at(
                &loc,
                format!("lint.rules_failed = {:?}", run.lint_failed),
            ));
            out.push(f);
        }
    }

    // 5. A run that did not end normally.
    if let Some(f) = ending(run) {
        out.push(f);
    }
    out
}

/// The run did not end normally: it timed out, was cancelled, or died
/// early (any other non-zero end but a red one, or no end at all, with no
/// results.json). Such a run proves nothing about the recipe, red or green.
pub fn cut_off(run: &Run) -> bool {
    match run.end.rc {
        Some(RC_DEADLINE | RC_CANCELLED) => true,
        Some(rc) => rc != 0 && rc != RC_RED && run.record.is_none(),
        None => run.record.is_none() && !run.end.closed && died_early(run),
    }
}

/// The failure of a run that timed out, was cancelled or died early.
fn ending(run: &Run) -> Option<Failure> {
    if !cut_off(run) {
        return None;
    }
    let last = run.console.as_ref().and_then(|c| {
        c.last_recognised
            .as_ref()
            .map(|(n, t)| (Loc::new(&c.path, Some(*n)), t.clone()))
    });
    let rc_loc = run
        .end
        .rc_at
        .clone()
        .unwrap_or_else(|| Loc::new(&run.path, None));
    let (message, loc) = match run.end.rc {
        Some(RC_DEADLINE) => (
            format!("the run timed out: the harness's 3600 s deadline fired (rc={RC_DEADLINE})"),
            rc_loc.clone(),
        ),
        Some(RC_CANCELLED) => (
            format!("the run was cancelled (rc={RC_CANCELLED}, SIGTERM)"),
            rc_loc.clone(),
        ),
        Some(rc) => (
            match &last {
                Some((_, t)) => format!("the run died (rc={rc}) with no results.json; last: {t}"),
                None => format!("the run died (rc={rc}) with no results.json"),
            },
            rc_loc.clone(),
        ),
        None => (
            match &last {
                Some((_, t)) => {
                    format!("the run ended without results.json or a closing line; last: {t}")
                }
                None => "the run ended without results.json or a closing line".to_string(),
            },
            last.as_ref()
                .map(|(l, _)| l.clone())
                .unwrap_or_else(|| Loc::new(&run.path, None)),
        ),
    };
    let mut f = base(run, Tier::Run, message, loc);
    if let Some(at) = &run.end.rc_at {
        f.lines.push(Evidence::at(
            at,
            format!("rc={}", run.end.rc.unwrap_or_default()),
        ));
    }
    if let Some((l, t)) = &last {
        f.lines.push(Evidence::at(l, t.clone()));
    }
    for j in &run.junit {
        if let Some(why) = &j.truncated
            && run.record.is_none()
            && !run.end.closed
        {
            f.lines
                .push(Evidence::new(j.path.display().to_string(), why.clone()));
        }
    }
    Some(f)
}

/// A run with no results.json and no closing line, whose files show it
/// stopped: a console that was read, or a JUnit file cut mid-write.
fn died_early(run: &Run) -> bool {
    run.console.is_some() || run.junit.iter().any(|j| j.truncated.is_some())
}

/// The failures a sweep log shows: failed promotes, and red entries with
/// no run directory to read. `run_of` finds a placed run.
pub fn of_sweep<'a>(sweep: &Sweep, run_of: impl Fn(&str) -> Option<&'a Run>) -> Vec<Failure> {
    let mut out = Vec::new();
    for e in &sweep.entries {
        let run = e.run.as_deref().and_then(&run_of);
        if let Some(p) = &e.promote {
            out.push(promote_failure(e, p, run));
        } else if let SweepOutcome::PromoteFailed { .. } = e.outcome {
            // The label says so but no `WC5 promote failed` line was kept.
            let mut f = entry_failure(
                e,
                run,
                Tier::Promote,
                "the WC5 promote failed (the sweep's label)".into(),
            );
            f.lines.push(Evidence::at(&e.loc, e.text.clone()));
            out.push(f);
        }
        let red = matches!(e.outcome, SweepOutcome::Red) || e.rc.is_some_and(|rc| rc != 0);
        if red && run.is_none() {
            let rc = e.rc.unwrap_or_default();
            let message = match rc {
                RC_DEADLINE => format!(
                    "the run timed out: the harness's 3600 s deadline fired (rc={RC_DEADLINE}); no run directory was placed"
                ),
                RC_CANCELLED => format!(
                    "the run was cancelled (rc={RC_CANCELLED}); no run directory was placed"
                ),
                _ => format!(
                    "the sweep reports rc={rc}{}; no run directory was placed for it",
                    e.label
                        .as_deref()
                        .map(|l| format!(" ({l})"))
                        .unwrap_or_default()
                ),
            };
            let mut f = entry_failure(e, None, Tier::Run, message);
            f.lines.push(Evidence::at(&e.loc, e.text.clone()));
            out.push(f);
        }
    }
    out
}

fn entry_failure(e: &SweepEntry, run: Option<&Run>, tier: Tier, message: String) -> Failure {
    Failure {
        run_id: e.run_key(),
        recipe: Some(e.recipe.clone()),
        tag: run
            .and_then(|r| r.version.clone())
            .or_else(|| e.version.clone()),
        tier,
        test: None,
        source: TestSource::Unknown,
        message,
        detail: None,
        reruns: 0,
        lines: Vec::new(),
        loc: e.loc.clone(),
    }
}

fn promote_failure(e: &SweepEntry, p: &crate::model::Promote, run: Option<&Run>) -> Failure {
    let mut f = entry_failure(e, run, Tier::Promote, p.reason.clone());
    f.loc = p.loc.clone();
    f.lines.push(Evidence::at(&p.loc, p.text.clone()));
    // The lines after it say why (a pull rate limit there is harness).
    let after: Vec<&Signal> = e
        .signals
        .iter()
        .filter(|s| s.loc.line > p.loc.line && s.role.is_trouble() && s.role != Role::PromoteFailed)
        .take(3)
        .collect();
    for s in after {
        f.lines.push(s.evidence());
    }
    // The label is untrusted (older sweeps said PASS even when the promote
    // failed): cite it as such.
    if let Some(label) = &e.label {
        if label.starts_with("PASS") {
            f.lines.push(Evidence::at(
                &e.loc,
                format!("{label}   (the sweep's label; older sweeps print it even when the promote failed)"),
            ));
        } else {
            f.lines.push(Evidence::at(&e.loc, e.text.clone()));
        }
    }
    f
}

#[cfg(test)]
mod tests;
