"""cc-ci metadata for the discourse recipe."""

HEALTH_PATH = "/srv/status"
EXPECTED_NA = {}
WARM_CANONICAL = True
