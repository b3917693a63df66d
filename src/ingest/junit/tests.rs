//! Tests of the JUnit reader: the real-world corpus (every producer it must
//! read, with the counts a reader would give them by hand) and inline cases
//! for each promise the module makes.

use std::path::{Path, PathBuf};

use super::*;

/// `shared/corpus/junit`, beside the clone (CI) or beside the worktree
/// folder (`/work/wt/<name>`). Missing: skip, unless CI=true.
fn corpus() -> Option<PathBuf> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let found = [
        manifest.join("../shared/corpus/junit"),
        manifest.join("../../shared/corpus/junit"),
    ]
    .into_iter()
    .find(|p| p.is_dir());
    if found.is_none() && std::env::var("CI").as_deref() == Ok("true") {
        panic!(
            "shared/corpus/junit not found beside {}",
            manifest.display()
        );
    }
    found
}

fn corpus_file(name: &str) -> Option<JunitFile> {
    let dir = corpus()?;
    let mut warnings = Warnings::new();
    let file = read(&dir.join(name), &mut warnings).expect("corpus file reads");
    assert!(warnings.is_empty(), "{name}: {:?}", warnings.strings());
    assert_eq!(file.truncated, None, "{name}");
    Some(file)
}

fn red(file: &JunitFile) -> usize {
    file.tests.iter().filter(|t| t.outcome.is_red()).count()
}

fn test<'f>(file: &'f JunitFile, id: &str) -> &'f TestCase {
    file.tests
        .iter()
        .find(|t| t.id == id)
        .unwrap_or_else(|| panic!("no test {id}; have {:?}", ids(file)))
}

fn ids(file: &JunitFile) -> Vec<&str> {
    file.tests.iter().map(|t| t.id.as_str()).collect()
}

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn parse_str(xml: &str, path: &str) -> JunitFile {
    parse(xml.as_bytes(), Path::new(path))
}

#[test]
fn corpus_red_counts() {
    let Some(_) = corpus() else { return };
    for (name, want_red, want_tests) in [
        ("go-junit-report-1.xml", 4, 11),
        ("jest-junit-1.xml", 4, 6),
        ("nextest-1.xml", 4, 8),
        ("pytest-1.xml", 1, 5),
        ("pytest-2.xml", 0, 14),
        ("pytest-3.xml", 2, 10),
        ("surefire-1.xml", 2, 4),
    ] {
        let file = corpus_file(name).unwrap();
        assert_eq!(red(&file), want_red, "{name} red: {:#?}", file.tests);
        assert_eq!(file.tests.len(), want_tests, "{name} tests");
        // Every corpus file's own totals agree with what was read.
        assert_eq!(file.claimed_failures as usize, want_red, "{name} claimed");
        assert_eq!(file.tier, None);
    }
}

#[test]
fn corpus_surefire_reruns_and_flaky() {
    let Some(file) = corpus_file("surefire-1.xml") else {
        return;
    };
    let always = test(&file, "example.ExampleTests::throwsAlways");
    assert_eq!(always.outcome, Outcome::Error);
    assert_eq!(always.reruns, 3);
    assert_eq!(always.message.as_deref(), Some("Always throws exception"));
    assert!(
        always
            .detail
            .as_deref()
            .unwrap()
            .starts_with("java.lang.RuntimeException: Always throws exception\n\tat example")
    );
    let fails = test(&file, "example.ExampleTests::failsAssertionAlways");
    assert_eq!(fails.outcome, Outcome::Fail);
    assert_eq!(fails.reruns, 3);
    assert_eq!(
        fails.message.as_deref(),
        Some("Always fails assertion ==> expected: <1> but was: <2>")
    );
    // Passed on retry: green, with the retry counted.
    for id in [
        "example.ExampleTests::failsAssertionOnlyFirstAttempt",
        "example.ExampleTests::throwsOnlyFirstAttempt",
    ] {
        let t = test(&file, id);
        assert_eq!(t.outcome, Outcome::Pass, "{id}");
        assert_eq!(t.reruns, 1, "{id}");
        assert_eq!(t.message, None, "{id}");
    }
    assert_eq!(file.started, None);
    assert_eq!(fails.loc.line, Some(23));
}

