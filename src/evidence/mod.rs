//! Evidence: the facts a verdict rests on, each with its source.
//!
//! For one failure this stage gathers, from what the inputs make available
//! (each a [`Fact`] of a kind the verdict asks for):
//! - the lines the failure rests on, and every rule that recognised a line
//!   of its message, its test's output, its run's console or the sweep's
//!   lines for its recipe, with where the line stood ([`Place`]);
//! - how its run ended, and its load;
//! - what other runs of the same recipe and version did ([`crossrun`]),
//!   and a canonical written since;
//! - static checks on the recipe at the tested tag (backup round trip,
//!   bare-name routing with Docker's DNS order for this run's stack,
//!   compose vs swarm) ([`recipe`]), read once per (recipe, tag);
//! - whether a cc-ci test's expectation exists in any release tag or on
//!   the default branch ([`stale`]);
//! - a reference recipe that passes the same test, live or replayed probes,
//!   the test's history, a cause shared across the sweep.
//!
//! A triage gathers one recipe's failures at a time, each recipe with a
//! [`Context`] of its own runs; what outlives a recipe (static checks by
//! (recipe, tag), git searches, reference recipes) is in [`Caches`]. The
//! reference recipe is chosen last, from a [`Candidate`] of every run seen,
//! and its fact put where [`WantsReference`] kept its place. A plain fact
//! far from the failure (a health check's status every few seconds) is
//! cited at its first and last lines and counted between.
//!
//! A check that lacks its input says so as a [`FactKind::Skipped`] fact, so
//! a verdict can tell "looked and found nothing" from "could not look".
//! Nothing here decides a class: that is `verdict`'s job.

pub mod crossrun;
pub mod recipe;
pub mod stale;
mod statics;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::rc::Rc;

use crate::model::{
    Canonical, Fact, FactKind, Failure, Loc, Place, Role, Run, RunEnding, Signal, Source, Sweep,
    Tier,
};
use crate::rules::RuleSet;
use crate::sources::docker::Prober;

pub use statics::StaticFacts;

/// Where static checks and git facts come from, beside the runs.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    /// Recipe checkouts for runs without their own (`--recipes`).
    pub recipes: Option<PathBuf>,
    /// The cc-ci checkout (`--ccci`): the test line holding an expectation.
    pub ccci: Option<PathBuf>,
}

/// Every run known for this triage (the reported runs in full, the rest
/// as summaries), the canonicals and the sweeps: what cross-run facts are
/// computed over.
pub struct Context<'a> {
    runs: HashMap<&'a str, &'a Run>,
    by_recipe: HashMap<&'a str, Vec<&'a Run>>,
    pub canonicals: &'a BTreeMap<String, Canonical>,
    pub sweeps: &'a [Sweep],
}

impl<'a> Context<'a> {
    /// `runs` must be in time order.
    pub fn new(
        runs: impl IntoIterator<Item = &'a Run>,
        canonicals: &'a BTreeMap<String, Canonical>,
        sweeps: &'a [Sweep],
    ) -> Context<'a> {
        let mut by_id = HashMap::new();
        let mut by_recipe: HashMap<&str, Vec<&Run>> = HashMap::new();
        for r in runs {
            by_id.insert(r.id.as_str(), r);
            if let Some(recipe) = &r.recipe {
                by_recipe.entry(recipe.as_str()).or_default().push(r);
            }
        }
        Context {
            runs: by_id,
            by_recipe,
            canonicals,
            sweeps,
        }
    }

    pub fn run(&self, id: &str) -> Option<&'a Run> {
        self.runs.get(id).copied()
    }

    /// A recipe's runs in time order.
    pub fn of_recipe(&self, recipe: &str) -> &[&'a Run] {
        self.by_recipe.get(recipe).map(Vec::as_slice).unwrap_or(&[])
    }
}

/// A reference recipe found: (recipe, service, run id).
/// How many lines of a plain fact are cited at each end of its stretch
/// of the run's console, near the failure and far from it (see
/// `Gatherer::signs`).
const PLAIN_FACTS: usize = 4;

/// A reference recipe found: (recipe, service, run id, its compose.yml
/// as a source).
type Found = (String, String, String, Source);

