"""The case page's own sections: suspects, assets and the timeline (registered like the
sections other parts of the system add)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

import access
from agencies.models import User
from cases.models import Case
from cases.sections import register_section, suspect_flags
from cases.selectors import case_timeline


@register_section("suspects", gettext_lazy("Suspects"), "cases/_section_suspects.html", order=10)
def suspects_section(user: User, case: Case) -> dict | None:
    if not access.can_view_case_file(user, case):
        return None
    suspects = list(access.visible_suspects(user).filter(case=case))
    flags = suspect_flags(user, case, suspects)
    return {
        "rows": [(s, flags.get(s.pk, [])) for s in suspects],
        "can_edit": access.can_edit_case(user, case),
        # A supervisor publishes a suspect's identity to the network (registry: wanted).
        "can_publish_wanted": access.can_publish_wanted_from(user, case),
    }


@register_section("assets", gettext_lazy("Assets"), "cases/_section_assets.html", order=50)
def assets_section(user: User, case: Case) -> dict | None:
    if not access.can_view_case_file(user, case):
        return None
    return {
        "assets": list(access.visible_assets(user).filter(case=case)),
        "can_edit": access.can_edit_case(user, case),
    }


@register_section("timeline", gettext_lazy("Timeline"), "cases/_section_timeline.html", order=90)
def timeline_section(user: User, case: Case) -> dict | None:
    return {
        "entries": case_timeline(user, case),
        "can_edit": access.can_edit_case(user, case),
    }
