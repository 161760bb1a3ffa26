"""The Content-Security-Policy header, the same on every supported Django version: Django 6
ships a CSP middleware, the 5.2 LTS series (Python 3.11) has none, so Fortress uses this one
on both. The policy is `settings.FORTRESS_CSP`: directive -> sources."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

SELF = "'self'"
NONE = "'none'"


def policy_header(policy: dict[str, list[str]]) -> str:
    """`{"default-src": ["'self'"], ...}` as `default-src 'self'; ...`."""
    return "; ".join(" ".join([directive, *sources]) for directive, sources in policy.items())


class ContentSecurityPolicyMiddleware:
    """Sets the policy on every response that does not carry one already."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.header = policy_header(settings.FORTRESS_CSP)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.header)
        return response
