"""The home page per role: each part of the system contributes the panels its users need
first (docs/ARCHITECTURE.md, the roles)."""

from collections.abc import Callable

import access
from agencies.models import User

# Each entry: (template of the panel, function user -> context, or None to skip the panel).
PanelProvider = Callable[[User], dict | None]
PANELS: list[tuple[str, PanelProvider]] = []


def register_panel(template: str) -> Callable[[PanelProvider], PanelProvider]:
    def decorator(provider: PanelProvider) -> PanelProvider:
        PANELS.append((template, provider))
        return provider

    return decorator


def home_context(user: User) -> dict:
    panels = []
    for template, provider in PANELS:
        context = provider(user)
        if context is not None:
            panels.append({"template": template, "context": context})
    return {
        "agency": user.agency,
        "panels": panels,
        "can_manage_users": access.can(user, access.Action.MANAGE_USERS),
    }
