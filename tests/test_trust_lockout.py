"""Lockout (issue 16): 5 failed sign-ins for an account — its name in any case or spacing — or
from one address lock it for 15 minutes on every entry point (the login page, the token
endpoint, the admin), with the same answer for a name that is no account; the count is kept
in the database; the address is the one the configured proxy count names; an agency admin
unlocks a member."""

import re

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.test import Client, RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from agencies.lockout import client_ip, lockout_message
from agencies.models import User
from tests.trust import app_device, code_of

VARIANTS = ["own.investigator", "OWN.INVESTIGATOR", "  own.investigator ", "Own.Investigator\t"]


def _page(client, username, password, address):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def _token(client, username, password, address):
    return APIClient().post(
        "/api/v1/auth/token/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        format="json",
    )


def _admin(client, username, password, address):
    return client.post(
        "/admin/login/",
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
    )


ENTRY_POINTS = {"page": _page, "token": _token, "admin": _admin}


def _signed_in(name, response) -> bool:
    return response.status_code == (201 if name == "token" else 302)


@pytest.fixture
def staff(own_users):
    """The own investigator may also open the admin (so the admin login can succeed)."""
    user = own_users["investigator"]
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def _without_csrf(response) -> str:
    return re.sub(r"[A-Za-z0-9]{64}", "", response.content.decode())


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_six_wrong_passwords_lock_the_account_for_every_variant_of_its_name(client, staff, entry):
    attempt = ENTRY_POINTS[entry]
    # Each guess from another address, each with another spelling of the name: only the
    # account's own count can lock it.
    for i in range(6):
        response = attempt(client, VARIANTS[i % len(VARIANTS)], f"guess {i}", f"198.51.100.{i}")
        assert not _signed_in(entry, response)
    for j, variant in enumerate(VARIANTS):
        for other_entry, other in ENTRY_POINTS.items():
            response = other(client, variant, "pw", f"192.0.2.{j * 3 + len(other_entry)}")
            assert response.status_code == 429, (entry, other_entry, variant)
            assert lockout_message() in response.content.decode()
    assert SESSION_KEY not in client.session
    # The count is in the database, where every web process reads it.
    assert AccessAttempt.objects.filter(username="own.investigator").exists()


def test_the_fifth_failure_locks_and_the_right_password_before_it_signs_in(client, own_users):
    for i in range(4):
        assert _page(client, "own.investigator", f"no {i}", f"198.51.100.{i}").status_code == 200
    assert _page(client, "own.investigator", "pw", "198.51.100.9").status_code == 302


def test_an_unknown_name_gets_the_same_answer_as_a_locked_account(client, own_users):
    for i in range(6):
        _page(client, "nobody.here", f"guess {i}", f"198.51.100.{i}")
        _page(client, "own.analyst", f"guess {i}", f"203.0.113.{i}")
    unknown = _page(client, "nobody.here", "pw", "192.0.2.1")
    known = _page(client, "own.analyst", "pw", "192.0.2.2")
    assert unknown.status_code == known.status_code == 429
    assert _without_csrf(unknown) == _without_csrf(known)
    unknown_api = _token(client, "nobody.here", "pw", "192.0.2.3")
    known_api = _token(client, "own.analyst", "pw", "192.0.2.4")
    assert unknown_api.status_code == known_api.status_code == 429
    assert unknown_api.json() == known_api.json() == {"detail": lockout_message()}


def test_five_failures_from_one_address_lock_that_address(client, own_users):
    for i in range(5):
        _page(client, f"someone{i}", "guess", "198.51.100.7")
    assert _page(client, "own.investigator", "pw", "198.51.100.7").status_code == 429
    assert _token(client, "own.investigator", "pw", "198.51.100.7").status_code == 429
    # Another address signs the same account in.
    assert _page(client, "own.investigator", "pw", "198.51.100.8").status_code == 302


def test_a_forged_forwarded_for_does_not_change_the_address_with_no_proxy(client, own_users):
    assert client_ip(RequestFactory().get("/", HTTP_X_FORWARDED_FOR="203.0.113.5")) == ("127.0.0.1")
    for i in range(5):
        client.post(
            reverse("login"),
            {"username": f"someone{i}", "password": "guess"},
            REMOTE_ADDR="198.51.100.7",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
        )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}
    response = client.post(
        reverse("login"),
        {"username": "own.investigator", "password": "pw"},
        REMOTE_ADDR="198.51.100.7",
        HTTP_X_FORWARDED_FOR="203.0.113.99",
    )
    assert response.status_code == 429


def test_behind_one_proxy_the_address_is_the_one_the_proxy_appended(settings):
    settings.FORTRESS_NUM_PROXIES = 1
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5"
    )
    assert client_ip(request) == "203.0.113.5"


def test_wrong_second_factor_codes_count_towards_the_lockout(db, own_users):
    device = app_device(own_users["investigator"])
    for i in range(5):
        response = APIClient().post(
            "/api/v1/auth/token/",
            {"username": "own.investigator", "password": "pw", "otp": f"00000{i}"},
            REMOTE_ADDR=f"198.51.100.{i}",
        )
        assert response.status_code in (403, 429)
    response = APIClient().post(
        "/api/v1/auth/token/",
        {"username": "own.investigator", "password": "pw", "otp": code_of(device)},
        REMOTE_ADDR="192.0.2.50",
    )
    assert response.status_code == 429


def test_an_agency_admin_unlocks_a_member(client, own_users, outsider_users):
    for i in range(6):
        _page(client, "own.investigator", f"guess {i}", f"198.51.100.{i}")
    assert _page(client, "own.investigator", "pw", "192.0.2.1").status_code == 429
    admin = own_users["admin"]
    client.force_login(admin)
    listing = client.get(reverse("agencies:user_list"))
    assert 'data-testid="locked"' in listing.content.decode()
    url = reverse("agencies:user_unlock", args=[own_users["investigator"].pk])
    page = client.get(url)
    assert page.status_code == 200 and b"Unlock" in page.content
    # Another agency's admin does not find the account.
    other = APIClient()
    other.force_login(outsider_users["admin"])
    assert other.post(url).status_code == 404
    assert _page(Client(), "own.investigator", "pw", "192.0.2.2").status_code == 429
    assert client.post(url).status_code == 302
    client.logout()
    assert _page(client, " own.investigator", "pw", "192.0.2.3").status_code == 302
    assert int(client.session[SESSION_KEY]) == own_users["investigator"].pk
    assert not User.objects.get(pk=own_users["investigator"].pk).session_generation
