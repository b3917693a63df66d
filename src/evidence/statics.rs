//! The static recipe checks as facts, read once per (recipe, tag) per
//! invocation from whichever checkout supplies them: the files at the git
//! tag when the checkout is a git repository that has it, else the work
//! tree.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::model::{Fact, FactKind, Failure, FindingKind, Run, Source, Tier};
use crate::rules::{RuleSet, ids};
use crate::sources::git;

use super::recipe::{self, RecipeFiles, RecipeReport};

/// A recipe's static check results at the tested ref.
#[derive(Clone, Debug)]
pub struct StaticFacts {
    pub recipe: String,
    pub checkout: PathBuf,
    /// The git tag the files were read at, when they were.
    pub tag: Option<String>,
    pub files: RecipeFiles,
    pub report: RecipeReport,
    /// The change proposed for each service with a backup finding, or why
    /// none is.
    pub proposals: Vec<Result<recipe::Proposal, recipe::Refusal>>,
}

impl StaticFacts {
    /// How a reader sees `file` of this recipe at the checked ref.
    pub fn source_of(&self, file: &str, line: Option<u32>) -> Source {
        match &self.tag {
            Some(tag) => Source::git(
                self.checkout.clone(),
                tag.clone(),
                Some(file.to_string()),
                line,
            ),
            None => Source::File(crate::model::Loc::new(self.checkout.join(file), line)),
        }
    }

    /// A finding's `file:line` evidence made into a source a reader can
    /// open: the file at the tag, or in the checkout.
    fn cite(&self, source: &str) -> Source {
        let (file, line) = match source.rsplit_once(':') {
            Some((file, n)) if n.parse::<u32>().is_ok() => (file.to_string(), n.parse().ok()),
            _ => (source.to_string(), None),
        };
        if self.files.files.contains_key(&file) {
            self.source_of(&file, line)
        } else {
            Source::Command(source.to_string())
        }
    }

    /// The findings as facts, the database services whose backup does
    /// round-trip, and Docker's DNS order for this run's stack.
    pub fn facts_for(
        &self,
        f: &Failure,
        run: Option<&Run>,
        rules: &RuleSet,
        facts: &mut Vec<Fact>,
    ) {
        for x in &self.report.findings {
            let first = x.evidence.first();
            facts.push(Fact::new(
                FactKind::Finding(Box::new(x.clone())),
                first
                    .map(|e| self.cite(&e.source))
                    .unwrap_or_else(|| self.source_of("compose.yml", None)),
                x.summary.clone(),
            ));
            for e in x.evidence.iter().skip(1) {
                facts.push(Fact::new(
                    FactKind::Line,
                    self.cite(&e.source),
                    e.text.clone(),
                ));
            }
            if let FindingKind::BareNameRouting { network, .. } = &x.kind {
                let stack = match (f.tier, run.and_then(stack_of)) {
                    (Tier::Promote, _) => recipe::warm_stack_name(&self.recipe),
                    (_, Some(s)) => s,
                    (_, None) => recipe::cold_stack_name(&self.recipe),
                };
                let own_first = recipe::own_network_wins(&stack, network, "proxy");
                facts.push(Fact::new(
                    FactKind::StackOrder {
                        stack: stack.clone(),
                        network: network.clone(),
                        own_first,
                    },
                    self.source_of("compose.yml", None),
                    format!(
                        "for stack `{stack}`, `{stack}_{network}` sorts {} `proxy`: Docker's DNS answers a bare name from {}",
                        if own_first { "before" } else { "after" },
                        if own_first { "the stack's own network" } else { "`proxy` first (other stacks' services)" }
                    ),
                ));
            }
        }
        for p in &self.proposals {
            match p {
                Ok(p) => {
                    let file = p.files.first().map(String::as_str).unwrap_or("compose.yml");
                    facts.push(Fact::new(
                        FactKind::Proposal(Box::new(crate::model::Proposed {
                            service: p.service.clone(),
                            checks: p.checks.clone(),
                            files: p.files.clone(),
                            rev: self.tag.clone(),
                            changes: p.changes.clone(),
                            diff: p.diff.clone(),
                        })),
                        self.source_of(file, None),
                        format!(
                            "proposed change to {} for service `{}`: {}",
                            p.files.join(", "),
                            p.service,
                            p.changes.join("; ")
                        ),
                    ));
                }
                Err(r) => facts.push(super::skipped(
                    "proposed change",
                    &format!(
                        "no patch for service `{}` ({}): {}",
                        r.service,
                        r.checks.join(", "),
                        r.why
                    ),
                )),
            }
        }
        for s in &self.report.services {
            if round_trips(s, rules) {
                facts.push(Fact::new(
                    FactKind::BackupRoundTrips {
                        service: s.name.clone(),
                    },
                    self.source_of(&s.file, s.line),
                    format!(
                        "service `{}` backs up a dump and replays it in `backupbot.restore.post-hook`",
                        s.name
                    ),
                ));
            }
        }
    }

