//! Rules: everything that recognises text, as data.
//!
//! A rule is a regular expression with the documentation a reader needs
//! (what the line means, which tool prints it, what to do about it) and
//! examples that must and must not match. The files live in `rules/*.toml`
//! at the top of the repository; they are compiled into the binary as the
//! default set, and `--rules DIR` swaps in another set without a rebuild,
//! so fitting the tool to cc-ci's real console is an edit of data, not of
//! code.
//!
//! Code decides; rules recognise. Rust code in this crate never holds a
//! regular expression that recognises log or message text: it asks this
//! module whether a rule matched, reads the rule's named captures and its
//! declared [`Role`].
//!
//! cc-ci's consoles have no grammar of their own (cc-ci-runs.md §4): a
//! line is whatever a tool printed, after whatever prefix the capture put
//! before it (none, a timestamp, journald's, a Drone step's). So rules of
//! the scanned scopes match anywhere on a line and may not anchor at its
//! start (a test checks it); the `prefix` rules, the only anchored ones,
//! say where a line's payload starts and what time the prefix gives
//! ([`RuleSet::prefix`]).
//!
//! Scanning is one pass of the literals a scope's rules require
//! (`prefilter.rs`: one SIMD multi-literal search over a chunk); on each
//! line holding one, only the rules whose literal stands there and whose
//! confirming literals are on the line too are matched, then captured,
//! and each stops at its per-rule cap. A scope whose rules give no such
//! literals is searched with all its patterns at once instead (one
//! automaton for the lines, a [`RegexSet`] for which rules matched on
//! each). Rules are compiled with Unicode classes off (`\w`,
//! `\d` are ASCII): the inputs are ASCII-shaped logs, and Unicode classes
//! make a large set's lazy DFA slow by orders of magnitude (see
//! `shared/style.md`).

mod builtin;
mod docs;
mod prefilter;
mod time;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::Path;

use jiff::Timestamp;
use regex::bytes::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use serde::{Deserialize, Serialize};
use strum::{Display, EnumString, IntoStaticStr};

use crate::error::{Error, Result};
use crate::model::{Captures, Loc, Role, Signal};

pub use builtin::BUILTIN;
pub use docs::{README_BEGIN, README_END, readme_table, to_json, to_rows};
pub use time::TimeFormat;

/// Which text a rule is run over.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    Display,
    EnumString,
    IntoStaticStr,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum Scope {
    /// A line's prefix (a timestamp, journald's, a Drone step's): anchored
    /// at the line's start; the match's end is where the payload starts.
    Prefix,
    /// A field a reader already cut out of a line (a sweep label, a RESULT
    /// list): applied to that field, never scanned.
    Grammar,
    /// Lines of a run's console, and of the runs' output a sweep log
    /// interleaves.
    Console,
    /// The sweep's own lines in a canon sweep log.
    Sweep,
    /// What names a run in a console (run id, recipe, domain, version):
    /// scanned only over a console that must be matched to its run, so
    /// that its unanchored patterns never slow the scan of every log.
    Identity,
    /// A failed test's message and body (pytest's assertion rewrite).
    Message,
    /// A value in a recipe's compose file (a backupbot hook command).
    Label,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Scopes whose rules are scanned over whole buffers, so must not
    /// anchor at a line's start.
    pub fn is_scanned(self) -> bool {
        matches!(
            self,
            Scope::Console | Scope::Sweep | Scope::Message | Scope::Identity
        )
    }
}

/// A rule as its author writes it in TOML.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    id: String,
    scope: Scope,
    summary: String,
    printed_by: String,
    #[serde(default)]
    means: String,
    /// What the line means to the code that decides (default `fact`).
    #[serde(default)]
    role: Role,
    /// What to do about it, for whoever must act (harness signatures).
    #[serde(default)]
    fix: String,
    /// Prefix rules: how to read the `time` capture.
    #[serde(default)]
    time_format: Option<TimeFormat>,
    pattern: String,
    must_match: Vec<String>,
    must_not_match: Vec<String>,
    /// Captures the first `must_match` example must produce.
    #[serde(default)]
    captures: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    #[serde(default)]
    rule: Vec<RuleSpec>,
}

