"""The export and import buttons of the case and operation pages, asked of the access policy."""

from __future__ import annotations

from django import template

import access
from interchange import selectors

register = template.Library()


@register.inclusion_tag("interchange/_case_buttons.html", takes_context=True)
def case_interchange_buttons(context: template.Context, case) -> dict:
    user = context["request"].user
    return {
        "case": case,
        "can_export": access.can_view_case_file(user, case),
        "can_import": access.can_manage_indicators(user, case),
    }


@register.inclusion_tag("interchange/_operation_buttons.html", takes_context=True)
def operation_interchange_buttons(context: template.Context, operation) -> dict:
    user = context["request"].user
    return {
        "operation": operation,
        "can_export": selectors.operation_export_cases(user, operation).exists(),
    }
