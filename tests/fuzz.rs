//! Property tests over every parser: results.json, JUnit, the console
//! scanner, Drone's JSON step logs, the sweep log, recipe (compose) files
//! and rules files. Each target feeds generated documents (whose content
//! is known, so what the parser reads back can be checked) and mutations
//! of real ones (truncated, bytes flipped, hostile snippets inserted,
//! spans deleted or repeated), with a bounded number of cases so that
//! `cargo test` keeps trying on every run.
//!
//! The properties are the tool's promises about bad input: no panic; every
//! warning names the file it is about; a valid document embedded in noise
//! still yields its content; a cut (a truncated file, an over-long line)
//! is said, never silent; what was read completely before a cut is kept.
//!
//! A failing case is shrunk by proptest and written under
//! `tests/fuzz.proptest-regressions`; that file is committed, and the
//! cases in it are replayed first on every run. Crashes found by hand are
//! explicit tests at the end.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::test_runner::Config;

use ccci_triage::ingest::console::{self, ScanOptions, Scanner};
use ccci_triage::ingest::sweep::{SweepSource, read as read_sweep};
use ccci_triage::ingest::{self, RunFiles, drone, junit, results};
use ccci_triage::model::{Depth, Outcome, Warnings};
use ccci_triage::rules::RuleSet;

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

fn rules() -> &'static RuleSet {
    static RULES: std::sync::OnceLock<RuleSet> = std::sync::OnceLock::new();
    RULES.get_or_init(RuleSet::builtin)
}

/// Cases per target: the whole file stays well under a minute on two
/// cores in a debug build. `FUZZ_SCALE=N` runs N times as many (a longer
/// hunt by hand or in a nightly job).
fn config(cases: u32) -> Config {
    let scale = std::env::var("FUZZ_SCALE")
        .ok()
        .and_then(|s| s.parse::<u32>().ok())
        .unwrap_or(1)
        .max(1);
    Config {
        cases: cases.saturating_mul(scale),
        max_shrink_iters: 2_000,
        ..Config::default()
    }
}

// ------------------------------------------------------------- mutations

/// Snippets an attacker, a crash or a bad producer leaves in a file.
const SNIPPETS: &[&[u8]] = &[
    b"<",
    b">",
    b"&",
    b"&lol;",
    b"&#0;",
    b"&#x1b;",
    b"\"",
    b"'",
    b"]]>",
    b"<![CDATA[",
    b"<!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]>",
    b"</testsuite>",
    b"<testcase name=\"x\">",
    b"<failure message=\"",
    b"\0",
    b"\xff\xfe",
    b"\xe9",
    b"\xc3",
    b"\x1b[2J",
    b"\x1b]52;c;SGVsbG8=\x07",
    b"\r",
    b"\n",
    b"\n\n\n",
    b"{",
    b"}",
    b"[",
    b"]",
    b":",
    b",",
    b"\"recipe\": \"../../x\",",
    b"\\u0000",
    b"1e999999",
    b"-",
    b"- ",
    b"key: value\n",
    b"&anchor ",
    b"*anchor",
    b"!!binary ",
    b"<<: *a\n",
    b"{{",
    b"'''",
    b"[[rule]]\n",
    b"pattern = '(((((('\n",
    b"sweep: x rc=1 (FAIL)\n",
    b"WC5 promote failed: \n",
    b"no space left on device\n",
];

#[derive(Clone, Debug)]
enum Op {
    Truncate(prop::sample::Index),
    Flip(prop::sample::Index, u8),
    Insert(prop::sample::Index, Vec<u8>),
    Delete(prop::sample::Index, usize),
    Repeat(prop::sample::Index, usize, usize),
}

fn op() -> impl Strategy<Value = Op> {
    let snippet = prop_oneof![
        prop::sample::select(SNIPPETS).prop_map(<[u8]>::to_vec),
        prop::collection::vec(any::<u8>(), 1..16),
        (1usize..70_000).prop_map(|n| vec![b'A'; n]),
    ];
    prop_oneof![
        1 => any::<prop::sample::Index>().prop_map(Op::Truncate),
        3 => (any::<prop::sample::Index>(), 1u8..=255).prop_map(|(i, x)| Op::Flip(i, x)),
        4 => (any::<prop::sample::Index>(), snippet).prop_map(|(i, s)| Op::Insert(i, s)),
        2 => (any::<prop::sample::Index>(), 1usize..64).prop_map(|(i, n)| Op::Delete(i, n)),
        1 => (any::<prop::sample::Index>(), 1usize..256, 1usize..50)
            .prop_map(|(i, n, k)| Op::Repeat(i, n, k)),
    ]
}

