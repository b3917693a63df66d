//! Reading the runs root for the index: which runs exist, whether each one
//! changed since it was indexed, and what the index keeps of it.
//!
//! This is a second, lean reader beside `ingest`, on purpose. `ingest`
//! builds a full [`crate::model::Run`] with every console event kept for
//! evidence; the index reads a year of runs (hundreds of megabytes) and
//! keeps only facts: recipe, version, span, tier results, per-test
//! outcomes and which trouble rules fired. So the console is streamed in
//! chunks of [`CHUNK`] bytes split at line boundaries and never held
//! whole, and only the rules the index needs are run over it, as one
//! combined pass (see [`Scanner`]). The facts it derives follow `ingest`'s
//! rules: results.json first, then the console's `run: start` line; the
//! span from the console's first line or the earliest JUnit timestamp to
//! `finished` or the console's last line.
//!
//! Change detection is a signature: the size and modification time of
//! results.json, every `junit/*.xml` and the console log. A run whose
//! signature is unchanged is not read again.

use std::collections::BTreeMap;
use std::fs::File;
use std::hash::Hasher;
use std::io::Read;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use regex::bytes::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};

use crate::error::Warnings;
use crate::ingest::{junit, log, results};
use crate::model::{Outcome, RunKind, TierStatus};
use crate::rules::{RuleSet, Scope, ids};

/// How much of a console log is held at once. Big enough that the regex
/// engine runs at full speed, small enough that a few workers stay far
/// under the memory goal whatever the size of the logs.
pub const CHUNK: usize = 4 << 20;

/// A failure message kept in the index is cut to this many bytes: the
/// first line is what groups and prints; the rest stays in the JUnit file.
const MESSAGE_MAX: usize = 400;

/// A run found under the root, with where its files are.
#[derive(Clone, Debug)]
pub struct Found {
    pub id: String,
    /// The run directory, when there is one (a console log may be alone).
    pub dir: Option<PathBuf>,
    pub console: Option<PathBuf>,
    /// Size and mtime of every input file, folded: equal signatures mean
    /// the run need not be read again.
    pub signature: String,
}

/// Lists the runs under `root`: every subdirectory that looks like a run
/// (results.json, junit/ or abra/) and every `<id>.console.log`. Sorted by
/// id. Unreadable entries are warnings.
pub fn discover(root: &Path, warnings: &mut Warnings) -> Vec<Found> {
    let mut runs: BTreeMap<String, (Option<PathBuf>, Option<PathBuf>)> = BTreeMap::new();
    let entries = match std::fs::read_dir(root) {
        Ok(e) => e,
        Err(e) => {
            warnings.push(root.display(), format!("cannot list the runs root: {e}"));
            return Vec::new();
        }
    };
    for entry in entries {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                warnings.push(root.display(), format!("cannot read an entry: {e}"));
                continue;
            }
        };
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        // Follow symlinks: a run directory may be linked in.
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            let looks_like_run = path.join("results.json").exists()
                || path.join("junit").is_dir()
                || path.join("abra").is_dir();
            if looks_like_run {
                runs.entry(name).or_default().0 = Some(path);
            }
        } else if let Some(id) = name.strip_suffix(".console.log") {
            runs.entry(id.to_string()).or_default().1 = Some(path);
        }
    }
    runs.into_iter()
        .map(|(id, (dir, console))| {
            let signature = signature(dir.as_deref(), console.as_deref());
            Found {
                id,
                dir,
                console,
                signature,
            }
        })
        .collect()
}

