//! Rung 5, `routing`: a bare service name resolves to another stack.
//!
//! Every stack's public service joins the shared `proxy` network, and
//! every stack calls its main service `app`. Docker's embedded DNS answers
//! a name from the first network that knows it (non-internal first, then
//! by name), so a proxy on `proxy` + `<stack>_internal` asking for `app`
//! gets its own `app` only when `<stack>_internal` sorts before `proxy`.
//!
//! Decides **routing-collision** when the recipe at the tag has a service
//! on `proxy` reaching a sibling by a bare name:
//! - `confirmed` by a probe: inside the proxy-side container the name
//!   resolves to other stacks' addresses only;
//! - `likely` when the DNS order breaks it for this run's stack name (the
//!   warm one for a promote) and a symptom agrees: no HTTP answer (status
//!   0, caddy without its on-demand certificate), a 502/504, an upstream
//!   refusing connections, in whichever tier reaches the app through the
//!   proxy, not only the promote;
//! - `suspected` when the order breaks it for this stack and no symptom
//!   was recognised (the static finding alone is one sign).
//!
//! Never: a probe that shows the name resolving to the stack's own service
//! (that rules routing out); no bare-name finding in the recipe.

use crate::model::{Class, Confidence, FindingKind, Place, Role, Tier};

use super::case::Case;
use super::words::{recipe, short};
use super::{Decision, Look};

pub fn look(c: &Case) -> Look {
    let f = c.f;
    let everywhere = [
        Place::Message,
        Place::ConsoleNear,
        Place::Console,
        Place::Sweep,
    ];
    let symptom = c
        .sign_at(Role::NoAnswer, &everywhere)
        .or_else(|| c.sign_at(Role::UpstreamRefused, &everywhere));
    let Some((fact, finding)) = c.routing_finding() else {
        if !c.statics_read() {
            return Look::Skips("no recipe checkout: routing was not checked".into());
        }
        return Look::exclude(
            "no service on `proxy` reaches a sibling by a bare name in the recipe's files",
        );
    };
    let FindingKind::BareNameRouting {
        from,
        name,
        cold_ok,
        warm_ok,
        ..
    } = &finding.kind
    else {
        return Look::pass("no bare-name routing finding");
    };
    let probe = c.probe();
    if let Some((p, false, container, _)) = probe {
        return Look::exclude(format!(
            "probe: inside `{container}`, `{name}` resolves to the stack's own service ({})",
            p.source
        ));
    }
    let order = c.stack_order();
    let breaks = order
        .map(|(_, _, own_first)| !own_first)
        .unwrap_or(f.tier == Tier::Promote && !warm_ok);
    if !breaks && probe.is_none() {
        return Look::exclude(format!(
            "bare name `{name}` is used by `{from}`, but for stack {} Docker's DNS answers from its own network first",
            order.map(|(_, s, _)| s).unwrap_or("this run's stack")
        ));
    }
    let refused: Vec<&str> = c
        .signs(Role::UpstreamRefused)
        .filter_map(|x| x.capture("addr"))
        .collect();
    let mut distinct = refused.clone();
    distinct.sort();
    distinct.dedup();
    let confidence = match (probe, symptom) {
        (Some((_, true, ..)), _) => Confidence::Confirmed,
        (_, Some(_)) => Confidence::Likely,
        (_, None) => Confidence::Suspected,
    };
    let mut cause = finding.summary.clone();
    if let Some((_, stack, _)) = order {
        cause.push_str(&format!(
            " This run's stack `{stack}`: its `_internal` network sorts after `proxy`, so `{name}` reaches other stacks."
        ));
    }
    if *cold_ok && !warm_ok {
        cause.push_str(" That is why the cold run passed and the warm promote failed.");
    }
    match symptom {
        Some(s) => cause.push_str(&format!(
            " Symptom: `{}` ({}).",
            short(&s.text, 100),
            s.source
        )),
        None => cause.push_str(" No symptom line was recognised; the DNS order alone predicts it."),
    }
    if distinct.len() >= 2 {
        cause.push_str(&format!(
            " Connections were refused at {} different addresses ({}): other stacks' services.",
            distinct.len(),
            distinct.join(", ")
        ));
    }
    let mut evidence = vec![c.line(), fact.evidence()];
    evidence.extend(order.map(|(o, ..)| o.evidence()));
    evidence.extend(symptom.map(|s| s.evidence()));
    evidence.extend(c.signs(Role::UpstreamRefused).take(3).map(|x| x.evidence()));
    if let Some((p, ..)) = probe {
        evidence.push(p.evidence());
    }
    let container = match (f.tier, order) {
        (Tier::Promote, _) | (_, None) => {
            format!("warm-{}_ci_commoninternet_net_{from}", recipe(f))
        }
        (_, Some((_, stack, _))) => format!("{stack}_{from}"),
    };
    let next = if f
        .recipe
        .as_deref()
        .is_some_and(crate::model::is_recipe_name)
    {
        format!(
            "ccci-triage probe dns --container {} --name {}",
            crate::model::shell_quote(&container),
            crate::model::shell_quote(name)
        )
    } else {
        "no command: the run names no plausible recipe".to_string()
    };
    Look::Decides(Decision {
        class: Class::RoutingCollision,
        confidence,
        cause,
        rule: Some(finding.check.clone()),
        evidence,
        fix: format!("{} recipe PR: {}", recipe(f), finding.fix),
        next,
        excludes: vec![(
            Class::Flake,
            "deterministic: Docker's DNS order for the stack's name decides where the name goes"
                .into(),
        )],
    })
}

