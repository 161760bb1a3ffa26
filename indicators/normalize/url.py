"""URLs in one canonical form: scheme and host in lower case (host in IDNA), no default port,
no fragment, an empty path written `/`. A link without a scheme is read as http."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import SplitResult, quote, unquote, urlsplit, urlunsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from indicators.normalize import ip
from indicators.normalize.domain import registrable_domain, to_ascii

# `javascript:...`, `mailto:...` (but not `host:8080/...`).
_OTHER_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:(?!\d)")
_DEFAULT_PORTS = {"http": 80, "https": 443, "ftp": 21}
# No "%": what `unquote` decoded is encoded again, so normalising twice gives the same URL
# (a `%25` decoded to "%" is written `%25` again, never read as the start of an escape).
_SAFE_PATH = "/:@!$&'()*+,;=-._~"
_SAFE_QUERY = _SAFE_PATH + "?"


# A pure function of the text (a refusal raises, and is not cached): a pasted list or a
# poll that asks the same links again parses each once.
@lru_cache(maxsize=65536)
def normalize_url(text: str) -> tuple[str, str]:
    """The canonical URL and its host."""
    text = text.strip()
    if " " in text:
        raise ValidationError(
            _("%(text)s is not a URL: it contains a space.") % {"text": repr(text)}
        )
    if "://" not in text:
        if _OTHER_SCHEME.match(text):
            raise ValidationError(
                _("%(text)s is not a web link (http, https or ftp).") % {"text": repr(text)}
            )
        text = "http://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise ValidationError(
            _("%(text)s is not a URL: %(exc)s.") % {"text": repr(text), "exc": exc}
        ) from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise ValidationError(
            _("%(text)s is not a web link (http, https or ftp).") % {"text": repr(text)}
        )
    hostname = parts.hostname  # a property that parses the netloc again on each read
    if not hostname:
        raise ValidationError(_("%(text)s is not a URL: it has no host.") % {"text": repr(text)})
    if ip.is_ip(hostname):
        host = ip.normalize_ip(hostname)
        netloc_host = f"[{host}]" if ":" in host else host
    else:
        host = to_ascii(hostname)
        if not registrable_domain(host):
            raise ValidationError(
                _("%(text)s is not a URL: its host has no public suffix.") % {"text": repr(text)}
            )
        netloc_host = host
    netloc = netloc_host if port in (None, _DEFAULT_PORTS[scheme]) else f"{netloc_host}:{port}"
    path = quote(unquote(parts.path), safe=_SAFE_PATH) or "/"
    query = quote(unquote(parts.query), safe=_SAFE_QUERY)
    return urlunsplit(SplitResult(scheme, netloc, path, query, "")), host
