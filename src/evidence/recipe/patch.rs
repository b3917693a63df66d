//! The proposed change for a backup that does not round-trip: a unified
//! diff of the recipe's own compose file(s), which `git apply` accepts in
//! the recipe repository at the tested tag.
//!
//! What the change does, for one database service, from its own labels:
//! - a `backupbot.restore.post-hook` that replays the service's own dump
//!   with its own engine's client, credentials, database and file
//!   ([`hooks::replay_hook`]: `psql`/`pg_restore` for `pg_dump`, `mysql`
//!   for `mysqldump`, `mariadb` for `mariadb-dump`); a plain `pg_dump` gets
//!   `--clean --if-exists`, so the replay replaces the tables it restores;
//! - a backup path that copies the live data directory becomes the dump
//!   file, in the label version the recipe uses (`backupbot.backup.path`
//!   absolute, `backupbot.backup.volumes.<volume>.path` relative to the
//!   volume);
//! - a database with no dump at all gets one in `backupbot.backup.pre-hook`
//!   (the recipe's own unread dump label renamed, or its engine's dump tool
//!   with the credentials its environment names).
//!
//! How: the edits are made on the file's text, line by line, at the lines
//! the parsed compose project says the labels are on; the rest of the file
//! (indentation, quoting, comments, key order) is left byte for byte. A
//! new label copies the indentation and quoting of the label above it.
//! Then the edited files are parsed and checked again: the proposal stands
//! only when they still parse, the service's labels are exactly what was
//! meant and no backup finding is left. Anything else (a label written
//! over several lines, flow-style labels, a dump the hook pipes somewhere
//! else) is a [`Refusal`] that says why, never a guessed patch.

use std::collections::BTreeMap;

use similar::TextDiff;

use crate::rules::{RuleSet, ids};

use super::compose::{self, Label, Svc};
use super::hooks;
use super::{Finding, FindingKind, RecipeFiles, RecipeReport};

const PRE_HOOK: &str = "backupbot.backup.pre-hook";
const PATH: &str = "backupbot.backup.path";
const VOLUMES: &str = "backupbot.backup.volumes.";
const RESTORE_POST: &str = "backupbot.restore.post-hook";

/// A change to the recipe's files for one service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proposal {
    pub service: String,
    /// The files it edits, relative to the recipe root.
    pub files: Vec<String>,
    /// The finding checks it answers.
    pub checks: Vec<String>,
    /// What it changes, one short sentence each.
    pub changes: Vec<String>,
    /// The unified diff (`diff --git a/… b/…` headers, `-p1` paths).
    pub diff: String,
}

/// Why no change is proposed for a service's backup findings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub service: String,
    pub checks: Vec<String>,
    pub why: String,
}

/// The proposal (or why there is none) for every service with a backup
/// finding, in the order of the findings.
pub fn propose(
    files: &RecipeFiles,
    report: &RecipeReport,
    rules: &RuleSet,
) -> Vec<Result<Proposal, Refusal>> {
    let project = compose::load(files);
    let mut services: Vec<&str> = Vec::new();
    for x in report.findings.iter().filter(|x| x.is_backup()) {
        if !services.contains(&x.service.as_str()) {
            services.push(&x.service);
        }
    }
    services
        .into_iter()
        .map(|name| {
            let found: Vec<&Finding> = report
                .findings
                .iter()
                .filter(|x| x.is_backup() && x.service == name)
                .collect();
            let checks: Vec<String> = found.iter().map(|x| x.check.clone()).collect();
            let refuse = |why: String| Refusal {
                service: name.to_string(),
                checks: checks.clone(),
                why,
            };
            let svc = project
                .service(name)
                .ok_or_else(|| refuse(format!("service `{name}` is not in the compose chain")))?;
            let (ops, changes) = plan(svc, &found, rules).map_err(refuse)?;
            let diff = edit(files, report, svc, &ops, rules).map_err(refuse)?;
            Ok(Proposal {
                service: name.to_string(),
                files: diff.0,
                checks,
                changes,
                diff: diff.1,
            })
        })
        .collect()
}

