//! End to end on cc-ci's real output formats: `testdata/real/` (its
//! README.md is the spec asserted here), with real git checkouts made by
//! `testdata/make-git-runs.sh`. A journald sweep (from a file and from
//! standard input), a tee'd sweep beside it, consoles from anywhere
//! (`--console`: a tee, a `ts` log, a Drone step log saved as JSON), runs
//! that ended 142, 143 or died, cc-ci's custom tests and a recipe's own.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;

mod common;

/// `testdata/real` with git checkouts, built once per test binary.
fn real() -> &'static Path {
    static SUB: OnceLock<PathBuf> = OnceLock::new();
    SUB.get_or_init(|| common::git_host().join("real"))
}

fn bin() -> Command {
    let mut c = Command::cargo_bin("ccci-triage").unwrap();
    c.env_remove("CCCI_RUNS_DIR")
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .env("ABRA_DIR", "/nonexistent-abra")
        .arg("--no-history");
    c
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(mut c: Command) -> Out {
    let o = c.output().unwrap();
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// `ccci-triage <real>/runs --canonicals <real>/ci-warm <args> -f json`,
/// run from `<real>` so that relative paths in `args` resolve there.
fn json(args: &[&str]) -> Value {
    let h = real();
    let mut c = bin();
    c.current_dir(h)
        .arg("runs")
        .args(["--canonicals", "ci-warm", "-f", "json"])
        .args(args);
    let o = run(c);
    assert_eq!(o.code, 0, "stderr: {}", o.stderr);
    serde_json::from_str(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", o.stdout))
}

const SWEEP: &str = "sweep-2026-06-21.journal";

fn sweep() -> &'static Value {
    static V: OnceLock<Value> = OnceLock::new();
    V.get_or_init(|| json(&["--sweep-log", SWEEP]))
}

/// (run, tier, test) → (class, confidence).
fn verdicts(v: &Value) -> BTreeMap<(String, String, String), (String, String)> {
    v["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                (
                    f["run_id"].as_str().unwrap().to_string(),
                    f["tier"].as_str().unwrap().to_string(),
                    f["test"].as_str().unwrap_or("").to_string(),
                ),
                (
                    f["class"].as_str().unwrap().to_string(),
                    f["confidence"].as_str().unwrap().to_string(),
                ),
            )
        })
        .collect()
}

fn failure<'a>(v: &'a Value, run: &str, tier: &str) -> &'a Value {
    v["failures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["run_id"] == run && f["tier"] == tier)
        .unwrap_or_else(|| panic!("no {tier} failure of {run} in {v:#}"))
}

fn s(x: &str) -> String {
    x.to_string()
}

#[test]
fn the_journald_sweep_gets_the_verdicts_its_readme_gives() {
    let v = sweep();
    let want: BTreeMap<_, _> = [
        (
            ("manual-1712201", "promote", ""),
            ("routing-collision", "likely"),
        ),
        (
            (
                "manual-1712264",
                "upgrade",
                "tests/discourse/test_upgrade.py::test_head_runs_official_image_not_bitnamilegacy",
            ),
            ("stale-overlay", "confirmed"),
        ),
        (
            (
                "manual-1712264",
                "upgrade",
                "tests/discourse/test_upgrade.py::test_sidekiq_service_dropped_by_head",
            ),
            ("stale-overlay", "confirmed"),
        ),
        (("manual-1712330", "run", ""), ("harness", "confirmed")),
        (
            (
                "manual-1712391",
                "custom",
                "tests/mumble/custom/test_protocol_handshake.py::test_handshake_completes_with_channel_presence",
            ),
            ("flake", "confirmed"),
        ),
        (
            (
                "manual-1712450",
                "custom",
                "tests/nextcloud/custom/test_apps.py::test_app_runs_the_patched_image",
            ),
            ("stale-overlay", "confirmed"),
        ),
        (("manual-1712517", "run", ""), ("harness", "likely")),
        (("sweep:ghost", "run", ""), ("recipe-defect", "suspected")),
    ]
    .into_iter()
    .map(|((r, t, x), (c, k))| ((s(r), s(t), s(x)), (s(c), s(k))))
    .collect();
    assert_eq!(verdicts(v), want);
    // No run id in the sweep's lines: each entry was placed by recipe and
    // time, and the one with no directory says so once.
    let warnings: Vec<&str> = v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("ghost") && warnings[0].contains("no run directory"),
        "{warnings:?}"
    );
    // cryptpad's SKIP and the mirror-sync line are not failures.
    assert!(
        !v["failures"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["recipe"] == "cryptpad")
    );
}

