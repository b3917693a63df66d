//! Rung 6, `deploy-failed`: the real deploy failed, and the recipe's files
//! say why.
//!
//! Decides **recipe-defect** when the deploy step itself failed (abra's
//! `abra app deploy` / `docker stack deploy`, not the pre-pull) and no
//! later deploy converged:
//! - `likely` when the compose file has a key `docker stack deploy`
//!   refuses;
//! - `suspected` when abra refused to validate the recipe (one sign).
//!
//! Never: a pre-pull error (`docker compose config` validates what a swarm
//! deploy ignores: a red herring when the deploy converged); a deploy that
//! timed out with nothing in the files to blame.

use crate::model::{Class, Confidence, FindingKind, Role};

use super::case::Case;
use super::words::{recipe, reproduce};
use super::{Decision, Look};

pub fn look(c: &Case) -> Look {
    let converged = c.sign(Role::Converged);
    let Some(failed) = c.sign(Role::DeployFailed) else {
        return match (c.sign(Role::PrepullError), converged) {
            (Some(p), Some(conv)) => Look::exclude(format!(
                "the pre-pull's `docker compose config` error ({}) is a red herring: `abra app deploy` \
                 is `docker stack deploy`, which ignores depends_on, and the deploy converged ({})",
                p.source, conv.source
            )),
            _ => Look::pass("no failed deploy (a pre-pull error is not one)"),
        };
    };
    if let Some(conv) = converged {
        return Look::pass(format!(
            "a deploy failed ({}) but a later one converged ({})",
            failed.source, conv.source
        ));
    }
    let rejected = c
        .findings()
        .find(|(_, x)| matches!(x.kind, FindingKind::SwarmRejectedKey { .. }));
    let validate = matches!(failed.sign(), Some(("abra.validate-failed", ..)));
    let (confidence, cause, fix, rule, mut evidence) = match rejected {
        Some((x, finding)) => (
            Confidence::Likely,
            finding.summary.clone(),
            format!("{} recipe PR: {}", recipe(c.f), finding.fix),
            finding.check.clone(),
            vec![x.evidence()],
        ),
        None if validate => (
            Confidence::Suspected,
            format!(
                "abra refused the recipe's files before deploying: `{}`",
                super::words::short(&failed.text, 120)
            ),
            format!(
                "{} recipe PR: make the recipe pass `abra recipe lint` / validation at the tag.",
                recipe(c.f)
            ),
            "abra.validate-failed".to_string(),
            vec![],
        ),
        None => {
            return Look::pass(format!(
                "the deploy failed ({}) and nothing in the recipe's files explains it",
                failed.source
            ));
        }
    };
    evidence.insert(0, c.line());
    evidence.push(failed.evidence());
    Look::Decides(Decision {
        class: Class::RecipeDefect,
        confidence,
        cause,
        rule: Some(rule),
        evidence,
        fix,
        next: reproduce(c.f),
        excludes: vec![],
    })
}

#[cfg(test)]
mod tests {
    use super::super::kit::*;
    use super::*;
    use crate::model::{Place, Tier};

    #[test]
    fn the_real_deploy_and_never_the_prepull() {
        let f = failure(Tier::Install, None);
        let rejected = finding(
            "compose.swarm-rejected-key",
            "app",
            FindingKind::SwarmRejectedKey {
                key: "mem_limit".into(),
            },
        );
        let failed = sign("deploy.failed", Role::DeployFailed, Place::Console);
        let cases = [
            (
                vec![failed.clone(), rejected.clone()],
                Some(Confidence::Likely),
            ),
            (
                vec![sign(
                    "abra.validate-failed",
                    Role::DeployFailed,
                    Place::Console,
                )],
                Some(Confidence::Suspected),
            ),
            (vec![failed.clone()], None),
            (
                vec![
                    failed,
                    rejected,
                    sign("deploy.converged", Role::Converged, Place::Console),
                ],
                None,
            ),
            (
                vec![
                    sign(
                        "prepull.compose-config-failed",
                        Role::PrepullError,
                        Place::Console,
                    ),
                    sign("deploy.converged", Role::Converged, Place::Console),
                ],
                None,
            ),
        ];
        for (facts, want) in cases {
            let facts = with_line(&f, facts);
            match (look(&Case::new(&f, &facts)), want) {
                (Look::Decides(d), Some(conf)) => {
                    assert_eq!((d.class, d.confidence), (Class::RecipeDefect, conf))
                }
                (Look::Passes { .. }, None) => {}
                _ => panic!(),
            }
        }
    }
}
