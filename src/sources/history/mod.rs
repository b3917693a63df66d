//! The index: every run of a runs root as ingest's own summary, kept in
//! SQLite so that a triage reads in full only the runs it reports.
//!
//! Why it exists: cc-ci never deletes a run, so the root only grows (a
//! year is over a thousand runs and half a gigabyte of logs), and every
//! triage needs all of them as context: load (which runs overlapped),
//! history (the same test across runs), isolation runs and canonicals. The
//! index holds, per run, the same [`Run`] ingest produces at summary depth
//! (serde), keyed by the run's file signature, so a run is read again only
//! when one of its files changed. There is no second reader and no
//! stand-in type: what comes out is what ingest made.
//!
//! Guarantees:
//! - The index lives in the cache directory (`--cache DIR`, else
//!   `$XDG_CACHE_HOME/ccci-triage`, else `~/.cache/ccci-triage`), one
//!   SQLite file per runs root, never under the runs root (refused).
//! - A file it cannot use (another schema, another root, corrupt, a
//!   directory, a link to a device) is set aside, renamed, with a warning,
//!   and rebuilt: the index is a cache of the root.
//! - One writer at a time, from reading what is known to the commit: two
//!   triages refreshing the same index never both insert a run.
//! - A run's warnings are stored with it, so a warm index reports the same
//!   warnings as a cold one.

mod store;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::ingest::{self, RunFiles};
use crate::model::{Depth, Run, RunKind, Span, Warning, Warnings};
use crate::rules::RuleSet;

pub use store::{SCHEMA_VERSION, cache_dir};

/// The index of one runs root.
pub struct Index {
    conn: Connection,
    db: PathBuf,
    root: PathBuf,
    /// Whether `db` is a file of its own (not the temporary index).
    file: bool,
    /// The checkpoint the last refresh started, awaited before the
    /// connection closes.
    checkpoint: Option<std::thread::JoinHandle<()>>,
    /// Warnings from opening (an index set aside), handed out by the next
    /// refresh.
    pending: Warnings,
}

/// What a refresh did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Refresh {
    /// Runs in the index after the refresh.
    pub runs: usize,
    /// Runs read (new + changed): the others were not opened.
    pub read: usize,
    pub new: usize,
    pub changed: usize,
    pub unchanged: usize,
    /// Runs gone from the root, dropped from the index.
    pub removed: usize,
}

/// The light columns of a run: what choosing a scope and computing load
/// need, without reading any summary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Light {
    pub id: String,
    pub recipe: Option<String>,
    pub version: Option<String>,
    pub kind: RunKind,
    pub span: Span,
    pub green: bool,
}

/// How many summaries are read back at once.
const SUMMARY_BATCH: usize = 64;

fn db_err(db: &Path) -> impl Fn(rusqlite::Error) -> Error + '_ {
    move |e| {
        Error::internal(format!("{}: history index error: {e}", db.display()))
            .with_hint("delete the file; the index is rebuilt from the runs root")
    }
}

fn to_ms(t: Option<jiff::Timestamp>) -> Option<i64> {
    t.map(|t| t.as_millisecond())
}

fn from_ms(ms: Option<i64>) -> Option<jiff::Timestamp> {
    ms.and_then(|m| jiff::Timestamp::from_millisecond(m).ok())
}

impl Index {
    /// Opens (or creates) the index of `root` in `cache` (see the module
    /// docs). Refuses a cache inside the root.
    pub fn open(cache: Option<&Path>, root: &Path) -> Result<Index> {
        let cache = store::cache_dir(cache)?;
        let (db, root) = store::db_path(&cache, root)?;
        let (conn, rebuilt) = store::open(&db, &root)?;
        let mut pending = Warnings::new();
        if let Some(why) = rebuilt {
            pending.push(db.display(), format!("{why}; the history index is rebuilt"));
        }
        Ok(Index {
            conn,
            db,
            root,
            file: true,
            checkpoint: None,
            pending,
        })
    }

