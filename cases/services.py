"""The writes on cases. Each function is one thing a user does, atomic, with the actor passed
in; views, API and tasks call these and nothing else.

Only the fields named in each service's allow-list can be written from input: the agency,
reference, version and timestamps always come from the service itself."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import access
import audit
from agencies.models import Agency, User
from audit.models import EventKind
from cases import retention
from cases.models import (
    Asset,
    Case,
    CaseNote,
    CaseSequence,
    NoteKind,
    SharingLevel,
    Suspect,
)
from cases.timeline import case_event_record
from config import messages
from config.errors import PolicyError, allowed_fields, check_version
from indicators import hitcount
from indicators.queue import queue_xref
from persons.queue import queue_person

# What a user may write on a case through case_create / case_update.
CASE_FIELDS = (
    "title",
    "summary",
    "fraud_type",
    "status",
    "lead_investigator",
    "countries",
    "reported_loss_amount",
    "reported_loss_currency",
    "opened_on",
    "closed_on",
    "silent",
)
# What a case's version covers: what a user writes, and the sharing.
CASE_VERSIONED_FIELDS = (*CASE_FIELDS, "sharing_level")
SUSPECT_FIELDS = (
    "full_name",
    "aliases",
    "birth_year",
    "birth_month",
    "birth_day",
    "nationalities",
    "documents",
    "role",
    "status",
    "notice_references",
)
ASSET_FIELDS = ("kind", "description", "amount", "currency", "status", "status_changed_on")


def _check_lead(case: Case, lead: User | None) -> None:
    if lead is not None and not access.can_lead_case(lead, case.agency_id):
        raise ValidationError(
            {
                "lead_investigator": _(
                    "The lead investigator must be an investigator or supervisor "
                    "of the case's agency."
                )
            }
        )


def next_case_reference(*, country: str, year: int) -> str:
    """`VN-2026-00042`: the next number for the country and year, taken under a row lock so
    two concurrent creations never get the same one, and never reused."""
    country = country.upper()
    CaseSequence.objects.get_or_create(country=country, year=year)
    seq = CaseSequence.objects.select_for_update(no_key=True).get(country=country, year=year)
    seq.last += 1
    seq.save(update_fields=["last"])
    return f"{country}-{year}-{seq.last:05d}"


@transaction.atomic
def case_create(
    *,
    by: User,
    title: str,
    sharing_level: str = SharingLevel.RESTRICTED,
    shared_with: Iterable[Agency] = (),
    operation: Any = None,
    **fields: Any,
) -> Case:
    """A new case of the actor's agency. The agency and reference come from the actor, never
    from input."""
    if not access.can(by, access.Action.EDIT_CASES):
        raise PolicyError(_("Your role does not create cases."))
    allowed_fields(fields, CASE_FIELDS)
    agency = by.agency
    case = Case(title=title, agency=agency, sharing_level=SharingLevel(sharing_level), **fields)
    if operation is not None:
        if not access.member_operations(by).filter(pk=operation.pk).exists():
            raise ValidationError({"operation": _("Your agency does not take part in it.")})
        case.operation = operation
    if case.lead_investigator_id is None:
        case.lead_investigator = by
    _check_lead(case, case.lead_investigator)
    case.reference = "pending"
    case.full_clean(exclude=["reference"])
    retention.review_on_after_edit(case, before=None)
    case.reference = next_case_reference(
        country=agency.country.code, year=timezone.localdate().year
    )
    case._history_user = by
    case.save()
    shared = [a for a in shared_with if a.pk != agency.pk]
    if shared:
        case.shared_with.set(shared)
    if shared or case.sharing_level != SharingLevel.RESTRICTED:
        audit.record(
            EventKind.SHARING_CHANGED,
            by=by,
            obj=case,
            detail={"to": case.sharing_level, "added": sorted(a.pk for a in shared)},
        )
    return case


@transaction.atomic
def case_update(*, case: Case, by: User, expected_version: int | None, **fields: Any) -> Case:
    """Edit a case. Refused with ConflictError when someone saved it since `expected_version`:
    nothing is overwritten, and the error names what changed meanwhile."""
    if not access.can_edit_case(by, case):
        raise PolicyError(_("Only the owning agency's investigators and supervisors edit a case."))
    allowed_fields(fields, CASE_FIELDS)
    case = Case.objects.select_for_update(no_key=True).get(pk=case.pk)
    check_version(case, expected_version, CASE_VERSIONED_FIELDS)
    was_silent = case.silent
    closing = (case.status, case.closed_on)
    for name, value in fields.items():
        setattr(case, name, value)
    if "lead_investigator" in fields:
        _check_lead(case, case.lead_investigator)
    case.full_clean()
    retention.review_on_after_edit(case, before=closing)
    case.version += 1
    case._history_user = by
    silence = case.silent != was_silent
    # A silent case's agency holding a value changes how many other agencies its own hits of
    # the value count, so their status (the other agencies' hits change with the engine's
    # recount of the values).
    values = case.indicators.values_list("value_id", flat=True) if silence else []
    with hitcount.tracking(values, agency_id=case.agency_id):
        case.save()
    if silence:
        # Whether the case's values speak to other agencies changed: cross-reference them again.
        queue_xref(list(case.indicators.values_list("pk", flat=True)))
    return case


@transaction.atomic
def case_set_sharing(
    *,
    case: Case,
    level: str,
    agencies: Iterable[Agency] = (),
    by: User,
    expected_version: int | None,
) -> Case:
    """Set who besides the owning agency sees the case; the change goes in the timeline.
    Refused like any edit when `expected_version` is missing or stale."""
    if not access.can_set_sharing(by, case):
        raise PolicyError(_("Only the owning agency's investigators and supervisors set sharing."))
    case = Case.objects.select_for_update(no_key=True).get(pk=case.pk)
    check_version(case, expected_version, CASE_VERSIONED_FIELDS)
    before_level = case.sharing_level
    before = set(case.shared_with.values_list("pk", flat=True))
    case.sharing_level = SharingLevel(level)
    if errors := case.sharing_errors():
        raise ValidationError(errors)
    case.version += 1
    case._history_user = by
    case.save(update_fields=["sharing_level", "version", "updated_at"])
    agencies = [a for a in agencies if a.pk != case.agency_id]
    case.shared_with.set(agencies)
    after = {a.pk: a for a in agencies}
    changes = []
    if before_level != case.sharing_level:
        changes.append(
            messages.text("sharing.level", old=str(before_level), new=str(case.sharing_level))
        )
    if before != set(after):
        names = {a.pk: str(a) for a in Agency.objects.filter(pk__in=before ^ set(after))}
        changes += [
            messages.text("sharing.added", agency=names[pk])
            for pk in sorted(set(after) - before, key=names.__getitem__)
        ]
        changes += [
            messages.text("sharing.removed", agency=names[pk])
            for pk in sorted(before - set(after), key=names.__getitem__)
        ]
    if changes:
        case_event_record(case=case, text=messages.joined(*changes, key="lines"), by=by)
        audit.record(
            EventKind.SHARING_CHANGED,
            by=by,
            obj=case,
            detail={
                "from": before_level,
                "to": case.sharing_level,
                "added": sorted(set(after) - before),
                "removed": sorted(before - set(after)),
            },
        )
    return case


# --- suspects ------------------------------------------------------------------------------


def _check_file_writer(by: User, case: Case) -> None:
    if not access.can_edit_case(by, case):
        raise PolicyError(_("Only the owning agency's investigators and supervisors edit a case."))


@transaction.atomic
def suspect_create(
    *,
    case: Case,
    by: User,
    full_name: str,
    recorded_at: datetime.datetime | None = None,
    **fields: Any,
) -> Suspect:
    """`recorded_at`: when the suspect was recorded as they stand (an arrest learnt of
    earlier, the demo's past), never in the future; the first entry of their history."""
    _check_file_writer(by, case)
    suspect = Suspect(case=case, full_name=full_name, **allowed_fields(fields, SUSPECT_FIELDS))
    suspect.full_clean()
    suspect._history_user = by
    if recorded_at is not None:
        if recorded_at > timezone.now():
            raise ValidationError({"recorded_at": _("A suspect is not recorded in the future.")})
        suspect._history_date = recorded_at
    suspect.save()
    queue_person("suspect", suspect.pk)
    return suspect


@transaction.atomic
def suspect_update(
    *, suspect: Suspect, by: User, expected_version: int | None, **fields: Any
) -> Suspect:
    """Edit a suspect. Refused with ConflictError when someone saved it since
    `expected_version`: nothing is overwritten, and the error names what changed meanwhile."""
    _check_file_writer(by, suspect.case)
    allowed_fields(fields, SUSPECT_FIELDS)
    suspect = Suspect.objects.select_for_update(no_key=True).get(pk=suspect.pk)
    check_version(suspect, expected_version, SUSPECT_FIELDS)
    for name, value in fields.items():
        setattr(suspect, name, value)
    suspect.full_clean()
    suspect.version += 1
    suspect._history_user = by
    suspect.save()
    queue_person("suspect", suspect.pk)
    return suspect


# --- assets --------------------------------------------------------------------------------


@transaction.atomic
def asset_create(*, case: Case, by: User, **fields: Any) -> Asset:
    _check_file_writer(by, case)
    asset = Asset(case=case, **allowed_fields(fields, ASSET_FIELDS))
    asset.full_clean()
    asset._history_user = by
    asset.save()
    return asset


@transaction.atomic
def asset_update(*, asset: Asset, by: User, expected_version: int | None, **fields: Any) -> Asset:
    """Edit an asset; a change of status is dated (today unless `status_changed_on` says).
    Refused with ConflictError when someone saved it since `expected_version`."""
    _check_file_writer(by, asset.case)
    allowed_fields(fields, ASSET_FIELDS)
    asset = Asset.objects.select_for_update(no_key=True).get(pk=asset.pk)
    check_version(asset, expected_version, ASSET_FIELDS)
    old_status = asset.status
    for name, value in fields.items():
        setattr(asset, name, value)
    if asset.status != old_status and "status_changed_on" not in fields:
        asset.status_changed_on = timezone.localdate()
    asset.full_clean()
    asset.version += 1
    asset._history_user = by
    asset.save()
    return asset


# --- notes ---------------------------------------------------------------------------------


@transaction.atomic
def note_create(*, case: Case, by: User, text: str) -> CaseNote:
    _check_file_writer(by, case)
    note = CaseNote(case=case, author=by, kind=NoteKind.NOTE, text=text.strip())
    note.full_clean()
    note._history_user = by
    note.save()
    return note


@transaction.atomic
def note_update(*, note: CaseNote, by: User, text: str) -> CaseNote:
    """Edit a note's text; the previous text stays in the note's history. Events are the
    system's record and are never edited."""
    _check_file_writer(by, note.case)
    if note.kind != NoteKind.NOTE:
        raise PolicyError(_("Timeline events are not edited."))
    note = CaseNote.objects.select_for_update(no_key=True).get(pk=note.pk)
    note.text = text.strip()
    note.full_clean()
    note._history_user = by
    note.save(update_fields=["text", "updated_at"])
    return note
