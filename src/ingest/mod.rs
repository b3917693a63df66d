//! Ingest: read the runs root, run directories and single files into
//! [`Run`]s, plus the sweep log and the canonicals.
//!
//! Guarantees:
//! - Read-only: nothing is ever written, here or anywhere under the runs
//!   root.
//! - One bad file never stops the rest: problems become [`Warnings`] that
//!   name the file and what was wrong; only a PATH that does not exist (or
//!   cannot be read at all) is an [`Error`].
//! - Load is computed over every run the tool can see, not only the ones
//!   asked about: a run directory given alone is compared with its siblings
//!   in the same runs root, since "did anything else run at the same time"
//!   is a question about the node, not about the argument list.
//!
//! Runs are ordered by time (start, else finish), never by id: ids mix
//! Drone build numbers and names.

pub mod junit;
pub mod log;
pub mod results;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result, Warnings};
use crate::model::{Canonical, Run, RunKind, Signal, Span, Sweep, Tier, TierStatus};
use crate::rules::{RuleSet, Scope, ids};

/// Runs known without reading them (from the history index), with their
/// console signals by run id.
pub type Context = (Vec<Run>, BTreeMap<String, Vec<Signal>>);

/// What to read.
#[derive(Clone, Debug, Default)]
pub struct Inputs {
    pub paths: Vec<PathBuf>,
    pub sweep_log: Option<PathBuf>,
    pub canonicals: Option<PathBuf>,
    /// Every other run of the root, already known (from the history
    /// index): when given, the siblings of a run directory are taken from
    /// here instead of being read again.
    pub context: Option<Context>,
}

/// Everything read.
#[derive(Debug, Default)]
pub struct Ingested {
    /// Every run seen, in time order: the ones asked about and their
    /// siblings (for load and cross-run evidence).
    pub runs: Vec<Run>,
    /// Ids of the runs the user asked about (all of a runs root given).
    pub targets: BTreeSet<String>,
    /// Console signals per run id (every console rule, one scan per log).
    pub console_signals: BTreeMap<String, Vec<Signal>>,
    pub sweep: Option<Sweep>,
    pub sweep_signals: Vec<Signal>,
    pub canonicals: BTreeMap<String, Canonical>,
}

impl Ingested {
    pub fn run(&self, id: &str) -> Option<&Run> {
        self.runs.iter().find(|r| r.id == id)
    }
}

/// Where the pieces of one run were found.
#[derive(Debug, Default)]
struct RunSources {
    dir: Option<PathBuf>,
    results: Option<PathBuf>,
    junit: Vec<PathBuf>,
    console: Option<PathBuf>,
}

