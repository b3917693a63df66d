use super::*;

fn write(p: &Path, text: &str) {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

const RESULTS: &str = r#"{"schema": 2, "recipe": "immich", "version": "1.4.0+v1.135.3", "ref": "0a1b2c3d4e5f",
  "finished": 1781410971.5, "results": {"install": "pass", "restore": "fail"},
  "rungs": {"install": "pass", "backup_restore": "fail", "functional": "unver"},
  "skips": {"intentional": {"upgrade": "moving tag"}, "unintentional": ["functional"]}}"#;

const JUNIT: &str = r#"<?xml version="1.0"?><testsuites><testsuite name="pytest" timestamp="2026-06-14T03:00:00+00:00">
<testcase classname="tests._generic.test_restore" name="test_restore_returns_state" time="3.0"><failure message="psycopg2.errors.UndefinedTable: relation &quot;ci_marker&quot; does not exist">E   relation "ci_marker" does not exist</failure></testcase>
</testsuite></testsuites>"#;

#[test]
fn a_run_directory_reads_at_two_depths() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("753");
    write(&run.join("results.json"), RESULTS);
    write(&run.join("junit/restore__generic__test_restore.xml"), JUNIT);
    std::fs::create_dir_all(run.join("abra/recipes/immich")).unwrap();
    let rules = RuleSet::builtin();
    let mut w = Warnings::new();
    let f = RunFiles::of_dir(&run, &mut w);
    let full = read_run(&f, Depth::Full, &rules, &mut w);
    assert!(w.is_empty(), "{w:?}");
    assert_eq!(full.recipe.as_deref(), Some("immich"));
    assert_eq!(full.tier(Tier::Restore), Some(TierStatus::Fail));
    assert_eq!(full.unver, vec!["functional"]);
    assert_eq!(
        full.expected_na.get(&Tier::Upgrade).map(String::as_str),
        Some("moving tag")
    );
    assert_eq!(full.checkout, Some(run.join("abra/recipes/immich")));
    assert!(full.tests[0].detail.is_some());
    assert_eq!(
        full.span.started.unwrap().to_string(),
        "2026-06-14T03:00:00Z"
    );
    let summary = read_run(&f, Depth::Summary, &rules, &mut w);
    assert!(
        summary.tests[0].detail.is_none(),
        "a summary keeps no failure bodies"
    );
    assert_eq!(summary.tests[0].message, full.tests[0].message);
    // The summary round-trips through serde as the index stores it.
    let back: Run = serde_json::from_str(&serde_json::to_string(&summary).unwrap()).unwrap();
    assert_eq!(back.tests, summary.tests);
    assert_eq!(back.tiers, summary.tiers);
}

#[test]
fn abra_symlinks_are_never_followed_and_a_loop_is_harmless() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("m2r-x");
    write(&run.join("results.json"), RESULTS);
    std::fs::create_dir_all(run.join("abra/recipes")).unwrap();
    let shared = dir.path().join("shared-abra");
    std::fs::create_dir_all(shared.join("servers")).unwrap();
    std::os::unix::fs::symlink(shared.join("servers"), run.join("abra/servers")).unwrap();
    std::os::unix::fs::symlink(run.join("abra"), run.join("abra/catalogue")).unwrap();
    // The recipe checkout itself linked elsewhere: not the run's own.
    std::os::unix::fs::symlink(&shared, run.join("abra/recipes/immich")).unwrap();
    let mut w = Warnings::new();
    let f = RunFiles::of_dir(&run, &mut w);
    let r = read_run(&f, Depth::Full, &RuleSet::builtin(), &mut w);
    assert!(r.checkout.is_none());
    assert!(w.is_empty(), "{w:?}");
    let found = discover(dir.path(), &mut w).unwrap();
    assert_eq!(
        found.iter().map(|f| f.id.as_str()).collect::<Vec<_>>(),
        ["m2r-x"]
    );
}

#[test]
fn a_recipe_that_is_not_a_name_gets_no_checkout() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("evil");
    write(
        &run.join("results.json"),
        r#"{"recipe": "../../etc", "version": "1", "results": {"install": "fail"}}"#,
    );
    std::fs::create_dir_all(run.join("abra/recipes")).unwrap();
    let mut w = Warnings::new();
    let r = read_run(
        &RunFiles::of_dir(&run, &mut w),
        Depth::Full,
        &RuleSet::builtin(),
        &mut w,
    );
    assert!(r.checkout.is_none());
    assert!(
        w.as_slice()[0].problem.contains("not a recipe name"),
        "{w:?}"
    );
}

#[test]
fn paths_are_classified_or_refused_with_what_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let rules = RuleSet::builtin();
    let run = dir.path().join("runs/753");
    write(&run.join("results.json"), RESULTS);
    write(&run.join("junit/restore__generic__test_restore.xml"), JUNIT);
    assert_eq!(
        classify(&dir.path().join("runs"), &rules).unwrap(),
        Input::Root(dir.path().join("runs"))
    );
    assert_eq!(classify(&run, &rules).unwrap(), Input::RunDir(run.clone()));
    assert!(matches!(
        classify(&run.join("results.json"), &rules).unwrap(),
        Input::Results(_)
    ));
    let junit = classify(&run.join("junit"), &rules).unwrap_err();
    assert!(
        junit.to_string().contains("run directory above it"),
        "{junit}"
    );
    let src = dir.path().join("src");
    write(&src.join("main.rs"), "fn main() {}");
    assert!(
        classify(&src, &rules)
            .unwrap_err()
            .to_string()
            .contains("no run in it")
    );
    let readme = dir.path().join("README.md");
    write(&readme, "# hi");
    assert!(classify(&readme, &rules).is_err());
    let sweep = dir.path().join("_sweep.log");
    write(
        &sweep,
        "sweep: gitea rc=0 (GREEN)\nsweep: discourse rc=7 (FAIL (red; canonical unchanged))\n",
    );
    let e = classify(&sweep, &rules).unwrap_err();
    assert!(e.to_string().contains("--sweep-log"), "{e}");
    let console = dir.path().join("redfix-discourse.log");
    write(&console, "RECIPE=discourse\n");
    assert!(matches!(
        classify(&console, &rules).unwrap(),
        Input::Console(_)
    ));
    assert!(
        classify(&dir.path().join("nope"), &rules)
            .unwrap_err()
            .to_string()
            .contains("does not exist")
    );
}

