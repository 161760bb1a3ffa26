"""Demo cases over the five demo agencies, with suspects, assets and notes (idempotent: a case
is found again by agency and title, a suspect by name, an asset by description, a note by
text). Some people deliberately appear in several agencies' cases under different spellings
(`Nguyễn Văn An` / `AN VAN NGUYEN`, `张伟` / `Zhang Wei`) for person matching."""

from __future__ import annotations

import datetime
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from agencies.demo import agency_for, user_for
from cases.models import Asset, Case, CaseNote, CaseStatus, FraudType, SharingLevel, Suspect
from cases.retention import add_months
from cases.services import asset_create, case_create, note_create, suspect_create

R, S, N = SharingLevel.RESTRICTED, SharingLevel.SHARED, SharingLevel.NETWORK
OPEN, INV, REF, CLOSED = (
    CaseStatus.OPEN,
    CaseStatus.UNDER_INVESTIGATION,
    CaseStatus.REFERRED,
    CaseStatus.CLOSED,
)

# (agency, title, fraud type, sharing, shared with, status, loss, currency, countries, days ago)
# fmt: off
DEMO_CASES: list[tuple[Any, ...]] = [
    # The first six are the original demo cases: other parts' demo data find them by title.
    ("vn", "Fake securities app 'VinaTrade Pro'", FraudType.INVESTMENT, N, [], INV, "4850000000",
     "VND", ["VN", "KH"], 120),
    ("vn", "Impersonation of Hanoi police via Zalo", FraudType.IMPERSONATION, R, [], OPEN,
     "920000000", "VND", ["VN"], 45),
    ("th", "SMS phishing wave impersonating Thai banks", FraudType.PHISHING, S, ["ng"], INV,
     "3400000", "THB", ["TH", "KH"], 60),
    ("kh", "Scam compound in Sihanoukville: task scam", FraudType.JOB_SCAM, S, ["vn", "th"], INV,
     "250000", "USD", ["KH", "VN", "TH", "CN"], 200),
    ("ng", "Romance scam ring targeting expatriates", FraudType.ROMANCE, R, [], OPEN, "86000000",
     "NGN", ["NG", "FR"], 30),
    ("fr", "Crypto investment platform 'EuroCoinMax'", FraudType.CRYPTO, N, [], INV, "1750000",
     "EUR", ["FR", "NG", "VN"], 300),
    ("vn", "Task scam recruiting students on Telegram", FraudType.JOB_SCAM, S, ["kh"], INV,
     "1250000000", "VND", ["VN", "KH"], 90),
    ("vn", "Romance scam with a fake Singapore engineer", FraudType.ROMANCE, R, [], REF,
     "640000000", "VND", ["VN", "SG"], 150),
    ("vn", "Phishing of Vietcombank customers by SMS brandname", FraudType.PHISHING, N, [], OPEN,
     "2100000000", "VND", ["VN"], 20),
    ("vn", "Fake tax refund calls from 'Tax Department'", FraudType.IMPERSONATION, S, ["th"],
     CLOSED, "310000000", "VND", ["VN"], 400),
    ("vn", "Sextortion of young men via dating apps", FraudType.SEXTORTION, R, [], INV,
     "180000000", "VND", ["VN", "PH"], 70),
    ("vn", "USDT mining pool 'HashGold'", FraudType.CRYPTO, S, ["fr", "kh"], INV, "540000", "USD",
     ["VN", "KH", "FR"], 110),
    ("th", "Call centre impersonating DSI officers", FraudType.IMPERSONATION, S, ["kh", "vn"],
     INV, "15800000", "THB", ["TH", "KH"], 140),
    ("th", "Fake gold trading app 'SiamGold Plus'", FraudType.INVESTMENT, N, [], OPEN, "9200000",
     "THB", ["TH", "MM"], 35),
    ("th", "Hybrid scam: romance then crypto 'pig butchering'", FraudType.CRYPTO, S, ["fr"], INV,
     "420000", "USD", ["TH", "KH", "FR"], 180),
    ("th", "LINE job scam paying for product reviews", FraudType.JOB_SCAM, R, [], OPEN, "2700000",
     "THB", ["TH"], 12),
    ("th", "BEC against a Bangkok seafood exporter", FraudType.BEC, S, ["ng"], REF, "380000",
     "USD", ["TH", "NG", "GB"], 250),
    ("th", "Recruitment of Thai workers for Myawaddy compounds", FraudType.JOB_SCAM, N, [], INV,
     None, "", ["TH", "MM"], 75),
    ("kh", "Compound raid in Bavet: forced criminality", FraudType.JOB_SCAM, N, [], INV, None, "",
     ["KH", "VN", "CN"], 40),
    ("kh", "Investment scam run from Poipet casino hotel", FraudType.INVESTMENT, S, ["th", "vn"],
     INV, "780000", "USD", ["KH", "TH", "VN"], 95),
    ("kh", "Money mules opening accounts with ABA Bank", FraudType.OTHER, R, [], OPEN,
     "120000000", "KHR", ["KH"], 25),
    ("kh", "Fake crypto exchange 'AngkorEx'", FraudType.CRYPTO, S, ["fr"], REF, "1300000", "USD",
     ["KH", "CN", "FR"], 220),
    ("kh", "Sextortion cell in Phnom Penh condominium", FraudType.SEXTORTION, R, [], CLOSED,
     "64000", "USD", ["KH", "VN"], 380),
    ("kh", "Trafficked Indonesians forced into romance scams", FraudType.ROMANCE, N, [], INV,
     "95000", "USD", ["KH", "ID"], 55),
    ("kh", "Phishing kits sold to compound operators", FraudType.PHISHING, S, ["th"], OPEN, None,
     "", ["KH", "TH"], 15),
    ("ng", "BEC ring invoicing European suppliers", FraudType.BEC, S, ["fr"], INV, "2300000",
     "EUR", ["NG", "FR", "DE"], 160),
    ("ng", "Sextortion of US teenagers on Instagram", FraudType.SEXTORTION, N, [], INV, "48000",
     "USD", ["NG", "US"], 65),
    ("ng", "Fake EFCC officers demanding 'clearance fees'", FraudType.IMPERSONATION, R, [], OPEN,
     "12500000", "NGN", ["NG"], 18),
    ("ng", "Ponzi scheme 'NairaBoost' on WhatsApp", FraudType.INVESTMENT, S, ["th"], REF,
     "540000000", "NGN", ["NG", "GH"], 270),
    ("ng", "Money mule network moving funds to Dubai", FraudType.OTHER, S, ["fr", "vn"], INV,
     "1900000", "USD", ["NG", "AE", "VN"], 130),
    ("ng", "Crypto recovery scam targeting earlier victims", FraudType.CRYPTO, R, [], CLOSED,
     "210000", "USD", ["NG", "GB"], 420),
    ("ng", "Romance scam via military impersonation", FraudType.ROMANCE, N, [], OPEN, "31000",
     "USD", ["NG", "US", "FR"], 8),
    ("fr", "Purple Notice: scam-compound modus operandi", FraudType.OTHER, N, [], OPEN, None, "",
     ["FR", "KH", "MM", "LA"], 50),
    ("fr", "Fake bank advisers spoofing French numbers", FraudType.PHISHING, S, ["ng"], INV,
     "870000", "EUR", ["FR", "CI"], 85),
    ("fr", "Red Notice request: compound financier", FraudType.INVESTMENT, S, ["kh", "th", "vn"],
     REF, "3200000", "EUR", ["FR", "KH", "TH", "CN"], 190),
    ("fr", "CEO fraud against a Lyon manufacturer", FraudType.BEC, R, [], CLOSED, "640000", "EUR",
     ["FR", "NG"], 500),
    ("fr", "Job scam recruiting French speakers to Laos", FraudType.JOB_SCAM, N, [], INV, None,
     "", ["FR", "LA", "TH"], 28),
    ("fr", "Romance-crypto victims in Belgium and France", FraudType.ROMANCE, S, ["th"], OPEN,
     "410000", "EUR", ["FR", "BE", "TH"], 14),
    ("fr", "Laundering through NFT marketplace", FraudType.CRYPTO, R, [], INV, "2600000", "USD",
     ["FR", "VN"], 100),
]
# fmt: on

