//! End to end: the binary on the testdata runs root (testdata/README.md is
//! the spec these tests assert), with real git repositories made by
//! `testdata/make-git-runs.sh`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;

mod common;
use common::testdata;

/// The testdata host with real git checkouts, built once per test binary.
fn host() -> &'static Path {
    common::git_host()
}

fn bin() -> Command {
    let mut c = Command::cargo_bin("ccci-triage").unwrap();
    c.env_remove("CCCI_RUNS_DIR")
        .env("NO_COLOR", "1")
        .env("ABRA_DIR", "/nonexistent-abra");
    c
}

/// `ccci-triage <host>/runs --sweep-log … --canonicals … --format json`.
fn triage_json(extra: &[&str]) -> Value {
    let h = host();
    let out = bin()
        .arg(h.join("runs"))
        .arg("--sweep-log")
        .arg(h.join("sweep-20260614.log"))
        .arg("--canonicals")
        .arg(h.join("ci-warm"))
        .arg("--recipes")
        .arg(h.join("recipes"))
        .arg("--ccci")
        .arg(h.join("ccci"))
        .args(["--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Every run of the host and the sweep's entries (`--all` widens the
/// sweep's scope to the whole root).
fn all() -> &'static Value {
    static ALL: OnceLock<Value> = OnceLock::new();
    ALL.get_or_init(|| triage_json(&["--all"]))
}

fn failures_of<'a>(v: &'a Value, run: &str) -> Vec<&'a Value> {
    v["failures"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["run_id"] == run)
        .collect()
}

/// The one failure of `run` whose test ends with `test` (or, for `None`,
/// whose tier is `tier` with no test).
fn failure<'a>(v: &'a Value, run: &str, tier: &str, test: Option<&str>) -> &'a Value {
    let found: Vec<_> = failures_of(v, run)
        .into_iter()
        .filter(|f| f["tier"] == tier)
        .filter(|f| match test {
            Some(t) => f["test"].as_str().is_some_and(|x| x.ends_with(t)),
            None => f["test"].is_null(),
        })
        .collect();
    assert_eq!(
        found.len(),
        1,
        "{run} {tier} {test:?}: {:#?}",
        failures_of(v, run)
    );
    found[0]
}

fn verdict(f: &Value) -> (String, String) {
    (
        f["class"].as_str().unwrap().to_string(),
        f["confidence"].as_str().unwrap().to_string(),
    )
}

fn ruled_out(f: &Value, class: &str) -> String {
    f["ruled_out"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["class"] == class)
        .map(|r| r["why"].as_str().unwrap().to_string())
        .unwrap_or_default()
}

#[test]
fn discourse_is_a_stale_overlay_and_the_prepull_error_a_red_herring() {
    let v = all();
    for run in ["manual-4242", "sweep-20260614-discourse"] {
        let image = failure(
            v,
            run,
            "upgrade",
            Some("::test_head_runs_official_image_not_bitnamilegacy"),
        );
        assert_eq!(
            verdict(image),
            ("stale-overlay".into(), "confirmed".into()),
            "{image:#}"
        );
        let cause = image["cause"].as_str().unwrap();
        assert!(cause.contains("discourse/discourse:3.5.3"), "{cause}");
        assert!(cause.contains("no release tag"), "{cause}");
        let herring = ruled_out(image, "recipe-defect");
        assert!(herring.contains("red herring"), "{herring}");
        assert!(herring.contains("converged"), "{herring}");
        let sidekiq = failure(
            v,
            run,
            "upgrade",
            Some("::test_sidekiq_service_dropped_by_head"),
        );
        assert_eq!(
            verdict(sidekiq),
            ("stale-overlay".into(), "confirmed".into()),
            "{sidekiq:#}"
        );
        assert!(sidekiq["cause"].as_str().unwrap().contains("sidekiq"));
        // With --ccci, the overlay's own assertion line is cited.
        let cited = sidekiq["evidence"].to_string();
        assert!(
            cited.contains("ccci/tests/discourse/test_upgrade.py:25"),
            "{cited}"
        );
        assert_eq!(
            failures_of(v, run).len(),
            2,
            "{run}: exactly the two overlay failures"
        );
    }
    let sweep = failure(
        v,
        "sweep-20260614-discourse",
        "upgrade",
        Some("::test_head_runs_official_image_not_bitnamilegacy"),
    );
    assert!(
        ruled_out(sweep, "flake").contains("manual-4242"),
        "{sweep:#}"
    );
}

