//! The verdict's capabilities end to end, on cases of their own:
//! `testdata/general/` (its README.md is the spec asserted here), other
//! recipes and other wording than the journal's four, in cc-ci's real
//! formats, with real git checkouts made by `testdata/make-git-runs.sh`.
//!
//! a. routing beyond the promote (502/504, nginx's refused upstream, the
//!    static finding and the stack-name order whatever the symptom, and a
//!    stack whose own network sorts first);
//! b. a harness signature wherever it stands (the test body, system-out,
//!    the console around the failure, the sweep's lines after a promote),
//!    and not far from a value assertion;
//! c. runs that died with no results.json (rc=1, rc=2, no end), and
//!    isolation reruns that died reproduce nothing;
//! d. unknowns whose cause names every fact gathered;
//! e. confidence: one sign suspected, agreeing signs likely, a decisive
//!    fact confirmed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;

mod common;
use common::testdata;

/// `testdata/general` with git checkouts, built once per test binary.
fn host() -> &'static Path {
    static SUB: OnceLock<PathBuf> = OnceLock::new();
    SUB.get_or_init(|| common::git_host().join("general"))
}

const ARGS: &[&str] = &[
    "runs",
    "--all",
    "--canonicals",
    "ci-warm",
    "--sweep-log",
    "sweep-2026-07-05.journal",
    "--console",
    "consoles/wekan-5101.log",
    "--console",
    "consoles/n8n-rerun-1.log",
    "--console",
    "consoles/n8n-rerun-2.log",
    "-f",
    "json",
];

/// The report of `dir` (a copy of testdata/general) with [`ARGS`].
fn report_of(dir: &Path) -> Value {
    let mut c = Command::cargo_bin("ccci-triage").unwrap();
    c.env_remove("CCCI_RUNS_DIR")
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .env("ABRA_DIR", "/nonexistent-abra")
        .arg("--no-history")
        .current_dir(dir)
        .args(ARGS);
    let o = c.output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "stderr: {stderr}");
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)))
}

fn report() -> &'static Value {
    static V: OnceLock<Value> = OnceLock::new();
    V.get_or_init(|| report_of(host()))
}

fn failures(v: &Value) -> &[Value] {
    v["failures"].as_array().unwrap()
}

/// The failures of `run` in `tier`, at least one.
fn of<'a>(v: &'a Value, run: &str, tier: &str) -> Vec<&'a Value> {
    let got: Vec<&Value> = failures(v)
        .iter()
        .filter(|f| f["run_id"] == run && f["tier"] == tier)
        .collect();
    assert!(!got.is_empty(), "no {tier} failure of {run}");
    got
}

fn one<'a>(v: &'a Value, run: &str, tier: &str) -> &'a Value {
    let got = of(v, run, tier);
    assert_eq!(got.len(), 1, "{run} {tier}: {got:#?}");
    got[0]
}

fn text<'a>(f: &'a Value, key: &str) -> &'a str {
    f[key].as_str().unwrap_or_default()
}

/// Asserts the class, confidence and rung, and that `key` holds each of
/// `words`.
fn check(f: &Value, verdict: (&str, &str, &str), says: &[(&str, &str)]) {
    let who = format!(
        "{} {} {}",
        text(f, "run_id"),
        text(f, "tier"),
        text(f, "test")
    );
    assert_eq!(
        (text(f, "class"), text(f, "confidence"), text(f, "rung")),
        verdict,
        "{who}: {}",
        text(f, "cause")
    );
    for (key, words) in says {
        let hay = match *key {
            "evidence" => f["evidence"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| format!("{} | {}", text(e, "source"), text(e, "text")))
                .collect::<Vec<_>>()
                .join("\n"),
            k => text(f, k).to_string(),
        };
        assert!(hay.contains(words), "{who}: {key} lacks {words:?}:\n{hay}");
    }
}

/// The reason `class` is ruled out, which must be there.
fn ruled_out<'a>(f: &'a Value, class: &str) -> &'a str {
    f["ruled_out"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["class"] == class)
        .and_then(|r| r["why"].as_str())
        .unwrap_or_else(|| panic!("{class} is not ruled out: {f:#}"))
}

