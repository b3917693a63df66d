//! Hostile input and hostile files: one test per promise, each built at
//! run time from small inputs (FIFOs made with `mkfifo`, symlinks, files
//! written here) and each able to fail.
//!
//! - Nothing is written under a runs root, whatever the symlinks.
//! - A `next` command pasted into a shell runs nothing read from an input.
//! - A recipe name that is not a name never becomes a path.
//! - No terminal escape read from an input reaches stdout or stderr.
//! - The journal holds no live HTML from an input.
//! - A FIFO or a device never blocks a read: every run of the binary here
//!   is under a hang guard (a deadline, then a kill and a failure). The
//!   guard is not a timed assertion: it only turns a hang into a failure.
//! - A console's huge line is cut and said; a sweep log of many entries
//!   is read whole; a compose.yml with a byte that is not UTF-8 is read;
//!   an unusable history cache is set aside; damaged JUnit is said.
//!
//! How fast and how flat in memory is the benchmark's business
//! (scripts/bench.sh), not these tests'.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::{Seek, SeekFrom, Write};
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The hang guard's deadline for one run of the binary. A run here takes
/// well under a second; sixty seconds only tells a hang from a slow
/// machine.
const DEADLINE: Duration = Duration::from_secs(60);

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

/// What one run of the binary did.
struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Out {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    fn warnings(&self) -> Vec<String> {
        self.json()["warnings"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|w| w.as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl std::fmt::Display for Out {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Runs `cmd` to its end under the hang guard: stdout and stderr go to
/// files (no pipe to fill), stdin is empty; past [`DEADLINE`] the process
/// is killed and the test fails saying it blocked.
fn guarded(mut cmd: Command) -> Out {
    let tmp = tempfile::tempdir().unwrap();
    let (o, e) = (tmp.path().join("stdout"), tmp.path().join("stderr"));
    cmd.stdin(Stdio::null())
        .stdout(std::fs::File::create(&o).unwrap())
        .stderr(std::fs::File::create(&e).unwrap());
    let what = format!("{cmd:?}");
    let mut child = cmd.spawn().unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("still running after {DEADLINE:?}, killed (a read blocks): {what}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Out {
        code: status.code(),
        stdout: String::from_utf8_lossy(&std::fs::read(&o).unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&std::fs::read(&e).unwrap()).into_owned(),
    }
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success(), "mkfifo {}", path.display());
}

fn copy_dir(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from) {
        let e = e.unwrap();
        let target = to.join(e.path().strip_prefix(from).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else if e.file_type().is_symlink() {
            symlink(std::fs::read_link(e.path()).unwrap(), &target).unwrap();
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// Replaces `from` with `to` in a file (all occurrences); the file must
/// hold `from`.
fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} holds no {from:?}", path.display());
    std::fs::write(path, text.replace(from, to)).unwrap();
}

/// A scratch cc-ci host: a runs root and room around it. The binary runs
/// with its own HOME and cache, and `$CCCI_RUNS_DIR` set to a directory
/// that is not this root (so the root above a run directory or a file is
/// guarded because it is found, not because the environment names it).
struct Host {
    dir: tempfile::TempDir,
}

impl Host {
    fn new() -> Host {
        let h = Host {
            dir: tempfile::tempdir().unwrap(),
        };
        std::fs::create_dir_all(h.root()).unwrap();
        std::fs::create_dir_all(h.path().join("home")).unwrap();
        h
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn root(&self) -> PathBuf {
        self.path().join("runs")
    }

    /// Copies testdata's run `id` (its directory and its console) into
    /// the root, as `as_id`.
    fn copy_run_as(&self, id: &str, as_id: &str) -> PathBuf {
        let dir = self.root().join(as_id);
        copy_dir(&testdata().join("runs").join(id), &dir);
        let console = testdata().join("runs").join(format!("{id}.console.log"));
        if console.exists() {
            std::fs::copy(&console, self.root().join(format!("{as_id}.console.log"))).unwrap();
        }
        dir
    }

    fn copy_run(&self, id: &str) -> PathBuf {
        self.copy_run_as(id, id)
    }

    fn console(&self, id: &str) -> PathBuf {
        self.root().join(format!("{id}.console.log"))
    }

    /// The binary, with this host's environment.
    fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_ccci-triage"));
        c.current_dir(self.path())
            .env("NO_COLOR", "1")
            .env("COLUMNS", "100")
            .env("HOME", self.path().join("home"))
            .env("XDG_CACHE_HOME", self.path().join("cache"))
            .env("CCCI_RUNS_DIR", self.path().join("not-this-root"))
            .env_remove("ABRA_DIR")
            .env_remove("RUST_BACKTRACE");
        c
    }

    fn run<I, S>(&self, args: I) -> Out
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut c = self.cmd();
        c.args(args);
        guarded(c)
    }

    /// [`Host::run`] with tables as wide as they like: nothing needs to
    /// wrap, so a name on two lines is a kept newline.
    fn run_wide<I, S>(&self, args: I) -> Out
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut c = self.cmd();
        c.args(args).env("COLUMNS", "1000");
        guarded(c)
    }
}

/// Every entry under `dir` (symlinks not followed): its type, and for a
/// file its size, modification time and a hash of its bytes.
fn tree(dir: &Path) -> BTreeMap<PathBuf, String> {
    use std::hash::{Hash, Hasher};
    use std::os::unix::fs::MetadataExt;
    let mut out = BTreeMap::new();
    for e in walkdir::WalkDir::new(dir).follow_links(false) {
        let e = e.unwrap();
        let rel = e.path().strip_prefix(dir).unwrap().to_path_buf();
        let meta = e.path().symlink_metadata().unwrap();
        let what = if meta.file_type().is_symlink() {
            format!(
                "link -> {}",
                std::fs::read_link(e.path()).unwrap().display()
            )
        } else if meta.is_dir() {
            format!("dir mtime {}.{}", meta.mtime(), meta.mtime_nsec())
        } else if meta.is_file() {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            std::fs::read(e.path()).unwrap().hash(&mut h);
            format!(
                "file {} bytes, mtime {}.{}, hash {:016x}",
                meta.len(),
                meta.mtime(),
                meta.mtime_nsec(),
                h.finish()
            )
        } else {
            "special".to_string()
        };
        out.insert(rel, what);
    }
    out
}

fn os(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Vec<OsString> {
    args.iter().map(|a| a.as_ref().to_os_string()).collect()
}

// ------------------------------------------------------------- item 1

#[test]
fn item01_nothing_is_written_under_a_runs_root_whatever_the_links() {
    let h = Host::new();
    let root = h.root();
    let run = h.copy_run("redfix-mattermost-lts");
    let results = run.join("results.json");
    // A run directory kept elsewhere and linked into the root.
    let elsewhere = h.path().join("elsewhere");
    let linked_target = elsewhere.join("manual-4242");
    copy_dir(&testdata().join("runs/manual-4242"), &linked_target);
    let linked = root.join("manual-4242");
    symlink(&linked_target, &linked).unwrap();
    // Links kept beside the root (a directory of links to runs is itself
    // no root the output below goes to).
    let links = h.path().join("links");
    std::fs::create_dir_all(&links).unwrap();
    // A PATH that is a link to a run directory of the root.
    let via = links.join("via");
    symlink(&run, &via).unwrap();
    // Outputs that look harmless but land in the root.
    let out_link = links.join("journal.md");
    symlink(run.join("journal.md"), &out_link).unwrap();
    let out_dir_link = links.join("out");
    symlink(&run, &out_dir_link).unwrap();
    let cache_link = links.join("cache-link");
    symlink(&run, &cache_link).unwrap();

    let journal = |path: &dyn AsRef<std::ffi::OsStr>, append: &dyn AsRef<std::ffi::OsStr>| {
        os(&[
            path,
            &"--no-history",
            &"-f",
            &"journal",
            &"--append",
            append,
        ])
    };
    let cases: Vec<(&str, Vec<OsString>)> = vec![
        (
            "--append through a symlink into the root, PATH the root",
            journal(&root, &out_link),
        ),
        (
            "--append through a symlink, PATH a run directory",
            journal(&run, &out_link),
        ),
        (
            "--append through a symlink, PATH a single file",
            journal(&results, &out_link),
        ),
        (
            "--append into the run directory, PATH a single file",
            journal(&results, &run.join("journal.md")),
        ),
        (
            "--append through a linked directory, PATH a run directory",
            journal(&run, &out_dir_link.join("journal.md")),
        ),
        (
            "--append into a run directory linked into the root",
            journal(&root, &linked_target.join("journal.md")),
        ),
        (
            "--append into a linked run directory, PATH that run",
            journal(&linked, &linked_target.join("journal.md")),
        ),
        (
            "--append into the root, PATH a link to a run directory",
            journal(&via, &via.join("journal.md")),
        ),
        (
            "triage --cache inside the root",
            os(&[&run, &"--cache", &root.join(".cache")]),
        ),
        (
            "triage --cache through a link, PATH a single file",
            os(&[&results, &"--cache", &cache_link]),
        ),
        (
            "history --cache inside the root",
            os(&[&"history", &root, &"--cache", &root.join(".cache")]),
        ),
        (
            "history --cache through a link into the root",
            os(&[&"history", &root, &"--cache", &cache_link.join("c")]),
        ),
        (
            "--probe-record inside the root, PATH a run directory",
            os(&[&run, &"--probe", &"--probe-record", &run.join("probe.json")]),
        ),
        (
            "--probe-record through a linked directory, PATH a file",
            os(&[
                &results,
                &"--probe",
                &"--probe-record",
                &out_dir_link.join("probe.json"),
            ]),
        ),
        (
            "--probe-record into a run directory linked into the root",
            os(&[
                &root,
                &"--probe",
                &"--probe-record",
                &linked_target.join("probe.json"),
            ]),
        ),
    ];
    let before = (tree(&root), tree(&elsewhere));
    for (what, args) in cases {
        let out = h.run(&args);
        assert_eq!(out.code, Some(2), "{what}: refused with exit 2\n{out}");
        assert!(
            out.stderr.contains("never writes under a runs root"),
            "{what}: says why\n{out}"
        );
        assert_eq!(
            (tree(&root), tree(&elsewhere)),
            before,
            "{what}: the root is unchanged"
        );
    }
    // The same journal outside every root is written: the refusals above
    // are about where, not about --append.
    let outside = h.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    let fine = outside.join("journal-ok.md");
    let out = h.run(journal(&run, &fine));
    assert_eq!(out.code, Some(0), "{out}");
    assert!(
        std::fs::read_to_string(&fine)
            .unwrap()
            .contains("mattermost-lts")
    );
    assert_eq!((tree(&root), tree(&elsewhere)), before);
}

// ------------------------------------------------------------- item 12 (flag)

#[test]
fn item12_append_without_the_journal_format_is_a_usage_error() {
    let h = Host::new();
    let run = h.copy_run("redfix-mattermost-lts");
    let target = h.path().join("journal.md");
    for format in [None, Some("table"), Some("json"), Some("markdown")] {
        let mut args = os(&[&run, &"--no-history", &"--append", &target]);
        if let Some(f) = format {
            args.extend(os(&[&"-f", &f]));
        }
        let out = h.run(&args);
        assert_eq!(out.code, Some(2), "{format:?}\n{out}");
        assert!(out.stderr.contains("--format journal"), "{out}");
        assert!(out.stdout.is_empty(), "nothing printed instead: {out}");
        assert!(!target.exists(), "nothing appended");
    }
}

// ------------------------------------------------------------- item 2

/// A directory of stand-ins for every program a `next` command names:
/// each records its arguments (NUL-separated) and environment in a file
/// of its own per call, then exits 0. `python3` records and then runs the
/// real interpreter, with a `runner` package that records what cc-ci's
/// `abra.recipe_checkout` would have been called with.
struct Stubs {
    dir: tempfile::TempDir,
}

impl Stubs {
    fn new() -> Stubs {
        let s = Stubs {
            dir: tempfile::tempdir().unwrap(),
        };
        let bin = s.dir.path().join("bin");
        let log = s.dir.path().join("log");
        let py = s.dir.path().join("py/runner");
        for d in [&bin, &log, &py] {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::write(py.join("__init__.py"), "").unwrap();
        std::fs::write(
            py.join("abra.py"),
            "import json, os\n\
             def recipe_checkout(*args, **kwargs):\n    \
                 with open(os.environ['STUB_LOG'] + '/recipe_checkout.calls', 'a') as f:\n        \
                     f.write(json.dumps([list(args), kwargs]) + '\\n')\n",
        )
        .unwrap();
        let real_python = String::from_utf8(
            Command::new("sh")
                .args(["-c", "command -v python3"])
                .output()
                .unwrap()
                .stdout,
        )
        .unwrap();
        let real_python = real_python.trim();
        assert!(
            !real_python.is_empty(),
            "python3 is needed to run the next command's -c"
        );
        for name in [
            "python3",
            "cc-ci-run",
            "git",
            "ccci-triage",
            "abra",
            "docker",
        ] {
            let tail = if name == "python3" {
                format!("exec {real_python} \"$@\"")
            } else {
                "exit 0".to_string()
            };
            let script = format!(
                "#!/bin/sh\n\
                 f=\"$STUB_LOG/{name}.$$\"\n\
                 for a in \"$@\"; do printf '%s\\0' \"$a\"; done > \"$f.argv\"\n\
                 env > \"$f.env\"\n\
                 {tail}\n"
            );
            let p = bin.join(name);
            std::fs::write(&p, script).unwrap();
            let mut perm = std::fs::metadata(&p).unwrap().permissions();
            std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o755);
            std::fs::set_permissions(&p, perm).unwrap();
        }
        s
    }

    fn log(&self) -> PathBuf {
        self.dir.path().join("log")
    }

    /// Runs `command` as an operator who pastes it would: `sh -c` in an
    /// empty directory, the stand-ins first on PATH. Returns that
    /// directory (kept) for the caller to look into.
    fn paste(&self, command: &str) -> tempfile::TempDir {
        let cwd = tempfile::tempdir().unwrap();
        for e in std::fs::read_dir(self.log()).unwrap() {
            std::fs::remove_file(e.unwrap().path()).unwrap();
        }
        let mut c = Command::new("sh");
        c.arg("-c")
            .arg(command)
            .current_dir(cwd.path())
            .env(
                "PATH",
                format!("{}:/usr/bin:/bin", self.dir.path().join("bin").display()),
            )
            .env("PYTHONPATH", self.dir.path().join("py"))
            .env("STUB_LOG", self.log());
        guarded(c);
        cwd
    }

    /// The calls of `name` recorded by the last paste: each call's
    /// arguments.
    fn calls(&self, name: &str) -> Vec<Vec<String>> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(self.log()).unwrap() {
            let p = e.unwrap().path();
            let f = p.file_name().unwrap().to_string_lossy().into_owned();
            if f.starts_with(&format!("{name}.")) && f.ends_with(".argv") {
                let bytes = std::fs::read(&p).unwrap();
                out.push(
                    bytes
                        .split(|b| *b == 0)
                        .filter(|a| !a.is_empty())
                        .map(|a| String::from_utf8_lossy(a).into_owned())
                        .collect(),
                );
            }
        }
        out
    }

    /// The environment of the calls of `name` recorded by the last paste.
    fn envs(&self, name: &str) -> Vec<String> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(self.log()).unwrap() {
            let p = e.unwrap().path();
            let f = p.file_name().unwrap().to_string_lossy().into_owned();
            if f.starts_with(&format!("{name}.")) && f.ends_with(".env") {
                out.push(std::fs::read_to_string(&p).unwrap());
            }
        }
        out
    }
}

/// Every file named MARKER under `dir`.
fn markers(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_name() == "MARKER")
        .map(|e| e.path().to_path_buf())
        .collect()
}

