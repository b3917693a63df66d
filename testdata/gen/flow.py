"""The standard cc-ci run, tier by tier, with knobs for each scenario."""
from build import Run, rfc
from cases import install_pass, upgrade_pass, backup_pass, restore_pass
from ccci import META

PG = lambda u: (f"sh -c 'pg_dump -U {u} {u} > /var/lib/postgresql/data/backup.sql'", None,
                f"sh -c 'psql -U {u} {u} < /var/lib/postgresql/data/backup.sql'")
MY = lambda u, root=False: (
    f"sh -c 'mariadb-dump -u {'root' if root else u} -p$(cat /run/secrets/db_{'root_' if root else ''}password) {u} > /var/lib/mysql/dump.sql'",
    None,
    f"sh -c 'mariadb -u {'root' if root else u} -p$(cat /run/secrets/db_{'root_' if root else ''}password) {u} < /var/lib/mysql/dump.sql'")

HOOKS = {
    "discourse": [("db",) + PG("discourse")],
    "mattermost-lts": [("postgres", "pg_dump -U mattermost mattermost > /var/lib/postgresql/data/postgres-backup.sql",
                        "rm -f /var/lib/postgresql/data/postgres-backup.sql", None)],
    "immich": [("database", "/pg_backup.sh backup", None, "/pg_backup.sh restore")],
    "bookstack": [("db", "sh -c 'mysqldump -u root -p$(cat /run/secrets/db_root_password) bookstack > /var/lib/mysql/backup.sql'", None, None)],
    "gitea": [("db",) + MY("gitea", root=True)],
    "nextcloud": [("db",) + PG("nextcloud")],
    "mumble": [], "bluesky-pds": [], "cryptpad": [], "custom-html-tiny": [],
    "hedgedoc": [("db",) + PG("hedgedoc")], "peertube": [("db",) + PG("peertube")],
    "keycloak": [("db",) + PG("keycloak")], "plausible": [("db",) + PG("plausible")],
    "authentik": [("db",) + PG("authentik")], "matrix-synapse": [("db",) + PG("matrix_synapse")],
    "n8n": [("db",) + PG("n8n")], "wordpress": [("db",) + MY("wordpress")], "ghost": [("db",) + MY("ghost")],
}
SERVICES = {"discourse": 4, "mattermost-lts": 2, "immich": 4, "mumble": 2, "bluesky-pds": 2, "bookstack": 2,
            "gitea": 2, "nextcloud": 3, "cryptpad": 1, "custom-html-tiny": 1}
VOLUMES = {"discourse": 3, "mattermost-lts": 4, "immich": 3, "mumble": 1, "bluesky-pds": 2, "bookstack": 2,
           "gitea": 2, "nextcloud": 2, "cryptpad": 1, "custom-html-tiny": 1}


def nserv(r):
    return SERVICES.get(r, 2)


def health(R, status=200, secs=4, path=None):
    p = path if path is not None else META[R.recipe]["health"]
    return (secs, "INFO" if status == 200 else "WARN", "health", f"https://{R.domain}{p} status={status}")


def opening(R, prepull=None, lint_msg=None, images=None):
    n = nserv(R.recipe)
    R.ev(0, "INFO", "run", f"start recipe={R.recipe} version={R.tag} run_id={R.id} ref={R.ref[:12]}")
    R.ev(2, "INFO", "run", f"checkout recipe={R.recipe} tag={R.tag} path=abra/recipes/{R.recipe} head={R.ref[:8]}")
    R.ev(3, "INFO", "lint", lint_msg or f"abra recipe lint {R.recipe}: error rules satisfied, see lint.txt")
    if prepull:
        for e in prepull:
            R.ev(*e)
    else:
        R.ev(2, "INFO", "prepull", f"docker compose config --images rc=0 images={images or n}")
        R.ev(37, "INFO", "prepull", f"pulled {images or n} images")


def install(R, status="pass", suites=None, deploy_secs=95, pre=None, post=()):
    n = nserv(R.recipe)
    ver = f" {R.prev}" if R.prev else ""
    pre = pre if pre is not None else [
        (2, "INFO", "deploy", f"abra app new {R.recipe} --domain {R.domain} --secrets --no-input"),
        (9, "INFO", "deploy", f"abra app deploy {R.domain}{ver} --no-input"),
        (deploy_secs, "INFO", "deploy", f"converged: {R.stack} services={n}/{n}"),
        health(R)]
    R.run_tier("install", status, suites or [("install__generic__test_install.xml", install_pass())], pre, post)