/// A compiled rule.
#[derive(Clone, Debug)]
pub struct Rule {
    /// `area.what`, e.g. `deploy.timeout`. Unique in a set. Shared with
    /// every sign of the rule a triage holds, as the summary is.
    pub id: std::sync::Arc<str>,
    pub scope: Scope,
    /// One line: what the matched line says. Shared with every sign of
    /// the rule a triage holds.
    pub summary: std::sync::Arc<str>,
    /// Which tool prints the line.
    pub printed_by: String,
    /// What it usually means and what causes it.
    pub means: String,
    pub role: Role,
    /// What to do about it (harness signatures carry one), shared as the
    /// summary is.
    pub fix: Option<std::sync::Arc<str>>,
    pub time_format: Option<TimeFormat>,
    pub pattern: String,
    pub must_match: Vec<String>,
    pub must_not_match: Vec<String>,
    pub captures: BTreeMap<String, String>,
    /// The file the rule came from.
    pub file: String,
    regex: Regex,
}

impl Rule {
    /// Runs the rule on one line; returns its named captures (the whole
    /// match as `0`) when it matches.
    pub fn captures(&self, line: &str) -> Option<Captures> {
        let caps = self.regex.captures(line.as_bytes())?;
        Some(self.named(&caps, true))
    }

    /// Every match of the rule in `text`, as named captures.
    pub fn captures_iter(&self, text: &str) -> Vec<Captures> {
        self.regex
            .captures_iter(text.as_bytes())
            .map(|c| self.named(&c, true))
            .collect()
    }

    pub fn is_match(&self, text: &str) -> bool {
        self.regex.is_match(text.as_bytes())
    }

    /// A sign that something went wrong (from the role).
    pub fn is_trouble(&self) -> bool {
        self.role.is_trouble()
    }

    /// Whether the pattern has a named group.
    fn has_names(&self) -> bool {
        self.regex.capture_names().flatten().next().is_some()
    }

    /// The named groups that took part in the match, and the whole match
    /// as `0` when `whole`.
    fn named(&self, caps: &regex::bytes::Captures<'_>, whole: bool) -> Captures {
        let whole = caps
            .get(0)
            .filter(|_| whole)
            .map(|m| ("0".to_string(), clip_lossy(m.as_bytes(), MAX_CAPTURE)));
        let names = self.regex.capture_names().flatten().filter_map(|name| {
            let m = caps.name(name)?;
            Some((name.to_string(), clip_lossy(m.as_bytes(), MAX_CAPTURE)))
        });
        whole.into_iter().chain(names).collect()
    }
}

/// The longest capture kept; a capture is a name, a version, a reason.
const MAX_CAPTURE: usize = 1024;

/// The longest line text a signal keeps; the file keeps the rest.
pub const MAX_SIGNAL_TEXT: usize = 2048;

/// Bytes as text, invalid UTF-8 replaced, cut at `max` bytes on a
/// character boundary.
pub fn clip_lossy(bytes: &[u8], max: usize) -> String {
    let s = String::from_utf8_lossy(&bytes[..bytes.len().min(max + 4)]);
    if s.len() <= max {
        return s.into_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// One scope's rules compiled into a single set.
#[derive(Clone, Debug)]
struct ScopeSet {
    /// The patterns as one set, for a scope whose lines are found by its
    /// patterns (a literal scope has no use for it, and it is the largest
    /// part of the compiled rules).
    set: Option<RegexSet>,
    /// The lines the set may match.
    lines: prefilter::LineFinder,
    /// Index into `RuleSet::rules` for each pattern of `set`.
    rules: Vec<usize>,
}

/// A compiled set of rules.
impl ScopeSet {
    /// The patterns that may match `line`, ascending, into `on`: those its
    /// literals stand for (searched from `from`, where the first one found
    /// starts), else those the set finds. `true` when each must still be
    /// tried ([`ScopeSet::holds`]).
    fn candidates(&self, line: &[u8], from: usize, on: &mut Vec<usize>) -> bool {
        let alone = self.lines.patterns_on(&line[from..], on);
        if let (false, Some(set)) = (alone, &self.set) {
            on.extend(set.matches(line).iter());
        }
        alone
    }

    /// Whether candidate `pattern` (rule `rule`) matches `line`: its
    /// confirming literals, then its own pattern; a candidate the set found
    /// matches already.
    fn holds(&self, pattern: usize, rule: &Rule, line: &[u8], alone: bool) -> bool {
        !alone || (self.lines.confirms(pattern, line) && rule.regex.is_match(line))
    }
}

#[derive(Clone, Debug)]
pub struct RuleSet {
    rules: Vec<Rule>,
    by_id: HashMap<String, usize>,
    scopes: HashMap<Scope, ScopeSet>,
    /// Prefix rules, in file order, each with its pattern compiled for an
    /// anchored search (a line without that prefix is refused at its first
    /// bytes, not searched through).
    prefixes: Vec<(usize, prefilter::Anchored)>,
    /// Names this reader: the tool's version and the rule files' text. An
    /// index of summaries made by another reader is read again.
    digest: String,
}

/// A rule whose examples do not behave as the rule says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExampleFailure {
    pub rule: String,
    pub problem: String,
}

impl fmt::Display for ExampleFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rule {}: {}", self.rule, self.problem)
    }
}

