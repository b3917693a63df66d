"""cc-ci metadata for the hedgedoc recipe."""

HEALTH_PATH = "/status"
EXPECTED_NA = {}
WARM_CANONICAL = False
