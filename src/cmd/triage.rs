//! `ccci-triage [triage] [PATH]...`: the stages in order, top to bottom.
//!
//! 1. Rules, and what each PATH is (a runs root, a run directory, a file;
//!    anything else is exit 2 with what it is).
//! 2. The index of each runs root brought up to date (only new and
//!    changed runs are read); with `--no-history`, or a cache that cannot
//!    be used, a temporary index of this command's own, filled the same
//!    way.
//! 3. Sweep logs read and their entries placed on runs; consoles given
//!    with `--console` read and matched to their runs.
//! 4. The scope: the runs named; a sweep's entries and their runs; the
//!    root's "what is red now" (each recipe's runs after its last green
//!    one); everything with `--all`; narrowed by `--since` and `--recipe`.
//! 5. A recipe at a time (the recipes of the runs reported and of the
//!    sweeps' entries): its runs reported, read in full (once: a run the
//!    refresh just read in full is not read again; a green run nothing is
//!    added to is its index summary, not read at all); its runs around
//!    them as context, summaries from the index (a window:
//!    [`CONTEXT_BEFORE`] runs before the newest reported,
//!    [`CONTEXT_AFTER`] after), with the reference pool (a few green runs
//!    of every recipe) and every run's load computed over the whole root;
//!    its failures and their facts. Its runs are then cut to what the
//!    report prints, so memory follows the largest recipe, not the root.
//! 6. Once every recipe is done: reference recipes (from every run seen),
//!    causes shared across a sweep, a verdict for each failure, in the
//!    runs' time order.
//! 7. The report, in the format asked for.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use jiff::Timestamp;

use crate::cli::{FilterArgs, Format, InputArgs, TriageArgs};
use crate::error::{Error, Result};
use crate::evidence::{self, Context, Gatherer, Sources};
use crate::failures::{self, Collector};
use crate::ingest::load::time_order;
use crate::ingest::{self, Input, RunFiles, console, matching, sweep::SweepSource};
use crate::model::{Class, Depth, Run, RunKind, Span, Sweep, Triaged, Warning, Warnings};
use crate::report::{self, ConsoleNote, Report};
use crate::rules::RuleSet;
use crate::sources::docker::Prober;
use crate::sources::history::{Index, Light};
use crate::verdict;

use super::paths::{self, input_paths, recipes_dir, refuse_under_roots};
use super::{Ctx, Progress};

/// The result of the pipeline: what a report prints.
pub struct Triage {
    pub inputs: Vec<PathBuf>,
    pub scope: String,
    pub runs: Vec<Run>,
    pub triaged: Vec<Triaged>,
    pub warnings: Vec<Warning>,
    pub other_warnings: usize,
    pub consoles: Vec<ConsoleNote>,
    pub sweeps: Vec<Sweep>,
    pub roots: Vec<PathBuf>,
    /// Every run id known (for close names).
    pub known: Vec<String>,
    /// The input arguments an `explain` line repeats so that it sees what
    /// this report saw (a root other than the default, the sweep logs,
    /// consoles and directories given), each quoted for the shell.
    pub rerun: Vec<String>,
}

impl Triage {
    pub fn report(&self) -> Report<'_> {
        Report {
            inputs: self
                .inputs
                .iter()
                .map(|p| p.display().to_string())
                .collect(),
            scope: self.scope.clone(),
            runs: &self.runs,
            triaged: &self.triaged,
            warnings: &self.warnings,
            other_warnings: self.other_warnings,
            consoles: &self.consoles,
            sweeps: &self.sweeps,
            roots: self.roots.clone(),
            rerun: self.rerun.join(" "),
        }
    }
}

/// The arguments that give `explain` this report's inputs: the runs roots
/// unless the default one, then every input flag that was given.
fn rerun_args(input: &InputArgs, roots: &[PathBuf]) -> Vec<String> {
    let q = |p: &Path| crate::model::shell_quote(&p.to_string_lossy());
    let default = paths::resolve(&paths::env_root());
    // A root as the user spelled it when they named it, else as found.
    let mut out: Vec<String> = roots
        .iter()
        .filter(|r| paths::resolve(r) != default)
        .map(|r| {
            let given = input
                .paths
                .iter()
                .find(|p| paths::resolve(p) == paths::resolve(r));
            q(given.map_or(r.as_path(), PathBuf::as_path))
        })
        .collect();
    for s in &input.sweep_log {
        out.push(format!("--sweep-log {}", q(s)));
    }
    for c in &input.console {
        out.push(format!("--console {}", q(c)));
    }
    for (flag, v) in [
        ("--canonicals", &input.canonicals),
        ("--recipes", &input.recipes),
        ("--ccci", &input.ccci),
        ("--rules", &input.rules),
        ("--cache", &input.cache),
    ] {
        if let Some(v) = v {
            out.push(format!("{flag} {}", q(v)));
        }
    }
    if input.no_history {
        out.push("--no-history".into());
    }
    out
}

/// The rules: `--rules DIR` or the built-in set.
pub fn load_rules(dir: Option<&Path>) -> Result<RuleSet> {
    match dir {
        Some(d) => RuleSet::from_dir(d),
        None => Ok(RuleSet::builtin()),
    }
}

/// `ccci-triage triage`.
pub fn command(args: &TriageArgs, ctx: &Ctx, out: &mut Vec<u8>) -> Result<u8> {
    let format = args.format.unwrap_or(Format::Table);
    if args.append.is_some() && format != Format::Journal {
        return Err(
            Error::usage("--append writes journal entries: it needs --format journal")
                .with_hint("add `-f journal`, or drop --append to print the report"),
        );
    }
    if args.milestone.is_some() && format != Format::Journal {
        return Err(Error::usage(
            "--milestone is the journal entries' milestone: it needs --format journal",
        )
        .with_hint("add `-f journal`, or drop --milestone"));
    }
    let paths = input_paths(&args.input.paths);
    if let Some(path) = &args.append {
        refuse_under_roots(path, &guard_roots(&paths), "--append")?;
    }
    let t = pipeline(&args.input, &args.filter, None, ctx)?;
    ctx.warn(&t.warnings, t.other_warnings);
    let report = t.report();
    let style = ctx.style();
    let text = match format {
        Format::Table => report::table::table(&report, style),
        Format::Json => report::json::json(&report),
        Format::Markdown => report::markdown::markdown(&report),
        Format::Html => report::html::triage(&report),
        Format::Journal => {
            let entries = report::journal::journal(
                &report,
                args.milestone.as_deref().unwrap_or("M1"),
                Timestamp::now(),
            );
            if let Some(path) = &args.append {
                report::journal::append(path, &entries)
                    .map_err(|e| Error::usage(format!("{}: cannot append: {e}", path.display())))?;
                ctx.note(&format!("appended to {}", path.display()));
                return Ok(0);
            }
            entries
        }
    };
    out.extend_from_slice(text.as_bytes());
    if !text.ends_with('\n') {
        out.push(b'\n');
    }
    Ok(0)
}

