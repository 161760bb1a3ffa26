"""Reads for exports and import jobs, every one scoped by the access policy (the access package):
an export holds what the user may see of a case, never a victim; an import job is seen by the
users who may add indicators to its case."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

import access
from agencies.models import User
from cases.models import Case, JointOperation, Suspect
from indicators.models import Indicator
from interchange.models import ImportJob


def get_exportable_case(user: User, pk: Any) -> Case:
    """The case if the user may read its file (indicators); else 404."""
    case = access.get_case_for_user(user, pk)
    if not access.can_view_case_file(user, case):
        raise Http404("No such case.")
    return case


def get_importable_case(user: User, pk: Any) -> Case:
    """A case the user sees; whether they may import into it is the service's question."""
    return access.get_case_for_user(user, pk)


def operation_export_cases(user: User, operation: JointOperation) -> QuerySet[Case]:
    """The operation's linked cases the user may open and read the file of."""
    if not access.can(user, access.Action.VIEW_CASE_FILE):
        return Case.objects.none()
    return (
        access.visible_cases(user)
        .filter(operation_id=operation.pk)
        .select_related("agency")
        .order_by("reference")
    )


def export_indicators(user: User, cases: list[Case]) -> QuerySet[Indicator]:
    return (
        access.visible_indicators(user)
        .filter(case_id__in=[c.pk for c in cases])
        .select_related("value", "case")
        .order_by("case_id", "kind", "id")
    )


def export_suspects(user: User, cases: list[Case]) -> QuerySet[Suspect]:
    return access.visible_suspects(user).filter(case_id__in=[c.pk for c in cases])


def visible_import_jobs(user: User) -> QuerySet[ImportJob]:
    """Import jobs of the cases the user may add indicators to (own agency, reviewing roles)."""
    agency_id = access.agency_id_of(user)
    if agency_id is None or not access.can(user, access.Action.MANAGE_INDICATORS):
        return ImportJob.objects.none()
    return ImportJob.objects.filter(
        case__in=access.visible_cases(user), case__agency_id=agency_id
    ).select_related("case")


def get_import_job_for_user(user: User, pk: Any) -> ImportJob:
    try:
        return visible_import_jobs(user).get(pk=pk)
    except (ImportJob.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("No such import.") from None
