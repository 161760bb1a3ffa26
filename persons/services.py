"""The writes a user makes on person matches: decide a match, ask for access to the other
record. Indexing and matching are in persons/index.py, persons/xref.py and persons/rebuild.py."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import access
from agencies.models import User
from cases.models import Case
from config import messages
from config.errors import PolicyError
from indicators.models import AccessRequest
from indicators.services import access_request_open
from persons.models import MatchStatus, PersonMatch


@transaction.atomic
def person_match_decide(*, match: PersonMatch, by: User, status: str, reason: str) -> PersonMatch:
    """Confirm or dismiss a match (or reopen it as possible), with the reason."""
    if not access.can_review_person_match(by, match):
        raise PolicyError(_("Only the agencies involved review a person match."))
    if status not in MatchStatus.values:
        raise ValidationError(
            {"status": _("Unknown status %(status)s.") % {"status": repr(status)}}
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why.")})
    match = PersonMatch.objects.select_for_update(no_key=True).get(pk=match.pk)
    match.status = status
    match.decided_by = by
    match.reason = reason
    match.decided_at = timezone.now()
    match.save(update_fields=["status", "decided_by", "reason", "decided_at", "updated_at"])
    return match


@transaction.atomic
def person_match_request_access(*, match: PersonMatch, by: User, reason: str) -> AccessRequest:
    """From a match, ask the other agency for access to the case holding the other person; its
    supervisors decide as for a cross-reference hit (indicators.services.access_request_decide)."""
    if not access.can_request_person_access(by, match):
        raise PolicyError(_("Only the agencies involved ask for access from a person match."))
    mine, other = match.sides(access.agency_id_of(by))
    (request,) = access_request_open(
        by=by,
        cases=Case.objects.filter(pk=other.case_id),
        reason=reason,
        hit=None,
        from_case=mine.case,
        after=messages.text("access.after_person", explanation=match.explanation),
        holding=messages.text("access.a_matching_person"),
        nothing_left=ValidationError(
            _("Your agency already sees that case, or has asked for access to it.")
        ),
    )
    return request