#[test]
fn corpus_nextest() {
    let Some(file) = corpus_file("nextest-1.xml") else {
        return;
    };
    let outcome = |id| test(&file, id).outcome;
    assert_eq!(outcome("testcase0"), Outcome::Pass);
    assert_eq!(outcome("testcase1"), Outcome::Fail);
    assert_eq!(outcome("testcase2"), Outcome::Error);
    assert_eq!(outcome("testcase3"), Outcome::Skip);
    assert_eq!(outcome("testcase4"), Outcome::Pass);
    assert_eq!(outcome("testcase5"), Outcome::Fail);
    assert_eq!(outcome("testcase7"), Outcome::Fail);
    assert_eq!(test(&file, "testcase4").reruns, 2);
    assert_eq!(test(&file, "testcase5").reruns, 2);
    assert_eq!(test(&file, "testcase7").reruns, 2);
    // No message attribute: the body's first line, then nothing else.
    let t2 = test(&file, "testcase2");
    assert_eq!(t2.message.as_deref(), Some("testcase2 error description"));
    let t5 = test(&file, "testcase5");
    assert_eq!(t5.message.as_deref(), Some("main test failure description"));
    assert_eq!(
        test(&file, "testcase3").message.as_deref(),
        Some("skipped message")
    );
    // The earliest timestamp in the file is the <testsuites> one; tests
    // carry their own suite's.
    assert_eq!(file.started, Some(ts("2021-04-01T18:52:37Z")));
    assert_eq!(t2.started, Some(ts("2021-04-01T18:52:39Z")));
    assert!((t2.seconds - 421.58).abs() < 1e-9);
}

#[test]
fn corpus_pytest_xunit1_ids_and_messages() {
    let Some(file) = corpus_file("pytest-1.xml") else {
        return;
    };
    let t = test(&file, "test/test_spark.py::SparkTests::test_rsh_events");
    assert_eq!(t.outcome, Outcome::Fail);
    assert_eq!(
        t.message.as_deref(),
        Some("self = <test_spark.SparkTests testMethod=test_rsh_events>")
    );
    assert!(
        t.detail
            .as_deref()
            .unwrap()
            .contains("E AssertionError: 143 != 0")
    );
    assert_eq!(t.loc.line, Some(16));
    assert_eq!(t.loc.path, corpus().unwrap().join("pytest-1.xml"));
    assert_eq!(t.source, TestSource::Unknown);
    assert_eq!(file.started, Some(ts("2020-09-04T16:18:04.966371Z")));

    // A test inherited from a base class in another module keeps the node
    // id of the class it ran in, not the file it was defined in.
    let file = corpus_file("pytest-2.xml").unwrap();
    test(
        &file,
        "test/integration/test_elastic_torch.py::ElasticTorchTests::test_all_ranks_failure",
    );
    test(
        &file,
        "test/integration/test_elastic_tensorflow.py::ElasticTensorFlowTests::test_all_ranks_failure",
    );
    assert_eq!(file.claimed_failures, 0);
}

#[test]
fn corpus_pytest_xunit2() {
    let Some(file) = corpus_file("pytest-3.xml") else {
        return;
    };
    let fail = test(&file, "tests/test_lib.py::test_always_fail");
    assert_eq!(fail.message.as_deref(), Some("assert False"));
    assert!(
        fail.detail
            .as_deref()
            .unwrap()
            .starts_with("def test_always_fail():\n")
    );
    assert!(fail.detail.as_deref().unwrap().contains("> assert False"));
    assert_eq!(
        test(&file, "tests/test_lib.py::test_error")
            .message
            .as_deref(),
        Some("Exception: error")
    );
    assert_eq!(
        test(&file, "custom_classname::test_with_record_xml_attribute").outcome,
        Outcome::Pass
    );
    assert_eq!(
        test(&file, "tests/test_lib.py::test_expected_failure").outcome,
        Outcome::Skip
    );
    assert_eq!(
        test(&file, "tests/test_lib.py::test_parameterized[param2]").outcome,
        Outcome::Pass
    );
    assert_eq!(file.started, Some(ts("2025-11-15T16:51:49.548396Z")));
}

#[test]
fn corpus_jest_and_go() {
    let Some(file) = corpus_file("jest-junit-1.xml") else {
        return;
    };
    let t = test(&file, "Test 1 › Test 1.1::Failing test");
    assert_eq!(
        t.message.as_deref(),
        Some("Error: expect(received).toBeTruthy()")
    );
    // Entities in the body are resolved.
    assert!(
        t.detail
            .as_deref()
            .unwrap()
            .contains("at Object.<anonymous> (C:\\")
    );
    assert_eq!(test(&file, "Timeout test").outcome, Outcome::Fail);
    assert_eq!(test(&file, "Skipped test").outcome, Outcome::Skip);
    // jest-junit writes no zone; read as UTC.
    assert_eq!(file.started, Some(ts("2020-10-27T21:39:41Z")));

    let file = corpus_file("go-junit-report-1.xml").unwrap();
    let t = test(&file, "package/subtests::TestSubtests/Subtest#01");
    assert_eq!(t.message.as_deref(), Some("Failed"));
    assert_eq!(
        t.detail.as_deref(),
        Some("    subtests_test.go:10: error message")
    );
    let t = test(&file, "package/subtests::TestSubtests");
    assert_eq!(t.detail, None);
    assert_eq!(file.started, Some(ts("2022-01-01T00:00:00Z")));
}

