//! Reports: every rendering, from what the pipeline decided.
//!
//! Every format here is a pure function of what it is given: nothing in
//! this module reads an input file, runs a check or changes a verdict (the
//! one write is [`journal::append`], which only adds bytes at the end of a
//! file). That is what lets the same verdicts print as a terminal table,
//! the JSON contract, a PR comment, a journal entry and a page, and agree.
//!
//! Two guarantees hold for every format:
//! - text read from an input goes through the one sanitiser ([`text`]) for
//!   its target: terminal text is [`text::clean`]ed (no escape sequence,
//!   no control character reaches a terminal), Markdown is made inert
//!   ([`text::md_inline`], [`text::code_span`], [`text::fence`]), HTML is
//!   escaped ([`html`]);
//! - tables come from one builder ([`grid`]): one header style, as wide as
//!   the terminal (readable at 80 columns), and nothing an operator types
//!   again (a run id, an `explain` argument) is ever cut.

pub mod check;
pub mod explain;
pub mod grid;
pub mod history;
pub mod html;
pub mod journal;
pub mod json;
pub mod markdown;
pub mod probe;
pub mod rules;
pub mod table;
pub mod text;

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::model::{Class, Run, Sweep, Tier, TierStatus, Triaged, Warning};

/// How a console given with `--console` was placed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsoleNote {
    pub path: PathBuf,
    /// The run it was taken for, and why; `None` when it matched none.
    pub run: Option<String>,
    pub why: String,
}

/// Everything a report needs: already read, already decided, already
/// filtered.
pub struct Report<'a> {
    /// The paths triage was given, as the user wrote them (JSON `inputs`).
    pub inputs: Vec<String>,
    /// What is reported, in words (`what is red now under …`).
    pub scope: String,
    /// The runs reported, in time order.
    pub runs: &'a [Run],
    /// Every failure with its verdict.
    pub triaged: &'a [Triaged],
    /// Warnings about what is reported.
    pub warnings: &'a [Warning],
    /// Warnings about runs not reported, counted only.
    pub other_warnings: usize,
    /// Consoles given with `--console`, and where each went.
    pub consoles: &'a [ConsoleNote],
    /// The sweeps read.
    pub sweeps: &'a [Sweep],
    /// Runs roots in play: evidence paths under them print relative.
    pub roots: Vec<PathBuf>,
    /// The input arguments a printed `explain` command repeats (quoted;
    /// empty for the default root and no flags).
    pub rerun: String,
}

impl Report<'_> {
    /// `ccci-triage explain <run> <test>` with this report's inputs.
    pub fn explain_command(&self, f: &crate::model::Failure) -> String {
        let cmd = f.explain_command();
        if self.rerun.is_empty() {
            cmd
        } else {
            format!("{cmd} {}", self.rerun)
        }
    }

    /// The run with this id, if it is reported.
    pub fn run(&self, id: &str) -> Option<&Run> {
        self.runs.iter().find(|r| r.id == id)
    }

    /// How many failures each class has, in [`Class::ALL`] order.
    pub fn class_counts(&self) -> Vec<(Class, usize)> {
        Class::ALL
            .into_iter()
            .map(|c| {
                (
                    c,
                    self.triaged.iter().filter(|t| t.verdict.class == c).count(),
                )
            })
            .filter(|&(_, n)| n > 0)
            .collect()
    }

    /// `"1 flake, 2 recipe-defect"`, or `None` with no failures.
    pub fn class_summary(&self) -> Option<String> {
        let counts = self.class_counts();
        if counts.is_empty() {
            return None;
        }
        Some(
            counts
                .iter()
                .map(|(c, n)| format!("{n} {c}"))
                .collect::<Vec<_>>()
                .join(", "),
        )
    }

    /// The failures grouped by cause, in the order to act on them.
    pub fn groups(&self) -> Vec<Group<'_>> {
        groups(self.triaged)
    }

    /// A source with the node's paths made relative: under a runs root,
    /// the path from the root (`753/junit/x.xml:12`); a git command on a
    /// recipe checkout, the object in the recipe repository
    /// (`git show 2.1.9+10.11.15:compose.yml`).
    pub fn relative(&self, source: &str) -> String {
        relative(source, &self.roots)
    }
}

