"""Generate testdata/ (recipes, runs, sweep log, ci-warm, ccci). Deterministic.

Usage: python3 testdata/gen/gen.py [TESTDATA_DIR]
Rewrites recipes/, runs/, ci-warm/, ccci/ and sweep-*.log from the data in
this directory; builds the git repos once (make-git-runs.sh into a temp dir)
to learn the commit ids that results.json and canonical.json cite.
Edit these files, not the generated ones, then rerun and commit both.
"""
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import build
from build import Run, T, rfc, lint_table, case
import cases as C
import ccci
import flow as F
from recipes import RECIPES, files_at, prev_tag

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TD = dt.timedelta


def wfile(path, content, mode=None):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if isinstance(content, str):
        content = content.encode()
    with open(path, "wb") as f:
        f.write(content)
    if mode:
        os.chmod(path, mode)


def write_tree(base, files):
    for rel, txt in files.items():
        wfile(os.path.join(base, rel), txt, 0o755 if rel.endswith(".sh") else 0o644)


# ------------------------------------------------------------ phase 1: trees
for d in ("recipes", "runs", "ci-warm", "ccci"):
    shutil.rmtree(os.path.join(OUT, d), ignore_errors=True)
for f in os.listdir(OUT):
    if f.startswith("sweep-") and f.endswith(".log"):
        os.remove(os.path.join(OUT, f))

for name, (fn, tags, has_main) in RECIPES.items():
    for i, tag in enumerate(tags, 1):
        write_tree(os.path.join(OUT, "recipes", name, f"{i:02d}__{tag}"), fn(tag))
    if has_main:
        write_tree(os.path.join(OUT, "recipes", name, "main"), fn(tags[-1], main=True))

write_tree(os.path.join(OUT, "ccci"), ccci.files())
# recipe tests run as tests/custom/: not part of the cc-ci checkout

CHECKOUTS = [
    ("740", "mattermost-lts", "2.1.8+10.11.14"),
    ("752", "custom-html-tiny", "0.4.0+1.27.5"),
    ("753", "mattermost-lts", "2.1.9+10.11.15"),
    ("754", "hedgedoc", "1.4.2+1.10.3"),
    ("sweep-20260614-bluesky-pds", "bluesky-pds", "0.3.0+v0.4.219"),
    ("sweep-20260614-cryptpad", "cryptpad", "0.6.0+v2026.5.1"),
    ("sweep-20260614-discourse", "discourse", "0.8.1+3.5.0"),
    ("sweep-20260614-gitea", "gitea", "3.2.1+1.23.8"),
    ("sweep-20260614-mumble", "mumble", "1.0.0+v1.6.870-0"),
    ("sweep-20260614-nextcloud", "nextcloud", "7.1.0+31.0.6"),
    ("sweep-20260614-peertube", "peertube", "1.7.0+7.2.0"),
    ("manual-immich-1", "immich", "1.4.0+v1.135.3"),
    ("manual-4242", "discourse", "0.8.1+3.5.0"),
    ("redfix-mattermost-lts", "mattermost-lts", "2.1.9+10.11.15"),
    ("redfix-mumble", "mumble", "1.0.0+v1.6.870-0"),
    ("redfix-bluesky-pds", "bluesky-pds", "0.3.0+v0.4.219"),
    ("redfix-mumble-2", "mumble", "1.0.0+v1.6.870-0"),
    ("redfix-bookstack", "bookstack", "5.1.0+v25.05.1"),
    ("redfix-nextcloud", "nextcloud", "7.1.0+31.0.6"),
    ("761", "wordpress", "2.9.1+6.8.1"),
    ("762", "keycloak", "10.3.1+26.2.5"),
    ("dstamp-repro4", "plausible", "4.0.1+3.0.1"),
    ("763", "authentik", "9.2.0+2025.6.2"),
    ("m2r-matrix-synapse", "matrix-synapse", "5.5.0+1.131.0"),
    ("764", "ghost", "1.9.0+5.121.0"),
    ("broken-files", "n8n", "2.4.0+1.98.2"),
]
for rid, recipe, tag in CHECKOUTS:
    write_tree(os.path.join(OUT, "runs", rid, "abra", "recipes", recipe), files_at(recipe, tag))
os.makedirs(os.path.join(OUT, "ci-warm"), exist_ok=True)

TMP = tempfile.mkdtemp(prefix="ccci-testdata-")
gb = os.path.join(TMP, "gitbuild")
subprocess.run(["bash", os.path.join(OUT, "make-git-runs.sh"), gb], check=True)
SHA = {}
for name in RECIPES:
    out = subprocess.run(["git", "-C", f"{gb}/recipes/{name}", "for-each-ref", "--format=%(refname:short) %(objectname)",
                          "refs/tags"], capture_output=True, text=True, check=True).stdout
    SHA[name] = {}
    for line in out.splitlines():
        t, _ = line.split()
        c = subprocess.run(["git", "-C", f"{gb}/recipes/{name}", "rev-parse", f"{t}^{{commit}}"],
                           capture_output=True, text=True, check=True).stdout.strip()
        SHA[name][t] = c