#[test]
fn a_yearless_console_time_takes_its_year_from_results_json_not_a_reset_mtime() {
    // journald's `short` prefix has no year. A root copied without its
    // times (cp -r, rsync without -t) gives every console today's mtime:
    // the year must come from the run's own end, or the run spans years
    // and overlaps every other run.
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("753");
    write(&run.join("results.json"), RESULTS); // finished 2026-06-14
    let console = dir.path().join("753.console.log");
    write(
        &console,
        "Jun 14 02:10:00 node cc-ci[4242]: run: start recipe=immich version=1.4.0+v1.135.3\n\
         Jun 14 02:40:00 node cc-ci[4242]: run: end rc=1\n",
    );
    let later = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_893_456_000); // 2030
    std::fs::File::options()
        .write(true)
        .open(&console)
        .unwrap()
        .set_modified(later)
        .unwrap();
    let mut w = Warnings::new();
    let f = RunFiles::of_dir(&run, &mut w);
    assert_eq!(f.consoles.len(), 1, "{f:?}");
    let r = read_run(&f, Depth::Full, &RuleSet::builtin(), &mut w);
    let started = r.span.started.expect("a start from the console");
    assert_eq!(started.to_string(), "2026-06-14T02:10:00Z");
    assert!(r.span.finished.unwrap() < started + jiff::SignedDuration::from_hours(3));
}

/// A read at summary depth is the full read summarised, for every run of
/// testdata/: the index holds the same summary whoever made it (a history
/// reads at summary depth, a triage in full).
#[test]
fn a_summary_read_is_the_full_read_summarised() {
    let rules = RuleSet::builtin();
    let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let mut runs = 0;
    for root in ["runs", "real", "general"] {
        for entry in walkdir::WalkDir::new(base.join(root))
            .min_depth(1)
            .max_depth(3)
        {
            let Ok(e) = entry else { continue };
            if !e.file_type().is_dir() || !looks_like_run(e.path()) {
                continue;
            }
            let mut w = Warnings::new();
            let f = RunFiles::of_dir(e.path(), &mut w);
            let summary = read_run(&f, Depth::Summary, &rules, &mut w);
            let full = summarise(&read_run(&f, Depth::Full, &rules, &mut w));
            assert_eq!(
                serde_json::to_value(&summary).unwrap(),
                serde_json::to_value(&full).unwrap(),
                "{}",
                e.path().display()
            );
            runs += 1;
        }
    }
    assert!(runs > 50, "{runs} runs");
}

/// What one listing of each directory of a root finds: its run, a
/// linked run by the name it links to, consoles with and without a run
/// directory, and what is skipped (not a run, a dangling link, a loop).
#[test]
fn a_root_is_listed_once_with_its_links_consoles_and_strays() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("runs");
    write(&root.join("101/results.json"), RESULTS);
    write(&root.join("101/junit/install.xml"), "<testsuite/>");
    write(&root.join("101/junit/nested/backup.xml"), "<testsuite/>");
    write(&root.join("101/junit/notes.txt"), "not junit");
    write(&root.join("101.console.log"), "run: start\n");
    // A run with only an abra/ directory, and one kept elsewhere.
    std::fs::create_dir_all(root.join("102/abra/recipes")).unwrap();
    write(&dir.path().join("kept/103/results.json"), RESULTS);
    std::os::unix::fs::symlink(dir.path().join("kept/103"), root.join("latest")).unwrap();
    // A console alone, and one beside a directory that is no run.
    write(&root.join("104.console.log"), "run: start\n");
    write(&root.join("notes/README"), "not a run");
    write(&root.join("notes.console.log"), "run: start\n");
    std::os::unix::fs::symlink(dir.path().join("gone"), root.join("dangling")).unwrap();
    std::os::unix::fs::symlink(&root, root.join("loop")).unwrap();
    let mut w = Warnings::new();
    let found = discover(&root, &mut w).unwrap();
    let ids: Vec<&str> = found.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, ["101", "102", "104", "103", "notes"]);
    let run = &found[0];
    assert_eq!(run.results, Some(root.join("101/results.json")));
    assert_eq!(
        run.junit,
        [
            root.join("101/junit/install.xml"),
            root.join("101/junit/nested/backup.xml")
        ]
    );
    assert_eq!(run.consoles[0].0, root.join("101.console.log"));
    assert!(found[1].results.is_none() && found[1].junit.is_empty());
    assert_eq!(found[1].dir, Some(root.join("102")));
    assert_eq!(found[3].dir, Some(root.join("latest")));
    for alone in [&found[2], &found[4]] {
        assert!(alone.dir.is_none(), "{alone:?}");
        assert_eq!(alone.consoles.len(), 1);
    }
    assert!(found.iter().all(|f| f.signature.len() == 16));
    let said: Vec<String> = w.as_slice().iter().map(|w| w.to_string()).collect();
    assert_eq!(said.len(), 2, "{said:?}");
    assert!(said.iter().any(|s| s.contains("dangling")), "{said:?}");
    assert!(said.iter().any(|s| s.contains("symlink loop")), "{said:?}");
}