/// How many signals of each rule a scan keeps, across the chunks of one
/// file. A health check polled every second matches thousands of lines;
/// the verdicts need the first few, and capturing the rest is the cost a
/// scan must not pay.
#[derive(Clone, Debug)]
pub struct Caps {
    per_rule: usize,
    seen: HashMap<usize, usize>,
}

impl Caps {
    pub fn new(per_rule: usize) -> Caps {
        Caps {
            per_rule,
            seen: HashMap::new(),
        }
    }

    fn full(&self, rule: usize) -> bool {
        self.seen.get(&rule).is_some_and(|&n| n >= self.per_rule)
    }

    fn take(&mut self, rule: usize) {
        *self.seen.entry(rule).or_default() += 1;
    }
}

/// A line's prefix, as the prefix rules read it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Prefix {
    /// Where the payload starts (bytes into the line).
    pub payload: usize,
    /// The time the prefix gives.
    pub time: Option<Timestamp>,
    /// The prefix's time is relative (seconds into a step), not a clock.
    pub relative: bool,
}

/// The most compiled program memory a pattern or set may use.
const SIZE_LIMIT: usize = 64 << 20;

/// A scope's patterns as one set.
fn pattern_set(patterns: &[&str]) -> std::result::Result<RegexSet, regex::Error> {
    RegexSetBuilder::new(patterns)
        .unicode(false)
        .multi_line(true)
        .size_limit(SIZE_LIMIT)
        .dfa_size_limit(SIZE_LIMIT)
        .build()
}

fn compile(pattern: &str) -> std::result::Result<Regex, regex::Error> {
    RegexBuilder::new(pattern)
        .unicode(false)
        .multi_line(true)
        .size_limit(SIZE_LIMIT)
        .build()
}

impl RuleSet {
    /// The rules compiled into the binary (`rules/*.toml` at build time).
    pub fn builtin() -> RuleSet {
        RuleSet::from_sources(BUILTIN)
            .expect("the built-in rules compile (checked by the test suite)")
    }

