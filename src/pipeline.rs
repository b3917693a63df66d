//! The pipeline wired end to end: ingest → failures → evidence → verdict.
//!
//! This is the only place that knows the order of the stages. It applies
//! the defaults the interface promises (the runs root from
//! `$CCCI_RUNS_DIR`, the recipes from `$ABRA_DIR/recipes`), the filters,
//! and the rule that the tool never writes under the runs root.

use std::path::{Path, PathBuf};

use jiff::Timestamp;

use crate::cli::{FilterArgs, InputArgs};
use crate::error::{Error, Result, Warnings};
use crate::evidence::{Gatherer, Sources};
use crate::failures;
use crate::history::History;
use crate::ingest::{self, Ingested, Inputs, is_run_dir};
use crate::model::{Class, Failure, Signal, Triaged};
use crate::probe::Prober;
use crate::rules::RuleSet;
use crate::verdict;

/// The runs root when no PATH is given.
pub const DEFAULT_RUNS_ROOT: &str = "/var/lib/cc-ci-runs";

/// The result of a triage.
pub struct Triage {
    pub inputs: Vec<PathBuf>,
    /// The runs asked about (targets), in time order.
    pub runs: Vec<crate::model::Run>,
    pub ingested: Ingested,
    pub triaged: Vec<Triaged>,
    pub warnings: Warnings,
}

/// The rules: `--rules DIR` or the built-in set.
pub fn load_rules(dir: Option<&Path>) -> Result<RuleSet> {
    match dir {
        Some(d) => RuleSet::from_dir(d),
        None => Ok(RuleSet::builtin()),
    }
}

/// The PATHs, or the default runs root.
pub fn input_paths(paths: &[PathBuf]) -> Vec<PathBuf> {
    if !paths.is_empty() {
        return paths.to_vec();
    }
    let root = std::env::var_os("CCCI_RUNS_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_RUNS_ROOT));
    vec![root]
}

/// `--recipes`, else `$ABRA_DIR/recipes`, else `~/.abra/recipes`.
pub fn recipes_dir(flag: Option<&Path>) -> Option<PathBuf> {
    if let Some(f) = flag {
        return Some(f.to_path_buf());
    }
    if let Some(abra) = std::env::var_os("ABRA_DIR").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(abra).join("recipes"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".abra").join("recipes"))
}

/// Refuses an output path under any input: the tool never writes under
/// the runs root.
pub fn refuse_under_inputs(out: &Path, inputs: &[PathBuf], flag: &str) -> Result<()> {
    let abs = |p: &Path| -> PathBuf {
        let p = if p.is_absolute() {
            p.to_path_buf()
        } else {
            std::env::current_dir().unwrap_or_default().join(p)
        };
        // The file may not exist yet: canonicalise its directory.
        match (p.parent(), p.file_name()) {
            (Some(dir), Some(name)) => dir
                .canonicalize()
                .map(|d| d.join(name))
                .unwrap_or(p.clone()),
            _ => p,
        }
    };
    let out = abs(out);
    for input in inputs {
        let Ok(root) = input.canonicalize() else {
            continue;
        };
        let root = if root.is_file() {
            root.parent().map(Path::to_path_buf).unwrap_or(root)
        } else {
            root
        };
        if out.starts_with(&root) {
            return Err(Error::usage(format!(
                "{flag} {}: is under the input {}; ccci-triage never writes under the runs root",
                out.display(),
                root.display()
            ))
            .with_hint("write it somewhere else, e.g. /tmp or your home directory"));
        }
    }
    Ok(())
}

/// Runs the whole pipeline.
pub fn triage(input: &InputArgs, filter: &FilterArgs) -> Result<Triage> {
    let rules = load_rules(input.rules.as_deref())?;
    let paths = input_paths(&input.paths);
    if let Some(rec) = &input.probe_record {
        refuse_under_inputs(rec, &paths, "--probe-record")?;
    }
    let since = filter.since.as_deref().map(parse_since).transpose()?;
    let mut warnings = Warnings::new();
    let history = if input.no_history {
        None
    } else {
        open_history(&paths, &rules, &mut warnings)
    };
    // With the index, the siblings of a run directory come from it instead
    // of being read again.
    let context = match &history {
        Some(h) if paths.iter().any(|p| is_run_dir(p)) => match h.context_runs(&rules) {
            Ok(c) => Some(c),
            Err(e) => {
                warnings.push(
                    "history",
                    format!("{}; siblings are read from disk", e.message),
                );
                None
            }
        },
        _ => None,
    };
    let inputs = Inputs {
        paths: paths.clone(),
        sweep_log: input.sweep_log.clone(),
        canonicals: Some(input.canonicals.clone()),
        context,
    };
    let mut ingested = ingest::ingest(&inputs, &rules, &mut warnings)?;
    for run in ingested.runs.iter_mut().filter(|r| r.version.is_none()) {
        if let Some(dir) = &run.checkout {
            run.version = crate::evidence::version_from_checkout(dir, &rules);
        }
    }
    let mut list = failures::collect(&ingested, &rules);
    list.retain(|f| keep(f, &ingested, filter, since));

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
    let mut triaged = Vec::with_capacity(list.len());
    {
        let mut gatherer = Gatherer::new(&ingested, &rules, sources, prober.as_mut());
        gatherer.history = history.as_ref();
        for failure in list {
            let facts = gatherer.gather(&failure);
            let verdict = verdict::decide(&verdict::Input {
                failure: &failure,
                facts: &facts,
                rules: &rules,
            });
            let signals = relevant_signals(&failure, &facts.signals, &verdict.evidence, &rules);
            triaged.push(Triaged {
                failure,
                verdict,
                signals,
            });
        }
        let mut seen = std::collections::HashSet::new();
        for w in gatherer.probe_warnings.drain(..) {
            if seen.insert(w.clone()) {
                warnings.push("probe", w);
            }
        }
    }
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
    let runs = ingested
        .runs
        .iter()
        .filter(|r| ingested.targets.contains(&r.id))
        .cloned()
        .collect();
    Ok(Triage {
        inputs: paths,
        runs,
        ingested,
        triaged,
        warnings,
    })
}