/// One label to set: replaced where it is, or added beside the others.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Op {
    key: String,
    value: String,
    /// The label this one replaces under another key (an unread dump
    /// label becomes the pre-hook).
    replaces: Option<String>,
}

fn set(key: &str, value: impl Into<String>) -> Op {
    Op {
        key: key.to_string(),
        value: value.into(),
        replaces: None,
    }
}

/// The labels to set on `svc`, and the changes in words.
fn plan(svc: &Svc, found: &[&Finding], rules: &RuleSet) -> Result<(Vec<Op>, Vec<String>), String> {
    let labels = svc.labels();
    let mut ops = Vec::new();
    let mut changes = Vec::new();
    let tool_of = |v: &str| {
        rules
            .captures(ids::LABEL_DB_DUMP, v)
            .and_then(|c| c.get("tool").or_else(|| c.get("0")).cloned())
    };
    let pre = labels
        .get(PRE_HOOK)
        .and_then(|l| Some((l.value.value.clone(), tool_of(&l.value.value)?)));
    let (pre_hook, tool) = match pre {
        Some(p) => p,
        None => {
            let (op, tool, said) = new_dump(svc, &labels, found, rules)?;
            let value = op.value.clone();
            ops.push(op);
            changes.push(said);
            (value, tool)
        }
    };
    let replays = labels
        .get(RESTORE_POST)
        .is_some_and(|l| rules.is_match(ids::LABEL_DB_RESTORE, &l.value.value));
    if !replays {
        let replay = hooks::replay_hook(&pre_hook, &tool)?;
        if let Some(clean) = hooks::with_clean(&pre_hook, &tool) {
            match ops.iter_mut().find(|o| o.key == PRE_HOOK) {
                Some(o) => o.value = clean,
                None => {
                    ops.push(set(PRE_HOOK, clean));
                    changes.push(
                        "`pg_dump` gets `--clean --if-exists`, so the replay replaces the \
                         tables it restores instead of failing on them"
                            .into(),
                    );
                }
            }
        }
        changes.push(match labels.get(RESTORE_POST) {
            Some(old) => format!(
                "`{RESTORE_POST}` replays the dump (it was `{}`, which replays nothing)",
                old.value.value.trim()
            ),
            None => format!(
                "a `{RESTORE_POST}` replays the dump with `{}`",
                client_word(&replay)
            ),
        });
        ops.push(set(RESTORE_POST, replay));
    }
    let live: Vec<&str> = found
        .iter()
        .filter_map(|x| match &x.kind {
            FindingKind::LiveDataDir { path } => Some(path.as_str()),
            _ => None,
        })
        .collect();
    if !live.is_empty() {
        let (_, dump) = hooks::dump_hook(&pre_hook, &tool)
            .map_err(|e| format!("the backup path cannot be pointed at the dump: {e}"))?;
        backup_path(
            svc,
            &labels,
            &live,
            &dump.file,
            rules,
            &mut ops,
            &mut changes,
        )?;
    }
    Ok((ops, changes))
}

/// `psql`, `pg_restore`, `mysql`: the client a replay runs, for the
/// sentence.
fn client_word(replay: &str) -> &'static str {
    for c in ["pg_restore", "psql", "mariadb", "mysql"] {
        if replay
            .split(|ch: char| !ch.is_alphanumeric() && ch != '_')
            .any(|w| w == c)
        {
            return c;
        }
    }
    "the script's `restore`"
}