/// Failures that share one cause: one row of the table, one section of
/// the PR report.
pub struct Group<'a> {
    /// The failure that stands for the group: the most confident.
    pub lead: &'a Triaged,
    pub members: Vec<&'a Triaged>,
}

impl Group<'_> {
    /// The runs the group was seen in, in the order met.
    pub fn runs(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = Vec::new();
        for t in &self.members {
            if !ids.contains(&t.failure.run_id.as_str()) {
                ids.push(&t.failure.run_id);
            }
        }
        ids
    }

    /// The distinct things that failed (test names, or tiers).
    pub fn what(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for t in &self.members {
            let w = match &t.failure.test {
                Some(test) => text::short_test(test).to_string(),
                None => t.failure.tier.to_string(),
            };
            if !out.contains(&w) {
                out.push(w);
            }
        }
        out
    }
}

/// (class, rule, recipe, test or tier).
type GroupKey = (Class, Option<String>, Option<String>, String);

/// What makes two failures one cause: a harness signature is one cause on
/// the node whatever it hit; a static finding in a recipe's files (its
/// backup labels, a bare name) is one cause per recipe whatever test it
/// failed; anything else is one cause per recipe and test (or tier) under
/// the same class and rule.
fn group_key(t: &Triaged) -> GroupKey {
    let v = &t.verdict;
    let f = &t.failure;
    if v.rung == crate::model::Rung::HarnessSignature {
        return (v.class, v.rule.clone(), None, String::new());
    }
    if v.rule
        .as_deref()
        .is_some_and(|r| crate::evidence::recipe::checks::ALL.contains(&r))
    {
        return (v.class, v.rule.clone(), f.recipe.clone(), String::new());
    }
    let what = f.test.clone().unwrap_or_else(|| f.tier.to_string());
    (v.class, v.rule.clone(), f.recipe.clone(), what)
}

/// [`Report::groups`] over any list of failures.
pub fn groups(triaged: &[Triaged]) -> Vec<Group<'_>> {
    let mut by: BTreeMap<GroupKey, Vec<&Triaged>> = BTreeMap::new();
    let mut order = Vec::new();
    for t in triaged {
        let k = group_key(t);
        if !by.contains_key(&k) {
            order.push(k.clone());
        }
        by.entry(k).or_default().push(t);
    }
    let mut out: Vec<Group> = order
        .into_iter()
        .filter_map(|k| by.remove(&k))
        .map(|members| {
            let lead = members
                .iter()
                .copied()
                .max_by_key(|t| t.verdict.confidence)
                .unwrap_or(members[0]);
            Group { lead, members }
        })
        .collect();
    // What to act on first: a PR or a cc-ci change, then the node, then
    // flakes, then unknowns; surer findings first within each.
    out.sort_by_key(|g| {
        (
            g.lead.verdict.class.priority(),
            std::cmp::Reverse(g.lead.verdict.confidence),
        )
    });
    out
}

/// Paths as a recipe's maintainer reads them (the PR report): a file of a
/// recipe checkout relative to the recipe repository (`compose.yml:49`,
/// `git show 2.1.9+10.11.15:compose.yml`), another recipe's named
/// (`immich recipe: compose.yml`), a run's files relative to the runs root
/// (`753/junit/x.xml:12`), and any other node path by its file name.
pub struct RecipePaths {
    roots: Vec<PathBuf>,
    /// (checkout directory, recipe), longest first.
    checkouts: Vec<(String, String)>,
    /// Input files outside the runs roots (sweep logs, consoles), which
    /// prose may cite by their node path.
    files: Vec<String>,
}

