"""Protocol-level check: a client completes the TLS + ServerSync handshake."""
import pytest

from cc_ci.mumble import MumbleClient, retry_handshake


@pytest.mark.timeout(120)
def test_handshake_completes_with_channel_presence(app_domain):
    client = MumbleClient(app_domain, port=64738, username="ccci-probe")
    sync = retry_handshake(client, attempts=12, interval=5.0)
    assert sync.session > 0
    assert "Root" in [c.name for c in sync.channels]


def test_server_reports_version(app_domain):
    client = MumbleClient(app_domain, port=64738, username="ccci-version")
    version = client.ping()
    assert version.release.startswith("1.")
