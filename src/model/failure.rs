//! A failure: one red thing in a run, before any verdict.

use serde::{Deserialize, Serialize};

use super::{Evidence, Loc, TestSource, Tier};

/// One red thing: a failed or errored test, a red tier with no test to
/// blame, a failed promote, a run that died, timed out or was cancelled.
/// Failures are unique per (run, recipe, tier, test).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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
    /// The failure body (assertion rewrite, traceback, system-out), when
    /// there is one.
    pub detail: Option<String>,
    /// Retries of the test inside this run.
    pub reruns: u32,
    /// The lines this failure rests on, beside its own.
    pub lines: Vec<Evidence>,
    /// Where the failure itself was read.
    pub loc: Loc,
}

impl Failure {
    /// The failure's key: one failure per (run, recipe, tier, test).
    pub fn key(&self) -> (String, Option<String>, Tier, Option<String>) {
        (
            self.run_id.clone(),
            self.recipe.clone(),
            self.tier,
            self.test.clone(),
        )
    }

    /// The test's name after its last `::`, or the tier.
    pub fn short_name(&self) -> &str {
        match &self.test {
            Some(t) => t.rsplit("::").next().unwrap_or(t),
            None => self.tier.as_str(),
        }
    }

    /// `ccci-triage explain <run> <test>`, every value quoted for the
    /// shell: the command that opens this failure.
    pub fn explain_command(&self) -> String {
        let mut s = format!("ccci-triage explain {}", super::shell_quote(&self.run_id));
        match &self.test {
            Some(t) => {
                s.push(' ');
                s.push_str(&super::shell_quote(t));
            }
            None if self.tier != super::Tier::Run => {
                s.push(' ');
                s.push_str(self.tier.as_str());
            }
            None => {}
        }
        s
    }

    /// A cc-ci test (overlay or custom): cc-ci's code asserting something
    /// about the recipe.
    pub fn is_ccci_test(&self) -> bool {
        self.test.is_some() && self.source == TestSource::CcCi
    }
}
