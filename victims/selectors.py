"""The reads of victims and repatriations, for pages and API alike. Each function that shows
a victim's identity writes the access log, so no view can read a victim without leaving a
trace."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db.models import Count, F, Q, QuerySet

import access
from persons.search import search_name_q
from victims.models import (
    AccessAction,
    Repatriation,
    RepatriationQuerySet,
    RepatriationStep,
    Stage,
    Victim,
)
from victims.services import log_access
from victims.stages import MAIN_LINE

if TYPE_CHECKING:
    from agencies.models import User
    from cases.models import Case


def log_reads(*, by: User, victims: Iterable[Victim], where: str, reason: str = "") -> None:
    """Every victim shown to `by` (a detail, or a row of a list) is logged as read."""
    log_access(by=by, victims=victims, action=AccessAction.READ, where=where, reason=reason)


def victim_for_read(user: User, pk: Any, *, where: str, reason: str = "") -> Victim:
    """The victim (404 if not visible), its read logged."""
    victim = access.get_victim_for_user(user, pk)
    log_reads(by=user, victims=[victim], where=where, reason=reason)
    return victim


def victims_for_read(
    user: User, victims: QuerySet[Victim], *, where: str, reason: str = ""
) -> list[Victim]:
    """Evaluate `victims` (taken from access.visible_victims) and log each as read."""
    rows = list(victims)
    log_reads(by=user, victims=rows, where=where, reason=reason)
    return rows


# Lists of repatriations: overdue first, then by due date; those without one (closed,
# declined) last.
URGENT_FIRST = ("-is_overdue", F("due_on").asc(nulls_last=True), "pk")


def repatriations_base(user: User) -> RepatriationQuerySet:
    return (
        access.visible_repatriations(user)
        .with_overdue()
        .select_related(
            "victim", "victim__case", "victim__case__agency", "liaison_officer", "handed_over_to"
        )
    )


def victim_search_q(query: str, *, via: str = "") -> Q:
    """A victim by name, reference (V-12) or facility; `via` is the path to the victim
    ("victim__" from a repatriation). A name matches when every word typed, folded as the
    names are (any script, no case, no diacritics), starts a word of its full or other names;
    the name as written still matches as it did."""
    q = Q(**{f"{via}full_name__icontains": query})
    q |= Q(**{f"{via}current_facility__icontains": query})
    names = search_name_q(f"{via}search_name", query)
    if names is not None:
        q |= names
    number = Victim.id_of_reference(query)
    if number is not None:
        q |= Q(**{f"{via}pk": number})
    return q


def access_log_search_q(query: str) -> Q:
    """Entries of the victim access log by who read (user name), where, or the victim's
    reference (V-12)."""
    q = Q(user__username__icontains=query) | Q(where__icontains=query)
    victim_id = Victim.id_of_reference(query)
    return q | Q(victim_id=victim_id) if victim_id is not None else q


def repatriation_for_read(user: User, pk: Any, *, where: str) -> Repatriation:
    """The repatriation (404 if not visible) with its history; the read of its victim is
    logged (as a hand-over review while the user's agency has it pending)."""
    repatriation = access.get_repatriation_for_user(user, pk)
    reason = "" if _sees_identity(user, repatriation) else "hand-over review"
    log_reads(by=user, victims=[repatriation.victim], where=where, reason=reason)
    return repatriation


def repatriations_for_read(
    user: User, repatriations: Iterable[Repatriation], *, where: str
) -> list[Repatriation]:
    rows = list(repatriations)
    log_reads(by=user, victims=[r.victim for r in rows], where=where)
    return rows


def _sees_identity(user: User, repatriation: Repatriation) -> bool:
    return access.visible_victims(user).filter(pk=repatriation.victim_id).exists()


def repatriation_history(repatriation: Repatriation) -> list[RepatriationStep]:
    return list(repatriation.steps.select_related("by", "by__agency", "agency"))


def stage_counts(repatriations: QuerySet[Repatriation]) -> list[dict]:
    """[{"stage", "label", "count"}] in stage order, zeros included."""
    counts = dict(
        repatriations.order_by()
        .values_list("stage")
        .annotate(n=Count("id"))
        .values_list("stage", "n")
    )
    order = [*MAIN_LINE, Stage.CLOSED, Stage.DECLINED, Stage.MISSING]
    return [{"stage": s, "label": Stage(s).label, "count": counts.get(s, 0)} for s in order]


def victims_by(user: User, field: str) -> list[tuple[str, int]]:
    """Counts of the user's visible victims grouped by `field` (nationality, ...)."""
    rows = (
        access.visible_victims(user)
        .order_by()
        .values_list(field)
        .annotate(n=Count("id"))
        .order_by("-n", field)
    )
    return [(value, n) for value, n in rows]


def victims_by_location(user: User) -> list[tuple[str, str, int]]:
    """(country, facility, count) of the user's visible victims, largest groups first."""
    rows = (
        access.visible_victims(user)
        .order_by()
        .values_list("current_country", "current_facility")
        .annotate(n=Count("id"))
        .order_by("-n", "current_country", "current_facility")
    )
    return [(country, facility, n) for country, facility, n in rows]


def awaiting_my_agency(user: User) -> RepatriationQuerySet:
    return repatriations_base(user).filter(pk__in=access.handovers_awaiting(user).values("pk"))


def case_victims(user: User, case: Case) -> QuerySet[Victim]:
    return access.visible_victims(user).filter(case=case).select_related("repatriation")
