"""Domains: IDNA (punycode) lower case, without a trailing dot or `www.`; the registrable
domain from `tldextract`'s bundled Public Suffix List snapshot (never fetched)."""

from __future__ import annotations

import re

import idna
import tldextract
from django.core.exceptions import ValidationError

# suffix_list_urls=() and cache_dir=None: the snapshot shipped inside the package, no network.
_EXTRACT = tldextract.TLDExtract(
    suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
)
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def to_ascii(host: str) -> str:
    host = host.strip().rstrip(".").lower()
    if not host:
        raise ValidationError("Give a domain name.")
    try:
        ascii_host = idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise ValidationError(f"{host!r} is not a valid domain name: {exc}.") from None
    if len(ascii_host) > 253:
        raise ValidationError(f"{host!r} is too long for a domain name.")
    for label in ascii_host.split("."):
        if not _LABEL.match(label):
            raise ValidationError(f"{host!r} is not a valid domain name: bad label {label!r}.")
    return ascii_host


def registrable_domain(host: str) -> str:
    """`login.secure-bank.co.uk` → `secure-bank.co.uk`; "" when the host has no public
    suffix."""
    return _EXTRACT(host).top_domain_under_public_suffix


def normalize_domain(text: str) -> str:
    text = text.strip()
    if "://" in text or "/" in text or "@" in text or " " in text:
        raise ValidationError(
            f"{text!r} is not a domain name: give only the host (for a link, use kind url)."
        )
    host = to_ascii(text)
    if host.startswith("www.") and host.count(".") >= 2:
        host = host[4:]
    if not registrable_domain(host):
        raise ValidationError(f"{text!r} has no public suffix (.com, .vn, .co.th, ...).")
    return host


def derived_domains(host: str) -> tuple[tuple[str, str, str], ...]:
    """A host below its registrable domain also records the registrable domain."""
    registrable = registrable_domain(host)
    if registrable and registrable != host:
        return (("domain", "", registrable),)
    return ()
