"""The instance finishes installing: `occ status` reports installed: true."""
import json
import time


def test_occ_status_installed(stack):
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        out = stack.exec("app", ["php", "occ", "status", "--output=json"], user="www-data")
        if out.rc == 0 and json.loads(out.stdout).get("installed"):
            return
        time.sleep(10)
    raise TimeoutError("occ status not ready after 300s")
