//! Git facts from a recipe checkout: its release tags, its default branch,
//! the files at a revision, and where a literal string occurs across every
//! release.
//!
//! The verdict stage needs these for the stale-overlay check: the expected
//! side of a failed overlay assertion (`discourse/discourse:3.5.3`, a
//! service that should be gone) is looked up in every release tag and on the
//! default branch. If it is in none, the overlay asserts a state no release
//! has ever had; if it is only on the default branch, the overlay is ahead of
//! a release.
//!
//! # How
//!
//! By shelling out to the `git` CLI, never gix or libgit2 (gix adds 126
//! crates and a minute of build on two cores). The cost of git is processes,
//! not work, so a whole [`Repo::search`] runs a constant number of them
//! whatever the number of tags: one `git for-each-ref` for the tags, one or
//! two for the default branch, and ONE `git cat-file --batch` session that
//! reads every tree and every blob. Trees are walked from their raw objects
//! in that session (a `git ls-tree` per tag would be a process per tag), and
//! every object is read once, keyed by its id: most tags share most files,
//! so 500 tags cost little more than one. Requests go out in waves (all root
//! trees, then all their subtrees, ..., then all blobs), written by a
//! helper thread while this one reads, so a wave never deadlocks on full
//! pipes and never pays one round trip per object.
//!
//! # Guarantees
//!
//! - Read-only. Only `rev-parse`, `for-each-ref`, `symbolic-ref` and
//!   `cat-file` run; none writes refs, the index or the work tree, and
//!   `GIT_OPTIONAL_LOCKS=0` keeps git from even refreshing the index. Never
//!   a fetch or a checkout. Tests compare `git status`, the index's mtime and
//!   the lock files before and after a search.
//! - Stable: no pager, no prompt, `core.quotepath=off`, `--no-replace-objects`,
//!   `LC_ALL=C`, and `GIT_DIR`-style variables of the caller's environment
//!   removed, so the answer depends on the repository alone.
//! - A directory is a repository only if it is the top of a work tree or a
//!   bare repository itself: a recipe folder that happens to sit inside some
//!   other repository (testdata in this project) is not that repository.
//! - Never a panic on odd content: paths and text are decoded lossily,
//!   binary blobs (a NUL in the first 8000 bytes, git's own test) and blobs
//!   over [`MAX_TEXT_BYTES`] are skipped, symlinks and submodules too.
//! - Every hit says where it came from as a command a human can run
//!   ([`Hit::source`]).

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};

use serde::Serialize;

/// The largest blob read as text; anything bigger is not a recipe file a
/// test's expectation could live in (compose files are a few KiB).
pub const MAX_TEXT_BYTES: usize = 256 * 1024;

/// The longest line text a [`Hit`] keeps; longer lines are cut (at a char
/// boundary) and end with `…`, so one minified file cannot flood a report.
const MAX_HIT_TEXT: usize = 400;

/// How many bytes git's own binary test looks at for a NUL.
const BINARY_PROBE: usize = 8000;

/// Environment variables that would point git at another repository, index
/// or object store than the one asked for.
const GIT_LOCATION_VARS: &[&str] = &[
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_NAMESPACE",
    "GIT_COMMON_DIR",
    "GIT_PREFIX",
];

/// A git command that failed: which one, how, and what it printed on stderr.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GitError {
    /// `git -C <dir> <args>: <exit status>: <stderr>`, or what else failed.
    pub message: String,
}

impl GitError {
    fn new(message: impl Into<String>) -> GitError {
        GitError {
            message: message.into(),
        }
    }
}

impl fmt::Display for GitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for GitError {}

/// A release tag: its name, the commit it names (annotated tags peeled) and
/// that commit's committer time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TagRef {
    /// The tag's name without `refs/tags/` (`0.8.1+3.5.0`).
    pub name: String,
    /// The full id of the commit the tag names.
    pub commit: String,
    /// That commit's committer time; `None` if git printed none.
    pub time: Option<jiff::Timestamp>,
}

/// One line where the needle was found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Hit {
    /// The tag name, or the default branch's name as [`Search::default_branch`].
    pub rev: String,
    /// The file's path from the top of the tree.
    pub path: String,
    /// 1-based line where the match starts.
    pub line: u32,
    /// That line, without its line ending (cut at 400 bytes).
    pub text: String,
}

impl Hit {
    /// Where this hit came from, as a shell command a human can paste into
    /// the recipe checkout: `git show 0.8.1+3.5.0:compose.yml # line 12`
    /// (the line number rides in a shell comment, so the command still runs).
    pub fn source(&self) -> String {
        format!(
            "git show {} # line {}",
            shell_word(&format!("{}:{}", self.rev, self.path)),
            self.line
        )
    }
}

