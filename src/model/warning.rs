//! Warnings: problems with single inputs, collected while the rest is
//! read. Each names what it is about (a file, a run) and the problem,
//! separately, so no one splits a string to find the file again.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One problem with one input.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Warning {
    /// The file, directory or run the problem is about, as the user can
    /// find it.
    pub subject: String,
    /// What was wrong, and what was done instead.
    pub problem: String,
    /// The run the subject belongs to, when there is one: a report keeps
    /// the warnings about what it reports and counts the rest.
    pub run: Option<String>,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.subject, self.problem)
    }
}

/// Warnings in the order met, each once.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warnings(Vec<Warning>);

impl Warnings {
    pub fn new() -> Warnings {
        Warnings::default()
    }

    /// Records a problem with `subject` (a path, a run id). The same
    /// warning twice is kept once.
    pub fn push(&mut self, subject: impl fmt::Display, problem: impl fmt::Display) {
        self.add(Warning {
            subject: subject.to_string(),
            problem: problem.to_string(),
            run: None,
        });
    }

    /// Records a problem with a file of run `run`.
    pub fn push_run(&mut self, run: &str, subject: impl fmt::Display, problem: impl fmt::Display) {
        self.add(Warning {
            subject: subject.to_string(),
            problem: problem.to_string(),
            run: Some(run.to_string()),
        });
    }

    pub fn add(&mut self, w: Warning) {
        if !self.0.contains(&w) {
            self.0.push(w);
        }
    }

    pub fn extend(&mut self, other: Warnings) {
        for w in other.0 {
            self.add(w);
        }
    }

    pub fn as_slice(&self) -> &[Warning] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Each warning as `subject: problem`.
    pub fn strings(&self) -> Vec<String> {
        self.0.iter().map(ToString::to_string).collect()
    }

    pub fn into_vec(self) -> Vec<Warning> {
        self.0
    }

    /// Sorted, as a report lists them, so the order never depends on how
    /// many threads read the runs.
    pub fn sorted(mut self) -> Warnings {
        self.0.sort();
        self
    }
}