impl RecipePaths {
    /// The checkouts the report's runs and facts name.
    pub fn of(report: &Report) -> RecipePaths {
        let mut dirs: Vec<String> = report
            .runs
            .iter()
            .filter_map(|r| r.checkout.as_ref())
            .map(|p| p.display().to_string())
            .collect();
        for t in report.triaged {
            dirs.extend(t.facts.iter().filter_map(|x| source_checkout(&x.source)));
        }
        let mut checkouts: Vec<(String, String)> = dirs
            .into_iter()
            .map(|d| d.trim_end_matches('/').to_string())
            .filter(|d| d.len() > 1)
            .map(|d| {
                let name = d.rsplit('/').next().unwrap_or(&d).to_string();
                (d, name)
            })
            .collect();
        checkouts.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        checkouts.dedup();
        let mut files: Vec<String> = report
            .sweeps
            .iter()
            .map(|s| s.path.display().to_string())
            .chain(report.consoles.iter().map(|c| c.path.display().to_string()))
            .filter(|p| p.starts_with('/'))
            .collect();
        files.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        files.dedup();
        RecipePaths {
            roots: report.roots.clone(),
            checkouts,
            files,
        }
    }

    /// A source for the report of a failure of recipe `own`.
    pub fn source(&self, source: &str, own: Option<&str>) -> String {
        let named = |name: &str, rest: String| {
            if Some(name) == own {
                rest
            } else {
                format!("{name} recipe: {rest}")
            }
        };
        if let Some(rest) = source.strip_prefix("git -C ") {
            for (dir, name) in &self.checkouts {
                if let Some(tail) = rest
                    .strip_prefix(dir.as_str())
                    .and_then(|t| t.strip_prefix(' '))
                {
                    return named(name, format!("git {}", tail));
                }
            }
            let dir = rest.split(' ').next().unwrap_or("");
            let name = dir.trim_end_matches('/').rsplit('/').next().unwrap_or(dir);
            return named(name, relative(source, &self.roots));
        }
        for (dir, name) in &self.checkouts {
            if let Some(rest) = source
                .strip_prefix(dir.as_str())
                .and_then(|t| t.strip_prefix('/'))
            {
                return named(name, rest.to_string());
            }
        }
        let rel = relative(source, &self.roots);
        if rel.starts_with('/') && !rel.contains(' ') {
            return short(&rel);
        }
        rel
    }

    /// Prose (a cause, a command) with the node's paths replaced: recipe
    /// `own`'s checkout by `.` (the recipe repository), another recipe's by
    /// its name, the runs roots dropped. Says whether `own`'s checkout was
    /// named.
    pub fn prose(&self, text: &str, own: Option<&str>) -> (String, bool) {
        let mut out = text.to_string();
        let mut in_repo = false;
        for (dir, name) in &self.checkouts {
            if out.contains(dir.as_str()) {
                if Some(name.as_str()) == own {
                    in_repo = true;
                    out = out
                        .replace(&format!("{dir}/"), "")
                        .replace(dir.as_str(), ".");
                } else {
                    out = out.replace(dir.as_str(), name);
                }
            }
        }
        for root in &self.roots {
            let r = format!("{}/", root.display().to_string().trim_end_matches('/'));
            if r.len() > 2 {
                out = out.replace(&r, "");
            }
        }
        for f in &self.files {
            if out.contains(f.as_str()) {
                out = out.replace(f.as_str(), &short(f));
            }
        }
        (out, in_repo)
    }
}

/// A node path outside the runs by its last three parts, which say what
/// it is (`…/ci-warm/mumble/canonical.json`).
fn short(path: &str) -> String {
    let parts: Vec<&str> = path.rsplitn(4, '/').collect();
    if parts.len() == 4 && !parts[3].is_empty() {
        format!("…/{}/{}/{}", parts[2], parts[1], parts[0])
    } else {
        path.to_string()
    }
}

/// Whether a report reads this fact beyond the verdict resting on it: a
/// proposal (the files and tag its diff applies to) or a fact read from
/// a recipe checkout (how [`RecipePaths`] names paths). Only `explain`
/// shows every fact; a triage keeps these and drops the rest once each
/// verdict is decided.
pub fn reads_beyond_verdict(fact: &crate::model::Fact) -> bool {
    matches!(fact.kind, crate::model::FactKind::Proposal(_))
        || source_checkout(&fact.source).is_some()
}