/// The roots an output path must not be under: each PATH's own root (a
/// root itself, the directory holding a run directory, the directory
/// holding a file's run directory, or a loose file's directory), the run
/// directories linked into those roots (their targets are part of the
/// root), `$CCCI_RUNS_DIR` and the default. Symlinks are resolved first,
/// so a PATH that is a link to a run directory guards the root it is in.
pub fn guard_roots(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut around: Vec<PathBuf> = Vec::new();
    for p in paths {
        around.push(p.clone());
        let real = paths::resolve(p);
        let root = if real.is_dir() {
            if ingest::looks_like_run(&real) {
                real.parent().map(Path::to_path_buf)
            } else {
                Some(real.clone())
            }
        } else {
            // `<root>/<run>/results.json`, `<root>/<run>/junit/x.xml`, or
            // a loose file (`<root>/<id>.console.log`, a tee anywhere).
            real.ancestors()
                .skip(1)
                .take(2)
                .find(|d| ingest::looks_like_run(d))
                .and_then(Path::parent)
                .or_else(|| real.parent().filter(|d| holds_runs(d)))
                .map(Path::to_path_buf)
        };
        if let Some(root) = root {
            around.extend(linked_runs(&root));
            around.push(root);
        }
    }
    let mut env = vec![paths::env_root(), PathBuf::from(paths::DEFAULT_RUNS_ROOT)];
    for r in env.clone() {
        env.extend(linked_runs(&r));
    }
    around.extend(env);
    paths::all_roots(&around)
}

/// A directory with a run directory or a `<id>.console.log` in it.
fn holds_runs(dir: &Path) -> bool {
    dir.read_dir().is_ok_and(|mut d| {
        d.any(|e| {
            e.is_ok_and(|e| {
                e.file_name().to_string_lossy().ends_with(".console.log")
                    || ingest::looks_like_run(&e.path())
            })
        })
    })
}

/// The targets of the run directories linked into `root` (ingest follows
/// such a link one level down, so what it points at is part of the root).
fn linked_runs(root: &Path) -> Vec<PathBuf> {
    let Ok(entries) = root.read_dir() else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_symlink()))
        .filter_map(|e| e.path().canonicalize().ok())
        .filter(|t| t.is_dir() && ingest::looks_like_run(t))
        .collect()
}

/// How many of a recipe's runs before its newest reported run are context
/// (its tests' history, siblings of the same version), and how many after
/// it (isolation reruns). A window, so that a triage's memory and time
/// follow what it reports, not the age of the root: cc-ci never deletes a
/// run. About a year of one recipe's weekly sweeps and builds; `history`
/// reads every run.
pub const CONTEXT_BEFORE: usize = 60;
pub const CONTEXT_AFTER: usize = 20;
/// How many of each recipe's newest versions a reference recipe is looked
/// for in (one green run each).
pub const REFERENCE_VERSIONS: usize = 3;

/// The context window of one recipe's runs (their start times, in time
/// order): the [`CONTEXT_BEFORE`] runs up to the newest run reported (`at`;
/// `None`: no run of the recipe reported, the newest runs), and the
/// [`CONTEXT_AFTER`] runs after it.
fn context_window(
    keys: &[Option<Timestamp>],
    at: Option<Option<Timestamp>>,
) -> std::ops::Range<usize> {
    let upto = match at {
        Some(at) => keys.partition_point(|k| *k <= at),
        None => keys.len(),
    };
    upto.saturating_sub(CONTEXT_BEFORE)..(upto + CONTEXT_AFTER).min(keys.len())
}

/// A root's runs as the pipeline knows them: the light columns, the
/// summaries it needed, the full reads the refresh kept.
struct RootRuns {
    root: PathBuf,
    /// The root's runs as listed, until the reported ones are planned.
    listing: Listing,
    light: Vec<Light>,
    index: Index,
    /// The summaries loaded from the index.
    summaries: HashMap<String, Run>,
    full: HashMap<String, Run>,
}

/// A root's runs as [`ingest::discover`] lists them, by id.
#[derive(Default)]
struct Listing {
    found: Vec<RunFiles>,
    /// Where each run id stands in `found`.
    at: HashMap<String, usize>,
}

impl Listing {
    fn new(found: Vec<RunFiles>) -> Listing {
        let mut at = HashMap::new();
        for (i, f) in found.iter().enumerate() {
            at.entry(f.id.clone()).or_insert(i);
        }
        Listing { found, at }
    }

    /// The files of run `id`, moved out: each run is planned once.
    fn take(&mut self, id: &str) -> Option<RunFiles> {
        self.at
            .remove(id)
            .map(|i| std::mem::take(&mut self.found[i]))
    }
}

impl RootRuns {
    /// The summaries of `ids`, from memory or the index.
    fn load(&mut self, ids: &[&str], warnings: &mut Warnings) {
        let missing: Vec<&str> = ids
            .iter()
            .copied()
            .filter(|id| !self.summaries.contains_key(*id) && !self.full.contains_key(*id))
            .collect();
        if missing.is_empty() {
            return;
        }
        match self.index.summaries(&missing) {
            Ok(runs) => {
                for r in runs {
                    self.summaries.insert(r.id.clone(), r);
                }
            }
            Err(e) => warnings.push(self.index.db_path().display(), e.message),
        }
    }
}

