//! Failures: every red thing in a run, none missed and none invented.
//!
//! A failure is one of (shared/spec/verdicts.md, interface.md):
//! - a failed or errored test case (all JUnit records of it grouped);
//! - a failed tier with no failing test case to blame (from results.json,
//!   the console's `RESULT:` line or a `tier: X FAIL` event);
//! - an `unver` rung (should have run and did not) and a failed lint;
//! - a failed WC5 promote from the sweep log, even when the sweep's label
//!   says `PASS (promoted)` (a known defect of the sweep);
//! - a run cut off: no results.json and no `end` line, a truncated JUnit
//!   file, or an exit status of 142/143.
//!
//! Never: passing tests, skipped tests, EXPECTED_NA tiers, green runs.
//! Failures are listed once per (run, recipe, tier, test).

use std::collections::BTreeSet;

use crate::ingest::Ingested;
use crate::model::{Evidence, Failure, Loc, Run, Signal, TestSource, Tier, TierStatus};
use crate::rules::{RuleSet, ids};

/// Exit statuses of a killed run: 142 (SIGALRM, a timeout) and 143
/// (SIGTERM), 137 (SIGKILL).
const KILLED: [i32; 3] = [137, 142, 143];

/// Every failure of the target runs, then the sweep's promote failures.
pub fn collect(ingested: &Ingested, rules: &RuleSet) -> Vec<Failure> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let mut push = |f: Failure, out: &mut Vec<Failure>| {
        let key = (f.run_id.clone(), f.recipe.clone(), f.tier, f.test.clone());
        if seen.insert(key) {
            out.push(f);
        }
    };
    for run in ingested
        .runs
        .iter()
        .filter(|r| ingested.targets.contains(&r.id))
    {
        let signals = ingested
            .console_signals
            .get(&run.id)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        for f in of_run(run, signals, rules) {
            push(f, &mut out);
        }
    }
    if let Some(sweep) = &ingested.sweep {
        for entry in &sweep.entries {
            let run_id = entry
                .run_id
                .clone()
                .unwrap_or_else(|| format!("sweep:{}", entry.recipe));
            if let Some(ev) = &entry.promote_failed {
                let message = rules
                    .captures(ids::SWEEP_PROMOTE_FAILED, &ev.text)
                    .and_then(|c| c.get("reason").cloned())
                    .unwrap_or_else(|| ev.text.clone());
                let mut evidence = vec![ev.clone()];
                // The sweep's label is untrusted (it says PASS even when the
                // promote failed): cite it as such.
                if let Some((n, label)) = entry.lines.iter().find(|(_, l)| {
                    rules
                        .captures(ids::SWEEP_LABEL, l)
                        .is_some_and(|c| c.get("label").is_some_and(|v| v.starts_with("PASS")))
                }) {
                    evidence.push(Evidence::new(
                        format!("{}:{n}", sweep.path.display()),
                        format!("{label}   (the sweep's label; it is printed even when the promote failed)"),
                    ));
                }
                push(
                    Failure {
                        run_id: run_id.clone(),
                        recipe: Some(entry.recipe.clone()),
                        tag: entry.tag.clone(),
                        tier: Tier::Promote,
                        test: None,
                        source: TestSource::Unknown,
                        message,
                        detail: None,
                        reruns: 0,
                        evidence,
                        loc: Loc::new(
                            &sweep.path,
                            ev.source.rsplit(':').next().and_then(|n| n.parse().ok()),
                        ),
                    },
                    &mut out,
                );
            }
            // A sweep run the tool could not read: the sweep's word is all
            // there is.
            let have_run = entry
                .run_id
                .as_ref()
                .is_some_and(|id| ingested.run(id).is_some());
            let killed = entry.cold_rc.filter(|rc| KILLED.contains(rc));
            let failed_label = entry
                .label
                .as_deref()
                .is_some_and(|l| l.starts_with("FAIL"));
            if !have_run && (killed.is_some() || failed_label) {
                let (n, line) = entry.lines.last().cloned().unwrap_or((0, String::new()));
                let message = match killed {
                    Some(rc) => format!("cold run killed (rc={rc}); no run directory was read"),
                    None => "the sweep reports FAIL; no run directory was read".to_string(),
                };
                push(
                    Failure {
                        run_id,
                        recipe: Some(entry.recipe.clone()),
                        tag: entry.tag.clone(),
                        tier: Tier::Run,
                        test: None,
                        source: TestSource::Unknown,
                        message,
                        detail: None,
                        reruns: 0,
                        evidence: vec![Evidence::new(
                            format!("{}:{n}", sweep.path.display()),
                            line,
                        )],
                        loc: Loc::new(&sweep.path, Some(n)),
                    },
                    &mut out,
                );
            }
        }
    }
    out
}

