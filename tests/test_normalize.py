"""Normalisation per kind: real-world formats in, one canonical value out; bad input refused
with a reason."""

import socket

import pytest
import tldextract
from django.core.exceptions import ValidationError

from indicators.normalize import domain as domain_module
from indicators.normalize import normalize


def value(kind, raw, **kw):
    return normalize(kind, raw, **kw).value


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        # Vietnam: mobile in local and international form
        ("0912 345 678", "VN", "+84912345678"),
        ("+84 912 345 678", None, "+84912345678"),
        ("0084912345678", "VN", "+84912345678"),
        ("(+84) 91-234-5678", "NG", "+84912345678"),
        # Thailand
        ("081 234 5678", "TH", "+66812345678"),
        ("+66 81 234 5678", "VN", "+66812345678"),
        # Nigeria
        ("0803 123 4567", "NG", "+2348031234567"),
        ("+234 803 123 4567", None, "+2348031234567"),
        # Cambodia
        ("012 345 678", "KH", "+85512345678"),
        ("+855 12 345 678", "VN", "+85512345678"),
    ],
)
def test_phone_numbers_to_e164_with_the_case_country_as_default(raw, region, expected):
    assert value("phone", raw, region=region) == expected


@pytest.mark.parametrize(
    ("raw", "region", "reason"),
    [
        ("0912 345 678", None, "international form"),
        ("+84 12", None, "not a valid phone number"),
        ("call me maybe", "VN", "not a phone number"),
        ("+84 912 345 678 999 999", None, "not a"),
    ],
)
def test_bad_phone_numbers_are_refused_with_a_reason(raw, region, reason):
    with pytest.raises(ValidationError) as exc:
        normalize("phone", raw, region=region)
    assert reason in exc.value.messages[0]


def test_emails_lower_case_with_idna_domain():
    assert value("email", "Nguyen.Van.An@GMAIL.com") == "nguyen.van.an@gmail.com"
    assert value("email", "mailto:Info@Bücher.de") == "info@xn--bcher-kva.de"
    assert value("email", "  x@ตัวอย่าง.ไทย ") == "x@xn--72c1a1bt4awk9o.xn--o3cw4h"


@pytest.mark.parametrize("raw", ["no-at-sign.com", "a@@b.com", "a@b", ".a@b.com", "a b@c.com"])
def test_bad_emails_are_refused(raw):
    with pytest.raises(ValidationError):
        normalize("email", raw)


def test_domains_idna_lower_case_without_www_and_trailing_dot():
    assert value("domain", "WWW.Bücher.DE.") == "xn--bcher-kva.de"
    assert value("domain", "xn--bcher-kva.de") == "xn--bcher-kva.de"
    assert value("domain", "ตัวอย่าง.ไทย") == "xn--72c1a1bt4awk9o.xn--o3cw4h"


def test_a_subdomain_also_records_its_registrable_domain():
    result = normalize("domain", "login.secure-bank.co.uk")
    assert result.value == "login.secure-bank.co.uk"
    assert result.derived == (("domain", "", "secure-bank.co.uk"),)
    assert normalize("domain", "secure-bank.co.uk").derived == ()
    # A private suffix (a hosting platform) is a suffix: each site is its own domain.
    assert normalize("domain", "scam-site.vercel.app").derived == ()


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("https://example.com/x", "only the host"),
        ("localhost", "no public suffix"),
        ("exa_mple.com", "not a valid domain name"),
        ("-bad-.com", "not a valid domain name"),
    ],
)
def test_bad_domains_are_refused(raw, reason):
    with pytest.raises(ValidationError) as exc:
        normalize("domain", raw)
    assert reason in exc.value.messages[0]


