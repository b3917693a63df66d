//! Rung 8, `flake`: red under load, green alone.
//!
//! Decides **flake** for a run that shared the node (it overlapped other
//! runs, or ran inside a sweep):
//! - `confirmed` when the same recipe, version and test was green in an
//!   isolation run, or a canonical was written at this version after the
//!   red run (a green cold run happened since). With one green isolation
//!   run the cause says one more would make it reproducible; "reproducibly
//!   green in isolation" needs two;
//! - `likely` with a timing sign in the failure's own text (a timeout,
//!   retries exhausted, a 5xx while converging) in a test that already
//!   retries (or was rerun), `suspected` with the timing sign alone.
//!
//! Never: a failure red alone too (that rules flake out); a run that
//! overlapped nothing; the failure of a run that did not end normally; a red under load with no timing sign and nothing
//! run alone.

use crate::model::{Class, Confidence, Place, Role};

use super::case::Case;
use super::words::{abbreviate, history, plural, reproduce, reproduce_then, short};
use super::{Decision, Look};

pub fn look(c: &Case) -> Look {
    let f = c.f;
    if f.tier == crate::model::Tier::Run {
        return Look::exclude("the run did not end normally, so it says nothing about timing");
    }
    let alone = c.red_alone();
    if !alone.is_empty() {
        return Look::exclude(format!(
            "fails the same way alone, in run {} with no overlapping run",
            alone.join(", ")
        ));
    }
    if !c.loaded() {
        return Look::exclude("the run overlapped no other run");
    }
    let load = match c.overlapping() {
        [] => "(in the canon sweep)".to_string(),
        o => {
            let ids: Vec<&str> = o.iter().map(String::as_str).collect();
            format!("(overlapping {})", abbreviate(&ids, 4))
        }
    };
    let timing = c.sign_at(Role::Timing, &[Place::Message]);
    let greens = c.green_alone();
    let canonical = c.canonical_since();
    let subject = f.short_name();
    let mut evidence = vec![c.line()];
    if !greens.is_empty() || canonical.is_some() {
        let mut parts = Vec::new();
        if !greens.is_empty() {
            let ids: Vec<&str> = greens.iter().map(|s| s.run_id).collect();
            parts.push(if ids.len() >= 2 {
                format!(
                    "reproducibly green in isolation ({}: {})",
                    plural(ids.len(), "run"),
                    ids.join(", ")
                )
            } else {
                format!(
                    "green in 1 isolation run ({}); one more would make it reproducible",
                    ids[0]
                )
            });
            evidence.extend(greens.iter().map(|s| s.fact.evidence()));
        }
        if let Some(can) = canonical {
            parts.push(can.text.clone());
            evidence.push(can.evidence());
        }
        let timing_words = timing
            .map(|t| format!(" (`{}`)", short(&t.text, 90)))
            .unwrap_or_default();
        return Look::Decides(Decision {
            class: Class::Flake,
            confidence: Confidence::Confirmed,
            cause: format!(
                "{subject} red under load{timing_words} {load}; {}",
                parts.join("; ")
            ),
            rule: Some(
                timing
                    .and_then(|t| t.sign().map(|(r, ..)| r.to_string()))
                    .unwrap_or_else(|| "crossrun.green-alone".into()),
            ),
            evidence,
            fix: "harness: stabilise under load (a readiness gate before the tier, a longer or \
                  smarter retry, or serialise this recipe away from concurrent Drone builds); the \
                  recipe and the test are fine."
                .into(),
            next: if greens.len() >= 2 {
                history(f)
            } else {
                reproduce_then(f, "again, alone")
            },
            excludes: vec![
                (
                    Class::RecipeDefect,
                    "green alone on the same version: the recipe works".into(),
                ),
                (
                    Class::StaleOverlay,
                    "green alone on the same version: the test's expectation holds".into(),
                ),
            ],
        });
    }
    let Some(t) = timing else {
        return Look::pass(format!(
            "red under load {load}, but no timing sign and no isolation run"
        ));
    };
    evidence.push(t.evidence());
    let retried = f.reruns > 0 || c.sign(Role::Retried).is_some();
    let confidence = if retried {
        Confidence::Likely
    } else {
        Confidence::Suspected
    };
    Look::Decides(Decision {
        class: Class::Flake,
        confidence,
        cause: format!(
            "timing failure under load {load} (`{}`){}; {}, so not yet a confirmed flake",
            short(&t.text, 100),
            if retried {
                ", in a test that already retries"
            } else {
                ""
            },
            alone_yet(c)
        ),
        rule: t.sign().map(|(r, ..)| r.to_string()),
        evidence,
        fix: "harness: if it passes alone, stabilise the tier under load (readiness gate, longer retry).".into(),
        next: reproduce(f),
        excludes: vec![],
    })
}

