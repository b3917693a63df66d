"""cc-ci metadata for the mattermost-lts recipe."""

HEALTH_PATH = "/api/v4/system/ping"
EXPECTED_NA = {}
WARM_CANONICAL = False