def test_the_suffix_list_is_the_bundled_snapshot_never_fetched(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("tried to open a network connection")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    fresh = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    assert fresh("a.b.example.com.vn").top_domain_under_public_suffix == "example.com.vn"
    assert domain_module._EXTRACT.suffix_list_urls == ()
    assert domain_module.registrable_domain("shop.example.co.th") == "example.co.th"


def test_urls_canonical_with_their_domain():
    result = normalize("url", "HTTPS://Login.Example.COM:443/Path?q=1#fragment")
    assert result.value == "https://login.example.com/Path?q=1"
    assert result.derived == (("domain", "", "login.example.com"),)
    assert value("url", "example.com") == "http://example.com/"
    assert value("url", "http://example.com:8080/a%7Eb") == "http://example.com:8080/a~b"
    assert normalize("url", "http://[2001:db8::1]/x").derived == (("ip", "", "2001:db8::1"),)


@pytest.mark.parametrize(
    "raw", ["javascript:alert(1)", "http://", "http://exa mple.com/", "mailto:x@y"]
)
def test_bad_urls_are_refused(raw):
    with pytest.raises(ValidationError):
        normalize("url", raw)


def test_ip_addresses_canonical():
    assert value("ip", " 203.0.113.7 ") == "203.0.113.7"
    assert value("ip", "2001:DB8:0:0:0:0:0:1") == "2001:db8::1"
    assert value("ip", "::ffff:203.0.113.7") == "203.0.113.7"


@pytest.mark.parametrize(
    ("raw", "reason"), [("256.1.1.1", "not an IPv4"), ("10.0.0.0/8", "network")]
)
def test_bad_ips_are_refused(raw, reason):
    with pytest.raises(ValidationError) as exc:
        normalize("ip", raw)
    assert reason in exc.value.messages[0]


def test_ibans_validated_and_compact():
    assert value("bank_account", "DE89 3704 0044 0532 0130 00") == "DE89370400440532013000"
    assert value("bank_account", "iban gb82-west-1234-5698-7654-32") == "GB82WEST12345698765432"
    assert value("bank_account", "0071-000-123456") == "0071000123456"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("DE89 3704 0044 0532 0130 01", "not a valid IBAN"),
        ("12", "5 to 34"),
        ("ab#cd$ef", "5 to 34"),
    ],
)
def test_bad_bank_accounts_are_refused(raw, reason):
    with pytest.raises(ValidationError) as exc:
        normalize("bank_account", raw)
    assert reason in exc.value.messages[0]


