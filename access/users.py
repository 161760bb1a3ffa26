"""User accounts: who manages them, and which staff members a role rule makes eligible (who
may lead a case, who may be responsible for a repatriation, who hears of a repatriation)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from access.core import PERMISSIONS, Action, AnyUser, agency_id_of, can, one_or_404
from agencies.models import Role, User


def agency_users_who_can(agency_id: int, action: Action) -> QuerySet[User]:
    """The active accounts of an agency whose role may do `action`: the queryset twin of
    `is_staff_who_can`."""
    return User.objects.filter(
        agency_id=agency_id, is_active=True, role__in=PERMISSIONS[Action(action)]
    )


def is_staff_who_can(candidate: User, agency_id: int, action: Action) -> bool:
    """The one "eligible staff member" rule: an active member of the agency whose role may do
    `action`."""
    return candidate.agency_id == agency_id and can(candidate, action)


# Who may lead a case: an investigator or supervisor of the case's agency.
def case_lead_candidates(agency_id: int) -> QuerySet[User]:
    return agency_users_who_can(agency_id, Action.EDIT_CASES)


def can_lead_case(candidate: User, agency_id: int) -> bool:
    return is_staff_who_can(candidate, agency_id, Action.EDIT_CASES)


# Who may be responsible for a repatriation: a liaison officer or supervisor of the agency.
def repatriation_officer_candidates(agency_id: int) -> QuerySet[User]:
    return agency_users_who_can(agency_id, Action.MOVE_REPATRIATION)


def can_be_repatriation_officer(candidate: User, agency_id: int) -> bool:
    return is_staff_who_can(candidate, agency_id, Action.MOVE_REPATRIATION)


def is_liaison_officer(user: AnyUser) -> bool:
    """Liaison officers own the repatriations they start or accept (a supervisor doing so
    leaves the responsibility where it was)."""
    return agency_id_of(user) is not None and getattr(user, "role", None) == Role.LIAISON


def liaison_officers(agency_id: int) -> QuerySet[User]:
    """The agency's active liaison officers: they hear of repatriations nobody is
    responsible for, and of hand-overs to their agency."""
    return User.objects.filter(agency_id=agency_id, role=Role.LIAISON, is_active=True)


def manageable_users(user: AnyUser) -> QuerySet[User]:
    """The accounts an agency admin manages: those of their own agency."""
    agency_id = agency_id_of(user)
    if agency_id is None or not can(user, Action.MANAGE_USERS):
        return User.objects.none()
    return User.objects.filter(agency_id=agency_id)


def get_managed_user_for(user: AnyUser, pk: Any) -> User:
    return one_or_404(manageable_users(user), "user", pk=pk)
