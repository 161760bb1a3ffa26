"""Person matches.

A person match is seen by the roles that review hits, in the agencies holding either person,
under the hit rule: the other side learns that agency X holds a matching person and whom to
contact, never the person's record unless that record is visible to the viewer anyway (the
pages name a person only through visible_suspects / visible_victims). A person in a silent
case still matches; only its own agency learns of the match.

A wanted match (a suspect or victim against a published wanted identity) is seen by the same
roles of the agency holding the person, and of the agency that published the identity unless
the person's case is silent. The identity is public to the network; the publisher learns of
the other side what a person match tells, and neither side ever reaches the other's case.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from access.core import Action, AnyUser, agency_id_of, can, one_or_404
from persons.models import Person, PersonMatch, either_side
from registry.models import WantedMatch


def person_match_visibility_q(user: AnyUser) -> Q:
    """A match with a person of the viewer's agency on either side, unless the other side is
    another agency's person in a silent case. Shaped to be read on the match row itself (the
    agency's persons, one hashed set; the silent check, a lookup of the other person), so an
    ordered page walks the matches' index and stops, and no join of every match to both
    persons and both cases is needed (750 ms for the queue's count on the bench data)."""
    agency_id = agency_id_of(user)
    if agency_id is None or not can(user, Action.MANAGE_INDICATORS):
        return Q(pk__in=[])
    own = Person.objects.filter(agency_id=agency_id).order_by().values("pk")

    def hidden(side: str) -> Exists:
        return Exists(
            Person.objects.filter(pk=OuterRef(side), case__silent=True).exclude(agency_id=agency_id)
        )

    return either_side(own) & ~hidden("a") & ~hidden("b")


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


def visible_wanted_matches(user: AnyUser) -> QuerySet[WantedMatch]:
    agency_id = agency_id_of(user)
    if agency_id is None or not can(user, Action.MANAGE_INDICATORS):
        return WantedMatch.objects.none()
    return WantedMatch.objects.filter(identity__withdrawn_at=None).filter(
        Q(person__agency_id=agency_id)
        | Q(identity__agency_id=agency_id, person__case__silent=False)
    )


def get_wanted_match_for_user(user: AnyUser, pk: Any) -> WantedMatch:
    return one_or_404(
        visible_wanted_matches(user).select_related(
            "identity__agency", "person__agency", "person__case"
        ),
        "wanted match",
        pk=pk,
    )
