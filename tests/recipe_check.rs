//! The static recipe checks on real recipes and on the journal's cases.
//!
//! Real recipes come from `shared/corpus/recipes` (eleven public abra
//! recipes nobody on this project wrote); the expectations below come from
//! reading them (see that directory's INDEX.md). The journal's cases
//! (mattermost-lts vs immich backup labels, bluesky-pds's Caddyfile,
//! discourse's `depends_on`) are written inline, small, in the recipes'
//! own shapes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ccci_triage::evidence::recipe::{
    Finding, FindingKind, RecipeFiles, RecipeReport, check, checks, cold_stack_name,
    own_network_wins, warm_stack_name,
};
use ccci_triage::rules::RuleSet;

// ---------------------------------------------------------------- harness

/// The corpus directory: `shared/` beside the clone (CI), or beside the
/// worktrees directory (a `git worktree` under `wt/`). `None` when absent,
/// which fails the test under `CI=true`.
fn corpus() -> Option<PathBuf> {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let found = [here.join("../shared"), here.join("../../shared")]
        .into_iter()
        .map(|p| p.join("corpus/recipes"))
        .find(|p| p.is_dir());
    if found.is_none() && std::env::var("CI").as_deref() == Ok("true") {
        panic!("shared/corpus/recipes is missing beside the clone, and CI=true");
    }
    found
}

fn corpus_recipe(name: &str) -> Option<RecipeFiles> {
    let dir = corpus()?.join(name);
    Some(RecipeFiles::from_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())))
}

fn inline(origin: &str, files: &[(&str, &str)]) -> RecipeFiles {
    RecipeFiles {
        origin: origin.to_string(),
        files: files
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        warnings: Vec::new(),
    }
}

fn run(files: &RecipeFiles) -> RecipeReport {
    check(files, &RuleSet::builtin())
}

fn of<'a>(report: &'a RecipeReport, check_id: &str) -> Vec<&'a Finding> {
    report
        .findings
        .iter()
        .filter(|f| f.check == check_id)
        .collect()
}

fn one<'a>(report: &'a RecipeReport, check_id: &str, service: &str) -> &'a Finding {
    let found: Vec<&Finding> = of(report, check_id)
        .into_iter()
        .filter(|f| f.service == service)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "{check_id} on {service}: {:#?}",
        report.findings
    );
    found[0]
}

/// Every rendering must hold: table ≤ 100 columns, JSON round-trips.
fn renders(report: &RecipeReport) {
    let table =
        ccci_triage::report::check::render_table(report, ccci_triage::report::Style::plain(100));
    for line in table.lines() {
        assert!(line.chars().count() <= 100, "line over 100 columns: {line}");
    }
    let json = ccci_triage::report::check::render_json(report);
    let back: RecipeReport = serde_json::from_str(&json).expect("the JSON parses");
    assert_eq!(&back, report);
}

// ----------------------------------------------------------- the corpus

const CORPUS: &[&str] = &[
    "agora",
    "bonfire",
    "bore",
    "docs-coopcloud",
    "foodsharing-cms",
    "gaseous",
    "go-ssb-room",
    "llamenos",
    "nodex-next",
    "traefik",
    "wordpress-lemp",
];

#[test]
fn every_corpus_recipe_parses_and_renders() {
    let Some(root) = corpus() else { return };
    let mut seen: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    seen.sort();
    assert_eq!(
        seen, CORPUS,
        "the corpus changed: update the expectations here"
    );
    for name in CORPUS {
        let files = corpus_recipe(name).unwrap();
        let report = run(&files);
        assert_eq!(report.recipe, *name);
        assert!(!report.services.is_empty(), "{name}: no services");
        assert!(
            report
                .warnings
                .iter()
                .all(|w| !w.contains("not valid YAML")),
            "{name}: {:?}",
            report.warnings
        );
        // No corpus recipe uses a key swarm refuses: they all deploy.
        assert!(of(&report, checks::SWARM_REJECTED_KEY).is_empty(), "{name}");
        for f in &report.findings {
            assert!(checks::ALL.contains(&f.check.as_str()), "{}", f.check);
            assert!(
                !f.evidence.is_empty(),
                "{name}: {} has no evidence",
                f.check
            );
            for e in &f.evidence {
                // Evidence cites a file of the recipe, by line where it can.
                let file = e.source.split(':').next().unwrap();
                assert!(files.files.contains_key(file), "{name}: {}", e.source);
            }
        }
        renders(&report);
    }
}

