//! The operator's first ten minutes, through the binary as a new user
//! meets it: wrong input says what it is and what was expected (exit 2),
//! options that would do nothing say so, the table fits and says what to
//! do first, warnings come once at the end, `explain` pastes, and every
//! subcommand speaks the same way (formats, headers, help, man pages).
//!
//! Every test runs the built `ccci-triage` with its own history cache
//! and a clean environment (no `CCCI_RUNS_DIR`, `COLUMNS`, `NO_COLOR`,
//! `TERM` from the caller), on `testdata/` and `testdata/real/`, or on
//! small inputs made here.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;
use unicode_width::UnicodeWidthStr;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn testdata(p: &str) -> PathBuf {
    root().join("testdata").join(p)
}

/// What one run of the binary gave.
struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", self.stdout))
    }
}

/// A command with its own cache, in a clean environment.
struct Tool {
    cache: tempfile::TempDir,
}

impl Tool {
    fn new() -> Tool {
        Tool {
            cache: tempfile::tempdir().unwrap(),
        }
    }

    fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("ccci-triage").unwrap();
        c.env("XDG_CACHE_HOME", self.cache.path())
            .env_remove("CCCI_RUNS_DIR")
            .env_remove("COLUMNS")
            .env_remove("NO_COLOR")
            .env_remove("TERM")
            .env_remove("ABRA_DIR")
            .current_dir(root());
        c
    }

    fn run(&self, args: &[&str]) -> Out {
        self.run_env(args, &[])
    }

    fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Out {
        let mut c = self.cmd();
        c.args(args);
        for (k, v) in env {
            c.env(k, v);
        }
        finish(c)
    }
}

