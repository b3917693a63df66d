"""cc-ci metadata for the cryptpad recipe."""

HEALTH_PATH = "/"
EXPECTED_NA = {}
WARM_CANONICAL = True