# ------------------------------------------------------------ phase 2: runs
F.END_TARGETS.update({
    "752": "2026-06-14T03:16:30",
    "sweep-20260614-bluesky-pds": "2026-06-14T03:07:30",
    "sweep-20260614-cryptpad": "2026-06-14T03:30:00",
    "sweep-20260614-discourse": "2026-06-14T03:52:10",
    "sweep-20260614-gitea": "2026-06-14T04:08:30",
    "sweep-20260614-mumble": "2026-06-14T04:23:00",
    "sweep-20260614-nextcloud": "2026-06-14T04:45:00",
    "753": "2026-06-14T04:02:51",
    "manual-immich-1": "2026-06-16T14:24:37",
    "manual-4242": "2026-06-17T23:39:51",
    "redfix-mattermost-lts": "2026-06-18T00:04:12",
    "redfix-mumble": "2026-06-18T00:17:44",
    "redfix-bluesky-pds": "2026-06-18T00:36:50",
    "redfix-mumble-2": "2026-06-18T01:14:05",
    "redfix-bookstack": "2026-06-18T01:39:30",
    "redfix-nextcloud": "2026-06-18T02:16:40",
    "broken-files": "2026-06-23T14:31:00",
})
RUNS = {}  # rid -> dict(R=, results=str|None|bytes, console=bool, lint=str|None, span=(a,b), ...)
HEX = {}


def mk(rid, recipe, tag, start, hex6, pr=None, upgrade=True):
    R = Run(rid, recipe, tag, T(start), hex6, SHA[recipe][tag], prev_tag(recipe, tag) if upgrade else None, pr)
    return R


def save(R, results=True, console=True, lint=True, rungs=None, extra_rj=None, schema=2, lint_unsat=(),
         lint_rj=None, skips=None, customization=None, flags=None, level=None, note=None, end=None):
    d = dict(R=R, console=console, lint=lint_table(R.recipe, lint_unsat) if lint else None, note=note)
    if results:
        rg = rungs or F.rungs_of(R.results)
        sk = skips or {"intentional": {}, "unintentional": F.unintentional(rg)}
        d["results"] = R.results_json(rg, level if level is not None else F.level_of(rg), sk, lint_rj,
                                      flags, customization, schema=schema, extra=extra_rj)
    else:
        d["results"] = None
    RUNS[R.id] = d
    return R


def std_lint_rj(unsat=()):
    if unsat:
        return {"status": "pass", "detail": f"{len(unsat)} warning(s): {', '.join(unsat)}", "rules_failed": []}
    return None


# 740: schema 1, mattermost-lts 2.1.8, restore fails alone (history)
R = mk("740", "mattermost-lts", "2.1.8+10.11.14", "2026-06-05T21:14:05", "8c31f0")
F.opening(R)
F.install(R)
F.upgrade(R)
F.backup(R, snap="e41a7c09", size="212.7MiB")
F.restore(R, "fail", [("restore__generic__test_restore.xml", C.restore_fail_pg(R.domain, R.recipe, "postgres"))],
          snap="e41a7c09")
F.custom(R, "pass", [("custom__generic__test_smoke.xml", [case("tests/_generic/test_smoke.py", "test_login_page", 1.9)])])
F.closing(R, 7)
RUNS["740"] = dict(R=R, console=False, lint=lint_table(R.recipe), note=None,
                   results=R.results_json(None, 3, schema=1, extra={
                       "level_cap_reason": "backup_restore: restore tier failed (tests/_generic/test_restore.py::test_restore_returns_state)",
                       "level_cap_rung": "backup_restore", "na": {}}))
# schema 1 level: 0..6 scale; drop the schema-2-only keys that results_json would not add anyway

# 752: Drone, custom-html-tiny, green, overlaps the sweep (bluesky-pds, cryptpad)
R = mk("752", "custom-html-tiny", "0.4.0+1.27.5", "2026-06-14T02:58:10", "1d7b52", pr=87)
F.opening(R)
F.install(R, deploy_secs=41)
F.upgrade(R, secs=33)
F.backup(R, snap="0ac4d2e7", size="1.2MiB")
F.restore(R, snap="0ac4d2e7")
F.custom(R, "pass", [("custom__generic__test_smoke.xml", [case("tests/_generic/test_smoke.py", "test_index_served", 0.7)])])
F.closing(R, 0)
save(R)

# ---------------------------------------------------------------- the sweep
SWEEP_START = T("2026-06-14T02:50:00")
sweep_lines = []
ENROLLED = ["bluesky-pds", "cryptpad", "discourse", "gitea", "immich", "mumble", "nextcloud", "peertube"]


def sl(t, recipe, msg):
    sweep_lines.append(f"{rfc(t)} [{recipe}] {msg}")


# bluesky-pds (cold green, promote fails, label lies)
t = SWEEP_START + TD(seconds=4)
R = mk("sweep-20260614-bluesky-pds", "bluesky-pds", "0.3.0+v0.4.219", rfc(t + TD(seconds=1))[:-1], "3f9a1c",
       upgrade=False)
sl(t, "bluesky-pds", f"run_on_tag 0.3.0+v0.4.219 run_id={R.id}")
F.opening(R)
F.install(R, deploy_secs=112)
R.na_tier("upgrade", "moving pds:0.4 tag")
F.backup(R, snap="9b02d4f1", size="3.4MiB")
F.restore(R, snap="9b02d4f1")
F.custom(R, "pass", [("custom__recipe__test_xrpc.xml", [
    case("tests/custom/test_xrpc.py", "test_describe_server", 0.41),
    case("tests/custom/test_xrpc.py", "test_create_account_and_post", 2.87)])])
F.closing(R, 0)
save(R, lint_unsat=("R004", "R005"), lint_rj=std_lint_rj(("R004", "R005")),
     skips={"intentional": {"upgrade": "moving pds:0.4 tag"}, "unintentional": []},
     customization={"recipe_tests": ["tests/test_xrpc.py"], "overlay_tests": []})
t = R.t + TD(seconds=1)
sl(t, "bluesky-pds", "cold rc=0")
sl(t + TD(seconds=1), "bluesky-pds", "WC5 promote: abra app deploy warm-bluesky-pds.ci.commoninternet.net 0.3.0+v0.4.219")
sl(t + TD(seconds=96), "bluesky-pds", "WC5 waiting for https://warm-bluesky-pds.ci.commoninternet.net/xrpc/_health (timeout 300s)")
sl(t + TD(seconds=396), "bluesky-pds",
   "WC5 promote failed: warm-bluesky-pds.ci.commoninternet.net: not healthy over HTTPS /xrpc/_health (last status 0)")
