"""Partners' feed tokens at the edge: the DRF authentication of the feed routes, and the
middleware that answers 404 to a feed token on every other route (pages, API, admin), before
any view runs. A feed key starts with `fft_`; it may be sent as `Authorization: Token …`,
`Bearer …` or `Feed …`, and whichever way it comes it opens the feeds only."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.throttling import BaseThrottle

import access
from registry.models import FeedToken

KEYWORDS = ("token", "bearer", "feed")


def feed_key(request: HttpRequest) -> str | None:
    """The feed key the request carries, if any (whatever the keyword)."""
    parts = request.META.get("HTTP_AUTHORIZATION", "").split()
    if (
        len(parts) == 2
        and parts[0].lower() in KEYWORDS
        and parts[1].startswith(FeedToken.KEY_PREFIX)
    ):
        return parts[1]
    return None


def client_address(request: Any) -> str | None:
    """The client's address as the throttles read it (FORTRESS_NUM_PROXIES), if it is one."""
    ident = BaseThrottle().get_ident(request)
    try:
        return str(ipaddress.ip_address(ident.strip()))
    except ValueError:
        return None


class FeedTokenAuthentication(BaseAuthentication):
    """A usable (not revoked, not expired) feed token: the principal is an
    `access.FeedReader`, which the policy lets read the registry and nothing else."""

    def authenticate(self, request: Any) -> tuple[access.FeedReader, FeedToken] | None:
        key = feed_key(request._request)
        if key is None:
            return None
        token = (
            FeedToken.objects.usable()
            .select_related("agency")
            .filter(digest=FeedToken.hash_key(key))
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid, revoked or expired feed token."))
        FeedToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        return access.FeedReader(token), token

    def authenticate_header(self, request: Any) -> str:
        return "Token"


class FeedTokenGate:
    """A request carrying a feed key reaches only the routes `access.feed_route_allowed`
    names; anything else is 404, as for a thing that does not exist."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        if feed_key(request) is None:
            return None
        match = request.resolver_match
        if match is not None and access.feed_route_allowed(match.view_name):
            return None
        return JsonResponse({"detail": str(_("Not found."))}, status=404)


class FeedTokenScheme(OpenApiAuthenticationExtension):
    """The feed token in the OpenAPI schema: on the routes that accept it."""

    target_class = FeedTokenAuthentication
    name = "feedToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token fft_…`: a partner's feed token (registry feeds, lookup, TAXII).",
        }
