//! The last word, `unknown`: nothing decisive and no clear sign.
//!
//! `suspected`, with the candidates and what would decide between them,
//! and every fact gathered that points somewhere (a rollback, reruns, a
//! backup that does round-trip, rungs that never ran, a static finding
//! that does not explain the symptom). `unknown` with a good next step
//! beats a guess.

use crate::model::{Class, Confidence, TestSource};

use super::Decision;
use super::case::Case;
use super::notes::notes;
use super::words::reproduce;

pub fn decide(c: &Case) -> Decision {
    let compared = c.siblings().len();
    let what = if compared == 0 {
        "no other run of this recipe and version to compare with"
    } else {
        "the other runs of this version do not decide it"
    };
    let known = notes(c);
    let known = if known.is_empty() {
        String::new()
    } else {
        format!(" What is known: {}.", known.join("; "))
    };
    // What the failure can be, by who wrote the failing check.
    let candidates = match c.f.source {
        TestSource::CcCi => {
            "flake (run it alone: green means flake), or, red alone, a stale cc-ci expectation \
             or recipe-defect (compare the test with the release)"
        }
        TestSource::Generic => {
            "flake (run it alone: green means flake), or, red alone, recipe-defect (the generic \
             test passes on other recipes) or harness"
        }
        TestSource::RepoLocal => {
            "flake (run it alone: green means flake), or, red alone, recipe-defect (the recipe's \
             own test)"
        }
        TestSource::Unknown => {
            "flake (run it alone: green means flake), or, red alone, a deterministic cause the \
             tier's output names"
        }
    };
    Decision {
        class: Class::Unknown,
        confidence: Confidence::Suspected,
        cause: format!("nothing decisive: {what}.{known} Candidates: {candidates}."),
        rule: None,
        evidence: vec![c.line()],
        fix: "first reproduce alone; the result decides between flake and a deterministic cause."
            .into(),
        next: reproduce(c.f),
        excludes: vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::super::kit::*;
    use super::*;
    use crate::model::{FactKind, Place, Role, RunEnding, Source, Tier};

    type Row<'a> = (
        &'a str,
        &'a crate::model::Failure,
        Vec<crate::model::Fact>,
        Vec<&'a str>,
        Vec<&'a str>,
    );

    fn unver(rungs: &[&str]) -> crate::model::Fact {
        crate::model::Fact::new(
            FactKind::Unver {
                rungs: rungs.iter().map(|s| s.to_string()).collect(),
            },
            Source::Command("results.json".into()),
            "unver",
        )
    }

    #[test]
    fn the_cause_names_every_fact_that_points_somewhere() {
        let mut upgrade = failure(Tier::Upgrade, Some("t.py::t"));
        upgrade.reruns = 2;
        let restore = failure(Tier::Restore, Some("tests/_generic/test_restore.py::t"));
        let custom = failure(Tier::Custom, None);
        let rollback = sign_with(
            "upgrade.rollback",
            Role::Rollback,
            Place::Console,
            &[("state", "rollback_completed")],
        );
        // (what, failure, facts, words the cause must hold, words it must not)
        let cases: Vec<Row> = vec![
            (
                "a rollback and reruns",
                &upgrade,
                vec![rollback, round_trips("db")],
                vec![
                    "rollback_completed",
                    "points at the recipe at the new tag",
                    "rerun 2 time",
                ],
                // Labels that round-trip say nothing about an upgrade.
                vec!["round-trip", "a stale test"],
            ),
            (
                "a restore whose labels do round-trip",
                &restore,
                vec![round_trips("db")],
                vec!["`db`'s backup labels do round-trip, so not the recipe's backup"],
                vec!["stale"],
            ),
            (
                "an unver rung pytest found nothing for",
                &custom,
                vec![
                    unver(&["functional"]),
                    sign("pytest.no-tests", Role::Fact, Place::Console),
                ],
                vec![
                    "functional never ran (pytest found no tests to run",
                    "test selection",
                ],
                vec![],
            ),
            (
                "a bare name the stack's own network answers",
                &upgrade,
                vec![routing_finding(true, false), stack_order("aaa_ci", true)],
                vec![
                    "reaches `app` by a bare name",
                    "aaa_ci",
                    "not the cause here",
                ],
                vec![],
            ),
            (
                "a red test in a run that died, and a rerun that died",
                &upgrade,
                vec![
                    ending(RunEnding::Died {
                        rc: None,
                        last: None,
                    }),
                    died_sibling("rerun-1"),
                ],
                vec![
                    "this run did not end normally",
                    "rerun-1 did not end normally",
                ],
                vec![],
            ),
        ];
        for (what, f, facts, want, never) in cases {
            let facts = with_line(f, facts);
            let d = decide(&Case::new(f, &facts));
            assert_eq!(
                (d.class, d.confidence),
                (Class::Unknown, Confidence::Suspected),
                "{what}"
            );
            assert!(
                d.cause.starts_with("nothing decisive"),
                "{what}: {}",
                d.cause
            );
            assert!(d.cause.contains("What is known: "), "{what}: {}", d.cause);
            for words in want {
                assert!(d.cause.contains(words), "{what}: {words}: {}", d.cause);
            }
            for words in never {
                assert!(!d.cause.contains(words), "{what}: not {words}: {}", d.cause);
            }
        }
    }

    #[test]
    fn the_candidates_follow_who_wrote_the_check() {
        let generic = failure(Tier::Install, Some("t.py::t"));
        let ccci = ccci(failure(Tier::Custom, Some("tests/x/custom/t.py::t")));
        let facts = with_line(&generic, vec![]);
        let d = decide(&Case::new(&generic, &facts));
        assert!(
            d.cause.contains("recipe-defect (the generic test passes"),
            "{}",
            d.cause
        );
        assert!(!d.cause.contains("stale"), "{}", d.cause);
        let facts = with_line(&ccci, vec![]);
        let d = decide(&Case::new(&ccci, &facts));
        assert!(d.cause.contains("a stale cc-ci expectation"), "{}", d.cause);
    }
}
