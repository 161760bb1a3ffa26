"""Retention: a closed case is reviewed FORTRESS_RETENTION_YEARS after it closed (5 by
default, as Interpol's rules on the processing of data set), and a supervisor of its agency
decides: keep it (with the reason, until the next review), or delete its personal data.

A deletion removes the suspects, assets, notes and timeline, indicators and their sightings
(the values it alone held then match nothing: their holders are recomputed as after any
removal), import jobs, the person-index rows, and every personal field of its victims; their
history goes too. What stays: the case row as a tombstone (reference, agency, dates), the
victim rows emptied of identity (the append-only victim access log refers to them), and in the
audit trail the case reference with the counts of what went, never the data."""

from __future__ import annotations

import calendar
import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

import access
import audit
from agencies.models import User
from audit.models import EventKind
from cases.models import (
    Asset,
    Case,
    CaseNote,
    CaseStatus,
    RetentionDecision,
    RetentionOutcome,
    SharingLevel,
    Suspect,
)
from cases.timeline import case_event_record
from config import messages
from config.errors import PolicyError
from indicators import hitcount
from indicators.models import HitReview, Indicator
from indicators.queue import queue_removal
from interchange.models import ImportJob
from persons.models import Person
from victims.models import Repatriation, Sex, Victim

# How far ahead the supervisor's list looks, in months.
DUE_WITHIN_MONTHS = 6

# A victim's record once its case's personal data is deleted: nothing that names or
# describes the person is left.
ERASED_VICTIM: dict[str, object] = {
    "full_name": "",
    "other_names": [],
    "search_name": "",
    "sex": Sex.UNKNOWN,
    "date_of_birth": None,
    "nationality": "",
    "languages": "",
    "contact": "",
    "current_country": "",
    "current_facility": "",
    "is_minor": False,
    "has_medical_need": False,
    "is_injured": False,
    "is_pregnant": False,
    "loss_amount": None,
    "loss_currency": "",
    "consent_to_share": False,
    "notes": "",
    "identity_documents": [],
}


def years_setting() -> int:
    return settings.FORTRESS_RETENTION_YEARS


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, or the month's last day (31 August + 6 = 28/29 February)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def review_date(closed_on: datetime.date | None) -> datetime.date:
    """The review date of a case closed on `closed_on` (today when it has no date)."""
    return add_months(closed_on or timezone.localdate(), 12 * settings.FORTRESS_RETENTION_YEARS)


def review_on_after_edit(case: Case, *, before: tuple[str, datetime.date | None] | None) -> None:
    """Set the review date when a case is closed (or its closing date changes), clear it when
    it is reopened; a date a keep decision set stays while nothing of the closing changes."""
    if case.status != CaseStatus.CLOSED:
        case.review_on = None
    elif before is None or before != (case.status, case.closed_on) or case.review_on is None:
        case.review_on = review_date(case.closed_on)


def due_horizon(today: datetime.date | None = None) -> datetime.date:
    return add_months(today or timezone.localdate(), DUE_WITHIN_MONTHS)


def cases_due(user: User) -> QuerySet[Case]:
    """The user's agency's cases due for review within six months (or overdue)."""
    return (
        access.retention_cases(user)
        .filter(review_on__lte=due_horizon())
        .order_by("review_on", "pk")
    )


def inventory(case: Case) -> dict[str, int]:
    """What a deletion removes, counted: the confirmation page names it, the audit trail's
    tombstone keeps it."""
    return {
        "suspects": Suspect.objects.filter(case=case).count(),
        "victims": Victim.objects.filter(case=case).count(),
        "assets": Asset.objects.filter(case=case).count(),
        "notes": CaseNote.objects.filter(case=case).count(),
        "indicators": Indicator.objects.filter(case=case).count(),
        "imports": ImportJob.objects.filter(case=case).count(),
        "persons": Person.objects.filter(case=case).count(),
    }


def _check(case: Case, by: User) -> Case:
    if not access.can_review_retention(by, case):
        raise PolicyError(gettext("Only a supervisor of the case's agency decides its retention."))
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.erased_at is not None:
        raise ValidationError(_("This case's personal data was already deleted."))
    if case.status != CaseStatus.CLOSED:
        raise ValidationError(_("Only a closed case is reviewed for retention."))
    return case


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why.")})
    return reason


@transaction.atomic
def case_retention_keep(
    *, case: Case, by: User, reason: str, next_review_on: datetime.date | None = None
) -> RetentionDecision:
    """Keep the case until `next_review_on` (by default FORTRESS_RETENTION_YEARS from today),
    with the reason."""
    case = _check(case, by)
    reason = _reason(reason)
    next_review_on = next_review_on or review_date(timezone.localdate())
    if next_review_on <= timezone.localdate():
        raise ValidationError({"next_review_on": _("The next review is after today.")})
    decision = RetentionDecision.objects.create(
        case=case,
        decision=RetentionOutcome.KEEP,
        reason=reason,
        next_review_on=next_review_on,
        by=by,
    )
    Case.objects.filter(pk=case.pk).update(review_on=next_review_on)
    case_event_record(
        case=case,
        text=messages.text("retention.kept", date=next_review_on.isoformat(), reason=reason),
        by=by,
    )
    audit.record(
        EventKind.RETENTION_KEPT,
        by=by,
        obj=case,
        detail={"reference": case.reference, "next_review_on": next_review_on.isoformat()},
    )
    return decision


@transaction.atomic
def case_retention_delete(*, case: Case, by: User, reason: str) -> dict[str, int]:
    """Delete the case's personal data (see the module's docstring); returns the counts."""
    case = _check(case, by)
    reason = _reason(reason)
    counts = inventory(case)
    value_ids = set(Indicator.objects.filter(case=case).values_list("value_id", flat=True))
    with hitcount.tracking(value_ids, agency_id=case.agency_id):
        HitReview.objects.filter(case=case).delete()
        Indicator.objects.filter(case=case).delete()
    # The values it alone held now have no holder: recomputed at once, so they match nothing.
    queue_removal(value_ids)
    Person.objects.filter(case=case).delete()
    for model in (Suspect, Asset, CaseNote):
        model.objects.filter(case=case).delete()
        model.history.filter(case_id=case.pk).delete()
    ImportJob.objects.filter(case=case).delete()
    Victim.objects.filter(case=case).update(**ERASED_VICTIM, updated_at=timezone.now())
    Repatriation.objects.filter(victim__case=case).update(handover_reason="")
    Case.history.filter(id=case.pk).delete()
    case.title = str(_("Personal data deleted on retention review"))
    case.summary = ""
    case.countries = []  # type: ignore[assignment]  # django-countries' multiple field
    case.reported_loss_amount = None
    case.reported_loss_currency = ""
    case.sharing_level = SharingLevel.RESTRICTED
    case.review_on = None
    case.erased_at = timezone.now()
    case.version += 1
    case._history_user = by  # type: ignore[attr-defined]  # simple-history's attribution
    case.save()
    case.shared_with.clear()
    RetentionDecision.objects.create(
        case=case, decision=RetentionOutcome.DELETE, reason=reason, by=by
    )
    case_event_record(
        case=case,
        text=messages.text("retention.deleted", who=by.display_name),
        by=by,
    )
    audit.record(
        EventKind.RETENTION_DELETED,
        by=by,
        obj=case,
        detail={"reference": case.reference, **counts},
    )
    return counts
