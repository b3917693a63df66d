"""Generic backup tier: backupbot takes a snapshot and every hook exits 0."""
from cc_ci import backup


def test_backup_creates_snapshot(app):
    snapshot = backup.create(app, timeout=300)
    assert snapshot.id


def test_backup_hooks_exit_zero(app):
    failed = [h for h in backup.last_hooks(app) if h.rc != 0]
    assert failed == []
