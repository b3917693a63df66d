"""cc-ci metadata for the outline recipe."""

HEALTH_PATH = "/_health"
EXPECTED_NA = {}
WARM_CANONICAL = False
