//! The verdict ladder: one class per failure, decided by the first rung
//! that finds a decisive fact or a clear sign.
//!
//! Read this file top to bottom to know why every class is decided as it
//! is. The rungs, in order ([`LADDER`]):
//!
//! 1. `run-cut-off`: the run was killed (rc 142/143) or ended without a
//!    result. The run is incomplete, not red: **harness**.
//! 2. `harness-signature`: a harness rule fired in the run's console (disk
//!    full, registry rate limit, mirror credentials, no TTY, unstaged
//!    changes, orphaned stack, VIP exhaustion) and the failure is not an
//!    assertion the recipe or test explains: **harness**.
//! 3. `stale-overlay`: a cc-ci overlay test expects something (an image,
//!    a dropped service) that exists in no release tag of the recipe:
//!    **stale-overlay**, confirmed by the git search.
//! 4. `backup-round-trip`: a restore failure and a database service whose
//!    backup does not round-trip (a dump with no restore post-hook, a live
//!    data directory): **recipe-defect**.
//! 5. `routing`: no HTTP answer (status 0) or a refused on-demand TLS ask,
//!    and a proxy-side service reaches a sibling by a bare name that
//!    Docker's DNS resolves on the shared `proxy` network for this stack
//!    name: **routing-collision** (confirmed by a DNS probe).
//! 6. `deploy-failed`: the real deploy failed (not the pre-pull) and the
//!    compose file has a swarm-rejected key or undefined dependency:
//!    **recipe-defect**.
//! 7. `flake`: red under load, and green alone or a canonical written
//!    since: **flake** (confirmed); red under load with a timing sign and
//!    nothing run alone: **flake**, suspected or likely.
//! 8. `reproduces-alone`: red alone too, no rung above explains it:
//!    **unknown**, deterministic, with what would decide.
//! 9. `unknown`: nothing decisive and no clear sign.
//!
//! Every verdict then gets `ruled_out`: for each class it considered and
//! did not choose, the fact that excludes it; and, when the history index
//! knows them, the test's record across runs and a cause it shares with
//! other recipes of its sweep. `confirmed` is only ever set
//! by a rung that holds a decisive fact: a reproduction (cross-run), a
//! probe, or a git check.

mod commands;

use crate::evidence::recipe::{Finding, FindingKind};
use crate::evidence::{Facts, StaleFacts};
use crate::model::{
    Class, Confidence, Evidence, Failure, RuledOut, RungTrace, Signal, TestSource, Tier, Verdict,
};
use crate::rules::{RuleSet, ids};

pub use commands::reproduce_command;

/// What a rung found.
enum Step {
    /// The rung decides.
    Decided(Decision),
    /// The rung looked and found nothing that decides; the note says what
    /// it saw.
    Passed(String),
    /// The rung's input is missing.
    Skipped(String),
}

/// A decision before `ruled_out` and the trail are filled in.
struct Decision {
    class: Class,
    confidence: Confidence,
    cause: String,
    rule: Option<String>,
    evidence: Vec<Evidence>,
    fix: String,
    next: String,
    diff: Option<String>,
}

/// What every rung sees.
pub struct Input<'a> {
    pub failure: &'a Failure,
    pub facts: &'a Facts,
    pub rules: &'a RuleSet,
}

type Rung = fn(&Input) -> Step;

/// The ladder, in order. The first rung that decides wins.
const LADDER: &[(&str, Rung)] = &[
    ("run-cut-off", cut_off),
    ("harness-signature", harness_signature),
    ("stale-overlay", stale_overlay),
    ("backup-round-trip", backup_round_trip),
    ("routing", routing),
    ("deploy-failed", deploy_failed),
    ("flake", flake),
    ("reproduces-alone", reproduces_alone),
];

