"""Demo indicators that overlap across the demo agencies, so a new user sees hits at once:
the same Tron wallet in a Vietnamese and a Cambodian case, the same phishing domain in Thai and
Nigerian cases, a phone number written differently in two countries. Idempotent."""

from agencies.demo import agency_for, user_for
from cases.models import Case, FraudType
from cases.services import case_create
from indicators import xref
from indicators.models import Hit, Indicator
from indicators.services import indicators_add_batch

TRON = "TCTNyhiuqPMTWMijVhvCVjVNyhECCggBFD"
ETHEREUM = "0x823510Fc76c74D315635BC54807169b385f71Fc6"

# (agency, title of a case of cases/demo.py, fallback fraud type, rows)
DEMO_INDICATORS = [
    (
        "vn",
        "Fake securities app 'VinaTrade Pro'",
        FraudType.INVESTMENT,
        [
            {"kind": "crypto_wallet", "chain": "tron", "value": TRON},
            {"kind": "crypto_wallet", "chain": "ethereum", "value": ETHEREUM.lower()},
            {"kind": "domain", "value": "vinatrade-pro.com"},
            {
                "kind": "social_handle",
                "platform": "telegram",
                "value": "https://t.me/vinatrade_vip",
            },
            {"kind": "ip", "value": "8.8.8.8"},
        ],
    ),
    (
        "vn",
        "Impersonation of Hanoi police via Zalo",
        FraudType.IMPERSONATION,
        [
            {"kind": "phone", "value": "0912 345 678"},
            {"kind": "messaging_id", "platform": "zalo", "value": "0912345678"},
        ],
    ),
    (
        "kh",
        "Scam compound in Sihanoukville: task scam",
        FraudType.JOB_SCAM,
        [
            {"kind": "crypto_wallet", "chain": "tron", "value": f" {TRON} "},
            {"kind": "phone", "value": "(+84) 91-234-5678"},
            {"kind": "social_handle", "platform": "telegram", "value": "@VinaTrade_VIP"},
            {"kind": "bank_account", "value": "000 123 456 789"},
        ],
    ),
    (
        "th",
        "SMS phishing wave impersonating Thai banks",
        FraudType.PHISHING,
        [
            {"kind": "url", "value": "https://secure-krungthai-verify.com/login?ref=sms"},
            {"kind": "phone", "value": "081 234 5678"},
            {"kind": "ip", "value": "8.8.8.8"},
        ],
    ),
    (
        "ng",
        "Romance scam ring targeting expatriates",
        FraudType.ROMANCE,
        [
            {"kind": "domain", "value": "WWW.Secure-KrungThai-Verify.com"},
            {"kind": "email", "value": "Lovely.Anna@Secure-KrungThai-Verify.com"},
            {"kind": "phone", "value": "0803 123 4567"},
        ],
    ),
    (
        "fr",
        "Crypto investment platform 'EuroCoinMax'",
        FraudType.CRYPTO,
        [
            {"kind": "crypto_wallet", "chain": "ethereum", "value": ETHEREUM},
            {"kind": "bank_account", "value": "FR76 3000 6000 0112 3456 7890 189"},
        ],
    ),
]


def _case(cc: str, title: str, fraud_type: str) -> Case:
    agency = agency_for(cc)
    case = Case.objects.filter(agency=agency, title=title).order_by("pk").first()
    if case is None:
        case = case_create(by=user_for(cc, "investigator"), title=title, fraud_type=fraud_type)
    return case


def seed(out) -> None:
    added = 0
    for cc, title, fraud_type, rows in DEMO_INDICATORS:
        case = _case(cc, title, fraud_type)
        held = set(Indicator.objects.filter(case=case).values_list("raw_value", flat=True))
        missing = [r for r in rows if r["value"].strip() not in held]
        if missing:
            added += len(
                indicators_add_batch(case=case, by=user_for(cc, "investigator"), rows=missing)
            )
    xref.sweep()
    out.write(f"{added} indicators added; {Hit.objects.count()} cross-reference hits in all")
