//! The history index, end to end on real files: run directories written
//! into a temporary runs root, indexed into a temporary cache, queried.

use std::fs;
use std::path::{Path, PathBuf};

use ccci_triage::ingest;
use ccci_triage::model::Warnings;
use ccci_triage::rules::RuleSet;
use ccci_triage::sources::history::{Index, Refresh};
use serde_json::Value;

const T0: i64 = 1_780_000_000;

/// One test's outcome in a synthetic run.
#[derive(Clone, Copy)]
enum O {
    Pass,
    Fail,
}

struct Run<'a> {
    id: String,
    recipe: &'a str,
    version: &'a str,
    /// Minutes from T0.
    start: i64,
    minutes: i64,
    tests: Vec<(&'a str, O)>,
    /// Extra console lines (after the start line).
    console: Vec<String>,
    message: String,
}

impl<'a> Run<'a> {
    fn new(
        id: impl Into<String>,
        recipe: &'a str,
        start: i64,
        tests: Vec<(&'a str, O)>,
    ) -> Run<'a> {
        Run {
            id: id.into(),
            recipe,
            version: "1.0.0+1.0",
            start,
            minutes: 20,
            tests,
            console: Vec::new(),
            message: "AssertionError: assert 1 == 2".into(),
        }
    }
}

fn ts(secs: i64) -> String {
    jiff::Timestamp::from_second(secs).unwrap().to_string()
}

fn write_run(root: &Path, r: &Run) {
    let dir = root.join(&r.id);
    fs::create_dir_all(dir.join("junit")).unwrap();
    let start = T0 + r.start * 60;
    let end = start + r.minutes * 60;
    let any_red = r.tests.iter().any(|(_, o)| matches!(o, O::Fail));
    let results = format!(
        r#"{{"schema": 2, "recipe": "{}", "version": "{}", "ref": "0123456789ab", "run_id": "{}", "finished": {end}.5,
            "results": {{"install": "pass", "custom": "{}"}}, "level": 1}}"#,
        r.recipe,
        r.version,
        r.id,
        if any_red { "fail" } else { "pass" }
    );
    fs::write(dir.join("results.json"), results).unwrap();
    let mut x = format!(
        "<?xml version=\"1.0\"?><testsuites><testsuite name=\"pytest\" tests=\"{}\" timestamp=\"{}\">\n",
        r.tests.len(),
        ts(start).trim_end_matches('Z')
    );
    for (name, o) in &r.tests {
        x.push_str(&format!(
            "<testcase classname=\"tests.app.test_functional\" name=\"{name}\" time=\"1.0\">"
        ));
        if let O::Fail = o {
            x.push_str(&format!(
                "<failure message=\"{}\">boom</failure>",
                r.message
            ));
        }
        x.push_str("</testcase>\n");
    }
    x.push_str("</testsuite></testsuites>\n");
    fs::write(
        dir.join("junit").join("custom__cc-ci__test_functional.xml"),
        x,
    )
    .unwrap();
    let mut c = format!(
        "{} INFO run: start recipe={} version={} run_id={}\n",
        ts(start),
        r.recipe,
        r.version,
        r.id
    );
    for l in &r.console {
        c.push_str(l);
        c.push('\n');
    }
    c.push_str(&format!("{} INFO run: end rc=0\n", ts(end)));
    fs::write(root.join(format!("{}.console.log", r.id)), c).unwrap();
}

struct Fixture {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    cache: PathBuf,
}

fn fixture() -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("runs");
    let cache = tmp.path().join("cache");
    fs::create_dir_all(&root).unwrap();
    Fixture {
        root,
        cache,
        _tmp: tmp,
    }
}

fn index(f: &Fixture) -> (Index, Refresh, Warnings) {
    index_of(&f.cache, &f.root)
}

fn index_of(cache: &Path, root: &Path) -> (Index, Refresh, Warnings) {
    let mut h = Index::open(Some(cache), root).unwrap();
    let mut w = Warnings::new();
    let found = ingest::discover(root, &mut w).unwrap();
    let (stats, _) = h
        .refresh(&found, &RuleSet::builtin(), false, &|_, _| {}, &mut w)
        .unwrap();
    (h, stats, w)
}

fn bin() -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_ccci-triage"));
    c.env_remove("CCCI_RUNS_DIR").env("NO_COLOR", "1");
    c
}