/// The answer of [`Repo::search`]: where a literal string occurs among the
/// release tags and the default branch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Search {
    /// The literal string searched for.
    pub needle: String,
    /// Every ref searched, tags in version order, then the default branch.
    pub refs_searched: Vec<String>,
    /// One entry per matching line, on any ref searched (the default branch
    /// included), in `refs_searched` order, then in tree order (git's
    /// order of paths) and by line.
    pub found_in: Vec<Hit>,
    /// The default branch's name when the needle is on it.
    pub on_default_branch: Option<String>,
    /// The default branch, when the repository has one.
    pub default_branch: Option<String>,
}

impl Search {
    /// The hits on release tags only (not on the default branch).
    pub fn tag_hits(&self) -> impl Iterator<Item = &Hit> {
        let branch = self.default_branch.as_deref();
        self.found_in
            .iter()
            .filter(move |hit| Some(hit.rev.as_str()) != branch)
    }

    /// The tags that contain the needle, in version order, each once.
    pub fn tags_with_needle(&self) -> Vec<&str> {
        let mut tags: Vec<&str> = Vec::new();
        for hit in self.tag_hits() {
            if tags.last() != Some(&hit.rev.as_str()) {
                tags.push(&hit.rev);
            }
        }
        tags
    }

    /// How many release tags were searched.
    pub fn tags_searched(&self) -> usize {
        self.refs_searched.len() - usize::from(self.default_branch.is_some())
    }

    /// True when at least one release tag was searched and none contains
    /// the needle: the decisive fact of a stale overlay. False in a
    /// repository without tags, where "absent from every release" would be
    /// true of anything.
    pub fn absent_from_every_tag(&self) -> bool {
        self.tags_searched() > 0 && self.tag_hits().next().is_none()
    }
}

/// How many `git` processes a [`Repo`] handle has started: tests use it to
/// check that a search costs a constant number of processes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Invocations {
    /// Every git process, `cat-file` sessions included.
    pub total: usize,
    /// `git cat-file --batch` sessions.
    pub cat_file_batch: usize,
}

/// A git repository (a recipe checkout) opened read-only.
#[derive(Debug)]
pub struct Repo {
    dir: PathBuf,
    total: AtomicUsize,
    cat_file_batch: AtomicUsize,
}

/// A ref to read a tree from: the name reported, and the name handed to git.
struct SearchRef {
    shown: String,
    rev: String,
}

impl Repo {
    /// Opens `dir` when it is the top of a git work tree or a bare
    /// repository itself. `None` when it is not (a plain folder, a folder
    /// inside some other repository, the `.git` folder) or git is missing.
    pub fn open(dir: &Path) -> Option<Repo> {
        // Neither a work tree's top (`.git`, a folder or a worktree's file)
        // nor a bare repository (`HEAD` beside `objects/`): no git is
        // started to be told so (a run that died before its results.json
        // has its checkout asked for the tag it tested).
        let bare_layout = dir.join("HEAD").is_file() && dir.join("objects").is_dir();
        if !bare_layout && dir.join(".git").symlink_metadata().is_err() {
            return None;
        }
        let canonical = dir.canonicalize().ok()?;
        let repo = Repo {
            dir: canonical.clone(),
            total: AtomicUsize::new(0),
            cat_file_batch: AtomicUsize::new(0),
        };
        let out = repo
            .run(&["rev-parse", "--is-bare-repository", "--absolute-git-dir"])
            .ok()?;
        let mut lines = out.lines();
        let bare = lines.next()? == "true";
        let git_dir = lines.next()?;
        let top = if bare {
            PathBuf::from(git_dir)
        } else {
            PathBuf::from(repo.run(&["rev-parse", "--show-toplevel"]).ok()?.trim_end())
        };
        (top.canonicalize().ok()? == canonical).then_some(repo)
    }

    /// The directory this repository was opened at.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// How many git processes this handle has started so far.
    pub fn git_invocations(&self) -> Invocations {
        Invocations {
            total: self.total.load(AtomicOrdering::Relaxed),
            cat_file_batch: self.cat_file_batch.load(AtomicOrdering::Relaxed),
        }
    }