# Suspects: case title -> [(full name, aliases, date of birth, nationalities, role, status,
# documents, notices)]
# fmt: off
KEY_SUSPECTS: dict[str, list[tuple[Any, ...]]] = {
    "Fake securities app 'VinaTrade Pro'": [
        ("Nguyễn Văn An", ["Anh Ba", "An Nguyen"], "1986-04-12", ["VN"], "organiser", "wanted",
         [("passport", "VN", "C4419023")], ["Red Notice A-2231/3-2026"]),
        ("Trần Thị Bích Ngọc", ["Ngoc Tran"], "1991", ["VN"], "money_mule", "arrested", [], []),
    ],
    "Call centre impersonating DSI officers": [
        ("AN VAN NGUYEN", ["NGUYEN AN"], "1986-04", ["VN"], "operator", "arrested",
         [("passport", "VN", "C4419023")], []),
        ("สมชาย ใจดี", ["Somchai Jaidee"], "1979-11-02", ["TH"], "recruiter", "charged",
         [("national_id", "TH", "3100501234567")], []),
    ],
    "Scam compound in Sihanoukville: task scam": [
        ("张伟", ["Zhang Wei", "Ah Wei"], "1982", ["CN"], "organiser", "at_large",
         [("passport", "CN", "E12345678")], ["Red Notice A-1187/2-2026"]),
        ("Lê Hoàng Phúc", ["Phuc Le"], "1995-07", ["VN"], "operator", "arrested", [], []),
    ],
    "Red Notice request: compound financier": [
        ("Zhang Wei", ["ZHANG, Wei"], "1982-09", ["CN", "KH"], "organiser",
         "extradition_requested", [("passport", "CN", "E12345678")],
         ["Red Notice A-1187/2-2026", "Diffusion D-553/2026"]),
    ],
    "Romance scam ring targeting expatriates": [
        ("Chukwuemeka Okafor", ["Emeka", "Capt. James Walker"], "1990-01-15", ["NG"], "organiser",
         "wanted", [("passport", "NG", "A09876543")], []),
        ("Ngozi Eze", [], "1996", ["NG"], "money_mule", "arrested", [], []),
    ],
}
# fmt: on

