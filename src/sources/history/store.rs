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

use crate::ingest::Fnv;

/// Bumped whenever the tables change; an older database is set aside and
/// rebuilt.
pub const SCHEMA_VERSION: i64 = 2;

/// One row per run: the light columns every triage reads (for scope and
/// load), and ingest's own summary as JSON, given back as the same type.
const SCHEMA: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    signature TEXT NOT NULL,
    recipe TEXT,
    version TEXT,
    kind TEXT NOT NULL,
    started_ms INTEGER,
    finished_ms INTEGER,
    green INTEGER NOT NULL,
    summary TEXT NOT NULL,
    warnings TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX runs_recipe ON runs (recipe);
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

/// The runs root, symlinks resolved: what an index is of.
fn canonical_root(root: &Path) -> Result<PathBuf> {
    root.canonicalize().map_err(|e| {
        Error::usage(format!(
            "{}: cannot read the runs root: {e}",
            root.display()
        ))
        .with_hint("pass the runs root (the directory holding one directory per run)")
    })
}

/// The database file for `root` in `cache`, after checking that `cache`
/// is not inside `root`. Creates `cache` if needed.
pub fn db_path(cache: &Path, root: &Path) -> Result<(PathBuf, PathBuf)> {
    let root_c = canonical_root(root)?;
    // Resolved as the outputs are: a cache dir that does not exist yet
    // compares with the root through its existing ancestor.
    let cache_c = crate::fsx::resolve(cache);
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
    if let Ok(meta) = path.symlink_metadata() {
        // Only a regular file is a database: a directory, a FIFO, a link
        // to a device is set aside, never opened.
        if !meta.file_type().is_file() {
            let what = if meta.file_type().is_symlink() {
                "a symlink"
            } else if meta.is_dir() {
                "a directory"
            } else {
                "not a regular file"
            };
            why = Some(format!(
                "{what}, not an index; set aside as {}",
                set_aside(path)?.display()
            ));
        } else if !being_created(path) {
            // A file of schema version 0 is one another ccci-triage is
            // creating right now: wait for it below rather than move it.
            match check(path, &root_s) {
                Ok(None) => return Ok((connect(path)?, None)),
                Ok(Some(reason)) | Err(reason) => {
                    why = Some(format!(
                        "{reason}; set aside as {}",
                        set_aside(path)?.display()
                    ));
                }
            }
        }
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

/// A private index of `root` for this invocation only (`--no-history`):
/// SQLite's temporary database, which lives in the page cache and spills
/// to a file it has already unlinked, so nothing outlives the process and
/// no cache directory is touched. Refused when the temporary directory
/// SQLite would spill to (the first directory of `SQLITE_TMPDIR`,
/// `TMPDIR`, `/var/tmp`, `/usr/tmp`, `/tmp`) is inside the runs root.
pub fn scratch(root: &Path) -> Result<(Connection, PathBuf)> {
    let root_c = canonical_root(root)?;
    // SQLite spills to the first of these that is a directory.
    let from_env = ["SQLITE_TMPDIR", "TMPDIR"].into_iter().filter_map(|var| {
        let dir = std::env::var_os(var).filter(|d| !d.is_empty())?;
        Some((
            format!("{var}={}", Path::new(&dir).display()),
            PathBuf::from(dir),
        ))
    });
    let fixed = ["/var/tmp", "/usr/tmp", "/tmp"]
        .into_iter()
        .map(|d| (d.to_string(), PathBuf::from(d)));
    if let Some((named, dir)) = from_env.chain(fixed).find(|(_, d)| d.is_dir())
        && crate::fsx::resolve(&dir).starts_with(&root_c)
    {
        return Err(Error::usage(format!(
            "{named} is inside the runs root {}; the temporary index (--no-history, or a \
             cache that cannot be used) would be written there, and ccci-triage never writes under the runs root",
            root_c.display()
        ))
        .with_hint("set TMPDIR to a directory outside the runs root"));
    }
    let fail = |e: rusqlite::Error| {
        Error::internal(format!("cannot create the temporary index: {e}")).with_hint(
            "check that the temporary directory (TMPDIR, else /var/tmp or /tmp) is writable",
        )
    };
    let conn = Connection::open("").map_err(fail)?;
    conn.execute_batch(
        "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -2048;",
    )
    .and_then(|_| conn.execute_batch(SCHEMA))
    .and_then(|_| conn.pragma_update(None, "user_version", SCHEMA_VERSION))
    .and_then(|_| {
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('root', ?1)",
            params![root_c.display().to_string()],
        )
        .map(|_| ())
    })
    .map_err(fail)?;
    Ok((conn, root_c))
}

/// A database file whose schema is not written yet: version 0 and no
/// table (the creator writes both in one transaction). A version-0 file
/// that holds tables is someone else's database, not one being created.
fn being_created(path: &Path) -> bool {
    Connection::open(path)
        .and_then(|c| {
            let version: i64 = c.pragma_query_value(None, "user_version", |r| r.get(0))?;
            let tables: i64 =
                c.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
            Ok(version == 0 && tables == 0)
        })
        .unwrap_or(false)
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
    for table in ["runs", "meta"] {
        conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| {
            r.get::<_, i64>(0)
        })
        .map_err(|e| format!("not a readable index ({e})"))?;
    }
    Ok(None)
}

/// Copies the log's pages into the database (a passive checkpoint) over
/// a connection of its own, on a thread of its own. A checkpoint that
/// cannot be made is left to the next: the database is whole either way,
/// its newest pages read from the log.
pub fn checkpoint_in_background(db: &Path) -> Option<std::thread::JoinHandle<()>> {
    let db = db.to_path_buf();
    std::thread::Builder::new()
        .name("index checkpoint".into())
        .spawn(move || {
            let Ok(conn) = Connection::open_with_flags(
                &db,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE
                    | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
            ) else {
                return;
            };
            let _ = conn.busy_timeout(std::time::Duration::from_secs(5));
            let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
        })
        .ok()
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
        // 2 MiB of page cache (SQLite's default): the index is read by key
        // and written in order, and pages it drops come back from the OS's
        // cache; 8 MiB cost 6 MiB of every command's peak for no time.
        match conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -2048;",
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

/// Moves an unusable index (and its WAL side files) out of the way:
/// `<name>.set-aside-<unix seconds>`. Nothing of the user's is deleted.
fn set_aside(path: &Path) -> Result<PathBuf> {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let to = (0..1000)
        .map(|n| {
            let mut to = path.as_os_str().to_owned();
            match n {
                0 => to.push(format!(".set-aside-{stamp}")),
                n => to.push(format!(".set-aside-{stamp}-{n}")),
            }
            PathBuf::from(to)
        })
        .find(|p| p.symlink_metadata().is_err())
        .unwrap_or_else(|| path.with_extension("set-aside"));
    std::fs::rename(path, &to).map_err(|e| {
        Error::usage(format!(
            "{}: cannot set the unusable index aside: {e}",
            path.display()
        ))
        .with_hint("move or delete the file yourself, or pass --cache DIR")
    })?;
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let p = PathBuf::from(p);
        if p.symlink_metadata().is_ok() {
            let mut q = to.as_os_str().to_owned();
            q.push(suffix);
            let _ = std::fs::rename(&p, PathBuf::from(q));
        }
    }
    Ok(to)
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