    /// Every tag that names a commit (annotated tags peeled), in version
    /// order ([`version_order`]), equal versions by creation time (tagger
    /// date, or commit date for a lightweight tag), then by name. Tags of
    /// trees or blobs are left out: they are not releases.
    pub fn tags(&self) -> Result<Vec<TagRef>, GitError> {
        // One record per line, fields split by NUL: ref names cannot hold
        // either, dates are digits.
        let format = "%(refname:strip=2)%00%(objecttype)%00%(objectname)%00%(committerdate:raw)\
                      %00%(*objecttype)%00%(*objectname)%00%(*committerdate:raw)%00%(creatordate:raw)";
        let out = self.run(&["for-each-ref", &format!("--format={format}"), "refs/tags"])?;
        let mut tags: Vec<(TagRef, Option<i64>)> = Vec::new();
        for line in out.lines() {
            let fields: Vec<&str> = line.split('\0').collect();
            let [
                name,
                kind,
                oid,
                date,
                peeled_kind,
                peeled_oid,
                peeled_date,
                created,
            ] = fields[..]
            else {
                continue;
            };
            let (commit, date) = match (kind, peeled_kind) {
                ("commit", _) => (oid, date),
                ("tag", "commit") => (peeled_oid, peeled_date),
                _ => continue,
            };
            tags.push((
                TagRef {
                    name: name.to_string(),
                    commit: commit.to_string(),
                    time: raw_date(date).and_then(|s| jiff::Timestamp::from_second(s).ok()),
                },
                raw_date(created),
            ));
        }
        tags.sort_by(|(a, a_created), (b, b_created)| {
            version_order(&a.name, &b.name)
                .then_with(|| a_created.cmp(b_created))
                .then_with(|| a.name.cmp(&b.name))
        });
        Ok(tags.into_iter().map(|(tag, _)| tag).collect())
    }

    /// The default branch: where `origin/HEAD` points, else `main`, else
    /// `master`, else `origin/main`, else `origin/master`, else the branch
    /// checked out. The name is one `git show <name>:<path>` resolves
    /// (`origin/main` when only the remote-tracking branch says so). `None`
    /// in a repository with no branch at all (a detached HEAD and no
    /// `main`/`master`, as a checkout of a tag without its branches).
    pub fn default_branch(&self) -> Result<Option<String>, GitError> {
        Ok(self.default_branch_ref()?.map(|r| r.shown))
    }

    /// The commit checked out (`HEAD`), `None` in a repository with no
    /// commit yet.
    pub fn head_commit(&self) -> Result<Option<String>, GitError> {
        let out = self.run_status(&["rev-parse", "--verify", "--quiet", "HEAD^{commit}"])?;
        Ok(out
            .map(|s| s.trim_end().to_string())
            .filter(|s| !s.is_empty()))
    }

    /// Every text file at `rev` whose path passes `paths_filter`, path →
    /// content (decoded lossily). Skips binary blobs, blobs over
    /// [`MAX_TEXT_BYTES`], symlinks and submodules. One `cat-file --batch`
    /// session reads the trees and the blobs. An unknown `rev` is an error.
    pub fn files_at(
        &self,
        rev: &str,
        paths_filter: impl Fn(&str) -> bool,
    ) -> Result<BTreeMap<String, String>, GitError> {
        if rev.is_empty() || rev.contains(['\n', '\r']) {
            return Err(GitError::new(format!(
                "git -C {}: not a revision: {rev:?}",
                self.dir.display()
            )));
        }
        let refs = [SearchRef {
            shown: rev.to_string(),
            rev: rev.to_string(),
        }];
        let mut batch = self.cat_file()?;
        let files = read_files(&mut batch, &refs, &paths_filter);
        let finished = batch.finish();
        let files = files?;
        finished?;
        let Some((_, Some(entries))) = files.per_ref.into_iter().next() else {
            return Err(GitError::new(format!(
                "git -C {} cat-file --batch: {rev}: no such revision",
                self.dir.display()
            )));
        };
        Ok(entries
            .into_iter()
            .filter_map(|(path, oid)| match files.blobs.get(&oid) {
                Some(Some(text)) => Some((path, text.clone())),
                _ => None,
            })
            .collect())
    }

