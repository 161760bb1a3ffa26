import access
from agencies.home import register_panel
from agencies.models import User


@register_panel("agencies/_panel_users.html")
def users(user: User) -> dict | None:
    if not access.can(user, access.Action.MANAGE_USERS):
        return None
    accounts = access.manageable_users(user)
    return {
        "active_count": accounts.filter(is_active=True).count(),
        "inactive_count": accounts.filter(is_active=False).count(),
    }
