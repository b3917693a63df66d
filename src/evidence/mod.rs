//! Evidence: the facts a verdict rests on, each with its source.
//!
//! For one failure this stage gathers, from what the inputs make
//! available:
//! - the signals: rules matched on the failure's message, its run's
//!   console and the sweep's lines about its recipe ([`Facts::signals`]);
//! - cross-run facts: the same test in other runs, alone or under load,
//!   and the canonical ([`crossrun`]);
//! - static recipe checks on the recipe at the tested tag (backup round
//!   trip, bare-name routing, compose vs swarm) ([`recipe`]);
//! - git facts: whether an overlay's expectation exists in any release tag
//!   or on the default branch ([`git`]);
//! - live or replayed probes (`--probe`, `--probe-replay`).
//!
//! A check that lacks its input is skipped and says so in
//! [`Facts::skipped`], so a verdict can tell "looked and found nothing"
//! from "could not look". Nothing here decides a class: that is
//! `verdict`'s job.

pub mod crossrun;
pub mod git;
pub mod recipe;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::ingest::Ingested;
use crate::model::{Failure, Run, Signal, TestSource};
use crate::probe::{DnsReport, Prober};
use crate::rules::{RuleSet, ids};

pub use crossrun::CrossRun;

/// Where static checks and git facts come from, beside the runs.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    /// Recipe checkouts for runs without their own.
    pub recipes: Option<PathBuf>,
    /// The cc-ci checkout (overlay tests, recipe_meta.py).
    pub ccci: Option<PathBuf>,
}

/// The recipe's static check results at the tested ref.
#[derive(Clone, Debug)]
pub struct StaticFacts {
    pub checkout: PathBuf,
    /// The git tag the files were read at, when they were.
    pub tag: Option<String>,
    /// How to see the same files: `git -C <checkout> show <tag>:<file>` or
    /// the work tree path.
    pub origin: String,
    pub report: recipe::RecipeReport,
}

impl StaticFacts {
    /// How a reader sees `file` of this recipe at the checked ref.
    pub fn source_of(&self, file: &str, line: Option<u32>) -> String {
        let line = line.map(|l| format!(" (line {l})")).unwrap_or_default();
        match &self.tag {
            Some(tag) => format!("git -C {} show {tag}:{file}{line}", self.checkout.display()),
            None => format!("{}{line}", self.checkout.join(file).display()),
        }
    }
}

/// What an overlay assertion expects, and whether any release has it.
#[derive(Clone, Debug)]
pub struct StaleFacts {
    /// What the failed assertion expects to find (`discourse/discourse:3.5.3`)
    /// or to be gone (`sidekiq`).
    pub needle: String,
    /// `true`: the test expects the needle present; `false`: absent.
    pub expect_present: bool,
    /// The deploy's side of the assertion, when pytest showed it.
    pub actual: Option<String>,
    /// The search across tags and the default branch; `None` without git.
    pub search: Option<git::Search>,
    /// Work-tree check when there is no git repository: whether the needle
    /// is in the checkout's files.
    pub in_worktree: Option<bool>,
    pub checkout: PathBuf,
    /// The compose file at the tested tag against what the overlay
    /// expects, as a unified diff (image expectations only).
    pub diff: Option<String>,
    /// The line of the overlay test (in the `--ccci` checkout) that holds
    /// the expectation, when the checkout was given.
    pub overlay_line: Option<crate::model::Evidence>,
}

impl StaleFacts {
    /// The expectation holds in no release tag.
    pub fn absent_from_releases(&self) -> bool {
        match (&self.search, self.in_worktree) {
            (Some(s), _) => {
                let tags = s
                    .refs_searched
                    .iter()
                    .filter(|r| Some(*r) != s.default_branch.as_ref())
                    .count();
                let with = s.tags_with_needle().len();
                if self.expect_present {
                    with == 0
                } else {
                    with == tags && tags > 0
                }
            }
            (None, Some(found)) => found != self.expect_present,
            _ => false,
        }
    }

    /// The expectation holds on the default branch (ahead of a release).
    pub fn on_default_branch(&self) -> bool {
        let Some(s) = &self.search else { return false };
        let found = s.on_default_branch.is_some();
        s.default_branch.is_some() && found == self.expect_present
    }
}

