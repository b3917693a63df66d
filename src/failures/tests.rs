use super::*;
use crate::model::{Console, End, Outcome, TestCase, TierResult, TierStatus};

fn run() -> Run {
    let mut r = Run::new("r1", "/runs/r1");
    r.recipe = Some("immich".into());
    r.version = Some("1.4.0+v1.135.3".into());
    r
}

fn test(id: &str, tier: Tier, outcome: Outcome) -> TestCase {
    TestCase {
        id: id.into(),
        classname: String::new(),
        name: id.rsplit("::").next().unwrap().into(),
        tier: Some(tier),
        source: TestSource::Generic,
        outcome,
        message: Some("boom".into()),
        detail: None,
        records: 1,
        reruns: 0,
        loc: Loc::new("/runs/r1/junit/x.xml", Some(3)),
        started: None,
        seconds: 1.0,
    }
}

#[test]
fn red_tests_and_red_tiers_without_tests_are_failures_green_ones_are_not() {
    let mut r = run();
    r.tests = vec![
        test("t.py::a", Tier::Restore, Outcome::Fail),
        test("t.py::b", Tier::Restore, Outcome::Pass),
        test("t.py::c", Tier::Backup, Outcome::Skip),
    ];
    let at = Loc::new("/runs/r1/results.json", None);
    for (t, st) in [
        (Tier::Restore, TierStatus::Fail),
        (Tier::Install, TierStatus::Fail),
        (Tier::Upgrade, TierStatus::Skip),
    ] {
        r.tiers.insert(
            t,
            TierResult {
                status: st,
                origin: at.clone(),
            },
        );
    }
    let fs = of_run(&r);
    let keys: Vec<(Tier, Option<&str>)> = fs.iter().map(|f| (f.tier, f.test.as_deref())).collect();
    assert_eq!(
        keys,
        [(Tier::Restore, Some("t.py::a")), (Tier::Install, None)]
    );
}

#[test]
fn an_expected_na_tier_is_no_failure() {
    let mut r = run();
    r.tests = vec![test("t.py::a", Tier::Upgrade, Outcome::Fail)];
    r.expected_na.insert(Tier::Upgrade, "moving tag".into());
    assert!(of_run(&r).is_empty());
}

#[test]
fn deadline_cancel_and_early_death_are_run_failures() {
    let mut r = run();
    r.end = End {
        rc: Some(142),
        rc_at: Some(Loc::new("s.log", Some(9))),
        closed: false,
    };
    let f = of_run(&r);
    assert_eq!(f[0].tier, Tier::Run);
    assert!(f[0].message.contains("deadline"), "{}", f[0].message);
    r.end.rc = Some(143);
    assert!(of_run(&r)[0].message.contains("cancelled"));
    r.end.rc = Some(3);
    r.console = Some(Box::new(Console {
        path: "c.log".into(),
        last_recognised: Some((40, "FATA unable to fetch tags".into())),
        ..Console::default()
    }));
    let f = of_run(&r);
    assert!(
        f[0].message.contains("died (rc=3)") && f[0].message.contains("FATA unable"),
        "{}",
        f[0].message
    );
    // rc=0 or a run with results.json and a normal end: nothing.
    r.end.rc = Some(0);
    assert!(of_run(&r).is_empty());
}

#[test]
fn any_end_but_a_red_one_without_results_json_is_cut_off_whatever_its_tests_did() {
    // (rc, a console was read, results.json written, cut off?)
    let cases = [
        (Some(1), false, false, true),
        (Some(2), true, false, true),
        (None, true, false, true),
        // No end, no console, no truncated file: nothing says it stopped.
        (None, false, false, false),
        // Red is a normal end; results.json present is a normal end.
        (Some(7), true, false, false),
        (Some(1), true, true, false),
        (Some(142), false, true, true),
        (Some(143), false, true, true),
    ];
    for (rc, console, results, want) in cases {
        let mut r = run();
        // It ran tests before it stopped: that changes nothing.
        r.tests = vec![test("t.py::a", Tier::Install, Outcome::Pass)];
        r.end.rc = rc;
        if console {
            r.console = Some(Box::default());
        }
        if results {
            r.record = Some(Box::new(crate::model::Record {
                path: "/runs/r1/results.json".into(),
                schema: 2,
                level: None,
                run_id: None,
            }));
        }
        assert_eq!(
            cut_off(&r),
            want,
            "{rc:?} console={console} results={results}"
        );
        assert_eq!(
            of_run(&r).iter().any(|f| f.tier == Tier::Run),
            want,
            "{rc:?} console={console} results={results}"
        );
    }
}

#[test]
fn a_sweep_promote_failure_cites_its_untrusted_label_and_the_lines_after_it() {
    let mut sweep = Sweep::default();
    let sig = |rule: &str, role: Role, line: u32, text: &str| Signal {
        rule: rule.into(),
        role,
        loc: Loc::new("s.log", Some(line)),
        text: text.into(),
        payload: 0,
        captures: Default::default(),
    };
    sweep.entries.push(SweepEntry {
        recipe: "bluesky-pds".into(),
        loc: Loc::new("s.log", Some(8)),
        text: "sweep: bluesky-pds rc=0 (PASS (promoted))".into(),
        version: None,
        canonical: None,
        rc: Some(0),
        label: Some("PASS (promoted)".into()),
        outcome: SweepOutcome::PromoteFailed {
            canonical: None,
            expected: None,
        },
        promote: Some(crate::model::Promote {
            loc: Loc::new("s.log", Some(5)),
            text: "WC5 promote failed: x".into(),
            reason: "x".into(),
            domain: None,
        }),
        run_id: None,
        run: None,
        placed_by: None,
        signals: vec![
            sig(
                "promote.failed",
                Role::PromoteFailed,
                5,
                "WC5 promote failed: x",
            ),
            sig(
                "harness.pull-rate-limit",
                Role::Harness,
                6,
                "toomanyrequests",
            ),
        ],
        first: None,
        last: None,
    });
    let fs = of_sweep(&sweep, |_| None);
    assert_eq!(fs.len(), 1, "rc=0: the only failure is the promote");
    let f = &fs[0];
    assert_eq!(
        (f.tier, f.run_id.as_str()),
        (Tier::Promote, "sweep:bluesky-pds")
    );
    assert!(f.lines.iter().any(|e| e.text == "toomanyrequests"));
    assert!(
        f.lines.iter().any(
            |e| e.text.contains("untrusted") || e.text.contains("even when the promote failed")
        )
    );
}