#[cfg(test)]
mod tests {
    use super::super::kit::*;
    use super::*;

    #[test]
    fn order_symptom_and_probe() {
        let promote = failure(Tier::Promote, None);
        let custom = failure(
            Tier::Custom,
            Some("tests/demo/custom/test_ui.py::test_home"),
        );
        let no_answer = sign("health.no-answer", Role::NoAnswer, Place::Sweep);
        let bad_gw = sign_with(
            "proxy.upstream-refused",
            Role::UpstreamRefused,
            Place::Console,
            &[("addr", "10.10.0.5")],
        );
        let cases: Vec<(
            &str,
            &crate::model::Failure,
            Vec<crate::model::Fact>,
            Option<Confidence>,
        )> = vec![
            (
                "promote, warm order breaks, status 0",
                &promote,
                vec![
                    routing_finding(true, false),
                    stack_order("warm-demo_ci", false),
                    no_answer.clone(),
                ],
                Some(Confidence::Likely),
            ),
            (
                "probe confirms",
                &promote,
                vec![
                    routing_finding(true, false),
                    stack_order("warm-demo_ci", false),
                    no_answer,
                    probe(true),
                ],
                Some(Confidence::Confirmed),
            ),
            (
                "probe refutes",
                &promote,
                vec![
                    routing_finding(true, false),
                    stack_order("warm-demo_ci", false),
                    probe(false),
                ],
                None,
            ),
            (
                "a custom tier's 502 through the proxy",
                &custom,
                vec![
                    routing_finding(false, false),
                    stack_order("zzz_ci", false),
                    bad_gw,
                ],
                Some(Confidence::Likely),
            ),
            (
                "the order alone is one sign",
                &custom,
                vec![routing_finding(false, false), stack_order("zzz_ci", false)],
                Some(Confidence::Suspected),
            ),
            (
                "own network first: not this stack",
                &custom,
                vec![routing_finding(true, false), stack_order("aaa_ci", true)],
                None,
            ),
        ];
        for (what, f, facts, want) in cases {
            let facts = with_line(f, facts);
            match (look(&Case::new(f, &facts)), want) {
                (Look::Decides(d), Some(conf)) => {
                    assert_eq!(
                        (d.class, d.confidence),
                        (Class::RoutingCollision, conf),
                        "{what}"
                    );
                    assert!(
                        d.next.starts_with("ccci-triage probe dns --container "),
                        "{what}: {}",
                        d.next
                    );
                }
                (Look::Passes { .. }, None) => {}
                _ => panic!("{what}"),
            }
        }
    }
}
