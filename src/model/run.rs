//! A run and what it is made of: tiers, tests, its console, how it ended.
//!
//! A [`Run`] is read at one of two depths ([`Depth`]). A *summary* is what
//! every run of the root contributes as context and what the history index
//! stores: identity, span, how it ended, tier results, each test's outcome
//! and first message line, and a few signals per rule. A *full* read adds
//! what only a reported run needs: failure bodies and more signals per
//! rule. Both are the same type, so the index gives back exactly what
//! ingest produced.

use std::collections::BTreeMap;
use std::path::PathBuf;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use strum::{AsRefStr, Display, EnumIter, EnumString, IntoStaticStr};

use super::{Loc, Signal};

/// A stage of a cc-ci run, or the pseudo-tiers the interface adds for red
/// things that are not a tier (`promote`, `lint`, `run`).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    Display,
    EnumString,
    EnumIter,
    IntoStaticStr,
    AsRefStr,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase", ascii_case_insensitive)]
pub enum Tier {
    Install,
    Upgrade,
    Backup,
    /// Also the results.json rung `backup_restore`: the round trip is
    /// judged at restore.
    #[strum(to_string = "restore", serialize = "backup_restore")]
    Restore,
    /// Also the rung `functional` (cc-ci's custom tests).
    #[strum(to_string = "custom", serialize = "functional")]
    Custom,
    /// A failed WC5 warm promote after a green cold run.
    Promote,
    /// `abra recipe lint`.
    Lint,
    /// The run as a whole: it died, timed out or was cancelled.
    Run,
}

impl Tier {
    /// The lowercase name used in file names, JSON and the console.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Parses a tier or rung name as cc-ci writes it (case-insensitive).
    pub fn parse(s: &str) -> Option<Tier> {
        s.trim().parse().ok()
    }

    /// The tiers that hold tests, in the order cc-ci runs them.
    pub const TESTED: [Tier; 5] = [
        Tier::Install,
        Tier::Upgrade,
        Tier::Backup,
        Tier::Restore,
        Tier::Custom,
    ];
}

/// Where a test comes from, which decides who must act on it
/// (cc-ci-runs.md §3).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    Display,
    EnumString,
    IntoStaticStr,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum TestSource {
    /// `tests/_generic/` in cc-ci: the floor every recipe is held to.
    Generic,
    /// cc-ci's own per-recipe tests: the overlays `tests/<recipe>/test_<op>.py`
    /// and the custom tests `tests/<recipe>/custom/` (older `functional/`,
    /// `playwright/`). cc-ci code asserting something about the recipe.
    #[strum(to_string = "cc-ci")]
    #[serde(rename = "cc-ci")]
    CcCi,
    /// The recipe repository's own `tests/test_<op>.py` (cc-ci calls the
    /// source `repo-local`; file names may say `recipe`).
    #[strum(to_string = "repo-local", serialize = "recipe")]
    RepoLocal,
    /// Not known (a foreign JUnit producer, an unexpected name).
    Unknown,
}

impl TestSource {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// The outcome of one test, after grouping every JUnit record of it.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    Display,
    EnumString,
    IntoStaticStr,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
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

/// A tier's status as the run recorded it.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    Display,
    EnumString,
    IntoStaticStr,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase", ascii_case_insensitive)]
pub enum TierStatus {
    #[strum(to_string = "pass", serialize = "passed", serialize = "ok")]
    Pass,
    #[strum(to_string = "fail", serialize = "failed")]
    Fail,
    #[strum(to_string = "error", serialize = "errored")]
    Error,
    /// Intentional N/A (EXPECTED_NA), never a failure.
    #[strum(
        to_string = "skip",
        serialize = "skipped",
        serialize = "na",
        serialize = "expected_na"
    )]
    Skip,
    /// Should have run and did not: a failure.
    Unver,
}

impl TierStatus {
    pub fn parse(s: &str) -> Option<TierStatus> {
        s.trim().parse().ok()
    }

    pub fn is_red(self) -> bool {
        matches!(
            self,
            TierStatus::Fail | TierStatus::Error | TierStatus::Unver
        )
    }
}