/// Decides one failure.
pub fn decide(input: &Input) -> Verdict {
    let mut trail = Vec::new();
    let mut decided = None;
    for (name, rung) in LADDER {
        if decided.is_some() {
            trail.push(RungTrace {
                rung: name.to_string(),
                outcome: "not reached".into(),
                note: String::new(),
            });
            continue;
        }
        match rung(input) {
            Step::Decided(d) => {
                trail.push(RungTrace {
                    rung: name.to_string(),
                    outcome: "decided".into(),
                    note: format!("{} ({})", d.class, d.confidence),
                });
                decided = Some((name.to_string(), d));
            }
            Step::Passed(note) => trail.push(RungTrace {
                rung: name.to_string(),
                outcome: "passed".into(),
                note,
            }),
            Step::Skipped(note) => trail.push(RungTrace {
                rung: name.to_string(),
                outcome: "skipped".into(),
                note,
            }),
        }
    }
    let (rung, mut d) = decided.unwrap_or_else(|| ("unknown".to_string(), unknown(input)));
    // One cause across a sweep (a registry limit, a full disk) is one
    // finding: each failure it explains names the recipes it hit, so the
    // operator fixes the node once.
    for c in &input.facts.shared {
        let (key, applies) = match &c.key {
            crate::history::CoKey::Signature(rule) => (
                format!("signature `{rule}`"),
                d.rule.as_deref() == Some(rule.as_str()),
            ),
            crate::history::CoKey::Message(m) => (format!("message `{m}`"), true),
        };
        if applies {
            d.cause.push_str(&format!(
                " One shared cause across the sweep: the same {key} hit {} recipes ({}).",
                c.recipes.len(),
                c.recipes.join(", ")
            ));
            d.evidence.extend(c.evidence.iter().cloned());
        }
    }
    // The run index speaks for every class: how this test fared across all
    // runs of the recipe, under load and alone.
    if let Some(h) = &input.facts.history {
        d.evidence.push(Evidence::new(
            format!(
                "ccci-triage history --recipe {} --test '{}'",
                h.recipe, h.test
            ),
            format!("{} [{}]", h.summary(), h.strip),
        ));
    }
    let ruled_out = rule_out(input, d.class);
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
        reproducibility: reproducibility(input),
        diff: d.diff,
        trail,
    }
}

/// Red or green alone and under load, across the runs of the same recipe
/// and version: the journal's "how reproducible is it".
fn reproducibility(i: &Input) -> String {
    let c = &i.facts.cross;
    let this = &i.failure.run_id;
    let ids = |v: &[crate::evidence::crossrun::Sighting]| -> Vec<String> {
        v.iter().map(|s| s.run_id.clone()).collect()
    };
    let mut red_alone = ids(&c.red_alone);
    let mut red_loaded = ids(&c.red_loaded);
    if c.isolation {
        red_alone.insert(0, this.clone());
    } else if c.loaded {
        red_loaded.insert(0, this.clone());
    }
    let green_alone = ids(&c.green_alone);
    let runs = |n: usize, kind: &str| {
        let s = if n == 1 { "" } else { "s" };
        format!("{n} {kind}run{s}")
    };
    let mut parts = Vec::new();
    if !red_alone.is_empty() {
        parts.push(format!(
            "red alone in {} ({})",
            runs(red_alone.len(), "isolation "),
            abbreviate_list(&red_alone, 4)
        ));
    }
    if !red_loaded.is_empty() {
        parts.push(format!(
            "red under load in {} ({})",
            runs(red_loaded.len(), ""),
            abbreviate_list(&red_loaded, 4)
        ));
    }
    if !green_alone.is_empty() {
        let firm = if green_alone.len() >= 2 {
            ": reproducibly green in isolation"
        } else {
            ": one more would make it reproducible"
        };
        parts.push(format!(
            "green alone in {} ({}){firm}",
            runs(green_alone.len(), "isolation "),
            abbreviate_list(&green_alone, 4)
        ));
    }
    if c.canonical_after {
        parts.push("a canonical was written at this version since".into());
    }
    if red_alone.len() == 1 && red_loaded.is_empty() && green_alone.is_empty() {
        parts.push("not reproduced a second time yet".into());
    }
    if parts.is_empty() {
        return "no other run of this recipe and version to compare with".into();
    }
    parts.join("; ")
}

fn dedup(mut ev: Vec<Evidence>) -> Vec<Evidence> {
    let mut seen = std::collections::HashSet::new();
    ev.retain(|e| seen.insert((e.source.clone(), e.text.clone())));
    ev
}

fn recipe(f: &Failure) -> &str {
    f.recipe.as_deref().unwrap_or("the recipe")
}

fn tag(f: &Failure) -> &str {
    f.tag.as_deref().unwrap_or("its tag")
}

fn failure_line(f: &Failure) -> Evidence {
    Evidence::at(&f.loc, f.message.clone())
}

// ---------------------------------------------------------------- rungs

/// Rung 1: The run was killed or ended without a result.
fn cut_off(i: &Input) -> Step {
    let f = i.failure;
    if f.tier != Tier::Run {
        return Step::Passed("not a whole-run failure".into());
    }
    let killed = i.facts.signal(ids::HARNESS_KILLED);
    // That the run was killed is a fact; that the harness (not a hung
    // recipe) is why, is an inference: likely, never confirmed.
    let confidence = Confidence::Likely;
    let mut evidence = f.evidence.clone();
    evidence.extend(killed.map(Signal::evidence));
    Step::Decided(Decision {
        class: Class::Harness,
        confidence,
        cause: format!("{}: {}", f.run_id, f.message),
        rule: Some(
            killed
                .map(|s| s.rule.clone())
                .unwrap_or_else(|| "run.cut-off".into()),
        ),
        evidence,
        fix: "harness: the run was stopped before it finished (wall-clock limit, operator, or a \
              crash of the runner); its tiers say nothing about the recipe. Find what stopped it \
              (sweep timeout, systemd unit limits) and re-run."
            .into(),
        next: reproduce_command(f),
        diff: None,
    })
}