/// A run a reference recipe may be taken from: one with its own
/// checkout that is green (rank 0) or whose restore passed (rank 1).
/// Tiny, so a triage keeps one for every run it saw, across recipes.
#[derive(Clone, Debug)]
pub struct Candidate {
    recipe: String,
    version: Option<String>,
    id: String,
    checkout: PathBuf,
    rank: u8,
    key: Option<jiff::Timestamp>,
}

impl Candidate {
    pub fn of(r: &Run) -> Option<Candidate> {
        let (recipe, checkout) = (r.recipe.as_ref()?, r.checkout.as_ref()?);
        let rank = if r.is_green() {
            0
        } else if r.tier(Tier::Restore).is_some_and(|s| !s.is_red()) {
            1
        } else {
            return None;
        };
        Some(Candidate {
            recipe: recipe.clone(),
            version: r.version.clone(),
            id: r.id.clone(),
            checkout: checkout.clone(),
            rank,
            key: r.span.key(),
        })
    }

    /// The id, for keeping one per run.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Time order, as [`Context`] keeps a recipe's runs.
    pub fn order(&self) -> (Option<jiff::Timestamp>, &str) {
        (self.key, &self.id)
    }
}

/// A failure whose recipe's backup findings want a reference recipe:
/// where its fact goes among the failure's facts, and the database engine
/// that fails (a reference of the same engine is preferred).
#[derive(Clone, Debug)]
pub struct WantsReference {
    pub at: usize,
    engine: Option<&'static str>,
}

impl Caches {
    /// The reference fact for `f` (see [`WantsReference`]), from the
    /// runs `candidates` (in time order), cached per (recipe, tag): a
    /// recipe whose database service round-trips (dumps in a pre-hook and
    /// replays in a restore post-hook), one checkout per recipe and
    /// version, green runs first.
    pub fn reference(
        &mut self,
        f: &Failure,
        wants: &WantsReference,
        candidates: &[Candidate],
        rules: &RuleSet,
    ) -> Option<Fact> {
        let key = (f.recipe.clone().unwrap_or_default(), f.tag.clone());
        if !self.references.contains_key(&key) {
            let found = self.find_reference(f, wants.engine, candidates, rules);
            self.references.insert(key.clone(), found);
        }
        let (recipe, service, run_id, source) = self.references.get(&key)?.clone()?;
        Some(Fact::new(
            FactKind::Reference {
                recipe: recipe.clone(),
                service: service.clone(),
                run_id: run_id.clone(),
            },
            source,
            format!(
                "reference: {recipe} service `{service}` dumps in a pre-hook and replays it in \
                 `backupbot.restore.post-hook` (its restore passes in run {run_id})"
            ),
        ))
    }

    fn find_reference(
        &mut self,
        f: &Failure,
        our_engine: Option<&'static str>,
        candidates: &[Candidate],
        rules: &RuleSet,
    ) -> Option<Found> {
        // One candidate per (recipe, version): the newest green run with a
        // checkout, else one whose restore passed.
        let mut groups: BTreeMap<(&str, Option<&str>), &Candidate> = BTreeMap::new();
        for c in candidates {
            if Some(c.recipe.as_str()) == f.recipe.as_deref() {
                continue;
            }
            let key = (c.recipe.as_str(), c.version.as_deref());
            match groups.get(&key) {
                Some(k) if k.rank <= c.rank => {}
                _ => {
                    groups.insert(key, c);
                }
            }
        }
        let mut ranked: Vec<&Candidate> = groups.into_values().collect();
        ranked.sort_by_key(|c| (c.rank, std::cmp::Reverse(c.key)));
        let mut fallback = None;
        for c in ranked {
            let Some(st) = self
                .statics
                .get(&c.recipe, c.version.as_deref(), &c.checkout, rules)
            else {
                continue;
            };
            if let Some((service, engine)) = st.round_trip_service(rules) {
                let found = (
                    c.recipe.clone(),
                    service,
                    c.id.clone(),
                    st.source_of("compose.yml", None),
                );
                if our_engine.is_none() || our_engine == Some(engine) {
                    return Some(found);
                }
                fallback.get_or_insert(found);
            }
        }
        fallback
    }
}

