"""Reads for the indicator pages, always scoped by access/."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import access
from agencies.models import Agency, User
from cases.models import Case, NoteKind, SharingLevel
from indicators.models import AccessRequest, Hit, HitStatus, Indicator, PendingIndicator


def hit_counterparts(user: User, hits: Iterable[Hit]) -> dict[int, list[Agency]]:
    """For each of the user's hits: the other agencies holding its value (excluding their
    silent cases), each with its contact. Two queries for any number of hits."""
    hits = list(hits)
    agency_id = access.agency_id_of(user)
    if agency_id is None or not hits:
        return {}
    pairs = set(
        Indicator.objects.filter(value_id__in={h.value_id for h in hits}, case__silent=False)
        .exclude(case__agency_id=agency_id)
        .values_list("value_id", "case__agency_id")
        .distinct()
    )
    agencies = Agency.objects.in_bulk({a for _, a in pairs})
    by_value: dict[int, list[Agency]] = {}
    for value_id, other in sorted(pairs, key=lambda p: agencies[p[1]].name):
        by_value.setdefault(value_id, []).append(agencies[other])
    return {h.pk: by_value.get(h.value_id, []) for h in hits}


def hit_visible_cases(user: User, hits: Iterable[Hit]) -> dict[int, list[dict[str, Any]]]:
    """For each hit: the other agencies' cases holding its value that the user may see anyway
    (shared with the user's agency, network-wide, ...): only these may be named to the user.
    One query for any number of hits."""
    hits = list(hits)
    if not hits:
        return {}
    rows = (
        access.visible_cases(user)
        .filter(indicators__value_id__in={h.value_id for h in hits})
        .exclude(agency_id=access.agency_id_of(user))
        .exclude(silent=True)  # a silent case never confirms a match, visible or not
        .values_list("indicators__value_id", "pk", "reference")
        .order_by("reference")
    )
    by_value: dict[int, list[dict[str, Any]]] = {}
    for value_id, pk, reference in rows:
        by_value.setdefault(value_id, []).append({"pk": pk, "reference": reference})
    return {h.pk: by_value.get(h.value_id, []) for h in hits}


def hit_rows(user: User, hits: list[Hit]) -> list[dict[str, Any]]:
    """Each hit with the other agencies holding its value (and their contacts), and those of
    their cases the user may see anyway: a fixed number of queries for any number of hits."""
    counterparts = hit_counterparts(user, hits)
    cases = hit_visible_cases(user, hits)
    return [
        {"hit": h, "agencies": counterparts.get(h.pk, []), "visible_cases": cases.get(h.pk, [])}
        for h in hits
    ]


def hits_of_case(user: User, case: Case) -> list[Hit]:
    return list(access.visible_hits(user).filter(case=case).select_related("value", "case"))


def case_xref_pending(case: Case) -> bool:
    """Whether some indicator of this case waits in the cross-referencing queue (the durable
    queue, `PendingIndicator`): its hits may still change, so the case page keeps asking."""
    return PendingIndicator.objects.filter(indicator__case=case).exists()


def new_hit_count(user: User) -> int:
    """As the engine keeps it (the agency's tally), not a count of the agency's sightings."""
    return access.visible_hit_counts(user)[HitStatus.NEW]


@dataclass(frozen=True)
class GrantPreview:
    """What granting an access request would share: the case's sharing after the grant and
    how much of its file the asking agency's users would then read."""

    level_before: str
    level_after: str
    agencies_after: list[Agency]
    suspects: int
    assets: int
    indicators: int
    notes: int


def access_grant_preview(access_request: AccessRequest) -> GrantPreview:
    """For the owner's supervisor deciding the request (access_request_decide's rules: a
    network-wide case keeps its level, any other becomes shared with the asker added)."""
    case = access_request.case
    agencies = list(case.shared_with.all())
    level_after = case.sharing_level
    if case.sharing_level != SharingLevel.NETWORK:
        level_after = SharingLevel.SHARED
        if access_request.requesting_agency_id not in {a.pk for a in agencies}:
            agencies.append(access_request.requesting_agency)
    return GrantPreview(
        level_before=case.sharing_level,
        level_after=level_after,
        agencies_after=sorted(agencies, key=lambda a: a.name),
        suspects=case.suspects.count(),
        assets=case.assets.count(),
        indicators=case.indicators.count(),
        notes=case.notes.filter(kind=NoteKind.NOTE).count(),
    )
