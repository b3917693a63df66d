//! The decision on a failure: class, confidence, cause, and the trail of
//! the ladder that reached it.

use serde::{Deserialize, Serialize};
use strum::{Display, EnumIter, EnumString, IntoStaticStr};

use super::{Evidence, Fact, Failure};

/// The six verdict classes of `shared/spec/verdicts.md`.
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
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
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
        self.into()
    }

    pub fn parse(s: &str) -> Option<Class> {
        s.parse().ok()
    }

    /// One letter for a cell where colour cannot be seen (the HTML grid).
    pub fn initial(self) -> &'static str {
        match self {
            Class::Flake => "F",
            Class::RecipeDefect => "D",
            Class::StaleOverlay => "S",
            Class::RoutingCollision => "R",
            Class::Harness => "H",
            Class::Unknown => "?",
        }
    }

    /// Who acts, in the order an operator should act: a recipe PR or a
    /// cc-ci change first, then the node, then flakes, then unknowns.
    pub fn priority(self) -> u8 {
        match self {
            Class::RecipeDefect | Class::StaleOverlay | Class::RoutingCollision => 0,
            Class::Harness => 1,
            Class::Flake => 2,
            Class::Unknown => 3,
        }
    }
}

/// How much a verdict's evidence is worth: `Suspected < Likely <
/// Confirmed`.
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
        self.into()
    }
}

/// A rung of the verdict ladder (`src/verdict/ladder.rs` gives the order
/// and why).
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
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Rung {
    RunCutOff,
    HarnessSignature,
    StaleOverlay,
    BackupRoundTrip,
    Routing,
    DeployFailed,
    Lint,
    Flake,
    ReproducesAlone,
    Unknown,
}

impl Rung {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// A class considered and excluded, with the fact that excludes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuledOut {
    pub class: Class,
    pub why: String,
}

/// What a rung did with a failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Display, IntoStaticStr)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Step {
    /// It decided.
    Decided,
    /// It looked and found nothing that decides.
    Passed,
    /// Its input was missing.
    Skipped,
    /// An earlier rung decided.
    NotReached,
}

/// What one rung of the ladder found, for `explain`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RungTrace {
    pub rung: Rung,
    pub step: Step,
    pub note: String,
}

/// The decision on one failure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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
    pub rung: Rung,
    /// How reproducible the failure is, in one sentence (for the journal).
    pub reproducibility: String,
    /// A concrete change, as a unified diff, when the fix is one.
    pub diff: Option<String>,
    /// Every rung with what it found.
    pub trail: Vec<RungTrace>,
}

/// A failure with its verdict and the facts it was decided on: what every
/// report prints.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Triaged {
    pub failure: Failure,
    pub verdict: Verdict,
    pub facts: Vec<Fact>,
}