/// Runs the stages (see the module docs). `only_run` narrows the scope to
/// one run id (for `explain`).
pub fn pipeline(
    input: &InputArgs,
    filter: &FilterArgs,
    only_run: Option<&str>,
    ctx: &Ctx,
) -> Result<Triage> {
    // 1. Rules, and what each PATH is.
    let rules = load_rules(input.rules.as_deref())?;
    let paths = input_paths(&input.paths);
    let since = filter
        .since
        .as_deref()
        .map(paths::parse_since)
        .transpose()?;
    let mut inputs = Vec::new();
    for p in &paths {
        inputs.push(classify(p, &rules).map_err(|e| {
            if input.paths.is_empty() {
                e.with_hint(paths::default_root_hint())
            } else {
                e
            }
        })?);
    }
    if let Some(rec) = &input.probe_record {
        refuse_under_roots(rec, &guard_roots(&paths), "--probe-record")?;
    }
    if input.no_history && input.cache.is_some() {
        return Err(Error::usage(
            "--cache names the history index, and --no-history says not to use one",
        )
        .with_hint("drop one of the two"));
    }
    let mut warnings = Warnings::new();
    option_warnings(input, &mut warnings);
    let roots = context_roots(&inputs);
    if let Some(cache) = &input.cache {
        refuse_under_roots(cache, &guard_roots(&paths), "--cache")?;
    }

    // 2. The index of each root, brought up to date.
    let mut all: Vec<RootRuns> = Vec::new();
    for root in &roots {
        all.push(open_root(root, input, &rules, ctx, &mut warnings)?);
    }

    // 3. Sweep logs, placed; consoles, matched.
    let mut sweeps = Vec::new();
    for s in &input.sweep_log {
        let source = SweepSource::from_arg(s);
        let mut sweep = ingest::sweep::read(&source, &rules, &mut warnings).map_err(|e| {
            Error::usage(format!("--sweep-log {}: {e}", s.display()))
                .with_hint("pass the nightly-sweep log: a file, or `-` for standard input")
        })?;
        let candidates: Vec<matching::Candidate> = all
            .iter()
            .flat_map(|r| r.light.iter())
            .map(|l| matching::Candidate {
                id: l.id.clone(),
                recipe: l.recipe.clone(),
                version: l.version.clone(),
                finished: l.span.finished,
            })
            .collect();
        let file_time = match &source {
            SweepSource::File(p) => std::fs::metadata(p)
                .ok()
                .and_then(|m| m.modified().ok())
                .and_then(|t| Timestamp::try_from(t).ok()),
            SweepSource::Stdin => None,
        };
        for w in matching::place_sweep(&mut sweep, &candidates, file_time) {
            warnings.push(source.path().display(), w);
        }
        sweeps.push(sweep);
    }
    let mut console_paths: Vec<(PathBuf, &str)> = input
        .console
        .iter()
        .map(|p| (p.clone(), "--console"))
        .collect();
    let mut named_files: Vec<RunFiles> = Vec::new();
    for i in &inputs {
        match i {
            Input::Console(p) if !p.to_string_lossy().ends_with(".console.log") => {
                console_paths.push((p.clone(), "named as PATH"));
            }
            Input::Results(_) | Input::Junit(_) | Input::Console(_) => {
                named_files.push(ingest::files_of_input(i));
            }
            _ => {}
        }
    }
    let mut notes = Vec::new();
    let mut placed_consoles: HashMap<String, Vec<(PathBuf, String)>> = HashMap::new();
    for (path, how) in &console_paths {
        let scan = console::scan_file(
            path,
            &rules,
            console::ScanOptions {
                per_rule: ingest::FULL_PER_RULE,
                identity: true,
                year_from: None,
            },
        )
        .map_err(|e| {
            Error::usage(format!("{how} {}: {e}", path.display()))
                .with_hint("pass a console log: a text file, or a Drone step log saved as JSON")
        })?;
        let id = matching::Identity::of(&scan);
        let recipes: Vec<&str> = id.recipes.iter().map(String::as_str).collect();
        let mut cand_ids: Vec<String> = Vec::new();
        for r in &mut all {
            let ids: Vec<String> = r
                .light
                .iter()
                .filter(|l| {
                    id.run_ids.contains(&l.id)
                        || l.recipe.as_deref().is_some_and(|x| recipes.contains(&x))
                })
                .map(|l| l.id.clone())
                .collect();
            let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
            r.load(&refs, &mut warnings);
            cand_ids.extend(ids);
        }
        let cands: Vec<&Run> = all
            .iter()
            .flat_map(|r| {
                cand_ids
                    .iter()
                    .filter_map(move |id| r.full.get(id).or_else(|| r.summaries.get(id)))
            })
            .collect();
        let note = match matching::place_console(&id, &cands) {
            matching::Placement::Run { id, why } => {
                placed_consoles
                    .entry(id.clone())
                    .or_default()
                    .push((path.clone(), format!("{how}: {why}")));
                ConsoleNote {
                    path: path.clone(),
                    run: Some(id),
                    why,
                }
            }
            matching::Placement::None(why) => {
                warnings.push(path.display(), format!("matched no run: {why}"));
                ConsoleNote {
                    path: path.clone(),
                    run: None,
                    why,
                }
            }
            matching::Placement::Several(ids) => {
                let why = format!(
                    "it fits {} runs equally ({}); name the run directory with it",
                    ids.len(),
                    ids.join(", ")
                );
                warnings.push(path.display(), format!("matched several runs: {why}"));
                ConsoleNote {
                    path: path.clone(),
                    run: None,
                    why,
                }
            }
        };
        notes.push(note);
    }

    // 4. The scope.
    let (mut targets, scope) = choose_scope(
        &inputs,
        &all,
        &sweeps,
        &named_files,
        filter,
        only_run,
        &notes,
    );
    if let Some(since) = since {
        let time_of: HashMap<&str, Option<Timestamp>> = all
            .iter()
            .flat_map(|r| r.light.iter())
            .map(|l| (l.id.as_str(), l.span.finished.or(l.span.started)))
            .collect();
        targets.retain(|id| match time_of.get(id.as_str()) {
            Some(Some(t)) => *t >= since,
            _ => true,
        });
    }
    check_recipes(filter, &all, &sweeps)?;
    // A recipe's report is about that recipe's runs: their count, their
    // warnings. Runs of other recipes stay context.
    if !filter.recipe.is_empty() {
        let recipe_of: HashMap<&str, Option<&str>> = all
            .iter()
            .flat_map(|r| r.light.iter())
            .map(|l| (l.id.as_str(), l.recipe.as_deref()))
            .collect();
        targets.retain(|id| match recipe_of.get(id.as_str()) {
            Some(Some(r)) => filter.recipe.iter().any(|x| x == r),
            Some(None) => false,
            None => true,
        });
    }

    // 5-6, a recipe at a time: its runs reported, read in full; its
    // context as summaries (a window of its runs, the runs the refresh
    // read in full, the reference pool); load; its failures, their facts.
    // A recipe's runs are dropped to what the report prints before the
    // next recipe is read, so `--all` holds one recipe's runs at a time,
    // not the root's.
    let mut read_now: BTreeSet<String> = BTreeSet::new();
    let mut target_warnings = Warnings::new();
    // A green run of the root that nothing adds to (no console matched to
    // it, no sweep entry on it) has no failure to report: its summary is
    // all a report and the evidence use, so it is not read again.
    let on_sweep: BTreeSet<&str> = sweeps
        .iter()
        .flat_map(|s| s.entries.iter().filter_map(|e| e.run.as_deref()))
        .collect();
    let mut listings: Vec<Listing> = all
        .iter_mut()
        .map(|r| std::mem::take(&mut r.listing))
        .collect();
    let lights: HashMap<&str, &Light> = all
        .iter()
        .flat_map(|r| r.light.iter())
        .map(|l| (l.id.as_str(), l))
        .collect();
    // Placed sweep runs are sweep runs.
    let placed: BTreeMap<String, String> = sweeps
        .iter()
        .flat_map(|s| {
            s.entries
                .iter()
                .filter_map(|e| Some((e.run.clone()?, s.label.clone())))
        })
        .collect();
    let mut hows: Vec<(String, How)> = Vec::with_capacity(targets.len());
    for id in &targets {
        let extra = placed_consoles.get(id).cloned().unwrap_or_default();
        let named = named_files.iter().find(|f| &f.id == id);
        let green = lights.get(id.as_str()).is_some_and(|l| l.green);
        let full = all.iter().any(|r| r.full.contains_key(id));
        if named.is_none() && extra.is_empty() {
            if full {
                hows.push((id.clone(), How::Full));
                continue;
            }
            if green && !on_sweep.contains(id.as_str()) {
                hows.push((id.clone(), How::Summary));
                continue;
            }
        }
        let files = listings
            .iter_mut()
            .find_map(|l| l.take(id))
            .or_else(|| named.cloned())
            .map(|mut f| {
                f.consoles.extend(extra.iter().cloned());
                f
            });
        if let Some(files) = files {
            hows.push((id.clone(), How::Read(files)));
        }
    }
    // Done with: at four years, the listing of every run's files is 4 MiB.
    drop(listings);
    // The groups: each recipe of the runs reported and of the sweeps'
    // entries. A run the index does not know, or one read with more than
    // its own files, has its recipe only once read: those are read first.
    let mut early: Vec<Run> = Vec::new();
    let mut groups: BTreeMap<Option<String>, Vec<(String, How)>> = BTreeMap::new();
    {
        let mut first: Vec<(String, How)> = Vec::new();
        for (id, how) in hows {
            let lit = lights.get(id.as_str()).and_then(|l| l.recipe.clone());
            let added = placed_consoles.contains_key(&id) || named_files.iter().any(|n| n.id == id);
            if matches!(how, How::Read(_)) && (lit.is_none() || added) {
                first.push((id, how));
            } else {
                groups.entry(lit).or_default().push((id, how));
            }
        }
        let (runs, ws) = read_full(&first, &rules, &mut read_now);
        target_warnings.extend(ws);
        for run in runs {
            groups.entry(run.recipe.clone()).or_default();
            early.push(run);
        }
    }
    for s in &sweeps {
        for e in &s.entries {
            groups.entry(Some(e.recipe.clone())).or_default();
        }
    }
    let target_set: BTreeSet<&str> = targets.iter().map(String::as_str).collect();
    // The full reads of runs no group is about are not context: dropped
    // (kept as reference candidates).
    let mut dropped: Vec<evidence::Candidate> = Vec::new();
    for r in &mut all {
        r.full.retain(|id, run| {
            let keep = groups.contains_key(&run.recipe) || target_set.contains(id.as_str());
            if !keep {
                dropped.extend(evidence::Candidate::of(run));
            }
            keep
        });
    }
    // Load over every run of the roots, whatever was read.
    let mut spans: Vec<(String, Span)> = all
        .iter()
        .flat_map(|r| r.light.iter())
        .map(|l| (l.id.clone(), l.span))
        .collect();
    let in_roots: BTreeSet<String> = spans.iter().map(|(id, ..)| id.clone()).collect();
    for r in &early {
        if !in_roots.contains(&r.id) {
            spans.push((r.id.clone(), r.span));
        }
    }
    // The reference pool: one green run per (recipe, version), for each
    // recipe's newest versions, where a reference recipe (one whose
    // backup round-trips) is looked for. Bounded, as the window is; held
    // for every group.
    let mut pool: Vec<Run> = Vec::new();
    for r in &all {
        let mut seen: BTreeSet<(Option<&str>, Option<&str>)> = BTreeSet::new();
        let mut versions: BTreeMap<Option<&str>, usize> = BTreeMap::new();
        let mut greens: Vec<&Light> = r.light.iter().filter(|l| l.green).collect();
        greens.sort_by_key(|l| std::cmp::Reverse(l.span.key()));
        let mut ids: Vec<&str> = Vec::new();
        for l in greens {
            let n = versions.entry(l.recipe.as_deref()).or_default();
            if *n < REFERENCE_VERSIONS && seen.insert((l.recipe.as_deref(), l.version.as_deref())) {
                *n += 1;
                ids.push(&l.id);
            }
        }
        match r.index.summaries(&ids) {
            Ok(runs) => pool.extend(runs),
            Err(e) => warnings.push(r.index.db_path().display(), e.message),
        }
    }
    mark_placed(&mut pool, &placed);
    let pool_ids: HashSet<String> = pool.iter().map(|r| r.id.clone()).collect();
    let pool_over = ingest::load::overlaps_of(&spans, |id| pool_ids.contains(id));
    for c in &mut pool {
        c.overlapping = pool_over.get(&c.id).cloned().unwrap_or_default();
    }
    let canonicals = ingest::canonical::read_dir(
        input
            .canonicals
            .as_deref()
            .unwrap_or(Path::new(paths::DEFAULT_CANONICALS)),
        &mut warnings,
    );
    let mut prober = if input.probe {
        Some(Prober::live(std::time::Duration::from_secs(10))?)
    } else if let Some(path) = &input.probe_replay {
        Some(Prober::replay(path)?)
    } else {
        None
    };
    let sources = Sources {
        recipes: recipes_dir(input.recipes.as_deref()),
        ccci: input.ccci.clone(),
    };
    let mut caches = evidence::Caches::default();
    let mut collector = Collector::default();
    // Each failure with its facts and where it stands in the report: a
    // run's failures in the runs' time order, then the sweeps'.
    let mut gathered: Vec<(Order, crate::model::Failure, Vec<crate::model::Fact>)> = Vec::new();
    let mut wanting: Vec<(usize, evidence::WantsReference)> = Vec::new();
    // Every run seen, as a reference recipe may be taken from it.
    let mut candidates: Vec<evidence::Candidate> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut note = |r: &Run, candidates: &mut Vec<evidence::Candidate>| {
        if seen.insert(r.id.clone())
            && let Some(c) = evidence::Candidate::of(r)
        {
            candidates.push(c);
        }
    };
    let mut runs: Vec<Run> = Vec::with_capacity(targets.len());
    let mut probe_warnings = Vec::new();
    for (recipe, members) in groups {
        // The group's runs reported.
        let mut batch: Vec<Run> = Vec::with_capacity(members.len());
        let mut to_read: Vec<(String, How)> = Vec::new();
        for (id, how) in members {
            match how {
                How::Full => batch.extend(all.iter_mut().find_map(|r| r.full.remove(&id))),
                // One at a time, parsed on this thread: read back on every
                // core, a group's green runs took 7 MiB more at four years
                // (the workers' arenas) for no time.
                How::Summary => {
                    for r in &mut all {
                        r.load(&[id.as_str()], &mut warnings);
                        if let Some(run) = r.summaries.remove(&id) {
                            batch.push(run);
                            break;
                        }
                    }
                }
                How::Read(_) => to_read.push((id, how)),
            }
        }
        let (read, ws) = read_full(&to_read, &rules, &mut read_now);
        target_warnings.extend(ws);
        batch.extend(read);
        let mut i = 0;
        while i < early.len() {
            if early[i].recipe == recipe {
                batch.push(early.swap_remove(i));
            } else {
                i += 1;
            }
        }
        // Its context: the window of the recipe's runs around the newest
        // one reported, and the refresh's full reads of the recipe.
        let newest: Option<Option<Timestamp>> = batch.iter().map(|r| r.span.key()).max();
        let mut context: Vec<Run> = Vec::new();
        for r in &mut all {
            if let Some(recipe) = &recipe {
                let mut ls: Vec<&Light> = r
                    .light
                    .iter()
                    .filter(|l| {
                        l.recipe.as_ref() == Some(recipe) && !target_set.contains(l.id.as_str())
                    })
                    .collect();
                ls.sort_by(|a, b| time_order((a.span, &a.id), (b.span, &b.id)));
                let keys: Vec<Option<Timestamp>> = ls.iter().map(|l| l.span.key()).collect();
                let window = context_window(&keys, newest);
                let ids: Vec<String> = ls[window].iter().map(|l| l.id.clone()).collect();
                let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
                r.load(&refs, &mut warnings);
            }
            // Runs the refresh read in full and nobody reports are context
            // too (an isolation rerun that went red): as summaries.
            let full: Vec<String> = r
                .full
                .iter()
                .filter(|(id, run)| run.recipe == recipe && !target_set.contains(id.as_str()))
                .map(|(id, _)| id.clone())
                .collect();
            for id in full {
                context.extend(r.full.remove(&id).map(ingest::into_summary));
            }
            context.extend(r.summaries.drain().map(|(_, v)| v));
            r.summaries.shrink_to_fit();
        }
        for run in batch.iter_mut() {
            for s in &sweeps {
                place_on_sweep(run, s);
            }
        }
        mark_placed(&mut context, &placed);
        let mine: HashSet<String> = batch
            .iter()
            .chain(context.iter())
            .map(|r| r.id.clone())
            .collect();
        let over = ingest::load::overlaps_of(&spans, |id| mine.contains(id));
        for r in batch.iter_mut().chain(context.iter_mut()) {
            r.overlapping = over.get(&r.id).cloned().unwrap_or_default();
        }
        ingest::load::sort(&mut batch);
        let mut everything: Vec<&Run> = batch
            .iter()
            .chain(context.iter())
            .chain(pool.iter().filter(|p| !mine.contains(p.id.as_str())))
            .collect();
        everything.sort_by(|a, b| time_order((a.span, &a.id), (b.span, &b.id)));

        // Its failures.
        let mut list: Vec<(Order, crate::model::Failure)> = Vec::new();
        for r in &batch {
            let before = collector.failures.len();
            let found = failures::of_run(r);
            // No results.json, no end line and no console: nothing says
            // whether the run is still going or died; say so rather than
            // report green.
            if found.is_empty()
                && !r.is_green()
                && r.record.is_none()
                && !r.end.closed
                && r.console.is_none()
            {
                warnings.push_run(
                    &r.id,
                    r.path.display(),
                    "no results.json, no console and no end line: the run is still going, or \
                     it died without a trace; if it is over, pass its console with --console",
                );
            }
            collector.extend(found);
            for (n, f) in collector.failures.drain(before..).enumerate() {
                list.push((Order::Run(r.id.clone(), n), f));
            }
        }
        for (k, s) in sweeps.iter().enumerate() {
            let before = collector.failures.len();
            // The entry's run: in this group, else reported in an earlier one.
            let of =
                failures::of_sweep(s, |id| batch.iter().chain(runs.iter()).find(|r| r.id == id));
            collector.extend(of.into_iter().filter(|f| f.recipe == recipe));
            for (n, f) in collector.failures.drain(before..).enumerate() {
                list.push((Order::Sweep(k, n), f));
            }
        }
        list.retain(|(_, f)| {
            filter.recipe.is_empty() || f.recipe.as_ref().is_some_and(|r| filter.recipe.contains(r))
        });
        if let Some(only) = only_run {
            list.retain(|(_, f)| f.run_id == only);
        }
        // Their facts.
        let cx = Context::new(everything.iter().copied(), &canonicals, &sweeps);
        let mut g = Gatherer::new(&cx, &rules, sources.clone(), prober.as_mut(), caches);
        for r in &everything {
            note(r, &mut candidates);
        }
        for (at, mut f) in list {
            let (facts, wants) = g.gather(&f);
            // The failure's body was read for its signs; only `explain`
            // shows it again.
            if only_run.is_none() {
                f.detail = None;
            }
            if let Some(w) = wants {
                wanting.push((gathered.len(), w));
            }
            gathered.push((at, f, facts));
        }
        probe_warnings.append(&mut g.probe_warnings);
        warnings.extend(std::mem::take(&mut g.file_warnings));
        caches = g.into_caches();
        drop(everything);
        // What the report prints of a run, not what its evidence was.
        runs.extend(batch.into_iter().map(for_report));
        // What the group's reads left in the workers' arenas.
        crate::mem::give_back();
    }
    for w in probe_warnings {
        warnings.push("probe", w);
    }
    // Reference recipes, now that every recipe's runs have been seen (in
    // time order, as a recipe's runs are).
    for c in dropped {
        if seen.insert(c.id().to_string()) {
            candidates.push(c);
        }
    }
    candidates.sort_by(|a, b| a.order().cmp(&b.order()));
    for (i, wants) in wanting {
        let (_, f, facts) = &mut gathered[i];
        if let Some(fact) = caches.reference(f, &wants, &candidates, &rules) {
            // One more place, not double (facts are held to the report).
            facts.reserve_exact(1);
            facts.insert(wants.at.min(facts.len()), fact);
        }
    }
    ingest::load::sort(&mut runs);
    let position: HashMap<&str, usize> = runs
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    gathered.sort_by_key(|(at, ..)| match at {
        Order::Run(id, n) => (
            0,
            position.get(id.as_str()).copied().unwrap_or(usize::MAX),
            *n,
        ),
        Order::Sweep(k, n) => (1, *k, *n),
    });
    let gathered: Vec<(crate::model::Failure, Vec<crate::model::Fact>)> = gathered
        .into_iter()
        .map(|(_, f, facts)| (f, facts))
        .collect();
    let sweep_of = |run: &str| -> Option<String> {
        sweeps
            .iter()
            .find(|s| s.entries.iter().any(|e| e.run_key() == run))
            .map(|s| s.label.clone())
            .or_else(|| {
                position
                    .get(run)
                    .map(|&i| &runs[i])
                    .filter(|r| r.kind == RunKind::Sweep)
                    .and_then(|r| r.sweep.clone())
            })
    };
    let shared = evidence::shared_causes(&gathered, sweep_of);
    let mut triaged: Vec<Triaged> = gathered
        .into_iter()
        .zip(shared)
        .map(|((failure, mut facts), extra)| {
            facts.extend(extra);
            let verdict = verdict::decide(&failure, &facts);
            // `explain` lists every fact; the other reports read the
            // verdict and the few facts `reads_beyond_verdict` names.
            if only_run.is_none() {
                facts.retain(crate::report::reads_beyond_verdict);
                facts.shrink_to_fit();
            }
            Triaged {
                failure,
                verdict,
                facts,
            }
        })
        .collect();
    if !filter.class.is_empty() {
        triaged.retain(|t| {
            filter
                .class
                .iter()
                .any(|c| Class::parse(c) == Some(t.verdict.class))
        });
    }
    if let (Some(p), Some(path)) = (&prober, &input.probe_record) {
        p.save(path)?;
    }

    // Warnings: those about what is reported, and a count of the rest.
    let reported: BTreeSet<String> = runs.iter().map(|r| r.id.clone()).collect();
    let mut shown = warnings;
    shown.extend(target_warnings);
    let mut other = 0;
    let ids: Vec<&str> = reported.iter().map(String::as_str).collect();
    for r in &all {
        // The reported runs' stored warnings: shown for the runs not read
        // again now (those read now said theirs), counted for all.
        let ws = r.index.warnings_of(&ids).unwrap_or_default();
        let of_reported = ws.len();
        for w in ws {
            if w.run.as_ref().is_none_or(|r| !read_now.contains(r)) {
                shown.add(w);
            }
        }
        if let Ok(n) = r.index.warning_count() {
            other += n.saturating_sub(of_reported);
        }
    }
    // A warning about a run not reported is counted, not shown (the
    // root's stay in the index and are counted above).
    let (shown, dropped): (Vec<Warning>, Vec<Warning>) = shown
        .sorted()
        .into_vec()
        .into_iter()
        .partition(|w| w.run.as_ref().is_none_or(|r| reported.contains(r)));
    other += dropped.len();
    let known = all
        .iter()
        .flat_map(|r| r.light.iter().map(|l| l.id.clone()))
        .collect();
    Ok(Triage {
        inputs: paths,
        scope,
        runs,
        triaged,
        warnings: shown,
        other_warnings: other,
        consoles: notes,
        sweeps,
        rerun: rerun_args(input, &roots),
        roots: roots.clone(),
        known,
    })
}

