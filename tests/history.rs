//! The history index, end to end on real files: run directories written
//! into a temporary runs root, indexed into a temporary cache, queried.

use std::fs;
use std::path::{Path, PathBuf};

use ccci_triage::error::{EXIT_USAGE, Warnings};
use ccci_triage::history::{CoKey, History};
use ccci_triage::rules::RuleSet;

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

fn index(f: &Fixture) -> (History, ccci_triage::history::UpdateStats, Warnings) {
    let mut h = History::open(Some(&f.cache), &f.root).unwrap();
    let mut w = Warnings::new();
    let stats = h.update(&f.root, &RuleSet::builtin(), &mut w).unwrap();
    (h, stats, w)
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
    // A JUnit file rewritten (the red test now green): its old rows go.
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
    let (h, s, _) = index(&f);
    assert_eq!(
        (s.read, s.changed, s.new, s.removed, s.unchanged),
        (3, 2, 1, 1, 0)
    );
    assert_eq!(s.runs, 3);
    assert_eq!(
        h.run_ids(Some("mumble")).unwrap(),
        vec!["mumble-00", "mumble-01"]
    );
    assert_eq!(h.test_history("mumble", T).unwrap().strip, "..");
}

#[test]
fn breaks_and_infrastructure_runs_are_not_flakiness() {
    let f = fixture();
    // A break of three (FFF), one flaky red, one infrastructure run (x).
    daily(&f.root, "mumble", "..FFF..F.x..", &["1.0.0"]);
    let (h, _, _) = index(&f);
    let th = h.test_history("mumble", T).unwrap();
    assert_eq!(th.strip, "..FFF..F.x..");
    // 12 runs - 1 infra - 3 break = 8 counted, 1 red among them.
    assert_eq!(th.counted, 8);
    assert!((th.flip_rate - 1.0 / 8.0).abs() < 1e-9, "{}", th.flip_rate);
    assert_eq!(th.flips, 2);
    // The infrastructure run is counted apart, not as this test's red.
    assert_eq!((th.red, th.total, th.infra_runs), (4, 11, 1));
    assert!(
        th.summary().ends_with("; 1 infrastructure run left out"),
        "{}",
        th.summary()
    );
    // Only two red in a row: flakiness, counted.
    let f2 = fixture();
    daily(&f2.root, "mumble", "..FF..", &["1.0.0"]);
    let (h, _, _) = index(&f2);
    let th = h.test_history("mumble", T).unwrap();
    assert_eq!(th.counted, 6);
    assert!((th.flip_rate - 2.0 / 6.0).abs() < 1e-9);
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
    let (h, _, _) = index(&f);
    let th = h.test_history("immich", T).unwrap();
    let fb = th.first_bad.clone().expect("red at the end");
    assert_eq!(fb.run_id, "immich-06");
    assert_eq!(fb.last_good_run.as_deref(), Some("immich-05"));
    assert_eq!(fb.last_good_version.as_deref(), Some("1.0.0"));
    assert_eq!(fb.version.as_deref(), Some("1.1.0"));
    assert!(
        th.summary().starts_with(
            "red in every run since version 1.1.0 (run immich-06), after 1.0.0 → 1.1.0"
        ),
        "{}",
        th.summary()
    );
    // Green at the end: no first bad run.
    let f2 = fixture();
    daily(&f2.root, "immich", "..F..", &["1.0.0"]);
    let (h, _, _) = index(&f2);
    assert!(h.test_history("immich", T).unwrap().first_bad.is_none());
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
    let (h, s, _) = index(&f);
    assert!(s.load_changed >= 2);
    let th = h.test_history("mumble", T).unwrap();
    assert_eq!(th.strip, "FF...");
    assert_eq!((th.red, th.red_under_load, th.red_alone), (2, 2, 0));
    assert_eq!((th.green_alone, th.isolation_runs), (3, 3));
    assert!(th.runs[0].loaded && !th.runs[0].isolation);
    assert!(
        th.runs[1].loaded && !th.runs[1].isolation,
        "a sweep run is never isolation"
    );
    assert!(th.runs[2].isolation);
    assert_eq!(
        th.summary(),
        "red in 2 of the last 5 runs, all under load; green in all 3 isolation runs"
    );
}