sl(t + TD(seconds=397), "bluesky-pds", "canonical unchanged: ci-warm/bluesky-pds/canonical.json (0.2.0+v0.4.182)")
sl(t + TD(seconds=398), "bluesky-pds", "PASS (promoted)")
t = t + TD(seconds=401)

# cryptpad (green, scary words, promoted)
sl(t, "cryptpad", "run_on_tag 0.6.0+v2026.5.1 run_id=sweep-20260614-cryptpad")
R = mk("sweep-20260614-cryptpad", "cryptpad", "0.6.0+v2026.5.1", rfc(t + TD(seconds=1))[:-1], "c7e0d4")
F.opening(R)
R.ev(1, "DEBUG", "deploy", 'env ALERT_BANNER="If you ever see FATA deploy timed out here, tell the admins" (from .env)')
F.install(R, deploy_secs=88, pre=[
    (2, "INFO", "deploy", f"abra app new cryptpad --domain {R.domain} --secrets --no-input"),
    (9, "INFO", "deploy", f"abra app deploy {R.domain} {R.prev} --no-input"),
    (1, "DEBUG", "health", "retry policy attempts=30 interval=10s (no retries used yet)"),
    (88, "INFO", "deploy", f"converged: {R.stack} services=1/1"),
    (4, "INFO", "health", f"https://{R.domain}/ status=200 errors=0")])
F.upgrade(R, secs=51, pre_extra=[(1, "INFO", "deploy", "app log: [server] error counters reset: errors=0 timeouts=0 fatal=0")])
F.backup(R, snap="77f1b3c2", size="9.8MiB")
F.restore(R, snap="77f1b3c2")
F.custom(R, "pass", [("custom__cc-ci__test_config.xml", C.cryptpad_custom())],
         pre=[(1, "DEBUG", "tier", "custom retry=0 timeout=120s failures_allowed=0")])
F.closing(R, 0)
save(R, customization={"recipe_tests": [], "overlay_tests": ["tests/cryptpad/test_config.py"]})
t = R.t + TD(seconds=1)
sl(t, "cryptpad", "cold rc=0")
sl(t + TD(seconds=1), "cryptpad", "WC5 promote: abra app deploy warm-cryptpad.ci.commoninternet.net 0.6.0+v2026.5.1")
sl(t + TD(seconds=212), "cryptpad", "WC5 healthy: https://warm-cryptpad.ci.commoninternet.net/ status=200")
sl(t + TD(seconds=213), "cryptpad", "canonical cryptpad advanced to known-good 0.6.0+v2026.5.1")
sl(t + TD(seconds=214), "cryptpad", "PASS (promoted)")
CRYPTPAD_CANON_T = t + TD(seconds=213)
t = t + TD(seconds=217)


def discourse_run(rid, start, hex6, prepull_t=2):
    R = mk(rid, "discourse", "0.8.1+3.5.0", start, hex6)
    F.opening(R, prepull=[
        (prepull_t, "WARN", "prepull", "docker compose config --images rc=15; skipping (deploy will pull as usual)"),
        (0, "WARN", "prepull", 'stderr: service "sidekiq" depends on undefined service "discourse": invalid compose project')])
    F.install(R, deploy_secs=241, suites=[("install__generic__test_install.xml", C.install_pass(1.6))])
    F.upgrade(R, "fail", secs=168, suites=[
        ("upgrade__generic__test_upgrade.xml", C.upgrade_pass(1.3)),
        ("upgrade__cc-ci__test_upgrade.xml", C.discourse_overlay(R.domain))])
    F.backup(R, snap="2d8e6f14" if rid.startswith("sweep") else "a913c5e0", size="156.0MiB")
    F.restore(R, snap="2d8e6f14" if rid.startswith("sweep") else "a913c5e0")
    F.custom(R, "pass", [("custom__recipe__test_forum.xml", [
        case("tests/custom/test_forum.py", "test_srv_status_ok", 0.38),
        case("tests/custom/test_forum.py", "test_latest_json_lists_topics", 1.12)])])
    F.closing(R, 7)
    save(R, customization={"recipe_tests": ["tests/test_forum.py"], "overlay_tests": ["tests/discourse/test_upgrade.py"]},
         lint_unsat=("R002",), lint_rj=std_lint_rj(("R002",)))
    return R


# discourse
sl(t, "discourse", "run_on_tag 0.8.1+3.5.0 run_id=sweep-20260614-discourse")
R = discourse_run("sweep-20260614-discourse", rfc(t + TD(seconds=1))[:-1], "5b71e2")
t = R.t + TD(seconds=1)
sl(t, "discourse", "cold rc=7")
sl(t + TD(seconds=1), "discourse", "FAIL (canonical unchanged)")
t = t + TD(seconds=3)

# gitea (overlay ahead of a release)
sl(t, "gitea", "run_on_tag 3.2.1+1.23.8 run_id=sweep-20260614-gitea")
R = mk("sweep-20260614-gitea", "gitea", "3.2.1+1.23.8", rfc(t + TD(seconds=1))[:-1], "e1cb78")
F.opening(R)
F.install(R, deploy_secs=133)
F.upgrade(R, "fail", secs=97, suites=[
    ("upgrade__generic__test_upgrade.xml", C.upgrade_pass()),
    ("upgrade__cc-ci__test_upgrade.xml", C.gitea_overlay(R.domain))])