fn apply(mut doc: Vec<u8>, ops: &[Op]) -> Vec<u8> {
    for op in ops {
        let at = |i: &prop::sample::Index, len: usize| if len == 0 { 0 } else { i.index(len + 1) };
        match op {
            Op::Truncate(i) => {
                let p = at(i, doc.len());
                doc.truncate(p);
            }
            Op::Flip(i, x) => {
                if !doc.is_empty() {
                    let p = i.index(doc.len());
                    doc[p] ^= x;
                }
            }
            Op::Insert(i, s) => {
                let p = at(i, doc.len());
                doc.splice(p..p, s.iter().copied());
            }
            Op::Delete(i, n) => {
                let p = at(i, doc.len());
                let end = (p + n).min(doc.len());
                doc.drain(p..end);
            }
            Op::Repeat(i, n, k) => {
                let p = at(i, doc.len());
                let end = (p + n).min(doc.len());
                let span = doc[p..end].to_vec();
                for _ in 0..*k {
                    doc.splice(end..end, span.iter().copied());
                }
            }
        }
    }
    doc
}

fn mutated(doc: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(op(), 1..5).prop_map(move |ops| apply(doc.clone(), &ops))
}

/// Every warning is about `path`.
fn assert_named(warnings: &Warnings, path: &Path) {
    let p = path.display().to_string();
    for w in warnings.as_slice() {
        assert!(
            w.subject.starts_with(&p),
            "a warning that does not name {p}: {w}"
        );
        assert!(
            !w.problem.trim().is_empty(),
            "a warning that says nothing: {w}"
        );
    }
}

// ------------------------------------------------------------- results.json

fn real_results() -> Vec<u8> {
    std::fs::read(testdata().join("runs/redfix-mattermost-lts/results.json")).unwrap()
}

proptest! {
    #![proptest_config(config(256))]

    /// Whatever the recipe and version hold, a valid results.json gives
    /// them back exactly (the caller decides what is plausible).
    #[test]
    fn results_json_gives_back_any_recipe_and_version(recipe in any::<String>(), version in any::<String>()) {
        let mut v: serde_json::Value = serde_json::from_slice(&real_results()).unwrap();
        v["recipe"] = recipe.clone().into();
        v["version"] = version.clone().into();
        let bytes = serde_json::to_vec(&v).unwrap();
        let rec = results::parse(&bytes, Path::new("results.json")).unwrap();
        prop_assert_eq!(rec.recipe, Some(recipe));
        prop_assert_eq!(rec.version, Some(version));
        let original = results::parse(&real_results(), Path::new("results.json")).unwrap();
        prop_assert_eq!(rec.results, original.results);
    }

    /// A damaged results.json parses or says why; never panics.
    #[test]
    fn results_json_mutations_parse_or_say_why(bytes in mutated(real_results())) {
        match results::parse(&bytes, Path::new("results.json")) {
            Ok(rec) => prop_assert_eq!(rec.path, PathBuf::from("results.json")),
            Err(why) => prop_assert!(!why.trim().is_empty()),
        }
    }
}

proptest! {
    #![proptest_config(config(48))]

    /// Read as part of a run directory, a damaged results.json is a
    /// warning naming it, and the run is still read from its console.
    #[test]
    fn a_run_with_a_damaged_results_json_is_still_read(bytes in mutated(real_results())) {
        let dir = tempfile::tempdir().unwrap();
        let run = dir.path().join("r1");
        std::fs::create_dir_all(&run).unwrap();
        let results = run.join("results.json");
        std::fs::write(&results, &bytes).unwrap();
        std::fs::copy(
            testdata().join("runs/redfix-mattermost-lts.console.log"),
            dir.path().join("r1.console.log"),
        )
        .unwrap();
        let mut w = Warnings::new();
        let files = RunFiles::of_dir(&run, &mut w);
        let r = ingest::read_run(&files, Depth::Full, rules(), &mut w);
        for x in w.as_slice() {
            prop_assert!(
                x.subject.starts_with(&dir.path().display().to_string()),
                "a warning about something else: {}", x
            );
        }
        if results::parse(&bytes, &results).is_err() {
            prop_assert!(
                w.as_slice().iter().any(|x| x.subject == results.display().to_string()),
                "a broken results.json is said: {:?}", w.as_slice()
            );
        }
        // The console alone names the recipe.
        prop_assert!(r.console.is_some());
    }
}

