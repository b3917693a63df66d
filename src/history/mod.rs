//! History: an index of every run under the runs root, and what a test's
//! outcomes over time say about it.
//!
//! Why it exists: one red run says little; the same test across a year of
//! runs says whether it is flaky (red now and then, under load, green
//! alone), broken (red in every run since a version change) or a victim of
//! the node (red with every other recipe of the same sweep). The verdict
//! stage asks [`History::test_history`] and [`History::co_failures`] for
//! that evidence; `ccci-triage history` prints it.
//!
//! Guarantees:
//! - The index lives in the cache directory (`--cache DIR`, else
//!   `$XDG_CACHE_HOME/ccci-triage`, else `~/.cache/ccci-triage`), one SQLite
//!   file per runs root, and never under the runs root: a cache inside the
//!   root is refused.
//! - Updates are incremental: a run directory is read again only when its
//!   signature (sizes and mtimes of results.json, junit/*.xml and the
//!   console log) changed; load (overlapping runs) is recomputed for every
//!   run after any change, since a new run changes its neighbours' load.
//! - Console logs are streamed in chunks, never held whole, so memory stays
//!   flat however large the logs grow (see [`scan`]).
//! - A database of another schema version, or one that cannot be read, is
//!   rebuilt, with a warning: the index is a cache of the runs root.

mod context;
pub use context::Context;
mod report;
mod scan;
/// The pure rules over a test's outcomes (strip, flip rate, first bad run).
pub mod stats;
mod store;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rusqlite::{Connection, params};
use serde::Serialize;

use crate::error::{Error, Result, Warnings};
use crate::model::{Evidence, Outcome, RunKind, TierStatus};
use crate::rules::RuleSet;

/// The history types the verdict stage cites.
pub use stats::{BREAK_STREAK, Counts, FirstBad, RunOutcome, normalise};
/// The index's schema version; a database of another one is rebuilt.
pub use store::SCHEMA_VERSION;

/// Every test of a run red, with at least this many tests, makes the run
/// an infrastructure failure. One test alone failing says nothing about
/// the rest of the run.
const INFRA_MIN_TESTS: i64 = 2;

/// The index of one runs root.
pub struct History {
    conn: Connection,
    db: PathBuf,
    root: PathBuf,
    /// Warnings from opening (a rebuilt database), handed to the next
    /// [`History::update`] or [`History::take_warnings`].
    pending: Warnings,
}

/// What an update did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct UpdateStats {
    /// Runs in the index after the update.
    pub runs: usize,
    /// Runs read (new + changed): the others were not opened.
    pub read: usize,
    pub new: usize,
    pub changed: usize,
    pub unchanged: usize,
    /// Runs gone from the root, dropped from the index.
    pub removed: usize,
    /// Runs whose load (overlapping runs) changed.
    pub load_changed: usize,
}

/// A test's history in one recipe: the evidence `verdict` cites.
#[derive(Clone, Debug, Serialize)]
pub struct TestHistory {
    pub recipe: String,
    pub test: String,
    /// Every run of the recipe, oldest first (newest last), with the
    /// test's outcome in it (`None` when it did not run there).
    pub runs: Vec<RunOutcome>,
    /// `.`/`F`/`E`/`s`/`-`/`x` per run, oldest first (see [`stats::strip`]).
    pub strip: String,
    /// Runs where the test was red / ran (pass or red).
    pub red: u32,
    pub total: u32,
    pub red_under_load: u32,
    pub red_alone: u32,
    pub green_alone: u32,
    pub isolation_runs: u32,
    /// Runs where every test was red: infrastructure, left out of the
    /// counts above, the flip rate and the first bad run.
    pub infra_runs: u32,
    /// TestGrid flakiness: red runs over counted runs, with infrastructure
    /// runs and breaks (3+ consecutive reds) left out.
    pub flip_rate: f64,
    /// Pass/red changes over the counted runs.
    pub flips: u32,
    /// Runs counted for the flip rate.
    pub counted: u32,
    /// The first red run after the last green one, with the version change.
    pub first_bad: Option<FirstBad>,
}

