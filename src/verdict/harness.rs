//! Rung 2, `harness-signature`: the CI machinery failed.
//!
//! Decides **harness**, `likely` (a signature line and the step failing;
//! that the signature is *why* is inferred, never confirmed), when a rule
//! of role `harness` recognised a line:
//! - in the failing test's own message, body or captured output: it
//!   decides even under an assertion (`assert rc == 0` over `no space left
//!   on device`);
//! - in the console around the failure, or in the sweep's lines for the
//!   entry (a pull rate limit after a failed promote);
//! - anywhere in the run's console, for a tier, promote or run failure, and
//!   for a test whose message is not a comparison of recipe values (a
//!   restore that lost its marker after a backup hit a stopped container
//!   shares the backup's harness verdict).
//!
//! Two runs colliding on the node (the deploy-count guard, a lock file
//! another run's teardown removed) name the other runs.
//!
//! Never: a harness line far from a failure that is itself an assertion
//! about the recipe's values (an image, a service list): the assertion is
//! what failed.

use crate::model::{Class, Confidence, Place, Role, Tier};

use super::case::Case;
use super::words::{reproduce_then, short};
use super::{Decision, Look};

/// Signatures of two runs colliding on one node.
const COLLISIONS: [&str; 2] = ["harness.deploy-count-guard", "harness.lock-file-gone"];

pub fn look(c: &Case) -> Look {
    let value_assertion = value_assertion(c);
    // The first place that has one speaks. A run's own failure has a
    // message the tool wrote (it quotes the console's last line), so the
    // console's line itself comes first.
    let places = if c.f.tier == Tier::Run {
        vec![
            Place::Console,
            Place::ConsoleNear,
            Place::Sweep,
            Place::Message,
        ]
    } else if c.f.test.is_none() || !value_assertion {
        vec![
            Place::Message,
            Place::ConsoleNear,
            Place::Sweep,
            Place::Console,
        ]
    } else {
        vec![Place::Message, Place::ConsoleNear, Place::Sweep]
    };
    let Some(sig) = c.sign_at(Role::Harness, &places) else {
        return match c.sign(Role::Harness) {
            Some(s) => Look::exclude(format!(
                "the harness line at {} (`{}`) stands far from the failure, which is an assertion \
                 about the recipe's values: the assertion is what failed",
                s.source,
                short(&s.text, 80)
            )),
            None => Look::exclude(
                "no harness signature (disk, registry or ACME limits, mirror credentials, TTY, dirty \
                 checkout, orphaned stack, VIP exhaustion, colliding runs) in the failure's text, \
                 its run's console or the sweep's lines",
            ),
        };
    };
    let (rule, _, place) = sig.sign().expect("a sign");
    let own = sig.source == crate::model::Source::File(c.f.loc.clone());
    let where_ = match place {
        Place::Message if own => "in the failure's own text",
        Place::Message => "in the output of the same error, recorded with another test of the tier",
        Place::ConsoleNear => "in the console around the failure",
        Place::Console => "in the run's console",
        Place::Sweep => "in the sweep log's lines for it",
    };
    let mut cause = format!(
        "{}: `{}` ({}, {where_})",
        Case::summary_of(sig),
        quote(&sig.text, sig.capture("sign")),
        sig.source
    );
    if COLLISIONS.contains(&rule) {
        let others = c.overlapping();
        cause.push_str(&if others.is_empty() {
            " Another run used the same domain on the node; none of the runs read overlapped this one, so it may be outside the root."
                .to_string()
        } else {
            format!(" The other run(s) on the node then: {}.", others.join(", "))
        });
    }
    if let Some(a) = c.sign_at(Role::Assertion, &[Place::Message]) {
        cause.push_str(&format!(
            " The assertion (`{}`) only reports the symptom.",
            short(&a.text, 80)
        ));
    }
    let fix = match Case::fix_of(sig) {
        Some(f) => format!("harness: {f}"),
        None => "harness: fix the CI machinery the signature names, then re-run alone.".into(),
    };
    Look::Decides(Decision {
        class: Class::Harness,
        confidence: Confidence::Likely,
        cause,
        rule: Some(rule.to_string()),
        evidence: vec![c.line(), sig.evidence()],
        fix,
        next: reproduce_then(c.f, "after fixing the node, alone"),
        excludes: vec![(
            Class::RecipeDefect,
            format!(
                "the failure stands on a harness signature ({rule}), not on the recipe's files"
            ),
        )],
    })
}

/// The signature's line, shortened so that the words that make it one
/// (the rule's `sign` capture) stay in the quote.
fn quote(line: &str, sign: Option<&str>) -> String {
    let whole = short(line, 140);
    let Some((sign, at)) = sign
        .filter(|s| !whole.contains(s))
        .and_then(|s| Some((s, line.find(s)?)))
    else {
        return whole;
    };
    let more = if line[at + sign.len()..].trim().is_empty() {
        ""
    } else {
        " …"
    };
    format!("{} {sign}{more}", short(line, 100))
}

/// The failure's own message compares recipe values (an image, a service
/// list), as opposed to a status or exit code that only reports a symptom.
fn value_assertion(c: &Case) -> bool {
    c.signs(Role::Assertion).any(|a| {
        matches!(a.sign(), Some((_, _, Place::Message)))
            && match a.capture("expected") {
                Some(e) => !e.trim().chars().all(|ch| ch.is_ascii_digit()),
                None => true,
            }
    })
}