/// Rung 2: A harness signature in the console explains the failure.
fn harness_signature(i: &Input) -> Step {
    let f = i.failure;
    let Some(sig) = i
        .facts
        .signals
        .iter()
        .find(|s| s.rule.starts_with("harness.") && s.rule != ids::HARNESS_KILLED)
    else {
        return Step::Passed("no harness signature in the run's console".into());
    };
    // An assertion about the recipe is not explained by a rate limit that
    // happened somewhere in the run.
    let asserts = [
        ids::MSG_ASSERT_EQ,
        ids::MSG_ASSERT_NOT_IN,
        ids::MSG_ASSERT_IN,
        ids::MSG_RELATION_MISSING,
    ];
    if f.test.is_some()
        && i.facts
            .signals
            .iter()
            .any(|s| s.loc == f.loc && asserts.contains(&s.rule.as_str()))
    {
        return Step::Passed(format!(
            "{} at {} but the failure is an assertion about the recipe",
            sig.rule, sig.loc
        ));
    }
    let summary = i
        .rules
        .get(&sig.rule)
        .map(|r| r.summary.clone())
        .unwrap_or_default();
    // A signature line plus the step failing before any assertion: likely.
    // That the signature is *why* is inferred, never confirmed.
    let confidence = Confidence::Likely;
    Step::Decided(Decision {
        class: Class::Harness,
        confidence,
        cause: format!(
            "{summary}: `{}` ({})",
            short(&crate::ingest::log::message_of(&sig.text, i.rules), 140),
            sig.loc
        ),
        rule: Some(sig.rule.clone()),
        evidence: vec![failure_line(f), sig.evidence()],
        fix: harness_fix(&sig.rule).into(),
        next: format!(
            "{}  # after fixing the node, re-run alone",
            reproduce_command(f)
        ),
        diff: None,
    })
}

/// What to do about each harness signature (harness owners act).
fn harness_fix(rule: &str) -> &'static str {
    match rule {
        ids::HARNESS_DISK_FULL => {
            "harness: free disk on the node (docker system prune, old run directories' images and volumes) and add a free-space check before each run."
        }
        ids::HARNESS_PULL_RATE_LIMIT => {
            "harness: authenticate image pulls on the node (docker login) or use a pull-through cache; space sweep pulls out."
        }
        ids::HARNESS_ACME_RATE_LIMIT => {
            "harness: stop issuing certificates for the same names repeatedly; use the ACME staging endpoint for cold runs or wait for the weekly window."
        }
        ids::HARNESS_MIRROR_AUTH => {
            "harness: give the runner credentials for the private mirror (credential helper) or fetch from the public recipe URL."
        }
        ids::HARNESS_NO_TTY => {
            "harness: pass --no-input (-n) to every abra call in CI so no prompt waits for a terminal."
        }
        ids::HARNESS_UNSTAGED => {
            "harness: reset the recipe checkout before the run (git -C ~/.abra/recipes/<recipe> reset --hard && git clean -fd); find the step that edits it."
        }
        ids::HARNESS_ORPHANED_STACK => {
            "harness: remove the orphaned stack (docker stack rm, then its volumes and secrets) and make teardown run on every exit path."
        }
        ids::HARNESS_VIP_EXHAUSTED => {
            "harness: the `proxy` overlay is out of addresses: remove dead stacks' services or recreate `proxy` with a larger subnet."
        }
        _ => "harness: fix the CI machinery named by the signature and re-run.",
    }
}