/// What several failures share, kept from one [`Gatherer`] to the next
/// (a triage gathers a recipe's failures at a time, each with its own
/// context): a recipe's static checks at a tag, the reference recipe of
/// a (recipe, tag), the cc-ci checkout's searches.
#[derive(Default)]
pub struct Caches {
    statics: statics::Cache,
    references: HashMap<(String, Option<String>), Option<Found>>,
    searches: stale::Searches,
}

/// Gathers facts, caching what several failures share (see [`Caches`])
/// and probes.
pub struct Gatherer<'a> {
    ctx: &'a Context<'a>,
    rules: &'a RuleSet,
    sources: Sources,
    prober: Option<&'a mut Prober>,
    statics: statics::Cache,
    references: HashMap<(String, Option<String>), Option<Found>>,
    searches: stale::Searches,
    /// Probe errors, reported once as warnings.
    pub probe_warnings: Vec<String>,
    /// Recipe files of the failures' checkouts that were read with a
    /// problem (not regular, too large, invalid UTF-8), each naming the
    /// file: a compose file must not vanish without a word.
    pub file_warnings: crate::model::Warnings,
}

impl<'a> Gatherer<'a> {
    pub fn new(
        ctx: &'a Context<'a>,
        rules: &'a RuleSet,
        sources: Sources,
        prober: Option<&'a mut Prober>,
        caches: Caches,
    ) -> Self {
        Gatherer {
            ctx,
            rules,
            sources,
            prober,
            statics: caches.statics,
            references: caches.references,
            searches: caches.searches,
            probe_warnings: Vec::new(),
            file_warnings: crate::model::Warnings::new(),
        }
    }

    /// The caches, for the next gatherer.
    pub fn into_caches(self) -> Caches {
        Caches {
            statics: self.statics,
            references: self.references,
            searches: self.searches,
        }
    }

    /// All facts for one failure.
    /// All facts for one failure but its reference recipe, and where that
    /// goes when the failure wants one ([`Caches::reference`]).
    pub fn gather(&mut self, f: &Failure) -> (Vec<Fact>, Option<WantsReference>) {
        let run = self.ctx.run(&f.run_id);
        let mut facts = Vec::new();
        facts.push(Fact::new(
            FactKind::Line,
            Source::File(f.loc.clone()),
            f.message.clone(),
        ));
        for l in &f.lines {
            facts.push(Fact::new(
                FactKind::Line,
                Source::Command(l.source.clone()),
                l.text.clone(),
            ));
        }
        self.signs(f, run, &mut facts);
        if let Some(run) = run {
            let swept: Vec<&Signal> = self
                .ctx
                .sweeps
                .iter()
                .flat_map(|sw| sw.entries.iter().filter(|e| e.run_key() == f.run_id))
                .flat_map(|e| e.signals.iter())
                .collect();
            ending(f, run, &swept, &mut facts);
            facts.push(load(run));
            if !run.unver.is_empty() {
                let at = run
                    .record
                    .as_ref()
                    .map(|r| Loc::new(&r.path, None))
                    .unwrap_or_else(|| Loc::new(&run.path, None));
                facts.push(Fact::new(
                    FactKind::Unver {
                        rungs: run.unver.clone(),
                    },
                    Source::File(at),
                    format!("rungs {} = \"unver\"", run.unver.join(", ")),
                ));
            }
        } else {
            // A promote or an entry known only from the sweep log ran in
            // the sweep: under load.
            let in_sweep = self
                .ctx
                .sweeps
                .iter()
                .any(|s| s.entries.iter().any(|e| e.run_key() == f.run_id));
            facts.push(Fact::new(
                FactKind::Load {
                    overlapping: Vec::new(),
                    sweep: in_sweep,
                    isolation: false,
                },
                Source::File(f.loc.clone()),
                "ran in the canon sweep".to_string(),
            ));
        }
        self.siblings(f, &mut facts);
        self.canonical(f, run, &mut facts);
        self.history(f, &mut facts);
        let statics = self.static_facts(f, run, &mut facts);
        if let Some(st) = &statics {
            st.facts_for(f, run, self.rules, &mut facts);
        }
        if f.is_ccci_test() {
            if let Some(st) = &statics {
                let found = stale::expectation(
                    f,
                    &facts,
                    st,
                    self.sources.ccci.as_deref(),
                    self.rules,
                    &mut self.searches,
                );
                facts.extend(found);
            }
            if self.sources.ccci.is_none() {
                facts.push(skipped(
                    "cc-ci checkout",
                    "no --ccci checkout: the test's own line is not cited",
                ));
            }
        }
        // The reference recipe is looked for once every recipe's runs are
        // known (see [`Caches::reference`]): its place is kept.
        let wants = statics
            .as_ref()
            .filter(|s| s.report.findings.iter().any(|x| x.is_backup()))
            .map(|s| WantsReference {
                at: facts.len(),
                engine: s.failing_engine(),
            });
        self.probe(f, run, statics.as_deref(), &mut facts);
        if self.ctx.canonicals.is_empty() {
            facts.push(skipped(
                "canonicals",
                "no canonicals read (pass --canonicals DIR)",
            ));
        }
        // Every failure's facts are held until the report: no slack.
        facts.shrink_to_fit();
        (facts, wants)
    }

