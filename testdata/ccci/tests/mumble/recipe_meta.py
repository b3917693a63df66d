"""cc-ci metadata for the mumble recipe."""

HEALTH_PATH = "/"
EXPECTED_NA = {}
WARM_CANONICAL = True
