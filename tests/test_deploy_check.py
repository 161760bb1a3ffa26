"""A production deployment: `manage.py check --deploy` passes at the warning level with
production settings, error pages show no stack trace with DEBUG off, and the log lines the
victim services write name ids, never a victim's name."""

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from tests.error_urls import SECRET_IN_TRACE
from victims import selectors
from victims import services as victim_services
from victims.factories import make_victim
from victims.models import Stage

ROOT = Path(__file__).resolve().parent.parent
STRONG_KEY = "a-strong-enough-secret-key-for-the-deploy-check-0123456789-xyz"
# What a deployer sets (README.md, "Configuration"): the rest are the defaults with DEBUG off.
PRODUCTION = {
    "SECRET_KEY": STRONG_KEY,
    "ALLOWED_HOSTS": "fortress.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://fortress.example.org",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "EMAIL_HOST": "smtp.example.org",
    "SECURE_HSTS_PRELOAD": "1",
    "DJANGO_SETTINGS_MODULE": "config.settings",
}


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SECURE_", "DEBUG", "EMAIL_", "SECRET_KEY", "ALLOWED_HOSTS"))
        # set by the browser tests' conftest for their own process, never in a deployment
        and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_check_deploy_passes_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_on_an_insecure_setting():
    """The control of the test above: the check does look (cookies sent over plain http)."""
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION, SECURE_COOKIES="0"
    )
    assert result.returncode != 0
    assert "security.W012" in result.stderr  # SESSION_COOKIE_SECURE


# --- error pages --------------------------------------------------------------------------


@pytest.fixture
def quiet_client(settings) -> Client:
    """A client that gets the error page, as a browser would, instead of the exception."""
    assert settings.DEBUG is False
    return Client(raise_request_exception=False)


def _no_trace(html: str) -> None:
    assert SECRET_IN_TRACE not in html
    for debug_marker in ("Traceback", "Request Method:", "DEBUG = True", "Django settings"):
        assert debug_marker not in html


@override_settings(ROOT_URLCONF="tests.error_urls")
@pytest.mark.parametrize(
    ("path", "status", "text"),
    [
        ("/test-errors/500/", 500, "Server error"),
        ("/test-errors/403/", 403, "Not allowed"),
        ("/test-errors/400/", 400, "Bad request"),
        ("/no-such-page/", 404, "Not found"),
    ],
)
def test_error_pages_show_no_stack_trace(db, quiet_client, path, status, text, caplog):
    with caplog.at_level(logging.CRITICAL, logger="django"):
        response = quiet_client.get(path)
    assert response.status_code == status
    html = response.content.decode()
    assert text in html
    _no_trace(html)


def test_the_api_answers_errors_without_a_trace(db, quiet_client, own_users):
    quiet_client.force_login(own_users["analyst"])
    response = quiet_client.get("/api/v1/cases/999999999/")
    assert response.status_code == 404
    _no_trace(response.content.decode())


# --- logs name ids, never victims' names ----------------------------------------------------

VICTIM_NAME = "Phạm Thị Hoa Secretname"


def test_victim_log_lines_name_ids_never_names(caplog, own_users, make_case):
    liaison = own_users["liaison"]
    case = make_case()
    with caplog.at_level(logging.DEBUG):
        victim = make_victim(
            case=case, by=liaison, full_name=VICTIM_NAME, other_names=["Hoa Secretname"]
        )
        repatriation = victim_services.repatriation_start(
            by=liaison, victim=victim, destination_country="TH"
        )
        victim_services.repatriation_move(
            by=liaison,
            repatriation=repatriation,
            stage=Stage.RESCUED,
            version=repatriation.version,
            where="test",
        )
        selectors.victim_for_read(liaison, victim.pk, where="victims:detail")
        browser = Client()
        browser.force_login(liaison)
        page = browser.get(reverse("victims:victim_detail", args=[victim.pk]))
    assert page.status_code == 200 and VICTIM_NAME in page.content.decode()
    lines = [r.getMessage() for r in caplog.records]
    ours = [line for line in lines if line.startswith("victim access")]
    assert sum(f"read: {victim.reference} " in line for line in ours) == 2  # service and page
    for action in ("create", "repatriation_start", "repatriation_move", "read"):
        assert any(f"victim access {action}: {victim.reference} " in line for line in ours), (
            action,
            ours,
        )
    for line in lines:
        for part in ("Secretname", "Phạm", "Hoa"):
            assert part not in line, line


# --- how to report a vulnerability -----------------------------------------------------------


def test_the_security_page_names_the_configured_contact(client, settings, db):
    settings.FORTRESS_SECURITY_CONTACT = "security@fortress.example.org"
    page = client.get(reverse("security"))
    assert page.status_code == 200  # public: a finder needs no account
    assert "security@fortress.example.org" in page.content.decode()
    settings.FORTRESS_SECURITY_CONTACT = ""
    assert "private vulnerability reporting" in client.get(reverse("security")).content.decode()


def test_security_md_names_only_tests_that_exist():
    """docs/SECURITY.md proves each promise by a test name: every one it names exists."""
    import re

    text = (ROOT / "docs" / "SECURITY.md").read_text()
    named = set(re.findall(r"(test_\w+\.py)::(test_\w+)", text))
    assert len(named) > 40
    for filename, test in sorted(named):
        source = (ROOT / "tests" / filename).read_text()
        assert re.search(rf"^def {test}\(", source, re.M), f"{filename}::{test}"
