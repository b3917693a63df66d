//! The report formats, rendered from hand-built verdicts: the redfix
//! journal's four cases (stale overlay, recipe defect, flake, routing
//! collision) plus a harness and an unknown failure, so every class and
//! colour is exercised.
//!
//! Snapshots pin each format (rewrite with `INSTA_UPDATE=always`, review the diff); the other
//! tests check the guarantees the snapshots cannot: table width on long
//! input, Markdown structure and inertness under hostile text, the
//! Markdown size cap, the JSON contract, append-only journal writes, and
//! `explain`'s errors.

use std::collections::BTreeMap;
use std::path::PathBuf;

use ccci_triage::model::{
    Class, Confidence, Evidence, Failure, Loc, RuledOut, Run, RunKind, RunRecord, RungTrace,
    Signal, Span, TestSource, Tier, TierStatus, Triaged, Verdict,
};
use ccci_triage::report::{
    self, MARKDOWN_LIMIT, Report, TABLE_WIDTH, append_journal, explain, journal, json, markdown,
    table,
};
use jiff::Timestamp;
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use unicode_width::UnicodeWidthStr;

// ---------------------------------------------------------------- fixtures

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn run(id: &str, recipe: &str, version: &str, kind: RunKind, span: (&str, &str)) -> Run {
    Run {
        id: id.into(),
        path: PathBuf::from(format!("/var/lib/cc-ci-runs/{id}")),
        recipe: Some(recipe.into()),
        version: Some(version.into()),
        git_ref: None,
        kind,
        span: Span {
            started: Some(ts(span.0)),
            finished: Some(ts(span.1)),
        },
        overlapping: vec![],
        sweep: None,
        record: None,
        junit: vec![],
        console: None,
        console_results: BTreeMap::new(),
        expected_na: BTreeMap::new(),
        rc: Some(1),
        checkout: None,
    }
}

fn record(run: &Run, results: &[(&str, TierStatus)]) -> RunRecord {
    RunRecord {
        path: run.path.join("results.json"),
        schema: 2,
        recipe: run.recipe.clone(),
        version: run.version.clone(),
        run_id: Some(run.id.clone()),
        finished: run.span.finished,
        results: results.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        ..RunRecord::default()
    }
}

fn rung(rung: &str, outcome: &str, note: &str) -> RungTrace {
    RungTrace {
        rung: rung.into(),
        outcome: outcome.into(),
        note: note.into(),
    }
}

fn ruled(class: Class, why: &str) -> RuledOut {
    RuledOut {
        class,
        why: why.into(),
    }
}

#[allow(clippy::too_many_arguments)]
fn failure(
    run: &Run,
    tier: Tier,
    test: Option<&str>,
    source: TestSource,
    message: &str,
    detail: Option<&str>,
    loc: Loc,
) -> Failure {
    Failure {
        run_id: run.id.clone(),
        recipe: run.recipe.clone(),
        tag: run.version.clone(),
        tier,
        test: test.map(Into::into),
        source,
        message: message.into(),
        detail: detail.map(Into::into),
        reruns: 0,
        evidence: vec![Evidence::at(&loc, message)],
        loc,
    }
}

struct Fixture {
    runs: Vec<Run>,
    triaged: Vec<Triaged>,
    warnings: Vec<String>,
}

impl Fixture {
    fn report(&self) -> Report<'_> {
        Report {
            inputs: vec!["/var/lib/cc-ci-runs".into()],
            runs: &self.runs,
            triaged: &self.triaged,
            warnings: &self.warnings,
        }
    }
}

