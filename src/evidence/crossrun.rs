//! Evidence across runs: the same recipe, version and test elsewhere.
//!
//! The flake/deterministic question is answered here and only here: a
//! failure red under load and green alone is a flake; red alone too is
//! deterministic. "Alone" means an isolation run (no overlapping run, not
//! part of a sweep; see [`Run::is_isolation`]). A canonical written for the
//! same version after the red run is evidence too: canonicals are written
//! only after a green cold run on the latest tag.

use crate::ingest::Ingested;
use crate::ingest::log::canonical_evidence;
use crate::model::{Canonical, Evidence, Failure, Loc, Run, Tier, TierStatus};
use crate::rules::ids;

/// Another run and what it says about this failure.
#[derive(Clone, Debug)]
pub struct Sighting {
    pub run_id: String,
    pub isolation: bool,
    pub evidence: Evidence,
}

/// What the other runs of the same recipe and version say.
#[derive(Clone, Debug, Default)]
pub struct CrossRun {
    /// This run ran under load (overlapped other runs, or in a sweep).
    pub loaded: bool,
    /// This run is itself an isolation run.
    pub isolation: bool,
    pub overlapping: Vec<String>,
    /// Other runs where the same thing was red, alone.
    pub red_alone: Vec<Sighting>,
    /// Other runs where it was red under load.
    pub red_loaded: Vec<Sighting>,
    /// Other runs where it was green, alone.
    pub green_alone: Vec<Sighting>,
    /// Other runs where it was green under load.
    pub green_loaded: Vec<Sighting>,
    /// The recipe's canonical, when one exists.
    pub canonical: Option<Canonical>,
    /// The canonical is at the failing version and was written after the
    /// failing run finished: a green cold run happened since.
    pub canonical_after: bool,
    /// Whether other runs could be compared at all (version known).
    pub compared: usize,
}

impl CrossRun {
    /// Red in this run and in an isolation run: deterministic.
    pub fn reproduces_alone(&self) -> bool {
        self.isolation || !self.red_alone.is_empty()
    }
}

/// Gathers the cross-run facts for one failure.
pub fn gather(failure: &Failure, ingested: &Ingested) -> CrossRun {
    let this = ingested.run(&failure.run_id);
    let mut out = CrossRun::default();
    if let Some(run) = this {
        out.loaded = !run.overlapping.is_empty() || run.kind == crate::model::RunKind::Sweep;
        out.isolation = run.is_isolation();
        out.overlapping = run.overlapping.clone();
    } else {
        // A promote or a run known only from the sweep log ran in a sweep.
        out.loaded = ingested.sweep.is_some();
    }
    if let Some(recipe) = &failure.recipe {
        if let Some(c) = ingested.canonicals.get(recipe) {
            let finished = this
                .and_then(|r| r.span.finished)
                .or_else(|| sweep_time(failure, ingested));
            out.canonical_after = Some(&c.version) == failure.tag.as_ref()
                && match (c.written, finished) {
                    (Some(w), Some(f)) => w > f,
                    _ => false,
                };
            out.canonical = Some(c.clone());
        }
    }
    let (Some(recipe), Some(tag)) = (&failure.recipe, &failure.tag) else {
        return out;
    };
    // A promote the sweep saw fail for the same recipe and tag: red, in the
    // sweep (under load).
    if failure.tier == Tier::Promote {
        if let Some(sweep) = &ingested.sweep {
            for e in &sweep.entries {
                let id = e
                    .run_id
                    .clone()
                    .unwrap_or_else(|| format!("sweep:{}", e.recipe));
                if &e.recipe == recipe && e.tag.as_ref() == Some(tag) && id != failure.run_id {
                    if let Some(ev) = &e.promote_failed {
                        out.compared += 1;
                        out.red_loaded.push(Sighting {
                            run_id: id,
                            isolation: false,
                            evidence: ev.clone(),
                        });
                    }
                }
            }
        }
    }
    for other in &ingested.runs {
        if other.id == failure.run_id
            || other.recipe.as_ref() != Some(recipe)
            || other.version.as_ref() != Some(tag)
        {
            continue;
        }
        let Some((red, evidence)) = outcome(failure, other, ingested) else {
            continue;
        };
        out.compared += 1;
        let s = Sighting {
            run_id: other.id.clone(),
            isolation: other.is_isolation(),
            evidence,
        };
        match (red, s.isolation) {
            (true, true) => out.red_alone.push(s),
            (true, false) => out.red_loaded.push(s),
            (false, true) => out.green_alone.push(s),
            (false, false) => out.green_loaded.push(s),
        }
    }
    out
}

fn sweep_time(failure: &Failure, ingested: &Ingested) -> Option<jiff::Timestamp> {
    let sweep = ingested.sweep.as_ref()?;
    sweep
        .entries
        .iter()
        .find(|e| Some(&e.recipe) == failure.recipe.as_ref())
        .and_then(|e| e.last)
}

/// Was the same thing red or green in `other`? `None` when `other` says
/// nothing about it (the test did not run there, the tier is unknown).
fn outcome(failure: &Failure, other: &Run, ingested: &Ingested) -> Option<(bool, Evidence)> {
    if let Some(test) = &failure.test {
        let t = other.tests().find(|t| &t.id == test)?;
        let what = if t.outcome.is_red() {
            format!("{test}: {}", t.message.as_deref().unwrap_or("red"))
        } else {
            format!("{test}: {:?}", t.outcome).to_lowercase()
        };
        return Some((t.outcome.is_red(), Evidence::at(&t.loc, what)));
    }
    match failure.tier {
        Tier::Promote => {
            // A cold run of the same version that reached a warm domain and
            // got no answer, or whose console shows a failed promote.
            let signals = ingested.console_signals.get(&other.id)?;
            let hit = signals
                .iter()
                .find(|s| s.rule == ids::HEALTH_NO_ANSWER && s.capture("warm").is_some())?;
            Some((true, hit.evidence()))
        }
        Tier::Run => None,
        tier => {
            let status = other
                .record
                .as_ref()
                .and_then(|r| {
                    r.results
                        .iter()
                        .find(|(k, _)| Tier::parse(k) == Some(tier))
                        .map(|(_, v)| *v)
                })
                .or_else(|| other.console_results.get(&tier).copied())?;
            if status == TierStatus::Skip {
                return None;
            }
            let src = other
                .record
                .as_ref()
                .map(|r| Loc::new(&r.path, None))
                .unwrap_or_else(|| Loc::new(&other.path, None));
            Some((
                status.is_red(),
                Evidence::at(&src, format!("{tier}: {status:?}").to_lowercase()),
            ))
        }
    }
}

/// Evidence lines for the canonical, when it matters.
pub fn canonical_line(cross: &CrossRun) -> Option<Evidence> {
    cross.canonical.as_ref().map(canonical_evidence)
}
