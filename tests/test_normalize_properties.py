"""Property tests of every normaliser (issue 16): on any text, each kind's normaliser either
returns a canonical value or refuses with a ValidationError that says why — never another
exception, never a half-normalised value — and normalising a normalised value gives it back.
The person-name folding of the person index likewise never crashes and folds a folded word
to itself.

Bounded runs: the `fortress` profile of tests/conftest.py (200 examples, no deadline); the
`ci` profile there runs more. Every bug found is kept below as an explicit `@example`."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import example, given
from hypothesis import strategies as st
from hypothesis.provisional import domains, urls

from indicators.normalize import MAX_LENGTH, normalize
from indicators.normalize.kinds import Chain, Kind, Platform
from persons import matching
from persons.search import search_text, search_words

REGIONS = st.sampled_from([None, "VN", "TH", "KH", "NG", "FR", "US", "GB"])
ANY_TEXT = st.text(max_size=80)


def check(kind: str, raw: str, **qualifiers: str | None) -> None:
    """The one property: a canonical value (a fixed point) or a refusal with a message."""
    try:
        result = normalize(kind, raw, **qualifiers)
    except ValidationError as exc:
        assert exc.messages, f"{kind}: refused {raw!r} without a message"
        assert all(m.strip() for m in exc.messages), f"{kind}: an empty message for {raw!r}"
        return
    value = result.value
    assert value, f"{kind}: {raw!r} normalised to nothing"
    assert value == value.strip(), f"{kind}: {value!r} keeps outer spaces"
    assert value.isprintable(), f"{kind}: {value!r} keeps a control character"
    assert len(value) <= MAX_LENGTH, f"{kind}: {value!r} is longer than a value may be"
    again = normalize(kind, value, **qualifiers)
    assert (again.kind, again.qualifier, again.value) == (
        result.kind,
        result.qualifier,
        value,
    ), f"{kind}: {raw!r} -> {value!r} -> {again.value!r}"


# --- phone ------------------------------------------------------------------------------------

PHONES = st.from_regex(r"\A\+?[0-9][0-9 ().-]{4,18}\Z")


@given(raw=st.one_of(ANY_TEXT, PHONES), region=REGIONS)
@example(raw="+84 912 345 678", region=None)
@example(raw="0912345678", region="VN")
def test_phone(raw, region):
    check(Kind.PHONE, raw, region=region)


# --- e-mail -----------------------------------------------------------------------------------


@given(raw=st.one_of(ANY_TEXT, st.emails(), st.emails().map(str.upper)))
@example(raw="Mailto:Support@Secure-Bank.CO.UK")
def test_email(raw):
    check(Kind.EMAIL, raw)


# --- domain and URL ---------------------------------------------------------------------------


@given(raw=st.one_of(ANY_TEXT, domains(), domains().map(lambda d: f"WWW.{d.upper()}.")))
@example(raw="bücher.example.de")
def test_domain(raw):
    check(Kind.DOMAIN, raw)


@given(raw=st.one_of(ANY_TEXT, urls(), domains().map(lambda d: f"{d}/a b")))
@example(raw="HTTP://Example.COM:80/a/../b?q=%7e#frag")
# Found: a double-encoded escape was decoded once per normalisation (`%2521` -> `%21` -> `!`).
@example(raw="HTTP://0.AL/%2521")
@example(raw="http://example.com/100%?a=%25zz")
def test_url(raw):
    check(Kind.URL, raw)


# --- IP ---------------------------------------------------------------------------------------


@given(raw=st.one_of(ANY_TEXT, st.ip_addresses().map(str), st.ip_addresses().map(repr)))
@example(raw="2001:DB8::0:1")
def test_ip(raw):
    check(Kind.IP, raw)


# --- crypto wallets ---------------------------------------------------------------------------

WALLETS = {
    Chain.BITCOIN: [
        "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
        "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",
    ],
    Chain.ETHEREUM: ["0x52908400098527886E0F7030069857D2E4169EE7"],
    Chain.TRON: ["TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7"],
}
BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


KNOWN_WALLETS = [a for addresses in WALLETS.values() for a in addresses]
WALLET_TEXT = st.one_of(
    ANY_TEXT,
    st.sampled_from(KNOWN_WALLETS),
    st.sampled_from(KNOWN_WALLETS).map(str.lower),
    st.sampled_from(KNOWN_WALLETS).map(str.upper),
    st.text(alphabet=BASE58, min_size=25, max_size=44),
    st.from_regex(r"\A0x[0-9a-fA-F]{40}\Z"),
)


@given(raw=WALLET_TEXT, chain=st.sampled_from(Chain.values))
@example(raw=WALLETS[Chain.ETHEREUM][0].lower(), chain=Chain.ETHEREUM)
# Found: a chain without a checksum rule kept any text without spaces, control characters too.
@example(raw="\x08", chain=Chain.SOLANA)
@example(raw="addr\u200b1", chain=Chain.OTHER)
def test_wallet(raw, chain):
    check(Kind.CRYPTO_WALLET, raw, chain=chain)


# --- bank account / IBAN ----------------------------------------------------------------------

IBANS = ["DE89370400440532013000", "GB82WEST12345698765432", "FR1420041010050500013M02606"]


@given(
    raw=st.one_of(
        ANY_TEXT,
        st.sampled_from(IBANS),
        st.sampled_from(IBANS).map(lambda i: " ".join(i[n : n + 4] for n in range(0, len(i), 4))),
        st.sampled_from(IBANS).map(str.lower),
        st.from_regex(r"\A[A-Z]{2}[0-9]{2}[A-Z0-9 ]{8,30}\Z"),
        st.from_regex(r"\A[0-9 -]{6,24}\Z"),
    )
)
@example(raw="gb82 west 1234 5698 7654 32")
def test_bank_account(raw):
    check(Kind.BANK_ACCOUNT, raw)


# --- social handles and messaging IDs ---------------------------------------------------------

HANDLES = st.one_of(
    st.from_regex(r"\A@?[A-Za-z0-9_.]{1,32}\Z"),
    st.from_regex(
        r"\A(https?://)?(www\.)?(t\.me|facebook\.com|instagram\.com|x\.com)/@?[A-Za-z0-9_.]{1,30}/?\Z"
    ),
    PHONES,
)


@given(
    raw=st.one_of(ANY_TEXT, HANDLES),
    kind=st.sampled_from([Kind.SOCIAL_HANDLE, Kind.MESSAGING_ID]),
    platform=st.sampled_from(Platform.values),
    region=REGIONS,
)
@example(raw="https://t.me/Scam_Support", kind=Kind.SOCIAL_HANDLE, platform="telegram", region=None)
def test_handle(raw, kind, platform, region):
    check(kind, raw, platform=platform, region=region)


# --- identity documents -----------------------------------------------------------------------


@given(
    raw=st.one_of(
        ANY_TEXT,
        st.from_regex(r"\A[A-Za-z]{2,3}[:;/ ] ?[A-Za-z0-9 .-]{1,20}\Z"),
    )
)
@example(raw="vn: c 441-9023")
def test_identity_document(raw):
    check(Kind.IDENTITY_DOCUMENT, raw)


# --- whatever the kind: the dispatcher's own checks -------------------------------------------


@given(kind=st.one_of(st.sampled_from(Kind.values), ANY_TEXT), raw=ANY_TEXT, chain=ANY_TEXT)
def test_any_kind_and_qualifier(kind, raw, chain):
    check(kind, raw, chain=chain, platform=chain)


# --- person-name folding ----------------------------------------------------------------------

NAMES = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.characters(categories=["Lu", "Ll", "Lo", "Mn", "Zs", "Pd"]), max_size=40),
    st.sampled_from(["Nguyễn Văn An", "张伟", "สมชาย ใจดี", "محمد عبد الله", "김민준", "Ọlátúnjí"]),
)


@given(name=NAMES)
def test_name_folding_never_crashes_and_is_idempotent(name):
    words = search_words(name)
    assert all(w and w.isascii() and w == w.lower() for w in words), words
    # A folded word folds to itself: stored names and typed queries meet.
    for word in words:
        assert search_words(word) == [word], (name, word)
    # What a search_name column stores finds the same words again.
    assert set(search_words(search_text([name]))) == set(words)


@given(name=NAMES, other=NAMES)
def test_name_profiles_never_crash_and_score_symmetrically(name, other):
    a = matching.profile(names=[name])
    b = matching.profile(names=[other])
    assert matching.Profile.from_json(a.as_json()) == a
    for variant in a.variants:
        assert all(t and t.isascii() for t in variant.tokens), variant
    blocking = a.keys()  # the blocking keys, as the index stores them
    assert all(len(k) <= 120 for k in blocking)
    assert matching.score(a, b).value == matching.score(b, a).value


@pytest.mark.parametrize("kind", Kind.values)
def test_every_kind_has_a_property_test(kind):
    """A new kind needs its own test above (the dispatcher test alone is not enough)."""
    tested = {
        Kind.PHONE: test_phone,
        Kind.EMAIL: test_email,
        Kind.DOMAIN: test_domain,
        Kind.URL: test_url,
        Kind.IP: test_ip,
        Kind.CRYPTO_WALLET: test_wallet,
        Kind.BANK_ACCOUNT: test_bank_account,
        Kind.SOCIAL_HANDLE: test_handle,
        Kind.MESSAGING_ID: test_handle,
        Kind.IDENTITY_DOCUMENT: test_identity_document,
    }
    assert kind in tested
