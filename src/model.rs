//! The nouns every stage shares: run, tier, test outcome, console event,
//! failure, signal, evidence, verdict.
//!
//! These types are the pipeline's contract. `ingest` produces [`Run`]s,
//! `failures` turns them into [`Failure`]s, `rules` attaches [`Signal`]s,
//! `evidence` gathers facts, `verdict` decides a [`Verdict`] and `report`
//! prints it. Data flows down that list and never back up, so nothing here
//! knows how it is read or printed.
//!
//! Serialisation: the names used in JSON (`recipe-defect`, `confirmed`,
//! `restore`) are part of the interface in `shared/spec/interface.md`; the
//! `serde` attributes below are what keeps them stable.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// A stage of a cc-ci run, or the pseudo-tiers the interface adds for red
/// things that are not a tier (`promote`, `lint`, `run`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    Install,
    Upgrade,
    Backup,
    Restore,
    Custom,
    /// A failed WC5 warm promote after a green cold sweep run.
    Promote,
    /// `abra recipe lint`.
    Lint,
    /// The run as a whole: it died, was cut off, or a rung never ran.
    Run,
}

impl Tier {
    /// Every tier, in the order cc-ci runs them.
    pub const ALL: [Tier; 8] = [
        Tier::Install,
        Tier::Upgrade,
        Tier::Backup,
        Tier::Restore,
        Tier::Custom,
        Tier::Promote,
        Tier::Lint,
        Tier::Run,
    ];

    /// The lowercase name used in file names, JSON and the console.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Install => "install",
            Tier::Upgrade => "upgrade",
            Tier::Backup => "backup",
            Tier::Restore => "restore",
            Tier::Custom => "custom",
            Tier::Promote => "promote",
            Tier::Lint => "lint",
            Tier::Run => "run",
        }
    }

    /// Parses a tier name as cc-ci writes it (case-insensitive). The
    /// results.json rung names map onto tiers too: `backup_restore` is the
    /// restore tier (the round trip is judged there) and `functional` is
    /// `custom`.
    pub fn parse(s: &str) -> Option<Tier> {
        let s = s.trim().to_ascii_lowercase();
        Some(match s.as_str() {
            "install" => Tier::Install,
            "upgrade" => Tier::Upgrade,
            "backup" => Tier::Backup,
            "restore" | "backup_restore" => Tier::Restore,
            "custom" | "functional" => Tier::Custom,
            "promote" => Tier::Promote,
            "lint" => Tier::Lint,
            "run" => Tier::Run,
            _ => return None,
        })
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a test comes from, which decides who must act on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TestSource {
    /// `tests/_generic/`: the floor every recipe is held to.
    Generic,
    /// `tests/<recipe>/` in the cc-ci repo: a recipe-specific overlay.
    Overlay,
    /// The recipe repository's own `tests/` (or `tests/custom/`).
    Recipe,
    /// Not known (a foreign JUnit producer, an unexpected name).
    Unknown,
}

impl TestSource {
    pub fn as_str(self) -> &'static str {
        match self {
            TestSource::Generic => "generic",
            TestSource::Overlay => "cc-ci",
            TestSource::Recipe => "recipe",
            TestSource::Unknown => "unknown",
        }
    }
}

/// The outcome of one test, after grouping every JUnit record of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Pass,
    Fail,
    Error,
    Skip,
}

impl Outcome {
    /// A failure or an error: red.
    pub fn is_red(self) -> bool {
        matches!(self, Outcome::Fail | Outcome::Error)
    }
}

/// A place in an input file. Lines are 1-based; `line` is `None` for a
/// fact about a whole file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Loc {
    pub path: PathBuf,
    pub line: Option<u32>,
}

impl Loc {
    pub fn new(path: impl Into<PathBuf>, line: Option<u32>) -> Loc {
        Loc {
            path: path.into(),
            line,
        }
    }
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}", self.path.display(), line),
            None => write!(f, "{}", self.path.display()),
        }
    }
}

/// One piece of evidence: what was seen and where. `source` is always
/// something a reader can go and look at: `path:line`, a probe command
/// (`probe: docker exec … getent hosts app`), or a git command
/// (`git show 0.8.1+3.5.0:compose.yml`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub source: String,
    pub text: String,
}

