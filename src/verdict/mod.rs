//! The verdict: one class per failure, decided from its facts alone.
//!
//! Read [`ladder`] first: the order of the rungs and why. Each rung is one
//! file (`cut_off.rs`, `harness.rs`, …): its doc says what decides its
//! class and what never does, and its table tests show both. A rung sees a
//! [`case::Case`] (the failure and its facts, asked by kind and role) and
//! answers a [`Look`]: it decides, it passes (saying what it saw, and when
//! a fact excludes its class, which), or it skips (its input is missing).
//! `ruled_out` is made of those passes: no class is decided twice.
//!
//! Confidence is honest: `confirmed` only on a decisive fact (a
//! reproduction, a probe, a git check, an exit status that is what it
//! says), `likely` for agreeing signs, `suspected` for one. A wrong
//! `confirmed` is the worst output the tool can print; `unknown` with a
//! good next step beats a guess.
//!
//! This module imports nothing but the model.

mod alone;
mod backup;
mod case;
mod cut_off;
mod deploy;
mod flake;
mod harness;
pub mod ladder;
mod lint;
mod notes;
mod routing;
mod stale;
mod unknown;
pub mod words;

#[cfg(test)]
mod kit;

use crate::model::{
    Class, Confidence, Evidence, Fact, Failure, RuledOut, Rung, RungTrace, Step, Verdict,
};

use case::Case;

/// What a rung found.
pub enum Look {
    /// It decides.
    Decides(Decision),
    /// It looked and found nothing that decides: what it saw, and the fact
    /// that excludes its class, when there is one.
    Passes {
        saw: String,
        excludes: Option<String>,
    },
    /// Its input is missing.
    Skips(String),
}

impl Look {
    fn pass(saw: impl Into<String>) -> Look {
        Look::Passes {
            saw: saw.into(),
            excludes: None,
        }
    }

    fn exclude(saw: impl Into<String>) -> Look {
        let saw = saw.into();
        Look::Passes {
            excludes: Some(saw.clone()),
            saw,
        }
    }
}

/// A decision before the ladder adds `ruled_out`, the trail and the
/// reproducibility.
pub struct Decision {
    pub class: Class,
    pub confidence: Confidence,
    pub cause: String,
    pub rule: Option<String>,
    pub evidence: Vec<Evidence>,
    pub fix: String,
    pub next: String,
    /// Classes the deciding facts themselves exclude, and why.
    pub excludes: Vec<(Class, String)>,
}

/// Decides one failure from its facts.
pub fn decide(failure: &Failure, facts: &[Fact]) -> Verdict {
    let case = Case::new(failure, facts);
    let mut trail = Vec::new();
    let mut decided: Option<(Rung, Decision)> = None;
    let mut excluded: Vec<(Class, String)> = Vec::new();
    for (rung, class, look) in ladder::LADDER {
        match look(&case) {
            Look::Decides(d) if decided.is_none() => {
                trail.push(RungTrace {
                    rung: *rung,
                    step: Step::Decided,
                    note: format!("{} ({})", d.class, d.confidence),
                });
                decided = Some((*rung, d));
            }
            Look::Decides(d) => trail.push(RungTrace {
                rung: *rung,
                step: Step::NotReached,
                note: format!(
                    "would say {} ({}): {}",
                    d.class,
                    d.confidence,
                    words::short(&d.cause, 120)
                ),
            }),
            Look::Passes { saw, excludes } => {
                if let Some(why) = excludes {
                    excluded.push((*class, why));
                }
                trail.push(RungTrace {
                    rung: *rung,
                    step: Step::Passed,
                    note: saw,
                });
            }
            Look::Skips(why) => trail.push(RungTrace {
                rung: *rung,
                step: Step::Skipped,
                note: why,
            }),
        }
    }
    let (rung, mut d) = decided.unwrap_or_else(|| (Rung::Unknown, unknown::decide(&case)));
    trail.push(RungTrace {
        rung: Rung::Unknown,
        step: if rung == Rung::Unknown {
            Step::Decided
        } else {
            Step::NotReached
        },
        note: String::new(),
    });
    // One cause across a sweep (a registry limit, a full disk) is one
    // finding: each failure it explains names the recipes it hit, so the
    // operator fixes the node once.
    let shared: Vec<_> = case.shared().collect();
    let signature = shared
        .iter()
        .find(|(_, key, _)| key.starts_with("signature") && d.class == Class::Harness);
    match signature {
        // One node problem: said once, with the recipes it hit.
        Some((fact, key, recipes)) => {
            d.cause.push_str(&format!(
                " One shared cause across the sweep: the same {key} hit {} recipes ({}).",
                recipes.len(),
                recipes.join(", ")
            ));
            d.evidence.push(fact.evidence());
        }
        None => {
            for (fact, key, recipes) in shared.iter().filter(|(_, k, _)| k.starts_with("message")) {
                d.cause.push_str(&format!(
                    " One shared cause across the sweep? The same {key} hit {} recipes ({}).",
                    recipes.len(),
                    recipes.join(", ")
                ));
                d.evidence.push(fact.evidence());
            }
        }
    }
    if let Some(h) = case.history() {
        d.evidence.push(h.evidence());
    }
    excluded.append(&mut d.excludes);
    let ruled_out = ruled_out(d.class, excluded);
    let diff = case.proposal_for(d.rule.as_deref()).map(str::to_string);
    Verdict {
        class: d.class,
        confidence: d.confidence,
        cause: d.cause,
        rule: d.rule,
        evidence: dedup(d.evidence),
        ruled_out,
        fix: d.fix,
        next: d.next,
        rung,
        reproducibility: reproducibility(&case),
        diff,
        trail,
    }
}

