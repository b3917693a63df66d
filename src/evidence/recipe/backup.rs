//! Does a recipe's backup round-trip? Read from its backupbot labels.
//!
//! cc-ci's generic restore test seeds a marker table, backs up, drops the
//! table, restores and looks for it. It passes when the database service
//! backs up a *dump* and a `backupbot.restore.post-hook` replays that dump
//! (immich: `/pg_backup.sh backup` + `backupbot.backup.volumes.postgres.path:
//! backup.sql` + `/pg_backup.sh restore`). It fails when:
//!
//! - a backup pre-hook dumps the database but nothing replays the dump on
//!   restore (`backup.restore-replays-no-dump`): abra puts the dump file back
//!   and the database never reads it;
//! - the backup copies the database server's live data directory
//!   (`backup.live-datadir`): a copy of a running server's files, restored
//!   under a running server, is not reloaded (mattermost-lts backs up
//!   `/var/lib/postgresql/data/`).
//!
//! Label forms read: backupbot v1 (`backupbot.backup=true`,
//! `backupbot.backup.pre-hook`, `backupbot.backup.post-hook`,
//! `backupbot.backup.path` with absolute, comma-separated paths) and v2
//! (`backupbot.backup.volumes.<volume>[.path]` with paths relative to the
//! volume, `backupbot.restore.pre-hook`, `backupbot.restore.post-hook`).
//! Under v2, `backupbot.backup=true` on any service backs up *every* volume
//! of the stack unless a label limits it, so a database volume with no
//! `.path` limit is copied whole.
//!
//! What a hook *does* (dump, replay) and what a path *is* (a data directory)
//! is decided by the rules `label.db-dump`, `label.db-restore` and
//! `label.db-datadir` in `rules/label.toml`; this module only reads labels.

use crate::model::Evidence;
use crate::rules::{RuleSet, ids};

use super::compose::{Label, Project, Svc};
use super::hooks;
use super::{Finding, FindingKind, checks};

const ENABLE: &str = "backupbot.backup";
const PRE_HOOK: &str = "backupbot.backup.pre-hook";
const PATH: &str = "backupbot.backup.path";
const VOLUMES: &str = "backupbot.backup.volumes.";
const RESTORE_POST: &str = "backupbot.restore.post-hook";

/// The labels backupbot (v1 or v2) reads; any other `backupbot.*` label is
/// ignored by it.
const KNOWN: &[&str] = &[
    ENABLE,
    PRE_HOOK,
    "backupbot.backup.post-hook",
    PATH,
    "backupbot.restore",
    "backupbot.restore.pre-hook",
    RESTORE_POST,
];

/// Adds the backup round-trip findings of every service.
pub(crate) fn check(project: &Project, rules: &RuleSet, out: &mut Vec<Finding>) {
    let stack_enabled = project.services.iter().any(|s| {
        s.labels()
            .get(ENABLE)
            .is_some_and(|l| enabled(&l.value.value))
    });
    for svc in &project.services {
        let labels = svc.labels();
        if labels.get(ENABLE).is_some_and(|l| !enabled(&l.value.value)) {
            continue;
        }
        restore_replays(svc, &labels, rules, out);
        if stack_enabled {
            live_datadir(svc, &labels, rules, out);
        }
    }
}

/// Whether a `backupbot.backup` value switches backups on: `true`, or a
/// `${VAR:-true}` whose default is true (the recipe's own default).
fn enabled(value: &str) -> bool {
    let v = value.trim();
    let v = match v.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
        Some(inner) => inner.split_once(":-").map_or("true", |(_, d)| d),
        None => v,
    };
    !v.eq_ignore_ascii_case("false")
}

/// The database a dump or restore tool belongs to, for sentences.
fn database(tool: &str) -> &'static str {
    let t = tool.rsplit('/').next().unwrap_or(tool);
    if t.starts_with("pg") {
        "postgres"
    } else if t.starts_with("mysql") {
        "mysql"
    } else if t.starts_with("mariadb") {
        "mariadb"
    } else if t.starts_with("mongo") {
        "mongodb"
    } else {
        "database"
    }
}

fn label_evidence(key: &str, label: &Label) -> Evidence {
    let place = if label.deploy {
        "deploy.labels"
    } else {
        "labels"
    };
    Evidence::new(
        label.value.source(),
        format!("{key}: {} ({place})", label.value.value),
    )
}