    /// Loads every `*.toml` file in `dir` (regular files only, each under
    /// a cap).
    pub fn from_dir(dir: &Path) -> Result<RuleSet> {
        let entries = std::fs::read_dir(dir).map_err(|e| {
            Error::usage(format!(
                "{}: cannot read the rules directory: {}",
                dir.display(),
                crate::fsx::io_problem(&e)
            ))
            .with_hint("pass a directory of rule files (*.toml), e.g. --rules rules/")
        })?;
        let mut files = Vec::new();
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "toml") {
                let (text, _) = crate::fsx::read_text(&path, crate::fsx::cap::RULES)
                    .map_err(|e| Error::usage(format!("{}: {e}", path.display())))?;
                files.push((path.display().to_string(), text));
            }
        }
        files.sort();
        if files.is_empty() {
            return Err(Error::usage(format!(
                "{}: no *.toml rule files",
                dir.display()
            )));
        }
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .collect();
        RuleSet::from_sources(&refs)
    }

    /// Compiles rules from `(file name, TOML text)` pairs. Fails on a TOML
    /// error, a bad pattern, a duplicate id, or a missing rule the code
    /// needs (see [`ids::REQUIRED`]), naming the file and the rule.
    pub fn from_sources(sources: &[(&str, &str)]) -> Result<RuleSet> {
        let mut specs = Vec::new();
        for (file, text) in sources {
            let parsed: RuleFile = toml::from_str(text)
                .map_err(|e| Error::usage(format!("{file}: not a rules file: {e}")))?;
            specs.extend(parsed.rule.into_iter().map(|spec| (*file, spec)));
        }
        // Compiled on every core: the patterns are most of the tool's start.
        let compiled = crate::par::map(&specs, |(_, spec)| compile(&spec.pattern));
        let mut rules = Vec::new();
        let mut by_id = HashMap::new();
        for ((file, spec), regex) in specs.into_iter().zip(compiled) {
            let regex = regex
                .map_err(|e| Error::usage(format!("{file}: rule {}: bad pattern: {e}", spec.id)))?;
            if spec.scope == Scope::Prefix && spec.time_format.is_none() {
                return Err(Error::usage(format!(
                    "{file}: rule {}: a prefix rule needs `time_format`",
                    spec.id
                ))
                .with_hint("use time_format = \"rfc3339\", \"syslog\" or \"none\""));
            }
            if by_id.insert(spec.id.clone(), rules.len()).is_some() {
                return Err(Error::usage(format!(
                    "{file}: rule {} is defined twice; ids must be unique",
                    spec.id
                )));
            }
            rules.push(Rule {
                id: spec.id.into(),
                scope: spec.scope,
                summary: spec.summary.into(),
                printed_by: spec.printed_by,
                means: spec.means,
                role: spec.role,
                fix: Some(spec.fix).filter(|f| !f.is_empty()).map(Into::into),
                time_format: spec.time_format,
                pattern: spec.pattern,
                must_match: spec.must_match,
                must_not_match: spec.must_not_match,
                captures: spec.captures,
                file: file.to_string(),
                regex,
            });
        }
        for id in ids::REQUIRED {
            if !by_id.contains_key(*id) {
                return Err(Error::usage(format!(
                    "the rules define no `{id}`, which ccci-triage needs"
                ))
                .with_hint("copy that rule from the built-in rules/ and adapt its pattern"));
            }
        }
        let mut scopes: HashMap<Scope, ScopeSet> = HashMap::new();
        let mut grouped: BTreeMap<Scope, Vec<usize>> = BTreeMap::new();
        for (i, r) in rules.iter().enumerate() {
            grouped.entry(r.scope).or_default().push(i);
        }
        let prefixes = grouped
            .get(&Scope::Prefix)
            .into_iter()
            .flatten()
            .map(|&i| {
                prefilter::Anchored::new(&rules[i].pattern, SIZE_LIMIT)
                    .map(|a| (i, a))
                    .map_err(|e| {
                        Error::usage(format!(
                            "{}: rule {}: bad pattern: {e}",
                            rules[i].file, rules[i].id
                        ))
                    })
            })
            .collect::<Result<Vec<_>>>()?;
        // Each scope's line finder (its literals, its confirming sets) is
        // made on a core of its own.
        let grouped: Vec<(Scope, Vec<usize>)> = grouped.into_iter().collect();
        let finders = crate::par::map(&grouped, |(scope, idx)| {
            let patterns: Vec<&str> = idx.iter().map(|&i| rules[i].pattern.as_str()).collect();
            let lines = prefilter::LineFinder::new(&patterns, SIZE_LIMIT)
                .map_err(|e| Error::usage(format!("rules of scope {scope}: {e}")))?;
            let set = if lines.is_literal() {
                None
            } else {
                Some(
                    pattern_set(&patterns)
                        .map_err(|e| Error::usage(format!("rules of scope {scope}: {e}")))?,
                )
            };
            Ok((lines, set))
        });
        for ((scope, idx), finder) in grouped.into_iter().zip(finders) {
            let (lines, set) = finder?;
            scopes.insert(
                scope,
                ScopeSet {
                    set,
                    lines,
                    rules: idx,
                },
            );
        }
        let digest = {
            use std::hash::Hasher;
            let mut h = crate::ingest::Fnv::default();
            for (file, text) in sources {
                h.write(file.as_bytes());
                h.write(&[0]);
                h.write(text.as_bytes());
                h.write(&[0]);
            }
            format!("{} {:016x}", env!("CARGO_PKG_VERSION"), h.finish())
        };
        Ok(RuleSet {
            rules,
            by_id,
            scopes,
            prefixes,
            digest,
        })
    }

    /// The tool's version and a hash of the rule files: what an index of
    /// summaries was made with.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.by_id.get(id).map(|&i| &self.rules[i])
    }

    /// The id `id` as the set holds it, shared (a new one for an id the
    /// set does not know: a signal read back from an older index).
    pub fn shared_id(&self, id: &str) -> std::sync::Arc<str> {
        self.get(id).map_or_else(|| id.into(), |r| r.id.clone())
    }

    /// The rule `id`, which must exist: every id the code uses is in
    /// [`ids::REQUIRED`] and checked when the set is built.
    pub fn rule(&self, id: &str) -> &Rule {
        self.get(id)
            .unwrap_or_else(|| panic!("rule {id} is used by the code but not in ids::REQUIRED"))
    }

    /// Runs rule `id` on one line.
    pub fn captures(&self, id: &str, line: &str) -> Option<Captures> {
        self.rule(id).captures(line)
    }

    /// Whether rule `id` matches anywhere in `text`.
    pub fn is_match(&self, id: &str, text: &str) -> bool {
        self.rule(id).is_match(text)
    }

    /// Reads a line's prefixes: each prefix rule in turn, repeatedly (a
    /// journald prefix before a `ts` timestamp), until none matches. The
    /// time is the first prefix's that gives one. `year` stands in for
    /// prefixes that print none (syslog's `Jun 17 03:09:12`).
    pub fn prefix(&self, line: &[u8], year: i16) -> Prefix {
        let mut out = Prefix::default();
        let mut at = 0;
        for _ in 0..4 {
            let rest = &line[at..];
            let hit = self
                .prefixes
                .iter()
                .find_map(|(i, re)| Some((&self.rules[*i], re.at_start(rest)?)));
            let Some((rule, m)) = hit else { break };
            if out.time.is_none()
                && let (Some(t), Some(fmt)) = (m.time, rule.time_format)
            {
                let text = String::from_utf8_lossy(&rest[t]);
                out.time = fmt.parse(&text, year);
                out.relative = fmt == TimeFormat::Seconds;
            }
            at += m.end;
        }
        out.payload = at;
        out
    }

    /// Scans a buffer with every rule of `scope`, keeping at most `caps`'
    /// per-rule count of signals across calls, in line order.
    /// `first_line` is the line number of the buffer's first line. ANSI
    /// colour codes are stripped before matching; line numbers are those
    /// of the raw text. `year` is for prefixes without one.
    pub fn scan(
        &self,
        scope: Scope,
        text: &[u8],
        path: &Path,
        first_line: u32,
        caps: &mut Caps,
        year: i16,
    ) -> Vec<Signal> {
        self.scan_counted(scope, text, path, first_line, caps, year)
            .0
    }

    /// [`RuleSet::scan`], and how many lines `text` holds (as
    /// [`LineIndex::count_lines`] counts them), counted on the way.
    pub fn scan_counted(
        &self,
        scope: Scope,
        text: &[u8],
        path: &Path,
        first_line: u32,
        caps: &mut Caps,
        year: i16,
    ) -> (Vec<Signal>, usize) {
        let Some(scope_set) = self.scopes.get(&scope) else {
            return (Vec::new(), LineIndex::count_lines(text));
        };
        let raw_text = text;
        let stripped;
        let text: &[u8] = if text.contains(&0x1b) {
            stripped = strip_ansi(text);
            &stripped
        } else {
            text
        };
        let mut out = Vec::new();
        let mut on = Vec::new();
        // Line `line` (0-based) starts at `counted`.
        let (mut line, mut counted) = (0usize, 0usize);
        let mut at = 0;
        while at < text.len() {
            let Some((start, end, hit)) = scope_set.lines.next_line(text, at) else {
                break;
            };
            line += memchr::memchr_iter(b'\n', &text[counted..start]).count();
            counted = start;
            at = end + 1;
            let raw = &text[start..end];
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            // No literal starts before the first one found.
            let from = (hit - start).min(raw.len());
            let alone = scope_set.candidates(raw, from, &mut on);
            for &pattern in &on {
                let idx = scope_set.rules[pattern];
                if caps.full(idx) {
                    continue;
                }
                let rule = &self.rules[idx];
                if !scope_set.holds(pattern, rule, raw, alone) {
                    continue;
                }
                // A signal keeps the named groups only (its text is the
                // line): a rule without any is not run again to find them.
                let captures = if rule.has_names() {
                    let Some(c) = rule.regex.captures(raw) else {
                        continue;
                    };
                    rule.named(&c, false)
                } else {
                    Captures::default()
                };
                let prefix = self.prefix(raw, year);
                let text = clip_lossy(raw, MAX_SIGNAL_TEXT);
                let payload = prefix.payload.min(text.len());
                out.push(Signal {
                    rule: rule.id.to_string(),
                    role: rule.role,
                    loc: Loc::new(path, Some(first_line + line as u32)),
                    text: text.trim_end().to_string(),
                    payload: if text.is_char_boundary(payload) {
                        payload
                    } else {
                        0
                    },
                    captures,
                });
                caps.take(idx);
            }
        }
        out.sort_by(|a, b| {
            a.loc
                .line
                .cmp(&b.loc.line)
                .then_with(|| a.rule.cmp(&b.rule))
        });
        // The lines after the last one matched (in the text as given:
        // stripping a colour code may empty a last line).
        let total = if text.len() == raw_text.len() {
            line + LineIndex::count_lines(&text[counted..])
        } else {
            LineIndex::count_lines(raw_text)
        };
        (out, total)
    }

    /// The same rules with every scope's lines found by its patterns
    /// (not its literals): what the literal search must agree with.
    #[cfg(test)]
    fn without_literal_search(&self) -> RuleSet {
        let mut slow = self.clone();
        for s in slow.scopes.values_mut() {
            let patterns: Vec<&str> = s
                .rules
                .iter()
                .map(|&i| self.rules[i].pattern.as_str())
                .collect();
            s.lines = prefilter::LineFinder::patterns(&patterns, SIZE_LIMIT).unwrap();
            s.set = Some(pattern_set(&patterns).unwrap());
        }
        slow
    }

    /// Whether any rule of `scope` with a role other than `Identity` or
    /// `Benign` matches `line`: a line worth quoting as what a run was
    /// doing.
    pub fn recognises(&self, scope: Scope, line: &[u8]) -> bool {
        let Some(s) = self.scopes.get(&scope) else {
            return false;
        };
        // A fact (abra's `FATA …`, a health status) says what the run was
        // doing; who it is and what is harmless do not.
        let mut on = Vec::new();
        let alone = s.candidates(line, 0, &mut on);
        on.into_iter().any(|p| {
            let rule = &self.rules[s.rules[p]];
            !matches!(rule.role, Role::Identity | Role::Benign) && s.holds(p, rule, line, alone)
        })
    }

    /// Scans a short text (a failure message and body) as a whole: one
    /// signal per rule, the first matching line, located at `loc`.
    pub fn scan_message(&self, text: &str, loc: &Loc) -> Vec<Signal> {
        let mut caps = Caps::new(1);
        let mut signals = self.scan(Scope::Message, text.as_bytes(), &loc.path, 1, &mut caps, 0);
        // Harness signatures and routing signs in a test's own output count
        // too (verdicts.md: a harness signature decides wherever it stands).
        signals.extend(
            self.scan(Scope::Console, text.as_bytes(), &loc.path, 1, &mut caps, 0)
                .into_iter()
                .filter(|s| s.role.is_trouble()),
        );
        let mut seen = std::collections::HashSet::new();
        signals.retain(|s| seen.insert(s.rule.clone()));
        for s in &mut signals {
            s.loc = loc.clone();
        }
        signals
    }

    /// Checks every rule against its examples: each `must_match` line must
    /// match, each `must_not_match` line must not, the first `must_match`
    /// must give the `captures` declared, a rule must have at least one
    /// example of each kind, and a scanned rule may not anchor at the
    /// line's start (a prefix may stand there).
    pub fn check_examples(&self) -> Vec<ExampleFailure> {
        let mut out = Vec::new();
        for rule in &self.rules {
            let fail = |problem: String| ExampleFailure {
                rule: rule.id.to_string(),
                problem,
            };
            if rule.must_match.is_empty() {
                out.push(fail("has no must_match example".into()));
            }
            if rule.must_not_match.is_empty() {
                out.push(fail("has no must_not_match example".into()));
            }
            if rule.scope.is_scanned() && rule.pattern.starts_with('^') {
                out.push(fail(
                    "anchors at the line's start; a prefix (timestamp, journald) may stand there: \
                     match the payload anywhere on the line"
                        .into(),
                ));
            }
            if rule.role == Role::Harness && rule.fix.is_none() {
                out.push(fail("is a harness signature without a `fix`".into()));
            }
            for ex in &rule.must_match {
                if rule.captures(ex).is_none() {
                    out.push(fail(format!(
                        "does not match its must_match example {ex:?}"
                    )));
                }
                if rule.scope.is_scanned() {
                    // The set must agree with the rule alone.
                    let scanned = self.scan(
                        rule.scope,
                        ex.as_bytes(),
                        Path::new("example"),
                        1,
                        &mut Caps::new(1),
                        2026,
                    );
                    if !scanned.iter().any(|s| *s.rule == *rule.id) {
                        out.push(fail(format!("is not found by a scan of {ex:?}")));
                    }
                }
            }
            for ex in &rule.must_not_match {
                if rule.is_match(ex) {
                    out.push(fail(format!("matches its must_not_match example {ex:?}")));
                }
            }
            if let (Some(first), false) = (rule.must_match.first(), rule.captures.is_empty()) {
                let got = rule.captures(first).unwrap_or_default();
                for (name, want) in &rule.captures {
                    match got.get(name) {
                        Some(v) if v == want => {}
                        other => out.push(fail(format!(
                            "capture `{name}` of {first:?} is {other:?}, expected {want:?}"
                        ))),
                    }
                }
            }
        }
        out
    }
}

