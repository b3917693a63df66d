//! The nouns every stage shares: run, tier, test, signal, sweep, failure,
//! fact, verdict, warning.
//!
//! These types are the pipeline's contract. `ingest` produces [`Run`]s and
//! [`Sweep`]s, `failures` turns them into [`Failure`]s, `evidence` gathers
//! [`Fact`]s, `verdict` decides a [`Verdict`] and `report` prints it. Data
//! flows down that list and never back up, so nothing here knows how it is
//! read or printed.
//!
//! Serialisation: the names used in JSON (`recipe-defect`, `confirmed`,
//! `restore`, `cc-ci`) are part of the interface in
//! `shared/spec/interface.md`; the `serde` and `strum` attributes are what
//! keep them stable, and the same names parse back (`FromStr`).

mod fact;
mod failure;
mod run;
mod sweep;
mod verdict;
mod warning;

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use strum::{Display, EnumString, IntoStaticStr};

pub use fact::{
    Expected, Fact, FactKind, Finding, FindingKind, GitObject, Place, Proposed, RunEnding, Source,
};
pub use failure::Failure;
pub use run::{
    Canonical, Console, Depth, End, JunitFile, Outcome, Record, Run, RunKind, Span, TestCase,
    TestSource, Tier, TierResult, TierStatus,
};
pub use sweep::{Promote, Sweep, SweepEntry, SweepOutcome};
pub use verdict::{Class, Confidence, RuledOut, Rung, RungTrace, Step, Triaged, Verdict};
pub use warning::{Warning, Warnings};

/// A place in an input file. Lines are 1-based; `line` is `None` for a
/// fact about a whole file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Loc {
    pub path: PathBuf,
    pub line: Option<u32>,
}

impl Loc {
    pub fn new(path: impl Into<PathBuf>, line: Option<u32>) -> Loc {
        Loc {
            path: path.into(),
            line,
        }
    }
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}", self.path.display(), line),
            None => write!(f, "{}", self.path.display()),
        }
    }
}

/// One piece of evidence as a report prints it: what was seen and where.
/// `source` is always something a reader can go and look at: `path:line`,
/// a probe command, or a git command. Verdicts carry these, rendered from
/// their [`Fact`]s.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub source: String,
    pub text: String,
}

impl Evidence {
    pub fn new(source: impl Into<String>, text: impl Into<String>) -> Evidence {
        Evidence {
            source: source.into(),
            text: text.into(),
        }
    }

    /// Evidence read from a file at a line.
    pub fn at(loc: &Loc, text: impl Into<String>) -> Evidence {
        Evidence::new(loc.to_string(), text)
    }
}

/// What a recognised line means to the code that decides, as its rule
/// declares it (`role = "harness"` in `rules/*.toml`). The verdict asks
/// for roles, never for rule-name prefixes.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
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
pub enum Role {
    /// A fact of a run, healthy or not (a tier started, a deploy converged).
    #[default]
    Fact,
    /// The CI machinery failed: disk, registry, ACME, mirror, TTY, a dirty
    /// checkout, an orphaned stack, a colliding run. Its rule carries the
    /// fix.
    Harness,
    /// Something did not happen in time (a timeout, retries exhausted).
    Timing,
    /// The test already retries.
    Retried,
    /// No HTTP answer at all through the proxy (status 0, a TLS failure).
    NoAnswer,
    /// A proxy reached no upstream (nginx `connect() failed (111…)`, caddy
    /// refused, 502/504).
    UpstreamRefused,
    /// An upgrade was rolled back by swarm.
    Rollback,
    /// The real deploy failed.
    DeployFailed,
    /// abra gave up waiting for the deploy to converge.
    DeployTimeout,
    /// The stack converged.
    Converged,
    /// The pre-pull's compose validation failed (never fatal).
    PrepullError,
    /// A compose validation message (a red herring for a swarm deploy).
    ComposeError,
    /// A failed pytest comparison with both sides shown.
    Assertion,
    /// Data seeded before a backup is gone after restore.
    DataLost,
    /// backupbot restored files.
    RestoreSnapshot,
    /// backupbot ran a restore post-hook (a dump was replayed).
    RestorePostHook,
    /// backupbot ran a backup pre-hook.
    BackupPreHook,
    /// A WC5 promote failed.
    PromoteFailed,
    /// The harness's 3600 s deadline fired.
    Deadline,
    /// The run was cancelled (SIGTERM).
    Cancelled,
    /// A tier failed, as the console says.
    TierFailed,
    /// A tier started, as the console says (what a cut-off run was doing).
    TierStarted,
    /// A line that looks alarming but is not a failure (a deprecated-folder
    /// warning, a `deps-not-ready:` skip, lint warnings with exit 0).
    Benign,
    /// What identifies a run in a console (run id, recipe, version, ref,
    /// domain): used to match a console to its run.
    Identity,
    /// The run's own start, end and results lines.
    Structure,
}