#[test]
fn the_cache_never_lands_under_the_runs_root() {
    let f = fixture();
    daily(&f.root, "mumble", ".", &["1.0.0"]);
    let inside = f.root.join("cache").join("deeper");
    let err = History::open(Some(&inside), &f.root)
        .err()
        .expect("refused");
    assert_eq!(err.exit_code(), EXIT_USAGE);
    assert!(
        err.message.contains("inside the runs root"),
        "{}",
        err.message
    );
    assert!(
        !f.root.join("cache").exists(),
        "nothing created under the root"
    );
    // Through a relative path or `..`, still refused.
    let sneaky = f.root.join("mumble-00").join("..").join(".ccci");
    assert!(History::open(Some(&sneaky), &f.root).is_err());
    assert!(!f.root.join(".ccci").exists());
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
    let mut b = History::open(Some(&f.cache), &other).unwrap();
    let sb = b
        .update(&other, &RuleSet::builtin(), &mut Warnings::new())
        .unwrap();
    assert_ne!(a.db_path(), b.db_path());
    assert_eq!((sa.runs, sb.runs), (2, 3));
}

#[test]
fn a_corrupt_or_outdated_database_is_rebuilt_with_a_warning() {
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
            .any(|m| m.contains(&db.display().to_string()) && m.contains("rebuilt")),
        "{:?}",
        w.as_slice()
    );
    assert_eq!(h.test_history("mumble", T).unwrap().strip, "..F");
    drop(h);

    // Another schema version: rebuilt too.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.pragma_update(None, "user_version", 999).unwrap();
    drop(conn);
    let (_, s, w) = index(&f);
    assert_eq!(s.read, 3);
    assert!(
        w.as_slice()
            .iter()
            .any(|m| m.contains("schema version 999")),
        "{:?}",
        w.as_slice()
    );
}

#[test]
fn a_cause_shared_by_recipes_of_one_sweep_is_reported_once() {
    let f = fixture();
    let limit = "2026-06-01T01:05:00Z ERROR deploy: pull x: toomanyrequests: You have reached your unauthenticated pull rate limit";
    let mut runs = Vec::new();
    for (i, recipe) in ["gitea", "mumble", "wordpress"].into_iter().enumerate() {
        let mut r = Run::new(
            format!("sweep-20260601-{recipe}"),
            recipe,
            i as i64 * 30,
            vec![("test_t", O::Fail)],
        );
        if recipe != "wordpress" {
            r.console.push(limit.to_string());
        }
        // Same message up to the port and the address.
        r.message = format!(
            "ConnectionError: dial tcp 10.0.{i}.7:{}: i/o timeout",
            5000 + i
        );
        runs.push(r);
    }
    // A signature in one recipe only is not shared.
    runs[2]
        .console
        .push("2026-06-01T02:00:00Z INFO deploy: rollback_completed".into());
    for r in &runs {
        write_run(&f.root, r);
    }
    let (h, _, _) = index(&f);
    let ids: Vec<String> = runs.iter().map(|r| r.id.clone()).collect();
    let co = h.co_failures(&ids);
    let sig: Vec<_> = co
        .iter()
        .filter(|c| matches!(c.key, CoKey::Signature(_)))
        .collect();
    assert_eq!(sig.len(), 1, "{co:?}");
    assert_eq!(
        sig[0].key,
        CoKey::Signature("harness.pull-rate-limit".into())
    );
    assert_eq!(sig[0].recipes, vec!["gitea", "mumble"]);
    // Evidence cites the console line.
    assert!(
        sig[0].evidence[0]
            .source
            .ends_with("sweep-20260601-gitea.console.log:2"),
        "{:?}",
        sig[0].evidence
    );
    let msg: Vec<_> = co
        .iter()
        .filter(|c| matches!(c.key, CoKey::Message(_)))
        .collect();
    assert_eq!(msg.len(), 1, "{co:?}");
    assert_eq!(msg[0].recipes, vec!["gitea", "mumble", "wordpress"]);
    // Asked about one run only: nothing is shared.
    assert!(h.co_failures(&ids[..1]).is_empty());
}

