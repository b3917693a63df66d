"""Generate testdata/general/: each capability of the verdict, shown on cases of its own.

Usage: python3 testdata/gen/general.py [TESTDATA_DIR]   (after gen.py: it reads recipes/)

The journal's four cases (discourse, mattermost-lts, mumble, bluesky-pds)
are testdata/runs and testdata/real. These are other recipes and other
wording, one or more per capability of the verdict stage, each with the
verdict it must get and the facts its cause must name (README.md, asserted
by tests/generalise.rs):

  a. routing beyond the promote: 502/504 and nginx's refused upstream in an
     install or custom tier, the static finding with the stack-name order as
     the reason whatever the symptom, and a stack whose own network sorts
     first (not routing);
  b. a harness signature under `assert rc == 0` (in the body, in
     system-out, in the console around the failure), a pull rate limit after
     a failed promote, and a harness-looking line far from a value assertion
     (not harness);
  c. runs that died (rc=1, rc=2, no end) with no results.json, and died
     isolation reruns that reproduce nothing;
  d. unknowns whose cause names every fact gathered;
  e. confidence: one sign suspected, agreeing signs likely, a decisive fact
     confirmed.

cc-ci's real formats only, as in testdata/real: consoles without grammar
(a tee, `ts` time, journald), results.json schema 2, the run's own recipe
checkout. Deterministic; README.md is kept.
"""
import datetime as dt
import json
import os
import shutil
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from build import T, case, junit_xml, rfc  # noqa: E402
import cases as C  # noqa: E402
from cases import SEP  # noqa: E402
import host  # noqa: E402
from host import wfile  # noqa: E402

TD = dt.timedelta
TESTDATA = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(TESTDATA, "general")
ROOT = os.path.join(OUT, "runs")
HOST = "cc-ci"

INSTALL, UPGRADE, BACKUP, RESTORE = C.INSTALL, C.UPGRADE, C.BACKUP, C.RESTORE


class Run(host.Run):
    def write(self, with_results=True):
        super().write(TESTDATA, ROOT, with_results)

    def console(self, lines):
        """A console an operator saved beside the run directory (no prefix)."""
        wfile(os.path.join(ROOT, f"{self.id}.console.log"), "\n".join(lines) + "\n")


def domain(recipe, hex6):
    return f"{recipe.replace('-', '')[:4]}-{hex6}.ci.commoninternet.net"


def stack(d):
    return d.replace(".", "_")


def ts_log(path, lines):
    """A console tee'd through `ts`: syslog time, no year."""
    wfile(path, "".join(f"{t.strftime('%b %d %H:%M:%S')} {l}\n" for t, l in lines))


def pytest_line(tier, source, module, target):
    return f"+ python3 -m pytest -q {target} --junitxml=junit/{tier}__{source}__{module}.xml"


def all_pass(r, t, tiers=("install", "upgrade", "backup", "restore")):
    for tier in tiers:
        cases = {"install": C.install_pass, "upgrade": C.upgrade_pass,
                 "backup": C.backup_pass, "restore": C.restore_pass}[tier]()
        t = r.tier(tier, "generic", f"test_{tier}", cases, t)
    return t


def green(rid, recipe, tag, start):
    """A green run: load beside another, or an isolation run."""
    r = Run(rid, recipe, tag, start)
    r.finished = all_pass(r, start + TD(minutes=1)) + TD(minutes=1)
    r.write()
    return r


def serves_502(d, status):
    """The generic install test's HTTPS check, answered by the proxy with `status`."""
    m = f"AssertionError: https://{d}/ did not answer 200 (last status {status})\nassert {status} == 200"
    b = f"""app = <App {d}>

    def test_app_serves_https(app):
        status = app.wait_http(app.meta.HEALTH_PATH, timeout=600)
>       assert status == 200, f"https://{{app.domain}}{{app.meta.HEALTH_PATH}} did not answer 200 (last status {{status}})"
E       AssertionError: https://{d}/ did not answer 200 (last status {status})
E       assert {status} == 200

{INSTALL}:11: AssertionError"""
    return case(INSTALL, "test_app_serves_https", 600.4, "fail", m, b)


def install_with(failing):
    return [case(INSTALL, "test_stack_converges", 11.2), failing, case(INSTALL, "test_no_task_restarts", 0.8)]


# Everything but README.md (the hand-written spec of what the tests assert).
os.makedirs(OUT, exist_ok=True)
for entry in os.listdir(OUT):
    if entry != "README.md":
        p = os.path.join(OUT, entry)
        shutil.rmtree(p) if os.path.isdir(p) and not os.path.islink(p) else os.remove(p)