/// Whether it ran alone: never, or only in reruns that did not end
/// normally (they prove nothing).
fn alone_yet(c: &Case) -> String {
    let dead: Vec<&str> = c
        .siblings()
        .into_iter()
        .filter(|s| s.alone && s.died)
        .map(|s| s.run_id)
        .collect();
    match dead.as_slice() {
        [] => "never run alone".to_string(),
        d => format!(
            "its isolation rerun(s) {} did not end normally and prove nothing",
            abbreviate(d, 4)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::super::kit::*;
    use super::*;
    use crate::model::Tier;

    #[test]
    fn green_alone_confirms_signs_suggest_alone_rules_out() {
        let f = failure(Tier::Custom, Some("t.py::test_handshake"));
        let timing = sign("message.timeout", Role::Timing, Place::Message);
        let retried = sign("message.retried", Role::Retried, Place::Message);
        let loaded = load(&["754"], false);
        let cases: Vec<(&str, Vec<crate::model::Fact>, Option<Confidence>, &str)> = vec![
            (
                "two green alone",
                vec![
                    loaded.clone(),
                    sibling("a", false, true),
                    sibling("b", false, true),
                ],
                Some(Confidence::Confirmed),
                "reproducibly green in isolation",
            ),
            (
                "one green alone",
                vec![loaded.clone(), sibling("a", false, true)],
                Some(Confidence::Confirmed),
                "one more would make it reproducible",
            ),
            (
                "canonical since",
                vec![load(&[], true), canonical_since()],
                Some(Confidence::Confirmed),
                "canonical",
            ),
            (
                "timing and retries",
                vec![loaded.clone(), timing.clone(), retried],
                Some(Confidence::Likely),
                "already retries",
            ),
            (
                "timing alone",
                vec![loaded.clone(), timing.clone()],
                Some(Confidence::Suspected),
                "not yet a confirmed flake",
            ),
            (
                "red alone too",
                vec![loaded.clone(), timing.clone(), sibling("alone", true, true)],
                None,
                "alone",
            ),
            (
                "no load, in a run of unknown span",
                vec![timing.clone()],
                None,
                "overlapped no other run",
            ),
            (
                "timing, and isolation reruns that died: still one sign",
                vec![
                    loaded.clone(),
                    timing.clone(),
                    died_sibling("rerun-a"),
                    died_green("rerun-b"),
                ],
                Some(Confidence::Suspected),
                "rerun-a, rerun-b did not end normally and prove nothing",
            ),
            ("load, nothing else", vec![loaded], None, "no timing sign"),
        ];
        for (what, facts, want, words) in cases {
            let facts = with_line(&f, facts);
            match (look(&Case::new(&f, &facts)), want) {
                (Look::Decides(d), Some(conf)) => {
                    assert_eq!((d.class, d.confidence), (Class::Flake, conf), "{what}");
                    assert!(d.cause.contains(words), "{what}: {}", d.cause);
                }
                (Look::Passes { saw, .. }, None) => assert!(saw.contains(words), "{what}: {saw}"),
                _ => panic!("{what}"),
            }
        }
    }

    fn died_green(run: &str) -> crate::model::Fact {
        let mut dead_green = sibling(run, false, true);
        if let crate::model::FactKind::Sibling { died, .. } = &mut dead_green.kind {
            *died = true;
        }
        dead_green
    }

    #[test]
    fn a_green_sibling_that_died_proves_nothing() {
        let f = failure(Tier::Custom, Some("t.py::t"));
        let facts = with_line(&f, vec![load(&["x"], false), died_green("d")]);
        assert!(matches!(look(&Case::new(&f, &facts)), Look::Passes { .. }));
    }
}
