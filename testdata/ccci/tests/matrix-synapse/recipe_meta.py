"""cc-ci metadata for the matrix-synapse recipe."""

HEALTH_PATH = "/health"
EXPECTED_NA = {}
WARM_CANONICAL = False
