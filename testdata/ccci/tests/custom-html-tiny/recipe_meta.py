"""cc-ci metadata for the custom-html-tiny recipe."""

HEALTH_PATH = "/"
EXPECTED_NA = {}
WARM_CANONICAL = False