    /// Every rule that recognised a line of the failure's own text, its
    /// run's console and the sweep's lines for it.
    fn signs(&self, f: &Failure, run: Option<&Run>, facts: &mut Vec<Fact>) {
        let text = match &f.detail {
            Some(d) => format!("{}\n{d}", f.message),
            None => f.message.clone(),
        };
        for s in self.rules.scan_message(&text, &f.loc) {
            facts.push(sign(&s, Place::Message, self.rules));
        }
        // The same error recorded with another test of the tier: a session
        // fixture that failed once errors every test that uses it, and its
        // output is captured with the first only. A harness line there is
        // this failure's own.
        if let (Some(run), Some(test)) = (run, &f.test) {
            for t in run.tests.iter().filter(|t| {
                t.outcome.is_red()
                    && &t.id != test
                    && t.tier.is_none_or(|x| x == f.tier)
                    && t.message.as_deref() == Some(f.message.as_str())
                    && t.detail.is_some()
            }) {
                let text = format!("{}\n{}", f.message, t.detail.as_deref().unwrap_or(""));
                for s in self.rules.scan_message(&text, &t.loc) {
                    if s.role == Role::Harness {
                        facts.push(sign(&s, Place::Message, self.rules));
                    }
                }
            }
        }
        if let Some(run) = run {
            let window = near_window(f, run);
            let near = |s: &Signal| match (&window, s.loc.line) {
                (Some((path, a, b)), Some(l)) => &s.loc.path == path && l >= *a && l <= *b,
                _ => f.test.is_none(),
            };
            // A plain fact (a health check's status, every few seconds of
            // a run) is cited at its first and last lines near the failure
            // and far from it, and counted between: no verdict reads more,
            // and at four years the health lines of failed tiers alone
            // were a third of every fact held.
            let nears: Vec<bool> = run.signals.iter().map(near).collect();
            let mut plain: BTreeMap<(&str, bool), usize> = BTreeMap::new();
            for (s, &near) in run.signals.iter().zip(&nears) {
                if s.role == Role::Fact {
                    *plain.entry((s.rule.as_str(), near)).or_default() += 1;
                }
            }
            let mut seen: BTreeMap<(&str, bool), usize> = BTreeMap::new();
            for (s, &near) in run.signals.iter().zip(&nears) {
                if matches!(s.role, Role::Identity) {
                    continue;
                }
                if s.role == Role::Fact {
                    let key = (s.rule.as_str(), near);
                    let total = plain.get(&key).copied().unwrap_or(0);
                    let n = seen.entry(key).or_default();
                    *n += 1;
                    if total > 2 * PLAIN_FACTS && *n > PLAIN_FACTS && *n <= total - PLAIN_FACTS {
                        if *n == PLAIN_FACTS + 1 {
                            let count = total - 2 * PLAIN_FACTS;
                            facts.push(Fact::new(
                                FactKind::Elided {
                                    rule: self.rules.shared_id(&s.rule),
                                    count,
                                },
                                Source::File(s.loc.clone()),
                                format!(
                                    "{count} more `{}` lines {} from here on, not listed one by one",
                                    s.rule,
                                    if near {
                                        "around the failure"
                                    } else {
                                        "elsewhere in the console"
                                    }
                                ),
                            ));
                        }
                        continue;
                    }
                }
                facts.push(sign(
                    s,
                    if near {
                        Place::ConsoleNear
                    } else {
                        Place::Console
                    },
                    self.rules,
                ));
            }
        }
        for sweep in self.ctx.sweeps {
            for e in sweep.entries.iter().filter(|e| e.run_key() == f.run_id) {
                for s in &e.signals {
                    facts.push(sign(s, Place::Sweep, self.rules));
                }
                facts.push(Fact::new(
                    FactKind::Line,
                    Source::File(e.loc.clone()),
                    e.text.clone(),
                ));
            }
        }
    }