// ---- inline cases -------------------------------------------------------

const PYTEST: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<testsuites name="pytest tests"><testsuite name="pytest" errors="1" failures="1" skipped="1" tests="4" time="81.2" timestamp="2026-06-17T23:41:07.531052" hostname="cc-ci">
<testcase classname="tests._generic.test_install" name="test_deploys" time="40.1" />
<testcase classname="tests.discourse.test_upgrade" name="test_head_runs_official_image_not_bitnamilegacy" time="1.5"><failure message="AssertionError: assert 'bitnamilegacy/discourse:3.5.0' == 'discourse/discourse:3.5.3'&#10;  - discourse/discourse:3.5.3&#10;  + bitnamilegacy/discourse:3.5.0">def test_head_runs_official_image_not_bitnamilegacy(app):
&gt;       assert image == "discourse/discourse:3.5.3"
E       AssertionError: assert 'bitnamilegacy/discourse:3.5.0' == 'discourse/discourse:3.5.3'</failure></testcase>
<testcase classname="tests.custom.test_protocol_handshake" name="test_handshake_completes_with_channel_presence" time="60.0"><error message="failed on setup with &quot;TimeoutError&quot;">setup traceback</error></testcase>
<testcase classname="tests.mumble.test_protocol_handshake.TestHandshake" name="test_skipped" time="0"><skipped type="pytest.skip" message="EXPECTED_NA">/ci/tests/x.py:3: EXPECTED_NA</skipped></testcase>
</testsuite></testsuites>
"#;

#[test]
fn file_name_decides_tier_and_source() {
    let file = parse_str(PYTEST, "junit/upgrade__cc-ci__test_upgrade.xml");
    assert_eq!(file.tier, Some(Tier::Upgrade));
    assert_eq!(file.source, Some(TestSource::CcCi));
    // The name wins over what each classname would say.
    for t in &file.tests {
        assert_eq!(t.tier, Some(Tier::Upgrade), "{}", t.id);
        assert_eq!(t.source, TestSource::CcCi, "{}", t.id);
    }
    let file = parse_str(PYTEST, "restore__generic__test_restore.xml");
    assert_eq!(
        (file.tier, file.source),
        (Some(Tier::Restore), Some(TestSource::Generic))
    );
    let file = parse_str(PYTEST, "x/custom__recipe__test_protocol_handshake.xml");
    assert_eq!(
        (file.tier, file.source),
        (Some(Tier::Custom), Some(TestSource::RepoLocal))
    );
    // Names that do not fit: unknown tier or source, missing module.
    for name in [
        "lint__cc-ci__x.xml",
        "run__generic__test_run.xml",
        "upgrade__overlay__test_upgrade.xml",
        "upgrade__cc-ci.xml",
        "upgrade__cc-ci__.xml",
        "upgrade__cc-ci__test_upgrade.json",
    ] {
        let file = parse_str(PYTEST, name);
        assert_eq!((file.tier, file.source), (None, None), "{name}");
    }
}

#[test]
fn classname_decides_when_the_name_does_not_fit() {
    let file = parse_str(PYTEST, "junit/results.xml");
    assert_eq!((file.tier, file.source), (None, None));
    let by = |id: &str| {
        let t = test(&file, id);
        (t.tier, t.source)
    };
    assert_eq!(
        by("tests/_generic/test_install.py::test_deploys"),
        (Some(Tier::Install), TestSource::Generic)
    );
    assert_eq!(
        by("tests/discourse/test_upgrade.py::test_head_runs_official_image_not_bitnamilegacy"),
        (Some(Tier::Upgrade), TestSource::CcCi)
    );
    assert_eq!(
        by(
            "tests/custom/test_protocol_handshake.py::test_handshake_completes_with_channel_presence"
        ),
        (Some(Tier::Custom), TestSource::CcCi),
        "the older layout of cc-ci's custom tests"
    );
    assert_eq!(
        naming::from_classname("tests.mumble.custom.test_protocol_handshake", "test_x"),
        (Some(Tier::Custom), TestSource::CcCi)
    );
    assert_eq!(
        naming::from_classname("tests.mumble.functional.test_voice", "test_x"),
        (Some(Tier::Custom), TestSource::CcCi)
    );
    assert_eq!(
        naming::from_classname("custom.test_protocol_handshake", "test_x"),
        (Some(Tier::Custom), TestSource::CcCi)
    );
    assert_eq!(
        by("tests/mumble/test_protocol_handshake.py::TestHandshake::test_skipped"),
        (None, TestSource::CcCi)
    );
    assert_eq!(
        naming::from_classname("tests.test_backup", "test_x"),
        (Some(Tier::Backup), TestSource::RepoLocal)
    );
    assert_eq!(
        naming::from_classname(
            "tests.mattermost-lts.test_restore",
            "test_restore_returns_state"
        ),
        (Some(Tier::Restore), TestSource::CcCi)
    );
    // Rung names of results.json name tiers too; non-test tiers do not.
    assert_eq!(
        naming::from_classname("tests._generic.test_backup_restore", "t"),
        (Some(Tier::Restore), TestSource::Generic)
    );
    assert_eq!(
        naming::from_classname("tests._generic.test_run", "t"),
        (None, TestSource::Generic)
    );
    assert_eq!(
        naming::from_classname("example.ExampleTests", "x"),
        (None, TestSource::Unknown)
    );
    // A collection error names the module in `name`.
    assert_eq!(
        naming::from_classname("", "tests.discourse.test_upgrade"),
        (Some(Tier::Upgrade), TestSource::CcCi)
    );
}