/// Sets a key of a run's results.json.
fn set_result(run: &Path, key: &str, value: &str) {
    let p = run.join("results.json");
    let mut v: Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
    v[key] = Value::String(value.into());
    std::fs::write(&p, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
}

/// The commands a report hands out: JSON `next`, the table's `$` lines,
/// explain's `next:` block.
fn handed_out_commands(h: &Host, extra: &[&dyn AsRef<std::ffi::OsStr>]) -> Vec<String> {
    let mut base = os(&[&h.root(), &"--all", &"--no-history"]);
    base.extend(os(extra));
    let mut json_args = base.clone();
    json_args.extend(os(&[&"-f", &"json"]));
    let out = h.run(&json_args);
    assert_eq!(out.code, Some(0), "{out}");
    let v = out.json();
    let mut commands: Vec<String> = Vec::new();
    let mut runs: Vec<String> = Vec::new();
    for f in v["failures"].as_array().unwrap() {
        commands.push(f["next"].as_str().unwrap().to_string());
        runs.push(f["run_id"].as_str().unwrap().to_string());
    }
    let table = h.run(&base);
    assert_eq!(table.code, Some(0), "{table}");
    commands.extend(
        table
            .stdout
            .lines()
            .filter_map(|l| l.trim_start().strip_prefix("$ "))
            .map(str::to_string),
    );
    runs.dedup();
    for run in runs {
        let mut args = os(&[&"explain", &run]);
        args.extend(base.iter().filter(|a| *a != "--all").cloned());
        let out = h.run(&args);
        assert_eq!(out.code, Some(0), "explain {run}: {out}");
        let mut lines = out.stdout.lines();
        while let Some(l) = lines.next() {
            if l.trim() == "next:" {
                for n in lines.by_ref() {
                    match n.trim_start().strip_prefix("$ ") {
                        Some(c) => commands.push(c.to_string()),
                        None => break,
                    }
                }
            }
        }
    }
    commands.sort();
    commands.dedup();
    commands
}

/// An overlay's expected setting that is a payload (no space, so it is
/// still taken for a setting and looked up).
const NEEDLE: &str = "GITEA_IMAGE=$(touch${IFS}MARKER)`touch${IFS}MARKER`;touch${IFS}MARKER";

#[test]
fn item02_a_pasted_next_command_runs_nothing_read_from_a_run() {
    let h = Host::new();
    // Harness runs hand out cc-ci's runner at the run's recipe and
    // version; each copy carries one hostile value in results.json.
    let hostile: &[(&str, &str)] = &[
        ("recipe", "keycloak$(touch MARKER)"),
        ("recipe", "key'cloak"),
        ("recipe", "`touch MARKER`"),
        ("recipe", "keycloak;touch MARKER"),
        ("version", "10.3.1$(touch MARKER)"),
        ("version", "10.3.1'$(touch MARKER)'"),
        ("version", "10.3.1'; touch MARKER; '"),
        (
            "version",
            "10.3.1\"); __import__('os').system('touch MARKER'); (\"",
        ),
        ("version", "10.3.1\ntouch MARKER"),
        ("version", "10.3.1 && touch MARKER"),
    ];
    for (i, (key, value)) in hostile.iter().enumerate() {
        let run = h.copy_run_as("762", &format!("hostile-{i}"));
        set_result(&run, key, value);
        set_result(&run, "run_id", &format!("hostile-{i}"));
    }
    // A run id (a directory name) that is itself a payload: explain and
    // history commands carry it.
    let evil_id = "r$(touch MARKER)'x";
    let run = h.copy_run_as("redfix-mattermost-lts", evil_id);
    set_result(&run, "run_id", evil_id);
    // An overlay's expectation (the setting `git log -S` looks for) that
    // is a payload.
    let gitea = h.copy_run("sweep-20260614-gitea");
    edit(
        &gitea.join("junit/upgrade__cc-ci__test_upgrade.xml"),
        "gitea/gitea:1.24.2",
        NEEDLE,
    );
    let commands = handed_out_commands(&h, &[]);
    assert!(
        commands.iter().any(|c| c.starts_with("no command:")),
        "hostile values are refused: {commands:#?}"
    );
    assert!(
        commands
            .iter()
            .any(|c| c.contains("MARKER") && !c.starts_with("no command:")),
        "some payload is quoted into a command (the run id, the overlay's text): {commands:#?}"
    );
    let stubs = Stubs::new();
    // The detector itself: a payload that runs leaves a marker.
    assert_eq!(markers(stubs.paste("touch MARKER").path()).len(), 1);
    for c in &commands {
        let cwd = stubs.paste(c);
        assert_eq!(
            markers(cwd.path()),
            Vec::<PathBuf>::new(),
            "pasting {c:?} ran a payload"
        );
        assert_eq!(markers(h.path()), Vec::<PathBuf>::new(), "{c:?}");
    }
    // The values arrive as they were read.
    let stubs_seen: Vec<Vec<String>> = commands
        .iter()
        .filter(|c| c.contains("explain") && c.contains("MARKER"))
        .flat_map(|c| {
            stubs.paste(c);
            stubs.calls("ccci-triage")
        })
        .collect();
    assert!(
        stubs_seen
            .iter()
            .any(|argv| argv.first().map(String::as_str) == Some("explain")
                && argv.get(1).map(String::as_str) == Some(evil_id)),
        "explain gets the run id as one word: {stubs_seen:?}"
    );
    let git_seen: Vec<Vec<String>> = commands
        .iter()
        .filter(|c| c.contains("-S"))
        .flat_map(|c| {
            stubs.paste(c);
            stubs.calls("git")
        })
        .collect();
    assert!(
        git_seen
            .iter()
            .any(|argv| argv.last().map(String::as_str) == Some(NEEDLE)),
        "git log -S gets the expectation as one word: {git_seen:?}"
    );
}

#[test]
fn item02_a_plausible_recipe_and_version_reach_the_runner_exactly() {
    let h = Host::new();
    let run = h.copy_run_as("762", "plain-1");
    set_result(&run, "run_id", "plain-1");
    set_result(&run, "recipe", "key-cloak.2_x");
    set_result(&run, "version", "10.3.1+v26.2.5-rc_1");
    let out = h.run(os(&[&run, &"--no-history", &"-f", &"json"]));
    assert_eq!(out.code, Some(0), "{out}");
    let v = out.json();
    let next = v["failures"][0]["next"].as_str().unwrap().to_string();
    assert!(next.contains("cc-ci-run"), "{next}");
    let stubs = Stubs::new();
    stubs.paste(&next);
    let py = stubs.calls("python3");
    assert_eq!(py.len(), 1, "{py:?}");
    assert_eq!(py[0][0], "-c");
    let checkout = std::fs::read_to_string(stubs.log().join("recipe_checkout.calls"))
        .expect("the -c program ran and called abra.recipe_checkout");
    let call: Value = serde_json::from_str(checkout.trim()).unwrap();
    assert_eq!(
        call,
        serde_json::json!([["key-cloak.2_x", "10.3.1+v26.2.5-rc_1"], {}]),
        "{next}"
    );
    let runner = stubs.calls("cc-ci-run");
    assert_eq!(
        runner,
        vec![vec!["runner/run_recipe_ci.py".to_string()]],
        "{next}"
    );
    let env = stubs.envs("cc-ci-run");
    assert!(
        env[0].lines().any(|l| l == "RECIPE=key-cloak.2_x")
            && env[0].lines().any(|l| l == "CCCI_SKIP_FETCH=1"),
        "{next}"
    );
}

// ------------------------------------------------------------- item 3

/// The failure of `run` in a triage's JSON, by tier.
fn failure_of<'v>(v: &'v Value, run: &str, tier: &str) -> &'v Value {
    v["failures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["run_id"] == run && f["tier"] == tier)
        .unwrap_or_else(|| panic!("no {tier} failure of {run} in {v:#}"))
}