F.backup(R, snap="c03b9e55", size="22.6MiB")
F.restore(R, snap="c03b9e55")
F.custom(R, "pass", [("custom__generic__test_smoke.xml", [case("tests/_generic/test_smoke.py", "test_login_page", 0.8)])])
F.closing(R, 7)
save(R, customization={"recipe_tests": [], "overlay_tests": ["tests/gitea/test_upgrade.py"]})
t = R.t + TD(seconds=1)
sl(t, "gitea", "cold rc=7")
sl(t + TD(seconds=1), "gitea", "FAIL (canonical unchanged)")
t = t + TD(seconds=3)

# immich: nothing new
sl(t, "immich", "latest tag 1.4.0+v1.135.3 == canonical 1.4.0+v1.135.3")
sl(t + TD(seconds=1), "immich", "SKIP no-new-version")
t = t + TD(seconds=3)


def mumble_run(rid, start, hex6, fail, snap):
    R = mk(rid, "mumble", "1.0.0+v1.6.870-0", start, hex6)
    F.opening(R)
    F.install(R, deploy_secs=58)
    F.upgrade(R, secs=44)
    F.backup(R, snap=snap, size="0.4MiB")
    F.restore(R, snap=snap)
    F.custom(R, "fail" if fail else "pass",
             [("custom__recipe__test_protocol_handshake.xml", C.mumble_custom(R.domain, fail))])
    F.closing(R, 7 if fail else 0)
    save(R, customization={"recipe_tests": ["tests/test_protocol_handshake.py"], "overlay_tests": []},
         lint_unsat=("R002",), lint_rj=std_lint_rj(("R002",)))
    return R


sl(t, "mumble", "run_on_tag 1.0.0+v1.6.870-0 run_id=sweep-20260614-mumble")
R = mumble_run("sweep-20260614-mumble", rfc(t + TD(seconds=1))[:-1], "4e1f07", True, "61d0ab3e")
R.t += TD(seconds=0)
t = R.t + TD(seconds=1)
sl(t, "mumble", "cold rc=7")
sl(t + TD(seconds=1), "mumble", "FAIL (canonical unchanged)")
t = t + TD(seconds=3)


def nextcloud_run(rid, start, hex6, teardown_error, snap):
    R = mk(rid, "nextcloud", "7.1.0+31.0.6", start, hex6)
    F.opening(R)
    F.install(R, deploy_secs=176)
    F.upgrade(R, secs=141)
    F.backup(R, snap=snap, size="61.9MiB")
    F.restore(R, snap=snap)
    F.custom(R, "fail", [("custom__recipe__test_occ.xml", C.nextcloud_custom(R.domain, teardown_error))])
    F.closing(R, 7)
    save(R, customization={"recipe_tests": ["tests/test_occ.py"], "overlay_tests": []})
    return R


sl(t, "nextcloud", "run_on_tag 7.1.0+31.0.6 run_id=sweep-20260614-nextcloud")
R = nextcloud_run("sweep-20260614-nextcloud", rfc(t + TD(seconds=1))[:-1], "0b6d93", True, "8e25f7a1")
t = R.t + TD(seconds=1)
sl(t, "nextcloud", "cold rc=7")
sl(t + TD(seconds=1), "nextcloud", "FAIL (canonical unchanged)")
t = t + TD(seconds=3)

# peertube: killed by the sweep's 20 min per-recipe timeout (SIGALRM, rc 142)
sl(t, "peertube", "run_on_tag 1.7.0+7.2.0 run_id=sweep-20260614-peertube")
R = mk("sweep-20260614-peertube", "peertube", "1.7.0+7.2.0", rfc(t + TD(seconds=1))[:-1], "a45c2b")
peer_start = R.t
F.opening(R)
F.install(R, deploy_secs=205)
F.upgrade(R, secs=160)
F.backup(R, snap="f0c81d27", size="310.5MiB")
F.restore(R, snap="f0c81d27")
R.ev(2, "INFO", "tier", "custom start")
R.ev(3, "INFO", "tier", "custom pytest tests/custom/test_transcoding.py (collecting)",
     ["tests/custom/test_transcoding.py::test_upload_is_transcoded "])
killed = peer_start + TD(seconds=1200)
RUNS[R.id] = dict(R=R, console=True, lint=lint_table(R.recipe), results=None, note="killed")
t = killed
sl(t, "peertube", "cold rc=142")
sl(t + TD(seconds=1), "peertube", "FAIL (canonical unchanged)")
SWEEP_END = t + TD(seconds=1)

# 753: Drone, mattermost-lts, restore fails, overlaps discourse + gitea (+754)
R = mk("753", "mattermost-lts", "2.1.9+10.11.15", "2026-06-14T03:41:07", "0d9e2a")
F.opening(R)
F.install(R, deploy_secs=102)
F.upgrade(R, secs=81)
F.backup(R, snap="7d3f01c2", size="214.1MiB")
F.restore(R, "fail", [("restore__generic__test_restore.xml", C.restore_fail_pg(R.domain, R.recipe, "postgres"))],
          snap="7d3f01c2")
F.custom(R, "pass", [("custom__generic__test_smoke.xml", [case("tests/_generic/test_smoke.py", "test_login_page", 2.3)])])
F.closing(R, 7)
save(R)

# 754: Drone, hedgedoc, junit/ + abra/ only, backup times out under load
R = mk("754", "hedgedoc", "1.4.2+1.10.3", "2026-06-14T03:54:00", "2b7d41")
F.opening(R)
F.install(R, deploy_secs=150)
F.upgrade(R, secs=120)
R.t += TD(seconds=200)
R.t += TD(seconds=330)
F.backup(R, "fail", [("backup__generic__test_backup.xml", C.hedgedoc_backup_timeout(R.domain))], snap="-")
RUNS["754"] = dict(R=R, console=False, lint=None, results=None, note="junit-only")

