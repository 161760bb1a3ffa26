"""The timeline writer: system entries in a case's timeline (sharing changed, access asked or
granted, linked to an operation). Kept apart from cases.services so that every app's services
can write the timeline without importing the case services (and their queues) back."""

from __future__ import annotations

from django.db import transaction

from agencies.models import User
from cases.models import Case, CaseNote, NoteKind


@transaction.atomic
def case_event_record(*, case: Case, text: str, by: User | None) -> CaseNote:
    """A system entry in the case's timeline. Other parts of the system call this; it checks
    nothing, because the caller's own service has already decided that the event happened."""
    note = CaseNote(case=case, author=by, kind=NoteKind.EVENT, text=text)
    note._history_user = by
    note.save()
    return note
