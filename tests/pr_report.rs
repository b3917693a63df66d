//! The PR report a maintainer reads in thirty seconds, end to end: for
//! each recipe below the test makes a real git repository with `git`
//! (one release tag, then more work on `main`), a cc-ci run of it whose
//! restore test failed (results.json and pytest JUnit as cc-ci writes
//! them, the run's own checkout a clone detached at the tag), and runs
//! `ccci-triage RUNS --recipe R --format markdown`.
//!
//! What is checked, on every recipe:
//! - the report renders as GitHub and Gitea render it (comrak, a port of
//!   cmark-gfm, with the GFM extensions): `<details>`/`<summary>`
//!   balanced, every fence closed, no HTML but the report's own, no link;
//! - the "Proposed change" is a ```diff block whose content is the patch,
//!   byte for byte, and `git apply --check` then `git apply` accept it in
//!   a clone at the tested tag; it edits only the file that carries the
//!   labels, only label lines, and keeps the file's comments and
//!   indentation; the patched file parses as YAML;
//! - the fix fits the service's engine: a MySQL or MariaDB dump is
//!   replayed by its own client from its own file, never `/pg_backup.sh`
//!   or a postgres path, and a postgres dump by `psql` or `pg_restore`;
//! - `ccci-triage check` exits 3 on the recipe at the tag and 0 once the
//!   patch is applied (no backup finding left, nothing else found).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;
use comrak::nodes::NodeValue;
use comrak::{Arena, Options, parse_document};
use tempfile::TempDir;

/// A recipe as its repository holds it at the tested tag.
struct Recipe {
    name: &'static str,
    tag: &'static str,
    files: &'static [(&'static str, &'static str)],
    /// The file the patch must edit (the one with the service's labels).
    patched: &'static str,
    /// The database service.
    service: &'static str,
    /// The JUnit failure message of the restore test.
    message: &'static str,
    /// The restore post-hook the patched file must hold, exactly.
    post_hook: &'static str,
    /// Labels (key, value) the patched file must hold besides.
    also: &'static [(&'static str, &'static str)],
    /// Text that must not appear in what the change adds (but the dump
    /// hook the recipe already had) nor in the patched labels' keys.
    never: &'static [&'static str],
}

