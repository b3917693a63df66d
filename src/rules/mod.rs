//! Rules: everything that recognises text, as data.
//!
//! A rule is a regular expression with the documentation a reader needs
//! (what the line means, which tool prints it) and examples that must and
//! must not match. The files live in `rules/*.toml` at the top of the
//! repository; they are compiled into the binary as the default set, and
//! `--rules DIR` swaps in another set without a rebuild, so fitting the tool
//! to cc-ci's real console is an edit of data, not of code.
//!
//! Code decides; rules recognise. Rust code in this crate never holds a
//! regular expression that recognises log or message text: it asks this
//! module whether a rule matched and reads the rule's named captures.
//!
//! Scanning is one pass: every rule of a scope is compiled into one
//! [`RegexSet`] that is run once over the whole buffer; only the rules that
//! matched somewhere are then run to find their lines and captures. Rules
//! are compiled with Unicode classes off (`\w`, `\d` are ASCII), because the
//! inputs are ASCII-shaped logs and Unicode classes make a large set's lazy
//! DFA slow by orders of magnitude (see `shared/style.md`).

mod builtin;
mod docs;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::Path;

use regex::bytes::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{Loc, Signal};

pub use builtin::BUILTIN;
pub use docs::{README_BEGIN, README_END, readme_table, to_json, to_table};

/// Which text a rule is run over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// The structure of a log line (event, sweep line, key=value); used by
    /// the readers to parse, never scanned for signals.
    Grammar,
    /// Lines of a harness console log (`<run_id>.console.log`).
    Console,
    /// Lines of a canon sweep log.
    Sweep,
    /// A failed test's message and body (pytest's assertion rewrite).
    Message,
    /// A value in a recipe's compose file (a backupbot hook command).
    Label,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Grammar => "grammar",
            Scope::Console => "console",
            Scope::Sweep => "sweep",
            Scope::Message => "message",
            Scope::Label => "label",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
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
    pattern: String,
    must_match: Vec<String>,
    must_not_match: Vec<String>,
    /// Captures the first `must_match` example must produce.
    #[serde(default)]
    captures: BTreeMap<String, String>,
    /// The line is a sign that something went wrong (as opposed to a fact
    /// of a healthy run, like `deploy converged`). No trouble rule may fire
    /// on a green run; the test suite checks that on testdata.
    #[serde(default)]
    trouble: bool,
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
    /// `area.what`, e.g. `deploy.timeout`. Unique in a set.
    pub id: String,
    pub scope: Scope,
    /// One line: what the matched line says.
    pub summary: String,
    /// Which tool prints the line.
    pub printed_by: String,
    /// What it usually means and what causes it.
    pub means: String,
    pub pattern: String,
    pub must_match: Vec<String>,
    pub must_not_match: Vec<String>,
    pub captures: BTreeMap<String, String>,
    /// A sign of trouble (see the rules file header).
    pub trouble: bool,
    /// The file the rule came from.
    pub file: String,
    regex: Regex,
}

impl Rule {
    /// Runs the rule on one line; returns its named captures (the whole
    /// match as `0`) when it matches.
    pub fn captures(&self, line: &str) -> Option<BTreeMap<String, String>> {
        let caps = self.regex.captures(line.as_bytes())?;
        Some(self.named(&caps))
    }

    /// Every match of the rule in `text`, as named captures.
    pub fn captures_iter(&self, text: &str) -> Vec<BTreeMap<String, String>> {
        self.regex
            .captures_iter(text.as_bytes())
            .map(|c| self.named(&c))
            .collect()
    }

    pub fn is_match(&self, text: &str) -> bool {
        self.regex.is_match(text.as_bytes())
    }

    fn named(&self, caps: &regex::bytes::Captures<'_>) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        if let Some(m) = caps.get(0) {
            out.insert(
                "0".to_string(),
                String::from_utf8_lossy(m.as_bytes()).into_owned(),
            );
        }
        for name in self.regex.capture_names().flatten() {
            if let Some(m) = caps.name(name) {
                out.insert(
                    name.to_string(),
                    String::from_utf8_lossy(m.as_bytes()).into_owned(),
                );
            }
        }
        out
    }
}

/// One scope's rules compiled into a single set.
#[derive(Clone, Debug)]
struct ScopeSet {
    set: RegexSet,
    /// Index into `RuleSet::rules` for each pattern of `set`.
    rules: Vec<usize>,
}