#[cfg(test)]
mod tests {
    use super::super::kit::*;
    use super::*;
    use crate::model::Tier;

    #[test]
    fn where_a_signature_decides_and_where_it_does_not() {
        let test = failure(Tier::Install, Some("t.py::test_converges"));
        let tier = failure(Tier::Install, None);
        let disk = |p| sign("harness.disk-full", Role::Harness, p);
        let rc_assert = sign_with(
            "message.assert-eq",
            Role::Assertion,
            Place::Message,
            &[("expected", "0")],
        );
        let image_assert = sign_with(
            "message.assert-eq",
            Role::Assertion,
            Place::Message,
            &[("expected", "'discourse/discourse:3.5.3'")],
        );
        let cases: Vec<(&str, &crate::model::Failure, Vec<crate::model::Fact>, bool)> = vec![
            (
                "in the test's own output, under `assert rc == 0`",
                &test,
                vec![rc_assert.clone(), disk(Place::Message)],
                true,
            ),
            (
                "in the test's output even under a value assertion",
                &test,
                vec![image_assert.clone(), disk(Place::Message)],
                true,
            ),
            (
                "around the failure",
                &test,
                vec![disk(Place::ConsoleNear)],
                true,
            ),
            (
                "far away, no assertion",
                &test,
                vec![disk(Place::Console)],
                true,
            ),
            (
                "far away, under a value assertion: no",
                &test,
                vec![image_assert, disk(Place::Console)],
                false,
            ),
            (
                "a red tier: anywhere in the console",
                &tier,
                vec![disk(Place::Console)],
                true,
            ),
            (
                "in the sweep's lines",
                &tier,
                vec![sign("harness.pull-rate-limit", Role::Harness, Place::Sweep)],
                true,
            ),
            (
                "no signature",
                &tier,
                vec![sign("deploy.timeout", Role::DeployTimeout, Place::Console)],
                false,
            ),
        ];
        for (what, f, facts, decides) in cases {
            let facts = with_line(f, facts);
            let got = look(&Case::new(f, &facts));
            match got {
                Look::Decides(d) => {
                    assert!(decides, "{what}: decided");
                    assert_eq!(
                        (d.class, d.confidence),
                        (Class::Harness, Confidence::Likely),
                        "{what}"
                    );
                    assert!(
                        d.fix.starts_with("harness: fix for"),
                        "{what}: the rule's fix: {}",
                        d.fix
                    );
                }
                _ => assert!(!decides, "{what}: did not decide"),
            }
        }
    }

    #[test]
    fn a_value_assertion_rules_out_a_far_signature_and_a_shared_error_says_whose() {
        let f = failure(Tier::Custom, Some("t.py::test_image"));
        let image_assert = sign_with(
            "message.assert-eq",
            Role::Assertion,
            Place::Message,
            &[("expected", "'wordpress:6.8.1-php8.4-apache'")],
        );
        let far = sign("harness.disk-full", Role::Harness, Place::Console);
        let facts = with_line(&f, vec![image_assert, far]);
        match look(&Case::new(&f, &facts)) {
            Look::Passes {
                excludes: Some(why),
                ..
            } => assert!(why.contains("far from the failure"), "{why}"),
            _ => panic!("a far signature under a value assertion rules harness out"),
        }
        // The signature in the output of the same error, kept with another
        // test of the tier, is said to be that.
        let f = failure(Tier::Install, Some("t.py::test_b"));
        let other = sign("harness.disk-full", Role::Harness, Place::Message);
        let facts = with_line(&f, vec![other]);
        let Look::Decides(d) = look(&Case::new(&f, &facts)) else {
            panic!()
        };
        assert!(
            d.cause.contains("recorded with another test"),
            "{}",
            d.cause
        );
        let mut own = sign("harness.disk-full", Role::Harness, Place::Message);
        own.source = crate::model::Source::File(f.loc.clone());
        let facts = with_line(&f, vec![own]);
        let Look::Decides(d) = look(&Case::new(&f, &facts)) else {
            panic!()
        };
        assert!(d.cause.contains("in the failure's own text"), "{}", d.cause);
    }

    #[test]
    fn a_long_line_is_quoted_with_the_words_that_make_it_a_signature() {
        let line = format!(
            "failed to register layer: write /var/lib/docker/{}: no space left on device",
            "x/".repeat(60)
        );
        let q = quote(&line, Some("no space left on device"));
        assert!(q.starts_with("failed to register layer"), "{q}");
        assert!(q.ends_with("… no space left on device"), "{q}");
        assert_eq!(
            quote("short line: ENOSPC", Some("ENOSPC")),
            "short line: ENOSPC"
        );
        assert_eq!(quote(&line, None).chars().count(), 140);
    }

    #[test]
    fn colliding_runs_are_named() {
        let f = failure(Tier::Install, None);
        let facts = with_line(
            &f,
            vec![
                load(&["754"], false),
                sign("harness.deploy-count-guard", Role::Harness, Place::Console),
            ],
        );
        let Look::Decides(d) = look(&Case::new(&f, &facts)) else {
            panic!()
        };
        assert!(d.cause.contains("754"), "{}", d.cause);
    }

    #[test]
    fn no_signature_rules_harness_out() {
        let f = failure(Tier::Install, None);
        let facts = with_line(&f, vec![]);
        assert!(matches!(
            look(&Case::new(&f, &facts)),
            Look::Passes {
                excludes: Some(_),
                ..
            }
        ));
    }
}