os.makedirs(ROOT)
J = []  # the journald sweep: (time, line)


def jl(t, line):
    J.append((t, line))


# ======================================================== the sweep of 2026-07-05
S0 = T("2026-07-05T03:00:01")
jl(S0, "===== nightly cold sweep: enrolled canonicals = ['bookstack', 'custom-html-tiny', 'hedgedoc', "
       "'nextcloud'] =====")
jl(S0 + TD(seconds=1), "sweep: mirror-sync drone rc=128 (non-fatal — continuing)")

# c. bookstack: died with rc=1 after its install tier, no results.json; its
# last recognised line (abra's FATA) is the sweep's, the run has no console.
t = T("2026-07-05T03:00:10")
bk = Run("manual-2207101", "bookstack", "5.1.0+v25.05.1", t)
bd = domain("bookstack", "5d2e91")
jl(t, "RECIPE=bookstack CCCI_SKIP_FETCH=1 cc-ci-run runner/run_recipe_ci.py")
jl(t + TD(seconds=30), f"abra app new bookstack --domain {bd}")
jl(t + TD(minutes=1), pytest_line("install", "generic", "test_install", INSTALL))
t = bk.tier("install", "generic", "test_install", C.install_pass(), t + TD(minutes=1, seconds=5))
jl(t, f"abra app upgrade {bd} 5.1.0+v25.05.1 --no-input")
jl(t + TD(seconds=4), f"FATA unable to retrieve secrets for {bd}: Error response from daemon: "
   "This node is not a swarm manager.")
bk.finished = t + TD(seconds=5)
bk.write(with_results=False)
jl(bk.finished + TD(seconds=1), "sweep: bookstack rc=1 (FAIL (red; canonical unchanged))")

# b. custom-html-tiny: green cold, the warm promote hits Docker Hub's pull
# rate limit (the lines after `WC5 promote failed` say so).
t = bk.finished + TD(seconds=10)
ch = Run("manual-2207164", "custom-html-tiny", "0.4.0+1.27.5", t)
jl(t, "RECIPE=custom-html-tiny CCCI_SKIP_FETCH=1 cc-ci-run runner/run_recipe_ci.py")
jl(t + TD(seconds=20), "deploy-count=1")
ch.finished = all_pass(ch, t + TD(minutes=1)) + TD(minutes=1)
ch.write()
p = ch.finished + TD(seconds=2)
jl(p, "WC5 promote: abra app deploy warm-custom-html-tiny.ci.commoninternet.net 0.4.0+1.27.5")
jl(p + TD(seconds=40), "WC5 promote failed: abra app deploy warm-custom-html-tiny.ci.commoninternet.net failed (1)")
jl(p + TD(seconds=40), 'Error response from daemon: Head "https://registry-1.docker.io/v2/library/nginx/manifests/'
   "1.27.5-alpine\": toomanyrequests: You have reached your pull rate limit as 'ccci-node'. You may increase the "
   "limit by authenticating and upgrading: https://www.docker.com/increase-rate-limits")
jl(p + TD(seconds=42), "sweep: custom-html-tiny rc=0 (GREEN-BUT-PROMOTE-FAILED (canonical=0.3.0+1.27.4, "
   "expected 0.4.0+1.27.5))")

# c. hedgedoc: died with rc=2 inside its upgrade tier (the JUnit file cut
# mid-write), no results.json.
t = p + TD(seconds=50)
hd = Run("manual-2207230", "hedgedoc", "1.4.2+1.10.3", t)
hdd = domain("hedgedoc", "1f0c3a")
jl(t, "RECIPE=hedgedoc CCCI_SKIP_FETCH=1 cc-ci-run runner/run_recipe_ci.py")
jl(t + TD(seconds=30), f"abra app new hedgedoc --domain {hdd}")
t = hd.tier("install", "generic", "test_install", C.install_pass(), t + TD(minutes=1))
jl(t, pytest_line("upgrade", "generic", "test_upgrade", UPGRADE))
xml, _ = junit_xml(rfc(t + TD(seconds=2)).replace("Z", "+00:00"), C.upgrade_pass())
hd.junit["upgrade__generic__test_upgrade.xml"] = xml[: xml.index("<testcase", xml.index("<testcase") + 1) + 40]
jl(t + TD(seconds=20), f"FATA upgrade: unable to read .env: open /root/.abra/servers/ci.commoninternet.net/{hdd}.env: "
   "no such file or directory")