    /// A database service whose backup round-trips, and its engine.
    pub fn round_trip_service(&self, rules: &RuleSet) -> Option<(String, &'static str)> {
        self.report
            .services
            .iter()
            .find(|s| round_trips(s, rules))
            .map(|s| (s.name.clone(), engine(s.image.as_deref())))
    }

    /// The engine of the service a backup finding is about.
    pub fn failing_engine(&self) -> Option<&'static str> {
        let x = self.report.findings.iter().find(|x| x.is_backup())?;
        let s = self.report.services.iter().find(|s| s.name == x.service)?;
        Some(engine(s.image.as_deref()))
    }
}

/// A service whose backup pre-hook dumps and whose restore post-hook
/// replays: its backup round-trips.
fn round_trips(s: &recipe::Service, rules: &RuleSet) -> bool {
    let pre = s.labels.get("backupbot.backup.pre-hook");
    let post = s.labels.get("backupbot.restore.post-hook");
    pre.is_some_and(|v| rules.is_match(ids::LABEL_DB_DUMP, v))
        && post.is_some_and(|v| rules.is_match(ids::LABEL_DB_RESTORE, v))
}

/// A database engine from an image name.
pub fn engine(image: Option<&str>) -> &'static str {
    let i = image.unwrap_or("");
    if i.contains("postgres") || i.contains("pgvecto") || i.contains("postgis") {
        "postgres"
    } else if i.contains("mariadb") || i.contains("mysql") {
        "mysql"
    } else if i.contains("mongo") {
        "mongo"
    } else {
        "other"
    }
}

/// The stack a run deployed, from its own lines (`deploy: converged
/// stack=…`, a domain it names).
pub fn stack_of(run: &Run) -> Option<String> {
    run.domains
        .iter()
        .find(|d| d.contains("_ci_") || d.contains(".ci."))
        .map(|d| d.replace('.', "_"))
}

/// Static facts by (recipe, tag).
#[derive(Default)]
pub struct Cache {
    by_key: HashMap<(String, Option<String>), Option<Rc<StaticFacts>>>,
}

impl Cache {
    /// The facts of `recipe` at `tag`, read from `checkout` the first time.
    pub fn get(
        &mut self,
        recipe: &str,
        tag: Option<&str>,
        checkout: &Path,
        rules: &RuleSet,
    ) -> Option<Rc<StaticFacts>> {
        let key = (recipe.to_string(), tag.map(str::to_string));
        if let Some(hit) = self.by_key.get(&key) {
            return hit.clone();
        }
        let facts = read(recipe, checkout, tag, rules).map(Rc::new);
        self.by_key.insert(key, facts.clone());
        facts
    }
}

fn read(recipe: &str, checkout: &Path, tag: Option<&str>, rules: &RuleSet) -> Option<StaticFacts> {
    let at_tag = tag.and_then(|t| {
        let repo = git::Repo::open(checkout)?;
        let tags = repo.tags().ok()?;
        let found = git::find_tag(&tags, t)?.name.clone();
        let files = repo.files_at(&found, |p| !p.starts_with(".git")).ok()?;
        Some((found, files))
    });
    let (files, tag) = match at_tag {
        Some((tag, files)) => (
            RecipeFiles {
                origin: format!("{} at tag {tag}", checkout.display()),
                files,
                warnings: Vec::new(),
            },
            Some(tag),
        ),
        None => (RecipeFiles::from_dir(checkout).ok()?, None),
    };
    let mut files = files;
    // The report names stacks after the recipe: the origin's last path
    // component must be the recipe, whatever the checkout is called.
    if recipe::recipe_name(&files.origin) != recipe {
        files.origin = format!("{recipe} ({})", files.origin);
    }
    let report = recipe::check_named(&files, recipe, rules);
    let proposals = recipe::propose(&files, &report, rules);
    Some(StaticFacts {
        recipe: recipe.to_string(),
        checkout: checkout.to_path_buf(),
        tag,
        files,
        report,
        proposals,
    })
}
