//! A backup hook read as the shell reads it, and the restore command that
//! replays the dump it writes.
//!
//! A `backupbot.backup.pre-hook` is a shell command line (`pg_dump -U m m >
//! /var/lib/postgresql/data/backup.sql`, often wrapped in `sh -c '…'`).
//! The fix for a backup that does not round-trip is a
//! `backupbot.restore.post-hook` that replays *that* dump: the same
//! database engine, the same connection options (user, password, host),
//! the same database and the same file. This module splits the hook into
//! shell words, finds the dump command (the word the `label.db-dump` rule
//! names), and writes its counterpart: `psql`/`pg_restore` for `pg_dump`,
//! `mysql` for `mysqldump`, `mariadb` for `mariadb-dump`, the script's own
//! `restore` for a `… backup` script.
//!
//! What it guarantees: never panics; a hook it cannot read whole (a pipe
//! into anything but gzip, an unknown engine, no output file) is an `Err`
//! that says why, and no command is made up. Quoting and `$$` escapes are
//! copied as written, so the replay runs in the same shell the dump ran in.

/// A shell word or operator, with where it sits in the text it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Word {
    text: String,
    /// An operator (`>`, `<`, `|`, `&&`, `;`), not a word.
    op: bool,
    start: usize,
    end: usize,
}

/// Splits shell text into words and operators. Quotes (`'…'`, `"…"`) and
/// command substitutions (`$(…)`) stay inside their word, as written.
fn words(s: &str) -> Vec<Word> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b' ' || c == b'\t' || c == b'\n' {
            i += 1;
            continue;
        }
        let start = i;
        // Operators, with an fd number before a redirection (`2>`).
        let op_len = |j: usize| -> usize {
            let rest = &b[j..];
            for op in ["&&", "||", ">>", "2>&1", ">", "<", "|", ";", "&"] {
                if rest.starts_with(op.as_bytes()) {
                    return op.len();
                }
            }
            0
        };
        let n = op_len(i);
        if n > 0 {
            out.push(Word {
                text: s[i..i + n].to_string(),
                op: true,
                start,
                end: i + n,
            });
            i += n;
            continue;
        }
        let mut depth = 0usize;
        let mut quote: Option<u8> = None;
        while i < b.len() {
            let c = b[i];
            match quote {
                Some(q) => {
                    if c == b'\\' && q == b'"' && i + 1 < b.len() {
                        i += 2;
                        continue;
                    }
                    if c == q {
                        quote = None;
                    }
                    i += 1;
                }
                None => {
                    if c == b'\'' || c == b'"' {
                        quote = Some(c);
                        i += 1;
                    } else if c == b'\\' && i + 1 < b.len() {
                        i += 2;
                    } else if c == b'$' && b.get(i + 1) == Some(&b'(') {
                        depth += 1;
                        i += 2;
                    } else if c == b'(' && depth > 0 {
                        depth += 1;
                        i += 1;
                    } else if c == b')' && depth > 0 {
                        depth -= 1;
                        i += 1;
                    } else if depth == 0 && (c == b' ' || c == b'\t' || c == b'\n' || op_len(i) > 0)
                    {
                        // `2>`: the fd belongs to the operator.
                        if c == b'>' && i == start + 1 && b[start] == b'2' {
                            i = start;
                            let n = op_len(i + 1) + 1;
                            out.push(Word {
                                text: s[i..i + n].to_string(),
                                op: true,
                                start: i,
                                end: i + n,
                            });
                            i += n;
                            break;
                        }
                        break;
                    } else {
                        i += 1;
                    }
                }
            }
        }
        if i > start && out.last().is_none_or(|w: &Word| w.start != start) {
            out.push(Word {
                text: s[start..i].to_string(),
                op: false,
                start,
                end: i,
            });
        }
    }
    out
}

/// `sh -c '…'`: the shell and the quote around the command it runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Wrapper {
    /// `sh -c`, `bash -c`, `/bin/sh -c`, as written.
    pub head: String,
    pub quote: char,
}

