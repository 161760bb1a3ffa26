"""Stop-payment requests: who sees a request, who files and who answers it.

A request is visible to the agency that sent it and the agency it is addressed to; the
agency owning the originating case sees every hop of its chains (the money trail). An agency
of a later hop sees the hops it sent or received and their amounts, never the originating
case: `can_see_origin` says who may be shown it. Everyone else: 404.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from access.cases import can_edit_case, is_own_case
from access.core import Action, AnyUser, agency_id_of, can, one_or_404
from cases.models import Case
from payments.models import StopPaymentRequest


def can_view_stop_payments(user: AnyUser) -> bool:
    return can(user, Action.VIEW_STOP_PAYMENTS)


def stop_payment_visibility_q(user: AnyUser) -> Q:
    agency_id = agency_id_of(user)
    if agency_id is None or not can_view_stop_payments(user):
        return Q(pk__in=[])
    return Q(from_agency_id=agency_id) | Q(to_agency_id=agency_id) | Q(case__agency_id=agency_id)


def visible_stop_payments(user: AnyUser) -> QuerySet[StopPaymentRequest]:
    return StopPaymentRequest.objects.filter(stop_payment_visibility_q(user))


def get_stop_payment_for_user(user: AnyUser, pk: Any) -> StopPaymentRequest:
    return one_or_404(
        visible_stop_payments(user).select_related(
            "case", "from_agency", "to_agency", "filed_by", "acknowledged_by", "answered_by"
        ),
        "stop-payment request",
        pk=pk,
    )


def can_see_origin(user: AnyUser, request: StopPaymentRequest) -> bool:
    """The originating case (and the hops before the user's): its own agency only."""
    return is_own_case(user, request.case) and can_view_stop_payments(user)


def can_file_stop_payment(user: AnyUser, case: Case) -> bool:
    """From a case of the agency, for its investigators and supervisors (who edit it)."""
    return can_edit_case(user, case) and can(user, Action.FILE_STOP_PAYMENT)


def can_answer_stop_payment(user: AnyUser, request: StopPaymentRequest) -> bool:
    agency_id = agency_id_of(user)
    return (
        agency_id is not None
        and request.to_agency_id == agency_id
        and can(user, Action.ANSWER_STOP_PAYMENT)
    )
