"""The timeline writer: system entries in a case's timeline (sharing changed, access asked or
granted, linked to an operation). Kept apart from cases.services so that every app's services
can write the timeline without importing the case services (and their queues) back."""

from __future__ import annotations

from django.db import transaction

from agencies.models import User
from cases.models import Case, CaseNote, NoteKind
from config.messages import Text


@transaction.atomic
def case_event_record(*, case: Case, text: Text | str, by: User | None) -> CaseNote:
    """A system entry in the case's timeline. Other parts of the system call this; it checks
    nothing, because the caller's own service has already decided that the event happened.
    `text` is a text of the registry (config.messages): kept in English and by key, each
    reader sees it in their language. A plain string is kept and shown as it is."""
    note = CaseNote(case=case, author=by, kind=NoteKind.EVENT)
    if isinstance(text, Text):
        note.text, note.message_key, note.params = text.english, text.key, text.params
    else:
        note.text = text
    note._history_user = by
    note.save()
    return note