# manual-immich-1: the green reference for backup/restore
R = mk("manual-immich-1", "immich", "1.4.0+v1.135.3", "2026-06-16T14:02:11", "6c0e9f")
F.opening(R)
F.install(R, deploy_secs=187)
F.upgrade(R, secs=110)
F.backup(R, snap="3a7e91d4", size="88.2MiB")
F.restore(R, snap="3a7e91d4")
F.custom(R, "pass", [("custom__generic__test_smoke.xml", [case("tests/_generic/test_smoke.py", "test_login_page", 1.1)])])
F.closing(R, 0)
save(R)

# isolation runs of the redfix phase
discourse_run("manual-4242", "2026-06-17T23:20:04", "9a4c0e")

R = mk("redfix-mattermost-lts", "mattermost-lts", "2.1.9+10.11.15", "2026-06-17T23:41:05", "f3a5d8")
F.opening(R)
F.install(R, deploy_secs=97)
F.upgrade(R, secs=76)
F.backup(R, snap="b0495d36", size="213.8MiB")
F.restore(R, "fail", [("restore__generic__test_restore.xml", C.restore_fail_pg(R.domain, R.recipe, "postgres"))],
          snap="b0495d36")
F.custom(R, "pass", [("custom__generic__test_smoke.xml", [case("tests/_generic/test_smoke.py", "test_login_page", 2.0)])])
F.closing(R, 7)
save(R)

mumble_run("redfix-mumble", "2026-06-18T00:06:02", "d2b816", False, "4c9e0a17")

R = mk("redfix-bluesky-pds", "bluesky-pds", "0.3.0+v0.4.219", "2026-06-18T00:19:03", "8f4e2a", upgrade=False)
F.opening(R)
F.install(R, deploy_secs=109)
R.na_tier("upgrade", "moving pds:0.4 tag")
F.backup(R, snap="1e7b9c53", size="3.3MiB")
F.restore(R, snap="1e7b9c53")
F.custom(R, "pass", [("custom__recipe__test_xrpc.xml", [
    case("tests/custom/test_xrpc.py", "test_describe_server", 0.39),
    case("tests/custom/test_xrpc.py", "test_create_account_and_post", 2.64)])])
F.closing(R, 0)
bsky_cold_end = R.t
W = "warm-bluesky-pds.ci.commoninternet.net"
WS = "warm-bluesky-pds_ci_commoninternet_net"
R.ev(2, "INFO", "promote", f"WC5 abra app deploy {W} 0.3.0+v0.4.219 --no-input")
R.ev(71, "INFO", "deploy", f"converged: {WS} services=2/2")
ips = ["10.10.0.5", "10.10.0.2", "10.10.0.9", "10.10.0.12"]
for i in range(4):
    R.ev(75, "WARN", "health", f"https://{W}/xrpc/_health status=0 attempt={i + 1}/4")
R.ev(1, "INFO", "promote", f"docker service logs {WS}_caddy --tail 3",
     [f'{WS}_caddy.1.q8v0k2m1x7@ccci-swarm-01    | {{"level":"error","ts":{R.t.timestamp() - 95 + 31 * k + 0.118:.3f},'
      f'"logger":"tls.on_demand","msg":"failed to get permission for on-demand certificate",'
      f'"domain":"{W}","error":"checking whether domain is allowed: Get \\"http://app:3000/tls-check?domain={W}\\": '
      f'dial tcp {ip}:3000: connect: connection refused"}}' for k, ip in enumerate(["10.10.0.5", "10.10.0.9", "10.10.0.12"])])
R.ev(1, "ERROR", "promote", f"WC5 promote failed: {W}: not healthy over HTTPS /xrpc/_health (last status 0)")
R.ev(0, "INFO", "promote", "canonical unchanged: ci-warm/bluesky-pds/canonical.json (0.2.0+v0.4.182)")
save(R, lint_unsat=("R004", "R005"), lint_rj=std_lint_rj(("R004", "R005")),
     skips={"intentional": {"upgrade": "moving pds:0.4 tag"}, "unintentional": []},
     customization={"recipe_tests": ["tests/test_xrpc.py"], "overlay_tests": []})
# finished = end of the cold run (results.json written by run_recipe_ci.py)
RUNS[R.id]["results"] = R.results_json({"install": "pass", "upgrade": "skip", "backup_restore": "pass",
                                        "functional": "pass", "lint": "pass"}, 5,
                                       {"intentional": {"upgrade": "moving pds:0.4 tag"}, "unintentional": []},
                                       std_lint_rj(("R004", "R005")), None,
                                       {"recipe_tests": ["tests/test_xrpc.py"], "overlay_tests": []},
                                       finished=R.finished_epoch(bsky_cold_end))

mumble_run("redfix-mumble-2", "2026-06-18T01:02:10", "57ac3e", False, "0f8d2b69")

R = mk("redfix-bookstack", "bookstack", "5.1.0+v25.05.1", "2026-06-18T01:20:00", "b8d1f4")
F.opening(R)
F.install(R, deploy_secs=121)
F.upgrade(R, secs=88)
F.backup(R, snap="3e8a61b0", size="131.6MiB")
F.restore(R, "fail", [("restore__generic__test_restore.xml", C.restore_fail_mariadb(R.domain, R.recipe, "db"))],
          snap="3e8a61b0")
F.custom(R, "pass", [("custom__generic__test_smoke.xml", [case("tests/_generic/test_smoke.py", "test_login_page", 1.4)])])
F.closing(R, 7)
save(R)

nextcloud_run("redfix-nextcloud", "2026-06-18T01:45:12", "71e0c5", False, "d6a3f802")