/// The journal's four cases, a harness failure and an unknown one.
fn journal_cases() -> Fixture {
    use TierStatus::{Fail, Pass, Skip};

    // discourse: stale overlay, run alone.
    let mut discourse = run(
        "manual-discourse",
        "discourse",
        "0.8.1+3.5.0",
        RunKind::Manual,
        ("2026-06-17T23:22:10Z", "2026-06-17T23:38:44Z"),
    );
    discourse.record = Some(record(
        &discourse,
        &[
            ("install", Pass),
            ("upgrade", Fail),
            ("backup", Pass),
            ("restore", Pass),
            ("custom", Pass),
        ],
    ));
    let junit = discourse
        .path
        .join("junit/upgrade__cc-ci__test_upgrade.xml");
    let stale = Triaged {
        failure: failure(
            &discourse,
            Tier::Upgrade,
            Some("tests/discourse/test_upgrade.py::test_head_runs_official_image_not_bitnamilegacy"),
            TestSource::Overlay,
            "AssertionError: expected image discourse/discourse:3.5.3, got bitnamilegacy/discourse:3.5.0",
            Some(
                "    def test_head_runs_official_image_not_bitnamilegacy(app):\n>       assert image == \"discourse/discourse:3.5.3\"\nE       AssertionError: expected image discourse/discourse:3.5.3, got bitnamilegacy/discourse:3.5.0",
            ),
            Loc::new(&junit, Some(7)),
        ),
        verdict: Verdict {
            reproducibility: String::new(),
            class: Class::StaleOverlay,
            confidence: Confidence::Confirmed,
            cause: "overlay expects image `discourse/discourse:3.5.3`, which no release tag (0.1.0…0.8.1+3.5.0) nor main uses".into(),
            rule: Some("overlay.expected-image".into()),
            evidence: vec![
                Evidence::at(&Loc::new(&junit, Some(7)), "AssertionError: expected image discourse/discourse:3.5.3, got bitnamilegacy/discourse:3.5.0"),
                Evidence::new("git show 0.8.1+3.5.0:compose.yml", "    image: bitnamilegacy/discourse:3.5.0"),
                Evidence::new("git show main:compose.yml", "    image: bitnamilegacy/discourse:3.5.0"),
            ],
            ruled_out: vec![
                ruled(Class::Flake, "fails the same way alone, in run manual-discourse with no overlapping run"),
                ruled(Class::RecipeDefect, "the recipe deploys and serves: install, backup, restore and custom pass"),
            ],
            fix: "cc-ci test change: assert the released image, or skip the PR-faithfulness tests outside the PR's own run".into(),
            next: "git -C ~/.abra/recipes/discourse grep -n 'discourse/discourse:3.5.3' $(git -C ~/.abra/recipes/discourse tag)".into(),
            rung: "overlay-expectation".into(),
            diff: None,
            trail: vec![
                rung("cross-run", "passed", "no green run of discourse 0.8.1+3.5.0 to compare with"),
                rung("overlay-expectation", "decided", "expected `discourse/discourse:3.5.3` appears in no tag and not on main"),
            ],
        },
        signals: vec![Signal {
            rule: "pytest.assert-image".into(),
            loc: Loc::new(&junit, Some(7)),
            text: "AssertionError: expected image discourse/discourse:3.5.3, got bitnamilegacy/discourse:3.5.0".into(),
            captures: BTreeMap::from([("expected".into(), "discourse/discourse:3.5.3".into())]),
        }],
    };

    // mattermost-lts: recipe defect, reproduces alone.
    let mut mattermost = run(
        "753",
        "mattermost-lts",
        "2.1.9+10.11.15",
        RunKind::Drone,
        ("2026-06-14T03:41:07Z", "2026-06-14T04:02:51Z"),
    );
    mattermost.record = Some(record(
        &mattermost,
        &[
            ("install", Pass),
            ("upgrade", Pass),
            ("backup", Pass),
            ("restore", Fail),
            ("custom", Pass),
        ],
    ));
    let junit = mattermost
        .path
        .join("junit/restore__generic__test_restore.xml");
    let defect = Triaged {
        failure: failure(
            &mattermost,
            Tier::Restore,
            Some("tests/_generic/test_restore.py::test_restore_returns_state"),
            TestSource::Generic,
            "psycopg2.errors.UndefinedTable: relation \"ci_marker\" does not exist",
            None,
            Loc::new(&junit, Some(12)),
        ),
        verdict: Verdict {
            reproducibility: String::new(),
            class: Class::RecipeDefect,
            confidence: Confidence::Confirmed,
            cause: "postgres restore replays no dump: no `backupbot.restore.post-hook` on service `postgres`, and `backupbot.backup.path` copies the live PGDATA".into(),
            rule: Some("backup.restore-replays-no-dump".into()),
            evidence: vec![
                Evidence::at(&Loc::new(&junit, Some(12)), "relation \"ci_marker\" does not exist"),
                Evidence::new("git show 2.1.9+10.11.15:compose.yml", "      backupbot.backup.pre-hook: \"pg_dump -U mattermost > /var/lib/postgresql/data/postgres-backup.sql\"\n      backupbot.backup.path: \"/var/lib/postgresql/data/\""),
                Evidence::new("run 712 (immich, passes the same test)", "backupbot.restore.post-hook: /pg_backup.sh restore"),
            ],
            ruled_out: vec![
                ruled(Class::Flake, "fails the same way alone, in run 753 with no overlapping run"),
                ruled(Class::StaleOverlay, "the failing test is the generic restore test, which passes on immich"),
            ],
            fix: "recipe PR: back up only a dump (`backupbot.backup.path: backup.sql`) and replay it with a `backupbot.restore.post-hook`, as immich does".into(),
            next: "ccci-triage check ~/.abra/recipes/mattermost-lts --tag 2.1.9+10.11.15".into(),
            rung: "static-recipe".into(),
            diff: Some(
                "--- a/compose.yml\n+++ b/compose.yml\n@@ -40,3 +40,4 @@\n       backupbot.backup.pre-hook: \"/pg_backup.sh backup\"\n-      backupbot.backup.path: \"/var/lib/postgresql/data/\"\n+      backupbot.backup.path: \"backup.sql\"\n+      backupbot.restore.post-hook: \"/pg_backup.sh restore\"\n".into(),
            ),
            trail: vec![
                rung("cross-run", "passed", "no other run of mattermost-lts 2.1.9+10.11.15"),
                rung("static-recipe", "decided", "service postgres: backup pre-hook writes a dump, no restore post-hook replays it"),
                rung("overlay-expectation", "skipped", "not an overlay test"),
            ],
        },
        signals: vec![Signal {
            rule: "postgres.relation-missing".into(),
            loc: Loc::new(&junit, Some(12)),
            text: "psycopg2.errors.UndefinedTable: relation \"ci_marker\" does not exist".into(),
            captures: BTreeMap::from([("relation".into(), "ci_marker".into())]),
        }],
    };

    // mumble: flake, red in the sweep under load.
    let mut mumble = run(
        "sweep-20260614-mumble",
        "mumble",
        "1.0.0+v1.6.870-0",
        RunKind::Sweep,
        ("2026-06-14T02:10:00Z", "2026-06-14T02:31:40Z"),
    );
    mumble.overlapping = vec![
        "sweep-20260614-gitea".into(),
        "sweep-20260614-immich".into(),
    ];
    mumble.sweep = Some("2026-06-14T02:00:00Z".into());
    mumble.console_results = BTreeMap::from([
        (Tier::Install, Pass),
        (Tier::Upgrade, Pass),
        (Tier::Backup, Pass),
        (Tier::Restore, Pass),
        (Tier::Custom, Fail),
    ]);
    let junit = mumble
        .path
        .join("junit/custom__recipe__test_protocol_handshake.xml");
    let flake = Triaged {
        failure: Failure {
            reruns: 11,
            ..failure(
                &mumble,
                Tier::Custom,
                Some("tests/custom/test_protocol_handshake.py::test_handshake_completes_with_channel_presence"),
                TestSource::Recipe,
                "TimeoutError: handshake not completed within 60s (12 attempts)",
                None,
                Loc::new(&junit, Some(4)),
            )
        },
        verdict: Verdict {
            reproducibility: String::new(),
            class: Class::Flake,
            confidence: Confidence::Confirmed,
            cause: "control-channel handshake timed out under sweep load; green alone in 1 isolation run and a canonical was written for 1.0.0+v1.6.870-0 after it".into(),
            rule: Some("timing.retries-exhausted".into()),
            evidence: vec![
                Evidence::at(&Loc::new(&junit, Some(4)), "TimeoutError: handshake not completed within 60s (12 attempts)"),
                Evidence::new("/var/lib/cc-ci-runs/m2r-mumble/results.json", "custom: pass (isolation run, no overlapping run)"),
                Evidence::new("/var/lib/ci-warm/mumble/canonical.json", "version 1.0.0+v1.6.870-0 written 2026-06-17T18:05:01Z"),
            ],
            ruled_out: vec![ruled(Class::RecipeDefect, "green alone in run m2r-mumble; one isolation run only, so not yet \"reproducibly\" green")],
            fix: "harness change: gate the custom tier on the voice server's readiness, or run custom tiers of voice recipes serially in the sweep".into(),
            next: "RECIPE=mumble CCCI_SKIP_FETCH=1 cc-ci-run runner/run_recipe_ci.py".into(),
            rung: "cross-run".into(),
            diff: None,
            trail: vec![rung("cross-run", "decided", "red under load (2 overlapping runs), green in isolation run m2r-mumble")],
        },
        signals: vec![],
    };

    // bluesky-pds: routing collision on the warm promote.
    let mut bluesky = run(
        "m2r-bluesky-pds",
        "bluesky-pds",
        "0.3.0+v0.4.219",
        RunKind::Manual,
        ("2026-06-18T00:20:00Z", "2026-06-18T00:44:10Z"),
    );
    bluesky.record = Some(record(
        &bluesky,
        &[
            ("install", Pass),
            ("upgrade", Skip),
            ("backup", Pass),
            ("restore", Pass),
            ("custom", Pass),
        ],
    ));
    bluesky
        .expected_na
        .insert(Tier::Upgrade, "moving pds:0.4 tag".into());
    let console = PathBuf::from("/var/lib/cc-ci-runs/m2r-bluesky-pds.console.log");
    let routing = Triaged {
        failure: Failure {
            evidence: vec![],
            ..failure(
                &bluesky,
                Tier::Promote,
                None,
                TestSource::Unknown,
                "WC5 promote failed: warm-bluesky-pds.ci.commoninternet.net: not healthy over HTTPS /xrpc/_health (last status 0)",
                None,
                Loc::new(&console, Some(388)),
            )
        },
        verdict: Verdict {
            reproducibility: String::new(),
            class: Class::RoutingCollision,
            confidence: Confidence::Likely,
            cause: "caddy asks bare `app:3000` for on-demand TLS; on stack warm-bluesky-pds_… `proxy` sorts before `…_internal`, so `app` resolves to other stacks' apps".into(),
            rule: Some("routing.bare-app-on-proxy".into()),
            evidence: vec![
                Evidence::at(&Loc::new(&console, Some(388)), "WC5 promote failed: warm-bluesky-pds.ci.commoninternet.net: not healthy over HTTPS /xrpc/_health (last status 0)"),
                Evidence::new("git show 0.3.0+v0.4.219:Caddyfile", "on_demand_tls {\n  ask http://app:3000/tls-check\n}"),
            ],
            ruled_out: vec![
                ruled(Class::Flake, "the cold stack passed and the warm one failed in the same run: the stack name, not the load, differs"),
                ruled(Class::Harness, "the promote refused an unhealthy stack, as it should"),
            ],
            fix: "recipe PR: address the PDS as `{{ env \"STACK_NAME\" }}_app` in the Caddyfile, or give it a unique alias".into(),
            next: "ccci-triage probe dns --container warm-bluesky-pds_ci_commoninternet_net_caddy --name app".into(),
            rung: "static-routing".into(),
            diff: None,
            trail: vec![
                rung("cross-run", "passed", "cold stack green in the same run"),
                rung("static-routing", "decided", "Caddyfile reaches `app:3000`; app is on the internal network only"),
                rung("probe", "skipped", "--probe not given"),
            ],
        },
        signals: vec![],
    };

    // A harness failure: the disk filled during the checkout.
    let gitea = run(
        "754",
        "gitea",
        "3.2.0+1.24.2-rootless",
        RunKind::Drone,
        ("2026-06-14T03:50:00Z", "2026-06-14T03:52:13Z"),
    );
    let gitea_console = PathBuf::from("/var/lib/cc-ci-runs/754.console.log");
    let harness = Triaged {
        failure: failure(
            &gitea,
            Tier::Run,
            None,
            TestSource::Unknown,
            "OSError: [Errno 28] No space left on device",
            None,
            Loc::new(&gitea_console, Some(41)),
        ),
        verdict: Verdict {
            reproducibility: String::new(),
            class: Class::Harness,
            confidence: Confidence::Suspected,
            cause: "the run died during the recipe checkout: no space left on device".into(),
            rule: Some("host.disk-full".into()),
            evidence: vec![Evidence::at(&Loc::new(&gitea_console, Some(41)), "OSError: [Errno 28] No space left on device")],
            ruled_out: vec![],
            fix: "harness change: free space on the node (docker system prune of old images) before the sweep".into(),
            next: "df -h /var/lib/docker".into(),
            rung: "signals".into(),
            diff: None,
            trail: vec![rung("signals", "decided", "host.disk-full matched console line 41")],
        },
        signals: vec![],
    };

    // An unknown failure with nothing decisive.
    let immich = run(
        "755",
        "immich",
        "1.9.0+v1.135.3",
        RunKind::Drone,
        ("2026-06-14T04:10:00Z", "2026-06-14T04:29:00Z"),
    );
    let unknown = Triaged {
        failure: failure(
            &immich,
            Tier::Install,
            Some("tests/_generic/test_install.py::test_serves_200"),
            TestSource::Generic,
            "AssertionError: GET https://immich.ci.commoninternet.net/ returned 502",
            None,
            Loc::new(immich.path.join("junit/install__generic__test_install.xml"), Some(9)),
        ),
        verdict: Verdict {
            reproducibility: String::new(),
            class: Class::Unknown,
            confidence: Confidence::Suspected,
            cause: "502 from the proxy after deploy; nothing says whether the app was still converging or broken".into(),
            rule: None,
            evidence: vec![],
            ruled_out: vec![],
            fix: "none yet: decide between flake (converging) and recipe-defect (crash loop) first".into(),
            next: "ccci-triage history --recipe immich".into(),
            rung: "fallback".into(),
            diff: None,
            trail: vec![
                rung("cross-run", "passed", "no other run of immich 1.9.0+v1.135.3"),
                rung("signals", "passed", "no rule matched"),
                rung("fallback", "decided", "candidates: flake (5xx while converging), recipe-defect (crash loop)"),
            ],
        },
        signals: vec![],
    };

    // A green run, to count.
    let green = run(
        "756",
        "keycloak",
        "10.2.0+26.2.5",
        RunKind::Drone,
        ("2026-06-14T04:30:00Z", "2026-06-14T04:41:00Z"),
    );

    Fixture {
        runs: vec![discourse, mattermost, mumble, bluesky, gitea, immich, green],
        triaged: vec![stale, defect, flake, routing, harness, unknown],
        warnings: vec!["/var/lib/cc-ci-runs/757/junit/upgrade__cc-ci__test_upgrade.xml: truncated at byte 4096".into()],
    }
}

