"""The miniature cc-ci checkout: tests/_generic, overlays, recipe_meta.py."""

GENERIC = {
"tests/_generic/__init__.py": "",
"tests/_generic/conftest.py": '''"""Fixtures shared by the generic tiers: the deployed app under test."""
import os

import pytest

from cc_ci.app import App


@pytest.fixture(scope="session")
def app():
    return App.from_env(os.environ["CCCI_APP_DOMAIN"], recipe=os.environ["RECIPE"])


@pytest.fixture(scope="session")
def app_domain(app):
    return app.domain


@pytest.fixture(scope="session")
def stack(app):
    return app.stack
''',
"tests/_generic/test_install.py": '''"""Generic install tier: the stack converges and the app answers over HTTPS."""
from cc_ci import swarm


def test_stack_converges(app):
    services = swarm.services(app.stack)
    pending = {s.name: s.replicas for s in services if s.running < s.desired}
    assert pending == {}


def test_app_serves_https(app):
    status = app.wait_http(app.meta.HEALTH_PATH, timeout=600)
    assert status == 200, f"https://{app.domain}{app.meta.HEALTH_PATH} did not answer 200 (last status {status})"


def test_no_task_restarts(app):
    restarts = swarm.restarts(app.stack)
    assert restarts == {}
''',
"tests/_generic/test_upgrade.py": '''"""Generic upgrade tier: previous release -> head converges and still serves."""
from cc_ci import swarm


def test_upgrade_converges(app):
    state = swarm.update_status(app.stack)
    assert state == "completed"


def test_app_serves_after_upgrade(app):
    status = app.wait_http(app.meta.HEALTH_PATH, timeout=600)
    assert status == 200
''',
"tests/_generic/test_backup.py": '''"""Generic backup tier: backupbot takes a snapshot and every hook exits 0."""
from cc_ci import backup


def test_backup_creates_snapshot(app):
    snapshot = backup.create(app, timeout=300)
    assert snapshot.id


def test_backup_hooks_exit_zero(app):
    failed = [h for h in backup.last_hooks(app) if h.rc != 0]
    assert failed == []
''',
"tests/_generic/test_restore.py": '''"""Generic restore tier: a marker written before the backup survives a restore.

Seeds a `ci_marker` table in the recipe's database, backs up, drops the
table, restores the snapshot and reads the marker back. A recipe whose
backup does not round-trip loses the table.
"""
import pytest

from cc_ci import backup, db

MARKER = "ccci-restore-marker"


@pytest.fixture
def marker_db(app):
    conn = db.connect(app)  # postgres or mariadb, found from the compose
    conn.execute("CREATE TABLE IF NOT EXISTS ci_marker (id int PRIMARY KEY, value text)")
    conn.execute("INSERT INTO ci_marker VALUES (1, %s)", (MARKER,))
    return conn


def test_restore_returns_state(app, marker_db):
    snapshot = backup.create(app)
    marker_db.execute("DROP TABLE ci_marker")
    backup.restore(app, snapshot)
    conn = db.connect(app, fresh=True)
    row = conn.execute("SELECT value FROM ci_marker WHERE id = 1").fetchone()
    assert row == (MARKER,)


def test_app_serves_after_restore(app):
    status = app.wait_http(app.meta.HEALTH_PATH, timeout=300)
    assert status == 200
''',
}

DISCOURSE_OVERLAY = '''"""Upgrade overlay for discourse (PR #41: bitnamilegacy -> official image).

prevb phase: after upgrading to the PR head, the stack must run the
official discourse image and no longer carry the separate sidekiq service.
"""
import pytest

from cc_ci import swarm

OFFICIAL_VERSION = "3.5.3"


@pytest.fixture(scope="module")
def head_services(app):
    return swarm.service_specs(app.stack)


def test_head_runs_official_image_not_bitnamilegacy(head_services):
    image = head_services["app"]["image"].split("@")[0]
    assert image == f"discourse/discourse:{OFFICIAL_VERSION}"


def test_sidekiq_service_dropped_by_head(head_services):
    names = sorted(head_services)
    assert "sidekiq" not in names


def test_head_keeps_uploads_volume(head_services):
    mounts = [m["target"] for m in head_services["app"]["mounts"]]
    assert "/bitnami/discourse" in mounts or "/shared" in mounts
'''