impl Role {
    /// A sign that something went wrong. No such rule may fire on a green
    /// run (checked on testdata).
    pub fn is_trouble(self) -> bool {
        !matches!(
            self,
            Role::Fact
                | Role::Converged
                | Role::RestoreSnapshot
                | Role::RestorePostHook
                | Role::BackupPreHook
                | Role::Benign
                | Role::Identity
                | Role::Structure
                | Role::TierStarted
                | Role::Retried
                | Role::PrepullError
                | Role::ComposeError
                | Role::Assertion
        )
    }
}

/// A rule's named captures (and the whole match as `0` where a rule is
/// run on a text directly, not in a scan): a handful, so a slice sorted
/// by name, not a map of nodes (a `BTreeMap` leaf takes over 500 bytes
/// whatever it holds, and every signal and sign has one). Shared: a sign
/// cites its signal's captures without copying them (a run's console signs
/// stand in each of its failures' facts), and none are no allocation.
/// Serialised as a map, in name order, as a `BTreeMap` is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Captures(Option<std::sync::Arc<[(String, String)]>>);

impl Captures {
    pub fn get(&self, name: &str) -> Option<&String> {
        self.find(name).ok().map(|i| &self.pairs()[i].1)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.pairs().iter().map(|(k, v)| (k, v))
    }

    pub fn len(&self) -> usize {
        self.pairs().len()
    }

    pub fn is_empty(&self) -> bool {
        self.pairs().is_empty()
    }

    fn pairs(&self) -> &[(String, String)] {
        self.0.as_deref().unwrap_or(&[])
    }

    fn of(pairs: Vec<(String, String)>) -> Captures {
        Captures((!pairs.is_empty()).then(|| pairs.into()))
    }

    /// Puts a pair in its place in a sorted list, the last value winning.
    fn put(pairs: &mut Vec<(String, String)>, name: String, value: String) {
        match pairs.binary_search_by(|(k, _)| k.as_str().cmp(&name)) {
            Ok(i) => pairs[i].1 = value,
            Err(i) => pairs.insert(i, (name, value)),
        }
    }

    fn find(&self, name: &str) -> std::result::Result<usize, usize> {
        self.pairs().binary_search_by(|(k, _)| k.as_str().cmp(name))
    }
}

impl FromIterator<(String, String)> for Captures {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(it: I) -> Captures {
        let mut pairs = Vec::new();
        for (k, v) in it {
            Captures::put(&mut pairs, k, v);
        }
        Captures::of(pairs)
    }
}

impl<'a> IntoIterator for &'a Captures {
    type Item = (&'a String, &'a String);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (String, String)>,
        fn(&'a (String, String)) -> (&'a String, &'a String),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.pairs().iter().map(|(k, v)| (k, v))
    }
}

impl Serialize for Captures {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for Captures {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Captures, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Captures;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map of capture names to text")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Captures, A::Error> {
                let mut pairs = Vec::with_capacity(map.size_hint().unwrap_or(0).min(16));
                while let Some((k, v)) = map.next_entry::<String, String>()? {
                    Captures::put(&mut pairs, k, v);
                }
                Ok(Captures::of(pairs))
            }
        }
        d.deserialize_map(Visit)
    }
}

/// A rule match: a rule recognised a line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signal {
    pub rule: String,
    pub role: Role,
    pub loc: Loc,
    /// The matched line as read (ANSI stripped, cut at a cap), with its
    /// prefix.
    pub text: String,
    /// Where the line's payload starts in `text` (after a timestamp,
    /// journald or Drone prefix).
    #[serde(default)]
    pub payload: usize,
    pub captures: Captures,
}

impl Signal {
    pub fn evidence(&self) -> Evidence {
        Evidence::at(&self.loc, self.text.clone())
    }