/// How a reported run is had: from the refresh's full reads, as its
/// index summary (a green run nothing is added to), or read now (with
/// what is added to it).
enum How {
    Full,
    Summary,
    Read(RunFiles),
}

/// Where a failure stands in the report: the `n`th of a run's (runs in
/// time order), or the `n`th of the `k`th sweep log's, after every run's.
enum Order {
    Run(String, usize),
    Sweep(usize, usize),
}

/// Reads the runs of `todo` that are [`How::Read`] in full, on every core,
/// in their order; their ids go in `read_now`. Each run's warnings carry
/// its id.
fn read_full(
    todo: &[(String, How)],
    rules: &RuleSet,
    read_now: &mut BTreeSet<String>,
) -> (Vec<Run>, Warnings) {
    let files: Vec<&RunFiles> = todo
        .iter()
        .filter_map(|(_, how)| match how {
            How::Read(f) => Some(f),
            _ => None,
        })
        .collect();
    let read = crate::par::map_with(
        &files,
        || rules.clone(),
        |rules, files| {
            let mut w = Warnings::new();
            let run = ingest::read_run(files, Depth::Full, rules, &mut w);
            (run, w)
        },
    );
    let mut warnings = Warnings::new();
    let mut runs = Vec::with_capacity(read.len());
    for (run, w) in read {
        warnings.extend(w);
        read_now.insert(run.id.clone());
        runs.push(run);
    }
    (runs, warnings)
}