/// Reads every input. `paths` must be non-empty (the caller applies the
/// default runs root).
pub fn ingest(inputs: &Inputs, rules: &RuleSet, warnings: &mut Warnings) -> Result<Ingested> {
    let mut sources: BTreeMap<String, RunSources> = BTreeMap::new();
    let mut targets = BTreeSet::new();
    let mut roots: BTreeSet<PathBuf> = BTreeSet::new();
    for path in &inputs.paths {
        let meta = std::fs::metadata(path).map_err(|e| {
            Error::usage(format!("{}: {}", path.display(), io_problem(&e))).with_hint(
                "pass a runs root, a run directory, or a results.json / JUnit / console log file",
            )
        })?;
        if meta.is_dir() {
            if is_run_dir(path) {
                let id = dir_name(path);
                add_run_dir(&mut sources, &id, path, warnings);
                targets.insert(id);
                // Siblings give the load and the cross-run evidence: from
                // the index when there is one, else read here.
                if let Some(root) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    roots.insert(root.to_path_buf());
                    if inputs.context.is_none() {
                        scan_root(root, &mut sources, &mut BTreeSet::new(), warnings, true);
                    }
                }
            } else {
                scan_root(path, &mut sources, &mut targets, warnings, false);
            }
        } else {
            add_file(&mut sources, &mut targets, path);
        }
    }

    let mut out = Ingested {
        targets,
        ..Ingested::default()
    };
    if let Some(dir) = &inputs.canonicals {
        out.canonicals = log::canonicals(dir, warnings);
    }
    if let Some(path) = &inputs.sweep_log {
        let bytes = std::fs::read(path).map_err(|e| {
            Error::usage(format!("{}: {}", path.display(), io_problem(&e)))
                .with_hint("--sweep-log takes the canon sweep's log file")
        })?;
        let text = String::from_utf8_lossy(&bytes);
        let (sweep, signals) = log::sweep(&text, path, rules);
        if sweep.entries.is_empty() {
            warnings.push(
                path.display(),
                "no sweep lines (`<time> [<recipe>] <text>`) found",
            );
        }
        // The sweep's recipes are triaged too: their runs become targets.
        for e in &sweep.entries {
            if let Some(id) = &e.run_id {
                if !sources.contains_key(id) {
                    if let Some(dir) = roots.iter().map(|r| r.join(id)).find(|d| is_run_dir(d)) {
                        add_run_dir(&mut sources, id, &dir, warnings);
                    }
                }
                if sources.contains_key(id) {
                    out.targets.insert(id.clone());
                }
            }
        }
        out.sweep = Some(sweep);
        out.sweep_signals = signals;
    }

    // The runs asked about are read whole. The others are context: their
    // spans give the load, and those of the same recipes give cross-run
    // evidence. A runs root keeps every run forever, so context is read as
    // lightly as it can be: results.json and the console's first and last
    // lines for every run, the rest only for runs of a recipe that matters.
    let (targets, context): (Vec<_>, Vec<_>) = sources
        .into_iter()
        .partition(|(id, _)| out.targets.contains(id));
    let mut recipes: BTreeSet<String> = BTreeSet::new();
    for (id, src) in targets {
        let (run, signals) = read_run(&id, src, rules, warnings);
        recipes.extend(run.recipe.clone());
        out.console_signals.insert(id, signals);
        out.runs.push(run);
    }
    if let Some(sweep) = &out.sweep {
        recipes.extend(sweep.entries.iter().map(|e| e.recipe.clone()));
    }
    for (id, src) in context {
        // A run read only for context does not warn: the user did not ask
        // about it.
        let mut quiet = Warnings::new();
        let light = read_light(&id, &src, rules, &mut quiet);
        let related = light.recipe.as_ref().is_none_or(|r| recipes.contains(r));
        if related {
            let (mut run, mut signals) = read_run(&id, src, rules, &mut quiet);
            // Keep what cross-run evidence reads; drop the parsed console.
            run.console = None;
            signals.retain(|s| {
                rules.get(&s.rule).is_some_and(|r| r.trouble)
                    || s.rule.starts_with("run.")
                    || s.rule == ids::TIER_EXPECTED_NA
            });
            out.console_signals.insert(id, signals);
            out.runs.push(run);
        } else {
            out.runs.push(light);
        }
    }
    if let Some((runs, signals)) = &inputs.context {
        let read: BTreeSet<String> = out.runs.iter().map(|r| r.id.clone()).collect();
        for run in runs.iter().filter(|r| !read.contains(&r.id)) {
            out.console_signals.insert(
                run.id.clone(),
                signals.get(&run.id).cloned().unwrap_or_default(),
            );
            out.runs.push(run.clone());
        }
    }
    if let Some(sweep) = &out.sweep {
        apply_sweep(&mut out.runs, sweep);
    }
    compute_load(&mut out.runs);
    out.runs.sort_by(|a, b| {
        start_key(a)
            .cmp(&start_key(b))
            .then_with(|| a.id.cmp(&b.id))
    });
    Ok(out)
}

fn start_key(r: &Run) -> Option<jiff::Timestamp> {
    r.span.started.or(r.span.finished)
}

fn io_problem(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "does not exist".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// A directory walk's error as a warning naming the entry: a symlink
/// loop, a permission problem, or whatever the OS said.
fn walk_warning(e: &walkdir::Error, dir: &Path, warnings: &mut Warnings) {
    let what = e
        .path()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| dir.display().to_string());
    let problem = if e.loop_ancestor().is_some() {
        "symlink loop, skipped".to_string()
    } else {
        e.io_error()
            .map(io_problem)
            .unwrap_or_else(|| e.to_string())
    };
    warnings.push(what, problem);
}