    /// Other runs of the same recipe and version, and what the same test
    /// or tier did there.
    fn siblings(&self, f: &Failure, facts: &mut Vec<Fact>) {
        let (Some(recipe), Some(tag)) = (&f.recipe, &f.tag) else {
            return;
        };
        for other in self.ctx.of_recipe(recipe) {
            if other.id == f.run_id || other.version.as_ref() != Some(tag) {
                continue;
            }
            let Some(red) = crossrun::outcome_in(f, other) else {
                continue;
            };
            let alone = other.is_isolation();
            let died = crossrun::died(other);
            let what = match (red, alone) {
                (true, true) => "red alone",
                (true, false) => "red under load",
                (false, true) => "green alone",
                (false, false) => "green under load",
            };
            let subject = f.test.as_deref().unwrap_or(f.tier.as_str());
            let loc = other
                .tests
                .iter()
                .find(|t| Some(&t.id) == f.test.as_ref())
                .map(|t| t.loc.clone())
                .or_else(|| other.record.as_ref().map(|r| Loc::new(&r.path, None)))
                .unwrap_or_else(|| Loc::new(&other.path, None));
            facts.push(Fact::new(
                FactKind::Sibling {
                    run_id: other.id.clone(),
                    red,
                    alone,
                    died,
                },
                Source::File(loc),
                format!(
                    "{subject}: {what} in run {} ({}){}",
                    other.id,
                    other.kind_label(),
                    if died {
                        "; that run did not end normally"
                    } else {
                        ""
                    }
                ),
            ));
        }
        // A promote: the same recipe and version failing its promote in
        // another sweep.
        if f.tier == Tier::Promote {
            for sweep in self.ctx.sweeps {
                for e in &sweep.entries {
                    if e.recipe == *recipe
                        && e.version.as_ref() == Some(tag)
                        && e.run_key() != f.run_id
                        && let Some(p) = &e.promote
                    {
                        facts.push(Fact::new(
                            FactKind::Sibling {
                                run_id: e.run_key(),
                                red: true,
                                alone: false,
                                died: false,
                            },
                            Source::File(p.loc.clone()),
                            p.text.clone(),
                        ));
                    }
                }
            }
        }
    }

    /// A canonical at this version written after this red run: a green
    /// cold run happened since.
    fn canonical(&self, f: &Failure, run: Option<&Run>, facts: &mut Vec<Fact>) {
        let Some(c) = f.recipe.as_ref().and_then(|r| self.ctx.canonicals.get(r)) else {
            return;
        };
        let finished = run.and_then(|r| r.span.finished).or_else(|| {
            self.ctx
                .sweeps
                .iter()
                .flat_map(|s| &s.entries)
                .find(|e| e.run_key() == f.run_id)
                .and_then(|e| e.last)
        });
        let after = Some(&c.version) == f.tag.as_ref()
            && matches!((c.written, finished), (Some(w), Some(f)) if w > f);
        if after {
            facts.push(Fact::new(
                FactKind::CanonicalSince {
                    version: c.version.clone(),
                },
                Source::File(Loc::new(&c.path, None)),
                format!(
                    "canonical {} version={} written {}, after this run",
                    c.recipe,
                    c.version,
                    c.written.map(|t| t.to_string()).unwrap_or_default()
                ),
            ));
        }
    }

