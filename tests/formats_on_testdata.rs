//! Snapshots of every format on the bundled testdata (plain trees, no git:
//! the output is what `ccci-triage testdata/runs …` prints on a fresh
//! clone). The crate's own directory is redacted to `[CRATE]` so the
//! snapshots are the same in every checkout, and the journal's clock is
//! redacted too; each run has a fresh history index.
//! Rewrite them with `INSTA_UPDATE=always cargo test` and review the diff.

use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;

/// The output with the crate's directory made `[CRATE]`.
fn redact(text: &str) -> String {
    text.replace(env!("CARGO_MANIFEST_DIR"), "[CRATE]")
}

fn run(format: &str, extra: &[&str]) -> String {
    let cache = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("ccci-triage")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .env("XDG_CACHE_HOME", cache.path())
        .env("ABRA_DIR", "/nonexistent-abra")
        .env_remove("CCCI_RUNS_DIR")
        .args([
            "testdata/runs",
            "--sweep-log",
            "testdata/sweep-20260614.log",
            "--canonicals",
            "testdata/ci-warm",
            "--ccci",
            "testdata/ccci",
            "--format",
            format,
        ])
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    redact(&String::from_utf8(out.stdout).unwrap())
}

#[test]
fn table_on_testdata() {
    let text = run("table", &[]);
    // Every line fits, but the commands (they must paste whole).
    for line in text.lines().filter(|l| !l.trim_start().starts_with("$ ")) {
        assert!(
            line.chars().count() <= 100,
            "wider than 100 columns: {line}"
        );
    }
    insta::assert_snapshot!(text);
}

#[test]
fn json_on_testdata() {
    let text = run("json", &[]);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["schema_version"], 1);
    insta::assert_snapshot!(text);
}

#[test]
fn markdown_on_testdata() {
    let text = run("markdown", &[]);
    assert!(text.len() < 60_000);
    // Balanced blocks, as a Markdown parser sees them.
    let parser = pulldown_cmark::Parser::new(&text);
    let mut depth = 0i32;
    let mut opened = 0;
    for ev in parser {
        match ev {
            pulldown_cmark::Event::Start(pulldown_cmark::Tag::CodeBlock(_)) => depth += 1,
            pulldown_cmark::Event::End(pulldown_cmark::TagEnd::CodeBlock) => depth -= 1,
            pulldown_cmark::Event::Html(h) | pulldown_cmark::Event::InlineHtml(h) => {
                opened += h.matches("<details>").count() as i32;
                opened -= h.matches("</details>").count() as i32;
            }
            _ => {}
        }
    }
    assert_eq!(depth, 0, "every fence is closed");
    assert_eq!(opened, 0, "every <details> is closed");
    insta::assert_snapshot!(text);
}

#[test]
fn journal_on_testdata() {
    let text = run(
        "journal",
        &["--recipe", "mumble", "--recipe", "bluesky-pds"],
    );
    // The entries are stamped with the time they are written.
    let stamp = regex::Regex::new(r"(?m)^## \d{4}-\d\d-\d\dT\d\d:\d\dZ").unwrap();
    assert!(stamp.is_match(&text), "{text}");
    let text = stamp.replace_all(&text, "## [NOW]").into_owned();
    insta::assert_snapshot!(text);
}

#[test]
fn explain_on_testdata() {
    let cache = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("ccci-triage")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("ABRA_DIR", "/nonexistent-abra")
        .env("XDG_CACHE_HOME", cache.path())
        .args([
            "explain",
            "redfix-bookstack",
            "testdata/runs",
            "--canonicals",
            "testdata/ci-warm",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = redact(&String::from_utf8(out.stdout).unwrap());
    assert!(text.contains("backup-round-trip"));
    insta::assert_snapshot!(text);
}