/// Context runs a sweep entry was placed on are sweep runs, of that
/// sweep (`placed`: run id to the sweep's label).
fn mark_placed(runs: &mut [Run], placed: &BTreeMap<String, String>) {
    for r in runs {
        if let Some(label) = placed.get(&r.id) {
            r.kind = RunKind::Sweep;
            r.sweep = Some(label.clone());
        }
    }
}

/// A sweep's entries placed on `run`: it is a sweep run, with the entry's
/// rc, version and (when it has no console of its own) lines.
fn place_on_sweep(run: &mut Run, s: &Sweep) {
    for e in &s.entries {
        if e.run.as_deref() != Some(run.id.as_str()) {
            continue;
        }
        run.kind = RunKind::Sweep;
        run.sweep = Some(s.label.clone());
        if run.end.rc.is_none() {
            run.end.rc = e.rc;
            run.end.rc_at = Some(e.loc.clone());
        }
        // A timer's run prints into the sweep's log: with no console of
        // its own, the entry's lines are its console (what a run that
        // died last said).
        if run.console.is_none() {
            let last = e
                .signals
                .iter()
                .filter(|s| {
                    s.loc.line < e.loc.line
                        && !matches!(
                            s.role,
                            crate::model::Role::Identity | crate::model::Role::Benign
                        )
                })
                .max_by_key(|s| s.loc.line);
            run.console = Some(Box::new(crate::model::Console {
                path: e.loc.path.clone(),
                taken_for: "the sweep log's lines for its entry".into(),
                first: e.first,
                last: e.last,
                last_recognised: last.and_then(|s| Some((s.loc.line?, s.message().to_string()))),
                ..Default::default()
            }));
        }
        if run.version.is_none() {
            run.version = e.version.clone();
        }
    }
}