#[test]
fn the_causes_quote_what_decided_them() {
    let v = sweep();
    // 143: a cancel proves nothing about the recipe.
    let gitea = failure(v, "manual-1712330", "run");
    assert!(
        gitea["cause"]
            .as_str()
            .unwrap()
            .contains("cancelled (rc=143")
    );
    // 142: the deadline, and what the run was doing (the custom tier's
    // pytest, from the journald lines of the sweep).
    let peertube = failure(v, "manual-1712517", "run");
    let cause = peertube["cause"].as_str().unwrap();
    assert!(cause.contains("3600 s deadline"), "{cause}");
    assert!(
        cause.contains("custom__cc-ci__test_federation.xml"),
        "{cause}"
    );
    // The promote: caddy's bare `app`, and the proxy network winning.
    let promote = failure(v, "manual-1712201", "promote");
    let cause = promote["cause"].as_str().unwrap();
    assert!(
        cause.contains("`app:3000`") && cause.contains("proxy"),
        "{cause}"
    );
    // The pre-pull's compose error is a red herring the ladder rules out.
    let disc = &v["failures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["run_id"] == "manual-1712264")
        .unwrap();
    assert!(
        disc["cause"].as_str().unwrap().contains("7 tags searched"),
        "{disc:#}"
    );
    // cc-ci's custom test, not the recipe's: stale-overlay names cc-ci.
    let nc = failure(v, "manual-1712450", "custom");
    assert!(nc["fix"].as_str().unwrap().starts_with("cc-ci:"), "{nc:#}");
    assert!(
        nc["cause"]
            .as_str()
            .unwrap()
            .contains("`nextcloud:31.0.7-fpm`")
    );
}

#[test]
fn the_sweep_from_standard_input_reads_as_the_file_does() {
    let h = real();
    let mut c = bin();
    c.current_dir(h)
        .arg("runs")
        .args(["--canonicals", "ci-warm", "-f", "json", "--sweep-log", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let text = std::fs::read(h.join(SWEEP)).unwrap();
    child.stdin.take().unwrap().write_all(&text).unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let piped: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(verdicts(&piped), verdicts(sweep()));
    // The one warning names standard input, not a file.
    let w = piped["warnings"][0].as_str().unwrap();
    assert!(
        w.starts_with("<stdin>") || w.contains("standard input"),
        "{w}"
    );
}

#[test]
fn two_sweeps_side_by_side_each_bring_their_entries() {
    let v = json(&["--sweep-log", SWEEP, "--sweep-log", "sweep-2026-06-14.tee"]);
    let got = verdicts(&v);
    // The journald sweep's eight, and the tee's failed promote: a registry
    // rate limit in the sweep's lines, with no run directory to read.
    assert_eq!(got.len(), 9, "{got:#?}");
    assert_eq!(
        got.get(&(s("sweep:bluesky-pds"), s("promote"), s(""))),
        Some(&(s("harness"), s("likely")))
    );
    let f = failure(&v, "sweep:bluesky-pds", "promote");
    assert!(f["cause"].as_str().unwrap().contains("toomanyrequests"));
    assert!(f["evidence"].as_array().unwrap().iter().any(|e| {
        e["source"]
            .as_str()
            .unwrap()
            .starts_with("sweep-2026-06-14.tee:5")
    }));
}

#[test]
fn consoles_from_anywhere_are_taken_for_their_runs_and_say_why() {
    let v = json(&[
        "--all",
        "--console",
        "drone-812-step-2.json",
        "--console",
        "consoles/redfix-discourse.log",
        "--console",
        "consoles/ccci-bluesky-pds.log",
        "--console",
        "consoles/authentik-pr12.log",
    ]);
    let placed: BTreeMap<String, (String, String)> = v["consoles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["path"].as_str().unwrap().to_string(),
                (
                    c["run_id"].as_str().unwrap_or("-").to_string(),
                    c["why"].as_str().unwrap().to_string(),
                ),
            )
        })
        .collect();
    let run_of = |p: &str| placed.get(p).map(|(r, _)| r.as_str());
    assert_eq!(run_of("drone-812-step-2.json"), Some("812"), "{placed:#?}");
    assert_eq!(
        run_of("consoles/redfix-discourse.log"),
        Some("manual-318812")
    );
    assert_eq!(
        run_of("consoles/ccci-bluesky-pds.log"),
        Some("redfix-bluesky-pds")
    );
    assert_eq!(run_of("consoles/authentik-pr12.log"), Some("manual-4401"));
    // The tee has no time and no run id: its app domain decided between
    // the two discourse runs of that version.
    assert!(
        placed["consoles/redfix-discourse.log"]
            .1
            .contains("app domain")
    );

    // The Drone step log is 812's console: its restore lines are evidence.
    let f = failure(&v, "812", "restore");
    assert_eq!(f["class"], "recipe-defect");
    assert_eq!(f["confidence"], "confirmed");
    // The early death is explained by the console's own line.
    let au = failure(&v, "manual-4401", "run");
    assert_eq!(au["class"], "harness");
    let cause = au["cause"].as_str().unwrap();
    assert!(
        cause.contains("could not read Username")
            && cause.contains("consoles/authentik-pr12.log:3"),
        "{cause}"
    );
    // The recipe's own test (repo-local), red alone twice: its defect.
    for id in ["m2r-n8n-1", "m2r-n8n-2"] {
        let f = failure(&v, id, "custom");
        assert_eq!(f["test"], "tests/test_workflows.py::test_webhook_roundtrip");
        assert_eq!(
            (f["class"].as_str(), f["confidence"].as_str()),
            (Some("recipe-defect"), Some("likely"))
        );
        assert!(f["fix"].as_str().unwrap().starts_with("n8n recipe PR"));
    }
}

#[test]
fn a_console_that_fits_two_runs_is_placed_nowhere_and_says_so() {
    // The discourse tee without the line naming its app domain: recipe,
    // version and ref fit both discourse runs equally.
    let h = real();
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(h.join("consoles/redfix-discourse.log")).unwrap();
    let cut: String = text
        .lines()
        .filter(|l| !l.contains("commoninternet"))
        .map(|l| format!("{l}\n"))
        .collect();
    let p = dir.path().join("tee.log");
    std::fs::write(&p, cut).unwrap();
    let mut c = bin();
    c.current_dir(h)
        .arg("runs")
        .args(["--canonicals", "ci-warm", "--all", "--console"])
        .arg(&p);
    let o = run(c);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout.contains("matched no run: it fits 2 runs equally"),
        "{}",
        o.stdout
    );
    assert!(o.stdout.contains("manual-318812") && o.stdout.contains("manual-1712264"));
    // And a console of no run at all is refused with the reason.
    let q = dir.path().join("other.log");
    std::fs::write(&q, "RECIPE=wordpress cc-ci-run runner/run_recipe_ci.py\n").unwrap();
    let mut c = bin();
    c.current_dir(h).arg("runs").arg("--console").arg(&q);
    let o = run(c);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("matched no run"), "{}", o.stdout);
}