#[test]
fn pytest_fields() {
    let file = parse_str(PYTEST, "junit/upgrade__cc-ci__test_upgrade.xml");
    assert_eq!(file.tests.len(), 4);
    assert_eq!(file.claimed_failures, 2);
    assert_eq!(file.started, Some(ts("2026-06-17T23:41:07.531052Z")));
    let t = test(
        &file,
        "tests/discourse/test_upgrade.py::test_head_runs_official_image_not_bitnamilegacy",
    );
    assert_eq!(t.outcome, Outcome::Fail);
    // The whole first line, both sides of the comparison.
    assert_eq!(
        t.message.as_deref(),
        Some(
            "AssertionError: assert 'bitnamilegacy/discourse:3.5.0' == 'discourse/discourse:3.5.3'"
        )
    );
    assert_eq!(
        t.detail.as_deref(),
        Some(
            "def test_head_runs_official_image_not_bitnamilegacy(app):\n>       assert image == \"discourse/discourse:3.5.3\"\nE       AssertionError: assert 'bitnamilegacy/discourse:3.5.0' == 'discourse/discourse:3.5.3'"
        )
    );
    assert_eq!(
        t.loc,
        Loc::new("junit/upgrade__cc-ci__test_upgrade.xml", Some(4))
    );
    assert_eq!(t.records, 1);
    assert_eq!(t.reruns, 0);
    assert!((t.seconds - 1.5).abs() < 1e-9);
    let e = test(
        &file,
        "tests/custom/test_protocol_handshake.py::test_handshake_completes_with_channel_presence",
    );
    assert_eq!(e.outcome, Outcome::Error);
    assert_eq!(
        e.message.as_deref(),
        Some("failed on setup with \"TimeoutError\"")
    );
    let s = test(
        &file,
        "tests/mumble/test_protocol_handshake.py::TestHandshake::test_skipped",
    );
    assert_eq!(
        (s.outcome, s.message.as_deref(), s.detail.as_deref()),
        (Outcome::Skip, Some("EXPECTED_NA"), None)
    );
    let p = test(&file, "tests/_generic/test_install.py::test_deploys");
    assert_eq!((p.outcome, p.message.as_deref()), (Outcome::Pass, None));
    assert_eq!(p.loc.line, Some(3));
}

#[test]
fn test_ids() {
    use naming::test_id;
    assert_eq!(
        test_id(
            "tests.mumble.test_protocol_handshake",
            "test_handshake",
            None
        ),
        "tests/mumble/test_protocol_handshake.py::test_handshake"
    );
    assert_eq!(
        test_id("tests.x.test_y.TestFoo", "test_bar[a.b-1]", None),
        "tests/x/test_y.py::TestFoo::test_bar[a.b-1]"
    );
    assert_eq!(
        test_id("tests.x.test_y.TestFoo.TestInner", "test_bar", None),
        "tests/x/test_y.py::TestFoo::TestInner::test_bar"
    );
    assert_eq!(
        test_id("pkg.api_test", "test_get", None),
        "pkg/api_test.py::test_get"
    );
    assert_eq!(
        test_id(
            "tests.mattermost-lts.test_restore",
            "test_restore_returns_state",
            None
        ),
        "tests/mattermost-lts/test_restore.py::test_restore_returns_state"
    );
    // xunit1 `file` agrees with the classname: used as written.
    assert_eq!(
        test_id(
            "test.test_spark.SparkTests",
            "test_rsh",
            Some("test/test_spark.py")
        ),
        "test/test_spark.py::SparkTests::test_rsh"
    );
    // `file` is the only sign of the module (python_files = check_*.py).
    assert_eq!(
        test_id(
            "checks.check_dns.TestDns",
            "test_a",
            Some("checks/check_dns.py")
        ),
        "checks/check_dns.py::TestDns::test_a"
    );
    assert_eq!(
        test_id("odd.module.name", "test_a", Some("odd/module/other.py")),
        "odd/module/other.py::test_a"
    );
    // A collection error: the module is the name.
    assert_eq!(
        test_id("", "tests.discourse.test_upgrade", None),
        "tests/discourse/test_upgrade.py"
    );
    // Other producers keep their names.
    assert_eq!(
        test_id("example.ExampleTests", "throwsAlways", None),
        "example.ExampleTests::throwsAlways"
    );
    assert_eq!(
        test_id("package/subtests", "TestX/Sub#01", None),
        "package/subtests::TestX/Sub#01"
    );
    assert_eq!(test_id("", "Timeout test", None), "Timeout test");
    assert_eq!(
        test_id("Test 1 › Test 1.1", "x", None),
        "Test 1 › Test 1.1::x"
    );
}