/// Folds the size and mtime of a run's input files into a short string.
/// Only metadata is read: a few `stat` calls per run.
fn signature(dir: Option<&Path>, console: Option<&Path>) -> String {
    let mut h = Fnv::default();
    let mut add = |p: &Path| {
        h.write(p.as_os_str().as_encoded_bytes());
        match std::fs::metadata(p) {
            Ok(m) => {
                h.write_u64(m.len());
                let mtime = m
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map(|d| d.as_nanos() as u64)
                    .unwrap_or(0);
                h.write_u64(mtime);
            }
            Err(_) => h.write_u8(0),
        }
    };
    if let Some(dir) = dir {
        add(&dir.join("results.json"));
        if let Ok(entries) = std::fs::read_dir(dir.join("junit")) {
            let mut files: Vec<PathBuf> = entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "xml"))
                .collect();
            files.sort();
            for f in &files {
                add(f);
            }
        }
    }
    if let Some(c) = console {
        add(c);
    }
    format!("{:016x}", h.finish())
}

/// FNV-1a, 64 bits: stable across Rust releases (std's default hasher is
/// not), so signatures and database names survive a rebuild of the tool.
#[derive(Clone, Copy)]
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// One test as the index keeps it.
#[derive(Clone, Debug, PartialEq)]
pub struct TestRow {
    pub id: String,
    pub tier: Option<String>,
    pub source: String,
    pub outcome: Outcome,
    pub message: Option<String>,
    pub reruns: u32,
    /// The JUnit file and line it was read from.
    pub file: String,
}

/// A trouble rule that fired in a console: where first, and how often.
#[derive(Clone, Debug, PartialEq)]
pub struct SignalRow {
    pub rule: String,
    pub line: u32,
    pub text: String,
    pub count: u32,
}

/// What the index keeps of one run.
#[derive(Clone, Debug)]
pub struct RunRow {
    pub id: String,
    pub path: PathBuf,
    pub signature: String,
    pub recipe: Option<String>,
    pub version: Option<String>,
    pub git_ref: Option<String>,
    pub kind: RunKind,
    pub started: Option<Timestamp>,
    pub finished: Option<Timestamp>,
    /// Tier → status: results.json's `results` and `rungs`, else the
    /// console's `RESULT:` line.
    pub tiers: BTreeMap<String, TierStatus>,
    pub tests: Vec<TestRow>,
    pub signals: Vec<SignalRow>,
    pub console: Option<PathBuf>,
}

/// The console rules the index needs, compiled for one pass per chunk:
/// the trouble rules (signatures) plus the `run:` lines that give the
/// recipe, version, result and exit status when results.json is missing.
///
/// One combined regex finds the next line where any of them matches; only
/// that line is then matched against the set, and only the rules that hit
/// are asked for captures. Healthy logs have a handful of such lines, so
/// the cost is one regex pass over the bytes.
pub struct Scanner {
    /// The rules' patterns as a few alternations (see [`Scanner::new`]).
    any: Vec<Regex>,
    set: RegexSet,
    /// Rule id for each pattern of `set`.
    ids: Vec<String>,
    trouble: Vec<bool>,
}