fn dir_name(path: &Path) -> String {
    path.canonicalize()
        .ok()
        .as_deref()
        .unwrap_or(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// A run directory has a results.json or a junit/ directory.
pub fn is_run_dir(path: &Path) -> bool {
    path.join("results.json").exists() || path.join("junit").is_dir()
}

/// Reads a runs root: each subdirectory is a run, each `<id>.console.log`
/// a run's console. Unreadable entries and symlink loops are warnings.
fn scan_root(
    root: &Path,
    sources: &mut BTreeMap<String, RunSources>,
    targets: &mut BTreeSet<String>,
    warnings: &mut Warnings,
    context_only: bool,
) {
    let walker = walkdir::WalkDir::new(root)
        .min_depth(1)
        .max_depth(1)
        .follow_links(true)
        .sort_by_file_name();
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                walk_warning(&e, root, warnings);
                continue;
            }
        };
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type().is_dir() {
            if let Err(e) = std::fs::read_dir(path) {
                warnings.push(path.display(), format!("{}, skipped", io_problem(&e)));
                continue;
            }
            if !is_run_dir(path) && !path.join("abra").is_dir() {
                continue;
            }
            add_run_dir(sources, &name, path, warnings);
            if !context_only {
                targets.insert(name);
            }
        } else if let Some(id) = name.strip_suffix(".console.log") {
            let src = sources.entry(id.to_string()).or_default();
            src.console = Some(path.to_path_buf());
            if !context_only {
                targets.insert(id.to_string());
            }
        }
    }
    // A console log found in a root whose run directory was given alone.
    if context_only {
        for (id, src) in sources.iter_mut() {
            if src.console.is_none() {
                let c = root.join(format!("{id}.console.log"));
                if c.is_file() {
                    src.console = Some(c);
                }
            }
        }
    }
}

fn add_run_dir(
    sources: &mut BTreeMap<String, RunSources>,
    id: &str,
    dir: &Path,
    warnings: &mut Warnings,
) {
    let src = sources.entry(id.to_string()).or_default();
    if src.dir.is_some() {
        return;
    }
    src.dir = Some(dir.to_path_buf());
    let results = dir.join("results.json");
    if results.exists() {
        src.results = Some(results);
    }
    let junit_dir = dir.join("junit");
    if junit_dir.is_dir() {
        let walker = walkdir::WalkDir::new(&junit_dir)
            .min_depth(1)
            .max_depth(2)
            .follow_links(true)
            .sort_by_file_name();
        for entry in walker {
            match entry {
                Ok(e)
                    if e.file_type().is_file()
                        && e.path().extension().is_some_and(|x| x == "xml") =>
                {
                    src.junit.push(e.into_path());
                }
                Ok(_) => {}
                Err(e) => walk_warning(&e, &junit_dir, warnings),
            }
        }
    }
    if src.console.is_none() {
        if let Some(parent) = dir.parent() {
            let c = parent.join(format!("{id}.console.log"));
            if c.is_file() {
                src.console = Some(c);
            }
        }
    }
}

/// A single file: results.json, a JUnit file or a console log. Its run is
/// the directory it belongs to (`<run>/results.json`, `<run>/junit/x.xml`)
/// or the console log's name.
fn add_file(
    sources: &mut BTreeMap<String, RunSources>,
    targets: &mut BTreeSet<String>,
    path: &Path,
) {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let parent = path.parent().map(|p| {
        if p.as_os_str().is_empty() {
            Path::new(".")
        } else {
            p
        }
    });
    let (id, kind) = if let Some(id) = name.strip_suffix(".console.log") {
        (id.to_string(), "console")
    } else if name.ends_with(".xml") {
        let run_dir = parent
            .filter(|p| p.file_name().is_some_and(|n| n == "junit"))
            .and_then(Path::parent)
            .or(parent);
        (
            run_dir.map(dir_name).unwrap_or_else(|| name.clone()),
            "junit",
        )
    } else {
        (
            parent.map(dir_name).unwrap_or_else(|| name.clone()),
            "results",
        )
    };
    let src = sources.entry(id.clone()).or_default();
    match kind {
        "console" => src.console = Some(path.to_path_buf()),
        "junit" => src.junit.push(path.to_path_buf()),
        _ => src.results = Some(path.to_path_buf()),
    }
    targets.insert(id);
}