#[test]
fn gitea_overlay_is_ahead_of_a_release() {
    let f = failure(
        all(),
        "sweep-20260614-gitea",
        "upgrade",
        Some("::test_head_runs_gitea_1_24"),
    );
    assert_eq!(
        verdict(f),
        ("stale-overlay".into(), "confirmed".into()),
        "{f:#}"
    );
    let cause = f["cause"].as_str().unwrap();
    assert!(cause.contains("ahead of a release"), "{cause}");
    assert!(cause.contains("main"), "{cause}");
}

#[test]
fn mattermost_restore_is_a_recipe_defect_with_immich_as_reference() {
    let v = all();
    for run in ["753", "redfix-mattermost-lts", "740"] {
        let f = failure(
            v,
            run,
            "restore",
            Some("tests/_generic/test_restore.py::test_restore_returns_state"),
        );
        assert_eq!(
            verdict(f),
            ("recipe-defect".into(), "confirmed".into()),
            "{run}: {f:#}"
        );
        let cause = f["cause"].as_str().unwrap();
        assert!(cause.contains("backupbot.restore.post-hook"), "{cause}");
        assert!(cause.contains("postgres"), "{cause}");
        assert!(f["fix"].as_str().unwrap().contains("immich"), "{f:#}");
        assert_eq!(f["rule"], "backup.restore-replays-no-dump");
    }
    let loaded = failure(v, "753", "restore", Some("::test_restore_returns_state"));
    assert!(
        ruled_out(loaded, "flake").contains("redfix-mattermost-lts"),
        "{loaded:#}"
    );
}

#[test]
fn bookstack_mariadb_restore_is_a_recipe_defect() {
    let f = failure(
        all(),
        "redfix-bookstack",
        "restore",
        Some("::test_restore_returns_state"),
    );
    assert_eq!(
        verdict(f),
        ("recipe-defect".into(), "confirmed".into()),
        "{f:#}"
    );
    let cause = f["cause"].as_str().unwrap();
    assert!(cause.contains("`db`") || cause.contains("db"), "{cause}");
    assert!(
        cause.contains("mysqldump") || cause.contains("restore.post-hook"),
        "{cause}"
    );
}

#[test]
fn mumble_is_a_flake_green_in_two_isolation_runs() {
    let v = all();
    let f = failure(
        v,
        "sweep-20260614-mumble",
        "custom",
        Some("::test_handshake_completes_with_channel_presence"),
    );
    assert_eq!(verdict(f), ("flake".into(), "confirmed".into()), "{f:#}");
    let cause = f["cause"].as_str().unwrap();
    assert!(cause.contains("reproducibly green in isolation"), "{cause}");
    assert!(
        cause.contains("redfix-mumble") && cause.contains("redfix-mumble-2"),
        "{cause}"
    );
    assert!(cause.contains("canonical"), "{cause}");
    assert!(failures_of(v, "redfix-mumble").is_empty());
    assert!(failures_of(v, "redfix-mumble-2").is_empty());
}

#[test]
fn bluesky_promote_is_a_routing_collision_named_by_stack_order() {
    let v = all();
    for run in ["sweep-20260614-bluesky-pds", "redfix-bluesky-pds"] {
        let f = failure(v, run, "promote", None);
        assert_eq!(
            verdict(f),
            ("routing-collision".into(), "likely".into()),
            "{run}: {f:#}"
        );
        let cause = f["cause"].as_str().unwrap();
        assert!(cause.contains("app"), "{cause}");
        assert!(cause.contains("warm-bluesky-pds"), "{cause}");
        assert!(cause.contains("proxy"), "{cause}");
        assert!(f["next"].as_str().unwrap().contains("probe dns"), "{f:#}");
    }
    // The cold tiers and the EXPECTED_NA upgrade are not failures.
    let sweep = failures_of(v, "sweep-20260614-bluesky-pds");
    assert_eq!(sweep.len(), 1, "{sweep:#?}");
}