/// One reason per class other than the chosen one (and unknown), the
/// first given.
fn ruled_out(chosen: Class, excluded: Vec<(Class, String)>) -> Vec<RuledOut> {
    let mut out: Vec<RuledOut> = Vec::new();
    for (class, why) in excluded {
        if class == chosen || class == Class::Unknown || out.iter().any(|r| r.class == class) {
            continue;
        }
        out.push(RuledOut { class, why });
    }
    out.sort_by_key(|r| Class::ALL.iter().position(|c| *c == r.class));
    out
}

fn dedup(mut ev: Vec<Evidence>) -> Vec<Evidence> {
    let mut seen = std::collections::HashSet::new();
    ev.retain(|e| seen.insert((e.source.clone(), e.text.clone())));
    ev
}

/// Red or green alone and under load, across the runs of the same recipe
/// and version: the journal's "how reproducible is it".
fn reproducibility(case: &Case) -> String {
    let red_alone = case.red_alone();
    let mut red_loaded: Vec<&str> = case.red_loaded().iter().map(|s| s.run_id).collect();
    if case.loaded() && !case.isolation() {
        red_loaded.insert(0, &case.f.run_id);
    }
    let green: Vec<&str> = case.green_alone().iter().map(|s| s.run_id).collect();
    let runs = |n: usize, kind: &str| words::plural(n, &format!("{kind}run"));
    let mut parts = Vec::new();
    if !red_alone.is_empty() {
        parts.push(format!(
            "red alone in {} ({})",
            runs(red_alone.len(), "isolation "),
            words::abbreviate(&red_alone, 4)
        ));
    }
    if !red_loaded.is_empty() {
        parts.push(format!(
            "red under load in {} ({})",
            runs(red_loaded.len(), ""),
            words::abbreviate(&red_loaded, 4)
        ));
    }
    if !green.is_empty() {
        let firm = if green.len() >= 2 {
            ": reproducibly green in isolation"
        } else {
            ": one more would make it reproducible"
        };
        parts.push(format!(
            "green alone in {} ({}){firm}",
            runs(green.len(), "isolation "),
            words::abbreviate(&green, 4)
        ));
    }
    if case.canonical_since().is_some() {
        parts.push("a canonical was written at this version since".into());
    }
    if red_alone.len() == 1 && red_loaded.is_empty() && green.is_empty() {
        parts.push("not reproduced a second time yet".into());
    }
    if parts.is_empty() {
        return "no other run of this recipe and version to compare with".into();
    }
    parts.join("; ")
}