/// `ccci-triage history <root> --cache <cache> -f json [extra]`.
fn history(f: &Fixture, extra: &[&str]) -> Value {
    let out = bin()
        .arg("history")
        .arg(&f.root)
        .arg("--cache")
        .arg(&f.cache)
        .args(["-f", "json"])
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The history of test `T` of `recipe`.
fn test_of(f: &Fixture, recipe: &str) -> Value {
    let v = history(f, &["--recipe", recipe, "--test", "test_t"]);
    v["tests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["test"] == T)
        .cloned()
        .unwrap_or_else(|| panic!("no history of {T}: {v}"))
}

/// Runs of `recipe`, one a day, each alone, with `pattern` (`.` pass, `F`
/// fail, `x` every test red) for test `t` and a second test `u`.
fn daily(root: &Path, recipe: &str, pattern: &str, versions: &[&str]) {
    for (i, c) in pattern.chars().enumerate() {
        let id = format!("{recipe}-{i:02}");
        let (t, u) = match c {
            '.' => (O::Pass, O::Pass),
            'F' => (O::Fail, O::Pass),
            'x' => (O::Fail, O::Fail),
            _ => unreachable!(),
        };
        let mut r = Run::new(
            id,
            recipe,
            i as i64 * 1440,
            vec![("test_t", t), ("test_u", u)],
        );
        r.version = versions[i.min(versions.len() - 1)];
        write_run(root, &r);
    }
}

const T: &str = "tests/app/test_functional.py::test_t";

#[test]
fn update_reads_only_new_and_changed_runs() {
    let f = fixture();
    daily(&f.root, "mumble", ".F.", &["1.0.0"]);
    let (_, s, _) = index(&f);
    assert_eq!((s.runs, s.read, s.new, s.unchanged), (3, 3, 3, 0));

    let (_, s, _) = index(&f);
    assert_eq!((s.read, s.unchanged, s.changed, s.new), (0, 3, 0, 0));

    // A changed console log (another size) makes its run read again.
    let c = f.root.join("mumble-00.console.log");
    let mut text = fs::read_to_string(&c).unwrap();
    text.push_str("2026-05-28T00:00:00Z INFO run: trailing line\n");
    fs::write(&c, text).unwrap();
    // A JUnit file rewritten (the red test now green): its old outcome goes.
    let junit = f
        .root
        .join("mumble-01/junit/custom__cc-ci__test_functional.xml");
    let green = fs::read_to_string(&junit).unwrap().replace(
        "<failure message=\"AssertionError: assert 1 == 2\">boom</failure>",
        "",
    );
    fs::write(&junit, green).unwrap();
    // A new run, and one run gone.
    daily(&f.root, "gitea", ".", &["2.0.0"]);
    fs::remove_dir_all(f.root.join("mumble-02")).unwrap();
    fs::remove_file(f.root.join("mumble-02.console.log")).unwrap();
    let (_, s, _) = index(&f);
    assert_eq!(
        (s.read, s.changed, s.new, s.removed, s.unchanged),
        (3, 2, 1, 1, 0)
    );
    assert_eq!(s.runs, 3);
    assert_eq!(test_of(&f, "mumble")["strip"], "..");
}

#[test]
fn breaks_and_infrastructure_runs_are_not_flakiness() {
    let f = fixture();
    // A break of three (FFF), one flaky red, one infrastructure run (x).
    daily(&f.root, "mumble", "..FFF..F.x..", &["1.0.0"]);
    let th = test_of(&f, "mumble");
    assert_eq!(th["strip"], "..FFF..F.x..");
    // 12 runs - 1 infra - 3 break = 8 counted, 1 red among them.
    assert_eq!(th["counted"], 8);
    assert!(
        (th["flip_rate"].as_f64().unwrap() - 1.0 / 8.0).abs() < 1e-9,
        "{th}"
    );
    assert_eq!(th["flips"], 2);
    // The infrastructure run is counted apart, not as this test's red.
    let c = &th["counts"];
    assert_eq!(
        (
            c["red"].as_u64(),
            c["total"].as_u64(),
            c["infra_runs"].as_u64()
        ),
        (Some(4), Some(11), Some(1))
    );
    assert!(
        th["summary"]
            .as_str()
            .unwrap()
            .ends_with("; 1 infrastructure run left out"),
        "{th}"
    );
    // Only two red in a row: flakiness, counted.
    let f2 = fixture();
    daily(&f2.root, "mumble", "..FF..", &["1.0.0"]);
    let th = test_of(&f2, "mumble");
    assert_eq!(th["counted"], 6);
    assert!((th["flip_rate"].as_f64().unwrap() - 2.0 / 6.0).abs() < 1e-9);
}

#[test]
fn first_bad_run_after_the_last_good_one_names_the_version_change() {
    let f = fixture();
    daily(
        &f.root,
        "immich",
        "..F...FFFF",
        &[
            "1.0.0", "1.0.0", "1.0.0", "1.0.0", "1.0.0", "1.0.0", "1.1.0",
        ],
    );
    let th = test_of(&f, "immich");
    let fb = &th["first_bad"];
    assert_eq!(fb["run_id"], "immich-06");
    assert_eq!(fb["last_good_run"], "immich-05");
    assert_eq!(fb["last_good_version"], "1.0.0");
    assert_eq!(fb["version"], "1.1.0");
    assert!(
        th["summary"].as_str().unwrap().starts_with(
            "red in every run since version 1.1.0 (run immich-06), after 1.0.0 → 1.1.0"
        ),
        "{th}"
    );
    // Green at the end: no first bad run.
    let f2 = fixture();
    daily(&f2.root, "immich", "..F..", &["1.0.0"]);
    assert!(test_of(&f2, "immich")["first_bad"].is_null());
}

#[test]
fn red_under_load_and_green_alone_are_counted_apart() {
    let f = fixture();
    // Two runs at the same time (each loads the other), both red; a sweep
    // run, red; three runs alone, green.
    let mut runs = vec![
        Run::new(
            "701",
            "mumble",
            0,
            vec![("test_t", O::Fail), ("test_u", O::Pass)],
        ),
        Run::new("702", "gitea", 10, vec![("test_t", O::Pass)]),
        Run::new(
            "sweep-20260601-mumble",
            "mumble",
            1000,
            vec![("test_t", O::Fail), ("test_u", O::Pass)],
        ),
    ];
    for (i, id) in ["711", "712", "713"].into_iter().enumerate() {
        runs.push(Run::new(
            id,
            "mumble",
            3000 + 1000 * i as i64,
            vec![("test_t", O::Pass), ("test_u", O::Pass)],
        ));
    }
    for r in &runs {
        write_run(&f.root, r);
    }
    let th = test_of(&f, "mumble");
    assert_eq!(th["strip"], "FF...");
    let c = &th["counts"];
    assert_eq!(
        (
            c["red"].as_u64(),
            c["red_under_load"].as_u64(),
            c["red_alone"].as_u64()
        ),
        (Some(2), Some(2), Some(0))
    );
    assert_eq!(
        (c["green_alone"].as_u64(), c["isolation_runs"].as_u64()),
        (Some(3), Some(3))
    );
    let r = th["runs"].as_array().unwrap();
    assert!(r[0]["loaded"] == true && r[0]["isolation"] == false);
    assert!(
        r[1]["loaded"] == true && r[1]["isolation"] == false,
        "a sweep run is never isolation"
    );
    assert_eq!(r[2]["isolation"], true);
    assert_eq!(
        th["summary"],
        "red in 2 of the last 5 runs, all under load; green in all 3 isolation runs"
    );
}

#[test]
fn the_cache_never_lands_under_the_runs_root() {
    let f = fixture();
    daily(&f.root, "mumble", ".", &["1.0.0"]);
    for inside in [
        f.root.join("cache").join("deeper"),
        // Through `..`, still refused.
        f.root.join("mumble-00").join("..").join(".ccci"),
    ] {
        let out = bin()
            .arg("history")
            .arg(&f.root)
            .arg("--cache")
            .arg(&inside)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{inside:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("never writes under a runs root"), "{err}");
    }
    assert!(
        !f.root.join("cache").exists(),
        "nothing created under the root"
    );
    assert!(!f.root.join(".ccci").exists());
    // A symlink in the cache path that points into the root: refused too.
    let link = f.cache.parent().unwrap().join("sneaky");
    std::os::unix::fs::symlink(&f.root, &link).unwrap();
    let out = bin()
        .arg("history")
        .arg(&f.root)
        .arg("--cache")
        .arg(link.join("c"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!f.root.join("c").exists());
    // Outside: the database is in the cache, named after the root.
    let (h, _, _) = index(&f);
    assert!(h.db_path().starts_with(f.cache.canonicalize().unwrap()));
    assert!(
        h.db_path()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("runs-")
    );
}

#[test]
fn one_database_per_runs_root() {
    let f = fixture();
    let other = f.root.parent().unwrap().join("other-runs");
    fs::create_dir_all(&other).unwrap();
    daily(&f.root, "mumble", "..", &["1.0.0"]);
    daily(&other, "gitea", "...", &["1.0.0"]);
    let (a, sa, _) = index(&f);
    let (b, sb, _) = index_of(&f.cache, &other);
    assert_ne!(a.db_path(), b.db_path());
    assert_eq!((sa.runs, sb.runs), (2, 3));
}

#[test]
fn a_corrupt_or_outdated_database_is_set_aside_and_rebuilt_with_a_warning() {
    let f = fixture();
    daily(&f.root, "mumble", "..F", &["1.0.0"]);
    let (h, _, _) = index(&f);
    let db = h.db_path().to_path_buf();
    drop(h);
    fs::write(
        &db,
        b"this is not an SQLite database, just junk bytes ........",
    )
    .unwrap();
    let (h, s, w) = index(&f);
    assert_eq!(s.read, 3, "everything read again");
    assert!(
        w.as_slice()
            .iter()
            .any(|m| m.subject.contains(&db.display().to_string())
                && m.problem.contains("set aside")),
        "{w:?}"
    );
    drop(h);
    assert_eq!(test_of(&f, "mumble")["strip"], "..F");

    // Another schema version: set aside and rebuilt too.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.pragma_update(None, "user_version", 999).unwrap();
    drop(conn);
    let (_, s, w) = index(&f);
    assert_eq!(s.read, 3);
    assert!(
        w.as_slice()
            .iter()
            .any(|m| m.problem.contains("schema version 999")),
        "{w:?}"
    );
    // Nothing of the user's is deleted: the unusable files are kept.
    let aside = fs::read_dir(db.parent().unwrap())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains("set-aside")
        })
        .count();
    assert!(aside >= 2);
}

/// A cause shared by recipes of one sweep is named once per recipe, from
/// that sweep's own failures only.
#[test]
fn a_cause_shared_by_recipes_of_one_sweep_names_them() {
    let f = fixture();
    let limit = "2026-06-01T01:05:00Z ERROR deploy: pull x: toomanyrequests: You have reached your unauthenticated pull rate limit";
    let mut runs = Vec::new();
    let mut sweep = String::from(
        "===== nightly cold sweep: enrolled canonicals = [gitea, mumble, wordpress] =====\n",
    );
    for (i, recipe) in ["gitea", "mumble", "wordpress"].into_iter().enumerate() {
        let id = format!("sweep-20260601-{recipe}");
        let mut r = Run::new(id.clone(), recipe, i as i64 * 30, vec![("test_t", O::Fail)]);
        if recipe != "wordpress" {
            r.console.push(limit.to_string());
        }
        // Same message up to the port and the address.
        r.message = format!(
            "ConnectionError: dial tcp 10.0.{i}.7:{}: i/o timeout",
            5000 + i
        );
        sweep.push_str(&format!(
            "{} [{recipe}] run_on_tag 1.0.0+1.0 run_id={id}\n",
            ts(T0 + i as i64 * 1800)
        ));
        sweep.push_str(&format!(
            "{} [{recipe}] cold rc=7\n",
            ts(T0 + i as i64 * 1800 + 1200)
        ));
        runs.push(r);
    }
    // An unrelated run of another sweep with the same signature: not part
    // of this sweep's shared cause.
    let mut other = Run::new(
        "sweep-20260608-ghost",
        "ghost",
        20000,
        vec![("test_t", O::Fail)],
    );
    other.console.push(limit.to_string());
    runs.push(other);
    for r in &runs {
        write_run(&f.root, r);
    }
    let log = f.root.parent().unwrap().join("sweep.log");
    fs::write(&log, sweep).unwrap();
    let out = bin()
        .arg(&f.root)
        .arg("--sweep-log")
        .arg(&log)
        .arg("--cache")
        .arg(&f.cache)
        .args(["-f", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let fails = v["failures"].as_array().unwrap();
    assert_eq!(fails.len(), 3, "the sweep's failures only: {v}");
    for f in fails {
        let cause = f["cause"].as_str().unwrap();
        let recipe = f["recipe"].as_str().unwrap();
        if recipe == "wordpress" {
            // No signature there: the message, numbers made equal, is the
            // same in all three recipes.
            assert!(!cause.contains("signature"), "{cause}");
            assert!(
                cause.contains("hit 3 recipes (gitea, mumble, wordpress)"),
                "{cause}"
            );
        } else {
            assert_eq!(f["class"], "harness", "{f}");
            assert!(
                cause.contains("One shared cause across the sweep")
                    && cause.contains("hit 2 recipes (gitea, mumble)"),
                "{cause}"
            );
        }
    }
}

#[test]
fn the_command_prints_json_with_run_ids_and_a_table_with_a_legend() {
    let f = fixture();
    daily(&f.root, "a-recipe-with-a-long-name", ".F..F.", &["1.0.0"]);
    let v = history(&f, &[]);
    assert_eq!(v["schema_version"], 2);
    let tests = v["tests"].as_array().unwrap();
    // Only the test that was ever red is listed without --test.
    assert_eq!(tests.len(), 1);
    assert_eq!(tests[0]["test"], T);
    assert_eq!(tests[0]["strip"], ".F..F.");
    assert_eq!(
        tests[0]["runs"][1]["run_id"],
        "a-recipe-with-a-long-name-01"
    );

    for width in ["80", "100"] {
        let out = bin()
            .env("COLUMNS", width)
            .arg("history")
            .arg(&f.root)
            .arg("--cache")
            .arg(&f.cache)
            .args(["--test", "test_"])
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains(".F..F."), "{text}");
        // At 80 columns a name goes on two lines, its file over its test.
        assert!(
            text.contains("test_functional.py::test_u")
                || text.contains("test_functional.py::  ") && text.contains("  test_u  "),
            "--test lists green tests too: {text}"
        );
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            flat.contains("flip = red runs over the runs counted"),
            "the legend: {text}"
        );
        for line in text.lines() {
            assert!(
                line.chars().count() <= width.parse().unwrap(),
                "too wide at {width}: {line:?}"
            );
        }
    }
}

/// Triages refreshing the same index at once: each waits for the other
/// and all succeed, with every run indexed once.
#[test]
fn concurrent_refreshes_of_one_index_do_not_collide() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/runs");
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let cache = cache.clone();
            let root = root.clone();
            std::thread::spawn(move || index_of(&cache, &root).1.runs)
        })
        .collect();
    let n = ingest::discover(&root, &mut Warnings::new()).unwrap().len();
    for h in handles {
        assert_eq!(h.join().unwrap(), n);
    }
}

