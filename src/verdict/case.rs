//! One failure and its facts, with the questions the rungs ask of them.
//!
//! Every question is by fact kind and role, never by a rule name's prefix
//! or a file name's suffix.

use crate::model::{
    Evidence, Fact, FactKind, Failure, Finding, FindingKind, Place, Role, RunEnding,
};

/// What a rung sees.
pub struct Case<'a> {
    pub f: &'a Failure,
    pub facts: &'a [Fact],
}

/// A sibling run: the same recipe and version elsewhere.
pub struct Sibling<'a> {
    pub fact: &'a Fact,
    pub run_id: &'a str,
    pub red: bool,
    pub alone: bool,
    pub died: bool,
}

/// A cc-ci test's expectation, looked up in the releases.
pub struct Expectation<'a> {
    pub fact: &'a Fact,
    pub needle: &'a str,
    pub present: bool,
    pub actual: Option<&'a str>,
    pub refs: &'a [String],
    pub holds_in: &'a [String],
    pub default_branch: Option<&'a str>,
    pub on_default_branch: bool,
    pub git: bool,
    pub test_line: Option<&'a str>,
}

impl<'a> Case<'a> {
    pub fn new(f: &'a Failure, facts: &'a [Fact]) -> Case<'a> {
        Case { f, facts }
    }

    /// The failure's own line (the first fact).
    pub fn line(&self) -> Evidence {
        self.facts
            .iter()
            .find(|x| matches!(x.kind, FactKind::Line))
            .map(Fact::evidence)
            .unwrap_or_else(|| Evidence::at(&self.f.loc, self.f.message.clone()))
    }

    /// The lines the failure rests on after its own (the exit status, the
    /// last line, a file cut mid-write, the sweep's entry).
    pub fn more_lines(&self) -> impl Iterator<Item = Evidence> + '_ {
        self.facts
            .iter()
            .filter(|x| matches!(x.kind, FactKind::Line))
            .skip(1)
            .map(Fact::evidence)
    }

    /// Every sign of `role`, in the order gathered.
    pub fn signs(&self, role: Role) -> impl Iterator<Item = &'a Fact> + '_ {
        self.facts
            .iter()
            .filter(move |x| matches!(x.sign(), Some((_, r, _)) if r == role))
    }

    /// The first sign of `role` at the first of `places` that has one.
    pub fn sign_at(&self, role: Role, places: &[Place]) -> Option<&'a Fact> {
        places.iter().find_map(|want| {
            self.signs(role)
                .find(|x| x.sign().is_some_and(|(_, _, p)| p == *want))
        })
    }

    /// The first sign of `role` anywhere.
    pub fn sign(&self, role: Role) -> Option<&'a Fact> {
        self.signs(role).next()
    }

    /// The first sign of the rule `id`.
    pub fn rule(&self, id: &str) -> Option<&'a Fact> {
        self.facts
            .iter()
            .find(|x| matches!(x.sign(), Some((r, ..)) if r == id))
    }

    /// The first sign of the rule `id` in the failure's own text.
    pub fn own(&self, id: &str) -> Option<&'a Fact> {
        self.facts
            .iter()
            .find(|x| matches!(x.sign(), Some((r, _, Place::Message)) if r == id))
    }

    pub fn findings(&self) -> impl Iterator<Item = (&'a Fact, &'a Finding)> + '_ {
        self.facts.iter().filter_map(|x| match &x.kind {
            FactKind::Finding(f) => Some((x, &**f)),
            _ => None,
        })
    }

    pub fn backup_findings(&self) -> Vec<(&'a Fact, &'a Finding)> {
        self.findings().filter(|(_, f)| f.is_backup()).collect()
    }

    pub fn routing_finding(&self) -> Option<(&'a Fact, &'a Finding)> {
        self.findings()
            .find(|(_, f)| matches!(f.kind, FindingKind::BareNameRouting { .. }))
    }

    /// Whether the static checks ran (a finding, or a round-trip fact, or
    /// no "skipped" for them).
    pub fn statics_read(&self) -> bool {
        self.skipped("static recipe checks").is_none()
    }

    pub fn siblings(&self) -> Vec<Sibling<'a>> {
        self.facts
            .iter()
            .filter_map(|x| match &x.kind {
                FactKind::Sibling {
                    run_id,
                    red,
                    alone,
                    died,
                } => Some(Sibling {
                    fact: x,
                    run_id,
                    red: *red,
                    alone: *alone,
                    died: *died,
                }),
                _ => None,
            })
            .collect()
    }

    /// This run is an isolation run.
    pub fn isolation(&self) -> bool {
        self.facts.iter().any(|x| {
            matches!(
                x.kind,
                FactKind::Load {
                    isolation: true,
                    ..
                }
            )
        })
    }

    /// This run shared the node (overlapped others, or ran in a sweep).
    pub fn loaded(&self) -> bool {
        self.facts.iter().any(|x| match &x.kind {
            FactKind::Load {
                overlapping, sweep, ..
            } => *sweep || !overlapping.is_empty(),
            _ => false,
        })
    }

    /// The runs this one overlapped.
    pub fn overlapping(&self) -> &'a [String] {
        self.facts
            .iter()
            .find_map(|x| match &x.kind {
                FactKind::Load { overlapping, .. } => Some(overlapping.as_slice()),
                _ => None,
            })
            .unwrap_or(&[])
    }

    /// Did this run end normally? `None` when it did.
    pub fn ending(&self) -> Option<(&'a Fact, &'a RunEnding)> {
        self.facts.iter().find_map(|x| match &x.kind {
            FactKind::Ending(e) => Some((x, e)),
            _ => None,
        })
    }

    /// Runs red alone that prove something: this one if it is an
    /// isolation run that ended normally, and siblings red alone that did.
    pub fn red_alone(&self) -> Vec<&'a str> {
        let mut out = Vec::new();
        if self.isolation() && self.ending().is_none() {
            out.push(self.f.run_id.as_str());
        }
        out.extend(
            self.siblings()
                .into_iter()
                .filter(|s| s.red && s.alone && !s.died)
                .map(|s| s.run_id),
        );
        out
    }

    pub fn green_alone(&self) -> Vec<Sibling<'a>> {
        self.siblings()
            .into_iter()
            .filter(|s| !s.red && s.alone && !s.died)
            .collect()
    }

    pub fn red_loaded(&self) -> Vec<Sibling<'a>> {
        self.siblings()
            .into_iter()
            .filter(|s| s.red && !s.alone && !s.died)
            .collect()
    }

    pub fn canonical_since(&self) -> Option<&'a Fact> {
        self.facts
            .iter()
            .find(|x| matches!(x.kind, FactKind::CanonicalSince { .. }))
    }

    pub fn expectation(&self) -> Option<Expectation<'a>> {
        self.facts.iter().find_map(|x| match &x.kind {
            FactKind::Expectation(e) => Some(Expectation {
                fact: x,
                needle: &e.needle,
                present: e.present,
                actual: e.actual.as_deref(),
                refs: &e.refs,
                holds_in: &e.holds_in,
                default_branch: e.default_branch.as_deref(),
                on_default_branch: e.on_default_branch,
                git: e.git,
                test_line: e.test_line.as_deref(),
            }),
            _ => None,
        })
    }

    /// A probe's answer: (fact, collision, container, name).
    pub fn probe(&self) -> Option<(&'a Fact, bool, &'a str, &'a str)> {
        self.facts.iter().find_map(|x| match &x.kind {
            FactKind::Probe {
                collision,
                container,
                name,
                ..
            } => Some((x, *collision, container.as_str(), name.as_str())),
            _ => None,
        })
    }

    /// Docker's DNS order for this run's stack: (fact, stack, own first).
    pub fn stack_order(&self) -> Option<(&'a Fact, &'a str, bool)> {
        self.facts.iter().find_map(|x| match &x.kind {
            FactKind::StackOrder {
                stack, own_first, ..
            } => Some((x, stack.as_str(), *own_first)),
            _ => None,
        })
    }

    pub fn reference(&self) -> Option<(&'a Fact, &'a str, &'a str)> {
        self.facts.iter().find_map(|x| match &x.kind {
            FactKind::Reference {
                recipe, service, ..
            } => Some((x, recipe.as_str(), service.as_str())),
            _ => None,
        })
    }

    pub fn round_trips(&self) -> Vec<(&'a Fact, &'a str)> {
        self.facts
            .iter()
            .filter_map(|x| match &x.kind {
                FactKind::BackupRoundTrips { service } => Some((x, service.as_str())),
                _ => None,
            })
            .collect()
    }

    pub fn history(&self) -> Option<&'a Fact> {
        self.facts
            .iter()
            .find(|x| matches!(x.kind, FactKind::History { .. }))
    }

    pub fn shared(&self) -> impl Iterator<Item = (&'a Fact, &'a str, &'a [String])> + '_ {
        self.facts.iter().filter_map(|x| match &x.kind {
            FactKind::SharedCause { key, recipes } => Some((x, key.as_str(), recipes.as_slice())),
            _ => None,
        })
    }

    pub fn unver(&self) -> Option<(&'a Fact, &'a [String])> {
        self.facts.iter().find_map(|x| match &x.kind {
            FactKind::Unver { rungs } => Some((x, rungs.as_slice())),
            _ => None,
        })
    }

    /// The diff of a proposal that answers the check `rule`.
    pub fn proposal_for(&self, rule: Option<&str>) -> Option<&'a str> {
        let rule = rule?;
        self.facts.iter().find_map(|x| match &x.kind {
            FactKind::Proposal(p) if p.checks.iter().any(|c| c == rule) => Some(p.diff.as_str()),
            _ => None,
        })
    }

    /// The reason a check was skipped.
    pub fn skipped(&self, check: &str) -> Option<&'a str> {
        self.facts.iter().find_map(|x| match &x.kind {
            FactKind::Skipped { check: c, why } if c == check => Some(why.as_str()),
            _ => None,
        })
    }

    /// The sign's fix text, when its rule gives one.
    pub fn fix_of(fact: &Fact) -> Option<&str> {
        match &fact.kind {
            FactKind::Sign { fix, .. } => fix.as_deref(),
            _ => None,
        }
    }

    /// What a sign's rule says the line means.
    pub fn summary_of(fact: &Fact) -> &str {
        match &fact.kind {
            FactKind::Sign { summary, .. } => summary,
            _ => "",
        }
    }

    /// A fact's text, cut for quoting in a cause.
    pub fn quote(fact: &Fact) -> String {
        super::words::short(&fact.text, 140)
    }
}

/// The recipe checkout a static fact was read from, for a command.
pub fn checkout_of(fact: &Fact) -> Option<std::path::PathBuf> {
    match &fact.source {
        crate::model::Source::Git(g) => Some(g.repo.clone()),
        crate::model::Source::File(loc) => {
            // `<checkout>/<file>`: files of a recipe sit at most a few
            // levels down; compose files at the top.
            loc.path.parent().map(std::path::Path::to_path_buf)
        }
        crate::model::Source::Command(_) => None,
    }
}
