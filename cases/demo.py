"""Demo cases over the demo agencies (idempotent: cases are found again by title)."""

from agencies.demo import agency_for, user_for
from cases.models import Case, FraudType, SharingLevel
from cases.services import case_create

DEMO_CASES = [
    ("vn", "Fake securities app 'VinaTrade Pro'", FraudType.INVESTMENT, SharingLevel.NETWORK, []),
    (
        "vn",
        "Impersonation of Hanoi police via Zalo",
        FraudType.IMPERSONATION,
        SharingLevel.RESTRICTED,
        [],
    ),
    (
        "th",
        "SMS phishing wave impersonating Thai banks",
        FraudType.PHISHING,
        SharingLevel.SHARED,
        ["ng"],
    ),
    (
        "kh",
        "Scam compound in Sihanoukville: task scam",
        FraudType.JOB_SCAM,
        SharingLevel.SHARED,
        ["vn", "th"],
    ),
    (
        "ng",
        "Romance scam ring targeting expatriates",
        FraudType.ROMANCE,
        SharingLevel.RESTRICTED,
        [],
    ),
    ("fr", "Crypto investment platform 'EuroCoinMax'", FraudType.CRYPTO, SharingLevel.NETWORK, []),
]


def seed(out) -> None:
    created = 0
    for cc, title, fraud_type, level, shared in DEMO_CASES:
        agency = agency_for(cc)
        if Case.objects.filter(agency=agency, title=title).exists():
            continue
        case_create(
            by=user_for(cc, "investigator"),
            title=title,
            fraud_type=fraud_type,
            sharing_level=level,
            shared_with=[agency_for(c) for c in shared],
        )
        created += 1
    out.write(f"{created} cases created, {Case.objects.count()} in all")
