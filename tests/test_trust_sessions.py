"""Sessions (issue 16): an idle timeout and an absolute lifetime (settings), the session key
rotated at login, "sign out everywhere", and deactivation ending sessions and tokens at once.
Time is moved by editing the stored timestamps, never by sleeping."""

import time

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from agencies.models import ApiToken
from agencies.services import token_create
from agencies.sessions import SEEN, STARTED


def _sign_in(client, username="own.investigator"):
    response = client.post(reverse("login"), {"username": username, "password": "pw"})
    assert response.status_code == 302


def _ago(client, key: str, seconds: int) -> None:
    """Moves one of the session's clocks (signed in, last used) to `seconds` ago."""
    session = client.session
    session[key] = int(time.time()) - seconds
    session.save()


def test_the_session_key_is_rotated_at_login(client, own_users):
    session = client.session
    session["seen_the_login_page"] = True
    session.save()
    before = session.session_key
    _sign_in(client)
    assert client.session.session_key != before
    assert int(client.session[SESSION_KEY]) == own_users["investigator"].pk


# Which clock, how far within the limit and past it (seconds), and what the login page says.
LIMITS = {
    "idle": (SEEN, 29 * 60, 31 * 60, b"30 minutes without activity"),
    "lifetime": (STARTED, 11 * 3600, 13 * 3600, b"maximum length of 12 hours"),
}


@pytest.mark.parametrize("limit", sorted(LIMITS))
def test_a_session_past_its_idle_timeout_or_lifetime_is_signed_out(client, own_users, limit):
    key, within, past, reason = LIMITS[limit]
    _sign_in(client)
    _ago(client, key, within)
    assert client.get(reverse("home")).status_code == 200
    _ago(client, key, past)
    response = client.get(reverse("cases:list"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert "next=/cases/" in response.url
    assert SESSION_KEY not in client.session
    assert reason in client.get(response.url).content


def test_the_limits_are_settings(client, own_users, settings):
    settings.FORTRESS_SESSION_IDLE_MINUTES = 5
    _sign_in(client)
    _ago(client, SEEN, 6 * 60)
    assert client.get(reverse("home")).status_code == 302


def test_activity_keeps_the_session_alive(client, own_users):
    _sign_in(client)
    _ago(client, SEEN, 20 * 60)
    assert client.get(reverse("home")).status_code == 200
    # The last-used time moved on to now, so the 30 idle minutes count from this request.
    assert client.session[SEEN] >= time.time() - 5


def test_an_expired_session_on_the_api_is_anonymous(client, own_users):
    _sign_in(client)
    _ago(client, SEEN, 31 * 60)
    assert client.get("/api/v1/cases/").status_code in (401, 403)
    assert SESSION_KEY not in client.session


def test_sign_out_everywhere_ends_every_session_and_with_the_box_the_tokens(client, own_users):
    user = own_users["investigator"]
    _, key = token_create(user=user)
    laptop, phone = Client(), Client()
    _sign_in(laptop)
    _sign_in(phone)
    assert laptop.get(reverse("sign_out_everywhere")).status_code == 200  # the confirmation
    response = laptop.post(reverse("sign_out_everywhere"), {})
    assert response.status_code == 302
    for device in (laptop, phone):
        assert device.get(reverse("home")).status_code == 302
        assert SESSION_KEY not in device.session
    assert ApiToken.objects.active().filter(user=user).count() == 1  # box not ticked
    _sign_in(laptop)
    laptop.post(reverse("sign_out_everywhere"), {"revoke_tokens": "on"})
    assert not ApiToken.objects.active().filter(user=user).exists()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/cases/").status_code == 401
    # A new sign-in works as before.
    _sign_in(phone)
    assert phone.get(reverse("home")).status_code == 200


def test_deactivating_a_user_ends_their_sessions_and_revokes_their_tokens(client, own_users):
    member = own_users["analyst"]
    _, key = token_create(user=member)
    member_client = Client()
    _sign_in(member_client, "own.analyst")
    client.force_login(own_users["admin"])
    assert client.post(reverse("agencies:user_deactivate", args=[member.pk])).status_code == 302
    assert member_client.get(reverse("home")).status_code == 302
    # Reactivated, the account's old sessions stay ended: its owner signs in anew.
    member.refresh_from_db()
    member.is_active = True
    member.save(update_fields=["is_active"])
    assert member_client.get(reverse("home")).status_code == 302
    assert SESSION_KEY not in member_client.session
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/cases/").status_code == 401
    assert not ApiToken.objects.active().filter(user=member).exists()


def test_a_password_change_keeps_the_session_that_made_it(client, own_users):
    _sign_in(client)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "pw",
            "new_password1": "a much longer passphrase 42",
            "new_password2": "a much longer passphrase 42",
        },
    )
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200
