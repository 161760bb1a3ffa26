"""Address encodings: base58check (Bitcoin legacy, Tron) and bech32/bech32m (BIP-173,
BIP-350), and Keccak-256 for Ethereum's EIP-55 checksum."""

from __future__ import annotations

import hashlib

from Crypto.Hash import keccak

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58)}


def base58check_decode(text: str) -> bytes | None:
    """The payload (version byte included) if `text` is valid base58check; else None."""
    number = 0
    for char in text:
        if char not in _B58_INDEX:
            return None
        number = number * 58 + _B58_INDEX[char]
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    raw = b"\x00" * (len(text) - len(text.lstrip("1"))) + raw
    if len(raw) < 5:
        return None
    payload, checksum = raw[:-4], raw[-4:]
    if hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4] != checksum:
        return None
    return payload


_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32_CONST, _BECH32M_CONST = 1, 0x2BC830A3


def _polymod(values: list[int]) -> int:
    generator = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    chk = 1
    for value in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ value
        for i in range(5):
            chk ^= generator[i] if (top >> i) & 1 else 0
    return chk


def _convert_bits(data: list[int], frombits: int, tobits: int) -> list[int] | None:
    acc = bits = 0
    out = []
    maxv = (1 << tobits) - 1
    for value in data:
        acc = (acc << frombits) | value
        bits += frombits
        while bits >= tobits:
            bits -= tobits
            out.append((acc >> bits) & maxv)
    if bits >= frombits or ((acc << (tobits - bits)) & maxv):
        return None
    return out


def segwit_decode(hrp: str, text: str) -> tuple[int, bytes] | None:
    """(witness version, program) of a valid segwit address with prefix `hrp`; else None."""
    if text.lower() != text and text.upper() != text:
        return None
    text = text.lower()
    pos = text.rfind("1")
    if pos < 1 or pos + 7 > len(text) or len(text) > 90 or text[:pos] != hrp:
        return None
    if any(c not in _BECH32 for c in text[pos + 1 :]):
        return None
    data = [_BECH32.find(c) for c in text[pos + 1 :]]
    const = _polymod([ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp] + data)
    if const not in (_BECH32_CONST, _BECH32M_CONST) or not data:
        return None
    version = data[0]
    program = _convert_bits(data[1:-6], 5, 8)
    if program is None or not 2 <= len(program) <= 40 or version > 16:
        return None
    if version == 0 and (len(program) not in (20, 32) or const != _BECH32_CONST):
        return None
    if version != 0 and const != _BECH32M_CONST:
        return None
    return version, bytes(program)


def keccak256(data: bytes) -> bytes:
    return keccak.new(digest_bits=256, data=data).digest()
