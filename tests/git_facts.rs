//! Git facts from real repositories: every test builds its recipe repo with
//! the `git` CLI in a temporary directory (fixed dates, no user config) and
//! reads it back through `ccci_triage::sources::git`.
//!
//! What is checked: tag listing and version order, the default branch,
//! `files_at` (text only, filtered), the stale-overlay search (absent
//! everywhere, only on the default branch, in some tags), that a search
//! writes nothing into the repository, and that its cost in git processes
//! does not grow with the number of tags.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::SystemTime;

use ccci_triage::sources::git::{Repo, TagRef, find_tag};
use tempfile::TempDir;

/// 2024-06-17T12:00:00Z: the first commit's date; each commit or tag made
/// by [`Fixture`] is one minute later than the one before.
const EPOCH: i64 = 1_718_625_600;

/// A compose file as the discourse recipe had it at every release.
const LEGACY_COMPOSE: &str = "\
version: \"3.8\"
services:
  app:
    image: bitnamilegacy/discourse:3.5.0
    networks:
      - proxy
  sidekiq:
    image: bitnamilegacy/discourse:3.5.0
    depends_on:
      - discourse
  db:
    image: postgres:15
";

/// A repository under construction, with a clock for deterministic dates.
struct Fixture {
    tmp: TempDir,
    dir: PathBuf,
    clock: i64,
}

impl Fixture {
    /// An empty repository whose first branch is `main`.
    fn new() -> Fixture {
        let tmp = TempDir::new().expect("tempdir");
        let dir = tmp.path().join("recipe");
        fs::create_dir(&dir).unwrap();
        let mut fixture = Fixture {
            tmp,
            dir,
            clock: EPOCH,
        };
        fixture.git(&["init", "-q", "-b", "main"]);
        fixture
    }

    /// Runs git in the repository with fixed identity and dates and no
    /// user or system config; panics with stderr when it fails.
    fn git(&mut self, args: &[&str]) -> String {
        self.clock += 60;
        git_in(&self.dir, args, Some(self.clock), None)
    }

    /// Writes `files` (path → content), stages everything, commits.
    fn commit(&mut self, message: &str, files: &[(&str, &[u8])]) {
        for (path, content) in files {
            let path = self.dir.join(path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, content).unwrap();
        }
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
    }

    fn tag(&mut self, name: &str) {
        self.git(&["tag", name]);
    }

    fn annotated_tag(&mut self, name: &str) {
        self.git(&["tag", "-a", "-m", name, name]);
    }

    fn rev_parse(&mut self, rev: &str) -> String {
        self.git(&["rev-parse", rev]).trim().to_string()
    }

    fn open(&self) -> Repo {
        Repo::open(&self.dir).expect("the fixture is a repository")
    }
}

