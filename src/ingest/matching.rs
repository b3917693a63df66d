//! Placing what names no run directory on its run: a console saved
//! anywhere (`--console FILE`), and a sweep log's entries (the sweep prints
//! no run ids; cc-ci-runs.md §4, §5).
//!
//! A console is matched by what it says (run id, recipe, version, head
//! ref, app domain) and when (its prefix times against the run's span). A
//! run id it names decides; otherwise the recipe must agree and the other
//! facts and the time score the candidates, and only one clear winner is
//! taken. A sweep entry is placed on the run of its recipe (and version,
//! where the entry gives one) that finished inside the entry's window of
//! the sweep, in the entries' order; a run id the log gives wins.
//!
//! Nothing here guesses in silence: every placement says how it was made,
//! and a console or entry that matches none or several runs says so.

use std::collections::BTreeSet;

use jiff::{SignedDuration, Timestamp};

use crate::model::{Run, Signal, Sweep};
use crate::rules::ids;

use super::console::ConsoleScan;

/// What a console says about the run it belongs to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Identity {
    pub run_ids: BTreeSet<String>,
    pub recipes: BTreeSet<String>,
    pub versions: BTreeSet<String>,
    pub refs: BTreeSet<String>,
    pub domains: BTreeSet<String>,
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
}

impl Identity {
    /// Reads a console scan's identity signals.
    pub fn of(scan: &ConsoleScan) -> Identity {
        let mut id = Identity {
            first: scan.console.first,
            last: scan.console.last,
            ..Identity::default()
        };
        let put = |set: &mut BTreeSet<String>, s: &Signal, cap: &str| {
            if let Some(v) = s.capture(cap) {
                set.insert(v.to_string());
            }
        };
        for s in &scan.signals {
            match s.rule.as_str() {
                ids::ID_RUN_ID => put(&mut id.run_ids, s, "run_id"),
                ids::ID_RECIPE => put(&mut id.recipes, s, "recipe"),
                ids::ID_VERSION => put(&mut id.versions, s, "version"),
                ids::ID_DOMAIN => put(&mut id.domains, s, "domain"),
                ids::RUN_START => {
                    put(&mut id.run_ids, s, "run_id");
                    put(&mut id.recipes, s, "recipe");
                    put(&mut id.versions, s, "version");
                    put(&mut id.refs, s, "ref");
                }
                ids::UPGRADE_IDENTITY => {
                    put(&mut id.refs, s, "head");
                    put(&mut id.refs, s, "chaos");
                    put(&mut id.versions, s, "to");
                }
                _ => {}
            }
        }
        // A warm domain names its recipe.
        for d in &id.domains {
            if let Some(rest) = d.strip_prefix("warm-")
                && let Some(r) = rest.split(['.', '_']).next()
            {
                id.recipes.insert(r.to_string());
            }
        }
        id
    }
}

/// Where a console was placed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Placement {
    /// On this run, for this reason.
    Run { id: String, why: String },
    /// On none: no run agrees.
    None(String),
    /// On none: several agree as well.
    Several(Vec<String>),
}

/// How far outside a run's span a console's times may fall and still be
/// the same run (clock skew, a tee started early).
const SLACK: SignedDuration = SignedDuration::from_mins(15);