/// Removes ANSI escape sequences (CSI `ESC [ … final` and two-byte `ESC x`)
/// without touching newlines, so line numbers stay those of the raw text.
pub fn strip_ansi(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        if text[i] == 0x1b {
            if text.get(i + 1) == Some(&b'[') {
                i += 2;
                while i < text.len() && !(0x40..=0x7e).contains(&text[i]) && text[i] != b'\n' {
                    i += 1;
                }
                if text.get(i) != Some(&b'\n') {
                    i += 1;
                }
            } else if text.get(i + 1) == Some(&b'\n') {
                i += 1;
            } else {
                i += 2;
            }
            continue;
        }
        out.push(text[i]);
        i += 1;
    }
    out
}

/// Byte offsets of line starts, to turn a match offset into a line number.
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &[u8]) -> LineIndex {
        let mut starts = Vec::with_capacity(text.len() / 64 + 1);
        starts.push(0);
        starts.extend(memchr::memchr_iter(b'\n', text).map(|i| i + 1));
        LineIndex { starts }
    }

    /// Line `n` (0-based), without its `\r\n`.
    pub fn line<'a>(&self, text: &'a [u8], n: usize) -> &'a [u8] {
        let start = self.starts[n];
        let end = self.starts.get(n + 1).map(|&s| s - 1).unwrap_or(text.len());
        let line = &text[start..end.max(start)];
        line.strip_suffix(b"\r").unwrap_or(line)
    }

    /// How many lines `text` holds, without indexing them.
    pub fn count_lines(text: &[u8]) -> usize {
        let breaks = memchr::memchr_iter(b'\n', text).count();
        breaks + usize::from(!text.is_empty() && !text.ends_with(b"\n"))
    }

    /// How many lines (a trailing newline ends the last one).
    pub fn count(&self, text: &[u8]) -> usize {
        if text.is_empty() {
            0
        } else if text.ends_with(b"\n") {
            self.starts.len() - 1
        } else {
            self.starts.len()
        }
    }
}