GITEA_OVERLAY = '''"""Upgrade overlay for gitea (PR #318: gitea 1.24)."""
import pytest

from cc_ci import swarm

EXPECTED_IMAGE = "gitea/gitea:1.24.2"


@pytest.fixture(scope="module")
def head_services(app):
    return swarm.service_specs(app.stack)


def test_head_runs_gitea_1_24(head_services):
    image = head_services["app"]["image"].split("@")[0]
    assert image == EXPECTED_IMAGE


def test_app_ini_config_mounted(head_services):
    targets = [c["target"] for c in head_services["app"]["configs"]]
    assert "/etc/gitea/app.ini" in targets
'''

CRYPTPAD_OVERLAY = '''"""Functional overlay for cryptpad: config knobs and error pages."""
from cc_ci import http


def test_timeout_is_configurable(app):
    cfg = app.exec("app", ["node", "-e", "console.log(require('/cryptpad/config/config.js').httpTimeout)"])
    assert cfg.stdout.strip() == "30000"


def test_error_page_renders(app):
    r = http.get(f"https://{app.domain}/error.html")
    assert r.status == 200
    assert "CryptPad" in r.text


def test_sandbox_domain_served(app):
    r = http.get(f"https://sandbox-{app.domain}/")
    assert r.status in (200, 403)
'''

META = {
    "discourse": dict(health="/srv/status", warm=True),
    "mattermost-lts": dict(health="/api/v4/system/ping", warm=False),
    "immich": dict(health="/api/server/ping", warm=True),
    "mumble": dict(health="/", warm=True),
    "bluesky-pds": dict(health="/xrpc/_health", warm=True, na={"upgrade": "moving pds:0.4 tag"}),
    "bookstack": dict(health="/login", warm=False),
    "gitea": dict(health="/api/healthz", warm=True),
    "nextcloud": dict(health="/status.php", warm=True),
    "cryptpad": dict(health="/", warm=True),
    "peertube": dict(health="/api/v1/config", warm=True),
    "custom-html-tiny": dict(health="/", warm=False),
    "hedgedoc": dict(health="/status", warm=False),
    "wordpress": dict(health="/wp-login.php", warm=False),
    "keycloak": dict(health="/realms/master", warm=False),
    "outline": dict(health="/_health", warm=False),
    "plausible": dict(health="/api/health", warm=False),
    "authentik": dict(health="/-/health/live/", warm=False),
    "matrix-synapse": dict(health="/health", warm=False),
    "ghost": dict(health="/ghost/api/admin/site/", warm=False),
    "n8n": dict(health="/healthz", warm=False),
}


def recipe_meta(recipe):
    m = META[recipe]
    lines = [f'"""cc-ci metadata for the {recipe} recipe."""', "",
             f'HEALTH_PATH = "{m["health"]}"']
    na = m.get("na", {})
    if na:
        lines.append("EXPECTED_NA = {" + ", ".join(f'"{k}": "{v}"' for k, v in na.items()) + "}")
    else:
        lines.append("EXPECTED_NA = {}")
    lines.append(f"WARM_CANONICAL = {m['warm']}")
    return "\n".join(lines) + "\n"


def files():
    out = dict(GENERIC)
    out["tests/__init__.py"] = ""
    for r in META:
        out[f"tests/{r}/recipe_meta.py"] = recipe_meta(r)
    out["tests/discourse/test_upgrade.py"] = DISCOURSE_OVERLAY
    out["tests/gitea/test_upgrade.py"] = GITEA_OVERLAY
    out["tests/cryptpad/test_config.py"] = CRYPTPAD_OVERLAY
    out["README.md"] = """# cc-ci (miniature checkout for ccci-triage tests)

Only the parts ccci-triage reads: `tests/_generic/` (the generic tiers every
recipe runs), `tests/<recipe>/` (overlays and `recipe_meta.py`). A recipe's
own tests (`tests/` in the recipe repo) run as `tests/custom/`.
"""
    return out


def lineno(text, needle):
    for i, l in enumerate(text.splitlines(), 1):
        if needle in l:
            return i
    raise KeyError(needle)