/// A compiled set of rules.
#[derive(Clone, Debug)]
pub struct RuleSet {
    rules: Vec<Rule>,
    by_id: HashMap<String, usize>,
    scopes: HashMap<Scope, ScopeSet>,
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

/// The most compiled program memory a pattern or set may use. The default
/// (about 10 MiB) is enough for today's rules; the headroom keeps a larger
/// rule set from failing to compile.
const SIZE_LIMIT: usize = 64 << 20;

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

    /// Loads every `*.toml` file in `dir`.
    pub fn from_dir(dir: &Path) -> Result<RuleSet> {
        let entries = std::fs::read_dir(dir).map_err(|e| {
            Error::usage(format!(
                "{}: cannot read the rules directory: {e}",
                dir.display()
            ))
            .with_hint("pass a directory of rule files (*.toml), e.g. --rules rules/")
        })?;
        let mut files = Vec::new();
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "toml") {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| Error::usage(format!("{}: cannot read: {e}", path.display())))?;
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
        let mut rules = Vec::new();
        let mut by_id = HashMap::new();
        for (file, text) in sources {
            let parsed: RuleFile = toml::from_str(text)
                .map_err(|e| Error::usage(format!("{file}: not a rules file: {e}")))?;
            for spec in parsed.rule {
                let regex = compile(&spec.pattern).map_err(|e| {
                    Error::usage(format!("{file}: rule {}: bad pattern: {e}", spec.id))
                })?;
                if by_id.insert(spec.id.clone(), rules.len()).is_some() {
                    return Err(Error::usage(format!(
                        "{file}: rule {} is defined twice; ids must be unique",
                        spec.id
                    )));
                }
                rules.push(Rule {
                    id: spec.id,
                    scope: spec.scope,
                    summary: spec.summary,
                    printed_by: spec.printed_by,
                    means: spec.means,
                    pattern: spec.pattern,
                    must_match: spec.must_match,
                    must_not_match: spec.must_not_match,
                    captures: spec.captures,
                    trouble: spec.trouble,
                    file: file.to_string(),
                    regex,
                });
            }
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
        for (scope, idx) in grouped {
            let set = RegexSetBuilder::new(idx.iter().map(|&i| &rules[i].pattern))
                .unicode(false)
                .multi_line(true)
                .size_limit(SIZE_LIMIT)
                .dfa_size_limit(SIZE_LIMIT)
                .build()
                .map_err(|e| Error::usage(format!("rules of scope {scope}: {e}")))?;
            scopes.insert(scope, ScopeSet { set, rules: idx });
        }
        Ok(RuleSet {
            rules,
            by_id,
            scopes,
        })
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.by_id.get(id).map(|&i| &self.rules[i])
    }

    /// The rule `id`, which must exist: every id the code uses is in
    /// [`ids::REQUIRED`] and checked when the set is built.
    pub fn rule(&self, id: &str) -> &Rule {
        self.get(id)
            .unwrap_or_else(|| panic!("rule {id} is used by the code but not in ids::REQUIRED"))
    }

    /// Runs rule `id` on one line.
    pub fn captures(&self, id: &str, line: &str) -> Option<BTreeMap<String, String>> {
        self.rule(id).captures(line)
    }

    /// Whether rule `id` matches anywhere in `text`.
    pub fn is_match(&self, id: &str, text: &str) -> bool {
        self.rule(id).is_match(text)
    }

    /// Scans a buffer with every rule of `scope` and returns one signal per
    /// (rule, line), in line order. `first_line` is the line number of the
    /// buffer's first line (1 for a whole file). ANSI colour codes are
    /// stripped before matching; line numbers are those of the raw text.
    pub fn scan(&self, scope: Scope, text: &[u8], path: &Path, first_line: u32) -> Vec<Signal> {
        let Some(scope_set) = self.scopes.get(&scope) else {
            return Vec::new();
        };
        let stripped;
        let text: &[u8] = if text.contains(&0x1b) {
            stripped = strip_ansi(text);
            &stripped
        } else {
            text
        };
        let hits = scope_set.set.matches(text);
        if !hits.matched_any() {
            return Vec::new();
        }
        let lines = LineIndex::new(text);
        let mut out = Vec::new();
        for pattern in hits.iter() {
            let rule = &self.rules[scope_set.rules[pattern]];
            let mut last_line = None;
            for m in rule.regex.find_iter(text) {
                let n = lines.line_of(m.start());
                if last_line == Some(n) {
                    continue;
                }
                last_line = Some(n);
                let line = String::from_utf8_lossy(lines.line(text, n));
                // A rule matches a line: a match that only exists across a
                // line break (a `\s` eating the newline) does not count.
                let Some(captures) = rule.captures(&line) else {
                    continue;
                };
                out.push(Signal {
                    rule: rule.id.clone(),
                    loc: Loc::new(path, Some(first_line + n as u32)),
                    text: line.trim_end().to_string(),
                    captures,
                });
            }
        }
        out.sort_by(|a, b| {
            a.loc
                .line
                .cmp(&b.loc.line)
                .then_with(|| a.rule.cmp(&b.rule))
        });
        out
    }

