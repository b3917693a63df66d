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

use std::path::{Path, PathBuf};

use ccci_triage::model::{
    Captures, Class, Confidence, Evidence, Fact, FactKind, Failure, Loc, Place, Record, Role,
    RuledOut, Run, RunKind, Rung, RungTrace, Source, Span, Step, TestSource, Tier, TierResult,
    TierStatus, Triaged, Verdict, Warning,
};
use ccci_triage::report::explain::explain;
use ccci_triage::report::journal::{append, journal};
use ccci_triage::report::json::json;
use ccci_triage::report::markdown::{MARKDOWN_LIMIT, MARKER, markdown};
use ccci_triage::report::table::table;
use ccci_triage::report::{self, ConsoleNote, Report, Style};
use jiff::Timestamp;
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use unicode_width::UnicodeWidthStr;

// ---------------------------------------------------------------- fixtures

/// The width the interface gives a table when stdout is not a terminal
/// and `COLUMNS` is unset; `explain` wraps its prose to the same.
const WIDTH: usize = 100;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn run(id: &str, recipe: &str, version: &str, kind: RunKind, span: (&str, &str)) -> Run {
    let mut r = Run::new(id, format!("/var/lib/cc-ci-runs/{id}"));
    r.recipe = Some(recipe.into());
    r.version = Some(version.into());
    r.kind = kind;
    r.span = Span {
        started: Some(ts(span.0)),
        finished: Some(ts(span.1)),
    };
    r.end.rc = Some(1);
    r
}

/// Tier results as results.json gives them, read from `origin`.
fn tiers(run: &mut Run, origin: &Path, results: &[(Tier, TierStatus)]) {
    for (tier, status) in results {
        run.tiers.insert(
            *tier,
            TierResult {
                status: *status,
                origin: Loc::new(origin, None),
            },
        );
    }
}

/// A results.json for the run, with its tier results.
fn record(run: &mut Run, results: &[(Tier, TierStatus)]) {
    let path = run.path.join("results.json");
    run.record = Some(Box::new(Record {
        path: path.clone(),
        schema: 2,
        level: None,
        run_id: Some(run.id.clone()),
    }));
    tiers(run, &path, results);
}

fn rung(rung: Rung, step: Step, note: &str) -> RungTrace {
    RungTrace {
        rung,
        step,
        note: note.into(),
    }
}

fn ruled(class: Class, why: &str) -> RuledOut {
    RuledOut {
        class,
        why: why.into(),
    }
}

/// A rule's match on a line of a failure's own output.
fn sign(rule: &str, role: Role, loc: Loc, text: &str, captures: &[(&str, &str)]) -> Fact {
    Fact::new(
        FactKind::Sign {
            rule: rule.into(),
            role,
            place: Place::Message,
            captures: captures
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<Captures>(),
            summary: "".into(),
            fix: None,
        },
        Source::File(loc),
        text,
    )
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
        lines: vec![Evidence::at(&loc, message)],
        loc,
    }
}

struct Fixture {
    runs: Vec<Run>,
    triaged: Vec<Triaged>,
    warnings: Vec<Warning>,
    other_warnings: usize,
    consoles: Vec<ConsoleNote>,
}

impl Fixture {
    fn report(&self) -> Report<'_> {
        Report {
            inputs: vec!["/var/lib/cc-ci-runs".into()],
            scope: "every run under /var/lib/cc-ci-runs".into(),
            runs: &self.runs,
            triaged: &self.triaged,
            warnings: &self.warnings,
            other_warnings: self.other_warnings,
            consoles: &self.consoles,
            sweeps: &[],
            roots: vec![PathBuf::from("/var/lib/cc-ci-runs")],
            rerun: String::new(),
        }
    }
}