impl TestHistory {
    /// One sentence: "red in 4 of the last 30 runs, all under load; green
    /// in all 6 isolation runs" or "red in every run since version X".
    pub fn summary(&self) -> String {
        stats::summary(&self.counts(), self.first_bad.as_ref())
    }

    fn counts(&self) -> Counts {
        Counts {
            red: self.red,
            total: self.total,
            red_under_load: self.red_under_load,
            red_alone: self.red_alone,
            green_alone: self.green_alone,
            isolation_runs: self.isolation_runs,
            infra_runs: self.infra_runs,
        }
    }

    /// The last `n` runs (newest last).
    pub fn last(&self, n: usize) -> &[RunOutcome] {
        &self.runs[self.runs.len().saturating_sub(n)..]
    }
}

/// What makes several recipes' failures one shared cause.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase", tag = "kind", content = "key")]
pub enum CoKey {
    /// The same trouble rule fired in their consoles.
    Signature(String),
    /// The same failure message, numbers and hex made equal.
    Message(String),
}

/// One cause shared by several recipes of a sweep (the node, the network,
/// the registry), reported once with the recipes it hit.
#[derive(Clone, Debug, Serialize)]
pub struct CoFailure {
    pub key: CoKey,
    /// The recipes it hit, sorted.
    pub recipes: Vec<String>,
    /// The runs it hit, sorted.
    pub runs: Vec<String>,
    /// One line per recipe: where it was seen.
    pub evidence: Vec<Evidence>,
}

impl History {
    /// Opens (or creates) the index of `root` in `cache_dir` (default:
    /// `$XDG_CACHE_HOME/ccci-triage`, else `~/.cache/ccci-triage`). Refuses
    /// a cache directory inside the root. A database that cannot be read,
    /// or is of another schema version, is rebuilt; the warning saying so
    /// is handed out by the next [`History::update`].
    pub fn open(cache_dir: Option<&Path>, root: &Path) -> Result<History> {
        let cache = store::cache_dir(cache_dir)?;
        let (db, root) = store::db_path(&cache, root)?;
        let (conn, rebuilt) = store::open(&db, &root)?;
        let mut pending = Warnings::new();
        if let Some(why) = rebuilt {
            pending.push(db.display(), format!("{why}; rebuilt the history index"));
        }
        Ok(History {
            conn,
            db,
            root,
            pending,
        })
    }

    /// The database file.
    pub fn db_path(&self) -> &Path {
        &self.db
    }

    /// The canonical runs root this index is of.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Warnings from opening not yet handed out.
    pub fn take_warnings(&mut self) -> Warnings {
        std::mem::take(&mut self.pending)
    }