#[test]
fn the_readme_tables_give_every_failure_its_verdict() {
    // Every row of the README's tables: `| case | run · tier | class
    // confidence | rung | … |`. Each names one or more runs and tiers.
    let readme = std::fs::read_to_string(testdata().join("general/README.md")).unwrap();
    let mut want: BTreeMap<(String, String), (String, String, String)> = BTreeMap::new();
    for line in readme.lines().filter(|l| l.starts_with("| ")) {
        let cells: Vec<&str> = line.split(" | ").map(str::trim).collect();
        if cells.len() < 5 || cells[1] == "run · tier" {
            continue;
        }
        let (class, confidence) = cells[2].split_once(' ').unwrap();
        for at in cells[1].split(", ") {
            let at = at.split(" (").next().unwrap();
            let (run, tier) = at.split_once(" · ").unwrap_or_else(|| panic!("{line}"));
            let row = (
                class.to_string(),
                confidence.to_string(),
                cells[3].to_string(),
            );
            if let Some(before) = want.insert((run.to_string(), tier.to_string()), row.clone()) {
                assert_eq!(before, row, "two rows disagree on {run} {tier}");
            }
        }
    }
    assert_eq!(want.len(), 22, "{want:#?}");
    let v = report();
    let mut got: BTreeMap<(String, String), (String, String, String)> = BTreeMap::new();
    for f in failures(v) {
        let row = (
            text(f, "class").to_string(),
            text(f, "confidence").to_string(),
            text(f, "rung").to_string(),
        );
        let key = (text(f, "run_id").to_string(), text(f, "tier").to_string());
        // Several tests of one tier (one setup error) share one row.
        if let Some(before) = got.insert(key.clone(), row.clone()) {
            assert_eq!(before, row, "{key:?}: its failures disagree");
        }
    }
    assert_eq!(got, want);
    assert_eq!(failures(v).len(), 25);
    // The green runs make no failure.
    for green in ["5302", "5411", "5502", "5511", "manual-5520", "manual-5530"] {
        assert!(!failures(v).iter().any(|f| f["run_id"] == green), "{green}");
    }
}

#[test]
fn routing_is_decided_in_any_tier_by_the_stack_names_order() {
    let v = report();
    // A 502 in the install tier, nginx refusing at three proxy addresses.
    let f = one(v, "manual-5101", "install");
    check(
        f,
        ("routing-collision", "likely", "routing"),
        &[
            ("cause", "`app:8080`"),
            (
                "cause",
                "This run's stack `weka-4c1d2e_ci_commoninternet_net`: its `_internal` network sorts after `proxy`",
            ),
            ("cause", "last status 502"),
            (
                "cause",
                "refused at 3 different addresses (10.10.0.31, 10.10.0.44, 10.10.0.58)",
            ),
            (
                "evidence",
                "show 1.1.0+v7.84:nginx/default.conf.tmpl (line 7)",
            ),
            ("evidence", "consoles/wekan-5101.log:4"),
            (
                "next",
                "ccci-triage probe dns --container weka-4c1d2e_ci_commoninternet_net_web --name app",
            ),
            ("fix", "wekan recipe PR"),
        ],
    );
    assert!(ruled_out(f, "flake").contains("alone"));
    // A cc-ci custom test's 504, in requests' words.
    check(
        one(v, "5120", "custom"),
        ("routing-collision", "likely", "routing"),
        &[
            ("cause", "`app:80`"),
            ("cause", "`seaf-7a2b3c_ci_commoninternet_net`"),
            ("cause", "504 Server Error"),
        ],
    );
    // No routing sign at all: the finding and the order alone, one sign.
    check(
        one(v, "manual-5130", "install"),
        ("routing-collision", "suspected", "routing"),
        &[
            (
                "cause",
                "`weka-90ab12_ci_commoninternet_net`: its `_internal` network sorts after `proxy`",
            ),
            (
                "cause",
                "No symptom line was recognised; the DNS order alone predicts it",
            ),
        ],
    );
    // The stack's own network sorts first: a bare name, and not routing.
    let f = one(v, "manual-5140", "install");
    check(
        f,
        ("unknown", "suspected", "reproduces-alone"),
        &[(
            "cause",
            "the recipe reaches `app` by a bare name, but for stack lime-3e4f5a_ci_commoninternet_net its own network answers first: not the cause here",
        )],
    );
    assert!(
        ruled_out(f, "routing-collision").contains("answers from its own network first"),
        "{f:#}"
    );
}