// ------------------------------------------------------------- JUnit

#[derive(Clone, Debug)]
struct Case {
    name: String,
    outcome: Outcome,
    message: String,
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Printable text XML 1.0 can carry in an attribute (no control
/// characters), first line only.
fn message() -> impl Strategy<Value = String> {
    "[^\\x00-\\x1f\\x7f-\\u{9f}]{1,60}"
        .prop_map(|s| s.trim().to_string())
        .prop_filter("not blank", |s| !s.is_empty())
}

fn cases() -> impl Strategy<Value = Vec<Case>> {
    let outcome = prop_oneof![
        Just(Outcome::Pass),
        Just(Outcome::Fail),
        Just(Outcome::Error),
        Just(Outcome::Skip),
    ];
    prop::collection::vec(("[a-z_]{1,12}", outcome, message()), 1..12).prop_map(|v| {
        v.into_iter()
            .enumerate()
            .map(|(i, (n, outcome, message))| Case {
                name: format!("test_{n}_{i}"),
                outcome,
                message,
            })
            .collect()
    })
}

/// A pytest-shaped JUnit document, and the byte where each case ends.
fn junit_doc(cases: &[Case]) -> (String, Vec<usize>) {
    let mut doc = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><testsuites name=\"pytest tests\">\
         <testsuite name=\"pytest\" errors=\"0\" failures=\"0\" skipped=\"0\" tests=\"1\" \
         time=\"1.0\" timestamp=\"2026-06-14T03:41:07.000000+00:00\" hostname=\"h\">\n",
    );
    let mut ends = Vec::new();
    for c in cases {
        let open = format!(
            "<testcase classname=\"tests._generic.test_x\" name=\"{}\" time=\"0.5\"",
            xml_escape(&c.name)
        );
        let m = xml_escape(&c.message);
        let case = match c.outcome {
            Outcome::Pass => format!("{open} />\n"),
            Outcome::Fail => {
                format!(
                    "{open}><failure message=\"{m}\">body of {}\nE   boom</failure></testcase>\n",
                    c.name
                )
            }
            Outcome::Error => format!("{open}><error message=\"{m}\">trace</error></testcase>\n"),
            Outcome::Skip => format!(
                "{open}><skipped type=\"pytest.skip\" message=\"{m}\">x.py:1: {m}</skipped></testcase>\n"
            ),
        };
        doc.push_str(&case);
        // The byte after the case's closing `>`.
        ends.push(doc.len() - 1);
    }
    doc.push_str("</testsuite></testsuites>\n");
    (doc, ends)
}

fn junit_path() -> &'static Path {
    Path::new("junit/install__generic__test_x.xml")
}