/// The journal's four cases, a harness failure and an unknown one.
fn journal_cases() -> Fixture {
    use Tier::{Backup, Custom, Install, Restore, Upgrade};
    use TierStatus::{Fail, Pass, Skip};

    // discourse: stale overlay, run alone.
    let mut discourse = run(
        "manual-discourse",
        "discourse",
        "0.8.1+3.5.0",
        RunKind::Manual,
        ("2026-06-17T23:22:10Z", "2026-06-17T23:38:44Z"),
    );
    record(
        &mut discourse,
        &[
            (Install, Pass),
            (Upgrade, Fail),
            (Backup, Pass),
            (Restore, Pass),
            (Custom, Pass),
        ],
    );
    let junit = discourse
        .path
        .join("junit/upgrade__cc-ci__test_upgrade.xml");
    let stale = Triaged {
        failure: failure(
            &discourse,
            Tier::Upgrade,
            Some("tests/discourse/test_upgrade.py::test_head_runs_official_image_not_bitnamilegacy"),
            TestSource::CcCi,
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
            rung: Rung::StaleOverlay,
            diff: None,
            trail: vec![
                rung(Rung::StaleOverlay, Step::Decided, "expected `discourse/discourse:3.5.3` appears in no tag and not on main"),
                rung(Rung::Flake, Step::Passed, "no green run of discourse 0.8.1+3.5.0 to compare with"),
            ],
        },
        // The rule's match on the failure's own line, a fact of kind sign.
        facts: vec![sign(
            "pytest.assert-image",
            Role::Assertion,
            Loc::new(&junit, Some(7)),
            "AssertionError: expected image discourse/discourse:3.5.3, got bitnamilegacy/discourse:3.5.0",
            &[("expected", "discourse/discourse:3.5.3")],
        )],
    };

    // mattermost-lts: recipe defect, reproduces alone.
    let mut mattermost = run(
        "753",
        "mattermost-lts",
        "2.1.9+10.11.15",
        RunKind::Drone,
        ("2026-06-14T03:41:07Z", "2026-06-14T04:02:51Z"),
    );
    record(
        &mut mattermost,
        &[
            (Install, Pass),
            (Upgrade, Pass),
            (Backup, Pass),
            (Restore, Fail),
            (Custom, Pass),
        ],
    );
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
            rung: Rung::BackupRoundTrip,
            diff: Some(
                "--- a/compose.yml\n+++ b/compose.yml\n@@ -40,3 +40,4 @@\n       backupbot.backup.pre-hook: \"/pg_backup.sh backup\"\n-      backupbot.backup.path: \"/var/lib/postgresql/data/\"\n+      backupbot.backup.path: \"backup.sql\"\n+      backupbot.restore.post-hook: \"/pg_backup.sh restore\"\n".into(),
            ),
            trail: vec![
                rung(Rung::StaleOverlay, Step::Skipped, "not an overlay test"),
                rung(Rung::BackupRoundTrip, Step::Decided, "service postgres: backup pre-hook writes a dump, no restore post-hook replays it"),
                rung(Rung::Flake, Step::Passed, "no other run of mattermost-lts 2.1.9+10.11.15"),
            ],
        },
        facts: vec![sign(
            "postgres.relation-missing",
            Role::DataLost,
            Loc::new(&junit, Some(12)),
            "psycopg2.errors.UndefinedTable: relation \"ci_marker\" does not exist",
            &[("relation", "ci_marker")],
        )],
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
    // No results.json: the tier results come from the console.
    let mumble_console = mumble.path.join("console.log");
    tiers(
        &mut mumble,
        &mumble_console,
        &[
            (Install, Pass),
            (Upgrade, Pass),
            (Backup, Pass),
            (Restore, Pass),
            (Custom, Fail),
        ],
    );
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
                TestSource::RepoLocal,
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
            rung: Rung::Flake,
            diff: None,
            trail: vec![rung(Rung::Flake, Step::Decided, "red under load (2 overlapping runs), green in isolation run m2r-mumble")],
        },
        facts: vec![],
    };

    // bluesky-pds: routing collision on the warm promote.
    let mut bluesky = run(
        "m2r-bluesky-pds",
        "bluesky-pds",
        "0.3.0+v0.4.219",
        RunKind::Manual,
        ("2026-06-18T00:20:00Z", "2026-06-18T00:44:10Z"),
    );
    record(
        &mut bluesky,
        &[
            (Install, Pass),
            (Upgrade, Skip),
            (Backup, Pass),
            (Restore, Pass),
            (Custom, Pass),
        ],
    );
    bluesky
        .expected_na
        .insert(Tier::Upgrade, "moving pds:0.4 tag".into());
    let console = PathBuf::from("/var/lib/cc-ci-runs/m2r-bluesky-pds.console.log");
    let routing = Triaged {
        failure: Failure {
            lines: vec![],
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
            rung: Rung::Routing,
            diff: None,
            trail: vec![
                // The rungs are an enum now: the old `probe` trace is the
                // routing rung's note, and `cross-run` is the flake rung.
                rung(Rung::HarnessSignature, Step::Passed, "no harness signature near the promote"),
                rung(Rung::Routing, Step::Decided, "Caddyfile reaches `app:3000`; app is on the internal network only (--probe not given)"),
                rung(Rung::Flake, Step::NotReached, "cold stack green in the same run"),
            ],
        },
        facts: vec![],
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
            rule: Some("harness.disk-full".into()),
            evidence: vec![Evidence::at(&Loc::new(&gitea_console, Some(41)), "OSError: [Errno 28] No space left on device")],
            ruled_out: vec![],
            fix: "harness change: free space on the node (docker system prune of old images) before the sweep".into(),
            next: "df -h /var/lib/docker".into(),
            rung: Rung::HarnessSignature,
            diff: None,
            trail: vec![rung(Rung::HarnessSignature, Step::Decided, "harness.disk-full matched console line 41")],
        },
        facts: vec![],
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
            rung: Rung::Unknown,
            diff: None,
            trail: vec![
                rung(Rung::HarnessSignature, Step::Passed, "no rule matched"),
                rung(Rung::Flake, Step::Passed, "no other run of immich 1.9.0+v1.135.3"),
                rung(Rung::Unknown, Step::Decided, "candidates: flake (5xx while converging), recipe-defect (crash loop)"),
            ],
        },
        facts: vec![],
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
        warnings: vec![Warning {
            subject: "/var/lib/cc-ci-runs/754/junit/upgrade__cc-ci__test_upgrade.xml".into(),
            problem: "truncated at byte 4096".into(),
            run: Some("754".into()),
        }],
        // Warnings about runs not reported are only counted.
        other_warnings: 2,
        consoles: vec![ConsoleNote {
            path: PathBuf::from("/var/lib/cc-ci-runs/m2r-bluesky-pds.console.log"),
            run: Some("m2r-bluesky-pds".into()),
            why: "run id in line 3".into(),
        }],
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
        t.failure.lines = vec![Evidence::new(HOSTILE, HOSTILE)];
        t.verdict.cause = HOSTILE.into();
        t.verdict.fix = HOSTILE.into();
        t.verdict.next = HOSTILE.into();
        t.verdict.rule = Some(HOSTILE.into());
        // `rung` is an enum now: no text from a log can reach it.
        t.verdict.reproducibility = HOSTILE.into();
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

