"""Test cases (pass and fail) with pytest-style failure bodies."""
from build import case
from ccci import GENERIC, DISCOURSE_OVERLAY, GITEA_OVERLAY, CRYPTPAD_OVERLAY, lineno
from recipes import RECIPES

SEP = "_ " * 40 + "_"

INSTALL = "tests/_generic/test_install.py"
UPGRADE = "tests/_generic/test_upgrade.py"
BACKUP = "tests/_generic/test_backup.py"
RESTORE = "tests/_generic/test_restore.py"


def install_pass(k=1.0):
    return [case(INSTALL, "test_stack_converges", 11.8 * k), case(INSTALL, "test_app_serves_https", 3.4 * k),
            case(INSTALL, "test_no_task_restarts", 0.9)]


def upgrade_pass(k=1.0):
    return [case(UPGRADE, "test_upgrade_converges", 6.2 * k), case(UPGRADE, "test_app_serves_after_upgrade", 4.1 * k)]


def backup_pass(k=1.0):
    return [case(BACKUP, "test_backup_creates_snapshot", 38.5 * k), case(BACKUP, "test_backup_hooks_exit_zero", 0.6)]


def restore_pass(k=1.0):
    return [case(RESTORE, "test_restore_returns_state", 71.3 * k), case(RESTORE, "test_app_serves_after_restore", 5.2 * k)]


# ------------------------------------------------------------------ discourse
def discourse_overlay(domain):
    p = "tests/discourse/test_upgrade.py"
    l1 = lineno(DISCOURSE_OVERLAY, 'assert image == f"discourse/discourse')
    l2 = lineno(DISCOURSE_OVERLAY, 'assert "sidekiq" not in names')
    stack = domain.replace(".", "_")
    hs = ("head_services = {'app': {'image': 'bitnamilegacy/discourse:3.5.0@sha256:9c1e5d0b4a7f...', "
          "'mounts': [{'source': '" + stack + "_discourse_data', 'target': '/bitnami/discourse'}], ...}, "
          "'db': {...}, 'redis': {...}, 'sidekiq': {...}}")
    m1 = ("AssertionError: assert 'bitnamilegacy/discourse:3.5.0' == 'discourse/discourse:3.5.3'\n"
          "  \n  - discourse/discourse:3.5.3\n  + bitnamilegacy/discourse:3.5.0")
    b1 = f"""{hs}

    def test_head_runs_official_image_not_bitnamilegacy(head_services):
        image = head_services["app"]["image"].split("@")[0]
>       assert image == f"discourse/discourse:{{OFFICIAL_VERSION}}"
E       AssertionError: assert 'bitnamilegacy/discourse:3.5.0' == 'discourse/discourse:3.5.3'
E         
E         - discourse/discourse:3.5.3
E         + bitnamilegacy/discourse:3.5.0

{p}:{l1}: AssertionError"""
    m2 = ("AssertionError: assert 'sidekiq' not in ['app', 'db', 'redis', 'sidekiq']\n"
          "  \n  'sidekiq' is contained here:\n    ['app', 'db', 'redis', 'sidekiq']")
    b2 = f"""{hs}

    def test_sidekiq_service_dropped_by_head(head_services):
        names = sorted(head_services)
>       assert "sidekiq" not in names
E       AssertionError: assert 'sidekiq' not in ['app', 'db', 'redis', 'sidekiq']
E         
E         'sidekiq' is contained here:
E           ['app', 'db', 'redis', 'sidekiq']

{p}:{l2}: AssertionError"""
    return [case(p, "test_head_runs_official_image_not_bitnamilegacy", 0.412, "fail", m1, b1),
            case(p, "test_sidekiq_service_dropped_by_head", 0.018, "fail", m2, b2),
            case(p, "test_head_keeps_uploads_volume", 0.011)]


