"""Cases and their case file (suspects, assets, notes): who sees and who edits them."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from access.core import Action, AnyUser, agency_id_of, can, one_or_404
from cases.models import (
    Asset,
    Case,
    CaseNote,
    CaseQuerySet,
    OperationParticipant,
    ParticipationStatus,
    SharingLevel,
    Suspect,
)
from indicators.models import Indicator

# The models of the case file: each has a `case` foreign key.
F = TypeVar("F", Suspect, Asset, CaseNote, Indicator)


def case_visibility_q(user: AnyUser, prefix: str = "") -> Q:
    """A Q over Case (or over a model with a `case` relation, given `prefix="case__"`)
    matching exactly the cases `user` may see."""
    agency_id = agency_id_of(user)
    if agency_id is None or not can(user, Action.VIEW_CASES):
        return Q(pk__in=[])
    shared_with_me = Exists(
        Case.shared_with.through.objects.filter(case_id=OuterRef("pk"), agency_id=agency_id)
    )
    in_my_operation = Exists(
        OperationParticipant.objects.filter(
            operation_id=OuterRef("operation_id"),
            agency_id=agency_id,
            status=ParticipationStatus.ACCEPTED,
        )
    )
    cases = Case.objects.filter(
        Q(agency_id=agency_id)
        | Q(sharing_level=SharingLevel.NETWORK)
        | Q(sharing_level=SharingLevel.SHARED) & shared_with_me
        | Q(sharing_level=SharingLevel.OPERATION)
        & (Q(operation__lead_agency_id=agency_id) | in_my_operation)
    ).values("pk")
    return Q(**{f"{prefix}pk__in" if prefix else "pk__in": cases})


def visible_cases(user: AnyUser) -> CaseQuerySet:
    return Case.objects.filter(case_visibility_q(user))


def get_case_for_user(user: AnyUser, pk: Any, *, write: bool = False) -> Case:
    """The case if `user` may see it (and edit it, with `write=True`); else 404."""
    case = one_or_404(visible_cases(user), "case", pk=pk)
    if write and not can_edit_case(user, case):
        raise Http404("No such case.")
    return case


def is_own_case(user: AnyUser, case: Case) -> bool:
    agency_id = agency_id_of(user)
    return agency_id is not None and case.agency_id == agency_id


def can_edit_case(user: AnyUser, case: Case) -> bool:
    """Cases are edited by the owning agency's investigators and supervisors; others read."""
    return is_own_case(user, case) and can(user, Action.EDIT_CASES)


def can_view_case_file(user: AnyUser, case: Case) -> bool:
    """Suspects, assets, notes and indicators of a visible case: not for liaison officers."""
    return can(user, Action.VIEW_CASE_FILE)


def can_set_sharing(user: AnyUser, case: Case) -> bool:
    return is_own_case(user, case) and can(user, Action.SET_SHARING)


# --- the case file: suspects, assets, notes (visible case AND can_view_case_file) ----------


def case_file(user: AnyUser, queryset: QuerySet[F]) -> QuerySet[F]:
    """`queryset` (of a model with a `case` relation) narrowed to the case files `user` may
    read: the visible cases, for the roles that read case files."""
    if not can(user, Action.VIEW_CASE_FILE):
        return queryset.none()
    return queryset.filter(case_visibility_q(user, prefix="case__"))


def visible_suspects(user: AnyUser) -> QuerySet[Suspect]:
    return case_file(user, Suspect.objects.all())


def visible_assets(user: AnyUser) -> QuerySet[Asset]:
    return case_file(user, Asset.objects.all())


def visible_notes(user: AnyUser) -> QuerySet[CaseNote]:
    return case_file(user, CaseNote.objects.all())


def get_file_object(queryset: QuerySet[F], user: AnyUser, pk: Any, write: bool) -> F:
    obj = one_or_404(queryset.select_related("case"), str(queryset.model._meta.verbose_name), pk=pk)
    if write and not can_edit_case(user, obj.case):
        raise Http404("Not found.")
    return obj


def get_suspect_for_user(user: AnyUser, pk: Any, *, write: bool = False) -> Suspect:
    """The suspect if `user` may see its case file (and edit the case, with `write=True`)."""
    return get_file_object(visible_suspects(user), user, pk, write)


def get_asset_for_user(user: AnyUser, pk: Any, *, write: bool = False) -> Asset:
    return get_file_object(visible_assets(user), user, pk, write)


def get_note_for_user(user: AnyUser, pk: Any, *, write: bool = False) -> CaseNote:
    return get_file_object(visible_notes(user), user, pk, write)


def retention_cases(user: AnyUser) -> QuerySet[Case]:
    """The closed cases of the user's agency that have a retention review date (a supervisor
    decides them); none for anyone else."""
    agency_id = agency_id_of(user)
    if agency_id is None or not can(user, Action.REVIEW_RETENTION):
        return Case.objects.none()
    return Case.objects.filter(agency_id=agency_id, review_on__isnull=False, erased_at=None)


def can_review_retention(user: AnyUser, case: Case) -> bool:
    return can(user, Action.REVIEW_RETENTION) and case.agency_id == agency_id_of(user)


def get_retention_case_for_user(user: AnyUser, pk: Any) -> Case:
    """One case of the user's agency, for its retention review page: 404 for anyone but a
    supervisor of that agency."""
    agency_id = agency_id_of(user)
    if agency_id is None or not can(user, Action.REVIEW_RETENTION):
        raise Http404("No such case.")
    return one_or_404(Case.objects.filter(agency_id=agency_id), "case", pk=pk)
