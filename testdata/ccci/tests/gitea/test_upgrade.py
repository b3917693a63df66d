"""Upgrade overlay for gitea (PR #318: gitea 1.24)."""
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
