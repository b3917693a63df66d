//! What the facts already held say, when no rung decided on them: every
//! fact that points somewhere, in a sentence that says where. A cause is
//! never only "nothing decisive".

use crate::model::{FindingKind, Place, Role, Tier};

use super::case::Case;
use super::words::short;

/// One sentence per fact worth saying, in a stable order.
pub fn notes(c: &Case) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(r) = c.sign(Role::Rollback) {
        out.push(format!(
            "the upgrade ended `{}`: swarm rolled the new version back (its tasks failed their \
             health checks), which points at the recipe at the new tag",
            r.capture("state").unwrap_or("rollback")
        ));
    }
    if c.f.reruns > 0 {
        out.push(format!(
            "the test was rerun {} time(s) in this run, a flakiness sign",
            c.f.reruns
        ));
    }
    if let Some(t) = c.sign_at(Role::Timing, &[Place::Message]) {
        out.push(format!("a timing failure (`{}`)", short(&t.text, 80)));
    }
    if let Some(d) = c.sign(Role::DeployTimeout) {
        out.push(format!("abra's deploy timed out ({})", d.source));
    }
    // Only a failure about data says anything about the backup.
    let data = matches!(c.f.tier, Tier::Backup | Tier::Restore)
        || c.sign_at(Role::DataLost, &[Place::Message]).is_some();
    for (_, service) in c.round_trips().into_iter().filter(|_| data) {
        out.push(format!(
            "service `{service}`'s backup labels do round-trip, so not the recipe's backup"
        ));
    }
    if let Some((_, rungs)) = c.unver() {
        let why = if c.rule("pytest.no-tests").is_some() {
            " (pytest found no tests to run: the tier's test selection, not the recipe, is \
             what to look at)"
        } else {
            ""
        };
        out.push(format!("rung(s) {} never ran{why}", rungs.join(", ")));
    }
    if let (Some((fact, _)), false) = (c.ending(), c.f.tier == Tier::Run) {
        out.push(format!(
            "this run did not end normally ({}), so what it shows proves nothing alone",
            fact.text
        ));
    }
    let dead: Vec<&str> = c
        .siblings()
        .into_iter()
        .filter(|s| s.alone && s.died)
        .map(|s| s.run_id)
        .collect();
    if !dead.is_empty() {
        out.push(format!(
            "isolation rerun(s) {} did not end normally and prove nothing either way",
            dead.join(", ")
        ));
    }
    if let Some((_, finding)) = c.routing_finding()
        && let (FindingKind::BareNameRouting { name, .. }, Some((_, stack, true))) =
            (&finding.kind, c.stack_order())
    {
        out.push(format!(
            "the recipe reaches `{name}` by a bare name, but for stack {stack} its own network \
                 answers first: not the cause here"
        ));
    }
    if let Some(p) = c.sign(Role::PrepullError)
        && c.sign(Role::Converged).is_some()
    {
        out.push(format!(
            "the pre-pull's compose error ({}) is a red herring: the deploy converged",
            p.source
        ));
    }
    if let Some(h) = c.history() {
        out.push(format!("history: {}", h.text));
    }
    out
}
