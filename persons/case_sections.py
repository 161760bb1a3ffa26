"""The person-matches section of the case page, with the non-punishment flag."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import access
from agencies.models import User
from cases.models import Case
from cases.sections import register_section, register_suspect_flags
from persons import selectors, xref


@register_section(
    "person_matches", gettext_lazy("Person matches"), "persons/_section_matches.html", order=37
)
def person_matches_section(user: User, case: Case) -> dict | None:
    if not access.can_manage_indicators(user, case):
        return None
    matches = selectors.matches_of_case(user, case)
    return {
        "rows": selectors.match_rows(user, matches, where=f"case {case.reference}: matches"),
        "need_birth_date": selectors.suspects_needing_a_birth_date(user, case),
        "can_edit": access.can_edit_case(user, case),
        "pending": xref.case_pending(case.pk),
    }


@register_suspect_flags
def non_punishment_flags(user: User, case: Case, suspects: list) -> dict:
    """On each suspect of the case matching a victim recorded as a trafficked worker elsewhere
    (a match not dismissed): the non-punishment flag, linking to the match."""
    return {
        suspect_id: [(selectors.NON_PUNISHMENT_TEXT, reverse("persons:detail", args=[pk]))]
        for suspect_id, pk in selectors.non_punishment_suspects(user, suspects).items()
    }


@register_suspect_flags
def wanted_flags(user: User, case: Case, suspects: list) -> dict:
    """On each suspect of the case matching an identity published to the network as wanted
    (or of interest), and on a suspect whose own identity the agency published: a link to
    the identity."""
    flags: dict[int, list[tuple[str, str]]] = {}
    for suspect_id, matches in selectors.wanted_flags(user, suspects).items():
        flags[suspect_id] = [
            (
                _("matches %(category)s identity %(name)s (%(agency)s)")
                % {
                    "category": m.identity.get_category_display().lower(),
                    "name": m.identity.full_name,
                    "agency": m.identity.agency.name,
                },
                reverse("registry:wanted_detail", args=[m.identity_id]),
            )
            for m in matches
        ]
    if access.is_own_case(user, case):
        for identity in selectors.published_from(user, suspects):
            flags.setdefault(identity.suspect_id, []).append(
                (
                    _("published to the network as %(category)s")
                    % {"category": identity.get_category_display().lower()},
                    reverse("registry:wanted_detail", args=[identity.pk]),
                )
            )
    return flags
