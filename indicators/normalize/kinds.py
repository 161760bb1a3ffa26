"""The kinds of indicator values and their qualifiers (the chain of a wallet, the platform of
a handle): what the normalisers accept. Here rather than in indicators/models.py so that the
normalisers import no model, and every app may use them (cases and victims normalise identity
documents with them)."""

from __future__ import annotations

from django.db import models


class Kind(models.TextChoices):
    PHONE = "phone", "Phone number"
    EMAIL = "email", "E-mail address"
    DOMAIN = "domain", "Domain"
    URL = "url", "URL"
    IP = "ip", "IP address"
    CRYPTO_WALLET = "crypto_wallet", "Crypto wallet"
    BANK_ACCOUNT = "bank_account", "Bank account / IBAN"
    SOCIAL_HANDLE = "social_handle", "Social media handle"
    MESSAGING_ID = "messaging_id", "Messaging ID"
    IDENTITY_DOCUMENT = "identity_document", "Identity document"


# Kinds whose value is qualified: a wallet by its chain, a handle by its platform.
CHAIN_KINDS = frozenset({Kind.CRYPTO_WALLET})
PLATFORM_KINDS = frozenset({Kind.SOCIAL_HANDLE, Kind.MESSAGING_ID})


class Chain(models.TextChoices):
    BITCOIN = "bitcoin", "Bitcoin"
    ETHEREUM = "ethereum", "Ethereum"
    TRON = "tron", "Tron"
    BSC = "bsc", "BNB Smart Chain"
    POLYGON = "polygon", "Polygon"
    SOLANA = "solana", "Solana"
    LITECOIN = "litecoin", "Litecoin"
    XRP = "xrp", "XRP Ledger"
    OTHER = "other", "Other"


class Platform(models.TextChoices):
    TELEGRAM = "telegram", "Telegram"
    WHATSAPP = "whatsapp", "WhatsApp"
    FACEBOOK = "facebook", "Facebook"
    INSTAGRAM = "instagram", "Instagram"
    TIKTOK = "tiktok", "TikTok"
    X = "x", "X (Twitter)"
    WECHAT = "wechat", "WeChat"
    LINE = "line", "LINE"
    ZALO = "zalo", "Zalo"
    VIBER = "viber", "Viber"
    SIGNAL = "signal", "Signal"
    OTHER = "other", "Other"


__all__ = ["CHAIN_KINDS", "PLATFORM_KINDS", "Chain", "Kind", "Platform"]
