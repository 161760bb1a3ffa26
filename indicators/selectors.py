"""Reads for the indicator pages, always scoped by access/."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import access
from agencies.models import Agency, User
from cases.models import Case
from indicators.models import Hit, HitStatus, Indicator


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


def new_hit_count(user: User) -> int:
    return access.visible_hits(user).filter(status=HitStatus.NEW).count()