#[test]
fn nextcloud_times_out_alone_too_so_it_is_not_a_flake() {
    let v = all();
    for run in ["sweep-20260614-nextcloud", "redfix-nextcloud"] {
        let f = failure(v, run, "custom", Some("::test_occ_status_installed"));
        assert_eq!(f["class"], "unknown", "{run}: {f:#}");
        assert!(ruled_out(f, "flake").contains("alone"), "{f:#}");
    }
}

#[test]
fn each_harness_signature_is_named() {
    let v = all();
    let cases = [
        ("761", "harness.disk-full"),
        ("762", "harness.pull-rate-limit"),
        ("m2r-outline", "harness.mirror-auth"),
        ("dstamp-repro4", "harness.abra-no-tty"),
        ("763", "harness.unstaged-changes"),
        ("m2r-matrix-synapse", "harness.orphaned-stack"),
        ("764", "harness.vip-exhausted"),
    ];
    for (run, rule) in cases {
        let fs = failures_of(v, run);
        assert!(!fs.is_empty(), "{run} has failures");
        for f in fs {
            assert_eq!(
                verdict(f),
                ("harness".into(), "likely".into()),
                "{run}: {f:#}"
            );
            assert_eq!(f["rule"], rule, "{run}: {f:#}");
        }
    }
    let killed = failure(v, "sweep-20260614-peertube", "run", None);
    assert_eq!(killed["class"], "harness", "{killed:#}");
    assert!(
        killed["message"].as_str().unwrap().contains("142"),
        "{killed:#}"
    );
}

#[test]
fn green_runs_have_no_failures_and_no_trouble_rule_fires_on_them() {
    let v = all();
    for run in [
        "752",
        "sweep-20260614-cryptpad",
        "manual-immich-1",
        "redfix-mumble",
        "redfix-mumble-2",
    ] {
        assert!(
            failures_of(v, run).is_empty(),
            "{run}: {:#?}",
            failures_of(v, run)
        );
    }
    // Every trouble rule over every green run's files: nothing fires.
    // Console rules run over the console, message rules over the JUnit.
    use ccci_triage::rules::Scope;
    let rules = ccci_triage::rules::RuleSet::builtin();
    for run in [
        "752",
        "sweep-20260614-cryptpad",
        "manual-immich-1",
        "redfix-mumble",
        "redfix-mumble-2",
    ] {
        let console = testdata().join("runs").join(format!("{run}.console.log"));
        let mut inputs = vec![(console, Scope::Console)];
        for e in std::fs::read_dir(testdata().join("runs").join(run).join("junit")).unwrap() {
            inputs.push((e.unwrap().path(), Scope::Message));
        }
        for (path, scope) in inputs {
            let bytes = std::fs::read(&path).unwrap();
            let hits: Vec<_> = rules
                .scan(
                    scope,
                    &bytes,
                    &path,
                    1,
                    &mut ccci_triage::rules::Caps::new(64),
                    2026,
                )
                .into_iter()
                .filter(|s| s.role.is_trouble())
                .collect();
            assert!(
                hits.is_empty(),
                "{run}: trouble rules fired on a green run: {hits:#?}"
            );
        }
    }
}