/// Text a hostile log could put in any field.
const HOSTILE: &str = "boom ```\n```\n</details>\n<script>alert(1)</script> [x](javascript:alert(1)) \
                       <javascript:alert(2)> ![i](https://evil.example/p.png) @admin www.evil.example \
                       ~~~\n# heading\n<img src=x onerror=alert(3)>";

fn hostile_fixture() -> Fixture {
    let mut f = journal_cases();
    for (i, t) in f.triaged.iter_mut().enumerate() {
        t.failure.message = HOSTILE.into();
        t.failure.test = Some(format!("tests/x.py::{HOSTILE}"));
        t.failure.run_id = format!("run-{i}-`{HOSTILE}");
        t.failure.recipe = Some(HOSTILE.into());
        t.failure.tag = Some(HOSTILE.into());
        t.verdict.cause = HOSTILE.into();
        t.verdict.fix = HOSTILE.into();
        t.verdict.next = HOSTILE.into();
        t.verdict.rule = Some(HOSTILE.into());
        t.verdict.rung = HOSTILE.into();
        t.verdict.diff = Some(HOSTILE.into());
        t.verdict.evidence = vec![Evidence::new(HOSTILE, HOSTILE)];
        t.verdict.ruled_out = vec![ruled(Class::Harness, HOSTILE)];
    }
    f
}