#[test]
fn a_harness_signature_outranks_the_assertion_that_reports_it() {
    let v = report();
    // In the test body (the traceback's locals).
    let f = one(v, "manual-5201", "backup");
    check(
        f,
        ("harness", "likely", "harness-signature"),
        &[
            ("message", "assert 1 == 0"),
            ("cause", "no space left on device"),
            ("cause", "in the failure's own text"),
            (
                "cause",
                "The assertion (`assert 1 == 0`) only reports the symptom",
            ),
            ("fix", "harness: free disk on the node"),
        ],
    );
    assert!(ruled_out(f, "recipe-defect").contains("harness.disk-full"));
    // In system-out, kept with the first of three tests one setup error
    // failed: the other two share it.
    let three = of(v, "manual-5210", "install");
    assert_eq!(three.len(), 3);
    for f in &three {
        check(
            f,
            ("harness", "likely", "harness-signature"),
            &[
                ("cause", "the node ran out of disk"),
                ("cause", "failed to register layer"),
                ("evidence", "no space left on device"),
            ],
        );
    }
    let shared = three
        .iter()
        .filter(|f| text(f, "cause").contains("recorded with another test of the tier"))
        .count();
    assert_eq!(shared, 2, "{three:#?}");
    // In the console, after the upgrade tier's pytest started.
    for f in of(v, "manual-5220", "upgrade") {
        check(
            f,
            ("harness", "likely", "harness-signature"),
            &[
                ("cause", "no space left on device"),
                ("cause", "in the console around the failure"),
                ("cause", "manual-5220.console.log:8"),
            ],
        );
    }
    // In the sweep's lines after a failed promote.
    check(
        one(v, "manual-2207164", "promote"),
        ("harness", "likely", "harness-signature"),
        &[
            ("cause", "toomanyrequests"),
            ("cause", "in the sweep log's lines for it"),
            ("cause", "sweep-2026-07-05.journal:13"),
            ("fix", "authenticate image pulls"),
        ],
    );
    // Must not: a disk-full line far from a value assertion about the
    // recipe; the assertion (a stale expectation) is what failed.
    let f = one(v, "manual-5230", "custom");
    check(
        f,
        ("stale-overlay", "confirmed", "stale-overlay"),
        &[
            ("cause", "`wordpress:6.8.1-php8.4-apache`"),
            ("cause", "2 tags searched"),
            ("fix", "cc-ci:"),
        ],
    );
    let why = ruled_out(f, "harness");
    assert!(
        why.contains("far from the failure") && why.contains("manual-5230.console.log:3"),
        "{why}"
    );
}

#[test]
fn a_run_that_died_is_a_failure_and_no_reproduction() {
    let v = report();
    // rc=1 and rc=2 from the sweep; the last line abra printed is in the
    // sweep's lines, the runs having no console of their own.
    let f = one(v, "manual-2207101", "run");
    check(
        f,
        ("harness", "suspected", "run-cut-off"),
        &[
            (
                "message",
                "the run died (rc=1) with no results.json; last: FATA unable to retrieve secrets",
            ),
            ("message", "This node is not a swarm manager."),
            (
                "cause",
                "died early (rc=1) with no results.json, after `FATA unable to retrieve secrets",
            ),
        ],
    );
    assert!(ruled_out(f, "recipe-defect").contains("did not end normally"));
    check(
        one(v, "manual-2207230", "run"),
        ("harness", "suspected", "run-cut-off"),
        &[
            (
                "message",
                "the run died (rc=2) with no results.json; last: FATA upgrade: unable to read .env",
            ),
            ("evidence", "upgrade__generic__test_upgrade.xml"),
        ],
    );
    // No end at all: the last recognised line is the message.
    check(
        one(v, "manual-5310", "run"),
        ("harness", "suspected", "run-cut-off"),
        &[(
            "message",
            "the run ended without results.json or a closing line; last: + python3 -m pytest -q tests/_generic/test_upgrade.py",
        )],
    );
    check(
        one(v, "manual-5320", "run"),
        ("harness", "suspected", "run-cut-off"),
        &[(
            "message",
            "last: FATA unable to connect to ci.commoninternet.net: dial tcp 10.0.0.2:22: connect: no route to host",
        )],
    );
    // The reruns that died (their version read from their checkout's tag)
    // are siblings of the loaded red run, and prove nothing: one green at
    // the test confirms no flake, one red makes nothing deterministic.
    let f = one(v, "5301", "install");
    check(
        f,
        ("flake", "suspected", "flake"),
        &[(
            "cause",
            "its isolation rerun(s) manual-5310, manual-5320 did not end normally and prove nothing",
        )],
    );
    assert!(!text(f, "cause").contains("green in"), "{f:#}");
    assert!(!text(f, "cause").contains("deterministic"), "{f:#}");
    // The rerun's own red test: not red alone.
    let f = one(v, "manual-5320", "install");
    check(
        f,
        ("unknown", "suspected", "unknown"),
        &[
            ("tag", "2.3.0+1.97.1"),
            ("cause", "this run did not end normally"),
            (
                "cause",
                "isolation rerun(s) manual-5310 did not end normally",
            ),
        ],
    );
    assert!(
        !text(f, "cause").contains("red in an isolation run"),
        "{f:#}"
    );
}

