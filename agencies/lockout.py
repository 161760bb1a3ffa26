"""Lockout after failed sign-ins (django-axes, its database handler): the hooks the settings
name (`AXES_*_CALLABLE`), and the one rule for the client address that the API's throttles
share (`FORTRESS_NUM_PROXIES`)."""

from __future__ import annotations

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_credentials
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.backends import lockout_name


def client_ip(request: HttpRequest) -> str:
    """The client's address as DRF's throttles read it (`NUM_PROXIES`): with no proxy the
    connection's address, a client-sent X-Forwarded-For ignored; behind N proxies the address
    the outermost of them appended."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = settings.FORTRESS_NUM_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        addresses = [a.strip() for a in forwarded.split(",")]
        return addresses[-min(proxies, len(addresses))] or remote
    return remote


def lockout_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The account a sign-in counts against: its name without the spaces around it and in
    lower case, so `VN.Investigator ` and `vn.investigator` share one count (the same for a
    name that names no account)."""
    raw: object = None
    if credentials:
        raw = credentials.get(settings.AXES_USERNAME_FORM_FIELD)
    if raw is None:
        data = getattr(request, "data", None) or request.POST
        raw = data.get(settings.AXES_USERNAME_FORM_FIELD)
    return lockout_name(raw)


def lockout_message() -> str:
    return _(
        "Too many failed sign-ins for this account or from this address: signing in is "
        "locked for %(minutes)d minutes. Try again later, or ask your agency admin to unlock "
        "the account."
    ) % {"minutes": settings.FORTRESS_LOCKOUT_MINUTES}


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """One answer for a locked account, a locked address and a name that is no account:
    429 with the message (JSON for the API)."""
    message = lockout_message()
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=429)
    return render(request, "registration/locked_out.html", {"message": message}, status=429)


def is_locked(request: HttpRequest, username: str) -> bool:
    """Whether a sign-in naming `username` from this request's address is refused now."""
    return AxesProxyHandler.is_locked(request, get_credentials(username))


def unlock(username: str) -> int:
    """Forget the failed sign-ins counted against an account; returns how many were."""
    return AxesProxyHandler.reset_attempts(username=lockout_name(username))


def locked_usernames(usernames: list[str]) -> set[str]:
    """Which of these accounts are locked now by their own failed sign-ins (for the agency
    admin's list; an address's lock is not an account's)."""
    keys = {lockout_name(name): name for name in usernames}
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    counts = (
        AccessAttempt.objects.filter(username__in=keys, attempt_time__gte=since)
        .values("username")
        .annotate(failures=Sum("failures_since_start"))
    )
    return {
        keys[row["username"]] for row in counts if row["failures"] >= settings.AXES_FAILURE_LIMIT
    }
