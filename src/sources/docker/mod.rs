//! Live, read-only probes of the Swarm node through the Docker API.
//!
//! The runs on disk say what failed; a probe asks the node what is true now,
//! which is what turns a *suspected* routing collision or deploy failure into
//! a *confirmed* one. Four probes, each also a `ccci-triage probe`
//! subcommand:
//!
//! - [`Prober::dns`]: resolve a name inside a running container, several
//!   times, and map every address to its owner (service, container, stack,
//!   network): is a bare `app` reaching another stack?
//! - [`Prober::aliases`]: every name resolvable on a network, grouped, with
//!   the stacks that hold it.
//! - [`Prober::stack`]: a stack's services, replicas, update status, task
//!   errors: converged or not.
//! - [`compose`]: what `docker compose config` rejects and `docker stack
//!   config` (the deploy's loader) accepts, for a recipe's files.
//!
//! Guarantees (the node is shared with live CI runs):
//! - Nothing on the node is created, changed or removed: the Docker calls
//!   are inspections, lists and an exec of `getent hosts <name>`, and the
//!   compose probe only runs the two loaders' `config` commands.
//! - Every call has a timeout (`--timeout`, 10 s by default); an engine that
//!   cannot be reached is an [`Error`] of kind Usage (exit 2) saying what to
//!   check; a stack, container or network that does not exist is a Usage
//!   error listing the close names that do.
//! - Every answer is recorded ([`Prober::save`]), and a [`Prober::replay`]
//!   of that recording rebuilds the same reports offline, because replay
//!   feeds the same facts to the same analysis (see [`source`]).
//! - Each report carries a `command` a person can run to see the same fact;
//!   `report::probe` renders them.

pub mod aliases;
pub mod compose;
pub mod dns;
pub mod source;
pub mod stack;

use std::path::Path;
use std::time::Duration;

pub use aliases::{AliasName, AliasReport, Holder, HolderKind};
pub use compose::{ComposeReport, ToolRun, compose};
pub use dns::{DnsAnswer, DnsReport, DnsTry, OwnerKind, WalkStep};
pub use source::Recording;
pub use stack::{StackReport, StackService, TaskError};

use crate::error::{Error, Result};
use source::Source;

/// Where the engine is when `DOCKER_HOST` is not set.
pub const DEFAULT_DOCKER_HOST: &str = "unix:///var/run/docker.sock";

/// Asks the node (live) or a recording (replay) and remembers every answer.
pub struct Prober {
    source: Source,
}

impl Prober {
    /// Connects to the engine named by `DOCKER_HOST` (else the default
    /// socket); each call then waits at most `timeout`.
    pub fn live(timeout: Duration) -> Result<Prober> {
        let host = std::env::var("DOCKER_HOST")
            .ok()
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| DEFAULT_DOCKER_HOST.to_string());
        Prober::live_at(&host, timeout)
    }

    /// Connects to the engine at `host` (a `DOCKER_HOST` value:
    /// `unix:///path`, `tcp://host:port`).
    pub fn live_at(host: &str, timeout: Duration) -> Result<Prober> {
        Ok(Prober {
            source: Source::live(host, timeout)?,
        })
    }

    /// Answers from a recording saved by [`Prober::save`]; no engine is used.
    pub fn replay(path: &Path) -> Result<Prober> {
        Ok(Prober {
            source: Source::replay(path)?,
        })
    }

    /// Whether answers come from a recording.
    pub fn is_replay(&self) -> bool {
        self.source.is_replay()
    }

    /// Every call asked so far and its answer.
    pub fn recording(&self) -> &Recording {
        self.source.recording()
    }

    /// Writes the recording as JSON to `path` (`--probe-record`).
    pub fn save(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_string_pretty(self.source.recording())
            .map_err(|e| Error::internal(format!("cannot serialise the probe recording: {e}")))?;
        std::fs::write(path, json + "\n").map_err(|e| {
            Error::usage(format!(
                "{}: cannot write the probe recording: {e}",
                path.display()
            ))
        })
    }
}

/// Levenshtein distance, for close-name suggestions.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// Up to five of `known` that look like `wanted`: those containing it or
/// contained in it, and those a few edits away, closest first.
pub fn close_names(wanted: &str, known: &[String]) -> Vec<String> {
    let limit = (wanted.chars().count() / 3).max(2);
    let mut scored: Vec<(usize, &String)> = known
        .iter()
        .filter_map(|k| {
            let d = distance(wanted, k);
            let related = !wanted.is_empty() && (k.contains(wanted) || wanted.contains(k.as_str()));
            (d <= limit || related).then_some((d, k))
        })
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(5).map(|(_, k)| k.clone()).collect()
}

