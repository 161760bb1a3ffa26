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
    NavItem("Home", "home", None),
    NavItem("Cases", "cases:list", Action.VIEW_CASES),
    NavItem("Hits", "indicators:hits", Action.MANAGE_INDICATORS),
    NavItem("Person matches", "persons:matches", Action.MANAGE_INDICATORS, more=True),
    NavItem("Repatriation", "victims:dashboard", Action.READ_VICTIM_IDENTITY),
    NavItem("Victim access log", "victims:access_log", Action.VIEW_VICTIM_ACCESS_LOG, more=True),
    NavItem("Operations", "operations:list", Action.VIEW_CASES),
    NavItem(_("Registry"), "registry:search", Action.READ_REGISTRY),
    NavItem(_("Wanted"), "registry:wanted", Action.READ_REGISTRY, more=True),
    NavItem("Approvals", "operations:approvals", Action.DECIDE_ACCESS_REQUESTS),
    NavItem("Users", "agencies:user_list", Action.MANAGE_USERS),
]


def nav_items(user) -> list[NavItem]:
    return [item for item in NAV if item.action is None or access.can(user, item.action)]
