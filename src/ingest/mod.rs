//! Ingest: the only code that reads a run.
//!
//! It finds the runs under a root ([`discover`]), tells a PATH's kind
//! ([`classify`]), reads one run at one of two depths ([`read_run`]: a
//! summary for context and the index, full for the runs reported), reads
//! consoles from anywhere ([`console`]), sweep logs ([`sweep`]) and
//! canonicals ([`canonical`]), places consoles and sweep entries on their
//! runs ([`matching`]), and computes every run's load ([`load`]).
//!
//! Guarantees:
//! - Read-only, and only regular files under a cap ([`crate::fsx`]); in a
//!   run's `abra/`, `servers/` and `catalogue/` (symlinks into the node's
//!   shared `~/.abra`) are never followed or read, and `recipes/<recipe>`
//!   is taken only when it is a real directory of the run's own.
//! - One bad file never stops the rest: problems become warnings naming
//!   the file; only a PATH the user named that cannot be read is an error.
//! - Runs are ordered by time, never by id (ids mix Drone build numbers
//!   and names).

pub mod canonical;
pub mod console;
pub mod drone;
pub mod junit;
pub mod load;
pub mod matching;
pub mod results;
pub mod sweep;

use std::collections::BTreeMap;
use std::hash::Hasher;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::fsx;
use crate::model::{
    Depth, End, JunitFile, Loc, Record, Run, Tier, TierResult, TierStatus, Warnings,
    is_recipe_name, is_version,
};
use crate::rules::{RuleSet, ids};

use self::console::{ConsoleScan, ScanOptions};

/// Signals of one rule a summary keeps: enough for the index's questions.
pub const SUMMARY_PER_RULE: usize = 4;
/// Signals of one rule a full read keeps.
pub const FULL_PER_RULE: usize = 64;

/// The files of one run, found but not read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunFiles {
    pub id: String,
    /// The run directory (absent for a console or file given alone).
    pub dir: Option<PathBuf>,
    pub results: Option<PathBuf>,
    pub junit: Vec<PathBuf>,
    /// Consoles and how each was taken for this run.
    pub consoles: Vec<(PathBuf, String)>,
    /// Size and mtime of every input file, folded.
    pub signature: String,
}

impl RunFiles {
    /// The files of a run directory (and `<id>.console.log` beside it).
    pub fn of_dir(dir: &Path, warnings: &mut Warnings) -> RunFiles {
        let id = dir_name(dir);
        let mut f = list_run_dir(&id, dir, warnings).unwrap_or_else(|| RunFiles {
            id,
            dir: Some(dir.to_path_buf()),
            ..RunFiles::default()
        });
        if let Some(parent) = dir.parent() {
            let c = parent.join(format!("{}.console.log", f.id));
            if c.symlink_metadata().is_ok() {
                f.consoles.push((c, "beside the run directory".into()));
            }
        }
        f.signature = signature(&f);
        f
    }
}

/// The `.xml` files of a junit/ directory and of its subdirectories, by
/// name; links are not followed into other directories.
fn junit_files(junit_dir: &Path, warnings: &mut Warnings) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let walker = walkdir::WalkDir::new(junit_dir)
        .min_depth(1)
        .max_depth(2)
        .follow_links(false)
        .sort_by_file_name();
    for entry in walker {
        match entry {
            Ok(e) if e.path().extension().is_some_and(|x| x == "xml") => {
                if e.file_type().is_dir() {
                    continue;
                }
                out.push(e.into_path());
            }
            Ok(_) => {}
            Err(e) => walk_warning(&e, junit_dir, warnings),
        }
    }
    out
}

/// What one listing of a directory of the root tells: whether it is a
/// run (results.json, junit/ or abra/; see [`looks_like_run`]), and its
/// files. `None` when it is not a run; a directory that cannot be listed
/// is said.
fn list_run_dir(id: &str, dir: &Path, warnings: &mut Warnings) -> Option<RunFiles> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            warnings.push(dir.display(), format!("{}, skipped", fsx::io_problem(&e)));
            return None;
        }
    };
    let (mut results, mut junit, mut abra) = (false, false, false);
    for e in entries.flatten() {
        let name = e.file_name();
        let is_dir = || match e.file_type() {
            Ok(t) if t.is_symlink() => e.path().is_dir(),
            Ok(t) => t.is_dir(),
            Err(_) => false,
        };
        match name.as_encoded_bytes() {
            b"results.json" => results = true,
            b"junit" => junit = is_dir(),
            b"abra" => abra = is_dir(),
            _ => {}
        }
    }
    if !(results || junit || abra) {
        return None;
    }
    Some(RunFiles {
        id: id.to_string(),
        dir: Some(dir.to_path_buf()),
        results: results.then(|| dir.join("results.json")),
        junit: if junit {
            junit_files(&dir.join("junit"), warnings)
        } else {
            Vec::new()
        },
        ..RunFiles::default()
    })
}