    /// Searches every tag and the default branch for the literal string
    /// `needle` in the text files whose path passes `path_filter`.
    ///
    /// A constant number of git processes whatever the number of tags (see
    /// the module's docs); each distinct blob is read and searched once. A
    /// needle that spans lines is found too; its hit is the line where it
    /// starts. An empty needle is an error (it would match every line).
    pub fn search(
        &self,
        needle: &str,
        path_filter: impl Fn(&str) -> bool,
    ) -> Result<Search, GitError> {
        if needle.is_empty() {
            return Err(GitError::new(format!(
                "search in {}: the needle is empty",
                self.dir.display()
            )));
        }
        let tags = self.tags()?;
        let branch = self.default_branch_ref()?;
        let mut refs: Vec<SearchRef> = tags
            .iter()
            .map(|t| SearchRef {
                shown: t.name.clone(),
                rev: t.commit.clone(),
            })
            .collect();
        refs.extend(branch.iter().map(|b| SearchRef {
            shown: b.shown.clone(),
            rev: b.rev.clone(),
        }));

        let mut batch = self.cat_file()?;
        let files = read_files(&mut batch, &refs, &path_filter);
        let finished = batch.finish();
        let files = files?;
        finished?;

        // Lines of each distinct blob that hold the needle, computed once.
        let mut matches: HashMap<&str, Vec<(u32, String)>> = HashMap::new();
        for (oid, text) in &files.blobs {
            if let Some(text) = text {
                let lines = matching_lines(text, needle);
                if !lines.is_empty() {
                    matches.insert(oid, lines);
                }
            }
        }

        let mut found_in = Vec::new();
        for (shown, entries) in &files.per_ref {
            for (path, oid) in entries.iter().flatten() {
                for (line, text) in matches.get(oid.as_str()).into_iter().flatten() {
                    found_in.push(Hit {
                        rev: shown.clone(),
                        path: path.clone(),
                        line: *line,
                        text: text.clone(),
                    });
                }
            }
        }
        let default_branch = branch.map(|b| b.shown);
        let on_default_branch = default_branch
            .clone()
            .filter(|b| found_in.iter().any(|hit| &hit.rev == b));
        Ok(Search {
            needle: needle.to_string(),
            refs_searched: refs.into_iter().map(|r| r.shown).collect(),
            found_in,
            on_default_branch,
            default_branch,
        })
    }

    /// The default branch as (shown name, full ref name for git). The full
    /// name keeps a tag called `main` from shadowing the branch.
    fn default_branch_ref(&self) -> Result<Option<SearchRef>, GitError> {
        let out = self.run(&[
            "for-each-ref",
            "--format=%(refname)%00%(symref)",
            "refs/heads",
            "refs/remotes/origin",
        ])?;
        let mut refs: HashMap<&str, &str> = HashMap::new();
        for line in out.lines() {
            if let Some((name, target)) = line.split_once('\0') {
                refs.insert(name, target);
            }
        }
        let found = |full: &str| -> Option<SearchRef> {
            refs.contains_key(full).then(|| SearchRef {
                shown: short_ref(full).to_string(),
                rev: full.to_string(),
            })
        };
        let origin_head = refs
            .get("refs/remotes/origin/HEAD")
            .and_then(|target| found(target));
        if origin_head.is_some() {
            return Ok(origin_head);
        }
        for candidate in [
            "refs/heads/main",
            "refs/heads/master",
            "refs/remotes/origin/main",
            "refs/remotes/origin/master",
        ] {
            if let Some(branch) = found(candidate) {
                return Ok(Some(branch));
            }
        }
        // Only when nothing conventional exists: what HEAD is on, if a branch.
        let head = self.run_status(&["symbolic-ref", "--quiet", "HEAD"])?;
        Ok(head
            .map(|h| h.trim_end().to_string())
            .filter(|h| refs.contains_key(h.as_str()))
            .map(|full| SearchRef {
                shown: short_ref(&full).to_string(),
                rev: full,
            }))
    }

    /// A `git` command with the settings that keep it read-only and its
    /// output stable.
    fn command(&self) -> Command {
        let mut cmd = Command::new("git");
        for var in GIT_LOCATION_VARS {
            cmd.env_remove(var);
        }
        cmd.env("GIT_OPTIONAL_LOCKS", "0")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_NO_REPLACE_OBJECTS", "1")
            .env("LC_ALL", "C")
            .arg("--no-pager")
            .arg("--no-replace-objects")
            .args(["-c", "core.quotepath=off"])
            .arg("-C")
            .arg(&self.dir)
            .stdin(Stdio::null());
        cmd
    }

    /// How a command is named in errors.
    fn describe(&self, args: &[&str]) -> String {
        format!("git -C {} {}", self.dir.display(), args.join(" "))
    }

    /// Runs a git command to its end; its stdout, or an error that names the
    /// command and carries its stderr.
    fn run(&self, args: &[&str]) -> Result<String, GitError> {
        match self.run_status(args)? {
            Some(out) => Ok(out),
            None => Err(GitError::new(format!(
                "{}: exited with status 1",
                self.describe(args)
            ))),
        }
    }