# --------------------------------------------------------------------- gitea
def gitea_overlay(domain):
    p = "tests/gitea/test_upgrade.py"
    l1 = lineno(GITEA_OVERLAY, "assert image == EXPECTED_IMAGE")
    hs = ("head_services = {'app': {'configs': [{'source': '" + domain.replace(".", "_") +
          "_app_ini_v12', 'target': '/etc/gitea/app.ini'}], 'image': 'gitea/gitea:1.23.8@sha256:3be0a4c1...', ...}, "
          "'db': {...}}")
    m = ("AssertionError: assert 'gitea/gitea:1.23.8' == 'gitea/gitea:1.24.2'\n"
         "  \n  - gitea/gitea:1.24.2\n  ?              ^ ^\n  + gitea/gitea:1.23.8\n  ?              ^ ^")
    b = f"""{hs}

    def test_head_runs_gitea_1_24(head_services):
        image = head_services["app"]["image"].split("@")[0]
>       assert image == EXPECTED_IMAGE
E       AssertionError: assert 'gitea/gitea:1.23.8' == 'gitea/gitea:1.24.2'
E         
E         - gitea/gitea:1.24.2
E         ?              ^ ^
E         + gitea/gitea:1.23.8
E         ?              ^ ^

{p}:{l1}: AssertionError"""
    return [case(p, "test_head_runs_gitea_1_24", 0.377, "fail", m, b),
            case(p, "test_app_ini_config_mounted", 0.014)]


# ------------------------------------------------------------------- restore
def restore_fail_pg(domain, recipe, dbsvc):
    l = lineno(GENERIC[RESTORE], 'row = conn.execute("SELECT value FROM ci_marker')
    stack = domain.replace(".", "_")
    m = ('psycopg2.errors.UndefinedTable: relation "ci_marker" does not exist\n'
         'LINE 1: SELECT value FROM ci_marker WHERE id = 1\n'
         '                          ^')
    b = f"""app = <App {recipe} {domain}>
marker_db = <cc_ci.db.PgConn {stack}_{dbsvc} db={recipe.split('-')[0]}>

    def test_restore_returns_state(app, marker_db):
        snapshot = backup.create(app)
        marker_db.execute("DROP TABLE ci_marker")
        backup.restore(app, snapshot)
        conn = db.connect(app, fresh=True)
>       row = conn.execute("SELECT value FROM ci_marker WHERE id = 1").fetchone()

{RESTORE}:{l}: 
{SEP}
cc_ci/db.py:74: in execute
    self._cur.execute(sql, params)
{SEP}

self = <cursor object at 0x7f3a2c1e9d40; closed: 0>
query = 'SELECT value FROM ci_marker WHERE id = 1', vars = None

    def execute(self, query, vars=None):
>       return super().execute(query, vars)
E       psycopg2.errors.UndefinedTable: relation "ci_marker" does not exist
E       LINE 1: SELECT value FROM ci_marker WHERE id = 1
E                                 ^

/usr/lib/python3/dist-packages/psycopg2/extras.py:236: UndefinedTable"""
    return [case(RESTORE, "test_restore_returns_state", 64.902, "fail", m, b,
                 sysout=f"seeded ci_marker in {stack}_{dbsvc}\nbackup snapshot created\n"
                        "dropped ci_marker\nrestore finished rc=0\n"),
            case(RESTORE, "test_app_serves_after_restore", 4.8)]


def restore_fail_mariadb(domain, recipe, dbsvc):
    l = lineno(GENERIC[RESTORE], 'row = conn.execute("SELECT value FROM ci_marker')
    stack = domain.replace(".", "_")
    m = "pymysql.err.ProgrammingError: (1146, \"Table 'bookstack.ci_marker' doesn't exist\")"
    b = f"""app = <App {recipe} {domain}>
marker_db = <cc_ci.db.MyConn {stack}_{dbsvc} db={recipe}>

    def test_restore_returns_state(app, marker_db):
        snapshot = backup.create(app)
        marker_db.execute("DROP TABLE ci_marker")
        backup.restore(app, snapshot)
        conn = db.connect(app, fresh=True)
>       row = conn.execute("SELECT value FROM ci_marker WHERE id = 1").fetchone()

{RESTORE}:{l}: 
{SEP}
cc_ci/db.py:91: in execute
    self._cur.execute(sql, params)
/usr/lib/python3/dist-packages/pymysql/cursors.py:153: in execute
    result = self._query(query)
/usr/lib/python3/dist-packages/pymysql/connections.py:775: in _read_query_result
    result.read()
{SEP}

    def raise_mysql_exception(data):
        errno = struct.unpack("<h", data[1:3])[0]
        errval = data[9:].decode("utf-8", "replace")
        errorclass = error_map.get(errno)
        if errorclass is None:
            errorclass = InternalError if errno < 1000 else OperationalError
>       raise errorclass(errno, errval)
E       pymysql.err.ProgrammingError: (1146, "Table 'bookstack.ci_marker' doesn't exist")

/usr/lib/python3/dist-packages/pymysql/err.py:150: ProgrammingError"""
    return [case(RESTORE, "test_restore_returns_state", 58.114, "fail", m, b,
                 sysout=f"seeded ci_marker in {stack}_{dbsvc}\nbackup snapshot created\n"
                        "dropped ci_marker\nrestore finished rc=0\n"),
            case(RESTORE, "test_app_serves_after_restore", 6.1)]


