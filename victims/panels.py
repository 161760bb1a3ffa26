"""What victims contribute to other pages: the victims section of the case page and the home
panels (repatriation for liaison officers, notifications for everyone)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

import access
from agencies.home import register_panel
from agencies.models import Notification, User
from cases.models import Case
from cases.sections import register_section
from victims import selectors

CASE_SECTION_LIMIT = 100


@register_section("victims", gettext_lazy("Victims"), "victims/_case_section.html", order=60)
def case_victims_section(user: User, case: Case) -> dict | None:
    """Names for those who may read victims' identities (each read logged); a count for the
    others who see the case (analysts, agencies the case is shared with)."""
    if not access.can(user, access.Action.VIEW_CASES):
        return None
    count = access.victim_count(user, case)
    context = {
        "count": count,
        "victims": None,
        "more": False,
        "can_record": access.can_record_victims(user, case),
    }
    identities = selectors.case_victims(user, case)
    if access.can(user, access.Action.READ_VICTIM_IDENTITY) and (
        context["can_record"] or identities.exists()
    ):
        rows = selectors.victims_for_read(
            user, identities[:CASE_SECTION_LIMIT], where="cases:detail (victims section)"
        )
        context.update(victims=rows, more=count > len(rows))
    return context


@register_panel("victims/_panel_liaison.html")
def repatriation_panel(user: User) -> dict | None:
    if not access.can(user, access.Action.MOVE_REPATRIATION):
        return None
    repatriations = access.visible_repatriations(user)
    return {
        "open": repatriations.open().count(),
        "overdue": repatriations.overdue().count(),
        "awaiting": selectors.awaiting_my_agency(user).count(),
    }


@register_panel("victims/_panel_notifications.html")
def notifications_panel(user: User) -> dict | None:
    unread = Notification.objects.filter(user=user).unread()
    count = unread.count()
    if not count:
        return None
    return {"notifications": list(unread[:5]), "unread": count}