#[test]
fn bonfire_chains_its_postgres_overlay_from_env_sample() {
    let Some(files) = corpus_recipe("bonfire") else {
        return;
    };
    let report = run(&files);
    assert_eq!(
        report.compose_files,
        ["compose.yml", "compose.postgres.yml"]
    );
    // Commented-out options are listed, not merged.
    assert!(
        report
            .optional_compose_files
            .contains(&"compose.s3.yml".to_string())
    );
    assert!(
        !report
            .optional_compose_files
            .contains(&"compose.yml".to_string())
    );
    let db = report.services.iter().find(|s| s.name == "db").unwrap();
    assert_eq!(
        (db.file.as_str(), db.line),
        ("compose.postgres.yml", Some(16))
    );
    // `depends_on: [db]` is satisfied by the overlay.
    assert!(of(&report, checks::UNDEFINED_DEPENDENCY).is_empty());
    // v2 labels that round-trip: no backup finding.
    assert!(of(&report, checks::RESTORE_REPLAYS_NO_DUMP).is_empty());
    assert!(of(&report, checks::LIVE_DATADIR).is_empty());
    // `POSTGRES_HOST: ${STACK_NAME}_db` is stack-scoped: no routing finding.
    assert!(of(&report, checks::BARE_NAME_ROUTING).is_empty());
    // Labels from a `- key=value` list under deploy.labels.
    let app = report.services.iter().find(|s| s.name == "app").unwrap();
    assert_eq!(app.labels["backupbot.backup"], "${ENABLE_BACKUPS:-true}");
    assert_eq!(app.networks, ["proxy", "internal"]);
    assert!(app.on_proxy);
    // The overlay's environment merged into app's.
    assert_eq!(
        db.labels["backupbot.restore.post-hook"],
        "/pg_backup.sh restore"
    );
}

#[test]
fn bonfire_without_its_overlay_depends_on_an_undefined_service() {
    let Some(mut files) = corpus_recipe("bonfire") else {
        return;
    };
    files.files.insert(
        ".env.sample".into(),
        "COMPOSE_FILE=\"compose.yml\"\n".into(),
    );
    let report = run(&files);
    assert_eq!(report.compose_files, ["compose.yml"]);
    let f = one(&report, checks::UNDEFINED_DEPENDENCY, "app");
    assert_eq!(
        f.kind,
        FindingKind::UndefinedDependency {
            dependency: "db".into()
        }
    );
    assert!(f.summary.contains("exit 15"), "{}", f.summary);
    assert!(f.summary.contains("converges"), "{}", f.summary);
    assert!(
        f.summary.contains("only in compose.postgres.yml"),
        "{}",
        f.summary
    );
    assert_eq!(f.evidence.last().unwrap().source, "compose.postgres.yml");
}