/// The backup limited to the dump file, in the label version the recipe
/// uses.
fn backup_path(
    svc: &Svc,
    labels: &BTreeMap<String, Label>,
    live: &[&str],
    dump: &str,
    rules: &RuleSet,
    ops: &mut Vec<Op>,
    changes: &mut Vec<String>,
) -> Result<(), String> {
    if let Some(path) = labels.get(PATH) {
        let mut items: Vec<String> = Vec::new();
        for it in path.value.value.split(',') {
            let t = it.trim();
            let new = if rules.is_match(ids::LABEL_DB_DATADIR, t) {
                dump.to_string()
            } else {
                t.to_string()
            };
            if !items.contains(&new) {
                items.push(new);
            }
        }
        ops.push(set(PATH, items.join(",")));
        changes.push(format!(
            "`{PATH}` backs up the dump `{dump}` instead of the live data directory"
        ));
        return Ok(());
    }
    for dir in live {
        let dir = dir.trim_end_matches('/');
        let mount = svc
            .mounts
            .iter()
            .find(|m| m.named && m.target == dir)
            .ok_or_else(|| format!("no named volume is mounted at `{dir}`"))?;
        let vol = mount.source.clone().unwrap_or_default();
        let rel = dump
            .strip_prefix(dir)
            .and_then(|r| r.strip_prefix('/'))
            .filter(|r| !r.is_empty())
            .ok_or_else(|| {
                format!("the dump `{dump}` is not written inside volume `{vol}` (`{dir}`)")
            })?;
        let key = format!("{VOLUMES}{vol}.path");
        ops.push(set(&key, rel));
        changes.push(format!(
            "`{key}` limits the backup of volume `{vol}` to the dump `{rel}` instead of the \
             live data directory"
        ));
    }
    Ok(())
}

/// A pre-hook for a database service that dumps nothing: the recipe's own
/// dump label backupbot does not read (renamed), else the engine's dump
/// tool with the credentials the service's environment names. The dump
/// goes inside the data directory's volume, as `backup.sql`.
fn new_dump(
    svc: &Svc,
    labels: &BTreeMap<String, Label>,
    found: &[&Finding],
    rules: &RuleSet,
) -> Result<(Op, String, String), String> {
    let dir = found
        .iter()
        .find_map(|x| match &x.kind {
            FindingKind::LiveDataDir { path } => Some(path.trim_end_matches('/').to_string()),
            _ => None,
        })
        .ok_or("no dump to replay and no data directory to dump from")?;
    let file = format!("{dir}/backup.sql");
    // The recipe's own dump command, under a key backupbot does not read.
    let unread = labels.iter().find(|(k, l)| {
        k.starts_with("backupbot.")
            && k.as_str() != PRE_HOOK
            && !k.starts_with(VOLUMES)
            && k.as_str() != PATH
            && rules.is_match(ids::LABEL_DB_DUMP, &l.value.value)
    });
    if let Some((key, l)) = unread {
        let caps = rules
            .captures(ids::LABEL_DB_DUMP, &l.value.value)
            .unwrap_or_default();
        let tool = caps.get("tool").cloned().unwrap_or_default();
        let mut cmd = l.value.value.trim().to_string();
        if hooks::dump_hook(&cmd, &tool).is_err() {
            let (w, inner) = hooks::unwrap(&cmd);
            cmd = hooks::wrap(w.as_ref(), &format!("{inner} > {file}"));
        }
        hooks::dump_hook(&cmd, &tool)?;
        let said = format!(
            "`{key}` (a label backupbot does not read) becomes `{PRE_HOOK}`, writing the dump \
             to `{file}`"
        );
        return Ok((
            Op {
                key: PRE_HOOK.to_string(),
                value: cmd,
                replaces: Some(key.clone()),
            },
            tool,
            said,
        ));
    }
    let env = |names: &[&str]| -> Option<(String, String)> {
        names.iter().find_map(|n| {
            svc.env
                .iter()
                .find(|e| e.key == *n)
                .map(|e| (e.key.clone(), e.value.clone().unwrap_or_default()))
        })
    };
    // A literal value as it is; one compose fills in from a variable is
    // read from the container's environment when the hook runs.
    let word = |(name, value): (String, String)| {
        if value.is_empty() || value.contains('$') {
            format!("\"$${name}\"")
        } else {
            value
        }
    };
    let image = svc.image.as_deref().unwrap_or("");
    let (cmd, tool) = match super::super::statics::engine(Some(image)) {
        "postgres" => {
            let user = env(&["POSTGRES_USER"])
                .map(word)
                .unwrap_or_else(|| "postgres".into());
            let db = env(&["POSTGRES_DB"])
                .map(word)
                .unwrap_or_else(|| user.clone());
            (
                format!("sh -c 'pg_dump -U {user} {db} > {file}'"),
                "pg_dump".to_string(),
            )
        }
        "mysql" => {
            let maria = image.contains("mariadb");
            let tool = if maria { "mariadb-dump" } else { "mysqldump" };
            let password = if let Some((_, f)) =
                env(&["MARIADB_ROOT_PASSWORD_FILE", "MYSQL_ROOT_PASSWORD_FILE"])
                    .filter(|(_, v)| v.starts_with('/') && !v.contains('$'))
            {
                format!("-p\"$$(cat {f})\"")
            } else if let Some((name, _)) = env(&["MARIADB_ROOT_PASSWORD", "MYSQL_ROOT_PASSWORD"]) {
                format!("-p\"$${name}\"")
            } else {
                return Err(format!(
                    "service `{}` names no root password in its environment to dump with",
                    svc.name
                ));
            };
            let db = env(&["MARIADB_DATABASE", "MYSQL_DATABASE"])
                .filter(|(_, v)| !v.is_empty() && !v.contains('$'))
                .map(|(_, v)| v)
                .unwrap_or_else(|| "--all-databases".into());
            (
                format!("sh -c '{tool} -u root {password} {db} > {file}'"),
                tool.to_string(),
            )
        }
        other => {
            return Err(format!(
                "no dump is written for image `{image}` (engine {other})"
            ));
        }
    };
    let said = format!("a `{PRE_HOOK}` dumps the database to `{file}` with `{tool}`");
    Ok((set(PRE_HOOK, cmd), tool, said))
}