def test_bitcoin_addresses():
    assert (
        value("crypto_wallet", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", chain="bitcoin")
        == "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"
    )
    assert (
        value("crypto_wallet", "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", chain="bitcoin")
        == "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
    )
    taproot = "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0"
    assert value("crypto_wallet", taproot, chain="bitcoin") == taproot


@pytest.mark.parametrize(
    "raw",
    [
        "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb",  # base58 checksum
        "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5",  # bech32 checksum
        "bc1qw508d6qejxtdg4y5r3zArvary0c5xw7kv8f3t4",  # mixed case bech32
        "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",  # not a bitcoin address
    ],
)
def test_bad_bitcoin_addresses_are_refused(raw):
    with pytest.raises(ValidationError):
        normalize("crypto_wallet", raw, chain="bitcoin")


def test_ethereum_addresses_checked_when_mixed_case_and_stored_lower_case():
    good = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    assert value("crypto_wallet", good, chain="ethereum") == good.lower()
    assert value("crypto_wallet", good.lower(), chain="ethereum") == good.lower()
    assert value("crypto_wallet", good.upper()[2:], chain="ethereum") == good.lower()
    with pytest.raises(ValidationError) as exc:
        normalize("crypto_wallet", good[:-1] + "D", chain="ethereum")
    assert "EIP-55" in exc.value.messages[0]
    with pytest.raises(ValidationError):
        normalize("crypto_wallet", "0x1234", chain="ethereum")


def test_tron_addresses():
    usdt = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
    assert value("crypto_wallet", f" {usdt} ", chain="tron") == usdt
    with pytest.raises(ValidationError):
        normalize("crypto_wallet", usdt[:-1] + "u", chain="tron")
    with pytest.raises(ValidationError) as exc:
        normalize("crypto_wallet", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", chain="tron")
    assert "start with T" in exc.value.messages[0]


def test_other_chains_stored_as_typed_but_a_chain_is_required():
    assert value("crypto_wallet", "So1anaAddr3ss", chain="solana") == "So1anaAddr3ss"
    with pytest.raises(ValidationError):
        normalize("crypto_wallet", "abc")
    with pytest.raises(ValidationError):
        normalize("crypto_wallet", "abc", chain="dogecoin-classic")


@pytest.mark.parametrize(
    "raw",
    [
        "https://t.me/luckyboss",
        "@LuckyBoss",
        "luckyboss",
        "t.me/LuckyBoss/",
        "telegram.me/luckyboss",
    ],
)
def test_telegram_handles_without_at_or_link(raw):
    assert value("social_handle", raw, platform="telegram") == "luckyboss"


def test_handles_per_platform():
    assert value("messaging_id", "https://wa.me/84912345678", platform="whatsapp") == "+84912345678"
    assert value("messaging_id", "0912345678", platform="zalo", region="VN") == "0912345678"
    assert value("messaging_id", "0912 345 678", platform="viber", region="VN") == "+84912345678"
    assert (
        value(
            "social_handle", "https://www.facebook.com/profile.php?id=1000123", platform="facebook"
        )
        == "1000123"
    )
    with pytest.raises(ValidationError):  # an id in other digits is not read as the id
        value("social_handle", "https://facebook.com/profile.php?id=١٢٣", platform="facebook")
    assert value("social_handle", "https://line.me/ti/p/~Scammer1", platform="line") == "scammer1"
    assert value("messaging_id", "WxID_Abc", platform="wechat") == "WxID_Abc"


@pytest.mark.parametrize(
    ("raw", "platform", "reason"),
    [
        ("https://facebook.com/x", "telegram", "facebook link"),
        ("https://example.com/x", "telegram", "not a link"),
        ("@", "telegram", "names no"),
        ("bad handle!", "instagram", "not a instagram handle"),
    ],
)
def test_bad_handles_are_refused(raw, platform, reason):
    with pytest.raises(ValidationError) as exc:
        normalize("social_handle", raw, platform=platform)
    assert reason in exc.value.messages[0]


def test_identity_documents_country_and_number():
    assert value("identity_document", "vn c-123 4567") == "VN:C1234567"
    assert value("identity_document", "THA:AA1234567") == "TH:AA1234567"
    for bad, reason in [("C1234567", "country"), ("XX:123456", "ISO"), ("VN:12", "4 to 20")]:
        with pytest.raises(ValidationError) as exc:
            normalize("identity_document", bad)
        assert reason in exc.value.messages[0]


def test_kind_chain_and_platform_are_checked():
    for kwargs, reason in [
        ({"kind": "fax", "raw": "1"}, "Unknown kind"),
        ({"kind": "phone", "raw": " "}, "Give a value"),
        ({"kind": "phone", "raw": "+84912345678", "chain": "tron"}, "Only crypto wallets"),
        ({"kind": "ip", "raw": "1.2.3.4", "platform": "telegram"}, "Only handles"),
        ({"kind": "social_handle", "raw": "x"}, "Give the platform"),
        ({"kind": "domain", "raw": "a" * 1001}, "at most"),
    ]:
        with pytest.raises(ValidationError) as exc:
            normalize(**kwargs)
        assert reason in exc.value.messages[0]


@pytest.mark.parametrize("raw", ["]x", "[boss", "https://[t.me/boss"])
def test_a_handle_that_urlsplit_cannot_read_is_refused_not_a_crash(raw):
    with pytest.raises(ValidationError, match="neither a telegram handle nor a link"):
        normalize("social_handle", raw, platform="telegram")


def test_case_search_by_a_bracketed_text_finds_nothing_instead_of_failing(api, alice):
    response = api(alice).get("/api/v1/cases/", {"q": "]x"})
    assert response.status_code == 200
    assert response.json()["results"] == []
