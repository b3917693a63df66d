"""Upgrade overlay for discourse (PR #41: bitnamilegacy -> official image).

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