#[test]
fn teardown_error_after_call_failure_is_one_fail() {
    let xml = r#"<testsuites><testsuite name="pytest" failures="1" errors="1">
<testcase classname="tests.gitea.test_restore" name="test_app_ini" time="2.0"><failure message="AssertionError: app.ini differs">call tb</failure></testcase>
<testcase classname="tests.gitea.test_restore" name="test_app_ini" time="0.5"><error message="failed on teardown with &quot;RuntimeError: stack left&quot;">teardown tb</error></testcase>
</testsuite></testsuites>"#;
    let file = parse_str(xml, "restore__cc-ci__test_restore.xml");
    assert_eq!(file.tests.len(), 1);
    let t = &file.tests[0];
    assert_eq!(t.outcome, Outcome::Fail);
    assert_eq!(
        t.message.as_deref(),
        Some("AssertionError: app.ini differs")
    );
    assert_eq!(t.detail.as_deref(), Some("call tb"));
    assert_eq!(t.records, 2);
    // A teardown is a phase of the same attempt, not a retry.
    assert_eq!(t.reruns, 0);
    assert!((t.seconds - 2.5).abs() < 1e-9);
    assert_eq!(t.loc.line, Some(2));
    assert_eq!(file.claimed_failures, 2);

    // Error first, failure second: still a Fail, located at the first red.
    let xml = r#"<testsuite><testcase classname="a.test_b" name="t"><error message="e"/></testcase>
<testcase classname="a.test_b" name="t"><failure message="f"/></testcase></testsuite>"#;
    let t = &parse_str(xml, "x.xml").tests[0];
    assert_eq!(
        (t.outcome, t.message.as_deref(), t.loc.line),
        (Outcome::Fail, Some("f"), Some(1))
    );
}

#[test]
fn rerun_records() {
    // pytest-rerunfailures leaves an empty record per rerun.
    let xml = r#"<testsuite name="pytest">
<testcase classname="tests.mumble.test_protocol_handshake" name="test_h" time="60"/>
<testcase classname="tests.mumble.test_protocol_handshake" name="test_h" time="60"/>
<testcase classname="tests.mumble.test_protocol_handshake" name="test_h" time="61"><failure message="TimeoutError: no ServerSync">tb</failure></testcase>
<testcase classname="tests.mumble.test_protocol_handshake" name="test_other" time="1"/>
<testcase classname="tests.mumble.test_protocol_handshake" name="test_other" time="1"/>
</testsuite>"#;
    let file = parse_str(xml, "custom__cc-ci__test_protocol_handshake.xml");
    assert_eq!(file.tests.len(), 2);
    let h = &file.tests[0];
    assert_eq!((h.outcome, h.records, h.reruns), (Outcome::Fail, 3, 2));
    assert_eq!(h.loc.line, Some(4));
    assert!((h.seconds - 181.0).abs() < 1e-9);
    let o = &file.tests[1];
    assert_eq!((o.outcome, o.records, o.reruns), (Outcome::Pass, 2, 1));
    assert_eq!(o.loc.line, Some(5));

    // A skip and a pass of the same test: it ran and passed.
    let xml = r#"<testsuite><testcase classname="c" name="n"><skipped/></testcase><testcase classname="c" name="n"/></testsuite>"#;
    assert_eq!(parse_str(xml, "x.xml").tests[0].outcome, Outcome::Pass);
}