    /// Brings the index up to date with `root`: reads new and changed run
    /// directories (in parallel, consoles streamed), drops runs gone from
    /// the root, and recomputes every run's load. A progress bar shows on a
    /// terminal when the work takes over a second.
    pub fn update(
        &mut self,
        root: &Path,
        rules: &RuleSet,
        warnings: &mut Warnings,
    ) -> Result<UpdateStats> {
        warnings.extend(self.take_warnings());
        let root_c = root.canonicalize().map_err(|e| {
            Error::usage(format!(
                "{}: cannot read the runs root: {e}",
                root.display()
            ))
        })?;
        if root_c != self.root {
            return Err(Error::internal(format!(
                "the history index {} is of {}, not {}",
                self.db.display(),
                self.root.display(),
                root_c.display()
            )));
        }
        let found = scan::discover(&root_c, warnings);
        // One writer at a time, from the read of what is known to the
        // commit: two triages updating the same index at once must not both
        // decide a run is new (the second waits on the busy timeout, then
        // sees the first one's rows).
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(db_err(&self.db))?;
        let known: HashMap<String, String> = {
            let mut st = tx
                .prepare("SELECT id, signature FROM runs")
                .map_err(db_err(&self.db))?;
            st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .and_then(|rows| rows.collect())
                .map_err(db_err(&self.db))?
        };
        let mut stats = UpdateStats::default();
        let present: BTreeSet<&str> = found.iter().map(|f| f.id.as_str()).collect();
        let removed: Vec<&String> = known
            .keys()
            .filter(|id| !present.contains(id.as_str()))
            .collect();
        let todo: Vec<&scan::Found> = found
            .iter()
            .filter(|f| match known.get(&f.id) {
                None => {
                    stats.new += 1;
                    true
                }
                Some(sig) if *sig != f.signature => {
                    stats.changed += 1;
                    true
                }
                Some(_) => {
                    stats.unchanged += 1;
                    false
                }
            })
            .collect();
        stats.read = todo.len();
        stats.removed = removed.len();

        for id in &removed {
            delete_run(&tx, id).map_err(db_err(&self.db))?;
        }
        if !todo.is_empty() {
            // Runs the index has never seen have no rows to replace.
            let fresh: BTreeSet<&str> = todo
                .iter()
                .map(|f| f.id.as_str())
                .filter(|id| !known.contains_key(*id))
                .collect();
            read_all(&tx, &todo, &fresh, rules, warnings).map_err(db_err(&self.db))?;
        }
        if !todo.is_empty() || !removed.is_empty() {
            stats.load_changed = recompute_load(&tx).map_err(db_err(&self.db))?;
        }
        tx.commit().map_err(db_err(&self.db))?;
        stats.runs = found.len();
        Ok(stats)
    }

