"""Fixtures for the nextcloud recipe tests (run by cc-ci as tests/custom/)."""
import pytest


@pytest.fixture
def stack(app):
    """The deployed stack; leaves the instance out of maintenance mode."""
    # occ status polls can leave maintenance mode on when the test is cut off
    yield app.stack
    app.stack.exec("app", ["php", "occ", "maintenance:mode", "--off"], user="www-data", check=True)