/// Every recipe's app is on `proxy` and talks to nothing by a bare name,
/// so the only findings are the backup's.
fn recipes() -> Vec<Recipe> {
    vec![
        // The mattermost-lts shape: list labels, an unwrapped pg_dump into
        // the data directory, v1 `backupbot.backup.path` on the live data
        // directory, no restore post-hook.
        Recipe {
            name: "pgapp",
            tag: "1.2.0+15.4",
            files: &[
                (
                    "compose.yml",
                    concat!(
                        "---\nversion: \"3.8\"\n\nservices:\n",
                        "  app:\n    image: nginx:1.27\n    networks:\n      - proxy\n",
                        "    deploy:\n      labels:\n        - \"traefik.enable=true\"\n\n",
                        "  db:\n    image: postgres:15\n    networks:\n      - internal\n",
                        "    environment:\n      - POSTGRES_USER=pgapp\n      - POSTGRES_DB=pgapp\n",
                        "    volumes:\n      - postgres:/var/lib/postgresql/data\n",
                        "    deploy:\n      labels:\n",
                        "        - \"backupbot.backup=true\"\n",
                        "        - \"backupbot.backup.pre-hook=pg_dump -U pgapp pgapp > /var/lib/postgresql/data/pgapp-backup.sql\"\n",
                        "        - \"backupbot.backup.path=/var/lib/postgresql/data/\"\n",
                        "        - \"backupbot.backup.post-hook=rm -f /var/lib/postgresql/data/pgapp-backup.sql\"\n",
                        "\nvolumes:\n  postgres:\n\n",
                        "networks:\n  proxy:\n    external: true\n  internal:\n"
                    ),
                ),
                (".env.sample", "TYPE=pgapp\nDOMAIN=pgapp.example.com\n"),
            ],
            patched: "compose.yml",
            service: "db",
            message: "psycopg2.errors.UndefinedTable: relation \"ci_marker\" does not exist",
            post_hook: "psql -U pgapp -d pgapp < /var/lib/postgresql/data/pgapp-backup.sql",
            also: &[
                (
                    "backupbot.backup.pre-hook",
                    "pg_dump --clean --if-exists -U pgapp pgapp > /var/lib/postgresql/data/pgapp-backup.sql",
                ),
                (
                    "backupbot.backup.path",
                    "/var/lib/postgresql/data/pgapp-backup.sql",
                ),
            ],
            never: &["pg_backup.sh", "mysql"],
        },
        // MariaDB: map labels, `sh -c` with mariadb-dump, the whole volume
        // backed up (v2, no `.path`).
        Recipe {
            name: "mariapp",
            tag: "2.0.1+11.4",
            files: &[(
                "compose.yml",
                "services:
  app:
    image: nginx:1.27
    networks:
      - proxy
  db:
    image: mariadb:11.4
    networks:
      - internal
    environment:
      MARIADB_DATABASE: mariapp
      MARIADB_ROOT_PASSWORD_FILE: /run/secrets/db_root_password
    volumes:
      - mariadb:/var/lib/mysql
    deploy:
      labels:
        backupbot.backup: \"true\"
        backupbot.backup.pre-hook: \"sh -c 'mariadb-dump -u root -p\\\"$$(cat /run/secrets/db_root_password)\\\" mariapp > /var/lib/mysql/backup.sql'\"
volumes:
  mariadb:
networks:
  proxy:
    external: true
  internal:
",
            )],
            patched: "compose.yml",
            service: "db",
            message: "pymysql.err.ProgrammingError: (1146, \"Table 'mariapp.ci_marker' doesn't exist\")",
            post_hook: "sh -c 'mariadb -u root -p\"$$(cat /run/secrets/db_root_password)\" mariapp < /var/lib/mysql/backup.sql'",
            also: &[("backupbot.backup.volumes.mariadb.path", "backup.sql")],
            never: &["pg_backup.sh", "postgres", "psql", "mysqldump"],
        },
        // MySQL: `mysqldump` of every database, single-quoted map values,
        // a v2 `.path` that is the volume's root.
        Recipe {
            name: "myapp",
            tag: "0.4.0+8.4.2",
            files: &[(
                "compose.yml",
                "services:
  app:
    image: nginx:1.27
    networks:
      - proxy
  mysql:
    image: mysql:8.4
    networks:
      - internal
    volumes:
      - mysql_data:/var/lib/mysql
    deploy:
      labels:
        backupbot.backup: 'true'
        backupbot.backup.pre-hook: 'mysqldump --single-transaction -u root --password=\"$$MYSQL_ROOT_PASSWORD\" --all-databases > /var/lib/mysql/all.sql'
        backupbot.backup.volumes.mysql_data.path: '.'
volumes:
  mysql_data:
networks:
  proxy:
    external: true
  internal:
",
            )],
            patched: "compose.yml",
            service: "mysql",
            message: "pymysql.err.ProgrammingError: (1146, \"Table 'myapp.ci_marker' doesn't exist\")",
            post_hook: "mysql -u root --password=\"$$MYSQL_ROOT_PASSWORD\" < /var/lib/mysql/all.sql",
            also: &[("backupbot.backup.volumes.mysql_data.path", "all.sql")],
            never: &["pg_backup.sh", "postgres", "psql", "--single-transaction"],
        },
        // The database in an overlay chained by `.env.sample`: the patch is
        // of compose.postgres.yml, where the labels are.
        Recipe {
            name: "overlaid",
            tag: "3.1.0+2.0",
            files: &[
                (
                    "compose.yml",
                    "services:\n  app:\n    image: nginx:1.27\n    networks:\n      - proxy\nnetworks:\n  proxy:\n    external: true\n",
                ),
                (
                    "compose.postgres.yml",
                    "services:
  db:
    image: postgres:16
    networks:
      - internal
    volumes:
      - db-data:/var/lib/postgresql/data
    deploy:
      labels:
        backupbot.backup: ${ENABLE_BACKUPS:-true}
        backupbot.backup.pre-hook: \"pg_dump -Fc -U overlaid -d overlaid -f /var/lib/postgresql/data/overlaid.dump\"
volumes:
  db-data:
networks:
  internal:
",
                ),
                (
                    ".env.sample",
                    "TYPE=overlaid\nCOMPOSE_FILE=\"compose.yml\"\nCOMPOSE_FILE=\"$COMPOSE_FILE:compose.postgres.yml\"\n",
                ),
            ],
            patched: "compose.postgres.yml",
            service: "db",
            message: "psycopg2.errors.UndefinedTable: relation \"ci_marker\" does not exist",
            post_hook: "pg_restore -U overlaid -d overlaid --clean --if-exists /var/lib/postgresql/data/overlaid.dump",
            also: &[("backupbot.backup.volumes.db-data.path", "overlaid.dump")],
            never: &["pg_backup.sh", "mysql", "psql"],
        },
        // Comments everywhere and odd indentation (four spaces, a wide
        // dash), single quotes, a trailing comment on the hook.
        Recipe {
            name: "commented",
            tag: "1.0.0+14",
            files: &[(
                "compose.yml",
                "# The commented recipe.
services:
    app:
        image: nginx:1.27   # the web side
        networks:
            - proxy
    # The database.
    postgres:
        image: postgres:14
        networks:
            - internal
        volumes:
            # Its data.
            - pgdata:/var/lib/postgresql/data
        deploy:
            labels:
                # Backups (see the README).
                -   'backupbot.backup=true'
                -   'backupbot.backup.pre-hook=sh -c \"pg_dump -U app app > /var/lib/postgresql/data/app.sql\"'   # dump first
                # The whole data directory, for now.
                -   'backupbot.backup.volumes.pgdata.path=.'
            # restart policy
            restart_policy:
                condition: on-failure
volumes:
    pgdata:   # named
networks:
    proxy:
        external: true
    internal:
",
            )],
            patched: "compose.yml",
            service: "postgres",
            message: "psycopg2.errors.UndefinedTable: relation \"ci_marker\" does not exist",
            post_hook: "sh -c \"psql -U app -d app < /var/lib/postgresql/data/app.sql\"",
            also: &[
                (
                    "backupbot.backup.pre-hook",
                    "sh -c \"pg_dump --clean --if-exists -U app app > /var/lib/postgresql/data/app.sql\"",
                ),
                ("backupbot.backup.volumes.pgdata.path", "app.sql"),
            ],
            never: &["pg_backup.sh", "mysql"],
        },
        // No dump at all: the recipe's own dump command sits under a label
        // backupbot does not read, and the volume is backed up whole.
        Recipe {
            name: "undumped",
            tag: "0.9.0+17",
            files: &[(
                "compose.yml",
                "services:
  app:
    image: nginx:1.27
    networks:
      - proxy
  db:
    image: postgres:17-alpine
    networks:
      - internal
    volumes:
      - postgres-data:/var/lib/postgresql/data
    deploy:
      labels:
        - \"backupbot.backup=true\"
        - \"backupbot.backup.command=pg_dump -U undumped undumped\"
volumes:
  postgres-data:
networks:
  proxy:
    external: true
  internal:
",
            )],
            patched: "compose.yml",
            service: "db",
            message: "psycopg2.errors.UndefinedTable: relation \"ci_marker\" does not exist",
            post_hook: "psql -U undumped -d undumped < /var/lib/postgresql/data/backup.sql",
            also: &[
                (
                    "backupbot.backup.pre-hook",
                    "pg_dump --clean --if-exists -U undumped undumped > /var/lib/postgresql/data/backup.sql",
                ),
                ("backupbot.backup.volumes.postgres-data.path", "backup.sql"),
            ],
            never: &["pg_backup.sh", "mysql", "backupbot.backup.command"],
        },
    ]
}