// ---------------------------------------------------------------- helpers

/// Removes ANSI SGR sequences (`ESC [ … m`).
fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn assert_fits(text: &str, what: &str) {
    for line in strip_ansi(text).lines() {
        assert!(
            UnicodeWidthStr::width(line) <= TABLE_WIDTH,
            "{what}: line of {} columns:\n{line}",
            UnicodeWidthStr::width(line)
        );
    }
}

fn md_options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_MATH
        | Options::ENABLE_GFM
        | Options::ENABLE_WIKILINKS
}

/// What a Markdown document parses into, for structural checks.
#[derive(Default, Debug)]
struct MdShape {
    /// Every raw HTML event (block and inline), outside code blocks.
    html: Vec<String>,
    /// Link and image destinations.
    links: Vec<String>,
    /// Text of each fenced code block.
    code_blocks: Vec<String>,
    /// Plain text outside code blocks and code spans.
    text: String,
    /// Text of code spans.
    code_spans: String,
    headings: usize,
}

fn md_shape(md: &str) -> MdShape {
    let mut shape = MdShape::default();
    let mut in_code: Option<String> = None;
    for event in Parser::new_ext(md, md_options()) {
        match event {
            Event::Start(Tag::CodeBlock(_)) => in_code = Some(String::new()),
            Event::End(TagEnd::CodeBlock) => shape.code_blocks.push(in_code.take().unwrap()),
            Event::Text(t) => match &mut in_code {
                Some(code) => code.push_str(&t),
                None => shape.text.push_str(&t),
            },
            Event::Code(t) => shape.code_spans.push_str(&t),
            Event::Html(h) | Event::InlineHtml(h) => {
                assert!(in_code.is_none());
                shape.html.push(h.to_string());
            }
            Event::Start(Tag::Link { dest_url, .. })
            | Event::Start(Tag::Image { dest_url, .. }) => shape.links.push(dest_url.to_string()),
            Event::Start(Tag::Heading { .. }) => shape.headings += 1,
            _ => {}
        }
    }
    assert!(in_code.is_none(), "document ends inside a code block");
    shape
}

/// Checks the Markdown's structure line by line, independently of the
/// parser: every fence opened is closed by a fence of the same character at
/// least as long, and `<details>` lines pair with `</details>` lines,
/// never nested, never inside a fence.
fn assert_balanced(md: &str) {
    let mut fence: Option<(char, usize)> = None;
    let mut details_open = false;
    let (mut opened, mut closed) = (0, 0);
    for (n, line) in md.lines().enumerate() {
        let run = |c: char| line.chars().take_while(|&x| x == c).count();
        match fence {
            Some((c, len)) => {
                if run(c) >= len && line.trim_end().chars().all(|x| x == c) {
                    fence = None;
                }
            }
            None => {
                for c in ['`', '~'] {
                    if run(c) >= 3 {
                        fence = Some((c, run(c)));
                    }
                }
                if line == "<details>" {
                    assert!(!details_open, "line {}: nested <details>", n + 1);
                    details_open = true;
                    opened += 1;
                } else if line == "</details>" {
                    assert!(details_open, "line {}: </details> without <details>", n + 1);
                    details_open = false;
                    closed += 1;
                }
            }
        }
    }
    assert!(fence.is_none(), "a fence is never closed");
    assert!(!details_open, "a <details> is never closed");
    assert_eq!(opened, closed);
}

