"""Stop-payment figures, computed from the requests, never typed.

- sent / received: requests (hops) an agency sent or was sent.
- time to acknowledge: from filing to the acknowledgement (an answer given without one
  acknowledges too); time to freeze: from filing to an answer frozen or partially frozen.
  Median and 90th percentile, interpolated between the two nearest values (as PostgreSQL's
  `percentile_cont`).
- requested, per currency: the amounts the requests asked to stop. For an operation only the
  first request of each chain counts (a follow-on asks for the same money again).
- frozen / recovered / returned, per currency: the assets the freezes wrote back to the
  originating case, at frozen or a later status, at recovered or later, at returned: the
  amount frozen counts once, and follows the asset as the case's agency moves it on.
- for an operation: over the chains whose originating case is linked to it, with the totals
  as an estimate in the operation's reporting currency at the rates it records.
"""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

import access
from agencies.models import Agency, User
from cases.models import AssetStatus, JointOperation
from operations.figures import estimate_in_reporting_currency
from operations.report import money
from payments.models import FREEZE_STATUSES, OPEN_STATUSES, StopPaymentRequest

MEASURES = ("requested", "frozen", "recovered", "returned")
_STATUSES = list(AssetStatus)
ASSET_MEASURES = {
    "frozen": _STATUSES[_STATUSES.index(AssetStatus.FROZEN) :],
    "recovered": _STATUSES[_STATUSES.index(AssetStatus.RECOVERED) :],
    "returned": [AssetStatus.RETURNED],
}