#[test]
fn gaseous_reaches_its_database_by_a_bare_name_from_proxy() {
    let Some(files) = corpus_recipe("gaseous") else {
        return;
    };
    let report = run(&files);
    let f = one(&report, checks::BARE_NAME_ROUTING, "app");
    assert_eq!(
        f.kind,
        FindingKind::BareNameRouting {
            from: "app".into(),
            target: "db".into(),
            name: "db".into(),
            port: None,
            network: "internal".into(),
            cold_ok: true,
            warm_ok: false,
        }
    );
    assert_eq!(f.evidence[0].source, "compose.yml:15");
    assert_eq!(f.evidence[0].text, "dbhost=db");
    assert!(f.summary.contains("Lower risk"), "{}", f.summary);
    assert!(
        f.fix
            .ends_with("use that in the environment or command of `app`."),
        "{}",
        f.fix
    );
    assert!(
        f.summary
            .contains("gase-e1cb78_ci_commoninternet_net_internal")
    );
    assert!(
        f.summary
            .contains("warm-gaseous_ci_commoninternet_net_internal")
    );
    // `restart:` on both services, `depends_on` on app: ignored by swarm.
    let ignored: Vec<(&str, &str)> = of(&report, checks::SWARM_IGNORED_KEY)
        .iter()
        .map(|f| match &f.kind {
            FindingKind::SwarmIgnoredKey { key } => (f.service.as_str(), key.as_str()),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        ignored,
        [("app", "restart"), ("app", "depends_on"), ("db", "restart")]
    );
    let restart = one(&report, checks::SWARM_IGNORED_KEY, "db");
    assert_eq!(restart.evidence[0].source, "compose.yml:36");
    assert_eq!(restart.evidence[0].text, "restart: unless-stopped");
    // No backupbot labels at all: nothing to say about backups.
    assert!(of(&report, checks::LIVE_DATADIR).is_empty());
}

#[test]
fn llamenos_copies_its_live_postgres_directory_and_routes_by_stack_name() {
    let Some(files) = corpus_recipe("llamenos") else {
        return;
    };
    let report = run(&files);
    // nginx's `upstream app { server {{ env "STACK_NAME" }}_app:3000; }`
    // and `proxy_pass http://app` name an upstream group, not a host.
    assert!(
        of(&report, checks::BARE_NAME_ROUTING).is_empty(),
        "{:#?}",
        report.findings
    );
    // `backupbot.backup=true` and no `.path` limit on the postgres volume:
    // the running server's directory is copied whole, and the non-standard
    // `backupbot.backup.command` dump never runs.
    let f = one(&report, checks::LIVE_DATADIR, "db");
    assert_eq!(
        f.kind,
        FindingKind::LiveDataDir {
            path: "/var/lib/postgresql/data".into()
        }
    );
    assert!(
        f.summary.contains("`backupbot.backup.command`"),
        "{}",
        f.summary
    );
    assert!(
        f.fix
            .contains("backupbot.backup.volumes.postgres-data.path"),
        "{}",
        f.fix
    );
    assert_eq!(f.evidence[0].source, "compose.yml:116");
    // No pre-hook, so no restore-replay finding; minio's old-style
    // `backupbot.backup.path=/data` is not a database directory.
    assert!(of(&report, checks::RESTORE_REPLAYS_NO_DUMP).is_empty());
    assert_eq!(of(&report, checks::LIVE_DATADIR).len(), 1);
    let minio = report.services.iter().find(|s| s.name == "minio").unwrap();
    assert_eq!(minio.labels["backupbot.backup.path"], "/data");
}

#[test]
fn wordpress_lemp_and_the_single_service_recipes_have_no_routing_findings() {
    for name in [
        "wordpress-lemp",
        "traefik",
        "go-ssb-room",
        "foodsharing-cms",
        "bore",
        "nodex-next",
        "docs-coopcloud",
        "agora",
    ] {
        let Some(files) = corpus_recipe(name) else {
            return;
        };
        let report = run(&files);
        assert!(of(&report, checks::BARE_NAME_ROUTING).is_empty(), "{name}");
        assert!(
            of(&report, checks::RESTORE_REPLAYS_NO_DUMP).is_empty(),
            "{name}"
        );
        assert!(of(&report, checks::LIVE_DATADIR).is_empty(), "{name}");
    }
    let report = run(&corpus_recipe("wordpress-lemp").unwrap());
    let frontend = report
        .services
        .iter()
        .find(|s| s.name == "frontend")
        .unwrap();
    assert!(frontend.on_proxy);
    // Old per-service version labels, in flow and block lists.
    let db = report.services.iter().find(|s| s.name == "db").unwrap();
    assert_eq!(
        db.labels["coop-cloud.${STACK_NAME}.db.version"],
        "10.6-718cb856"
    );
    // foodsharing-cms: old-style single-path backup label.
    let report = run(&corpus_recipe("foodsharing-cms").unwrap());
    assert_eq!(report.services[0].labels["backupbot.backup.path"], "/data");
    // agora's bridge has no networks: compose's `default`.
    let report = run(&corpus_recipe("agora").unwrap());
    let bridge = report.services.iter().find(|s| s.name == "bridge").unwrap();
    assert_eq!(bridge.networks, ["default"]);
    assert!(!bridge.on_proxy);
}

// ----------------------------------------------------- backup round trip

const MATTERMOST_LTS: &str = r#"version: "3.8"
services:
  app:
    image: mattermost/mattermost-team-edition:10.11.15
    networks:
      - proxy
      - internal
    deploy:
      labels:
        - "traefik.enable=true"
        - "backupbot.backup=true"
  postgres:
    image: postgres:15-alpine
    networks:
      - internal
    volumes:
      - postgres:/var/lib/postgresql/data
    deploy:
      labels:
        backupbot.backup: "true"
        backupbot.backup.pre-hook: "sh -c 'PGPASSWORD=$$(cat /run/secrets/db_password) pg_dump -U mattermost mattermost > /var/lib/postgresql/data/postgres-backup.sql'"
        backupbot.backup.path: "/var/lib/postgresql/data/"
        backupbot.backup.post-hook: "rm -f /var/lib/postgresql/data/postgres-backup.sql"
networks:
  proxy:
    external: true
  internal:
volumes:
  postgres:
"#;

const IMMICH: &str = r#"version: "3.8"
services:
  app:
    image: ghcr.io/immich-app/immich-server:v1.132.3
    networks: [proxy, internal]
    environment:
      DB_HOSTNAME: ${STACK_NAME}_database
  database:
    image: ghcr.io/immich-app/postgres:14-vectorchord0.3.0
    networks: [internal]
    volumes:
      - postgres:/var/lib/postgresql/data
    configs:
      - source: pg_backup
        target: /pg_backup.sh
        mode: 0555
    deploy:
      labels:
        backupbot.backup: "${ENABLE_BACKUPS:-true}"
        backupbot.backup.pre-hook: "/pg_backup.sh backup"
        backupbot.backup.volumes.postgres.path: "backup.sql"
        backupbot.restore.post-hook: "/pg_backup.sh restore"
networks:
  proxy:
    external: true
  internal:
configs:
  pg_backup:
    name: ${STACK_NAME}_pg_backup_${PG_BACKUP_VERSION}
    file: pg_backup.sh
"#;

#[test]
fn mattermost_lts_postgres_restores_no_dump_and_copies_live_pgdata() {
    let report = run(&inline(
        "mattermost-lts",
        &[("compose.yml", MATTERMOST_LTS)],
    ));
    let f = one(&report, checks::RESTORE_REPLAYS_NO_DUMP, "postgres");
    assert_eq!(
        f.summary,
        "postgres restore replays no dump: service `postgres` dumps with pg_dump in \
         `backupbot.backup.pre-hook` but has no `backupbot.restore.post-hook`"
    );
    assert_eq!(
        f.kind,
        FindingKind::RestoreReplaysNoDump {
            dump_tool: "pg_dump".into()
        }
    );
    assert_eq!(f.evidence[0].source, "compose.yml:21");
    assert!(f.fix.contains("backupbot.restore.post-hook"), "{}", f.fix);
    // The replay of the recipe's own dump (its credentials, database and
    // file), and the dump's own file in the label version the recipe uses
    // (changed on purpose: it was a v2 `volumes.<v>.path` for a recipe
    // written with the v1 `backupbot.backup.path`).
    assert!(
        f.fix.contains(
            "`backupbot.restore.post-hook: sh -c 'PGPASSWORD=$$(cat /run/secrets/db_password) \
             psql -U mattermost -d mattermost < /var/lib/postgresql/data/postgres-backup.sql'`"
        ),
        "{}",
        f.fix
    );
    assert!(
        f.fix
            .contains("`backupbot.backup.path: /var/lib/postgresql/data/postgres-backup.sql`"),
        "{}",
        f.fix
    );
    assert!(f.fix.contains("`pg_dump --clean --if-exists`"), "{}", f.fix);
    let live = one(&report, checks::LIVE_DATADIR, "postgres");
    assert_eq!(
        live.kind,
        FindingKind::LiveDataDir {
            path: "/var/lib/postgresql/data".into()
        }
    );
    assert_eq!(live.evidence[0].source, "compose.yml:22");
    assert_eq!(live.evidence[1].source, "compose.yml:17");
    // The pre-hook already dumps: keep only its file, and replay it.
    assert!(
        live.fix
            .contains("`backupbot.backup.path: /var/lib/postgresql/data/postgres-backup.sql`"),
        "{}",
        live.fix
    );
    assert!(
        live.fix
            .contains("replay it in a `backupbot.restore.post-hook`"),
        "{}",
        live.fix
    );
    renders(&report);
}

#[test]
fn immich_postgres_round_trips() {
    let report = run(&inline("immich", &[("compose.yml", IMMICH)]));
    assert!(
        of(&report, checks::RESTORE_REPLAYS_NO_DUMP).is_empty(),
        "{:#?}",
        report.findings
    );
    assert!(
        of(&report, checks::LIVE_DATADIR).is_empty(),
        "{:#?}",
        report.findings
    );
    assert!(of(&report, checks::BARE_NAME_ROUTING).is_empty());
}

#[test]
fn the_label_diff_shows_what_mattermost_lts_lacks() {
    let ours = run(&inline(
        "mattermost-lts",
        &[("compose.yml", MATTERMOST_LTS)],
    ));
    let reference = run(&inline("immich", &[("compose.yml", IMMICH)]));
    let a = ours.services.iter().find(|s| s.name == "postgres").unwrap();
    let b = reference
        .services
        .iter()
        .find(|s| s.name == "database")
        .unwrap();
    let diff = ccci_triage::report::check::label_diff(a, b);
    assert!(
        diff.starts_with("--- postgres (compose.yml)\n+++ database (compose.yml)\n"),
        "{diff}"
    );
    assert!(
        diff.contains("\n-backupbot.backup.path: /var/lib/postgresql/data/\n"),
        "{diff}"
    );
    assert!(
        diff.contains("\n+backupbot.restore.post-hook: /pg_backup.sh restore\n"),
        "{diff}"
    );
    assert!(
        diff.contains("\n+backupbot.backup.volumes.postgres.path: backup.sql\n"),
        "{diff}"
    );
    // Only backupbot labels take part.
    assert!(!diff.contains("traefik"), "{diff}");
    assert_eq!(
        ccci_triage::report::check::label_diff(b, b)
            .lines()
            .filter(|l| l.starts_with(['+', '-']))
            .count(),
        0
    );
}

#[test]
fn a_mariadb_mysqldump_without_replay_is_found_and_with_replay_is_not() {
    let broken = r#"services:
  db:
    image: mariadb:11.4
    volumes:
      - mariadb:/var/lib/mysql
    deploy:
      labels:
        - "backupbot.backup=true"
        - "backupbot.backup.pre-hook=sh -c 'mysqldump -u root -p\"$$(cat /run/secrets/db_root_password)\" --all-databases > /var/lib/mysql/backup.sql'"
        - "backupbot.backup.path=/var/lib/mysql/"
volumes:
  mariadb:
"#;
    let report = run(&inline("bookstack", &[("compose.yml", broken)]));
    let f = one(&report, checks::RESTORE_REPLAYS_NO_DUMP, "db");
    assert!(
        f.summary.starts_with(
            "mysql restore replays no dump: service `db` dumps with mysqldump in `backupbot.backup.pre-hook`"
        ),
        "{}",
        f.summary
    );
    assert_eq!(f.evidence[0].source, "compose.yml:9");
    // Its own client and credentials, never a postgres script (changed on
    // purpose: the path is in the recipe's own v1 label).
    assert!(
        f.fix.contains(
            "`backupbot.restore.post-hook: sh -c 'mysql -u root \
             -p\"$$(cat /run/secrets/db_root_password)\" < /var/lib/mysql/backup.sql'`"
        ),
        "{}",
        f.fix
    );
    assert!(
        f.fix
            .contains("`backupbot.backup.path: /var/lib/mysql/backup.sql`"),
        "{}",
        f.fix
    );
    assert!(
        !f.fix.contains("pg_backup") && !f.fix.contains("postgres"),
        "{}",
        f.fix
    );
    let live = one(&report, checks::LIVE_DATADIR, "db");
    assert_eq!(
        live.kind,
        FindingKind::LiveDataDir {
            path: "/var/lib/mysql".into()
        }
    );

    let fixed = broken
        .replace(
            "        - \"backupbot.backup.path=/var/lib/mysql/\"\n",
            "        - \"backupbot.backup.volumes.mariadb.path=backup.sql\"\n        - \"backupbot.restore.post-hook=sh -c 'mysql -u root -p\\\"$$(cat /run/secrets/db_root_password)\\\" < /var/lib/mysql/backup.sql'\"\n",
        );
    assert_ne!(fixed, broken);
    let report = run(&inline("bookstack", &[("compose.yml", &fixed)]));
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
}

#[test]
fn a_restore_hook_that_replays_nothing_is_named() {
    let text = MATTERMOST_LTS.replace(
        "        backupbot.backup.path: \"/var/lib/postgresql/data/\"\n",
        "        backupbot.restore.post-hook: \"echo restored\"\n",
    );
    let report = run(&inline("mattermost-lts", &[("compose.yml", &text)]));
    let f = one(&report, checks::RESTORE_REPLAYS_NO_DUMP, "postgres");
    assert!(
        f.summary
            .ends_with("but its `backupbot.restore.post-hook` (`echo restored`) replays no dump"),
        "{}",
        f.summary
    );
    // With no `.path` limit, v2 copies the postgres volume whole.
    let live = one(&report, checks::LIVE_DATADIR, "postgres");
    assert!(
        live.summary
            .contains("no `backupbot.backup.volumes.postgres.path` limits it")
    );
}

#[test]
fn a_volume_excluded_from_backup_is_not_a_live_copy() {
    let text = MATTERMOST_LTS
        .replace("        backupbot.backup.pre-hook", "        backupbot.backup.volumes.postgres: \"false\"\n        backupbot.backup.pre-hook")
        .replace("        backupbot.backup.path: \"/var/lib/postgresql/data/\"\n", "");
    assert!(text.contains("volumes.postgres: \"false\""));
    let report = run(&inline("mattermost-lts", &[("compose.yml", &text)]));
    assert!(
        of(&report, checks::LIVE_DATADIR).is_empty(),
        "{:#?}",
        report.findings
    );
    // The dump is still never replayed.
    assert_eq!(of(&report, checks::RESTORE_REPLAYS_NO_DUMP).len(), 1);
}

#[test]
fn backups_switched_off_are_not_judged() {
    let text = MATTERMOST_LTS
        .replace(
            "backupbot.backup: \"true\"",
            "backupbot.backup: \"${ENABLE_BACKUPS:-false}\"",
        )
        .replace("        - \"backupbot.backup=true\"\n", "");
    let report = run(&inline("mattermost-lts", &[("compose.yml", &text)]));
    assert!(of(&report, checks::RESTORE_REPLAYS_NO_DUMP).is_empty());
    assert!(of(&report, checks::LIVE_DATADIR).is_empty());
}

// --------------------------------------------------------------- routing

const BLUESKY_COMPOSE: &str = r#"version: "3.8"
services:
  app:
    image: ghcr.io/bluesky-social/pds:0.4
    networks:
      - internal
    volumes:
      - pds:/pds
  caddy:
    image: caddy:2-alpine
    networks:
      - proxy
      - internal
    configs:
      - source: caddyfile
        target: /etc/caddy/Caddyfile
    deploy:
      labels:
        - "traefik.enable=true"
networks:
  proxy:
    external: true
  internal:
volumes:
  pds:
configs:
  caddyfile:
    name: ${STACK_NAME}_caddyfile_${CADDYFILE_VERSION}
    file: Caddyfile.tmpl
    template_driver: golang
"#;

const BLUESKY_CADDYFILE: &str = r#"{
	email {{ env "PDS_ADMIN_EMAIL" }}
	on_demand_tls {
		ask http://app:3000/tls-check
	}
}

