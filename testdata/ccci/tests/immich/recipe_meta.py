"""cc-ci metadata for the immich recipe."""

HEALTH_PATH = "/api/server/ping"
EXPECTED_NA = {}
WARM_CANONICAL = True