proptest! {
    #![proptest_config(config(256))]

    /// A valid document gives back every case, its outcome and message.
    #[test]
    fn junit_gives_back_every_case(cases in cases()) {
        let (doc, _) = junit_doc(&cases);
        let f = junit::parse(doc.as_bytes(), junit_path());
        prop_assert!(f.truncated.is_none(), "{:?}", f.truncated);
        prop_assert_eq!(f.tests.len(), cases.len());
        for c in &cases {
            let t = f.tests.iter().find(|t| t.name == c.name).expect("each case");
            prop_assert_eq!(t.outcome, c.outcome);
            if c.outcome != Outcome::Pass {
                prop_assert_eq!(t.message.as_deref(), Some(c.message.as_str()));
            }
        }
    }

    /// Cut anywhere (a killed run), every case written completely before
    /// the cut is kept as it was, no case is a pass unless it was complete,
    /// and the cut is said.
    #[test]
    fn junit_cut_anywhere_keeps_what_was_complete(cases in cases(), cut in any::<prop::sample::Index>()) {
        let (doc, ends) = junit_doc(&cases);
        let p = cut.index(doc.len());
        let f = junit::parse(&doc.as_bytes()[..p], junit_path());
        if p < doc.trim_end().len() {
            prop_assert!(f.truncated.is_some(), "a cut at byte {} is said", p);
        }
        for (c, end) in cases.iter().zip(&ends) {
            let got = f.tests.iter().find(|t| t.name == c.name);
            if *end <= p {
                let got = got.expect("a complete case is kept");
                prop_assert_eq!(got.outcome, c.outcome, "{}", c.name);
            } else if let Some(got) = got {
                prop_assert_ne!(got.outcome, Outcome::Pass, "cut record {} taken for a pass", c.name);
            }
        }
    }

    /// Mutated documents: no panic, and every problem is a warning naming
    /// the file; a file the reader gives up on always says why.
    #[test]
    fn junit_mutations_are_read_or_said(bytes in mutated(junit_doc(&[
        Case { name: "test_a".into(), outcome: Outcome::Pass, message: "m".into() },
        Case { name: "test_b".into(), outcome: Outcome::Fail, message: "assert 1 == 2".into() },
        Case { name: "test_c".into(), outcome: Outcome::Skip, message: "why".into() },
    ]).0.into_bytes())) {
        let f = junit::parse(&bytes, junit_path());
        for t in &f.tests {
            prop_assert!(t.message.as_ref().is_none_or(|m| m.len() < 8 << 10), "messages are cut");
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("upgrade__generic__test_x.xml");
        std::fs::write(&path, &bytes).unwrap();
        let mut w = Warnings::new();
        let read = junit::read(&path, &mut w);
        assert_named(&w, &path);
        if read.is_none() {
            prop_assert!(!w.is_empty(), "a file not used is said");
        }
        if f.truncated.is_some() {
            prop_assert!(!w.is_empty(), "a cut is said");
        }
    }
}

// ------------------------------------------------------------- consoles

const DISK_FULL: &str =
    "2026-06-14T03:00:00Z ERROR deploy: write /var/lib/docker/x: no space left on device";

/// Noise lines: what a console is full of, including escapes and CRs,
/// never a disk-full line.
fn noise() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 .,:=/_+-]{0,100}",
        "2026-06-14T0[0-9]:[0-5][0-9]:[0-5][0-9]Z (INFO|WARN|DEBUG) [a-z]{3,8}: [a-z =0-9]{0,60}",
        "\\PC{0,40}",
        Just("\u{1b}[31mFATA\u{1b}[0m deploy timed out".to_string()),
        Just("progress 10%\rprogress 50%\rprogress 100%".to_string()),
    ]
    .prop_filter("no sign", |l| {
        !l.contains("space left")
            && !l.contains("ENOSPC")
            && !l.contains("quota")
            && !l.contains('\n')
    })
}

/// Lines with the disk-full line at some of them; answers the text and the
/// (1-based) line numbers of the planted lines.
fn console_text() -> impl Strategy<Value = (String, Vec<u32>)> {
    prop::collection::vec((noise(), prop::bool::weighted(0.1)), 1..200).prop_map(|lines| {
        let mut text = String::new();
        let mut at = Vec::new();
        for (i, (l, plant)) in lines.into_iter().enumerate() {
            if plant {
                text.push_str(DISK_FULL);
                at.push(i as u32 + 1);
            } else {
                text.push_str(&l);
            }
            text.push('\n');
        }
        (text, at)
    })
}

fn opts() -> ScanOptions {
    ScanOptions {
        per_rule: 64,
        identity: true,
        year_from: None,
    }
}

fn disk_full_lines(scan: &console::ConsoleScan) -> Vec<u32> {
    scan.signals
        .iter()
        .filter(|s| s.rule == "harness.disk-full")
        .filter_map(|s| s.loc.line)
        .collect()
}

fn scan_plain(bytes: &[u8]) -> console::ConsoleScan {
    let mut s = Scanner::new(Path::new("c.log"), rules(), opts(), 2026);
    // The smallest read buffer (4 KiB): inputs longer than that cross
    // read boundaries, as a large console does.
    console::feed_plain(bytes, 0, &mut s).unwrap();
    s.finish()
}

