"""Demo joint operations over the demo agencies, with enough linked data for the charts:

- "Operation Mekong Shield" (concluded): led by the Vietnamese agency with the Thai and
  Cambodian ones; Nigeria and France stay outside.
- "Operation Sahel Net" (active): led by the Interpol NCB Paris with Nigeria and Vietnam; the
  Thai agency is invited (its supervisor finds the invitation in Approvals); Cambodia stays
  outside.

Every object is made through the services of its app (cases, suspects, assets, victims and
repatriations, indicators), as the users of each agency would. The dates users enter (case
opened, asset status changed, takedown) are spread over each operation's period, and so are
the arrests and the repatriation steps (recorded as having happened then), so the "over time"
chart tells the operation's story rather than putting everything in the current month.
Idempotent: an operation found by its code is left as it is.
"""

from __future__ import annotations

import datetime
import itertools
import random
from decimal import Decimal

from django.utils import timezone

from agencies.demo import agency_for, user_for
from cases.models import FraudType, OperationStatus, SuspectStatus
from cases.services import asset_create, case_create, suspect_create
from indicators import xref
from indicators.models import Hit
from indicators.services import indicator_update, indicators_add_batch
from operations import services
from victims import services as victim_services
from victims.factories import advance
from victims.models import Stage, VictimKind

LAST = ["Nguyen", "Tran", "Srisuk", "Chea", "Okafor", "Wong", "Sok", "Adeyemi", "Pham", "Li"]
# Demo persons get made-up given names whose consonants differ for every person, so that person
# matching (persons/) finds no false match among them: it blocks on the consonant skeletons.
CONSONANTS, VOWELS = "bdklmnprst", "aeiou"


TRIPLES = [
    (a, b, c)
    for c in CONSONANTS
    for b in CONSONANTS
    for a in CONSONANTS
    if a != b and b != c  # a doubled consonant would fold into one
]


def demo_name(i: int) -> str:
    a, b, c = TRIPLES[i]
    given = f"{a}{VOWELS[i % 5]}{b}{VOWELS[i // 5 % 5]}{c}a".capitalize()
    return f"{given} {LAST[i // 7 % len(LAST)]}"


STATUSES = [
    (SuspectStatus.AT_LARGE, 3),
    (SuspectStatus.WANTED, 2),
    (SuspectStatus.ARRESTED, 5),
    (SuspectStatus.CHARGED, 3),
    (SuspectStatus.CONVICTED, 1),
    (SuspectStatus.EXTRADITION_REQUESTED, 1),
    (SuspectStatus.EXTRADITED, 1),
]
ASSET_STATUSES = ["traced", "freeze_requested", "frozen", "frozen", "seized", "recovered"]
STAGES = [
    Stage.IDENTIFIED,
    Stage.RESCUED,
    Stage.IN_SHELTER,
    Stage.IDENTITY_VERIFIED,
    Stage.TRAVEL_DOCUMENTS_ISSUED,
    Stage.REPATRIATED,
    Stage.REINTEGRATION_FOLLOW_UP,
]
CURRENCY = {"vn": "VND", "th": "THB", "kh": "USD", "ng": "NGN", "fr": "EUR"}
AMOUNT = {"VND": 250_000_000, "THB": 400_000, "USD": 15_000, "NGN": 9_000_000, "EUR": 12_000}
NATIONALITIES = ["VN", "TH", "ID", "PH", "MM", "LA", "NG", "KE", "ET", "UG", "CN", "IN"]

# code, name, lead, accepted, invited, status, days ago it started, days it ran, rates to USD,
# (agency, fraud type) of each linked case
OPERATIONS = [
    (
        "demo-mekong-shield",
        "Operation Mekong Shield",
        "vn",
        ["th", "kh"],
        [],
        OperationStatus.CONCLUDED,
        240,
        150,
        {"VND": "0.000039", "THB": "0.028"},
        "Dismantle scam compounds along the Mekong, rescue trafficked workers, take down the "
        "infrastructure of the investment and job scams they run.",
        ["KH", "MM", "LA", "TH", "VN"],
        [
            ("vn", FraudType.INVESTMENT),
            ("vn", FraudType.JOB_SCAM),
            ("vn", FraudType.ROMANCE),
            ("vn", FraudType.CRYPTO),
            ("th", FraudType.INVESTMENT),
            ("th", FraudType.PHISHING),
            ("th", FraudType.JOB_SCAM),
            ("kh", FraudType.JOB_SCAM),
            ("kh", FraudType.JOB_SCAM),
            ("kh", FraudType.ROMANCE),
            ("kh", FraudType.CRYPTO),
        ],
    ),
    (
        "demo-sahel-net",
        "Operation Sahel Net",
        "fr",
        ["ng", "vn"],
        ["th"],
        OperationStatus.ACTIVE,
        100,
        None,
        {"EUR": "1.08", "NGN": "0.00065", "VND": "0.000039"},
        "Disrupt business e-mail compromise and romance fraud networks between West Africa, "
        "Europe and South-East Asia; trace and freeze the proceeds.",
        ["NG", "FR", "VN", "GH", "CI"],
        [
            ("fr", FraudType.BEC),
            ("fr", FraudType.CRYPTO),
            ("fr", FraudType.ROMANCE),
            ("ng", FraudType.BEC),
            ("ng", FraudType.ROMANCE),
            ("ng", FraudType.ROMANCE),
            ("ng", FraudType.SEXTORTION),
            ("vn", FraudType.IMPERSONATION),
            ("vn", FraudType.BEC),
        ],
    ),
]


