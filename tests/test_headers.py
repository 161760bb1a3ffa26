"""Headers and settings of a production deployment: the same Content-Security-Policy on every
supported Django version, an API docs page the policy does not break, HTTPS settings on
whenever DEBUG is off, and a weak SECRET_KEY refused at start."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

ROOT = Path(__file__).resolve().parent.parent
STRONG_KEY = "a-strong-enough-secret-key-for-the-settings-test-0123456789"
SHOW = (
    "import json, config.settings as s; print(json.dumps({k: getattr(s, k, None) for k in "
    "['SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', "
    "'SECURE_PROXY_SSL_HEADER', 'SESSION_COOKIE_SECURE']}))"
)


def _settings(**env: str) -> subprocess.CompletedProcess:
    """Import config.settings (not the test settings) in a fresh process with `env`."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SECURE_", "DEBUG"))}
    clean.pop("SECRET_KEY", None)
    clean["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return subprocess.run(
        [sys.executable, "-c", SHOW],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("key", ["x", "short-key", "a" * 60, "django-insecure-" + "k7" * 30])
def test_a_weak_secret_key_is_refused_with_debug_off(key):
    result = _settings(DEBUG="0", SECRET_KEY=key)
    assert result.returncode != 0
    assert "SECRET_KEY is too weak" in result.stderr


def test_https_is_on_whenever_debug_is_off():
    result = _settings(DEBUG="0", SECRET_KEY=STRONG_KEY)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.splitlines()[-1])
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] is None  # only when a proxy is named


def test_https_settings_come_from_the_environment():
    result = _settings(
        DEBUG="0",
        SECRET_KEY=STRONG_KEY,
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="600",
        SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO",
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.splitlines()[-1])
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_HSTS_SECONDS"] == 600
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SECURE_HSTS_SECONDS", "-1"),
        ("SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto"),
        ("FORTRESS_NUM_PROXIES", "-1"),
        ("FORTRESS_IMPORT_BATCH_SIZE", "0"),
    ],
)
def test_bad_https_settings_fail_loudly(name, value):
    result = _settings(DEBUG="0", SECRET_KEY=STRONG_KEY, **{name: value})
    assert result.returncode != 0
    assert name in result.stderr


@override_settings(SECURE_SSL_REDIRECT=True, SECURE_HSTS_SECONDS=31_536_000)
def test_plain_http_is_redirected_and_https_carries_hsts(client, db):
    redirected = client.get("/accounts/login/")
    assert redirected.status_code == 301
    assert redirected["Location"].startswith("https://")
    response = client.get("/accounts/login/", secure=True)
    assert response.status_code == 200
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_the_api_docs_page_runs_under_the_strict_policy(client, own_users):
    client.force_login(own_users["analyst"])
    page = client.get("/api/docs/")
    assert page.status_code == 200
    csp = page["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    html = page.content.decode()
    # Every script is loaded from a URL of the site; no inline script or style to block.
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert len(scripts) == 3
    assert all('src="/' in attrs and not body.strip() for attrs, body in scripts)
    assert "<style" not in html and " style=" not in html
    # The init script is served by the site, as JavaScript.
    init_src = re.findall(r'<script src="([^"]+)"', html)[-1].replace("&amp;", "&")
    init = client.get(init_src)
    assert init.status_code == 200
    assert init["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in init.content.decode()


@pytest.mark.parametrize("path", ["/", "/api/v1/agencies/"])
def test_a_host_not_allowed_answers_400_not_500(client, db, path):
    # Refused by the first middleware, before there is a user: the 400 page draws anyway.
    assert client.get(path, HTTP_HOST="not-allowed.example").status_code == 400