/// Rung 3: The overlay expects a state no release has.
fn stale_overlay(i: &Input) -> Step {
    let f = i.failure;
    if f.test.is_none() || f.source != TestSource::Overlay {
        return Step::Passed(format!(
            "the failing test is not a cc-ci overlay (source {})",
            f.source.as_str()
        ));
    }
    let Some(st) = &i.facts.stale else {
        return Step::Skipped(
            i.facts
                .skipped
                .iter()
                .find(|s| s.starts_with("stale") || s.starts_with("static"))
                .cloned()
                .unwrap_or_else(|| {
                    "no assertion with a recipe artefact on its expected side".into()
                }),
        );
    };
    let ahead = st.on_default_branch();
    if !st.absent_from_releases() {
        let tags = st
            .search
            .as_ref()
            .map(|s| s.tags_with_needle().join(", "))
            .unwrap_or_default();
        return Step::Passed(format!(
            "`{}` is as the test expects in release tag(s) {tags}",
            st.needle
        ));
    }
    let (confidence, searched) = match &st.search {
        Some(s) => (Confidence::Confirmed, s.refs_searched.clone()),
        None => (Confidence::Likely, vec![]),
    };
    let what = if st.expect_present {
        format!("expects `{}`, which appears in no release tag", st.needle)
    } else {
        format!(
            "expects `{}` gone, but every release tag still has it",
            st.needle
        )
    };
    let branch = st
        .search
        .as_ref()
        .and_then(|s| s.default_branch.clone())
        .unwrap_or_else(|| "the default branch".into());
    let where_ = match (st.search.is_none(), ahead, st.expect_present) {
        (true, _, _) => format!(
            "(only the checkout at {} was searched: no git history)",
            tag(f)
        ),
        (false, true, true) => {
            format!("but is on `{branch}`: the overlay is ahead of a release, not wrong forever")
        }
        (false, true, false) => format!(
            "but it is gone on `{branch}`: the overlay is ahead of a release, not wrong forever"
        ),
        (false, false, true) => format!("nor on `{branch}`"),
        (false, false, false) => format!("and so does `{branch}`"),
    };
    let actual = st
        .actual
        .as_ref()
        .map(|a| format!("; {} {} has `{a}`", recipe(f), tag(f)))
        .unwrap_or_default();
    let mut evidence = vec![failure_line(f)];
    evidence.extend(st.overlay_line.clone());
    evidence.extend(git_evidence(st));
    let fix = if ahead {
        format!(
            "cc-ci: the overlay test {} asserts a change that is on `{branch}` but not released; \
             skip it when the tested ref is a release tag (or pin the sweep to the release that has it) \
             until {} cuts a release containing it.",
            f.test.as_deref().unwrap_or(""),
            recipe(f)
        )
    } else {
        format!(
            "cc-ci: {} asserts a migration that exists in no release of {}; limit it to the PR that makes \
             the change (skip when the tested ref is a release tag) or update its expectation to the \
             released recipe.",
            f.test.as_deref().unwrap_or("the overlay test"),
            recipe(f)
        )
    };
    Step::Decided(Decision {
        class: Class::StaleOverlay,
        confidence,
        cause: if st.search.is_some() {
            format!(
                "overlay test {what} ({} refs searched) {where_}{actual}",
                searched.len()
            )
        } else {
            let state = if st.expect_present {
                format!(
                    "`{}`, which the recipe's checkout at {} does not have",
                    st.needle,
                    tag(f)
                )
            } else {
                format!(
                    "`{}` gone, but the recipe's checkout at {} still has it",
                    st.needle,
                    tag(f)
                )
            };
            format!(
                "overlay test expects {state} (no git history, so the other release tags were \
                 not searched){actual}"
            )
        },
        rule: Some("git.expectation-absent".into()),
        evidence,
        fix,
        next: format!(
            "git -C {} log --all --oneline -S '{}'",
            st.checkout.display(),
            st.needle
        ),
        diff: st.diff.clone(),
    })
}

/// Evidence lines from a git search.
fn git_evidence(st: &StaleFacts) -> Vec<Evidence> {
    let Some(s) = &st.search else {
        return vec![Evidence::new(
            st.checkout.display().to_string(),
            format!(
                "`{}` {} in the checkout's files",
                st.needle,
                if st.in_worktree == Some(true) {
                    "found"
                } else {
                    "not found"
                }
            ),
        )];
    };
    let mut out = vec![Evidence::new(
        format!(
            "git -C {} grep -F '{}' <each ref>",
            st.checkout.display(),
            st.needle
        ),
        format!(
            "searched {}: {}",
            s.refs_searched.len(),
            abbreviate_list(&s.refs_searched, 8)
        ),
    )];
    for hit in s.found_in.iter().take(4) {
        out.push(Evidence::new(hit.source(), hit.text.trim().to_string()));
    }
    if s.found_in.is_empty() {
        out.push(Evidence::new(
            format!("git -C {}", st.checkout.display()),
            format!("`{}` found in none of them", st.needle),
        ));
    }
    out
}