/// A sibling recipe that does the thing right: the reference to diff
/// against.
#[derive(Clone, Debug)]
pub struct Reference {
    pub recipe: String,
    pub run_id: String,
    pub facts: Rc<StaticFacts>,
    pub service: String,
}

/// Everything gathered for one failure.
#[derive(Clone, Debug)]
pub struct Facts {
    pub signals: Vec<Signal>,
    pub cross: CrossRun,
    pub recipe: Option<Rc<StaticFacts>>,
    pub stale: Option<StaleFacts>,
    pub reference: Option<Reference>,
    pub probe: Option<DnsReport>,
    /// The test's outcomes across every indexed run of the recipe.
    pub history: Option<crate::history::TestHistory>,
    /// Causes this run shares with other recipes of its sweep (the same
    /// signature or message): one cause on the node, not one per recipe.
    pub shared: Vec<crate::history::CoFailure>,
    /// Checks that could not run, and why.
    pub skipped: Vec<String>,
}

impl Facts {
    pub fn has(&self, rule: &str) -> bool {
        self.signals.iter().any(|s| s.rule == rule)
    }

    pub fn signal(&self, rule: &str) -> Option<&Signal> {
        self.signals.iter().find(|s| s.rule == rule)
    }
}

/// Gathers facts, caching what several failures share (a recipe's static
/// checks at a tag are computed once).
pub struct Gatherer<'a> {
    pub ingested: &'a Ingested,
    pub rules: &'a RuleSet,
    pub sources: Sources,
    pub prober: Option<&'a mut Prober>,
    /// The run index, when triage could open it.
    pub history: Option<&'a crate::history::History>,
    /// The sweep's shared causes, computed once from the index.
    co_failures: Option<Vec<crate::history::CoFailure>>,
    statics: HashMap<(PathBuf, Option<String>), Option<Rc<StaticFacts>>>,
    /// Probe errors, reported once as warnings.
    pub probe_warnings: Vec<String>,
}

impl<'a> Gatherer<'a> {
    pub fn new(
        ingested: &'a Ingested,
        rules: &'a RuleSet,
        sources: Sources,
        prober: Option<&'a mut Prober>,
    ) -> Self {
        Gatherer {
            ingested,
            rules,
            sources,
            prober,
            history: None,
            co_failures: None,
            statics: HashMap::new(),
            probe_warnings: Vec::new(),
        }
    }

    /// All facts for one failure.
    pub fn gather(&mut self, failure: &Failure) -> Facts {
        let mut skipped = Vec::new();
        let signals = self.signals(failure);
        let cross = crossrun::gather(failure, self.ingested);
        if self.ingested.canonicals.is_empty() {
            skipped.push("canonicals: none read (pass --canonicals DIR)".to_string());
        }
        let run = self.ingested.run(&failure.run_id);
        let checkout = self.checkout(failure, run);
        let recipe = match &checkout {
            Some(dir) => self.static_facts(dir, failure.tag.as_deref()),
            None => {
                skipped.push(format!(
                    "static recipe checks: no checkout of {} (neither the run's abra/recipes/ nor --recipes)",
                    failure.recipe.as_deref().unwrap_or("the recipe")
                ));
                None
            }
        };
        let stale = match &checkout {
            Some(dir) if is_overlay(failure) => self.stale(failure, &signals, dir, &mut skipped),
            _ => None,
        };
        let reference = match &recipe {
            Some(r) if has_backup_finding(r) => self.reference(failure),
            _ => None,
        };
        let probe = self.probe(failure, recipe.as_deref(), &signals, &mut skipped);
        let history = match (self.history, &failure.recipe, &failure.test) {
            (Some(h), Some(r), Some(t)) => h.test_history(r, t).ok().filter(|th| th.total > 1),
            (None, _, Some(_)) => {
                skipped.push("history: no run index (a single file, or --no-history)".into());
                None
            }
            _ => None,
        };
        let shared = self
            .co_failures()
            .iter()
            .filter(|c| c.runs.contains(&failure.run_id))
            .cloned()
            .collect();
        Facts {
            signals,
            cross,
            recipe,
            stale,
            reference,
            probe,
            history,
            shared,
            skipped,
        }
    }

