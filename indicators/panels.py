import access
from agencies.home import register_panel
from agencies.models import User
from indicators import selectors
from indicators.models import HitStatus


@register_panel("indicators/_panel_hits.html")
def new_hits(user: User) -> dict | None:
    if not access.can(user, access.Action.MANAGE_INDICATORS):
        return None
    # Sorted, not read by the two walks of `newest_first`: under the status filter the walks'
    # tie windows take a number of queries that depends on the data (the page's query count
    # must not), and the planner misjudges the filter there (277 ms, no better than the sort).
    new = access.visible_hits(user).filter(status=HitStatus.NEW).order_by("-created_at", "-id")
    hits = list(new.select_related("case", "value")[:5])
    return {
        "rows": selectors.hit_rows(user, hits),
        "count": selectors.new_hit_count(user),
        "pending_requests": access.decidable_access_requests(user).pending().count()
        if access.can(user, access.Action.DECIDE_ACCESS_REQUESTS)
        else None,
    }