# reverse_proxy app:3000 is the whole site
*.{{ env "DOMAIN" }}, {{ env "DOMAIN" }} {
	tls {
		on_demand
	}
	reverse_proxy app:3000
}
"#;

#[test]
fn bluesky_pds_caddy_asks_the_shared_proxy_for_app() {
    let files = inline(
        "bluesky-pds",
        &[
            ("compose.yml", BLUESKY_COMPOSE),
            ("Caddyfile.tmpl", BLUESKY_CADDYFILE),
        ],
    );
    let report = run(&files);
    let f = one(&report, checks::BARE_NAME_ROUTING, "caddy");
    assert_eq!(
        f.kind,
        FindingKind::BareNameRouting {
            from: "caddy".into(),
            target: "app".into(),
            name: "app".into(),
            port: Some(3000),
            network: "internal".into(),
            cold_ok: true,
            warm_ok: false,
        }
    );
    // Both references, the comment line skipped.
    let sources: Vec<&str> = f.evidence.iter().map(|e| e.source.as_str()).collect();
    assert_eq!(sources[..2], ["Caddyfile.tmpl:4", "Caddyfile.tmpl:13"]);
    assert_eq!(f.evidence[0].text, "ask http://app:3000/tls-check");
    assert!(
        f.summary.starts_with(
            "caddy reaches `app:3000` by its bare name; `app` is only on the `internal` network. \
             Docker's DNS answers from `blue-e1cb78_ci_commoninternet_net_internal` before `proxy` \
             for the cold stack (works), but from `proxy` before \
             `warm-bluesky-pds_ci_commoninternet_net_internal` for the warm stack (gets other \
             stacks' `app`)."
        ),
        "{}",
        f.summary
    );
    assert!(f.summary.contains("near certain"), "{}", f.summary);
    assert!(f.fix.contains("{{ env \"STACK_NAME\" }}_app"), "{}", f.fix);
    assert!(
        f.fix.ends_with("and use that in Caddyfile.tmpl."),
        "{}",
        f.fix
    );
    renders(&report);
}

