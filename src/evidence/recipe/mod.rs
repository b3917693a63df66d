//! Static checks on a recipe's files: does its backup round-trip, does a
//! service on the shared `proxy` network reach a sibling by a bare name,
//! and what do `docker compose` and `docker stack deploy` disagree about.
//!
//! Why static: the three defects the triage journal found by hand (a
//! postgres backup that restores no dump, a Caddyfile that asks the shared
//! proxy for `app`, a `depends_on` that only `docker compose config`
//! minds) are all visible in the recipe's files at the tested tag, without
//! a node. The verdict stage uses these findings as facts; `ccci-triage
//! check <recipe dir>` prints them alone.
//!
//! What it reads: the compose project abra would deploy (`compose.yml` and
//! the overlays chained by `COMPOSE_FILE` in `.env.sample`, merged as compose
//! merges them; see `compose.rs`), and the config files those services mount.
//! What it guarantees: [`check`] never panics and never fails; a file it
//! cannot read or parse becomes a warning naming the file, and the rest is
//! still checked. Every finding names the service, says what is wrong in one
//! specific sentence, cites `file:line` evidence and proposes a fix aimed at
//! the recipe maintainer.
//!
//! The checks, by id ([`checks`]):
//! - `backup.restore-replays-no-dump`, `backup.live-datadir`: see `backup.rs`;
//! - `routing.bare-name`: see `routing.rs`;
//! - `compose.undefined-dependency`, `compose.swarm-ignored-key`,
//!   `compose.swarm-rejected-key`: see `swarm.rs` (informational: red
//!   herrings for a deploy that converged).

mod backup;
mod compose;
mod hooks;
mod patch;
mod routing;
mod swarm;
mod yaml;

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

pub use crate::model::{Finding, FindingKind};
use crate::rules::RuleSet;

pub use compose::{Chain, chain as compose_chain, is_compose_file};
pub use patch::{Proposal, Refusal, propose};

/// The ids of the checks, as `Finding::check` carries them.
pub mod checks {
    /// A database dump is backed up but no restore hook replays it.
    pub const RESTORE_REPLAYS_NO_DUMP: &str = "backup.restore-replays-no-dump";
    /// The backup copies a running database's data directory.
    pub const LIVE_DATADIR: &str = "backup.live-datadir";
    /// A service on `proxy` reaches a sibling by a bare name.
    pub const BARE_NAME_ROUTING: &str = "routing.bare-name";
    /// `depends_on` names a service the project does not define.
    pub const UNDEFINED_DEPENDENCY: &str = "compose.undefined-dependency";
    /// A key `docker stack deploy` ignores.
    pub const SWARM_IGNORED_KEY: &str = "compose.swarm-ignored-key";
    /// A key `docker stack deploy` refuses.
    pub const SWARM_REJECTED_KEY: &str = "compose.swarm-rejected-key";

    /// Every check id.
    pub const ALL: &[&str] = &[
        RESTORE_REPLAYS_NO_DUMP,
        LIVE_DATADIR,
        BARE_NAME_ROUTING,
        UNDEFINED_DEPENDENCY,
        SWARM_IGNORED_KEY,
        SWARM_REJECTED_KEY,
    ];
}

/// The largest file [`RecipeFiles::from_dir`] reads; recipe files are a
/// few KiB, anything larger is not configuration.
pub const MAX_FILE_BYTES: u64 = 256 * 1024;

/// A recipe's files at one ref: relative path → text.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecipeFiles {
    /// Where the files came from (a directory, `git show TAG:` of one), as
    /// reports print it. Its last path component is taken as the recipe
    /// name.
    pub origin: String,
    /// Path relative to the recipe root (`compose.yml`,
    /// `nginx/default.conf.tmpl`), with `/` separators → text.
    pub files: BTreeMap<String, String>,
    /// Files read with a problem (invalid UTF-8 read lossily, too large,
    /// not a regular file), each naming the file.
    #[serde(default)]
    pub warnings: Vec<String>,
}