/// Reads one run's files into a [`Run`].
fn read_run(
    id: &str,
    src: RunSources,
    rules: &RuleSet,
    warnings: &mut Warnings,
) -> (Run, Vec<Signal>) {
    let path = src
        .dir
        .clone()
        .or_else(|| {
            src.results
                .as_ref()
                .and_then(|p| p.parent().map(Path::to_path_buf))
        })
        .or_else(|| src.console.clone())
        .unwrap_or_default();
    let mut run = Run {
        id: id.to_string(),
        path,
        recipe: None,
        version: None,
        git_ref: None,
        kind: RunKind::from_id(id),
        span: Span::default(),
        overlapping: Vec::new(),
        sweep: None,
        record: None,
        junit: Vec::new(),
        console: None,
        console_results: BTreeMap::new(),
        expected_na: BTreeMap::new(),
        rc: None,
        checkout: None,
    };
    if let Some(p) = &src.results {
        match std::fs::read(p) {
            Ok(bytes) => match results::parse(&bytes, p) {
                Ok(rec) => run.record = Some(rec),
                Err(e) => warnings.push(
                    p.display(),
                    format!("{e}; the run is triaged from its other files"),
                ),
            },
            Err(e) => warnings.push(p.display(), io_problem(&e)),
        }
    }
    for p in &src.junit {
        if let Some(f) = junit::read(p, warnings) {
            run.junit.push(f);
        }
    }
    let mut signals = Vec::new();
    if let Some(p) = &src.console {
        match log::read_console(p, rules) {
            Ok((log, found)) => {
                if log.events.is_empty() && log.line_count > 0 {
                    warnings.push(
                        p.display(),
                        "no line fits the console grammar (`<time> <LEVEL> <component>: <message>`); \
                         signatures are still scanned",
                    );
                }
                signals = found;
                run.console = Some(log);
            }
            Err(e) => warnings.push(p.display(), io_problem(&e)),
        }
    }
    apply_console(&mut run, &signals, rules);

    if let Some(rec) = &run.record {
        run.recipe = rec.recipe.clone().or(run.recipe.take());
        run.version = rec.version.clone().or(run.version.take());
        run.git_ref = rec.git_ref.clone().or(run.git_ref.take());
        for (rung, reason) in &rec.intentional_skips {
            if let Some(t) = Tier::parse(rung) {
                run.expected_na.entry(t).or_insert_with(|| reason.clone());
            }
        }
    }
    // Span: the console's first line or the earliest JUnit timestamp; the
    // results' `finished` or the console's last line.
    let (c_first, c_last) = run.console.as_ref().map(log::span).unwrap_or((None, None));
    let j_first = run.junit.iter().filter_map(|f| f.started).min();
    run.span.started = [c_first, j_first].into_iter().flatten().min();
    run.span.finished = run.record.as_ref().and_then(|r| r.finished).or(c_last);
    if run.span.finished.is_none() {
        // Last resort: the latest JUnit suite start plus its tests' time.
        run.span.finished = run
            .junit
            .iter()
            .filter_map(|f| {
                let secs: f64 = f.tests.iter().map(|t| t.seconds).sum();
                f.started?
                    .checked_add(jiff::SignedDuration::from_secs_f64(secs))
                    .ok()
            })
            .max();
    }
    if let (Some(dir), Some(recipe)) = (&src.dir, &run.recipe) {
        let c = dir.join("abra").join("recipes").join(recipe);
        if c.is_dir() {
            run.checkout = Some(c);
        }
    }
    if run.recipe.is_none() {
        // A run without results.json or console: take the recipe from its
        // only checkout.
        if let Some(dir) = &src.dir {
            if let Ok(entries) = std::fs::read_dir(dir.join("abra").join("recipes")) {
                let dirs: Vec<_> = entries.flatten().filter(|e| e.path().is_dir()).collect();
                if let [only] = dirs.as_slice() {
                    run.recipe = Some(only.file_name().to_string_lossy().into_owned());
                    run.checkout = Some(only.path());
                }
            }
        }
    }
    (run, signals)
}