NAME_POOLS = {
    "vn": ["Phạm Minh Tuấn", "Đỗ Thị Hương", "Võ Quốc Bảo", "Hoàng Thị Lan", "Bùi Đức Thắng"],
    "th": ["อนุชา ศรีสุข", "กิตติพงษ์ วงศ์สวัสดิ์", "ปราณี ชัยพร", "Wichai Boonmee"],
    "kh": ["王芳", "李强", "陈杰", "Sok Dara", "刘洋"],
    "ng": ["Oluwaseun Adébáyọ̀", "Ibrahim Musa", "Babatunde Ọlátúnjí", "Chidinma Nwosu"],
    "fr": ["Karim Benali", "Jean-Luc Moreau", "Wang Lei", "Adaeze Okonkwo"],
}
NATIONALITY = {"vn": "VN", "th": "TH", "kh": "CN", "ng": "NG", "fr": "FR"}
ROLES = ["organiser", "recruiter", "operator", "money_mule", "infrastructure", "other"]
STATUSES = ["at_large", "wanted", "arrested", "charged", "convicted", "extradited"]
ASSET_STATUSES = ["traced", "freeze_requested", "frozen", "seized", "recovered", "returned"]
ASSET_KINDS = [
    ("bank_account", "Account at {bank}"),
    ("crypto", "USDT (TRC-20) held in a wallet traced from victims' deposits"),
    ("cash", "Cash found during the search"),
    ("vehicle", "Vehicle registered to a front company"),
    ("property", "Condominium unit bought with proceeds"),
]
BANKS = {
    "vn": "Vietcombank",
    "th": "Kasikornbank",
    "kh": "ABA Bank",
    "ng": "Access Bank",
    "fr": "a French neobank",
}
NOTES = [
    "First victim statements taken; amounts reconciled with bank records.",
    "Preservation request sent to the messaging platform.",
    "Liaison call with partner agency: they hold matching phone numbers.",
    "Bank confirmed the beneficiary accounts were opened with forged IDs.",
]


def _suspects_for(index: int, cc: str, title: str) -> list[tuple[Any, ...]]:
    if title in KEY_SUSPECTS:
        return KEY_SUSPECTS[title]
    pool = NAME_POOLS[cc]
    count = index % 3  # 0, 1 or 2 suspects
    rows = []
    for k in range(count):
        name = pool[(index + k) % len(pool)]
        year = 1975 + (index * 7 + k) % 25
        dob = str(year) if k else f"{year}-{(index % 12) + 1:02d}"
        rows.append(
            (
                name,
                [],
                dob,
                [NATIONALITY[cc]],
                ROLES[(index + k) % len(ROLES)],
                STATUSES[(index + k) % len(STATUSES)],
                [],
                [],
            )
        )
    return rows