/// Lists the runs under a runs root: every subdirectory that looks like a
/// run (results.json, junit/ or abra/) and every `<id>.console.log`.
/// Sorted by id. Unreadable entries are warnings.
pub fn discover(root: &Path, warnings: &mut Warnings) -> Result<Vec<RunFiles>> {
    let entries = std::fs::read_dir(root).map_err(|e| {
        Error::usage(format!(
            "{}: cannot list the runs root: {}",
            root.display(),
            fsx::io_problem(&e)
        ))
    })?;
    // Each directory's name in the root, its run's id, its path.
    let mut dirs: Vec<(String, String, PathBuf)> = Vec::new();
    let mut consoles: BTreeMap<String, PathBuf> = BTreeMap::new();
    let root_c = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    for entry in entries {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                warnings.push(root.display(), format!("cannot read an entry: {e}"));
                continue;
            }
        };
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        // The listing tells a directory from a file; a link is followed,
        // at this depth only (a run directory may be linked in).
        let kind = entry.file_type();
        let linked = kind.as_ref().is_ok_and(|t| t.is_symlink());
        let is_dir = match kind {
            Ok(t) if t.is_dir() || t.is_file() => t.is_dir(),
            _ => match std::fs::metadata(&path) {
                Ok(m) => m.is_dir(),
                Err(e) => {
                    if path.symlink_metadata().is_ok() {
                        warnings.push(path.display(), format!("{}, skipped", fsx::io_problem(&e)));
                    }
                    continue;
                }
            },
        };
        if is_dir {
            // A linked run is named by the directory it links to.
            let mut id = name.clone();
            if linked && let Ok(target) = path.canonicalize() {
                // A link to the root or above it would be read forever.
                if root_c.starts_with(&target) {
                    warnings.push(
                        path.display(),
                        "symlink loop (it links to the runs root or above), skipped",
                    );
                    continue;
                }
                if let Some(n) = target.file_name() {
                    id = n.to_string_lossy().into_owned();
                }
            }
            dirs.push((name, id, path));
        } else if let Some(id) = name.strip_suffix(".console.log") {
            consoles.insert(id.to_string(), path);
        }
    }
    // Each directory listed once and its files signed, on every core: a
    // year is a thousand directories of a listing and a few stats each.
    let listed = crate::par::map(&dirs, |(name, id, path)| {
        let mut w = Warnings::new();
        let files = list_run_dir(id, path, &mut w).map(|mut f| {
            if let Some(c) = consoles.get(name) {
                f.consoles
                    .push((c.clone(), "beside the run directory".into()));
            }
            f.signature = signature(&f);
            f
        });
        (files, w)
    });
    let mut runs: BTreeMap<String, RunFiles> = BTreeMap::new();
    for ((name, _, _), (files, w)) in dirs.into_iter().zip(listed) {
        warnings.extend(w);
        if let Some(f) = files {
            consoles.remove(&name);
            runs.insert(name, f);
        }
    }
    // Consoles with no run directory beside them.
    for (id, path) in consoles {
        let mut f = RunFiles {
            id: id.clone(),
            consoles: vec![(path, "beside the run directory".into())],
            ..RunFiles::default()
        };
        f.signature = signature(&f);
        runs.insert(id, f);
    }
    Ok(runs.into_values().collect())
}

/// A run directory: results.json, a junit/ directory or an abra/ one.
pub fn looks_like_run(path: &Path) -> bool {
    path.join("results.json").symlink_metadata().is_ok()
        || path.join("junit").is_dir()
        || path.join("abra").is_dir()
}

