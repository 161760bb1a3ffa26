"""The writes on cases. Each function is one thing a user does, atomic, with the actor passed
in; views, API and tasks call these and nothing else."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from agencies import access
from agencies.models import Agency, User
from agencies.services import PolicyError
from cases.models import Case, CaseNote, CaseSequence, NoteKind, SharingLevel


def next_case_reference(*, country: str, year: int) -> str:
    """`VN-2026-00042`: the next number for the country and year, taken under a row lock so
    two concurrent creations never get the same one, and never reused."""
    country = country.upper()
    CaseSequence.objects.get_or_create(country=country, year=year)
    seq = CaseSequence.objects.select_for_update().get(country=country, year=year)
    seq.last += 1
    seq.save(update_fields=["last"])
    return f"{country}-{year}-{seq.last:05d}"


@transaction.atomic
def case_create(*, by: User, title: str, **fields) -> Case:
    """A new case of the actor's agency. The agency and reference come from the actor, never
    from input."""
    if not access.can(by, access.Action.EDIT_CASES):
        raise PolicyError("Your role does not create cases.")
    agency = by.agency
    shared_with = fields.pop("shared_with", None)
    case = Case(title=title, agency=agency, **fields)
    if case.lead_investigator_id is None:
        case.lead_investigator = by
    case.reference = next_case_reference(
        country=agency.country.code, year=timezone.localdate().year
    )
    case.full_clean()
    case._history_user = by
    case.save()
    if shared_with is not None:
        case.shared_with.set(shared_with)
    return case


@transaction.atomic
def case_set_sharing(*, case: Case, level: str, agencies: Iterable[Agency] = (), by: User) -> Case:
    if not access.can_set_sharing(by, case):
        raise PolicyError("Only the owning agency's investigators and supervisors set sharing.")
    case = Case.objects.select_for_update().get(pk=case.pk)
    case.sharing_level = SharingLevel(level)
    case.version += 1
    case._history_user = by
    case.save(update_fields=["sharing_level", "version", "updated_at"])
    case.shared_with.set([a for a in agencies if a.pk != case.agency_id])
    return case


@transaction.atomic
def case_event_record(*, case: Case, text: str, by: User | None) -> CaseNote:
    """A system entry in the case's timeline (sharing changed, access granted, ...). Other
    parts of the system call this; it checks nothing, because the caller's own service has
    already decided that the event happened."""
    note = CaseNote(case=case, author=by, kind=NoteKind.EVENT, text=text)
    note._history_user = by
    note.save()
    return note
