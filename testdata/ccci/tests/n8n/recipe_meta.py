"""cc-ci metadata for the n8n recipe."""

HEALTH_PATH = "/healthz"
EXPECTED_NA = {}
WARM_CANONICAL = False