def _day(rng: random.Random, start: datetime.date, days: int) -> datetime.date:
    """A day of the operation's period, never in the future."""
    day = start + datetime.timedelta(days=rng.randrange(max(days, 1)))
    return min(day, timezone.localdate())


def _moment(rng: random.Random, start: datetime.date, days: int) -> datetime.datetime:
    """A moment of a day of the operation's period, never in the future."""
    day = _day(rng, start, days)
    when = datetime.datetime.combine(day, datetime.time(9), tzinfo=datetime.UTC)
    return min(when + datetime.timedelta(minutes=rng.randrange(480)), timezone.now())


def seed(out) -> None:
    made = []
    for number, spec in enumerate(OPERATIONS):
        code, name, lead, accepted, invited, status, ago, ran, rates, objectives, *rest = spec
        targets, plan = rest
        if services.JointOperation.objects.filter(code=code).exists():
            continue
        rng = random.Random(code)
        names = itertools.count(500 * number)
        today = timezone.localdate()
        starts_on = today - datetime.timedelta(days=ago)
        ends_on = starts_on + datetime.timedelta(days=ran) if ran else None
        supervisor = user_for(lead, "supervisor")
        op = services.operation_create(
            by=supervisor,
            name=name,
            code=code,
            starts_on=starts_on,
            ends_on=ends_on,
            objectives=objectives,
            target_countries=targets,
            reporting_currency="USD",
        )
        services.operation_invite(
            operation=op,
            by=supervisor,
            agencies=[agency_for(cc) for cc in accepted + invited],
        )
        for participation in op.participations.select_related("agency"):
            cc = participation.agency.country.code.lower()
            if cc in accepted:
                services.invitation_respond(
                    participation=participation, by=user_for(cc, "supervisor"), accept=True
                )
        for currency, rate in rates.items():
            services.operation_rate_set(operation=op, by=supervisor, currency=currency, rate=rate)
        services.operation_set_status(operation=op, by=supervisor, status=OperationStatus.ACTIVE)
        period = (ends_on or today) - starts_on
        for n, (cc, fraud_type) in enumerate(plan):
            _linked_case(op, rng, names, n, cc, fraud_type, starts_on, period.days, code)
        if status == OperationStatus.CONCLUDED:
            services.operation_set_status(operation=op, by=supervisor, status=status)
        made.append(op)
    xref.sweep()
    out.write(
        f"{len(made)} operations ({', '.join(o.name for o in made) or 'already there'}); "
        f"{Hit.objects.count()} hits in all"
    )


def _linked_case(op, rng, names, n, cc, fraud_type, start, days, code) -> None:
    investigator = user_for(cc, "investigator")
    liaison = user_for(cc, "liaison")
    case = case_create(
        by=investigator,
        title=f"{op.name}: {FraudType(fraud_type).label.lower()} cell {n + 1}",
        fraud_type=fraud_type,
        countries=rng.sample([c.code for c in op.target_countries], 2),
        opened_on=_day(rng, start, days // 2),
    )
    # Most cases are opened to the operation; a few stay restricted and only add to counts.
    services.operation_link_case(operation=op, case=case, by=investigator, share=n % 4 != 3)

    statuses = [s for s, weight in STATUSES for _ in range(weight)]
    suspects = []
    for _ in range(rng.randint(6, 14)):
        suspects.append(
            suspect_create(
                case=case,
                by=investigator,
                full_name=demo_name(next(names)),
                status=rng.choice(statuses),
                recorded_at=_moment(rng, start, days),
            )
        )
    currency = CURRENCY[cc]
    for i in range(rng.randint(2, 5)):
        asset_create(
            case=case,
            by=investigator,
            kind=rng.choice(["bank_account", "crypto", "cash", "vehicle"]),
            description=f"Demo asset {i + 1}",
            amount=Decimal(AMOUNT[currency] * rng.randint(1, 20)),
            currency=currency,
            status=rng.choice(ASSET_STATUSES),
            status_changed_on=_day(rng, start, days),
        )

    for _ in range(rng.randint(3, 9)):
        victim = victim_services.victim_create(
            by=liaison,
            case=case,
            full_name=demo_name(next(names)),
            kind=rng.choice(list(VictimKind)),
            nationality=rng.choice(NATIONALITIES),
            consent_to_share=True,
        )
        if rng.random() < 0.8:
            opened = _moment(rng, start, days // 2)
            repatriation = victim_services.repatriation_start(
                by=liaison, victim=victim, destination_country=victim.nationality.code, at=opened
            )
            advance(
                repatriation,
                by=liaison,
                stage=rng.choice(STAGES),
                at=opened + datetime.timedelta(days=1),
                every=datetime.timedelta(days=rng.randint(2, 12)),
            )

    # Values of this operation only: its own address block and handle prefix.
    block = 60 if code.endswith("shield") else 90
    tag = code.split("-")[1]
    rows = []
    for i in range(rng.randint(4, 10)):
        rows.append({"kind": "domain", "value": f"{code}-{cc}-{n}-{i}.com"})
        rows.append({"kind": "ip", "value": f"45.{block + n}.{i}.{rng.randint(2, 250)}"})
        rows.append(
            {"kind": "social_handle", "platform": "telegram", "value": f"{tag}_{cc}_{n}_{i}_desk"}
        )
    # One domain is shared by every case of the operation: hits between participants.
    rows.append({"kind": "domain", "value": f"{code}-shared-landing.net"})
    indicators = indicators_add_batch(case=case, by=investigator, rows=rows)
    for indicator in indicators[:-1]:
        if rng.random() < 0.6:
            indicator_update(
                indicator=indicator,
                by=investigator,
                takedown_status="taken_down",
                takedown_date=_day(rng, start, days),
            )
