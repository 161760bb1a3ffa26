"""Person matches.

A person match is seen by the roles that review hits, in the agencies holding either person,
under the hit rule: the other side learns that agency X holds a matching person and whom to
contact, never the person's record unless that record is visible to the viewer anyway (the
pages name a person only through visible_suspects / visible_victims). A person in a silent
case still matches; only its own agency learns of the match.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from access.core import Action, AnyUser, agency_id_of, can, one_or_404
from persons.models import PersonMatch


def person_match_visibility_q(user: AnyUser) -> Q:
    agency_id = agency_id_of(user)
    if agency_id is None or not can(user, Action.MANAGE_INDICATORS):
        return Q(pk__in=[])
    return Q(a__agency_id=agency_id) & (Q(b__case__silent=False) | Q(b__agency_id=agency_id)) | Q(
        b__agency_id=agency_id
    ) & (Q(a__case__silent=False) | Q(a__agency_id=agency_id))


def visible_person_matches(user: AnyUser) -> QuerySet[PersonMatch]:
    return PersonMatch.objects.filter(person_match_visibility_q(user))


def get_person_match_for_user(user: AnyUser, pk: Any) -> PersonMatch:
    return one_or_404(
        visible_person_matches(user).select_related(
            "a__case", "a__agency", "b__case", "b__agency", "decided_by"
        ),
        "person match",
        pk=pk,
    )


def can_review_person_match(user: AnyUser, match: PersonMatch) -> bool:
    """Confirm or dismiss: the reviewing roles of an agency involved that sees the match."""
    return (
        can(user, Action.MANAGE_INDICATORS)
        and visible_person_matches(user).filter(pk=match.pk).exists()
    )


def can_request_person_access(user: AnyUser, match: PersonMatch) -> bool:
    return can_review_person_match(user, match)
