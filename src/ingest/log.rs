//! Console and sweep logs: lines grouped into events by the grammar rules.
//!
//! The grammar is ASSUMED (shared/spec/cc-ci-runs.md §4–5), so it lives in
//! `rules/grammar.toml`, not here: this module only applies it. A line
//! that fits the grammar starts an event; a line that does not (a
//! traceback, a tool's own output) belongs to the event above it, or to the
//! preamble when no event has started. Bytes are decoded lossily, so a log
//! with invalid UTF-8 is still read; line numbers are the raw file's.

use std::collections::BTreeMap;
use std::path::Path;

use jiff::Timestamp;

use crate::model::{Canonical, Event, Evidence, Loc, Log, Signal, Sweep, SweepEntry};
use crate::rules::{RuleSet, Scope, ids};

/// Parses a log with a grammar rule whose captures give `time`, and either
/// `level`+`component`+`message` (console) or `recipe`+`text` (sweep).
pub fn parse(text: &str, path: &Path, rules: &RuleSet, grammar: &str) -> Log {
    let rule = rules.rule(grammar);
    let mut log = Log {
        path: path.to_path_buf(),
        ..Log::default()
    };
    let mut n = 0u32;
    for raw in text.lines() {
        n += 1;
        let line = raw.trim_end_matches('\r');
        match rule.captures(line) {
            Some(c) => log.events.push(Event {
                line: n,
                time: c.get("time").and_then(|t| parse_time(t)),
                level: c.get("level").cloned().unwrap_or_default(),
                component: c
                    .get("component")
                    .or_else(|| c.get("recipe"))
                    .cloned()
                    .unwrap_or_default(),
                message: c
                    .get("message")
                    .or_else(|| c.get("text"))
                    .cloned()
                    .unwrap_or_default(),
                continuation: Vec::new(),
            }),
            None => match log.events.last_mut() {
                Some(ev) => ev.continuation.push((n, line.to_string())),
                None => log.preamble.push((n, line.to_string())),
            },
        }
    }
    log.line_count = n;
    log
}

/// Parses an RFC 3339 time (with `Z` or an offset).
pub fn parse_time(s: &str) -> Option<Timestamp> {
    s.parse::<Timestamp>().ok()
}

/// The first and last event times of a log.
pub fn span(log: &Log) -> (Option<Timestamp>, Option<Timestamp>) {
    let first = log.events.iter().find_map(|e| e.time);
    let last = log.events.iter().rev().find_map(|e| e.time);
    (first, last)
}

/// Reads a canon sweep log: the banner, then `<time> [<recipe>] <text>`
/// lines grouped per recipe, with the sweep rules applied.
pub fn sweep(text: &str, path: &Path, rules: &RuleSet) -> (Sweep, Vec<Signal>) {
    let log = parse(text, path, rules, ids::SWEEP_LINE);
    let mut sweep = Sweep {
        path: path.to_path_buf(),
        ..Sweep::default()
    };
    for (_, line) in &log.preamble {
        if let Some(c) = rules.captures(ids::SWEEP_BANNER, line) {
            sweep.started = c.get("time").and_then(|t| parse_time(t));
        }
    }
    let signals = rules.scan(Scope::Sweep, text.as_bytes(), path, 1);
    let mut by_recipe: BTreeMap<String, usize> = BTreeMap::new();
    for ev in &log.events {
        let idx = *by_recipe.entry(ev.component.clone()).or_insert_with(|| {
            sweep.entries.push(SweepEntry {
                recipe: ev.component.clone(),
                tag: None,
                run_id: None,
                label: None,
                cold_rc: None,
                promote_failed: None,
                lines: Vec::new(),
                first: None,
                last: None,
            });
            sweep.entries.len() - 1
        });
        let entry = &mut sweep.entries[idx];
        entry
            .lines
            .push((ev.line, format!("[{}] {}", ev.component, ev.message)));
        entry.lines.extend(ev.continuation.iter().cloned());
        if entry.first.is_none() {
            entry.first = ev.time;
        }
        if ev.time.is_some() {
            entry.last = ev.time;
        }
    }
    if sweep.started.is_none() {
        sweep.started = log.events.iter().find_map(|e| e.time);
    }
    // Attribute each signal to the recipe whose event holds its line.
    let recipe_of_line = |line: u32| -> Option<usize> {
        let ev = log.events.iter().rev().find(|e| e.line <= line)?;
        by_recipe.get(&ev.component).copied()
    };
    for s in &signals {
        let Some(idx) = s.loc.line.and_then(recipe_of_line) else {
            continue;
        };
        let entry = &mut sweep.entries[idx];
        match s.rule.as_str() {
            ids::SWEEP_RUN_ON_TAG => {
                entry.tag = s.capture("tag").map(str::to_string);
                entry.run_id = s.capture("run_id").map(str::to_string);
            }
            ids::SWEEP_LABEL => entry.label = s.capture("label").map(str::to_string),
            ids::SWEEP_COLD_RC => entry.cold_rc = s.capture("rc").and_then(|v| v.parse().ok()),
            ids::SWEEP_PROMOTE_FAILED => entry.promote_failed = Some(s.evidence()),
            _ => {}
        }
    }
    sweep.log = log;
    (sweep, signals)
}

