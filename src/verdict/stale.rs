//! Rung 3, `stale-overlay`: a cc-ci test expects what no release has.
//!
//! cc-ci's overlay and custom tests are cc-ci's code asserting something
//! about the recipe. Decides **stale-overlay** when the expected side of
//! the failed assertion (an image, a service that should be gone, a label,
//! a setting) holds in no release tag:
//! - `confirmed` when every release tag was searched in git (the cause
//!   says whether it is on the default branch: then the test is ahead of a
//!   release, not wrong forever);
//! - `likely` when only the checkout's files at the tested tag could be
//!   read (no git history).
//!
//! Never: a generic or repo-local test (the recipe's own test is the
//! recipe's); an expectation that holds in some release tag (that rules
//! stale-overlay out); an assertion whose expected side is not a recipe
//! artefact (`assert 404 == 200`).

use crate::model::{Class, Confidence, Role};

use super::case::Case;
use super::words::{abbreviate, recipe, short, tag};
use super::{Decision, Look};

pub fn look(c: &Case) -> Look {
    let f = c.f;
    if !f.is_ccci_test() {
        return Look::exclude(format!(
            "the failing check is not a cc-ci test (source {})",
            f.source
        ));
    }
    let Some(x) = c.expectation() else {
        return Look::Skips(
            c.skipped("stale expectation")
                .or(c.skipped("static recipe checks"))
                .unwrap_or("no assertion with a recipe artefact on its expected side")
                .to_string(),
        );
    };
    let tags: Vec<&str> = x
        .refs
        .iter()
        .map(String::as_str)
        .filter(|r| Some(*r) != x.default_branch)
        .collect();
    if !x.holds_in.is_empty() {
        let holds: Vec<&str> = x.holds_in.iter().map(String::as_str).collect();
        return Look::exclude(format!(
            "`{}` is as the test expects in release tag(s) {}",
            x.needle,
            abbreviate(&holds, 4)
        ));
    }
    let kind = if f.tier == crate::model::Tier::Custom {
        "custom test"
    } else {
        "overlay test"
    };
    let what = if x.present {
        format!("expects `{}`, which appears in no release tag", x.needle)
    } else {
        format!(
            "expects `{}` gone, but every release tag still has it",
            x.needle
        )
    };
    let branch = x.default_branch.unwrap_or("the default branch");
    let where_ = match (x.git, x.on_default_branch, x.present) {
        (false, ..) => String::new(),
        (true, true, true) => {
            format!(", but is on `{branch}`: the test is ahead of a release, not wrong forever")
        }
        (true, true, false) => format!(
            ", but it is gone on `{branch}`: the test is ahead of a release, not wrong forever"
        ),
        (true, false, true) => format!(" nor on `{branch}`"),
        (true, false, false) => format!(", and so does `{branch}`"),
    };
    let actual = x
        .actual
        .map(|a| format!("; {} {} has `{}`", recipe(f), tag(f), short(a, 80)))
        .unwrap_or_default();
    let cause = if x.git {
        format!(
            "cc-ci {kind} {what} ({} tags searched: {}){where_}{actual}",
            tags.len(),
            abbreviate(&tags, 6)
        )
    } else {
        format!(
            "cc-ci {kind} {what}: the recipe's files at {} do not match it (no git history, so the \
             other release tags were not searched){actual}",
            tag(f)
        )
    };
    let mut evidence = vec![c.line(), x.fact.evidence()];
    if let Some(t) = x.test_line {
        evidence.push(crate::model::Evidence::new("cc-ci test", t));
    }
    let test = f.test.as_deref().unwrap_or("the test");
    let fix = if x.on_default_branch {
        format!(
            "cc-ci: {test} asserts a change that is on `{branch}` but not released; skip it when the \
             tested ref is a release tag (or pin the sweep to the release that has it) until {} cuts \
             a release containing it.",
            recipe(f)
        )
    } else {
        format!(
            "cc-ci: {test} asserts a state that exists in no release of {}; limit it to the PR that \
             makes the change (skip when the tested ref is a release tag) or update its expectation \
             to the released recipe.",
            recipe(f)
        )
    };
    let mut excludes = vec![(
        Class::Flake,
        "deterministic: the test's expectation holds in no release tag, whatever the timing"
            .to_string(),
    )];
    match c.sign(Role::Converged) {
        Some(conv) => excludes.push((
            Class::RecipeDefect,
            format!(
                "the recipe deploys and converges ({}); the test's expectation is what is wrong",
                conv.source
            ),
        )),
        None => excludes.push((
            Class::RecipeDefect,
            "the failing assertion is cc-ci's expectation, not a generic check the recipe fails"
                .to_string(),
        )),
    }
    Look::Decides(Decision {
        class: Class::StaleOverlay,
        confidence: if x.git {
            Confidence::Confirmed
        } else {
            Confidence::Likely
        },
        cause,
        rule: Some("git.expectation-absent".into()),
        evidence,
        fix,
        next: match &x.fact.source {
            crate::model::Source::Git(g) => format!(
                "git -C {} log --all --oneline -S {}",
                crate::model::shell_quote(&g.repo.display().to_string()),
                crate::model::shell_quote(x.needle)
            ),
            _ => match super::words::implausible(f) {
                Some(why) => why,
                None => format!(
                    "git clone https://git.coopcloud.tech/coop-cloud/{r}.git && git -C {r} log --all --oneline -S {}",
                    crate::model::shell_quote(x.needle),
                    r = recipe(f),
                ),
            },
        },
        excludes,
    })
}

#[cfg(test)]
mod tests {
    use super::super::kit::*;
    use super::*;
    use crate::model::Tier;

    #[test]
    fn the_expectation_decides_and_git_confirms() {
        let f = ccci(failure(
            Tier::Upgrade,
            Some("tests/demo/test_upgrade.py::test_image"),
        ));
        let cases = [
            (
                expectation(&[], false, true),
                Some((Confidence::Confirmed, "nor on `main`")),
            ),
            (
                expectation(&[], true, true),
                Some((Confidence::Confirmed, "ahead of a release")),
            ),
            (
                expectation(&[], false, false),
                Some((Confidence::Likely, "no git history")),
            ),
            (expectation(&["0.8.1"], false, true), None),
        ];
        for (x, want) in cases {
            let facts = with_line(&f, vec![x]);
            match (look(&Case::new(&f, &facts)), want) {
                (Look::Decides(d), Some((conf, words))) => {
                    assert_eq!((d.class, d.confidence), (Class::StaleOverlay, conf));
                    assert!(d.cause.contains(words), "{}", d.cause);
                }
                (
                    Look::Passes {
                        excludes: Some(why),
                        ..
                    },
                    None,
                ) => assert!(why.contains("0.8.1")),
                _ => panic!("unexpected"),
            }
        }
    }

    #[test]
    fn a_generic_test_is_never_stale() {
        let f = failure(Tier::Upgrade, Some("tests/_generic/test_upgrade.py::t"));
        let facts = with_line(&f, vec![expectation(&[], false, true)]);
        assert!(matches!(look(&Case::new(&f, &facts)), Look::Passes { .. }));
    }
}