// ------------------------------------------------------------ the edit

/// How a label's line is written.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Line {
    /// Everything before the scalar: `        - ` or `        key: `.
    head: String,
    /// `- "k=v"` (a list entry) or `k: v` (a map entry).
    list: bool,
    quote: Quote,
    /// A comment after the scalar, with the space before it.
    tail: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Quote {
    Double,
    Single,
    Plain,
}

/// Reads a one-line label entry: `- "key=value"  # c` or `key: 'value'`.
fn read_line(text: &str, key: &str) -> Result<Line, String> {
    let body = text.trim_end_matches(['\n', '\r']);
    let indent = body.len() - body.trim_start_matches(' ').len();
    let rest = &body[indent..];
    let (head_len, list) = if let Some(r) = rest.strip_prefix('-') {
        let ws = r.len() - r.trim_start_matches(' ').len();
        if ws == 0 {
            return Err("not a list entry".into());
        }
        (indent + 1 + ws, true)
    } else {
        // `key:` as written (plain or quoted), then the value.
        let (k, after) = scalar(rest)?;
        let Some(after) = after.strip_prefix(':') else {
            return Err(format!("`{key}` is not a `key: value` line"));
        };
        if k.0 != key {
            return Err(format!("the line holds `{}`, not `{key}`", k.0));
        }
        let ws = after.len() - after.trim_start_matches(' ').len();
        (body.len() - after.len() + ws, false)
    };
    let (value, tail) = scalar(&body[head_len..])?;
    if !tail.trim().is_empty() && !tail.trim_start().starts_with('#') {
        return Err("text after the label's value".into());
    }
    if value.1 == Quote::Plain && matches!(value.0.as_str(), "|" | ">" | "|-" | ">-" | "") {
        return Err(format!("`{key}` is written over several lines"));
    }
    if list && value.0.split_once('=').map(|(k, _)| k.trim()) != Some(key) {
        return Err(format!("the line does not hold `{key}=`"));
    }
    Ok(Line {
        head: body[..head_len].to_string(),
        list,
        quote: value.1,
        tail: tail.to_string(),
    })
}