# ----------------------------------------------------------- harness runs
def dead_results(R, failed_tier, status="fail", tests=None):
    R.stages.append({"name": failed_tier, "status": status, "tests": tests or []})
    R.results[failed_tier] = status


# 761 wordpress: disk full while pulling
R = mk("761", "wordpress", "2.9.1+6.8.1", "2026-06-20T09:12:03", "6a0c3e")
F.opening(R, prepull=[
    (2, "INFO", "prepull", "docker compose config --images rc=0 images=2"),
    (46, "WARN", "prepull", "docker pull wordpress:6.8.1-php8.3-apache failed; skipping (deploy will pull as usual)",
     ["failed to register layer: write /var/lib/docker/overlay2/3b9f0d6e2c1a7f54e8d0b2a9c6e1f3d7/diff/usr/lib/x86_64-linux-gnu/libicudata.so.72.1: no space left on device"])])
R.ev(2, "INFO", "tier", "install start")
R.ev(2, "INFO", "deploy", f"abra app new wordpress --domain {R.domain} --secrets --no-input")
R.ev(9, "INFO", "deploy", f"abra app deploy {R.domain} {R.prev} --no-input")
R.ev(151, "ERROR", "deploy", f"service {R.stack}_app: task rejected: No such image: wordpress:6.8.1-php8.3-apache",
     ["FATA deploy failed 🛑"])
R.ev(1, "ERROR", "run", "df /var/lib/docker: 0 bytes free (100% of 38G used)")
suites = [("install__generic__test_install.xml", [
    C.setup_error(C.INSTALL, "test_stack_converges", R.domain, "wordpress"),
    C.setup_error(C.INSTALL, "test_app_serves_https", R.domain, "wordpress"),
    C.setup_error(C.INSTALL, "test_no_task_restarts", R.domain, "wordpress")])]
for f, cs in suites:
    R.suite(f, cs)
    R.pytest_event("install", f, cs)
R.ev(1, "ERROR", "tier", "install FAIL junit=junit/install__generic__test_install.xml")
R.stage("install", "fail", suites)
R.ev(1, "INFO", "run", "later tiers not run: install failed")
F.closing(R, 4)
save(R)

# 762 keycloak: registry rate limit
R = mk("762", "keycloak", "10.3.1+26.2.5", "2026-06-20T11:02:15", "2e94b7")
F.opening(R, prepull=[
    (2, "INFO", "prepull", "docker compose config --images rc=0 images=2"),
    (5, "WARN", "prepull", "docker pull postgres:16 failed; skipping (deploy will pull as usual)",
     ["Error response from daemon: toomanyrequests: unauthenticated pull rate limit reached for docker.io, see https://www.docker.com/increase-rate-limit"])])
R.ev(2, "INFO", "tier", "install start")
R.ev(2, "INFO", "deploy", f"abra app new keycloak --domain {R.domain} --secrets --no-input")
R.ev(9, "INFO", "deploy", f"abra app deploy {R.domain} {R.prev} --no-input")
R.ev(31, "WARN", "deploy", f'service {R.stack}_db: task state=rejected err="toomanyrequests: unauthenticated pull rate limit"')
R.ev(570, "ERROR", "deploy", "FATA deploy timed out 🟠")
R.ev(1, "ERROR", "tier", 'install FAIL reason="deploy failed"')
dead_results(R, "install")
R.ev(1, "INFO", "run", "later tiers not run: install failed")
F.closing(R, 4)
save(R)

# m2r-outline: recipe fetch from a private mirror without credentials
R = mk("m2r-outline", "wordpress", "2.9.1+6.8.1", "2026-06-21T08:30:02", "000000")  # placeholder, replaced below
R.recipe, R.tag = "outline", "3.2.0+0.85.1"
R.domain = "outl-c5a019.ci.commoninternet.net"
R.stack = R.domain.replace(".", "_")
R.ref = "0" * 40
R.ev(0, "INFO", "run", "start recipe=outline version=3.2.0+0.85.1 run_id=m2r-outline ref=unknown")
R.ev(1, "INFO", "run", "fetch recipe=outline remote=https://git.autonomic.zone/mirrors/outline.git")
R.ev(37, "ERROR", "run", "recipe fetch failed rc=128",
     ["Cloning into '/root/.abra/recipes/outline'...",
      "fatal: could not read Username for 'https://git.autonomic.zone': terminal prompts disabled"])
R.ev(1, "ERROR", "tier", 'install FAIL reason="recipe checkout failed"')
dead_results(R, "install", "error")
R.ev(0, "INFO", "run", "RESULT: install ERROR")
R.ev(0, "INFO", "run", "end rc=3")
RUNS[R.id] = dict(R=R, console=True, lint=None, note=None, results=json.dumps({
    "schema": 2, "recipe": "outline", "version": "3.2.0+0.85.1", "pr": None, "ref": None, "run_id": "m2r-outline",
    "finished": R.finished_epoch(), "stages": R.stages, "results": R.results, "level": 0,
    "rungs": {"install": "fail", "upgrade": "unver", "backup_restore": "unver", "functional": "unver", "lint": "unver"},
    "skips": {"intentional": {}, "unintentional": ["upgrade", "backup_restore", "functional", "lint"]},
    "lint": {"status": "unver", "detail": "recipe not checked out", "rules_failed": []},
    "flags": {"clean_teardown": True, "no_secret_leak": True}, "customization": None,
    "screenshot": None, "summary_card": "summary.png"}, indent=2) + "\n")

