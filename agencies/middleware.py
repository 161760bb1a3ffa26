"""Before any page: the session's limits and the second factor (listed after OTPMiddleware and
MessageMiddleware in the settings), and the signed-in user's preferred language, which wins
over the browser's (after LocaleMiddleware)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_otp import user_has_device

from agencies import security
from agencies.sessions import expired, reason_message
from config.messages import offered_language

# Whether the account had a second factor when this session signed in, noted then (or at its
# first request): a session need not look again, since enrolling one ends the account's other
# sessions (agencies/services.py totp_confirm, agencies/webauthn.py).
HAS_SECOND_FACTOR = "fortress_has_second_factor"
VERIFY, ENROL = "verify", "enrol"
# What a signed-in user still owing the second factor may open.
OPEN_WHILE_VERIFYING = {"login", "logout", "otp_verify", "language", "security"}
OPEN_WHILE_ENROLLING = {*OPEN_WHILE_VERIFYING, "account_security", "totp_enrol"}
OPEN_NAMESPACES = {"otp_webauthn"}  # the passkey ceremonies answer JSON to their own script
OPEN_PREFIXES = ("/public/", f"/{settings.STATIC_URL.lstrip('/')}")


class SessionLifetimeMiddleware:
    """Signs out a session unused for `FORTRESS_SESSION_IDLE_MINUTES` or older than
    `FORTRESS_SESSION_MAX_HOURS`; a page then goes to the login with the reason."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            reason = expired(request.session)
            if reason is not None:
                security.session_expired(user=request.user, reason=reason, request=request)
                logout(request)
                if not request.path.startswith("/api/"):
                    messages.info(request, reason_message(reason))
                    return redirect_to_login(request.get_full_path())
        return self.get_response(request)


def second_factor_step(request: HttpRequest) -> str | None:
    """What the signed-in user must do before anything else: `VERIFY` (the account has a
    second factor this session has not passed), `ENROL` (none, and one is required), or
    None."""
    user: Any = request.user
    if not user.is_authenticated or user.is_verified():
        return None
    if HAS_SECOND_FACTOR not in request.session:
        note_second_factor(request.session, user)
    if request.session[HAS_SECOND_FACTOR]:
        return VERIFY
    return ENROL if settings.FORTRESS_REQUIRE_MFA else None


def note_second_factor(session: Any, user: Any) -> None:
    session[HAS_SECOND_FACTOR] = user_has_device(user, confirmed=True)


class SecondFactorRequiredMiddleware:
    """A signed-in user whose account has a second factor passes it before any page; with
    `FORTRESS_REQUIRE_MFA` on, a user without one enrols first. The API answers 403."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        if request.path.startswith(OPEN_PREFIXES):
            return None
        step = second_factor_step(request)
        if step is None:
            return None
        match = request.resolver_match
        if match is not None:
            if match.namespace in OPEN_NAMESPACES:
                return None
            opened = OPEN_WHILE_VERIFYING if step == VERIFY else OPEN_WHILE_ENROLLING
            if match.view_name in opened:
                return None
        if request.path.startswith("/api/"):
            message = (
                _("Pass your second factor first (the sign-in page asks for it).")
                if step == VERIFY
                else _("Set up a second factor first (your account's security page).")
            )
            return JsonResponse({"detail": message}, status=403)
        target = "otp_verify" if step == VERIFY else "account_security"
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")


class UserLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user is not None else ""
        if user is not None and user.is_authenticated and offered_language(language):
            translation.activate(language)
            request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        return self.get_response(request)
