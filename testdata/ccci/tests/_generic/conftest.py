"""Fixtures shared by the generic tiers: the deployed app under test."""
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