/// The Usage error for something that does not exist, with close names.
pub(crate) fn not_found(what: &str, name: &str, close: &[String]) -> Error {
    let err = Error::usage(format!("no {what} named `{name}` on this node"));
    if close.is_empty() {
        err.with_hint("no close names; list them with `docker ps`, `docker service ls`, `docker stack ls` or `docker network ls`")
    } else {
        err.with_hint(format!("close names: {}", close.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A recording of the journal's bluesky case rebuilt on a real swarm
    /// (Docker 20.10): `traefik_…` and `drone_…` have `app` on `proxy`; the
    /// cold `bluesky-pds_…` and the promoted `warm-bluesky-pds_…` stacks
    /// have `app` on their own `_internal` network and `caddy` on both.
    const BLUESKY: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src/sources/docker/testdata/bluesky-collision.json"
    );
    const WARM: &str = "warm-bluesky-pds_ci_commoninternet_net";
    const COLD: &str = "bluesky-pds_ci_commoninternet_net";

    #[test]
    fn replayed_warm_stack_shows_the_collision_and_why() {
        let mut p = Prober::replay(Path::new(BLUESKY)).unwrap();
        let r = p.dns(&format!("{WARM}_caddy"), "app", 8).unwrap();
        assert!(r.collision && !r.own_stack_reached, "{}", r.summary);
        assert_eq!(
            r.other_stacks,
            vec![
                "drone_ci_commoninternet_net",
                "traefik_ci_commoninternet_net"
            ]
        );
        assert_eq!(r.networks[0].network, "proxy");
        assert_eq!(r.networks[1].network, format!("{WARM}_internal"));
        assert_eq!(r.networks[1].holders, vec![WARM.to_string()]);
        assert_eq!(r.predicted_network.as_deref(), Some("proxy"));
        assert_eq!(r.tries.len(), 8);
    }

    #[test]
    fn replayed_cold_stack_reaches_its_own_app() {
        let mut p = Prober::replay(Path::new(BLUESKY)).unwrap();
        let r = p.dns(&format!("{COLD}_caddy"), "app", 8).unwrap();
        assert!(!r.collision && r.own_stack_reached, "{}", r.summary);
        assert_eq!(r.answered_from, vec![format!("{COLD}_internal")]);
    }

    #[test]
    fn replayed_aliases_and_stack() {
        let mut p = Prober::replay(Path::new(BLUESKY)).unwrap();
        let a = p.aliases("proxy").unwrap();
        assert_eq!(a.collisions, vec!["app", "caddy"]);
        let s = p.stack(WARM).unwrap();
        assert!(s.converged);
        assert_eq!(s.services.len(), 2);
    }

    #[test]
    fn replay_without_the_answer_is_a_usage_error() {
        let mut p = Prober::replay(Path::new(BLUESKY)).unwrap();
        let e = p.stack("drone_ci_commoninternet_net").unwrap_err();
        assert_eq!(e.kind, crate::error::Kind::Usage);
        assert!(
            e.message.contains("has no answer to `docker service ps"),
            "{e}"
        );
        let e = p.dns(&format!("{WARM}_caddy"), "app", 9).unwrap_err();
        assert!(e.message.contains("(try 9)"), "{e}");
        let e = Prober::replay(Path::new("/nonexistent/recording.json"))
            .err()
            .unwrap();
        assert!(
            e.message.starts_with("/nonexistent/recording.json: "),
            "{e}"
        );
    }

    #[test]
    fn close_names_prefer_the_nearest_and_drop_the_unrelated() {
        let known: Vec<String> = ["aa1_web", "aa1_app", "zz1_web", "traefik_app", "drone"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let close = close_names("aa1_wbe", &known);
        assert_eq!(close.first().map(String::as_str), Some("aa1_web"));
        assert!(!close.iter().any(|c| c == "drone"));
        assert_eq!(close_names("aa1", &known), vec!["aa1_app", "aa1_web"]);
    }

    #[test]
    fn distance_counts_edits() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "ab"), 2);
        assert_eq!(distance("same", "same"), 0);
    }

    #[test]
    fn not_found_is_a_usage_error_with_the_close_names() {
        let e = not_found("stack", "warm-x", &["warm-y".to_string()]);
        assert_eq!(e.kind, crate::error::Kind::Usage);
        assert_eq!(e.hint.as_deref(), Some("close names: warm-y"));
    }
}