/// The command inside a `sh -c '…'` wrapper, and the wrapper; the command
/// itself when it has none.
pub(crate) fn unwrap(cmd: &str) -> (Option<Wrapper>, &str) {
    let t = cmd.trim();
    for shell in ["sh", "bash", "/bin/sh", "/bin/bash", "/usr/bin/env sh"] {
        let Some(rest) = t.strip_prefix(shell) else {
            continue;
        };
        let Some(rest) = rest.strip_prefix(' ') else {
            continue;
        };
        let rest = rest.trim_start();
        let Some(rest) = rest.strip_prefix("-c") else {
            continue;
        };
        let rest = rest.trim_start();
        for q in ['\'', '"'] {
            if rest.len() >= 2 && rest.starts_with(q) && rest.ends_with(q) {
                let inner = &rest[1..rest.len() - 1];
                // The quote must not close inside: then it is not one word.
                if q == '\'' && inner.contains('\'') {
                    continue;
                }
                return (
                    Some(Wrapper {
                        head: format!("{shell} -c"),
                        quote: q,
                    }),
                    inner,
                );
            }
        }
    }
    (None, t)
}

/// `inner` wrapped again the way `w` wraps a command.
pub(crate) fn wrap(w: Option<&Wrapper>, inner: &str) -> String {
    match w {
        Some(w) => format!("{} {q}{inner}{q}", w.head, q = w.quote),
        None => inner.to_string(),
    }
}

/// The database engines a replay can be written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Engine {
    Postgres,
    /// MySQL and MariaDB: the client is the dump tool's counterpart.
    Mysql,
}

/// A dump command read from a hook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Dump {
    pub engine: Engine,
    /// The dump tool as written (`pg_dump`, `/usr/bin/mysqldump`).
    pub tool: String,
    /// The file the dump is written to, as the container sees it.
    pub file: String,
    /// The file is written with `>` (else with the tool's own option).
    pub redirect: bool,
    /// Gzipped through a pipe.
    pub gzip: bool,
    /// Connection options as written (`-U mattermost`, `-p"$$(cat …)"`).
    pub conn: Vec<String>,
    /// The database, when named.
    pub db: Option<String>,
    /// `pg_dumpall`, `mysqldump --all-databases` / `--databases`: the dump
    /// says which database each part goes to.
    pub all: bool,
    /// pg_dump's archive formats (custom, directory, tar): `pg_restore`.
    pub archive: bool,
    /// `pg_dump --clean` (drops each object before creating it).
    pub clean: bool,
    /// Byte offset in the command, just after the tool word (where
    /// options can be added).
    pub after_tool: usize,
    /// Commands before the dump in the same hook (`export PGPASSWORD=…`),
    /// with the operator after each, as written.
    pub setup: String,
}

/// Options that take a value in the next word, by tool family.
const PG_ARG: &[&str] = &[
    "-f",
    "-F",
    "-j",
    "-n",
    "-N",
    "-t",
    "-T",
    "-Z",
    "-d",
    "-h",
    "-p",
    "-U",
    "-E",
    "-S",
    "--file",
    "--format",
    "--jobs",
    "--schema",
    "--exclude-schema",
    "--table",
    "--exclude-table",
    "--compress",
    "--dbname",
    "--host",
    "--port",
    "--username",
    "--encoding",
    "--superuser",
    "--role",
    "--lock-wait-timeout",
    "--exclude-table-data",
    "--section",
];
const PG_CONN: &[&str] = &["-h", "-p", "-U", "--host", "--port", "--username", "--role"];
const MY_ARG: &[&str] = &[
    "-u",
    "-h",
    "-P",
    "-S",
    "-r",
    "--user",
    "--host",
    "--port",
    "--socket",
    "--result-file",
    "--protocol",
    "--default-character-set",
    "--where",
    "-w",
    "--ignore-table",
    "--defaults-file",
    "--defaults-extra-file",
];
const MY_CONN: &[&str] = &[
    "-u",
    "-h",
    "-P",
    "-S",
    "--user",
    "--host",
    "--port",
    "--socket",
    "--protocol",
    "--default-character-set",
    "--defaults-file",
    "--defaults-extra-file",
];