    /// Like [`Repo::run`], but exit status 1 (git's "no" for `--quiet`
    /// queries) is `None` rather than an error.
    fn run_status(&self, args: &[&str]) -> Result<Option<String>, GitError> {
        self.total.fetch_add(1, AtomicOrdering::Relaxed);
        let out =
            self.command().args(args).output().map_err(|e| {
                GitError::new(format!("{}: cannot run git: {e}", self.describe(args)))
            })?;
        if out.status.success() {
            return Ok(Some(String::from_utf8_lossy(&out.stdout).into_owned()));
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status.code() == Some(1) && stderr.trim().is_empty() {
            return Ok(None);
        }
        Err(GitError::new(format!(
            "{}: {}: {}",
            self.describe(args),
            out.status,
            stderr.trim()
        )))
    }

    /// Starts the one `git cat-file --batch` session of an operation.
    fn cat_file(&self) -> Result<Batch, GitError> {
        let args = ["cat-file", "--batch"];
        let what = self.describe(&args);
        self.total.fetch_add(1, AtomicOrdering::Relaxed);
        self.cat_file_batch.fetch_add(1, AtomicOrdering::Relaxed);
        let mut child = self
            .command()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| GitError::new(format!("{what}: cannot run git: {e}")))?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().map(BufReader::new);
        // Drained on its own thread so a chatty git never blocks on stderr.
        let stderr = child.stderr.take().map(|mut err| {
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                let _ = err.read_to_end(&mut buf);
                String::from_utf8_lossy(&buf).into_owned()
            })
        });
        Ok(Batch {
            what,
            child,
            stdin,
            stdout,
            stderr,
        })
    }
}

/// What one object request returned.
enum Object {
    /// A tree: its id, raw data, and the hash length in bytes (20 for
    /// SHA-1, 32 for SHA-256 repositories).
    Tree(String, Vec<u8>, usize),
    /// A blob's text, or `None` when it is binary or too large.
    Blob(Option<String>),
    /// A commit, a tag, or a name git does not know.
    Other,
}

/// One `git cat-file --batch` session.
struct Batch {
    what: String,
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: Option<BufReader<ChildStdout>>,
    stderr: Option<std::thread::JoinHandle<String>>,
}

impl Batch {
    /// Reads the objects named by `names`, in order. The names are written
    /// by a helper thread while this one reads the answers: writing them all
    /// first could fill both pipes and hang both processes.
    fn fetch(&mut self, names: &[String]) -> Result<Vec<Object>, GitError> {
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let Batch {
            what,
            child,
            stdin,
            stdout,
            ..
        } = self;
        let (Some(stdin), Some(stdout)) = (stdin.as_mut(), stdout.as_mut()) else {
            return Err(GitError::new(format!("{what}: session closed")));
        };
        let mut request = String::new();
        for name in names {
            request.push_str(name);
            request.push('\n');
        }
        std::thread::scope(|scope| {
            let writer = scope.spawn(move || -> io::Result<()> {
                stdin.write_all(request.as_bytes())?;
                stdin.flush()
            });
            let mut objects = Vec::with_capacity(names.len());
            let mut failure = None;
            for name in names {
                match read_object(stdout) {
                    Ok(object) => objects.push(object),
                    Err(e) => {
                        failure = Some(format!("{what}: reading {name}: {e}"));
                        break;
                    }
                }
            }
            if let Some(failure) = failure {
                // git may be blocked writing answers no one reads, and the
                // writer blocked feeding it: end git so the writer returns.
                let _ = child.kill();
                let _ = writer.join();
                return Err(GitError::new(failure));
            }
            let written = writer.join();
            match written {
                Ok(Ok(())) => Ok(objects),
                Ok(Err(e)) => Err(GitError::new(format!("{what}: writing requests: {e}"))),
                Err(_) => Err(GitError::new(format!("{what}: request writer panicked"))),
            }
        })
    }

    /// Ends the session; an error carries git's stderr when it failed.
    fn finish(mut self) -> Result<(), GitError> {
        drop(self.stdin.take());
        drop(self.stdout.take());
        let status = self.child.wait();
        let stderr = self
            .stderr
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default();
        match status {
            Ok(status) if status.success() => Ok(()),
            Ok(status) => Err(GitError::new(format!(
                "{}: {status}: {}",
                self.what,
                stderr.trim()
            ))),
            Err(e) => Err(GitError::new(format!("{}: {e}", self.what))),
        }
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        // Closing stdin ends a healthy session; reap it so no zombie stays.
        drop(self.stdin.take());
        drop(self.stdout.take());
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Reads one answer of `cat-file --batch`: `<oid> <type> <size>\n<data>\n`,
/// or `<name> missing\n` / `<name> ambiguous\n`.
fn read_object(stdout: &mut BufReader<ChildStdout>) -> io::Result<Object> {
    let mut header = Vec::new();
    if stdout.read_until(b'\n', &mut header)? == 0 {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "git closed the session",
        ));
    }
    let header = String::from_utf8_lossy(&header);
    let mut fields = header.trim_end().rsplitn(3, ' ');
    let size = fields.next().unwrap_or_default();
    let kind = fields.next();
    let oid = fields.next();
    let (Some(kind), Some(oid), Ok(size)) = (kind, oid, size.parse::<usize>()) else {
        // "missing" or "ambiguous": no data follows.
        return Ok(Object::Other);
    };
    let object = match kind {
        "blob" if size > MAX_TEXT_BYTES => {
            io::copy(&mut stdout.by_ref().take(size as u64), &mut io::sink())?;
            Object::Blob(None)
        }
        "blob" | "tree" => {
            let mut data = vec![0; size];
            stdout.read_exact(&mut data)?;
            if kind == "tree" {
                Object::Tree(oid.to_string(), data, oid.len() / 2)
            } else if data[..data.len().min(BINARY_PROBE)].contains(&0) {
                Object::Blob(None)
            } else {
                Object::Blob(Some(String::from_utf8_lossy(&data).into_owned()))
            }
        }
        _ => {
            io::copy(&mut stdout.by_ref().take(size as u64), &mut io::sink())?;
            Object::Other
        }
    };
    let mut newline = [0u8; 1];
    stdout.read_exact(&mut newline)?;
    Ok(object)
}