#[test]
fn a_console_larger_than_a_chunk_is_scanned_across_chunk_boundaries() {
    let f = fixture();
    let mut r = Run::new(
        "sweep-20260601-gitea",
        "gitea",
        0,
        vec![("test_t", O::Fail)],
    );
    let noise =
        "2026-06-01T01:00:00Z DEBUG deploy: waiting service=gite_app replicas=0/1 state=preparing";
    // ~9 MiB of noise, then the signature past two chunk boundaries.
    let n = 9 * (1 << 20) / (noise.len() + 1);
    r.console.extend(std::iter::repeat_n(noise.to_string(), n));
    r.console
        .push("2026-06-01T01:30:00Z ERROR deploy: pull: toomanyrequests: rate limit".into());
    write_run(&f.root, &r);
    let mut r2 = Run::new(
        "sweep-20260601-mumble",
        "mumble",
        40,
        vec![("test_t", O::Fail)],
    );
    r2.console
        .push("2026-06-01T01:45:00Z ERROR deploy: toomanyrequests".into());
    write_run(&f.root, &r2);
    let (h, _, _) = index(&f);
    let co = h.co_failures(&[
        "sweep-20260601-gitea".into(),
        "sweep-20260601-mumble".into(),
    ]);
    let sig = co
        .iter()
        .find(|c| matches!(c.key, CoKey::Signature(_)))
        .expect("shared signature");
    // Line 1 is the start line, then n noise lines.
    let want = format!("sweep-20260601-gitea.console.log:{}", n + 2);
    assert!(
        sig.evidence.iter().any(|e| e.source.ends_with(&want)),
        "{:?} want {want}",
        sig.evidence
    );
}

#[test]
fn the_command_prints_json_with_run_ids_and_a_table_within_100_columns() {
    let f = fixture();
    daily(&f.root, "a-recipe-with-a-long-name", ".F..F.", &["1.0.0"]);
    let mut args = ccci_triage::cli::HistoryArgs {
        path: Some(f.root.clone()),
        recipe: None,
        test: None,
        cache: Some(f.cache.clone()),
        format: ccci_triage::cli::PlainFormat::Json,
    };
    let mut out = Vec::new();
    ccci_triage::history::command(&args, &mut out).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["schema_version"], 1);
    let tests = v["tests"].as_array().unwrap();
    // Only the test that was ever red is listed without --test.
    assert_eq!(tests.len(), 1);
    assert_eq!(tests[0]["test"], T);
    assert_eq!(tests[0]["strip"], ".F..F.");
    assert_eq!(
        tests[0]["runs"][1]["run_id"],
        "a-recipe-with-a-long-name-01"
    );

    args.format = ccci_triage::cli::PlainFormat::Table;
    args.test = Some("test_".into());
    let mut out = Vec::new();
    ccci_triage::history::command(&args, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains(".F..F."), "{text}");
    assert!(
        text.contains("test_functional.py::test_u"),
        "--test lists green tests too: {text}"
    );
    for line in text.lines() {
        assert!(line.chars().count() <= 100, "too wide: {line:?}");
    }
}

/// Two triages updating the same index at once: the second waits for the
/// first and both succeed, with every run indexed once.
#[test]
fn concurrent_updates_of_one_index_do_not_collide() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/runs");
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let cache = cache.clone();
            let root = root.clone();
            std::thread::spawn(move || {
                let rules = ccci_triage::rules::RuleSet::builtin();
                let mut h = ccci_triage::history::History::open(Some(&cache), &root)
                    .unwrap_or_else(|e| panic!("open: {e}"));
                let mut w = ccci_triage::error::Warnings::new();
                h.update(&root, &rules, &mut w).map(|s| s.runs)
            })
        })
        .collect();
    for h in handles {
        let runs = h.join().unwrap().expect("update succeeds");
        assert_eq!(runs, 27);
    }
}
