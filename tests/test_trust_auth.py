"""The second factor (issue 16): an authenticator app (TOTP) with one-time recovery codes, the
second step of signing in, `FORTRESS_REQUIRE_MFA` sending a user without one to enrolment
before any page, the agency admin's reset, and API tokens issued only after the second factor,
expiring, with a last-used time."""

import base64
import re
from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from agencies.models import ApiToken
from agencies.services import token_create
from tests.trust import app_device, code_of


def _sign_in(client, username="own.investigator", password="pw"):
    response = client.post(reverse("login"), {"username": username, "password": password})
    assert response.status_code == 302
    return response


def _codes(response) -> list[str]:
    """The recovery codes a page shows."""
    return re.findall(r"<li>([a-z0-9]{8})</li>", response.content.decode())


@pytest.fixture
def mfa_on(settings):
    settings.FORTRESS_REQUIRE_MFA = True


@pytest.fixture
def no_throttle(settings):
    """django-otp delays a code after a wrong one (seconds): these tests type the right one
    right after."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


# --- without MFA required: accounts without a second factor are as before --------------------


def test_an_account_without_a_second_factor_signs_in_with_its_password(client, own_users):
    _sign_in(client)
    assert client.get(reverse("home")).status_code == 200


def test_an_account_with_an_app_is_asked_for_its_code_before_any_page(
    client, own_users, no_throttle
):
    device = app_device(own_users["investigator"])
    _sign_in(client)
    response = client.get(reverse("cases:list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("otp_verify"))
    assert "next=%2Fcases%2F" in response.url
    # The API with this session answers 403 until the code is typed.
    assert client.get("/api/v1/cases/").status_code == 403
    # A wrong code is refused, the right one opens the page asked for.
    wrong = client.post(reverse("otp_verify"), {"code": "000000", "next": "/cases/"})
    assert wrong.status_code == 200 and b"not valid" in wrong.content
    before = client.session.session_key
    right = client.post(reverse("otp_verify"), {"code": code_of(device), "next": "/cases/"})
    assert right.status_code == 302 and right.url == "/cases/"
    assert client.session.session_key != before  # rotated at the second step too
    assert client.get(reverse("cases:list")).status_code == 200
    assert client.get("/api/v1/cases/").status_code == 200


def test_the_verify_page_does_not_redirect_off_the_site(client, own_users):
    device = app_device(own_users["investigator"])
    _sign_in(client)
    response = client.post(
        reverse("otp_verify"), {"code": code_of(device), "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response.url == "/"


def test_a_recovery_code_signs_in_once(client, own_users, no_throttle):
    user = own_users["investigator"]
    app_device(user)
    static = StaticDevice.objects.create(user=user, name="Recovery codes")
    StaticToken.objects.create(device=static, token="abcd2345")
    _sign_in(client)
    assert client.post(reverse("otp_verify"), {"code": "abcd2345"}).status_code == 302
    other = Client()
    _sign_in(other)
    refused = other.post(reverse("otp_verify"), {"code": "abcd2345"})
    assert refused.status_code == 200
    assert other.get(reverse("home")).status_code == 302


# --- MFA required: enrolment before any page ------------------------------------------------


def test_with_mfa_required_a_user_without_a_second_factor_enrols_first(client, own_users, mfa_on):
    user = own_users["investigator"]
    _sign_in(client)
    elsewhere = Client()
    _sign_in(elsewhere)
    response = client.get(reverse("cases:list"))
    assert response.status_code == 302 and response.url.startswith(reverse("account_security"))
    page = client.get(response.url)
    assert page.status_code == 200 and b'data-testid="must-enrol"' in page.content
    assert client.get("/api/v1/cases/").status_code == 403
    # The QR code is drawn here, an SVG in the page itself (no network).
    enrol = client.get(reverse("totp_enrol"), {"next": "/cases/"})
    qr = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', enrol.content.decode())
    assert qr and base64.b64decode(qr.group(1)).startswith(b"<svg")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert client.post(reverse("totp_enrol"), {"code": "000000"}).status_code == 200
    done = client.post(reverse("totp_enrol"), {"code": code_of(device), "next": "/cases/"})
    assert done.status_code == 200
    codes = _codes(done)
    assert len(codes) == 10
    assert set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)) == (
        set(codes)
    )
    assert TOTPDevice.objects.get(user=user).confirmed
    assert client.get(reverse("cases:list")).status_code == 200
    # The session that signed in without the new factor ended.
    assert elsewhere.get(reverse("home")).status_code == 302
    assert SESSION_KEY not in elsewhere.session


def test_recovery_codes_are_made_anew_after_a_confirmation(client, own_users, no_throttle):
    user = own_users["investigator"]
    device = app_device(user)
    _sign_in(client)
    client.post(reverse("otp_verify"), {"code": code_of(device)})
    assert client.get(reverse("recovery_codes")).status_code == 200
    assert not StaticToken.objects.filter(device__user=user).exists()  # nothing yet
    first = re.findall(
        r"<li>([a-z0-9]{8})</li>", client.post(reverse("recovery_codes")).content.decode()
    )
    second = re.findall(
        r"<li>([a-z0-9]{8})</li>", client.post(reverse("recovery_codes")).content.decode()
    )
    assert len(first) == len(second) == 10 and not set(first) & set(second)
    assert set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)) == (
        set(second)
    )


def test_signing_out_stays_open_while_the_second_factor_is_owed(client, own_users, mfa_on):
    _sign_in(client)
    assert client.post(reverse("logout")).status_code == 302
    assert SESSION_KEY not in client.session


# --- the agency admin's reset ---------------------------------------------------------------


def test_an_admin_resets_a_members_second_factor(client, own_users, outsider_users):
    member = own_users["analyst"]
    device = app_device(member)
    StaticDevice.objects.create(user=member, name="Recovery codes")
    _, key = token_create(user=member)
    member_client = Client()
    _sign_in(member_client, "own.analyst")
    member_client.post(reverse("otp_verify"), {"code": code_of(device)})
    assert member_client.get(reverse("home")).status_code == 200
    url = reverse("agencies:user_reset_second_factor", args=[member.pk])
    outsider = Client()
    outsider.force_login(outsider_users["admin"])
    assert outsider.post(url).status_code == 404
    client.force_login(own_users["admin"])
    confirm = client.get(url)
    assert confirm.status_code == 200 and b"Reset the second factor" in confirm.content
    assert client.post(url).status_code == 302
    assert not TOTPDevice.objects.filter(user=member).exists()
    assert not StaticDevice.objects.filter(user=member).exists()
    # Their session ended and their token is revoked, at once.
    assert member_client.get(reverse("home")).status_code == 302
    assert SESSION_KEY not in member_client.session
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/cases/").status_code == 401


# --- API tokens ------------------------------------------------------------------------------


def _obtain(**body):
    return APIClient().post("/api/v1/auth/token/", body, format="json")


def test_with_mfa_required_a_token_needs_the_password_and_a_current_code(db, own_users, mfa_on):
    user = own_users["investigator"]
    assert _obtain(username="own.investigator", password="pw").status_code == 403  # no factor
    device = app_device(user)
    assert _obtain(username="own.investigator", password="pw").status_code == 403
    assert _obtain(username="own.investigator", password="no", otp=code_of(device)).status_code == (
        403
    )
    response = _obtain(username="own.investigator", password="pw", otp=code_of(device))
    assert response.status_code == 201
    token = ApiToken.objects.get(user=user)
    days = (token.expires_at - token.created_at).days
    assert days in (89, 90)
    assert response.json()["expires_at"]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert api.get("/api/v1/cases/").status_code == 200


def test_a_recovery_code_also_gets_a_token(db, own_users, mfa_on):
    user = own_users["investigator"]
    app_device(user)
    static = StaticDevice.objects.create(user=user, name="Recovery codes")
    StaticToken.objects.create(device=static, token="wxyz6789")
    assert _obtain(username="own.investigator", password="pw", otp="wxyz6789").status_code == 201
    assert _obtain(username="own.investigator", password="pw", otp="wxyz6789").status_code == 403


def test_an_account_with_an_app_needs_its_code_for_a_token_even_without_mfa_required(db, own_users):
    device = app_device(own_users["investigator"])
    assert _obtain(username="own.investigator", password="pw").status_code == 403
    assert (
        _obtain(username="own.investigator", password="pw", otp=code_of(device)).status_code == 201
    )


def test_an_expired_token_is_refused_with_a_clear_message(db, own_users, settings):
    settings.FORTRESS_TOKEN_DAYS = 7
    token, key = token_create(user=own_users["investigator"])
    assert 6 <= (token.expires_at - timezone.now()).days <= 7
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.get("/api/v1/cases/")
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_the_last_used_time_is_written_at_most_once_a_minute(db, own_users):
    token, key = token_create(user=own_users["investigator"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    api.get("/api/v1/agencies/")
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    api.get("/api/v1/agencies/")
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first
    earlier = timezone.now() - timedelta(minutes=2)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=earlier)
    api.get("/api/v1/agencies/")
    assert ApiToken.objects.get(pk=token.pk).last_used_at > earlier
    listed = api.get("/api/v1/auth/tokens/").json()["results"][0]
    assert listed["expires_at"] and listed["last_used_at"]


# --- passkeys (django-otp-webauthn) --------------------------------------------------------


def test_a_signed_in_user_may_begin_registering_a_passkey(client, own_users):
    client.force_login(own_users["investigator"])
    page = client.get(reverse("account_security"))
    assert b'id="passkey-registration-placeholder"' in page.content
    response = client.post(reverse("otp_webauthn:credential-registration-begin"))
    assert response.status_code == 200
    options = response.json()
    assert options["rp"]["name"] == "Fortress" and options["challenge"]


def test_a_user_owing_the_code_may_not_register_a_passkey_instead(client, own_users):
    app_device(own_users["investigator"])
    _sign_in(client)
    response = client.post(reverse("otp_webauthn:credential-registration-begin"))
    assert response.status_code == 403


# --- the defaults ----------------------------------------------------------------------------


def test_the_second_factor_is_required_whenever_debug_is_off():
    from tests.test_foundation import STRONG_KEY, _settings_in_subprocess

    expression = (
        "settings.FORTRESS_REQUIRE_MFA, settings.FORTRESS_TOKEN_DAYS, "
        "settings.FORTRESS_SESSION_IDLE_MINUTES, settings.FORTRESS_SESSION_MAX_HOURS"
    )
    off = _settings_in_subprocess({"SECRET_KEY": STRONG_KEY, "DEBUG": "0"}, expression)
    assert off.splitlines()[-1] == "True 90 30 12"
    demo = _settings_in_subprocess({"DEBUG": "1"}, "settings.FORTRESS_REQUIRE_MFA")
    assert demo.splitlines()[-1] == "False"