#[test]
fn a_stack_scoped_name_is_not_a_bare_name() {
    let caddyfile = BLUESKY_CADDYFILE.replace("app:3000", "{{ env \"STACK_NAME\" }}_app:3000");
    let files = inline(
        "bluesky-pds",
        &[
            ("compose.yml", BLUESKY_COMPOSE),
            ("Caddyfile.tmpl", &caddyfile),
        ],
    );
    let report = run(&files);
    assert!(
        of(&report, checks::BARE_NAME_ROUTING).is_empty(),
        "{:#?}",
        report.findings
    );
}

#[test]
fn an_internal_true_network_loses_to_proxy_for_every_stack_name() {
    let compose = BLUESKY_COMPOSE.replace(
        "  internal:\nvolumes:",
        "  internal:\n    internal: true\nvolumes:",
    );
    assert_ne!(compose, BLUESKY_COMPOSE);
    let files = inline(
        "bluesky-pds",
        &[
            ("compose.yml", &compose),
            ("Caddyfile.tmpl", BLUESKY_CADDYFILE),
        ],
    );
    let report = run(&files);
    let f = one(&report, checks::BARE_NAME_ROUTING, "caddy");
    let FindingKind::BareNameRouting {
        cold_ok, warm_ok, ..
    } = f.kind
    else {
        panic!("{:?}", f.kind)
    };
    assert!(!cold_ok && !warm_ok);
    assert!(f.summary.contains("`internal: true`"), "{}", f.summary);
}