/// The raw HTML of a document is only the `<details>`/`<summary>`/`<b>`
/// tags the report writes.
fn assert_only_own_html(shape: &MdShape) {
    let mut rest = shape.html.concat();
    for tag in [
        "<details>",
        "</details>",
        "<summary>",
        "</summary>",
        "<b>",
        "</b>",
    ] {
        rest = rest.replace(tag, "");
    }
    assert!(
        !rest.contains('<'),
        "raw HTML from input: {rest:?}\nall: {:?}",
        shape.html
    );
}

// ---------------------------------------------------------------- snapshots

/// The output with the tool's version redacted, so a version bump does not
/// touch the snapshots.
fn redact(s: String) -> String {
    s.replace(ccci_triage::TOOL, "ccci-triage <version>")
}

fn now() -> Timestamp {
    ts("2026-06-18T00:05:31Z")
}

#[test]
fn snapshot_table() {
    let f = journal_cases();
    insta::assert_snapshot!("table", table(&f.report(), false));
}

#[test]
fn snapshot_table_color() {
    let f = journal_cases();
    // ESC shown as ␛ so the snapshot is readable.
    let colored = table(&f.report(), true).replace('\u{1b}', "␛");
    assert!(colored.contains("␛["), "no colour at all");
    insta::assert_snapshot!("table_color", colored);
}

#[test]
fn snapshot_json() {
    let f = journal_cases();
    insta::assert_snapshot!("json", redact(json(&f.report())));
}

#[test]
fn snapshot_markdown() {
    let f = journal_cases();
    insta::assert_snapshot!("markdown", redact(markdown(&f.report())));
}

#[test]
fn snapshot_journal() {
    let f = journal_cases();
    insta::assert_snapshot!("journal", journal(&f.report(), "M1", now()));
}

#[test]
fn snapshot_explain() {
    let f = journal_cases();
    let r = f.report();
    insta::assert_snapshot!("explain_recipe_defect", explain(&r, "753", None).unwrap());
    insta::assert_snapshot!(
        "explain_routing",
        explain(&r, "m2r-bluesky-pds", Some("promote")).unwrap()
    );
}

#[test]
fn snapshot_no_failures() {
    let mut f = journal_cases();
    f.triaged.clear();
    f.warnings.clear();
    let r = f.report();
    insta::assert_snapshot!(
        "no_failures",
        redact(format!(
            "--- table\n{}--- markdown\n{}--- journal\n{}",
            table(&r, false),
            markdown(&r),
            journal(&r, "M2", now())
        ))
    );
}

// ---------------------------------------------------------------- table

#[test]
fn table_says_no_failures_with_the_run_count() {
    let mut f = journal_cases();
    f.triaged.clear();
    let out = table(&f.report(), false);
    assert!(out.starts_with("no failures in 7 runs\n"), "{out}");
    assert!(out.contains("1 warning"));
}

#[test]
fn table_fits_100_columns_on_long_input() {
    let mut f = journal_cases();
    let long = "x".repeat(300);
    for (i, t) in f.triaged.iter_mut().enumerate() {
        t.failure.run_id = format!("manual-{}-{i}", "very-long-run-name-".repeat(8));
        t.failure.recipe = Some(format!("recipe-{}", "with-a-long-name-".repeat(6)));
        t.failure.test = Some(format!("tests/{long}.py::Class::test_{long}"));
        t.verdict.cause = format!(
            "日本語のテスト 🚀 {} {long} \u{1b}[31mred\u{1b}[0m\tand\nnewline",
            "cause ".repeat(60)
        );
    }
    for color in [false, true] {
        let out = table(&f.report(), color);
        assert_fits(&out, "table");
        // Every failure has its row, on exactly one line.
        let rows = strip_ansi(&out)
            .lines()
            .filter(|l| l.starts_with("manual-"))
            .count();
        assert_eq!(rows, f.triaged.len(), "{out}");
        assert!(out.contains('…'), "long cells are cut with an ellipsis");
        // No escape from the input reaches the terminal: only the report's
        // own colour codes, and none at all without colour.
        let bare = out.replace("\u{1b}[", "");
        assert!(!bare.contains('\u{1b}'));
        if !color {
            assert!(!out.contains('\u{1b}'));
        }
    }
}

#[test]
fn table_counts_every_class() {
    let f = journal_cases();
    let out = table(&f.report(), false);
    assert!(out.contains(
        "6 failures in 7 runs: 1 flake, 1 recipe-defect, 1 stale-overlay, 1 routing-collision, 1 harness,"
    ), "{out}");
    assert!(out.contains("1 unknown"));
    assert!(out.contains("1 warning while reading"));
    assert_fits(&out, "table");
}

// ---------------------------------------------------------------- markdown

#[test]
fn markdown_structure_is_balanced_and_complete() {
    let f = journal_cases();
    let md = markdown(&f.report());
    assert_balanced(&md);
    let shape = md_shape(&md);
    assert_only_own_html(&shape);
    assert!(shape.links.is_empty(), "{:?}", shape.links);
    // One <details> per class present, each failure a heading, the diff in
    // its own block, and the closing line outside every block.
    assert_eq!(md.matches("\n<details>\n").count(), 6);
    assert_eq!(shape.headings, 1 + 6);
    assert!(
        shape
            .code_blocks
            .iter()
            .any(|b| b.contains("+      backupbot.restore.post-hook"))
    );
    assert!(
        shape
            .code_blocks
            .iter()
            .any(|b| b.starts_with("ccci-triage check "))
    );
    assert!(shape.text.contains(ccci_triage::TOOL));
    assert!(md.contains("```diff\n"));
    assert!(md.contains("```shell\n"));
}