impl Evidence {
    pub fn new(source: impl Into<String>, text: impl Into<String>) -> Evidence {
        Evidence {
            source: source.into(),
            text: text.into(),
        }
    }

    /// Evidence read from a file at a line.
    pub fn at(loc: &Loc, text: impl Into<String>) -> Evidence {
        Evidence::new(loc.to_string(), text)
    }
}

/// One test as the run's JUnit files recorded it, all records of the same
/// (classname, name) grouped.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TestCase {
    /// `tests/<path>.py::<name>` (pytest), else `<classname>::<name>`.
    pub id: String,
    /// The JUnit classname as written (`tests.mumble.test_x`).
    pub classname: String,
    pub name: String,
    pub tier: Option<Tier>,
    pub source: TestSource,
    pub outcome: Outcome,
    /// The first line of the failure/error `message` attribute (or of its
    /// body when there is no attribute).
    pub message: Option<String>,
    /// The failure/error body (pytest's traceback, assertion rewrite).
    pub detail: Option<String>,
    /// How many records were grouped into this test.
    pub records: u32,
    /// Retries seen: `flakyFailure`/`rerunFailure`/`rerunError` elements, or
    /// repeated records of the same test. A flakiness sign.
    pub reruns: u32,
    /// The JUnit file and the line of the first red record (else the first).
    pub loc: Loc,
    /// The `timestamp` of the suite the test was in.
    pub started: Option<Timestamp>,
    /// Seconds, summed over records.
    pub seconds: f64,
}

/// What a JUnit file contributed, with what went wrong reading it.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct JunitFile {
    pub path: PathBuf,
    /// From the `<tier>__<source>__<module>.xml` name, when it fits.
    pub tier: Option<Tier>,
    pub source: Option<TestSource>,
    pub tests: Vec<TestCase>,
    /// Earliest suite `timestamp`.
    pub started: Option<Timestamp>,
    /// Suite totals as the file claims them (`tests`, `failures`, `errors`,
    /// `skipped`), summed; not trusted over the test cases themselves.
    pub claimed_failures: u32,
    /// Set when the file ended early or broke (a killed run): the message
    /// names the byte offset.
    pub truncated: Option<String>,
}

/// One event of a console or sweep log, with the lines that belong to it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Event {
    /// 1-based line of the event's first line.
    pub line: u32,
    pub time: Option<Timestamp>,
    /// `DEBUG` `INFO` `WARN` `ERROR`; empty when the grammar has none.
    pub level: String,
    /// The console component (`deploy`, `prepull`) or, in a sweep log, the
    /// recipe in brackets.
    pub component: String,
    pub message: String,
    /// Lines that did not fit the grammar and so belong to this event
    /// (tracebacks, passed-through tool output), with their line numbers.
    pub continuation: Vec<(u32, String)>,
}

/// A parsed log file: its events and every raw line (for rule scanning and
/// for citing evidence by line).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Log {
    pub path: PathBuf,
    pub events: Vec<Event>,
    /// Lines before the first event that fits the grammar.
    pub preamble: Vec<(u32, String)>,
    pub line_count: u32,
}

/// How a run came to be. The load (overlapping runs) is separate: a manual
/// or Drone run that overlapped nothing is an isolation run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunKind {
    /// Part of a weekly canon sweep (named in the sweep log, or `sweep-…`).
    Sweep,
    /// A Drone build: the run id is a build number.
    Drone,
    /// Anything else an operator started (`manual-4242`, `m2r-bluesky-pds`).
    Manual,
}

impl RunKind {
    /// The kind a run id tells before anything else is read: a Drone build
    /// number, a `sweep-…` run, or a name an operator chose. A sweep log
    /// that names the run makes it a sweep run whatever its id.
    pub fn from_id(id: &str) -> RunKind {
        if !id.is_empty() && id.chars().all(|c| c.is_ascii_digit()) {
            RunKind::Drone
        } else if id.starts_with("sweep-") {
            RunKind::Sweep
        } else {
            RunKind::Manual
        }
    }
}

/// A tier's status as the run recorded it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TierStatus {
    Pass,
    Fail,
    Error,
    /// Intentional N/A (EXPECTED_NA), never a failure.
    Skip,
    /// Should have run and did not: a failure.
    Unver,
}

