"""Crypto wallets, validated per chain: Bitcoin (base58check P2PKH/P2SH, bech32 and bech32m),
Ethereum-style chains (hex, EIP-55 checksum when written in mixed case, stored lower case),
Tron (base58check, version 0x41). Other chains are stored as typed."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from indicators.normalize.codecs import base58check_decode, keccak256, segwit_decode

EVM_CHAINS = frozenset({"ethereum", "bsc", "polygon"})
_HEX_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")


# The address of a chain the normaliser has no rule for: visible ASCII letters, digits and
# the separators some chains use (`bitcoincash:q...`, `addr1...`, `r...`).
_OTHER_ADDRESS = re.compile(r"[A-Za-z0-9:._-]+")


def _bitcoin(text: str) -> str:
    if text[:3].lower() == "bc1":
        if segwit_decode("bc", text) is None:
            raise ValidationError(
                _("%(text)s is not a valid Bitcoin bech32 address (checksum).")
                % {"text": repr(text)}
            )
        return text.lower()
    payload = base58check_decode(text)
    if payload is None:
        raise ValidationError(
            _("%(text)s is not a valid Bitcoin address (base58 checksum).") % {"text": repr(text)}
        )
    if len(payload) != 21 or payload[0] not in (0x00, 0x05):
        raise ValidationError(
            _("%(text)s is not a Bitcoin mainnet address.") % {"text": repr(text)}
        )
    return text


def eip55(address_hex: str) -> str:
    """The EIP-55 mixed-case form of a 40-digit hex address."""
    lower = address_hex.lower()
    digest = keccak256(lower.encode("ascii")).hex()
    return "0x" + "".join(
        c.upper() if c.isalpha() and int(digest[i], 16) >= 8 else c for i, c in enumerate(lower)
    )


def _evm(text: str) -> str:
    if not text.lower().startswith("0x"):
        text = "0x" + text
    if not _HEX_ADDRESS.match(text):
        raise ValidationError(
            _("%(text)s is not an address: 0x followed by 40 hex digits.") % {"text": repr(text)}
        )
    body = text[2:]
    if body != body.lower() and body != body.upper() and eip55(body) != "0x" + body:
        raise ValidationError(
            _("%(text)s fails its EIP-55 checksum (mixed case): a character was mistyped.")
            % {"text": repr(text)}
        )
    return "0x" + body.lower()


def _tron(text: str) -> str:
    payload = base58check_decode(text)
    if payload is None:
        raise ValidationError(
            _("%(text)s is not a valid Tron address (base58 checksum).") % {"text": repr(text)}
        )
    if len(payload) != 21 or payload[0] != 0x41:
        raise ValidationError(
            _("%(text)s is not a Tron address (they start with T).") % {"text": repr(text)}
        )
    return text


def normalize_wallet(text: str, chain: str) -> str:
    text = text.strip()
    if chain == "bitcoin":
        return _bitcoin(text)
    if chain in EVM_CHAINS:
        return _evm(text)
    if chain == "tron":
        return _tron(text)
    if re.search(r"\s", text):
        raise ValidationError(
            _("%(text)s is not an address: it contains a space.") % {"text": repr(text)}
        )
    if not _OTHER_ADDRESS.fullmatch(text):
        # A chain without a checksum rule here: still an address, never a control
        # character or a stray symbol kept as it was typed.
        raise ValidationError(
            _("%(text)s is not an address: use letters, digits and ':', '.', '_' or '-'.")
            % {"text": repr(text)}
        )
    return text
