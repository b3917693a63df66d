//! The index as context for triage: every indexed run as a light [`Run`],
//! so that triaging a few run directories does not re-read the whole root
//! for their load and cross-run evidence.
//!
//! A context run carries what the other stages read of a run that was not
//! asked about: recipe, version, kind, span, tier results, each test's
//! outcome, and the signals the index kept (trouble rules and `run.*`, with
//! their console line). Nothing else: no console events, no failure bodies.

use std::collections::BTreeMap;
use std::path::PathBuf;

use jiff::Timestamp;

use super::{History, db_err};
use crate::error::Result;
use crate::model::{
    JunitFile, Loc, Outcome, Run, RunKind, RunRecord, Signal, Span, TestCase, TestSource, Tier,
    TierStatus,
};
use crate::rules::RuleSet;

pub use crate::ingest::Context;

impl History {
    /// Every indexed run as a light [`Run`], with the signals the index
    /// kept (captures are re-read from the line by the same rule).
    pub fn context_runs(&self, rules: &RuleSet) -> Result<Context> {
        let conn = &self.conn;
        let err = db_err(&self.db);
        let mut runs: BTreeMap<String, Run> = BTreeMap::new();
        let mut consoles: BTreeMap<String, PathBuf> = BTreeMap::new();
        {
            let mut st = conn
                .prepare(
                    "SELECT id, path, recipe, version, git_ref, kind, started, finished, tiers, console FROM runs",
                )
                .map_err(&err)?;
            let rows = st
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, Option<String>>(3)?,
                        r.get::<_, Option<String>>(4)?,
                        r.get::<_, String>(5)?,
                        r.get::<_, Option<i64>>(6)?,
                        r.get::<_, Option<i64>>(7)?,
                        r.get::<_, String>(8)?,
                        r.get::<_, Option<String>>(9)?,
                    ))
                })
                .map_err(&err)?;
            for row in rows {
                let (id, path, recipe, version, git_ref, kind, started, finished, tiers, console) =
                    row.map_err(&err)?;
                let path = PathBuf::from(path);
                let results: BTreeMap<String, TierStatus> =
                    serde_json::from_str::<BTreeMap<String, String>>(&tiers)
                        .unwrap_or_default()
                        .into_iter()
                        .filter_map(|(k, v)| Some((k, TierStatus::parse(&v)?)))
                        .collect();
                let at = |s: Option<i64>| s.and_then(|s| Timestamp::from_second(s).ok());
                let checkout = recipe
                    .as_ref()
                    .map(|r| path.join("abra").join("recipes").join(r))
                    .filter(|c| c.is_dir());
                let run = Run {
                    id: id.clone(),
                    recipe,
                    version: version.clone(),
                    git_ref,
                    kind: match kind.as_str() {
                        "sweep" => RunKind::Sweep,
                        "drone" => RunKind::Drone,
                        _ => RunKind::Manual,
                    },
                    span: Span {
                        started: at(started),
                        finished: at(finished),
                    },
                    overlapping: Vec::new(),
                    sweep: None,
                    // A run that recorded no tier results had no results.json
                    // nor RESULT line: it stays without a record.
                    record: (!results.is_empty()).then(|| RunRecord {
                        path: path.join("results.json"),
                        version,
                        finished: at(finished),
                        results,
                        ..RunRecord::default()
                    }),
                    junit: Vec::new(),
                    console: None,
                    console_results: BTreeMap::new(),
                    expected_na: BTreeMap::new(),
                    rc: None,
                    checkout,
                    path,
                };
                if let Some(c) = console {
                    consoles.insert(id.clone(), PathBuf::from(c));
                }
                runs.insert(id, run);
            }
        }
        {
            let mut st = conn
                .prepare("SELECT run_id, test_id, tier, source, outcome, message, reruns, file FROM tests")
                .map_err(&err)?;
            let rows = st
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, Option<String>>(5)?,
                        r.get::<_, u32>(6)?,
                        r.get::<_, Option<String>>(7)?,
                    ))
                })
                .map_err(&err)?;
            for row in rows {
                let (run_id, id, tier, source, outcome, message, reruns, file) =
                    row.map_err(&err)?;
                let Some(run) = runs.get_mut(&run_id) else {
                    continue;
                };
                let outcome = match outcome.as_str() {
                    "pass" => Outcome::Pass,
                    "fail" => Outcome::Fail,
                    "error" => Outcome::Error,
                    _ => Outcome::Skip,
                };
                let source = match source.as_str() {
                    "generic" => TestSource::Generic,
                    "cc-ci" | "overlay" => TestSource::Overlay,
                    "recipe" => TestSource::Recipe,
                    _ => TestSource::Unknown,
                };
                let file = file
                    .map(PathBuf::from)
                    .unwrap_or_else(|| run.path.join("junit"));
                if run.junit.is_empty() {
                    run.junit.push(JunitFile {
                        path: run.path.join("junit"),
                        ..JunitFile::default()
                    });
                }
                let name = id.rsplit("::").next().unwrap_or(&id).to_string();
                run.junit[0].tests.push(TestCase {
                    classname: String::new(),
                    name,
                    tier: tier.as_deref().and_then(Tier::parse),
                    source,
                    outcome,
                    message,
                    detail: None,
                    records: 1,
                    reruns,
                    loc: Loc::new(file, None),
                    started: None,
                    seconds: 0.0,
                    id,
                });
            }
        }
        let mut signals: BTreeMap<String, Vec<Signal>> = BTreeMap::new();
        {
            let mut st = conn
                .prepare("SELECT run_id, rule, line, text FROM signals ORDER BY run_id, line")
                .map_err(&err)?;
            let rows = st
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, u32>(2)?,
                        r.get::<_, String>(3)?,
                    ))
                })
                .map_err(&err)?;
            for row in rows {
                let (run_id, rule, line, text) = row.map_err(&err)?;
                let Some(r) = rules.get(&rule) else { continue };
                let Some(captures) = r.captures(&text) else {
                    continue;
                };
                let path = consoles.get(&run_id).cloned().unwrap_or_default();
                signals.entry(run_id).or_default().push(Signal {
                    rule,
                    loc: Loc::new(path, Some(line)),
                    text,
                    captures,
                });
            }
        }
        Ok((runs.into_values().collect(), signals))
    }
}
