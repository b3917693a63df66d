"""Generic upgrade tier: previous release -> head converges and still serves."""
from cc_ci import swarm


def test_upgrade_converges(app):
    state = swarm.update_status(app.stack)
    assert state == "completed"


def test_app_serves_after_upgrade(app):
    status = app.wait_http(app.meta.HEALTH_PATH, timeout=600)
    assert status == 200