impl Scanner {
    /// Builds the scanner from `rules`. The patterns are the rules' own
    /// (the same flags as [`RuleSet`] compiles them with); a rule set whose
    /// patterns do not combine gives `None` and the caller falls back to
    /// [`RuleSet::scan`].
    pub fn new(rules: &RuleSet) -> Option<Scanner> {
        let wanted: Vec<&crate::rules::Rule> = rules
            .rules()
            .iter()
            .filter(|r| r.scope == Scope::Console)
            .filter(|r| {
                r.trouble
                    || [ids::RUN_START, ids::RUN_RESULT, ids::RUN_END].contains(&r.id.as_str())
            })
            .collect();
        let pats: Vec<&str> = wanted.iter().map(|r| r.pattern.as_str()).collect();
        // Capture names must be unique in one regex and two rules may use
        // the same one (`rc`): prefix each rule's names with its index.
        // The combined regexes only find lines; captures come from the
        // rules themselves.
        let grouped = |idx: &[usize]| -> Option<Regex> {
            let alternation = idx
                .iter()
                .map(|&i| {
                    let p = pats[i]
                        .replace("(?P<", &format!("(?P<r{i}_"))
                        .replace("(?<", &format!("(?<r{i}_"));
                    format!("(?:{p})")
                })
                .collect::<Vec<_>>()
                .join("|");
            RegexBuilder::new(&alternation)
                .unicode(false)
                .multi_line(true)
                .size_limit(64 << 20)
                .dfa_size_limit(64 << 20)
                .build()
                .ok()
        };
        // Why several alternations, not one: each rule alone is searched
        // at gigabytes a second thanks to a literal prefilter, but
        // case-insensitive rules (`(?i)`) multiply the literal variants
        // until one big alternation has no prefilter left and runs on the
        // bare lazy DFA (measured on the built-in rules: ~300 MB/s for one
        // alternation, ~900 MB/s for the case-sensitive rules alone, 1.4 to
        // 1.9 GB/s for two case-insensitive rules together). So the
        // case-sensitive rules make one group and the others go in pairs.
        let (folded, exact): (Vec<usize>, Vec<usize>) =
            (0..pats.len()).partition(|&i| pats[i].contains("(?i"));
        let mut any = Vec::new();
        if !exact.is_empty() {
            any.push(grouped(&exact)?);
        }
        for pair in folded.chunks(2) {
            any.push(grouped(pair)?);
        }
        let set = RegexSetBuilder::new(&pats)
            .unicode(false)
            .multi_line(true)
            .size_limit(64 << 20)
            .build()
            .ok()?;
        Some(Scanner {
            any,
            set,
            ids: wanted.iter().map(|r| r.id.clone()).collect(),
            trouble: wanted.iter().map(|r| r.trouble).collect(),
        })
    }
}

/// What one console pass found.
#[derive(Debug, Default)]
struct ConsoleFacts {
    first_time: Option<Timestamp>,
    last_time: Option<Timestamp>,
    recipe: Option<String>,
    version: Option<String>,
    git_ref: Option<String>,
    results: BTreeMap<String, TierStatus>,
    signals: Vec<SignalRow>,
}

/// Reads one run for the index. Never fails: problems are warnings and
/// the run keeps whatever could be read.
pub fn read_run(
    found: &Found,
    rules: &RuleSet,
    scanner: Option<&Scanner>,
    warnings: &mut Warnings,
) -> RunRow {
    let id = &found.id;
    let kind = RunKind::from_id(id);
    let mut row = RunRow {
        id: id.clone(),
        path: found
            .dir
            .clone()
            .or_else(|| found.console.clone())
            .unwrap_or_default(),
        signature: found.signature.clone(),
        recipe: None,
        version: None,
        git_ref: None,
        kind,
        started: None,
        finished: None,
        tiers: BTreeMap::new(),
        tests: Vec::new(),
        signals: Vec::new(),
        console: found.console.clone(),
    };

    let mut record = None;
    let mut junit_start: Option<Timestamp> = None;
    let mut junit_end: Option<Timestamp> = None;
    if let Some(dir) = &found.dir {
        let p = dir.join("results.json");
        if p.exists() {
            match std::fs::read(&p) {
                Ok(bytes) => match results::parse(&bytes, &p) {
                    Ok(rec) => record = Some(rec),
                    Err(e) => {
                        warnings.push(p.display(), format!("{e}; indexed from the other files"))
                    }
                },
                Err(e) => warnings.push(p.display(), format!("cannot read: {e}")),
            }
        }
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("junit"))
            .map(|it| {
                it.flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "xml") && p.is_file())
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        for p in &files {
            let Some(f) = junit::read(p, warnings) else {
                continue;
            };
            if let Some(t) = f.started {
                junit_start = Some(junit_start.map_or(t, |s| s.min(t)));
                let secs: f64 = f.tests.iter().map(|t| t.seconds).sum();
                if let Ok(end) = t.checked_add(jiff::SignedDuration::from_secs_f64(secs)) {
                    junit_end = Some(junit_end.map_or(end, |e| e.max(end)));
                }
            }
            for t in f.tests {
                row.tests.push(TestRow {
                    id: t.id,
                    tier: t.tier.map(|t| t.as_str().to_string()),
                    source: t.source.as_str().to_string(),
                    outcome: t.outcome,
                    message: t.message.map(|m| first_line(&m)),
                    reruns: t.reruns,
                    file: t.loc.to_string(),
                });
            }
        }
    }

    let mut facts = ConsoleFacts::default();
    if let Some(c) = &found.console {
        facts = scan_console(c, rules, scanner, warnings);
    }

    if let Some(rec) = &record {
        row.recipe = rec.recipe.clone();
        row.version = rec.version.clone();
        row.git_ref = rec.git_ref.clone();
        for (k, v) in rec.rungs.iter().chain(rec.results.iter()) {
            row.tiers.insert(k.clone(), *v);
        }
    }
    row.recipe = row.recipe.or(facts.recipe);
    row.version = row.version.or(facts.version);
    row.git_ref = row.git_ref.or(facts.git_ref);
    if row.tiers.is_empty() {
        row.tiers = facts.results;
    }
    if row.recipe.is_none() {
        // A run with no results.json and no console: its only checkout.
        if let Some(dir) = &found.dir {
            if let Ok(entries) = std::fs::read_dir(dir.join("abra").join("recipes")) {
                let dirs: Vec<_> = entries.flatten().filter(|e| e.path().is_dir()).collect();
                if let [only] = dirs.as_slice() {
                    row.recipe = Some(only.file_name().to_string_lossy().into_owned());
                }
            }
        }
    }
    row.started = [facts.first_time, junit_start].into_iter().flatten().min();
    row.finished = record
        .as_ref()
        .and_then(|r| r.finished)
        .or(facts.last_time)
        .or(junit_end);
    row.signals = facts.signals;
    row
}