/// Runs git in `dir` isolated from the machine's config, optionally at a
/// fixed date and with `input` on stdin.
fn git_in(dir: &Path, args: &[&str], date: Option<i64>, input: Option<&[u8]>) -> String {
    let mut cmd = Command::new("git");
    cmd.current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Recipe Maintainer")
        .env("GIT_AUTHOR_EMAIL", "maintainer@example.org")
        .env("GIT_COMMITTER_NAME", "Recipe Maintainer")
        .env("GIT_COMMITTER_EMAIL", "maintainer@example.org")
        // The test's own `git status` must not refresh the index either.
        .env("GIT_OPTIONAL_LOCKS", "0")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(date) = date {
        let date = format!("@{date} +0000");
        cmd.env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date);
    }
    let mut child = cmd.spawn().expect("git runs");
    if let Some(input) = input {
        child.stdin.take().unwrap().write_all(input).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The discourse-like recipe: six releases, all on the legacy image with
/// sidekiq; `sidekiq_note` only in 0.6.0 and 0.7.0 (added, then removed).
fn discourse_recipe() -> Fixture {
    let mut repo = Fixture::new();
    let releases = [
        "0.1.0+3.1.0",
        "0.2.0+3.2.0",
        "0.5.0+3.4.0",
        "0.6.0+3.4.1",
        "0.7.0+3.5.0",
        "0.8.1+3.5.0",
    ];
    for release in releases {
        let note: &[u8] = if release.starts_with("0.6.") || release.starts_with("0.7.") {
            b"# sidekiq_note: workers run in the app container\nWORKERS=2\n"
        } else {
            b"WORKERS=2\n"
        };
        repo.commit(
            &format!("release {release}"),
            &[
                ("compose.yml", LEGACY_COMPOSE.as_bytes()),
                (".env.sample", note),
                ("release/README", release.as_bytes()),
            ],
        );
        repo.annotated_tag(release);
    }
    repo
}

fn tag_names(tags: &[TagRef]) -> Vec<&str> {
    tags.iter().map(|t| t.name.as_str()).collect()
}

fn yaml_and_env(path: &str) -> bool {
    path.ends_with(".yml") || path.ends_with(".env.sample")
}

#[test]
fn needle_absent_from_every_tag_and_main() {
    let mut fixture = discourse_recipe();
    fixture.commit(
        "docs",
        &[("README.md", b"Discourse recipe. Upgrade soon.\n")],
    );
    let repo = fixture.open();

    let search = repo
        .search("discourse/discourse:3.5.3", yaml_and_env)
        .unwrap();

    assert_eq!(search.needle, "discourse/discourse:3.5.3");
    assert!(search.found_in.is_empty(), "{:?}", search.found_in);
    assert_eq!(
        search.refs_searched,
        [
            "0.1.0+3.1.0",
            "0.2.0+3.2.0",
            "0.5.0+3.4.0",
            "0.6.0+3.4.1",
            "0.7.0+3.5.0",
            "0.8.1+3.5.0",
            "main"
        ]
    );
    assert_eq!(search.default_branch.as_deref(), Some("main"));
    assert_eq!(search.on_default_branch, None);
    assert_eq!(search.tags_searched(), 6);
    assert!(search.absent_from_every_tag());
}

#[test]
fn needle_only_on_the_default_branch() {
    let mut fixture = discourse_recipe();
    let migrated = LEGACY_COMPOSE.replacen(
        "bitnamilegacy/discourse:3.5.0",
        "discourse/discourse:3.5.3",
        1,
    );
    fixture.commit(
        "migrate to the official image",
        &[("compose.yml", migrated.as_bytes())],
    );
    let repo = fixture.open();

    let search = repo
        .search("discourse/discourse:3.5.3", yaml_and_env)
        .unwrap();

    assert_eq!(search.on_default_branch.as_deref(), Some("main"));
    assert!(search.absent_from_every_tag());
    assert_eq!(search.tag_hits().count(), 0);
    assert_eq!(search.found_in.len(), 1);
    let hit = &search.found_in[0];
    assert_eq!(
        (hit.rev.as_str(), hit.path.as_str(), hit.line),
        ("main", "compose.yml", 4)
    );
    assert_eq!(hit.text, "    image: discourse/discourse:3.5.3");
    assert_eq!(hit.source(), "git show main:compose.yml # line 4");
}

#[test]
fn needle_in_two_tags_names_tag_path_and_line() {
    let fixture = discourse_recipe();
    let repo = fixture.open();

    let search = repo.search("sidekiq_note", yaml_and_env).unwrap();

    assert_eq!(search.tags_with_needle(), ["0.6.0+3.4.1", "0.7.0+3.5.0"]);
    assert!(!search.absent_from_every_tag());
    assert_eq!(search.on_default_branch, None);
    let hits: Vec<(&str, &str, u32, &str)> = search
        .found_in
        .iter()
        .map(|h| (h.rev.as_str(), h.path.as_str(), h.line, h.text.as_str()))
        .collect();
    let text = "# sidekiq_note: workers run in the app container";
    assert_eq!(
        hits,
        [
            ("0.6.0+3.4.1", ".env.sample", 1, text),
            ("0.7.0+3.5.0", ".env.sample", 1, text),
        ]
    );
    assert_eq!(
        search.found_in[0].source(),
        "git show 0.6.0+3.4.1:.env.sample # line 1"
    );

    // The filter decides which files are searched at all.
    let compose_only = repo.search("sidekiq_note", |p| p == "compose.yml").unwrap();
    assert!(compose_only.found_in.is_empty());

    // A service name is found on every ref, on its line.
    let sidekiq = repo.search("  sidekiq:", yaml_and_env).unwrap();
    assert_eq!(sidekiq.found_in.len(), 7);
    assert!(sidekiq.found_in.iter().all(|h| h.line == 7));
    assert_eq!(sidekiq.on_default_branch.as_deref(), Some("main"));
}

#[test]
fn search_results_serialize_with_their_field_names() {
    let fixture = discourse_recipe();
    let repo = fixture.open();
    let search = repo.search("sidekiq_note", yaml_and_env).unwrap();
    let json = serde_json::to_value(&search).unwrap();
    assert_eq!(json["needle"], "sidekiq_note");
    assert_eq!(json["default_branch"], "main");
    assert_eq!(json["on_default_branch"], serde_json::Value::Null);
    assert_eq!(json["found_in"][0]["rev"], "0.6.0+3.4.1");
    assert_eq!(json["found_in"][0]["line"], 1);
    let tags = serde_json::to_value(repo.tags().unwrap()).unwrap();
    assert_eq!(tags[0]["name"], "0.1.0+3.1.0");
    assert!(tags[0]["time"].is_string());
}

#[test]
fn tags_follow_version_order_then_creation_time() {
    let mut fixture = Fixture::new();
    // Created out of order on purpose; names sort differently as text.
    let created = [
        "0.10.0+x",
        "2.1.9+10.11.15",
        "0.9.0+x",
        "1.0.0+v1.6.870-0",
        "2.1.9+10.11.9",
        "0.8.1+3.5.0",
        "1.0.0-rc1+v1.6.870-0",
        "latest",
    ];
    for name in created {
        fixture.commit(name, &[("compose.yml", name.as_bytes())]);
        fixture.tag(name);
    }
    // The same version twice: the earlier tag comes first, although its
    // name sorts after the other's as text.
    fixture.commit("3.0.0", &[("compose.yml", b"3.0.0")]);
    fixture.annotated_tag("v3.0.0");
    fixture.commit("3.0.0 again", &[("compose.yml", b"3.0.0 again")]);
    fixture.tag("3.0.0");

    let tags = fixture.open().tags().unwrap();

    assert_eq!(
        tag_names(&tags),
        [
            "latest",
            "0.8.1+3.5.0",
            "0.9.0+x",
            "0.10.0+x",
            "1.0.0-rc1+v1.6.870-0",
            "1.0.0+v1.6.870-0",
            "2.1.9+10.11.9",
            "2.1.9+10.11.15",
            "v3.0.0",
            "3.0.0",
        ]
    );
}

#[test]
fn tags_carry_peeled_commit_and_commit_time() {
    let mut fixture = Fixture::new();
    fixture.commit("first", &[("compose.yml", b"services: {}\n")]);
    let commit = fixture.rev_parse("HEAD");
    let commit_time = EPOCH + 3 * 60; // init, add, then commit
    fixture.annotated_tag("1.0.0+1");
    fixture.tag("1.0.1+1");
    // A tag of a blob is not a release.
    let blob = fixture.rev_parse("HEAD:compose.yml");
    fixture.git(&["tag", "not-a-release", &blob]);

    let tags = fixture.open().tags().unwrap();

    assert_eq!(tag_names(&tags), ["1.0.0+1", "1.0.1+1"]);
    for tag in &tags {
        assert_eq!(tag.commit, commit, "{} must name the commit", tag.name);
        assert_eq!(
            tag.time.map(|t| t.as_second()),
            Some(commit_time),
            "{} must carry the commit's time, not the tag's",
            tag.name
        );
    }
    assert_eq!(find_tag(&tags, "1.0.0+1").unwrap().name, "1.0.0+1");
    assert_eq!(find_tag(&tags, "v1.0.1+1").unwrap().name, "1.0.1+1");
    assert!(find_tag(&tags, "1.0.2+1").is_none());
}

#[test]
fn find_tag_prefers_an_exact_name() {
    let tag = |name: &str| TagRef {
        name: name.to_string(),
        commit: "c".repeat(40),
        time: None,
    };
    let tags = [tag("v1.2.0"), tag("1.2.0"), tag("v2.0.0")];
    assert_eq!(find_tag(&tags, "1.2.0").unwrap().name, "1.2.0");
    assert_eq!(find_tag(&tags, "v1.2.0").unwrap().name, "v1.2.0");
    assert_eq!(find_tag(&tags, "2.0.0").unwrap().name, "v2.0.0");
    assert!(find_tag(&tags, "2.0").is_none());
}

#[test]
fn files_at_returns_text_files_and_skips_binary_large_and_links() {
    let mut fixture = Fixture::new();
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend(std::iter::repeat_n(7u8, 64));
    let large = "x".repeat(300 * 1024);
    fixture.commit(
        "release",
        &[
            ("compose.yml", LEGACY_COMPOSE.as_bytes()),
            ("logo.png", &png),
            ("nginx/default.conf.tmpl", b"server { listen 80; }\n"),
            ("dump.sql", large.as_bytes()),
            ("latin1.txt", b"caf\xe9\n"),
        ],
    );
    std::os::unix::fs::symlink("compose.yml", fixture.dir.join("link.yml")).unwrap();
    fixture.commit("link", &[]);
    fixture.tag("1.0.0+1");
    fixture.commit("later", &[("compose.yml", b"services: {}\n")]);
    let repo = fixture.open();

    let files = repo.files_at("1.0.0+1", |_| true).unwrap();

    let paths: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(
        paths,
        ["compose.yml", "latin1.txt", "nginx/default.conf.tmpl"]
    );
    assert_eq!(files["compose.yml"], LEGACY_COMPOSE);
    assert_eq!(files["latin1.txt"], "caf\u{fffd}\n");

    let filtered = repo.files_at("1.0.0+1", |p| p.ends_with(".tmpl")).unwrap();
    assert_eq!(
        filtered,
        BTreeMap::from([(
            "nginx/default.conf.tmpl".to_string(),
            "server { listen 80; }\n".to_string()
        )])
    );
    assert_eq!(
        repo.files_at("main", |p| p == "compose.yml").unwrap()["compose.yml"],
        "services: {}\n"
    );
}

#[test]
fn files_at_an_unknown_revision_is_an_error_that_names_the_command() {
    let mut fixture = Fixture::new();
    fixture.commit("first", &[("compose.yml", b"services: {}\n")]);
    let err = fixture.open().files_at("9.9.9+nope", |_| true).unwrap_err();
    assert!(err.message.contains("cat-file"), "{err}");
    assert!(err.to_string().contains("9.9.9+nope"), "{err}");
}

#[test]
fn only_the_top_of_a_repository_opens() {
    let plain = TempDir::new().unwrap();
    assert!(Repo::open(plain.path()).is_none(), "a plain directory");
    assert!(
        Repo::open(&plain.path().join("missing")).is_none(),
        "a missing directory"
    );

    let mut fixture = Fixture::new();
    fixture.commit("first", &[("sub/compose.yml", b"services: {}\n")]);
    assert!(
        Repo::open(&fixture.dir.join("sub")).is_none(),
        "a folder inside a repository is not that repository"
    );
    assert!(
        Repo::open(&fixture.dir.join(".git")).is_none(),
        "the .git folder"
    );
    assert!(Repo::open(&fixture.dir).is_some());

    let bare = fixture.tmp.path().join("bare.git");
    git_in(
        fixture.tmp.path(),
        &[
            "clone",
            "-q",
            "--bare",
            fixture.dir.to_str().unwrap(),
            "bare.git",
        ],
        None,
        None,
    );
    let bare = Repo::open(&bare).expect("a bare repository opens");
    assert_eq!(bare.default_branch().unwrap().as_deref(), Some("main"));
    assert_eq!(
        bare.files_at("main", |_| true).unwrap()["sub/compose.yml"],
        "services: {}\n"
    );
}

#[test]
fn default_branch_prefers_origin_head_then_main_master_then_head() {
    // A clone: origin/HEAD names the remote's default, here `trunk`.
    let mut upstream = Fixture::new();
    upstream.commit("first", &[("compose.yml", b"services: {}\n")]);
    upstream.git(&["branch", "-m", "main", "trunk"]);
    upstream.git(&["branch", "main"]);
    let root = upstream.tmp.path().to_path_buf();
    git_in(
        &root,
        &["clone", "-q", upstream.dir.to_str().unwrap(), "clone"],
        None,
        None,
    );
    let clone = Repo::open(&root.join("clone")).unwrap();
    assert_eq!(
        clone.default_branch().unwrap().as_deref(),
        Some("origin/trunk")
    );

    // No remote: `main` wins over the branch checked out.
    upstream.git(&["checkout", "-q", "trunk"]);
    assert_eq!(
        upstream.open().default_branch().unwrap().as_deref(),
        Some("main")
    );
    // Neither main nor master: the branch checked out.
    upstream.git(&["branch", "-D", "main"]);
    assert_eq!(
        upstream.open().default_branch().unwrap().as_deref(),
        Some("trunk")
    );
    // A detached tag checkout with no branch left: none.
    upstream.tag("1.0.0+1");
    upstream.git(&["checkout", "-q", "--detach", "1.0.0+1"]);
    upstream.git(&["branch", "-D", "trunk"]);
    let detached = upstream.open();
    assert_eq!(detached.default_branch().unwrap(), None);
    let search = detached.search("services", |_| true).unwrap();
    assert_eq!(search.refs_searched, ["1.0.0+1"]);
    assert_eq!(search.default_branch, None);
    assert_eq!(search.tags_searched(), 1);
    assert_eq!(search.found_in.len(), 1);
}

#[test]
fn without_tags_nothing_is_absent_from_every_tag() {
    let mut fixture = Fixture::new();
    fixture.commit("first", &[("compose.yml", LEGACY_COMPOSE.as_bytes())]);
    let search = fixture
        .open()
        .search("discourse/discourse:3.5.3", |_| true)
        .unwrap();
    assert_eq!(search.refs_searched, ["main"]);
    assert_eq!(search.tags_searched(), 0);
    assert!(
        !search.absent_from_every_tag(),
        "no release searched is no evidence"
    );
}

#[test]
fn head_commit_is_the_checked_out_commit() {
    let mut fixture = Fixture::new();
    assert_eq!(fixture.open().head_commit().unwrap(), None, "no commit yet");
    fixture.commit("first", &[("compose.yml", b"a\n")]);
    let first = fixture.rev_parse("HEAD");
    fixture.tag("1.0.0+1");
    fixture.commit("second", &[("compose.yml", b"b\n")]);
    fixture.git(&["checkout", "-q", "1.0.0+1"]);
    assert_eq!(fixture.open().head_commit().unwrap(), Some(first));
}

#[test]
fn an_empty_needle_is_an_error() {
    let fixture = discourse_recipe();
    let repo = fixture.open();
    assert!(repo.search("", |_| true).is_err());
}

/// Every file under `.git` with its size and mtime.
fn snapshot(git_dir: &Path) -> BTreeMap<PathBuf, (u64, SystemTime)> {
    let mut files = BTreeMap::new();
    let mut stack = vec![git_dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let meta = entry.metadata().unwrap();
            if meta.is_dir() {
                stack.push(entry.path());
            } else {
                files.insert(entry.path(), (meta.len(), meta.modified().unwrap()));
            }
        }
    }
    files
}

