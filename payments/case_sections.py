"""The money trail on the case page: the chains of stop-payment requests started from the
case, and, for those who file, the buttons to file one from an asset, an account indicator
or a hit on one. For the case's own agency only."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

import access
from agencies.models import User
from cases.models import AssetKind, Case
from cases.sections import register_section
from indicators.selectors import hits_of_case
from payments import selectors
from payments.models import AccountKind

ACCOUNT_KINDS = tuple(AccountKind.values)
ASSET_KINDS = (AssetKind.BANK_ACCOUNT, AssetKind.CRYPTO)


@register_section(
    "stop_payments", _("Money trail: stop-payment requests"), "payments/_case_section.html", 40
)
def stop_payments_section(user: User, case: Case) -> dict | None:
    if not access.is_own_case(user, case) or not access.can_view_stop_payments(user):
        return None
    can_file = access.can_file_stop_payment(user, case)
    context: dict = {
        "chains": selectors.chains(selectors.trail_of_case(user, case)),
        "can_file": can_file,
    }
    if can_file:
        context["assets"] = list(
            access.visible_assets(user).filter(case=case, kind__in=ASSET_KINDS)
        )
        context["indicators"] = list(
            access.visible_indicators(user)
            .filter(case=case, kind__in=ACCOUNT_KINDS)
            .select_related("value")
        )
        context["hits"] = [h for h in hits_of_case(user, case) if h.value.kind in ACCOUNT_KINDS]
    return context