/// Places a console on one of `runs`.
pub fn place_console(id: &Identity, runs: &[&Run]) -> Placement {
    // A run id the console names decides.
    let named: Vec<&&Run> = runs
        .iter()
        .filter(|r| {
            id.run_ids.contains(&r.id)
                || r.record
                    .as_ref()
                    .and_then(|rec| rec.run_id.as_ref())
                    .is_some_and(|x| id.run_ids.contains(x))
        })
        .collect();
    if let [one] = named.as_slice() {
        return Placement::Run {
            id: one.id.clone(),
            why: format!("the console names run id {}", one.id),
        };
    }
    let mut scored: Vec<(i32, Vec<String>, &Run)> = Vec::new();
    for r in runs {
        let Some(recipe) = &r.recipe else { continue };
        if !id.recipes.is_empty() && !id.recipes.contains(recipe) {
            continue;
        }
        let mut score = 0;
        let mut why = Vec::new();
        if id.recipes.contains(recipe) {
            score += 10;
            why.push(format!("recipe {recipe}"));
        }
        if let Some(v) = &r.version {
            if id.versions.contains(v) {
                score += 5;
                why.push(format!("version {v}"));
            } else if !id.versions.is_empty() {
                score -= 3;
            }
        }
        if let Some(g) = &r.git_ref
            && id
                .refs
                .iter()
                .any(|x| x.len() >= 7 && (g.starts_with(x.as_str()) || x.starts_with(g.as_str())))
        {
            score += 8;
            why.push(format!("ref {g}"));
        }
        if r.domains.iter().any(|d| {
            let dotted = d.replace('_', ".");
            id.domains.iter().any(|x| x.replace('_', ".") == dotted)
        }) {
            score += 8;
            why.push("its app domain".into());
        }
        match time_fit(id, r) {
            Some(true) => {
                score += 6;
                why.push("its times fall in the run's span".into());
            }
            Some(false) => continue,
            None => {}
        }
        if score >= 10 {
            scored.push((score, why, r));
        }
    }
    scored.sort_by_key(|s| std::cmp::Reverse(s.0));
    match scored.as_slice() {
        [] => Placement::None(describe(id)),
        [(_, why, r)] => Placement::Run {
            id: r.id.clone(),
            why: format!("the console's {}", why.join(", ")),
        },
        [(a, why, r), (b, ..), ..] if a > b => Placement::Run {
            id: r.id.clone(),
            why: format!("the console's {}", why.join(", ")),
        },
        many => Placement::Several(
            many.iter()
                .take_while(|(s, ..)| *s == many[0].0)
                .map(|(_, _, r)| r.id.clone())
                .collect(),
        ),
    }
}

/// Whether the console's times fit the run's span: `None` when either is
/// unknown.
fn time_fit(id: &Identity, r: &Run) -> Option<bool> {
    let (a, b) = (id.first.or(id.last)?, id.last.or(id.first)?);
    let (s, f) = (
        r.span.started.or(r.span.finished)?,
        r.span.finished.or(r.span.started)?,
    );
    let s = s.checked_sub(SLACK).ok()?;
    let f = f.checked_add(SLACK).ok()?;
    Some(a < f && s < b)
}

fn describe(id: &Identity) -> String {
    let list = |s: &BTreeSet<String>| s.iter().cloned().collect::<Vec<_>>().join(", ");
    let mut parts = Vec::new();
    if !id.recipes.is_empty() {
        parts.push(format!("recipe {}", list(&id.recipes)));
    }
    if !id.versions.is_empty() {
        parts.push(format!("version {}", list(&id.versions)));
    }
    if !id.run_ids.is_empty() {
        parts.push(format!("run id {}", list(&id.run_ids)));
    }
    if parts.is_empty() {
        "it names no run id, recipe or version the rules recognise".into()
    } else {
        format!("no run of the root agrees with its {}", parts.join(", "))
    }
}

/// A run as placing a sweep entry needs it: what the index's light
/// columns hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub id: String,
    pub recipe: Option<String>,
    pub version: Option<String>,
    pub finished: Option<Timestamp>,
}

impl Candidate {
    pub fn of(r: &Run) -> Candidate {
        Candidate {
            id: r.id.clone(),
            recipe: r.recipe.clone(),
            version: r.version.clone(),
            finished: r.span.finished,
        }
    }
}

/// How far after an entry's last line its run may have finished (the
/// entry line is printed once the run is done).
const ENTRY_SLACK: SignedDuration = SignedDuration::from_mins(10);