/// A reported run reduced to what the report prints of it (its header,
/// tiers, load, console, whether it is green), once its failures have
/// their facts: passing tests, failure bodies, signals and JUnit files
/// are the evidence's, not the report's.
fn for_report(mut run: Run) -> Run {
    run.tests.retain(|t| t.outcome.is_red());
    for t in &mut run.tests {
        t.detail = None;
    }
    run.tests.shrink_to_fit();
    run.signals
        .retain(|s| s.role == crate::model::Role::PromoteFailed);
    run.signals.shrink_to_fit();
    run.junit = Vec::new();
    run.signal_counts.clear();
    run.domains = Vec::new();
    run
}

/// A PATH's kind, with a "did you mean" for a mistyped subcommand.
fn classify(p: &Path, rules: &RuleSet) -> Result<Input> {
    ingest::classify(p, rules).map_err(|e| {
        let word = p.to_string_lossy();
        if !p.exists() && !word.contains('/') {
            let subs: Vec<String> = [
                "triage",
                "explain",
                "check",
                "probe",
                "history",
                "comment",
                "rules",
                "completions",
                "man",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect();
            if let Some(close) = paths::close_names(&word, &subs).first() {
                return e.with_hint(format!(
                    "did you mean the subcommand `ccci-triage {close}`?"
                ));
            }
        }
        e
    })
}

/// Options that point at nothing, said.
fn option_warnings(input: &InputArgs, warnings: &mut Warnings) {
    if let Some(c) = &input.canonicals
        && !c.is_dir()
    {
        warnings.push(
            format!("--canonicals {}", c.display()),
            "not a directory: no canonical is read, so no flake is confirmed by one",
        );
    }
    if let Some(c) = &input.ccci
        && !c.join("tests").is_dir()
    {
        warnings.push(
            format!("--ccci {}", c.display()),
            "not a cc-ci checkout (no tests/ in it): the failing tests' lines are not cited",
        );
    }
    if let Some(r) = &input.recipes
        && !r.is_dir()
    {
        warnings.push(
            format!("--recipes {}", r.display()),
            "not a directory: runs without their own checkout get no static checks",
        );
    }
}

/// The runs roots the inputs live in: a root itself, the directory above
/// a run directory, the directory above a file's run directory when it
/// holds runs.
fn context_roots(inputs: &[Input]) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::new();
    let holds_runs = |d: &Path| {
        d.read_dir()
            .is_ok_and(|mut it| it.any(|e| e.is_ok_and(|e| ingest::looks_like_run(&e.path()))))
    };
    for i in inputs {
        let root = match i {
            Input::Root(p) => Some(p.clone()),
            Input::RunDir(d) => d
                .canonicalize()
                .ok()
                .and_then(|d| d.parent().map(Path::to_path_buf)),
            Input::Results(p) | Input::Junit(p) | Input::Console(p) => {
                let f = ingest::files_of_input(i);
                let dir = f.dir.or_else(|| p.parent().map(Path::to_path_buf));
                dir.and_then(|d| d.canonicalize().ok())
                    .and_then(|d| {
                        if ingest::looks_like_run(&d) {
                            d.parent().map(Path::to_path_buf)
                        } else {
                            Some(d)
                        }
                    })
                    .filter(|d| holds_runs(d))
            }
        };
        if let Some(r) = root {
            let r = r.canonicalize().unwrap_or(r);
            if !out.contains(&r) {
                out.push(r);
            }
        }
    }
    out
}

