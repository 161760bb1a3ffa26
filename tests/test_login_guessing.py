"""Password guessing, short of lockout: the token endpoint's throttle counts per client
address that a forged X-Forwarded-For does not change, in a cache every process shares; and a
username with spaces around it is the same account on every entry point, never a second one."""

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY, authenticate
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from agencies.api import LoginThrottle
from agencies.models import ApiToken, User

SPACED = "  own.investigator "


def test_a_forged_forwarded_for_does_not_reset_the_token_throttle(db, own_users, settings):
    # The throttle alone: the lockout, which stops this sooner, has its own tests
    # (tests/test_trust_lockout.py).
    settings.AXES_ENABLED = False
    client = APIClient()
    answers = [
        client.post(
            "/api/v1/auth/token/",
            {"username": "own.investigator", "password": f"guess {i}"},
            headers={"X-Forwarded-For": f"203.0.113.{i}"},
        ).status_code
        for i in range(21)
    ]
    assert answers[:20] == [403] * 20  # wrong password
    assert answers[20] == 429


def test_the_throttle_counts_in_a_cache_every_process_shares(db, own_users):
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    APIClient().post("/api/v1/auth/token/", {"username": "own.investigator", "password": "no"})
    # Another process opens its own cache connection: it reads the same count from the table.
    other_process = caches.create_connection("default")
    key = LoginThrottle.cache_format % {"scope": "anon", "ident": "127.0.0.1"}
    assert len(other_process.get(key, [])) == 1


def test_a_spaced_username_is_the_same_account_on_the_login_page(client, own_users):
    response = client.post(reverse("login"), {"username": SPACED, "password": "pw"})
    assert response.status_code == 302
    assert int(client.session[SESSION_KEY]) == own_users["investigator"].pk


def test_a_spaced_username_is_the_same_account_on_the_token_endpoint(db, own_users):
    response = APIClient().post("/api/v1/auth/token/", {"username": SPACED, "password": "pw"})
    assert response.status_code == 201
    token = ApiToken.objects.get()
    assert token.user == own_users["investigator"]


def test_a_spaced_username_is_the_same_account_for_authenticate(db, own_users):
    assert authenticate(None, username=SPACED, password="pw") == own_users["investigator"]


def test_no_account_is_named_with_spaces(db, own):
    user = User(username=SPACED, agency=own)
    user.set_password("a long enough password")
    with pytest.raises(ValidationError) as refused:
        user.full_clean()
    assert "username" in refused.value.message_dict


def test_a_username_typed_in_another_case_is_the_same_account(client, own_users):
    response = client.post(reverse("login"), {"username": "Own.Investigator", "password": "pw"})
    assert response.status_code == 302
    assert int(client.session[SESSION_KEY]) == own_users["investigator"].pk
    answer = APIClient().post(
        "/api/v1/auth/token/", {"username": "OWN.INVESTIGATOR", "password": "pw"}
    )
    assert answer.status_code == 201
    assert ApiToken.objects.get().user == own_users["investigator"]


def test_two_accounts_differing_in_case_only_are_each_signed_in_by_exact_name(db, own, own_users):
    twin = User.objects.create_user(
        "OWN.investigator", password="twin-pw", agency=own, role=own_users["investigator"].role
    )
    assert authenticate(None, username="OWN.investigator", password="twin-pw") == twin
    assert (
        authenticate(None, username="own.investigator", password="pw") == own_users["investigator"]
    )
    # A third spelling would be a guess between the two: neither account.
    assert authenticate(None, username="Own.Investigator", password="pw") is None
    assert authenticate(None, username="Own.Investigator", password="twin-pw") is None