/// A `$ ` line: a command to paste, never wrapped, so the one kind of
/// line allowed to be wider than the terminal.
fn is_command(line: &str) -> bool {
    line.trim_start().starts_with("$ ")
}

/// Every line but a command line fits `width` display columns.
fn assert_fits(text: &str, width: usize, what: &str) {
    for line in strip_ansi(text).lines() {
        if is_command(line) {
            continue;
        }
        assert!(
            UnicodeWidthStr::width(line) <= width,
            "{what}: line of {} columns (at most {width}):\n{line}",
            UnicodeWidthStr::width(line)
        );
    }
}

/// `explain`'s width rule: prose fits `width`; what is meant to be
/// copied is never wrapped and may be wider: a `$ ` command, a line
/// quoted from a run (`| `), a source (`[path:line]`, a fact's line under
/// `facts (`), and a word longer than a line (a path, a test id), which
/// stands whole on its own line.
fn assert_explain_fits(text: &str, width: usize) {
    let mut in_facts = false;
    for line in strip_ansi(text).lines() {
        if line.starts_with("facts (") {
            in_facts = true;
        } else if line.starts_with("evidence (") || line.starts_with("===") {
            in_facts = false;
        }
        let t = line.trim_start();
        let copied = is_command(line)
            || t.starts_with("| ")
            || t == "|"
            || t.starts_with('[')
            || line.starts_with("===")
            || (in_facts && line.starts_with("  ") && !line.starts_with("   "));
        let one_word = {
            let rest = t.split_once(": ").map_or(t, |(_, r)| r.trim_start());
            !rest.contains(' ')
        };
        if copied || one_word {
            continue;
        }
        assert!(
            UnicodeWidthStr::width(line) <= width,
            "explain: line of {} columns (at most {width}):\n{line}",
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

/// The raw HTML of a document is only what the report writes itself: the
/// marker comment, `<details>`/`<summary>` and the footer's `<sub>`.
/// (Changed on purpose: the old report wrote `<b>` in each summary and no
/// marker or `<sub>`.)
fn assert_only_own_html(shape: &MdShape) {
    let mut rest = shape.html.concat();
    for tag in [
        MARKER,
        "<details>",
        "</details>",
        "<summary>",
        "</summary>",
        "<sub>",
        "</sub>",
    ] {
        rest = rest.replace(tag, "");
    }
    assert!(
        !rest.contains('<'),
        "raw HTML from input: {rest:?}\nall: {:?}",
        shape.html
    );
}

/// `s` with every run of whitespace as one space: text as read, whatever
/// the wrapping.
fn words(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Every raw HTML event of a document, block or inline.
fn html_events(md: &str) -> Vec<String> {
    Parser::new_ext(md, md_options())
        .filter_map(|e| match e {
            Event::Html(h) | Event::InlineHtml(h) => Some(h.to_string()),
            _ => None,
        })
        .collect()
}

/// The numbered rows of the table itself (above the first blank line):
/// lines whose first cell, the `#` column, holds a number.
fn numbered_rows(table_text: &str) -> Vec<String> {
    strip_ansi(table_text)
        .lines()
        .take_while(|l| !l.is_empty())
        .filter(|l| l.starts_with(' '))
        .filter(|l| {
            l.split_whitespace()
                .next()
                .is_some_and(|w| w.chars().all(|c| c.is_ascii_digit()))
        })
        .map(String::from)
        .collect()
}

/// The numbered causes below the table: `  1. flake (confirmed)`.
fn numbered_causes(table_text: &str) -> Vec<String> {
    strip_ansi(table_text)
        .lines()
        .filter(|l| {
            let t = l.trim_start();
            let digits = t.chars().take_while(char::is_ascii_digit).count();
            digits > 0 && t[digits..].starts_with(". ") && l.len() - t.len() <= 3
        })
        .map(String::from)
        .collect()
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

fn plain() -> Style {
    Style::plain(WIDTH)
}

fn color() -> Style {
    Style {
        color: true,
        width: WIDTH,
    }
}

#[test]
fn snapshot_table() {
    let f = journal_cases();
    insta::assert_snapshot!("table", table(&f.report(), plain()));
}

#[test]
fn snapshot_table_80() {
    let f = journal_cases();
    insta::assert_snapshot!("table_80", table(&f.report(), Style::plain(80)));
}

#[test]
fn snapshot_table_color() {
    let f = journal_cases();
    // ESC shown as ␛ so the snapshot is readable.
    let colored = table(&f.report(), color()).replace('\u{1b}', "␛");
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
    f.other_warnings = 0;
    f.consoles.clear();
    let r = f.report();
    insta::assert_snapshot!(
        "no_failures",
        redact(format!(
            "--- table\n{}--- markdown\n{}--- journal\n{}",
            table(&r, plain()),
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
    let out = table(&f.report(), plain());
    // Changed on purpose: the scope and the consoles placed come first,
    // and the warnings line counts those about runs not reported apart.
    assert!(
        out.starts_with("every run under /var/lib/cc-ci-runs\n"),
        "{out}"
    );
    assert!(out.contains("\nno failures in 7 runs\n"), "{out}");
    // Changed on purpose: the warnings are counted on stderr, after the
    // report (the binary's `Ctx::warn`), not in the table.
    assert!(!out.contains("warning"), "{out}");
}

#[test]
fn table_fits_80_and_100_columns_on_long_input() {
    let mut f = journal_cases();
    let long = "x".repeat(300);
    for (i, t) in f.triaged.iter_mut().enumerate() {
        // Changed on purpose: run ids are never cut now (an operator types
        // them again), so they are as long as real ones get; the old test's
        // 160-column ids cannot fit any terminal uncut.
        t.failure.run_id = format!("manual-very-long-run-name-{i}");
        t.failure.recipe = Some(format!("recipe-{}", "with-a-long-name-".repeat(6)));
        t.failure.test = Some(format!("tests/{long}.py::Class::test_{long}"));
        t.verdict.cause = format!(
            "日本語のテスト 🚀 {} {long} \u{1b}[31mred\u{1b}[0m\tand\nnewline",
            "cause ".repeat(60)
        );
        t.verdict.fix = format!("{} {long}", "fix ".repeat(30));
    }
    let causes = report::groups(&f.triaged).len();
    assert_eq!(causes, f.triaged.len());
    for width in [80, 100] {
        for color in [false, true] {
            let out = table(&f.report(), Style { color, width });
            // Only the `$ ` command lines may be wider than the terminal.
            assert_fits(&out, width, &format!("table at {width}"));
            // Changed on purpose: a row is one per cause and its cells wrap
            // (the old table cut every cell to keep each failure on one
            // line); each cause still has exactly one numbered row, and one
            // numbered entry under the table.
            assert_eq!(numbered_rows(&out).len(), causes, "{out}");
            assert_eq!(numbered_causes(&out).len(), causes, "{out}");
            // The command that opens each cause is whole, on one line.
            let plain_out = strip_ansi(&out);
            for t in &f.triaged {
                let cmd = format!("$ {}", t.failure.explain_command());
                assert!(
                    plain_out.lines().any(|l| l.trim_start() == cmd),
                    "{cmd}\n{out}"
                );
            }
            for t in &f.triaged {
                assert!(plain_out.contains(&t.failure.run_id), "run id cut");
            }
            assert!(out.contains('…'), "long causes are cut with an ellipsis");
            // No escape from the input reaches the terminal: only the
            // report's own colour codes, and none at all without colour.
            assert_only_own_sgr(&out);
            assert!(!out.contains("[31mred"));
            if !color {
                assert!(!out.contains('\u{1b}'));
            }
        }
    }
}

/// Every ESC in `s` starts an SGR sequence (`ESC [ digits;… m`): the
/// report's own colours, nothing from an input.
fn assert_only_own_sgr(s: &str) {
    let mut rest = s;
    while let Some(i) = rest.find('\u{1b}') {
        let seq = &rest[i + 1..];
        let body: String = seq
            .strip_prefix('[')
            .unwrap_or_else(|| panic!("ESC not followed by [: {:?}", &seq[..seq.len().min(20)]))
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == ';')
            .collect();
        assert!(
            seq[1 + body.len()..].starts_with('m'),
            "not an SGR sequence: {:?}",
            &seq[..seq.len().min(20)]
        );
        rest = &seq[1 + body.len() + 1..];
    }
}

#[test]
fn table_keeps_escapes_and_newlines_in_names_out_of_the_terminal() {
    // OSC 52 (writes the clipboard), clear screen, carriage return,
    // backspace and a C1 CSI, then a newline followed by what would look
    // like a row or a numbered cause of its own.
    let evil = "\u{1b}]52;c;aGk=\u{7}\u{1b}[2J\r\u{8}\u{9b}31m";
    let mut f = journal_cases();
    f.triaged.truncate(1);
    let t = &mut f.triaged[0];
    t.failure.run_id = format!("run{evil}-x\n2  harness confirmed  forged");
    t.failure.recipe = Some(format!("recipe{evil}\n3  flake likely  forged"));
    t.failure.test = Some(format!("tests/x.py::test{evil}\n4. unknown (suspected)"));
    for width in [80, 100] {
        for color in [false, true] {
            let out = table(&f.report(), Style { color, width });
            let checked = if color {
                assert_only_own_sgr(&out);
                strip_ansi(&out)
            } else {
                out.clone()
            };
            for b in checked.bytes() {
                assert!(
                    b == b'\n' || (b >= 0x20 && b != 0x7f),
                    "control byte {b:#04x} in:\n{checked:?}"
                );
            }
            assert!(
                !checked.chars().any(|c| ('\u{80}'..='\u{9f}').contains(&c)),
                "C1 control in:\n{checked:?}"
            );
            // The failure is one row and one numbered cause: a newline in
            // a name starts nothing of its own.
            assert_eq!(numbered_rows(&checked).len(), 1, "{checked}");
            assert_eq!(numbered_causes(&checked).len(), 1, "{checked}");
            assert!(
                !checked
                    .lines()
                    .any(|l| l.trim_start().starts_with("2  harness")
                        || l.trim_start().starts_with("3  flake")
                        || l.trim_start().starts_with("4. unknown")),
                "{checked}"
            );
        }
    }
}

#[test]
fn table_counts_every_class() {
    let f = journal_cases();
    for width in [80, 100] {
        let out = table(&f.report(), Style::plain(width));
        // The summary may wrap: read it as one line.
        let words = words(&out);
        // Changed on purpose: the count of causes is given beside the
        // failures, and the warnings line says what -v shows.
        // Changed on purpose: the classes in the rows' order (what to act
        // on first), and the warnings counted on stderr, not here.
        assert!(
            words.contains(
                "6 failures (6 causes) in 7 runs: 1 recipe-defect, 1 stale-overlay, \
                 1 routing-collision, 1 harness, 1 flake, 1 unknown"
            ),
            "{out}"
        );
        assert!(!out.contains("warning"), "{out}");
        assert!(words.contains(
            "console /var/lib/cc-ci-runs/m2r-bluesky-pds.console.log taken for run \
             m2r-bluesky-pds (run id in line 3)"
        ));
        assert_fits(&out, width, "table");
    }
}

#[test]
fn table_rows_are_causes_in_the_order_to_act_on_them() {
    let mut f = journal_cases();
    // The stale overlay red again in a second run: the same cause, one
    // row that counts both and names both runs.
    let mut again = f.triaged[0].clone();
    again.failure.run_id = "manual-discourse-2".into();
    f.triaged.push(again);
    let out = table(&f.report(), plain());
    let causes: Vec<String> = numbered_causes(&out)
        .iter()
        .map(|l| l.trim().to_string())
        .collect();
    // A recipe PR or cc-ci change first (surer first), then the node, then
    // flakes, then unknowns.
    assert_eq!(
        causes,
        [
            "1. stale-overlay (confirmed)",
            "2. recipe-defect (confirmed)",
            "3. routing-collision (likely)",
            "4. harness (suspected)",
            "5. flake (confirmed)",
            "6. unknown (suspected)",
        ],
        "{out}"
    );
    let rows = numbered_rows(&out);
    assert_eq!(rows.len(), 6, "{out}");
    assert!(rows[0].contains("stale-overlay confirmed ×2"), "{out}");
    // Both runs are named in the row (run ids wrap between ids, never
    // inside one).
    let grid = out.split("\n\n").next().unwrap();
    assert!(rows[0].contains(" manual-discourse "), "{out}");
    assert!(
        grid.lines()
            .any(|l| l.split_whitespace().last() == Some("manual-discourse-2")),
        "{out}"
    );
    // Each numbered cause gives the command that opens it, unwrapped.
    assert!(out.contains(
        "$ ccci-triage explain 753 tests/_generic/test_restore.py::test_restore_returns_state\n"
    ));
    assert!(out.contains("$ ccci-triage explain m2r-bluesky-pds promote\n"));
    assert!(out.contains("$ ccci-triage explain 754\n"), "{out}");
}

// ---------------------------------------------------------------- markdown

/// The labels of a Markdown section, in the order they appear.
fn labels(section: &str) -> Vec<&'static str> {
    let all = [
        "**Cause:**",
        "**Seen in:**",
        "**Fix:**",
        "**Proposed change**",
        "<details>",
        "**Evidence:**",
        "**Ruled out:**",
        "**Next:**",
        "</details>",
    ];
    let mut found: Vec<(usize, &'static str)> = all
        .iter()
        .filter_map(|l| section.find(l).map(|i| (i, *l)))
        .collect();
    found.sort();
    found.into_iter().map(|(_, l)| l).collect()
}

#[test]
fn markdown_structure_is_balanced_and_complete() {
    let f = journal_cases();
    let md = markdown(&f.report());
    // The marker first, so a later run edits its own comment.
    assert!(
        md.starts_with(&format!(
            "{MARKER}\n## ccci-triage: 6 recipes — 6 causes in 7 runs\n"
        )),
        "{md}"
    );
    assert_balanced(&md);
    let shape = md_shape(&md);
    assert_only_own_html(&shape);
    assert!(shape.links.is_empty(), "{:?}", shape.links);
    // Changed on purpose: one section per cause (`### N. class
    // (confidence)`) with one <details> each, instead of one <details> per
    // class with a heading per failure.
    assert_eq!(md.matches("\n<details>\n").count(), 6);
    assert_eq!(shape.headings, 1 + 6);
    let sections: Vec<&str> = md.split("\n### ").skip(1).collect();
    let heads: Vec<&str> = sections.iter().map(|s| s.lines().next().unwrap()).collect();
    assert_eq!(
        heads,
        [
            "1. stale-overlay (confirmed)",
            "2. recipe-defect (confirmed)",
            "3. routing-collision (likely)",
            "4. harness (suspected)",
            "5. flake (confirmed)",
            "6. unknown (suspected)",
        ]
    );
    // Cause, where seen and the fix in the open, the patch after the fix;
    // evidence, what was ruled out and the next step collapsed.
    for s in &sections {
        let got = labels(s);
        let mut want = vec!["**Cause:**", "**Seen in:**", "**Fix:**"];
        if s.contains("```diff") {
            want.push("**Proposed change**");
        }
        want.push("<details>");
        if s.contains("**Evidence:**") {
            want.push("**Evidence:**");
        }
        if s.contains("**Ruled out:**") {
            want.push("**Ruled out:**");
        }
        want.extend(["**Next:**", "</details>"]);
        assert_eq!(got, want, "{s}");
    }
    assert!(sections[1].contains("**Proposed change**"));
    // A failure with no test is named by its tier, once.
    assert!(
        sections[2].contains("**Seen in:** run `m2r-bluesky-pds` — promote · `bluesky-pds`"),
        "{}",
        sections[2]
    );
    assert!(sections[1].contains("**Seen in:** run `753` — restore `test_restore_returns_state`"));
    // Node paths are relative to the runs root.
    assert!(
        md.contains("[753/junit/restore__generic__test_restore.xml:12]"),
        "{md}"
    );
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
    // The hostile text is shown, whole, inside code blocks (the evidence
    // and the proposed change; the message itself is no longer part of
    // the PR report, changed on purpose)...
    let block = shape
        .code_blocks
        .iter()
        .find(|b| b.contains("<script>alert(1)</script>"))
        .expect("the text is shown in a code block");
    assert!(block.contains("</details>"));
    assert!(block.contains("```"));
    // ...and inline, as text (escaped, not markup).
    assert!(
        shape.text.contains("<script>alert(1)</script>"),
        "{}",
        shape.text
    );
    // Only the report's own headings: one title and one per cause, none
    // from the `# heading` line in the input.
    let causes = report::groups(&f.triaged).len();
    assert_eq!(causes, f.triaged.len());
    assert_eq!(shape.headings, 1 + causes);
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
    // Every test differs, but a harness signature is one cause on the node
    // whatever it hit (its 83 failures are one cause), and so is a static
    // finding in one recipe's files (the backup labels: 84 failures).
    let causes = report::groups(&f.triaged).len();
    let of = |pick: &dyn Fn(&ccci_triage::model::Triaged) -> bool| {
        f.triaged.iter().filter(|t| pick(t)).count()
    };
    let harness = of(&|t| t.verdict.class == Class::Harness);
    let labels = of(&|t| {
        t.verdict
            .rule
            .as_deref()
            .is_some_and(|r| ccci_triage::evidence::recipe::checks::ALL.contains(&r))
    });
    assert_eq!((harness, labels), (83, 84));
    assert_eq!(causes, 500 - 83 - 84 + 2);
    let md = markdown(&f.report());
    assert!(md.len() <= MARKDOWN_LIMIT, "{} bytes", md.len());
    assert!(md.chars().count() < 60_000);
    assert_balanced(&md);
    let shape = md_shape(&md);
    assert_only_own_html(&shape);
    let shown = shape.headings - 1;
    assert!(shown > 0 && shown < causes, "{shown} shown");
    // Changed on purpose: what is dropped is causes, not failures.
    let note = format!("{} more causes not shown", causes - shown);
    assert!(shape.text.contains(&note), "expected {note:?}");
    // The title still counts all 500.
    assert!(
        md.starts_with(&format!(
            "{MARKER}\n## ccci-triage: 6 recipes — {causes} causes in 7 runs\n\n500 failures — "
        )),
        "{}",
        &md[..200]
    );
}

#[test]
fn markdown_clips_one_giant_failure_instead_of_dropping_it() {
    let mut f = journal_cases();
    f.triaged.truncate(1);
    let huge = "é".repeat(500_000);
    f.triaged[0].failure.message = huge.clone();
    f.triaged[0].verdict.evidence = vec![Evidence::new("big.log:1", huge.clone()); 40];
    f.triaged[0].verdict.diff = Some(huge.clone());
    f.triaged[0].verdict.fix = huge.clone();
    f.triaged[0].verdict.cause = huge;
    let md = markdown(&f.report());
    assert!(md.len() <= MARKDOWN_LIMIT, "{} bytes", md.len());
    assert!(!md.contains("not shown**"), "the one cause is shown");
    assert!(md.contains("### 1. stale-overlay"));
    assert!(md.contains("clipped"));
    assert_balanced(&md);
    assert_only_own_html(&md_shape(&md));
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

    // The spec's fields in its order, then two fields schema 1 readers may
    // ignore (added on purpose): warnings about runs not reported, counted,
    // and where each `--console` was taken.
    assert_eq!(
        keys_in_order(&text, 2),
        [
            "schema_version",
            "tool",
            "inputs",
            "runs",
            "failures",
            "warnings",
            "warnings_not_shown",
            "consoles"
        ]
    );
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["tool"], ccci_triage::TOOL);
    assert_eq!(v["inputs"], serde_json::json!(["/var/lib/cc-ci-runs"]));
    assert_eq!(
        v["warnings"],
        serde_json::json!([
            "/var/lib/cc-ci-runs/754/junit/upgrade__cc-ci__test_upgrade.xml: truncated at byte 4096"
        ])
    );
    assert_eq!(v["warnings_not_shown"], 2);
    assert_eq!(
        v["consoles"],
        serde_json::json!([{
            "path": "/var/lib/cc-ci-runs/m2r-bluesky-pds.console.log",
            "run_id": "m2r-bluesky-pds",
            "why": "run id in line 3"
        }])
    );

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
    // The rung that decided, by its kebab-case name.
    assert_eq!(failures[1]["rung"], "backup-round-trip");
    assert_eq!(failures[0]["rung"], "stale-overlay");
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

    // The top level has the spec's fields plus `warnings_not_shown` and
    // `consoles` (added on purpose, ignorable by schema 1 readers).
    let mut top = keys(&spec);
    top.extend(["consoles".to_string(), "warnings_not_shown".to_string()]);
    top.sort();
    assert_eq!(keys(&ours), top);
    for k in keys(&spec) {
        assert!(same_type(&ours[&k], &spec[&k]), "top level.{k}");
    }
    assert!(ours["warnings_not_shown"].is_u64());
    assert!(ours["consoles"].is_array());

    let pairs = [
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
    // Changed on purpose: the headline's cause is escaped Markdown now (a
    // backtick cut by the ellipsis would otherwise open a code span).
    assert_eq!(
        headings[1],
        "## 2026-06-18T00:05Z — M1: mattermost-lts isolation run — DETERMINISTIC restore failure \
         (recipe defect): postgres restore replays no dump: no \\`backupbot.restore.pos…"
    );
    assert!(out.contains(
        "RESULT: **install PASS, upgrade PASS, backup PASS, restore FAIL, custom PASS**"
    ));
    // Changed on purpose: the tier line is escaped as Markdown prose now.
    assert!(out.contains("upgrade EXPECTED\\_NA"), "{out}");
    assert!(out.contains("Classification: **recipe-defect** (confirmed)"));
    assert!(out.contains("NOT a flake: fails the same way alone"));
    assert!(headings[2].contains("mumble sweep run"));
    assert!(headings[4].contains("SUSPECTED CI MACHINERY"));
    // Names in the prose stay code spans; the rest is escaped.
    assert!(out.contains(
        "ROOT CAUSE: postgres restore replays no dump: no `backupbot.restore.post-hook` on service `postgres`"
    ));
    assert!(
        out.contains(
            "Fix: recipe PR: back up only a dump \\(`backupbot.backup.path: backup.sql`\\)"
        )
    );
}

#[test]
fn journal_text_from_logs_cannot_forge_an_entry() {
    let f = hostile_fixture();
    let out = journal(&f.report(), "M1", now());
    let headings = out.lines().filter(|l| l.starts_with('#')).count();
    assert_eq!(headings, 6, "{out}");
    let shape = md_shape(&out);
    assert_eq!(shape.headings, 6, "{out}");
    assert!(shape.links.is_empty(), "{:?}", shape.links);
    assert!(html_events(&out).is_empty(), "{:?}", html_events(&out));
}

/// Prose with live HTML in it, as a cause, fix or log line could hold.
const HTML_HOSTILE: &str = "click <a href=x>here</a> <img src=x> <script>alert(1)</script> \
                            </details> <details> and `<b>` too";

#[test]
fn journal_renders_no_live_html_from_hostile_text() {
    let mut f = journal_cases();
    for t in &mut f.triaged {
        t.failure.message = HTML_HOSTILE.into();
        t.failure.test = Some(format!("tests/x.py::{HTML_HOSTILE}"));
        t.verdict.cause = HTML_HOSTILE.into();
        t.verdict.fix = HTML_HOSTILE.into();
        t.verdict.next = HTML_HOSTILE.into();
        t.verdict.rule = Some(HTML_HOSTILE.into());
        t.verdict.reproducibility = HTML_HOSTILE.into();
        t.verdict.evidence = vec![Evidence::new(HTML_HOSTILE, HTML_HOSTILE)];
        t.verdict.ruled_out = vec![ruled(Class::Harness, HTML_HOSTILE)];
    }
    // Several failures of one run, so the per-failure lead is used too.
    let mut second = f.triaged[1].clone();
    second.failure.test = Some(format!("tests/y.py::{HTML_HOSTILE} 2"));
    f.triaged.push(second);
    for fixture in [&f, &hostile_fixture()] {
        let out = journal(&fixture.report(), "M1 <b>x</b>", now());
        let html = html_events(&out);
        assert!(html.is_empty(), "live HTML: {html:?}\n{out}");
        let shape = md_shape(&out);
        assert!(shape.links.is_empty(), "{:?}", shape.links);
    }
    // The text is still there to read, as text.
    let out = journal(&f.report(), "M1", now());
    let shape = md_shape(&out);
    assert!(shape.text.contains("<a href=x>here</a>"), "{}", shape.text);
    assert!(shape.text.contains("<script>alert(1)</script>"));
    assert!(shape.code_spans.contains("<b>"));
}

#[test]
fn append_journal_keeps_existing_bytes_and_adds_a_newline_only_when_needed() {
    let dir = tempfile::tempdir().unwrap();
    let entries = "## 2026-06-18T00:05Z — M1: x isolation run — y\n\nbody\n";

    // A file that does not end with a newline gets exactly one.
    let path = dir.path().join("JOURNAL.md");
    let before = "# JOURNAL\n\n## old entry\ntext without newline";
    std::fs::write(&path, before).unwrap();
    append(&path, entries).unwrap();
    let after = std::fs::read_to_string(&path).unwrap();
    assert!(after.starts_with(before));
    assert_eq!(&after[before.len()..], format!("\n{entries}"));

    // A file that ends with one gets none; a second append goes after the
    // first.
    let path = dir.path().join("ends-with-newline.md");
    std::fs::write(&path, "line\n").unwrap();
    append(&path, entries).unwrap();
    append(&path, "second\n").unwrap();
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        format!("line\n{entries}second\n")
    );

    // A missing or empty file starts with the entries themselves.
    let path = dir.path().join("new.md");
    append(&path, entries).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), entries);

    // Nothing to append leaves the file alone.
    let path = dir.path().join("untouched.md");
    std::fs::write(&path, "no newline").unwrap();
    append(&path, "").unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "no newline");

    // Non-UTF-8 bytes already in the file are kept as they are.
    let path = dir.path().join("binary.md");
    let raw = [0xff, 0xfe, b'x'];
    std::fs::write(&path, raw).unwrap();
    append(&path, entries).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[..3], raw);
    assert_eq!(&bytes[3..], format!("\n{entries}").as_bytes());
}

#[test]
fn append_journal_reports_an_unwritable_path() {
    let dir = tempfile::tempdir().unwrap();
    let err = append(&dir.path().join("no/such/dir/J.md"), "x\n").unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
}

// ---------------------------------------------------------------- explain

#[test]
fn explain_shows_every_rung_signal_and_evidence() {
    let f = journal_cases();
    let out = explain(&f.report(), "753", Some("test_restore_returns_state")).unwrap();
    for rung in &f.triaged[1].verdict.trail {
        let (name, step) = (rung.rung.as_str(), rung.step.to_string());
        assert!(
            out.lines().any(|l| l.contains(name) && l.contains(&step)),
            "{name} {step}\n{out}"
        );
        assert!(words(&out).contains(&words(&rung.note)), "{}", rung.note);
    }
    assert!(out.contains("decided by:  backup-round-trip"), "{out}");
    // The signal is a fact of kind `sign` now.
    assert!(out.contains("sign postgres.relation-missing"), "{out}");
    assert!(out.contains("restore__generic__test_restore.xml:12"));
    for e in &f.triaged[1].verdict.evidence {
        assert!(out.contains(&e.source), "{}", e.source);
    }
    assert!(out.contains("recipe-defect (confirmed)"));
    assert!(out.contains("not flake: fails the same way alone"));
    assert!(out.contains("+      backupbot.restore.post-hook"));
    assert_explain_fits(&out, WIDTH);
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
    // Rungs are an enum now (no 60-character rung name can occur): the
    // long text goes into the note.
    t.verdict.trail.push(rung(
        Rung::ReproducesAlone,
        Step::Decided,
        &format!("{}{}", "note ".repeat(60), "n".repeat(200)),
    ));
    t.verdict.next = format!("echo {}\nsecond {}", "a".repeat(150), "\u{1b}[2J");
    let out = explain(&f.report(), "753", None).unwrap();
    // Changed on purpose: prose fits; commands, quotes, sources and
    // words longer than a line are never wrapped (they must paste).
    assert_explain_fits(&out, WIDTH);
    assert!(out.contains(&"z".repeat(350)), "a quoted line is whole");
    assert!(out.contains(&"y".repeat(500)), "evidence text is whole");
    assert!(out.contains(&"s".repeat(300)), "a source is whole");
    assert!(out.contains(&"x".repeat(400)), "a long word is whole");
    assert!(
        out.contains(&format!("    $ echo {}\n    $ second \n", "a".repeat(150))),
        "{out}"
    );
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
    // Where each was read is kept beside it.
    assert_eq!(
        f.runs[2].tiers[&Tier::Custom].origin.path,
        PathBuf::from("/var/lib/cc-ci-runs/sweep-20260614-mumble/console.log")
    );
}