# dstamp-repro4 plausible: abra without a terminal
R = mk("dstamp-repro4", "plausible", "4.0.1+3.0.1", "2026-06-21T10:15:20", "9d04e1")
F.opening(R)
R.ev(2, "INFO", "tier", "install start")
R.ev(2, "INFO", "deploy", f"abra app new plausible --domain {R.domain} --secrets")
R.ev(1, "ERROR", "deploy", "abra app new rc=1",
     ["? Which server do you want to use?  [Use arrows to move, type to filter]",
      "FATA abra: not a terminal: open /dev/tty: inappropriate ioctl for device"])
R.ev(1, "ERROR", "tier", 'install FAIL reason="abra app new failed"')
dead_results(R, "install")
F.closing(R, 4, teardown=False)
save(R)

# 763 authentik: unstaged changes in the recipe checkout stop the upgrade
R = mk("763", "authentik", "9.2.0+2025.6.2", "2026-06-22T07:40:00", "4f7a20")
F.opening(R)
F.install(R, deploy_secs=164)
R.ev(2, "INFO", "tier", f"upgrade start from={R.prev} to={R.ref[:8]}")
R.ev(2, "INFO", "deploy", f"abra app deploy {R.domain} --chaos --force --no-input")
R.ev(1, "ERROR", "deploy", "abra app deploy rc=1",
     ["FATA authentik has locally unstaged changes? please commit/remove your changes before proceeding",
      " M .env.sample"])
R.ev(1, "ERROR", "tier", 'upgrade FAIL reason="deploy failed"')
dead_results(R, "upgrade")
R.ev(1, "INFO", "run", "later tiers not run: upgrade failed")
F.closing(R, 4)
save(R)

# m2r-matrix-synapse: an orphaned stack from an earlier run blocks the deploy
R = mk("m2r-matrix-synapse", "matrix-synapse", "5.5.0+1.131.0", "2026-06-22T13:05:00", "5e0c77")
R.ev(0, "INFO", "run", f"start recipe={R.recipe} version={R.tag} run_id={R.id} ref={R.ref[:12]}")
R.ev(1, "WARN", "teardown", f"orphaned stack={R.stack} created=2026-06-20T16:44:09Z services=2 (left by an earlier run; not removed)")
R.ev(1, "INFO", "run", f"checkout recipe={R.recipe} tag={R.tag} path=abra/recipes/{R.recipe} head={R.ref[:8]}")
R.ev(3, "INFO", "lint", f"abra recipe lint {R.recipe}: error rules satisfied, see lint.txt")
R.ev(2, "INFO", "prepull", "docker compose config --images rc=0 images=2")
R.ev(19, "INFO", "prepull", "pulled 2 images")
R.ev(2, "INFO", "tier", "install start")
R.ev(2, "INFO", "deploy", f"abra app new matrix-synapse --domain {R.domain} --secrets --no-input")
R.ev(1, "ERROR", "deploy", "abra app new rc=1",
     [f"FATA {R.domain} is already deployed; refusing to create it again (stack {R.stack} exists)"])
R.ev(1, "ERROR", "tier", 'install FAIL reason="deploy refused: stack exists"')
dead_results(R, "install")
F.closing(R, 4, teardown=False)
save(R)

# 764 ghost: swarm cannot allocate a VIP on proxy
R = mk("764", "ghost", "1.9.0+5.121.0", "2026-06-23T09:00:00", "71c3aa")
F.opening(R)
R.ev(2, "INFO", "tier", "install start")
R.ev(2, "INFO", "deploy", f"abra app new ghost --domain {R.domain} --secrets --no-input")
R.ev(9, "INFO", "deploy", f"abra app deploy {R.domain} {R.prev} --no-input")
R.ev(4, "WARN", "deploy", f"service {R.stack}_app: could not find an available IP while allocating VIP")
R.ev(30, "WARN", "deploy", f'service {R.stack}_app: task state=pending err="no suitable node (1 node not available for new tasks; no available IPv4 addresses on this network\'s address pools: proxy (10.10.0.0/24))"')
R.ev(566, "ERROR", "deploy", "FATA deploy timed out 🟠")
R.ev(1, "INFO", "deploy", "docker network inspect proxy: subnet=10.10.0.0/24 endpoints=251")
suites = [("install__generic__test_install.xml", [
    C.setup_error(C.INSTALL, "test_stack_converges", R.domain, "ghost"),
    C.setup_error(C.INSTALL, "test_app_serves_https", R.domain, "ghost"),
    C.setup_error(C.INSTALL, "test_no_task_restarts", R.domain, "ghost")])]
for f, cs in suites:
    R.suite(f, cs)
    R.pytest_event("install", f, cs)
R.ev(1, "ERROR", "tier", "install FAIL junit=junit/install__generic__test_install.xml")
R.stage("install", "fail", suites)
R.ev(1, "INFO", "run", "later tiers not run: install failed")
F.closing(R, 4)
save(R)

# broken-files (n8n): every kind of damaged artifact
R = mk("broken-files", "n8n", "2.4.0+1.98.2", "2026-06-23T14:00:00", "0c4f2a")
F.opening(R)
F.install(R, deploy_secs=120)
up_cases = [case(C.UPGRADE, "test_upgrade_converges", 7.4),
            case(C.UPGRADE, "test_app_serves_after_upgrade", 600.2, "fail",
                 f"AssertionError: https://{R.domain}/healthz did not answer 200 within 600s (last status 503)\nassert 503 == 200",
                 f"""app = <App n8n {R.domain}>

    def test_app_serves_after_upgrade(app):
        status = app.wait_http(app.meta.HEALTH_PATH, timeout=600)
>       assert status == 200
E       AssertionError: https://{R.domain}/healthz did not answer 200 within 600s (last status 503)
E       assert 503 == 200

tests/_generic/test_upgrade.py:11: AssertionError""")]
F.upgrade(R, "fail", secs=90, suites=[("upgrade__generic__test_upgrade.xml", up_cases)])
bk_cases = [case(C.BACKUP, "test_backup_creates_snapshot", 41.0, "fail",
                 "RuntimeError: backupbot: restic: Fatal: unable to save snapshot: sauvegarde @@E9chou@@E9e",
                 f"""app = <App n8n {R.domain}>

    def test_backup_creates_snapshot(app):
>       snapshot = backup.create(app, timeout=300)

tests/_generic/test_backup.py:6: 
{C.SEP}

    def create(app, timeout=None):
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if out.returncode != 0:
>           raise RuntimeError(f"backupbot: {{out.stderr.strip()}}")
E           RuntimeError: backupbot: restic: Fatal: unable to save snapshot: sauvegarde @@E9chou@@E9e

cc_ci/backup.py:44: RuntimeError"""),
            case(C.BACKUP, "test_backup_hooks_exit_zero", 0.5)]
