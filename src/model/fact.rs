//! Facts: what the evidence stage found about one failure, each with the
//! place a reader can go and look at it.
//!
//! A verdict is decided from facts alone, by kind ([`FactKind`]): the
//! verdict module imports nothing but this model. Every fact carries its
//! [`Source`] (a file line, a git object, a probe or an index command), so
//! every piece of evidence a verdict cites can be shown and checked.

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{Captures, Evidence, Loc, Role};

/// Where a fact can be seen again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "type")]
pub enum Source {
    /// A line of a file, or a whole file.
    File(Loc),
    /// A file of a git object: `git -C <repo> show <rev>:<file>`, or a
    /// search across refs when `file` is `None` (boxed: a fact's source
    /// is most often a file line, and every fact is held to the report).
    Git(Box<GitObject>),
    /// A command that shows it again (a probe, the history index).
    Command(String),
}

/// A git object a fact was read from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GitObject {
    pub repo: PathBuf,
    pub rev: String,
    pub file: Option<String>,
    pub line: Option<u32>,
}

impl Source {
    /// `file` (or a search when `None`) of `rev` in the repository `repo`.
    pub fn git(repo: PathBuf, rev: String, file: Option<String>, line: Option<u32>) -> Source {
        Source::Git(Box::new(GitObject {
            repo,
            rev,
            file,
            line,
        }))
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::File(loc) => write!(f, "{loc}"),
            Source::Git(g) => match &g.file {
                Some(file) => {
                    write!(f, "git -C {} show {}:{file}", g.repo.display(), g.rev)?;
                    if let Some(l) = g.line {
                        write!(f, " (line {l})")?;
                    }
                    Ok(())
                }
                None => write!(f, "git -C {} {}", g.repo.display(), g.rev),
            },
            Source::Command(c) => f.write_str(c),
        }
    }
}

/// Where a recognised line stood, seen from the failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Place {
    /// In the failure's own message or body (or the test's system-out).
    Message,
    /// In the run's console, near the failure (inside the failed tier, or
    /// around the line that reports it).
    ConsoleNear,
    /// Elsewhere in the run's console.
    Console,
    /// In the sweep log's lines for this recipe.
    Sweep,
}

/// How a run ended when it did not end normally (cc-ci-runs.md §4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "how")]
pub enum RunEnding {
    /// rc 142: the harness's 3600 s deadline fired. `doing` is the last
    /// tier or deploy that started and never finished.
    Deadline { doing: Option<String> },
    /// rc 143: cancelled (a Drone cancel, a node shutdown).
    Cancelled,
    /// Another non-zero end, or no end at all, with no results.json: the
    /// run died early. `last` is the last line a rule recognised.
    Died {
        rc: Option<i32>,
        last: Option<String>,
    },
}

/// One thing a static recipe check found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The check id (`backup.restore-replays-no-dump`).
    pub check: String,
    /// The service the finding is about (`(top level)` for a file-level key).
    pub service: String,
    /// One specific sentence: what is wrong, where, and what follows.
    pub summary: String,
    /// `file:line` and the text there.
    pub evidence: Vec<Evidence>,
    /// The fix, aimed at the recipe maintainer, phrased to follow
    /// "`<recipe>` recipe PR: " (it starts in lower case, with the action).
    pub fix: String,
    /// The facts behind the finding, by check.
    pub kind: FindingKind,
}

/// The facts of a finding the verdict stage decides on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum FindingKind {
    /// A dump pre-hook with no restore post-hook that replays it.
    RestoreReplaysNoDump {
        /// The dump command as the rule captured it (`pg_dump`).
        dump_tool: String,
    },
    /// The backup copies a running database's data directory.
    LiveDataDir {
        /// The data directory copied (`/var/lib/postgresql/data`).
        path: String,
    },
    /// `from` (on `proxy`) reaches `target` as `name`. `cold_ok`/`warm_ok`:
    /// whether the stack's own network answers first for a cold and the
    /// warm stack name.
    BareNameRouting {
        from: String,
        target: String,
        name: String,
        port: Option<u16>,
        /// The network both `from` and `target` share (`internal`).
        network: String,
        cold_ok: bool,
        warm_ok: bool,
    },
    /// `depends_on` names a service the project does not define.
    UndefinedDependency { dependency: String },
    /// A key `docker stack deploy` ignores.
    SwarmIgnoredKey { key: String },
    /// A key `docker stack deploy` refuses.
    SwarmRejectedKey { key: String },
}

impl Finding {
    pub fn is_backup(&self) -> bool {
        matches!(
            self.kind,
            FindingKind::RestoreReplaysNoDump { .. } | FindingKind::LiveDataDir { .. }
        )
    }
}

