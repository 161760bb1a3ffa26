"""Demo entries of the network registry, published by several demo agencies through the
services (an analyst proposes, a supervisor approves), at every takedown stage:

- vinatrade-pro.com (Vietnam): active, the Vietnamese agency working on it;
- secure-krungthai-verify.com (Thailand and Nigeria, one entry, two sources): taken down;
- the phishing URL on it (Thailand): takedown requested of the hosting provider;
- the Telegram handle vinatrade_vip (Cambodia): taken down, then re-emerged;
- the French IBAN (France): takedown requested of the bank;
- a Thai number posing as a bank's fraud desk (Thailand): active.

Marked for public awareness (so /public/ shows them): vinatrade-pro.com, the phishing URL,
the Thai number, and secure-krungthai-verify.com, which the public page leaves out while it
is taken down. Vietnam's admin has issued one feed token to a demo partner; its key is shown
once, in the seed's output, and only its digest is stored.

Idempotent: a value the agency already publishes (or withdrew) is left as it is, and the
lifecycle steps are recorded only on an entry that has none beyond its first.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from agencies.demo import agency_for, user_for
from indicators.models import Indicator
from indicators.normalize import normalize
from registry import services
from registry.models import EntryStatus, FeedToken, PartnerKind, RegistryEntry, RegistrySource

# (agency, kind, value as a demo case holds it, qualifier, confidence, fraud types, description)
PUBLISHED = [
    (
        "vn",
        "domain",
        "vinatrade-pro.com",
        "",
        "confirmed",
        ["investment"],
        "Fake securities trading app: victims are shown invented gains.",
    ),
    (
        "th",
        "domain",
        "secure-krungthai-verify.com",
        "",
        "confirmed",
        ["phishing"],
        "Phishing site imitating Krungthai Bank's login, sent by SMS.",
    ),
    (
        "ng",
        "domain",
        "secure-krungthai-verify.com",
        "",
        "suspected",
        ["romance", "phishing"],
        "Also used for the e-mail addresses of a romance scam ring.",
    ),
    (
        "th",
        "url",
        "https://secure-krungthai-verify.com/login?ref=sms",
        "",
        "confirmed",
        ["phishing"],
        "The login page the SMS links to.",
    ),
    (
        "kh",
        "social_handle",
        "@VinaTrade_VIP",
        "telegram",
        "confirmed",
        ["job_scam", "investment"],
        "Telegram channel recruiting 'task' workers and investors.",
    ),
    (
        "th",
        "phone",
        "081 234 5678",
        "",
        "confirmed",
        ["phishing", "impersonation"],
        "Calls posing as a bank's fraud desk and asks for one-time codes.",
    ),
    (
        "fr",
        "bank_account",
        "FR76 3000 6000 0112 3456 7890 189",
        "",
        "suspected",
        ["crypto"],
        "Receiving account of a fake crypto platform.",
    ),
]
# value -> the steps after publication: (agency, status, fields)
STEPS: dict[str, list[tuple[str, str, dict]]] = {
    "secure-krungthai-verify.com": [
        ("th", EntryStatus.TAKEDOWN_REQUESTED, {"recipient": "registrar", "reference": "RR-88213"}),
        ("th", EntryStatus.TAKEN_DOWN, {"days_ago": 12, "note": "Suspended by the registrar."}),
    ],
    "https://secure-krungthai-verify.com/login?ref=sms": [
        (
            "th",
            EntryStatus.TAKEDOWN_REQUESTED,
            {"recipient": "hosting_provider", "reference": "ABUSE-2026-0412"},
        ),
    ],
    "vinatrade_vip": [
        ("kh", EntryStatus.TAKEDOWN_REQUESTED, {"recipient": "platform", "reference": "TG-5512"}),
        ("kh", EntryStatus.TAKEN_DOWN, {"days_ago": 30, "note": "Channel closed by Telegram."}),
        ("vn", EntryStatus.RE_EMERGED, {"note": "Same channel name back under a new owner."}),
    ],
    "FR7630006000011234567890189": [
        ("fr", EntryStatus.TAKEDOWN_REQUESTED, {"recipient": "bank", "reference": "FRZ-1207"}),
    ],
}
CLAIMS = {"vinatrade-pro.com": "vn", "vinatrade_vip": "kh"}
# value -> the agency whose supervisor marks it for public awareness
AWARENESS = {
    "vinatrade-pro.com": "vn",
    "https://secure-krungthai-verify.com/login?ref=sms": "th",
    "+66812345678": "th",
    "secure-krungthai-verify.com": "th",
}
DEMO_PARTNER = "Demo Blocklist Foundation"


def _indicator(cc: str, kind: str, value: str, qualifier: str) -> Indicator | None:
    n = normalize(
        kind,
        value,
        chain=qualifier if kind == "crypto_wallet" else "",
        platform=qualifier if kind in ("social_handle", "messaging_id") else "",
        region=str(agency_for(cc).country),
    )
    return (
        Indicator.objects.filter(
            case__agency=agency_for(cc),
            case__silent=False,
            value__kind=n.kind,
            value__qualifier=n.qualifier,
            value__normalized=n.value,
        )
        .select_related("case", "value")
        .order_by("pk")
        .first()
    )


def seed(out) -> None:
    published = 0
    for cc, kind, value, qualifier, confidence, fraud_types, description in PUBLISHED:
        indicator = _indicator(cc, kind, value, qualifier)
        if indicator is None:
            continue
        agency = agency_for(cc)
        if RegistrySource.objects.filter(entry__value=indicator.value, agency=agency).exists():
            continue
        proposal = services.proposal_create(
            indicator=indicator,
            by=user_for(cc, "analyst"),
            confidence=confidence,
            fraud_types=fraud_types,
            description=description,
        )
        services.proposal_decide(proposal=proposal, by=user_for(cc, "supervisor"), approve=True)
        published += 1
    for entry in RegistryEntry.objects.select_related("value"):
        steps = STEPS.get(entry.value.normalized, [])
        if entry.steps.count() > 1:
            continue  # already walked
        for cc, status, fields in steps:
            fields = dict(fields)
            days_ago = fields.pop("days_ago", None)
            if days_ago is not None:
                fields["taken_down_on"] = timezone.localdate() - datetime.timedelta(days=days_ago)
            entry.refresh_from_db()
            services.entry_record_step(
                entry=entry,
                by=user_for(cc, "analyst"),
                status=status,
                version=entry.version,
                **fields,
            )
        claimant = CLAIMS.get(entry.value.normalized)
        if claimant and entry.claimed_by_id is None:
            entry.refresh_from_db()
            services.entry_claim(
                entry=entry, by=user_for(claimant, "analyst"), version=entry.version
            )
    marked = 0
    for entry in RegistryEntry.objects.published().select_related("value"):
        cc = AWARENESS.get(entry.value.normalized)
        if cc and not entry.public_awareness:
            services.entry_set_awareness(
                entry=entry, by=user_for(cc, "supervisor"), public=True, version=entry.version
            )
            marked += 1
    out.write(
        f"{published} values published; {RegistryEntry.objects.published().count()} "
        f"registry entries in all; {marked} marked for public awareness"
    )
    admin = user_for("vn", "admin")
    if not FeedToken.objects.filter(agency=admin.agency, partner=DEMO_PARTNER).exists():
        _token, key = services.feed_token_issue(
            by=admin, partner=DEMO_PARTNER, partner_kind=PartnerKind.BLOCKLIST
        )
        # Shown here once: only its digest is stored.
        out.write(f"; feed token for {DEMO_PARTNER} (shown once): {key}")
