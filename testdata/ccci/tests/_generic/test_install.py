"""Generic install tier: the stack converges and the app answers over HTTPS."""
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