#[test]
fn item03_a_recipe_that_is_no_name_never_becomes_a_checkout() {
    let h = Host::new();
    // A checkout outside the root that, if read, confirms a recipe
    // defect (mattermost-lts's backup labels).
    let outside = h.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    let src = testdata().join("runs/redfix-mattermost-lts/abra/recipes/mattermost-lts");
    copy_dir(&src, &outside.join("mattermost-lts"));
    let recipes = h.path().join("recipes");
    std::fs::create_dir_all(&recipes).unwrap();

    // Controls: the same run with a plain name is confirmed from its own
    // checkout, and from the outside checkout when --recipes points there.
    let own = h.copy_run_as("redfix-mattermost-lts", "own");
    set_result(&own, "run_id", "own");
    let out = h.run(os(&[&own, &"--no-history", &"-f", &"json"]));
    assert_eq!(
        failure_of(&out.json(), "own", "restore")["confidence"],
        "confirmed",
        "{out}"
    );
    let bare = h.copy_run_as("redfix-mattermost-lts", "bare");
    set_result(&bare, "run_id", "bare");
    std::fs::remove_dir_all(bare.join("abra")).unwrap();
    let out = h.run(os(&[
        &bare,
        &"--no-history",
        &"--recipes",
        &outside,
        &"-f",
        &"json",
    ]));
    assert_eq!(
        failure_of(&out.json(), "bare", "restore")["confidence"],
        "confirmed",
        "the outside checkout decides when it is read: {out}"
    );

    let names = [
        outside.join("mattermost-lts").display().to_string(),
        "../../../../outside/mattermost-lts".to_string(),
        "../outside/mattermost-lts".to_string(),
        "mattermost-lts/../../../../outside/mattermost-lts".to_string(),
        "./../../../../outside/mattermost-lts".to_string(),
    ];
    for (i, name) in names.iter().enumerate() {
        let id = format!("escape-{i}");
        let run = h.copy_run_as("redfix-mattermost-lts", &id);
        set_result(&run, "run_id", &id);
        set_result(&run, "recipe", name);
        // Its own checkout is gone: only the escape would find one.
        std::fs::remove_dir_all(run.join("abra")).unwrap();
        let out = h.run(os(&[
            &run,
            &"--no-history",
            &"--recipes",
            &recipes,
            &"-f",
            &"json",
        ]));
        assert_eq!(out.code, Some(0), "{name}: {out}");
        let v = out.json();
        let f = failure_of(&v, &id, "restore");
        assert_ne!(
            f["confidence"], "confirmed",
            "{name}: no verdict from a directory outside the root: {f:#}"
        );
        assert!(
            !v.to_string().contains("outside/mattermost-lts/compose.yml"),
            "{name}: nothing read from the outside checkout: {v:#}"
        );
        let results = run.join("results.json").display().to_string();
        assert!(
            out.warnings()
                .iter()
                .any(|w| w.contains(&results) && w.contains("not a recipe name")),
            "{name}: a warning names {results}: {:?}",
            out.warnings()
        );
    }
}

