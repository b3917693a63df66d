//! Rung 4, `backup-round-trip`: the recipe's backup does not round-trip.
//!
//! The generic restore test seeds a marker, backs up, drops it, restores
//! and looks for it. Decides **recipe-defect** for a restore failure (the
//! restore tier, or the failure's own message saying the data is gone)
//! when the recipe's labels at the tag explain it: a database dump that no
//! `backupbot.restore.post-hook` replays, a backup of a running database's
//! live data directory, or a hook script missing from its container:
//! - `confirmed` when it fails the same way alone, or the restore's own
//!   lines show a snapshot restored and no post-hook after it;
//! - `likely` on the labels alone.
//!
//! Never: a restore whose recipe's database backup does round-trip (that
//! rules the recipe's backup out: look elsewhere); a backup lost to a
//! harness failure (the harness rung decided first).

use crate::model::{Class, Confidence, Evidence, Place, Role, Tier};

use super::case::{Case, checkout_of};
use super::words::{recipe, tag};
use super::{Decision, Look};

pub fn look(c: &Case) -> Look {
    let f = c.f;
    let restore = f.tier == Tier::Restore || c.sign_at(Role::DataLost, &[Place::Message]).is_some();
    if !restore {
        return Look::pass("not a restore failure");
    }
    let findings = c.backup_findings();
    let script = c
        .signs(Role::DataLost)
        .find(|x| matches!(x.sign(), Some(("backupbot.script-missing", ..))));
    if findings.is_empty() && script.is_none() {
        if !c.statics_read() {
            return Look::Skips("no recipe checkout: the backup labels were not checked".into());
        }
        let rt = c.round_trips();
        return match rt.first() {
            Some((_, service)) => Look::exclude(format!(
                "service `{service}`'s backup labels do round-trip (a dump-only path and a restore \
                 post-hook), so not the recipe's backup"
            )),
            None => Look::pass(format!("no backup finding in {}'s labels", recipe(f))),
        };
    }
    let snapshot = c.sign(Role::RestoreSnapshot);
    let replayed = c.sign(Role::RestorePostHook).is_some();
    let alone = c.red_alone();
    let mut evidence = vec![c.line()];
    for (x, _) in &findings {
        evidence.push(x.evidence());
    }
    if let Some(s) = script {
        evidence.push(s.evidence());
    }
    if let Some(s) = snapshot {
        evidence.push(s.evidence());
        if !replayed {
            evidence.push(Evidence::new(
                s.source.to_string(),
                "no `restore post-hook` line follows: nothing replayed the dump",
            ));
        }
    }
    for s in c.siblings().iter().filter(|s| s.red && s.alone && !s.died) {
        evidence.push(s.fact.evidence());
    }
    let confidence = if !alone.is_empty() || (snapshot.is_some() && !replayed) {
        Confidence::Confirmed
    } else {
        Confidence::Likely
    };
    let main = findings
        .iter()
        .find(|(_, x)| {
            matches!(
                x.kind,
                crate::model::FindingKind::RestoreReplaysNoDump { .. }
            )
        })
        .or(findings.first());
    let cause = match main {
        Some((_, m)) => {
            let others: Vec<&str> = findings
                .iter()
                .filter(|(_, x)| x.check != m.check)
                .map(|(_, x)| x.summary.as_str())
                .collect();
            let mut s = m.summary.clone();
            if !others.is_empty() {
                s = format!("{s}; also {}", others.join("; "));
            }
            s
        }
        None => format!(
            "the backup hook calls a script its container does not have (`{}`): no dump was made, \
             so the restore had nothing to replay",
            script.map(|s| s.text.as_str()).unwrap_or("")
        ),
    };
    let confidence = if main.is_none() {
        Confidence::Likely.min(confidence)
    } else {
        confidence
    };
    let base_fix = main
        .map(|(_, m)| m.fix.clone())
        .unwrap_or_else(|| "mount the hook's script into the database service (a `configs:` entry) or call the database's own dump tool".into());
    let fix = match c.reference() {
        Some((r, rr, service)) => {
            evidence.push(r.evidence());
            format!(
                "{} recipe PR: {base_fix} Do it as {rr} does for service `{service}`: back up only the dump file and replay it in `backupbot.restore.post-hook`.",
                recipe(f)
            )
        }
        None => format!("{} recipe PR: {base_fix}", recipe(f)),
    };
    let next = match (
        main.and_then(|(x, _)| checkout_of(x)),
        super::words::implausible(f),
    ) {
        (_, Some(why)) => why,
        (Some(dir), None) => format!(
            "ccci-triage check {} --tag {}",
            crate::model::shell_quote(&dir.display().to_string()),
            crate::model::shell_quote(tag(f))
        ),
        (None, None) => super::words::reproduce(f),
    };
    let mut excludes = Vec::new();
    if !alone.is_empty() {
        excludes.push((
            Class::Flake,
            format!(
                "fails the same way alone, in run {} with no overlapping run",
                alone.join(", ")
            ),
        ));
    } else {
        excludes.push((
            Class::Flake,
            "deterministic: the recipe's backup labels cannot round-trip, whatever the timing"
                .into(),
        ));
    }
    Look::Decides(Decision {
        class: Class::RecipeDefect,
        confidence,
        cause,
        rule: Some(
            main.map(|(_, m)| m.check.clone())
                .unwrap_or_else(|| "backupbot.script-missing".into()),
        ),
        evidence,
        fix,
        next,
        excludes,
    })
}