/// What a PATH the user named is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// A runs root: a directory of run directories.
    Root(PathBuf),
    /// One run directory.
    RunDir(PathBuf),
    /// One results.json.
    Results(PathBuf),
    /// One JUnit file.
    Junit(PathBuf),
    /// A console log (any name, any prefix, or a Drone JSON log).
    Console(PathBuf),
}

/// Tells what a PATH is, or says why it is none of what the tool reads
/// (exit 2): a directory with no runs, a sweep log (did you mean
/// --sweep-log?), a canonical (did you mean --canonicals?), a file of
/// another kind. A directory is taken for a run only on a run's own
/// marks ([`is_run_dir`]), so a source tree with a `junit/` directory of
/// code in it is not a runs root.
pub fn classify(path: &Path, rules: &RuleSet) -> Result<Input> {
    let what = "pass a runs root, a run directory, or a results.json / JUnit / console log file";
    let meta = std::fs::metadata(path).map_err(|e| {
        Error::usage(format!("{}: {}", path.display(), path_problem(path, &e))).with_hint(
            if e.kind() == std::io::ErrorKind::PermissionDenied {
                "run as a user that can read the runs (the runs' owner, or with sudo)"
            } else {
                what
            },
        )
    })?;
    if meta.is_dir() {
        let listing = std::fs::read_dir(path).map_err(|e| {
            Error::usage(format!(
                "{}: a directory that cannot be listed: {}",
                path.display(),
                fsx::io_problem(&e)
            ))
            .with_hint("run as a user that can read the runs (the runs' owner, or with sudo)")
        })?;
        if is_run_dir(path) {
            return Ok(Input::RunDir(path.to_path_buf()));
        }
        let mut any = false;
        let mut roots_below: Vec<PathBuf> = Vec::new();
        for e in listing.flatten() {
            let p = e.path();
            let name = e.file_name();
            if name.to_string_lossy().ends_with(".console.log") || (p.is_dir() && is_run_dir(&p)) {
                any = true;
                break;
            }
            if p.is_dir() && roots_below.len() < 3 && holds_a_run(&p) {
                roots_below.push(p);
            }
        }
        if any {
            return Ok(Input::Root(path.to_path_buf()));
        }
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        let hint = match name.as_deref() {
            Some("junit") | Some("abra") => {
                "that is part of a run: pass the run directory above it".to_string()
            }
            _ if !roots_below.is_empty() => format!(
                "did you mean {}? (it holds runs)",
                roots_below
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
            _ => what.to_string(),
        };
        return Err(Error::usage(format!(
            "{}: a directory with no run in it (a run has results.json, junit/*.xml or abra/); \
             not a runs root or a run directory",
            path.display()
        ))
        .with_hint(hint));
    }
    if !meta.is_file() {
        return Err(Error::usage(format!(
            "{}: not a regular file (a FIFO, device or socket); not read",
            path.display()
        ))
        .with_hint(what));
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let head = read_head(path)
        .map_err(|e| Error::usage(format!("{}: {e}", path.display())).with_hint(what))?;
    if looks_like_sweep(&head, rules) {
        return Err(Error::usage(format!(
            "{}: this is a canon sweep's log, not a run's file",
            path.display()
        ))
        .with_hint(format!(
            "did you mean --sweep-log {}? (with the runs root as PATH)",
            path.display()
        )));
    }
    let lower = name.to_ascii_lowercase();
    if lower == "results.json" {
        return Ok(Input::Results(path.to_path_buf()));
    }
    if lower.ends_with(".xml") {
        let text = String::from_utf8_lossy(&head);
        if !text.contains("<testsuite") && !text.contains("<testcase") {
            return Err(Error::usage(format!(
                "{}: not a JUnit file (no <testsuite> or <testcase>)",
                path.display()
            ))
            .with_hint(what));
        }
        return Ok(Input::Junit(path.to_path_buf()));
    }
    if lower.ends_with(".json") {
        return classify_json(path, &head, what);
    }
    if lower.ends_with(".log") || lower.ends_with(".txt") {
        return Ok(Input::Console(path.to_path_buf()));
    }
    Err(Error::usage(format!(
        "{}: a file ccci-triage does not read (it reads results.json, JUnit .xml, console \
         .log/.txt and Drone step logs saved as .json)",
        path.display()
    ))
    .with_hint(what))
}

/// A `.json` PATH other than `results.json`: a Drone step log (an array)
/// is a console; a warm canonical, or any other object, is said.
fn classify_json(path: &Path, head: &[u8], what: &str) -> Result<Input> {
    let text = String::from_utf8_lossy(head);
    let t = text.trim_start();
    if t.starts_with('[') {
        return Ok(Input::Console(path.to_path_buf()));
    }
    let has = |key: &str| t.contains(&format!("\"{key}\""));
    if t.starts_with('{') && has("recipe") && has("commit") && has("status") && !has("stages") {
        let dir = path
            .parent()
            .and_then(Path::parent)
            .map(|d| d.display().to_string())
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| ".".into());
        return Err(Error::usage(format!(
            "{}: a warm canonical (recipe, commit, status), not a run's file",
            path.display()
        ))
        .with_hint(format!(
            "did you mean --canonicals {dir}? (the directory of <recipe>/canonical.json)"
        )));
    }
    if t.starts_with('{') && (has("stages") || has("results")) && has("recipe") {
        return Ok(Input::Results(path.to_path_buf()));
    }
    Err(Error::usage(format!(
        "{}: JSON that is neither a run's results.json nor a Drone step log (an array of \
         {{pos, out, time}})",
        path.display()
    ))
    .with_hint(what))
}

/// What is wrong with a PATH that cannot be opened, in words: a path
/// through a file says which part is the file.
fn path_problem(path: &Path, e: &std::io::Error) -> String {
    if e.raw_os_error() == Some(20) {
        // ENOTDIR: some ancestor is a file.
        let mut up = path.parent();
        while let Some(p) = up {
            if p.is_file() {
                return format!("does not exist: {} is a file, not a directory", p.display());
            }
            up = p.parent();
        }
        return "does not exist: a part of it is not a directory".into();
    }
    fsx::io_problem(e)
}

/// A run directory by a run's own marks: a results.json, a junit/
/// directory holding pytest `.xml` files (or empty: the run died before
/// its first tier), or the run's abra/ directory with its recipes/,
/// servers/ or catalogue/.
pub fn is_run_dir(path: &Path) -> bool {
    if path.join("results.json").symlink_metadata().is_ok() {
        return true;
    }
    let junit = path.join("junit");
    if junit.is_dir() {
        if let Ok(entries) = std::fs::read_dir(&junit) {
            let mut empty = true;
            for e in entries.flatten() {
                empty = false;
                if e.path().extension().is_some_and(|x| x == "xml") {
                    return true;
                }
            }
            if empty {
                return true;
            }
        } else {
            // Unreadable: it is a run's, and its reader says so.
            return true;
        }
    }
    let abra = path.join("abra");
    abra.is_dir()
        && ["recipes", "servers", "catalogue"]
            .iter()
            .any(|d| abra.join(d).symlink_metadata().is_ok())
}

/// Whether a directory holds a run (one level down).
fn holds_a_run(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|it| {
        it.flatten().take(200).any(|e| {
            let p = e.path();
            p.is_dir() && is_run_dir(&p)
        })
    })
}