/// The rule ids the code refers to. Each must exist in any rule set, built
/// in or given with `--rules`; [`RuleSet::from_sources`] checks it.
pub mod ids {
    // Grammar: fields cut out of lines.
    pub const RESULT_ITEM: &str = "grammar.result-item";
    pub const SWEEP_LABEL_PROMOTE_FAILED: &str = "grammar.sweep-label-promote-failed";
    pub const SWEEP_LABEL_RED: &str = "grammar.sweep-label-red";
    pub const SWEEP_LABEL_SKIP: &str = "grammar.sweep-label-skip";
    pub const SWEEP_LABEL_PROMOTED: &str = "grammar.sweep-label-promoted";
    pub const SWEEP_NEW_RELEASE: &str = "grammar.sweep-new-release";
    pub const IMAGE_REF: &str = "grammar.image-ref";

    // Console: the run's own lines.
    pub const RUN_START: &str = "run.start";
    pub const RUN_RESULT: &str = "run.result";
    pub const RUN_END: &str = "run.end";
    pub const TIER_START: &str = "tier.start";
    pub const TIER_FAIL: &str = "tier.fail";
    pub const TIER_EXPECTED_NA: &str = "tier.expected-na";
    pub const DEPLOY_CONVERGED: &str = "deploy.converged";
    pub const DEPLOY_FAILED: &str = "deploy.failed";
    pub const COMPOSE_UNDEFINED_DEP: &str = "compose.undefined-dependency";
    pub const PREPULL_CONFIG_FAILED: &str = "prepull.compose-config-failed";
    pub const HEALTH_NO_ANSWER: &str = "health.no-answer";
    pub const PROMOTE_FAILED: &str = "promote.failed";
    pub const UPGRADE_IDENTITY: &str = "upgrade.identity";

