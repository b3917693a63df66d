use super::*;

fn scan(rules: &RuleSet, scope: Scope, text: &[u8], first: u32) -> Vec<Signal> {
    rules.scan(
        scope,
        text,
        Path::new("c.log"),
        first,
        &mut Caps::new(64),
        2026,
    )
}

#[test]
fn builtin_rules_compile() {
    let _ = RuleSet::builtin();
}

#[test]
fn every_builtin_rule_passes_its_examples() {
    let failures = RuleSet::builtin().check_examples();
    let text: Vec<String> = failures.iter().map(ToString::to_string).collect();
    assert!(
        text.is_empty(),
        "rule example failures:\n{}",
        text.join("\n")
    );
}

#[test]
fn every_rules_file_is_built_in() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    on_disk.sort();
    let mut built: Vec<String> = BUILTIN
        .iter()
        .map(|(n, _)| n.trim_start_matches("rules/").to_string())
        .collect();
    built.sort();
    assert_eq!(
        on_disk, built,
        "src/rules/builtin.rs must list every rules/*.toml"
    );
}

#[test]
fn ansi_is_stripped_and_lines_keep_their_numbers() {
    let text = b"first\n\x1b[31mFATA\x1b[0m deploy timed out\nlast\n";
    let rules = RuleSet::builtin();
    let signals = scan(&rules, Scope::Console, text, 1);
    let hit = signals.iter().find(|s| s.rule == "deploy.timeout").unwrap();
    assert_eq!(hit.loc.line, Some(2));
    assert_eq!(hit.text, "FATA deploy timed out");
    assert_eq!(hit.role, Role::DeployTimeout);
}

/// A rule matches the payload wherever a prefix put it: none, a
/// timestamp, journald's, a Drone step's, testdata's event shape.
#[test]
fn payload_rules_match_after_any_prefix_and_the_prefix_gives_the_time() {
    let rules = RuleSet::builtin();
    let payload = "deploy-count 2!=1";
    let cases = [
        ("", None),
        ("2026-06-17T03:09:12Z ", Some("2026-06-17T03:09:12Z")),
        (
            "2026-06-17T03:09:12+0000 cc-ci nightly-sweep[1712141]: ",
            Some("2026-06-17T03:09:12Z"),
        ),
        (
            "Jun 17 03:09:12 cc-ci nightly-sweep[1712141]: ",
            Some("2026-06-17T03:09:12Z"),
        ),
        (
            "Jun 17 03:09:12.500000 cc-ci python3[7]: ",
            Some("2026-06-17T03:09:12.5Z"),
        ),
        ("[cc-ci:42] ", None),
        (
            "2026-06-17T03:09:12Z ERROR deploy: ",
            Some("2026-06-17T03:09:12Z"),
        ),
    ];
    for (prefix, time) in cases {
        let line = format!("{prefix}{payload}");
        let signals = scan(&rules, Scope::Console, line.as_bytes(), 1);
        let hit = signals
            .iter()
            .find(|s| s.rule == "harness.deploy-count-guard")
            .unwrap_or_else(|| panic!("not found after prefix {prefix:?}"));
        let p = rules.prefix(line.as_bytes(), 2026);
        assert_eq!(p.time.map(|t| t.to_string()).as_deref(), time, "{prefix:?}");
        if !prefix.ends_with("deploy: ") {
            assert_eq!(hit.message(), payload, "{prefix:?}");
        }
    }
}

/// The prefix read through anchored patterns is the one the rules' own
/// regexes give (the first prefix rule whose leftmost match starts the
/// line, repeatedly), on every example line of every rule, with and
/// without prefixes stacked before it.
#[test]
fn the_anchored_prefix_read_is_the_rules_own() {
    let rules = RuleSet::builtin();
    let by_regex = |line: &[u8]| -> (usize, Option<String>) {
        let (mut at, mut time) = (0, None);
        for _ in 0..4 {
            let rest = &line[at..];
            let hit = rules.prefixes.iter().find_map(|(i, _)| {
                let r = &rules.rules[*i];
                let c = r.regex.captures(rest)?;
                let m = c.get(0)?;
                (m.start() == 0 && m.end() > 0).then_some((r, c))
            });
            let Some((rule, c)) = hit else { break };
            if time.is_none()
                && let (Some(t), Some(f)) = (c.name("time"), rule.time_format)
            {
                time = f
                    .parse(&String::from_utf8_lossy(t.as_bytes()), 2026)
                    .map(|t| t.to_string());
            }
            at += c.get(0).map_or(0, |m| m.end());
        }
        (at, time)
    };
    let mut lines: Vec<String> = Vec::new();
    for r in rules.rules() {
        for ex in r.must_match.iter().chain(&r.must_not_match) {
            lines.push(ex.clone());
            lines.push(format!("Jun 17 03:09:12 cc-ci python3[7]: {ex}"));
            lines.push(format!("[cc-ci:42] 2026-06-17T03:09:12Z {ex}"));
        }
    }
    let mut with_prefix = 0;
    for line in &lines {
        let p = rules.prefix(line.as_bytes(), 2026);
        let want = by_regex(line.as_bytes());
        assert_eq!((p.payload, p.time.map(|t| t.to_string())), want, "{line:?}");
        with_prefix += usize::from(p.payload > 0);
    }
    assert!(
        with_prefix * 3 >= lines.len() * 2,
        "{with_prefix} of {}",
        lines.len()
    );
}