hd.finished = t + TD(seconds=21)
hd.write(with_results=False)
jl(hd.finished + TD(seconds=1), "sweep: hedgedoc rc=2 (FAIL (red; canonical unchanged))")

# e. nextcloud: one timing sign under the sweep's load, never run alone:
# suspected, and it must stay so.
t = hd.finished + TD(seconds=10)
nc = Run("manual-2207301", "nextcloud", "7.0.0+31.0.5", t)
ncd = domain("nextcloud", "6b8e24")
jl(t, "RECIPE=nextcloud CCCI_SKIP_FETCH=1 cc-ci-run runner/run_recipe_ci.py")
nc_m = (f"requests.exceptions.ReadTimeout: HTTPSConnectionPool(host='{ncd}', port=443): "
        "Read timed out. (read timeout=30)")
nc_b = f"""app = <App {ncd}>

    def test_app_serves_https(app):
>       status = app.wait_http(app.meta.HEALTH_PATH, timeout=600)

{INSTALL}:10: 
{SEP}
cc_ci/app.py:131: in wait_http
    r = self.session.get(url, timeout=30)
{SEP}
E   {nc_m}

/usr/lib/python3/dist-packages/requests/adapters.py:713: ReadTimeout"""
t = nc.tier("install", "generic", "test_install",
            install_with(case(INSTALL, "test_app_serves_https", 30.9, "fail", nc_m, nc_b)), t + TD(minutes=1))
nc.finished = all_pass(nc, t, ("upgrade", "backup", "restore")) + TD(minutes=1)
nc.write()
jl(nc.finished + TD(seconds=1), "sweep: nextcloud rc=7 (FAIL (red; canonical unchanged))")

J.sort(key=lambda x: x[0])
wfile(os.path.join(OUT, "sweep-2026-07-05.journal"),
      "".join(f"{t.strftime('%Y-%m-%dT%H:%M:%S+0000')} {HOST} nightly-sweep[2207100]: {line}\n" for t, line in J))

# ======================================================== a. routing beyond the promote
# wekan 1.1.0: nginx (`web`, on proxy) reaches `app:8080` by its bare name;
# the cold stack `weka-…` sorts after `proxy`. The install tier gets a 502
# and nginx's log shows the upstream refusing at three proxy addresses.
t = T("2026-07-06T09:00:00")
wk = Run("manual-5101", "wekan", "1.1.0+v7.84", t)
wkd = domain("wekan", "4c1d2e")
t2 = wk.tier("install", "generic", "test_install", install_with(serves_502(wkd, 502)), t + TD(minutes=1))
wk.finished = all_pass(wk, t2, ("upgrade", "backup", "restore")) + TD(minutes=1)
wk.write()
lines = [(t, "RECIPE=wekan CCCI_SKIP_FETCH=1 cc-ci-run runner/run_recipe_ci.py"),
         (t + TD(seconds=30), f"abra app new wekan --domain {wkd}"),
         (t + TD(seconds=55), pytest_line("install", "generic", "test_install", INSTALL))]
for i, a in enumerate(["10.10.0.31", "10.10.0.44", "10.10.0.58"]):
    at = t + TD(minutes=3, seconds=40 * i)
    lines.append((at, f"{at.strftime('%Y/%m/%d %H:%M:%S')} [error] 29#29: *{3 + i} connect() failed (111: Connection "
                      f"refused) while connecting to upstream, client: 10.0.1.7, server: _, request: \"GET / HTTP/1.1\", "
                      f"upstream: \"http://{a}:8080/\", host: \"{wkd}\""))
ts_log(os.path.join(OUT, "consoles", "wekan-5101.log"), lines)

# seafile 2.1.0: caddy reaches `app:80` bare; the cold stack `seaf-…` sorts
# after `proxy`. A cc-ci custom test gets caddy's 504 (requests' wording).
t = T("2026-07-06T11:00:00")
sf = Run("5120", "seafile", "2.1.0+11.0.13", t)
sfd = domain("seafile", "7a2b3c")
t2 = all_pass(sf, t + TD(minutes=1))
SF = "tests/seafile/custom/test_webdav.py"
sf_m = f"requests.exceptions.HTTPError: 504 Server Error: Gateway Timeout for url: https://{sfd}/seafdav/"
sf_b = f"""webdav = <WebDAV https://{sfd}/seafdav/ user=ci@{sfd}>

    def test_webdav_lists_root(webdav):
        r = webdav.propfind("/", depth=1)
>       r.raise_for_status()

{SF}:18: 
{SEP}

self = <Response [504]>

    def raise_for_status(self):
        ...
        if http_error_msg:
>           raise HTTPError(http_error_msg, response=self)
E           {sf_m}

/usr/lib/python3/dist-packages/requests/models.py:1024: HTTPError"""
t2 = sf.tier("custom", "cc-ci", "test_webdav", [case(SF, "test_webdav_lists_root", 60.3, "fail", sf_m, sf_b),
                                                case(SF, "test_webdav_login_page", 0.4)], t2)