fn restore_replays(
    svc: &Svc,
    labels: &std::collections::BTreeMap<String, Label>,
    rules: &RuleSet,
    out: &mut Vec<Finding>,
) {
    let Some(pre) = labels.get(PRE_HOOK) else {
        return;
    };
    let Some(dump) = rules.captures(ids::LABEL_DB_DUMP, &pre.value.value) else {
        return;
    };
    let tool = dump
        .get("tool")
        .or_else(|| dump.get("0"))
        .cloned()
        .unwrap_or_default();
    let post = labels.get(RESTORE_POST);
    if post.is_some_and(|p| rules.is_match(ids::LABEL_DB_RESTORE, &p.value.value)) {
        return;
    }
    let db = database(&tool);
    let mut evidence = vec![label_evidence(PRE_HOOK, pre)];
    let missing = match post {
        Some(p) => {
            evidence.push(label_evidence(RESTORE_POST, p));
            format!(
                "its `{RESTORE_POST}` (`{}`) replays no dump",
                p.value.value.trim()
            )
        }
        None => format!("has no `{RESTORE_POST}`"),
    };
    for key in [PATH, "backupbot.backup.post-hook"] {
        if let Some(l) = labels.get(key) {
            evidence.push(label_evidence(key, l));
        }
    }
    for (k, l) in labels.iter().filter(|(k, _)| k.starts_with(VOLUMES)) {
        evidence.push(label_evidence(k, l));
    }
    let tool_word = tool.trim();
    out.push(Finding {
        check: checks::RESTORE_REPLAYS_NO_DUMP.to_string(),
        service: svc.name.clone(),
        summary: format!(
            "{db} restore replays no dump: service `{}` dumps with {tool_word} in `{PRE_HOOK}` but {missing}",
            svc.name
        ),
        evidence,
        fix: restore_fix(svc, labels, db, &pre.value.value, tool_word, rules),
        kind: FindingKind::RestoreReplaysNoDump {
            dump_tool: tool_word.to_string(),
        },
    });
}

fn restore_fix(
    svc: &Svc,
    labels: &std::collections::BTreeMap<String, Label>,
    db: &str,
    pre_hook: &str,
    tool: &str,
    rules: &RuleSet,
) -> String {
    // The recipe's own replay when its hook can be read whole: the same
    // engine, credentials, database and file as the dump.
    let replay = match hooks::replay_hook(pre_hook, tool) {
        Ok(r) => format!("`{RESTORE_POST}: {r}`"),
        Err(_) => {
            let how = match db {
                "postgres" => "`psql` (or `pg_restore` for an archive) on the dump file",
                "mysql" | "mariadb" => "the `mysql` (or `mariadb`) client reading the dump file",
                "mongodb" => "`mongorestore` on the dump",
                _ => "a command that loads the dump back into the database",
            };
            format!("a `{RESTORE_POST}` that replays the dump with {how}")
        }
    };
    let mut fix = format!("on service `{}`, add {replay}", svc.name);
    if let Some(only) = dump_only(svc, labels, pre_hook, rules) {
        fix.push_str(&format!(
            ", and back up only the dump file with {only} instead of the live data directory"
        ));
    }
    fix.push('.');
    if hooks::with_clean(pre_hook, tool).is_some() {
        fix.push_str(
            " Dump with `pg_dump --clean --if-exists`, so the replay replaces the tables it \
             restores instead of failing on them.",
        );
    }
    fix
}

/// The label that limits the backup to the dump file, in the version the
/// recipe uses (`backupbot.backup.path` absolute, `…volumes.<v>.path`
/// relative to the volume), when the backup now copies a live data
/// directory.
fn dump_only(
    svc: &Svc,
    labels: &std::collections::BTreeMap<String, Label>,
    pre_hook: &str,
    rules: &RuleSet,
) -> Option<String> {
    let file = dump_target(pre_hook);
    if let Some(p) = labels.get(PATH) {
        let live = p
            .value
            .value
            .split(',')
            .any(|it| rules.is_match(ids::LABEL_DB_DATADIR, it.trim()));
        return live.then(|| format!("`{PATH}: {}`", file.as_deref().unwrap_or("<the dump file>")));
    }
    let live = svc.mounts.iter().filter(|m| m.named).find(|m| {
        let Some(vol) = m.source.as_deref() else {
            return false;
        };
        let key = format!("{VOLUMES}{vol}");
        if labels.get(&key).is_some_and(|l| !enabled(&l.value.value)) {
            return false;
        }
        match labels.get(&format!("{key}.path")) {
            Some(l) => l.value.value.split(',').any(|rel| {
                let rel = rel.trim().trim_start_matches("./").trim_matches('/');
                let abs = if rel.is_empty() || rel == "." {
                    m.target.clone()
                } else {
                    format!("{}/{rel}", m.target)
                };
                rules.is_match(ids::LABEL_DB_DATADIR, &abs)
            }),
            None => rules.is_match(ids::LABEL_DB_DATADIR, &m.target),
        }
    })?;
    let vol = live.source.clone().unwrap_or_default();
    Some(match file.as_deref().and_then(|f| volume_path(svc, f)) {
        Some((v, rel)) => format!("`{VOLUMES}{v}.path: {rel}`"),
        None => format!("`{VOLUMES}{vol}.path: <the dump file>`"),
    })
}