const TWO_CASES: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" failures="1" timestamp="2026-06-18T00:05:00">
<testcase classname="tests.mattermost-lts.test_restore" name="test_restore_returns_state" time="3.2"><failure message="psycopg.errors.UndefinedTable: relation &quot;ci_marker&quot; does not exist">tb</failure></testcase>
<testcase classname="tests.mattermost-lts.test_restore" name="test_second" time="1.0"><failure message="second">more</failure></testcase>
</testsuite></testsuites>
"#;

#[test]
fn truncated_file_keeps_complete_tests_and_names_the_byte() {
    let cut = TWO_CASES.find("name=\"test_second\"").unwrap() + 10;
    let bytes = &TWO_CASES.as_bytes()[..cut];
    let file = parse(bytes, Path::new("junit/restore__cc-ci__test_restore.xml"));
    assert_eq!(file.truncated, Some(format!("truncated at byte {cut}")));
    assert_eq!(
        ids(&file),
        ["tests/mattermost-lts/test_restore.py::test_restore_returns_state"]
    );
    assert_eq!(
        file.tests[0].message.as_deref(),
        Some("psycopg.errors.UndefinedTable: relation \"ci_marker\" does not exist")
    );
    assert_eq!(file.claimed_failures, 1);
    assert_eq!(file.started, Some(ts("2026-06-18T00:05:00Z")));

    // Cut between elements: every tag whole, but elements still open.
    let cut = TWO_CASES.find("</testsuite>").unwrap();
    let file = parse(&TWO_CASES.as_bytes()[..cut], Path::new("x.xml"));
    assert_eq!(file.truncated, Some(format!("truncated at byte {cut}")));
    assert_eq!(file.tests.len(), 2);

    // Cut inside a failure body: that test is not complete, so not kept.
    let cut = TWO_CASES.find(">more<").unwrap() + 2;
    let file = parse(&TWO_CASES.as_bytes()[..cut], Path::new("x.xml"));
    assert_eq!(file.tests.len(), 1);
    assert!(file.truncated.is_some());

    // read(): the warning names the file and the byte; the file is kept.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("upgrade__cc-ci__test_upgrade.xml");
    std::fs::write(
        &path,
        &TWO_CASES.as_bytes()[..4096.min(TWO_CASES.len() - 40)],
    )
    .unwrap();
    let mut warnings = Warnings::new();
    let file = read(&path, &mut warnings).unwrap();
    let n = TWO_CASES.len() - 40;
    assert_eq!(
        warnings.strings(),
        [format!("{}: truncated at byte {n}", path.display())]
    );
    assert_eq!(file.tier, Some(Tier::Upgrade));
}

#[test]
fn every_prefix_parses_and_keeps_what_is_complete() {
    let mut last = 0;
    for cut in 0..=TWO_CASES.len() {
        let file = parse(&TWO_CASES.as_bytes()[..cut], Path::new("x.xml"));
        assert!(file.tests.len() >= last, "cut {cut}: tests went down");
        last = file.tests.len();
        let whole = TWO_CASES[..cut].trim_end() == TWO_CASES.trim_end();
        assert_eq!(
            file.truncated.is_none(),
            whole,
            "cut {cut}: {:?}",
            file.truncated
        );
    }
    assert_eq!(last, 2);
}

#[test]
fn zero_filled_tail_is_truncation() {
    let cut = TWO_CASES
        .find("<testcase classname=\"tests.mattermost-lts.test_restore\" name=\"test_second\"")
        .unwrap();
    let mut bytes = TWO_CASES.as_bytes()[..cut].to_vec();
    bytes.extend(std::iter::repeat_n(0u8, 4096));
    let file = parse(&bytes, Path::new("x.xml"));
    assert_eq!(file.truncated, Some(format!("truncated at byte {cut}")));
    assert_eq!(file.tests.len(), 1);
}

#[test]
fn malformed_xml_names_the_byte_and_reason() {
    let xml = r#"<testsuite><testcase classname="a.test_b" name="one"/><testcase classname="a.test_b" name="two"></testsuite>"#;
    let mut warnings = Warnings::new();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.xml");
    std::fs::write(&path, xml).unwrap();
    let file = read(&path, &mut warnings).unwrap();
    let at = xml.find("</testsuite>").unwrap();
    let msg = file.truncated.clone().unwrap();
    assert!(
        msg.starts_with(&format!("malformed XML at byte {at}: ")),
        "{msg}"
    );
    assert!(msg.contains("testcase"), "{msg}");
    assert_eq!(ids(&file), ["a/test_b.py::one"]);
    assert_eq!(warnings.strings(), [format!("{}: {msg}", path.display())]);
}