sf.finished = t2 + TD(minutes=1)
sf.write()

# wekan 1.0.0: the same bare name, a symptom that is no routing sign (a TLS
# EOF, retries exhausted): the static finding and the order alone, suspected.
t = T("2026-07-06T13:00:00")
wo = Run("manual-5130", "wekan", "1.0.0+v7.80", t)
wod = domain("wekan", "90ab12")
wo_m = (f"requests.exceptions.ConnectionError: HTTPSConnectionPool(host='{wod}', port=443): Max retries exceeded "
        "with url: / (Caused by SSLError(SSLEOFError(8, 'EOF occurred in violation of protocol (_ssl.c:1000)')))")
wo_b = f"""app = <App {wod}>

    def test_app_serves_https(app):
>       status = app.wait_http(app.meta.HEALTH_PATH, timeout=600)

{INSTALL}:10: 
{SEP}
E   {wo_m}

/usr/lib/python3/dist-packages/requests/adapters.py:698: ConnectionError"""
t2 = wo.tier("install", "generic", "test_install",
             install_with(case(INSTALL, "test_app_serves_https", 600.2, "fail", wo_m, wo_b)), t + TD(minutes=1))
wo.finished = all_pass(wo, t2, ("upgrade", "backup", "restore")) + TD(minutes=1)
wo.write()

# limesurvey 1.3.0: nginx's `fastcgi_pass app:9000` is a bare name too, but
# the cold stack `lime-…` sorts before `proxy`: its own `app` answers. A 502
# here is not routing.
t = T("2026-07-06T14:00:00")
ls = Run("manual-5140", "limesurvey", "1.3.0+6.6.4", t)
lsd = domain("limesurvey", "3e4f5a")
t2 = ls.tier("install", "generic", "test_install", install_with(serves_502(lsd, 502)), t + TD(minutes=1))
ls.finished = all_pass(ls, t2, ("upgrade", "backup", "restore")) + TD(minutes=1)
ls.write()

# ======================================================== b. harness signatures
# plausible 4.0.1: the backup test's `assert rc == 0`; restic's disk-full
# line is in the traceback's locals (the test body).
t = T("2026-07-06T15:00:00")
pl = Run("manual-5201", "plausible", "4.0.1+3.0.1", t)
pld = domain("plausible", "8d9e0f")
pl_b = f"""app = <App plausible {pld}>

    def test_backup_creates_snapshot(app):
>       snapshot = backup.create(app, timeout=300)

{BACKUP}:6: 
{SEP}

app = <App plausible {pld}>, timeout = 300
cmd = ['abra', 'app', 'backup', 'create', '{pld}', '--no-input']
res = Result(rc=1, stdout='', stderr='Fatal: unable to save snapshot: write /var/lib/restic/ci/data/3f/3f9c0a1e: no space left on device\\n')

    def create(app, timeout=600):
        res = run(cmd_for(app, "create"), timeout=timeout)
        rc = res.rc
>       assert rc == 0
E       assert 1 == 0

cc_ci/backup.py:44: AssertionError"""
t2 = pl.tier("install", "generic", "test_install", C.install_pass(), t + TD(minutes=1))
t2 = pl.tier("upgrade", "generic", "test_upgrade", C.upgrade_pass(), t2)
t2 = pl.tier("backup", "generic", "test_backup", [case(BACKUP, "test_backup_creates_snapshot", 41.2, "fail",
                                                       "assert 1 == 0", pl_b),
                                                  case(BACKUP, "test_backup_hooks_exit_zero", 0.5)], t2)
pl.finished = t2 + TD(minutes=1)
pl.write()

