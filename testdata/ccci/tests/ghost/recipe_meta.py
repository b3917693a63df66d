"""cc-ci metadata for the ghost recipe."""

HEALTH_PATH = "/ghost/api/admin/site/"
EXPECTED_NA = {}
WARM_CANONICAL = False