# -------------------------------------------------------------------- mumble
MUMBLE_TEST = RECIPES["mumble"][0]("1.0.0+v1.6.870-0")["tests/test_protocol_handshake.py"]
MUMBLE_PATH = "tests/custom/test_protocol_handshake.py"


def mumble_custom(domain, fail):
    if not fail:
        return [case(MUMBLE_PATH, "test_handshake_completes_with_channel_presence", 7.42,
                     sysout=f"attempt 1/12: connected to {domain}:64738, ServerSync session=2 channels=['Root']\n"),
                case(MUMBLE_PATH, "test_server_reports_version", 0.31)]
    l = lineno(MUMBLE_TEST, "sync = retry_handshake(")
    m = "TimeoutError: handshake not completed within 60s (12 attempts)"
    b = f"""app_domain = '{domain}'

    @pytest.mark.timeout(120)
    def test_handshake_completes_with_channel_presence(app_domain):
        client = MumbleClient(app_domain, port=64738, username="ccci-probe")
>       sync = retry_handshake(client, attempts=12, interval=5.0)

{MUMBLE_PATH}:{l}: 
{SEP}

client = <MumbleClient ccci-probe@{domain}:64738>, attempts = 12
interval = 5.0

    def retry_handshake(client, attempts, interval):
        last = None
        for attempt in range(1, attempts + 1):
            try:
                return client.handshake(timeout=interval)
            except (ConnectionError, ssl.SSLError, socket.timeout) as exc:
                last = exc
                log.info("attempt %d/%d: %s", attempt, attempts, exc)
                time.sleep(interval)
>       raise TimeoutError(
            f"handshake not completed within {{attempts * interval:.0f}}s ({{attempts}} attempts)"
        ) from last
E       TimeoutError: handshake not completed within 60s (12 attempts)

cc_ci/mumble.py:88: TimeoutError"""
    out = []
    errs = ["ssl.SSLError: [SSL: UNEXPECTED_EOF_WHILE_READING] EOF occurred in violation of protocol (_ssl.c:1000)",
            "ConnectionResetError: [Errno 104] Connection reset by peer", "TimeoutError: timed out"]
    for i in range(1, 13):
        out.append(f"attempt {i}/12: {errs[0] if i < 4 else errs[1] if i < 9 else errs[2]}")
    return [case(MUMBLE_PATH, "test_handshake_completes_with_channel_presence", 63.905, "fail", m, b,
                 sysout="\n".join(out) + "\n"),
            case(MUMBLE_PATH, "test_server_reports_version", 0.44)]


# ----------------------------------------------------------------- nextcloud
NEXTCLOUD_TEST = RECIPES["nextcloud"][0]("7.1.0+31.0.6")["tests/test_occ.py"]
NEXTCLOUD_PATH = "tests/custom/test_occ.py"


