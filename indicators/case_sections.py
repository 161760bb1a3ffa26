"""The indicators and hits sections of the case page."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

import access
from agencies.models import User
from cases.models import Case
from cases.sections import register_section
from indicators import selectors


@register_section(
    "indicators", gettext_lazy("Indicators"), "indicators/_section_indicators.html", order=30
)
def indicators_section(user: User, case: Case) -> dict | None:
    if not access.can_view_case_file(user, case):
        return None
    return {
        "indicators": list(
            access.visible_indicators(user).filter(case=case).select_related("value", "pending")
        ),
        "can_edit": access.can_manage_indicators(user, case),
        "publishable_kinds": access.publishable_kinds(user, case),
    }


@register_section(
    "hits", gettext_lazy("Cross-reference hits"), "indicators/_section_hits.html", order=35
)
def hits_section(user: User, case: Case) -> dict | None:
    if not access.can_review_hits(user, case):
        return None
    return {
        "rows": selectors.hit_rows(user, selectors.hits_of_case(user, case)),
        "pending": selectors.case_xref_pending(case),
    }