    /// The causes shared by several recipes of the sweep runs read (from
    /// the index), computed on first use.
    fn co_failures(&mut self) -> &[crate::history::CoFailure] {
        if self.co_failures.is_none() {
            let sweep_runs: Vec<String> = self
                .ingested
                .runs
                .iter()
                .filter(|r| r.kind == crate::model::RunKind::Sweep)
                .map(|r| r.id.clone())
                .collect();
            let found = match self.history {
                Some(h) if sweep_runs.len() >= 2 => h.co_failures(&sweep_runs),
                _ => Vec::new(),
            };
            self.co_failures = Some(found);
        }
        self.co_failures.as_deref().unwrap_or(&[])
    }

    /// Rules matched on the failure's message and body, its run's console,
    /// and the sweep lines about its recipe.
    fn signals(&self, failure: &Failure) -> Vec<Signal> {
        let mut out = Vec::new();
        let text = match &failure.detail {
            Some(d) => format!("{}\n{d}", failure.message),
            None => failure.message.clone(),
        };
        out.extend(self.rules.scan_message(&text, &failure.loc));
        if let Some(s) = self.ingested.console_signals.get(&failure.run_id) {
            out.extend(s.iter().cloned());
        }
        if let (Some(sweep), Some(recipe)) = (&self.ingested.sweep, &failure.recipe) {
            if let Some(entry) = sweep.entries.iter().find(|e| &e.recipe == recipe) {
                let lines: Vec<u32> = entry.lines.iter().map(|(n, _)| *n).collect();
                out.extend(
                    self.ingested
                        .sweep_signals
                        .iter()
                        .filter(|s| s.loc.line.is_some_and(|l| lines.contains(&l)))
                        .cloned(),
                );
            }
        }
        out
    }

    fn checkout(&self, failure: &Failure, run: Option<&Run>) -> Option<PathBuf> {
        if let Some(c) = run.and_then(|r| r.checkout.clone()) {
            return Some(c);
        }
        let recipe = failure.recipe.as_ref()?;
        // A sweep's promote: the sweep run of that recipe has the checkout.
        let from_sibling = self
            .ingested
            .runs
            .iter()
            .filter(|r| r.recipe.as_ref() == Some(recipe) && r.version == failure.tag)
            .find_map(|r| r.checkout.clone());
        from_sibling.or_else(|| {
            let dir = self.sources.recipes.as_ref()?.join(recipe);
            dir.is_dir().then_some(dir)
        })
    }

    /// The static checks of the recipe at `tag` (cached).
    pub fn static_facts(&mut self, checkout: &Path, tag: Option<&str>) -> Option<Rc<StaticFacts>> {
        let key = (checkout.to_path_buf(), tag.map(str::to_string));
        if let Some(hit) = self.statics.get(&key) {
            return hit.clone();
        }
        let facts = self.read_static(checkout, tag).map(Rc::new);
        self.statics.insert(key, facts.clone());
        facts
    }

    fn read_static(&self, checkout: &Path, tag: Option<&str>) -> Option<StaticFacts> {
        let at_tag = tag.and_then(|t| {
            let repo = git::Repo::open(checkout)?;
            let tags = repo.tags().ok()?;
            let found = git::find_tag(&tags, t)?.name.clone();
            let files = repo.files_at(&found, |p| !p.starts_with(".git")).ok()?;
            Some((found, files))
        });
        let (files, tag) = match at_tag {
            Some((tag, files)) => (
                recipe::RecipeFiles {
                    origin: format!("{} at tag {tag}", checkout.display()),
                    files,
                },
                Some(tag),
            ),
            None => (recipe::RecipeFiles::from_dir(checkout).ok()?, None),
        };
        let mut facts = StaticFacts {
            checkout: checkout.to_path_buf(),
            origin: files.origin.clone(),
            tag,
            report: recipe::check(&files, self.rules),
        };
        // Findings cite `compose.yml:49`; make that something a reader can
        // run or open: the file at the tag, or in the checkout.
        let mut findings = std::mem::take(&mut facts.report.findings);
        for f in &mut findings {
            for e in &mut f.evidence {
                let (file, line) = match e.source.rsplit_once(':') {
                    Some((file, n)) if n.parse::<u32>().is_ok() => {
                        (file.to_string(), n.parse().ok())
                    }
                    _ => (e.source.clone(), None),
                };
                if files.files.contains_key(&file) {
                    e.source = facts.source_of(&file, line);
                }
            }
        }
        facts.report.findings = findings;
        Some(facts)
    }

