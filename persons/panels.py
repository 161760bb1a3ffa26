import access
from agencies.home import register_panel
from agencies.models import User
from persons import selectors


@register_panel("persons/_panel_non_punishment.html")
def non_punishment(user: User) -> dict | None:
    """The agency's suspects who may be trafficked workers recorded as victims elsewhere."""
    if not access.can(user, access.Action.MANAGE_INDICATORS):
        return None
    rows = selectors.non_punishment_flags(user)
    return {"rows": rows} if rows else None