/// One entry of a raw tree object.
struct TreeEntry {
    name: String,
    oid: String,
    kind: EntryKind,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum EntryKind {
    Tree,
    File,
    /// Symlinks and submodules: not files whose text a test reads.
    Skip,
}

/// Parses a raw tree: `<mode> <name>\0<hash bytes>` repeated. Stops at the
/// first malformed entry rather than guessing.
fn parse_tree(data: &[u8], hash_len: usize) -> Vec<TreeEntry> {
    let mut entries = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let Some(space) = rest.iter().position(|&b| b == b' ') else {
            break;
        };
        let Some(nul) = rest[space..]
            .iter()
            .position(|&b| b == 0)
            .map(|n| n + space)
        else {
            break;
        };
        if rest.len() < nul + 1 + hash_len {
            break;
        }
        let kind = match &rest[..space] {
            b"40000" | b"040000" => EntryKind::Tree,
            b"100644" | b"100755" | b"100664" => EntryKind::File,
            _ => EntryKind::Skip,
        };
        let oid: String = rest[nul + 1..nul + 1 + hash_len]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        entries.push(TreeEntry {
            name: String::from_utf8_lossy(&rest[space + 1..nul]).into_owned(),
            oid,
            kind,
        });
        rest = &rest[nul + 1 + hash_len..];
    }
    entries
}

/// (path, blob id) pairs of one tree, in tree order.
type FileList = Vec<(String, String)>;

/// The files of several refs, read through one session.
struct Files {
    /// For each ref (shown name), its (path, blob id) pairs that passed the
    /// filter, or `None` when git does not know the ref.
    per_ref: Vec<(String, Option<FileList>)>,
    /// Every distinct blob read: its text, or `None` if binary or too large.
    blobs: HashMap<String, Option<String>>,
}

/// Walks the trees of `refs` and reads the blobs that pass `filter`, in
/// waves: the root trees, then every subtree not seen yet, level by level,
/// then every distinct blob at once.
fn read_files(
    batch: &mut Batch,
    refs: &[SearchRef],
    filter: &dyn Fn(&str) -> bool,
) -> Result<Files, GitError> {
    let mut trees: HashMap<String, Vec<TreeEntry>> = HashMap::new();
    let roots = batch.fetch(
        &refs
            .iter()
            .map(|r| format!("{}^{{tree}}", r.rev))
            .collect::<Vec<_>>(),
    )?;
    let mut root_ids: Vec<Option<String>> = Vec::with_capacity(refs.len());
    let mut wave: Vec<String> = Vec::new();
    let mut queued: HashSet<String> = HashSet::new();
    for object in roots {
        match object {
            Object::Tree(oid, data, hash_len) => {
                if !trees.contains_key(&oid) {
                    let entries = parse_tree(&data, hash_len);
                    queue_subtrees(&entries, &trees, &mut queued, &mut wave);
                    trees.insert(oid.clone(), entries);
                }
                root_ids.push(Some(oid));
            }
            _ => root_ids.push(None),
        }
    }
    while !wave.is_empty() {
        let names = std::mem::take(&mut wave);
        let objects = batch.fetch(&names)?;
        for (oid, object) in names.into_iter().zip(objects) {
            let entries = match object {
                Object::Tree(_, data, hash_len) => parse_tree(&data, hash_len),
                _ => Vec::new(),
            };
            queue_subtrees(&entries, &trees, &mut queued, &mut wave);
            trees.insert(oid, entries);
        }
    }

    let mut per_ref = Vec::with_capacity(refs.len());
    let mut wanted: Vec<String> = Vec::new();
    let mut wanted_set: HashSet<String> = HashSet::new();
    for (r, root) in refs.iter().zip(root_ids) {
        let files = root.map(|root| {
            let mut files = Vec::new();
            walk(&trees, &root, "", filter, &mut files);
            for (_, oid) in &files {
                if wanted_set.insert(oid.clone()) {
                    wanted.push(oid.clone());
                }
            }
            files
        });
        per_ref.push((r.shown.clone(), files));
    }

    let objects = batch.fetch(&wanted)?;
    let blobs = wanted
        .into_iter()
        .zip(objects)
        .map(|(oid, object)| match object {
            Object::Blob(text) => (oid, text),
            _ => (oid, None),
        })
        .collect();
    Ok(Files { per_ref, blobs })
}

