//! The commands around triage: check, rules, completions, man, and the
//! exit statuses of interface.md.

use std::path::Path;
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;

fn bin() -> Command {
    let mut c = Command::cargo_bin("ccci-triage").unwrap();
    c.env("NO_COLOR", "1");
    c
}

fn testdata() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

#[test]
fn check_finds_the_missing_restore_post_hook_in_json() {
    let dir = testdata().join("runs/redfix-mattermost-lts/abra/recipes/mattermost-lts");
    let out = bin()
        .arg("check")
        .arg(&dir)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(3),
        "a finding exits 3 (interface.md): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let checks: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["check"].as_str().unwrap())
        .collect();
    assert!(
        checks.contains(&"backup.restore-replays-no-dump"),
        "{checks:?}"
    );
    assert!(checks.contains(&"backup.live-datadir"), "{checks:?}");
}

#[test]
fn check_of_a_round_tripping_recipe_reports_no_backup_finding() {
    let dir = testdata().join("runs/manual-immich-1/abra/recipes/immich");
    let out = bin()
        .arg("check")
        .arg(&dir)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let code = if v["findings"].as_array().unwrap().is_empty() {
        0
    } else {
        3
    };
    assert_eq!(
        out.status.code(),
        Some(code),
        "exit 3 exactly when there is a finding"
    );
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| !f["check"].as_str().unwrap().starts_with("backup.")),
        "{v:#}"
    );
}

#[test]
fn check_table_fits_the_width() {
    let dir = testdata().join("runs/redfix-bluesky-pds/abra/recipes/bluesky-pds");
    for width in [80usize, 100] {
        let out = bin()
            .env("COLUMNS", width.to_string())
            .arg("check")
            .arg(&dir)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3), "a finding");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("routing.bare-name"), "{text}");
        for line in text.lines() {
            assert!(line.chars().count() <= width, "{width}: {line}");
        }
    }
}

#[test]
fn check_of_something_that_is_not_a_recipe_exits_2_with_a_hint() {
    let out = bin()
        .arg("check")
        .arg("/nonexistent-recipe")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("/nonexistent-recipe") && err.contains("hint:"),
        "{err}"
    );
    let empty = tempfile::tempdir().unwrap();
    let out = bin().arg("check").arg(empty.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no compose.yml"));
}

#[test]
fn rules_check_passes_and_a_broken_rule_set_fails_with_its_name() {
    let out = bin().args(["rules", "--check"]).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains(", 0 failed"));

    let dir = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("rules")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            let text = std::fs::read_to_string(&p).unwrap();
            // Break one example: the disk-full rule must now match a line it does not.
            let text = text.replace(
                "must_not_match = [\"INFO run: disk free 38G\"",
                "must_not_match = [\"no space left on device\"",
            );
            std::fs::write(dir.path().join(p.file_name().unwrap()), text).unwrap();
        }
    }
    let out = bin()
        .args(["rules", "--check", "--rules"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("rule harness.disk-full: matches its must_not_match example"),
        "{text}"
    );
}

#[test]
fn a_rules_dir_missing_a_needed_rule_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("only.toml"), "").unwrap();
    let out = bin()
        .arg(testdata().join("runs"))
        .arg("--rules")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("grammar.result-item"));
}

#[test]
fn completions_and_man_page_come_from_the_cli_definition() {
    let out = bin().args(["completions", "bash"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("--sweep-log") && text.contains("explain"),
        "bash completion lists flags and commands"
    );
    let out = bin().arg("man").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with(".ie") || text.contains(".TH"), "roff");
    assert!(
        text.contains("sweep\\-log"),
        "the man page documents the flags"
    );
}

#[test]
fn filters_apply_to_every_format() {
    let root = testdata().join("runs");
    let out = bin()
        .arg(&root)
        .args([
            "--format",
            "json",
            "--recipe",
            "mattermost-lts",
            "--class",
            "recipe-defect",
            "--canonicals",
            "/nonexistent",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let fs = v["failures"].as_array().unwrap();
    assert_eq!(fs.len(), 3, "740, 753 and redfix-mattermost-lts");
    assert!(
        fs.iter()
            .all(|f| f["recipe"] == "mattermost-lts" && f["class"] == "recipe-defect")
    );

    let out = bin()
        .arg(&root)
        .args([
            "--format",
            "markdown",
            "--since",
            "2026-06-20",
            "--canonicals",
            "/nonexistent",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(md.contains("761") && !md.contains("manual-4242"), "{md}");

    let out = bin().arg(&root).args(["--since", "soon"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn journal_append_keeps_what_is_there() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("JOURNAL.md");
    let before = b"# JOURNAL \xe2\x80\x94 phase `redfix`\n\n## 2026-06-17T23:20Z \xe2\x80\x94 Bootstrap\nno newline at end";
    std::fs::write(&journal, before).unwrap();
    let out = bin()
        .arg(testdata().join("runs/redfix-mattermost-lts"))
        .args([
            "--format",
            "journal",
            "--milestone",
            "M2",
            "--canonicals",
            "/nonexistent",
            "--append",
        ])
        .arg(&journal)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty(), "entries go to the file, not stdout");
    let after = std::fs::read(&journal).unwrap();
    assert!(after.starts_with(before), "the existing bytes are a prefix");
    let added = String::from_utf8_lossy(&after[before.len()..]);
    assert!(
        added.starts_with("\n\n## ") || added.starts_with("\n## "),
        "{added}"
    );
    assert!(
        added.contains("— M2: mattermost-lts isolation run —"),
        "{added}"
    );
    assert!(
        added.contains("Classification: **recipe-defect**"),
        "{added}"
    );
}
