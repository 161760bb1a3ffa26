"""Indicators, cross-reference hits and access requests.

A hit tells the agency holding a value that cases of other agencies hold it too: which agency,
and whom to contact there — never anything of the other case unless that case is visible to
the viewer anyway. A silent case's values still match, and its owner sees the hits; the other
agencies learn nothing from it.
"""

from __future__ import annotations

from typing import Any, cast

from django.db.models import Q, QuerySet
from django.http import Http404

from access.cases import case_file, get_file_object, is_own_case
from access.core import Action, AnyUser, agency_id_of, can, one_or_404
from cases.models import Case
from indicators import hitcount
from indicators.models import AccessRequest, Hit, HitQuerySet, HitStatus, Indicator


def visible_indicators(user: AnyUser) -> QuerySet[Indicator]:
    """Indicators of the cases `user` may see, for roles that read the case file."""
    return case_file(user, Indicator.objects.all())


def get_indicator_for_user(user: AnyUser, pk: Any, *, write: bool = False) -> Indicator:
    indicator = get_file_object(visible_indicators(user), user, pk, False)
    if write and not can_manage_indicators(user, indicator.case):
        raise Http404("Not found.")
    return indicator


def can_manage_indicators(user: AnyUser, case: Case) -> bool:
    """Indicators are added and edited by the owning agency's investigators, analysts and
    supervisors."""
    return is_own_case(user, case) and can(user, Action.MANAGE_INDICATORS)


def visible_hits(user: AnyUser) -> QuerySet[Hit]:
    """The hits of the user's own agency's cases (for the roles that review hits), whose first
    pages newest first are read from the newest sightings and values (`newest_first`), not a
    sort of all of them."""
    agency_id = agency_id_of(user)
    if agency_id is None or not can(user, Action.MANAGE_INDICATORS):
        return Hit.objects.none()
    return Hit.objects.filter(case__agency_id=agency_id).newest_first()


def visible_hit_counts(user: AnyUser) -> dict[str, int]:
    """How many of `visible_hits(user)` are new, reviewed, dismissed: the agency's tally, kept
    by the engine (`indicators.hitcount`), not a count of its sightings."""
    agency_id = agency_id_of(user)
    if agency_id is None or not can(user, Action.MANAGE_INDICATORS):
        return dict.fromkeys(HitStatus.values, 0)
    return hitcount.counts(agency_id)


def visible_hit_count(user: AnyUser, status: str | None = None) -> int:
    """How many of `visible_hits(user)` there are (of one status, when given), as kept."""
    counts = visible_hit_counts(user)
    return counts.get(status, 0) if status else sum(counts.values())


def visible_hits_counted(user: AnyUser, status: str | None = None) -> HitQuerySet:
    """`visible_hits(user)` (of one status, when given) with the case and value, whose `count()`
    is the kept tally (`visible_hit_count`): the hits page paginates it without counting the
    agency's sightings. A filter added after it counts again."""
    hits = cast(HitQuerySet, visible_hits(user).select_related("case", "value"))
    if status:
        hits = hits.filter(status=status)
    return hits.with_known_count(visible_hit_count(user, status))


def get_hit_for_user(user: AnyUser, pk: Any) -> Hit:
    return one_or_404(visible_hits(user).select_related("case", "value"), "hit", pk=pk)


def can_review_hits(user: AnyUser, case: Case) -> bool:
    """The hits of a case are reviewed by its own agency's reviewing roles."""
    return is_own_case(user, case) and can(user, Action.MANAGE_INDICATORS)


def can_review_hit(user: AnyUser, hit: Hit) -> bool:
    return can_review_hits(user, hit.case)


def can_request_access(user: AnyUser, hit: Hit) -> bool:
    """From a hit of its own case, a member who reviews hits asks for the other case."""
    return can_review_hit(user, hit)


def visible_access_requests(user: AnyUser) -> QuerySet[AccessRequest]:
    """Requests the user's agency made (for those who review hits) and requests for its cases
    (for its supervisors, who decide them)."""
    agency_id = agency_id_of(user)
    if agency_id is None:
        return AccessRequest.objects.none()
    q = Q(pk__in=[])
    if can(user, Action.MANAGE_INDICATORS):
        q |= Q(requesting_agency_id=agency_id)
    if can(user, Action.DECIDE_ACCESS_REQUESTS):
        q |= Q(case__agency_id=agency_id)
    return AccessRequest.objects.filter(q)


def decidable_access_requests(user: AnyUser) -> QuerySet[AccessRequest]:
    """Requests for the user's agency's cases, for its supervisors to grant or refuse."""
    agency_id = agency_id_of(user)
    if agency_id is None or not can(user, Action.DECIDE_ACCESS_REQUESTS):
        return AccessRequest.objects.none()
    return AccessRequest.objects.filter(case__agency_id=agency_id)


def get_access_request_for_user(user: AnyUser, pk: Any) -> AccessRequest:
    return one_or_404(
        visible_access_requests(user).select_related(
            "case", "requesting_agency", "requested_by", "hit__value"
        ),
        "access request",
        pk=pk,
    )


def can_decide_access_request(user: AnyUser, access_request: AccessRequest) -> bool:
    return is_own_case(user, access_request.case) and can(user, Action.DECIDE_ACCESS_REQUESTS)