/// Adds the subtrees of `entries` not read or queued yet to the next wave.
fn queue_subtrees(
    entries: &[TreeEntry],
    trees: &HashMap<String, Vec<TreeEntry>>,
    queued: &mut HashSet<String>,
    wave: &mut Vec<String>,
) {
    for entry in entries {
        if entry.kind == EntryKind::Tree
            && !trees.contains_key(&entry.oid)
            && queued.insert(entry.oid.clone())
        {
            wave.push(entry.oid.clone());
        }
    }
}

/// Collects (path, blob id) for every file under the tree `key` whose path
/// passes `filter`, in tree order (git sorts entries by name).
fn walk(
    trees: &HashMap<String, Vec<TreeEntry>>,
    key: &str,
    prefix: &str,
    filter: &dyn Fn(&str) -> bool,
    files: &mut Vec<(String, String)>,
) {
    for entry in trees.get(key).into_iter().flatten() {
        let path = format!("{prefix}{}", entry.name);
        match entry.kind {
            EntryKind::Tree => walk(trees, &entry.oid, &format!("{path}/"), filter, files),
            EntryKind::File if filter(&path) => files.push((path, entry.oid.clone())),
            _ => {}
        }
    }
}

/// The (1-based line, line text) of every line where `needle` starts, each
/// line once.
fn matching_lines(text: &str, needle: &str) -> Vec<(u32, String)> {
    let mut lines = Vec::new();
    let mut line_no: u32 = 1;
    let mut counted_to = 0;
    let mut last_line = 0;
    for (at, _) in text.match_indices(needle) {
        line_no += text[counted_to..at].matches('\n').count() as u32;
        counted_to = at;
        if line_no == last_line {
            continue;
        }
        last_line = line_no;
        let start = text[..at].rfind('\n').map_or(0, |n| n + 1);
        let end = text[at..].find('\n').map_or(text.len(), |n| at + n);
        lines.push((line_no, clip(text[start..end].trim_end_matches('\r'))));
    }
    lines
}

/// `line` cut to [`MAX_HIT_TEXT`] bytes at a char boundary.
fn clip(line: &str) -> String {
    if line.len() <= MAX_HIT_TEXT {
        return line.to_string();
    }
    let mut end = MAX_HIT_TEXT;
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &line[..end])
}

/// The seconds of a `:raw` git date (`1718600000 +0000`).
fn raw_date(raw: &str) -> Option<i64> {
    raw.split(' ').next()?.parse().ok()
}

/// `refs/heads/main` → `main`, `refs/remotes/origin/main` → `origin/main`.
fn short_ref(full: &str) -> &str {
    full.strip_prefix("refs/heads/")
        .or_else(|| full.strip_prefix("refs/remotes/"))
        .unwrap_or(full)
}

/// `word` quoted for a POSIX shell when it holds anything but safe chars.
fn shell_word(word: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "._+-/:@%=,^~".contains(c);
    if !word.is_empty() && word.chars().all(safe) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// The tag called `version`: an exact match first, else one that differs
/// only by a leading `v` on either side (`v1.2.0` for `1.2.0`).
pub fn find_tag<'a>(tags: &'a [TagRef], version: &str) -> Option<&'a TagRef> {
    let bare = |s: &'a str| s.strip_prefix('v').unwrap_or(s);
    let wanted = version.strip_prefix('v').unwrap_or(version);
    tags.iter()
        .find(|t| t.name == version)
        .or_else(|| tags.iter().find(|t| bare(&t.name) == wanted))
}