/// Rung 4: A restore failure that the recipe's backup labels explain.
fn backup_round_trip(i: &Input) -> Step {
    let f = i.failure;
    let restore_sign = f.tier == Tier::Restore
        || i.facts
            .signals
            .iter()
            .any(|s| s.rule == ids::MSG_RELATION_MISSING && s.loc == f.loc);
    if !restore_sign {
        return Step::Passed("not a restore failure".into());
    }
    let Some(st) = &i.facts.recipe else {
        return Step::Skipped("no recipe checkout: backup labels not checked".into());
    };
    let findings: Vec<&Finding> = st
        .report
        .findings
        .iter()
        .filter(|x| {
            matches!(
                x.kind,
                FindingKind::RestoreReplaysNoDump { .. } | FindingKind::LiveDataDir { .. }
            )
        })
        .collect();
    let Some(main) = findings
        .iter()
        .find(|x| matches!(x.kind, FindingKind::RestoreReplaysNoDump { .. }))
        .or(findings.first())
    else {
        return Step::Passed(format!("backup labels of {} round-trip", recipe(f)));
    };
    let cross = &i.facts.cross;
    let snapshot = i.facts.signal(ids::RESTORE_SNAPSHOT);
    let post_hook_ran = i.facts.has(ids::RESTORE_POST_HOOK);
    let mut evidence = vec![failure_line(f)];
    for x in &findings {
        evidence.extend(x.evidence.iter().cloned());
    }
    if let Some(s) = snapshot {
        evidence.push(s.evidence());
        if !post_hook_ran {
            evidence.push(Evidence::new(
                s.loc.path.display().to_string(),
                "no `restore post-hook` line follows: nothing replayed the dump".to_string(),
            ));
        }
    }
    let alone = cross
        .red_alone
        .first()
        .map(|s| s.run_id.clone())
        .or_else(|| cross.isolation.then(|| f.run_id.clone()));
    if let Some(s) = cross.red_alone.first() {
        evidence.push(s.evidence.clone());
    }
    let confidence = if alone.is_some() || (snapshot.is_some() && !post_hook_ran) {
        Confidence::Confirmed
    } else {
        Confidence::Likely
    };
    let mut cause = main.summary.clone();
    if findings.len() > 1 {
        let others: Vec<&str> = findings
            .iter()
            .filter(|x| !std::ptr::eq(**x, *main))
            .map(|x| x.summary.as_str())
            .collect();
        cause = format!("{cause}; also {}", others.join("; "));
    }
    let (fix, diff) = match &i.facts.reference {
        Some(r) => {
            let ours = st.report.services.iter().find(|s| s.name == main.service);
            let theirs = r.facts.report.services.iter().find(|s| s.name == r.service);
            evidence.push(Evidence::new(
                r.facts.source_of("compose.yml", None),
                format!("reference: {} service `{}` dumps in a pre-hook and replays it in `backupbot.restore.post-hook` (its restore passes in run {})", r.recipe, r.service, r.run_id),
            ));
            (
                format!(
                    "{} recipe PR: {} Do it as {} does for service `{}`: back up only the dump file and replay it in `backupbot.restore.post-hook`.",
                    recipe(f),
                    main.fix,
                    r.recipe,
                    r.service
                ),
                match (ours, theirs) {
                    (Some(a), Some(b)) => Some(crate::evidence::recipe::label_diff(a, b)),
                    _ => None,
                },
            )
        }
        None => (format!("{} recipe PR: {}", recipe(f), main.fix), None),
    };
    Step::Decided(Decision {
        class: Class::RecipeDefect,
        confidence,
        cause,
        rule: Some(main.check.clone()),
        evidence,
        fix,
        next: format!(
            "ccci-triage check {} --tag {}",
            st.checkout.display(),
            tag(f)
        ),
        diff,
    })
}

/// Rung 5: No answer through the proxy, and a bare name that resolves across
/// the stacks on `proxy`.
fn routing(i: &Input) -> Step {
    let f = i.failure;
    let no_answer = i.facts.signals.iter().find(|s| {
        s.rule == ids::HEALTH_NO_ANSWER
            || s.rule == ids::TLS_ASK_REFUSED
            || s.rule == ids::MSG_NO_HTTP_ANSWER
            || (s.rule == ids::SWEEP_NOT_HEALTHY
                && s.capture("status")
                    .is_some_and(|v| v.trim_start_matches('0').is_empty()))
    });
    let routing_findings: Vec<&Finding> = i
        .facts
        .recipe
        .as_ref()
        .map(|r| {
            r.report
                .findings
                .iter()
                .filter(|x| matches!(x.kind, FindingKind::BareNameRouting { .. }))
                .collect()
        })
        .unwrap_or_default();
    let relevant = matches!(f.tier, Tier::Promote) || no_answer.is_some();
    if !relevant {
        return Step::Passed("no status-0 / refused-ask sign and not a promote".into());
    }
    let Some(finding) = routing_findings.first() else {
        return match &i.facts.recipe {
            Some(_) => Step::Passed("no service on proxy reaches a sibling by a bare name".into()),
            None => Step::Skipped("no recipe checkout: routing not checked".into()),
        };
    };
    let FindingKind::BareNameRouting {
        name,
        cold_ok,
        warm_ok,
        ..
    } = &finding.kind
    else {
        unreachable!("filtered above");
    };
    // Which stack failed: the warm one for a promote, else the run's cold
    // stack.
    let warm = f.tier == Tier::Promote || no_answer.is_some_and(|s| s.capture("warm").is_some());
    let predicted_break = if warm { !warm_ok } else { !cold_ok };
    let mut evidence = vec![failure_line(f)];
    evidence.extend(finding.evidence.iter().cloned());
    evidence.extend(no_answer.map(Signal::evidence));
    for s in i
        .facts
        .signals
        .iter()
        .filter(|s| s.rule == ids::TLS_ASK_REFUSED)
        .take(3)
    {
        evidence.push(s.evidence());
    }
    // A probe decides either way.
    if let Some(p) = &i.facts.probe {
        evidence.extend(p.evidence());
        if !p.collision {
            return Step::Passed(format!(
                "probe: `{}` resolves to the stack's own service only ({})",
                p.name, p.command
            ));
        }
    }
    let confidence = match (&i.facts.probe, predicted_break, no_answer.is_some()) {
        (Some(p), _, _) if p.collision => Confidence::Confirmed,
        (_, true, true) => Confidence::Likely,
        _ => Confidence::Suspected,
    };
    if !predicted_break && i.facts.probe.is_none() {
        return Step::Passed(format!(
            "bare name `{name}` is used, but for this stack name Docker's DNS answers from its own network first"
        ));
    }
    let cold_warm = match (cold_ok, warm_ok) {
        (true, false) => " That is why the cold run passed and the warm promote failed.",
        _ => "",
    };
    Step::Decided(Decision {
        class: Class::RoutingCollision,
        confidence,
        cause: format!("{}{cold_warm}", finding.summary),
        rule: Some(finding.check.clone()),
        evidence,
        fix: format!("{} recipe PR: {}", recipe(f), finding.fix),
        next: format!(
            "ccci-triage probe dns --container {}_{} --name {name}",
            crate::evidence::recipe::warm_stack_name(recipe(f)),
            match &finding.kind {
                FindingKind::BareNameRouting { from, .. } => from.as_str(),
                _ => "",
            }
        ),
        diff: None,
    })
}