#[test]
fn the_journals_four_cases_in_real_formats_get_the_journals_verdicts() {
    // discourse (stale overlay), mattermost-lts (recipe defect: the
    // restore replays no dump), mumble (a load flake), bluesky-pds (a
    // routing collision), each read from real-format files only.
    let v = json(&[
        "--all",
        "--sweep-log",
        SWEEP,
        "--console",
        "drone-812-step-2.json",
        "--console",
        "consoles/ccci-bluesky-pds.log",
    ]);
    let class_of = |run: &str, tier: &str| {
        failure(&v, run, tier)["class"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(class_of("manual-1712264", "upgrade"), "stale-overlay");
    assert_eq!(class_of("manual-318812", "upgrade"), "stale-overlay");
    assert_eq!(class_of("812", "restore"), "recipe-defect");
    assert_eq!(class_of("m2r-mattermost-lts", "restore"), "recipe-defect");
    assert_eq!(class_of("manual-1712391", "custom"), "flake");
    assert_eq!(class_of("manual-1712201", "promote"), "routing-collision");
    assert_eq!(
        class_of("redfix-bluesky-pds", "promote"),
        "routing-collision"
    );
    // The flake rests on the isolation runs and the canonical written after.
    let m = failure(&v, "manual-1712391", "custom");
    let cause = m["cause"].as_str().unwrap();
    assert!(
        cause.contains("redfix-mumble-a") && cause.contains("redfix-mumble-b"),
        "{cause}"
    );
    assert!(
        m["ruled_out"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["class"] == "recipe-defect")
    );
}

#[test]
fn the_explain_lines_of_the_table_run_as_printed() {
    let h = real();
    let mut c = bin();
    c.current_dir(h)
        .arg("runs")
        .args(["--canonicals", "ci-warm", "--sweep-log", SWEEP]);
    let o = run(c);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let lines: Vec<&str> = o
        .stdout
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("$ "))
        .collect();
    assert_eq!(lines.len(), 8, "{}", o.stdout);
    for line in lines {
        let words = shlex::split(line).unwrap_or_else(|| panic!("not shell words: {line}"));
        assert_eq!(words[0], "ccci-triage", "{line}");
        // The printed line carries the root and the sweep log.
        assert!(words.iter().any(|w| w == SWEEP), "{line}");
        let mut c = Command::cargo_bin("ccci-triage").unwrap();
        c.env_remove("CCCI_RUNS_DIR")
            .env("NO_COLOR", "1")
            .env("ABRA_DIR", "/nonexistent-abra")
            .current_dir(h)
            .args(&words[1..]);
        let e = run(c);
        assert_eq!(e.code, 0, "{line}: {}", e.stderr);
        assert!(e.stdout.contains(&words[2]), "{line}: {}", e.stdout);
        assert!(e.stdout.contains("verdict:"), "{line}: {}", e.stdout);
    }
}

/// Every path under `dir` (links not followed) with its length and
/// modification time.
fn listing(dir: &Path) -> BTreeMap<PathBuf, (u64, std::time::SystemTime)> {
    walkdir::WalkDir::new(dir)
        .follow_links(false)
        .into_iter()
        .map(|e| {
            let e = e.unwrap();
            let m = e.path().symlink_metadata().unwrap();
            (e.path().to_path_buf(), (m.len(), m.modified().unwrap()))
        })
        .collect()
}

#[test]
fn the_runs_abra_links_are_never_followed_and_the_root_is_not_written() {
    // A copy whose node-wide ~/.abra holds what would be a run with a
    // failure: were servers/ or the catalogue loop followed, it would show.
    let dir = tempfile::tempdir().unwrap();
    let status = Command::new("cp")
        .args(["-R"])
        .arg(real())
        .arg(dir.path().join("real"))
        .status()
        .unwrap();
    assert!(status.success());
    let h = dir.path().join("real");
    let planted = h.join("shared-abra/servers/ghost-run/junit");
    std::fs::create_dir_all(&planted).unwrap();
    std::fs::write(
        planted.join("install__generic__test_install.xml"),
        "<testsuite tests=\"1\" failures=\"1\"><testcase classname=\"tests._generic.test_install\" \
         name=\"test_planted\" time=\"1\"><failure message=\"planted\">planted</failure></testcase></testsuite>\n",
    )
    .unwrap();
    let before = listing(&h.join("runs"));
    let mut c = bin();
    c.current_dir(&h)
        .arg("runs")
        .args(["--all", "-f", "json", "-v"]);
    let o = run(c);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["runs"].as_array().unwrap().len(), 15);
    assert!(!o.stdout.contains("planted") && !o.stdout.contains("test_planted"));
    for word in ["servers", "catalogue", "loop", "shared-abra"] {
        assert!(!o.stderr.contains(word), "{word}: {}", o.stderr);
        assert!(!v["warnings"].to_string().contains(word), "{word}");
    }
    assert_eq!(listing(&h.join("runs")), before, "the runs root changed");
}