#[test]
fn no_scanned_rule_anchors_at_the_line_start() {
    for r in RuleSet::builtin().rules() {
        if r.scope.is_scanned() {
            assert!(!r.pattern.starts_with('^'), "{} anchors", r.id);
        }
    }
}

#[test]
fn caps_stop_each_rule_across_chunks() {
    let rules = RuleSet::builtin();
    let mut caps = Caps::new(3);
    let chunk = "toomanyrequests: pull rate limit\n".repeat(5);
    let a = rules.scan(
        Scope::Console,
        chunk.as_bytes(),
        Path::new("c"),
        1,
        &mut caps,
        2026,
    );
    let b = rules.scan(
        Scope::Console,
        chunk.as_bytes(),
        Path::new("c"),
        6,
        &mut caps,
        2026,
    );
    let n = |v: &[Signal]| {
        v.iter()
            .filter(|s| s.rule == "harness.pull-rate-limit")
            .count()
    };
    assert_eq!(n(&a), 3);
    assert_eq!(n(&b), 0);
}

#[test]
fn a_match_across_a_line_break_is_not_a_match() {
    let extra = "[[rule]]\nid = 'x.y'\nscope = 'console'\nsummary = 's'\nprinted_by = 'p'\n\
                 pattern = 'alpha\\s+beta'\nmust_match = ['alpha beta']\nmust_not_match = ['alpha']\n";
    let mut sources: Vec<(&str, &str)> = BUILTIN.to_vec();
    sources.push(("t.toml", extra));
    let rules = RuleSet::from_sources(&sources).unwrap();
    let signals = scan(&rules, Scope::Console, b"alpha\nbeta\n", 1);
    assert!(signals.iter().all(|s| s.rule != "x.y"));
    let signals = scan(&rules, Scope::Console, b"x\nalpha beta\n", 10);
    let hit = signals.iter().find(|s| s.rule == "x.y").unwrap();
    assert_eq!(hit.loc.line, Some(11));
}

#[test]
fn a_set_missing_a_required_rule_is_refused_with_its_name() {
    let err = RuleSet::from_sources(&[("only.toml", "")]).unwrap_err();
    assert!(
        err.message.contains("grammar.result-item"),
        "{}",
        err.message
    );
}

#[test]
fn duplicate_ids_are_refused() {
    let mut sources: Vec<(&str, &str)> = BUILTIN.to_vec();
    sources.push(("dup.toml", BUILTIN[0].1));
    let err = RuleSet::from_sources(&sources).unwrap_err();
    assert!(err.message.contains("defined twice"), "{}", err.message);
}

#[test]
fn a_harness_rule_without_a_fix_fails_its_check() {
    let extra = "[[rule]]\nid = 'harness.x'\nscope = 'console'\nsummary = 's'\nprinted_by = 'p'\n\
                 role = 'harness'\npattern = 'zzz'\nmust_match = ['zzz']\nmust_not_match = ['y']\n";
    let mut sources: Vec<(&str, &str)> = BUILTIN.to_vec();
    sources.push(("t.toml", extra));
    let rules = RuleSet::from_sources(&sources).unwrap();
    let failures = rules.check_examples();
    assert!(
        failures
            .iter()
            .any(|f| f.rule == "harness.x" && f.problem.contains("fix")),
        "{failures:?}"
    );
}

/// The lines cc-ci-runs.md §4 lists as not failures make no trouble
/// signal.
#[test]
fn benign_real_lines_are_no_trouble() {
    let rules = RuleSet::builtin();
    let lines = [
        "WARNING [cfold]: test found in deprecated folder 'functional/' — move to custom/: tests/x/functional/test_a.py",
        "SKIPPED [1] tests/_generic/test_backup.py:12: deps-not-ready: no backupbot",
        "WARN critical errors present in the recipe",
        "sweep: mirror-sync drone rc=128 (non-fatal — continuing)",
        "!! CCCI_SKIP_GENERIC=1 active",
        "head_ref=6d6227f7 chaos-version=6d6227f7+U",
        "deploy-count=1",
    ];
    for line in lines {
        for scope in [Scope::Console, Scope::Sweep] {
            for s in scan(&rules, scope, line.as_bytes(), 1) {
                assert!(
                    !s.role.is_trouble(),
                    "{line:?} made {} ({})",
                    s.rule,
                    s.role
                );
            }
        }
    }
}