/// How a run came to be. The load (overlapping runs) is separate: a manual
/// or Drone run that overlapped nothing is an isolation run.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    Display,
    EnumString,
    IntoStaticStr,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum RunKind {
    /// Part of a weekly canon sweep (placed by a sweep log, or `sweep-…`).
    Sweep,
    /// A Drone build: the run id is a build number.
    Drone,
    /// Anything else an operator started (`manual-4242`, `m2r-bluesky-pds`).
    Manual,
}

impl RunKind {
    /// The kind a run id tells before anything else is read: a Drone build
    /// number, a `sweep-…` run, or a name an operator chose. A sweep log
    /// that places the run makes it a sweep run whatever its id.
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

/// How deep a run was read (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Depth {
    Summary,
    Full,
}

/// A run's time span. Either end may be unknown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
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

    pub fn is_known(&self) -> bool {
        self.started.is_some() && self.finished.is_some()
    }

    /// The start, else the end: what runs are ordered by.
    pub fn key(&self) -> Option<Timestamp> {
        self.started.or(self.finished)
    }
}

/// One test as the run's JUnit files recorded it, all records of the same
/// (classname, name) grouped.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TestCase {
    /// `tests/<path>.py::<name>` (pytest), else `<classname>::<name>`.
    pub id: String,
    /// The JUnit classname as written (`tests.mumble.custom.test_x`).
    pub classname: String,
    pub name: String,
    pub tier: Option<Tier>,
    pub source: TestSource,
    pub outcome: Outcome,
    /// The first line of the failure/error `message` attribute (or of its
    /// body when there is no attribute).
    pub message: Option<String>,
    /// The failure/error body (pytest's traceback, assertion rewrite) and
    /// the test's system-out/err. Only in a full read.
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
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct JunitFile {
    pub path: PathBuf,
    /// From the `<tier>__<source>__<module>.xml` name, when it fits.
    pub tier: Option<Tier>,
    pub source: Option<TestSource>,
    pub tests: Vec<TestCase>,
    /// Earliest suite `timestamp`.
    pub started: Option<Timestamp>,
    /// Suite totals as the file claims them, not trusted over the cases.
    pub claimed_failures: u32,
    /// Set when the file ended early or broke (a killed run): the message
    /// names the byte offset.
    pub truncated: Option<String>,
}

impl JunitFile {
    /// The latest suite start plus its tests' time: when the file's tests
    /// ended, as far as the file tells.
    pub fn ended(&self) -> Option<Timestamp> {
        let secs: f64 = self.tests.iter().map(|t| t.seconds).sum();
        self.started?
            .checked_add(jiff::SignedDuration::from_secs_f64(secs.max(0.0)))
            .ok()
    }
}

/// A tier's status with where it was read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierResult {
    pub status: TierStatus,
    pub origin: Loc,
}

/// What results.json said beyond tiers and tests.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub path: PathBuf,
    pub schema: u32,
    pub level: Option<i64>,
    /// The run id results.json gives (may differ from the directory).
    pub run_id: Option<String>,
}

/// A console read for a run: where it is, how it was taken for this run,
/// its time edges.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Console {
    pub path: PathBuf,
    /// How the console was matched to the run, for the report (`beside the
    /// run directory`, `--console: run id in line 3`).
    pub taken_for: String,
    pub lines: u32,
    /// The first and last time a line prefix gave.
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
    /// Lines longer than the reader's cap, cut there.
    pub long_lines: u32,
    /// The last line some rule recognised: what a run that died was doing.
    pub last_recognised: Option<(u32, String)>,
}

/// How the run ended, as far as its files tell.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct End {
    /// The exit status (a console's end line, the sweep's `rc=N`).
    pub rc: Option<i32>,
    /// Where the exit status was read.
    pub rc_at: Option<Loc>,
    /// The console printed its closing line (`end rc=N`, `RESULT:`).
    pub closed: bool,
}