    /// The stale-overlay check: take the expected side of the failed
    /// assertion and look for it in every release tag and the default
    /// branch.
    fn stale(
        &self,
        failure: &Failure,
        signals: &[Signal],
        checkout: &Path,
        skipped: &mut Vec<String>,
    ) -> Option<StaleFacts> {
        let msg: Vec<&Signal> = signals.iter().filter(|s| s.loc == failure.loc).collect();
        let find = |id: &str| msg.iter().find(|s| s.rule == id);
        let (needle, expect_present, actual, compose_only) = if let Some(s) =
            find(ids::MSG_ASSERT_EQ)
        {
            let expected = unquote(s.capture("expected")?);
            // Only artefacts a recipe release carries can be looked up: an
            // image reference. `assert 404 == 200` is not a recipe fact.
            if !self.rules.is_match(ids::MSG_IMAGE_REF, &expected) {
                skipped.push(format!("stale-overlay: the expected side `{expected}` is not an image reference; not looked up"));
                return None;
            }
            (expected, true, s.capture("actual").map(unquote), false)
        } else if let Some(s) = find(ids::MSG_ASSERT_NOT_IN) {
            (
                unquote(s.capture("item")?),
                false,
                s.capture("container").map(str::to_string),
                true,
            )
        } else if let Some(s) = find(ids::MSG_ASSERT_IN) {
            (
                unquote(s.capture("item")?),
                true,
                s.capture("container").map(str::to_string),
                true,
            )
        } else {
            return None;
        };
        if needle.len() < 3 {
            return None;
        }
        let filter = move |p: &str| {
            let name = p.rsplit('/').next().unwrap_or(p);
            !compose_only
                || (name.starts_with("compose")
                    && (name.ends_with(".yml") || name.ends_with(".yaml")))
        };
        let (search, in_worktree) = match git::Repo::open(checkout) {
            Some(repo) => match repo.search(&needle, filter) {
                Ok(s) => (Some(s), None),
                Err(e) => {
                    skipped.push(format!("stale-overlay git search: {e}"));
                    (None, None)
                }
            },
            None => {
                skipped.push(format!(
                    "stale-overlay: {} is not a git checkout; only its work tree was searched, not the release tags",
                    checkout.display()
                ));
                let files = recipe::RecipeFiles::from_dir(checkout).ok()?;
                let found = files
                    .files
                    .iter()
                    .any(|(p, t)| filter(p) && t.contains(&needle));
                (None, Some(found))
            }
        };
        let diff = match (&actual, expect_present, failure.tag.as_deref()) {
            (Some(a), true, Some(tag)) => expectation_diff(checkout, tag, a, &needle),
            _ => None,
        };
        let overlay_line = match (&self.sources.ccci, &failure.test) {
            (Some(ccci), Some(test)) => overlay_line(ccci, test, &needle),
            (None, _) => {
                skipped.push(
                    "overlay source: no --ccci checkout, the test's own line is not cited".into(),
                );
                None
            }
            _ => None,
        };
        Some(StaleFacts {
            needle,
            expect_present,
            actual,
            search,
            in_worktree,
            checkout: checkout.to_path_buf(),
            diff,
            overlay_line,
        })
    }