/// One flow scalar at the start of `s`: (decoded text, quote) and the rest
/// of the line. A plain scalar ends at ` #` or, as a key, at `: `.
fn scalar(s: &str) -> Result<((String, Quote), &str), String> {
    let mut chars = s.char_indices().peekable();
    match s.chars().next() {
        Some('"') => {
            let mut out = String::new();
            chars.next();
            while let Some((i, c)) = chars.next() {
                match c {
                    '"' => return Ok(((out, Quote::Double), &s[i + 1..])),
                    '\\' => match chars.next() {
                        Some((_, 'n')) => out.push('\n'),
                        Some((_, 't')) => out.push('\t'),
                        Some((_, '"')) => out.push('"'),
                        Some((_, '\\')) => out.push('\\'),
                        Some((_, '/')) => out.push('/'),
                        Some((_, ' ')) => out.push(' '),
                        _ => return Err("an escape the edit does not copy".into()),
                    },
                    c => out.push(c),
                }
            }
            Err("a quoted value that goes on past its line".into())
        }
        Some('\'') => {
            let mut out = String::new();
            chars.next();
            while let Some((i, c)) = chars.next() {
                if c == '\'' {
                    if chars.peek().is_some_and(|(_, n)| *n == '\'') {
                        chars.next();
                        out.push('\'');
                        continue;
                    }
                    return Ok(((out, Quote::Single), &s[i + 1..]));
                }
                out.push(c);
            }
            Err("a quoted value that goes on past its line".into())
        }
        Some('[' | '{') => Err("labels written in flow style".into()),
        _ => {
            let mut end = s.len();
            for (i, c) in s.char_indices() {
                let next = s[i + c.len_utf8()..].chars().next();
                if c == '#' && i > 0 && s[..i].ends_with(' ') {
                    end = i;
                    break;
                }
                if c == ':' && (next.is_none() || next == Some(' ')) {
                    end = i;
                    break;
                }
            }
            let text = s[..end].trim_end();
            Ok(((text.to_string(), Quote::Plain), &s[text.len()..]))
        }
    }
}

/// `s` as a YAML scalar in `quote`, or double-quoted when a plain scalar
/// would read as something else.
fn encode(s: &str, quote: Quote) -> String {
    match quote {
        Quote::Single if !s.contains('\n') => format!("'{}'", s.replace('\'', "''")),
        Quote::Plain if plain_safe(s) => s.to_string(),
        _ => {
            let mut out = String::from("\"");
            for c in s.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    c => out.push(c),
                }
            }
            out.push('"');
            out
        }
    }
}

fn plain_safe(s: &str) -> bool {
    let first = s.chars().next();
    !s.is_empty()
        && s.trim() == s
        && !first.is_some_and(|c| "-?:,[]{}#&*!|>'\"%@`".contains(c))
        && !s.contains(": ")
        && !s.contains(" #")
        && !s.ends_with(':')
        && !s.contains('\n')
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "~" | "yes" | "no" | "on" | "off"
        )
        && s.parse::<f64>().is_err()
}

/// A line written the way `like` is, for `key` and `value`.
fn write_line(like: &Line, key: &str, value: &str) -> String {
    if like.list {
        format!(
            "{}{}{}",
            like.head,
            encode(&format!("{key}={value}"), like.quote),
            like.tail
        )
    } else {
        // The head ends with `key: `; swap in the new key.
        let indent = like.head.len() - like.head.trim_start_matches(' ').len();
        let after_colon = like.head.rsplit_once(':').map(|(_, ws)| ws).unwrap_or(" ");
        format!(
            "{}{key}:{after_colon}{}{}",
            &like.head[..indent],
            encode(value, like.quote),
            like.tail
        )
    }
}

/// An edit at one line: replaced, and lines added after it.
struct LineEdit {
    /// 1-based.
    line: u32,
    replace: Option<String>,
    add: Vec<String>,
}