#[test]
fn the_scanned_scopes_find_their_lines_by_literals() {
    let rules = RuleSet::builtin();
    for scope in [Scope::Console, Scope::Identity] {
        assert!(
            rules.scopes[&scope].lines.is_literal(),
            "scope {scope}: a rule without a required literal makes every console scan slow"
        );
    }
}

/// Every console of testdata/, scanned with the literal search and with
/// the patterns alone, gives the same signals.
#[test]
fn the_literal_search_finds_what_the_patterns_find() {
    let rules = RuleSet::builtin();
    let slow = rules.without_literal_search();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let mut files = 0;
    let mut signals = 0;
    let mut recognised = 0;
    for entry in walkdir::WalkDir::new(&root).into_iter().flatten() {
        let name = entry.file_name().to_string_lossy();
        if !entry.file_type().is_file()
            || !(name.ends_with(".log") || name.ends_with(".journal") || name.ends_with(".txt"))
        {
            continue;
        }
        let text = std::fs::read(entry.path()).unwrap();
        for scope in [Scope::Console, Scope::Identity, Scope::Message] {
            let fast = scan(&rules, scope, &text, 1);
            assert_eq!(
                fast,
                scan(&slow, scope, &text, 1),
                "{}",
                entry.path().display()
            );
            signals += fast.len();
        }
        // And the same lines are recognised as what a run was doing.
        for line in text.split(|&b| b == b'\n') {
            let told = rules.recognises(Scope::Console, line);
            assert_eq!(
                told,
                slow.recognises(Scope::Console, line),
                "{}: {:?}",
                entry.path().display(),
                String::from_utf8_lossy(line)
            );
            recognised += usize::from(told);
        }
        files += 1;
    }
    assert!(
        files > 20 && signals > 200 && recognised > 200,
        "{files} files, {signals} signals, {recognised} lines recognised"
    );
}

#[test]
fn lines_are_counted_as_the_index_counts_them() {
    for text in [&b""[..], b"a", b"a\n", b"a\nb", b"a\n\nb\n", b"\n"] {
        assert_eq!(
            LineIndex::count_lines(text),
            LineIndex::new(text).count(text),
            "{text:?}"
        );
    }
}

/// The built-in rules with and without the literal search, built once.
static BOTH: std::sync::LazyLock<(RuleSet, RuleSet)> = std::sync::LazyLock::new(|| {
    let rules = RuleSet::builtin();
    let slow = rules.without_literal_search();
    (rules, slow)
});

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(192))]

    /// Any text made of the rules' own example lines (which stand next to
    /// and inside each other, cut, coloured, CRLF-ended) gives the same
    /// signals with the literal search as with the patterns alone.
    #[test]
    fn the_literal_search_agrees_on_any_mix_of_example_lines(
        picks in proptest::collection::vec((0usize..10_000, 0usize..4, 0usize..64), 1..24)
    ) {
        let (rules, slow) = &*BOTH;
        let examples: Vec<&str> = rules
            .rules
            .iter()
            .flat_map(|r| r.must_match.iter().chain(&r.must_not_match))
            .map(String::as_str)
            .collect();
        let mut text = Vec::new();
        for (i, how, cut) in picks {
            let line = examples[i % examples.len()].as_bytes();
            match how {
                0 => text.extend_from_slice(line),
                1 => {
                    text.extend_from_slice(b"\x1b[32m");
                    text.extend_from_slice(line);
                    text.extend_from_slice(b"\x1b[0m\r");
                }
                2 => text.extend_from_slice(&line[..cut.min(line.len())]),
                _ => {
                    // Two examples on one line.
                    text.extend_from_slice(&line[cut.min(line.len())..]);
                    text.push(b' ');
                    text.extend_from_slice(examples[(i / 7) % examples.len()].as_bytes());
                }
            }
            text.push(b'\n');
        }
        for scope in [Scope::Console, Scope::Identity, Scope::Message, Scope::Sweep] {
            proptest::prop_assert_eq!(scan(rules, scope, &text, 1), scan(slow, scope, &text, 1));
        }
        // The lines a scan counts are the text's, with or without its last
        // newline or a colour code at its end.
        for t in [&text[..], &text[..text.len() - 1], &[&text[..], &b"\x1b[0m"[..]].concat()] {
            let mut caps = Caps::new(8);
            let (_, n) = rules.scan_counted(Scope::Console, t, Path::new("c.log"), 1, &mut caps, 2026);
            proptest::prop_assert_eq!(n, LineIndex::count_lines(t));
        }
    }
}