#[test]
fn search_and_reads_change_nothing_in_the_repository() {
    let mut fixture = discourse_recipe();
    // A dirty work tree: one change, one untracked file, so a stray index
    // refresh or checkout would show.
    fs::write(fixture.dir.join("compose.yml"), "edited\n").unwrap();
    fs::write(fixture.dir.join("notes.txt"), "untracked\n").unwrap();
    let status_before = fixture.git(&["status", "--porcelain"]);
    let index = fixture.dir.join(".git/index");
    let index_before = fs::metadata(&index).unwrap().modified().unwrap();
    let git_before = snapshot(&fixture.dir.join(".git"));

    let repo = fixture.open();
    repo.search("sidekiq", yaml_and_env).unwrap();
    repo.files_at("0.8.1+3.5.0", |_| true).unwrap();
    repo.tags().unwrap();
    repo.default_branch().unwrap();
    repo.head_commit().unwrap();

    let git_after = snapshot(&fixture.dir.join(".git"));
    let locks: Vec<&PathBuf> = git_after
        .keys()
        .filter(|p| p.extension().is_some_and(|e| e == "lock"))
        .collect();
    assert!(locks.is_empty(), "lock files left: {locks:?}");
    assert_eq!(
        fs::metadata(&index).unwrap().modified().unwrap(),
        index_before
    );
    assert_eq!(git_before, git_after, "files under .git changed");
    assert_eq!(fixture.git(&["status", "--porcelain"]), status_before);
    assert_eq!(status_before, " M compose.yml\n?? notes.txt\n");
    assert_eq!(
        fs::read_to_string(fixture.dir.join("compose.yml")).unwrap(),
        "edited\n"
    );
}

