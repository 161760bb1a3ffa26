"""The kinds of indicator values and their qualifiers (the chain of a wallet, the platform of
a handle): what the normalisers accept. Here rather than in indicators/models.py so that the
normalisers import no model, and every app may use them (cases and victims normalise identity
documents with them)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy


class Kind(models.TextChoices):
    PHONE = "phone", gettext_lazy("Phone number")
    EMAIL = "email", gettext_lazy("E-mail address")
    DOMAIN = "domain", gettext_lazy("Domain")
    URL = "url", gettext_lazy("URL")
    IP = "ip", gettext_lazy("IP address")
    CRYPTO_WALLET = "crypto_wallet", gettext_lazy("Crypto wallet")
    BANK_ACCOUNT = "bank_account", gettext_lazy("Bank account / IBAN")
    SOCIAL_HANDLE = "social_handle", gettext_lazy("Social media handle")
    MESSAGING_ID = "messaging_id", gettext_lazy("Messaging ID")
    IDENTITY_DOCUMENT = "identity_document", gettext_lazy("Identity document")


# Kinds whose value is qualified: a wallet by its chain, a handle by its platform.
CHAIN_KINDS = frozenset({Kind.CRYPTO_WALLET})
PLATFORM_KINDS = frozenset({Kind.SOCIAL_HANDLE, Kind.MESSAGING_ID})


class Chain(models.TextChoices):
    BITCOIN = "bitcoin", gettext_lazy("Bitcoin")
    ETHEREUM = "ethereum", gettext_lazy("Ethereum")
    TRON = "tron", gettext_lazy("Tron")
    BSC = "bsc", gettext_lazy("BNB Smart Chain")
    POLYGON = "polygon", gettext_lazy("Polygon")
    SOLANA = "solana", gettext_lazy("Solana")
    LITECOIN = "litecoin", gettext_lazy("Litecoin")
    XRP = "xrp", gettext_lazy("XRP Ledger")
    OTHER = "other", gettext_lazy("Other")


class Platform(models.TextChoices):
    TELEGRAM = "telegram", gettext_lazy("Telegram")
    WHATSAPP = "whatsapp", gettext_lazy("WhatsApp")
    FACEBOOK = "facebook", gettext_lazy("Facebook")
    INSTAGRAM = "instagram", gettext_lazy("Instagram")
    TIKTOK = "tiktok", gettext_lazy("TikTok")
    X = "x", gettext_lazy("X (Twitter)")
    WECHAT = "wechat", gettext_lazy("WeChat")
    LINE = "line", gettext_lazy("LINE")
    ZALO = "zalo", gettext_lazy("Zalo")
    VIBER = "viber", gettext_lazy("Viber")
    SIGNAL = "signal", gettext_lazy("Signal")
    OTHER = "other", gettext_lazy("Other")


__all__ = ["CHAIN_KINDS", "PLATFORM_KINDS", "Chain", "Kind", "Platform"]
