"""Issue 16's passkeys in real Chromium, with its virtual authenticator (DevTools' WebAuthn
domain): an investigator registers a passkey on the Security page, signs out, signs in with
the password and passes the second step with the passkey, then opens a page that needs it.

Browsers offer passkeys only in a secure context, which plain http is on localhost only: the
live server (http://127.0.0.1:<port>) is opened as http://localhost:<port>, and the relying
party's id and allowed origins are set to that origin for the test."""

from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django_otp_webauthn.models import WebAuthnCredential

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.browser

AUTHENTICATOR = {
    "protocol": "ctap2",
    "transport": "internal",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
}


@pytest.fixture
def site(live_server, settings):
    """The live server as a secure context (localhost), the passkeys' settings matching it."""
    port = urlsplit(live_server.url).port
    origin = f"http://localhost:{port}"
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [origin]
    return SimpleNamespace(url=origin)


@pytest.fixture
def authenticator(page):
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": AUTHENTICATOR})
    return SimpleNamespace(cdp=cdp, id=added["authenticatorId"])


def session_key(page) -> str:
    return next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")


def test_a_passkey_is_registered_then_passes_the_second_step(
    page, site, authenticator, own_users, screenshot, no_serious_violations
):
    investigator = own_users["investigator"]
    sign_in(page, site, "own.investigator")
    page.goto(f"{site.url}/accounts/security/")
    assert page.evaluate("window.isSecureContext")
    page.click("#passkey-register-button")
    status = page.locator("#passkey-register-status-message")
    status.filter(has_text="successful").wait_for(timeout=10_000)
    passkey = WebAuthnCredential.objects.get(user=investigator)
    assert passkey.confirmed
    # The authenticator holds the matching credential.
    held = authenticator.cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator.id})
    assert len(held["credentials"]) == 1
    page.reload()
    assert page.locator("text=None yet.").count() == 0  # the passkey is listed
    no_serious_violations(page)
    screenshot(page, "passkey-registered")

    page.click("nav >> text=Sign out")
    page.wait_for_url("**/accounts/login/**")

    # The password, then the second step: a case list needs it.
    page.goto(f"{site.url}/cases/")
    page.wait_for_url("**/accounts/login/**")
    page.fill("#id_username", "own.investigator")
    page.fill("#id_password", "pw")
    page.click("form:has(#id_password) button[type=submit]")
    page.wait_for_url("**/accounts/verify/**")
    assert page.locator("#passkey-verification-button").is_visible()
    no_serious_violations(page)
    screenshot(page, "passkey-verify")
    before = session_key(page)
    page.click("#passkey-verification-button")
    page.wait_for_url(f"{site.url}/cases/", timeout=10_000)
    assert page.locator("h1").first.is_visible()
    assert "/accounts/" not in page.url
    passkey.refresh_from_db()
    assert passkey.last_used_at is not None
    assert session_key(page) != before  # rotated once the second step is passed, as with a code