#[test]
fn an_unknown_names_every_fact_it_holds() {
    let v = report();
    let f = one(v, "manual-5401", "upgrade");
    check(
        f,
        ("unknown", "suspected", "reproduces-alone"),
        &[
            ("cause", "the upgrade ended `rollback_completed`"),
            ("cause", "which points at the recipe at the new tag"),
        ],
    );
    // An upgrade says nothing about the backup labels.
    assert!(!text(f, "cause").contains("round-trip"), "{f:#}");
    let f = one(v, "5410", "install");
    check(
        f,
        ("unknown", "suspected", "unknown"),
        &[
            ("cause", "nothing decisive"),
            ("cause", "the test was rerun 2 time(s) in this run"),
            (
                "cause",
                "recipe-defect (the generic test passes on other recipes)",
            ),
        ],
    );
    assert!(!text(f, "cause").contains("stale"), "{f:#}");
    let f = one(v, "5420", "restore");
    check(
        f,
        ("unknown", "suspected", "reproduces-alone"),
        &[(
            "cause",
            "service `db`'s backup labels do round-trip, so not the recipe's backup",
        )],
    );
    assert!(ruled_out(f, "recipe-defect").contains("round-trip"));
    check(
        one(v, "manual-5430", "custom"),
        ("unknown", "suspected", "reproduces-alone"),
        &[
            (
                "message",
                "rung `functional` should have run and did not (unver)",
            ),
            (
                "cause",
                "rung(s) functional never ran (pytest found no tests to run",
            ),
        ],
    );
}

#[test]
fn confidence_follows_the_signs() {
    let v = report();
    // One sign: suspected, and it stays so.
    check(
        one(v, "manual-2207301", "install"),
        ("flake", "suspected", "flake"),
        &[
            ("cause", "(in the canon sweep)"),
            ("cause", "never run alone, so not yet a confirmed flake"),
        ],
    );
    // Two agreeing signs: likely.
    check(
        one(v, "5501", "custom"),
        ("flake", "likely", "flake"),
        &[
            ("cause", "in a test that already retries"),
            ("cause", "overlapping 5502"),
        ],
    );
    // A decisive fact: confirmed.
    let f = one(v, "5510", "restore");
    check(
        f,
        ("flake", "confirmed", "flake"),
        &[
            (
                "cause",
                "reproducibly green in isolation (2 runs: manual-5520, manual-5530)",
            ),
            ("evidence", "green alone in run manual-5520"),
        ],
    );
    assert!(ruled_out(f, "recipe-defect").contains("round-trip"));
    // Nothing here is confirmed but what a decisive fact decides: the
    // flake green alone twice, and the git-searched stale expectation.
    let confirmed: Vec<&str> = failures(v)
        .iter()
        .filter(|f| f["confidence"] == "confirmed")
        .map(|f| text(f, "run_id"))
        .collect();
    assert_eq!(confirmed, ["manual-5230", "5510"]);
}

#[test]
fn on_plain_trees_the_classes_hold_and_only_git_raises_the_stale_one() {
    // testdata/general as generated: recipe trees, not clones. Without
    // git the stale expectation is `likely` and the reruns that died name
    // no version, so they are no siblings; every class stays the same.
    let plain = report_of(&testdata().join("general"));
    let class_of = |v: &Value| -> BTreeMap<(String, String, String), String> {
        failures(v)
            .iter()
            .map(|f| {
                (
                    (
                        text(f, "run_id").to_string(),
                        text(f, "tier").to_string(),
                        text(f, "test").to_string(),
                    ),
                    text(f, "class").to_string(),
                )
            })
            .collect()
    };
    assert_eq!(class_of(&plain), class_of(report()));
    let f = one(&plain, "manual-5230", "custom");
    assert_eq!(text(f, "confidence"), "likely");
    assert!(text(f, "cause").contains("no git history"), "{f:#}");
}
