"""Joint operations: who sees them, who reviews their figures, who runs them.

Members of an operation are its lead agency and the agencies that ACCEPTED their invitation.
Members' case readers see the operation and ALL its figures: counts over every linked case,
whatever its sharing level (a `restricted` case adds to the counts but opens for nobody else).
The lists behind the figures hold only what the viewer may see anyway (visible cases, case
files, victim identities, own hits); the rest is a number. The lead and the participants see
the same figures; the lead's supervisors also run the operation (edit, invite, status, rates).
An invited agency sees the invitation (name, lead, period, objectives, participants) and its
supervisors accept or decline; a declined or never-invited agency gets 404.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from access.cases import can_edit_case
from access.core import Action, AnyUser, agency_id_of, can, one_or_404
from cases.models import (
    Case,
    CaseQuerySet,
    JointOperation,
    OperationParticipant,
    ParticipationStatus,
)


def _operation_member_q(agency_id: int) -> Q:
    return Q(lead_agency_id=agency_id) | Q(
        pk__in=OperationParticipant.objects.filter(
            agency_id=agency_id, status=ParticipationStatus.ACCEPTED
        ).values("operation_id")
    )


def visible_operations(user: AnyUser) -> QuerySet[JointOperation]:
    """Operations the user's agency leads, takes part in, or is invited to (not declined)."""
    agency_id = agency_id_of(user)
    if agency_id is None or not can(user, Action.VIEW_CASES):
        return JointOperation.objects.none()
    invited = OperationParticipant.objects.filter(
        agency_id=agency_id, status=ParticipationStatus.INVITED
    ).values("operation_id")
    return JointOperation.objects.filter(_operation_member_q(agency_id) | Q(pk__in=invited))


def get_operation_for_user(user: AnyUser, pk: Any) -> JointOperation:
    return one_or_404(visible_operations(user), "operation", pk=pk)


def member_operations(user: AnyUser) -> QuerySet[JointOperation]:
    """Operations whose figures and linked data the user may review: led or joined."""
    agency_id = agency_id_of(user)
    if agency_id is None or not can(user, Action.VIEW_CASES):
        return JointOperation.objects.none()
    return JointOperation.objects.filter(_operation_member_q(agency_id))


def get_member_operation_for_user(user: AnyUser, pk: Any) -> JointOperation:
    """The operation if the user's agency leads or joined it (figures, report); else 404."""
    return one_or_404(member_operations(user).select_related("lead_agency"), "operation", pk=pk)


def is_operation_member(user: AnyUser, operation: JointOperation) -> bool:
    return member_operations(user).filter(pk=operation.pk).exists()


def operation_counted_cases(user: AnyUser, operation: JointOperation) -> CaseQuerySet:
    """Every case linked to the operation, for COUNTS only (members); never listed as such:
    the lists behind the figures use visible_cases and its twins."""
    if not is_operation_member(user, operation):
        return Case.objects.none()
    return Case.objects.filter(operation_id=operation.pk)


def can_run_operation(user: AnyUser, operation: JointOperation) -> bool:
    """The lead agency's supervisors edit the operation, invite, move its status, set rates."""
    agency_id = agency_id_of(user)
    return (
        agency_id is not None
        and operation.lead_agency_id == agency_id
        and can(user, Action.RUN_OPERATIONS)
    )


def operation_invitations(user: AnyUser) -> QuerySet[OperationParticipant]:
    """Pending invitations of the user's agency, for its supervisors to accept or decline."""
    agency_id = agency_id_of(user)
    if agency_id is None or not can(user, Action.RUN_OPERATIONS):
        return OperationParticipant.objects.none()
    return OperationParticipant.objects.filter(
        agency_id=agency_id, status=ParticipationStatus.INVITED
    )


def get_invitation_for_user(user: AnyUser, operation_pk: Any) -> OperationParticipant:
    return one_or_404(
        operation_invitations(user).select_related("operation", "operation__lead_agency"),
        "invitation",
        operation_id=operation_pk,
    )


def is_invited_supervisor(user: AnyUser, participation: OperationParticipant) -> bool:
    """A supervisor of the invited agency, whether or not the invitation still waits (to tell
    "already answered" from "not yours")."""
    return can(user, Action.RUN_OPERATIONS) and participation.agency_id == agency_id_of(user)


def can_respond_to_invitation(user: AnyUser, participation: OperationParticipant) -> bool:
    return (
        is_invited_supervisor(user, participation)
        and participation.status == ParticipationStatus.INVITED
    )


def can_link_case(user: AnyUser, operation: JointOperation, case: Case) -> bool:
    """A member agency links its OWN cases (those its investigators and supervisors edit)."""
    return can_edit_case(user, case) and is_operation_member(user, operation)


def can_link_cases(user: AnyUser, operation: JointOperation) -> bool:
    """May the user link any of its agency's cases to the operation (the question behind the
    list of linkable cases; `can_link_case` asks it of one case)."""
    return (
        agency_id_of(user) is not None
        and can(user, Action.EDIT_CASES)
        and is_operation_member(user, operation)
    )