fn finish(mut c: Command) -> Out {
    let o = c.output().unwrap();
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// Exit 2, nothing on stdout, an error that contains every one of `what`
/// and a hint line.
fn refused(o: &Out, what: &[&str]) {
    assert_eq!(o.code, 2, "exit 2 expected:\n{}{}", o.stdout, o.stderr);
    assert!(
        o.stdout.is_empty(),
        "no report for wrong input:\n{}",
        o.stdout
    );
    assert!(
        !o.stdout.contains("no failures") && !o.stderr.contains("no failures"),
        "{}",
        o.stderr
    );
    let error = o
        .stderr
        .lines()
        .find(|l| l.starts_with("ccci-triage: error: "))
        .unwrap_or_else(|| panic!("no error line:\n{}", o.stderr));
    for w in what {
        assert!(o.stderr.contains(w), "`{w}` not said:\n{}", o.stderr);
    }
    assert!(
        o.stderr.lines().any(|l| l.starts_with("hint: ")),
        "no hint under {error}:\n{}",
        o.stderr
    );
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

// ---------------------------------------------------------------------
// Wrong input is said.

#[test]
fn a_path_that_is_no_run_root_or_file_is_exit_2_saying_what_it_is() {
    let t = Tool::new();
    // A source tree: `src/ingest/junit/` is a directory of Rust, not of a
    // run's JUnit, so nothing here is a run.
    let o = t.run(&["src"]);
    refused(&o, &["src: a directory with no run in it", "runs root"]);
    refused(&t.run(&["src/ingest"]), &["no run in it"]);
    refused(
        &t.run(&["README.md"]),
        &[
            "README.md: a file ccci-triage does not read",
            "results.json",
        ],
    );
    refused(&t.run(&["/etc/passwd"]), &["/etc/passwd", "does not read"]);
    refused(
        &t.run(&["testdata/runs/753/junit"]),
        &["no run in it", "pass the run directory above it"],
    );
    // A directory holding a runs root is pointed at it.
    refused(&t.run(&["testdata"]), &["did you mean testdata/runs"]);
    // A canonical, and JSON of no known kind.
    refused(
        &t.run(&["testdata/ci-warm/gitea/canonical.json"]),
        &[
            "a warm canonical",
            "did you mean --canonicals testdata/ci-warm",
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("config.json");
    write(&json, "{\"a\": 1}\n");
    refused(
        &t.run(&[json.to_str().unwrap()]),
        &["neither a run's results.json nor a Drone step log"],
    );
    // A path through a file.
    refused(
        &t.run(&["Cargo.toml/x"]),
        &["does not exist: Cargo.toml is a file"],
    );
    refused(&t.run(&["no/such/runs"]), &["does not exist"]);
}

#[test]
fn a_default_root_that_is_not_there_says_where_it_came_from() {
    let t = Tool::new();
    for args in [vec![], vec!["history"], vec!["explain", "753"]] {
        let o = t.run_env(&args, &[("CCCI_RUNS_DIR", "/nonexistent/cc-ci-runs")]);
        refused(
            &o,
            &[
                "/nonexistent/cc-ci-runs: does not exist",
                "$CCCI_RUNS_DIR (/nonexistent/cc-ci-runs)",
                "pass the runs root as PATH",
            ],
        );
    }
}

#[test]
fn a_source_tree_made_here_is_not_taken_for_runs() {
    let t = Tool::new();
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    write(&src.join("ingest/junit/mod.rs"), "pub fn parse() {}\n");
    write(&src.join("abra/mod.rs"), "\n");
    write(&src.join("main.rs"), "fn main() {}\n");
    for p in [src.clone(), src.join("ingest")] {
        let o = t.run(&[p.to_str().unwrap()]);
        refused(&o, &["no run in it"]);
    }
    // The same shape with a real run's marks is a runs root.
    let runs = dir.path().join("runs");
    write(
        &runs.join("9/junit/install__generic__test_install.xml"),
        "<testsuite name=\"pytest\" tests=\"1\"><testcase classname=\"tests._generic.test_install\" name=\"test_ok\"/></testsuite>\n",
    );
    let o = t.run(&[runs.to_str().unwrap(), "-f", "json"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(
        o.json()["runs"].as_array().unwrap().len(),
        1,
        "{}",
        o.stdout
    );
}

#[test]
fn a_sweep_log_given_as_path_asks_for_sweep_log() {
    let t = Tool::new();
    for log in [
        "testdata/sweep-20260614.log",
        "testdata/real/sweep-2026-06-14.tee",
        "testdata/real/sweep-2026-06-21.journal",
    ] {
        refused(
            &t.run(&[log]),
            &[
                "a canon sweep's log",
                &format!("did you mean --sweep-log {log}"),
            ],
        );
    }
}

/// A path that cannot be read. Run as root (CI is), permissions do not
/// stop a read: then the binary runs as `nobody` through `setpriv`, and
/// when there is no `setpriv` this one assertion is skipped, saying so.
#[test]
fn an_unreadable_path_is_exit_2_and_history_names_unreadable_parts() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path();
    let runs = base.join("runs");
    copy_dir(&testdata("runs/753"), &runs.join("753"));
    copy_dir(&testdata("runs/754"), &runs.join("754"));
    let locked_run = base.join("locked-run");
    copy_dir(&testdata("runs/753"), &locked_run);
    let cache = base.join("cache");
    std::fs::create_dir_all(&cache).unwrap();
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path, m: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m));
    // Everything readable by `nobody`, but what is locked.
    for p in walk(base) {
        mode(&p, if p.is_dir() { 0o777 } else { 0o666 }).unwrap();
    }
    mode(&runs.join("754/junit"), 0o000).unwrap();
    mode(&locked_run, 0o000).unwrap();
    let as_root = is_root();
    let setpriv = Path::new("/usr/bin/setpriv").exists() || Path::new("/bin/setpriv").exists();
    if as_root && !setpriv {
        eprintln!("skipping the unreadable-path assertions: running as root and no setpriv");
        mode(&locked_run, 0o755).unwrap();
        return;
    }
    let cmd = |args: &[&str]| {
        let bin = assert_cmd::cargo::cargo_bin("ccci-triage");
        let mut c = if as_root {
            let mut c = Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
                .arg(&bin);
            c
        } else {
            Command::new(&bin)
        };
        c.args(args)
            .env("XDG_CACHE_HOME", &cache)
            .env_remove("CCCI_RUNS_DIR")
            .env_remove("NO_COLOR")
            .current_dir(base);
        finish(c)
    };
    let o = cmd(&[locked_run.to_str().unwrap()]);
    refused(&o, &["locked-run", "permission denied"]);
    let o = cmd(&["history", locked_run.to_str().unwrap()]);
    refused(&o, &["permission denied"]);
    mode(&runs, 0o000).unwrap();
    refused(&cmd(&[runs.to_str().unwrap()]), &["permission denied"]);
    refused(
        &cmd(&["history", runs.to_str().unwrap()]),
        &["permission denied"],
    );
    mode(&runs, 0o777).unwrap();
    // A part of the root that cannot be read is a warning naming it.
    let o = cmd(&["history", runs.to_str().unwrap(), "-v"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stderr.contains("754/junit: permission denied"),
        "history names the unreadable junit directory:\n{}",
        o.stderr
    );
    let o = cmd(&["history", runs.to_str().unwrap(), "-f", "json"]);
    let warnings = o.json()["warnings"].to_string();
    assert!(
        warnings.contains("754/junit: permission denied"),
        "{warnings}"
    );
    mode(&runs.join("754/junit"), 0o777).unwrap();
    mode(&locked_run, 0o777).unwrap();
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![dir.to_path_buf()];
    if dir.is_dir() {
        for e in std::fs::read_dir(dir).unwrap() {
            out.extend(walk(&e.unwrap().path()));
        }
    }
    out
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let ty = e.file_type().unwrap();
        let dest = to.join(e.file_name());
        if ty.is_dir() {
            copy_dir(&e.path(), &dest);
        } else if ty.is_file() {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

#[test]
fn a_recipe_that_no_run_has_is_exit_2_with_the_close_names() {
    let t = Tool::new();
    refused(
        &t.run(&["testdata/runs", "-r", "mumbl"]),
        &[
            "--recipe mumbl: no run of that recipe",
            "close names: mumble",
        ],
    );
    refused(
        &t.run(&["testdata/runs", "--recipe", "matter"]),
        &["close names: mattermost-lts"],
    );
    refused(
        &t.run(&["testdata/runs", "-r", "xyzzy"]),
        &["no run of that recipe", "recipes: authentik"],
    );
    refused(
        &t.run(&["history", "testdata/runs", "-r", "mumbl"]),
        &["close names: mumble"],
    );
}

#[test]
fn a_mistyped_subcommand_is_named() {
    let t = Tool::new();
    refused(
        &t.run(&["explian", "753"]),
        &["did you mean the subcommand `ccci-triage explain`?"],
    );
    refused(
        &t.run(&["histroy"]),
        &["did you mean the subcommand `ccci-triage history`?"],
    );
    refused(
        &t.run(&["man", "explian"]),
        &["no man page", "did you mean `ccci-triage man explain`?"],
    );
    let o = t.run(&["probe", "stak", "x"]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("'stack'"), "{}", o.stderr);
}

// ---------------------------------------------------------------------
// Options that do nothing say so.

#[test]
fn options_that_would_do_nothing_are_errors() {
    let t = Tool::new();
    let journal = tempfile::tempdir().unwrap();
    let j = journal.path().join("j.md");
    refused(
        &t.run(&["testdata/runs", "--append", j.to_str().unwrap()]),
        &["--append", "needs --format journal"],
    );
    assert!(!j.exists(), "nothing written");
    refused(
        &t.run(&["testdata/runs", "--milestone", "M3"]),
        &["--milestone", "needs --format journal"],
    );
    refused(
        &t.run(&["testdata/runs", "--no-history", "--cache", "/tmp/x"]),
        &["--cache", "--no-history"],
    );
    // Both with the format they need are fine.
    let o = t.run(&[
        "testdata/runs/753",
        "-f",
        "journal",
        "--milestone",
        "M3",
        "--append",
        j.to_str().unwrap(),
    ]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(std::fs::read_to_string(&j).unwrap().contains("M3"));
}

#[test]
fn options_pointing_at_nothing_are_warnings_listed_without_v() {
    let t = Tool::new();
    let args = [
        "testdata/runs/753",
        "--canonicals",
        "/nonexistent/warm",
        "--ccci",
        "/nonexistent/cc-ci",
        "--recipes",
        "/nonexistent/recipes",
    ];
    let o = t.run(&args);
    assert_eq!(o.code, 0, "{}", o.stderr);
    for flag in ["--canonicals", "--ccci", "--recipes"] {
        let line = o
            .stderr
            .lines()
            .find(|l| l.starts_with(&format!("ccci-triage: warning: {flag} /nonexistent")))
            .unwrap_or_else(|| panic!("{flag} not warned about:\n{}", o.stderr));
        assert!(line.contains("not a"), "says what is wrong with it: {line}");
        assert!(!o.stdout.contains(&format!("warning: {flag}")));
    }
    let mut json_args = args.to_vec();
    json_args.extend(["-f", "json"]);
    let v = t.run(&json_args).json();
    let w = v["warnings"].to_string();
    for flag in ["--canonicals", "--ccci", "--recipes"] {
        assert!(w.contains(flag), "{flag} in JSON warnings: {w}");
    }
    let mut quiet = args.to_vec();
    quiet.push("-q");
    let o = t.run(&quiet);
    assert_eq!(o.stderr, "", "-q silences every warning");
}

// ---------------------------------------------------------------------
// The table.

/// The rows of a triage table: (verdict cell, runs cell), one per row,
/// cut at the columns of the header line (`#  verdict  recipe …  runs`).
fn rows(table: &str) -> Vec<(String, String)> {
    let lines: Vec<Vec<char>> = table.lines().map(|l| l.chars().collect()).collect();
    let Some(h) = lines.iter().position(|l| {
        let s: String = l.iter().collect();
        s.contains(" verdict ") && s.contains(" runs")
    }) else {
        return Vec::new();
    };
    let header: String = lines[h].iter().collect();
    let col = |name: &str| header[..header.find(name).unwrap()].chars().count();
    let (v0, w0, r0) = (col("verdict"), col("recipe"), col("runs"));
    let cut = |l: &[char], a: usize, b: usize| -> String {
        l.iter()
            .skip(a)
            .take(b.saturating_sub(a))
            .collect::<String>()
            .trim()
            .to_string()
    };
    let mut out: Vec<(String, String)> = Vec::new();
    // The header may take two lines; the rows start under its `═` rule.
    let first = h
        + lines[h..]
            .iter()
            .position(|l| l.first() == Some(&'═'))
            .unwrap()
        + 1;
    for l in &lines[first..] {
        if l.is_empty() {
            break;
        }
        if l[0] == '─' {
            continue;
        }
        let num = cut(l, 0, v0);
        let verdict = cut(l, v0, w0);
        let runs = cut(l, r0, l.len());
        if !num.is_empty() {
            out.push((verdict, runs));
        } else if let Some(last) = out.last_mut() {
            if !verdict.is_empty() {
                last.0.push(' ');
                last.0.push_str(&verdict);
            }
            if !runs.is_empty() {
                last.1.push(' ');
                last.1.push_str(&runs);
            }
        }
    }
    out
}

#[test]
fn the_table_fits_60_80_120_columns_and_never_cuts_a_run_id_or_an_explain_line() {
    let t = Tool::new();
    for rootdir in ["testdata/runs", "testdata/real/runs"] {
        let v = t.run(&[rootdir, "-f", "json"]).json();
        let failures = v["failures"].as_array().unwrap();
        let ids: BTreeSet<&str> = failures
            .iter()
            .map(|f| f["run_id"].as_str().unwrap())
            .collect();
        for width in [60usize, 80, 120] {
            let w = width.to_string();
            let o = t.run_env(&[rootdir], &[("COLUMNS", &w)]);
            assert_eq!(o.code, 0, "{}", o.stderr);
            for line in o.stdout.lines() {
                if line.trim_start().starts_with("$ ") {
                    continue;
                }
                assert!(
                    line.width() <= width,
                    "{rootdir} at {width}: a line of {} columns:\n{line}",
                    line.width()
                );
            }
            // Every run id is whole, as a word of the table.
            let words: BTreeSet<&str> = o
                .stdout
                .split(|c: char| c.is_whitespace() || c == ',')
                .collect();
            for id in &ids {
                assert!(
                    words.contains(id),
                    "{rootdir} at {width}: run id {id} cut or missing:\n{}",
                    o.stdout
                );
            }
            // One explain line per row, each whole on one line, naming a
            // run and a failure of it.
            let explains: Vec<&str> = o
                .stdout
                .lines()
                .map(str::trim_start)
                .filter(|l| l.starts_with("$ "))
                .collect();
            let row_count = rows(&o.stdout).len();
            assert_eq!(explains.len(), row_count, "{}", o.stdout);
            for e in explains {
                let args = shlex::split(&e[2..]).unwrap();
                assert_eq!(&args[..2], ["ccci-triage", "explain"], "{e}");
                let run = args[2].as_str();
                assert!(ids.contains(run), "{e}");
                if let Some(test) = args.get(3).filter(|a| !a.starts_with("--"))
                    && test.contains("::")
                {
                    assert!(
                        failures
                            .iter()
                            .any(|f| f["run_id"] == run && f["test"] == **test),
                        "{e}: no such failure"
                    );
                }
            }
        }
    }
}

#[test]
fn one_row_per_cause_in_the_order_to_act_on() {
    let t = Tool::new();
    let o = t.run_env(&["testdata/runs"], &[("COLUMNS", "120")]);
    let v = t.run(&["testdata/runs", "-f", "json"]).json();
    let failures = v["failures"].as_array().unwrap();
    let rows = rows(&o.stdout);
    assert!(rows.len() < failures.len(), "grouped: {}", o.stdout);
    // The summary counts both.
    let summary = o
        .stdout
        .lines()
        .find(|l| l.contains(" causes) in "))
        .unwrap();
    assert!(
        summary.starts_with(&format!(
            "{} failures ({} causes)",
            failures.len(),
            rows.len()
        )),
        "{summary}"
    );
    // One run's three tests red from one full disk: one row, ×3, run 761.
    let w761: Vec<_> = rows.iter().filter(|(_, r)| r == "761").collect();
    assert_eq!(w761.len(), 1, "{rows:?}");
    assert!(w761[0].0.contains("×3"), "{rows:?}");
    let in_761 = failures.iter().filter(|f| f["run_id"] == "761").count();
    assert_eq!(in_761, 3);
    // One overlay red in two runs: one row naming both.
    assert!(
        rows.iter().any(|(v, r)| v.starts_with("stale-overlay")
            && r.split(' ').count() == 2
            && v.contains("×2")),
        "{rows:?}"
    );
    // What to act on first: a PR or cc-ci change, then the node, then
    // flakes, then unknowns; surer first within each.
    let rank = |verdict: &str| -> (u8, u8) {
        let class = verdict.split(' ').next().unwrap();
        let p = match class {
            "recipe-defect" | "stale-overlay" | "routing-collision" => 0,
            "harness" => 1,
            "flake" => 2,
            "unknown" => 3,
            other => panic!("class {other}"),
        };
        let c = if verdict.contains("confirmed") {
            0
        } else if verdict.contains("likely") {
            1
        } else {
            2
        };
        (p, c)
    };
    let ranks: Vec<(u8, u8)> = rows.iter().map(|(v, _)| rank(v)).collect();
    let mut sorted = ranks.clone();
    sorted.sort();
    assert_eq!(ranks, sorted, "rows out of order: {rows:?}");
    assert_eq!(ranks.first().unwrap().0, 0);
    assert_eq!(ranks.last().unwrap().0, 3);
}

#[test]
fn the_summary_fits_and_breaks_only_between_classes() {
    let t = Tool::new();
    for width in [60usize, 80, 200] {
        let o = t.run_env(&["testdata/runs"], &[("COLUMNS", &width.to_string())]);
        let lines: Vec<&str> = o.stdout.lines().collect();
        let start = lines
            .iter()
            .position(|l| l.contains(" causes) in "))
            .unwrap();
        let summary = &lines[start..];
        for l in summary {
            assert!(l.width() <= width, "{l}");
        }
        for l in &summary[1..] {
            assert!(
                l.starts_with("  ") && l[2..].starts_with(|c: char| c.is_ascii_digit()),
                "a continuation starts with a count: {summary:?}"
            );
        }
        let joined = summary.join(" ");
        for item in ["4 recipe-defect", "12 harness", "1 routing-collision"] {
            assert!(joined.contains(item), "{item} split: {summary:?}");
        }
        if width == 200 {
            assert_eq!(summary.len(), 1, "one line when it fits: {summary:?}");
        }
        // The classes in the rows' order: findings before harness before
        // flakes before unknowns.
        let pos = |w: &str| joined.find(w).unwrap();
        assert!(pos("recipe-defect") < pos("harness"));
        assert!(pos("harness") < pos("flake"));
        assert!(pos("flake") < pos("unknown"));
    }
}

// ---------------------------------------------------------------------
// Warnings.

fn count_line(stderr: &str) -> Option<&str> {
    stderr
        .lines()
        .filter(|l| !l.starts_with("ccci-triage: warning: "))
        .find(|l| l.contains("warning"))
}

#[test]
fn warnings_are_one_line_at_the_end_q_silences_v_lists_each_once() {
    let t = Tool::new();
    for rootdir in ["testdata/runs", "testdata/runs/broken-files"] {
        let o = t.run(&[rootdir]);
        assert_eq!(o.code, 0);
        // Not in the report: stderr only.
        assert!(!o.stdout.contains("warning"), "{}", o.stdout);
        let lines: Vec<&str> = o.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "one line: {lines:?}");
        assert!(lines[0].contains("(-v lists them)"), "{lines:?}");
        let q = t.run(&[rootdir, "-q"]);
        assert_eq!(q.stderr, "");
        assert_eq!(q.stdout, o.stdout, "-q changes stderr only");
        let v = t.run(&[rootdir, "-v"]);
        let listed: Vec<&str> = v
            .stderr
            .lines()
            .filter(|l| l.starts_with("ccci-triage: warning: "))
            .collect();
        let unique: BTreeSet<&&str> = listed.iter().collect();
        assert_eq!(unique.len(), listed.len(), "each once: {listed:#?}");
        let json = t.run(&[rootdir, "-f", "json"]).json();
        assert_eq!(
            listed.len(),
            json["warnings"].as_array().unwrap().len(),
            "-v lists what JSON has:\n{}",
            v.stderr
        );
    }
}

#[test]
fn warnings_are_the_same_cold_warm_and_without_the_index() {
    for rootdir in [
        "testdata/runs",
        "testdata/real/runs",
        "testdata/runs/753",
        "testdata/runs/broken-files",
    ] {
        let t = Tool::new();
        let cold = t.run(&[rootdir, "-f", "json"]);
        let warm = t.run(&[rootdir, "-f", "json"]);
        let none = t.run(&[rootdir, "-f", "json", "--no-history"]);
        assert_eq!(
            cold.json()["warnings"],
            warm.json()["warnings"],
            "{rootdir}"
        );
        assert_eq!(
            cold.json()["warnings"],
            none.json()["warnings"],
            "{rootdir}"
        );
        let w = cold.json()["warnings"].clone();
        let list: Vec<String> = w
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.to_string())
            .collect();
        let unique: BTreeSet<&String> = list.iter().collect();
        assert_eq!(unique.len(), list.len(), "{rootdir}: each once: {w:#}");
        // The count on stderr, too, whatever was cached.
        let t2 = Tool::new();
        let c1 = t2.run(&[rootdir]);
        let c2 = t2.run(&[rootdir]);
        let c3 = t2.run(&[rootdir, "--no-history"]);
        assert_eq!(count_line(&c1.stderr), count_line(&c2.stderr), "{rootdir}");
        assert_eq!(count_line(&c1.stderr), count_line(&c3.stderr), "{rootdir}");
    }
}

#[test]
fn only_warnings_about_what_is_reported_with_the_rest_counted() {
    let t = Tool::new();
    // 753 is clean; broken-files beside it has five problems.
    let v = t.run(&["testdata/runs/753", "-f", "json"]).json();
    assert!(
        !v["warnings"].to_string().contains("broken-files"),
        "{:#}",
        v["warnings"]
    );
    let o = t.run(&["testdata/runs/753"]);
    let line = count_line(&o.stderr).unwrap();
    assert!(
        line.contains("5 warnings about runs not reported"),
        "{}",
        o.stderr
    );
    assert!(!line.contains("0 warnings"), "{line}");
    let v = t.run(&["testdata/runs/broken-files", "-f", "json"]).json();
    assert!(
        v["warnings"].to_string().contains("broken-files"),
        "{:#}",
        v["warnings"]
    );
}

// ---------------------------------------------------------------------
// explain pastes.

#[test]
fn explain_never_wraps_a_command_a_source_or_a_quoted_line() {
    let t = Tool::new();
    for width in ["60", "80"] {
        let o = t.run_env(
            &["explain", "redfix-mattermost-lts", "testdata/runs"],
            &[("COLUMNS", width)],
        );
        assert_eq!(o.code, 0, "{}", o.stderr);
        let text = &o.stdout;
        let has_line = |needle: &str| text.lines().any(|l| l.contains(needle));
        // The next command, whole.
        assert!(
            text.lines().any(|l| {
                l.trim_start().starts_with("$ ccci-triage check ")
                    && l.ends_with("--tag 2.1.9+10.11.15")
            }),
            "{text}"
        );
        // The history fact's command, whole.
        assert!(
            has_line(
                "ccci-triage history --recipe mattermost-lts --test tests/_generic/test_restore.py::test_restore_returns_state"
            ),
            "{text}"
        );
        // Sources, whole.
        assert!(
            has_line("abra/recipes/mattermost-lts/compose.yml:49"),
            "{text}"
        );
        assert!(
            has_line("/junit/restore__generic__test_restore.xml:3"),
            "{text}"
        );
        // A quoted traceback line, whole.
        assert!(
            has_line(
                "| marker_db = <cc_ci.db.PgConn matt-f3a5d8_ci_commoninternet_net_postgres db=mattermost>"
            ),
            "{text}"
        );
        // The test id in the title, whole.
        assert!(has_line(
            "=== failure 1 of 1: restore · tests/_generic/test_restore.py::test_restore_returns_state"
        ));
        // Prose still wraps to the width, between words.
        let w: usize = width.parse().unwrap();
        let cause: Vec<&str> = text
            .lines()
            .skip_while(|l| !l.starts_with("  cause:"))
            .take_while(|l| l.starts_with("  cause:") || l.starts_with("               "))
            .collect();
        assert!(cause.len() > 1, "{text}");
        for l in cause {
            assert!(l.width() <= w || !l.trim().contains(' '), "{l}");
        }
    }
}

// ---------------------------------------------------------------------
// Progress and colour.

#[test]
fn piped_output_is_the_plain_table_with_no_control_bytes() {
    let t = Tool::new();
    for rootdir in ["testdata/runs", "testdata/real/runs"] {
        let o = t.run(&[rootdir]);
        assert_eq!(o.code, 0);
        assert!(
            serde_json::from_str::<serde_json::Value>(&o.stdout).is_err(),
            "JSON only with --format json"
        );
        assert!(o.stdout.contains("═"), "the table: {}", o.stdout);
        for (name, s) in [("stdout", &o.stdout), ("stderr", &o.stderr)] {
            assert!(
                !s.contains('\u{1b}') && !s.contains('\r'),
                "{name} off a terminal has no colour or progress control bytes: {s:?}"
            );
        }
        assert!(
            !o.stderr.contains("reading runs") && !o.stderr.contains("indexing"),
            "no progress off a terminal: {}",
            o.stderr
        );
    }
    let o = t.run(&["history", "testdata/real/runs"]);
    assert!(!o.stderr.contains('\u{1b}') && !o.stderr.contains('\r'));
}

/// The SGR parameters that start the cell holding `word`.
fn sgr_before(text: &str, word: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        if let Some(i) = line.find(word)
            && let Some(j) = line[..i].rfind("\u{1b}[")
        {
            let rest = &line[j + 2..];
            if let Some(m) = rest.find('m') {
                out.push(rest[..m].to_string());
            }
        }
    }
    out
}

#[test]
fn colour_follows_color_no_color_and_term_and_harness_reads_on_dark() {
    let t = Tool::new();
    let always = t.run(&["testdata/runs", "--color", "always"]);
    assert!(always.stdout.contains("\u{1b}["), "--color always colours");
    let never = t.run(&["testdata/runs", "--color", "never"]);
    assert!(!never.stdout.contains('\u{1b}'));
    // The same text without the colour.
    assert_eq!(strip_sgr(&always.stdout), never.stdout);
    // --color always wins over NO_COLOR and TERM=dumb (as documented);
    // auto off a terminal is plain whatever they say.
    let forced = t.run_env(
        &["testdata/runs", "--color", "always"],
        &[("NO_COLOR", "1"), ("TERM", "dumb")],
    );
    assert!(forced.stdout.contains("\u{1b}["));
    let auto = t.run_env(&["testdata/runs"], &[("TERM", "xterm-256color")]);
    assert!(!auto.stdout.contains('\u{1b}'), "piped: no colour");
    // Harness: a bright blue (94, or 256-colour 12), never the dark blue
    // (34, 256-colour 4) or black that vanish on a dark terminal.
    let sgrs = sgr_before(&always.stdout, "harness");
    assert!(!sgrs.is_empty(), "{}", always.stdout);
    for s in &sgrs {
        assert!(
            s == "94" || s == "38;5;12" || s == "1;94",
            "harness coloured {s:?}"
        );
        assert!(!["34", "30", "38;5;4", "38;5;0"].contains(&s.as_str()));
    }
}

fn strip_sgr(s: &str) -> String {
    let mut out = String::new();
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        if c == '\u{1b}' && it.peek() == Some(&'[') {
            for d in it.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

/// On a terminal (a pty made by `script`): colour by default, none with
/// NO_COLOR or TERM=dumb. Skipped where `script` is missing (optional).
#[test]
fn on_a_terminal_colour_is_on_unless_no_color_or_term_dumb() {
    if !Path::new("/usr/bin/script").exists() {
        eprintln!("skipping the pty test: no /usr/bin/script");
        return;
    }
    let t = Tool::new();
    let bin = assert_cmd::cargo::cargo_bin("ccci-triage");
    let pty = |env: &[(&str, &str)]| {
        let mut c = Command::new("/usr/bin/script");
        c.args(["-qec"])
            .arg(format!(
                "{} testdata/runs/753 --no-history",
                shlex::try_quote(bin.to_str().unwrap()).unwrap()
            ))
            .arg("/dev/null")
            .env("XDG_CACHE_HOME", t.cache.path())
            .env("TERM", "xterm-256color")
            .env_remove("NO_COLOR")
            .current_dir(root());
        for (k, v) in env {
            c.env(k, v);
        }
        finish(c)
    };
    let on = pty(&[]);
    assert!(
        on.stdout.contains("\u{1b}["),
        "colour on a terminal: {:?}",
        on.stdout
    );
    assert!(!pty(&[("NO_COLOR", "1")]).stdout.contains("\u{1b}[3"));
    assert!(!pty(&[("TERM", "dumb")]).stdout.contains("\u{1b}[3"));
}

// ---------------------------------------------------------------------
// Conventions: flags, help, man pages, formats.

#[test]
fn short_flags_for_the_common_options() {
    let t = Tool::new();
    let v = t
        .run(&["testdata/runs", "-f", "json", "-r", "mattermost-lts"])
        .json();
    let recipes: BTreeSet<&str> = v["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["recipe"].as_str().unwrap())
        .collect();
    assert_eq!(recipes, BTreeSet::from(["mattermost-lts"]));
    let q = t.run(&["testdata/runs", "-q"]);
    assert_eq!(q.stderr, "");
    let verbose = t.run(&["testdata/runs", "-v"]);
    assert!(verbose.stderr.contains("ccci-triage: warning: "));
    assert_eq!(
        t.run(&["testdata/runs", "-q", "-v"]).code,
        2,
        "-q and -v conflict"
    );
}

#[test]
fn help_has_sections_and_examples_on_every_subcommand() {
    let t = Tool::new();
    let main = t.run(&["--help"]);
    assert_eq!(main.code, 0);
    for section in [
        "Input:",
        "Scope:",
        "Output:",
        "Probes:",
        "History:",
        "Examples:",
        "Environment:",
        "Exit status:",
    ] {
        assert!(main.stdout.contains(section), "--help lacks {section}");
    }
    for var in [
        "CCCI_RUNS_DIR",
        "ABRA_DIR",
        "DOCKER_HOST",
        "XDG_CACHE_HOME",
        "NO_COLOR",
        "GITEA_TOKEN",
    ] {
        assert!(main.stdout.contains(var), "--help lacks {var}");
    }
    for sub in [
        vec!["triage"],
        vec!["explain"],
        vec!["check"],
        vec!["probe"],
        vec!["probe", "dns"],
        vec!["probe", "aliases"],
        vec!["probe", "stack"],
        vec!["probe", "compose"],
        vec!["history"],
        vec!["comment"],
        vec!["rules"],
        vec!["completions"],
        vec!["man"],
    ] {
        let mut args = sub.clone();
        args.push("--help");
        let o = t.run(&args);
        assert_eq!(o.code, 0, "{sub:?}");
        assert!(
            o.stdout.contains("Examples:\n  ccci-triage "),
            "{sub:?}:\n{}",
            o.stdout
        );
    }
}

#[test]
fn every_man_page_named_exists_with_environment_and_examples() {
    let t = Tool::new();
    let mut todo = vec![String::new()];
    let mut seen = BTreeSet::new();
    while let Some(page) = todo.pop() {
        if !seen.insert(page.clone()) {
            continue;
        }
        let args: Vec<&str> = std::iter::once("man")
            .chain(page.split('-').filter(|p| !p.is_empty()))
            .collect();
        let o = t.run(&args);
        assert_eq!(o.code, 0, "man {page}: {}", o.stderr);
        let title = if page.is_empty() {
            "ccci-triage".to_string()
        } else {
            format!("ccci-triage-{page}")
        };
        assert!(
            o.stdout.starts_with(&format!(".TH {title} "))
                || o.stdout.contains(&format!(".TH {title} ")),
            "man {page}: {}",
            &o.stdout[..o.stdout.len().min(200)]
        );
        for section in [
            ".SH NAME",
            ".SH SYNOPSIS",
            ".SH EXAMPLES",
            ".SH ENVIRONMENT",
            ".SH \"EXIT STATUS\"",
            ".SH \"SEE ALSO\"",
        ] {
            assert!(o.stdout.contains(section), "man {page} lacks {section}");
        }
        for var in [
            "CCCI_RUNS_DIR",
            "ABRA_DIR",
            "DOCKER_HOST",
            "XDG_CACHE_HOME",
            "NO_COLOR",
            "GITEA_TOKEN",
        ] {
            assert!(o.stdout.contains(var), "man {page} lacks {var}");
        }
        assert!(
            !o.stdout.contains("help(1)"),
            "man {page} names a help page"
        );
        // Every page this one names, followed.
        let plain = o.stdout.replace("\\-", "-");
        for (i, _) in plain.match_indices("ccci-triage-") {
            let rest = &plain[i + "ccci-triage-".len()..];
            if let Some(end) = rest.find("(1)") {
                let name = &rest[..end];
                if name.chars().all(|c| c.is_ascii_lowercase() || c == '-') {
                    todo.push(name.to_string());
                }
            }
        }
        if plain.contains("ccci-triage(1)") {
            todo.push(String::new());
        }
    }
    for page in [
        "triage",
        "explain",
        "check",
        "probe",
        "probe-dns",
        "probe-compose",
        "history",
        "comment",
        "rules",
        "man",
    ] {
        assert!(
            seen.contains(page),
            "{page} not reached from the main page: {seen:?}"
        );
    }
    // `ccci-triage man <page>` in its other spellings.
    assert_eq!(
        t.run(&["man", "probe-dns"]).stdout,
        t.run(&["man", "probe", "dns"]).stdout
    );
    assert_eq!(
        t.run(&["man", "ccci-triage-check"]).stdout,
        t.run(&["man", "check"]).stdout
    );
}

#[test]
fn every_subcommand_takes_format_table_or_json_with_one_header_style() {
    let t = Tool::new();
    let recipe = testdata("runs/redfix-bluesky-pds/abra/recipes/bluesky-pds");
    let recipe = recipe.to_str().unwrap();
    let cases: Vec<Vec<&str>> = vec![
        vec!["testdata/runs"],
        vec!["explain", "761", "testdata/runs"],
        vec!["check", recipe],
        vec!["history", "testdata/runs"],
        vec!["rules"],
        vec!["probe", "compose", recipe],
    ];
    for args in cases {
        for (format, json) in [("table", false), ("json", true)] {
            let mut a = args.clone();
            a.extend(["-f", format]);
            let o = t.run(&a);
            assert!(o.code == 0 || o.code == 3, "{a:?}: {}", o.stderr);
            if json {
                let v = o.json();
                if args[0] == "explain" {
                    let runs: BTreeSet<&str> = v["failures"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|f| f["run_id"].as_str().unwrap())
                        .collect();
                    assert_eq!(runs, BTreeSet::from(["761"]), "{v:#}");
                }
            } else if args[0] == "explain" {
                assert!(o.stdout.contains("ladder ("), "{}", o.stdout);
            } else {
                // The one builder's header: a heavy rule under the header.
                assert!(
                    o.stdout
                        .lines()
                        .any(|l| !l.is_empty() && l.chars().all(|c| c == '═')),
                    "{a:?} has no table header:\n{}",
                    o.stdout
                );
            }
        }
    }
    // The live probes take the same formats (no engine needed to see it).
    for probe in [
        vec!["probe", "dns", "--container", "x", "--name", "app"],
        vec!["probe", "aliases"],
        vec!["probe", "stack", "x"],
    ] {
        let mut a = probe.clone();
        a.extend(["-f", "yaml"]);
        let o = t.run(&a);
        assert_eq!(o.code, 2);
        assert!(o.stderr.contains("table, json"), "{a:?}: {}", o.stderr);
    }
}

#[test]
fn probe_compose_reads_the_compose_chain_as_check_does() {
    let t = Tool::new();
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path().join("myrecipe");
    write(
        &r.join("compose.yml"),
        "version: \"3.8\"\nservices:\n  app:\n    image: nginx:1.27\n    networks: [proxy]\nnetworks:\n  proxy:\n    external: true\n",
    );
    write(
        &r.join("compose.smtp.yml"),
        "version: \"3.8\"\nservices:\n  app:\n    environment:\n      - SMTP=on\n",
    );
    write(
        &r.join("compose.ldap.yml"),
        "version: \"3.8\"\nservices:\n  app:\n    environment:\n      - LDAP=on\n",
    );
    write(
        &r.join(".env.sample"),
        "TYPE=myrecipe\nexport COMPOSE_FILE=\"compose.yml\"\nCOMPOSE_FILE=\"$COMPOSE_FILE:./compose.smtp.yml\" # mail\n#COMPOSE_FILE=\"$COMPOSE_FILE:compose.ldap.yml\"\n",
    );
    let r = r.to_str().unwrap();
    let check = t.run(&["check", r, "-f", "json"]).json();
    let probe = t.run(&["probe", "compose", r, "-f", "json"]).json();
    assert_eq!(
        check["compose_files"],
        serde_json::json!(["compose.yml", "compose.smtp.yml"])
    );
    assert_eq!(probe["files"], check["compose_files"], "{probe:#}");
    assert_eq!(probe["files_from"], ".env.sample COMPOSE_FILE");
}

#[test]
fn history_explains_its_strip_and_flip_rate() {
    let t = Tool::new();
    let o = t.run(&["history", "testdata/runs"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let legend = o
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("strip, oldest"))
        .collect::<Vec<_>>()
        .join(" ");
    for w in [". pass", "F fail", "flip = red runs over the runs"] {
        assert!(legend.contains(w), "legend lacks {w}: {legend}");
    }
}