/// A repository with `count` releases made by one `git fast-import`; the
/// needle `official-image` is in the compose file from release 150 on.
fn many_tags(count: usize) -> Fixture {
    let fixture = Fixture::new();
    let mut stream = String::new();
    for i in 0..count {
        let compose = if i >= 150 {
            format!("services:\n  app:\n    image: official-image:{i}\n")
        } else {
            format!("services:\n  app:\n    image: legacy-image:{i}\n")
        };
        let date = EPOCH + i as i64 * 60;
        stream.push_str(&format!(
            "commit refs/heads/main\nmark :{mark}\n\
             committer Recipe Maintainer <maintainer@example.org> {date} +0000\n\
             data {len}\nrelease {i}\n{from}\
             M 100644 inline compose.yml\ndata {clen}\n{compose}\n\
             M 100644 inline docs/README.md\ndata 7\nrecipe\n\n\
             reset refs/tags/{i}.0.0+1.0\nfrom :{mark}\n\n",
            mark = i + 1,
            len = format!("release {i}").len(),
            from = if i == 0 {
                String::new()
            } else {
                format!("from :{}\n", i)
            },
            clen = compose.len(),
        ));
    }
    git_in(
        &fixture.dir,
        &["fast-import", "--quiet"],
        None,
        Some(stream.as_bytes()),
    );
    fixture
}