/// Rung 6: The real deploy failed and the compose file explains it.
fn deploy_failed(i: &Input) -> Step {
    let Some(sig) = i.facts.signal(ids::DEPLOY_FAILED) else {
        return Step::Passed("no failed deploy (a pre-pull error is not one)".into());
    };
    if i.facts.has(ids::DEPLOY_CONVERGED) {
        return Step::Passed("a deploy failed but a later one converged".into());
    }
    let Some(st) = &i.facts.recipe else {
        return Step::Skipped("no recipe checkout: compose not checked".into());
    };
    let Some(finding) = st
        .report
        .findings
        .iter()
        .find(|x| matches!(x.kind, FindingKind::SwarmRejectedKey { .. }))
    else {
        return Step::Passed("the compose file has no key swarm rejects".into());
    };
    let f = i.failure;
    let mut evidence = vec![failure_line(f), sig.evidence()];
    evidence.extend(finding.evidence.iter().cloned());
    Step::Decided(Decision {
        class: Class::RecipeDefect,
        confidence: Confidence::Likely,
        cause: finding.summary.clone(),
        rule: Some(finding.check.clone()),
        evidence,
        fix: format!("{} recipe PR: {}", recipe(f), finding.fix),
        next: format!("ccci-triage probe compose {}", st.checkout.display()),
        diff: None,
    })
}

/// Rung 7: Red under load, green alone (or canonical since).
fn flake(i: &Input) -> Step {
    let f = i.failure;
    let c = &i.facts.cross;
    if c.reproduces_alone() {
        return Step::Passed(format!("red alone too ({})", alone_ids(i).join(", ")));
    }
    if !c.loaded {
        return Step::Passed("this run overlapped no other run".into());
    }
    let timing = i.facts.signals.iter().find(|s| {
        s.loc == f.loc
            && matches!(
                s.rule.as_str(),
                ids::MSG_TIMEOUT | ids::MSG_HTTP_5XX | ids::MSG_CONNECTION_REFUSED
            )
    });
    let load = load_words(i);
    let mut evidence = vec![failure_line(f)];
    let greens: Vec<String> = c.green_alone.iter().map(|s| s.run_id.clone()).collect();
    for s in &c.green_alone {
        evidence.push(s.evidence.clone());
    }
    if c.canonical_after {
        evidence.extend(crate::evidence::crossrun::canonical_line(c));
    }
    if !greens.is_empty() || c.canonical_after {
        let mut parts = Vec::new();
        if !greens.is_empty() {
            let n = greens.len();
            parts.push(if n >= 2 {
                format!(
                    "reproducibly green in isolation ({n} runs: {})",
                    greens.join(", ")
                )
            } else {
                format!(
                    "green in 1 isolation run ({}); one more would make it reproducible",
                    greens[0]
                )
            });
        }
        if c.canonical_after {
            if let Some(can) = &c.canonical {
                parts.push(format!(
                    "canonical {} written {} after the red run",
                    can.version,
                    can.written.map(|t| t.to_string()).unwrap_or_default()
                ));
            }
        }
        let timing_words = timing
            .map(|s| format!(" ({})", short(&s.text, 90)))
            .unwrap_or_default();
        return Step::Decided(Decision {
            class: Class::Flake,
            confidence: Confidence::Confirmed,
            cause: format!(
                "{} red under load{timing_words} {load}; {}",
                f.test.as_deref().map(short_test).unwrap_or(f.tier.as_str()),
                parts.join("; ")
            ),
            rule: Some(timing.map(|s| s.rule.clone()).unwrap_or_else(|| "crossrun.green-alone".into())),
            evidence,
            fix: "harness: stabilise under load (a readiness gate before the tier, a longer or smarter \
                  retry, or serialise this recipe away from concurrent Drone builds); the recipe and the \
                  test are fine."
                .into(),
            next: if greens.len() >= 2 {
                format!("ccci-triage history --recipe {} --test '{}'", recipe(f), f.test.as_deref().unwrap_or(""))
            } else {
                format!("{}  # again, alone", reproduce_command(f))
            },
            diff: None,
        });
    }
    // Signs only.
    let Some(t) = timing else {
        return Step::Passed(format!(
            "red under load {load}, but no timing sign and no isolation run"
        ));
    };
    evidence.push(t.evidence());
    // A test that already retries and still timed out: a second sign.
    let confidence = if f.reruns > 0 || i.facts.has(ids::MSG_RETRIED) {
        Confidence::Likely
    } else {
        Confidence::Suspected
    };
    Step::Decided(Decision {
        class: Class::Flake,
        confidence,
        cause: format!(
            "timing failure under load {load} (`{}`); never run alone, so not yet a confirmed flake",
            short(&t.text, 100)
        ),
        rule: Some(t.rule.clone()),
        evidence,
        fix: "harness: if it passes alone, stabilise the tier under load (readiness gate, longer retry).".into(),
        next: reproduce_command(f),
        diff: None,
    })
}

