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

/// How much of a console is held at once: it is read in chunks of this
/// size, cut at line ends, so memory stays flat however long the log.
const CHUNK: usize = 4 << 20;

/// At most this many signals of one rule are kept from one console: a
/// health check polled every second matches thousands of lines, and the
/// verdicts need the first few and the fact that there were more.
const MAX_PER_RULE: usize = 64;

/// Reads a console log in bounded memory: scans every chunk with the
/// console rules and keeps, of the events, only the first and the last
/// (the span and the cut-off evidence need no more). Returns the log, its
/// signals (at most [`MAX_PER_RULE`] per rule) and whether any line fit the
/// grammar.
pub fn read_console(path: &Path, rules: &RuleSet) -> std::io::Result<(Log, Vec<Signal>)> {
    let mut file = std::fs::File::open(path)?;
    let mut log = Log {
        path: path.to_path_buf(),
        ..Log::default()
    };
    let mut signals: Vec<Signal> = Vec::new();
    let mut per_rule: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK + 4096);
    let mut first_line = 1u32;
    let mut eof = false;
    while !eof {
        let start = buf.len();
        buf.resize(start + CHUNK, 0);
        let n = read_full(&mut file, &mut buf[start..])?;
        buf.truncate(start + n);
        eof = n == 0;
        // Process whole lines; keep a trailing partial line for the next
        // round (or all of it at the end of the file).
        let cut = if eof {
            buf.len()
        } else {
            match buf.iter().rposition(|&b| b == b'\n') {
                Some(i) => i + 1,
                None => continue,
            }
        };
        if cut == 0 {
            continue;
        }
        let chunk = &buf[..cut];
        for sig in rules.scan(Scope::Console, chunk, path, first_line) {
            let seen = per_rule.entry(sig.rule.clone()).or_default();
            *seen += 1;
            if *seen <= MAX_PER_RULE {
                signals.push(sig);
            }
        }
        let text = String::from_utf8_lossy(chunk);
        let part = parse(&text, path, rules, ids::CONSOLE_EVENT);
        let shift = first_line - 1;
        let mut events = part.events.into_iter().map(|mut e| {
            e.line += shift;
            for c in &mut e.continuation {
                c.0 += shift;
            }
            e
        });
        if log.events.is_empty() {
            if let Some(e) = events.next() {
                log.events.push(e);
            }
            if log.preamble.is_empty() {
                log.preamble = part
                    .preamble
                    .into_iter()
                    .take(16)
                    .map(|(n, l)| (n + shift, l))
                    .collect();
            }
        }
        if let Some(last) = events.next_back() {
            if log.events.len() > 1 {
                log.events.pop();
            }
            log.events.push(last);
        }
        first_line += part.line_count;
        log.line_count = first_line - 1;
        buf.drain(..cut);
    }
    Ok((log, signals))
}

/// Fills `buf` from `r` until it is full or the input ends.
fn read_full(r: &mut impl std::io::Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// A console line as `component: message`, without its `<time> <LEVEL>`
/// prefix (by the grammar rule), for quoting in a message or a cause. A
/// line that does not fit the grammar is returned trimmed.
pub fn message_of(line: &str, rules: &RuleSet) -> String {
    match rules.captures(ids::CONSOLE_EVENT, line) {
        Some(c) => format!(
            "{}: {}",
            c.get("component").map(String::as_str).unwrap_or(""),
            c.get("message").map(String::as_str).unwrap_or("")
        ),
        None => line.trim().to_string(),
    }
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
    fn a_console_read_in_chunks_keeps_line_numbers_and_its_edges() {
        let rules = RuleSet::builtin();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.console.log");
        let mut text =
            String::from("2026-06-14T03:00:00Z INFO run: start recipe=x version=1 run_id=r\n");
        // Well past one chunk, with a signature near the end.
        let filler = "2026-06-14T03:00:01Z DEBUG deploy: polling UpdateStatus=updating (tasks 0/1) ..........\n";
        while text.len() < CHUNK * 2 + 1000 {
            text.push_str(filler);
        }
        let lines_before = text.lines().count() as u32;
        text.push_str("2026-06-14T03:30:00Z ERROR deploy: FATA deploy timed out\n");
        text.push_str("2026-06-14T03:31:00Z INFO run: end rc=4");
        std::fs::write(&path, &text).unwrap();
        let (log, signals) = read_console(&path, &rules).unwrap();
        assert_eq!(log.line_count, lines_before + 2);
        assert_eq!(
            log.events.len(),
            2,
            "only the first and the last event are kept"
        );
        assert_eq!(log.events[1].line, lines_before + 2);
        let (first, last) = span(&log);
        assert_eq!(first.unwrap().to_string(), "2026-06-14T03:00:00Z");
        assert_eq!(last.unwrap().to_string(), "2026-06-14T03:31:00Z");
        let timeout = signals
            .iter()
            .find(|s| s.rule == ids::DEPLOY_TIMEOUT)
            .unwrap();
        assert_eq!(timeout.loc.line, Some(lines_before + 1));
        assert!(signals.iter().any(|s| s.rule == ids::RUN_END));
    }

    #[test]
    fn compact_canonical_times_parse() {
        let t = compact_time("20260617T180501Z").unwrap();
        assert_eq!(t.to_string(), "2026-06-17T18:05:01Z");
    }
}