    /// The test's record across every known run of the recipe.
    fn history(&self, f: &Failure, facts: &mut Vec<Fact>) {
        let (Some(recipe), Some(test)) = (&f.recipe, &f.test) else {
            return;
        };
        let runs = self.ctx.of_recipe(recipe);
        let h = crossrun::test_history(recipe, test, runs);
        if h.counts.total + h.counts.infra_runs > 1 {
            facts.push(Fact::new(
                FactKind::History {
                    summary: h.summary(),
                    strip: h.strip.clone(),
                },
                Source::Command(format!(
                    "ccci-triage history --recipe {} --test {}",
                    crate::model::shell_quote(recipe),
                    crate::model::shell_quote(test)
                )),
                format!("{} [{}]", h.summary(), h.strip),
            ));
        }
    }

    /// The recipe's static checks at the failure's tag, from the first
    /// checkout that has it (cached per recipe and tag).
    fn static_facts(
        &mut self,
        f: &Failure,
        run: Option<&Run>,
        facts: &mut Vec<Fact>,
    ) -> Option<Rc<StaticFacts>> {
        let recipe = f.recipe.as_deref()?;
        if !crate::model::is_recipe_name(recipe) {
            return None;
        }
        let checkout = run
            .and_then(|r| r.checkout.clone())
            .or_else(|| {
                self.ctx
                    .of_recipe(recipe)
                    .iter()
                    .filter(|r| r.version == f.tag)
                    .find_map(|r| r.checkout.clone())
            })
            .or_else(|| {
                let dir = self.sources.recipes.as_ref()?.join(recipe);
                dir.is_dir().then_some(dir)
            });
        let Some(checkout) = checkout else {
            facts.push(skipped(
                "static recipe checks",
                &format!("no checkout of {recipe} (neither the run's abra/recipes/ nor --recipes)"),
            ));
            return None;
        };
        let st = self
            .statics
            .get(recipe, f.tag.as_deref(), &checkout, self.rules);
        if let Some(st) = &st {
            for w in &st.files.warnings {
                // `<relative path>: <problem>`, as RecipeFiles words it.
                let (rel, problem) = w.split_once(": ").unwrap_or(("", w.as_str()));
                self.file_warnings
                    .push_run(&f.run_id, checkout.join(rel).display(), problem);
            }
        }
        if st.is_none() {
            facts.push(skipped(
                "static recipe checks",
                &format!("{}: no recipe files could be read", checkout.display()),
            ));
        }
        st
    }

    /// A live (or replayed) DNS probe for a routing suspect whose stack may
    /// still be deployed: the warm stack for a promote, else the run's.
    fn probe(
        &mut self,
        f: &Failure,
        run: Option<&Run>,
        st: Option<&StaticFacts>,
        facts: &mut Vec<Fact>,
    ) {
        let suspect = f.tier == Tier::Promote
            || facts.iter().any(|x| {
                matches!(
                    x.sign(),
                    Some((_, Role::NoAnswer | Role::UpstreamRefused, _))
                )
            });
        if !suspect {
            return;
        }
        let Some(prober) = self.prober.as_deref_mut() else {
            return;
        };
        let Some(recipe) = f.recipe.as_deref() else {
            return;
        };
        let Some((from, name)) = st.and_then(|s| {
            s.report.findings.iter().find_map(|x| match &x.kind {
                crate::model::FindingKind::BareNameRouting { from, name, .. } => {
                    Some((from.clone(), name.clone()))
                }
                _ => None,
            })
        }) else {
            return;
        };
        let stack = match (f.tier, run.and_then(statics::stack_of)) {
            (Tier::Promote, _) | (_, None) => recipe::warm_stack_name(recipe),
            (_, Some(s)) => s,
        };
        let target = format!("{stack}_{from}");
        match prober.dns(&target, &name, 8) {
            Ok(report) => {
                let mut ev = report.evidence().into_iter();
                let first = ev.next();
                facts.push(Fact::new(
                    FactKind::Probe {
                        collision: report.collision,
                        container: target.clone(),
                        name: name.clone(),
                        summary: report.summary.clone(),
                    },
                    Source::Command(
                        first
                            .as_ref()
                            .map(|e| e.source.clone())
                            .unwrap_or_else(|| format!("probe: {}", report.command)),
                    ),
                    format!(
                        "{} — {}",
                        report.summary,
                        first.map(|e| e.text).unwrap_or_default()
                    ),
                ));
                for e in ev {
                    facts.push(Fact::new(FactKind::Line, Source::Command(e.source), e.text));
                }
            }
            Err(e) => {
                facts.push(skipped(
                    "probe",
                    &format!("probe dns {target} {name}: {}", e.message),
                ));
                self.probe_warnings
                    .push(format!("probe {target}: {}", e.message));
            }
        }
    }
}