/// The first 64 KiB of a file.
fn read_head(path: &Path) -> std::result::Result<Vec<u8>, fsx::ReadError> {
    let (mut f, _) = fsx::open(path)?;
    let mut buf = vec![0u8; 64 << 10];
    let n = fsx::read_full(&mut f, &mut buf).map_err(fsx::ReadError::Io)?;
    buf.truncate(n);
    Ok(buf)
}

/// The banner or two entry lines of a sweep in the head of a file.
fn looks_like_sweep(head: &[u8], rules: &RuleSet) -> bool {
    let text = String::from_utf8_lossy(head);
    let banner = rules.is_match(ids::SWEEP_BANNER, &text);
    let entries = text
        .lines()
        .filter(|l| {
            rules.is_match(ids::SWEEP_ENTRY, l)
                || rules.is_match(ids::SWEEP_ENTRY_SKIP, l)
                || rules.is_match(ids::SWEEP_RUN_ON_TAG, l)
        })
        .count();
    banner || entries >= 2
}

/// The run a file given alone belongs to: `<run>/results.json`,
/// `<run>/junit/x.xml`, `<id>.console.log`, else the file's own name.
pub fn files_of_input(input: &Input) -> RunFiles {
    let parent = |p: &Path| -> Option<PathBuf> {
        p.parent()
            .map(|d| {
                if d.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    d
                }
            })
            .map(Path::to_path_buf)
    };
    let mut f = match input {
        Input::Results(p) => {
            let dir = parent(p);
            RunFiles {
                id: dir.as_deref().map(dir_name).unwrap_or_default(),
                dir,
                results: Some(p.clone()),
                ..RunFiles::default()
            }
        }
        Input::Junit(p) => {
            let dir = parent(p).map(|d| {
                if d.file_name().is_some_and(|n| n == "junit") {
                    d.parent().map(Path::to_path_buf).unwrap_or(d)
                } else {
                    d
                }
            });
            RunFiles {
                id: dir.as_deref().map(dir_name).unwrap_or_default(),
                dir,
                junit: vec![p.clone()],
                ..RunFiles::default()
            }
        }
        Input::Console(p) => {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let id = name
                .strip_suffix(".console.log")
                .unwrap_or(&name)
                .to_string();
            RunFiles {
                id,
                consoles: vec![(p.clone(), "named as PATH".into())],
                ..RunFiles::default()
            }
        }
        Input::Root(_) | Input::RunDir(_) => RunFiles::default(),
    };
    f.signature = signature(&f);
    f
}

