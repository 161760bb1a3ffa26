"""Handles and messaging IDs per platform, without `@` or link prefix:
`https://t.me/luckyboss`, `@LuckyBoss` and `luckyboss` are all telegram `luckyboss`.
Platforms whose ID is a phone number (WhatsApp, Viber, Signal) store it in E.164."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from indicators.normalize.phone import normalize_phone

# The hosts whose links name a handle, per platform.
LINK_HOSTS = {
    "telegram": ("t.me", "telegram.me", "telegram.dog"),
    "whatsapp": ("wa.me", "api.whatsapp.com"),
    "facebook": ("facebook.com", "fb.com", "m.facebook.com", "web.facebook.com"),
    "instagram": ("instagram.com",),
    "tiktok": ("tiktok.com",),
    "x": ("x.com", "twitter.com", "mobile.twitter.com"),
    "line": ("line.me",),
    "zalo": ("zalo.me",),
    "viber": (),
    "signal": (),
    "wechat": (),
    "other": (),
}
PHONE_PLATFORMS = frozenset({"whatsapp", "viber", "signal"})
# Where handles are case-sensitive, keep the case; elsewhere fold it.
CASE_SENSITIVE = frozenset({"wechat", "other"})
_HANDLE = re.compile(r"^[\w.\-~]{1,100}$")


def _platform_of_host(host: str) -> str | None:
    host = host.lower().removeprefix("www.")
    for platform, hosts in LINK_HOSTS.items():
        if host in hosts:
            return platform
    return None


def _strip_link(text: str, platform: str) -> str:
    candidate = text if "://" in text else "https://" + text
    try:
        parts = urlsplit(candidate)
        host = parts.hostname or ""
    except ValueError:  # e.g. an unbalanced "[": urlsplit reads it as a broken IPv6 host
        raise ValidationError(
            _("%(text)s is neither a %(platform)s handle nor a link.")
            % {"text": repr(text), "platform": platform}
        ) from None
    linked = _platform_of_host(host)
    if linked is None:
        if "://" in text:
            raise ValidationError(
                _("%(text)s is not a link to a %(platform)s profile.")
                % {"text": repr(text), "platform": platform}
            )
        return text
    if linked != platform:
        raise ValidationError(
            _("%(text)s is a %(linked)s link, not %(platform)s.")
            % {"text": repr(text), "linked": linked, "platform": platform}
        )
    segments = [s for s in parts.path.split("/") if s]
    if linked == "line" and segments[:2] == ["ti", "p"]:
        segments = segments[2:]
    if linked == "whatsapp" and not segments:
        phone = re.search(r"phone=([+\d]+)", parts.query or "")
        return phone.group(1) if phone else ""
    if linked == "facebook" and segments[:1] == ["profile.php"]:
        # ASCII digits only: "١٢٣" would be stored apart from the same account's "123".
        ident = re.search(r"id=([0-9]+)", parts.query or "")
        return ident.group(1) if ident else ""
    return segments[0] if segments else ""


def normalize_handle(text: str, platform: str, region: str | None) -> str:
    handle = _strip_link(text.strip(), platform).strip().lstrip("@~")
    if not handle:
        raise ValidationError(
            _("%(text)s names no %(platform)s account.")
            % {"text": repr(text), "platform": platform}
        )
    if platform in PHONE_PLATFORMS:
        digits = handle if handle.startswith("+") else ("+" + handle if "://" in text else handle)
        return normalize_phone(digits, region)
    if not _HANDLE.match(handle):
        raise ValidationError(
            _("%(text)s is not a %(platform)s handle: use letters, digits, '.', '_' or '-'.")
            % {"text": repr(text), "platform": platform}
        )
    return handle if platform in CASE_SENSITIVE else handle.lower()