/// Reads the dump in a hook command. `tool` is the word the
/// `label.db-dump` rule captured (`pg_dump`, `mysqldump`).
pub(crate) fn dump(cmd: &str, tool: &str) -> Result<Dump, String> {
    let name = tool.rsplit('/').next().unwrap_or(tool);
    let engine = match name {
        "pg_dump" | "pg_dumpall" => Engine::Postgres,
        "mysqldump" | "mariadb-dump" => Engine::Mysql,
        other if other.ends_with("_backup.sh") || tool.ends_with(" backup") => {
            return Err(format!(
                "the hook runs a backup script (`{}`); its dump file is the script's",
                tool.trim()
            ));
        }
        other => return Err(format!("no replay is written for `{other}` dumps")),
    };
    let ws = words(cmd);
    let Some(at) = ws
        .iter()
        .position(|w| !w.op && (w.text == tool || w.text.rsplit('/').next() == Some(name)))
    else {
        return Err(format!("`{name}` is not a command word of the hook"));
    };
    // What runs before the dump, kept for the replay: commands before it
    // (`export X=…; `) and variables set for it (`PGPASSWORD=… pg_dump`).
    let from = match ws[..at].iter().rposition(|w| w.op) {
        Some(i) if matches!(ws[i].text.as_str(), "&&" | ";") => i + 1,
        Some(i) => {
            return Err(format!(
                "the dump runs after `{}`: read the hook by hand",
                ws[i].text
            ));
        }
        None => 0,
    };
    let assignment = |w: &Word| {
        w.text.split_once('=').is_some_and(|(k, _)| {
            !k.is_empty()
                && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !k.starts_with(|c: char| c.is_ascii_digit())
        })
    };
    if !ws[from..at].iter().all(assignment) {
        return Err("the dump is not the hook's first command".into());
    }
    let setup = cmd[..ws[at].start].to_string();
    let mut d = Dump {
        engine,
        tool: ws[at].text.clone(),
        file: String::new(),
        redirect: false,
        gzip: false,
        conn: Vec::new(),
        db: None,
        all: name == "pg_dumpall",
        archive: false,
        clean: false,
        after_tool: ws[at].end,
        setup,
    };
    let (takes_arg, conn) = match engine {
        Engine::Postgres => (PG_ARG, PG_CONN),
        Engine::Mysql => (MY_ARG, MY_CONN),
    };
    let mut i = at + 1;
    let mut file_opt: Option<String> = None;
    while i < ws.len() && !ws[i].op {
        let w = ws[i].text.as_str();
        let (opt, value, next) =
            if let Some((o, v)) = w.split_once('=').filter(|_| w.starts_with("--")) {
                (o.to_string(), Some(v.to_string()), false)
            } else if w.starts_with("--") {
                let next = takes_arg.contains(&w);
                (w.to_string(), None, next)
            } else if w.starts_with('-') && w.len() > 2 && w.is_char_boundary(2) {
                // `-Umattermost`, `-Fc`, `-p"$$(cat …)"`.
                (w[..2].to_string(), Some(w[2..].to_string()), false)
            } else if w.starts_with('-') {
                (w.to_string(), None, takes_arg.contains(&w))
            } else {
                // A positional: the database (then tables, for mysqldump).
                if d.db.is_none() {
                    d.db = Some(w.to_string());
                }
                i += 1;
                continue;
            };
        let value = match (value, next) {
            (Some(v), _) => Some(v),
            (None, true) => {
                i += 1;
                match ws.get(i) {
                    Some(v) if !v.op => Some(v.text.clone()),
                    _ => return Err(format!("`{opt}` has no value")),
                }
            }
            (None, false) => None,
        };
        let joined = |sep: &str| match &value {
            Some(v) if next => format!("{opt} {v}"),
            Some(v) => format!("{opt}{sep}{v}"),
            None => opt.clone(),
        };
        match (engine, opt.as_str()) {
            (Engine::Postgres, "-f" | "--file") | (Engine::Mysql, "-r" | "--result-file") => {
                file_opt = value.clone();
            }
            (Engine::Postgres, "-d" | "--dbname") => d.db = value.clone(),
            (Engine::Postgres, "-F" | "--format") => {
                let f = value.clone().unwrap_or_default();
                d.archive = !matches!(f.as_str(), "p" | "plain");
            }
            (Engine::Postgres, "-c" | "--clean") => d.clean = true,
            (Engine::Mysql, "-A" | "--all-databases" | "-B" | "--databases") => d.all = true,
            (Engine::Mysql, "-p" | "--password") => d.conn.push(match &value {
                Some(v) if opt == "-p" => format!("-p{v}"),
                Some(v) => format!("{opt}={v}"),
                None => opt.clone(),
            }),
            (_, o) if conn.contains(&o) => {
                d.conn
                    .push(joined(if o.starts_with("--") { "=" } else { "" }))
            }
            _ => {}
        }
        i += 1;
    }
    // The output: `> file`, or `| gzip > file`.
    let mut rest = ws[i..].iter();
    match rest.next() {
        Some(w) if w.text == ">" => {
            d.file = rest.next().map(|w| w.text.clone()).unwrap_or_default();
            d.redirect = true;
        }
        Some(w) if w.text == "|" => {
            match rest.next() {
                Some(g) if g.text == "gzip" || g.text.ends_with("/gzip") => d.gzip = true,
                Some(g) => return Err(format!("the dump is piped into `{}`", g.text)),
                None => return Err("the dump is piped into nothing".into()),
            }
            let mut r = rest.skip_while(|w| !w.op);
            if r.next().is_some_and(|w| w.text == ">") {
                d.file = r.next().map(|w| w.text.clone()).unwrap_or_default();
                d.redirect = true;
            }
        }
        Some(w) if matches!(w.text.as_str(), "&&" | ";") || w.text == "2>&1" => {}
        Some(w) => return Err(format!("the dump is followed by `{}`", w.text)),
        None => {}
    }
    if !d.redirect {
        d.file = file_opt.unwrap_or_default();
    }
    let bare = d.file.trim_matches(|c| c == '"' || c == '\'');
    if !bare.starts_with('/') {
        return Err(if d.file.is_empty() {
            "the dump writes to no file (standard output only)".into()
        } else {
            format!("the dump file `{}` is not an absolute path", d.file)
        });
    }
    d.file = bare.to_string();
    Ok(d)
}