/// git with fixed identity and dates and no user or system config.
fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args(["-c", "commit.gpgSign=false", "-c", "tag.gpgSign=false"])
        .args([
            "-c",
            "advice.detachedHead=false",
            "-c",
            "core.autocrlf=false",
        ])
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "Recipe Maintainers")
        .env("GIT_AUTHOR_EMAIL", "recipes@example.org")
        .env("GIT_COMMITTER_NAME", "Recipe Maintainers")
        .env("GIT_COMMITTER_EMAIL", "recipes@example.org")
        .env("GIT_AUTHOR_DATE", "@1767268800 +0000")
        .env("GIT_COMMITTER_DATE", "@1767268800 +0000")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn bin() -> Command {
    let mut c = Command::cargo_bin("ccci-triage").unwrap();
    c.env_remove("CCCI_RUNS_DIR")
        .env("NO_COLOR", "1")
        .env("ABRA_DIR", "/nonexistent-abra");
    c
}

/// The recipe's repository (the tag, then unreleased work on `main`) and
/// a runs root with one cc-ci run of the tag whose restore test failed.
struct Host {
    _tmp: TempDir,
    root: PathBuf,
    repo: PathBuf,
    runs: PathBuf,
}

fn host(r: &Recipe) -> Host {
    let tmp = TempDir::new().unwrap();
    let root = tmp.path().to_path_buf();
    let repo = root.join("repos").join(r.name);
    fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    for (path, text) in r.files {
        fs::write(repo.join(path), text).unwrap();
    }
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "chore: publish release"]);
    git(&repo, &["tag", "-a", r.tag, "-m", r.tag]);
    // Work after the release, in the same file: the patch is for the tag.
    let main = repo.join(r.patched);
    let text = fs::read_to_string(&main).unwrap();
    fs::write(&main, format!("# unreleased: next version\n{text}")).unwrap();
    git(&repo, &["commit", "-q", "-am", "chore: unreleased changes"]);

    let runs = root.join("runs");
    let id = format!("manual-{}", r.name);
    let run = runs.join(&id);
    fs::create_dir_all(run.join("junit")).unwrap();
    fs::create_dir_all(run.join("abra/recipes")).unwrap();
    let checkout = run.join("abra/recipes").join(r.name);
    git(
        &root,
        &[
            "clone",
            "-q",
            repo.to_str().unwrap(),
            checkout.to_str().unwrap(),
        ],
    );
    git(&checkout, &["checkout", "-q", "--detach", r.tag]);
    let results = serde_json::json!({
        "schema": 2,
        "recipe": r.name,
        "version": r.tag,
        "pr": null,
        "ref": "0a1b2c3d4e5f",
        "run_id": id,
        "finished": 1782047202.252,
        "stages": [
            {"name": "install", "status": "pass",
             "tests": [{"name": "test_stack_converges", "status": "passed", "ms": 11800}]},
            {"name": "backup", "status": "pass",
             "tests": [{"name": "test_backup_creates_snapshot", "status": "passed", "ms": 38500}]},
            {"name": "restore", "status": "fail",
             "tests": [{"name": "test_restore_returns_state", "status": "failed", "ms": 64902}]}
        ],
        "results": {"install": "pass", "backup": "pass", "restore": "fail"},
        "level": 3,
        "rungs": {"install": "pass", "upgrade": "skip", "backup_restore": "fail",
                  "functional": "skip", "lint": "pass"},
        "skips": {"intentional": {}, "unintentional": []},
        "lint": {"status": "pass", "detail": "", "rules_failed": []},
        "flags": {"clean_teardown": true, "no_secret_leak": true},
        "customization": null
    });
    fs::write(
        run.join("results.json"),
        serde_json::to_string_pretty(&results).unwrap(),
    )
    .unwrap();
    let message = r
        .message
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;");
    fs::write(
        run.join("junit/restore__generic__test_restore.xml"),
        format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<testsuites name=\"pytest tests\">\
             <testsuite name=\"pytest\" errors=\"0\" failures=\"1\" skipped=\"0\" tests=\"1\" \
             time=\"64.9\" timestamp=\"2026-06-21T13:04:10+00:00\" hostname=\"ccci-swarm-01\">\n\
             <testcase classname=\"tests._generic.test_restore\" name=\"test_restore_returns_state\" \
             time=\"64.902\"><failure message=\"{message}\">{message}</failure></testcase>\n\
             </testsuite></testsuites>\n"
        ),
    )
    .unwrap();
    fs::create_dir_all(root.join("ci-warm")).unwrap();
    Host {
        _tmp: tmp,
        root,
        repo,
        runs,
    }
}