/// The file a dump command writes to: the word after its last `>`.
fn dump_target(command: &str) -> Option<String> {
    let (_, after) = command.rsplit_once('>')?;
    let word = after.split_whitespace().next()?;
    let word = word.trim_matches(|c| c == '"' || c == '\'' || c == ';' || c == ')');
    word.starts_with('/').then(|| word.to_string())
}

/// A path inside the service's named volume: (volume, path relative to it).
fn volume_path(svc: &Svc, path: &str) -> Option<(String, String)> {
    svc.mounts
        .iter()
        .filter(|m| m.named)
        .filter_map(|m| {
            let rel = path.strip_prefix(&m.target)?.strip_prefix('/')?;
            Some((m.source.clone()?, rel.to_string(), m.target.len()))
        })
        .max_by_key(|(_, _, len)| *len)
        .map(|(v, r, _)| (v, r))
}

fn live_datadir(
    svc: &Svc,
    labels: &std::collections::BTreeMap<String, Label>,
    rules: &RuleSet,
    out: &mut Vec<Finding>,
) {
    let unread_labels: Vec<(&String, &Label)> = labels
        .iter()
        .filter(|(k, _)| k.starts_with("backupbot.") && !known(k))
        .filter(|(_, l)| rules.is_match(ids::LABEL_DB_DUMP, &l.value.value))
        .collect();
    let unread: Vec<Evidence> = unread_labels
        .iter()
        .map(|(k, l)| label_evidence(k, l))
        .collect();
    let unread_keys: Vec<&str> = unread_labels.iter().map(|(k, _)| k.as_str()).collect();
    let unread_note = match unread_keys.as_slice() {
        [] => String::new(),
        keys => format!(
            "; backupbot reads no {} label, so the dump command there never runs",
            keys.iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    // v1: explicit absolute paths.
    if let Some(path_label) = labels.get(PATH) {
        for path in path_label.value.value.split(',') {
            let Some(caps) = rules.captures(ids::LABEL_DB_DATADIR, path.trim()) else {
                continue;
            };
            let dir = caps
                .get("path")
                .cloned()
                .unwrap_or_else(|| path.trim().to_string());
            let mut evidence = vec![label_evidence(PATH, path_label)];
            evidence.extend(mount_evidence(svc, &dir));
            evidence.extend(unread.iter().cloned());
            out.push(live_finding(
                svc,
                labels,
                rules,
                &dir,
                format!(
                    "backup copies a live database directory: service `{}` sets `{PATH}: {}`, \
                     the data directory of the running server{unread_note}",
                    svc.name,
                    path_label.value.value.trim()
                ),
                evidence,
            ));
        }
        return;
    }
    // v2: every named volume, limited by `.path` or excluded by `=false`.
    for mount in svc.mounts.iter().filter(|m| m.named) {
        let Some(vol) = mount.source.as_deref() else {
            continue;
        };
        let vol_key = format!("{VOLUMES}{vol}");
        if labels
            .get(&vol_key)
            .is_some_and(|l| !enabled(&l.value.value))
        {
            continue;
        }
        let path_key = format!("{vol_key}.path");
        match labels.get(&path_key) {
            Some(limit) => {
                for rel in limit.value.value.split(',') {
                    let rel = rel.trim().trim_start_matches("./").trim_matches('/');
                    let abs = if rel.is_empty() || rel == "." {
                        mount.target.clone()
                    } else {
                        format!("{}/{rel}", mount.target)
                    };
                    let Some(caps) = rules.captures(ids::LABEL_DB_DATADIR, &abs) else {
                        continue;
                    };
                    let dir = caps.get("path").cloned().unwrap_or(abs.clone());
                    let mut evidence = vec![label_evidence(&path_key, limit)];
                    evidence.push(Evidence::new(
                        mount.source_loc(),
                        format!("volumes: {vol}:{}", mount.target),
                    ));
                    out.push(live_finding(
                        svc,
                        labels,
                        rules,
                        &dir,
                        format!(
                            "backup copies a live database directory: service `{}` limits volume \
                             `{vol}` to `{}`, which is `{dir}`, the data directory of the running server",
                            svc.name,
                            limit.value.value.trim()
                        ),
                        evidence,
                    ));
                }
            }
            None => {
                let Some(caps) = rules.captures(ids::LABEL_DB_DATADIR, &mount.target) else {
                    continue;
                };
                let dir = caps.get("path").cloned().unwrap_or(mount.target.clone());
                let mut evidence = vec![Evidence::new(
                    mount.source_loc(),
                    format!("volumes: {vol}:{}", mount.target),
                )];
                if let Some(l) = labels.get(ENABLE) {
                    evidence.push(label_evidence(ENABLE, l));
                }
                evidence.extend(unread.iter().cloned());
                out.push(live_finding(
                    svc,
                    labels,
                    rules,
                    &dir,
                    format!(
                        "backup copies a live database directory: service `{}` mounts volume \
                         `{vol}` at `{dir}` and no `{path_key}` limits it, so backupbot copies the \
                         running server's data directory whole{unread_note}",
                        svc.name
                    ),
                    evidence,
                ));
            }
        }
    }
}

fn known(key: &str) -> bool {
    KNOWN.contains(&key) || key.starts_with(VOLUMES)
}

fn mount_evidence(svc: &Svc, dir: &str) -> Option<Evidence> {
    svc.mounts
        .iter()
        .find(|m| m.target == dir.trim_end_matches('/'))
        .map(|m| {
            Evidence::new(
                m.source_loc(),
                format!(
                    "volumes: {}:{}",
                    m.source.as_deref().unwrap_or("(anonymous)"),
                    m.target
                ),
            )
        })
}

fn live_finding(
    svc: &Svc,
    labels: &std::collections::BTreeMap<String, Label>,
    rules: &RuleSet,
    dir: &str,
    summary: String,
    evidence: Vec<Evidence>,
) -> Finding {
    let vol = svc
        .mounts
        .iter()
        .find(|m| m.target == dir.trim_end_matches('/') && m.named)
        .and_then(|m| m.source.clone())
        .unwrap_or_else(|| "<volume>".to_string());
    let dump = labels
        .get(PRE_HOOK)
        .filter(|l| rules.is_match(ids::LABEL_DB_DUMP, &l.value.value));
    let replays = labels
        .get(RESTORE_POST)
        .is_some_and(|l| rules.is_match(ids::LABEL_DB_RESTORE, &l.value.value));
    let fix = match dump {
        Some(pre) => {
            let only =
                dump_only(svc, labels, &pre.value.value, rules).unwrap_or_else(
                    || match dump_target(&pre.value.value).and_then(|f| volume_path(svc, &f)) {
                        Some((v, rel)) => format!("`{VOLUMES}{v}.path: {rel}`"),
                        None => format!("`{VOLUMES}{vol}.path: <dump file>`"),
                    },
                );
            format!(
                "on service `{}`, back up only the dump the pre-hook writes ({only}) instead of \
                 `{dir}`{}.",
                svc.name,
                if replays {
                    String::new()
                } else {
                    format!(", and replay it in a `{RESTORE_POST}`")
                }
            )
        }
        None => {
            let only = if labels.contains_key(PATH) {
                format!("`{PATH}: {dir}/backup.sql`")
            } else {
                format!("`{VOLUMES}{vol}.path: backup.sql`, relative to the volume")
            };
            format!(
                "on service `{}`, dump the database in `{PRE_HOOK}` to `{dir}/backup.sql`, \
                 back up only that file ({only}) and replay it in a `{RESTORE_POST}`.",
                svc.name
            )
        }
    };
    Finding {
        check: checks::LIVE_DATADIR.to_string(),
        service: svc.name.clone(),
        summary,
        evidence,
        fix,
        kind: FindingKind::LiveDataDir {
            path: dir.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enabled_reads_defaults() {
        assert!(enabled("true"));
        assert!(enabled("${ENABLE_BACKUPS:-true}"));
        assert!(!enabled("${ENABLE_BACKUPS:-false}"));
        assert!(!enabled("false"));
    }

    #[test]
    fn dump_target_is_the_redirect() {
        assert_eq!(
            dump_target("sh -c 'pg_dump -U m m > /var/lib/postgresql/data/postgres-backup.sql'")
                .as_deref(),
            Some("/var/lib/postgresql/data/postgres-backup.sql")
        );
        assert_eq!(dump_target("/pg_backup.sh backup"), None);
    }
}