# matrix-synapse 5.5.0: the install fixture's `assert rc == 0` after abra's
# deploy; dockerd's disk-full line is in the test's captured output.
t = T("2026-07-06T16:00:00")
mx = Run("manual-5210", "matrix-synapse", "5.5.0+1.131.0", t)
mxd = domain("matrix-synapse", "2c3d4e")
mx_m = 'failed on setup with "AssertionError: assert 1 == 0"'
mx_b = f"""    @pytest.fixture(scope="session")
    def app():
        rc = deploy.abra_deploy(os.environ["CCCI_APP_DOMAIN"])
>       assert rc == 0
E       assert 1 == 0

tests/_generic/conftest.py:12: AssertionError"""
mx_out = (f"abra app deploy {mxd} --no-input\n"
          "Pulling matrixdotorg/synapse:v1.131.0 ...\n"
          "failed to register layer: write /var/lib/docker/overlay2/5c1f0e/diff/usr/local/lib/python3.12/"
          "site-packages/synapse/storage/schema/main/delta/88/01_add_delayed_events.sql: no space left on device\n")
t2 = mx.tier("install", "generic", "test_install",
             [case(INSTALL, "test_stack_converges", 0.01, "error", mx_m, mx_b, sysout=mx_out),
              case(INSTALL, "test_app_serves_https", 0.01, "error", mx_m, mx_b),
              case(INSTALL, "test_no_task_restarts", 0.01, "error", mx_m, mx_b)], t + TD(minutes=1))
mx.finished = t2 + TD(minutes=1)
mx.write()

# gitea 3.2.0: the upgrade fixture's `assert rc == 0`; the disk-full line is
# in the console, after the upgrade tier's pytest started (around the failure).
t = T("2026-07-06T17:00:00")
gt = Run("manual-5220", "gitea", "3.2.0+1.23.7", t)
gtd = domain("gitea", "5e6f7a")
gt_m = 'failed on setup with "AssertionError: assert 1 == 0"'
gt_b = f"""    @pytest.fixture(scope="module")
    def upgraded(app):
        rc = abra("app", "upgrade", app.domain, os.environ["CCCI_HEAD_VERSION"], "--no-input").rc
>       assert rc == 0
E       assert 1 == 0

tests/_generic/conftest.py:31: AssertionError"""
t2 = gt.tier("install", "generic", "test_install", C.install_pass(), t + TD(minutes=1))
up_at = t2
t2 = gt.tier("upgrade", "generic", "test_upgrade",
             [case(UPGRADE, "test_upgrade_converges", 0.01, "error", gt_m, gt_b),
              case(UPGRADE, "test_app_serves_after_upgrade", 0.01, "error", gt_m, gt_b)], t2)
gt.finished = all_pass(gt, t2, ("backup", "restore")) + TD(minutes=1)
gt.write()
gt.console([
    "RECIPE=gitea CCCI_SKIP_FETCH=1 cc-ci-run runner/run_recipe_ci.py",
    f"abra app new gitea --domain {gtd}",
    "deploy-count=1",
    pytest_line("install", "generic", "test_install", INSTALL),
    "3 passed in 16.21s",
    pytest_line("upgrade", "generic", "test_upgrade", UPGRADE),
    f"abra app upgrade {gtd} 3.2.0+1.23.7 --no-input",
    f"Error response from daemon: failed to create task for service {stack(gtd)}_app: write "
    "/var/lib/docker/containers/9a8b7c/config.v2.json: no space left on device",
    "FATA upgrade failed",
    "2 errors in 0.04s",
    pytest_line("backup", "generic", "test_backup", BACKUP),
    "2 passed in 39.10s",
    pytest_line("restore", "generic", "test_restore", RESTORE),
    "2 passed in 76.52s",
])

# wordpress 2.9.1: a cc-ci custom test compares images (a value assertion
# about the recipe) and expects one no release has; a disk-full line far
# away (the pre-pull, before any tier) does not make it harness.
t = T("2026-07-06T18:00:00")
wp = Run("manual-5230", "wordpress", "2.9.1+6.8.1", t)
wpd = domain("wordpress", "0b1c2d")
WP = "tests/wordpress/custom/test_php.py"
wp_m = "AssertionError: assert 'wordpress:6.8.1-php8.3-apache' == 'wordpress:6.8.1-php8.4-apache'"
wp_b = f"""specs = {{'app': {{'image': 'wordpress:6.8.1-php8.3-apache'}}, 'db': {{...}}}}

    def test_runs_php_8_4(specs):
>       assert specs["app"]["image"] == "wordpress:6.8.1-php8.4-apache"
E       AssertionError: assert 'wordpress:6.8.1-php8.3-apache' == 'wordpress:6.8.1-php8.4-apache'
E         
E         - wordpress:6.8.1-php8.4-apache
E         ?                      ^
E         + wordpress:6.8.1-php8.3-apache
E         ?                      ^

{WP}:9: AssertionError"""
t2 = all_pass(wp, t + TD(minutes=1))
wp.tier("custom", "cc-ci", "test_php", [case(WP, "test_runs_php_8_4", 0.2, "fail", wp_m, wp_b),
                                        case(WP, "test_uploads_writable", 1.3)], t2)