/// Rung 8: Red alone too, and nothing above explains it.
fn reproduces_alone(i: &Input) -> Step {
    let f = i.failure;
    if !i.facts.cross.reproduces_alone() {
        return Step::Passed("not seen red alone".into());
    }
    let ids_alone = alone_ids(i);
    let mut evidence = vec![failure_line(f)];
    evidence.extend(i.facts.cross.red_alone.iter().map(|s| s.evidence.clone()));
    let candidates = match f.source {
        TestSource::Overlay => {
            "recipe-defect or stale-overlay (the overlay's expectation vs the release)"
        }
        TestSource::Generic => {
            "recipe-defect (the generic test passes on other recipes) or harness"
        }
        _ => "recipe-defect or a wrong test",
    };
    // Red in two runs, one of them alone, is a pattern; red once alone is
    // one sign.
    let confidence = if i.facts.cross.red_alone.len() + i.facts.cross.red_loaded.len() >= 1 {
        Confidence::Likely
    } else {
        Confidence::Suspected
    };
    Step::Decided(Decision {
        class: Class::Unknown,
        confidence,
        cause: if confidence == Confidence::Likely {
            format!(
                "deterministic: fails the same way alone ({}); no rule or static check explains it. \
                 Candidates: {candidates}",
                ids_alone.join(", ")
            )
        } else {
            format!(
                "red in an isolation run ({}), so not a load flake, but one run does not make it \
                 deterministic and no rule or static check explains it. Candidates: {candidates}",
                ids_alone.join(", ")
            )
        },
        rule: None,
        evidence,
        fix: "decide between the candidates: read the failure body and the recipe at the tag; a recipe \
              fault goes to the recipe's maintainers, a wrong expectation to cc-ci."
            .into(),
        next: format!("ccci-triage explain {} '{}'", f.run_id, f.test.as_deref().unwrap_or(f.tier.as_str())),
        diff: None,
    })
}

/// Rung 9: Nothing decided.
fn unknown(i: &Input) -> Decision {
    let f = i.failure;
    let c = &i.facts.cross;
    let what = if c.compared == 0 {
        "no other run of this recipe and version to compare with"
    } else {
        "other runs do not decide it"
    };
    Decision {
        class: Class::Unknown,
        confidence: Confidence::Suspected,
        cause: format!(
            "nothing decisive: {what}. Candidates: flake (run it alone: green means flake), \
             recipe-defect or stale test (red alone means deterministic)"
        ),
        rule: None,
        evidence: vec![failure_line(f)],
        fix: "first reproduce alone; the result decides between flake and a deterministic cause."
            .into(),
        next: reproduce_command(f),
        diff: None,
    }
}

// ----------------------------------------------------------- ruled out

