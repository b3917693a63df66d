//! Reading a canon sweep's log (cc-ci-runs.md §5), from journald or a file.
//!
//! The sweep runs each enrolled recipe cold, serially, and prints one
//! entry line per recipe after the run's own output:
//! `sweep: <recipe> … rc=N (<LABEL>)`. So the lines since the previous
//! entry line belong to the next one (its run's output, the `WC5 promote
//! failed: …` line and what follows it). Lines of the shape this
//! project's first testdata assumed (`<time> [<recipe>] <text>`) name
//! their recipe themselves and are attributed by it.
//!
//! `journalctl -u nightly-sweep.service` prints every week's sweep: a
//! banner after a sweep starts the next one, and only the newest is kept
//! (a warning says how many the log held and from which line the newest
//! runs), so a year of sweeps is read in the memory of one.
//!
//! Linear in the log: it is read in chunks; the sweep rules are scanned
//! once per chunk, and the console rules once per entry's block, each
//! block with its own per-rule cap, so a long sweep neither slows down
//! nor loses a late recipe's signs to an early one's.

use std::collections::BTreeMap;
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

use jiff::Timestamp;

use crate::fsx;
use crate::model::{Loc, Promote, Role, Signal, Sweep, SweepEntry, SweepOutcome, Warnings};
use crate::rules::{Caps, LineIndex, RuleSet, Scope, ids};

use super::console::CHUNK;

/// Signals of one rule kept per entry.
const PER_ENTRY: usize = 16;

/// Where a sweep log is read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SweepSource {
    File(PathBuf),
    /// `--sweep-log -`: `journalctl -u nightly-sweep.service | ccci-triage --sweep-log -`.
    Stdin,
}

impl SweepSource {
    pub fn from_arg(p: &Path) -> SweepSource {
        if p.as_os_str() == "-" {
            SweepSource::Stdin
        } else {
            SweepSource::File(p.to_path_buf())
        }
    }

    /// How evidence names it.
    pub fn path(&self) -> PathBuf {
        match self {
            SweepSource::File(p) => p.clone(),
            SweepSource::Stdin => PathBuf::from("<stdin>"),
        }
    }
}

/// Reads one sweep log. An unreadable file is an error (the user named
/// it); lines no rule could read are one warning.
pub fn read(
    source: &SweepSource,
    rules: &RuleSet,
    warnings: &mut Warnings,
) -> Result<Sweep, String> {
    let path = source.path();
    let year = match source {
        SweepSource::File(p) => std::fs::metadata(p)
            .ok()
            .and_then(|m| m.modified().ok())
            .and_then(|t| Timestamp::try_from(t).ok())
            .map(|t| t.to_zoned_datetime(jiff::tz::TimeZone::UTC).year()),
        SweepSource::Stdin => None,
    }
    .unwrap_or_else(|| {
        Timestamp::now()
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .year()
    });
    let mut reader = Reader::new(&path, rules, year);
    match source {
        SweepSource::File(p) => {
            let (file, _) = fsx::open(p).map_err(|e| e.to_string())?;
            reader.read_all(file).map_err(|e| fsx::io_problem(&e))?;
        }
        SweepSource::Stdin => {
            let stdin = std::io::stdin();
            reader
                .read_all(stdin.lock())
                .map_err(|e| fsx::io_problem(&e))?;
        }
    }
    let (earlier, from) = (reader.earlier, reader.newest_from);
    let sweep = reader.finish();
    if earlier > 0 {
        warnings.push(
            path.display(),
            format!(
                "the log holds {} sweeps; only the newest, from line {from}{}, is triaged; \
                 for an earlier one pass its part of the log \
                 (journalctl -u nightly-sweep.service --since … --until …)",
                earlier + 1,
                sweep
                    .started
                    .map(|t| format!(" ({} UTC)", t.strftime("%Y-%m-%d %H:%M")))
                    .unwrap_or_default()
            ),
        );
    }
    if sweep.entries.is_empty() {
        warnings.push(
            path.display(),
            "no sweep entry (`sweep: <recipe> … rc=N (<LABEL>)`) found; is this the nightly-sweep log?",
        );
    }
    if !sweep.unread.is_empty() {
        let shown: Vec<String> = sweep.unread.iter().take(5).map(u32::to_string).collect();
        warnings.push(
            path.display(),
            format!(
                "{} sweep line(s) no rule could read (line {}{}); their recipes may be missing",
                sweep.unread.len(),
                shown.join(", "),
                if sweep.unread.len() > 5 { ", …" } else { "" }
            ),
        );
    }
    Ok(sweep)
}