wp.finished = t2 + TD(minutes=1)
wp.write()
wp.console([
    "RECIPE=wordpress CCCI_SKIP_FETCH=1 cc-ci-run runner/run_recipe_ci.py",
    f"abra app new wordpress --domain {wpd}",
    "prepull: docker pull wordpress:6.8.1-php8.3-apache: write /var/lib/docker/tmp/GetImageBlob1234: "
    "no space left on device",
    "prepull: pruned 2.1GB of unused images, pulled 2 images",
    "deploy-count=1",
    pytest_line("install", "generic", "test_install", INSTALL),
    "3 passed in 15.90s",
    pytest_line("upgrade", "generic", "test_upgrade", UPGRADE),
    "2 passed in 10.31s",
    pytest_line("backup", "generic", "test_backup", BACKUP),
    "2 passed in 39.10s",
    pytest_line("restore", "generic", "test_restore", RESTORE),
    "2 passed in 76.52s",
    pytest_line("custom", "cc-ci", "test_php", "tests/wordpress/custom"),
    f"FAILED {WP}::test_runs_php_8_4 - {wp_m}",
    "1 failed, 1 passed in 1.62s",
])

# ======================================================== c. runs that died
# n8n 2.3.0: red under load (a Drone build beside a cryptpad build) with a
# timing sign; two isolation reruns died with no results.json and no end,
# one green at that test, one red: neither proves anything.
t = T("2026-07-07T09:00:00")
green("5302", "cryptpad", "0.6.0+v2026.5.1", t + TD(minutes=1))
n8 = Run("5301", "n8n", "2.3.0+1.97.1", t)


def n8n_timeout(d):
    m = (f"requests.exceptions.ConnectTimeout: HTTPSConnectionPool(host='{d}', port=443): Max retries exceeded with "
         f"url: /healthz (Caused by ConnectTimeoutError(<urllib3.connection.HTTPSConnection object at 0x7f2a3c>, "
         f"'Connection to {d} timed out. (connect timeout=10)'))")
    b = f"""app = <App {d}>

    def test_app_serves_https(app):
>       status = app.wait_http(app.meta.HEALTH_PATH, timeout=600)

{INSTALL}:10: 
{SEP}
E   {m}

/usr/lib/python3/dist-packages/requests/adapters.py:688: ConnectTimeout"""
    return case(INSTALL, "test_app_serves_https", 600.1, "fail", m, b)


t2 = n8.tier("install", "generic", "test_install", install_with(n8n_timeout(domain("n8n", "a1b2c3"))),
             t + TD(minutes=1))
n8.finished = all_pass(n8, t2, ("upgrade", "backup", "restore")) + TD(minutes=1)
n8.write()

for rid, start, red, tail in (
        ("manual-5310", "2026-07-07T11:00:00", False, []),
        ("manual-5320", "2026-07-07T12:00:00", True,
         ["FATA unable to connect to ci.commoninternet.net: dial tcp 10.0.0.2:22: connect: no route to host"])):
    t = T(start)
    r = Run(rid, "n8n", "2.3.0+1.97.1", t)
    d = domain("n8n", "d4e5f6" if not red else "0c9d8e")
    cases = install_with(n8n_timeout(d)) if red else C.install_pass()
    t2 = r.tier("install", "generic", "test_install", cases, t + TD(minutes=1))
    r.write(with_results=False)
    lines = [(t, "RECIPE=n8n CCCI_SKIP_FETCH=1 cc-ci-run runner/run_recipe_ci.py"),
             (t + TD(seconds=30), f"abra app new n8n --domain {d}"),
             (t + TD(seconds=50), "deploy-count=1"),
             (t + TD(seconds=58), pytest_line("install", "generic", "test_install", INSTALL)),
             (t2 - TD(seconds=19), ("1 failed, 2 passed" if red else "3 passed") + " in 16.21s"),
             (t2, pytest_line("upgrade", "generic", "test_upgrade", UPGRADE))]
    lines += [(t2 + TD(seconds=5), x) for x in tail]
    ts_log(os.path.join(OUT, "consoles", f"n8n-rerun-{rid[-2]}.log"), lines)