#[test]
fn the_real_lines_that_are_no_failure_make_none() {
    // A green run's console full of cc-ci's noise (spec §4): a deprecated
    // folder, a skip reason, the generic opt-out, lint's critical warning
    // (it exits 0), settled converge states, a non-fatal mirror sync, a
    // pre-pull compose error. None of it is a failure.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("runs");
    std::fs::create_dir_all(&root).unwrap();
    let status = Command::new("cp")
        .arg("-R")
        .arg(real().join("runs/redfix-mumble-a"))
        .arg(root.join("redfix-mumble-a"))
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::write(
        root.join("redfix-mumble-a.console.log"),
        "RECIPE=mumble CCCI_SKIP_FETCH=1 cc-ci-run runner/run_recipe_ci.py\n\
         WARNING [cfold]: test found in deprecated folder 'functional/' — move to custom/: tests/mumble/functional/test_voice.py\n\
         deps-not-ready: murmur has no healthcheck yet\n\
         !! CCCI_SKIP_GENERIC=backup is active: the generic backup tier is skipped\n\
         WARN critical errors present in the recipe config\n\
         head_ref=09bf4d54 chaos-version=09bf4d54 version=1.0.0+v1.6.870-0→1.0.0+v1.6.870-0\n\
         deploy-count=1\n\
         UpdateStatus=completed mumb-8e1f09_ci_commoninternet_net\n\
         UpdateStatus=rollback_completed mumb-8e1f09_ci_commoninternet_net\n\
         sweep: mirror-sync drone rc=128 (non-fatal — continuing)\n\
         prepull: docker compose config --images failed rc=15, skipping (deploy will pull as usual)\n\
         assert (generic) upgrade converges: ok\n",
    )
    .unwrap();
    let mut c = bin();
    c.arg(root.join("redfix-mumble-a")).args(["-f", "json"]);
    let o = run(c);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["failures"], serde_json::json!([]), "{v:#}");
    assert_eq!(v["runs"].as_array().unwrap().len(), 1);
    // A sweep whose only lines are a banner, the mirror sync and a skip
    // reports nothing either.
    let log = dir.path().join("quiet.journal");
    std::fs::write(
        &log,
        "2026-06-28T03:00:01+0000 cc-ci nightly-sweep[9]: ===== nightly cold sweep: enrolled canonicals = ['cryptpad'] =====\n\
         2026-06-28T03:00:02+0000 cc-ci nightly-sweep[9]: sweep: mirror-sync drone rc=128 (non-fatal — continuing)\n\
         2026-06-28T03:00:03+0000 cc-ci nightly-sweep[9]: sweep: cryptpad SKIP no-new-version\n",
    )
    .unwrap();
    let mut c = bin();
    c.arg(&root)
        .arg("--sweep-log")
        .arg(&log)
        .args(["-f", "json"]);
    let o = run(c);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["failures"], serde_json::json!([]), "{v:#}");
    assert_eq!(v["warnings"], serde_json::json!([]), "{v:#}");
}