    /// A sibling recipe in the runs whose database service round-trips:
    /// dumps in a pre-hook and replays in a restore post-hook.
    fn reference(&mut self, failure: &Failure) -> Option<Reference> {
        // Rank the runs: a wholly green run first, then one whose restore
        // passed; within a rank, the newest. "A recipe that passes the same
        // test" is the reference worth diffing against.
        let mut candidates: Vec<(u8, String, String, PathBuf, Option<String>)> = self
            .ingested
            .runs
            .iter()
            .filter(|r| r.recipe.is_some() && r.recipe != failure.recipe)
            .filter_map(|r| {
                let red = r.tests().any(|t| t.outcome.is_red())
                    || r.record
                        .as_ref()
                        .is_some_and(|rec| rec.results.values().any(|s| s.is_red()));
                let recorded = r.record.is_some() || !r.console_results.is_empty();
                let restore_green = r.tests().any(|t| {
                    t.outcome == crate::model::Outcome::Pass
                        && t.tier == Some(crate::model::Tier::Restore)
                });
                let rank = match (recorded && !red, restore_green) {
                    (true, _) => 0,
                    (false, true) => 1,
                    (false, false) => 2,
                };
                Some((
                    rank,
                    r.recipe.clone()?,
                    r.id.clone(),
                    r.checkout.clone()?,
                    r.version.clone(),
                ))
            })
            .collect();
        candidates.sort_by_key(|c| c.0);
        let engine = |image: Option<&String>| -> &'static str {
            let i = image.map(String::as_str).unwrap_or("");
            if i.contains("postgres") || i.contains("pgvecto") {
                "postgres"
            } else if i.contains("mariadb") || i.contains("mysql") {
                "mysql"
            } else {
                "other"
            }
        };
        let ours = self
            .ingested
            .run(&failure.run_id)
            .and_then(|r| r.checkout.clone())
            .and_then(|c| self.static_facts(&c, failure.tag.as_deref()));
        let our_engine = ours
            .as_ref()
            .and_then(|f| {
                f.report.findings.iter().find_map(|x| {
                    f.report
                        .services
                        .iter()
                        .find(|s| s.name == x.service)
                        .map(|s| engine(s.image.as_ref()))
                })
            })
            .unwrap_or("other");
        let mut fallback = None;
        for (_, recipe, run_id, checkout, version) in candidates {
            let Some(facts) = self.static_facts(&checkout, version.as_deref()) else {
                continue;
            };
            let good = facts.report.services.iter().find(|s| {
                let pre = s.labels.get("backupbot.backup.pre-hook");
                let post = s.labels.get("backupbot.restore.post-hook");
                pre.is_some_and(|v| self.rules.is_match(ids::LABEL_DB_DUMP, v))
                    && post.is_some_and(|v| self.rules.is_match(ids::LABEL_DB_RESTORE, v))
            });
            if let Some(s) = good {
                let found = Reference {
                    recipe,
                    run_id,
                    facts: facts.clone(),
                    service: s.name.clone(),
                };
                if engine(s.image.as_ref()) == our_engine {
                    return Some(found);
                }
                fallback.get_or_insert(found);
            }
        }
        fallback
    }

    /// A live (or replayed) DNS probe for a routing suspect whose stack may
    /// still be deployed: the warm stack for a promote, else the cold one.
    fn probe(
        &mut self,
        failure: &Failure,
        recipe: Option<&StaticFacts>,
        signals: &[Signal],
        skipped: &mut Vec<String>,
    ) -> Option<DnsReport> {
        // Only routing suspects are probed: a failed promote, or a run that
        // got no HTTP answer or a refused on-demand TLS ask.
        let suspect = failure.tier == crate::model::Tier::Promote
            || signals.iter().any(|s| {
                matches!(
                    s.rule.as_str(),
                    ids::HEALTH_NO_ANSWER | ids::TLS_ASK_REFUSED | ids::MSG_NO_HTTP_ANSWER
                )
            });
        if !suspect {
            return None;
        }
        let prober = self.prober.as_deref_mut()?;
        let recipe_name = failure.recipe.as_deref()?;
        let finding = recipe?.report.findings.iter().find_map(|f| match &f.kind {
            recipe::FindingKind::BareNameRouting { from, name, .. } => {
                Some((from.clone(), name.clone()))
            }
            _ => None,
        })?;
        let stack = if failure.tier == crate::model::Tier::Promote {
            recipe::warm_stack_name(recipe_name)
        } else {
            match self
                .ingested
                .run(&failure.run_id)
                .and_then(|r| stack_of_run(r, self.ingested))
            {
                Some(s) => s,
                None => recipe::warm_stack_name(recipe_name),
            }
        };
        let target = format!("{stack}_{}", finding.0);
        match prober.dns(&target, &finding.1, 8) {
            Ok(report) => Some(report),
            Err(e) => {
                skipped.push(format!("probe dns {target} {}: {}", finding.1, e.message));
                self.probe_warnings
                    .push(format!("probe {target}: {}", e.message));
                None
            }
        }
    }
}