/// Everything read about one run, at summary or full depth.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Run {
    pub id: String,
    /// The run directory (or the file given alone).
    pub path: PathBuf,
    pub recipe: Option<String>,
    pub version: Option<String>,
    pub git_ref: Option<String>,
    pub pr: Option<u64>,
    pub kind: RunKind,
    pub span: Span,
    pub end: End,
    /// results.json, when it was there and parsed (boxed, as the console:
    /// a report holds every run it reports).
    pub record: Option<Box<Record>>,
    /// Tier results: results.json first, then the console.
    pub tiers: BTreeMap<Tier, TierResult>,
    /// Rungs results.json marks `unver` (should have run, did not).
    pub unver: Vec<String>,
    /// Tiers declared EXPECTED_NA, with their reasons.
    pub expected_na: BTreeMap<Tier, String>,
    /// `lint.rules_failed` with the lint rung red.
    pub lint_failed: Vec<String>,
    pub tests: Vec<TestCase>,
    pub junit: Vec<JunitFile>,
    pub console: Option<Box<Console>>,
    /// What the rules recognised in the console (capped per rule).
    pub signals: Vec<Signal>,
    /// Signals per rule, counted past the cap.
    pub signal_counts: BTreeMap<String, u32>,
    /// The run's own recipe checkout (`abra/recipes/<recipe>`), if present.
    pub checkout: Option<PathBuf>,
    /// App domains and stack names the run's files mention.
    pub domains: Vec<String>,
    /// Set when a sweep log placed this run: the sweep's label.
    pub sweep: Option<String>,
    /// Run ids whose span overlaps this one: the load it ran under.
    /// Derived over every run of the root, never stored.
    #[serde(skip)]
    pub overlapping: Vec<String>,
    /// Size and mtime of the run's files, folded: equal means unchanged.
    pub signature: String,
    pub depth: Depth,
}

impl Run {
    /// An empty run of this id at `path`.
    pub fn new(id: &str, path: impl Into<PathBuf>) -> Run {
        Run {
            id: id.to_string(),
            path: path.into(),
            recipe: None,
            version: None,
            git_ref: None,
            pr: None,
            kind: RunKind::from_id(id),
            span: Span::default(),
            end: End::default(),
            record: None,
            tiers: BTreeMap::new(),
            unver: Vec::new(),
            expected_na: BTreeMap::new(),
            lint_failed: Vec::new(),
            tests: Vec::new(),
            junit: Vec::new(),
            console: None,
            signals: Vec::new(),
            signal_counts: BTreeMap::new(),
            checkout: None,
            domains: Vec::new(),
            sweep: None,
            overlapping: Vec::new(),
            signature: String::new(),
            depth: Depth::Summary,
        }
    }

    /// A run that overlapped no other run and was not part of a sweep.
    pub fn is_isolation(&self) -> bool {
        self.kind != RunKind::Sweep && self.overlapping.is_empty() && self.span.is_known()
    }

    /// Ran beside other runs, or inside a sweep.
    pub fn is_loaded(&self) -> bool {
        self.kind == RunKind::Sweep || !self.overlapping.is_empty()
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

    /// The status of `tier`, if the run recorded one.
    pub fn tier(&self, tier: Tier) -> Option<TierStatus> {
        self.tiers.get(&tier).map(|r| r.status)
    }

    /// Nothing in the run is red: every tier passed or was skipped on
    /// purpose, no test is red, it was not cut off and no promote failed.
    pub fn is_green(&self) -> bool {
        let tiers_ok = self.tiers.values().all(|t| !t.status.is_red());
        let tests_ok = !self.tests.iter().any(|t| t.outcome.is_red());
        let ended_ok = matches!(self.end.rc, None | Some(0));
        let recorded = self.record.is_some() || self.end.closed || !self.tiers.is_empty();
        let promote_ok = !self
            .signals
            .iter()
            .any(|s| s.role == super::Role::PromoteFailed);
        tiers_ok
            && tests_ok
            && ended_ok
            && recorded
            && promote_ok
            && self.unver.is_empty()
            && self.lint_failed.is_empty()
    }
}

/// The warm canonical of a recipe (`/var/lib/ci-warm/<recipe>/canonical.json`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Canonical {
    pub path: PathBuf,
    pub recipe: String,
    pub version: String,
    pub domain: Option<String>,
    pub commit: Option<String>,
    pub status: Option<String>,
    pub written: Option<Timestamp>,
}