// ------------------------------------------------------------- item 4

/// Terminal escapes an attacker would plant: a clipboard write (OSC 52), a
/// hyperlink (OSC 8), clear screen, colour, CR, BS, a C1 CSI, ST, DEL and
/// a bidi override. No `/`: it goes into file names too.
const ESCAPES: &str = "\u{1b}]52;c;SGVsbG8=\u{7}\u{1b}]8;;evil.example\u{7}link\u{1b}]8;;\u{7}\
\u{1b}[2J\u{1b}[31m\rCR\u{8}BS\u{9b}31mC1\u{1b}\\ST\u{7f}DEL\u{202e}RLO\u{7}";

/// The first control character in `s` other than a newline, with where.
fn first_control(s: &str) -> Option<(usize, char, String)> {
    s.char_indices()
        .find(|(_, c)| c.is_control() && *c != '\n')
        .map(|(i, c)| {
            let from = s[..i].char_indices().rev().nth(40).map_or(0, |(j, _)| j);
            (i, c, s[from..i].to_string())
        })
}

/// Names carry a newline before one of these words: the word may start
/// a line only where the width forced a wrap (the line before it is too
/// full to take it), never because the newline was kept.
const SPLITS: [&str; 3] = ["SPLIT", "TSPLIT", "RSPLIT"];

fn assert_no_split(what: &str, text: &str, width: usize) {
    let lines: Vec<&str> = text.lines().collect();
    for (i, l) in lines.iter().enumerate() {
        let t = l.trim_start();
        if !SPLITS.iter().any(|s| t.starts_with(s)) {
            continue;
        }
        let word = t.split(' ').next().unwrap_or_default().chars().count();
        let prev = if i == 0 {
            0
        } else {
            lines[i - 1].trim_end().chars().count()
        };
        assert!(
            i > 0 && prev + 1 + word > width,
            "{what}: a newline in a name started line {}: {l:?} (the line before has room)\n{text}",
            i + 1
        );
    }
}

/// In a table as wide as it likes (see [`Host::run_wide`]) no line may
/// start with the word at all.
fn assert_no_split_in_table(what: &str, text: &str) {
    for l in text.lines() {
        let t = l.trim_start();
        assert!(
            !SPLITS.iter().any(|s| t.starts_with(s)),
            "{what}: a newline in a name split a row: {l:?}\n{text}"
        );
    }
}

fn assert_clean(what: &str, out: &Out) {
    for (stream, text) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        if let Some((at, c, before)) = first_control(text) {
            panic!("{what}: {stream} holds {c:?} at byte {at}, after {before:?}\n{out}");
        }
    }
}

/// Replaces `from` with `to` in every string (and key) of a JSON value.
fn replace_in_json(v: &mut Value, from: &str, to: &str) {
    match v {
        Value::String(s) => *s = s.replace(from, to),
        Value::Array(a) => a.iter_mut().for_each(|x| replace_in_json(x, from, to)),
        Value::Object(o) => {
            let old = std::mem::take(o);
            for (k, mut x) in old {
                replace_in_json(&mut x, from, to);
                o.insert(k.replace(from, to), x);
            }
        }
        _ => {}
    }
}