    /// Every run of `recipe` (oldest first) with `test`'s outcome in each,
    /// and what they say: counts, flip rate, first bad run.
    pub fn test_history(&self, recipe: &str, test: &str) -> Result<TestHistory> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT r.id, r.version, r.git_ref, r.sort_key, r.overlapping, r.isolation, r.kind,
                        r.n_tests, r.n_red, t.outcome, t.message, t.reruns
                 FROM runs r LEFT JOIN tests t ON t.run_id = r.id AND t.test_id = ?2
                 WHERE r.recipe = ?1
                 ORDER BY r.sort_key, r.id",
            )
            .map_err(db_err(&self.db))?;
        let mut rows = st.query(params![recipe, test]).map_err(db_err(&self.db))?;
        let mut runs: Vec<RunOutcome> = Vec::new();
        while let Some(r) = rows.next().map_err(db_err(&self.db))? {
            let id: String = r.get(0).map_err(db_err(&self.db))?;
            let outcome: Option<String> = r.get(9).map_err(db_err(&self.db))?;
            let outcome = outcome.as_deref().and_then(parse_outcome);
            let message: Option<String> = r.get(10).map_err(db_err(&self.db))?;
            let reruns: Option<u32> = r.get(11).map_err(db_err(&self.db))?;
            // A test recorded twice in one run (two files): the worst wins.
            if let Some(last) = runs.last_mut().filter(|l| l.run_id == id) {
                last.reruns += reruns.unwrap_or(0);
                if outcome.is_some_and(Outcome::is_red)
                    && !last.outcome.is_some_and(Outcome::is_red)
                {
                    last.outcome = outcome;
                    last.message = message;
                }
                continue;
            }
            let sort_key: Option<i64> = r.get(3).map_err(db_err(&self.db))?;
            let overlapping: String = r.get(4).map_err(db_err(&self.db))?;
            let isolation: bool = r.get(5).map_err(db_err(&self.db))?;
            let kind: String = r.get(6).map_err(db_err(&self.db))?;
            let n_tests: i64 = r.get(7).map_err(db_err(&self.db))?;
            let n_red: i64 = r.get(8).map_err(db_err(&self.db))?;
            runs.push(RunOutcome {
                run_id: id,
                version: r.get(1).map_err(db_err(&self.db))?,
                git_ref: r.get(2).map_err(db_err(&self.db))?,
                time: sort_key
                    .and_then(|s| jiff::Timestamp::from_second(s).ok())
                    .map(|t| t.to_string()),
                outcome,
                loaded: !overlapping.is_empty() || kind == "sweep",
                isolation,
                infra: n_tests >= INFRA_MIN_TESTS && n_red == n_tests,
                message: message.filter(|_| outcome.is_some_and(Outcome::is_red)),
                reruns: reruns.unwrap_or(0),
            });
        }
        let c = stats::counts(&runs);
        let (flip_rate, flips, counted) = stats::flip_rate(&runs);
        Ok(TestHistory {
            recipe: recipe.to_string(),
            test: test.to_string(),
            strip: stats::strip(&runs),
            first_bad: stats::first_bad(&runs),
            runs,
            red: c.red,
            total: c.total,
            red_under_load: c.red_under_load,
            red_alone: c.red_alone,
            green_alone: c.green_alone,
            isolation_runs: c.isolation_runs,
            infra_runs: c.infra_runs,
            flip_rate,
            flips,
            counted,
        })
    }

    /// The (recipe, test) pairs in the index, sorted; `recipe` keeps one
    /// recipe, `test` keeps ids containing it, and `red_only` keeps tests
    /// red at least once outside infrastructure runs.
    pub fn tests(
        &self,
        recipe: Option<&str>,
        test: Option<&str>,
        red_only: bool,
    ) -> Result<Vec<(String, String)>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT r.recipe, t.test_id FROM tests t JOIN runs r ON r.id = t.run_id
                 WHERE r.recipe IS NOT NULL
                   AND (?1 IS NULL OR r.recipe = ?1)
                   AND (?2 IS NULL OR instr(t.test_id, ?2) > 0)
                 GROUP BY r.recipe, t.test_id
                 HAVING NOT ?3
                     OR sum(t.outcome IN ('fail', 'error') AND NOT (r.n_tests >= ?4 AND r.n_red = r.n_tests)) > 0
                 ORDER BY r.recipe, t.test_id",
            )
            .map_err(db_err(&self.db))?;
        st.query_map(params![recipe, test, red_only, INFRA_MIN_TESTS], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .and_then(|rows| rows.collect())
        .map_err(db_err(&self.db))
    }

    /// The causes shared by several recipes of one sweep: the same trouble
    /// rule in their consoles, or the same failure message once numbers and
    /// hex are made equal. Each is reported once, with the recipes it hit;
    /// a cause seen in one recipe only is not here. A database error gives
    /// an empty answer (this is evidence, never a reason to stop).
    pub fn co_failures(&self, sweep_runs: &[String]) -> Vec<CoFailure> {
        self.co_failures_checked(sweep_runs).unwrap_or_default()
    }

    fn co_failures_checked(&self, sweep_runs: &[String]) -> rusqlite::Result<Vec<CoFailure>> {
        #[derive(Default)]
        struct Group {
            recipes: BTreeSet<String>,
            runs: BTreeSet<String>,
            evidence: BTreeMap<String, Evidence>,
        }
        let mut groups: BTreeMap<CoKey, Group> = BTreeMap::new();
        let mut add = |key: CoKey, recipe: String, run: String, ev: Evidence| {
            let g = groups.entry(key).or_default();
            g.recipes.insert(recipe.clone());
            g.runs.insert(run);
            g.evidence.entry(recipe).or_insert(ev);
        };
        let mut sig = self.conn.prepare_cached(
            "SELECT r.recipe, s.rule, s.line, s.text, r.console FROM signals s JOIN runs r ON r.id = s.run_id
             WHERE s.run_id = ?1 AND r.recipe IS NOT NULL",
        )?;
        let mut msg = self.conn.prepare_cached(
            "SELECT r.recipe, t.message, t.test_id, t.file FROM tests t JOIN runs r ON r.id = t.run_id
             WHERE t.run_id = ?1 AND r.recipe IS NOT NULL AND t.outcome IN ('fail', 'error')
               AND t.message IS NOT NULL AND t.message != ''",
        )?;
        for run in sweep_runs {
            let rows = sig.query_map(params![run], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<String>>(4)?,
                ))
            })?;
            for row in rows {
                let (recipe, rule, line, text, console) = row?;
                let source = format!("{}:{line}", console.unwrap_or_default());
                add(
                    CoKey::Signature(rule),
                    recipe,
                    run.clone(),
                    Evidence::new(source, text),
                );
            }
            let rows = msg.query_map(params![run], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                ))
            })?;
            for row in rows {
                let (recipe, message, test, file) = row?;
                let source = file.unwrap_or_else(|| format!("run {run}"));
                add(
                    CoKey::Message(normalise(&message)),
                    recipe,
                    run.clone(),
                    Evidence::new(source, format!("{test}: {message}")),
                );
            }
        }
        Ok(groups
            .into_iter()
            .filter(|(_, g)| g.recipes.len() >= 2)
            .map(|(key, g)| CoFailure {
                key,
                recipes: g.recipes.into_iter().collect(),
                runs: g.runs.into_iter().collect(),
                evidence: g.evidence.into_values().collect(),
            })
            .collect())
    }

    /// The run ids of `recipe`'s runs, oldest first (all runs when `None`).
    pub fn run_ids(&self, recipe: Option<&str>) -> Result<Vec<String>> {
        let mut st = self
            .conn
            .prepare("SELECT id FROM runs WHERE ?1 IS NULL OR recipe = ?1 ORDER BY sort_key, id")
            .map_err(db_err(&self.db))?;
        st.query_map(params![recipe], |r| r.get(0))
            .and_then(|rows| rows.collect())
            .map_err(db_err(&self.db))
    }
}

