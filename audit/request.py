"""Where a request comes from: the client address as the configured proxies report it, and
the request being served, for services that record events without being handed it."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

_current: ContextVar[Any] = ContextVar("fortress_audit_request", default=None)


def client_address(request: Any) -> str | None:
    """The client's address: with FORTRESS_NUM_PROXIES = n > 0, the one the outermost of the
    n proxies saw (the n-th from the right of X-Forwarded-For), as DRF's throttles read it;
    with 0, the connection's own address (a client-sent X-Forwarded-For names nobody)."""
    meta = getattr(request, "META", {}) or {}
    address = meta.get("REMOTE_ADDR") or ""
    proxies = settings.FORTRESS_NUM_PROXIES
    forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            address = hops[-min(proxies, len(hops))]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def current_request() -> Any:
    return _current.get()


class AuditRequestMiddleware:
    """Makes the request being served known to `audit.record`, so a service recording an
    event names where it came from without a request argument."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current.set(request)
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)