/// The stack a cold run deployed, from its console (`deploy: … <stack>`).
fn stack_of_run(run: &Run, ingested: &Ingested) -> Option<String> {
    ingested
        .console_signals
        .get(&run.id)?
        .iter()
        .find(|s| s.rule == ids::DEPLOY_CONVERGED)
        .and_then(|s| s.capture("stack"))
        .map(str::to_string)
}

fn is_overlay(f: &Failure) -> bool {
    f.test.is_some() && f.source == TestSource::Overlay
}

fn has_backup_finding(f: &StaticFacts) -> bool {
    f.report.findings.iter().any(|x| {
        matches!(
            x.kind,
            recipe::FindingKind::RestoreReplaysNoDump { .. }
                | recipe::FindingKind::LiveDataDir { .. }
        )
    })
}

/// The file at the tested tag (or the work tree) that holds the deploy's
/// side of an assertion, against the same file with the overlay's
/// expectation in its place: what the overlay assumes the release to be.
fn expectation_diff(checkout: &Path, tag: &str, actual: &str, expected: &str) -> Option<String> {
    let files = match git::Repo::open(checkout) {
        Some(repo) => {
            let tags = repo.tags().ok()?;
            let t = git::find_tag(&tags, tag)?.name.clone();
            repo.files_at(&t, recipe::is_recipe_file).ok()?
        }
        None => recipe::RecipeFiles::from_dir(checkout).ok()?.files,
    };
    let (path, old) = files.iter().find(|(_, text)| text.contains(actual))?;
    let new = old.replace(actual, expected);
    Some(
        similar::TextDiff::from_lines(old.as_str(), new.as_str())
            .unified_diff()
            .context_radius(2)
            .header(
                &format!("{path} ({tag})"),
                &format!("{path} (what the overlay expects)"),
            )
            .to_string(),
    )
}

/// The line of an overlay test module in the cc-ci checkout that holds
/// `needle` (a literal search; the module comes from the test id,
/// `tests/<recipe>/<module>.py::<name>`).
fn overlay_line(ccci: &Path, test: &str, needle: &str) -> Option<crate::model::Evidence> {
    let module = test.split("::").next()?;
    let path = ccci.join(module);
    let text = std::fs::read_to_string(&path).ok()?;
    // The needle as a quoted literal (the assertion or its constant)
    // before a mention in prose.
    let quoted = [format!("\"{needle}\""), format!("'{needle}'")];
    let (n, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| quoted.iter().any(|q| l.contains(q.as_str())))
        .or_else(|| text.lines().enumerate().find(|(_, l)| l.contains(needle)))?;
    Some(crate::model::Evidence::new(
        format!("{}:{}", path.display(), n + 1),
        line.trim().to_string(),
    ))
}

/// The version of a run that recorded none (no results.json, no console):
/// the release tag its checkout is at, else the recipe's own
/// `coop-cloud.${STACK_NAME}.version` label in the checkout.
pub fn version_from_checkout(dir: &Path, rules: &RuleSet) -> Option<String> {
    if let Some(repo) = git::Repo::open(dir) {
        let head = repo.head_commit().ok().flatten();
        if let (Some(head), Ok(tags)) = (head, repo.tags()) {
            if let Some(t) = tags.iter().rev().find(|t| t.commit == head) {
                return Some(t.name.clone());
            }
        }
    }
    let files = recipe::RecipeFiles::from_dir(dir).ok()?;
    let report = recipe::check(&files, rules);
    report.services.iter().find_map(|s| {
        s.labels.iter().find_map(|(k, v)| {
            (k.starts_with("coop-cloud.") && k.ends_with(".version") && !v.is_empty())
                .then(|| v.clone())
        })
    })
}

/// `'x'` or `"x"` → `x`.
pub fn unquote(s: &str) -> String {
    let s = s.trim();
    for q in ['\'', '"'] {
        if s.len() >= 2 && s.starts_with(q) && s.ends_with(q) {
            return s[1..s.len() - 1].to_string();
        }
    }
    s.to_string()
}