fn db_err(db: &Path) -> impl Fn(rusqlite::Error) -> Error + '_ {
    move |e| {
        Error::internal(format!("{}: history index error: {e}", db.display()))
            .with_hint("delete the file; the index is rebuilt from the runs root")
    }
}

fn parse_outcome(s: &str) -> Option<Outcome> {
    Some(match s {
        "pass" => Outcome::Pass,
        "fail" => Outcome::Fail,
        "error" => Outcome::Error,
        "skip" => Outcome::Skip,
        _ => return None,
    })
}

fn outcome_str(o: Outcome) -> &'static str {
    match o {
        Outcome::Pass => "pass",
        Outcome::Fail => "fail",
        Outcome::Error => "error",
        Outcome::Skip => "skip",
    }
}

fn kind_str(k: RunKind) -> &'static str {
    match k {
        RunKind::Sweep => "sweep",
        RunKind::Drone => "drone",
        RunKind::Manual => "manual",
    }
}

fn status_str(s: TierStatus) -> &'static str {
    match s {
        TierStatus::Pass => "pass",
        TierStatus::Fail => "fail",
        TierStatus::Error => "error",
        TierStatus::Skip => "skip",
        TierStatus::Unver => "unver",
    }
}

fn delete_run(tx: &Connection, id: &str) -> rusqlite::Result<()> {
    tx.execute("DELETE FROM runs WHERE id = ?1", params![id])?;
    tx.execute("DELETE FROM tests WHERE run_id = ?1", params![id])?;
    tx.execute("DELETE FROM signals WHERE run_id = ?1", params![id])?;
    Ok(())
}

