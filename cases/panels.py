import access
from agencies.home import register_panel
from agencies.models import User
from cases.models import CaseStatus


@register_panel("cases/_panel_my_cases.html")
def my_cases(user: User) -> dict | None:
    if not access.can(user, access.Action.VIEW_CASES):
        return None
    cases = (
        access.visible_cases(user)
        .filter(agency_id=user.agency_id)
        .exclude(status=CaseStatus.CLOSED)
        .select_related("agency")
    )
    if access.can(user, access.Action.EDIT_CASES):
        cases = cases.filter(lead_investigator=user) | cases.filter(lead_investigator=None)
    return {"cases": list(cases[:10]), "can_create": access.can(user, access.Action.EDIT_CASES)}