#[test]
fn markdown_keeps_hostile_text_inert() {
    let f = hostile_fixture();
    let md = markdown(&f.report());
    assert_balanced(&md);
    let shape = md_shape(&md);
    assert_only_own_html(&shape);
    assert!(
        !shape
            .links
            .iter()
            .any(|l| l.to_ascii_lowercase().contains("javascript")),
        "{:?}",
        shape.links
    );
    assert!(
        shape.links.is_empty(),
        "no link of any kind: {:?}",
        shape.links
    );
    // The hostile text is shown, whole, inside code blocks...
    let message_block = shape
        .code_blocks
        .iter()
        .find(|b| b.contains("<script>alert(1)</script>"))
        .expect("the message is shown in a code block");
    assert!(message_block.contains("</details>"));
    assert!(message_block.contains("```"));
    // ...and inline, as text (escaped, not markup).
    assert!(
        shape.text.contains("<script>alert(1)</script>"),
        "{}",
        shape.text
    );
    // Only the report's own headings: one title and one per failure, none
    // from the `# heading` line in the input.
    assert_eq!(shape.headings, 1 + f.triaged.len());
    // The footer is still outside every block: nothing swallowed the rest.
    assert!(shape.text.contains(ccci_triage::TOOL));
    // No mention and no bare link pattern survives inline.
    let outside: String = shape.text.clone();
    assert!(!outside.contains("@admin"));
    assert!(!outside.contains("javascript:"));
    assert!(!outside.contains("www.evil"));
}

#[test]
fn markdown_stays_under_the_cap_with_500_failures() {
    let base = journal_cases();
    let mut f = journal_cases();
    f.triaged.clear();
    for i in 0..500 {
        let mut t = base.triaged[i % base.triaged.len()].clone();
        t.failure.test = Some(format!("tests/_generic/test_restore.py::test_number_{i}"));
        t.verdict.cause = format!("cause {i}: {}", "long explanation ".repeat(30));
        t.verdict
            .evidence
            .push(Evidence::new(format!("log:{i}"), "line\n".repeat(200)));
        f.triaged.push(t);
    }
    let md = markdown(&f.report());
    assert!(md.len() <= MARKDOWN_LIMIT, "{} bytes", md.len());
    assert!(md.chars().count() < 60_000);
    assert_balanced(&md);
    let shape = md_shape(&md);
    assert_only_own_html(&shape);
    let shown = shape.headings - 1;
    assert!(shown > 0 && shown < 500, "{shown} shown");
    let note = format!("{} more failures not shown", 500 - shown);
    assert!(shape.text.contains(&note), "expected {note:?}");
    // The title still counts all 500.
    assert!(md.starts_with("## ccci-triage: 500 failures in 7 runs"));
}

#[test]
fn markdown_clips_one_giant_failure_instead_of_dropping_it() {
    let mut f = journal_cases();
    f.triaged.truncate(1);
    let huge = "é".repeat(500_000);
    f.triaged[0].failure.message = huge.clone();
    f.triaged[0].verdict.evidence = vec![Evidence::new("big.log:1", huge.clone()); 40];
    f.triaged[0].verdict.diff = Some(huge.clone());
    f.triaged[0].verdict.cause = huge;
    let md = markdown(&f.report());
    assert!(md.len() <= MARKDOWN_LIMIT, "{} bytes", md.len());
    assert!(!md.contains("not shown**"), "the one failure is shown");
    assert!(md.contains("clipped"));
    assert_balanced(&md);
}

// ---------------------------------------------------------------- json

const RUN_KEYS: [&str; 7] = [
    "run_id",
    "recipe",
    "version",
    "started",
    "finished",
    "overlapping",
    "path",
];
const FAILURE_KEYS: [&str; 15] = [
    "run_id",
    "recipe",
    "tag",
    "tier",
    "test",
    "message",
    "class",
    "confidence",
    "cause",
    "rule",
    "evidence",
    "ruled_out",
    "fix",
    "next",
    "rung",
];

/// Keys of a JSON object in the order they are written, read from the
/// pretty-printed text at one indentation.
fn keys_in_order(text: &str, indent: usize) -> Vec<String> {
    let prefix = format!("{}\"", " ".repeat(indent));
    text.lines()
        .filter(|l| l.starts_with(&prefix) && !l[indent + 1..].starts_with(' '))
        .filter_map(|l| l[indent + 1..].split('"').next().map(String::from))
        .collect()
}

fn is_rfc3339_second(s: &str) -> bool {
    s.len() == 20 && s.ends_with('Z') && s.parse::<Timestamp>().is_ok() && &s[10..11] == "T"
}

#[test]
fn json_follows_the_interface() {
    let f = journal_cases();
    let text = json(&f.report());
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();

    assert_eq!(
        keys_in_order(&text, 2),
        [
            "schema_version",
            "tool",
            "inputs",
            "runs",
            "failures",
            "warnings"
        ]
    );
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["tool"], ccci_triage::TOOL);
    assert_eq!(v["inputs"], serde_json::json!(["/var/lib/cc-ci-runs"]));
    assert_eq!(v["warnings"].as_array().unwrap().len(), 1);

    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 7);
    assert_eq!(keys_in_order(&text, 6)[..7], RUN_KEYS);
    for r in runs {
        let obj = r.as_object().unwrap();
        assert_eq!(obj.len(), RUN_KEYS.len());
        for k in RUN_KEYS {
            assert!(obj.contains_key(k), "run lacks {k}");
        }
        assert!(r["run_id"].is_string() && r["path"].is_string());
        assert!(r["recipe"].is_string() || r["recipe"].is_null());
        for k in ["started", "finished"] {
            let t = &r[k];
            assert!(
                t.is_null() || is_rfc3339_second(t.as_str().unwrap()),
                "{k}: {t}"
            );
        }
        assert!(
            r["overlapping"]
                .as_array()
                .unwrap()
                .iter()
                .all(|x| x.is_string())
        );
    }
    assert_eq!(runs[1]["started"], "2026-06-14T03:41:07Z");
    assert_eq!(
        runs[2]["overlapping"],
        serde_json::json!(["sweep-20260614-gitea", "sweep-20260614-immich"])
    );

    let failures = v["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 6);
    let tiers = [
        "install", "upgrade", "backup", "restore", "custom", "promote", "lint", "run",
    ];
    let classes = [
        "flake",
        "recipe-defect",
        "stale-overlay",
        "routing-collision",
        "harness",
        "unknown",
    ];
    for f in failures {
        let obj = f.as_object().unwrap();
        assert_eq!(obj.len(), FAILURE_KEYS.len());
        for k in FAILURE_KEYS {
            assert!(obj.contains_key(k), "failure lacks {k}");
        }
        for k in ["run_id", "message", "cause", "fix", "next", "rung"] {
            assert!(f[k].is_string(), "{k}");
        }
        for k in ["recipe", "tag", "test", "rule"] {
            assert!(f[k].is_string() || f[k].is_null(), "{k}");
        }
        assert!(tiers.contains(&f["tier"].as_str().unwrap()));
        assert!(classes.contains(&f["class"].as_str().unwrap()));
        assert!(["confirmed", "likely", "suspected"].contains(&f["confidence"].as_str().unwrap()));
        for e in f["evidence"].as_array().unwrap() {
            let e = e.as_object().unwrap();
            assert_eq!(e.keys().collect::<Vec<_>>(), ["source", "text"]);
            assert!(e["source"].is_string() && e["text"].is_string());
        }
        for r in f["ruled_out"].as_array().unwrap() {
            let r = r.as_object().unwrap();
            assert_eq!(r.keys().collect::<Vec<_>>(), ["class", "why"]);
            assert!(classes.contains(&r["class"].as_str().unwrap()));
        }
    }
    // Field order of a failure, as the spec lists it, rung last.
    let order = keys_in_order(&text, 6);
    let start = order.iter().position(|k| k == "tag").unwrap() - 2;
    assert_eq!(order[start..start + 15], FAILURE_KEYS);

    assert_eq!(failures[3]["test"], serde_json::Value::Null);
    assert_eq!(failures[3]["tier"], "promote");
    assert_eq!(failures[1]["class"], "recipe-defect");
    assert_eq!(failures[1]["rule"], "backup.restore-replays-no-dump");
    assert_eq!(failures[5]["rule"], serde_json::Value::Null);
}