#[test]
fn item04_no_terminal_escape_from_an_input_reaches_stdout_or_stderr() {
    let h = Host::new();
    let root = h.root();
    // A run whose id (its directory's name), recipe and console lines
    // carry the escapes, and a newline in its id.
    let id_a = format!("r{ESCAPES}\nSPLIT");
    let a = h.copy_run_as("762", &id_a);
    set_result(&a, "run_id", &id_a);
    set_result(&a, "recipe", &format!("keycloak{ESCAPES}\nRSPLIT"));
    edit(
        &h.console(&id_a),
        "rate limit reached",
        &format!("rate limit {ESCAPES} reached"),
    );
    // A run whose test name and message carry them, beside a damaged
    // JUnit file whose name does (a warning's subject).
    let id_b = format!("n{ESCAPES}");
    let b = h.copy_run_as("redfix-nextcloud", &id_b);
    set_result(&b, "run_id", &id_b);
    let test = format!("test_occ_status_installed{ESCAPES}\nTSPLIT");
    for p in [
        b.join("junit/custom__recipe__test_occ.xml"),
        b.join("results.json"),
        h.console(&id_b),
    ] {
        let text = std::fs::read_to_string(&p).unwrap();
        let text = if p.ends_with("results.json") {
            let mut v: Value = serde_json::from_str(&text).unwrap();
            replace_in_json(&mut v, "test_occ_status_installed", &test);
            serde_json::to_string(&v).unwrap()
        } else {
            text.replace("test_occ_status_installed", &test)
                .replace("occ status not ready", &format!("occ {ESCAPES} not ready"))
        };
        std::fs::write(&p, text).unwrap();
    }
    std::fs::write(
        b.join(format!("junit/install__generic__x{ESCAPES}.xml")),
        b"<testsuite><testcase name=\"t\"",
    )
    .unwrap();
    // A routing collision whose probe recording names a foreign stack with
    // the escapes.
    h.copy_run("redfix-bluesky-pds");
    let mut rec: Value = serde_json::from_slice(
        &std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("src/sources/docker/testdata/bluesky-collision.json"),
        )
        .unwrap(),
    )
    .unwrap();
    replace_in_json(
        &mut rec,
        "traefik_ci_commoninternet_net",
        &format!("traefik{ESCAPES}"),
    );
    replace_in_json(&mut rec, "Docker 20.10.24", &format!("Docker{ESCAPES}"));
    let replay = h.path().join("probe.json");
    std::fs::write(&replay, serde_json::to_vec(&rec).unwrap()).unwrap();

    let table = h.run(os(&[
        &root,
        &"--all",
        &"--no-history",
        &"-v",
        &"--probe-replay",
        &replay,
    ]));
    assert_eq!(table.code, Some(0), "{table}");
    assert_clean("triage table", &table);
    // The names are there, cleaned, each on one line.
    let id_shown = "rlink CRBS31mC1STDELRLO SPLIT";
    assert!(
        table.stdout.lines().any(|l| l.contains(id_shown)),
        "the run id shows, cleaned: {table}"
    );
    assert_no_split("triage text", &table.stdout, 100);
    let wide = h.run_wide(os(&[
        &root,
        &"--all",
        &"--no-history",
        &"--probe-replay",
        &replay,
    ]));
    assert_clean("wide triage table", &wide);
    assert_no_split_in_table("triage table", &wide.stdout);
    assert_no_split("triage stderr", &table.stderr, usize::MAX);
    assert!(
        table.stderr.contains("install__generic__x"),
        "the damaged file is warned about: {table}"
    );

    for id in [&id_a, &id_b, &"redfix-bluesky-pds".to_string()] {
        let out = h.run(os(&[
            &"explain",
            id,
            &root,
            &"--no-history",
            &"-v",
            &"--probe-replay",
            &replay,
        ]));
        assert_eq!(out.code, Some(0), "explain {id:?}: {out}");
        assert_clean(&format!("explain {id:?}"), &out);
        assert!(out.stdout.contains("verdict:"), "{out}");
        assert_no_split(&format!("explain {id:?}"), &out.stdout, 100);
        assert_no_split(&format!("explain {id:?} stderr"), &out.stderr, usize::MAX);
    }
    let probe = h.run(os(&[
        &"explain",
        &"redfix-bluesky-pds",
        &root,
        &"--no-history",
        &"--probe-replay",
        &replay,
    ]));
    assert!(
        probe.stdout.contains("traefiklink"),
        "the probe's hostile stack name is shown, cleaned: {probe}"
    );

    let history = h.run(os(&[&"history", &root, &"-v"]));
    assert_eq!(history.code, Some(0), "{history}");
    assert_clean("history table", &history);
    assert!(
        history.stdout.contains("test_occ_status_installedlink"),
        "{history}"
    );
    let wide = h.run_wide(os(&[&"history", &root]));
    assert_no_split_in_table("history table", &wide.stdout);
    assert_no_split("history stderr", &history.stderr, usize::MAX);

    // check: a recipe directory, a service and a label with the escapes
    // (YAML writes them as escapes in a double-quoted key), and a byte
    // that is not UTF-8 (a warning naming the file).
    let recipe = h.path().join(format!("recipe{ESCAPES}"));
    copy_dir(
        &testdata().join("runs/redfix-mattermost-lts/abra/recipes/mattermost-lts"),
        &recipe,
    );
    let compose = recipe.join("compose.yml");
    let yaml_escapes = "\\e]52;c;SGVsbG8=\\a\\e]8;;evil\\alink\\e[2J\\rCR\\bBS\\x9b31mC1\\nSPLIT";
    let text = std::fs::read_to_string(&compose).unwrap();
    assert!(text.contains("\n  postgres:\n"), "{text}");
    let text = text.replace(
        "\n  postgres:\n",
        &format!("\n  \"postgres{yaml_escapes}\":\n"),
    );
    let mut bytes = text.into_bytes();
    bytes.extend_from_slice(b"# caf\xe9\n");
    std::fs::write(&compose, bytes).unwrap();
    let check = h.run(os(&[&"check", &recipe]));
    assert_eq!(check.code, Some(3), "the finding is still found: {check}");
    assert_clean("check table", &check);
    assert!(check.stdout.contains("postgreslink"), "{check}");
    assert!(check.stderr.contains("compose.yml"), "{check}");
    let wide = h.run_wide(os(&[&"check", &recipe]));
    assert_no_split_in_table("check table", &wide.stdout);
    assert_no_split("check stderr", &check.stderr, usize::MAX);
}

// ------------------------------------------------------------- item 5

/// Markup an attacker would plant in a log line, a test message or a
/// recipe's file: tags, a stray `</details>`, links, images, an autolink.
const MARKUP: &str = "<a href=\"http://evil.example/a\">click</a> <img src=x onerror=alert(1)> \
<script>alert(2)</script> </details> [link](http://evil.example/l) \
![img](http://evil.example/i.png) <http://evil.example/auto> <!-- planted -->";

/// What a CommonMark renderer (GitHub's options) makes live of `md`:
/// raw HTML and the targets of links and images.
fn live_markup(md: &str) -> (Vec<String>, Vec<String>, String) {
    use pulldown_cmark::{Event, Options, Parser, Tag};
    let mut html = Vec::new();
    let mut links = Vec::new();
    let mut text = String::new();
    let opts = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES;
    for e in Parser::new_ext(md, opts) {
        match e {
            Event::Html(h) | Event::InlineHtml(h) => html.push(h.to_string()),
            Event::Start(Tag::Link { dest_url, .. })
            | Event::Start(Tag::Image { dest_url, .. }) => links.push(dest_url.to_string()),
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            _ => {}
        }
    }
    (html, links, text)
}

