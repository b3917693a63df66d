"""cc-ci metadata for the gitea recipe."""

HEALTH_PATH = "/api/healthz"
EXPECTED_NA = {}
WARM_CANONICAL = True