/// The JSON example in `shared/spec/interface.md`, when the shared
/// directory is beside the clone (`../shared`) or beside the worktrees
/// (`../../shared`). Missing: skipped, unless CI=true.
fn spec_example() -> Option<serde_json::Value> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let spec = [root.join("../shared"), root.join("../../shared")]
        .into_iter()
        .map(|d| d.join("spec/interface.md"))
        .find(|p| p.is_file());
    let Some(spec) = spec else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "shared/spec/interface.md not found beside the clone"
        );
        eprintln!("skipped: shared/spec/interface.md not found");
        return None;
    };
    let text = std::fs::read_to_string(&spec).unwrap();
    let start = text.find("```json\n").expect("a ```json block") + "```json\n".len();
    let end = start + text[start..].find("\n```").expect("its end");
    Some(serde_json::from_str(&text[start..end]).expect("the example parses"))
}

fn keys(v: &serde_json::Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

/// Same JSON type, where null stands for "string or null" (the spec's
/// example fills every nullable field).
fn same_type(ours: &serde_json::Value, spec: &serde_json::Value) -> bool {
    use serde_json::Value::*;
    matches!(
        (ours, spec),
        (Null, String(_))
            | (String(_), String(_))
            | (Number(_), Number(_))
            | (Array(_), Array(_))
            | (Object(_), Object(_))
            | (Bool(_), Bool(_))
    )
}

#[test]
fn json_matches_the_example_in_the_spec() {
    let Some(spec) = spec_example() else { return };
    let f = journal_cases();
    let ours: serde_json::Value = serde_json::from_str(&json(&f.report())).unwrap();

    let pairs = [
        (&ours, &spec, "top level"),
        (&ours["runs"][0], &spec["runs"][0], "run"),
        (
            &ours["failures"][0]["evidence"][0],
            &spec["failures"][0]["evidence"][0],
            "evidence",
        ),
        (
            &ours["failures"][0]["ruled_out"][0],
            &spec["failures"][0]["ruled_out"][0],
            "ruled_out",
        ),
    ];
    for (o, s, what) in pairs {
        assert_eq!(keys(o), keys(s), "{what}");
        for k in keys(s) {
            assert!(
                same_type(&o[&k], &s[&k]),
                "{what}.{k}: {} vs {}",
                o[&k],
                s[&k]
            );
        }
    }
    // A failure has the spec's fields plus `rung`.
    let mut expected = keys(&spec["failures"][0]);
    expected.push("rung".into());
    expected.sort();
    for failure in ours["failures"].as_array().unwrap() {
        assert_eq!(keys(failure), expected);
        for k in keys(&spec["failures"][0]) {
            assert!(
                same_type(&failure[&k], &spec["failures"][0][&k]),
                "failure.{k}"
            );
        }
    }
    assert_eq!(ours["schema_version"], spec["schema_version"]);
}

#[test]
fn json_keeps_hostile_text_exact() {
    let f = hostile_fixture();
    let v: serde_json::Value = serde_json::from_str(&json(&f.report())).unwrap();
    assert_eq!(v["failures"][0]["message"], HOSTILE);
}

// ---------------------------------------------------------------- journal

#[test]
fn journal_has_one_entry_per_failing_run_in_the_journal_voice() {
    let f = journal_cases();
    let out = journal(&f.report(), "M1", now());
    let headings: Vec<&str> = out.lines().filter(|l| l.starts_with("## ")).collect();
    assert_eq!(headings.len(), 6, "{out}");
    assert_eq!(
        headings[1],
        "## 2026-06-18T00:05Z — M1: mattermost-lts isolation run — DETERMINISTIC restore failure \
         (recipe defect): postgres restore replays no dump: no `backupbot.restore.pos…"
    );
    assert!(out.contains(
        "RESULT: **install PASS, upgrade PASS, backup PASS, restore FAIL, custom PASS**"
    ));
    assert!(out.contains("upgrade EXPECTED_NA"));
    assert!(out.contains("Classification: **recipe-defect** (confirmed)"));
    assert!(out.contains("NOT a flake: fails the same way alone"));
    assert!(headings[2].contains("mumble sweep run"));
    assert!(headings[4].contains("SUSPECTED CI MACHINERY"));
}

#[test]
fn journal_text_from_logs_cannot_forge_an_entry() {
    let f = hostile_fixture();
    let out = journal(&f.report(), "M1", now());
    let headings = out.lines().filter(|l| l.starts_with('#')).count();
    assert_eq!(headings, 6, "{out}");
}

#[test]
fn append_journal_keeps_existing_bytes_and_adds_a_newline_only_when_needed() {
    let dir = tempfile::tempdir().unwrap();
    let entries = "## 2026-06-18T00:05Z — M1: x isolation run — y\n\nbody\n";

    // A file that does not end with a newline gets exactly one.
    let path = dir.path().join("JOURNAL.md");
    let before = "# JOURNAL\n\n## old entry\ntext without newline";
    std::fs::write(&path, before).unwrap();
    append_journal(&path, entries).unwrap();
    let after = std::fs::read_to_string(&path).unwrap();
    assert!(after.starts_with(before));
    assert_eq!(&after[before.len()..], format!("\n{entries}"));

    // A file that ends with one gets none; a second append goes after the
    // first.
    let path = dir.path().join("ends-with-newline.md");
    std::fs::write(&path, "line\n").unwrap();
    append_journal(&path, entries).unwrap();
    append_journal(&path, "second\n").unwrap();
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        format!("line\n{entries}second\n")
    );

    // A missing or empty file starts with the entries themselves.
    let path = dir.path().join("new.md");
    append_journal(&path, entries).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), entries);

    // Nothing to append leaves the file alone.
    let path = dir.path().join("untouched.md");
    std::fs::write(&path, "no newline").unwrap();
    append_journal(&path, "").unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "no newline");

    // Non-UTF-8 bytes already in the file are kept as they are.
    let path = dir.path().join("binary.md");
    let raw = [0xff, 0xfe, b'x'];
    std::fs::write(&path, raw).unwrap();
    append_journal(&path, entries).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[..3], raw);
    assert_eq!(&bytes[3..], format!("\n{entries}").as_bytes());
}