def _assets_for(index: int, cc: str, currency: str) -> list[tuple[str, str, Decimal, str, str]]:
    if not currency:
        return []
    rows = []
    for k in range(index % 3):
        kind, description = ASSET_KINDS[(index + k) % len(ASSET_KINDS)]
        amount_currency = "USD" if kind == "crypto" else currency
        amount = Decimal(1000 * (index + 3) * (k + 1) * (1000 if currency in {"VND", "KHR"} else 1))
        status = ASSET_STATUSES[(index // 3 + k) % len(ASSET_STATUSES)]
        rows.append((kind, description.format(bank=BANKS[cc]), amount, amount_currency, status))
    return rows


def _seed_case(index: int, row: tuple[Any, ...]) -> tuple[Case, bool]:
    cc, title, fraud_type, level, shared, status, loss, currency, countries, days = row
    agency = agency_for(cc)
    case = Case.objects.filter(agency=agency, title=title).first()
    if case is not None:
        return case, False
    today = timezone.localdate()
    lead = user_for(cc, "investigator" if index % 4 else "supervisor")
    case = case_create(
        by=user_for(cc, "investigator"),
        title=title,
        summary=f"{FraudType(fraud_type).label} reported to {agency.name}.",
        fraud_type=fraud_type,
        status=status,
        lead_investigator=lead,
        countries=countries,
        reported_loss_amount=Decimal(loss) if loss else None,
        reported_loss_currency=currency,
        opened_on=today - timedelta(days=days),
        closed_on=today - timedelta(days=days // 4) if status == CLOSED else None,
        sharing_level=level,
        shared_with=[agency_for(c) for c in shared],
    )
    return case, True


def _past_moment(case: Case, n: int) -> datetime.datetime:
    """When the demo's n-th suspect of a case was recorded (an arrest learnt of): spread
    between the case's opening and now, so the operations' "over time" chart tells the
    history rather than putting every arrest in the month the demo was loaded."""
    now = timezone.now()
    opened = datetime.datetime.combine(case.opened_on, datetime.time(9), tzinfo=datetime.UTC)
    return min(now, opened + (now - opened) * ((n % 5) + 1) / 7)


def seed(out) -> None:
    created = suspects = assets = notes = 0
    for index, row in enumerate(DEMO_CASES):
        cc, title = row[0], row[1]
        case, new = _seed_case(index, row)
        created += new
        by = user_for(cc, "investigator")
        for n, (name, aliases, dob, nats, role, status, docs, notices) in enumerate(
            _suspects_for(index, cc, title)
        ):
            if Suspect.objects.filter(case=case, full_name=name).exists():
                continue
            parts = [int(p) for p in dob.split("-")] + [None, None]
            suspect_create(
                case=case,
                by=by,
                full_name=name,
                aliases=aliases,
                birth_year=parts[0],
                birth_month=parts[1],
                birth_day=parts[2],
                nationalities=nats,
                role=role,
                status=status,
                documents=[{"type": t, "country": c, "number": n} for t, c, n in docs],
                notice_references="\n".join(notices),
                recorded_at=_past_moment(case, n),
            )
            suspects += 1
        for kind, description, amount, currency, status in _assets_for(index, cc, row[7]):
            if Asset.objects.filter(case=case, description=description).exists():
                continue
            asset_create(
                case=case,
                by=by,
                kind=kind,
                description=description,
                amount=amount,
                currency=currency,
                status=status,
                status_changed_on=min(
                    case.opened_on + timedelta(days=index % 10), timezone.localdate()
                ),
            )
            assets += 1
        for text in NOTES[: 1 + index % 3]:
            if CaseNote.objects.filter(case=case, text=text).exists():
                continue
            note_create(case=case, by=by, text=text)
            notes += 1
    created += _seed_retention_due()
    out.write(
        f"{created} cases, {suspects} suspects, {assets} assets, {notes} notes created; "
        f"{Case.objects.count()} cases in all"
    )


RETENTION_DEMO_TITLE = "Lottery-win SMS wave (closed)"


def _seed_retention_due() -> int:
    """A case the Vietnamese agency closed almost five years ago: its supervisor finds it on
    the retention review page, due next month."""
    agency = agency_for("vn")
    if Case.objects.filter(agency=agency, title=RETENTION_DEMO_TITLE).exists():
        return 0
    closed = add_months(timezone.localdate(), -59)
    case = case_create(
        by=user_for("vn", "investigator"),
        title=RETENTION_DEMO_TITLE,
        summary="Smishing lottery-win messages; the sender network was shut down.",
        fraud_type=FraudType.PHISHING,
        status=CaseStatus.CLOSED,
        opened_on=add_months(closed, -8),
        closed_on=closed,
    )
    note_create(case=case, by=user_for("vn", "investigator"), text="Closed: network shut down.")
    return 1