/// The failures of one run.
pub fn of_run(run: &Run, signals: &[Signal], rules: &RuleSet) -> Vec<Failure> {
    let mut out: Vec<Failure> = Vec::new();
    let base = |tier: Tier, message: String, loc: Loc| Failure {
        run_id: run.id.clone(),
        recipe: run.recipe.clone(),
        tag: run.version.clone(),
        tier,
        test: None,
        source: TestSource::Unknown,
        message,
        detail: None,
        reruns: 0,
        evidence: Vec::new(),
        loc,
    };
    let red_tiers = red_tiers(run, signals);

    // 1. Red test cases.
    for t in run.tests().filter(|t| t.outcome.is_red()) {
        let tier = t.tier.unwrap_or(match red_tiers.as_slice() {
            [(only, _)] => *only,
            _ => Tier::Run,
        });
        if run.expected_na.contains_key(&tier) {
            continue;
        }
        let message = t.message.clone().unwrap_or_else(|| {
            format!("{} ({:?}) with no message", t.name, t.outcome).to_lowercase()
        });
        let mut f = base(tier, message.clone(), t.loc.clone());
        f.test = Some(t.id.clone());
        f.source = t.source;
        f.detail = t.detail.clone();
        f.reruns = t.reruns;
        f.evidence.push(Evidence::at(&t.loc, message));
        if let Some(s) = signals.iter().find(|s| {
            s.rule == ids::TIER_FAIL && s.capture("tier").and_then(Tier::parse) == Some(tier)
        }) {
            f.evidence.push(s.evidence());
        }
        out.push(f);
    }

    // 2. Red tiers with no red test to blame.
    for (tier, origin) in &red_tiers {
        if out.iter().any(|f| f.tier == *tier) || run.expected_na.contains_key(tier) {
            continue;
        }
        let fail_line = signals.iter().find(|s| {
            s.rule == ids::TIER_FAIL && s.capture("tier").and_then(Tier::parse) == Some(*tier)
        });
        // The most telling console line of the tier: a signature if one
        // fired, else the tier's FAIL line.
        let telling = signals.iter().find(|s| is_signature(&s.rule));
        let message = match telling {
            Some(s) => format!(
                "{tier} failed: {}",
                crate::ingest::log::message_of(&s.text, rules)
            ),
            None => format!("{tier} failed ({origin}) with no failing test case"),
        };
        let loc = fail_line
            .or(telling)
            .map(|s| s.loc.clone())
            .unwrap_or_else(|| Loc::new(run.path.join("results.json"), None));
        let mut f = base(*tier, message, loc);
        f.evidence
            .push(Evidence::new(origin.clone(), format!("{tier}: failed")));
        if let Some(s) = fail_line {
            f.evidence.push(s.evidence());
        }
        if let Some(s) = telling {
            f.evidence.push(s.evidence());
        }
        out.push(f);
    }

    // 2b. A promote the run's own console shows failing (an operator's
    // cold run followed by a WC5 promote).
    if let Some(s) = signals.iter().find(|s| s.rule == ids::PROMOTE_FAILED) {
        let mut f = base(
            Tier::Promote,
            s.capture("reason").unwrap_or(&s.text).to_string(),
            s.loc.clone(),
        );
        f.evidence.push(s.evidence());
        out.push(f);
    }

    // 3. Rungs that should have run and did not. After another failure
    // they are its consequence (the run stopped there): cited as evidence
    // of that failure, not listed again. Alone, each is a failure.
    if let Some(rec) = &run.record {
        let unver: Vec<&String> = rec
            .rungs
            .iter()
            .filter(|(_, st)| **st == TierStatus::Unver)
            .map(|(rung, _)| rung)
            .collect();
        let loc = Loc::new(&rec.path, None);
        if let (Some(first), false) = (out.first_mut(), unver.is_empty()) {
            let names: Vec<&str> = unver.iter().map(|s| s.as_str()).collect();
            first.evidence.push(Evidence::at(
                &loc,
                format!(
                    "rungs {} = \"unver\": did not run after this failure",
                    names.join(", ")
                ),
            ));
        } else {
            for rung in unver {
                let tier = Tier::parse(rung).unwrap_or(Tier::Run);
                if out.iter().any(|f| f.tier == tier) {
                    continue;
                }
                let mut f = base(
                    tier,
                    format!("rung `{rung}` should have run and did not (unver)"),
                    loc.clone(),
                );
                f.evidence
                    .push(Evidence::at(&loc, format!("rungs.{rung} = \"unver\"")));
                out.push(f);
            }
        }
        if !rec.lint_rules_failed.is_empty()
            && rec.results.get("lint").is_some_and(|s| s.is_red())
            && !out.iter().any(|f| f.tier == Tier::Lint)
        {
            let loc = Loc::new(&rec.path, None);
            let mut f = base(
                Tier::Lint,
                format!(
                    "abra recipe lint failed: {}",
                    rec.lint_rules_failed.join(", ")
                ),
                loc.clone(),
            );
            f.evidence.push(Evidence::at(
                &loc,
                format!("lint.rules_failed = {:?}", rec.lint_rules_failed),
            ));
            out.push(f);
        }
    }

    // 4. Cut off.
    let mut cut = Vec::new();
    if let Some(rc) = run.rc.filter(|rc| KILLED.contains(rc)) {
        let ev = signals
            .iter()
            .find(|s| s.rule == ids::HARNESS_KILLED)
            .map(Signal::evidence)
            .unwrap_or_else(|| Evidence::new(run.path.display().to_string(), format!("rc={rc}")));
        cut.push((format!("killed (rc={rc})"), ev));
    }
    if run.record.is_none() {
        if let Some(log) = &run.console {
            if !signals.iter().any(|s| s.rule == ids::RUN_END) {
                let last = log.events.last();
                let text = last
                    .map(|e| format!("last event: {} {}: {}", e.level, e.component, e.message))
                    .unwrap_or_else(|| "no events".into());
                let src = format!(
                    "{}:{}",
                    log.path.display(),
                    last.map(|e| e.line).unwrap_or(log.line_count)
                );
                cut.push((
                    "no results.json and no `end` line".to_string(),
                    Evidence::new(src, text),
                ));
            }
        }
    }
    // A damaged JUnit file in a run that ended normally is a warning, not
    // a cut-off: only without results.json and an `end` line does it mean
    // the run was killed mid-write.
    let ended = run.record.is_some() || signals.iter().any(|s| s.rule == ids::RUN_END);
    for j in run.junit.iter().filter(|_| !ended) {
        if let Some(why) = &j.truncated {
            cut.push((
                format!(
                    "{} {why}",
                    j.path.file_name().unwrap_or_default().to_string_lossy()
                ),
                Evidence::new(j.path.display().to_string(), why.clone()),
            ));
        }
    }
    if !cut.is_empty() && !out.iter().any(|f| f.tier == Tier::Run && f.test.is_none()) {
        let message = format!(
            "run cut off: {}",
            cut.iter()
                .map(|(m, _)| m.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        );
        let loc = Loc::new(&run.path, None);
        let mut f = base(Tier::Run, message, loc);
        f.evidence = cut.into_iter().map(|(_, e)| e).collect();
        out.push(f);
    }
    out
}

/// Tiers that failed, each with where that was read. EXPECTED_NA and skips
/// are not failures; `unver` is handled as a rung.
fn red_tiers(run: &Run, signals: &[Signal]) -> Vec<(Tier, String)> {
    let mut out: Vec<(Tier, String)> = Vec::new();
    let mut add = |t: Tier, origin: String| {
        if !out.iter().any(|(x, _)| *x == t) {
            out.push((t, origin));
        }
    };
    if let Some(rec) = &run.record {
        for (name, st) in &rec.results {
            if matches!(st, TierStatus::Fail | TierStatus::Error) {
                if let Some(t) = Tier::parse(name) {
                    if t != Tier::Lint {
                        add(t, format!("{}: results.{name}", rec.path.display()));
                    }
                }
            }
        }
    }
    for (t, st) in &run.console_results {
        if matches!(st, TierStatus::Fail | TierStatus::Error) {
            let src = signals
                .iter()
                .rev()
                .find(|s| s.rule == ids::RUN_RESULT)
                .map(|s| s.loc.to_string())
                .unwrap_or_default();
            add(*t, src);
        }
    }
    for s in signals.iter().filter(|s| s.rule == ids::TIER_FAIL) {
        if let Some(t) = s.capture("tier").and_then(Tier::parse) {
            add(t, s.loc.to_string());
        }
    }
    out.sort_by_key(|(t, _)| *t);
    out
}

/// Rules whose line, on its own, explains a failed tier.
fn is_signature(rule: &str) -> bool {
    rule.starts_with("harness.")
        || matches!(
            rule,
            ids::DEPLOY_TIMEOUT
                | ids::DEPLOY_FAILED
                | ids::UPGRADE_ROLLBACK
                | ids::HEALTH_NO_ANSWER
        )
}