/// What kind of fact, with what the verdict reads of it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum FactKind {
    /// The failure's own line, or a line it rests on.
    Line,
    /// A rule recognised a line.
    Sign {
        /// The rule's id (shared with it).
        rule: std::sync::Arc<str>,
        role: Role,
        place: Place,
        captures: Captures,
        /// What the line means (the rule's summary, shared with it).
        summary: std::sync::Arc<str>,
        /// What to do about it, when the rule says (harness signatures).
        fix: Option<std::sync::Arc<str>>,
    },
    /// Lines of a plain fact not cited one by one: they stand between the
    /// first and the last cited of their stretch (near the failure, or
    /// elsewhere in the console). Nothing rests on them.
    Elided {
        rule: std::sync::Arc<str>,
        count: usize,
    },
    /// The run did not end normally.
    Ending(RunEnding),
    /// This run's load: the runs it overlapped, whether it ran in a sweep.
    Load {
        overlapping: Vec<String>,
        sweep: bool,
        isolation: bool,
    },
    /// Another run of the same recipe and version, and what the same test
    /// or tier did there.
    Sibling {
        run_id: String,
        red: bool,
        alone: bool,
        /// That run died, timed out or was cancelled: it proves nothing.
        died: bool,
    },
    /// A canonical was written at this version after this red run.
    CanonicalSince { version: String },
    /// A static finding on the recipe at the tested tag.
    Finding(Box<Finding>),
    /// A database service's backup labels do round-trip (dump-only path
    /// and a restore post-hook): the recipe's backup is not the cause.
    BackupRoundTrips { service: String },
    /// Docker's DNS order for this run's stack: whether its own network
    /// answers a bare name before `proxy`.
    StackOrder {
        stack: String,
        network: String,
        own_first: bool,
    },
    /// A cc-ci test's expectation looked up in the recipe's releases
    /// (boxed, as the proposal: the largest kinds, and the rarest).
    Expectation(Box<Expected>),
    /// A recipe that passes the same test: the reference to diff against.
    Reference {
        recipe: String,
        service: String,
        run_id: String,
    },
    /// A live or replayed DNS probe.
    Probe {
        collision: bool,
        container: String,
        name: String,
        summary: String,
    },
    /// The test's record across every indexed run of the recipe.
    History { summary: String, strip: String },
    /// A cause this run shares with other recipes of its sweep.
    SharedCause { key: String, recipes: Vec<String> },
    /// Rungs that should have run and did not, and why when known.
    Unver { rungs: Vec<String> },
    /// A proposed change to the recipe's own files (see [`Proposed`]).
    Proposal(Box<Proposed>),
    /// A check that could not run, and why.
    Skipped { check: String, why: String },
}

/// A cc-ci test's expectation looked up in the recipe's releases.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expected {
    /// What the failed assertion expects (`discourse/discourse:3.5.3`)
    /// or expects gone (`sidekiq`).
    pub needle: String,
    /// `true`: expected present; `false`: expected absent.
    pub present: bool,
    /// The deploy's side, when pytest showed it.
    pub actual: Option<String>,
    /// Refs searched (release tags, then the default branch).
    pub refs: Vec<String>,
    /// Release tags where the expectation holds.
    pub holds_in: Vec<String>,
    /// The default branch, and whether the expectation holds there.
    pub default_branch: Option<String>,
    pub on_default_branch: bool,
    /// Read from git history (false: only the checkout's files).
    pub git: bool,
    /// The cc-ci test line that holds the expectation, when found.
    pub test_line: Option<String>,
}

/// A proposed change to the recipe's own files, made from them at the
/// tested ref: a unified diff `git apply` accepts in the recipe
/// repository (paths `a/<file>`, `b/<file>`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposed {
    /// The service it changes.
    pub service: String,
    /// The finding checks it answers: a verdict resting on one of them
    /// shows the diff.
    pub checks: Vec<String>,
    /// The files it edits, relative to the recipe root.
    pub files: Vec<String>,
    /// The ref the diff applies to (the tested tag), when the files
    /// were read from git; `None` for a work tree.
    pub rev: Option<String>,
    /// What it changes, one short sentence each.
    pub changes: Vec<String>,
    pub diff: String,
}

/// One fact with its source and the text a report shows for it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fact {
    pub kind: FactKind,
    pub source: Source,
    pub text: String,
}

impl Fact {
    pub fn new(kind: FactKind, source: Source, text: impl Into<String>) -> Fact {
        Fact {
            kind,
            source,
            text: text.into(),
        }
    }

    /// The fact as a report prints it.
    pub fn evidence(&self) -> Evidence {
        Evidence::new(self.source.to_string(), self.text.clone())
    }

    /// The rule and role of a sign.
    pub fn sign(&self) -> Option<(&str, Role, Place)> {
        match &self.kind {
            FactKind::Sign {
                rule, role, place, ..
            } => Some((rule, *role, *place)),
            _ => None,
        }
    }

    /// A capture of a sign.
    pub fn capture(&self, name: &str) -> Option<&str> {
        match &self.kind {
            FactKind::Sign { captures, .. } => captures.get(name).map(String::as_str),
            _ => None,
        }
    }
}