#[test]
fn item05_the_journal_and_the_markdown_hold_no_live_markup_from_inputs() {
    let h = Host::new();
    let root = h.root();
    // Evidence and cause: a harness signature line with markup.
    h.copy_run("762");
    edit(
        &h.console("762"),
        "rate limit reached",
        &format!("rate limit {MARKUP} reached"),
    );
    // Cause and fix: a service name with markup (a recipe defect names
    // the service in both).
    let mm = h.copy_run("redfix-mattermost-lts");
    let compose = mm.join("abra/recipes/mattermost-lts/compose.yml");
    edit(
        &compose,
        "\n  postgres:\n",
        "\n  \"postgres<img src=x onerror=alert(3)></details>\":\n",
    );
    // Evidence: a test message with markup.
    edit(
        &mm.join("junit/restore__generic__test_restore.xml"),
        "does not exist&#10;",
        &format!(
            "does not exist {}&#10;",
            MARKUP
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;")
        ),
    );
    // Cause: an overlay's expectation with markup (no space: a setting).
    let gitea = h.copy_run("sweep-20260614-gitea");
    edit(
        &gitea.join("junit/upgrade__cc-ci__test_upgrade.xml"),
        "gitea/gitea:1.24.2",
        "GITEA=&lt;script&gt;alert(4)&lt;/script&gt;&lt;/details&gt;",
    );

    for format in ["journal", "markdown"] {
        let out = h.run(os(&[&root, &"--all", &"--no-history", &"-f", &format]));
        assert_eq!(out.code, Some(0), "{format}: {out}");
        let (html, links, text) = live_markup(&out.stdout);
        let bad: Vec<&String> = html
            .iter()
            .filter(|h| {
                ["<a ", "<img", "<script", "planted", "evil", "alert"]
                    .iter()
                    .any(|t| h.contains(t))
            })
            .collect();
        assert!(
            bad.is_empty(),
            "{format}: live HTML from an input: {bad:?}\n{}",
            out.stdout
        );
        // The report's own `<details>` blocks are balanced: none is closed
        // by an input.
        let opened = html.iter().filter(|h| h.contains("<details")).count();
        let closed = html.iter().filter(|h| h.contains("</details")).count();
        assert_eq!(opened, closed, "{format}: {html:?}\n{}", out.stdout);
        assert!(
            links.iter().all(|l| !l.contains("evil")),
            "{format}: a live link from an input: {links:?}\n{}",
            out.stdout
        );
        // Not vacuous: the planted text is in the report, as text.
        for planted in ["alert(1)", "alert(3)", "alert(4)"] {
            assert!(
                text.contains(planted),
                "{format}: {planted} is shown as text\n{}",
                out.stdout
            );
        }
    }
}

// ------------------------------------------------------------- item 6

/// What a hostile file is made of.
#[derive(Clone, Copy, Debug)]
enum Special {
    Fifo,
    /// A symlink to /dev/zero: endless bytes.
    Zero,
    /// A symlink to /dev/null.
    Null,
}

impl Special {
    const ALL: [Special; 3] = [Special::Fifo, Special::Zero, Special::Null];

    /// Puts this in place of `path` (whatever was there goes).
    fn plant(self, path: &Path) {
        if path.symlink_metadata().is_ok() {
            std::fs::remove_file(path).unwrap();
        }
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        match self {
            Special::Fifo => mkfifo(path),
            Special::Zero => symlink("/dev/zero", path).unwrap(),
            Special::Null => symlink("/dev/null", path).unwrap(),
        }
    }

    /// The word a message uses for it.
    fn word(self) -> &'static str {
        match self {
            Special::Fifo => "FIFO",
            Special::Zero | Special::Null => "device",
        }
    }
}

/// `out` names `path` and says what it is, in a warning (exit 0) or an
/// error (exit 2).
fn assert_said(what: &str, out: &Out, path: &Path, special: Special, code: i32) {
    assert_said_as(what, out, path, special.word(), code)
}

fn assert_said_as(what: &str, out: &Out, path: &Path, word: &str, code: i32) {
    assert_eq!(out.code, Some(code), "{what}: exit {code}\n{out}");
    let p = path.display().to_string();
    let said: Vec<String> = if code == 0 {
        out.warnings()
    } else {
        out.stderr.lines().map(str::to_string).collect()
    };
    assert!(
        said.iter().any(|w| w.contains(&p) && w.contains(word)),
        "{what}: a message names {p} as {word}: {said:#?}\n{out}"
    );
}

#[test]
fn item06_fifos_and_devices_are_never_read_and_always_named() {
    for special in Special::ALL {
        // Files of a run, beside the others: a warning, the run still
        // triaged from what is left.
        let h = Host::new();
        let run = h.copy_run("redfix-mattermost-lts");
        let json = |extra: &[&dyn AsRef<std::ffi::OsStr>]| {
            let mut a = os(&[&run, &"--no-history", &"-f", &"json"]);
            a.extend(os(extra));
            h.run(&a)
        };
        let restore_is_red = |out: &Out| {
            let v = out.json();
            assert!(
                v["failures"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|f| f["tier"] == "restore"),
                "{special:?}: the run is still triaged: {v:#}"
            );
        };

        let console = h.console("redfix-mattermost-lts");
        let saved = std::fs::read(&console).unwrap();
        special.plant(&console);
        let out = json(&[]);
        assert_said("console beside the run", &out, &console, special, 0);
        restore_is_red(&out);
        std::fs::remove_file(&console).unwrap();
        std::fs::write(&console, &saved).unwrap();

        let results = run.join("results.json");
        let saved = std::fs::read(&results).unwrap();
        special.plant(&results);
        let out = json(&[]);
        assert_said("results.json", &out, &results, special, 0);
        restore_is_red(&out);
        std::fs::remove_file(&results).unwrap();
        std::fs::write(&results, &saved).unwrap();

        let junit = run.join("junit/install__generic__test_install.xml");
        special.plant(&junit);
        let out = json(&[]);
        assert_said("a JUnit file", &out, &junit, special, 0);
        restore_is_red(&out);

        let compose = run.join("abra/recipes/mattermost-lts/compose.yml");
        special.plant(&compose);
        let out = json(&[]);
        // A checkout's symlinks are never followed at all.
        let word = match special {
            Special::Fifo => "FIFO",
            _ => "symlink",
        };
        assert_said_as("compose.yml of the checkout", &out, &compose, word, 0);
        restore_is_red(&out);

        let canonicals = h.path().join("ci-warm");
        let canonical = canonicals.join("mattermost-lts/canonical.json");
        special.plant(&canonical);
        let out = json(&[&"--canonicals", &canonicals]);
        assert_said("canonical.json", &out, &canonical, special, 0);
        restore_is_red(&out);

        // Files named on the command line: exit 2, naming them.
        let named = h.path().join("named.log");
        special.plant(&named);
        let out = json(&[&"--console", &named]);
        assert_said("--console", &out, &named, special, 2);
        let out = h.run(os(&[&h.root(), &"--no-history", &"--sweep-log", &named]));
        assert_said("--sweep-log", &out, &named, special, 2);
        let out = json(&[&"--probe-replay", &named]);
        assert_said("--probe-replay", &out, &named, special, 2);
        let rules = h.path().join("rules");
        copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("rules"), &rules);
        let rule_file = rules.join("harness.toml");
        special.plant(&rule_file);
        let out = json(&[&"--rules", &rules]);
        assert_said("a rules file", &out, &rule_file, special, 2);
    }
}

#[test]
fn item06_a_console_given_as_dev_null_or_dev_zero_is_refused() {
    let h = Host::new();
    let run = h.copy_run("redfix-mattermost-lts");
    for dev in ["/dev/null", "/dev/zero"] {
        let out = h.run(os(&[&run, &"--no-history", &"--console", &dev]));
        assert_said("--console", &out, Path::new(dev), Special::Null, 2);
        let out = h.run(os(&[&run, &"--no-history", &"--probe-replay", &dev]));
        assert_said("--probe-replay", &out, Path::new(dev), Special::Null, 2);
        let out = h.run(os(&[&run, &"--no-history", &"--sweep-log", &dev]));
        assert_said("--sweep-log", &out, Path::new(dev), Special::Null, 2);
    }
}

// ------------------------------------------------------------- item 7

/// Writes `lines` to `path` with one line of `huge` bytes (no newline in
/// it) after the `after`-th line.
fn write_with_huge_line(path: &Path, lines: &[&str], after: usize, huge: usize) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for l in &lines[..after] {
        writeln!(f, "{l}").unwrap();
    }
    let block = vec![b'x'; 1 << 20];
    let mut left = huge;
    while left > 0 {
        let n = left.min(block.len());
        f.write_all(&block[..n]).unwrap();
        left -= n;
    }
    f.write_all(b"\n").unwrap();
    for l in &lines[after..] {
        writeln!(f, "{l}").unwrap();
    }
    f.flush().unwrap();
}