#[cfg(test)]
mod tests {
    use super::super::kit::*;
    use super::*;
    use crate::model::FindingKind;

    fn no_replay() -> crate::model::Fact {
        finding(
            "backup.restore-replays-no-dump",
            "postgres",
            FindingKind::RestoreReplaysNoDump {
                dump_tool: "pg_dump".into(),
            },
        )
    }

    #[test]
    fn labels_decide_and_alone_or_the_restore_lines_confirm() {
        let f = failure(
            Tier::Restore,
            Some("tests/_generic/test_restore.py::test_restore_returns_state"),
        );
        let snapshot = sign(
            "backupbot.restore-snapshot",
            Role::RestoreSnapshot,
            Place::Console,
        );
        let post = sign(
            "backupbot.restore-post-hook",
            Role::RestorePostHook,
            Place::Console,
        );
        let cases = [
            (vec![no_replay()], Confidence::Likely),
            (vec![no_replay(), load(&[], false)], Confidence::Confirmed),
            (
                vec![
                    no_replay(),
                    load(&["x"], false),
                    sibling("alone-1", true, true),
                ],
                Confidence::Confirmed,
            ),
            (
                vec![no_replay(), load(&["x"], false), snapshot.clone()],
                Confidence::Confirmed,
            ),
            (
                vec![no_replay(), load(&["x"], false), snapshot, post],
                Confidence::Likely,
            ),
            // A sibling that died proves nothing.
            (
                vec![no_replay(), load(&["x"], false), died_sibling("d")],
                Confidence::Likely,
            ),
        ];
        for (facts, want) in cases {
            let facts = with_line(&f, facts);
            let Look::Decides(d) = look(&Case::new(&f, &facts)) else {
                panic!()
            };
            assert_eq!(
                (d.class, d.confidence),
                (Class::RecipeDefect, want),
                "{}",
                d.cause
            );
        }
    }

    #[test]
    fn labels_that_round_trip_rule_the_recipe_out() {
        let f = failure(Tier::Restore, Some("t.py::t"));
        let facts = with_line(&f, vec![round_trips("db")]);
        match look(&Case::new(&f, &facts)) {
            Look::Passes {
                excludes: Some(why),
                ..
            } => assert!(why.contains("`db`"), "{why}"),
            _ => panic!(),
        }
        let facts = with_line(&f, vec![skipped("static recipe checks")]);
        assert!(matches!(look(&Case::new(&f, &facts)), Look::Skips(_)));
    }

    #[test]
    fn not_a_restore_failure() {
        let f = failure(Tier::Upgrade, Some("t.py::t"));
        let facts = with_line(&f, vec![no_replay()]);
        assert!(matches!(
            look(&Case::new(&f, &facts)),
            Look::Passes { excludes: None, .. }
        ));
    }
}