#[test]
fn invalid_utf8_is_replaced_and_offsets_stay_raw() {
    let mut bytes = b"<testsuite><testcase classname=\"a.test_b\" name=\"t\"><failure message=\"bad \xff\xfe byte\">body \xc3(</failure><system-out>\x80\x80\x80</system-out></testcase>".to_vec();
    let good_len = bytes.len();
    bytes.extend_from_slice(b"<testcase classname=\"a.test_b\" name=\"u\"></testsuite>");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("junit.xml");
    std::fs::write(&path, &bytes).unwrap();
    let mut warnings = Warnings::new();
    let file = read(&path, &mut warnings).unwrap();
    assert_eq!(file.tests.len(), 1);
    let t = &file.tests[0];
    assert_eq!(t.outcome, Outcome::Fail);
    assert_eq!(t.message.as_deref(), Some("bad \u{fffd}\u{fffd} byte"));
    assert_eq!(
        t.detail.as_deref(),
        Some("body \u{fffd}(\n--- captured output ---\n\u{fffd}\u{fffd}\u{fffd}"),
        "the body, then what the test printed"
    );
    let first_bad = bytes.iter().position(|&b| b == 0xff).unwrap();
    // The malformed end tag's offset is the raw one, not the decoded one.
    let at = good_len
        + bytes[good_len..]
            .windows(2)
            .position(|w| w == b"</")
            .unwrap();
    assert_eq!(
        warnings.strings()[0],
        format!(
            "{}: invalid UTF-8 at byte {first_bad} and 5 more place(s) (replaced)",
            path.display()
        )
    );
    assert!(
        warnings.strings()[1]
            .starts_with(&format!("{}: malformed XML at byte {at}: ", path.display())),
        "{:?}",
        warnings.strings()
    );
    assert_eq!(warnings.strings().len(), 2);
}

#[test]
fn empty_and_binary_files_are_not_usable() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes, problem) in [
        ("empty.xml", &b""[..], "empty file"),
        (
            "blank.xml",
            &b"\n  \n"[..],
            "empty file (4 bytes of whitespace)",
        ),
        ("zeros.xml", &[0u8; 64][..], "no data: 64 NUL byte(s)"),
        (
            "gz.xml",
            &b"\x1f\x8b\x08\x00\x00\x00"[..],
            "binary, not XML: byte 0x1f at byte 0",
        ),
        (
            "nul.xml",
            &b"<testsuite>\x00\x01\x02</testsuite>"[..],
            "binary, not XML: NUL byte at byte 11",
        ),
        (
            "text.xml",
            &b"Traceback (most recent call last):\n"[..],
            "not XML: starts with \"Traceback (most \"",
        ),
        (
            "html.xml",
            &b"<html><body>502</body></html>"[..],
            "not JUnit XML: the root element is <html>",
        ),
        (
            "utf16.xml",
            &b"\xff\xfe<\x00t\x00"[..],
            "UTF-16 encoded; only UTF-8 JUnit is read",
        ),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let mut warnings = Warnings::new();
        assert!(read(&path, &mut warnings).is_none(), "{name}");
        assert_eq!(
            warnings.strings(),
            [format!("{}: {problem}", path.display())],
            "{name}"
        );
        let file = parse(bytes, &path);
        assert!(file.tests.is_empty());
        assert_eq!(file.truncated.as_deref(), Some(problem));
    }
    let mut warnings = Warnings::new();
    assert!(read(&dir.path().join("missing.xml"), &mut warnings).is_none());
    assert!(warnings.strings()[0].contains("missing.xml: does not exist"));
}

#[test]
fn a_bom_and_an_empty_suite_are_fine() {
    let file = parse(
        b"\xef\xbb\xbf<?xml version=\"1.0\"?>\n<testsuite tests=\"0\"/>\n",
        Path::new("x.xml"),
    );
    assert_eq!(file.truncated, None);
    assert!(file.tests.is_empty());
    // Only the declaration: the run died before writing anything else.
    let file = parse(b"<?xml version=\"1.0\"?>\n", Path::new("x.xml"));
    assert_eq!(file.truncated.as_deref(), Some("truncated at byte 22"));
}

#[test]
fn entities_in_messages_and_bodies() {
    let xml = r#"<testsuite><testcase classname="c" name="a &amp; b"><failure message="assert &lt;Response [502]&gt; == &quot;ok&quot; &amp;&amp; &apos;x&apos; &#65;&#x42;&#10;second line">x &lt; y &amp;&amp; &quot;z&quot; &#x263A; &nbsp; a & b</failure></testcase></testsuite>"#;
    let file = parse_str(xml, "x.xml");
    let t = &file.tests[0];
    assert_eq!(t.name, "a & b");
    assert_eq!(t.id, "c::a & b");
    assert_eq!(
        t.message.as_deref(),
        Some("assert <Response [502]> == \"ok\" && 'x' AB")
    );
    // Unknown entities and a lone ampersand are kept as written.
    assert_eq!(t.detail.as_deref(), Some("x < y && \"z\" ☺ &nbsp; a & b"));
}