/// A fact for a check that could not run.
pub fn skipped(check: &str, why: &str) -> Fact {
    Fact::new(
        FactKind::Skipped {
            check: check.to_string(),
            why: why.to_string(),
        },
        Source::Command(check.to_string()),
        why.to_string(),
    )
}

fn sign(s: &Signal, place: Place, rules: &RuleSet) -> Fact {
    let rule = rules.get(&s.rule);
    Fact::new(
        FactKind::Sign {
            rule: rules.shared_id(&s.rule),
            role: s.role,
            place,
            captures: s.captures.clone(),
            summary: rule.map(|r| r.summary.clone()).unwrap_or_else(|| "".into()),
            fix: rule.and_then(|r| r.fix.clone()),
        },
        Source::File(s.loc.clone()),
        // The line without its prefix: the source cites the raw line.
        s.message().to_string(),
    )
}

/// The console lines "around" a test failure: from the start of its tier
/// to the line that reports the tier failed, when the console says both;
/// else 200 lines before the reporting line. A real cc-ci console reports
/// no tier as failed: there the tier's section runs from its pytest
/// invocation to the next tier's (or the end of the console).
fn near_window(f: &Failure, run: &Run) -> Option<(PathBuf, u32, u32)> {
    f.test.as_ref()?;
    let tier_of = |s: &Signal| s.capture("tier").and_then(Tier::parse);
    let Some(report) = run
        .signals
        .iter()
        .find(|s| s.role == Role::TierFailed && tier_of(s) == Some(f.tier))
    else {
        let start = run
            .signals
            .iter()
            .find(|s| s.role == Role::TierStarted && tier_of(s) == Some(f.tier))?;
        let from = start.loc.line?;
        let to = run
            .signals
            .iter()
            .filter(|s| {
                s.role == Role::TierStarted
                    && s.loc.path == start.loc.path
                    && tier_of(s) != Some(f.tier)
                    && s.loc.line.is_some_and(|l| l > from)
            })
            .filter_map(|s| s.loc.line)
            .min()
            .map_or(u32::MAX, |l| l - 1);
        return Some((start.loc.path.clone(), from, to));
    };
    let end = report.loc.line?;
    let start = run
        .signals
        .iter()
        .filter(|s| {
            s.role == Role::TierStarted
                && s.capture("tier").and_then(Tier::parse) == Some(f.tier)
                && s.loc.line.is_some_and(|l| l <= end)
        })
        .filter_map(|s| s.loc.line)
        .max()
        .unwrap_or(end.saturating_sub(200));
    Some((report.loc.path.clone(), start, end))
}