/// The first line of a message, cut to [`MESSAGE_MAX`] bytes.
fn first_line(m: &str) -> String {
    let line = m
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    if line.len() <= MESSAGE_MAX {
        return line.to_string();
    }
    let mut end = MESSAGE_MAX;
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &line[..end])
}

/// Streams a console log in chunks cut at line boundaries.
fn scan_console(
    path: &Path,
    rules: &RuleSet,
    scanner: Option<&Scanner>,
    warnings: &mut Warnings,
) -> ConsoleFacts {
    let mut facts = ConsoleFacts::default();
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) => {
            warnings.push(path.display(), format!("cannot read: {e}"));
            return facts;
        }
    };
    let grammar = rules.rule(ids::CONSOLE_EVENT);
    // Sized to the file when it is small: most consoles fit one chunk, and
    // only the bytes read are ever touched.
    let len = file.metadata().map(|m| m.len() as usize).unwrap_or(CHUNK);
    let mut buf: Vec<u8> = Vec::with_capacity(len.min(CHUNK) + 1);
    let mut first_line = 1u32;
    let mut by_rule: BTreeMap<String, usize> = BTreeMap::new();
    let mut eof = false;
    while !eof {
        // Top up to CHUNK bytes after the carried-over partial line.
        let want = CHUNK.saturating_sub(buf.len()).max(64 * 1024);
        match (&mut file).take(want as u64).read_to_end(&mut buf) {
            Ok(n) => eof = n < want,
            Err(e) => {
                warnings.push(
                    path.display(),
                    format!("read error: {e}; the rest is not scanned"),
                );
                eof = true;
            }
        }
        // Cut at the last newline; the partial line waits for the next chunk.
        let cut = if eof {
            buf.len()
        } else {
            match buf.iter().rposition(|&b| b == b'\n') {
                Some(i) => i + 1,
                // One line longer than a chunk: scan it as it is.
                None => buf.len(),
            }
        };
        let chunk = &buf[..cut];
        if facts.first_time.is_none() {
            facts.first_time = first_time(chunk, grammar);
        }
        if let Some(t) = last_time(chunk, grammar) {
            facts.last_time = Some(t);
        }
        match scanner {
            Some(s) => scan_chunk(s, rules, chunk, first_line, &mut facts, &mut by_rule),
            None => {
                for sig in rules.scan(Scope::Console, chunk, path, first_line) {
                    let trouble = rules.get(&sig.rule).is_some_and(|r| r.trouble);
                    absorb(
                        &mut facts,
                        &mut by_rule,
                        &sig.rule,
                        trouble,
                        sig.loc.line.unwrap_or(0),
                        &sig.text,
                        &sig.captures,
                        rules,
                    );
                }
            }
        }
        // Only a log longer than a chunk needs its lines counted whole.
        if !eof {
            first_line += count_lines(chunk) as u32;
        }
        buf.drain(..cut);
    }
    facts
}

