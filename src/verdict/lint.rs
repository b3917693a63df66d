//! Rung 7, `lint`: the recipe fails `abra recipe lint` rules.
//!
//! Decides **recipe-defect**, `confirmed`, for a red lint rung whose
//! results.json names the rules failed (`lint.rules_failed`, e.g. `R011`):
//! lint reads the recipe's files at the tag, so the rules it names are
//! decisive.
//!
//! Never: a lint that failed because abra had no terminal (that is
//! harness, and the harness rung decided first); a failure of another tier.

use crate::model::{Class, Confidence, Tier};

use super::case::Case;
use super::words::recipe;
use super::{Decision, Look};

pub fn look(c: &Case) -> Look {
    if c.f.tier != Tier::Lint {
        return Look::pass("not a lint failure");
    }
    Look::Decides(Decision {
        class: Class::RecipeDefect,
        confidence: Confidence::Confirmed,
        cause: format!(
            "{} at {}: {}",
            recipe(c.f),
            super::words::tag(c.f),
            c.f.message
        ),
        rule: Some("lint.rules-failed".into()),
        evidence: vec![c.line()],
        fix: format!(
            "{} recipe PR: fix what the failed lint rules name (`abra recipe lint {}` lists them with their fixes).",
            recipe(c.f),
            recipe(c.f)
        ),
        next: match super::words::implausible(c.f) {
            Some(why) => why,
            None => format!(
                "abra recipe lint {}",
                crate::model::shell_quote(recipe(c.f))
            ),
        },
        excludes: vec![(Class::Flake, "lint reads files: no timing in it".into())],
    })
}

#[cfg(test)]
mod tests {
    use super::super::kit::*;
    use super::*;

    #[test]
    fn lint_rules_failed_confirm() {
        let f = failure(Tier::Lint, None);
        let facts = with_line(&f, vec![]);
        let Look::Decides(d) = look(&Case::new(&f, &facts)) else {
            panic!()
        };
        assert_eq!(
            (d.class, d.confidence),
            (Class::RecipeDefect, Confidence::Confirmed)
        );
        let f = failure(Tier::Install, None);
        let facts = with_line(&f, vec![]);
        assert!(matches!(look(&Case::new(&f, &facts)), Look::Passes { .. }));
    }
}