    pub fn capture(&self, name: &str) -> Option<&str> {
        self.captures.get(name).map(String::as_str)
    }

    /// The line without its prefix: what a message or a cause quotes.
    pub fn message(&self) -> &str {
        self.text.get(self.payload..).unwrap_or(&self.text).trim()
    }
}

/// A recipe name as Co-op Cloud spells them: `[a-z0-9][a-z0-9._-]*`, no
/// `..`, at most 100 characters. Anything else read from an input is not
/// used as a path or put in a command.
pub fn is_recipe_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 100
        && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || b"._-".contains(c))
        && !s.contains("..")
}

/// A version or tag as recipes spell them (`2.1.9+10.11.15`,
/// `1.0.0+v1.6.870-0`): ASCII letters, digits and `.+-_`, starting with a
/// letter or digit, at most 100 characters.
pub fn is_version(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 100
        && b[0].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || b"._+-".contains(c))
        && !s.contains("..")
}

/// A value shown inside a message about it: control characters escaped,
/// cut at 80 characters.
pub fn escape_debug(s: &str) -> String {
    let e: String = s.chars().flat_map(char::escape_debug).take(80).collect();
    e
}

/// `n` followed by the noun, pluralised with an `s` when `n != 1`.
pub fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("{n} {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// A value quoted for a POSIX shell, so a command pasted from a report
/// runs with the value as one word, whatever it holds (`'`, `$(…)`).
pub fn shell_quote(s: &str) -> String {
    match shlex::try_quote(s) {
        Ok(q) => q.into_owned(),
        // A NUL cannot be quoted for a shell: show it as text, never as a
        // word that runs.
        Err(_) => format!("'{}'", s.replace('\0', "").replace('\'', "'\\''")),
    }
}

#[cfg(test)]
mod tests {
    use super::Captures;
    use std::collections::BTreeMap;

    #[test]
    fn captures_read_and_write_as_the_map_they_replace() {
        let pairs = [
            ("url", "https://a/"),
            ("0", "https://a/ status=200"),
            ("status", "200"),
            ("url", "https://b/"),
        ];
        let caps: Captures = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(caps.len(), 3);
        assert_eq!(
            caps.get("url").map(String::as_str),
            Some("https://b/"),
            "the last value wins"
        );
        assert_eq!(caps.get("nope"), None);
        assert_eq!(
            caps.iter().collect::<Vec<_>>(),
            map.iter().collect::<Vec<_>>()
        );
        let json = serde_json::to_string(&caps).unwrap();
        assert_eq!(json, serde_json::to_string(&map).unwrap());
        assert_eq!(serde_json::from_str::<Captures>(&json).unwrap(), caps);
        // Written in any order, read back in name order.
        let back: Captures = serde_json::from_str(r#"{"z":"1","a":"2","m":"3"}"#).unwrap();
        assert_eq!(
            back.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
            ["a", "m", "z"]
        );
        assert!(serde_json::from_str::<Captures>(r#"["a"]"#).is_err());
    }
}

#[cfg(test)]
mod sizes {
    use super::*;

    /// A triage holds every reported run and every failure's facts to the
    /// report (`--all` of four years: 4,800 runs, 28,000 facts): these
    /// sizes are its memory. A new fact kind or run field that is large
    /// and rare goes in a box.
    #[test]
    fn what_a_report_holds_stays_small() {
        let sizes = format!(
            "Fact {} FactKind {} Source {} Captures {} Run {}",
            size_of::<Fact>(),
            size_of::<FactKind>(),
            size_of::<Source>(),
            size_of::<Captures>(),
            size_of::<Run>()
        );
        assert!(size_of::<Fact>() <= 136, "{sizes}");
        assert!(size_of::<FactKind>() <= 80, "{sizes}");
        assert!(size_of::<Source>() <= 32, "{sizes}");
        // No captures, no allocation; a sign shares its signal's.
        assert!(size_of::<Captures>() <= 16, "{sizes}");
        assert!(size_of::<Run>() <= 568, "{sizes}");
        let c: Captures = [("a".to_string(), "1".to_string())].into_iter().collect();
        let shared = c.clone();
        assert!(std::ptr::eq(
            c.iter().next().unwrap().1,
            shared.iter().next().unwrap().1
        ));
        assert_eq!(Captures::default(), [].into_iter().collect());
    }
}
