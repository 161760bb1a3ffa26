"""An operation's figures, computed from its linked cases, never typed in.

Definitions (each figure counts over EVERY case linked to the operation, whatever its sharing
level; only members of the operation get them, see access/):

- arrested: suspects whose status is arrested or any later stage (charged, convicted,
  extradition requested, extradited); charged: charged or later; extradited: extradited.
- victims identified: every victim recorded on a linked case. Rescued: victims whose
  repatriation has reached `rescued` or a later main-line stage at some point (a step to it
  was recorded, even if the person later declined or went missing). Repatriated: likewise
  for `repatriated` (or reintegration follow-up).
- assets frozen / seized / recovered, per currency: the sum of asset amounts at that status or
  a later one (frozen ⊇ seized ⊇ recovered ⊇ returned to victims). The total in the
  operation's reporting currency uses the rates the operation records and is an ESTIMATE;
  currencies without a rate are named and left out of it.
- infrastructure taken down: by kind, every taken-down step of the network registry on a value
  a linked case holds (a value taken down, re-emerged and taken down again counts twice; two
  linked cases holding it count it once), plus the indicators of linked cases whose value is
  not in the registry and whose own takedown status is taken down. The breakdowns by country
  and fraud type count those indicators only (a registry step belongs to no case).
- countries with victims: the distinct nationalities of the victims (unknown ones left out).
- hits between participants: cross-reference hits on linked, non-silent cases whose value is
  also held by a linked, non-silent case of another agency.

Everything is aggregated in the database: a fixed number of queries whatever the size.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import TruncMonth

import access
from agencies.models import User
from cases.models import (
    Asset,
    AssetStatus,
    Case,
    FraudType,
    JointOperation,
    Suspect,
    SuspectStatus,
)
from indicators.models import Hit, Indicator, Kind, TakedownStatus
from operations.models import OperationRate
from registry.models import EntryStatus, RegistryEntry, TakedownStep
from victims.models import RepatriationStep, Stage, Victim
from victims.stages import MAIN_LINE


def _onwards(ordered, first) -> tuple:
    """`first` and every later status or stage, in the order the choices are declared."""
    ordered = list(ordered)
    return tuple(ordered[ordered.index(first) :])


ARRESTED = _onwards(SuspectStatus, SuspectStatus.ARRESTED)
CHARGED = _onwards(SuspectStatus, SuspectStatus.CHARGED)
EXTRADITED = (SuspectStatus.EXTRADITED,)
FROZEN = _onwards(AssetStatus, AssetStatus.FROZEN)
SEIZED = _onwards(AssetStatus, AssetStatus.SEIZED)
RECOVERED = _onwards(AssetStatus, AssetStatus.RECOVERED)
RESCUED_STAGES = _onwards(MAIN_LINE, Stage.RESCUED)
REPATRIATED_STAGES = _onwards(MAIN_LINE, Stage.REPATRIATED)
ASSET_MEASURES = {"frozen": FROZEN, "seized": SEIZED, "recovered": RECOVERED}
# The series drawn over time, by month.
SERIES = (
    "cases_opened",
    "arrested",
    "victims_rescued",
    "victims_repatriated",
    "assets_frozen",
    "taken_down",
)


@dataclass
class Breakdown:
    """Counts for one country (of the case's agency) or one fraud type."""

    cases: int = 0
    arrested: int = 0
    victims_identified: int = 0
    victims_rescued: int = 0
    taken_down: int = 0


@dataclass
class Figures:
    cases: int = 0
    arrested: int = 0
    charged: int = 0
    extradited: int = 0
    victims_identified: int = 0
    victims_rescued: int = 0
    victims_repatriated: int = 0
    # currency -> {"frozen": Decimal, "seized": Decimal, "recovered": Decimal}
    assets: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    reporting_currency: str = "USD"
    # measure -> estimated total in the reporting currency; currencies without a rate
    estimate: dict[str, Decimal] = field(default_factory=dict)
    unconverted: list[str] = field(default_factory=list)
    taken_down_by_kind: dict[str, int] = field(default_factory=dict)
    victims_by_country: dict[str, int] = field(default_factory=dict)
    hits_between_participants: int = 0
    by_country: dict[str, Breakdown] = field(default_factory=dict)
    by_fraud_type: dict[str, Breakdown] = field(default_factory=dict)
    # month (date, first of month) -> series name -> count that month
    over_time: dict[datetime.date, dict[str, int]] = field(default_factory=dict)

    @property
    def infrastructure_taken_down(self) -> int:
        return sum(self.taken_down_by_kind.values())

    @property
    def countries_with_victims(self) -> int:
        return len(self.victims_by_country)

    def assets_for(self, measure: str) -> dict[str, Decimal]:
        """{currency: amount} of one measure, currencies with nothing left out."""
        return {c: v[measure] for c, v in sorted(self.assets.items()) if v[measure]}

    @property
    def taken_down_labelled(self) -> list[tuple[str, str, int]]:
        labels = dict(Kind.choices)
        return [(k, labels.get(k, k), n) for k, n in sorted(self.taken_down_by_kind.items())]

    @property
    def fraud_type_labelled(self) -> list[tuple[str, str, Breakdown]]:
        labels = dict(FraudType.choices)
        return [(k, labels.get(k, k), b) for k, b in sorted(self.by_fraud_type.items())]


def _linked(cases: QuerySet[Case]) -> Q:
    return Q(case_id__in=cases.values("pk"))


def _first_step_at(stages: tuple[str, ...]) -> Subquery:
    return Subquery(
        RepatriationStep.objects.filter(repatriation__victim_id=OuterRef("pk"), to_stage__in=stages)
        .order_by("at")
        .values("at")[:1]
    )


def _first_arrest_at() -> Subquery:
    history = Suspect.history.model
    return Subquery(
        history.objects.filter(id=OuterRef("pk"), status__in=ARRESTED)
        .order_by("history_date")
        .values("history_date")[:1]
    )


def _month(value: datetime.date | datetime.datetime) -> datetime.date:
    return datetime.date(value.year, value.month, 1)


def operation_figures(user: User, operation: JointOperation) -> Figures:
    """The figures of `operation` for `user` (empty for a non-member: the views 404 first)."""
    cases = access.operation_counted_cases(user, operation)
    figures = Figures(reporting_currency=operation.reporting_currency)
    by_country: dict[str, Breakdown] = defaultdict(Breakdown)
    by_type: dict[str, Breakdown] = defaultdict(Breakdown)
    over_time: dict[datetime.date, dict[str, int]] = defaultdict(lambda: dict.fromkeys(SERIES, 0))
    group = ("case__agency__country", "case__fraud_type")

    for row in cases.values("agency__country", "fraud_type").annotate(n=Count("pk")).order_by():
        figures.cases += row["n"]
        by_country[row["agency__country"]].cases += row["n"]
        by_type[row["fraud_type"]].cases += row["n"]

    suspects = (
        Suspect.objects.filter(_linked(cases))
        .values(*group)
        .annotate(
            arrested=Count("pk", filter=Q(status__in=ARRESTED)),
            charged=Count("pk", filter=Q(status__in=CHARGED)),
            extradited=Count("pk", filter=Q(status__in=EXTRADITED)),
        )
        .order_by()
    )
    for row in suspects:
        figures.arrested += row["arrested"]
        figures.charged += row["charged"]
        figures.extradited += row["extradited"]
        by_country[row["case__agency__country"]].arrested += row["arrested"]
        by_type[row["case__fraud_type"]].arrested += row["arrested"]

    rescued = RepatriationStep.objects.filter(
        repatriation__victim_id=OuterRef("pk"), to_stage__in=RESCUED_STAGES
    )
    repatriated = RepatriationStep.objects.filter(
        repatriation__victim_id=OuterRef("pk"), to_stage__in=REPATRIATED_STAGES
    )
    victims = (
        Victim.objects.filter(_linked(cases))
        .values(*group)
        .annotate(
            identified=Count("pk"),
            rescued=Count("pk", filter=Exists(rescued)),
            repatriated=Count("pk", filter=Exists(repatriated)),
        )
        .order_by()
    )
    for row in victims:
        figures.victims_identified += row["identified"]
        figures.victims_rescued += row["rescued"]
        figures.victims_repatriated += row["repatriated"]
        country, fraud_type = row["case__agency__country"], row["case__fraud_type"]
        by_country[country].victims_identified += row["identified"]
        by_country[country].victims_rescued += row["rescued"]
        by_type[fraud_type].victims_identified += row["identified"]
        by_type[fraud_type].victims_rescued += row["rescued"]

    nationalities = (
        Victim.objects.filter(_linked(cases))
        .exclude(nationality="")
        .values("nationality")
        .annotate(n=Count("pk"))
        .order_by("-n", "nationality")
    )
    figures.victims_by_country = {row["nationality"]: row["n"] for row in nationalities}

    assets = (
        Asset.objects.filter(_linked(cases), amount__isnull=False)
        .values("currency")
        .annotate(
            **{
                measure: Sum("amount", filter=Q(status__in=statuses))
                for measure, statuses in ASSET_MEASURES.items()
            }
        )
        .order_by("currency")
    )
    for row in assets:
        amounts = {m: row[m] or Decimal("0.00") for m in ASSET_MEASURES}
        if any(amounts.values()):
            figures.assets[row["currency"]] = amounts
    _estimate(figures, operation)

    registered = RegistryEntry.objects.filter(value_id=OuterRef("value_id"))
    unregistered_taken_down = Indicator.objects.filter(
        _linked(cases), takedown_status=TakedownStatus.TAKEN_DOWN
    ).exclude(Exists(registered))
    registry_steps = TakedownStep.objects.filter(
        status=EntryStatus.TAKEN_DOWN,
        entry__value_id__in=Indicator.objects.filter(_linked(cases)).values("value_id"),
    )
    for row in registry_steps.values("entry__value__kind").annotate(n=Count("pk")).order_by():
        kind = row["entry__value__kind"]
        figures.taken_down_by_kind[kind] = figures.taken_down_by_kind.get(kind, 0) + row["n"]
    taken_down = unregistered_taken_down.values("kind", *group).annotate(n=Count("pk")).order_by()
    for row in taken_down:
        figures.taken_down_by_kind[row["kind"]] = (
            figures.taken_down_by_kind.get(row["kind"], 0) + row["n"]
        )
        by_country[row["case__agency__country"]].taken_down += row["n"]
        by_type[row["case__fraud_type"]].taken_down += row["n"]

    figures.hits_between_participants = hits_between_participants(cases).count()

    # Over time, by month: first arrest (the suspect's history), first step to rescued and to
    # repatriated (when it was recorded).
    monthly = [
        (
            "arrested",
            Suspect.objects.filter(_linked(cases), status__in=ARRESTED).annotate(
                at=_first_arrest_at()
            ),
        ),
        (
            "victims_rescued",
            Victim.objects.filter(_linked(cases)).annotate(at=_first_step_at(RESCUED_STAGES)),
        ),
        (
            "victims_repatriated",
            Victim.objects.filter(_linked(cases)).annotate(at=_first_step_at(REPATRIATED_STAGES)),
        ),
    ]
    for name, queryset in monthly:
        rows = (
            queryset.exclude(at=None)
            .annotate(month=TruncMonth("at"))
            .values("month")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in rows:
            over_time[_month(row["month"])][name] += row["n"]
    # Dates entered by users: the case's opening, the asset's last status change (for assets
    # frozen or later), the takedown.
    dated = [
        ("cases_opened", cases, "opened_on"),
        (
            "assets_frozen",
            Asset.objects.filter(_linked(cases), status__in=FROZEN),
            "status_changed_on",
        ),
        (
            "taken_down",
            unregistered_taken_down.filter(takedown_date__isnull=False),
            "takedown_date",
        ),
        ("taken_down", registry_steps.filter(taken_down_on__isnull=False), "taken_down_on"),
    ]
    for name, queryset, date_field in dated:
        rows = (
            queryset.annotate(month=TruncMonth(date_field))
            .values("month")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in rows:
            over_time[_month(row["month"])][name] += row["n"]

    figures.by_country = dict(sorted(by_country.items()))
    figures.by_fraud_type = dict(sorted(by_type.items()))
    figures.over_time = dict(sorted(over_time.items()))
    return figures


def _estimate(figures: Figures, operation: JointOperation) -> None:
    figures.estimate, figures.unconverted = estimate_in_reporting_currency(
        operation, figures.assets, ASSET_MEASURES
    )


def estimate_in_reporting_currency(
    operation: JointOperation,
    amounts: dict[str, dict[str, Decimal]],
    measures: Iterable[str],
) -> tuple[dict[str, Decimal], list[str]]:
    """{measure: total} of `amounts` ({currency: {measure: amount}}) in the operation's
    reporting currency at the rates it records (an estimate), and the currencies without a
    rate, left out of it. Every money estimate of an operation is made here."""
    rates = dict(OperationRate.objects.filter(operation=operation).values_list("currency", "rate"))
    rates[operation.reporting_currency] = Decimal(1)
    estimate = dict.fromkeys(measures, Decimal("0.00"))
    unconverted: list[str] = []
    for currency, by_measure in sorted(amounts.items()):
        rate = rates.get(currency)
        if rate is None:
            unconverted.append(currency)
            continue
        for measure, amount in by_measure.items():
            if measure in estimate:
                estimate[measure] += amount * rate
    return {m: v.quantize(Decimal("0.01")) for m, v in estimate.items()}, unconverted


def hits_between_participants(cases: QuerySet[Case]) -> QuerySet[Hit]:
    """Hits on linked, non-silent cases whose value a linked, non-silent case of another
    agency holds too."""
    linked = cases.filter(silent=False)
    elsewhere = Indicator.objects.filter(
        value_id=OuterRef("value_id"), case_id__in=linked.values("pk")
    ).exclude(case__agency_id=OuterRef("case__agency_id"))
    return Hit.objects.filter(case_id__in=linked.values("pk")).filter(Exists(elsewhere))
