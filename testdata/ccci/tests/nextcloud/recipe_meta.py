"""cc-ci metadata for the nextcloud recipe."""

HEALTH_PATH = "/status.php"
EXPECTED_NA = {}
WARM_CANONICAL = True