/// Version-aware order of tag names, as Co-op Cloud names releases:
/// `<recipe version>+<upstream version>` (`0.8.1+3.5.0`, `2.1.9+10.11.15`,
/// `1.0.0+v1.6.870-0`), with an optional leading `v`.
///
/// The part before the first `+` is compared first, its numbers as numbers
/// (`0.10.0` after `0.9.0`); there a `-` starts a pre-release, which sorts
/// before the release (`1.0.0-rc1` < `1.0.0`). Then the part after `+`, the
/// same way but without pre-release meaning (`v1.6.870-0` is a build). Names
/// that do not start with a digit (after the `v`), such as `latest`, sort
/// before every version, so the last tag is the highest version. Equal
/// orders (`v1.0` and `1.0`) fall to the caller's tie-break.
pub fn version_order(a: &str, b: &str) -> Ordering {
    let (a, b) = (
        a.strip_prefix('v').unwrap_or(a),
        b.strip_prefix('v').unwrap_or(b),
    );
    let is_version = |s: &str| s.starts_with(|c: char| c.is_ascii_digit());
    match (is_version(a), is_version(b)) {
        (false, false) => return natural_order(a, b),
        (false, true) => return Ordering::Less,
        (true, false) => return Ordering::Greater,
        (true, true) => {}
    }
    let (a_version, a_build) = a.split_once('+').unwrap_or((a, ""));
    let (b_version, b_build) = b.split_once('+').unwrap_or((b, ""));
    let (a_core, a_pre) = split_pre(a_version);
    let (b_core, b_pre) = split_pre(b_version);
    natural_order(a_core, b_core)
        .then_with(|| match (a_pre, b_pre) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (Some(a), Some(b)) => natural_order(a, b),
        })
        .then_with(|| natural_order(a_build, b_build))
}

/// `1.0.0-rc1` → (`1.0.0`, Some(`rc1`)).
fn split_pre(version: &str) -> (&str, Option<&str>) {
    match version.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (version, None),
    }
}

/// Compares runs of digits as numbers and everything else as text, a run
/// at a time; a name that is a prefix of the other sorts first.
fn natural_order(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a, b);
    loop {
        match (chunk(a), chunk(b)) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some((x, x_rest)), Some((y, y_rest))) => {
                let order = match (is_number(x), is_number(y)) {
                    (true, true) => {
                        let (x, y) = (x.trim_start_matches('0'), y.trim_start_matches('0'));
                        x.len().cmp(&y.len()).then_with(|| x.cmp(y))
                    }
                    // A number before text: `1.0.0` < `1.0.x`.
                    (true, false) => Ordering::Less,
                    (false, true) => Ordering::Greater,
                    (false, false) => x.cmp(y),
                };
                if order != Ordering::Equal {
                    return order;
                }
                (a, b) = (x_rest, y_rest);
            }
        }
    }
}

/// The leading run of digits or of non-digits, and the rest.
fn chunk(s: &str) -> Option<(&str, &str)> {
    let first = s.chars().next()?;
    let digit = first.is_ascii_digit();
    let end = s
        .find(|c: char| c.is_ascii_digit() != digit)
        .unwrap_or(s.len());
    Some(s.split_at(end))
}

/// Whether a chunk from [`chunk`] is a run of digits.
fn is_number(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_numbers_as_numbers() {
        let mut names = vec![
            "0.10.0+x",
            "latest",
            "0.9.0+x",
            "1.0.0+v1.6.870-0",
            "1.0.0-rc1+v1.6.870-0",
            "0.8.1+3.5.0",
            "2.1.9+10.11.15",
            "2.1.9+10.11.9",
            "v0.8.2+3.5.0",
        ];
        names.sort_by(|a, b| version_order(a, b));
        assert_eq!(
            names,
            [
                "latest",
                "0.8.1+3.5.0",
                "v0.8.2+3.5.0",
                "0.9.0+x",
                "0.10.0+x",
                "1.0.0-rc1+v1.6.870-0",
                "1.0.0+v1.6.870-0",
                "2.1.9+10.11.9",
                "2.1.9+10.11.15",
            ]
        );
    }

    #[test]
    fn needle_lines_are_one_based_and_once_per_line() {
        let text = "a\nimage: x x\r\nb\nx\n";
        assert_eq!(
            matching_lines(text, "x"),
            [(2, "image: x x".to_string()), (4, "x".to_string())]
        );
        assert_eq!(
            matching_lines("one\ntwo", "one\ntwo"),
            [(1, "one".to_string())]
        );
    }

    #[test]
    fn source_is_a_runnable_command() {
        let hit = Hit {
            rev: "0.8.1+3.5.0".into(),
            path: "compose.yml".into(),
            line: 12,
            text: String::new(),
        };
        assert_eq!(hit.source(), "git show 0.8.1+3.5.0:compose.yml # line 12");
        let spaced = Hit {
            path: "my file.yml".into(),
            ..hit
        };
        assert_eq!(
            spaced.source(),
            "git show '0.8.1+3.5.0:my file.yml' # line 12"
        );
    }

    #[test]
    fn long_lines_are_cut_at_a_char_boundary() {
        let line = "é".repeat(300);
        let cut = clip(&line);
        assert!(cut.len() <= MAX_HIT_TEXT + '…'.len_utf8());
        assert!(cut.ends_with('…'));
    }
}
