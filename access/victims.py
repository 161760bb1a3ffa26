"""Victims, their repatriation and its hand-overs, and the victim access log.

Victim identities: the owning agency's investigators, liaison officers and supervisors, plus
the liaison officers and supervisors of an agency that ACCEPTED the hand-over of the victim's
repatriation. While a hand-over is pending, the destination's liaison officers and
supervisors see the repatriation with a hand-over summary of the person (name, sex, date of
birth, nationality, location, vulnerabilities: what they need to accept or decline), not the
victim record itself (contact, documents, losses, notes). A declined hand-over gives nothing.
Analysts (and agencies a case is shared with) see counts only. Liaison officers and
supervisors move repatriations; investigators follow them read-only.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from access.cases import case_visibility_q, is_own_case
from access.core import Action, AnyUser, agency_id_of, can, one_or_404
from cases.models import Case
from victims.models import (
    HandoverStatus,
    Repatriation,
    RepatriationQuerySet,
    Victim,
    VictimAccessLog,
    VictimQuerySet,
)


def victim_visibility_q(user: AnyUser, prefix: str = "") -> Q:
    """A Q over Victim (or a model with a victim relation, `prefix="victim__"`) matching the
    victims whose identity `user` may read."""
    agency_id = agency_id_of(user)
    if agency_id is None or not can(user, Action.READ_VICTIM_IDENTITY):
        return Q(pk__in=[])
    # Two IN subqueries, not the joins to the case and the repatriation: an OR across joins
    # makes PostgreSQL join every victim before it filters (a dashboard count read all of
    # them), while two hashed subqueries test each victim once, with no join.
    q = Q(**{f"{prefix}case_id__in": _own_case_ids(agency_id)})
    if can(user, Action.MOVE_REPATRIATION):
        accepted = Repatriation.objects.filter(_handed_to(agency_id, HandoverStatus.ACCEPTED))
        q |= Q(**{f"{prefix}pk__in": accepted.values("victim_id")})
    return q


def _own_case_ids(agency_id: int) -> QuerySet[Case, Any]:
    return Case.objects.filter(agency_id=agency_id).values("pk")


def _handed_to(agency_id: int, status: HandoverStatus) -> Q:
    """A Q over Repatriation: those handed over to the agency, at this status of the hand-over."""
    return Q(handed_over_to_id=agency_id, handover_status=status)


def visible_victims(user: AnyUser) -> VictimQuerySet:
    return Victim.objects.filter(victim_visibility_q(user))


def get_victim_for_user(user: AnyUser, pk: Any, *, write: bool = False) -> Victim:
    """The victim if `user` may read its identity (and edit it, with `write=True`); else 404."""
    victim = one_or_404(
        visible_victims(user).select_related("case", "case__agency"), "victim", pk=pk
    )
    if write and not can_edit_victim(user, victim):
        raise Http404("No such victim.")
    return victim


def countable_victims(user: AnyUser) -> VictimQuerySet:
    """Victims the user may COUNT (not read): those of every case the user may see. Analysts
    and agencies a case is shared with get numbers from this, never names."""
    return Victim.objects.filter(case_visibility_q(user, prefix="case__"))


def victim_count(user: AnyUser, case: Case) -> int:
    return countable_victims(user).filter(case_id=case.pk).count()


def can_record_victims(user: AnyUser, case: Case) -> bool:
    return is_own_case(user, case) and can(user, Action.RECORD_VICTIMS)


def can_edit_victim(user: AnyUser, victim: Victim) -> bool:
    """Victim records are kept by the owning agency (the agency of the victim's case)."""
    return can_record_victims(user, victim.case)


def repatriation_visibility_q(user: AnyUser) -> Q:
    """A Q over Repatriation: those of visible victims, plus hand-overs awaiting the user's
    agency (for its liaison officers and supervisors to accept or decline)."""
    agency_id = agency_id_of(user)
    q = victim_visibility_q(user, prefix="victim__")
    if agency_id is not None and can(user, Action.MOVE_REPATRIATION):
        q |= _handed_to(agency_id, HandoverStatus.PENDING)
    return q


def visible_repatriations(user: AnyUser) -> RepatriationQuerySet:
    return Repatriation.objects.filter(repatriation_visibility_q(user))


def get_repatriation_for_user(user: AnyUser, pk: Any) -> Repatriation:
    return one_or_404(
        visible_repatriations(user).select_related(
            "victim", "victim__case", "liaison_officer", "handed_over_to"
        ),
        "repatriation",
        pk=pk,
    )


def is_holding_agency(user: AnyUser, repatriation: Repatriation) -> bool:
    """The agency whose case the victim belongs to: it holds the repatriation."""
    agency_id = agency_id_of(user)
    return agency_id is not None and repatriation.victim.case.agency_id == agency_id


def is_accepting_agency(user: AnyUser, repatriation: Repatriation) -> bool:
    agency_id = agency_id_of(user)
    return (
        agency_id is not None
        and repatriation.handed_over_to_id == agency_id
        and repatriation.handover_status == HandoverStatus.ACCEPTED
    )


def can_start_repatriation(user: AnyUser, victim: Victim) -> bool:
    return is_own_case(user, victim.case) and can(user, Action.MOVE_REPATRIATION)


def can_move_repatriation(user: AnyUser, repatriation: Repatriation) -> bool:
    """The holding agency's liaison officers and supervisors move the stages; after an
    accepted hand-over, so do the accepting agency's."""
    return can(user, Action.MOVE_REPATRIATION) and (
        is_holding_agency(user, repatriation) or is_accepting_agency(user, repatriation)
    )


def movable_repatriations(user: AnyUser) -> RepatriationQuerySet:
    """The repatriations `user` may move (the queryset twin of can_move_repatriation)."""
    agency_id = agency_id_of(user)
    if agency_id is None or not can(user, Action.MOVE_REPATRIATION):
        return Repatriation.objects.none()
    return Repatriation.objects.filter(
        Q(victim__case_id__in=_own_case_ids(agency_id))
        | _handed_to(agency_id, HandoverStatus.ACCEPTED)
    )


def handovers_awaiting(user: AnyUser) -> RepatriationQuerySet:
    """Repatriations handed over to the user's agency and awaiting its decision."""
    agency_id = agency_id_of(user)
    if agency_id is None or not can(user, Action.MOVE_REPATRIATION):
        return Repatriation.objects.none()
    return Repatriation.objects.filter(_handed_to(agency_id, HandoverStatus.PENDING))


def can_handover(user: AnyUser, repatriation: Repatriation) -> bool:
    """The holding agency hands over, when no hand-over is pending or accepted."""
    return (
        can(user, Action.MOVE_REPATRIATION)
        and is_holding_agency(user, repatriation)
        and repatriation.handover_status in (HandoverStatus.NONE, HandoverStatus.DECLINED)
    )


def can_accept(user: AnyUser, repatriation: Repatriation) -> bool:
    """Accept or decline: the liaison officers and supervisors of the agency handed to."""
    agency_id = agency_id_of(user)
    return (
        can(user, Action.MOVE_REPATRIATION)
        and agency_id is not None
        and repatriation.handed_over_to_id == agency_id
        and repatriation.handover_status == HandoverStatus.PENDING
    )


def can_view_victim_access_log(user: AnyUser) -> bool:
    """Supervisors read their agency's victim access log."""
    return can(user, Action.VIEW_VICTIM_ACCESS_LOG)


def visible_victim_access_log(user: AnyUser) -> QuerySet[VictimAccessLog]:
    """Entries about the agency's own victims, and entries made by the agency's users."""
    if not can_view_victim_access_log(user):
        return VictimAccessLog.objects.none()
    agency_id = agency_id_of(user)
    return VictimAccessLog.objects.filter(
        Q(victim__case__agency_id=agency_id) | Q(user_agency_id=agency_id)
    )