#[test]
fn environment_command_and_healthcheck_references_are_found() {
    let compose = r#"services:
  web:
    image: nginx
    networks: [proxy, default]
    environment:
      UPSTREAM: "http://api:8080/v1"
    command: ["wait-for", "cache:6379", "--", "nginx"]
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost/"]
  api:
    image: x
  cache:
    image: redis
networks:
  proxy:
    external: true
"#;
    let report = run(&inline("aaab", &[("compose.yml", compose)]));
    let found: BTreeMap<&str, (Option<u16>, bool, bool, &str)> =
        of(&report, checks::BARE_NAME_ROUTING)
            .iter()
            .map(|f| match &f.kind {
                FindingKind::BareNameRouting {
                    name,
                    port,
                    cold_ok,
                    warm_ok,
                    ..
                } => (
                    name.as_str(),
                    (*port, *cold_ok, *warm_ok, f.evidence[0].source.as_str()),
                ),
                other => panic!("{other:?}"),
            })
            .collect();
    // `aaab-…_default` sorts before `proxy`: the cold stack is fine.
    assert_eq!(found["api"], (Some(8080), true, false, "compose.yml:6"));
    assert_eq!(found["cache"], (Some(6379), true, false, "compose.yml:7"));
    assert_eq!(found.len(), 2);
}