/// How the run ended, when it did not end normally.
/// `swept`: the sweep log's lines for the run, when a sweep ran it (a
/// timer's run has its console there).
/// Every failure of such a run gets it: a red test in a run that died is
/// no reproduction, and the run's own failure is decided on it.
fn ending(f: &Failure, run: &Run, swept: &[&Signal], facts: &mut Vec<Fact>) {
    if f.tier != Tier::Run && !crate::failures::cut_off(run) {
        return;
    }
    let at = run.end.rc_at.clone().unwrap_or_else(|| f.loc.clone());
    let last = run.console.as_ref().and_then(|c| c.last_recognised.clone());
    let kind = match run.end.rc {
        Some(crate::failures::RC_DEADLINE) => {
            // What it was doing: the last tier or deploy that started and
            // did not report back.
            let doing = run
                .signals
                .iter()
                .chain(swept.iter().copied())
                .rfind(|s| matches!(s.role, Role::TierStarted))
                .map(|s| s.message().to_string())
                .or_else(|| last.as_ref().map(|(_, t)| t.clone()));
            RunEnding::Deadline { doing }
        }
        Some(crate::failures::RC_CANCELLED) => RunEnding::Cancelled,
        rc => RunEnding::Died {
            rc,
            last: last.as_ref().map(|(_, t)| t.clone()),
        },
    };
    let text = match &kind {
        RunEnding::Deadline { doing } => format!(
            "rc=142: the harness's deadline fired{}",
            doing
                .as_ref()
                .map(|d| format!(" during `{d}`"))
                .unwrap_or_default()
        ),
        RunEnding::Cancelled => "rc=143: cancelled (SIGTERM)".to_string(),
        RunEnding::Died { rc, last } => format!(
            "{}; last recognised line: {}",
            rc.map(|r| format!("rc={r}"))
                .unwrap_or_else(|| "no end line".into()),
            last.as_deref().unwrap_or("none")
        ),
    };
    facts.push(Fact::new(FactKind::Ending(kind), Source::File(at), text));
}

/// The run's load.
fn load(run: &Run) -> Fact {
    let text = if run.is_isolation() {
        "isolation run: no overlapping run".to_string()
    } else if run.overlapping.is_empty() {
        match run.kind {
            crate::model::RunKind::Sweep => "sweep run".to_string(),
            _ => "span unknown, so its load is not known".to_string(),
        }
    } else {
        format!("overlapping {}", run.overlapping.join(", "))
    };
    Fact::new(
        FactKind::Load {
            overlapping: run.overlapping.clone(),
            sweep: run.kind == crate::model::RunKind::Sweep,
            isolation: run.is_isolation(),
        },
        Source::File(Loc::new(&run.path, None)),
        text,
    )
}

/// Causes several recipes of one sweep share: the same harness signature,
/// or the same failure message with numbers and hex made equal, in two or
/// more recipes' failures of that sweep. Computed from the sweep's own
/// failures only; each failure it explains gets a fact naming the others.
pub fn shared_causes(
    failures: &[(Failure, Vec<Fact>)],
    sweep_of: impl Fn(&str) -> Option<String>,
) -> Vec<Vec<Fact>> {
    use std::collections::BTreeSet;
    let mut groups: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    let keys: Vec<Vec<(String, String)>> = failures
        .iter()
        .map(|(f, facts)| {
            let Some(sweep) = sweep_of(&f.run_id) else {
                return Vec::new();
            };
            let mut keys: Vec<(String, String)> = facts
                .iter()
                .filter_map(|x| match x.sign() {
                    Some((rule, Role::Harness, _)) => {
                        Some((sweep.clone(), format!("signature `{rule}`")))
                    }
                    _ => None,
                })
                .collect();
            keys.push((
                sweep,
                format!("message `{}`", crossrun::normalise(&f.message)),
            ));
            keys.sort();
            keys.dedup();
            for k in &keys {
                if let Some(r) = &f.recipe {
                    groups.entry(k.clone()).or_default().insert(r.clone());
                }
            }
            keys
        })
        .collect();
    keys.into_iter()
        .zip(failures)
        .map(|(keys, (f, _))| {
            keys.into_iter()
                .filter_map(|k| {
                    let recipes = groups.get(&k)?;
                    (recipes.len() >= 2).then(|| {
                        let list: Vec<String> = recipes.iter().cloned().collect();
                        Fact::new(
                            FactKind::SharedCause {
                                key: k.1.clone(),
                                recipes: list.clone(),
                            },
                            Source::File(f.loc.clone()),
                            format!(
                                "the same {} hit {} recipes of the sweep of {}: {}",
                                k.1,
                                list.len(),
                                k.0,
                                list.join(", ")
                            ),
                        )
                    })
                })
                .collect()
        })
        .collect()
}
