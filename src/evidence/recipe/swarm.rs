//! What `docker compose` and `docker stack deploy` disagree about.
//!
//! cc-ci's pre-pull runs `docker compose config`, which validates the whole
//! project; `abra app deploy` runs `docker stack deploy`, which reads a
//! different subset. The gap produces red herrings: a `depends_on` naming
//! an undefined service makes `docker compose config` exit 15, yet the
//! stack deploys and converges because swarm ignores `depends_on`
//! altogether. These findings are information for the verdict stage, which
//! must not blame a failure on them when a `deploy: converged` follows.
//!
//! The key lists are docker/cli's (`cli/compose/types`): the properties
//! `docker stack deploy` ignores with "Ignoring unsupported options"
//! (for Docker 20.10 and later, where `cap_add`, `cap_drop` and `sysctls`
//! became supported), the deprecated ones it ignores silently, the
//! forbidden ones it refuses, and the version 3.x schema, outside which a
//! service key is refused as "Additional property … is not allowed".

use crate::model::Evidence;

use super::compose::{Located, Project, Svc};
use super::{Finding, FindingKind, RecipeFiles, checks, source_line};

/// Service keys `docker stack deploy` ignores, with what swarm uses or
/// does instead.
const IGNORED: &[(&str, &str)] = &[
    (
        "build",
        "swarm only deploys images; build and push the image first",
    ),
    ("cgroup_parent", "swarm sets no cgroup parent"),
    (
        "container_name",
        "swarm names tasks `<stack>_<service>.<n>.<id>` itself",
    ),
    (
        "depends_on",
        "swarm starts services in no particular order; wait in the entrypoint or rely on healthchecks and restarts",
    ),
    ("devices", "swarm services cannot map devices"),
    ("domainname", "not supported for swarm services"),
    (
        "expose",
        "services on a shared network reach every port anyway",
    ),
    (
        "external_links",
        "swarm services reach each other over networks",
    ),
    ("ipc", "not supported for swarm services"),
    ("links", "swarm services reach each other over networks"),
    ("mac_address", "not supported for swarm services"),
    (
        "network_mode",
        "swarm services join networks listed under `networks:`",
    ),
    ("pid", "not supported for swarm services"),
    ("privileged", "swarm services cannot run privileged"),
    ("restart", "swarm uses `deploy.restart_policy`"),
    ("security_opt", "not supported for swarm services"),
    ("shm_size", "mount a tmpfs at /dev/shm instead"),
    ("ulimits", "ignored by Docker before 23.0"),
    ("userns_mode", "not supported for swarm services"),
];

/// Service keys that make `docker stack deploy` refuse the file.
const FORBIDDEN: &[(&str, &str)] = &[
    (
        "extends",
        "resolve `extends` with `docker compose config` first",
    ),
    ("volume_driver", "set the driver on the top-level volume"),
    ("volumes_from", "share a top-level volume instead"),
    ("cpu_quota", "set limits in `deploy.resources`"),
    ("cpu_shares", "set limits in `deploy.resources`"),
    ("cpuset", "set limits in `deploy.resources`"),
    (
        "mem_limit",
        "set limits in `deploy.resources.limits.memory`",
    ),
    ("memswap_limit", "set limits in `deploy.resources`"),
];

/// Every service key of the compose file format 3.x schema.
const SCHEMA: &[&str] = &[
    "build",
    "cap_add",
    "cap_drop",
    "cgroup_parent",
    "command",
    "configs",
    "container_name",
    "credential_spec",
    "depends_on",
    "deploy",
    "devices",
    "dns",
    "dns_search",
    "domainname",
    "entrypoint",
    "env_file",
    "environment",
    "expose",
    "external_links",
    "extra_hosts",
    "healthcheck",
    "hostname",
    "image",
    "init",
    "ipc",
    "isolation",
    "labels",
    "links",
    "logging",
    "mac_address",
    "network_mode",
    "networks",
    "pid",
    "ports",
    "privileged",
    "read_only",
    "restart",
    "secrets",
    "security_opt",
    "shm_size",
    "stdin_open",
    "stop_grace_period",
    "stop_signal",
    "sysctls",
    "tmpfs",
    "tty",
    "ulimits",
    "user",
    "userns_mode",
    "volumes",
    "working_dir",
];

/// Top-level keys of the 3.x schema.
const TOP_LEVEL: &[&str] = &[
    "version", "services", "networks", "volumes", "secrets", "configs",
];

/// Adds undefined-dependency and swarm key findings.
pub(crate) fn check(project: &Project, files: &RecipeFiles, out: &mut Vec<Finding>) {
    for svc in &project.services {
        undefined_dependencies(project, svc, files, out);
        for key in &svc.keys {
            let k = key.value.as_str();
            if k.starts_with("x-") {
                continue;
            }
            if let Some((_, why)) = IGNORED.iter().find(|(i, _)| *i == k) {
                out.push(ignored(svc, key, why, files));
            } else if let Some((_, why)) = FORBIDDEN.iter().find(|(f, _)| *f == k) {
                out.push(rejected(
                    &svc.name,
                    key,
                    &format!("a forbidden option ({why})"),
                    files,
                ));
            } else if !SCHEMA.contains(&k) {
                out.push(rejected(
                    &svc.name,
                    key,
                    "not in the compose file format 3.x schema (\"Additional property is not allowed\")",
                    files,
                ));
            }
        }
    }
    for key in &project.top_keys {
        let k = key.value.as_str();
        if !k.starts_with("x-") && !TOP_LEVEL.contains(&k) {
            out.push(rejected(
                "(top level)",
                key,
                "a top-level key outside the compose file format 3.x schema",
                files,
            ));
        }
    }
    if let Some(v) = &project.version {
        let major = v.value.trim().split('.').next().unwrap_or("");
        if major == "1" || major == "2" {
            let key = Located {
                value: "version".to_string(),
                file: v.file.clone(),
                line: v.line,
            };
            out.push(rejected(
                "(top level)",
                &key,
                &format!("version {} (swarm needs a 3.x compose file)", v.value),
                files,
            ));
        }
    }
}

