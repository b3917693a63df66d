//! Where the index lives and what its tables are.
//!
//! Guarantees:
//! - The index is never written under the runs root: a cache directory
//!   inside the root is refused before anything is created.
//! - One database per runs root: the file name carries a hash of the
//!   canonical root path, and the root is also stored inside, so two roots
//!   never share rows even if their hashes collide.
//! - The schema is versioned (`PRAGMA user_version`): a database of another
//!   version, or one SQLite cannot read (corrupt, truncated, not a
//!   database), is deleted and rebuilt, with a warning; the index is a
//!   cache, so rebuilding loses nothing.

use std::hash::Hasher;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::{Error, Result};

use super::scan::Fnv;

/// Bumped whenever the tables change; an older database is rebuilt.
pub const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    signature TEXT NOT NULL,
    recipe TEXT,
    version TEXT,
    git_ref TEXT,
    kind TEXT NOT NULL,
    started INTEGER,
    finished INTEGER,
    sort_key INTEGER,
    overlapping TEXT NOT NULL DEFAULT '',
    isolation INTEGER NOT NULL DEFAULT 0,
    tiers TEXT NOT NULL DEFAULT '{}',
    console TEXT,
    n_tests INTEGER NOT NULL DEFAULT 0,
    n_red INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX runs_recipe ON runs (recipe, sort_key);
CREATE TABLE tests (
    run_id TEXT NOT NULL,
    test_id TEXT NOT NULL,
    tier TEXT,
    source TEXT NOT NULL,
    outcome TEXT NOT NULL,
    message TEXT,
    reruns INTEGER NOT NULL DEFAULT 0,
    file TEXT
);
CREATE INDEX tests_run ON tests (run_id);
CREATE INDEX tests_test ON tests (test_id, run_id);
CREATE TABLE signals (
    run_id TEXT NOT NULL,
    rule TEXT NOT NULL,
    line INTEGER NOT NULL,
    text TEXT NOT NULL,
    count INTEGER NOT NULL
);
CREATE INDEX signals_run ON signals (run_id);
";

/// The cache directory: `--cache DIR`, else `$XDG_CACHE_HOME/ccci-triage`,
/// else `~/.cache/ccci-triage`.
pub fn cache_dir(explicit: Option<&Path>) -> Result<PathBuf> {
    cache_dir_from(
        explicit,
        std::env::var_os("XDG_CACHE_HOME"),
        std::env::var_os("HOME"),
    )
}

/// [`cache_dir`] with the environment passed in.
fn cache_dir_from(
    explicit: Option<&Path>,
    xdg: Option<std::ffi::OsString>,
    home: Option<std::ffi::OsString>,
) -> Result<PathBuf> {
    if let Some(dir) = explicit {
        return Ok(dir.to_path_buf());
    }
    if let Some(x) = xdg.map(PathBuf::from) {
        // The XDG spec says a relative value is invalid and must be ignored.
        if x.is_absolute() {
            return Ok(x.join("ccci-triage"));
        }
    }
    match home.map(PathBuf::from) {
        Some(home) if home.is_absolute() => Ok(home.join(".cache").join("ccci-triage")),
        _ => Err(
            Error::usage("no cache directory: neither XDG_CACHE_HOME nor HOME is set")
                .with_hint("pass --cache DIR (outside the runs root)"),
        ),
    }
}

/// `path` made absolute and canonical as far as it exists: the existing
/// ancestor is canonicalised (symlinks resolved) and the missing rest is
/// appended. Used to compare a cache dir that does not exist yet with the
/// root.
fn resolve(path: &Path) -> PathBuf {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    let mut existing = abs.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(c) = existing.canonicalize() {
            let mut out = c;
            for part in rest.iter().rev() {
                out.push(part);
            }
            return out;
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return abs,
        }
    }
}

/// The database file for `root` in `cache`, after checking that `cache`
/// is not inside `root`. Creates `cache` if needed.
pub fn db_path(cache: &Path, root: &Path) -> Result<(PathBuf, PathBuf)> {
    let root_c = root.canonicalize().map_err(|e| {
        Error::usage(format!(
            "{}: cannot read the runs root: {e}",
            root.display()
        ))
        .with_hint("pass the runs root (the directory holding one directory per run)")
    })?;
    let cache_c = resolve(cache);
    if cache_c.starts_with(&root_c) {
        return Err(Error::usage(format!(
            "{}: the history cache is inside the runs root {}; ccci-triage never writes under the runs root",
            cache.display(),
            root_c.display()
        ))
        .with_hint("pass --cache DIR outside the runs root, or leave it out to use ~/.cache/ccci-triage"));
    }
    std::fs::create_dir_all(&cache_c).map_err(|e| {
        Error::usage(format!(
            "{}: cannot create the cache directory: {e}",
            cache_c.display()
        ))
        .with_hint("pass --cache DIR with a writable directory")
    })?;
    let mut h = Fnv::default();
    h.write(root_c.as_os_str().as_encoded_bytes());
    let name = format!("runs-{:016x}.sqlite", h.finish());
    Ok((cache_c.join(name), root_c))
}