/// An entry being built: its block of lines, then its entry line.
#[derive(Default)]
struct Block {
    signals: Vec<Signal>,
    first: Option<Timestamp>,
    last: Option<Timestamp>,
    caps: Option<Caps>,
}

struct Reader<'r> {
    rules: &'r RuleSet,
    path: PathBuf,
    year: i16,
    next_line: u32,
    sweep: Sweep,
    /// The lines since the last entry line.
    open: Block,
    /// Legacy `[recipe]` entries by recipe, with their blocks.
    legacy: BTreeMap<String, (usize, Block)>,
    /// Sweeps before the newest (journald's log of the service holds every
    /// week's), dropped as the next banner starts; and the newest's first
    /// line.
    earlier: usize,
    newest_from: u32,
    banner_seen: bool,
}

impl<'r> Reader<'r> {
    fn new(path: &Path, rules: &'r RuleSet, year: i16) -> Reader<'r> {
        Reader {
            rules,
            path: path.to_path_buf(),
            year,
            next_line: 1,
            sweep: Sweep {
                path: path.to_path_buf(),
                ..Sweep::default()
            },
            open: Block::default(),
            legacy: BTreeMap::new(),
            earlier: 0,
            newest_from: 1,
            banner_seen: false,
        }
    }

    /// A banner at line `n` after a sweep: what was read is dropped, and
    /// the sweep starts again from this line.
    fn next_sweep(&mut self, n: u32) {
        self.earlier += 1;
        self.sweep = Sweep {
            path: self.sweep.path.clone(),
            ..Sweep::default()
        };
        self.open = Block::default();
        self.legacy.clear();
        self.newest_from = n;
    }

    fn read_all(&mut self, r: impl Read) -> std::io::Result<()> {
        let mut r = std::io::BufReader::with_capacity(1 << 16, r);
        let mut chunk: Vec<u8> = Vec::new();
        let mut line = Vec::new();
        loop {
            line.clear();
            // A sweep log's lines are short; one longer than a console's
            // cap is cut there.
            let n = (&mut r)
                .take(super::console::MAX_LINE as u64)
                .read_until(b'\n', &mut line)?;
            if n == 0 {
                break;
            }
            if !line.ends_with(b"\n") {
                // Cut: skip to the end of the line, holding none of it.
                skip_line(&mut r)?;
                line.push(b'\n');
            }
            chunk.extend_from_slice(&line);
            if chunk.len() >= CHUNK {
                self.chunk(&chunk);
                chunk.clear();
            }
        }
        if !chunk.is_empty() {
            self.chunk(&chunk);
        }
        Ok(())
    }

    /// Reads one chunk of whole lines.
    fn chunk(&mut self, chunk: &[u8]) {
        let first = self.next_line;
        let lines = LineIndex::new(chunk);
        let count = lines.count(chunk);
        self.next_line = first + count as u32;
        let mut no_cap = Caps::new(usize::MAX);
        let sweep_signals = self.rules.scan(
            Scope::Sweep,
            chunk,
            &self.path,
            first,
            &mut no_cap,
            self.year,
        );
        // The sweep's own lines, in order, each splitting the chunk.
        let mut by_line: BTreeMap<u32, Vec<Signal>> = BTreeMap::new();
        for s in sweep_signals {
            by_line.entry(s.loc.line.unwrap_or(0)).or_default().push(s);
        }
        let mut start = 0usize; // 0-based line in the chunk
        let mut boundaries: Vec<(usize, Vec<Signal>)> = by_line
            .into_iter()
            .map(|(n, v)| ((n - first) as usize, v))
            .collect();
        boundaries.push((count, Vec::new()));
        for (at, signals) in boundaries {
            // The lines before this sweep line belong to the open block.
            if at > start {
                self.block_lines(chunk, &lines, start, at, first);
            }
            if at < count {
                let line = lines.line(chunk, at);
                self.sweep_line(line, first + at as u32, signals);
                start = at + 1;
            }
        }
    }

    /// Scans lines `[from, to)` of the chunk as run output of the open
    /// block.
    fn block_lines(&mut self, chunk: &[u8], lines: &LineIndex, from: usize, to: usize, first: u32) {
        let start = lines_start(lines, chunk, from);
        let end = lines_start(lines, chunk, to);
        let part = &chunk[start..end];
        let caps = self.open.caps.get_or_insert_with(|| Caps::new(PER_ENTRY));
        let found = self.rules.scan(
            Scope::Console,
            part,
            &self.path,
            first + from as u32,
            caps,
            self.year,
        );
        self.open.signals.extend(found);
        for n in from..to {
            self.time(lines.line(chunk, n), None);
        }
    }

    /// Notes a line's prefix time in the sweep's window only (the banner,
    /// the mirror sync: they are no recipe's).
    fn sweep_time(&mut self, line: &[u8]) -> Option<Timestamp> {
        let t = self.rules.prefix(line, self.year).time?;
        if self.sweep.started.is_none() {
            self.sweep.started = Some(t);
        }
        self.sweep.finished = Some(t);
        Some(t)
    }

    /// Notes a line's prefix time in the open block (or a legacy entry's).
    fn time(&mut self, line: &[u8], legacy: Option<&str>) {
        let Some(t) = self.sweep_time(line) else {
            return;
        };
        let block = match legacy.and_then(|r| self.legacy.get_mut(r)) {
            Some((_, b)) => b,
            None => &mut self.open,
        };
        block.first.get_or_insert(t);
        block.last = Some(t);
    }

    /// One line some sweep rule recognised.
    fn sweep_line(&mut self, line: &[u8], n: u32, signals: Vec<Signal>) {
        let has = |id: &str| signals.iter().find(|s| s.rule == id);
        if let Some(b) = has(ids::SWEEP_BANNER) {
            if self.banner_seen || !self.sweep.entries.is_empty() {
                self.next_sweep(n);
            }
            self.banner_seen = true;
            let list = b.capture("recipes").unwrap_or("");
            self.sweep.enrolled = list
                .split(',')
                .map(|r| r.trim().trim_matches(['\'', '"']).to_string())
                .filter(|r| !r.is_empty())
                .collect();
            self.sweep_time(line);
            return;
        }
        if has(ids::SWEEP_MIRROR_SYNC).is_some() {
            self.sweep_time(line);
            return;
        }
        if let Some(e) = has(ids::SWEEP_ENTRY).or_else(|| has(ids::SWEEP_ENTRY_SKIP)) {
            self.time(line, None);
            let e = e.clone();
            self.entry(e, signals);
            return;
        }
        if let Some(l) = has(ids::SWEEP_LEGACY_LINE) {
            let recipe = l.capture("recipe").unwrap_or("").to_string();
            let names = has(ids::SWEEP_RUN_ON_TAG).is_some();
            let known =
                names || self.legacy.contains_key(&recipe) || self.sweep.enrolled.contains(&recipe);
            if known {
                self.legacy_line(&recipe, line, n, signals);
                return;
            }
        }
        // A promote or canonical line of the run's own output, or a line
        // that says `sweep:` and that no entry rule could read.
        let sweepish = signals.iter().any(|s| s.rule == ids::SWEEP_ANY_LINE);
        let other: Vec<Signal> = signals
            .into_iter()
            .filter(|s| s.rule != ids::SWEEP_ANY_LINE && s.rule != ids::SWEEP_LEGACY_LINE)
            .collect();
        if sweepish && other.is_empty() {
            self.sweep.unread.push(n);
        }
        self.open.signals.extend(other);
        // Run output on the same line (a harness signature in a promote
        // reason) counts too.
        let caps = self.open.caps.get_or_insert_with(|| Caps::new(PER_ENTRY));
        let found = self
            .rules
            .scan(Scope::Console, line, &self.path, n, caps, self.year);
        self.open.signals.extend(found);
        self.time(line, None);
    }

    /// A `sweep: <recipe> … rc=N (<LABEL>)` or `sweep: <recipe> SKIP …`
    /// line closes the open block into an entry.
    fn entry(&mut self, e: Signal, mut signals: Vec<Signal>) {
        let block = std::mem::take(&mut self.open);
        let recipe = e.capture("recipe").unwrap_or("").to_string();
        let label = e.capture("label").map(str::to_string);
        let rc = e.capture("rc").and_then(|v| v.parse().ok());
        let what = e.capture("what").unwrap_or("");
        let release = self.rules.captures(ids::SWEEP_NEW_RELEASE, what);
        let label_text = label.as_deref().unwrap_or("");
        let promote_label = self
            .rules
            .captures(ids::SWEEP_LABEL_PROMOTE_FAILED, label_text);
        let version = release
            .as_ref()
            .and_then(|c| c.get("version").cloned())
            .or_else(|| {
                promote_label
                    .as_ref()
                    .and_then(|c| c.get("expected").cloned())
            });
        let canonical = release
            .as_ref()
            .and_then(|c| c.get("canonical").cloned())
            .or_else(|| {
                promote_label
                    .as_ref()
                    .and_then(|c| c.get("canonical").cloned())
            })
            .filter(|c| c != "none");
        let mut all = block.signals;
        signals.retain(|s| s.rule != ids::SWEEP_ENTRY && s.rule != ids::SWEEP_ENTRY_SKIP);
        all.extend(signals);
        let promote = promote_of(&all, self.rules);
        let outcome = outcome(
            self.rules,
            label_text,
            promote.is_some(),
            promote_label.is_some(),
            &all,
        );
        self.sweep.entries.push(SweepEntry {
            recipe,
            loc: e.loc.clone(),
            text: e.message().to_string(),
            version,
            canonical,
            rc,
            label,
            outcome,
            promote,
            run_id: None,
            run: None,
            placed_by: None,
            signals: all,
            first: block.first,
            last: block.last.or(block.first),
        });
    }

    /// A legacy `<time> [<recipe>] <text>` line.
    fn legacy_line(&mut self, recipe: &str, line: &[u8], n: u32, signals: Vec<Signal>) {
        if !self.legacy.contains_key(recipe) {
            let idx = self.sweep.entries.len();
            self.sweep.entries.push(SweepEntry {
                recipe: recipe.to_string(),
                loc: Loc::new(&self.path, Some(n)),
                text: String::new(),
                version: None,
                canonical: None,
                rc: None,
                label: None,
                outcome: SweepOutcome::Unknown,
                promote: None,
                run_id: None,
                run: None,
                placed_by: None,
                signals: Vec::new(),
                first: None,
                last: None,
            });
            self.legacy
                .insert(recipe.to_string(), (idx, Block::default()));
        }
        self.time(line, Some(recipe));
        let rules = self.rules;
        let path = self.path.clone();
        let year = self.year;
        let Some((idx, block)) = self.legacy.get_mut(recipe) else {
            return;
        };
        let caps = block.caps.get_or_insert_with(|| Caps::new(PER_ENTRY));
        let console = rules.scan(Scope::Console, line, &path, n, caps, year);
        let entry = &mut self.sweep.entries[*idx];
        for s in &signals {
            match s.rule.as_str() {
                ids::SWEEP_RUN_ON_TAG => {
                    entry.version = s.capture("tag").map(str::to_string);
                    entry.run_id = s.capture("run_id").map(str::to_string);
                    entry.loc = s.loc.clone();
                    entry.text = s.message().to_string();
                }
                ids::SWEEP_COLD_RC => entry.rc = s.capture("rc").and_then(|v| v.parse().ok()),
                ids::SWEEP_LEGACY_LABEL => {
                    entry.label = s.capture("label").map(str::to_string);
                    if entry.text.is_empty() {
                        entry.text = s.message().to_string();
                    }
                }
                _ => {}
            }
        }
        entry.signals.extend(
            signals
                .into_iter()
                .filter(|s| s.rule != ids::SWEEP_LEGACY_LINE && s.rule != ids::SWEEP_ANY_LINE),
        );
        entry.signals.extend(console);
        entry.first = block.first;
        entry.last = block.last;
    }

    fn finish(mut self) -> Sweep {
        // Legacy entries are complete only at the end of the log.
        let legacy: Vec<usize> = self.legacy.values().map(|(i, _)| *i).collect();
        for idx in legacy {
            let entry = &mut self.sweep.entries[idx];
            entry.promote = promote_of(&entry.signals, self.rules);
            let label = entry.label.clone().unwrap_or_default();
            entry.outcome = outcome(
                self.rules,
                &label,
                entry.promote.is_some(),
                false,
                &entry.signals,
            );
            if entry.outcome == SweepOutcome::Unknown {
                entry.outcome = match entry.rc {
                    Some(0) => SweepOutcome::Promoted,
                    Some(_) => SweepOutcome::Red,
                    None => SweepOutcome::Unknown,
                };
            }
        }
        self.sweep.lines = self.next_line - 1;
        self.sweep.label = self
            .sweep
            .started
            .map(|t| t.strftime("%Y-%m-%d").to_string())
            .unwrap_or_else(|| self.sweep.path.display().to_string());
        self.sweep
    }
}

/// Byte offset of 0-based line `n` of the chunk (the chunk's length past
/// its last line).
fn lines_start(lines: &LineIndex, chunk: &[u8], n: usize) -> usize {
    if n >= lines.count(chunk) {
        return chunk.len();
    }
    let line = lines.line(chunk, n);
    line.as_ptr() as usize - chunk.as_ptr() as usize
}

/// The failed promote of an entry's lines, if any: the `WC5 promote
/// failed` line (sweep or console rule), with the domain its reason names.
fn promote_of(signals: &[Signal], rules: &RuleSet) -> Option<Promote> {
    let s = signals.iter().find(|s| s.role == Role::PromoteFailed)?;
    let reason = s.capture("reason").unwrap_or(s.message()).to_string();
    let domain = rules
        .captures(ids::ID_DOMAIN, &reason)
        .and_then(|c| c.get("domain").cloned());
    Some(Promote {
        loc: s.loc.clone(),
        text: s.message().to_string(),
        reason,
        domain,
    })
}

/// What the entry's label and lines say happened. A failed promote wins
/// over any label: older sweeps printed `PASS (promoted)` regardless.
fn outcome(
    rules: &RuleSet,
    label: &str,
    promote_failed: bool,
    label_says_promote_failed: bool,
    signals: &[Signal],
) -> SweepOutcome {
    let label = label.trim();
    if promote_failed || label_says_promote_failed {
        let c = rules.captures(ids::SWEEP_LABEL_PROMOTE_FAILED, label);
        return SweepOutcome::PromoteFailed {
            canonical: c
                .as_ref()
                .and_then(|c| c.get("canonical").cloned())
                .filter(|v| v != "none"),
            expected: c.and_then(|c| c.get("expected").cloned()),
        };
    }
    if rules.is_match(ids::SWEEP_LABEL_RED, label) {
        SweepOutcome::Red
    } else if rules.is_match(ids::SWEEP_LABEL_SKIP, label) {
        SweepOutcome::Skipped
    } else if rules.is_match(ids::SWEEP_LABEL_PROMOTED, label)
        || signals
            .iter()
            .any(|s| s.rule == ids::SWEEP_CANONICAL_ADVANCED)
    {
        SweepOutcome::Promoted
    } else {
        SweepOutcome::Unknown
    }
}

/// Skips to just past the next newline (or the end of the input), holding
/// none of what it skips: a line of gigabytes costs no memory.
fn skip_line(r: &mut impl BufRead) -> std::io::Result<()> {
    loop {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            return Ok(());
        }
        match memchr::memchr(b'\n', buf) {
            Some(i) => {
                r.consume(i + 1);
                return Ok(());
            }
            None => {
                let n = buf.len();
                r.consume(n);
            }
        }
    }
}

#[cfg(test)]
mod tests;