impl RecipeFiles {
    /// Reads a recipe checkout: compose files, `.env.sample`, and text
    /// config files (see [`is_recipe_file`]) up to [`MAX_FILE_BYTES`] each,
    /// skipping `.git` and binaries (a NUL byte). A file with invalid UTF-8
    /// is read lossily and said (a compose file must not vanish for one
    /// bad byte); one that cannot be read, or is not a regular file, is
    /// said and skipped. Symlinks are not followed out of the checkout.
    /// Fails only when `dir` itself cannot be read.
    pub fn from_dir(dir: &Path) -> std::io::Result<RecipeFiles> {
        // Fail early, with the OS's own words, for a missing or unreadable
        // directory; what is inside is read leniently.
        std::fs::read_dir(dir)?;
        let mut files = BTreeMap::new();
        let walker = walkdir::WalkDir::new(dir)
            .max_depth(4)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                let name = e.file_name().to_string_lossy();
                !(e.file_type().is_dir() && (name == ".git" || name == "node_modules"))
            });
        let mut warnings = Vec::new();
        for entry in walker.flatten() {
            if entry.file_type().is_dir() {
                continue;
            }
            let Ok(rel) = entry.path().strip_prefix(dir) else {
                continue;
            };
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            if !is_recipe_file(&rel) {
                continue;
            }
            if entry.file_type().is_symlink() {
                warnings.push(format!("{rel}: a symlink; not followed"));
                continue;
            }
            match crate::fsx::read(entry.path(), MAX_FILE_BYTES) {
                Ok(bytes) if bytes.contains(&0) => {}
                Ok(bytes) => {
                    let text = match String::from_utf8(bytes) {
                        Ok(t) => t,
                        Err(e) => {
                            warnings.push(format!(
                                "{rel}: invalid UTF-8 at byte {}, read with it replaced",
                                e.utf8_error().valid_up_to()
                            ));
                            String::from_utf8_lossy(e.as_bytes()).into_owned()
                        }
                    };
                    files.insert(rel, text);
                }
                Err(e) => warnings.push(format!("{rel}: {e}")),
            }
        }
        Ok(RecipeFiles {
            origin: dir.display().to_string(),
            files,
            warnings,
        })
    }
}

/// Whether a recipe path is one the checks read: compose files,
/// `.env.sample`, and text config files (templates `*.tmpl`, `Caddyfile`,
/// `*.conf`, `*.ini`, `*.toml`, `*.json`, `*.sh`, `*.yml`/`*.yaml`,
/// `*.cfg`, entrypoints). For callers that list a git tree themselves.
pub fn is_recipe_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    const EXTENSIONS: &[&str] = &[
        ".tmpl", ".conf", ".ini", ".toml", ".json", ".sh", ".yml", ".yaml", ".cfg",
    ];
    name == ".env.sample"
        || compose::is_compose_file(path)
        || name.starts_with("Caddyfile")
        || name.contains("entrypoint")
        || EXTENSIONS.iter().any(|e| name.ends_with(e))
}

/// What [`check`] found in one recipe.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecipeReport {
    /// [`RecipeFiles::origin`].
    pub origin: String,
    /// The recipe name the stack names are derived from (the origin's last
    /// path component).
    pub recipe: String,
    /// The active compose chain, in merge order.
    pub compose_files: Vec<String>,
    /// Overlays in the recipe that the active chain leaves out
    /// (`#COMPOSE_FILE=` options and other `compose.*.yml`): information,
    /// not checked.
    pub optional_compose_files: Vec<String>,
    /// The merged services, in order of first definition.
    pub services: Vec<Service>,
    /// What the checks found: backup, then routing (`app` first), then
    /// compose-vs-swarm findings.
    pub findings: Vec<Finding>,
    /// Files that could not be read or parsed, and what the checks had to
    /// skip, each naming the file.
    pub warnings: Vec<String>,
}

/// One service of the merged compose project.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    /// The compose service name (swarm's alias on every network).
    pub name: String,
    /// `image:` as written, variables unexpanded.
    pub image: Option<String>,
    /// Network keys as the compose files list them (`default` when none).
    pub networks: Vec<String>,
    /// On the shared external `proxy` network.
    pub on_proxy: bool,
    /// Labels as swarm sees them: `deploy.labels`, plus container `labels`
    /// for keys `deploy.labels` does not set.
    pub labels: BTreeMap<String, String>,
    /// Services named in `depends_on` (short or long form).
    pub depends_on: Vec<String>,
    /// The file and line that first define the service.
    pub file: String,
    pub line: Option<u32>,
}

/// Runs every check on a recipe. Never fails: problems with files are
/// warnings in the report.
pub fn check(files: &RecipeFiles, rules: &RuleSet) -> RecipeReport {
    check_named(files, &recipe_name(&files.origin), rules)
}

/// [`check`] for a recipe whose name the caller knows (a checkout
/// directory may be called anything).
pub fn check_named(files: &RecipeFiles, recipe: &str, rules: &RuleSet) -> RecipeReport {
    let project = compose::load(files);
    let recipe = recipe.to_string();
    let mut findings = Vec::new();
    let mut warnings = files.warnings.clone();
    warnings.extend(project.warnings.iter().cloned());
    if project.services.is_empty() && warnings.is_empty() {
        warnings.push(format!(
            "{}: no services in the compose chain; nothing to check",
            project.compose_files.join(":")
        ));
    }
    backup::check(&project, rules, &mut findings);
    routing::check(&project, files, &recipe, &mut findings, &mut warnings);
    swarm::check(&project, files, &mut findings);
    let services = project
        .services
        .iter()
        .map(|s| Service {
            name: s.name.clone(),
            image: s.image.clone(),
            networks: s.network_keys().map(str::to_string).collect(),
            on_proxy: project.on_proxy(s),
            labels: s
                .labels()
                .into_iter()
                .map(|(k, l)| (k, l.value.value))
                .collect(),
            depends_on: s.depends_on.iter().map(|d| d.value.clone()).collect(),
            file: s.file.clone(),
            line: (s.line > 0).then_some(s.line),
        })
        .collect();
    RecipeReport {
        origin: files.origin.clone(),
        recipe,
        compose_files: project.compose_files.clone(),
        optional_compose_files: project.optional_files.clone(),
        services,
        findings,
        warnings,
    }
}