/// Opens the database at `path` for `root`, rebuilding it when it is of
/// another schema version, for another root, or unreadable. Returns the
/// connection and, when it was rebuilt from an existing file, why.
pub fn open(path: &Path, root: &Path) -> Result<(Connection, Option<String>)> {
    let root_s = root.display().to_string();
    let mut why = None;
    // A file of schema version 0 is one another ccci-triage is creating
    // right now: wait for it below rather than remove it under its feet.
    if path.exists() && !being_created(path) {
        match check(path, &root_s) {
            Ok(None) => return Ok((connect(path)?, None)),
            Ok(Some(reason)) | Err(reason) => why = Some(reason),
        }
        remove(path)?;
    }
    let conn = connect(path)?;
    let fail = |e: rusqlite::Error| {
        Error::internal(format!("{}: cannot create the index: {e}", path.display()))
    };
    // One creator at a time: the first takes the write lock and creates
    // the schema; the others wait for it, then find it made.
    conn.execute_batch("BEGIN IMMEDIATE").map_err(fail)?;
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(fail)?;
    if version != SCHEMA_VERSION {
        conn.execute_batch(SCHEMA)
            .and_then(|_| conn.pragma_update(None, "user_version", SCHEMA_VERSION))
            .and_then(|_| {
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES ('root', ?1)",
                    params![root_s],
                )
                .map(|_| ())
            })
            .map_err(fail)?;
    }
    conn.execute_batch("COMMIT").map_err(fail)?;
    Ok((conn, why))
}

/// A database file whose schema is not written yet (version 0).
fn being_created(path: &Path) -> bool {
    Connection::open(path)
        .and_then(|c| c.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0)))
        .is_ok_and(|v| v == 0)
}

/// `Ok(None)`: usable. `Ok(Some(why))`/`Err(why)`: rebuild.
fn check(path: &Path, root: &str) -> std::result::Result<Option<String>, String> {
    let conn = Connection::open(path).map_err(|e| format!("cannot open: {e}"))?;
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(|e| format!("not a readable index ({e})"))?;
    if version != SCHEMA_VERSION {
        return Ok(Some(format!(
            "index of schema version {version}, this ccci-triage writes {SCHEMA_VERSION}"
        )));
    }
    let stored: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = 'root'", [], |r| {
            r.get(0)
        })
        .optional()
        .map_err(|e| format!("not a readable index ({e})"))?;
    if stored.as_deref() != Some(root) {
        return Ok(Some(format!(
            "index of another runs root ({})",
            stored.unwrap_or_else(|| "none".into())
        )));
    }
    // Touch every table: a damaged page usually shows here.
    for table in ["runs", "tests", "signals"] {
        conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| {
            r.get::<_, i64>(0)
        })
        .map_err(|e| format!("not a readable index ({e})"))?;
    }
    Ok(None)
}

fn connect(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path)
        .map_err(|e| Error::internal(format!("{}: cannot open the index: {e}", path.display())))?;
    // The index is a cache: speed over durability. A crash mid-update
    // leaves either the old or the new transaction, never half of one.
    // Another ccci-triage updating the same index: wait for it.
    conn.busy_timeout(std::time::Duration::from_secs(30))
        .map_err(|e| Error::internal(format!("{}: not a usable index: {e}", path.display())))?;
    // Switching to WAL can answer "locked" without waiting while another
    // ccci-triage creates or switches the same file: retry for a while.
    let mut tries = 0;
    loop {
        // 8 MiB of page cache (the default is 2): a year's index fits, so a
        // cold build does not re-read its own pages.
        match conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -8192;",
        ) {
            Ok(()) => break,
            Err(e) if tries < 100 && is_locked(&e) => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            Err(e) => {
                return Err(Error::internal(format!(
                    "{}: not a usable index: {e}",
                    path.display()
                )));
            }
        }
    }
    Ok(conn)
}

fn is_locked(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// Removes a database and its WAL side files.
pub fn remove(path: &Path) -> Result<()> {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let p = PathBuf::from(p);
        match std::fs::remove_file(&p) {
            // Gone already (never there, or another ccci-triage removed it).
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(Error::internal(format!(
                    "{}: cannot remove the old index: {e}",
                    p.display()
                )));
            }
            Ok(()) => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_dir_follows_flag_then_xdg_then_home() {
        let flag = Path::new("/srv/cache");
        let xdg = Some("/x/cache".into());
        let home = Some("/home/op".into());
        assert_eq!(
            cache_dir_from(Some(flag), xdg.clone(), home.clone()).unwrap(),
            flag
        );
        assert_eq!(
            cache_dir_from(None, xdg, home.clone()).unwrap(),
            Path::new("/x/cache/ccci-triage")
        );
        // A relative XDG_CACHE_HOME is invalid and ignored.
        assert_eq!(
            cache_dir_from(None, Some("rel".into()), home).unwrap(),
            Path::new("/home/op/.cache/ccci-triage")
        );
        let err = cache_dir_from(None, None, None).unwrap_err();
        assert!(err.message.contains("XDG_CACHE_HOME"), "{}", err.message);
    }
}