# ======================================================== d. unknowns that name their facts
# ghost 1.9.0: the upgrade ended `rollback_completed`, once, alone.
t = T("2026-07-07T14:00:00")
gh = Run("manual-5401", "ghost", "1.9.0+5.121.0", t)
ghd = domain("ghost", "7c8d9e")
gh_m = "AssertionError: assert 'rollback_completed' == 'completed'"
gh_b = f"""app = <App ghost {ghd}>

    def test_upgrade_converges(app):
        state = swarm.update_status(app.stack)
>       assert state == "completed"
E       AssertionError: assert 'rollback_completed' == 'completed'
E         
E         - completed
E         + rollback_completed

{UPGRADE}:6: AssertionError"""
t2 = gh.tier("install", "generic", "test_install", C.install_pass(), t + TD(minutes=1))
t2 = gh.tier("upgrade", "generic", "test_upgrade",
             [case(UPGRADE, "test_upgrade_converges", 184.6, "fail", gh_m, gh_b),
              case(UPGRADE, "test_app_serves_after_upgrade", 4.0)], t2)
gh.finished = all_pass(gh, t2, ("backup", "restore")) + TD(minutes=1)
gh.write()
gh.console([
    "RECIPE=ghost CCCI_SKIP_FETCH=1 cc-ci-run runner/run_recipe_ci.py",
    f"abra app new ghost --domain {ghd}",
    pytest_line("upgrade", "generic", "test_upgrade", UPGRADE),
    "head_ref=4d5e6f70 chaos-version=4d5e6f70 version=1.8.0+5.120.3→1.9.0+5.121.0",
    f"UpdateStatus=rollback_started {stack(ghd)}_app",
    f"UpdateStatus=rollback_completed {stack(ghd)}_app",
    "1 failed, 1 passed in 188.62s",
])

# authentik 9.1.0: a restart count assertion, rerun twice by
# pytest-rerunfailures, under load, no timing sign.
t = T("2026-07-07T15:00:00")
green("5411", "cryptpad", "0.6.0+v2026.5.1", t + TD(minutes=1))
au = Run("5410", "authentik", "9.1.0+2025.4.1", t)
aud = domain("authentik", "0f1e2d")
au_m = f"AssertionError: assert {{'{stack(aud)}_app': 3}} == {{}}"
au_b = f"""app = <App authentik {aud}>

    def test_no_task_restarts(app):
        restarts = swarm.restarts(app.stack)
>       assert restarts == {{}}
E       AssertionError: assert {{'{stack(aud)}_app': 3}} == {{}}
E         Left contains 1 more item:
E         {{'{stack(aud)}_app': 3}}

{INSTALL}:16: AssertionError"""
rerun = case(INSTALL, "test_no_task_restarts", 2.1)
t2 = au.tier("install", "generic", "test_install",
             [case(INSTALL, "test_stack_converges", 12.0), case(INSTALL, "test_app_serves_https", 3.3),
              rerun, rerun, case(INSTALL, "test_no_task_restarts", 2.2, "fail", au_m, au_b)], t + TD(minutes=1))
au.finished = all_pass(au, t2, ("upgrade", "backup", "restore")) + TD(minutes=1)
au.write()

# keycloak 10.3.1: the restore lost its marker, but the recipe's labels do
# round-trip (a dump-only path and a restore post-hook): not its backup.
t = T("2026-07-07T16:00:00")
kc = Run("5420", "keycloak", "10.3.1+26.2.5", t)
t2 = all_pass(kc, t + TD(minutes=1), ("install", "upgrade", "backup"))
t2 = kc.tier("restore", "generic", "test_restore",
             C.restore_fail_pg(domain("keycloak", "3a4b5c"), "keycloak", "db"), t2)
kc.finished = t2 + TD(minutes=1)
kc.write()

# peertube 1.6.0: the functional rung is `unver` (it should have run);
# pytest found no tests in the custom tier.
t = T("2026-07-07T17:00:00")
pt = Run("manual-5430", "peertube", "1.6.0+7.1.1", t)
t2 = all_pass(pt, t + TD(minutes=1))
xml, _ = junit_xml(rfc(t2).replace("Z", "+00:00"), [])
pt.junit["custom__cc-ci__test_federation.xml"] = xml
pt.rungs["functional"] = "unver"
pt.skips["unintentional"] = ["functional"]
pt.finished = t2 + TD(minutes=1)
pt.write()
pt.console([
    "RECIPE=peertube CCCI_SKIP_FETCH=1 cc-ci-run runner/run_recipe_ci.py",
    f"abra app new peertube --domain {domain('peertube', '4b5c6d')}",
    pytest_line("custom", "cc-ci", "test_federation", "tests/peertube/custom"),
    "============================= test session starts ==============================",
    "collected 0 items",
    "============================ no tests ran in 0.02s =============================",
])