/// A run read for its span only: results.json, and the first and last
/// 64 KiB of its console (the `run: start` line, the first and last event
/// times, the `RESULT` and `end` lines), never the whole log.
fn read_light(id: &str, src: &RunSources, rules: &RuleSet, warnings: &mut Warnings) -> Run {
    const EDGE: u64 = 64 << 10;
    let bare = RunSources {
        dir: src.dir.clone(),
        results: src.results.clone(),
        junit: Vec::new(),
        console: None,
    };
    let (mut run, _) = read_run(id, bare, rules, warnings);
    let Some(path) = &src.console else {
        // No console: the JUnit files are the span (suite timestamps and
        // times), and they are small.
        let with_junit = RunSources {
            dir: src.dir.clone(),
            results: src.results.clone(),
            junit: src.junit.clone(),
            console: None,
        };
        return read_run(id, with_junit, rules, warnings).0;
    };
    use std::io::{Read, Seek, SeekFrom};
    let Ok(mut file) = std::fs::File::open(path) else {
        return run;
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut head = Vec::new();
    let _ = (&mut file).take(EDGE).read_to_end(&mut head);
    // A console of at most one window is read and scanned once.
    let mut tail = Vec::new();
    if len > EDGE && file.seek(SeekFrom::Start(len - EDGE)).is_ok() {
        let _ = file.read_to_end(&mut tail);
        // Drop the partial first line of the tail window.
        if let Some(nl) = tail.iter().position(|&b| b == b'\n') {
            tail.drain(..=nl);
        }
    }
    let head_log = log::parse(
        &String::from_utf8_lossy(&head),
        path,
        rules,
        ids::CONSOLE_EVENT,
    );
    let mut signals = rules.scan(Scope::Console, &head, path, 1);
    let (first, mut last) = log::span(&head_log);
    if !tail.is_empty() {
        let tail_log = log::parse(
            &String::from_utf8_lossy(&tail),
            path,
            rules,
            ids::CONSOLE_EVENT,
        );
        // Line numbers in the tail window are relative; these signals are
        // read only for their captures (end rc, RESULT) and not kept.
        signals.extend(rules.scan(Scope::Console, &tail, path, 1));
        last = log::span(&tail_log).1;
    }
    apply_console(&mut run, &signals, rules);
    run.span.started = [run.span.started, first].into_iter().flatten().min();
    if run.span.finished.is_none() {
        run.span.finished = last;
    }
    if let (Some(dir), Some(recipe)) = (&src.dir, &run.recipe) {
        let c = dir.join("abra").join("recipes").join(recipe);
        if c.is_dir() {
            run.checkout = Some(c);
        }
    }
    run
}

/// Facts from the console's own lines: recipe, version, tier results,
/// EXPECTED_NA, exit status.
fn apply_console(run: &mut Run, signals: &[Signal], rules: &RuleSet) {
    for s in signals {
        match s.rule.as_str() {
            ids::RUN_START => {
                run.recipe = s.capture("recipe").map(str::to_string);
                run.version = s.capture("version").map(str::to_string);
                if let Some(r) = s.capture("ref") {
                    run.git_ref = Some(r.to_string());
                }
            }
            ids::RUN_END => run.rc = s.capture("rc").and_then(|v| v.parse().ok()),
            ids::TIER_EXPECTED_NA => {
                if let Some(t) = s.capture("tier").and_then(Tier::parse) {
                    let reason = s
                        .capture("reason")
                        .or(s.capture("bare"))
                        .unwrap_or("EXPECTED_NA");
                    run.expected_na.insert(t, reason.to_string());
                }
            }
            _ => {}
        }
    }
    // The RESULT line is read with its own item grammar.
    if let Some(s) = signals.iter().rev().find(|s| s.rule == ids::RUN_RESULT) {
        if let Some(list) = s.capture("results") {
            for item in rules.rule(ids::RESULT_ITEM).captures_iter(list) {
                let tier = item.get("tier").and_then(|t| Tier::parse(t));
                let status = item.get("status").and_then(|v| TierStatus::parse(v));
                if let (Some(t), Some(st)) = (tier, status) {
                    run.console_results.insert(t, st);
                }
            }
        }
    }
}

/// Marks the runs a sweep log names as sweep runs and fills what the run
/// itself lacks (recipe, version, span) from the sweep's lines.
fn apply_sweep(runs: &mut [Run], sweep: &Sweep) {
    let label = sweep
        .started
        .map(|t| t.strftime("%Y-%m-%d").to_string())
        .unwrap_or_else(|| sweep.path.display().to_string());
    for entry in &sweep.entries {
        let Some(id) = &entry.run_id else { continue };
        let Some(run) = runs.iter_mut().find(|r| &r.id == id) else {
            continue;
        };
        run.kind = RunKind::Sweep;
        run.sweep = Some(label.clone());
        run.recipe.get_or_insert_with(|| entry.recipe.clone());
        if run.version.is_none() {
            run.version = entry.tag.clone();
        }
        if run.span.started.is_none() {
            run.span.started = entry.first;
        }
        if run.span.finished.is_none() {
            run.span.finished = entry.last;
        }
        if run.rc.is_none() {
            run.rc = entry.cold_rc;
        }
    }
}

/// Fills `overlapping` for every run: the runs whose span shares an
/// instant with it. Sorted sweep over start times: O(n log n + overlaps).
fn compute_load(runs: &mut [Run]) {
    let mut order: Vec<usize> = (0..runs.len())
        .filter(|&i| runs[i].span.started.is_some() && runs[i].span.finished.is_some())
        .collect();
    order.sort_by_key(|&i| runs[i].span.started);
    let mut pairs = Vec::new();
    for (k, &i) in order.iter().enumerate() {
        let end_i = runs[i].span.finished;
        for &j in &order[k + 1..] {
            if runs[j].span.started >= end_i {
                break;
            }
            if runs[i].span.overlaps(&runs[j].span) {
                pairs.push((i, j));
            }
        }
    }
    for (i, j) in pairs {
        let (a, b) = (runs[i].id.clone(), runs[j].id.clone());
        runs[i].overlapping.push(b);
        runs[j].overlapping.push(a);
    }
    for r in runs.iter_mut() {
        r.overlapping.sort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(a: &str, b: &str) -> Span {
        Span {
            started: Some(a.parse().unwrap()),
            finished: Some(b.parse().unwrap()),
        }
    }

    fn run(id: &str, s: Span) -> Run {
        let (mut r, _) = read_run(
            id,
            RunSources::default(),
            &RuleSet::builtin(),
            &mut Warnings::new(),
        );
        r.span = s;
        r
    }

    #[test]
    fn load_is_the_set_of_overlapping_runs() {
        let mut runs = vec![
            run("a", span("2026-06-14T03:00:00Z", "2026-06-14T03:20:00Z")),
            run("b", span("2026-06-14T03:10:00Z", "2026-06-14T03:40:00Z")),
            run("c", span("2026-06-14T03:20:00Z", "2026-06-14T03:30:00Z")),
            run("d", span("2026-06-18T00:00:00Z", "2026-06-18T00:10:00Z")),
        ];
        compute_load(&mut runs);
        assert_eq!(runs[0].overlapping, vec!["b"]);
        assert_eq!(runs[1].overlapping, vec!["a", "c"]);
        // Touching end to start is not overlapping.
        assert_eq!(runs[2].overlapping, vec!["b"]);
        assert!(runs[3].overlapping.is_empty());
        assert!(runs[3].is_isolation());
    }

    #[test]
    fn a_missing_path_is_a_usage_error() {
        let inputs = Inputs {
            paths: vec![PathBuf::from("/nonexistent/runs")],
            ..Inputs::default()
        };
        let err = ingest(&inputs, &RuleSet::builtin(), &mut Warnings::new()).unwrap_err();
        assert_eq!(err.exit_code(), crate::error::EXIT_USAGE);
        assert!(
            err.message.contains("/nonexistent/runs: does not exist"),
            "{}",
            err.message
        );
    }
}