/// The recipe checkout a fact's source is in: a git object's repository,
/// or the checkout a file stands in.
fn source_checkout(source: &crate::model::Source) -> Option<String> {
    match source {
        crate::model::Source::Git(g) => Some(g.repo.display().to_string()),
        crate::model::Source::File(loc) => {
            checkout_dir(&loc.path.display().to_string()).map(str::to_string)
        }
        crate::model::Source::Command(_) => None,
    }
}

/// `<…>/abra/recipes/<recipe>` of a path inside a run's recipe checkout.
fn checkout_dir(path: &str) -> Option<&str> {
    let i = path.find("/abra/recipes/")?;
    let after = i + "/abra/recipes/".len();
    let end = path[after..].find('/').map(|j| after + j)?;
    Some(&path[..end])
}

/// See [`Report::relative`].
pub fn relative(source: &str, roots: &[PathBuf]) -> String {
    if let Some(rest) = source.strip_prefix("git -C ") {
        // `git -C <dir> show <rev>:<file>`: the object, in the recipe repo.
        if let Some(i) = rest.find(" show ") {
            return format!("git show {}", &rest[i + 6..]);
        }
        if let Some(i) = rest.find(' ') {
            return format!("git {}", &rest[i + 1..]);
        }
    }
    for root in roots {
        let r = root.display().to_string();
        let r = r.trim_end_matches('/');
        if r.len() > 1
            && let Some(rest) = source.strip_prefix(r)
            && let Some(rest) = rest.strip_prefix('/')
        {
            return rest.to_string();
        }
    }
    source.to_string()
}

pub use crate::model::plural;

/// A tier's result as the journal and `explain` print it.
fn status_label(run: &Run, tier: Tier, status: TierStatus) -> &'static str {
    match status {
        TierStatus::Pass => "PASS",
        TierStatus::Fail => "FAIL",
        TierStatus::Error => "ERROR",
        TierStatus::Skip if run.expected_na.contains_key(&tier) => "EXPECTED_NA",
        TierStatus::Skip => "SKIP",
        TierStatus::Unver => "UNVER",
    }
}

/// `install PASS, upgrade FAIL, ...`, or `None` when the run recorded no
/// tier results.
pub fn tier_line(run: &Run) -> Option<String> {
    let mut tiers: BTreeMap<Tier, TierStatus> =
        run.tiers.iter().map(|(t, r)| (*t, r.status)).collect();
    for tier in run.expected_na.keys() {
        tiers.entry(*tier).or_insert(TierStatus::Skip);
    }
    if tiers.is_empty() {
        return None;
    }
    Some(
        tiers
            .iter()
            .map(|(tier, st)| format!("{tier} {}", status_label(run, *tier, *st)))
            .collect::<Vec<_>>()
            .join(", "),
    )
}

/// How a run's circumstances read in prose.
pub fn load_phrase(run: &Run) -> String {
    let mut s = format!("{} run", run.kind_label());
    if let Some(sweep) = &run.sweep {
        s.push_str(&format!(" (sweep {})", text::one_line(sweep)));
    }
    if !run.overlapping.is_empty() {
        let ids: Vec<String> = run.overlapping.iter().map(|i| text::one_line(i)).collect();
        s.push_str(&format!(", overlapping {}", ids.join(", ")));
    } else if run.span.is_known() {
        s.push_str(", no overlapping run");
    } else {
        s.push_str(", span unknown so its load is not known");
    }
    s
}

/// The terminal style: colour or not, and how wide.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Style {
    pub color: bool,
    pub width: usize,
}

impl Style {
    pub fn plain(width: usize) -> Style {
        Style {
            color: false,
            width,
        }
    }

