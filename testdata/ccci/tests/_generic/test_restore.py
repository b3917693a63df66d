"""Generic restore tier: a marker written before the backup survives a restore.

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