proptest! {
    #![proptest_config(config(128))]

    /// Every planted line is found, at its own line, among any noise.
    #[test]
    fn console_finds_every_planted_line_at_its_line((text, at) in console_text()) {
        let scan = scan_plain(text.as_bytes());
        prop_assert_eq!(disk_full_lines(&scan), at);
        prop_assert_eq!(scan.console.lines as usize, text.lines().count());
        prop_assert_eq!(scan.console.long_lines, 0);
    }

    /// Any bytes: no panic, and the line count is the text's.
    #[test]
    fn console_reads_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        let scan = scan_plain(&bytes);
        let newlines = bytes.iter().filter(|&&b| b == b'\n').count();
        let partial = usize::from(!bytes.is_empty() && !bytes.ends_with(b"\n"));
        prop_assert_eq!(scan.console.lines as usize, newlines + partial);
    }

    /// The same lines as a Drone step log (JSON): the same signs at the
    /// same lines.
    #[test]
    fn drone_json_finds_what_the_plain_log_does((text, at) in console_text()) {
        let entries: Vec<serde_json::Value> = text
            .lines()
            .enumerate()
            .map(|(i, l)| serde_json::json!({"pos": i, "out": format!("{l}\n"), "time": i}))
            .collect();
        let json = serde_json::to_vec(&entries).unwrap();
        let mut s = Scanner::new(Path::new("step.json"), rules(), opts(), 2026);
        drone::feed(&json[..], &mut s).unwrap();
        let scan = s.finish();
        prop_assert_eq!(disk_full_lines(&scan), at);
    }

    /// A damaged Drone log: no panic; it reads or says why.
    #[test]
    fn drone_json_mutations_read_or_fail_cleanly(bytes in mutated(
        br#"[{"pos":0,"out":"+ abra app deploy x\n","time":0},{"pos":1,"out":"no space left on device\n","time":3},{"pos":2,"out":"done\n","time":4}]"#.to_vec()
    )) {
        let mut s = Scanner::new(Path::new("step.json"), rules(), opts(), 2026);
        match drone::feed(&bytes[..], &mut s) {
            Ok(()) => {}
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
        let _ = s.finish();
    }
}

proptest! {
    #![proptest_config(config(6))]

    /// Lines around and over the cap: each one over it is cut and counted,
    /// and the lines after it keep their numbers.
    #[test]
    fn console_cuts_long_lines_and_counts_them(
        lens in prop::collection::vec(
            prop_oneof![
                Just(console::MAX_LINE - 1),
                Just(console::MAX_LINE),
                Just(console::MAX_LINE + 1),
                Just(console::CHUNK + 17),
                0usize..100,
            ],
            1..6,
        )
    ) {
        let mut text = Vec::new();
        let mut at = Vec::new();
        for (i, n) in lens.iter().enumerate() {
            text.extend(std::iter::repeat_n(b'x', *n));
            text.push(b'\n');
            text.extend_from_slice(DISK_FULL.as_bytes());
            text.push(b'\n');
            at.push(2 * i as u32 + 2);
        }
        let scan = scan_plain(&text);
        let long = lens.iter().filter(|n| **n > console::MAX_LINE).count();
        prop_assert_eq!(scan.console.long_lines as usize, long, "{:?}", lens);
        prop_assert_eq!(disk_full_lines(&scan), at, "{:?}", lens);
        prop_assert_eq!(scan.console.lines as usize, 2 * lens.len());
    }
}

// ------------------------------------------------------------- sweep logs

#[derive(Clone, Debug)]
struct Entry {
    recipe: String,
    rc: i32,
    label: &'static str,
    noise: Vec<String>,
}