    /// Scans a short text (a failure message) as a whole: one signal per
    /// rule, the first matching line, located at `loc`.
    pub fn scan_message(&self, text: &str, loc: &Loc) -> Vec<Signal> {
        let mut signals = self.scan(Scope::Message, text.as_bytes(), &loc.path, 1);
        let mut seen = std::collections::HashSet::new();
        signals.retain(|s| seen.insert(s.rule.clone()));
        for s in &mut signals {
            s.loc = loc.clone();
        }
        signals
    }

    /// Checks every rule against its examples: each `must_match` line must
    /// match, each `must_not_match` line must not, the first `must_match`
    /// must give the `captures` declared, and a rule must have at least one
    /// example of each kind.
    pub fn check_examples(&self) -> Vec<ExampleFailure> {
        let mut out = Vec::new();
        for rule in &self.rules {
            let fail = |problem: String| ExampleFailure {
                rule: rule.id.clone(),
                problem,
            };
            if rule.must_match.is_empty() {
                out.push(fail("has no must_match example".into()));
            }
            if rule.must_not_match.is_empty() {
                out.push(fail("has no must_not_match example".into()));
            }
            for ex in &rule.must_match {
                if rule.captures(ex).is_none() {
                    out.push(fail(format!(
                        "does not match its must_match example {ex:?}"
                    )));
                }
                // The set must agree with the rule alone.
                let scanned = self.scan(rule.scope, ex.as_bytes(), Path::new("example"), 1);
                if !scanned.iter().any(|s| s.rule == rule.id) {
                    out.push(fail(format!("is not found by a scan of {ex:?}")));
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
                while i < text.len() && !(0x40..=0x7e).contains(&text[i]) {
                    i += 1;
                }
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
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &[u8]) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(memchr_newlines(text));
        LineIndex { starts }
    }

    /// 0-based line of a byte offset.
    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset) - 1
    }

    fn line<'a>(&self, text: &'a [u8], n: usize) -> &'a [u8] {
        let start = self.starts[n];
        let end = self.starts.get(n + 1).map(|&s| s - 1).unwrap_or(text.len());
        let line = &text[start..end.max(start)];
        line.strip_suffix(b"\r").unwrap_or(line)
    }
}

fn memchr_newlines(text: &[u8]) -> impl Iterator<Item = usize> + '_ {
    text.iter()
        .enumerate()
        .filter(|&(_, &b)| b == b'\n')
        .map(|(i, _)| i + 1)
}

/// The rule ids the code refers to. Each must exist in any rule set, built
/// in or given with `--rules`; [`RuleSet::from_sources`] checks it.
pub mod ids {
    // Grammar: how lines are structured.
    pub const CONSOLE_EVENT: &str = "grammar.console-event";
    pub const KEY_VALUE: &str = "grammar.key-value";
    pub const RESULT_ITEM: &str = "grammar.result-item";
    pub const SWEEP_BANNER: &str = "grammar.sweep-banner";
    pub const SWEEP_LINE: &str = "grammar.sweep-line";
    pub const TIMESTAMP: &str = "grammar.timestamp";

