"""cc-ci metadata for the wordpress recipe."""

HEALTH_PATH = "/wp-login.php"
EXPECTED_NA = {}
WARM_CANONICAL = False