fn entries() -> impl Strategy<Value = Vec<Entry>> {
    let label = prop::sample::select(
        &[
            "PASS (promoted)",
            "FAIL (red; canonical unchanged)",
            "GREEN-BUT-PROMOTE-FAILED (canonical=none, expected 1.0.0+1)",
            "SOMETHING NEW",
        ][..],
    );
    prop::collection::vec(
        (
            "[a-z][a-z0-9-]{0,10}",
            -1i32..256,
            label,
            prop::collection::vec(noise(), 0..5),
        ),
        0..40,
    )
    .prop_map(|v| {
        v.into_iter()
            .map(|(recipe, rc, label, noise)| Entry {
                recipe,
                rc,
                label,
                noise: noise
                    .into_iter()
                    .filter(|l| !l.contains("sweep:") && !l.contains("=====") && !l.contains('['))
                    .collect(),
            })
            .collect()
    })
}

fn sweep_text(entries: &[Entry], prefix: &str) -> String {
    let mut t = String::from("===== nightly cold sweep: enrolled canonicals = ['a'] =====\n");
    for e in entries {
        for n in &e.noise {
            t.push_str(&format!("{prefix}{n}\n"));
        }
        t.push_str(&format!(
            "{prefix}sweep: {} rc={} ({})\n",
            e.recipe, e.rc, e.label
        ));
    }
    t
}

proptest! {
    #![proptest_config(config(96))]

    /// Every entry, in order, with its recipe and rc, whatever the noise
    /// between them and whatever prefix journald puts on every line.
    #[test]
    fn sweep_gives_back_every_entry(
        entries in entries(),
        prefix in prop::sample::select(&["", "2026-06-17T03:09:12+0000 cc-ci nightly-sweep[1712141]: "][..]),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sweep.log");
        std::fs::write(&path, sweep_text(&entries, prefix)).unwrap();
        let mut w = Warnings::new();
        let sweep = read_sweep(&SweepSource::File(path.clone()), rules(), &mut w).unwrap();
        assert_named(&w, &path);
        let got: Vec<(String, Option<i32>)> =
            sweep.entries.iter().map(|e| (e.recipe.clone(), e.rc)).collect();
        let want: Vec<(String, Option<i32>)> =
            entries.iter().map(|e| (e.recipe.clone(), Some(e.rc))).collect();
        prop_assert_eq!(got, want);
        if entries.is_empty() {
            prop_assert!(!w.is_empty(), "a sweep with no entry is said");
        }
    }

    /// A damaged sweep log: no panic, every warning names it.
    #[test]
    fn sweep_mutations_are_read_or_said(bytes in mutated(
        std::fs::read(testdata().join("real/sweep-2026-06-14.tee")).unwrap()
    )) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sweep.log");
        std::fs::write(&path, &bytes).unwrap();
        let mut w = Warnings::new();
        match read_sweep(&SweepSource::File(path.clone()), rules(), &mut w) {
            Ok(_) => assert_named(&w, &path),
            Err(e) => prop_assert!(!e.is_empty()),
        }
    }
}

// ------------------------------------------------------------- recipe files

use ccci_triage::evidence::recipe::{self as recipe_check, RecipeFiles};

fn real_compose() -> Vec<u8> {
    std::fs::read(
        testdata().join("runs/redfix-mattermost-lts/abra/recipes/mattermost-lts/compose.yml"),
    )
    .unwrap()
}

fn files_of(compose: &str) -> RecipeFiles {
    let mut files = std::collections::BTreeMap::new();
    files.insert("compose.yml".to_string(), compose.to_string());
    RecipeFiles {
        origin: "/recipes/demo".into(),
        files,
        warnings: Vec::new(),
    }
}