    // Console: the harness's events.
    pub const RUN_START: &str = "run.start";
    pub const RUN_RESULT: &str = "run.result";
    pub const RUN_END: &str = "run.end";
    pub const TIER_START: &str = "tier.start";
    pub const TIER_FAIL: &str = "tier.fail";
    pub const TIER_EXPECTED_NA: &str = "tier.expected-na";
    pub const DEPLOY_CONVERGED: &str = "deploy.converged";
    pub const DEPLOY_TIMEOUT: &str = "deploy.timeout";
    pub const DEPLOY_FAILED: &str = "deploy.failed";
    pub const PREPULL_CONFIG_FAILED: &str = "prepull.compose-config-failed";
    pub const COMPOSE_UNDEFINED_DEP: &str = "compose.undefined-dependency";
    pub const HEALTH_STATUS: &str = "health.status";
    pub const HEALTH_NO_ANSWER: &str = "health.no-answer";
    pub const RESTORE_SNAPSHOT: &str = "backupbot.restore-snapshot";
    pub const RESTORE_POST_HOOK: &str = "backupbot.restore-post-hook";
    pub const BACKUP_PRE_HOOK: &str = "backupbot.backup-pre-hook";
    pub const UPGRADE_ROLLBACK: &str = "upgrade.rollback";
    pub const TLS_ASK_REFUSED: &str = "proxy.tls-ask-refused";
    pub const PROMOTE_FAILED: &str = "promote.failed";

    // Harness signatures.
    pub const HARNESS_DISK_FULL: &str = "harness.disk-full";
    pub const HARNESS_PULL_RATE_LIMIT: &str = "harness.pull-rate-limit";
    pub const HARNESS_ACME_RATE_LIMIT: &str = "harness.acme-rate-limit";
    pub const HARNESS_MIRROR_AUTH: &str = "harness.mirror-auth";
    pub const HARNESS_NO_TTY: &str = "harness.abra-no-tty";
    pub const HARNESS_UNSTAGED: &str = "harness.unstaged-changes";
    pub const HARNESS_ORPHANED_STACK: &str = "harness.orphaned-stack";
    pub const HARNESS_KILLED: &str = "harness.run-killed";
    pub const HARNESS_VIP_EXHAUSTED: &str = "harness.vip-exhausted";

    // Sweep log.
    pub const SWEEP_RUN_ON_TAG: &str = "sweep.run-on-tag";
    pub const SWEEP_PROMOTE_FAILED: &str = "sweep.promote-failed";
    pub const SWEEP_NOT_HEALTHY: &str = "sweep.not-healthy";
    pub const SWEEP_LABEL: &str = "sweep.result-label";
    pub const SWEEP_COLD_RC: &str = "sweep.cold-rc";
    pub const SWEEP_CANONICAL_ADVANCED: &str = "sweep.canonical-advanced";

    // Failure messages.
    pub const MSG_ASSERT_EQ: &str = "message.assert-eq";
    pub const MSG_ASSERT_NOT_IN: &str = "message.assert-not-in";
    pub const MSG_ASSERT_IN: &str = "message.assert-in";
    pub const MSG_RELATION_MISSING: &str = "message.relation-missing";
    pub const MSG_TIMEOUT: &str = "message.timeout";
    pub const MSG_CONNECTION_REFUSED: &str = "message.connection-refused";
    pub const MSG_HTTP_5XX: &str = "message.http-5xx";
    pub const MSG_NO_HTTP_ANSWER: &str = "message.no-http-answer";
    pub const MSG_IMAGE_REF: &str = "message.image-ref";
    pub const MSG_RETRIED: &str = "message.retried";

    // Recipe labels.
    pub const LABEL_DB_DUMP: &str = "label.db-dump";
    pub const LABEL_DB_RESTORE: &str = "label.db-restore";
    pub const LABEL_DB_DATADIR: &str = "label.db-datadir";

