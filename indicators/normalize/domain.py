"""Domains: IDNA (punycode) lower case, without a trailing dot or `www.`; the registrable
domain from `tldextract`'s bundled Public Suffix List snapshot (never fetched)."""

from __future__ import annotations

import re
from functools import lru_cache

import idna
import tldextract
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# suffix_list_urls=() and cache_dir=None: the snapshot shipped inside the package, no network.
_EXTRACT = tldextract.TLDExtract(
    suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
)
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
# A host of lower-case ASCII letters, digits and inner hyphens only, with no "--" (so no
# punycode `xn--` label): IDNA leaves it as it is, so it skips the (costly) IDNA encoder.
_PLAIN_HOST = re.compile(r"^(?:(?!-)[a-z0-9-]{1,63}(?<!-)\.)*(?!-)[a-z0-9-]{1,63}(?<!-)$")


def to_ascii(host: str) -> str:
    host = host.strip().rstrip(".").lower()
    if not host:
        raise ValidationError(_("Give a domain name."))
    ascii_host = host if "--" not in host and _PLAIN_HOST.fullmatch(host) else _idna(host)
    if len(ascii_host) > 253:
        raise ValidationError(_("%(host)s is too long for a domain name.") % {"host": repr(host)})
    for label in ascii_host.split("."):
        if not _LABEL.match(label):
            raise ValidationError(
                _("%(host)s is not a valid domain name: bad label %(label)s.")
                % {"host": repr(host), "label": repr(label)}
            )
    return ascii_host


def _idna(host: str) -> str:
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise ValidationError(
            _("%(host)s is not a valid domain name: %(exc)s.") % {"host": repr(host), "exc": exc}
        ) from None


# A pure function of the host, asked several times per value (the check, the value it implies,
# the URL or e-mail around it): cached.
@lru_cache(maxsize=65536)
def registrable_domain(host: str) -> str:
    """`login.secure-bank.co.uk` → `secure-bank.co.uk`; "" when the host has no public
    suffix."""
    return _EXTRACT(host).top_domain_under_public_suffix


def normalize_domain(text: str) -> str:
    text = text.strip()
    if "://" in text or "/" in text or "@" in text or " " in text:
        raise ValidationError(
            _("%(text)s is not a domain name: give only the host (for a link, use kind url).")
            % {"text": repr(text)}
        )
    host = to_ascii(text)
    if host.startswith("www.") and host.count(".") >= 2:
        host = host[4:]
    if not registrable_domain(host):
        raise ValidationError(
            _("%(text)s has no public suffix (.com, .vn, .co.th, ...).") % {"text": repr(text)}
        )
    return host


def derived_domains(host: str) -> tuple[tuple[str, str, str], ...]:
    """A host below its registrable domain also records the registrable domain."""
    registrable = registrable_domain(host)
    if registrable and registrable != host:
        return (("domain", "", registrable),)
    return ()
