//! Builders for the rungs' table tests: facts in, a look out.

use crate::model::{
    Captures, Evidence, Fact, FactKind, Failure, Finding, FindingKind, Loc, Place, Role, RunEnding,
    Source, TestSource, Tier,
};

pub fn failure(tier: Tier, test: Option<&str>) -> Failure {
    Failure {
        run_id: "r1".into(),
        recipe: Some("demo".into()),
        tag: Some("1.0.0+1.0".into()),
        tier,
        test: test.map(str::to_string),
        source: if test.is_some() {
            TestSource::Generic
        } else {
            TestSource::Unknown
        },
        message: "boom".into(),
        detail: None,
        reruns: 0,
        lines: vec![],
        loc: Loc::new("junit/x.xml", Some(3)),
    }
}

pub fn ccci(mut f: Failure) -> Failure {
    f.source = TestSource::CcCi;
    f
}

fn at() -> Source {
    Source::File(Loc::new("c.log", Some(10)))
}

/// The failure's own line first, then `facts`.
pub fn with_line(f: &Failure, facts: Vec<Fact>) -> Vec<Fact> {
    let mut out = vec![Fact::new(
        FactKind::Line,
        Source::File(f.loc.clone()),
        f.message.clone(),
    )];
    out.extend(facts);
    out
}

pub fn ending(e: RunEnding) -> Fact {
    Fact::new(FactKind::Ending(e), at(), "ending")
}

pub fn sign(rule: &str, role: Role, place: Place) -> Fact {
    sign_with(rule, role, place, &[])
}

pub fn sign_with(rule: &str, role: Role, place: Place, caps: &[(&str, &str)]) -> Fact {
    Fact::new(
        FactKind::Sign {
            rule: rule.into(),
            role,
            place,
            captures: caps
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<Captures>(),
            summary: format!("{rule} summary").into(),
            fix: (role == Role::Harness).then(|| format!("fix for {rule}").into()),
        },
        at(),
        format!("line of {rule}"),
    )
}

pub fn load(overlapping: &[&str], sweep: bool) -> Fact {
    let isolation = overlapping.is_empty() && !sweep;
    Fact::new(
        FactKind::Load {
            overlapping: overlapping.iter().map(|s| s.to_string()).collect(),
            sweep,
            isolation,
        },
        at(),
        "load",
    )
}

pub fn sibling(run: &str, red: bool, alone: bool) -> Fact {
    Fact::new(
        FactKind::Sibling {
            run_id: run.into(),
            red,
            alone,
            died: false,
        },
        at(),
        format!("{run}: red={red} alone={alone}"),
    )
}

pub fn died_sibling(run: &str) -> Fact {
    Fact::new(
        FactKind::Sibling {
            run_id: run.into(),
            red: true,
            alone: true,
            died: true,
        },
        at(),
        format!("{run} died"),
    )
}

pub fn canonical_since() -> Fact {
    Fact::new(
        FactKind::CanonicalSince {
            version: "1.0.0+1.0".into(),
        },
        at(),
        "canonical since",
    )
}

pub fn finding(check: &str, service: &str, kind: FindingKind) -> Fact {
    Fact::new(
        FactKind::Finding(Box::new(Finding {
            check: check.into(),
            service: service.into(),
            summary: format!("{check} on {service}"),
            evidence: vec![Evidence::new("compose.yml:3", "x")],
            fix: format!("fix {check}"),
            kind,
        })),
        at(),
        format!("{check} on {service}"),
    )
}

pub fn routing_finding(cold_ok: bool, warm_ok: bool) -> Fact {
    finding(
        "routing.bare-name",
        "caddy",
        FindingKind::BareNameRouting {
            from: "caddy".into(),
            target: "app".into(),
            name: "app".into(),
            port: Some(3000),
            network: "internal".into(),
            cold_ok,
            warm_ok,
        },
    )
}

pub fn stack_order(stack: &str, own_first: bool) -> Fact {
    Fact::new(
        FactKind::StackOrder {
            stack: stack.into(),
            network: "internal".into(),
            own_first,
        },
        at(),
        format!("order for {stack}"),
    )
}

pub fn probe(collision: bool) -> Fact {
    Fact::new(
        FactKind::Probe {
            collision,
            container: "warm-demo_ci_commoninternet_net_caddy".into(),
            name: "app".into(),
            summary: if collision {
                "collides".into()
            } else {
                "own".into()
            },
        },
        Source::Command("ccci-triage probe dns".into()),
        "probe",
    )
}

pub fn expectation(holds_in: &[&str], on_default_branch: bool, git: bool) -> Fact {
    Fact::new(
        FactKind::Expectation(Box::new(crate::model::Expected {
            needle: "discourse/discourse:3.5.3".into(),
            present: true,
            actual: Some("bitnamilegacy/discourse:3.5.0".into()),
            refs: vec!["0.8.0".into(), "0.8.1".into(), "main".into()],
            holds_in: holds_in.iter().map(|s| s.to_string()).collect(),
            default_branch: Some("main".into()),
            on_default_branch,
            git,
            test_line: None,
        })),
        at(),
        "expectation",
    )
}

pub fn round_trips(service: &str) -> Fact {
    Fact::new(
        FactKind::BackupRoundTrips {
            service: service.into(),
        },
        at(),
        format!("{service} round-trips"),
    )
}

pub fn skipped(check: &str) -> Fact {
    Fact::new(
        FactKind::Skipped {
            check: check.into(),
            why: format!("{check} skipped"),
        },
        Source::Command(check.into()),
        format!("{check} skipped"),
    )
}
