"""The writes on joint operations: each function is one thing a supervisor (or, for linking
cases, an investigator) does, atomic, with the actor passed in. Views and API call these."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import access
from agencies.models import Agency, User
from cases.models import (
    Case,
    JointOperation,
    OperationParticipant,
    OperationStatus,
    ParticipationStatus,
    SharingLevel,
)
from cases.services import case_event_record, case_set_sharing
from config import messages
from config.errors import PolicyError, allowed_fields, check_version
from operations.models import OperationRate

# What a supervisor of the lead agency may write on an operation.
OPERATION_FIELDS = (
    "name",
    "starts_on",
    "ends_on",
    "objectives",
    "target_countries",
    "reporting_currency",
)
# planned → active → concluded, forward only.
NEXT_STATUS: dict[str, frozenset[str]] = {
    OperationStatus.PLANNED: frozenset({OperationStatus.ACTIVE}),
    OperationStatus.ACTIVE: frozenset({OperationStatus.CONCLUDED}),
    OperationStatus.CONCLUDED: frozenset(),
}


def _check_runner(by: User, operation: JointOperation) -> None:
    if not access.can_run_operation(by, operation):
        raise PolicyError(_("Only a supervisor of the lead agency runs this operation."))


def _check_open(operation: JointOperation) -> None:
    if operation.status == OperationStatus.CONCLUDED:
        raise ValidationError(_("This operation is concluded: it no longer changes."))


def _clean(operation: JointOperation) -> None:
    operation.reporting_currency = (operation.reporting_currency or "").upper()
    operation.full_clean()
    if operation.starts_on and operation.ends_on and operation.ends_on < operation.starts_on:
        raise ValidationError({"ends_on": _("An operation cannot end before it starts.")})


@transaction.atomic
def operation_create(*, by: User, name: str, code: str, **fields: Any) -> JointOperation:
    """A new operation led by the actor's agency (a supervisor's)."""
    if not access.can(by, access.Action.RUN_OPERATIONS):
        raise PolicyError(_("Only supervisors create joint operations."))
    operation = JointOperation(
        name=(name or "").strip(),
        code=(code or "").strip().lower(),
        lead_agency_id=by.agency_id,
        status=OperationStatus.PLANNED,
        **allowed_fields(fields, OPERATION_FIELDS),
    )
    _clean(operation)
    operation.save()
    return operation


@transaction.atomic
def operation_update(
    *, operation: JointOperation, by: User, expected_version: int | None, **fields: Any
) -> JointOperation:
    """Edit the plan. Refused (ConflictError) when someone saved it since `expected_version`."""
    _check_runner(by, operation)
    allowed_fields(fields, OPERATION_FIELDS)
    operation = JointOperation.objects.select_for_update(no_key=True).get(pk=operation.pk)
    check_version(operation, expected_version, OPERATION_FIELDS, incoming=fields)
    _check_open(operation)
    for name, value in fields.items():
        setattr(operation, name, value)
    _clean(operation)
    operation.version += 1
    operation.save()
    return operation


@transaction.atomic
def operation_set_status(*, operation: JointOperation, by: User, status: str) -> JointOperation:
    """Move planned → active → concluded; never back."""
    _check_runner(by, operation)
    operation = JointOperation.objects.select_for_update(no_key=True).get(pk=operation.pk)
    if status not in NEXT_STATUS.get(operation.status, ()):
        raise ValidationError(
            {
                "status": f"An operation moves from {operation.get_status_display()} only to "
                + (
                    " or ".join(
                        str(OperationStatus(s).label) for s in NEXT_STATUS[operation.status]
                    )
                    or "nothing: it is concluded"
                )
                + "."
            }
        )
    operation.status = status
    if status == OperationStatus.ACTIVE and operation.starts_on is None:
        # Today, unless the operation was planned to end before today: then its end date, so
        # the period stays in order.
        operation.starts_on = min(timezone.localdate(), operation.ends_on or timezone.localdate())
    if status == OperationStatus.CONCLUDED and operation.ends_on is None:
        operation.ends_on = max(timezone.localdate(), operation.starts_on or timezone.localdate())
    operation.version += 1
    operation.save(update_fields=["status", "starts_on", "ends_on", "version"])
    return operation


@transaction.atomic
def operation_invite(
    *, operation: JointOperation, by: User, agencies: Iterable[Agency]
) -> list[OperationParticipant]:
    """Invite agencies; an agency that declined may be invited again. The lead agency and
    agencies already invited or taking part are left as they are."""
    _check_runner(by, operation)
    _check_open(operation)
    agencies = [a for a in agencies if a.pk != operation.lead_agency_id]
    if not agencies:
        raise ValidationError({"agencies": _("Choose at least one agency other than the lead.")})
    invited = []
    for agency in agencies:
        participation, created = OperationParticipant.objects.select_for_update(
            no_key=True
        ).get_or_create(operation=operation, agency=agency)
        if not created and participation.status == ParticipationStatus.DECLINED:
            participation.status = ParticipationStatus.INVITED
            participation.decided_at = None
            participation.save(update_fields=["status", "decided_at"])
        invited.append(participation)
    return invited


@transaction.atomic
def invitation_respond(
    *, participation: OperationParticipant, by: User, accept: bool
) -> OperationParticipant:
    """A supervisor of the invited agency accepts (its case readers then see the operation's
    cases shared at the `operation` level) or declines."""
    participation = OperationParticipant.objects.select_for_update(no_key=True).get(
        pk=participation.pk
    )
    if not access.can_respond_to_invitation(by, participation):
        if access.is_invited_supervisor(by, participation):
            raise ValidationError(_("This invitation has already been answered."))
        raise PolicyError(_("Only a supervisor of the invited agency answers the invitation."))
    if participation.operation.status == OperationStatus.CONCLUDED:
        raise ValidationError(_("This operation is concluded: it takes no new participants."))
    participation.status = ParticipationStatus.ACCEPTED if accept else ParticipationStatus.DECLINED
    participation.decided_at = timezone.now()
    participation.save(update_fields=["status", "decided_at"])
    return participation


@transaction.atomic
def operation_link_case(
    *, operation: JointOperation, case: Case, by: User, share: bool = False
) -> Case:
    """A member agency links one of its OWN cases. With `share`, the case's sharing level is
    set to `operation` (through cases.services.case_set_sharing), opening it to the members;
    otherwise its sharing stays as it was and the case only adds to the figures."""
    if not access.can_link_case(by, operation, case):
        raise PolicyError(_("Only a member agency links its own cases to the operation."))
    _check_open(operation)
    case = Case.objects.select_for_update(no_key=True).get(pk=case.pk)
    if case.operation_id not in (None, operation.pk):
        raise ValidationError({"case": _("This case is linked to another operation.")})
    if case.operation_id != operation.pk:
        case.operation = operation
        case.version += 1
        case._history_user = by
        case.save(update_fields=["operation", "version", "updated_at"])
        case_event_record(
            case=case, text=messages.text("operation.linked", operation=operation), by=by
        )
    if share and case.sharing_level != SharingLevel.OPERATION:
        case = case_set_sharing(
            case=case,
            level=SharingLevel.OPERATION,
            agencies=list(case.shared_with.all()),
            by=by,
            expected_version=case.version,  # locked above: nobody saved it meanwhile
        )
    return case


@transaction.atomic
def operation_unlink_case(*, operation: JointOperation, case: Case, by: User) -> Case:
    """Take an own case out of the operation; an `operation`-level case falls back to
    `restricted`, since it no longer has an operation to be shared with."""
    if not access.can_link_case(by, operation, case):
        raise PolicyError(_("Only the case's agency takes its case out of the operation."))
    _check_open(operation)
    case = Case.objects.select_for_update(no_key=True).get(pk=case.pk)
    if case.operation_id != operation.pk:
        raise ValidationError({"case": _("This case is not linked to the operation.")})
    if case.sharing_level == SharingLevel.OPERATION:
        case = case_set_sharing(
            case=case,
            level=SharingLevel.RESTRICTED,
            agencies=list(case.shared_with.all()),
            by=by,
            expected_version=case.version,  # locked above: nobody saved it meanwhile
        )
    case = Case.objects.select_for_update(no_key=True).get(pk=case.pk)
    case.operation = None
    case.version += 1
    case._history_user = by
    case.save(update_fields=["operation", "version", "updated_at"])
    case_event_record(
        case=case, text=messages.text("operation.unlinked", operation=operation), by=by
    )
    return case


@transaction.atomic
def operation_rate_set(
    *, operation: JointOperation, by: User, currency: str, rate: Any
) -> OperationRate:
    """Record what one unit of `currency` is worth in the reporting currency (estimates)."""
    _check_runner(by, operation)
    try:
        rate = Decimal(str(rate))
    except (InvalidOperation, ValueError):
        raise ValidationError({"rate": _("Give the rate as a number, e.g. 0.000041.")}) from None
    if not rate.is_finite() or rate <= 0:
        raise ValidationError({"rate": _("A rate is a positive number.")})
    currency = (currency or "").strip().upper()
    row = OperationRate.objects.filter(operation=operation, currency=currency).first()
    row = row or OperationRate(operation=operation, currency=currency)
    row.rate = rate
    row.full_clean(validate_unique=False)
    row.save()
    return row