/// Reads `todo` on worker threads and writes each run as it arrives. The
/// channel is bounded, so a slow database never lets read runs pile up in
/// memory.
fn read_all(
    tx: &Connection,
    todo: &[&scan::Found],
    fresh: &BTreeSet<&str>,
    rules: &RuleSet,
    warnings: &mut Warnings,
) -> rusqlite::Result<()> {
    let scanner = scan::Scanner::new(rules);
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 8)
        .min(todo.len());
    let next = AtomicUsize::new(0);
    let worker_warnings = Mutex::new(Warnings::new());
    let bar = Progress::new(todo.len());
    std::thread::scope(|s| -> rusqlite::Result<()> {
        let (send, recv) = std::sync::mpsc::sync_channel::<scan::RunRow>(workers * 2);
        for _ in 0..workers {
            let send = send.clone();
            let (next, scanner, worker_warnings) = (&next, scanner.as_ref(), &worker_warnings);
            s.spawn(move || {
                let mut local = Warnings::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(found) = todo.get(i) else { break };
                    let row = scan::read_run(found, rules, scanner, &mut local);
                    if send.send(row).is_err() {
                        break;
                    }
                }
                if let Ok(mut w) = worker_warnings.lock() {
                    w.extend(local);
                }
            });
        }
        drop(send);
        let mut result = Ok(());
        for row in recv {
            bar.inc();
            if result.is_ok() {
                result = write_run(tx, &row, !fresh.contains(row.id.as_str()));
            }
        }
        result
    })?;
    bar.finish();
    if let Ok(w) = worker_warnings.into_inner() {
        warnings.extend(w);
    }
    Ok(())
}

/// Writes one run's rows; `replace` removes the rows of its previous
/// reading first (a changed run), which a new run does not need.
fn write_run(tx: &Connection, row: &scan::RunRow, replace: bool) -> rusqlite::Result<()> {
    if replace {
        delete_run(tx, &row.id)?;
    }
    let tiers: BTreeMap<&str, &str> = row
        .tiers
        .iter()
        .map(|(k, v)| (k.as_str(), status_str(*v)))
        .collect();
    let n_red = row.tests.iter().filter(|t| t.outcome.is_red()).count() as i64;
    let sort_key = row.started.or(row.finished).map(|t| t.as_second());
    tx.prepare_cached(
        "INSERT INTO runs (id, path, signature, recipe, version, git_ref, kind, started, finished,
                           sort_key, tiers, console, n_tests, n_red)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(params![
        row.id,
        row.path.display().to_string(),
        row.signature,
        row.recipe,
        row.version,
        row.git_ref,
        kind_str(row.kind),
        row.started.map(|t| t.as_second()),
        row.finished.map(|t| t.as_second()),
        sort_key,
        serde_json::to_string(&tiers).unwrap_or_else(|_| "{}".into()),
        row.console.as_ref().map(|p| p.display().to_string()),
        row.tests.len() as i64,
        n_red,
    ])?;
    let mut ins = tx.prepare_cached(
        "INSERT INTO tests (run_id, test_id, tier, source, outcome, message, reruns, file)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for t in &row.tests {
        ins.execute(params![
            row.id,
            t.id,
            t.tier,
            t.source,
            outcome_str(t.outcome),
            t.message,
            t.reruns,
            t.file
        ])?;
    }
    let mut ins = tx.prepare_cached(
        "INSERT INTO signals (run_id, rule, line, text, count) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for s in &row.signals {
        ins.execute(params![row.id, s.rule, s.line, s.text, s.count])?;
    }
    Ok(())
}

