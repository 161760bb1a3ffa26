"""Where a page sends the browser after a POST: the `next` the form carried, if it stays on
this site, else the page's default. Every `next` of the code base is read here."""

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def next_url(request: HttpRequest, default: str) -> str:
    """The request's `next` (POST, else GET) when it is a URL of this site, else `default`.
    An absolute URL to another host, a scheme-relative `//evil.example/` or a `javascript:`
    URL is never followed (an open redirect would lend the site's name to a phishing page)."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default
