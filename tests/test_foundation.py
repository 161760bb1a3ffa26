import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from agencies.models import Agency, Role, User
from cases.services import next_case_reference
from config.celery import app as celery_app


def test_seed_demo_is_idempotent_and_complete(db, settings):
    settings.DEBUG = True
    call_command("seed_demo")
    counts = (Agency.objects.count(), User.objects.count())
    call_command("seed_demo")
    assert (Agency.objects.count(), User.objects.count()) == counts
    countries = set(Agency.objects.values_list("country", flat=True))
    assert {"VN", "TH", "KH", "NG", "FR"} <= countries
    assert Agency.objects.get(country="FR").kind == "interpol_ncb"
    for cc in ("vn", "th", "kh", "ng", "fr"):
        for role in Role:
            user = User.objects.get(username=f"{cc}.{role.value}")
            assert user.check_password(settings.DEMO_PASSWORD)
            assert user.agency.country.code == cc.upper()


def test_seed_demo_refuses_without_debug(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG off"):
        call_command("seed_demo")
    assert not Agency.objects.exists()


def test_celery_is_configured_for_idempotent_json_tasks():
    conf = celery_app.conf
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.task_acks_late is True
    assert conf.task_time_limit and conf.task_soft_time_limit
    assert conf.task_soft_time_limit < conf.task_time_limit
    assert conf.worker_prefetch_multiplier == 1


def _settings_in_subprocess(env: dict[str, str], expression: str) -> str:
    code = f"import django; django.setup(); from django.conf import settings; print({expression})"
    base = {k: v for k, v in os.environ.items() if k not in {"CELERY_BROKER_URL", "DEBUG"}}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**base, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        check=False,
    )
    return (result.stdout + result.stderr).strip()


STRONG_KEY = "a-strong-enough-secret-key-for-the-settings-test-0123456789"


def test_broker_unset_means_eager_and_set_means_real_broker():
    eager = _settings_in_subprocess(
        {"SECRET_KEY": STRONG_KEY}, "settings.CELERY_TASK_ALWAYS_EAGER, settings.CELERY_BROKER_URL"
    )
    assert eager == "True memory://"
    real = _settings_in_subprocess(
        {"SECRET_KEY": STRONG_KEY, "CELERY_BROKER_URL": "redis://example:6379/0"},
        "settings.CELERY_TASK_ALWAYS_EAGER, settings.CELERY_BROKER_URL",
    )
    assert real == "False redis://example:6379/0"


def test_secret_key_required_without_debug():
    output = _settings_in_subprocess({"SECRET_KEY": "", "DEBUG": "0"}, "1")
    assert "SECRET_KEY must be set when DEBUG is off" in output


def test_case_references_count_up_per_country_and_year(db):
    assert next_case_reference(country="vn", year=2026) == "VN-2026-00001"
    assert next_case_reference(country="VN", year=2026) == "VN-2026-00002"
    assert next_case_reference(country="TH", year=2026) == "TH-2026-00001"
    assert next_case_reference(country="VN", year=2027) == "VN-2027-00001"


def test_env_bool_fails_loudly(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from config.env import env_bool, env_int

    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG"):
        env_bool("X_FLAG")
    monkeypatch.setenv("X_NUM", "ten")
    with pytest.raises(ImproperlyConfigured, match="X_NUM"):
        env_int("X_NUM", 1)


@override_settings(DEBUG=False)
def test_pages_send_a_strict_content_security_policy(client, own_users):
    # The same policy on every supported Django version (config/csp.py).
    response = client.get("/accounts/login/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp


def test_login_page_and_static_assets_are_local(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/bootstrap/css/bootstrap.min.css" in html
    assert "/static/django_htmx/htmx" in html
    assert "http://" not in html and "https://" not in html


def test_the_served_application_leaves_what_it_loaded_to_no_collector_pass():
    """The WSGI entry point freezes what loading the project made: a full pass of the cyclic
    collector during a request walks only what requests made since."""
    code = (
        "import gc; assert gc.get_freeze_count() == 0; import config.wsgi; "
        "n = gc.get_freeze_count(); tracked = len(gc.get_objects()); print(n > 50_000, tracked < n)"
    )
    base = {k: v for k, v in os.environ.items() if k not in {"CELERY_BROKER_URL", "DEBUG"}}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**base, "DJANGO_SETTINGS_MODULE": "config.settings", "SECRET_KEY": STRONG_KEY},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stdout.strip() == "True True", result.stderr