/// The command that replays `d`'s file into its database.
pub(crate) fn replay(d: &Dump) -> String {
    let dir = match d.tool.rfind('/') {
        Some(i) => &d.tool[..=i],
        None => "",
    };
    let conn = d.conn.join(" ");
    let join = |parts: &[&str]| -> String {
        parts
            .iter()
            .filter(|p| !p.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let file = d.file.as_str();
    let cmd = match d.engine {
        Engine::Postgres if d.archive => {
            let db =
                d.db.as_deref()
                    .map(|x| format!("-d {x}"))
                    .unwrap_or_default();
            let source = if d.gzip { "" } else { file };
            let restore = join(&[
                &format!("{dir}pg_restore"),
                &conn,
                &db,
                "--clean --if-exists",
                source,
            ]);
            if d.gzip {
                format!("gunzip -c {file} | {restore}")
            } else {
                restore
            }
        }
        Engine::Postgres => {
            let db = if d.all {
                "-d postgres".to_string()
            } else {
                d.db.as_deref()
                    .map(|x| format!("-d {x}"))
                    .unwrap_or_default()
            };
            let psql = join(&[&format!("{dir}psql"), &conn, &db]);
            match (d.gzip, d.redirect) {
                (true, _) => format!("gunzip -c {file} | {psql}"),
                (false, true) => format!("{psql} < {file}"),
                (false, false) => format!("{psql} -f {file}"),
            }
        }
        Engine::Mysql => {
            let client = if d.tool.ends_with("mariadb-dump") {
                "mariadb"
            } else {
                "mysql"
            };
            let db = if d.all {
                ""
            } else {
                d.db.as_deref().unwrap_or("")
            };
            let mysql = join(&[&format!("{dir}{client}"), &conn, db]);
            if d.gzip {
                format!("gunzip -c {file} | {mysql}")
            } else {
                format!("{mysql} < {file}")
            }
        }
    };
    format!(
        "{}{}{cmd}",
        d.setup,
        if d.setup.is_empty() || d.setup.ends_with(' ') {
            ""
        } else {
            " "
        }
    )
}

/// The replay of a whole hook: the dump's counterpart, wrapped as the hook
/// is, or the script's own `restore` for a `… backup` script.
pub(crate) fn replay_hook(pre_hook: &str, tool: &str) -> Result<String, String> {
    let t = tool.trim();
    if let Some(script) = t.strip_suffix("backup").map(str::trim_end)
        && script.ends_with(".sh")
    {
        return Ok(pre_hook.trim().replacen(t, &format!("{script} restore"), 1));
    }
    let (w, inner) = unwrap(pre_hook);
    let d = dump(inner, t)?;
    Ok(wrap(w.as_ref(), &replay(&d)))
}

/// The dump of a whole hook, with the wrapper.
pub(crate) fn dump_hook(pre_hook: &str, tool: &str) -> Result<(Option<Wrapper>, Dump), String> {
    let (w, inner) = unwrap(pre_hook);
    Ok((w, dump(inner, tool.trim())?))
}

/// `pre_hook` with pg_dump's `--clean --if-exists` added after the tool,
/// so a plain dump replays over the tables it restores instead of failing
/// on each (`relation already exists`) and doubling their rows. `None`
/// when the dump needs no change.
pub(crate) fn with_clean(pre_hook: &str, tool: &str) -> Option<String> {
    let (w, inner) = unwrap(pre_hook);
    let d = dump(inner, tool.trim()).ok()?;
    if d.engine != Engine::Postgres || d.archive || d.clean || d.all {
        return None;
    }
    let inner = format!(
        "{} --clean --if-exists{}",
        &inner[..d.after_tool],
        &inner[d.after_tool..]
    );
    Some(wrap(w.as_ref(), &inner))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<String> {
        words(s).into_iter().map(|w| w.text).collect()
    }

    #[test]
    fn words_keep_quotes_and_substitutions() {
        assert_eq!(
            texts(r#"mysqldump -u root -p"$$(cat /run/secrets/x y)" db > /var/lib/mysql/b.sql"#),
            [
                "mysqldump",
                "-u",
                "root",
                r#"-p"$$(cat /run/secrets/x y)""#,
                "db",
                ">",
                "/var/lib/mysql/b.sql"
            ]
        );
        assert_eq!(
            texts("export A=$(cat /x) && pg_dump -U u>/f 2>/dev/null"),
            [
                "export",
                "A=$(cat /x)",
                "&&",
                "pg_dump",
                "-U",
                "u",
                ">",
                "/f",
                "2>",
                "/dev/null"
            ]
        );
        assert_eq!(texts("a 'b c' \"d\\\" e\""), ["a", "'b c'", "\"d\\\" e\""]);
    }

    #[test]
    fn wrappers_come_off_and_back_on() {
        let (w, inner) = unwrap("sh -c 'pg_dump -U m m > /d/x.sql'");
        assert_eq!(inner, "pg_dump -U m m > /d/x.sql");
        assert_eq!(wrap(w.as_ref(), "psql"), "sh -c 'psql'");
        assert_eq!(unwrap("pg_dump > /x").0, None);
        let (w, _) = unwrap("bash -c \"pg_dump > /x\"");
        assert_eq!(w.unwrap().quote, '"');
    }

    #[test]
    fn a_postgres_dump_replays_into_its_own_database_from_its_own_file() {
        let hook =
            "pg_dump -U mattermost mattermost > /var/lib/postgresql/data/postgres-backup.sql";
        assert_eq!(
            replay_hook(hook, "pg_dump").unwrap(),
            "psql -U mattermost -d mattermost < /var/lib/postgresql/data/postgres-backup.sql"
        );
        assert_eq!(
            with_clean(hook, "pg_dump").unwrap(),
            "pg_dump --clean --if-exists -U mattermost mattermost > /var/lib/postgresql/data/postgres-backup.sql"
        );
        // Custom format: pg_restore, already cleaning.
        let hook = "sh -c 'export PGPASSWORD=$$(cat /run/secrets/p); pg_dump -Fc --username=app -d app -f /var/lib/postgresql/data/app.dump'";
        assert_eq!(
            replay_hook(hook, "pg_dump").unwrap(),
            "sh -c 'export PGPASSWORD=$$(cat /run/secrets/p); pg_restore --username=app -d app --clean --if-exists /var/lib/postgresql/data/app.dump'"
        );
        assert_eq!(with_clean(hook, "pg_dump"), None);
        // A variable set for the dump is set for the replay.
        let hook = "sh -c 'PGPASSWORD=$$(cat /run/secrets/p) pg_dump -U m m > /d/m.sql'";
        assert_eq!(
            replay_hook(hook, "pg_dump").unwrap(),
            "sh -c 'PGPASSWORD=$$(cat /run/secrets/p) psql -U m -d m < /d/m.sql'"
        );
        assert_eq!(
            with_clean(hook, "pg_dump").unwrap(),
            "sh -c 'PGPASSWORD=$$(cat /run/secrets/p) pg_dump --clean --if-exists -U m m > /d/m.sql'"
        );
        assert!(replay_hook("nice pg_dump > /x", "pg_dump").is_err());
        // gzip through a pipe.
        let hook = "sh -c 'pg_dump -U u db | gzip > /data/db.sql.gz'";
        assert_eq!(
            replay_hook(hook, "pg_dump").unwrap(),
            "sh -c 'gunzip -c /data/db.sql.gz | psql -U u -d db'"
        );
        let hook = "pg_dumpall -U postgres > /var/lib/postgresql/data/all.sql";
        assert_eq!(
            replay_hook(hook, "pg_dumpall").unwrap(),
            "psql -U postgres -d postgres < /var/lib/postgresql/data/all.sql"
        );
    }

    #[test]
    fn a_mysql_dump_replays_with_its_own_client_and_credentials() {
        let hook = "sh -c 'mysqldump -u root -p$$(cat /run/secrets/db_root_password) bookstack > /var/lib/mysql/backup.sql'";
        assert_eq!(
            replay_hook(hook, "mysqldump").unwrap(),
            "sh -c 'mysql -u root -p$$(cat /run/secrets/db_root_password) bookstack < /var/lib/mysql/backup.sql'"
        );
        let hook = r#"bash -c "mariadb-dump --single-transaction --user=root --password=\"$$MARIADB_ROOT_PASSWORD\" --all-databases > /var/lib/mysql/dump.sql""#;
        assert_eq!(
            replay_hook(hook, "mariadb-dump").unwrap(),
            r#"bash -c "mariadb --user=root --password=\"$$MARIADB_ROOT_PASSWORD\" < /var/lib/mysql/dump.sql""#
        );
        assert_eq!(with_clean(hook, "mariadb-dump"), None);
    }

    #[test]
    fn a_hook_it_cannot_read_whole_is_said_not_guessed() {
        assert!(replay_hook("pg_dump -U u db", "pg_dump").is_err());
        assert!(replay_hook("pg_dump -U u db | tee /x", "pg_dump").is_err());
        assert!(replay_hook("mongodump --archive=/x", "mongodump").is_err());
        assert!(replay_hook("cd /x || pg_dump > /y", "pg_dump").is_err());
        assert_eq!(
            replay_hook("/pg_backup.sh backup", "/pg_backup.sh backup").unwrap(),
            "/pg_backup.sh restore"
        );
    }
}