/// Line `line` (1-based) of a recipe file, trimmed: the text evidence
/// quotes.
pub(crate) fn source_line(files: &RecipeFiles, file: &str, line: u32) -> Option<String> {
    let n = usize::try_from(line).ok()?.checked_sub(1)?;
    files
        .files
        .get(file)?
        .lines()
        .nth(n)
        .map(|l| l.trim().to_string())
}

/// The recipe name of an origin: its last path component, without a
/// ` at tag …`, `@ref` or `:ref` suffix (`/x/recipes/bluesky-pds at tag
/// 0.3.0` → `bluesky-pds`).
pub fn recipe_name(origin: &str) -> String {
    let origin = origin.split(" at ").next().unwrap_or(origin);
    let last = origin
        .trim_end_matches(['/', '\\'])
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(origin);
    last.split(['@', ':']).next().unwrap_or(last).to_string()
}

/// Docker's embedded DNS answers from the first network (non-internal
/// first, then by name ascending) that knows the name. True when `stack`'s
/// own `<stack>_<internal>` network wins over `shared` for a service on
/// both (both non-internal; an `internal: true` network never wins over
/// `proxy`).
///
/// Seen on Docker 20.10: `aaab` wins, `stackb` and `zzzb` lose to `proxy`.
pub fn own_network_wins(stack: &str, internal_net: &str, shared: &str) -> bool {
    format!("{stack}_{internal_net}").as_str() < shared
}

/// The six hex digits cold stack names carry here. cc-ci draws them at
/// random per run; the DNS order is decided by the first letters, so a
/// fixed example stands in for them.
pub const EXAMPLE_HEX: &str = "e1cb78";

/// The domain cc-ci deploys under, as a stack name suffix (dots become
/// underscores).
const DOMAIN_SUFFIX: &str = "ci_commoninternet_net";

/// The stack name of a cold cc-ci run of `recipe`:
/// `<first 4 letters>-<6 hex>_ci_commoninternet_net`, with the fixed
/// [`EXAMPLE_HEX`] standing in for the random hex (e.g.
/// `blue-e1cb78_ci_commoninternet_net` for bluesky-pds).
pub fn cold_stack_name(recipe: &str) -> String {
    let head: String = recipe.chars().take(4).collect();
    format!("{head}-{EXAMPLE_HEX}_{DOMAIN_SUFFIX}")
}

/// The stack name of the promoted warm deploy of `recipe`:
/// `warm-<recipe>_ci_commoninternet_net`.
pub fn warm_stack_name(recipe: &str) -> String {
    format!("warm-{recipe}_{DOMAIN_SUFFIX}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_network_wins_follows_the_observed_order() {
        assert!(own_network_wins("aaab", "internal", "proxy"));
        assert!(!own_network_wins("stackb", "internal", "proxy"));
        assert!(!own_network_wins("zzzb", "internal", "proxy"));
        assert!(own_network_wins(
            &cold_stack_name("bluesky-pds"),
            "internal",
            "proxy"
        ));
        assert!(!own_network_wins(
            &warm_stack_name("bluesky-pds"),
            "internal",
            "proxy"
        ));
        // `prox-…` sorts before `proxy` (`-` < `y`); `q…` after.
        assert!(own_network_wins("prox-e1cb78", "default", "proxy"));
        assert!(!own_network_wins("q", "internal", "proxy"));
    }

    #[test]
    fn stack_names() {
        assert_eq!(
            cold_stack_name("bluesky-pds"),
            "blue-e1cb78_ci_commoninternet_net"
        );
        assert_eq!(
            warm_stack_name("bluesky-pds"),
            "warm-bluesky-pds_ci_commoninternet_net"
        );
        assert_eq!(cold_stack_name("abc"), "abc-e1cb78_ci_commoninternet_net");
    }

    #[test]
    fn recipe_names() {
        assert_eq!(recipe_name("/x/recipes/bluesky-pds/"), "bluesky-pds");
        assert_eq!(recipe_name("bluesky-pds@0.3.0+v0.4.219"), "bluesky-pds");
        assert_eq!(recipe_name("immich"), "immich");
        assert_eq!(
            recipe_name("/r/bluesky-pds at tag 0.3.0+v0.4.219"),
            "bluesky-pds"
        );
    }

    #[test]
    fn recipe_files_are_picked_by_name() {
        for yes in [
            "compose.yml",
            "compose.postgres.yml",
            ".env.sample",
            "Caddyfile",
            "nginx.conf.tmpl",
            "conf/uploads.ini",
            "entrypoint.sh.tmpl",
            "docker-entrypoint",
        ] {
            assert!(is_recipe_file(yes), "{yes}");
        }
        for no in ["README.md", "logo.png", "LICENSE", ".env"] {
            assert!(!is_recipe_file(no), "{no}");
        }
    }
}