fn undefined_dependencies(
    project: &Project,
    svc: &Svc,
    files: &RecipeFiles,
    out: &mut Vec<Finding>,
) {
    let defined: Vec<&str> = project.services.iter().map(|s| s.name.as_str()).collect();
    for dep in &svc.depends_on {
        let d = dep.value.as_str();
        if defined.contains(&d) {
            continue;
        }
        let mut summary = format!(
            "service `{}` depends on undefined service `{d}` (services: {}): `docker compose config` \
             fails with exit 15, but `docker stack deploy` ignores `depends_on`, so the deploy \
             still converges",
            svc.name,
            defined.join(", ")
        );
        let mut evidence = vec![Evidence::new(dep.source(), format!("depends_on: {d}"))];
        if let Some(k) = svc.key("depends_on") {
            evidence.insert(0, key_evidence(k, files));
        }
        if let Some(file) = project.optional_services.get(d) {
            summary.push_str(&format!(
                "; `{d}` is defined only in {file}, which the active chain ({}) leaves out",
                project.compose_files.join(":")
            ));
            evidence.push(Evidence::new(
                file.clone(),
                format!("defines service `{d}`"),
            ));
        }
        let guess = project
            .services
            .iter()
            .find(|s| s.image.as_deref().is_some_and(|i| image_names(i, d)));
        let fix = match guess {
            Some(s) => {
                summary.push_str(&format!(
                    "; service `{}` runs the `{d}` image ({})",
                    s.name,
                    s.image.as_deref().unwrap_or("")
                ));
                format!(
                    "point `depends_on` of `{}` at `{}` (or drop it: swarm ignores it). \
                     Not a deploy failure: do not blame a red tier on it when the deploy converged.",
                    svc.name, s.name
                )
            }
            None => format!(
                "name a defined service in `depends_on` of `{}`, or drop it (swarm \
                 ignores it). Not a deploy failure: do not blame a red tier on it when the deploy \
                 converged.",
                svc.name
            ),
        };
        out.push(Finding {
            check: checks::UNDEFINED_DEPENDENCY.to_string(),
            service: svc.name.clone(),
            summary,
            evidence,
            fix,
            kind: FindingKind::UndefinedDependency {
                dependency: d.to_string(),
            },
        });
    }
}

/// Whether image reference `image` is an image called `name`
/// (`bitnamilegacy/discourse:3.5.0` is `discourse`).
fn image_names(image: &str, name: &str) -> bool {
    let repo = image.split('@').next().unwrap_or(image);
    let last = repo.rsplit('/').next().unwrap_or(repo);
    last.split(':').next() == Some(name)
}

fn key_evidence(key: &Located<String>, files: &RecipeFiles) -> Evidence {
    let text = source_line(files, &key.file, key.line).unwrap_or_else(|| format!("{}:", key.value));
    Evidence::new(key.source(), text)
}

fn ignored(svc: &Svc, key: &Located<String>, why: &str, files: &RecipeFiles) -> Finding {
    Finding {
        check: checks::SWARM_IGNORED_KEY.to_string(),
        service: svc.name.clone(),
        summary: format!(
            "`{}` on service `{}` is ignored by `docker stack deploy` ({why}); only `docker compose` honours it",
            key.value, svc.name
        ),
        evidence: vec![key_evidence(key, files)],
        fix: format!(
            "informational: no effect on a swarm deploy; the recipe may drop `{}`.",
            key.value
        ),
        kind: FindingKind::SwarmIgnoredKey {
            key: key.value.clone(),
        },
    }
}

fn rejected(service: &str, key: &Located<String>, why: &str, files: &RecipeFiles) -> Finding {
    Finding {
        check: checks::SWARM_REJECTED_KEY.to_string(),
        service: service.to_string(),
        summary: format!(
            "`{}` on {} makes `docker stack deploy` refuse the compose file: {why}",
            key.value,
            if service.starts_with('(') {
                "the top level".to_string()
            } else {
                format!("service `{service}`")
            }
        ),
        evidence: vec![key_evidence(key, files)],
        fix: format!(
            "remove `{}` or move it where swarm reads it; the deploy fails until then.",
            key.value
        ),
        kind: FindingKind::SwarmRejectedKey {
            key: key.value.clone(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_names_match_the_repository_name() {
        assert!(image_names("bitnamilegacy/discourse:3.5.0", "discourse"));
        assert!(image_names("discourse", "discourse"));
        assert!(!image_names("redis:7", "discourse"));
        assert!(!image_names("discourse/other:1", "discourse"));
    }
}
