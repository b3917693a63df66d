"""cc-ci metadata for the peertube recipe."""

HEALTH_PATH = "/api/v1/config"
EXPECTED_NA = {}
WARM_CANONICAL = True