#[test]
fn item07_a_console_with_one_huge_line_is_cut_said_and_still_triaged() {
    let h = Host::new();
    let run = h.copy_run("redfix-mattermost-lts");
    let console = h.console("redfix-mattermost-lts");
    let text = std::fs::read_to_string(&console).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // The huge line comes early: what decides the verdict (the restore's
    // lines) is after it, so it is read only if the reader goes on.
    write_with_huge_line(&console, &lines, 5, 64 << 20);
    let tee = h.path().join("tee.log");
    std::fs::copy(&console, &tee).unwrap();

    let out = h.run(os(&[&run, &"--no-history", &"-f", &"json"]));
    assert_eq!(out.code, Some(0), "{out}");
    let p = console.display().to_string();
    assert!(
        out.warnings()
            .iter()
            .any(|w| w.contains(&p) && w.contains("cut")),
        "the cut is said, naming the console: {:?}",
        out.warnings()
    );
    let v = out.json();
    let f = failure_of(&v, "redfix-mattermost-lts", "restore");
    assert_eq!(f["class"], "recipe-defect", "{f:#}");
    assert!(
        v.to_string().contains("Restoring Snapshot"),
        "the console's lines after the huge one are read: {v:#}"
    );

    // The same console given with --console, the run's own removed.
    std::fs::remove_file(&console).unwrap();
    let out = h.run(os(&[
        &run,
        &"--no-history",
        &"--console",
        &tee,
        &"-f",
        &"json",
    ]));
    assert_eq!(out.code, Some(0), "{out}");
    let p = tee.display().to_string();
    assert!(
        out.warnings()
            .iter()
            .any(|w| w.contains(&p) && w.contains("cut")),
        "{:?}",
        out.warnings()
    );
    assert!(out.stdout.contains("Restoring Snapshot"), "{out}");
}

// ------------------------------------------------------------- item 8

#[test]
fn item08_a_sweep_log_of_twenty_thousand_entries_is_read_whole() {
    use ccci_triage::ingest::sweep::{SweepSource, read};
    use ccci_triage::model::{SweepOutcome, Warnings};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sweep.log");
    const N: usize = 20_000;
    let mut log =
        String::from("===== nightly cold sweep: enrolled canonicals = ['r0', 'r1'] =====\n");
    for i in 0..N {
        let recipe = format!("r{}", i % 97);
        log.push_str(&format!(
            "RECIPE={recipe} CCCI_SKIP_FETCH=1 cc-ci-run runner/run_recipe_ci.py\n"
        ));
        if i % 3 == 0 {
            log.push_str(&format!(
                "WC5 promote failed: abra app deploy warm-{recipe}.ci.commoninternet.net failed (1)\n"
            ));
            log.push_str(&format!("sweep: {recipe} rc=0 (PASS (promoted))\n"));
        } else if i % 3 == 1 {
            log.push_str(&format!(
                "canonical {recipe} advanced to known-good 1.0.{i}+1\n"
            ));
            log.push_str(&format!("sweep: {recipe} rc=0 (PASS (promoted))\n"));
        } else {
            log.push_str(&format!(
                "sweep: {recipe} rc=7 (FAIL (red; canonical unchanged))\n"
            ));
        }
    }
    std::fs::write(&path, &log).unwrap();
    let rules = ccci_triage::rules::RuleSet::builtin();
    let mut warnings = Warnings::new();
    let sweep = read(&SweepSource::File(path.clone()), &rules, &mut warnings).unwrap();
    assert_eq!(sweep.entries.len(), N, "every entry read");
    assert!(
        sweep.unread.is_empty(),
        "{:?}",
        &sweep.unread[..sweep.unread.len().min(5)]
    );
    assert!(warnings.is_empty(), "{:?}", warnings.as_slice());
    let count =
        |f: &dyn Fn(&SweepOutcome) -> bool| sweep.entries.iter().filter(|e| f(&e.outcome)).count();
    assert_eq!(
        count(&|o| matches!(o, SweepOutcome::PromoteFailed { .. })),
        N.div_ceil(3),
        "every promote failure under its own entry (the label is not trusted)"
    );
    assert_eq!(count(&|o| matches!(o, SweepOutcome::Red)), N / 3);
    assert_eq!(
        count(&|o| matches!(o, SweepOutcome::Promoted)),
        N - N.div_ceil(3) - N / 3
    );
    // The last entry is the last recipe's, with its own rc: nothing of a
    // late block is lost to an early one.
    let last = sweep.entries.last().unwrap();
    assert_eq!(last.recipe, format!("r{}", (N - 1) % 97));
    assert_eq!(last.rc, Some(if (N - 1) % 3 == 2 { 7 } else { 0 }));
    for (i, e) in sweep.entries.iter().enumerate() {
        assert_eq!(e.recipe, format!("r{}", i % 97), "entry {i} in order");
        if i % 3 == 0 {
            assert!(
                e.promote.is_some(),
                "entry {i}: its promote line is its own"
            );
        }
    }
}

// ------------------------------------------------------------- item 9

#[test]
fn item09_a_compose_file_with_a_byte_that_is_not_utf8_is_read_and_said() {
    let h = Host::new();
    let run = h.copy_run("redfix-mattermost-lts");
    let recipe = run.join("abra/recipes/mattermost-lts");
    let compose = recipe.join("compose.yml");
    let text = std::fs::read(&compose).unwrap();
    // One Latin-1 byte in a comment, before the services.
    let mut bytes = b"# maintained by Ren\xe9\n".to_vec();
    bytes.extend_from_slice(&text);
    std::fs::write(&compose, bytes).unwrap();
    let p = compose.display().to_string();

    let out = h.run(os(&[&"check", &recipe, &"-f", &"json"]));
    assert_eq!(out.code, Some(3), "the finding is still found: {out}");
    let v = out.json();
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["check"] == "backup.restore-replays-no-dump"),
        "{v:#}"
    );
    assert!(
        out.stderr
            .lines()
            .any(|l| l.contains(&p) && l.contains("UTF-8")),
        "check warns naming {p}: {out}"
    );
    let table = h.run(os(&[&"check", &recipe]));
    assert_eq!(table.code, Some(3), "{table}");
    assert!(
        table.stdout.contains("backup.restore-replays-no-dump"),
        "{table}"
    );
    assert!(!table.stdout.contains("no compose.yml"), "{table}");

    let out = h.run(os(&[&run, &"--no-history", &"-f", &"json"]));
    assert_eq!(out.code, Some(0), "{out}");
    let v = out.json();
    let f = failure_of(&v, "redfix-mattermost-lts", "restore");
    assert_eq!(
        (f["class"].as_str(), f["confidence"].as_str()),
        (Some("recipe-defect"), Some("confirmed")),
        "the verdict stands: {f:#}"
    );
    assert!(
        out.warnings()
            .iter()
            .any(|w| w.contains(&p) && w.contains("UTF-8")),
        "triage warns naming {p}: {:?}",
        out.warnings()
    );
}

// ------------------------------------------------------------- item 11