# ======================================================== e. confidence
# matrix-synapse 5.4.0: a timing failure in a test that already retries,
# under load: two agreeing signs, likely.
t = T("2026-07-08T09:00:00")
green("5502", "cryptpad", "0.6.0+v2026.5.1", t + TD(minutes=1))
ms = Run("5501", "matrix-synapse", "5.4.0+1.130.0", t)
msd = domain("matrix-synapse", "9f8e7d")
MS = "tests/matrix-synapse/custom/test_federation.py"
ms_m = "TimeoutError: /_matrix/federation/v1/version not ready after 50s (10 attempts)"
ms_b = f"""app = <App matrix-synapse {msd}>

    def test_federation_version_answers(app):
>       body = retry_until(lambda: http.get_json(f"https://{{app.domain}}/_matrix/federation/v1/version"),
                           attempts=10, interval=5)

{MS}:12: 
{SEP}

    def retry_until(fn, attempts, interval):
        for _ in range(attempts):
            ...
>       raise TimeoutError(f"{{what}} not ready after {{attempts * interval}}s ({{attempts}} attempts)")
E       {ms_m}

cc_ci/retry.py:30: TimeoutError"""
t2 = all_pass(ms, t + TD(minutes=1))
t2 = ms.tier("custom", "cc-ci", "test_federation", [case(MS, "test_federation_version_answers", 50.4, "fail",
                                                         ms_m, ms_b)], t2)
ms.finished = t2 + TD(minutes=1)
ms.write()

# plausible 4.0.0: red under load after a restore (a 503 while converging),
# green in two isolation runs since: confirmed.
t = T("2026-07-08T11:00:00")
green("5511", "cryptpad", "0.6.0+v2026.5.1", t + TD(minutes=1))
pq = Run("5510", "plausible", "4.0.0+3.0.0", t)
pqd = domain("plausible", "6e7f80")
pq_m = f"AssertionError: https://{pqd}/api/health did not answer 200 within 300s (last status 503)\nassert 503 == 200"
pq_b = f"""app = <App plausible {pqd}>

    def test_app_serves_after_restore(app):
        status = app.wait_http(app.meta.HEALTH_PATH, timeout=300)
>       assert status == 200
E       AssertionError: https://{pqd}/api/health did not answer 200 within 300s (last status 503)
E       assert 503 == 200

{RESTORE}:31: AssertionError"""
t2 = all_pass(pq, t + TD(minutes=1), ("install", "upgrade", "backup"))
t2 = pq.tier("restore", "generic", "test_restore", [case(RESTORE, "test_restore_returns_state", 70.2),
                                                     case(RESTORE, "test_app_serves_after_restore", 300.5, "fail",
                                                          pq_m, pq_b)], t2)
pq.finished = t2 + TD(minutes=1)
pq.write()
green("manual-5520", "plausible", "4.0.0+3.0.0", T("2026-07-08T13:00:00"))
green("manual-5530", "plausible", "4.0.0+3.0.0", T("2026-07-08T14:00:00"))

# ======================================================== around the runs
os.makedirs(os.path.join(OUT, "shared-abra", "servers"), exist_ok=True)
wfile(os.path.join(OUT, "shared-abra", "servers", "README"), "the node's abra servers (must never be read)\n")
CANON = {
    "bookstack": ("5.0.0+v25.02.5", "20260628T031502Z"),
    "custom-html-tiny": ("0.3.0+1.27.4", "20260628T032011Z"),
    "hedgedoc": ("1.4.1+1.10.2", "20260628T033540Z"),
    "nextcloud": ("6.4.0+30.0.11", "20260628T035012Z"),
}
for r, (v, ts) in CANON.items():
    base = os.path.join(OUT, "ci-warm", r)
    wfile(os.path.join(base, "canonical.json"),
          json.dumps({"recipe": r, "domain": f"warm-{r}.ci.commoninternet.net", "version": v,
                      "commit": "0" * 40, "status": "idle", "ts": ts}) + "\n")
    wfile(os.path.join(base, "last_good"), v + "\n")
    os.makedirs(os.path.join(base, "snapshot"), exist_ok=True)
    wfile(os.path.join(base, "snapshot", ".keep"), "")

print("ok", len([d for d in os.listdir(ROOT) if os.path.isdir(os.path.join(ROOT, d))]), "general runs")