/// Places every entry of `sweep` on a run of `runs` (by index), in the
/// entries' order. Returns the warnings for entries that ran a recipe but
/// could not be placed. `file_time` bounds a log without times (a tee'd
/// file's modification time).
pub fn place_sweep(
    sweep: &mut Sweep,
    runs: &[Candidate],
    file_time: Option<Timestamp>,
) -> Vec<String> {
    let mut warnings = Vec::new();
    let mut taken: BTreeSet<String> = BTreeSet::new();
    let mut prev_end: Option<Timestamp> =
        sweep.started.and_then(|t| t.checked_sub(ENTRY_SLACK).ok());
    let timeless = sweep.started.is_none();
    let day = SignedDuration::from_hours(30);
    for e in &mut sweep.entries {
        if e.outcome == crate::model::SweepOutcome::Skipped {
            continue;
        }
        if let Some(id) = &e.run_id {
            if runs.iter().any(|r| &r.id == id) {
                e.run = Some(id.clone());
                e.placed_by = Some("the run id the sweep log gives".into());
                taken.insert(id.clone());
            }
            prev_end = e.last.or(prev_end);
            continue;
        }
        let window: Option<(Option<Timestamp>, Timestamp)> = match e.last {
            Some(last) => Some((prev_end, last.checked_add(ENTRY_SLACK).unwrap_or(last))),
            None if timeless => file_time.map(|t| (t.checked_sub(day).ok(), t)),
            None => None,
        };
        let mut cands: Vec<&Candidate> = runs
            .iter()
            .filter(|r| r.recipe.as_deref() == Some(e.recipe.as_str()))
            .filter(|r| !taken.contains(&r.id))
            .filter(|r| match (&e.version, &r.version) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            })
            .filter(|r| match (window, r.finished) {
                (Some((lo, hi)), Some(f)) => f <= hi && lo.is_none_or(|lo| f > lo),
                (Some(_), None) => false,
                (None, _) => true,
            })
            .collect();
        // The sweep's run finished right before its entry line: the latest
        // one inside the window.
        cands.sort_by_key(|r| r.finished);
        let chosen = match (cands.as_slice(), window) {
            ([], _) => None,
            ([one], _) => Some(one),
            (many, Some(_)) => many.last(),
            (many, None) => {
                warnings.push(format!(
                    "sweep entry {} ({}): {} runs could be it ({}) and the log gives no times; \
                     not placed",
                    e.recipe,
                    e.loc,
                    many.len(),
                    many.iter()
                        .map(|r| r.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
                None
            }
        };
        match chosen {
            Some(r) => {
                let how = match (window.is_some(), timeless) {
                    (true, false) => "its recipe, version and time in the sweep",
                    (true, true) => {
                        "its recipe and version, within a day before the log was written"
                    }
                    (false, _) => "its recipe and version (the only such run)",
                };
                e.run = Some(r.id.clone());
                e.placed_by = Some(how.into());
                taken.insert(r.id.clone());
            }
            None if e.rc.is_some() && !warnings.iter().any(|w| w.contains(&e.loc.to_string())) => {
                warnings.push(format!(
                    "sweep entry {} ({}): no run directory of {}{} finished in the sweep's window; \
                     reported from the sweep log alone",
                    e.recipe,
                    e.loc,
                    e.recipe,
                    e.version
                        .as_deref()
                        .map(|v| format!(" {v}"))
                        .unwrap_or_default()
                ));
            }
            None => {}
        }
        prev_end = e.last.or(prev_end);
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Loc, Span, SweepEntry, SweepOutcome};

    fn run(id: &str, recipe: &str, version: &str, a: &str, b: &str) -> Run {
        let mut r = Run::new(id, id);
        r.recipe = Some(recipe.into());
        r.version = Some(version.into());
        r.span = Span {
            started: Some(a.parse().unwrap()),
            finished: Some(b.parse().unwrap()),
        };
        r
    }

    #[test]
    fn a_console_is_taken_for_the_run_its_recipe_version_and_time_fit() {
        let a = run(
            "m2r-1",
            "discourse",
            "0.8.1+3.5.0",
            "2026-06-17T23:20:00Z",
            "2026-06-17T23:40:00Z",
        );
        let b = run(
            "manual-9",
            "discourse",
            "0.8.1+3.5.0",
            "2026-06-20T10:00:00Z",
            "2026-06-20T10:20:00Z",
        );
        let c = run(
            "753",
            "mattermost-lts",
            "2.1.9+10.11.15",
            "2026-06-17T23:20:00Z",
            "2026-06-17T23:40:00Z",
        );
        let id = Identity {
            recipes: ["discourse".to_string()].into(),
            versions: ["0.8.1+3.5.0".to_string()].into(),
            first: Some("2026-06-17T23:21:00Z".parse().unwrap()),
            last: Some("2026-06-17T23:39:00Z".parse().unwrap()),
            ..Identity::default()
        };
        match place_console(&id, &[&a, &b, &c]) {
            Placement::Run { id, why } => {
                assert_eq!(id, "m2r-1");
                assert!(
                    why.contains("recipe discourse") && why.contains("times"),
                    "{why}"
                );
            }
            other => panic!("{other:?}"),
        }
        // Without times both discourse runs fit equally: several.
        let timeless = Identity {
            first: None,
            last: None,
            ..id.clone()
        };
        assert_eq!(
            place_console(&timeless, &[&a, &b, &c]),
            Placement::Several(vec!["m2r-1".into(), "manual-9".into()])
        );
        // A run id decides.
        let named = Identity {
            run_ids: ["manual-9".to_string()].into(),
            ..timeless
        };
        assert!(
            matches!(place_console(&named, &[&a, &b]), Placement::Run { id, .. } if id == "manual-9")
        );
        let nobody = Identity {
            recipes: ["ghost".to_string()].into(),
            ..Identity::default()
        };
        assert!(matches!(
            place_console(&nobody, &[&a, &b]),
            Placement::None(_)
        ));
    }

    fn entry(recipe: &str, version: Option<&str>, last: Option<&str>) -> SweepEntry {
        SweepEntry {
            recipe: recipe.into(),
            loc: Loc::new("s.log", Some(1)),
            text: String::new(),
            version: version.map(str::to_string),
            canonical: None,
            rc: Some(7),
            label: None,
            outcome: SweepOutcome::Red,
            promote: None,
            run_id: None,
            run: None,
            placed_by: None,
            signals: vec![],
            first: None,
            last: last.map(|t| t.parse().unwrap()),
        }
    }

    #[test]
    fn sweep_entries_are_placed_by_recipe_version_and_window() {
        let early = run(
            "manual-1",
            "discourse",
            "0.8.1+3.5.0",
            "2026-06-14T01:00:00Z",
            "2026-06-14T01:20:00Z",
        );
        let sweep_run = run(
            "manual-2",
            "discourse",
            "0.8.1+3.5.0",
            "2026-06-14T03:33:00Z",
            "2026-06-14T03:52:00Z",
        );
        let later = run(
            "manual-3",
            "discourse",
            "0.8.1+3.5.0",
            "2026-06-17T23:20:00Z",
            "2026-06-17T23:40:00Z",
        );
        let mut sweep = Sweep {
            started: Some("2026-06-14T03:00:00Z".parse().unwrap()),
            entries: vec![entry(
                "discourse",
                Some("0.8.1+3.5.0"),
                Some("2026-06-14T03:52:10Z"),
            )],
            ..Sweep::default()
        };
        let all: Vec<Candidate> = [&early, &sweep_run, &later]
            .iter()
            .map(|r| Candidate::of(r))
            .collect();
        let w = place_sweep(&mut sweep, &all, None);
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(sweep.entries[0].run.as_deref(), Some("manual-2"));
        // An entry with no run in its window is still there, and said.
        let mut lost = Sweep {
            started: Some("2026-06-21T03:00:00Z".parse().unwrap()),
            entries: vec![entry("discourse", None, Some("2026-06-21T03:30:00Z"))],
            ..Sweep::default()
        };
        let w = place_sweep(&mut lost, &all, None);
        assert!(lost.entries[0].run.is_none());
        assert_eq!(w.len(), 1, "{w:?}");
    }
}