impl TierStatus {
    pub fn parse(s: &str) -> Option<TierStatus> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "pass" | "passed" | "ok" => TierStatus::Pass,
            "fail" | "failed" => TierStatus::Fail,
            "error" | "errored" => TierStatus::Error,
            "skip" | "skipped" | "na" | "expected_na" => TierStatus::Skip,
            "unver" => TierStatus::Unver,
            _ => return None,
        })
    }

    pub fn is_red(self) -> bool {
        matches!(
            self,
            TierStatus::Fail | TierStatus::Error | TierStatus::Unver
        )
    }
}

/// The parts of results.json the tool uses (schema 1 and 2).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct RunRecord {
    pub path: PathBuf,
    pub schema: u32,
    pub recipe: Option<String>,
    pub version: Option<String>,
    pub pr: Option<u64>,
    pub git_ref: Option<String>,
    pub run_id: Option<String>,
    pub finished: Option<Timestamp>,
    /// `results`: tier → status.
    pub results: BTreeMap<String, TierStatus>,
    /// `rungs` (schema 2).
    pub rungs: BTreeMap<String, TierStatus>,
    /// `skips.intentional`: rung → reason.
    pub intentional_skips: BTreeMap<String, String>,
    /// `skips.unintentional`.
    pub unintentional_skips: Vec<String>,
    pub lint_rules_failed: Vec<String>,
    pub level: Option<i64>,
}

/// A run's time span, and where each end was read from.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Span {
    pub started: Option<Timestamp>,
    pub finished: Option<Timestamp>,
}

impl Span {
    /// True when both spans are known and share an instant.
    pub fn overlaps(&self, other: &Span) -> bool {
        match (self.started, self.finished, other.started, other.finished) {
            (Some(a0), Some(a1), Some(b0), Some(b1)) => a0 < b1 && b0 < a1,
            _ => false,
        }
    }
}

/// Everything read about one run.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Run {
    pub id: String,
    /// The run directory (or the file given alone).
    pub path: PathBuf,
    pub recipe: Option<String>,
    pub version: Option<String>,
    pub git_ref: Option<String>,
    pub kind: RunKind,
    pub span: Span,
    /// Run ids whose span overlaps this one: the load it ran under.
    pub overlapping: Vec<String>,
    /// Set when a sweep log named this run: the sweep's start time.
    pub sweep: Option<String>,
    pub record: Option<RunRecord>,
    pub junit: Vec<JunitFile>,
    pub console: Option<Log>,
    /// Tier results from the console's `RESULT:` line, when there is one.
    pub console_results: BTreeMap<Tier, TierStatus>,
    /// Tiers declared EXPECTED_NA (results.json intentional skips, the
    /// console's `EXPECTED_NA`), with their reasons.
    pub expected_na: BTreeMap<Tier, String>,
    /// The exit status from the console's `end rc=N` or the sweep's
    /// `cold rc=N`.
    pub rc: Option<i32>,
    /// The run's own recipe checkout (`abra/recipes/<recipe>`), if present.
    pub checkout: Option<PathBuf>,
}

impl Run {
    /// A run that overlapped no other run and was not part of a sweep.
    pub fn is_isolation(&self) -> bool {
        self.kind != RunKind::Sweep
            && self.overlapping.is_empty()
            && self.span.started.is_some()
            && self.span.finished.is_some()
    }

    /// How the report names the run's circumstances.
    pub fn kind_label(&self) -> &'static str {
        match self.kind {
            RunKind::Sweep => "sweep",
            _ if self.is_isolation() => "isolation",
            RunKind::Drone => "drone",
            RunKind::Manual => "manual",
        }
    }

    /// Every test case of every JUnit file.
    pub fn tests(&self) -> impl Iterator<Item = &TestCase> {
        self.junit.iter().flat_map(|f| f.tests.iter())
    }
}

/// The warm canonical of a recipe (`/var/lib/ci-warm/<recipe>/canonical.json`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Canonical {
    pub path: PathBuf,
    pub recipe: String,
    pub version: String,
    pub commit: Option<String>,
    pub status: Option<String>,
    pub written: Option<Timestamp>,
}