/// `history` and triage share one index whatever way the root is spelled
/// (relative here, absolute and resolved in triage): neither makes the
/// other read every run again.
#[test]
fn history_and_triage_keep_each_others_index_warm() {
    let f = fixture();
    daily(&f.root, "mumble", "..F.", &["1.0.0"]);
    let tmp = f.root.parent().unwrap();
    let history_rel = || {
        let out = bin()
            .current_dir(tmp)
            .args(["history", "runs", "--cache", "cache", "-f", "json"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    let v = history_rel();
    assert_eq!(
        (v["update"]["read"].as_u64(), v["update"]["runs"].as_u64()),
        (Some(4), Some(4))
    );
    let out = bin()
        .env("ABRA_DIR", tmp.join("no-abra"))
        .arg(&f.root)
        .arg("--cache")
        .arg(&f.cache)
        .args(["--canonicals"])
        .arg(tmp.join("no-canonicals"))
        .args(["-f", "json", "-q"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = history_rel();
    assert_eq!(
        (
            v["update"]["read"].as_u64(),
            v["update"]["unchanged"].as_u64()
        ),
        (Some(0), Some(4)),
        "after triage, history read runs again: {}",
        v["update"]
    );
}

/// The table of testdata/'s runs (real recipes, long test names) fits 80
/// and 100 columns with every recipe's name readable on one line: no
/// column is left a letter wide.
#[test]
fn the_table_of_real_names_fits_the_terminal_and_keeps_every_name_readable() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/runs");
    let cache = tempfile::tempdir().unwrap();
    for width in [80, 100] {
        let out = bin()
            .env("COLUMNS", width.to_string())
            .arg("history")
            .arg(&root)
            .arg("--cache")
            .arg(cache.path())
            .output()
            .unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        for line in text.lines() {
            assert!(
                line.chars().count() <= width,
                "too wide at {width}: {line:?}"
            );
        }
        for recipe in ["bookstack", "discourse", "mattermost-lts", "mumble"] {
            assert!(
                text.lines()
                    .any(|l| l.split_whitespace().any(|w| w == recipe)),
                "{recipe} not whole on a line at {width}: {text}"
            );
        }
        let strip = if width == 80 {
            "last 12 runs"
        } else {
            "last 30 runs"
        };
        assert!(text.contains(strip), "{text}");
        if width == 100 {
            assert!(text.contains("test_restore_returns_state"), "{text}");
        }
    }
}
