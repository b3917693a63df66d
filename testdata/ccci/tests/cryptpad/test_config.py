"""Functional overlay for cryptpad: config knobs and error pages."""
from cc_ci import http


def test_timeout_is_configurable(app):
    cfg = app.exec("app", ["node", "-e", "console.log(require('/cryptpad/config/config.js').httpTimeout)"])
    assert cfg.stdout.strip() == "30000"


def test_error_page_renders(app):
    r = http.get(f"https://{app.domain}/error.html")
    assert r.status == 200
    assert "CryptPad" in r.text


def test_sandbox_domain_served(app):
    r = http.get(f"https://sandbox-{app.domain}/")
    assert r.status in (200, 403)