/// The edits made, checked, and as a diff: (files, diff).
fn edit(
    files: &RecipeFiles,
    report: &RecipeReport,
    svc: &Svc,
    ops: &[Op],
    rules: &RuleSet,
) -> Result<(Vec<String>, String), String> {
    let labels = svc.labels();
    // Where new labels go: after the last backupbot label of the
    // collection that holds the pre-hook (else any backupbot label).
    let anchor = labels
        .get(PRE_HOOK)
        .or_else(|| {
            labels
                .iter()
                .filter(|(k, _)| k.starts_with("backupbot."))
                .map(|(_, l)| l)
                .next()
        })
        .ok_or_else(|| {
            format!(
                "service `{}` has no backupbot label to add the others beside",
                svc.name
            )
        })?;
    let (afile, adeploy) = (anchor.value.file.clone(), anchor.deploy);
    let anchor_line = labels
        .iter()
        .filter(|(k, l)| {
            k.starts_with("backupbot.") && l.value.file == afile && l.deploy == adeploy
        })
        .map(|(_, l)| l.value.line)
        .max()
        .unwrap_or(anchor.value.line);
    let mut edits: BTreeMap<String, Vec<LineEdit>> = BTreeMap::new();
    let lines_of = |file: &str| -> Result<Vec<&str>, String> {
        let text = files
            .files
            .get(file)
            .ok_or_else(|| format!("{file}: not in the recipe"))?;
        if text.chars().any(|c| c.is_control() && c != '\n') {
            return Err(format!(
                "{file} has tabs or carriage returns: a patch in a Markdown comment would not \
                 apply byte for byte"
            ));
        }
        Ok(text.split_inclusive('\n').collect())
    };
    let line_at = |file: &str, line: u32, key: &str| -> Result<Line, String> {
        let lines = lines_of(file)?;
        let text = line
            .checked_sub(1)
            .and_then(|i| lines.get(i as usize))
            .ok_or_else(|| format!("{file}:{line}: no such line"))?;
        read_line(text, key).map_err(|e| format!("{file}:{line}: {e}"))
    };
    let anchor_key = labels
        .iter()
        .find(|(_, l)| l.value.file == afile && l.value.line == anchor_line && l.deploy == adeploy)
        .map(|(k, _)| k.clone())
        .unwrap_or_default();
    let like = line_at(&afile, anchor_line, &anchor_key)?;
    for op in ops {
        let at = op
            .replaces
            .as_deref()
            .map(|k| (k, labels.get(k)))
            .unwrap_or((op.key.as_str(), labels.get(&op.key)));
        match at {
            (old_key, Some(l)) => {
                let line = line_at(&l.value.file, l.value.line, old_key)?;
                edits
                    .entry(l.value.file.clone())
                    .or_default()
                    .push(LineEdit {
                        line: l.value.line,
                        replace: Some(write_line(&line, &op.key, &op.value)),
                        add: Vec::new(),
                    });
            }
            (_, None) => {
                edits.entry(afile.clone()).or_default().push(LineEdit {
                    line: anchor_line,
                    replace: None,
                    add: vec![write_line(&like, &op.key, &op.value)],
                });
            }
        }
    }
    let mut new_files = files.clone();
    let mut diff = String::new();
    let mut changed = Vec::new();
    for (file, list) in &edits {
        let old = files.files.get(file).cloned().unwrap_or_default();
        let lines = lines_of(file)?;
        let mut out = String::with_capacity(old.len() + 256);
        for (i, text) in lines.iter().enumerate() {
            let n = i as u32 + 1;
            let replaced = list
                .iter()
                .find_map(|e| (e.line == n).then_some(e.replace.as_ref()).flatten());
            let ending = if text.ends_with('\n') { "\n" } else { "" };
            match replaced {
                Some(r) => {
                    out.push_str(r);
                    out.push_str(ending);
                }
                None => out.push_str(text),
            }
            for e in list.iter().filter(|e| e.line == n) {
                for a in &e.add {
                    if !out.ends_with('\n') {
                        out.push('\n');
                    }
                    out.push_str(a);
                    out.push('\n');
                }
            }
        }
        if out == old {
            continue;
        }
        let d = TextDiff::from_lines(&old, &out);
        diff.push_str(&format!("diff --git a/{file} b/{file}\n"));
        diff.push_str(
            &d.unified_diff()
                .context_radius(3)
                .header(&format!("a/{file}"), &format!("b/{file}"))
                .to_string(),
        );
        new_files.files.insert(file.clone(), out);
        changed.push(file.clone());
    }
    if changed.is_empty() {
        return Err("the labels already say what the fix would".into());
    }
    verify(files, &new_files, report, svc, ops, rules)?;
    Ok((changed, diff))
}