#[test]
fn hedgedoc_without_results_is_a_suspected_flake_at_most() {
    let f = failure(
        all(),
        "754",
        "backup",
        Some("::test_backup_creates_snapshot"),
    );
    let (class, confidence) = verdict(f);
    assert!(class == "flake" || class == "unknown", "{f:#}");
    assert_ne!(confidence, "confirmed");
    let run = all()["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["run_id"] == "754")
        .unwrap();
    assert_eq!(run["recipe"], "hedgedoc");
    let overlapping: Vec<&str> = run["overlapping"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect();
    assert_eq!(
        overlapping,
        vec!["753", "sweep-20260614-gitea", "sweep-20260614-mumble"]
    );
}

#[test]
fn broken_files_warn_by_name_and_the_run_is_still_triaged() {
    let v = all();
    let warnings: Vec<&str> = v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    let has = |file: &str, word: &str| {
        warnings
            .iter()
            .any(|w| w.contains(file) && w.contains(word))
    };
    assert!(has("broken-files/results.json", "JSON"), "{warnings:#?}");
    assert!(
        has("upgrade__generic__test_upgrade.xml", "truncated"),
        "{warnings:#?}"
    );
    assert!(
        has("restore__generic__test_restore.xml", "empty"),
        "{warnings:#?}"
    );
    assert!(
        has("custom__recipe__test_workflows.xml", ""),
        "{warnings:#?}"
    );
    let fs = failures_of(v, "broken-files");
    assert!(fs.iter().any(|f| f["tier"] == "backup"), "{fs:#?}");
    assert!(fs.iter().any(|f| f["tier"] == "upgrade"), "{fs:#?}");
    assert!(
        fs.iter()
            .all(|f| f["class"] != "flake" || f["confidence"] != "confirmed")
    );
}

#[test]
fn load_is_computed_from_spans() {
    let v = all();
    let run = |id: &str| {
        v["runs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["run_id"] == id)
            .unwrap()
            .clone()
    };
    let ids = |r: &Value| -> Vec<String> {
        r["overlapping"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        ids(&run("753")),
        vec!["754", "sweep-20260614-discourse", "sweep-20260614-gitea"]
    );
    assert!(ids(&run("manual-4242")).is_empty());
    assert_eq!(run("manual-4242")["started"], "2026-06-17T23:20:04Z");
}

#[test]
fn every_failure_follows_the_interface() {
    let v = all();
    assert_eq!(v["schema_version"], 1);
    assert!(v["tool"].as_str().unwrap().starts_with("ccci-triage "));
    let classes = [
        "flake",
        "recipe-defect",
        "stale-overlay",
        "routing-collision",
        "harness",
        "unknown",
    ];
    let tiers = [
        "install", "upgrade", "backup", "restore", "custom", "promote", "lint", "run",
    ];
    let mut keys = std::collections::BTreeSet::new();
    for f in v["failures"].as_array().unwrap() {
        assert!(classes.contains(&f["class"].as_str().unwrap()), "{f:#}");
        assert!(tiers.contains(&f["tier"].as_str().unwrap()), "{f:#}");
        assert!(!f["cause"].as_str().unwrap().is_empty());
        assert!(!f["next"].as_str().unwrap().is_empty());
        assert!(!f["evidence"].as_array().unwrap().is_empty(), "{f:#}");
        for e in f["evidence"].as_array().unwrap() {
            assert!(!e["source"].as_str().unwrap().is_empty(), "{f:#}");
        }
        let key = (
            f["run_id"].to_string(),
            f["recipe"].to_string(),
            f["tier"].to_string(),
            f["test"].to_string(),
        );
        assert!(keys.insert(key), "listed twice: {f:#}");
    }
}

#[test]
fn the_plain_testdata_tree_works_without_git_and_says_so() {
    let out = bin()
        .arg(testdata().join("runs").join("manual-4242"))
        .args(["--format", "json", "--canonicals", "/nonexistent"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = failure(
        &v,
        "manual-4242",
        "upgrade",
        Some("::test_head_runs_official_image_not_bitnamilegacy"),
    );
    // Without tags the expectation is only checked in the work tree:
    // never `confirmed`.
    assert_eq!(
        verdict(f),
        ("stale-overlay".into(), "likely".into()),
        "{f:#}"
    );
}

#[test]
fn a_missing_path_exits_2_and_names_it() {
    let out = bin().arg("/nonexistent/cc-ci-runs").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("/nonexistent/cc-ci-runs: does not exist"),
        "{err}"
    );
}

#[test]
fn the_runs_root_is_never_written() {
    let h = host();
    let before = snapshot(&h.join("runs"));
    let out = bin()
        .arg(h.join("runs"))
        .args(["--format", "journal", "--append"])
        .arg(h.join("runs").join("journal.md"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "appending under the root is refused"
    );
    let md = bin()
        .arg(h.join("runs"))
        .args(["--format", "markdown"])
        .output()
        .unwrap();
    assert!(md.status.success());
    assert_eq!(before, snapshot(&h.join("runs")));
}

fn snapshot(dir: &Path) -> Vec<(PathBuf, u64, std::time::SystemTime)> {
    let mut out: Vec<_> = walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .map(|e| {
            let m = e.metadata().unwrap();
            (e.path().to_path_buf(), m.len(), m.modified().unwrap())
        })
        .collect();
    out.sort();
    out
}

#[test]
fn unreadable_and_looping_entries_are_warnings_not_errors() {
    // The symlink loop is asserted. The mode-000 directory only proves the
    // run survives it: as root (CI here runs as root) it stays readable, so
    // no warning can be required for it.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("runs");
    std::fs::create_dir(&root).unwrap();
    copy_dir(
        &testdata().join("runs").join("manual-4242"),
        &root.join("manual-4242"),
    );
    std::os::unix::fs::symlink(&root, root.join("loop")).unwrap();
    let locked = root.join("locked");
    std::fs::create_dir(&locked).unwrap();
    std::fs::create_dir(locked.join("junit")).unwrap();
    let mut perms = std::fs::metadata(&locked).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o000);
    std::fs::set_permissions(&locked, perms).unwrap();
    let out = bin()
        .arg(&root)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let mut perms = std::fs::metadata(&locked).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&locked, perms).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let warnings = v["warnings"].to_string();
    assert!(warnings.contains("loop"), "{warnings}");
    assert_eq!(failures_of(&v, "manual-4242").len(), 2);
}

fn copy_dir(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from) {
        let e = e.unwrap();
        let target = to.join(e.path().strip_prefix(from).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

#[test]
fn a_replayed_dns_probe_confirms_the_routing_collision() {
    let h = host();
    let recording = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src/sources/docker/testdata/bluesky-collision.json");
    let replay = |run: &str| -> Value {
        let out = bin()
            .arg(h.join("runs").join(run))
            .arg("--canonicals")
            .arg(h.join("ci-warm"))
            .arg("--probe-replay")
            .arg(&recording)
            .args(["--format", "json"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    // Without the sweep log the promote is not known; the run is green.
    let v = replay("sweep-20260614-bluesky-pds");
    assert!(failures_of(&v, "sweep-20260614-bluesky-pds").is_empty());

    let v = replay("redfix-bluesky-pds");
    let f = failure(&v, "redfix-bluesky-pds", "promote", None);
    assert_eq!(
        verdict(f),
        ("routing-collision".into(), "confirmed".into()),
        "{f:#}"
    );
    let probe = f["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["source"].as_str().unwrap().starts_with("probe:"))
        .expect("the probe is cited");
    assert!(
        probe["source"]
            .as_str()
            .unwrap()
            .contains("getent hosts app"),
        "{probe:#}"
    );
}

/// Writes a minimal sweep run: install failed, with `line` in its console.
fn sweep_run(root: &Path, id: &str, recipe: &str, start: &str, end: &str, line: &str) {
    let dir = root.join(id);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("results.json"),
        format!(
            r#"{{"schema": 2, "recipe": "{recipe}", "version": "1.0.0+1", "ref": "0123456789ab", "run_id": "{id}",
               "finished": {end}, "results": {{"install": "fail"}}, "rungs": {{"install": "fail"}}}}"#
        ),
    )
    .unwrap();
    std::fs::write(
        root.join(format!("{id}.console.log")),
        format!(
            "{start} INFO run: start recipe={recipe} version=1.0.0+1 run_id={id} ref=0123456789ab\n\
             {start} ERROR deploy: {line}\n\
             {start} ERROR tier: install FAIL reason=\"deploy failed\"\n\
             {start} INFO run: RESULT: install FAIL\n\
             {start} INFO run: end rc=4\n"
        ),
    )
    .unwrap();
}

#[test]
fn one_registry_outage_across_a_sweep_is_reported_as_one_shared_cause() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("runs");
    let limit = "toomanyrequests: You have reached your unauthenticated pull rate limit";
    sweep_run(
        &root,
        "sweep-20260621-alpha",
        "alpha",
        "2026-06-21T03:00:00Z",
        "1781924400",
        limit,
    );
    sweep_run(
        &root,
        "sweep-20260621-beta",
        "beta",
        "2026-06-21T03:20:00Z",
        "1781925600",
        limit,
    );
    let sweep = dir.path().join("sweep.log");
    std::fs::write(
        &sweep,
        "===== nightly cold sweep: enrolled canonicals = [alpha, beta] =====\n\
         2026-06-21T03:00:00Z [alpha] run_on_tag 1.0.0+1 run_id=sweep-20260621-alpha\n\
         2026-06-21T03:19:00Z [alpha] FAIL (canonical unchanged)\n\
         2026-06-21T03:20:00Z [beta] run_on_tag 1.0.0+1 run_id=sweep-20260621-beta\n\
         2026-06-21T03:39:00Z [beta] FAIL (canonical unchanged)\n",
    )
    .unwrap();
    let out = bin()
        .env("XDG_CACHE_HOME", dir.path().join("cache"))
        .arg(&root)
        .arg("--sweep-log")
        .arg(&sweep)
        .args(["--format", "json", "--canonicals"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    for run in ["sweep-20260621-alpha", "sweep-20260621-beta"] {
        let f = failure(&v, run, "install", None);
        assert_eq!(f["rule"], "harness.pull-rate-limit", "{f:#}");
        let cause = f["cause"].as_str().unwrap();
        assert!(
            cause.contains("shared cause") && cause.contains("alpha, beta"),
            "{cause}"
        );
    }
    // The index lives in the cache, never under the runs root.
    assert!(dir.path().join("cache").join("ccci-triage").is_dir());
    assert!(
        walkdir::WalkDir::new(&root)
            .into_iter()
            .flatten()
            .all(|e| !e.file_name().to_string_lossy().contains("sqlite"))
    );
}

#[test]
fn a_run_dir_given_alone_still_sees_its_load_and_its_isolation_reruns() {
    let h = host();
    let empty = tempfile::tempdir().unwrap();
    let out = bin()
        .arg(h.join("runs").join("753"))
        .args(["--format", "json", "--canonicals"])
        .arg(empty.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1, "only the run asked about is reported");
    let overlapping: Vec<&str> = runs[0]["overlapping"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect();
    assert_eq!(
        overlapping,
        vec!["754", "sweep-20260614-discourse", "sweep-20260614-gitea"]
    );
    let f = failure(&v, "753", "restore", Some("::test_restore_returns_state"));
    assert_eq!(verdict(f), ("recipe-defect".into(), "confirmed".into()));
    assert!(
        ruled_out(f, "flake").contains("redfix-mattermost-lts"),
        "{f:#}"
    );
    // Siblings read for context do not warn (broken-files is not asked about).
    assert!(
        v["warnings"].as_array().unwrap().is_empty(),
        "{:#}",
        v["warnings"]
    );
}

/// `ccci-triage <testdata>/runs <extra> -f json`, with the history index
/// in `cache` or, when `None`, `--no-history`.
fn testdata_json(extra: &[&str], cache: Option<&Path>) -> Vec<u8> {
    let td = testdata();
    let mut c = bin();
    c.arg(td.join("runs"))
        .args(extra)
        .arg("--canonicals")
        .arg(td.join("ci-warm"))
        .args(["-f", "json"]);
    match cache {
        Some(dir) => c.arg("--cache").arg(dir),
        None => c.arg("--no-history"),
    };
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn no_history_reports_what_the_index_reports() {
    // --no-history once held every run's summary and the full reads beside
    // them, both as context: a red rerun counted twice ("red in all 2
    // isolation runs" for one). It now fills a temporary index the same
    // way the cache's is filled, so every scope reads the same.
    let sweep = testdata().join("sweep-20260614.log");
    let sweep = sweep.to_str().unwrap();
    for extra in [&[][..], &["--all"], &["--sweep-log", sweep]] {
        let cache = tempfile::tempdir().unwrap();
        let with = testdata_json(extra, Some(cache.path()));
        let without = testdata_json(extra, None);
        assert_eq!(
            String::from_utf8_lossy(&without),
            String::from_utf8_lossy(&with),
            "{extra:?}"
        );
        let v: Value = serde_json::from_slice(&without).unwrap();
        for f in v["failures"].as_array().unwrap() {
            let cause = f["cause"].as_str().unwrap();
            assert!(!cause.contains("manual-4242, manual-4242"), "{cause}");
        }
    }
}

#[test]
fn no_history_writes_no_cache_and_refuses_a_temporary_directory_in_the_root() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("runs");
    sweep_run(
        &root,
        "sweep-20260621-alpha",
        "alpha",
        "2026-06-21T03:00:00Z",
        "1781924400",
        "toomanyrequests: You have reached your unauthenticated pull rate limit",
    );
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let run = |tmp: &Path| {
        bin()
            .env("HOME", &home)
            .env("XDG_CACHE_HOME", home.join("cache"))
            .env("TMPDIR", tmp)
            .env_remove("SQLITE_TMPDIR")
            .arg(&root)
            .args(["--no-history", "-f", "json"])
            .output()
            .unwrap()
    };
    let out = run(dir.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["failures"].as_array().unwrap().len(), 1, "{v:#}");
    assert_eq!(
        std::fs::read_dir(&home).unwrap().count(),
        0,
        "--no-history made a cache"
    );
    // A temporary directory inside the root is where the temporary index
    // would spill: refused, and nothing is written there.
    let inside = root.join("tmp");
    std::fs::create_dir_all(&inside).unwrap();
    let out = run(&inside);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("TMPDIR=") && err.contains("never writes under the runs root"),
        "{err}"
    );
    assert_eq!(std::fs::read_dir(&inside).unwrap().count(), 0);
}

#[test]
fn a_plain_fact_far_from_the_failure_is_cited_at_both_ends_and_counted_between() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("runs");
    let id = "sweep-20260621-alpha";
    let run = root.join(id);
    std::fs::create_dir_all(run.join("junit")).unwrap();
    std::fs::write(
        run.join("results.json"),
        format!(
            r#"{{"schema": 2, "recipe": "alpha", "version": "1.0.0+1", "ref": "0123456789ab", "run_id": "{id}",
               "finished": 1781924400, "results": {{"install": "fail"}}, "rungs": {{"install": "fail"}}}}"#
        ),
    )
    .unwrap();
    std::fs::write(
        run.join("junit/install__generic__test_install.xml"),
        r#"<?xml version="1.0" encoding="utf-8"?>
<testsuites name="pytest tests"><testsuite name="pytest" errors="0" failures="1" skipped="0" tests="1" time="3.0" timestamp="2026-06-21T02:50:00+00:00" hostname="ccci-swarm-01">
<testcase classname="tests._generic.test_install" name="test_app_serves_https" time="3.0"><failure message="AssertionError: status 502">AssertionError: status 502</failure></testcase>
</testsuite></testsuites>
"#,
    )
    .unwrap();
    // Twenty health lines (odd lines 1 to 39) before the tier's section:
    // far from the failure.
    let mut text = String::new();
    for n in 0..20 {
        text.push_str(&format!(
            "2026-06-21T02:{n:02}:00Z INFO health: https://alpha-1a2b3c.ci.commoninternet.net/ status=200\n\
             2026-06-21T02:{n:02}:30Z INFO waiting\n"
        ));
    }
    text.push_str(
        "+ python3 -m pytest -q tests/_generic/test_install.py --junitxml=junit/install__generic__test_install.xml\n",
    );
    // Ten in the tier's section (lines 42 to 51): near it.
    for n in 0..10 {
        text.push_str(&format!(
            "2026-06-21T03:{n:02}:00Z INFO health: https://alpha-1a2b3c.ci.commoninternet.net/ status=200\n"
        ));
    }
    text.push_str("E   AssertionError: status 502\n");
    std::fs::write(root.join(format!("{id}.console.log")), text).unwrap();
    let out = bin()
        .arg("explain")
        .arg(id)
        .arg("tests/_generic/test_install.py::test_app_serves_https")
        .arg(&root)
        .arg("--no-history")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cited = |place: &str| -> Vec<String> {
        stdout
            .lines()
            .filter(|l| l.contains(&format!("sign health.status (fact, {place})")))
            .map(|l| l.rsplit(':').next().unwrap_or("").to_string())
            .collect()
    };
    // The first four and the last four of the 20 far from it, and of the
    // 10 near it: each stretch at its ends.
    assert_eq!(
        cited("Console"),
        ["1", "3", "5", "7", "33", "35", "37", "39"],
        "{stdout}"
    );
    assert_eq!(
        cited("ConsoleNear"),
        ["42", "43", "44", "45", "48", "49", "50", "51"],
        "{stdout}"
    );
    assert!(
        stdout.contains("12 more `health.status` lines elsewhere in the console from here on"),
        "{stdout}"
    );
    assert!(
        stdout.contains("2 more `health.status` lines around the failure from here on"),
        "{stdout}"
    );
}