#[test]
fn a_search_costs_the_same_git_processes_for_200_tags_as_for_2() {
    let (small_fixture, large_fixture) = (many_tags(2), many_tags(200));
    let (small, large) = (small_fixture.open(), large_fixture.open());
    let small_opened = small.git_invocations();
    let opened = large.git_invocations();

    let small_search = small.search("official-image", |_| true).unwrap();
    let large_search = large.search("official-image", |_| true).unwrap();

    let small_cost = small.git_invocations().total - small_opened.total;
    let large_cost = large.git_invocations();
    assert_eq!(
        large_cost.cat_file_batch, 1,
        "one cat-file session for all tags"
    );
    assert_eq!(
        large_cost.total - opened.total,
        small_cost,
        "the number of git processes must not grow with the tags"
    );
    assert!(small_search.found_in.is_empty());

    assert_eq!(large_search.refs_searched.len(), 201);
    assert_eq!(large_search.refs_searched[0], "0.0.0+1.0");
    assert_eq!(large_search.refs_searched[199], "199.0.0+1.0");
    assert_eq!(large_search.tags_with_needle().len(), 50);
    assert_eq!(large_search.tags_with_needle()[0], "150.0.0+1.0");
    assert_eq!(large_search.on_default_branch.as_deref(), Some("main"));
    assert!(
        large_search
            .found_in
            .iter()
            .all(|h| h.path == "compose.yml" && h.line == 3)
    );
}