#[test]
fn item11_an_unusable_history_cache_is_set_aside_and_rebuilt() {
    let h = Host::new();
    h.copy_run("redfix-mattermost-lts");
    h.copy_run("redfix-nextcloud");
    let cache = h.path().join("cache-dir");
    let history = || {
        h.run(os(&[
            &"history",
            &h.root(),
            &"--cache",
            &cache,
            &"-f",
            &"json",
            &"-v",
        ]))
    };
    let out = history();
    assert_eq!(out.code, Some(0), "{out}");
    let db = PathBuf::from(out.json()["index"].as_str().unwrap());
    assert!(db.is_file(), "{}", db.display());
    let tests_seen = out.json()["tests"].as_array().map(Vec::len);

    let clear = |db: &Path| {
        for e in std::fs::read_dir(db.parent().unwrap()).unwrap() {
            let p = e.unwrap().path();
            if p.symlink_metadata().unwrap().is_dir() {
                std::fs::remove_dir_all(&p).unwrap();
            } else {
                std::fs::remove_file(&p).unwrap();
            }
        }
    };
    type Plant = Box<dyn Fn(&Path)>;
    let cases: Vec<(&str, Plant)> = vec![
        (
            "a directory",
            Box::new(|db: &Path| {
                std::fs::create_dir(db).unwrap();
                std::fs::write(db.join("keep.txt"), "mine").unwrap();
            }),
        ),
        (
            "a foreign SQLite file with tables of the same names",
            Box::new(|db: &Path| {
                let c = rusqlite::Connection::open(db).unwrap();
                c.execute_batch(
                    "CREATE TABLE runs (x TEXT); CREATE TABLE meta (y TEXT); \
                     INSERT INTO runs VALUES ('theirs');",
                )
                .unwrap();
            }),
        ),
        (
            "a foreign SQLite file of another schema version",
            Box::new(|db: &Path| {
                let c = rusqlite::Connection::open(db).unwrap();
                c.execute_batch("CREATE TABLE t (x); PRAGMA user_version = 424242;")
                    .unwrap();
            }),
        ),
        (
            "a symlink to /dev/zero",
            Box::new(|db: &Path| symlink("/dev/zero", db).unwrap()),
        ),
        ("a FIFO", Box::new(|db: &Path| mkfifo(db))),
        (
            "bytes that are no database",
            Box::new(|db: &Path| std::fs::write(db, vec![0xA5u8; 10_000]).unwrap()),
        ),
    ];
    for (what, plant) in cases {
        clear(&db);
        plant(&db);
        let out = history();
        assert_eq!(out.code, Some(0), "{what}: history still runs\n{out}");
        assert_eq!(
            out.json()["tests"].as_array().map(Vec::len),
            tests_seen,
            "{what}: the index is rebuilt in full"
        );
        assert!(
            out.stderr.contains("set aside") && out.stderr.contains(&db.display().to_string()),
            "{what}: a warning says where it went\n{out}"
        );
        let meta = db.symlink_metadata().unwrap();
        assert!(meta.is_file(), "{what}: a new index in its place");
        let aside: Vec<PathBuf> = std::fs::read_dir(db.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.to_string_lossy().contains(".set-aside-"))
            .collect();
        assert_eq!(aside.len(), 1, "{what}: set aside, not deleted: {aside:?}");
        if what == "a directory" {
            assert_eq!(
                std::fs::read_to_string(aside[0].join("keep.txt")).unwrap(),
                "mine"
            );
        }
        // And the rebuilt index is used as it is on the next run.
        let again = history();
        assert_eq!(again.code, Some(0), "{what}: {again}");
        assert!(!again.stderr.contains("set aside"), "{what}: {again}");
        // triage shares the index.
        let t = h.run(os(&[&h.root(), &"--cache", &cache, &"-f", &"json"]));
        assert_eq!(t.code, Some(0), "{what}: triage {t}");
    }
}

// ------------------------------------------------------------- item 12

/// JUnit files that a lenient reader would take silently: each must give a
/// warning naming the file. Kept as test inputs (the issue's "inputs that
/// do it").
fn malformed_junit() -> Vec<(&'static str, Vec<u8>)> {
    let huge_attr = {
        let mut v = b"<testsuite name=\"pytest\" tests=\"1\"><testcase classname=\"tests._generic.test_smoke\" name=\"test_login_page\"><failure message=\"".to_vec();
        v.extend(std::iter::repeat_n(b'A', 8 << 20));
        v.extend_from_slice(b"\">body</failure></testcase>");
        // and never closed
        v
    };
    let mut bomb =
        String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n");
    for i in 1..=9 {
        let prev = if i == 1 {
            "lol".to_string()
        } else {
            format!("lol{}", i - 1)
        };
        bomb.push_str(&format!(
            "<!ENTITY lol{i} \"{}\">\n",
            format!("&{prev};").repeat(10)
        ));
    }
    bomb.push_str("]>\n<testsuite name=\"pytest\" tests=\"1\"><testcase classname=\"c\" name=\"&lol9;\"><failure message=\"&lol9;\"/></testcase></testsuite>\n");
    vec![
        (
            "unclosed tags",
            b"<?xml version=\"1.0\"?><testsuites><testsuite name=\"pytest\" tests=\"1\"><testcase classname=\"tests._generic.test_smoke\" name=\"test_login_page\" time=\"1.0\">".to_vec(),
        ),
        (
            "mismatched closing tags",
            b"<testsuites><testsuite name=\"pytest\"><testcase classname=\"c\" name=\"t\"></testsuite></testcase></testsuites>".to_vec(),
        ),
        ("wrong root", b"<html><body><testcase name=\"t\"/></body></html>".to_vec()),
        (
            "another XML vocabulary",
            b"<?xml version=\"1.0\"?><coverage line-rate=\"0.5\"><packages/></coverage>".to_vec(),
        ),
        ("binary junk", (0..4096u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect()),
        ("a PNG named .xml", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89".to_vec()),
        ("empty", Vec::new()),
        ("only whitespace", b"  \n\t\n".to_vec()),
        ("a huge attribute, unclosed", huge_attr),
        ("an entity bomb", bomb.into_bytes()),
        (
            "an undefined entity",
            b"<testsuite><testcase classname=\"c\" name=\"t\"><failure message=\"&nope;\"/></testcase></testsuite>".to_vec(),
        ),
        (
            "text after the root",
            b"<testsuite><testcase classname=\"c\" name=\"t\"/></testsuite><testsuite>".to_vec(),
        ),
        (
            "an attribute without quotes",
            b"<testsuite><testcase classname=c name=t/></testsuite>".to_vec(),
        ),
        (
            "a NUL in the middle",
            b"<testsuite><testcase classname=\"c\" name=\"t\0\"/></testsuite>".to_vec(),
        ),
    ]
}

#[test]
fn item12_malformed_junit_is_always_said_and_the_run_still_triaged() {
    for (what, bytes) in malformed_junit() {
        let h = Host::new();
        let run = h.copy_run("redfix-mattermost-lts");
        let junit = run.join("junit/custom__generic__test_smoke.xml");
        std::fs::write(&junit, &bytes).unwrap();
        let out = h.run(os(&[&run, &"--no-history", &"-f", &"json"]));
        assert_eq!(out.code, Some(0), "{what}: {out}");
        let p = junit.display().to_string();
        assert!(
            out.warnings()
                .iter()
                .any(|w| w.starts_with(&format!("{p}: "))),
            "{what}: a warning names {p}: {:?}",
            out.warnings()
        );
        let v = out.json();
        assert!(
            v["failures"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["tier"] == "restore"),
            "{what}: the run is still triaged: {v:#}"
        );
        assert!(
            out.stdout.len() < 1 << 20,
            "{what}: no input is copied whole into the report ({} bytes)",
            out.stdout.len()
        );
    }
}

#[test]
fn item12_a_junit_file_over_its_cap_is_said_and_not_read() {
    let h = Host::new();
    let run = h.copy_run("redfix-mattermost-lts");
    let junit = run.join("junit/custom__generic__test_smoke.xml");
    // Sparse: 100 MiB that take no disk and no time to write.
    let f = std::fs::File::create(&junit).unwrap();
    f.set_len(100 << 20).unwrap();
    let mut f = f;
    f.seek(SeekFrom::Start(0)).unwrap();
    f.write_all(b"<testsuite>").unwrap();
    drop(f);
    let out = h.run(os(&[&run, &"--no-history", &"-f", &"json"]));
    assert_eq!(out.code, Some(0), "{out}");
    let p = junit.display().to_string();
    assert!(
        out.warnings()
            .iter()
            .any(|w| w.contains(&p) && w.contains("MiB")),
        "{:?}",
        out.warnings()
    );
}
