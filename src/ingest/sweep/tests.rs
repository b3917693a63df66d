use super::*;

fn read_text(text: &str) -> (Sweep, Warnings) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("sweep.log");
    std::fs::write(&p, text).unwrap();
    let mut w = Warnings::new();
    let s = read(&SweepSource::File(p), &RuleSet::builtin(), &mut w).unwrap();
    (s, w)
}

const JOURNALD: &str = "\
2026-06-21T03:00:01+0000 cc-ci nightly-sweep[1712141]: ===== nightly cold sweep: enrolled canonicals = ['bluesky-pds', 'cryptpad', 'discourse', 'gitea'] =====
2026-06-21T03:00:02+0000 cc-ci nightly-sweep[1712141]: sweep: mirror-sync drone rc=128 (non-fatal — continuing)
2026-06-21T03:00:05+0000 cc-ci nightly-sweep[1712141]: RECIPE=bluesky-pds CCCI_SKIP_FETCH=1 cc-ci-run runner/run_recipe_ci.py
2026-06-21T03:16:40+0000 cc-ci nightly-sweep[1712141]: warm-bluesky-pds.ci.commoninternet.net: not healthy over HTTPS /xrpc/_health (last status 0)
2026-06-21T03:16:41+0000 cc-ci nightly-sweep[1712141]: WC5 promote failed: abra app deploy warm-bluesky-pds.ci.commoninternet.net failed (1)
2026-06-21T03:16:42+0000 cc-ci nightly-sweep[1712141]: toomanyrequests: You have reached your unauthenticated pull rate limit.
2026-06-21T03:16:43+0000 cc-ci nightly-sweep[1712141]: sweep: bluesky-pds rc=0 (GREEN-BUT-PROMOTE-FAILED (canonical=none, expected 0.3.0+v0.4.219))
2026-06-21T03:16:44+0000 cc-ci nightly-sweep[1712141]: sweep: cryptpad SKIP no-new-version
2026-06-21T03:16:50+0000 cc-ci nightly-sweep[1712141]: deploy-count=1
2026-06-21T03:40:00+0000 cc-ci nightly-sweep[1712141]: sweep: discourse rc=143 (FAIL (red; canonical unchanged))
2026-06-21T04:10:00+0000 cc-ci nightly-sweep[1712141]: sweep: gitea RUN — new release 3.6.0+1.24.2-rootless > canonical 3.5.3+1.24.2-rootless rc=0 (GREEN-BUT-PROMOTE-FAILED (canonical=3.5.3+1.24.2-rootless, expected 3.6.0+1.24.2-rootless))
2026-06-21T04:10:01+0000 cc-ci nightly-sweep[1712141]: sweep: something the rules have never seen
";

#[test]
fn a_journald_sweep_of_the_new_generation() {
    let (s, w) = read_text(JOURNALD);
    assert_eq!(
        s.enrolled,
        ["bluesky-pds", "cryptpad", "discourse", "gitea"]
    );
    let names: Vec<&str> = s.entries.iter().map(|e| e.recipe.as_str()).collect();
    assert_eq!(
        names,
        ["bluesky-pds", "cryptpad", "discourse", "gitea"],
        "mirror-sync is no entry"
    );
    let b = &s.entries[0];
    assert_eq!(b.rc, Some(0));
    assert_eq!(b.version.as_deref(), Some("0.3.0+v0.4.219"));
    assert_eq!(b.canonical, None, "canonical=none");
    assert!(matches!(b.outcome, SweepOutcome::PromoteFailed { .. }));
    let p = b.promote.as_ref().unwrap();
    assert_eq!(p.loc.line, Some(5));
    assert_eq!(
        p.domain.as_deref(),
        Some("warm-bluesky-pds.ci.commoninternet.net")
    );
    // The lines that follow the promote failure belong to the entry.
    assert!(
        b.signals
            .iter()
            .any(|s| s.rule == "harness.pull-rate-limit" && s.loc.line == Some(6))
    );
    assert_eq!(b.first.unwrap().to_string(), "2026-06-21T03:00:05Z");
    assert_eq!(s.entries[1].outcome, SweepOutcome::Skipped);
    let d = &s.entries[2];
    assert_eq!((d.rc, &d.outcome), (Some(143), &SweepOutcome::Red));
    assert!(!d.signals.iter().any(|s| s.role.is_trouble()));
    let g = &s.entries[3];
    assert_eq!(g.version.as_deref(), Some("3.6.0+1.24.2-rootless"));
    assert_eq!(g.canonical.as_deref(), Some("3.5.3+1.24.2-rootless"));
    assert_eq!(s.started.unwrap().to_string(), "2026-06-21T03:00:01Z");
    assert_eq!(s.label, "2026-06-21");
    assert_eq!(s.unread, vec![12]);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w.as_slice()[0].problem.contains("line 12"), "{w:?}");
}

#[test]
fn an_older_sweep_whose_pass_label_lies_about_the_promote() {
    let text = "\
===== nightly cold sweep: enrolled canonicals = ['bluesky-pds', 'mumble'] =====
WC5 promote failed: warm-bluesky-pds.ci.commoninternet.net: not healthy over HTTPS /xrpc/_health (last status 0)
sweep: bluesky-pds rc=0 (PASS (promoted))
canonical mumble advanced to known-good 1.0.0+v1.6.870-0
sweep: mumble rc=0 (PASS (promoted))
";
    let (s, _) = read_text(text);
    assert!(matches!(
        s.entries[0].outcome,
        SweepOutcome::PromoteFailed { .. }
    ));
    assert_eq!(s.entries[1].outcome, SweepOutcome::Promoted);
    assert!(s.started.is_none(), "a tee'd file has no times");
}

