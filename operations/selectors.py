"""Reads for the operation pages and API: the list behind each figure (only what the viewer may
see, through access/) and the supervisor's approvals queue."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext, gettext_lazy

import access
from agencies.models import User
from cases.models import Case, CaseQuerySet, JointOperation
from indicators.models import TakedownStatus
from operations import figures as f
from victims.models import RepatriationStep


@dataclass(frozen=True)
class FigureList:
    """One figure's list: `rows` the viewer may open, `total` the figure itself."""

    name: str
    title: str
    kind: str  # "case", "suspect", "victim", "asset", "indicator", "hit"
    rows: QuerySet
    total: int

    @property
    def hidden(self) -> int:
        """How many of the figure's items the viewer may not open (shown as a count only)."""
        return max(self.total - self.rows.count(), 0)


def linkable_cases(user: User, operation: JointOperation) -> CaseQuerySet:
    """The user's own agency's cases it may link to the operation (not linked elsewhere)."""
    agency_id = access.agency_id_of(user)
    if agency_id is None or not access.can_link_cases(user, operation):
        return Case.objects.none()
    return Case.objects.filter(agency_id=agency_id).filter(
        Q(operation__isnull=True) | Q(operation_id=operation.pk)
    )


def _reached(stages: tuple[str, ...]) -> Exists:
    return Exists(
        RepatriationStep.objects.filter(repatriation__victim_id=OuterRef("pk"), to_stage__in=stages)
    )


def _suspects(user: User, op: JointOperation, statuses) -> QuerySet:
    return (
        access.visible_suspects(user)
        .filter(case__operation_id=op.pk, status__in=statuses)
        .select_related("case")
    )


def _victims(user: User, op: JointOperation) -> QuerySet:
    return access.visible_victims(user).filter(case__operation_id=op.pk).select_related("case")


def _assets(user: User, op: JointOperation, statuses) -> QuerySet:
    return (
        access.visible_assets(user)
        .filter(case__operation_id=op.pk, status__in=statuses, amount__isnull=False)
        .select_related("case")
    )


# figure name -> (title, kind, rows(user, op), total(figures))
FIGURE_LISTS: dict[str, tuple[str, str, Any, Any]] = {
    "cases": (
        gettext_lazy("Linked cases"),
        "case",
        lambda u, op: access.visible_cases(u).filter(operation_id=op.pk).select_related("agency"),
        lambda fig: fig.cases,
    ),
    "arrested": (
        gettext_lazy("Suspects arrested (or a later stage)"),
        "suspect",
        lambda u, op: _suspects(u, op, f.ARRESTED),
        lambda fig: fig.arrested,
    ),
    "charged": (
        gettext_lazy("Suspects charged (or a later stage)"),
        "suspect",
        lambda u, op: _suspects(u, op, f.CHARGED),
        lambda fig: fig.charged,
    ),
    "extradited": (
        gettext_lazy("Suspects extradited"),
        "suspect",
        lambda u, op: _suspects(u, op, f.EXTRADITED),
        lambda fig: fig.extradited,
    ),
    "victims_identified": (
        gettext_lazy("Victims identified"),
        "victim",
        _victims,
        lambda fig: fig.victims_identified,
    ),
    "victims_rescued": (
        gettext_lazy("Victims rescued"),
        "victim",
        lambda u, op: _victims(u, op).filter(_reached(f.RESCUED_STAGES)),
        lambda fig: fig.victims_rescued,
    ),
    "victims_repatriated": (
        gettext_lazy("Victims repatriated"),
        "victim",
        lambda u, op: _victims(u, op).filter(_reached(f.REPATRIATED_STAGES)),
        lambda fig: fig.victims_repatriated,
    ),
    "assets_frozen": (
        gettext_lazy("Assets frozen (or seized, recovered, returned)"),
        "asset",
        lambda u, op: _assets(u, op, f.FROZEN),
        None,
    ),
    "assets_seized": (
        gettext_lazy("Assets seized (or recovered, returned)"),
        "asset",
        lambda u, op: _assets(u, op, f.SEIZED),
        None,
    ),
    "assets_recovered": (
        gettext_lazy("Assets recovered (or returned to victims)"),
        "asset",
        lambda u, op: _assets(u, op, f.RECOVERED),
        None,
    ),
    "infrastructure_taken_down": (
        gettext_lazy("Infrastructure taken down"),
        "indicator",
        lambda u, op: (
            access.visible_indicators(u)
            .filter(case__operation_id=op.pk, takedown_status=TakedownStatus.TAKEN_DOWN)
            .select_related("case", "value")
        ),
        lambda fig: fig.infrastructure_taken_down,
    ),
    "hits_between_participants": (
        gettext_lazy("Cross-reference hits between participants"),
        "hit",
        lambda u, op: (
            access.visible_hits(u)
            .filter(
                pk__in=f.hits_between_participants(access.operation_counted_cases(u, op)).values(
                    "pk"
                )
            )
            .select_related("case", "value")
        ),
        lambda fig: fig.hits_between_participants,
    ),
}


def asset_count(user: User, op: JointOperation, statuses) -> int:
    """Assets are summed per currency in the figures; their list total is a count."""
    from cases.models import Asset

    return Asset.objects.filter(
        case_id__in=access.operation_counted_cases(user, op).values("pk"),
        status__in=statuses,
        amount__isnull=False,
    ).count()


def figure_list(
    user: User, op: JointOperation, name: str, figures: f.Figures, *, country: str = ""
) -> FigureList:
    """The list behind figure `name`; for the victims identified, optionally only those of one
    nationality (the rows of "countries with victims")."""
    if name not in FIGURE_LISTS:
        raise Http404("No such figure.")
    title, kind, rows, total = FIGURE_LISTS[name]
    if total is None:
        statuses = {"assets_frozen": f.FROZEN, "assets_seized": f.SEIZED}.get(name, f.RECOVERED)
        count = asset_count(user, op, statuses)
    else:
        count = total(figures)
    listed = rows(user, op)
    if country and name == "victims_identified":
        code = country.upper()
        listed = listed.filter(nationality=code)
        count = figures.victims_by_country.get(code, 0)
        title = gettext("%(title)s: nationality %(code)s") % {"title": title, "code": code}
    return FigureList(name=name, title=title, kind=kind, rows=listed, total=count)


# --- approvals -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Approvals:
    access_requests: QuerySet
    invitations: QuerySet
    publications: QuerySet

    @property
    def count(self) -> int:
        return len(self.access_requests) + len(self.invitations) + len(self.publications)


def approvals_for(user: User) -> Approvals:
    """What waits for the user's decision: access requests for the agency's cases, and the
    agency's invitations to joint operations, and proposals to publish to the registry."""
    requests = (
        access.decidable_access_requests(user)
        .pending()
        .select_related("case", "requesting_agency", "requested_by", "hit__value")
        .order_by("created_at", "pk")
    )
    invitations = (
        access.operation_invitations(user)
        .select_related("operation", "operation__lead_agency")
        .order_by("operation__starts_on", "pk")
    )
    publications = (
        access.decidable_proposals(user)
        .select_related("indicator__case", "indicator__value", "proposed_by")
        .order_by("created_at", "pk")
    )
    return Approvals(access_requests=requests, invitations=invitations, publications=publications)