/// The last component of a path (canonicalised, so `.` names its
/// directory).
pub fn dir_name(path: &Path) -> String {
    path.canonicalize()
        .ok()
        .as_deref()
        .unwrap_or(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

fn walk_warning(e: &walkdir::Error, dir: &Path, warnings: &mut Warnings) {
    let what = e
        .path()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| dir.display().to_string());
    let problem = if e.loop_ancestor().is_some() {
        "symlink loop, skipped".to_string()
    } else {
        e.io_error()
            .map(fsx::io_problem)
            .unwrap_or_else(|| e.to_string())
    };
    warnings.push(what, problem);
}

/// Folds the size and mtime of a run's input files: equal signatures mean
/// the run need not be read again. Only metadata is read.
fn signature(f: &RunFiles) -> String {
    let mut h = Fnv::default();
    let mut add = |p: &Path| {
        h.write(p.as_os_str().as_encoded_bytes());
        match std::fs::metadata(p) {
            Ok(m) => {
                h.write_u64(m.len());
                let mtime = m
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map(|d| d.as_nanos() as u64)
                    .unwrap_or(0);
                h.write_u64(mtime);
            }
            Err(_) => h.write_u8(0),
        }
    };
    if let Some(r) = &f.results {
        add(r);
    }
    for j in &f.junit {
        add(j);
    }
    for (c, _) in &f.consoles {
        add(c);
    }
    if let Some(d) = &f.dir {
        add(&d.join("abra").join("recipes"));
    }
    format!("{:016x}", h.finish())
}

/// FNV-1a, 64 bits: stable across Rust releases (std's default hasher is
/// not), so signatures and index names survive a rebuild of the tool.
#[derive(Clone, Copy)]
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// Reads one run at `depth`. Warnings name the run's files; the run is
/// built from whatever could be read.
pub fn read_run(f: &RunFiles, depth: Depth, rules: &RuleSet, warnings: &mut Warnings) -> Run {
    let path = f
        .dir
        .clone()
        .or_else(|| f.consoles.first().map(|(p, _)| p.clone()))
        .or_else(|| f.junit.first().cloned())
        .unwrap_or_default();
    let mut run = Run::new(&f.id, path);
    run.depth = depth;
    run.signature = f.signature.clone();
    let id = f.id.clone();

    let mut rec = None;
    if let Some(p) = &f.results {
        match fsx::read(p, fsx::cap::RESULTS) {
            Ok(bytes) => match results::parse(&bytes, p) {
                Ok(r) => rec = Some(r),
                Err(e) => warnings.push_run(
                    &id,
                    p.display(),
                    format!("{e}; the run is triaged from its other files"),
                ),
            },
            Err(e) if e.is_not_found() => {}
            Err(e) => warnings.push_run(&id, p.display(), e),
        }
    }
    for p in &f.junit {
        let mut w = Warnings::new();
        if let Some(mut file) = junit::read(p, &mut w) {
            // A cold app domain in a failure's text names the run's stack:
            // a console with the same domain is this run's.
            for t in file.tests.iter().filter(|t| t.outcome.is_red()) {
                for text in [&t.message, &t.detail].into_iter().flatten() {
                    for c in rules.rule(ids::ID_DOMAIN).captures_iter(text) {
                        if let (Some(d), Some(_)) = (c.get("domain"), c.get("cold"))
                            && !run.domains.contains(d)
                        {
                            run.domains.push(d.clone());
                        }
                    }
                }
            }
            if depth == Depth::Summary {
                for t in &mut file.tests {
                    t.detail = None;
                }
            }
            // Taken, not appended: an emptied vector keeps its capacity,
            // a test's worth of bytes for every test, for as long as the
            // run is held.
            run.tests.extend(std::mem::take(&mut file.tests));
            run.junit.push(file);
        }
        for x in w.into_vec() {
            warnings.push_run(&id, x.subject, x.problem);
        }
    }
    let per_rule = match depth {
        Depth::Summary => SUMMARY_PER_RULE,
        Depth::Full => FULL_PER_RULE,
    };
    let mut relative = None;
    for (p, how) in &f.consoles {
        match console::scan_file(
            p,
            rules,
            ScanOptions {
                per_rule,
                identity: false,
                year_from: rec.as_ref().and_then(|r| r.finished),
            },
        ) {
            Ok(scan) => {
                relative = relative.or(scan.relative_seconds);
                attach_console(&mut run, scan, how, warnings);
            }
            Err(e) => warnings.push_run(&id, p.display(), e),
        }
    }
    assemble(&mut run, rec, relative, rules, f, warnings);
    // Held until the report (or the index's write): no growth slack.
    run.tests.shrink_to_fit();
    run.signals.shrink_to_fit();
    run
}

/// Reads `files` on worker threads at `depth`; each run and its warnings
/// go through `then` on the worker that read them (what can be done
/// there is not left to the calling thread) and its result to `sink` as
/// it arrives, on the calling thread. The channel is bounded, so a slow
/// sink never lets read runs pile up in memory. `progress(done, total)`
/// is called for each.
pub fn read_parallel<T: Send>(
    files: &[&RunFiles],
    depth: Depth,
    rules: &RuleSet,
    progress: &(dyn Fn(usize, usize) + Sync),
    then: impl Fn(Run, Warnings) -> T + Sync,
    mut sink: impl FnMut(T),
) {
    let mut done = 0;
    crate::par::stream_with(
        files,
        // A worker's own copy: each compiled pattern then has its own
        // match cache, not one every worker takes turns at.
        || rules.clone(),
        |rules, f| {
            let mut w = Warnings::new();
            let run = read_run(f, depth, rules, &mut w);
            then(run, w)
        },
        |_, t| {
            done += 1;
            progress(done, files.len());
            sink(t);
        },
    );
}

/// A full read reduced to the summary the index keeps: no failure bodies,
/// at most [`SUMMARY_PER_RULE`] signals per rule.
pub fn summarise(run: &Run) -> Run {
    into_summary(run.clone())
}

/// A run just read as its summary and, when `keep_full` and it is not
/// green, as itself: a run kept is copied for its summary, any other is
/// moved into it.
pub fn summary_and_full(run: Run, keep_full: bool) -> (Run, Option<Run>) {
    if keep_full && !run.is_green() {
        (summarise(&run), Some(run))
    } else {
        (into_summary(run), None)
    }
}

/// [`summarise`] of a run no longer needed in full: nothing is copied.
pub fn into_summary(mut s: Run) -> Run {
    s.depth = Depth::Summary;
    for t in &mut s.tests {
        t.detail = None;
    }
    let keep: Vec<bool> = {
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        s.signals
            .iter()
            .map(|sig| {
                let n = seen.entry(sig.rule.as_str()).or_default();
                *n += 1;
                *n <= SUMMARY_PER_RULE
            })
            .collect()
    };
    let mut keep = keep.into_iter();
    s.signals.retain(|_| keep.next().unwrap_or(true));
    s
}

/// Adds a console's scan to a run (the first console is the run's
/// console; more add their signals).
pub fn attach_console(run: &mut Run, scan: ConsoleScan, how: &str, warnings: &mut Warnings) {
    if scan.console.long_lines > 0 {
        warnings.push_run(
            &run.id,
            scan.console.path.display(),
            format!(
                "{} line(s) longer than {} MiB, cut there",
                scan.console.long_lines,
                console::MAX_LINE >> 20
            ),
        );
    }
    run.signals.extend(scan.signals);
    run.signals.sort_by(|a, b| {
        a.loc
            .path
            .cmp(&b.loc.path)
            .then(a.loc.line.cmp(&b.loc.line))
    });
    if run.console.is_none() {
        let mut c = scan.console;
        c.taken_for = how.to_string();
        run.console = Some(Box::new(c));
    }
}

/// Everything derived from what was read: identity, tiers, end, span,
/// checkout.
fn assemble(
    run: &mut Run,
    rec: Option<results::RunRecord>,
    relative: Option<f64>,
    rules: &RuleSet,
    f: &RunFiles,
    warnings: &mut Warnings,
) {
    // The console's own lines first; results.json wins over them.
    apply_console(run, rules);
    // The file the recipe name was read from, for a warning about it.
    let mut recipe_from = run
        .signals
        .iter()
        .find(|s| s.rule == ids::RUN_START)
        .map(|s| s.loc.path.display().to_string());
    let mut finished = None;
    if let Some(rec) = rec {
        if rec.recipe.is_some() {
            recipe_from = Some(rec.path.display().to_string());
        }
        run.recipe = rec.recipe.clone().or(run.recipe.take());
        run.version = rec.version.clone().or(run.version.take());
        run.git_ref = rec.git_ref.clone().or(run.git_ref.take());
        run.pr = rec.pr;
        finished = rec.finished;
        let origin = Loc::new(&rec.path, None);
        for (name, st) in &rec.results {
            if let Some(t) = Tier::parse(name) {
                run.tiers.insert(
                    t,
                    TierResult {
                        status: *st,
                        origin: origin.clone(),
                    },
                );
            }
        }
        for (rung, st) in &rec.rungs {
            if *st == TierStatus::Unver {
                run.unver.push(rung.clone());
            }
        }
        for (rung, reason) in &rec.intentional_skips {
            if let Some(t) = Tier::parse(rung) {
                run.expected_na.entry(t).or_insert_with(|| reason.clone());
            }
        }
        if run.tier(Tier::Lint).is_some_and(TierStatus::is_red) {
            run.lint_failed = rec.lint_rules_failed.clone();
        }
        run.record = Some(Box::new(Record {
            path: rec.path.clone(),
            schema: rec.schema,
            level: rec.level,
            run_id: rec.run_id.clone(),
        }));
    }
    // Span: the console's first line or the earliest JUnit timestamp; the
    // results' `finished`, the console's last line, or the end of the
    // latest JUnit suite; failing all, the files' own times.
    let c_first = run.console.as_ref().and_then(|c| c.first);
    let c_last = run.console.as_ref().and_then(|c| c.last);
    let j_first = run.junit.iter().filter_map(|j| j.started).min();
    let j_last = run.junit.iter().filter_map(JunitFile::ended).max();
    run.span.finished = finished.or(c_last).or(j_last);
    run.span.started = [c_first, j_first].into_iter().flatten().min();
    if run.span.started.is_none()
        && let (Some(secs), Some(end)) = (relative, run.span.finished)
    {
        run.span.started = end
            .checked_sub(jiff::SignedDuration::from_secs_f64(secs))
            .ok();
    }
    if run.span.finished.is_none() {
        run.span.finished = latest_mtime(f);
    }
    if let (Some(a), Some(b)) = (run.span.started, run.span.finished)
        && a > b
    {
        run.span.started = Some(b);
    }
    // The recipe names a directory: it must be a name.
    if let Some(r) = &run.recipe
        && !is_recipe_name(r)
    {
        warnings.push_run(
                &run.id,
                recipe_from.unwrap_or_else(|| run.path.display().to_string()),
                format!(
                    "recipe \"{}\" is not a recipe name ([a-z0-9][a-z0-9._-]*); no checkout is read for it",
                    crate::model::escape_debug(r)
                ),
            );
        return;
    }
    let Some(dir) = &f.dir else { return };
    let recipes = dir.join("abra").join("recipes");
    if let Some(recipe) = &run.recipe {
        run.checkout = own_dir(&recipes.join(recipe));
    } else if let Ok(entries) = std::fs::read_dir(&recipes) {
        // No results.json or console: the recipe is the only checkout.
        let dirs: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| own_dir(p).is_some())
            .collect();
        if let [only] = dirs.as_slice() {
            let name = only
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if is_recipe_name(&name) {
                run.recipe = Some(name);
                run.checkout = Some(only.clone());
            }
        }
    }
    // A run that died before writing results.json names no version; its
    // own checkout is a clone checked out at the tag it tested.
    if run.version.is_none() && run.record.is_none() {
        run.version = run.checkout.as_deref().and_then(head_tag);
    }
}