/// One pass of the combined regex over a chunk; the set only on hit lines.
fn scan_chunk(
    s: &Scanner,
    rules: &RuleSet,
    chunk: &[u8],
    first_line: u32,
    facts: &mut ConsoleFacts,
    by_rule: &mut BTreeMap<String, usize>,
) {
    // Every line any group hits, as (start, end) byte offsets, in order.
    let mut lines: Vec<(usize, usize)> = Vec::new();
    for re in &s.any {
        let mut pos = 0;
        while pos < chunk.len() {
            let Some(m) = re.find_at(chunk, pos) else {
                break;
            };
            let ls = chunk[..m.start()]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1);
            let le = chunk[m.start()..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(chunk.len(), |i| m.start() + i);
            lines.push((ls, le));
            pos = le + 1;
        }
    }
    lines.sort_unstable();
    lines.dedup();
    // Lines are counted lazily, only up to each trouble hit: the `run:`
    // lines need no line number, and a healthy log has no other hit.
    let mut counted_to = 0;
    let mut line_no = first_line;
    for (ls, le) in lines {
        let raw = &chunk[ls..le];
        let stripped;
        let line: &[u8] = if raw.contains(&0x1b) {
            stripped = crate::rules::strip_ansi(raw);
            &stripped
        } else {
            raw
        };
        let text = String::from_utf8_lossy(line);
        let text = text.trim_end();
        let hits = s.set.matches(line);
        if hits.iter().any(|i| s.trouble[i]) {
            line_no += count_lines(&chunk[counted_to..ls]) as u32;
            counted_to = ls;
        }
        for i in hits.iter() {
            let id = &s.ids[i];
            // A match must lie within the line, as RuleSet::scan requires.
            let Some(caps) = rules.rule(id).captures(text) else {
                continue;
            };
            absorb(
                facts,
                by_rule,
                id,
                s.trouble[i],
                line_no,
                text,
                &caps,
                rules,
            );
        }
    }
}

/// Counts `\n` bytes. Written so the compiler vectorises it: byte-wide
/// counters over 32-byte blocks, summed before they can overflow. The
/// naive `filter().count()` widens every byte to 64 bits and was a fifth of
/// the index's time on a year of logs.
fn count_lines(bytes: &[u8]) -> usize {
    const LANES: usize = 32;
    let mut total = 0;
    for block in bytes.chunks(LANES * 255) {
        let mut acc = [0u8; LANES];
        let mut lanes = block.chunks_exact(LANES);
        for c in &mut lanes {
            for (a, &b) in acc.iter_mut().zip(c) {
                *a += u8::from(b == b'\n');
            }
        }
        total += acc.iter().map(|&a| usize::from(a)).sum::<usize>();
        total += lanes.remainder().iter().filter(|&&b| b == b'\n').count();
    }
    total
}

