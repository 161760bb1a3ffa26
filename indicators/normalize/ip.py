"""IP addresses in `ipaddress`'s canonical text (IPv6 compressed, IPv4-mapped to IPv4)."""

from __future__ import annotations

import ipaddress
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Only an address can be written with these (IPv4 digits and dots, or IPv6 with a colon): any
# other text is not an address without asking `ipaddress`, which costs ~50 µs a refusal.
_MAYBE_IP = re.compile(r"^\[?(?:[0-9.]+|.*:.*)\]?$")


def is_ip(text: str) -> bool:
    if not _MAYBE_IP.match(text):
        return False
    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False
    return True


def normalize_ip(text: str) -> str:
    text = text.strip().strip("[]")
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        if "/" in text:
            raise ValidationError(
                _("%(text)s is a network, not one IP address.") % {"text": repr(text)}
            ) from None
        raise ValidationError(
            _("%(text)s is not an IPv4 or IPv6 address.") % {"text": repr(text)}
        ) from None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.compressed