#[test]
fn the_legacy_testdata_shape_still_reads() {
    let text = "\
2026-06-14T02:50:00Z nightly-sweep: starting
===== nightly cold sweep: enrolled canonicals = [bluesky-pds, peertube] =====
2026-06-14T02:50:04Z [bluesky-pds] run_on_tag 0.3.0+v0.4.219 run_id=sweep-20260614-bluesky-pds
2026-06-14T03:07:31Z [bluesky-pds] cold rc=0
2026-06-14T03:14:07Z [bluesky-pds] WC5 promote failed: warm-bluesky-pds.ci.commoninternet.net: not healthy over HTTPS /xrpc/_health (last status 0)
2026-06-14T03:14:09Z [bluesky-pds] PASS (promoted)
2026-06-14T04:45:04Z [peertube] run_on_tag 1.7.0+7.2.0 run_id=sweep-20260614-peertube
2026-06-14T05:05:05Z [peertube] cold rc=142
2026-06-14T05:05:06Z [peertube] FAIL (canonical unchanged)
";
    let (s, w) = read_text(text);
    assert!(w.is_empty(), "{w:?}");
    assert_eq!(s.entries.len(), 2);
    let b = &s.entries[0];
    assert_eq!(b.run_id.as_deref(), Some("sweep-20260614-bluesky-pds"));
    assert_eq!(b.version.as_deref(), Some("0.3.0+v0.4.219"));
    assert_eq!(b.rc, Some(0));
    assert!(matches!(b.outcome, SweepOutcome::PromoteFailed { .. }));
    assert_eq!(b.label.as_deref(), Some("PASS (promoted)"));
    assert_eq!(b.last.unwrap().to_string(), "2026-06-14T03:14:09Z");
    let p = &s.entries[1];
    assert_eq!((p.rc, &p.outcome), (Some(142), &SweepOutcome::Red));
}

/// Time is linear in the log: doubling the entries doubles the signals
/// and never mixes one recipe's lines into another's.
#[test]
fn many_entries_keep_their_own_lines() {
    let mut text = String::new();
    for i in 0..500 {
        text.push_str(&format!("deploy-count=1\nno space left on device r{i}\nsweep: r{i} rc=7 (FAIL (red; canonical unchanged))\n"));
    }
    let (s, _) = read_text(&text);
    assert_eq!(s.entries.len(), 500);
    for (i, e) in s.entries.iter().enumerate() {
        let disk: Vec<_> = e
            .signals
            .iter()
            .filter(|s| s.rule == "harness.disk-full")
            .collect();
        assert_eq!(disk.len(), 1);
        assert!(disk[0].text.ends_with(&format!("r{i}")));
    }
}

#[test]
fn a_line_longer_than_the_cap_is_cut_and_the_entries_after_it_read() {
    let long = "x".repeat(super::super::console::MAX_LINE * 3);
    let text = format!(
        "2026-06-21T03:00:01+0000 cc-ci nightly-sweep[1]: {long}\n\
         2026-06-21T03:16:43+0000 cc-ci nightly-sweep[1]: sweep: cryptpad SKIP no-new-version\n"
    );
    let (s, _) = read_text(&text);
    let names: Vec<&str> = s.entries.iter().map(|e| e.recipe.as_str()).collect();
    assert_eq!(names, ["cryptpad"]);
    assert_eq!(
        s.entries[0].loc.line,
        Some(2),
        "the cut line still counts as one"
    );
}

#[test]
fn a_log_of_several_weeks_is_its_newest_sweep() {
    let older = JOURNALD.replace("2026-06-21T", "2026-06-14T");
    let newest = JOURNALD.replace("2026-06-21T", "2026-06-28T").replace(
        "sweep: discourse rc=143",
        "sweep: discourse rc=0 (PASS (promoted))",
    );
    let (s, w) = read_text(&format!("{older}{older}{newest}"));
    let names: Vec<&str> = s.entries.iter().map(|e| e.recipe.as_str()).collect();
    assert_eq!(names, ["bluesky-pds", "cryptpad", "discourse", "gitea"]);
    assert_eq!(s.started.unwrap().to_string(), "2026-06-28T03:00:01Z");
    assert_eq!(s.entries[2].rc, Some(0), "the newest week's discourse");
    let per_week = JOURNALD.lines().count() as u32;
    assert_eq!(s.entries[0].loc.line, Some(2 * per_week + 7));
    assert_eq!(s.lines, 3 * per_week);
    let said: Vec<String> = w.into_vec().into_iter().map(|w| w.problem).collect();
    assert!(
        said.iter().any(|p| p.starts_with(&format!(
            "the log holds 3 sweeps; only the newest, from line {}",
            2 * per_week + 1
        ))),
        "{said:?}"
    );
    // One week alone says nothing of it.
    let (_, w) = read_text(&newest);
    assert!(!w.into_vec().iter().any(|w| w.problem.contains("sweeps")));
}