/// The release tag a git checkout has checked out (HEAD), if one does.
fn head_tag(checkout: &Path) -> Option<String> {
    let repo = crate::sources::git::Repo::open(checkout)?;
    let head = repo.head_commit().ok()??;
    let tags = repo.tags().ok()?;
    // The highest version among the tags of that commit.
    tags.iter()
        .rev()
        .find(|t| t.commit == head && is_version(&t.name))
        .map(|t| t.name.clone())
}

/// A directory that is the run's own: not a symlink (abra's `servers/` and
/// `catalogue/` link into the node's shared `~/.abra`; nothing linked is
/// followed).
fn own_dir(p: &Path) -> Option<PathBuf> {
    let meta = p.symlink_metadata().ok()?;
    meta.is_dir().then(|| p.to_path_buf())
}

/// The latest modification time of a run's files.
fn latest_mtime(f: &RunFiles) -> Option<jiff::Timestamp> {
    let files = f
        .results
        .iter()
        .chain(f.junit.iter())
        .chain(f.consoles.iter().map(|(p, _)| p));
    files
        .filter_map(|p| std::fs::metadata(p).ok()?.modified().ok())
        .filter_map(|t| jiff::Timestamp::try_from(t).ok())
        .max()
}

/// Facts from the console's own lines: recipe, version, ref, tier
/// results, EXPECTED_NA, exit status.
fn apply_console(run: &mut Run, rules: &RuleSet) {
    let mut results_line = None;
    for s in &run.signals {
        match s.rule.as_str() {
            ids::RUN_START => {
                run.recipe = s.capture("recipe").map(str::to_string);
                run.version = s.capture("version").map(str::to_string);
                if let Some(r) = s.capture("ref") {
                    run.git_ref = Some(r.to_string());
                }
            }
            ids::RUN_END => {
                run.end = End {
                    rc: s.capture("rc").and_then(|v| v.parse().ok()),
                    rc_at: Some(s.loc.clone()),
                    closed: true,
                };
            }
            ids::RUN_RESULT => results_line = Some(s.clone()),
            ids::TIER_EXPECTED_NA => {
                if let Some(t) = s.capture("tier").and_then(Tier::parse) {
                    let reason = s
                        .capture("reason")
                        .or(s.capture("bare"))
                        .unwrap_or("EXPECTED_NA");
                    run.expected_na.insert(t, reason.to_string());
                }
            }
            ids::TIER_FAIL => {
                if let Some(t) = s.capture("tier").and_then(Tier::parse) {
                    run.tiers.entry(t).or_insert(TierResult {
                        status: TierStatus::Fail,
                        origin: s.loc.clone(),
                    });
                }
            }
            _ => {}
        }
    }
    if let Some(s) = results_line {
        run.end.closed = true;
        if let Some(list) = s.capture("results") {
            for item in rules.rule(ids::RESULT_ITEM).captures_iter(list) {
                let tier = item.get("tier").and_then(|t| Tier::parse(t));
                let status = item.get("status").and_then(|v| TierStatus::parse(v));
                if let (Some(t), Some(st)) = (tier, status) {
                    run.tiers.insert(
                        t,
                        TierResult {
                            status: st,
                            origin: s.loc.clone(),
                        },
                    );
                }
            }
        }
    }
    // A stack named by the run's own lines.
    for s in &run.signals {
        if let Some(stack) = s.capture("stack")
            && !run.domains.iter().any(|d| d == stack)
        {
            run.domains.push(stack.to_string());
        }
    }
}

#[cfg(test)]
mod tests;