/// Reads `<dir>/<recipe>/canonical.json` for every recipe under `dir`.
/// A missing directory is not an error (the check is skipped and says so);
/// a broken file is a warning.
pub fn canonicals(
    dir: &Path,
    warnings: &mut crate::error::Warnings,
) -> BTreeMap<String, Canonical> {
    let mut out = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    let mut paths: Vec<_> = entries
        .flatten()
        .map(|e| e.path().join("canonical.json"))
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    for path in paths {
        match read_canonical(&path) {
            Ok(c) => {
                out.insert(c.recipe.clone(), c);
            }
            Err(e) => warnings.push(path.display(), e),
        }
    }
    out
}

fn read_canonical(path: &Path) -> Result<Canonical, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    let v: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| format!("not valid JSON: {e}"))?;
    let s = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
    let recipe = s("recipe")
        .or_else(|| {
            path.parent()
                .and_then(|p| p.file_name())
                .map(|n| n.to_string_lossy().into_owned())
        })
        .ok_or("no recipe")?;
    let version = s("version").ok_or("no `version` key")?;
    Ok(Canonical {
        path: path.to_path_buf(),
        recipe,
        version,
        commit: s("commit"),
        status: s("status"),
        written: s("ts").as_deref().and_then(compact_time),
    })
}

/// `20260617T180501Z` (the canonical's `ts`) → timestamp.
fn compact_time(s: &str) -> Option<Timestamp> {
    jiff::fmt::strtime::parse("%Y%m%dT%H%M%SZ", s)
        .ok()?
        .to_datetime()
        .ok()?
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp())
        .or_else(|| s.parse().ok())
}

/// Evidence for a canonical: its path and what it says.
pub fn canonical_evidence(c: &Canonical) -> Evidence {
    Evidence::at(
        &Loc::new(&c.path, None),
        format!(
            "canonical {} version={} ts={}",
            c.recipe,
            c.version,
            c.written
                .map(|t| t.to_string())
                .unwrap_or_else(|| "?".into())
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_that_do_not_fit_belong_to_the_event_above() {
        let rules = RuleSet::builtin();
        let text = "banner line\n\
            2026-06-17T23:22:10Z WARN prepull: docker compose config --images rc=15; skipping\n\
            \x20 stderr: service \"sidekiq\" depends on undefined service \"discourse\"\n\
            2026-06-17T23:25:00Z INFO deploy: converged\n";
        let log = parse(text, Path::new("c.log"), &rules, ids::CONSOLE_EVENT);
        assert_eq!(log.preamble.len(), 1);
        assert_eq!(log.events.len(), 2);
        assert_eq!(log.events[0].component, "prepull");
        assert_eq!(log.events[0].continuation.len(), 1);
        assert_eq!(log.events[0].continuation[0].0, 3);
        assert_eq!(log.events[1].line, 4);
        let (a, b) = span(&log);
        assert!(a.unwrap() < b.unwrap());
    }

    #[test]
    fn sweep_entries_collect_tag_run_id_label_and_promote() {
        let rules = RuleSet::builtin();
        let text = "===== nightly cold sweep: enrolled canonicals = ['bluesky-pds'] =====\n\
            2026-06-14T03:00:05Z [bluesky-pds] run_on_tag 0.3.0+v0.4.219 run_id=sweep-20260614-bluesky-pds\n\
            2026-06-14T03:24:10Z [bluesky-pds] WC5 promote failed: warm-bluesky-pds.ci.commoninternet.net: not healthy over HTTPS /xrpc/_health (last status 0)\n\
            2026-06-14T03:24:12Z [bluesky-pds] PASS (promoted)\n\
            2026-06-14T05:20:00Z [peertube] cold rc=142\n";
        let (sweep, _) = sweep(text, Path::new("s.log"), &rules);
        assert_eq!(sweep.entries.len(), 2);
        let b = &sweep.entries[0];
        assert_eq!(b.tag.as_deref(), Some("0.3.0+v0.4.219"));
        assert_eq!(b.run_id.as_deref(), Some("sweep-20260614-bluesky-pds"));
        assert_eq!(b.label.as_deref(), Some("PASS (promoted)"));
        assert_eq!(b.promote_failed.as_ref().unwrap().source, "s.log:3");
        assert_eq!(sweep.entries[1].cold_rc, Some(142));
        assert_eq!(sweep.started, b.first);
    }

    #[test]
    fn compact_canonical_times_parse() {
        let t = compact_time("20260617T180501Z").unwrap();
        assert_eq!(t.to_string(), "2026-06-17T18:05:01Z");
    }
}
