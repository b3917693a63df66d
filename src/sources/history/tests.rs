use super::*;

fn root_with_runs(n: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..n {
        let run = dir.path().join(format!("run-{i}"));
        std::fs::create_dir_all(&run).unwrap();
        std::fs::write(
            run.join("results.json"),
            format!(
                r#"{{"recipe": "r{}", "version": "1.0.0+1", "finished": {}, "results": {{"install": "{}"}}}}"#,
                i % 2,
                1781410971 + i * 3600,
                if i == 0 { "fail" } else { "pass" }
            ),
        )
        .unwrap();
    }
    dir
}

fn refresh(index: &mut Index, root: &Path) -> (Refresh, HashMap<String, Run>, Warnings) {
    let mut w = Warnings::new();
    let found = ingest::discover(root, &mut w).unwrap();
    let (r, full) = index
        .refresh(&found, &RuleSet::builtin(), true, &|_, _| {}, &mut w)
        .unwrap();
    (r, full, w)
}

#[test]
fn a_warm_refresh_reads_nothing_and_gives_back_what_ingest_made() {
    let root = root_with_runs(3);
    let cache = tempfile::tempdir().unwrap();
    let mut index = Index::open(Some(cache.path()), root.path()).unwrap();
    let (r, full, _) = refresh(&mut index, root.path());
    assert_eq!((r.new, r.read), (3, 3));
    assert_eq!(
        full.keys().collect::<Vec<_>>(),
        ["run-0"],
        "only the red run is kept whole"
    );
    let (r, full, _) = refresh(&mut index, root.path());
    assert_eq!((r.read, r.unchanged), (0, 3));
    assert!(full.is_empty());
    let light = index.light().unwrap();
    assert_eq!(light.len(), 3);
    assert!(light.iter().any(|l| l.id == "run-0" && !l.green));
    let runs = index.summaries(&["run-1"]).unwrap();
    let mut w = Warnings::new();
    let direct = ingest::summarise(&ingest::read_run(
        &RunFiles::of_dir(&root.path().join("run-1"), &mut w),
        Depth::Full,
        &RuleSet::builtin(),
        &mut w,
    ));
    assert_eq!(runs[0].tiers, direct.tiers);
    assert_eq!(runs[0].span, direct.span);
    // A run gone from the root goes from the index.
    std::fs::remove_dir_all(root.path().join("run-2")).unwrap();
    let (r, _, _) = refresh(&mut index, root.path());
    assert_eq!(r.removed, 1);
}

#[test]
fn a_cache_inside_the_root_is_refused() {
    let root = root_with_runs(1);
    let err = Index::open(Some(&root.path().join("cache")), root.path())
        .err()
        .unwrap();
    assert!(
        err.message.contains("never writes under the runs root"),
        "{}",
        err.message
    );
}

#[test]
fn an_unusable_index_is_set_aside_and_rebuilt() {
    let root = root_with_runs(1);
    let cache = tempfile::tempdir().unwrap();
    let db = Index::open(Some(cache.path()), root.path())
        .unwrap()
        .db_path()
        .to_path_buf();
    for bad in ["dir", "garbage", "device"] {
        let _ = std::fs::remove_file(&db);
        match bad {
            "dir" => std::fs::create_dir(&db).unwrap(),
            "garbage" => std::fs::write(&db, b"not sqlite at all, not at all").unwrap(),
            _ => std::os::unix::fs::symlink("/dev/zero", &db).unwrap(),
        }
        let mut index = Index::open(Some(cache.path()), root.path()).unwrap();
        let (r, _, w) = refresh(&mut index, root.path());
        assert_eq!(r.new, 1, "{bad}: rebuilt");
        assert!(
            w.as_slice().iter().any(|x| x.problem.contains("set aside")),
            "{bad}: {w:?}"
        );
    }
    let aside = std::fs::read_dir(cache.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains("set-aside")
        })
        .count();
    assert!(aside >= 3, "the unusable files are kept, renamed");
}

#[test]
fn a_refresh_copies_its_pages_into_the_database_on_a_thread_of_its_own() {
    let root = root_with_runs(40);
    let cache = tempfile::tempdir().unwrap();
    let mut index = Index::open(Some(cache.path()), root.path()).unwrap();
    let db = index.db_path().to_path_buf();
    let before = std::fs::metadata(&db).unwrap().len();
    refresh(&mut index, root.path());
    let wal = db.with_extension("sqlite-wal");
    assert!(
        std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0),
        "the commit leaves the new pages in the log"
    );
    index
        .checkpoint
        .take()
        .expect("a checkpoint was started")
        .join()
        .unwrap();
    // Far under SQLite's own threshold (a thousand pages), yet the pages
    // are in the database while this index is still open.
    let pages: u64 = index
        .conn
        .query_row("PRAGMA page_count", [], |r| r.get(0))
        .unwrap();
    let after = std::fs::metadata(&db).unwrap().len();
    assert!(after > before, "{after} bytes after, {before} before");
    assert_eq!(after, pages * 4096);
    // Nothing read or removed: nothing to copy.
    refresh(&mut index, root.path());
    assert!(index.checkpoint.is_none());
    let mut scratch = Index::scratch(root.path()).unwrap();
    let (r, _, _) = refresh(&mut scratch, root.path());
    assert_eq!(r.new, 40);
    assert!(
        scratch.checkpoint.is_none(),
        "the temporary index has no log"
    );
    drop(index);
    assert!(std::fs::metadata(&wal).is_err(), "closed, the log is gone");
}
