//! Rung 1, `run-cut-off`: the run did not end normally.
//!
//! Decides **harness** for the run's own failure (tier `run`):
//! - rc 142: the harness's 3600 s deadline fired; the cause names what it
//!   was doing (the last tier or deploy that started and never reported
//!   back), `likely`: that it timed out is a fact, why it wedged is not;
//! - rc 143: cancelled (a Drone cancel, a node shutdown), `confirmed`: the
//!   exit status says exactly that, and it proves nothing about the recipe;
//! - any other non-zero end, or no end at all, with no results.json: it
//!   died early. With a harness signature, a failed deploy or a timed-out
//!   deploy among its signs this rung passes and lets that rung speak
//!   (they name the cause); otherwise `suspected` harness, naming the last
//!   line a rule recognised.
//!
//! Never: a failure of a tier or a test (tier other than `run`); a run
//! that ended normally.

use crate::model::{Class, Confidence, Place, Role, RunEnding, Tier};

use super::case::Case;
use super::words::{reproduce_then, short, subject};
use super::{Decision, Look};

pub fn look(c: &Case) -> Look {
    if c.f.tier != Tier::Run {
        return Look::pass("not a whole-run failure");
    }
    let Some((fact, ending)) = c.ending() else {
        return Look::pass("the run ended normally");
    };
    let mut evidence = vec![c.line(), fact.evidence()];
    evidence.extend(c.more_lines());
    let (confidence, cause, fix) = match ending {
        RunEnding::Deadline { doing } => {
            let deploy = c.sign(Role::DeployTimeout);
            evidence.extend(deploy.map(|d| d.evidence()));
            (
                Confidence::Likely,
                format!(
                    "{} timed out: the harness's 3600 s deadline fired (rc=142){}{}",
                    c.f.run_id,
                    match doing {
                        Some(d) => format!(" while the run was at `{}`", short(d, 100)),
                        None => String::new(),
                    },
                    match deploy {
                        Some(d) => format!("; abra's deploy had timed out before it (`{}`)", short(&d.text, 80)),
                        None => String::new(),
                    }
                ),
                "harness: the run hit its 60-minute deadline; find what wedged (a deploy that never \
                 converged, a tier that hung: `ccci-triage probe stack <stack>` while it runs) and \
                 re-run alone. Its tiers say nothing yet about the recipe."
                    .to_string(),
            )
        }
        RunEnding::Cancelled => (
            Confidence::Confirmed,
            format!(
                "{} was cancelled (rc=143, SIGTERM: a Drone cancel or a node shutdown); it proves \
                 nothing about {}",
                c.f.run_id,
                subject(c.f)
            ),
            "harness: nothing to fix in the recipe; re-run it if the result is needed.".to_string(),
        ),
        RunEnding::Died { rc, last } => {
            let speaks = [Role::Harness, Role::DeployFailed, Role::DeployTimeout]
                .iter()
                .any(|r| {
                    c.sign_at(
                        *r,
                        &[
                            Place::Message,
                            Place::ConsoleNear,
                            Place::Console,
                            Place::Sweep,
                        ],
                    )
                    .is_some()
                });
            if speaks {
                return Look::pass(
                    "the run died early; a signature among its lines names why (the rungs below)",
                );
            }
            (
                Confidence::Suspected,
                format!(
                    "{} died early ({}) with no results.json{}; no rule names why it stopped.",
                    c.f.run_id,
                    rc.map(|r| format!("rc={r}"))
                        .unwrap_or_else(|| "no closing line".into()),
                    match last {
                        Some(l) => format!(", after `{}`", short(l, 100)),
                        None => String::new(),
                    }
                ),
                "harness: a run that dies before writing results.json died in the machinery \
                 (checkout, lint, deploy set-up); read its last lines and re-run alone."
                    .to_string(),
            )
        }
    };
    Look::Decides(Decision {
        class: Class::Harness,
        confidence,
        cause,
        rule: Some("run.ending".into()),
        evidence,
        fix,
        next: reproduce_then(c.f, "alone, once the node is free"),
        excludes: vec![
            (
                Class::Flake,
                "the run did not end normally, so it says nothing about timing".into(),
            ),
            (
                Class::RecipeDefect,
                "the run did not end normally: no tier it ran blames the recipe".into(),
            ),
        ],
    })
}

#[cfg(test)]
mod tests {
    use super::super::kit::*;
    use super::*;

    #[test]
    fn deadline_cancel_and_early_death() {
        let f = failure(Tier::Run, None);
        let cases = [
            (
                vec![ending(RunEnding::Deadline {
                    doing: Some("tier: custom start".into()),
                })],
                Some((
                    Confidence::Likely,
                    "while the run was at `tier: custom start`",
                )),
            ),
            (
                vec![ending(RunEnding::Cancelled)],
                Some((Confidence::Confirmed, "cancelled")),
            ),
            (
                vec![ending(RunEnding::Died {
                    rc: Some(3),
                    last: Some("FATA x".into()),
                })],
                Some((Confidence::Suspected, "after `FATA x`")),
            ),
            // A harness signature names why: the harness rung speaks.
            (
                vec![
                    ending(RunEnding::Died {
                        rc: Some(3),
                        last: None,
                    }),
                    sign("harness.mirror-auth", Role::Harness, Place::Console),
                ],
                None,
            ),
            // A run that ended normally.
            (vec![], None),
        ];
        for (facts, want) in cases {
            let facts = with_line(&f, facts);
            match (look(&Case::new(&f, &facts)), want) {
                (Look::Decides(d), Some((conf, words))) => {
                    assert_eq!(d.class, Class::Harness);
                    assert_eq!(d.confidence, conf);
                    assert!(d.cause.contains(words), "{}", d.cause);
                }
                (Look::Passes { .. }, None) => {}
                (_, want) => panic!("unexpected look, wanted {want:?}"),
            }
        }
    }

    #[test]
    fn a_test_failure_is_never_decided_here() {
        let f = failure(Tier::Custom, Some("t.py::a"));
        let facts = with_line(&f, vec![ending(RunEnding::Cancelled)]);
        assert!(matches!(look(&Case::new(&f, &facts)), Look::Passes { .. }));
    }
}