/// Opens and refreshes one root's index (or reads the root whole).
fn open_root(
    root: &Path,
    input: &InputArgs,
    rules: &RuleSet,
    ctx: &Ctx,
    warnings: &mut Warnings,
) -> Result<RootRuns> {
    let mut found_w = Warnings::new();
    let found = ingest::discover(root, &mut found_w)?;
    warnings.extend(found_w);
    let progress = Progress::new(ctx, "reading runs");
    let tick = |d: usize, t: usize| progress.tick(d, t);
    // The index of the root: the cache's, else (with --no-history, or a
    // cache that cannot be used) a temporary one that lives as long as
    // this command. Either way the runs are read by one refresh and held
    // in SQLite, not in memory.
    let mut index = if input.no_history {
        None
    } else {
        match Index::open(input.cache.as_deref(), root) {
            Ok(i) => Some(i),
            Err(e) => {
                warnings.push(
                    "history index",
                    format!("{}; a temporary index is used instead", e.message),
                );
                None
            }
        }
    };
    let mut refreshed = None;
    if let Some(ix) = &mut index {
        match ix.refresh(&found, rules, true, &tick, warnings) {
            Ok((_, full)) => refreshed = Some(full),
            Err(e) => warnings.push(
                ix.db_path().display(),
                format!("{}; a temporary index is used instead", e.message),
            ),
        }
    }
    let (index, full) = match (index, refreshed) {
        (Some(ix), Some(full)) => (ix, full),
        _ => {
            let mut ix = Index::scratch(root)?;
            let (_, full) = ix.refresh(&found, rules, true, &tick, warnings)?;
            (ix, full)
        }
    };
    let light = match index.light() {
        Ok(l) => l,
        Err(e) => {
            warnings.push(index.db_path().display(), e.message);
            Vec::new()
        }
    };
    let out = RootRuns {
        root: root.to_path_buf(),
        listing: Listing::new(found),
        light,
        index,
        summaries: HashMap::new(),
        full,
    };
    progress.finish();
    Ok(out)
}

