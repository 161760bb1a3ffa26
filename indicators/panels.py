import access
from agencies.home import register_panel
from agencies.models import User
from indicators import selectors
from indicators.models import HitStatus


@register_panel("indicators/_panel_hits.html")
def new_hits(user: User) -> dict | None:
    if not access.can(user, access.Action.MANAGE_INDICATORS):
        return None
    hits = list(
        access.visible_hits(user).filter(status=HitStatus.NEW).select_related("case", "value")[:5]
    )
    return {
        "rows": selectors.hit_rows(user, hits),
        "count": selectors.new_hit_count(user),
        "pending_requests": access.decidable_access_requests(user).pending().count()
        if access.can(user, access.Action.DECIDE_ACCESS_REQUESTS)
        else None,
    }