    // Identity: what matches a console to its run.
    pub const ID_RUN_ID: &str = "identity.run-id";
    pub const ID_RECIPE: &str = "identity.recipe";
    pub const ID_DOMAIN: &str = "identity.domain";
    pub const ID_VERSION: &str = "identity.version";

    // Sweep log.
    pub const SWEEP_BANNER: &str = "sweep.banner";
    pub const SWEEP_ENTRY: &str = "sweep.entry";
    pub const SWEEP_ENTRY_SKIP: &str = "sweep.entry-skip";
    pub const SWEEP_MIRROR_SYNC: &str = "sweep.mirror-sync";
    pub const SWEEP_ANY_LINE: &str = "sweep.line";
    pub const SWEEP_LEGACY_LINE: &str = "sweep.legacy-line";
    pub const SWEEP_RUN_ON_TAG: &str = "sweep.run-on-tag";
    pub const SWEEP_COLD_RC: &str = "sweep.cold-rc";
    pub const SWEEP_LEGACY_LABEL: &str = "sweep.legacy-label";
    pub const SWEEP_PROMOTE_FAILED: &str = "sweep.promote-failed";
    pub const SWEEP_CANONICAL_ADVANCED: &str = "sweep.canonical-advanced";

    // Failure messages.
    pub const MSG_ASSERT_EQ: &str = "message.assert-eq";
    pub const MSG_ASSERT_NOT_IN: &str = "message.assert-not-in";
    pub const MSG_ASSERT_IN: &str = "message.assert-in";
    pub const MSG_IMAGE_REF: &str = "message.image-ref";