def nextcloud_custom(domain, teardown_error):
    l = lineno(NEXTCLOUD_TEST, "raise TimeoutError")
    stack = domain.replace(".", "_")
    m = "TimeoutError: occ status not ready after 300s"
    b = f"""stack = <Stack {stack}>

    def test_occ_status_installed(stack):
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            out = stack.exec("app", ["php", "occ", "status", "--output=json"], user="www-data")
            if out.rc == 0 and json.loads(out.stdout).get("installed"):
                return
            time.sleep(10)
>       raise TimeoutError("occ status not ready after 300s")
E       TimeoutError: occ status not ready after 300s

{NEXTCLOUD_PATH}:{l}: TimeoutError"""
    so = "\n".join(f'occ status rc=0 {{"installed":false,"maintenance":false,"needsDbUpgrade":false,"version":"31.0.6.2"}}'
                   for _ in range(3)) + "\n... (27 more identical lines)\n"
    out = [case(NEXTCLOUD_PATH, "test_occ_status_installed", 301.27, "fail", m, b, sysout=so)]
    if teardown_error:
        em = ("failed on teardown with \"subprocess.CalledProcessError: Command '['docker', 'exec', '-u', "
              f"'www-data', '{stack}_app.1.k3v9q0sd2m1c', 'php', 'occ', 'maintenance:mode', '--off']' "
              "returned non-zero exit status 1.\"")
        conf = RECIPES["nextcloud"][0]("7.1.0+31.0.6")["tests/conftest.py"]
        cl = lineno(conf, 'maintenance:mode", "--off"')
        eb = f"""    @pytest.fixture
    def stack(app):
        \"\"\"The deployed stack; leaves the instance out of maintenance mode.\"\"\"
        # occ status polls can leave maintenance mode on when the test is cut off
        yield app.stack
>       app.stack.exec("app", ["php", "occ", "maintenance:mode", "--off"], user="www-data", check=True)

tests/custom/conftest.py:{cl}: 
{SEP}
cc_ci/swarm.py:203: in exec
    return subprocess.run(cmd, capture_output=True, text=True, check=check)
{SEP}

>           raise CalledProcessError(retcode, process.args,
                                     output=stdout, stderr=stderr)
E           subprocess.CalledProcessError: Command '['docker', 'exec', '-u', 'www-data', '{stack}_app.1.k3v9q0sd2m1c', 'php', 'occ', 'maintenance:mode', '--off']' returned non-zero exit status 1.

/usr/lib/python3.11/subprocess.py:571: CalledProcessError"""
        out.append(case(NEXTCLOUD_PATH, "test_occ_status_installed", 1.02, "error", em, eb,
                        syserr="Nextcloud is not installed - only a limited number of commands are available\n"))
    return out


# ------------------------------------------------------------------ cryptpad
def cryptpad_custom():
    p = "tests/cryptpad/test_config.py"
    return [case(p, "test_timeout_is_configurable", 1.21, sysout="httpTimeout=30000 (default 30000); 0 errors\n"),
            case(p, "test_error_page_renders", 0.33),
            case(p, "test_sandbox_domain_served", 0.29)]


# ------------------------------------------------------------------ hedgedoc
def hedgedoc_backup_timeout(domain):
    l = lineno(GENERIC[BACKUP], "snapshot = backup.create(app, timeout=300)")
    m = (f"subprocess.TimeoutExpired: Command '['abra', 'app', 'backup', 'create', '{domain}', "
         "'--no-input']' timed out after 300 seconds")
    b = f"""app = <App hedgedoc {domain}>

    def test_backup_creates_snapshot(app):
>       snapshot = backup.create(app, timeout=300)

{BACKUP}:{l}: 
{SEP}
cc_ci/backup.py:41: in create
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True)
{SEP}

            except TimeoutExpired as exc:
                process.kill()
                if _mswindows:
                    exc.stdout, exc.stderr = process.communicate()
                else:
                    # POSIX _communicate already populated the output so
                    # far into the TimeoutExpired exception.
                    process.wait()
>               raise
E               subprocess.TimeoutExpired: Command '['abra', 'app', 'backup', 'create', '{domain}', '--no-input']' timed out after 300 seconds

/usr/lib/python3.11/subprocess.py:550: TimeoutExpired"""
    return [case(BACKUP, "test_backup_creates_snapshot", 300.412, "fail", m, b),
            case(BACKUP, "test_backup_hooks_exit_zero", 0.52)]


def setup_error(path, name, domain, recipe, rc=1):
    m = f'failed on setup with "cc_ci.deploy.DeployError: abra app deploy {domain} failed (rc={rc})"'
    b = f"""    @pytest.fixture(scope="session")
    def app():
>       return App.from_env(os.environ["CCCI_APP_DOMAIN"], recipe=os.environ["RECIPE"])

tests/_generic/conftest.py:11: 
{SEP}
cc_ci/app.py:58: in from_env
    deploy.ensure_deployed(domain, recipe)
{SEP}

domain = '{domain}', recipe = '{recipe}'

    def ensure_deployed(domain, recipe):
        res = abra("app", "deploy", domain, "--no-input")
        if res.rc != 0:
>           raise DeployError(f"abra app deploy {{domain}} failed (rc={{res.rc}})")
E           cc_ci.deploy.DeployError: abra app deploy {domain} failed (rc={rc})

cc_ci/deploy.py:112: DeployError"""
    return case(path, name, 0.004, "error", m, b)