proptest! {
    #![proptest_config(config(128))]

    /// Generated services are all found, with their images and networks.
    #[test]
    fn compose_gives_back_every_service(
        services in prop::collection::btree_map("[a-z][a-z0-9_-]{0,10}", ("[a-z0-9./-]{1,20}:[a-z0-9.]{1,8}", prop::bool::ANY), 1..10)
    ) {
        let mut y = String::from("version: \"3.8\"\nservices:\n");
        for (name, (image, proxy)) in &services {
            y.push_str(&format!("  {name}:\n    image: \"{image}\"\n"));
            if *proxy {
                y.push_str("    networks:\n      - proxy\n");
            }
        }
        y.push_str("networks:\n  proxy:\n    external: true\n");
        let report = recipe_check::check(&files_of(&y), rules());
        let got: std::collections::BTreeMap<String, (Option<String>, bool)> = report
            .services
            .iter()
            .map(|s| (s.name.clone(), (s.image.clone(), s.on_proxy)))
            .collect();
        let want: std::collections::BTreeMap<String, (Option<String>, bool)> = services
            .iter()
            .map(|(n, (i, p))| (n.clone(), (Some(i.clone()), *p)))
            .collect();
        prop_assert_eq!(got, want);
    }

    /// A damaged compose file: no panic, every warning names a file.
    #[test]
    fn compose_mutations_are_checked_or_said(bytes in mutated(real_compose())) {
        let text = String::from_utf8_lossy(&bytes);
        let report = recipe_check::check(&files_of(&text), rules());
        for w in &report.warnings {
            prop_assert!(w.starts_with("compose.yml"), "a warning that names no file: {}", w);
        }
    }

    /// Read from a directory, a byte that is not UTF-8 is said, naming the
    /// file, and the file is still read.
    #[test]
    fn compose_files_with_bad_bytes_are_read_lossily(bytes in mutated(real_compose())) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("compose.yml"), &bytes).unwrap();
        let files = RecipeFiles::from_dir(dir.path()).unwrap();
        let bad_utf8 = std::str::from_utf8(&bytes).is_err();
        let has_nul = bytes.contains(&0);
        let too_large = bytes.len() as u64 > recipe_check::MAX_FILE_BYTES;
        if too_large {
            prop_assert!(
                files.warnings.iter().any(|w| w.starts_with("compose.yml: ") && w.contains("over the 256 KiB")),
                "a file over the cap is said: {:?}", files.warnings
            );
        } else if !has_nul {
            prop_assert!(files.files.contains_key("compose.yml"), "never dropped for a byte");
        }
        if bad_utf8 && !has_nul && !too_large {
            prop_assert!(
                files.warnings.iter().any(|w| w.starts_with("compose.yml: invalid UTF-8")),
                "{:?}", files.warnings
            );
        }
        for w in &files.warnings {
            prop_assert!(w.starts_with("compose.yml"), "{}", w);
        }
    }
}

// ------------------------------------------------------------- rules files

proptest! {
    #![proptest_config(config(64))]

    /// A damaged rules file among the built-in ones: compiled, or refused
    /// with a message; a file that is not TOML is refused naming it.
    #[test]
    fn rules_mutations_are_compiled_or_refused_by_name(
        which in 0..ccci_triage::rules::BUILTIN.len(),
        ops in prop::collection::vec(op(), 1..4),
    ) {
        let builtin = ccci_triage::rules::BUILTIN;
        let (name, text) = builtin[which];
        let bad = String::from_utf8_lossy(&apply(text.as_bytes().to_vec(), &ops)).into_owned();
        let sources: Vec<(&str, &str)> = builtin
            .iter()
            .enumerate()
            .map(|(i, (n, t))| if i == which { (*n, bad.as_str()) } else { (*n, *t) })
            .collect();
        match RuleSet::from_sources(&sources) {
            Ok(_) => {}
            Err(e) => {
                prop_assert!(!e.message.trim().is_empty());
                if toml::from_str::<toml::Table>(&bad).is_err() {
                    prop_assert!(e.message.contains(name), "{}", e.message);
                }
            }
        }
    }
}

// ------------------------------------------------------------- kept cases

/// Inputs that once broke a parser (or that are easy to get wrong), kept
/// as plain tests beside the generated ones.
#[test]
fn kept_cases_never_panic() {
    let junit_cases: &[&[u8]] = &[
        b"",
        b"<",
        b"<testsuite",
        b"<testsuite><testcase name=\"a\"><failure message=\"x",
        b"<testsuite><testcase name=\"a\"/></testsuite></testsuite>",
        b"\xef\xbb\xbf<testsuite/>",
        b"<testsuite>&#xD800;</testsuite>",
        b"<testsuite><testcase name=\"&#x1b;]52;c;x&#7;\"/></testsuite>",
    ];
    for b in junit_cases {
        let _ = junit::parse(b, junit_path());
    }
    for b in [
        &b""[..],
        b"\n",
        b"\r\r\r",
        b"\xff\xfe\x00",
        &[b'\n'; 70_000][..],
    ] {
        let _ = scan_plain(b);
        let _ = results::parse(b, Path::new("results.json"));
    }
}