    // Recipe labels.
    pub const LABEL_DB_DUMP: &str = "label.db-dump";
    pub const LABEL_DB_RESTORE: &str = "label.db-restore";
    pub const LABEL_DB_DATADIR: &str = "label.db-datadir";

    /// Every id above.
    pub const REQUIRED: &[&str] = &[
        RESULT_ITEM,
        SWEEP_LABEL_PROMOTE_FAILED,
        SWEEP_LABEL_RED,
        SWEEP_LABEL_SKIP,
        SWEEP_LABEL_PROMOTED,
        SWEEP_NEW_RELEASE,
        IMAGE_REF,
        RUN_START,
        RUN_RESULT,
        RUN_END,
        TIER_START,
        TIER_FAIL,
        TIER_EXPECTED_NA,
        DEPLOY_CONVERGED,
        DEPLOY_FAILED,
        COMPOSE_UNDEFINED_DEP,
        PREPULL_CONFIG_FAILED,
        HEALTH_NO_ANSWER,
        PROMOTE_FAILED,
        UPGRADE_IDENTITY,
        ID_RUN_ID,
        ID_RECIPE,
        ID_DOMAIN,
        ID_VERSION,
        SWEEP_BANNER,
        SWEEP_ENTRY,
        SWEEP_ENTRY_SKIP,
        SWEEP_MIRROR_SYNC,
        SWEEP_ANY_LINE,
        SWEEP_LEGACY_LINE,
        SWEEP_RUN_ON_TAG,
        SWEEP_COLD_RC,
        SWEEP_LEGACY_LABEL,
        SWEEP_PROMOTE_FAILED,
        SWEEP_CANONICAL_ADVANCED,
        MSG_ASSERT_EQ,
        MSG_ASSERT_NOT_IN,
        MSG_ASSERT_IN,
        MSG_IMAGE_REF,
        LABEL_DB_DUMP,
        LABEL_DB_RESTORE,
        LABEL_DB_DATADIR,
    ];
}

#[cfg(test)]
mod tests;