    /// Every id above.
    pub const REQUIRED: &[&str] = &[
        CONSOLE_EVENT,
        KEY_VALUE,
        RESULT_ITEM,
        SWEEP_BANNER,
        SWEEP_LINE,
        TIMESTAMP,
        RUN_START,
        RUN_RESULT,
        RUN_END,
        TIER_START,
        TIER_FAIL,
        TIER_EXPECTED_NA,
        DEPLOY_CONVERGED,
        DEPLOY_TIMEOUT,
        DEPLOY_FAILED,
        PREPULL_CONFIG_FAILED,
        COMPOSE_UNDEFINED_DEP,
        HEALTH_STATUS,
        HEALTH_NO_ANSWER,
        RESTORE_SNAPSHOT,
        RESTORE_POST_HOOK,
        BACKUP_PRE_HOOK,
        UPGRADE_ROLLBACK,
        TLS_ASK_REFUSED,
        PROMOTE_FAILED,
        HARNESS_DISK_FULL,
        HARNESS_PULL_RATE_LIMIT,
        HARNESS_ACME_RATE_LIMIT,
        HARNESS_MIRROR_AUTH,
        HARNESS_NO_TTY,
        HARNESS_UNSTAGED,
        HARNESS_ORPHANED_STACK,
        HARNESS_KILLED,
        HARNESS_VIP_EXHAUSTED,
        SWEEP_RUN_ON_TAG,
        SWEEP_PROMOTE_FAILED,
        SWEEP_NOT_HEALTHY,
        SWEEP_LABEL,
        SWEEP_COLD_RC,
        SWEEP_CANONICAL_ADVANCED,
        MSG_ASSERT_EQ,
        MSG_ASSERT_NOT_IN,
        MSG_ASSERT_IN,
        MSG_RELATION_MISSING,
        MSG_TIMEOUT,
        MSG_CONNECTION_REFUSED,
        MSG_HTTP_5XX,
        MSG_NO_HTTP_ANSWER,
        MSG_IMAGE_REF,
        MSG_RETRIED,
        LABEL_DB_DUMP,
        LABEL_DB_RESTORE,
        LABEL_DB_DATADIR,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_compile() {
        let _ = RuleSet::builtin();
    }

    #[test]
    fn every_builtin_rule_passes_its_examples() {
        let failures = RuleSet::builtin().check_examples();
        let text: Vec<String> = failures.iter().map(ToString::to_string).collect();
        assert!(
            text.is_empty(),
            "rule example failures:\n{}",
            text.join("\n")
        );
    }

    #[test]
    fn every_rules_file_is_built_in() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".toml"))
            .collect();
        on_disk.sort();
        let mut built: Vec<String> = BUILTIN
            .iter()
            .map(|(n, _)| n.trim_start_matches("rules/").to_string())
            .collect();
        built.sort();
        assert_eq!(
            on_disk, built,
            "src/rules/builtin.rs must list every rules/*.toml"
        );
    }

    #[test]
    fn ansi_is_stripped_and_lines_keep_their_numbers() {
        let text = b"first\n\x1b[31mFATA\x1b[0m deploy timed out\nlast\n";
        let rules = RuleSet::builtin();
        let signals = rules.scan(Scope::Console, text, Path::new("c.log"), 1);
        let hit = signals
            .iter()
            .find(|s| s.rule == ids::DEPLOY_TIMEOUT)
            .unwrap();
        assert_eq!(hit.loc.line, Some(2));
        assert_eq!(hit.text, "FATA deploy timed out");
    }

    #[test]
    fn a_match_across_a_line_break_is_not_a_match() {
        let rules = RuleSet::from_sources(&[(
            "t.toml",
            &format!(
                "{}\n[[rule]]\nid = 'x.y'\nscope = 'console'\nsummary = 's'\nprinted_by = 'p'\n\
                 pattern = 'alpha\\s+beta'\nmust_match = ['alpha beta']\nmust_not_match = ['alpha']\n",
                BUILTIN.iter().map(|(_, t)| *t).collect::<Vec<_>>().join("\n")
            ),
        )])
        .unwrap();
        let signals = rules.scan(Scope::Console, b"alpha\nbeta\n", Path::new("f"), 1);
        assert!(signals.iter().all(|s| s.rule != "x.y"));
        let signals = rules.scan(Scope::Console, b"x\nalpha beta\n", Path::new("f"), 10);
        let hit = signals.iter().find(|s| s.rule == "x.y").unwrap();
        assert_eq!(hit.loc.line, Some(11));
    }

    #[test]
    fn a_set_missing_a_required_rule_is_refused_with_its_name() {
        let err = RuleSet::from_sources(&[("only.toml", "")]).unwrap_err();
        assert!(
            err.message.contains("grammar.console-event"),
            "{}",
            err.message
        );
    }

    #[test]
    fn duplicate_ids_are_refused() {
        let all = BUILTIN
            .iter()
            .map(|(_, t)| *t)
            .collect::<Vec<_>>()
            .join("\n");
        let twice = format!("{all}\n{}", BUILTIN[0].1);
        let err = RuleSet::from_sources(&[("dup.toml", &twice)]).unwrap_err();
        assert!(err.message.contains("defined twice"), "{}", err.message);
    }
}