def percentile(values: list[datetime.timedelta], p: float) -> datetime.timedelta | None:
    """The p-th quantile (0..1) of `values`, interpolated linearly; None without values."""
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    low = math.floor(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


@dataclass
class Clock:
    median: datetime.timedelta | None = None
    p90: datetime.timedelta | None = None
    count: int = 0

    @property
    def median_hours(self) -> str:
        return hours(self.median)

    @property
    def p90_hours(self) -> str:
        return hours(self.p90)


def _clock(values: list[datetime.timedelta]) -> Clock:
    return Clock(percentile(values, 0.5), percentile(values, 0.9), len(values))


@dataclass
class Tally:
    requests: int = 0
    open: int = 0
    overdue: int = 0
    to_acknowledge: Clock = field(default_factory=Clock)
    to_freeze: Clock = field(default_factory=Clock)
    # currency -> measure -> amount
    amounts: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    # agency name -> requests it sent / received among these
    sent_by: dict[str, int] = field(default_factory=dict)
    received_by: dict[str, int] = field(default_factory=dict)

    def amounts_for(self, measure: str) -> dict[str, Decimal]:
        return {c: v[measure] for c, v in sorted(self.amounts.items()) if v.get(measure)}

    @property
    def rows(self) -> list[tuple[str, dict[str, Decimal]]]:
        return [(c, self.amounts[c]) for c in sorted(self.amounts)]


def tally(requests: QuerySet[StopPaymentRequest], *, roots_only: bool = False) -> Tally:
    """The figures of `requests`, in one query whatever their number: each request's times,
    amount and the asset its freeze wrote back, read once and counted here (the percentiles
    need every value anyway)."""
    result = Tally()
    now = timezone.now()
    acknowledged: list[datetime.timedelta] = []
    frozen: list[datetime.timedelta] = []
    amounts: dict[str, dict[str, Decimal]] = defaultdict(
        lambda: dict.fromkeys(MEASURES, Decimal("0.00"))
    )
    rows = requests.values_list(
        "created_at",
        "acknowledged_at",
        "answered_at",
        "status",
        "deadline",
        "parent_id",
        "amount",
        "currency",
        "from_agency__name",
        "to_agency__name",
        "frozen_asset__amount",
        "frozen_asset__currency",
        "frozen_asset__status",
    ).order_by()
    for (
        created,
        ack,
        answered,
        status,
        deadline,
        parent_id,
        amount,
        currency,
        sender,
        receiver,
        asset_amount,
        asset_currency,
        asset_status,
    ) in rows:
        result.requests += 1
        if status in OPEN_STATUSES:
            result.open += 1
            result.overdue += deadline < now
        if ack is not None:
            acknowledged.append(ack - created)
        if status in FREEZE_STATUSES and answered is not None:
            frozen.append(answered - created)
        if not roots_only or parent_id is None:
            amounts[currency]["requested"] += amount
        if asset_amount is not None:
            for measure, statuses in ASSET_MEASURES.items():
                if asset_status in statuses:
                    amounts[asset_currency][measure] += asset_amount
        result.sent_by[sender] = result.sent_by.get(sender, 0) + 1
        result.received_by[receiver] = result.received_by.get(receiver, 0) + 1
    result.to_acknowledge = _clock(acknowledged)
    result.to_freeze = _clock(frozen)
    result.amounts = dict(amounts)
    return result


@dataclass
class AgencyFigures:
    agency: Agency | None
    sent: Tally
    received: Tally


def agency_figures(user: User) -> AgencyFigures | None:
    """The figures of the user's agency: what it sent and what it received."""
    agency_id = access.agency_id_of(user)
    if agency_id is None or not access.can_view_stop_payments(user):
        return None
    return AgencyFigures(
        agency=Agency.objects.filter(pk=agency_id).first(),
        sent=tally(access.visible_stop_payments(user).filter(from_agency_id=agency_id)),
        received=tally(access.visible_stop_payments(user).filter(to_agency_id=agency_id)),
    )


@dataclass
class OperationFigures:
    all: Tally
    reporting_currency: str
    estimate: dict[str, Decimal]
    unconverted: list[str]
    # (agency name, sent, received), by name
    by_agency: list[tuple[str, int, int]]

    @property
    def tallies(self) -> list[tuple[str, Tally]]:
        return [(str(_("All requests")), self.all)]


def operation_stop_payments(user: User, operation: JointOperation) -> QuerySet[StopPaymentRequest]:
    """Every hop of the chains whose originating case is linked to the operation."""
    cases = access.operation_counted_cases(user, operation)
    return StopPaymentRequest.objects.filter(case_id__in=cases.values("pk"))


def operation_figures(user: User, operation: JointOperation) -> OperationFigures:
    requests = operation_stop_payments(user, operation)
    all_ = tally(requests, roots_only=True)
    estimate, unconverted = estimate_in_reporting_currency(operation, all_.amounts, MEASURES)
    names = set(all_.sent_by) | set(all_.received_by)
    by_agency = sorted(
        (name, all_.sent_by.get(name, 0), all_.received_by.get(name, 0)) for name in names
    )
    return OperationFigures(
        all=all_,
        reporting_currency=operation.reporting_currency,
        estimate=estimate,
        unconverted=unconverted,
        by_agency=by_agency,
    )


def _clock_json(clock: Clock) -> dict:
    return {
        "median_hours": clock.median_hours or None,
        "p90_hours": clock.p90_hours or None,
        "count": clock.count,
    }


def figures_json(figures: OperationFigures) -> dict:
    """The API's `stop_payments` object of an operation's figures: what the page shows."""
    t = figures.all
    return {
        "requests": t.requests,
        "open": t.open,
        "overdue": t.overdue,
        "to_acknowledge": _clock_json(t.to_acknowledge),
        "to_freeze": _clock_json(t.to_freeze),
        "amounts": {m: {c: money(v) for c, v in t.amounts_for(m).items()} for m in MEASURES},
        "estimate": {
            "currency": figures.reporting_currency,
            **{m: money(figures.estimate.get(m, Decimal("0"))) for m in MEASURES},
            "not_converted": figures.unconverted,
        },
        "by_agency": [
            {"agency": name, "sent": sent, "received": received}
            for name, sent, received in figures.by_agency
        ],
    }


def hours(delta: datetime.timedelta | None) -> str:
    """A duration as hours with one decimal (for reports), "" without one."""
    if delta is None:
        return ""
    return f"{delta.total_seconds() / 3600:.1f}"


def csv_rows(figures: OperationFigures) -> list[list[str]]:
    """The operation report's rows (section, item, value, unit)."""
    t = figures.all
    rows = [
        ["stop payments", "requests", str(t.requests), "count"],
        ["stop payments", "open", str(t.open), "count"],
        ["stop payments", "overdue", str(t.overdue), "count"],
        [
            "stop payments",
            "time to acknowledge median (hours)",
            hours(t.to_acknowledge.median),
            "h",
        ],
        ["stop payments", "time to acknowledge p90 (hours)", hours(t.to_acknowledge.p90), "h"],
        ["stop payments", "time to freeze median (hours)", hours(t.to_freeze.median), "h"],
        ["stop payments", "time to freeze p90 (hours)", hours(t.to_freeze.p90), "h"],
    ]
    for currency, amounts in t.rows:
        rows += [["stop payments amounts", m, f"{amounts[m]:.2f}", currency] for m in MEASURES]
    rows += [
        ["stop payments estimate", m, f"{v:.2f}", figures.reporting_currency]
        for m, v in figures.estimate.items()
    ]
    rows += [["stop payments estimate", "no rate recorded", c, ""] for c in figures.unconverted]
    rows += [
        [f"stop payments by agency: {name}", label, str(n), "count"]
        for name, sent, received in figures.by_agency
        for label, n in (("sent", sent), ("received", received))
    ]
    return rows