#[test]
fn cdata_bodies() {
    let xml = "<testsuite><testcase classname=\"c\" name=\"n\"><error message=\"\"><![CDATA[\n\nTraceback <most recent> & last:\n  File \"x.py\"\r\n]]>tail &amp; more<![CDATA[ end]]></error></testcase></testsuite>";
    let t = &parse_str(xml, "x.xml").tests[0];
    assert_eq!(t.outcome, Outcome::Error);
    assert_eq!(
        t.detail.as_deref(),
        Some("Traceback <most recent> & last:\n  File \"x.py\"\ntail & more end")
    );
    // An empty message attribute falls back to the body's first line.
    assert_eq!(
        t.message.as_deref(),
        Some("Traceback <most recent> & last:")
    );
}

#[test]
fn timestamps() {
    for (raw, want) in [
        ("2026-06-17T18:05:01", "2026-06-17T18:05:01Z"),
        ("2026-06-17T18:05:01.123456", "2026-06-17T18:05:01.123456Z"),
        ("2026-06-17T18:05:01Z", "2026-06-17T18:05:01Z"),
        ("2026-06-17T18:05:01.5+02:00", "2026-06-17T16:05:01.5Z"),
        ("2026-06-17T18:05:01-05:00", "2026-06-17T23:05:01Z"),
        (" 2026-06-17 18:05:01 ", "2026-06-17T18:05:01Z"),
    ] {
        assert_eq!(parse_timestamp(raw), Some(ts(want)), "{raw}");
    }
    assert_eq!(parse_timestamp("yesterday"), None);
    assert_eq!(parse_timestamp(""), None);

    // Nested suites: the earliest wins for the file, the innermost for a
    // test; totals are counted once, from the leaves.
    let xml = r#"<testsuites failures="3" timestamp="2026-06-17T10:00:00+01:00">
<testsuite name="outer" failures="3"><testsuite name="a" failures="1" errors="1" timestamp="2026-06-17T09:30:00">
<testcase classname="c" name="a"><failure/></testcase></testsuite>
<testsuite name="b" failures="1" timestamp="garbage"><testcase classname="c" name="b"><failure/></testcase></testsuite>
</testsuite></testsuites>"#;
    let file = parse_str(xml, "x.xml");
    assert_eq!(file.started, Some(ts("2026-06-17T09:00:00Z")));
    assert_eq!(file.tests[0].started, Some(ts("2026-06-17T09:30:00Z")));
    assert_eq!(file.tests[1].started, Some(ts("2026-06-17T09:00:00Z")));
    assert_eq!(file.claimed_failures, 3);
    assert_eq!(file.truncated, None);
}

#[test]
fn numbers() {
    assert_eq!(parse_seconds("1.5"), 1.5);
    assert_eq!(parse_seconds("1,234.5"), 1234.5);
    assert_eq!(parse_seconds("0,25"), 0.25);
    assert_eq!(parse_seconds("NaN"), 0.0);
    assert_eq!(parse_seconds("-3"), 0.0);
    assert_eq!(parse_count(" 4 "), 4);
    assert_eq!(parse_count("2.0"), 2);
    assert_eq!(parse_count("many"), 0);
}

#[test]
fn decoded_offsets_map_back_to_raw_bytes() {
    let raw = b"ab\xffcd\xe2\x82efg\xc3";
    let d = text::Decoded::new(raw);
    assert_eq!(d.text, "ab\u{fffd}cd\u{fffd}efg\u{fffd}");
    assert_eq!(d.first_invalid, Some(2));
    assert_eq!(d.invalid_sequences, 3);
    // 'c' is decoded byte 5, raw byte 3; 'e' is decoded 10, raw 7.
    assert_eq!(d.raw_offset(0), 0);
    assert_eq!(d.raw_offset(5), 3);
    assert_eq!(d.raw_offset(10), 7);
    assert_eq!(d.raw_offset(d.text.len()), raw.len());
}

#[test]
fn garbage_never_panics() {
    // A cheap deterministic fuzz: flip bytes of a real document all over.
    let base = PYTEST.as_bytes();
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    for _ in 0..2000 {
        let mut bytes = base.to_vec();
        for _ in 0..4 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let i = (seed % bytes.len() as u64) as usize;
            bytes[i] = (seed >> 32) as u8;
        }
        let cut = (seed >> 40) as usize % (bytes.len() + 1);
        let _ = parse(&bytes[..cut], Path::new("x.xml"));
        let _ = parse(&bytes, Path::new("x.xml"));
    }
}