/// `ccci-triage RUNS --recipe R --format markdown`.
fn report(h: &Host, r: &Recipe) -> String {
    let out = bin()
        .arg(&h.runs)
        .args(["--recipe", r.name, "--format", "markdown", "--no-history"])
        .arg("--canonicals")
        .arg(h.root.join("ci-warm"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}: exit {:?}: {}",
        r.name,
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn gfm() -> Options<'static> {
    let mut o = Options::default();
    o.extension.strikethrough = true;
    o.extension.table = true;
    o.extension.autolink = true;
    o.extension.tasklist = true;
    o.extension.footnotes = true;
    o.render.r#unsafe = true;
    o
}

/// The HTML the report writes itself; anything else is input gone live.
const OWN_HTML: &[&str] = &[
    "<!-- ccci-triage report -->",
    "<details>",
    "</details>",
    "<summary>",
    "</summary>",
    "<sub>",
    "</sub>",
];

/// What the GFM parse of a report holds that the checks need: the diff
/// blocks' (info, content), and it asserts the structure on the way.
fn rendered(md: &str, what: &str) -> Vec<(String, String)> {
    let arena = Arena::new();
    let doc = parse_document(&arena, md, &gfm());
    let mut diffs = Vec::new();
    let mut depth = 0i32;
    for node in doc.descendants() {
        match &node.data.borrow().value {
            NodeValue::CodeBlock(cb) => {
                assert!(cb.fenced, "{what}: an indented code block");
                assert!(
                    cb.closed,
                    "{what}: a fence is never closed:\n{}",
                    cb.literal
                );
                if cb.info == "diff" {
                    diffs.push((cb.info.clone(), cb.literal.clone()));
                }
            }
            NodeValue::HtmlBlock(h) => {
                let mut rest = h.literal.clone();
                for tag in OWN_HTML {
                    for _ in 0..rest.matches(tag).count() {
                        match *tag {
                            "<details>" => depth += 1,
                            "</details>" => depth -= 1,
                            _ => {}
                        }
                        assert!((0..=1).contains(&depth), "{what}: <details> nesting");
                    }
                    rest = rest.replace(tag, "");
                }
                assert!(!rest.contains('<'), "{what}: live HTML {:?}", h.literal);
            }
            NodeValue::HtmlInline(h) => {
                assert!(OWN_HTML.contains(&h.as_str()), "{what}: live HTML {h:?}");
            }
            NodeValue::Link(l) => panic!("{what}: a link to {}", l.url),
            NodeValue::Image(l) => panic!("{what}: an image {}", l.url),
            NodeValue::Table(_) => {}
            _ => {}
        }
    }
    assert_eq!(depth, 0, "{what}: a <details> is never closed");
    // A `|` row outside a code block is a table's, never a stray line.
    let mut html = String::new();
    comrak::format_html(doc, &gfm(), &mut html).unwrap();
    assert_eq!(
        html.matches("<details>").count(),
        html.matches("</details>").count(),
        "{what}"
    );
    assert_eq!(
        html.matches("<summary>").count(),
        html.matches("<details>").count(),
        "{what}: one summary per details"
    );
    diffs
}

/// The text between the ```diff fence and its closing fence, as written.
fn raw_fence(md: &str) -> String {
    let start = md.find("\n```diff\n").expect("a ```diff fence") + "\n```diff\n".len();
    let end = md[start..].find("\n```\n").expect("closed") + start + 1;
    md[start..end].to_string()
}

/// The labels of `service` in a compose file (map or list form).
fn labels(yaml: &serde_json::Value, service: &str) -> Vec<(String, String)> {
    let l = &yaml["services"][service]["deploy"]["labels"];
    match l {
        serde_json::Value::Object(m) => m
            .iter()
            .map(|(k, v)| {
                let v = match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.clone(), v)
            })
            .collect(),
        serde_json::Value::Array(a) => a
            .iter()
            .filter_map(|x| x.as_str())
            .filter_map(|s| s.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        _ => Vec::new(),
    }
}

fn check_exit(dir: &Path) -> Option<i32> {
    bin().arg("check").arg(dir).output().unwrap().status.code()
}

#[test]
fn the_proposed_change_applies_at_the_tag_and_fixes_the_backup() {
    for r in recipes() {
        let h = host(&r);
        let md = report(&h, &r);
        let what = r.name;
        // The cause up front, the fix before the patch, the patch before
        // the collapsed evidence.
        let at = |s: &str| {
            md.find(s)
                .unwrap_or_else(|| panic!("{what}: no {s:?} in\n{md}"))
        };
        assert!(at("**Cause:**") < at("**Fix:**"), "{what}");
        assert!(at("**Fix:**") < at("**Proposed change**"), "{what}");
        assert!(at("**Proposed change**") < at("<details>"), "{what}");
        assert!(
            md.contains(&format!(
                "**Proposed change** to `{}` at tag `{}`",
                r.patched, r.tag
            )),
            "{what}: {md}"
        );
        assert!(md.contains("### 1. recipe-defect"), "{what}: {md}");
        // No node path: the checkout is the recipe repository.
        let root = h.root.display().to_string();
        assert!(!md.contains(&root), "{what}: a node path in\n{md}");
        assert!(md.contains("ccci-triage check . --tag"), "{what}: {md}");

        let diffs = rendered(&md, what);
        assert_eq!(diffs.len(), 1, "{what}: one patch");
        let patch = &diffs[0].1;
        assert_eq!(*patch, raw_fence(&md), "{what}: the block is the patch");
        for line in patch
            .lines()
            .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
        {
            if line.contains("backupbot.backup.pre-hook") {
                continue;
            }
            for bad in r.never {
                assert!(!line.contains(bad), "{what}: {bad:?} in\n{patch}");
            }
        }
        // Only label lines change, only in the file with the labels.
        assert!(
            patch.starts_with(&format!("diff --git a/{0} b/{0}\n", r.patched)),
            "{what}: {patch}"
        );
        assert_eq!(patch.matches("diff --git").count(), 1, "{what}");
        for line in patch.lines() {
            if (line.starts_with('+') && !line.starts_with("+++"))
                || (line.starts_with('-') && !line.starts_with("---"))
            {
                assert!(line.contains("backupbot."), "{what}: {line}");
            }
        }

        // The recipe at the tag: a finding (exit 3); the patch applies.
        let work = h.root.join("work");
        git(
            &h.root,
            &[
                "clone",
                "-q",
                h.repo.to_str().unwrap(),
                work.to_str().unwrap(),
            ],
        );
        git(&work, &["checkout", "-q", "--detach", r.tag]);
        assert_eq!(check_exit(&work), Some(3), "{what}: unpatched");
        let before = fs::read_to_string(work.join(r.patched)).unwrap();
        fs::write(h.root.join("fix.patch"), patch).unwrap();
        git(&work, &["apply", "--check", "../fix.patch"]);
        git(&work, &["apply", "../fix.patch"]);
        assert_eq!(
            git(&work, &["diff", "--name-only"]).trim(),
            r.patched,
            "{what}"
        );
        let after = fs::read_to_string(work.join(r.patched)).unwrap();
        // Comments and indentation kept: every line that is not a label
        // line is as it was.
        let plain = |t: &str| -> Vec<String> {
            t.lines()
                .filter(|l| !l.contains("backupbot."))
                .map(str::to_string)
                .collect()
        };
        assert_eq!(plain(&before), plain(&after), "{what}");
        let yaml: serde_json::Value = serde_saphyr::from_str(&after)
            .unwrap_or_else(|e| panic!("{what}: the patched file is not YAML: {e}\n{after}"));
        let got = labels(&yaml, r.service);
        let get = |k: &str| {
            got.iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
                .unwrap_or_else(|| panic!("{what}: no {k} in {got:?}"))
        };
        assert_eq!(get("backupbot.restore.post-hook"), r.post_hook, "{what}");
        for (k, v) in r.also {
            assert_eq!(get(k), *v, "{what}: {k}");
        }
        for bad in r.never {
            assert!(
                !got.iter().any(|(k, _)| k.contains(bad))
                    && !get("backupbot.restore.post-hook").contains(bad),
                "{what}: {bad:?} in {got:?}"
            );
        }
        // The patched recipe passes: no finding at all.
        assert_eq!(check_exit(&work), Some(0), "{what}: patched\n{after}");
        // The patch is for the tag: main has moved on.
        let tip = git(&h.repo, &["show", &format!("main:{}", r.patched)]);
        assert_ne!(tip, before, "{what}");
    }
}

#[test]
fn a_hook_the_tool_cannot_read_gets_no_patch_and_says_why() {
    // A dump piped through `tee` somewhere else: no replay is guessed.
    let r = Recipe {
        name: "teed",
        tag: "1.0.0+1",
        files: &[(
            "compose.yml",
            "services:
  db:
    image: postgres:15
    networks:
      - internal
    volumes:
      - pg:/var/lib/postgresql/data
    deploy:
      labels:
        - \"backupbot.backup=true\"
        - \"backupbot.backup.pre-hook=sh -c 'pg_dump -U t t | tee /var/lib/postgresql/data/t.sql'\"
volumes:
  pg:
networks:
  internal:
",
        )],
        patched: "compose.yml",
        service: "db",
        message: "psycopg2.errors.UndefinedTable: relation \"ci_marker\" does not exist",
        post_hook: "",
        also: &[],
        never: &[],
    };
    let h = host(&r);
    let md = report(&h, &r);
    assert!(md.contains("### 1. recipe-defect"), "{md}");
    assert!(!md.contains("**Proposed change**"), "{md}");
    assert!(!md.contains("```diff"), "{md}");
    rendered(&md, r.name);
    // explain says why there is none.
    let out = bin()
        .arg("explain")
        .arg("manual-teed")
        .arg(&h.runs)
        .args(["--no-history", "--canonicals"])
        .arg(h.root.join("ci-warm"))
        .output()
        .unwrap();
    // The fact's text, as explain quotes it (wrapped at the width).
    let text = String::from_utf8_lossy(&out.stdout).replace("\n    | ", "");
    assert!(
        text.contains("no patch for service `db`") && text.contains("piped into `tee`"),
        "{text}"
    );
}

#[test]
fn input_text_stays_inert_in_the_rendered_report() {
    // A failure message that tries to close the block, open HTML, link and
    // mention: the renderer shows it as text.
    let mut r = recipes().remove(0);
    r.message = "relation \"ci_marker\" does not exist </details> <script>alert(1)</script> \
                 ``` [x](javascript:alert(1)) @admin https://evil.example";
    let h = host(&r);
    let md = report(&h, &r);
    let diffs = rendered(&md, "hostile");
    assert_eq!(diffs.len(), 1);
    let mut html = String::new();
    let arena = Arena::new();
    comrak::format_html(parse_document(&arena, &md, &gfm()), &gfm(), &mut html).unwrap();
    assert!(!html.contains("<script>"), "{html}");
    assert!(!html.contains("href="), "{html}");
}