/// Which runs are reported, and the scope in words.
fn choose_scope(
    inputs: &[Input],
    all: &[RootRuns],
    sweeps: &[Sweep],
    named_files: &[RunFiles],
    filter: &FilterArgs,
    only_run: Option<&str>,
    consoles: &[ConsoleNote],
) -> (Vec<String>, String) {
    // In the order first named, each once (a set beside the list: with
    // --all a root's every run is pushed).
    let mut targets: Vec<String> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let push = |id: &str, targets: &mut Vec<String>, seen: &mut HashSet<String>| {
        if seen.insert(id.to_string()) {
            targets.push(id.to_string());
        }
    };
    if let Some(id) = only_run {
        push(id, &mut targets, &mut seen);
        return (targets, format!("run {id}"));
    }
    let mut words = Vec::new();
    for i in inputs {
        if let Input::RunDir(d) = i {
            push(&ingest::dir_name(d), &mut targets, &mut seen);
        }
    }
    for f in named_files {
        push(&f.id, &mut targets, &mut seen);
    }
    for c in consoles {
        if let Some(r) = &c.run {
            push(r, &mut targets, &mut seen);
        }
    }
    if !targets.is_empty() {
        words.push(format!(
            "{} named",
            crate::report::plural(targets.len(), "run")
        ));
    }
    for s in sweeps {
        for e in &s.entries {
            if let Some(r) = &e.run {
                push(r, &mut targets, &mut seen);
            }
        }
        words.push(format!("the sweep of {}", s.label));
    }
    let roots_given = inputs.iter().any(|i| matches!(i, Input::Root(_)));
    if filter.all {
        for r in all {
            for l in &r.light {
                push(&l.id, &mut targets, &mut seen);
            }
        }
        words.push(format!(
            "every run under {}",
            all.iter()
                .map(|r| r.root.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    } else if roots_given && sweeps.is_empty() {
        for r in all {
            for id in red_now(&r.light) {
                push(&id, &mut targets, &mut seen);
            }
        }
        words.push(format!(
            "what is red now under {} (each recipe's runs since its last green one; --all for every run)",
            all.iter().map(|r| r.root.display().to_string()).collect::<Vec<_>>().join(", ")
        ));
    }
    (targets, words.join("; "))
}

/// Each recipe's runs after its last green run, in time order.
pub fn red_now(light: &[Light]) -> Vec<String> {
    let mut by_recipe: BTreeMap<Option<&str>, Vec<&Light>> = BTreeMap::new();
    for l in light {
        by_recipe.entry(l.recipe.as_deref()).or_default().push(l);
    }
    let mut out = Vec::new();
    for (recipe, mut runs) in by_recipe {
        runs.sort_by(|a, b| time_order((a.span, &a.id), (b.span, &b.id)));
        if recipe.is_none() {
            // Runs that name no recipe: each stands alone.
            out.extend(runs.iter().filter(|l| !l.green).map(|l| l.id.clone()));
            continue;
        }
        let last_green = runs.iter().rposition(|l| l.green);
        let start = last_green.map_or(0, |i| i + 1);
        out.extend(runs[start..].iter().map(|l| l.id.clone()));
    }
    out
}

/// `--recipe R` that names no recipe of the runs is exit 2, with the
/// close names.
fn check_recipes(filter: &FilterArgs, all: &[RootRuns], sweeps: &[Sweep]) -> Result<()> {
    if filter.recipe.is_empty() {
        return Ok(());
    }
    let mut known: Vec<String> = all
        .iter()
        .flat_map(|r| r.light.iter().filter_map(|l| l.recipe.clone()))
        .chain(
            sweeps
                .iter()
                .flat_map(|s| s.entries.iter().map(|e| e.recipe.clone())),
        )
        .collect();
    known.sort();
    known.dedup();
    for r in &filter.recipe {
        if !known.contains(r) {
            return Err(paths::unknown_recipe(
                format!("--recipe {r}: no run of that recipe"),
                r,
                &known,
                "the runs read have recipes",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(n: usize) -> Vec<Option<Timestamp>> {
        (0..n)
            .map(|i| Some(Timestamp::from_second(1_700_000_000 + 3600 * i as i64).unwrap()))
            .collect()
    }

    #[test]
    fn the_context_window_ends_at_the_newest_run_reported_and_keeps_reruns_after_it() {
        let k = keys(200);
        // The newest run reported is run 150: the 60 up to it, 20 after.
        let w = context_window(&k, Some(k[150]));
        assert_eq!(w, 91..171);
        assert_eq!(w.len(), CONTEXT_BEFORE + CONTEXT_AFTER);
        // Near the end, fewer after; near the start, fewer before.
        assert_eq!(context_window(&k, Some(k[199])), 140..200);
        assert_eq!(context_window(&k, Some(k[10])), 0..31);
    }

    #[test]
    fn a_recipe_with_no_run_reported_has_its_newest_runs_as_context() {
        let k = keys(100);
        assert_eq!(context_window(&k, None), 40..100);
        // A short history is all context.
        assert_eq!(context_window(&keys(7), None), 0..7);
        assert_eq!(context_window(&keys(7), Some(None)), 0..7);
    }
}