/// The edited recipe parses as before, the service's labels are the old
/// ones with `ops` applied (and nothing else changed), and no backup
/// finding is left on it.
fn verify(
    old: &RecipeFiles,
    new: &RecipeFiles,
    report: &RecipeReport,
    svc: &Svc,
    ops: &[Op],
    rules: &RuleSet,
) -> Result<(), String> {
    let after = super::check_named(new, &report.recipe, rules);
    if after.warnings.len() > report.warnings.len() {
        return Err(format!(
            "the edited files do not read back: {}",
            after.warnings.last().map(String::as_str).unwrap_or("")
        ));
    }
    let mut want: BTreeMap<String, String> = svc
        .labels()
        .into_iter()
        .map(|(k, l)| (k, l.value.value))
        .collect();
    for op in ops {
        if let Some(k) = &op.replaces {
            want.remove(k);
        }
        want.insert(op.key.clone(), op.value.clone());
    }
    let got = after
        .services
        .iter()
        .find(|s| s.name == svc.name)
        .map(|s| s.labels.clone())
        .unwrap_or_default();
    if got != want {
        return Err("the edited file does not read back as the labels meant".into());
    }
    // Every other service reads as before (their lines may move).
    let before = super::check_named(old, &report.recipe, rules);
    let shape = |s: &super::Service| {
        (
            s.name.clone(),
            s.image.clone(),
            s.networks.clone(),
            s.labels.clone(),
            s.depends_on.clone(),
            s.file.clone(),
        )
    };
    if before.services.len() != after.services.len() {
        return Err("the edit would change the services the project defines".into());
    }
    for (a, b) in after.services.iter().zip(&before.services) {
        if a.name != svc.name && shape(a) != shape(b) {
            return Err(format!("the edit would change service `{}` too", a.name));
        }
    }
    let left: Vec<&str> = after
        .findings
        .iter()
        .filter(|x| x.is_backup() && x.service == svc.name)
        .map(|x| x.check.as_str())
        .collect();
    if !left.is_empty() {
        return Err(format!(
            "the edit would leave {} on service `{}`",
            left.join(", "),
            svc.name
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_read_and_written_in_their_own_style() {
        let l = read_line(
            "        - \"backupbot.backup.path=/var/lib/postgresql/data/\"  # old\n",
            "backupbot.backup.path",
        )
        .unwrap();
        assert!(l.list && l.quote == Quote::Double);
        assert_eq!(
            write_line(&l, "backupbot.restore.post-hook", "psql -U \"m\" < /x"),
            "        - \"backupbot.restore.post-hook=psql -U \\\"m\\\" < /x\"  # old"
        );
        let l = read_line(
            "        backupbot.backup.pre-hook: 'sh -c ''x'''\n",
            "backupbot.backup.pre-hook",
        )
        .unwrap();
        assert_eq!((l.list, l.quote), (false, Quote::Single));
        assert_eq!(
            write_line(&l, "backupbot.restore.post-hook", "sh -c 'y'"),
            "        backupbot.restore.post-hook: 'sh -c ''y'''"
        );
        let l = read_line("      backupbot.backup:   true\n", "backupbot.backup").unwrap();
        assert_eq!(l.quote, Quote::Plain);
        assert_eq!(
            write_line(&l, "backupbot.backup.volumes.db.path", "backup.sql"),
            "      backupbot.backup.volumes.db.path:   backup.sql"
        );
        assert_eq!(
            write_line(&l, "k", "sh -c 'a: b'"),
            "      k:   \"sh -c 'a: b'\""
        );
        assert!(read_line("    labels: {a: b}\n", "labels").is_err());
        assert!(read_line("    k: |\n", "k").is_err());
        assert!(read_line("    k: \"a\n", "k").is_err());
        assert!(read_line("    - \"other=1\"\n", "k").is_err());
    }

    #[test]
    fn plain_scalars_that_would_read_as_something_else_are_quoted() {
        for s in ["true", "3000", "a: b", "x #y", "-x", "", " a"] {
            assert!(encode(s, Quote::Plain).starts_with('"'), "{s}");
        }
        assert_eq!(encode("backup.sql", Quote::Plain), "backup.sql");
    }
}
