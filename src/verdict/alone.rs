//! Rung 9, `reproduces-alone`: red alone too, and nothing above explains
//! it.
//!
//! A failure red in an isolation run is not a load flake. Decides:
//! - **recipe-defect**, `likely`, for a repo-local test (the recipe's own
//!   `tests/test_<op>.py`) red alone in two or more runs: deterministic,
//!   and the recipe at the tag does not satisfy its own test;
//! - otherwise **unknown**, deterministic: `likely` when red alone in two
//!   or more runs, `suspected` with one, naming the candidates and every
//!   fact that points somewhere.
//!
//! Never: a run that died (it proves nothing; the siblings that died do
//! not count as "alone").

use crate::model::{Class, Confidence, TestSource};

use super::case::Case;
use super::notes::notes;
use super::words::{explain, recipe};
use super::{Decision, Look};

pub fn look(c: &Case) -> Look {
    let f = c.f;
    let alone = c.red_alone();
    if alone.is_empty() {
        return Look::pass("not seen red alone");
    }
    let mut evidence = vec![c.line()];
    evidence.extend(
        c.siblings()
            .iter()
            .filter(|s| s.red && s.alone && !s.died)
            .map(|s| s.fact.evidence()),
    );
    let extra = notes(c);
    let also = if extra.is_empty() {
        String::new()
    } else {
        format!(" What is known: {}.", extra.join("; "))
    };
    if f.source == TestSource::RepoLocal && f.test.is_some() && alone.len() >= 2 {
        return Look::Decides(Decision {
            class: Class::RecipeDefect,
            confidence: Confidence::Likely,
            cause: format!(
                "the recipe's own test fails alone at {} (run {}): {} at the tag does not satisfy it.{also}",
                super::words::tag(f),
                alone.join(", "),
                recipe(f)
            ),
            rule: Some("crossrun.red-alone".into()),
            evidence,
            fix: format!(
                "{} recipe PR: make the recipe pass its own test at the tag, or fix the test in the recipe repository.",
                recipe(f)
            ),
            next: explain(f),
            excludes: vec![],
        });
    }
    let candidates = match f.source {
        TestSource::CcCi => {
            "recipe-defect or a stale cc-ci expectation (compare the test with the release)"
        }
        TestSource::Generic => {
            "recipe-defect (the generic test passes on other recipes) or harness"
        }
        _ => "recipe-defect or a wrong test",
    };
    let two = alone.len() >= 2;
    Look::Decides(Decision {
        class: Class::Unknown,
        confidence: if two {
            Confidence::Likely
        } else {
            Confidence::Suspected
        },
        cause: if two {
            format!(
                "deterministic: fails the same way alone ({}); no rule or static check explains it. \
                 Candidates: {candidates}.{also}",
                alone.join(", ")
            )
        } else {
            format!(
                "red in an isolation run ({}), so not a load flake, but one run does not make it \
                 deterministic and no rule or static check explains it. Candidates: {candidates}.{also}",
                alone.join(", ")
            )
        },
        rule: None,
        evidence,
        fix: "decide between the candidates: read the failure body and the recipe at the tag; a \
              recipe fault goes to the recipe's maintainers, a wrong expectation to cc-ci."
            .into(),
        next: explain(f),
        excludes: vec![],
    })
}

#[cfg(test)]
mod tests {
    use super::super::kit::*;
    use super::*;
    use crate::model::{Place, Role, Tier};

    #[test]
    fn alone_is_deterministic_and_repo_local_is_the_recipes() {
        let f = failure(
            Tier::Custom,
            Some("tests/custom/test_occ.py::test_occ_status_installed"),
        );
        let facts = with_line(
            &f,
            vec![
                load(&[], false),
                sign("upgrade.rollback", Role::Rollback, Place::Console),
            ],
        );
        let Look::Decides(d) = look(&Case::new(&f, &facts)) else {
            panic!()
        };
        assert_eq!(
            (d.class, d.confidence),
            (Class::Unknown, Confidence::Suspected)
        );
        assert!(
            d.cause.contains("rolled the new version back"),
            "the facts it holds: {}",
            d.cause
        );
        let facts = with_line(&f, vec![load(&[], false), sibling("again", true, true)]);
        let Look::Decides(d) = look(&Case::new(&f, &facts)) else {
            panic!()
        };
        assert_eq!(d.confidence, Confidence::Likely);
        let mut own = f.clone();
        own.source = crate::model::TestSource::RepoLocal;
        let Look::Decides(d) = look(&Case::new(&own, &facts)) else {
            panic!()
        };
        assert_eq!(
            d.class,
            Class::RecipeDefect,
            "two runs alone: deterministic"
        );
        let once = with_line(&own, vec![load(&[], false)]);
        let Look::Decides(d) = look(&Case::new(&own, &once)) else {
            panic!()
        };
        assert_eq!(
            d.class,
            Class::Unknown,
            "one run alone is not deterministic yet"
        );
        // A red test of an isolation run that did not end normally
        // reproduces nothing.
        let facts = with_line(
            &f,
            vec![
                load(&[], false),
                ending(crate::model::RunEnding::Died {
                    rc: None,
                    last: None,
                }),
            ],
        );
        assert!(matches!(look(&Case::new(&f, &facts)), Look::Passes { .. }));
        // Loaded and never alone: not this rung.
        let facts = with_line(&f, vec![load(&["x"], false)]);
        assert!(matches!(look(&Case::new(&f, &facts)), Look::Passes { .. }));
    }
}