    /// A private index of `root` that lives as long as this value (see
    /// [`store::scratch`]): `--no-history`, and a triage whose index
    /// cannot be opened. Same rows, same reads, nothing kept.
    pub fn scratch(root: &Path) -> Result<Index> {
        let (conn, root) = store::scratch(root)?;
        Ok(Index {
            conn,
            db: PathBuf::from("(temporary index)"),
            root,
            file: false,
            checkpoint: None,
            pending: Warnings::new(),
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

    /// Brings the index up to date with `found` (the root's runs, from
    /// [`ingest::discover`]): reads new and changed runs in parallel at full
    /// depth, stores their summaries, drops runs gone from the root. The
    /// full reads of runs that are not green are handed back when
    /// `keep_full`, so a triage that reports them reads them only once.
    /// `progress(done, total)` is called as runs are read.
    pub fn refresh(
        &mut self,
        found: &[RunFiles],
        rules: &RuleSet,
        keep_full: bool,
        progress: &(dyn Fn(usize, usize) + Sync),
        warnings: &mut Warnings,
    ) -> Result<(Refresh, HashMap<String, Run>)> {
        warnings.extend(std::mem::take(&mut self.pending));
        let err = db_err(&self.db);
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(&err)?;
        let known: HashMap<String, String> = {
            let mut st = tx.prepare("SELECT id, signature FROM runs").map_err(&err)?;
            st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .and_then(|rows| rows.collect())
                .map_err(&err)?
        };
        // Summaries made by another version or other rules are stale as a
        // whole: every run is read again.
        let reader: Option<String> = tx
            .query_row("SELECT value FROM meta WHERE key = 'reader'", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(&err)?;
        let known = if reader.as_deref() == Some(rules.digest()) {
            known
        } else {
            tx.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('reader', ?1)",
                params![rules.digest()],
            )
            .map_err(&err)?;
            known.into_keys().map(|k| (k, String::new())).collect()
        };
        let mut stats = Refresh::default();
        let present: std::collections::BTreeSet<&str> =
            found.iter().map(|f| f.id.as_str()).collect();
        let removed: Vec<&String> = known
            .keys()
            .filter(|id| !present.contains(id.as_str()))
            .collect();
        let todo: Vec<&RunFiles> = found
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
            tx.execute("DELETE FROM runs WHERE id = ?1", params![id])
                .map_err(&err)?;
        }
        let mut full = HashMap::new();
        if !todo.is_empty() {
            read_all(&tx, &todo, rules, keep_full, progress, &mut full).map_err(&err)?;
        }
        let wrote = !todo.is_empty() || !removed.is_empty();
        // The commit leaves the new pages in the log: copying them into
        // the database (SQLite's automatic checkpoint, on this thread,
        // about 45 ms at a year of runs while every other core idles) is
        // done by a thread of its own while the command goes on.
        if self.file && wrote {
            tx.pragma_update(None, "wal_autocheckpoint", 0)
                .map_err(&err)?;
        }
        tx.commit().map_err(&err)?;
        if self.file && wrote {
            // One at a time: an earlier refresh's is awaited first.
            if let Some(h) = self.checkpoint.take() {
                let _ = h.join();
            }
            self.checkpoint = store::checkpoint_in_background(&self.db);
        }
        // What follows reads a row at a time, by id: the page cache the
        // writes wanted (2 MiB, held to the end of a command) is let go.
        self.conn
            .execute_batch("PRAGMA cache_size = -256")
            .map_err(&err)?;
        stats.runs = found.len();
        // The warnings of the runs just read are in the index now; they are
        // handed out with the runs a report names (see `warnings_of`).
        Ok((stats, full))
    }

    /// Every run's light columns.
    pub fn light(&self) -> Result<Vec<Light>> {
        let err = db_err(&self.db);
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT id, recipe, version, kind, started_ms, finished_ms, green FROM runs",
            )
            .map_err(&err)?;
        let rows = st
            .query_map([], |r| {
                let kind: String = r.get(3)?;
                Ok(Light {
                    id: r.get(0)?,
                    recipe: r.get(1)?,
                    version: r.get(2)?,
                    kind: kind.parse().unwrap_or(RunKind::Manual),
                    span: Span {
                        started: from_ms(r.get(4)?),
                        finished: from_ms(r.get(5)?),
                    },
                    green: r.get(6)?,
                })
            })
            .map_err(&err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(&err)
    }

    /// One text column of the runs whose ids are given, in their order;
    /// runs the index does not know are left out.
    fn column_of(&self, column: &str, ids: &[&str]) -> Result<Vec<(String, String)>> {
        let err = db_err(&self.db);
        let mut st = self
            .conn
            .prepare_cached(&format!("SELECT {column} FROM runs WHERE id = ?1"))
            .map_err(&err)?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let text: Option<String> = st
                .query_row(params![id], |r| r.get(0))
                .optional()
                .map_err(&err)?;
            if let Some(text) = text {
                out.push((id.to_string(), text));
            }
        }
        Ok(out)
    }

    /// The summaries of the runs whose ids are given (in no order); runs
    /// the index does not know are left out.
    pub fn summaries(&self, ids: &[&str]) -> Result<Vec<Run>> {
        let mut out = Vec::with_capacity(ids.len());
        // Read back on every core (a year's history is a thousand of
        // them), a batch at a time: the JSON of a batch is dropped before
        // the next is fetched.
        for batch in ids.chunks(SUMMARY_BATCH) {
            let rows = self.column_of("summary", batch)?;
            let runs = crate::par::map(&rows, |(_, text)| serde_json::from_str::<Run>(text));
            for ((id, _), run) in rows.iter().zip(runs) {
                match run {
                    Ok(run) => out.push(run),
                    Err(e) => {
                        return Err(Error::internal(format!(
                            "{}: run {id} in the index does not read back: {e}",
                            self.db.display()
                        ))
                        .with_hint("delete the file; the index is rebuilt from the runs root"));
                    }
                }
            }
        }
        Ok(out)
    }

    /// The warnings stored with these runs (from when they were read).
    pub fn warnings_of(&self, ids: &[&str]) -> Result<Vec<Warning>> {
        Ok(self
            .column_of("warnings", ids)?
            .into_iter()
            .flat_map(|(_, t)| serde_json::from_str::<Vec<Warning>>(&t).unwrap_or_default())
            .collect())
    }

    /// How many warnings the whole index holds (the report counts those of
    /// runs it does not report as one number), counted by SQLite.
    pub fn warning_count(&self) -> Result<usize> {
        let err = db_err(&self.db);
        let n: i64 = self
            .conn
            .prepare_cached(
                "SELECT coalesce(sum(CASE WHEN json_valid(warnings) AND json_type(warnings) = 'array' \
                 THEN json_array_length(warnings) ELSE 0 END), 0) FROM runs",
            )
            .and_then(|mut st| st.query_row([], |r| r.get(0)))
            .map_err(&err)?;
        Ok(usize::try_from(n).unwrap_or(0))
    }
}

impl Drop for Index {
    fn drop(&mut self) {
        // Before the connection closes: the last to close a database
        // checkpoints it, and this one then finds nothing left to copy.
        if let Some(h) = self.checkpoint.take() {
            let _ = h.join();
        }
    }
}

/// One run's row of the index, as written.
struct Row {
    id: String,
    signature: String,
    recipe: Option<String>,
    version: Option<String>,
    kind: String,
    started: Option<i64>,
    finished: Option<i64>,
    green: bool,
    /// The summary, as JSON.
    text: String,
    /// Its warnings, as JSON.
    warnings: String,
}

/// Reads `todo` (ingest's parallel reader) and writes each run as it
/// arrives; the full reads of runs that are not green are kept when asked.
fn read_all(
    tx: &Connection,
    todo: &[&RunFiles],
    rules: &RuleSet,
    keep_full: bool,
    progress: &(dyn Fn(usize, usize) + Sync),
    full: &mut HashMap<String, Run>,
) -> rusqlite::Result<()> {
    let mut ins = tx.prepare_cached(
        "INSERT OR REPLACE INTO runs (id, signature, recipe, version, kind, started_ms, finished_ms, green, summary, warnings)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    let mut failed = None;
    // A run kept in full is read in full; the others at summary depth,
    // which gives the same summary (ingest's tests check it on testdata).
    let depth = if keep_full {
        Depth::Full
    } else {
        Depth::Summary
    };
    // A run's row is made on the worker that read it (its summary, the
    // JSON, the summary dropped): this thread only writes.
    let prepare = |run: Run, w: Warnings| {
        let (summary, run) = ingest::summary_and_full(run, keep_full);
        let row = Row {
            text: serde_json::to_string(&summary).unwrap_or_default(),
            warnings: serde_json::to_string(&w.into_vec()).unwrap_or_else(|_| "[]".into()),
            kind: summary.kind.to_string(),
            started: to_ms(summary.span.started),
            finished: to_ms(summary.span.finished),
            green: summary.is_green(),
            id: summary.id,
            signature: summary.signature,
            recipe: summary.recipe,
            version: summary.version,
        };
        (row, run)
    };
    ingest::read_parallel(todo, depth, rules, progress, prepare, |(row, run)| {
        if failed.is_some() {
            return;
        }
        let res = ins.execute(params![
            row.id,
            row.signature,
            row.recipe,
            row.version,
            row.kind,
            row.started,
            row.finished,
            row.green,
            row.text,
            row.warnings,
        ]);
        match (res, run) {
            (Err(e), _) => failed = Some(e),
            (Ok(_), Some(run)) => {
                full.insert(run.id.clone(), run);
            }
            (Ok(_), None) => {}
        }
    });
    match failed {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// The runs of one recipe, by id, as a map (for the history command).
pub fn by_recipe(runs: Vec<Run>) -> BTreeMap<String, Vec<Run>> {
    let mut out: BTreeMap<String, Vec<Run>> = BTreeMap::new();
    for r in runs {
        if let Some(recipe) = r.recipe.clone() {
            out.entry(recipe).or_default().push(r);
        }
    }
    out
}

#[cfg(test)]
mod tests;