    /// `text` in the class's colour (bold for unknown), when colour is on.
    /// Every colour reads on a dark and a light terminal (no dark blue).
    pub fn class(&self, class: Class, text: &str) -> String {
        if !self.color {
            return text.to_string();
        }
        let sgr = match class {
            Class::Flake => "33",
            Class::RecipeDefect => "31",
            Class::StaleOverlay => "35",
            Class::RoutingCollision => "36",
            Class::Harness => "94",
            Class::Unknown => "1",
        };
        format!("\u{1b}[{sgr}m{text}\u{1b}[0m")
    }

    /// A dim note (a hint line), when colour is on.
    pub fn dim(&self, text: &str) -> String {
        if self.color {
            format!("\u{1b}[2m{text}\u{1b}[0m")
        } else {
            text.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_paths_print_relative() {
        let roots = vec![PathBuf::from("/var/lib/cc-ci-runs")];
        assert_eq!(
            relative("/var/lib/cc-ci-runs/753/junit/x.xml:12", &roots),
            "753/junit/x.xml:12"
        );
        assert_eq!(
            relative(
                "git -C /var/lib/cc-ci-runs/753/abra/recipes/mattermost-lts show 2.1.9+10.11.15:compose.yml (line 40)",
                &roots
            ),
            "git show 2.1.9+10.11.15:compose.yml (line 40)"
        );
        assert_eq!(relative("/elsewhere/x.log:3", &roots), "/elsewhere/x.log:3");
    }

    #[test]
    fn a_maintainer_reads_paths_in_the_recipe_repository() {
        let p = RecipePaths {
            roots: vec![PathBuf::from("/var/lib/cc-ci-runs")],
            checkouts: vec![
                (
                    "/var/lib/cc-ci-runs/manual-immich-1/abra/recipes/immich".into(),
                    "immich".into(),
                ),
                (
                    "/var/lib/cc-ci-runs/753/abra/recipes/mattermost-lts".into(),
                    "mattermost-lts".into(),
                ),
            ],
            files: vec!["/home/op/logs/sweeps/2026-06-21.journal".into()],
        };
        let own = Some("mattermost-lts");
        assert_eq!(
            p.source(
                "git -C /var/lib/cc-ci-runs/753/abra/recipes/mattermost-lts show 2.1.9+10.11.15:compose.yml (line 49)",
                own
            ),
            "git show 2.1.9+10.11.15:compose.yml (line 49)"
        );
        assert_eq!(
            p.source(
                "/var/lib/cc-ci-runs/753/abra/recipes/mattermost-lts/compose.yml:49",
                own
            ),
            "compose.yml:49"
        );
        assert_eq!(
            p.source(
                "/var/lib/cc-ci-runs/manual-immich-1/abra/recipes/immich/compose.yml",
                own
            ),
            "immich recipe: compose.yml"
        );
        assert_eq!(
            p.source("/var/lib/cc-ci-runs/753/junit/x.xml:12", own),
            "753/junit/x.xml:12"
        );
        assert_eq!(
            p.source("/var/lib/ci-warm/mumble/canonical.json", own),
            "…/ci-warm/mumble/canonical.json"
        );
        assert_eq!(p.source("/tmp/x.log:8", own), "/tmp/x.log:8");
        assert_eq!(
            p.source("ccci-triage history --recipe x", own),
            "ccci-triage history --recipe x"
        );
        assert_eq!(
            p.prose(
                "ccci-triage check /var/lib/cc-ci-runs/753/abra/recipes/mattermost-lts --tag 2.1.9",
                own
            ),
            ("ccci-triage check . --tag 2.1.9".to_string(), true)
        );
        assert_eq!(
            p.prose("see /var/lib/cc-ci-runs/753/x.log:4", own),
            ("see 753/x.log:4".to_string(), false)
        );
        // Container paths in prose are the recipe's own words: kept.
        assert_eq!(
            p.prose(
                "`/var/lib/postgresql/data/` (/home/op/logs/sweeps/2026-06-21.journal:10)",
                own
            )
            .0,
            "`/var/lib/postgresql/data/` (…/logs/sweeps/2026-06-21.journal:10)"
        );
    }
}