/// Opens and updates the run index of the runs root the inputs live in
/// (the root itself, or the parent of a run directory). A failure here is a
/// warning: triage goes on without history.
fn open_history(paths: &[PathBuf], rules: &RuleSet, warnings: &mut Warnings) -> Option<History> {
    let first = paths.iter().find(|p| p.is_dir())?;
    let given_run_dir = is_run_dir(first);
    let root = if given_run_dir {
        first.parent()?.to_path_buf()
    } else {
        first.clone()
    };
    // Indexing reads every run of the root; its warnings are about runs the
    // user asked about only when the root itself was asked about.
    let mut index_warnings = Warnings::new();
    let opened = History::open(None, &root).and_then(|mut h| {
        h.update(&root, rules, &mut index_warnings)?;
        Ok(h)
    });
    if !given_run_dir {
        // Ingest already warned about each file; keep the index's own.
        for w in index_warnings.into_vec() {
            if !warnings
                .as_slice()
                .iter()
                .any(|x| x.split(':').next() == w.split(':').next())
            {
                warnings.push("history", w);
            }
        }
    }
    match opened {
        Ok(h) => Some(h),
        Err(e) => {
            warnings.push(
                "history",
                format!("{}; triage goes on without it", e.message),
            );
            None
        }
    }
}

/// The signals worth showing with a failure: those on its own lines, the
/// trouble signs of its run, and any cited as evidence.
fn relevant_signals(
    f: &Failure,
    all: &[Signal],
    evidence: &[crate::model::Evidence],
    rules: &RuleSet,
) -> Vec<Signal> {
    let cited: std::collections::HashSet<&str> =
        evidence.iter().map(|e| e.source.as_str()).collect();
    all.iter()
        .filter(|s| {
            s.loc == f.loc
                || rules.get(&s.rule).is_some_and(|r| r.trouble)
                || cited.contains(s.loc.to_string().as_str())
        })
        .cloned()
        .collect()
}

fn keep(f: &Failure, ingested: &Ingested, filter: &FilterArgs, since: Option<Timestamp>) -> bool {
    if !filter.recipe.is_empty() && !f.recipe.as_ref().is_some_and(|r| filter.recipe.contains(r)) {
        return false;
    }
    if let Some(since) = since {
        let when = ingested
            .run(&f.run_id)
            .and_then(|r| r.span.finished.or(r.span.started))
            .or_else(|| ingested.sweep.as_ref().and_then(|s| s.started));
        if when.is_some_and(|w| w < since) {
            return false;
        }
    }
    true
}

/// `--since`: an RFC 3339 time, a date, or a span back from now (`7d`,
/// `12h`, `30m`).
pub fn parse_since(s: &str) -> Result<Timestamp> {
    let s = s.trim();
    if let Ok(t) = s.parse::<Timestamp>() {
        return Ok(t);
    }
    if let Ok(d) = s.parse::<jiff::civil::Date>() {
        if let Ok(z) = d.to_zoned_datetime(jiff::tz::TimeZone::UTC) {
            return Ok(z.timestamp());
        }
    }
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let secs = match (num.parse::<i64>(), unit) {
        (Ok(n), "d") => n * 86_400,
        (Ok(n), "h") => n * 3_600,
        (Ok(n), "m") => n * 60,
        (Ok(n), "w") => n * 7 * 86_400,
        _ => {
            return Err(Error::usage(format!("--since {s}: not a time"))
                .with_hint("use an RFC 3339 time (2026-06-14T03:00:00Z), a date (2026-06-14) or a span (7d, 12h)"));
        }
    };
    Timestamp::now()
        .checked_sub(jiff::SignedDuration::from_secs(secs))
        .map_err(|e| Error::usage(format!("--since {s}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_accepts_times_dates_and_spans() {
        assert_eq!(
            parse_since("2026-06-14T03:00:00Z").unwrap().to_string(),
            "2026-06-14T03:00:00Z"
        );
        assert_eq!(
            parse_since("2026-06-14").unwrap().to_string(),
            "2026-06-14T00:00:00Z"
        );
        let week = parse_since("7d").unwrap();
        assert!(week < Timestamp::now());
        assert!(parse_since("yesterday").is_err());
    }

    #[test]
    fn outputs_under_an_input_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let inputs = vec![dir.path().to_path_buf()];
        let err = refuse_under_inputs(&dir.path().join("probes.json"), &inputs, "--probe-record")
            .unwrap_err();
        assert!(err.message.contains("never writes under the runs root"));
        assert!(
            refuse_under_inputs(Path::new("/tmp/elsewhere.json"), &inputs, "--probe-record")
                .is_ok()
        );
    }
}
