"""FORTRESS_REPATRIATION_STAGE_DAYS and FORTRESS_SITE_URL from the environment, checked at start."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_int_map, env_url
from victims.checks import check_stage_days
from victims.stages import DEFAULT_STAGE_DAYS, stage_days


def test_the_environment_sets_stage_days(monkeypatch):
    monkeypatch.setenv("FORTRESS_REPATRIATION_STAGE_DAYS", "identified=2, in_shelter=21")
    assert env_int_map("FORTRESS_REPATRIATION_STAGE_DAYS") == {"identified": 2, "in_shelter": 21}
    monkeypatch.setenv("FORTRESS_REPATRIATION_STAGE_DAYS", "identified=two")
    with pytest.raises(ImproperlyConfigured, match="FORTRESS_REPATRIATION_STAGE_DAYS"):
        env_int_map("FORTRESS_REPATRIATION_STAGE_DAYS")


def test_configured_days_override_the_defaults(settings):
    settings.FORTRESS_REPATRIATION_STAGE_DAYS = {"rescued": 9}
    assert stage_days("rescued") == 9
    assert stage_days("in_shelter") == DEFAULT_STAGE_DAYS["in_shelter"]
    assert stage_days("closed") is None


def test_the_system_check_names_bad_stages_and_days(settings):
    settings.FORTRESS_REPATRIATION_STAGE_DAYS = {"identified": 2}
    assert check_stage_days(None) == []
    settings.FORTRESS_REPATRIATION_STAGE_DAYS = {"teleported": 3, "rescued": 0}
    assert sorted(e.id for e in check_stage_days(None)) == ["victims.E001", "victims.E002"]


def test_the_site_url_is_an_absolute_url(monkeypatch):
    monkeypatch.delenv("FORTRESS_SITE_URL", raising=False)
    assert env_url("FORTRESS_SITE_URL", "http://127.0.0.1:8000") == "http://127.0.0.1:8000"
    monkeypatch.setenv("FORTRESS_SITE_URL", "https://fortress.example.org/")
    assert env_url("FORTRESS_SITE_URL", "") == "https://fortress.example.org"
    for bad in ("fortress.example.org", "ftp://fortress.example.org", "https://", "/victims"):
        monkeypatch.setenv("FORTRESS_SITE_URL", bad)
        with pytest.raises(ImproperlyConfigured, match="FORTRESS_SITE_URL"):
            env_url("FORTRESS_SITE_URL", "")
