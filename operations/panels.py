import access
from agencies.home import register_panel
from agencies.models import User
from cases.models import OperationStatus
from operations.selectors import approvals_for


@register_panel("operations/_panel_supervisor.html")
def supervisor_panel(user: User) -> dict | None:
    """The supervisor's first screen: operations under way and what waits for a decision."""
    if not access.can(user, access.Action.RUN_OPERATIONS):
        return None
    queue = approvals_for(user)
    operations = (
        access.member_operations(user)
        .exclude(status=OperationStatus.CONCLUDED)
        .select_related("lead_agency")
        .order_by("-created_at")
    )
    return {
        "operations": list(operations[:8]),
        "access_requests": queue.access_requests.count(),
        "invitations": queue.invitations.count(),
        "publications": queue.publications.count(),
    }
