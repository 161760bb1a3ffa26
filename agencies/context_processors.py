from django.http import HttpRequest

import access
from agencies.navigation import nav_items
from agencies.selectors import unread_notification_count


def navigation(request: HttpRequest) -> dict:
    # No user on a request refused before the authentication middleware (a Host header not
    # in ALLOWED_HOSTS answers the 400 page, drawn with this processor).
    user = getattr(request, "user", None)
    if user is None or access.agency_id_of(user) is None:
        return {"nav_items": [], "nav_more": []}
    items = nav_items(user)
    return {
        "nav_items": [i for i in items if not i.more],
        "nav_more": [i for i in items if i.more],
        "unread_notifications": unread_notification_count(user),
    }
