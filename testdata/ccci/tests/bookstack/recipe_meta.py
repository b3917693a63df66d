"""cc-ci metadata for the bookstack recipe."""

HEALTH_PATH = "/login"
EXPECTED_NA = {}
WARM_CANONICAL = False
