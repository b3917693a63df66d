"""cc-ci metadata for the plausible recipe."""

HEALTH_PATH = "/api/health"
EXPECTED_NA = {}
WARM_CANONICAL = False
