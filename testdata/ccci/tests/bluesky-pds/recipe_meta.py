"""cc-ci metadata for the bluesky-pds recipe."""

HEALTH_PATH = "/xrpc/_health"
EXPECTED_NA = {"upgrade": "moving pds:0.4 tag"}
WARM_CANONICAL = True