/// What a sweep log said about one recipe.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SweepEntry {
    pub recipe: String,
    pub tag: Option<String>,
    pub run_id: Option<String>,
    /// The result label as printed (`PASS (promoted)`), untrusted.
    pub label: Option<String>,
    /// `cold rc=N`.
    pub cold_rc: Option<i32>,
    /// The `WC5 promote failed: …` line, if any, and lines about it.
    pub promote_failed: Option<Evidence>,
    /// Every line of the sweep log about this recipe.
    pub lines: Vec<(u32, String)>,
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
}

/// A parsed canon sweep log.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Sweep {
    pub path: PathBuf,
    pub started: Option<Timestamp>,
    pub entries: Vec<SweepEntry>,
    pub log: Log,
}

/// One red thing in a run, before any verdict.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Failure {
    pub run_id: String,
    pub recipe: Option<String>,
    /// The version tested (the interface calls it `tag`).
    pub tag: Option<String>,
    pub tier: Tier,
    /// `<module path>::<name>`, or `None` for a tier/promote/run failure.
    pub test: Option<String>,
    pub source: TestSource,
    pub message: String,
    /// The failure body (assertion rewrite, traceback), when there is one.
    pub detail: Option<String>,
    /// Retries of the test inside this run.
    pub reruns: u32,
    /// The lines this failure rests on.
    pub evidence: Vec<Evidence>,
    /// Where the failure itself was read.
    pub loc: Loc,
}

/// A rule match: a rule recognised a line.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Signal {
    pub rule: String,
    pub loc: Loc,
    /// The matched line as read (ANSI stripped).
    pub text: String,
    pub captures: BTreeMap<String, String>,
}

impl Signal {
    pub fn evidence(&self) -> Evidence {
        Evidence::at(&self.loc, self.text.clone())
    }

    pub fn capture(&self, name: &str) -> Option<&str> {
        self.captures.get(name).map(String::as_str)
    }
}

/// The six verdict classes of `shared/spec/verdicts.md`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    Flake,
    RecipeDefect,
    StaleOverlay,
    RoutingCollision,
    Harness,
    Unknown,
}

impl Class {
    pub const ALL: [Class; 6] = [
        Class::Flake,
        Class::RecipeDefect,
        Class::StaleOverlay,
        Class::RoutingCollision,
        Class::Harness,
        Class::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Class::Flake => "flake",
            Class::RecipeDefect => "recipe-defect",
            Class::StaleOverlay => "stale-overlay",
            Class::RoutingCollision => "routing-collision",
            Class::Harness => "harness",
            Class::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Option<Class> {
        Class::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How much a verdict's evidence is worth. Ordered: `Suspected < Likely <
/// Confirmed`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// One sign.
    Suspected,
    /// Several agreeing signs, nothing decisive.
    Likely,
    /// A decisive fact: a reproduction, a probe, a git check.
    Confirmed,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Suspected => "suspected",
            Confidence::Likely => "likely",
            Confidence::Confirmed => "confirmed",
        }
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A class considered and excluded, with the fact that excludes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuledOut {
    pub class: Class,
    pub why: String,
}

/// What one rung of the verdict ladder found, for `explain`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RungTrace {
    pub rung: String,
    /// `decided`, `passed` (looked, nothing), `skipped` (input missing).
    pub outcome: String,
    pub note: String,
}

/// The decision on one failure.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Verdict {
    pub class: Class,
    pub confidence: Confidence,
    pub cause: String,
    /// The rule (or check) id the decision rests on.
    pub rule: Option<String>,
    pub evidence: Vec<Evidence>,
    pub ruled_out: Vec<RuledOut>,
    pub fix: String,
    pub next: String,
    /// The rung of the ladder that decided.
    pub rung: String,
    /// How reproducible the failure is, in one sentence: red or green in
    /// how many isolation runs and runs under load (for the journal).
    #[serde(default)]
    pub reproducibility: String,
    /// A concrete change, as a unified diff, when the fix is one.
    pub diff: Option<String>,
    /// Every rung with what it found.
    pub trail: Vec<RungTrace>,
}

/// A failure with its verdict: what every report prints.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Triaged {
    pub failure: Failure,
    pub verdict: Verdict,
    /// Every rule that matched anything this failure rests on.
    pub signals: Vec<Signal>,
}
