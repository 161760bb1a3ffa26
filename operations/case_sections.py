"""The joint operation section of the case page: the operation a case is linked to (for the
members of that operation), and for the case's own agency, linking it to one it takes part in."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

import access
from agencies.models import User
from cases.models import Case, OperationStatus
from cases.sections import register_section


def open_member_operations(user: User):
    return access.member_operations(user).exclude(status=OperationStatus.CONCLUDED)


@register_section(
    "operation", gettext_lazy("Joint operation"), "operations/_case_section.html", order=60
)
def operation_section(user: User, case: Case) -> dict | None:
    if case.operation_id is not None:
        operation = access.member_operations(user).filter(pk=case.operation_id).first()
        if operation is None:
            return None
        return {
            "operation": operation,
            "can_unlink": operation.status != OperationStatus.CONCLUDED
            and access.can_edit_case(user, case),
        }
    if not access.can_edit_case(user, case):
        return None
    operations = list(open_member_operations(user).order_by("name"))
    if not operations:
        return None
    return {"operation": None, "operations": operations}