F.backup(R, "fail", [("backup__generic__test_backup.xml", bk_cases)], snap="-")
F.restore(R, "pass", snap="2b6f0e93")
F.custom(R, "pass", [("custom__recipe__test_workflows.xml", [
    case("tests/custom/test_workflows.py", "test_webhook_workflow_runs", 3.3)])])
F.closing(R, 7)
save(R)
RUNS["broken-files"]["note"] = "broken"

# ------------------------------------------------------------ phase 3: write
spans = {}
for rid, d in RUNS.items():
    R = d["R"]
    base = os.path.join(OUT, "runs", rid)
    os.makedirs(base, exist_ok=True)
    for fname, xml in R.junit.items():
        wfile(os.path.join(base, "junit", fname), xml)
    if d["results"] is not None:
        wfile(os.path.join(base, "results.json"), d["results"])
    if d["lint"]:
        wfile(os.path.join(base, "lint.txt"), d["lint"])
    if d["console"]:
        wfile(os.path.join(base + ".console.log"), ("\n".join(R.con) + "\n").replace("@@E9", "é"))
    first = R.con[0][:20]
    last = [l for l in R.con if l[:4] == "2026"][-1][:20]
    spans[rid] = (first, last)

# broken files: damage them
b = os.path.join(OUT, "runs", "broken-files")
up = open(os.path.join(b, "junit", "upgrade__generic__test_upgrade.xml"), "rb").read()
cut = up.index(b"did not answer 200") + 9
wfile(os.path.join(b, "junit", "upgrade__generic__test_upgrade.xml"), up[:cut])
bk = open(os.path.join(b, "junit", "backup__generic__test_backup.xml"), "rb").read()
wfile(os.path.join(b, "junit", "backup__generic__test_backup.xml"), bk.replace(b"@@E9", b"\xe9"))
wfile(os.path.join(b, "junit", "restore__generic__test_restore.xml"), b"")
png = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00\x1f\xf3\xffa"
       b"\x00\x00\x00\x1dIDATx\x9cc\xfc\xff\x9f\xa1\x1e\x00\x03\x98\x81\x89\x81\x81\x81\x01\x16\xe4\xc8Q"
       b"\x03\x00\x9c\x0f\x06\x19\x8f\x17\xc3\x9b\x00\x00\x00\x00IEND\xaeB`\x82")
wfile(os.path.join(b, "junit", "custom__recipe__test_workflows.xml"), png)
rj = open(os.path.join(b, "results.json"), "rb").read()
wfile(os.path.join(b, "results.json"), rj[: rj.index(b'"rungs"') + 30])
# the console keeps the RESULT line: the run is still triaged

# peertube: no results.json (killed), console without end line: already so

# ------------------------------------------------------------ sweep log
banner = "===== nightly cold sweep: enrolled canonicals = [" + ", ".join(ENROLLED) + "] ====="
wfile(os.path.join(OUT, "sweep-20260614.log"),
      f"{rfc(SWEEP_START)} nightly-sweep: starting (node ccci-swarm-01, max 2 concurrent drone builds)\n"
      + banner + "\n" + "\n".join(sweep_lines) + "\n")

# ------------------------------------------------------------ canonicals
CANON = {
    "bluesky-pds": ("0.2.0+v0.4.182", "20260524T031207Z"),
    "cryptpad": ("0.6.0+v2026.5.1", CRYPTPAD_CANON_T.strftime("%Y%m%dT%H%M%SZ")),
    "discourse": ("0.8.0+3.4.4", "20260531T034412Z"),
    "gitea": ("3.2.0+1.23.7", "20260531T041055Z"),
    "immich": ("1.4.0+v1.135.3", "20260607T040233Z"),
    "mumble": ("1.0.0+v1.6.870-0", "20260617T180501Z"),
    "nextcloud": ("7.0.0+31.0.5", "20260524T044130Z"),
    "peertube": ("1.6.0+7.1.1", "20260531T050912Z"),
}
for r, (v, ts) in CANON.items():
    wfile(os.path.join(OUT, "ci-warm", r, "canonical.json"),
          json.dumps({"recipe": r, "version": v, "commit": SHA[r][v], "status": "idle", "ts": ts}) + "\n")

# ------------------------------------------------------------ summary for README
with open(os.path.join(TMP, "spans.json"), "w") as f:
    json.dump({"spans": spans, "finished": {rid: json.loads(d["results"])["finished"]
                                            for rid, d in RUNS.items()
                                            if d["results"] and rid != "broken-files"},
               "junit_ts": {rid: sorted(x.split('timestamp="')[1].split('"')[0] for x in d["R"].junit.values())
                            for rid, d in RUNS.items() if d["R"].junit},
               "sha": SHA, "domains": {rid: d["R"].domain for rid, d in RUNS.items()}}, f, indent=1)
shutil.rmtree(TMP)
print("ok", len(RUNS), "runs")
