"""Normalisation of indicator values, one module per kind.

`normalize(kind, raw, ...)` returns the value in its one canonical form, or raises
ValidationError with a message that says why the text is refused. Nothing is ever stored
half-normalised: the callers store only what this returns.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from indicators.normalize import (
    bank,
    document,
    domain,
    email,
    handle,
    ip,
    phone,
    url,
    wallet,
)
from indicators.normalize.kinds import CHAIN_KINDS, PLATFORM_KINDS, Chain, Kind, Platform
from indicators.normalize.result import Normalized

__all__ = ["Normalized", "ValidationError", "checked", "normalize"]

MAX_LENGTH = 1000
# The choice sets, built once: `Kind.values` builds a new list on each call (the enum's
# property), which cost more than normalising an IP address.
_KINDS = frozenset(Kind.values)
_CHAINS = frozenset(Chain.values)
_PLATFORMS = frozenset(Platform.values)


def normalize(
    kind: str, raw: str, *, chain: str = "", platform: str = "", region: str | None = None
) -> Normalized:
    """The canonical form of `raw` as an indicator of `kind`. `region` (an ISO country code,
    the case's agency country) is the default for phone numbers written in local form."""
    text = (raw or "").strip()
    if not text:
        raise ValidationError(_("Give a value."))
    if len(text) > MAX_LENGTH:
        raise ValidationError(
            _("A value is at most %(MAX_LENGTH)s characters long.") % {"MAX_LENGTH": MAX_LENGTH}
        )
    if kind not in _KINDS:
        raise ValidationError(
            _("Unknown kind %(kind)s: use one of %(value)s.")
            % {"kind": repr(kind), "value": ", ".join(Kind.values)}
        )
    chain = (chain or "").strip().lower()
    platform = (platform or "").strip().lower()
    if kind in CHAIN_KINDS:
        if not chain:
            raise ValidationError(_("Give the chain of the wallet (bitcoin, ethereum, tron, ...)."))
        if chain not in _CHAINS:
            raise ValidationError(
                _("Unknown chain %(chain)s: use one of %(value)s.")
                % {"chain": repr(chain), "value": ", ".join(Chain.values)}
            )
    elif chain:
        raise ValidationError(_("Only crypto wallets have a chain."))
    if kind in PLATFORM_KINDS:
        if not platform:
            raise ValidationError(_("Give the platform (telegram, whatsapp, facebook, ...)."))
        if platform not in _PLATFORMS:
            raise ValidationError(
                _("Unknown platform %(platform)s: use one of %(value)s.")
                % {"platform": repr(platform), "value": ", ".join(Platform.values)}
            )
    elif platform:
        raise ValidationError(_("Only handles and messaging IDs have a platform."))

    if kind == Kind.PHONE:
        return Normalized(kind, "", phone.normalize_phone(text, region))
    if kind == Kind.EMAIL:
        return Normalized(kind, "", email.normalize_email(text))
    if kind == Kind.DOMAIN:
        host = domain.normalize_domain(text)
        return Normalized(kind, "", host, derived=domain.derived_domains(host))
    if kind == Kind.URL:
        canonical, host = url.normalize_url(text)
        return Normalized(kind, "", canonical, derived=_implied_by_host(host))
    if kind == Kind.IP:
        return Normalized(kind, "", ip.normalize_ip(text))
    if kind == Kind.CRYPTO_WALLET:
        return Normalized(kind, chain, wallet.normalize_wallet(text, chain))
    if kind == Kind.BANK_ACCOUNT:
        return Normalized(kind, "", bank.normalize_bank_account(text))
    if kind in PLATFORM_KINDS:
        return Normalized(kind, platform, handle.normalize_handle(text, platform, region))
    return Normalized(kind, "", document.normalize_document(text))


def _implied_by_host(host: str) -> tuple[tuple[str, str, str], ...]:
    """What a URL's host implies: the host itself, as a domain or an IP address."""
    return ((Kind.DOMAIN, "", host),) if not ip.is_ip(host) else ((Kind.IP, "", host),)


def checked(kind: str, qualifier: str, value: str) -> Normalized:
    """A value `normalize` returned before (kept by an import's check), with the values it
    implies worked out again from the canonical form: nothing is parsed twice."""
    if kind == Kind.DOMAIN:
        return Normalized(kind, qualifier, value, derived=domain.derived_domains(value))
    if kind == Kind.URL:
        host = urlsplit(value).hostname or ""
        return Normalized(kind, qualifier, value, derived=_implied_by_host(host))
    return Normalized(kind, qualifier, value)
