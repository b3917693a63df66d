"""cc-ci metadata for the keycloak recipe."""

HEALTH_PATH = "/realms/master"
EXPECTED_NA = {}
WARM_CANONICAL = False
