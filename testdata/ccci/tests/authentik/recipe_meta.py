"""cc-ci metadata for the authentik recipe."""

HEALTH_PATH = "/-/health/live/"
EXPECTED_NA = {}
WARM_CANONICAL = False