#[test]
fn the_app_collision_is_listed_before_lower_risk_names() {
    let compose = r#"services:
  db:
    image: postgres
    networks: [internal]
  web:
    image: nginx
    networks: [proxy, internal]
    environment:
      - DATABASE_URL=postgres://u:p@db:5432/x
      - BACKEND=http://app:3000
  app:
    image: x
    networks: [internal]
networks:
  proxy:
    external: true
  internal:
"#;
    let report = run(&inline("zammad", &[("compose.yml", compose)]));
    let names: Vec<&str> = of(&report, checks::BARE_NAME_ROUTING)
        .iter()
        .map(|f| match &f.kind {
            FindingKind::BareNameRouting { name, .. } => name.as_str(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(names, ["app", "db"]);
    // `zamm-…` sorts after `proxy`: even the cold stack breaks.
    let first = &of(&report, checks::BARE_NAME_ROUTING)[0];
    assert!(
        first.summary.contains(
            "from `proxy` before `zamm-e1cb78_ci_commoninternet_net_internal` for the cold stack"
        ),
        "{}",
        first.summary
    );
}

// ------------------------------------------------------- compose vs swarm

const DISCOURSE: &str = r#"version: "3.8"
services:
  app:
    image: bitnamilegacy/discourse:3.5.0
    networks: [proxy, internal]
    depends_on:
      - db
      - redis
  sidekiq:
    image: bitnamilegacy/discourse:3.5.0
    depends_on:
      - discourse
    command: /opt/bitnami/scripts/discourse-sidekiq/run.sh
    networks: [internal]
  db:
    image: bitnamilegacy/postgresql:13
    networks: [internal]
  redis:
    image: bitnamilegacy/redis:7.0
    networks: [internal]
networks:
  proxy:
    external: true
  internal:
"#;

#[test]
fn discourse_sidekiq_depends_on_an_undefined_service() {
    let report = run(&inline("discourse", &[("compose.yml", DISCOURSE)]));
    let f = one(&report, checks::UNDEFINED_DEPENDENCY, "sidekiq");
    assert_eq!(
        f.kind,
        FindingKind::UndefinedDependency {
            dependency: "discourse".into()
        }
    );
    assert!(
        f.summary.starts_with(
            "service `sidekiq` depends on undefined service `discourse` (services: app, sidekiq, db, redis): \
             `docker compose config` fails with exit 15, but `docker stack deploy` ignores \
             `depends_on`, so the deploy still converges"
        ),
        "{}",
        f.summary
    );
    assert!(
        f.summary
            .contains("service `app` runs the `discourse` image"),
        "{}",
        f.summary
    );
    assert!(f.evidence.iter().any(|e| e.source == "compose.yml:12"));
    assert_eq!(of(&report, checks::UNDEFINED_DEPENDENCY).len(), 1);
    // depends_on itself is a swarm-ignored key on both services.
    assert_eq!(of(&report, checks::SWARM_IGNORED_KEY).len(), 2);
}

#[test]
fn keys_swarm_refuses_are_rejected_findings() {
    let compose = r#"name: x
services:
  app:
    image: x
    mem_limit: 512m
    pull_policy: always
    container_name: app
    x-custom: 1
"#;
    let report = run(&inline("x", &[("compose.yml", compose)]));
    let rejected: Vec<(&str, &str)> = of(&report, checks::SWARM_REJECTED_KEY)
        .iter()
        .map(|f| match &f.kind {
            FindingKind::SwarmRejectedKey { key } => (f.service.as_str(), key.as_str()),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        rejected,
        [
            ("app", "mem_limit"),
            ("app", "pull_policy"),
            ("(top level)", "name")
        ]
    );
    let ignored = one(&report, checks::SWARM_IGNORED_KEY, "app");
    assert_eq!(
        ignored.kind,
        FindingKind::SwarmIgnoredKey {
            key: "container_name".into()
        }
    );
    assert_eq!(ignored.evidence[0].text, "container_name: app");
}

// -------------------------------------------------------- DNS ordering

#[test]
fn own_network_wins_truth_table() {
    // Observed on a real swarm (verdicts.md): `aaab` got its own app,
    // `stackb` and `zzzb` got another stack's `app` on `proxy`.
    for (stack, wins) in [("aaab", true), ("stackb", false), ("zzzb", false)] {
        assert_eq!(
            own_network_wins(stack, "internal", "proxy"),
            wins,
            "{stack}"
        );
    }
    let cold = cold_stack_name("bluesky-pds");
    let warm = warm_stack_name("bluesky-pds");
    assert_eq!(cold, "blue-e1cb78_ci_commoninternet_net");
    assert_eq!(warm, "warm-bluesky-pds_ci_commoninternet_net");
    assert!(own_network_wins(&cold, "internal", "proxy"));
    assert!(!own_network_wins(&warm, "internal", "proxy"));
    assert!(own_network_wins(&cold, "default", "proxy"));
    // Recipes starting after `p` lose even cold.
    assert!(!own_network_wins(
        &cold_stack_name("rallly"),
        "internal",
        "proxy"
    ));
}

// --------------------------------------------------------- bad input

#[test]
fn duplicate_keys_and_bad_yaml_are_warnings_naming_the_file() {
    let dup = "services:\n  app:\n    image: a\n  app:\n    image: b\n";
    let report = run(&inline("dup", &[("compose.yml", dup)]));
    assert!(report.services.is_empty());
    assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
    assert!(
        report.warnings[0].starts_with("compose.yml: not valid YAML"),
        "{:?}",
        report.warnings
    );
    assert!(
        report.warnings[0].to_lowercase().contains("duplicate"),
        "{:?}",
        report.warnings
    );

    // A broken overlay is skipped; the base file is still checked.
    let report = run(&inline(
        "discourse",
        &[
            (".env.sample", "COMPOSE_FILE=compose.yml:compose.smtp.yml\n"),
            ("compose.yml", DISCOURSE),
            ("compose.smtp.yml", "services:\n  app: [unclosed\n"),
        ],
    ));
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.starts_with("compose.smtp.yml: not valid YAML"))
    );
    assert_eq!(report.services.len(), 4);
    assert_eq!(of(&report, checks::UNDEFINED_DEPENDENCY).len(), 1);

    // Not a mapping, empty, missing: warnings, no panic.
    for text in ["- a\n- b\n", "", "\u{0}\u{1}"] {
        let report = run(&inline("odd", &[("compose.yml", text)]));
        assert!(report.services.is_empty());
        assert!(!report.warnings.is_empty(), "{text:?}");
        renders(&report);
    }
    let report = run(&inline("none", &[]));
    assert!(
        report.warnings[0].starts_with("compose.yml: named by COMPOSE_FILE"),
        "{:?}",
        report.warnings
    );
}

#[test]
fn from_dir_reads_recipe_files_only() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("bluesky-pds");
    std::fs::create_dir_all(root.join(".git")).unwrap();
    std::fs::create_dir_all(root.join("conf")).unwrap();
    std::fs::write(root.join("compose.yml"), BLUESKY_COMPOSE).unwrap();
    std::fs::write(root.join("Caddyfile.tmpl"), BLUESKY_CADDYFILE).unwrap();
    std::fs::write(root.join(".env.sample"), "TYPE=bluesky-pds\n").unwrap();
    std::fs::write(root.join("conf/uploads.ini"), "upload_max_filesize = 10M\n").unwrap();
    std::fs::write(root.join(".git/config.json"), "{}").unwrap();
    std::fs::write(root.join("README.md"), "# readme\n").unwrap();
    std::fs::write(root.join("binary.conf"), b"a\0b").unwrap();
    std::fs::write(root.join("big.conf"), vec![b'x'; 300 * 1024]).unwrap();
    let files = RecipeFiles::from_dir(&root).unwrap();
    let names: Vec<&str> = files.files.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            ".env.sample",
            "Caddyfile.tmpl",
            "compose.yml",
            "conf/uploads.ini"
        ]
    );
    assert_eq!(files.origin, root.display().to_string());
    let report = run(&files);
    assert_eq!(report.recipe, "bluesky-pds");
    assert_eq!(of(&report, checks::BARE_NAME_ROUTING).len(), 1);

    let missing = RecipeFiles::from_dir(&dir.path().join("nope")).unwrap_err();
    assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
}
