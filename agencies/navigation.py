"""What each role works on: the navigation bar, derived from the access policy."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

import access
from access import Action


@dataclass(frozen=True)
class NavItem:
    label: str  # or a lazy translation
    url_name: str
    action: str | None  # None: every agency member
    more: bool = False  # less used: under the "More" menu, so the bar stays on one line

    @property
    def url(self) -> str:
        return reverse(self.url_name)


# Each part of the system adds its pages here, guarded by the action that opens them.
NAV: list[NavItem] = [
    NavItem(_("Home"), "home", None),
    NavItem(_("Cases"), "cases:list", Action.VIEW_CASES),
    NavItem(_("Hits"), "indicators:hits", Action.MANAGE_INDICATORS),
    NavItem(_("Person matches"), "persons:matches", Action.MANAGE_INDICATORS, more=True),
    NavItem(_("Repatriation"), "victims:dashboard", Action.READ_VICTIM_IDENTITY),
    NavItem(_("Victim access log"), "victims:access_log", Action.VIEW_VICTIM_ACCESS_LOG, more=True),
    NavItem(_("Operations"), "operations:list", Action.VIEW_CASES),
    NavItem(_("Registry"), "registry:search", Action.READ_REGISTRY),
    NavItem(_("Wanted"), "registry:wanted", Action.READ_REGISTRY, more=True),
    NavItem(_("Stop payments"), "payments:queue", Action.VIEW_STOP_PAYMENTS),
    NavItem(_("Approvals"), "operations:approvals", Action.DECIDE_ACCESS_REQUESTS),
    NavItem(_("Users"), "agencies:user_list", Action.MANAGE_USERS),
    NavItem(_("Feed tokens"), "feedtokens:list", Action.MANAGE_FEED_TOKENS),
    NavItem(_("Retention review"), "cases:retention", Action.REVIEW_RETENTION, more=True),
    NavItem(_("Audit trail"), "audit:events", Action.READ_AUDIT, more=True),
    # The signed-in user's own second factor, recovery codes and sessions.
    NavItem(_("Security"), "account_security", None, more=True),
]


def nav_items(user) -> list[NavItem]:
    return [item for item in NAV if item.action is None or access.can(user, item.action)]
