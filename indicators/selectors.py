"""Reads for the indicator pages, always scoped by agencies/access.py."""

from __future__ import annotations

from typing import Any

from agencies import access
from agencies.models import User
from cases.models import Case
from indicators.models import Hit, HitStatus


def hit_rows(user: User, hits: list[Hit]) -> list[dict[str, Any]]:
    """Each hit with the other agencies holding its value (and their contacts), and those of
    their cases the user may see anyway: a fixed number of queries for any number of hits."""
    counterparts = access.hit_counterparts(user, hits)
    cases = access.hit_visible_cases(user, hits)
    return [
        {"hit": h, "agencies": counterparts.get(h.pk, []), "visible_cases": cases.get(h.pk, [])}
        for h in hits
    ]


def hits_of_case(user: User, case: Case) -> list[Hit]:
    return list(access.visible_hits(user).filter(case=case).select_related("value", "case"))


def new_hit_count(user: User) -> int:
    return access.visible_hits(user).filter(status=HitStatus.NEW).count()