/// Folds one rule hit into the facts.
#[allow(clippy::too_many_arguments)]
fn absorb(
    facts: &mut ConsoleFacts,
    by_rule: &mut BTreeMap<String, usize>,
    id: &str,
    trouble: bool,
    line: u32,
    text: &str,
    caps: &BTreeMap<String, String>,
    rules: &RuleSet,
) {
    match id {
        ids::RUN_START if facts.recipe.is_none() => {
            facts.recipe = caps.get("recipe").cloned();
            facts.version = caps.get("version").cloned();
            facts.git_ref = caps.get("ref").cloned();
        }
        ids::RUN_RESULT => {
            if let Some(list) = caps.get("results") {
                facts.results.clear();
                for item in rules.rule(ids::RESULT_ITEM).captures_iter(list) {
                    let tier = item.get("tier").and_then(|t| crate::model::Tier::parse(t));
                    let status = item.get("status").and_then(|v| TierStatus::parse(v));
                    if let (Some(t), Some(st)) = (tier, status) {
                        facts.results.insert(t.as_str().to_string(), st);
                    }
                }
            }
        }
        _ => {}
    }
    if trouble {
        match by_rule.get(id) {
            Some(&i) => facts.signals[i].count += 1,
            None => {
                by_rule.insert(id.to_string(), facts.signals.len());
                facts.signals.push(SignalRow {
                    rule: id.to_string(),
                    line,
                    text: text.chars().take(MESSAGE_MAX).collect(),
                    count: 1,
                });
            }
        }
    }
}

/// The time of the first line of `chunk` that fits the console grammar,
/// looking at the first lines only (a preamble is short).
fn first_time(chunk: &[u8], grammar: &crate::rules::Rule) -> Option<Timestamp> {
    chunk
        .split(|&b| b == b'\n')
        .take(200)
        .find_map(|l| line_time(l, grammar))
}

/// The time of the last line of `chunk` that fits the grammar, looking at
/// the last lines only (a trailing traceback is short).
fn last_time(chunk: &[u8], grammar: &crate::rules::Rule) -> Option<Timestamp> {
    chunk
        .rsplit(|&b| b == b'\n')
        .take(200)
        .find_map(|l| line_time(l, grammar))
}

fn line_time(line: &[u8], grammar: &crate::rules::Rule) -> Option<Timestamp> {
    // Cheap gate before the grammar: an event line starts with a digit.
    if !line.first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let text = String::from_utf8_lossy(line);
    let caps = grammar.captures(text.trim_end_matches('\r'))?;
    log::parse_time(caps.get("time")?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_lines_counts_every_newline() {
        let mut text = Vec::new();
        for i in 0..20_000 {
            text.extend_from_slice(format!("line {i}\n").as_bytes());
        }
        assert_eq!(count_lines(&text), 20_000);
        assert_eq!(count_lines(&text[..7]), 1);
        assert_eq!(count_lines(b""), 0);
    }

    #[test]
    fn the_builtin_rules_combine_into_one_scanner() {
        let rules = RuleSet::builtin();
        let s = Scanner::new(&rules).expect("the console rules combine");
        assert!(s.ids.iter().any(|id| id == ids::RUN_START));
        assert!(
            s.ids
                .iter()
                .all(|id| rules.get(id).is_some_and(|r| r.scope == Scope::Console))
        );
        // The combined regex finds what the rule finds.
        let line = b"2026-06-01T00:00:00Z INFO run: end rc=143";
        assert!(s.any.iter().any(|re| re.is_match(line)));
        // A signature among the noise is found, and by its own rule.
        let line = b"2026-06-01T00:00:00Z ERROR deploy: toomanyrequests: slow down";
        let hit: Vec<&str> = s
            .set
            .matches(line)
            .iter()
            .map(|i| s.ids[i].as_str())
            .collect();
        assert_eq!(hit, [ids::HARNESS_PULL_RATE_LIMIT]);
        assert!(s.any.iter().any(|re| re.is_match(line)));
        let line = b"2026-06-01T00:00:00Z INFO run: end rc=143";
        let hit: Vec<&str> = s
            .set
            .matches(line)
            .iter()
            .map(|i| s.ids[i].as_str())
            .collect();
        assert!(
            hit.contains(&ids::RUN_END) && hit.contains(&ids::HARNESS_KILLED),
            "{hit:?}"
        );
    }
}