/// For every class other than `chosen` (and unknown), the fact that
/// excludes it, when there is one worth saying.
fn rule_out(i: &Input, chosen: Class) -> Vec<RuledOut> {
    let f = i.failure;
    let c = &i.facts.cross;
    let mut out = Vec::new();
    let mut add = |class: Class, why: String| {
        if class != chosen {
            out.push(RuledOut { class, why });
        }
    };
    // flake
    if c.reproduces_alone() {
        add(
            Class::Flake,
            format!(
                "fails the same way alone, in run {} with no overlapping run",
                alone_ids(i).join(", ")
            ),
        );
    } else if matches!(
        chosen,
        Class::StaleOverlay | Class::RecipeDefect | Class::RoutingCollision
    ) {
        add(
            Class::Flake,
            "deterministic: the cause is in the recipe files or test expectation, not in timing"
                .into(),
        );
    } else if !c.loaded && chosen != Class::Flake {
        add(Class::Flake, "the run overlapped no other run".into());
    }
    // recipe-defect
    let converged = i.facts.signal(ids::DEPLOY_CONVERGED);
    let prepull = i.facts.signal(ids::PREPULL_CONFIG_FAILED);
    if let (Some(p), Some(conv)) = (prepull, converged) {
        let undefined = i.facts.signal(ids::COMPOSE_UNDEFINED_DEP);
        let detail = undefined
            .map(|u| format!(" (`{}` at {})", short(u.text.trim(), 100), u.loc))
            .unwrap_or_default();
        add(
            Class::RecipeDefect,
            format!(
                "the pre-pull's `docker compose config` error at {}{detail} is a red herring: `abra app deploy` \
                 is `docker stack deploy`, which ignores depends_on, and the deploy converged ({})",
                p.loc, conv.loc
            ),
        );
    } else if chosen == Class::StaleOverlay {
        if let Some(conv) = converged {
            add(
                Class::RecipeDefect,
                format!(
                    "the recipe deploys and converges ({}); the test's expectation is what is wrong",
                    conv.loc
                ),
            );
        }
    } else if chosen == Class::Flake {
        add(
            Class::RecipeDefect,
            "green alone on the same version: the recipe works".into(),
        );
    }
    // stale-overlay
    if f.source != TestSource::Overlay || f.test.is_none() {
        if chosen != Class::Harness || f.test.is_some() {
            add(
                Class::StaleOverlay,
                format!(
                    "the failing check is not a cc-ci overlay test (source {})",
                    f.source.as_str()
                ),
            );
        }
    } else if let Some(st) = &i.facts.stale {
        if !st.absent_from_releases() {
            add(
                Class::StaleOverlay,
                format!("`{}` is in a release tag, as the test expects", st.needle),
            );
        }
    }
    // routing-collision
    if let Some(r) = &i.facts.recipe {
        let has = r
            .report
            .findings
            .iter()
            .any(|x| matches!(x.kind, FindingKind::BareNameRouting { .. }));
        if !has && chosen != Class::Harness {
            add(
                Class::RoutingCollision,
                format!(
                    "no service on `proxy` reaches a sibling by a bare name ({})",
                    r.origin
                ),
            );
        }
    }
    if let Some(p) = &i.facts.probe {
        if !p.collision {
            add(
                Class::RoutingCollision,
                format!("probe: {} — {}", p.command, p.summary.clone()),
            );
        }
    }
    // harness
    if !i
        .facts
        .signals
        .iter()
        .any(|s| s.rule.starts_with("harness."))
        && chosen != Class::Harness
    {
        let scanned = if i
            .facts
            .signals
            .iter()
            .any(|s| s.loc.path.to_string_lossy().ends_with(".console.log"))
        {
            "the run's console"
        } else {
            "the failure and the sweep log (no console log for this run)"
        };
        add(
            Class::Harness,
            format!(
                "no harness signature (disk, rate limit, TTY, orphaned stack, VIP) in {scanned}"
            ),
        );
    }
    out
}

// ------------------------------------------------------------- helpers

fn alone_ids(i: &Input) -> Vec<String> {
    let mut ids: Vec<String> = i
        .facts
        .cross
        .red_alone
        .iter()
        .map(|s| s.run_id.clone())
        .collect();
    if i.facts.cross.isolation {
        ids.insert(0, i.failure.run_id.clone());
    }
    ids
}

fn load_words(i: &Input) -> String {
    let c = &i.facts.cross;
    if c.overlapping.is_empty() {
        "(in the canon sweep)".into()
    } else {
        format!("(overlapping {})", abbreviate_list(&c.overlapping, 4))
    }
}

fn short_test(t: &str) -> &str {
    t.rsplit("::").next().unwrap_or(t)
}

fn short(s: &str, max: usize) -> String {
    let s = s.trim();
    if s.chars().count() <= max {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(max - 1).collect::<String>())
    }
}

fn abbreviate_list(items: &[String], max: usize) -> String {
    if items.len() <= max {
        items.join(", ")
    } else {
        format!(
            "{}, … {}",
            items[..max - 1].join(", "),
            items.last().map(String::as_str).unwrap_or("")
        )
    }
}