#[test]
fn append_journal_reports_an_unwritable_path() {
    let dir = tempfile::tempdir().unwrap();
    let err = append_journal(&dir.path().join("no/such/dir/J.md"), "x\n").unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
}

// ---------------------------------------------------------------- explain

#[test]
fn explain_shows_every_rung_signal_and_evidence() {
    let f = journal_cases();
    let out = explain(&f.report(), "753", Some("test_restore_returns_state")).unwrap();
    for rung in &f.triaged[1].verdict.trail {
        assert!(
            out.contains(&rung.rung) && out.contains(&rung.outcome),
            "{}",
            rung.rung
        );
    }
    assert!(out.contains("postgres.relation-missing"));
    assert!(out.contains("restore__generic__test_restore.xml:12"));
    for e in &f.triaged[1].verdict.evidence {
        assert!(out.contains(&e.source), "{}", e.source);
    }
    assert!(out.contains("recipe-defect (confirmed)"));
    assert!(out.contains("not flake: fails the same way alone"));
    assert!(out.contains("+      backupbot.restore.post-hook"));
    assert_fits(&out, "explain");
}

#[test]
fn explain_matches_tests_exactly_or_by_unique_part() {
    let f = journal_cases();
    let r = f.report();
    let full = "tests/_generic/test_restore.py::test_restore_returns_state";
    assert!(explain(&r, "753", Some(full)).is_ok());
    assert!(explain(&r, "753", Some("returns_state")).is_ok());
    let err = explain(&r, "753", Some("no_such_test")).unwrap_err();
    assert!(err.contains(full), "lists the run's failures: {err}");
}

#[test]
fn explain_refuses_an_ambiguous_part() {
    let mut f = journal_cases();
    let mut second = f.triaged[1].clone();
    second.failure.test = Some("tests/_generic/test_restore.py::test_restore_keeps_files".into());
    f.triaged.push(second);
    let r = f.report();
    let err = explain(&r, "753", Some("test_restore")).unwrap_err();
    assert!(err.contains("matches 2 failures"), "{err}");
    assert!(err.contains("test_restore_keeps_files") && err.contains("test_restore_returns_state"));
    // Without a test, both are explained.
    let out = explain(&r, "753", None).unwrap();
    assert!(out.contains("failure 1 of 2") && out.contains("failure 2 of 2"));
}

#[test]
fn explain_lists_close_run_ids_for_a_typo() {
    let f = journal_cases();
    let err = explain(&f.report(), "m2r-bluesky", None).unwrap_err();
    assert!(err.starts_with("no run `m2r-bluesky`"), "{err}");
    assert!(err.contains("closest: m2r-bluesky-pds"), "{err}");
    let err = explain(&f.report(), "735", None).unwrap_err();
    assert!(err.contains("753"), "{err}");
}

#[test]
fn explain_a_green_run_says_it_has_no_failures() {
    let f = journal_cases();
    let out = explain(&f.report(), "756", None).unwrap();
    assert!(out.contains("no failures in this run"), "{out}");
}

#[test]
fn explain_fits_100_columns_on_long_input() {
    let mut f = journal_cases();
    let t = &mut f.triaged[1];
    t.verdict.cause = "word ".repeat(100) + &"x".repeat(400);
    t.verdict
        .evidence
        .push(Evidence::new("s".repeat(300), "y".repeat(500)));
    t.failure.detail = Some(format!("{}\n{}", "z".repeat(350), "\u{1b}[31mred\u{1b}[0m"));
    t.verdict
        .trail
        .push(rung(&"r".repeat(60), "decided", &"note ".repeat(60)));
    let out = explain(&f.report(), "753", None).unwrap();
    assert_fits(&out, "explain");
    assert!(!out.contains('\u{1b}'));
}

#[test]
fn tier_results_prefer_the_record_and_name_expected_na() {
    let f = journal_cases();
    let bluesky = &f.runs[3];
    assert_eq!(
        report::tier_line(bluesky).unwrap(),
        "install PASS, upgrade EXPECTED_NA, backup PASS, restore PASS, custom PASS"
    );
    // From the console when there is no record.
    assert_eq!(
        report::tier_line(&f.runs[2]).unwrap(),
        "install PASS, upgrade PASS, backup PASS, restore PASS, custom FAIL"
    );
    assert!(report::tier_line(&f.runs[4]).is_none());
}