/// Recomputes every run's overlapping runs and isolation flag; writes only
/// the rows that changed and says how many.
fn recompute_load(tx: &Connection) -> rusqlite::Result<usize> {
    struct R {
        id: String,
        kind: String,
        start: Option<i64>,
        end: Option<i64>,
        overlapping: String,
        isolation: bool,
    }
    let runs: Vec<R> = tx
        .prepare("SELECT id, kind, started, finished, overlapping, isolation FROM runs")?
        .query_map([], |r| {
            Ok(R {
                id: r.get(0)?,
                kind: r.get(1)?,
                start: r.get(2)?,
                end: r.get(3)?,
                overlapping: r.get(4)?,
                isolation: r.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    // Sweep over start times, as ingest does: O(n log n + overlaps).
    let mut order: Vec<usize> = (0..runs.len())
        .filter(|&i| matches!((runs[i].start, runs[i].end), (Some(a), Some(b)) if a <= b))
        .collect();
    order.sort_by_key(|&i| runs[i].start);
    let mut over: Vec<Vec<usize>> = vec![Vec::new(); runs.len()];
    for (k, &i) in order.iter().enumerate() {
        let end_i = runs[i].end;
        for &j in &order[k + 1..] {
            if runs[j].start >= end_i {
                break;
            }
            if runs[i].start < runs[j].end {
                over[i].push(j);
                over[j].push(i);
            }
        }
    }
    let mut changed = 0;
    let mut upd = tx.prepare("UPDATE runs SET overlapping = ?2, isolation = ?3 WHERE id = ?1")?;
    let names: Vec<String> = runs.iter().map(|r| r.id.clone()).collect();
    for (i, r) in runs.iter().enumerate() {
        let mut ids: Vec<&str> = over[i].iter().map(|&j| names[j].as_str()).collect();
        ids.sort_unstable();
        let overlapping = ids.join(",");
        let known_span = matches!((r.start, r.end), (Some(a), Some(b)) if a <= b);
        let isolation = r.kind != "sweep" && ids.is_empty() && known_span;
        if overlapping != r.overlapping || isolation != r.isolation {
            upd.execute(params![r.id, overlapping, isolation])?;
            changed += 1;
        }
    }
    Ok(changed)
}

/// A progress bar on stderr that appears only after a second of work, and
/// only on a terminal (indicatif hides itself elsewhere).
struct Progress {
    bar: indicatif::ProgressBar,
    started: Instant,
    shown: std::sync::atomic::AtomicBool,
}

impl Progress {
    fn new(len: usize) -> Progress {
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(len as u64),
            indicatif::ProgressDrawTarget::hidden(),
        );
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("indexing runs {pos}/{len} {wide_bar} {eta}")
        {
            bar.set_style(style);
        }
        Progress {
            bar,
            started: Instant::now(),
            shown: std::sync::atomic::AtomicBool::new(false),
        }
    }

    fn inc(&self) {
        self.bar.inc(1);
        if !self.shown.load(Ordering::Relaxed) && self.started.elapsed() > Duration::from_secs(1) {
            self.shown.store(true, Ordering::Relaxed);
            self.bar
                .set_draw_target(indicatif::ProgressDrawTarget::stderr());
        }
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// `ccci-triage history [PATH] [--recipe R] [--test T] [--format table|json]`:
/// updates the index of the runs root, then prints each test's outcomes
/// over time. Without `--test`, only tests red at least once are listed.
/// Warnings go to stderr (and into the JSON).
pub fn command(args: &crate::cli::HistoryArgs, out: &mut dyn std::io::Write) -> Result<()> {
    let root = match &args.path {
        Some(p) => p.clone(),
        None => std::env::var_os("CCCI_RUNS_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/var/lib/cc-ci-runs")),
    };
    let rules = RuleSet::builtin();
    let mut warnings = Warnings::new();
    let mut history = History::open(args.cache.as_deref(), &root)?;
    let stats = history.update(&root, &rules, &mut warnings)?;
    for w in warnings.as_slice() {
        eprintln!("warning: {w}");
    }
    let pairs = history.tests(
        args.recipe.as_deref(),
        args.test.as_deref(),
        args.test.is_none(),
    )?;
    let mut histories = Vec::with_capacity(pairs.len());
    for (recipe, test) in &pairs {
        histories.push(history.test_history(recipe, test)?);
    }
    let written = match args.format {
        crate::cli::PlainFormat::Table => report::table(out, &stats, &histories),
        crate::cli::PlainFormat::Json => report::json(out, &history, &stats, &histories, &warnings),
    };
    match written {
        Ok(()) => Ok(()),
        // A closed pipe (`| head`) is a clean end.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::internal(format!("cannot write the report: {e}"))),
    }
}