def upgrade(R, status="pass", suites=None, secs=70, pre_extra=(), post=()):
    r8 = R.ref[:8]
    pre = [(2, "INFO", "deploy", f"abra app deploy {R.domain} --chaos --force --no-input"),
           (secs, "INFO", "deploy",
            f"upgrade-converged: {R.stack} UpdateStatus=completed chaos-version={r8}+U version={R.prev}→{R.tag}"),
           health(R)] + list(pre_extra)
    R.run_tier("upgrade", status, suites or [("upgrade__generic__test_upgrade.xml", upgrade_pass())], pre, post,
               start_msg=f"upgrade start from={R.prev} to={r8}")


def backup(R, status="pass", suites=None, snap="5f2c9e1a", size="48.3MiB"):
    pre = []
    for svc, pre_h, post_h, _ in HOOKS[R.recipe]:
        pre.append((3, "INFO", "backupbot", f'backup pre-hook service={svc} cmd="{pre_h}"'))
    if snap == "-":
        pre.append((41, "ERROR", "backupbot", "restic backup failed rc=1", ["Fatal: unable to save snapshot: sauvegarde échouée"]))
        R.run_tier("backup", status, suites, pre)
        return
    pre.append((14, "INFO", "backupbot", f"snapshot saved id={snap} size={size}"))
    for svc, pre_h, post_h, _ in HOOKS[R.recipe]:
        if post_h:
            pre.append((1, "INFO", "backupbot", f'backup post-hook service={svc} cmd="{post_h}"'))
    R.run_tier("backup", status, suites or [("backup__generic__test_backup.xml", backup_pass())], pre)


def restore(R, status="pass", suites=None, snap="5f2c9e1a"):
    pre = [(6, "INFO", "backupbot", f"Restoring Snapshot {snap} at /")]
    for svc, _, _, rpost in HOOKS[R.recipe]:
        if rpost:
            pre.append((9, "INFO", "backupbot", f'restore post-hook service={svc} cmd="{rpost}"'))
    pre.append((25, "INFO", "deploy", f"converged: {R.stack} services={nserv(R.recipe)}/{nserv(R.recipe)}"))
    R.run_tier("restore", status, suites or [("restore__generic__test_restore.xml", restore_pass())], pre)


def custom(R, status, suites, pre=()):
    R.run_tier("custom", status, suites, pre)


END_TARGETS = {}


def closing(R, rc, teardown=True):
    if teardown:
        R.ev(12, "INFO", "teardown", f"removed stack={R.stack} volumes={VOLUMES.get(R.recipe, 2)}")
    R.ev(1, "INFO", "run", R.result_line())
    R.ev(0, "INFO", "run", f"end rc={rc}")
    if R.id in END_TARGETS:
        warp(R, END_TARGETS[R.id])


def warp(R, end):
    """Stretch the run's clock so its last event lands on `end` (keeps order)."""
    import datetime as _dt
    import re
    from build import T as _T
    target = _T(end)
    assert target >= R.t, (R.id, R.t, target)
    k = (target - R.start) / (R.t - R.start)

    def f(t):
        return R.start + (t - R.start) * k

    def con(m):
        t = _dt.datetime.strptime(m.group(0), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=_dt.timezone.utc)
        return (f(t) + _dt.timedelta(microseconds=500000)).strftime("%Y-%m-%dT%H:%M:%SZ")
    R.con = [re.sub(r"^2026-\d\d-\d\dT\d\d:\d\d:\d\dZ", con, l) for l in R.con]

    def ju(m):
        t = _dt.datetime.fromisoformat(m.group(1))
        return 'timestamp="' + f(t).isoformat() + '"'
    for k2 in R.junit:
        R.junit[k2] = re.sub(r'timestamp="([^"]+)"', ju, R.junit[k2])
    R.t = target


def rungs_of(results, lint="pass"):
    def worst(*xs):
        xs = [x for x in xs if x]
        if not xs:
            return "unver"
        for s in ("fail", "error", "unver"):
            if s in xs:
                return "fail" if s == "error" else s
        if all(x == "skip" for x in xs):
            return "skip"
        return "pass"
    g = results.get
    r = {"install": worst(g("install")), "upgrade": worst(g("upgrade")),
         "backup_restore": worst(g("backup"), g("restore")) if (g("backup") or g("restore")) else "unver",
         "functional": worst(g("custom")), "lint": lint}
    return r


def level_of(rungs):
    lvl = 0
    for k in ("install", "upgrade", "backup_restore", "functional", "lint"):
        if rungs[k] in ("pass", "skip"):
            lvl += 1
        else:
            break
    return lvl


def unintentional(rungs):
    return [k for k, v in rungs.items() if v == "unver"]
