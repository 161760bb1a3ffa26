"""Demo stop-payment requests. Idempotent.

- The journey a new user follows (README): a Thai bank account is in a Vietnamese case and in
  a Thai case, so `vn.investigator` sees a hit on it and files a request to Thailand from it;
  `th.investigator` acknowledges and records the funds moved on to Cambodia; `kh.investigator`
  freezes part of it. Only the hit is seeded: the journey is the user's to make.
- A chain across three countries, already under way, on a Vietnamese case linked to a joint
  operation: Vietnam → Thailand (moved on to a Cambodian account) → Cambodia (partially
  frozen, the rest moved on back to a Thai account) → Thailand (acknowledged, overdue).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from agencies.demo import agency_for, user_for
from cases.models import Case
from cases.services import case_create
from indicators import xref
from indicators.models import Indicator
from indicators.services import indicators_add_batch
from payments import services
from payments.models import StopPaymentRequest

JOURNEY_ACCOUNT = "407-1-23456-7"  # a Thai bank account (Kasikornbank style)
JOURNEY_CASES = [
    ("vn", "Romance scam with a fake Singapore engineer"),
    ("th", "SMS phishing wave impersonating Thai banks"),
]
CHAIN_NOTE = "Victim wired the money in three transfers on the same evening."


def _case(cc: str, title: str) -> Case:
    case = Case.objects.filter(agency=agency_for(cc), title=title).order_by("pk").first()
    return case or case_create(by=user_for(cc, "investigator"), title=title)


def _seed_journey_hit() -> None:
    for cc, title in JOURNEY_CASES:
        case = _case(cc, title)
        if not Indicator.objects.filter(case=case, raw_value=JOURNEY_ACCOUNT).exists():
            indicators_add_batch(
                case=case,
                by=user_for(cc, "investigator"),
                rows=[{"kind": "bank_account", "value": JOURNEY_ACCOUNT}],
            )
    xref.sweep()


def _backdate(stop: StopPaymentRequest, *, hours_ago: float, **after_hours: float) -> None:
    """Move a request into the past: filed `hours_ago`, each step `after_hours` later."""
    created = timezone.now() - datetime.timedelta(hours=hours_ago)
    fields = {"created_at": created}
    for name, hours in after_hours.items():
        fields[name] = created + datetime.timedelta(hours=hours)
    StopPaymentRequest.objects.filter(pk=stop.pk).update(**fields)
    stop.refresh_from_db()


def _seed_chain() -> StopPaymentRequest | None:
    if StopPaymentRequest.objects.filter(note=CHAIN_NOTE).exists():
        return None
    vn, th, kh = (agency_for(cc) for cc in ("vn", "th", "kh"))
    case = Case.objects.filter(agency=vn, operation__isnull=False).order_by("pk").first() or _case(
        "vn", "Task scam recruiting students on Telegram"
    )
    first = services.stop_payment_file(
        case=case,
        by=user_for("vn", "investigator"),
        to_agency=th,
        account_kind="bank_account",
        account="112-8-76543-2",
        amount=Decimal("48000.00"),
        currency="USD",
        note=CHAIN_NOTE,
        transfers=[
            {"amount": Decimal("20000.00"), "sent_on": None, "reference": "VCB-7781"},
            {"amount": Decimal("18000.00"), "sent_on": None, "reference": "VCB-7782"},
            {"amount": Decimal("10000.00"), "sent_on": None, "reference": "VCB-7790"},
        ],
    )
    services.stop_payment_acknowledge(
        request=first, by=user_for("th", "investigator"), version=first.version
    )
    first.refresh_from_db()
    services.stop_payment_record_outcome(
        request=first,
        by=user_for("th", "investigator"),
        version=first.version,
        outcome="moved_on",
        onward_account="0099-8877-66",
        onward_agency=kh,
        onward_amount=Decimal("46500.00"),
        onward_currency="USD",
        note="Moved the next morning to a Cambodian account.",
    )
    _backdate(first, hours_ago=70, acknowledged_at=1.5, answered_at=9)
    second = StopPaymentRequest.objects.get(parent=first)
    services.stop_payment_acknowledge(
        request=second, by=user_for("kh", "investigator"), version=second.version
    )
    second.refresh_from_db()
    services.stop_payment_record_outcome(
        request=second,
        by=user_for("kh", "supervisor"),
        version=second.version,
        outcome="partially_frozen",
        amount_frozen=Decimal("31000.00"),
        currency="USD",
        institution="ACLEDA Bank",
        onward_account="556-0-11223-3",
        onward_agency=th,
        onward_amount=Decimal("15500.00"),
        onward_currency="USD",
    )
    _backdate(second, hours_ago=61, acknowledged_at=3, answered_at=20)
    third = StopPaymentRequest.objects.get(parent=second)
    services.stop_payment_acknowledge(
        request=third, by=user_for("th", "supervisor"), version=third.version
    )
    _backdate(third, hours_ago=41, acknowledged_at=2)
    StopPaymentRequest.objects.filter(pk=third.pk).update(
        deadline=timezone.now() - datetime.timedelta(hours=17)
    )
    return first


def seed(out) -> None:
    _seed_journey_hit()
    first = _seed_chain()
    out.write(
        f"{StopPaymentRequest.objects.count()} stop-payment requests"
        + (f" (a chain from {first.reference})" if first else "")
        + f"; the Thai account {JOURNEY_ACCOUNT} is a hit in vn's and th's cases"
    )
