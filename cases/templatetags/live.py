"""`{% live_section case key pending %}`: the attributes of a live section of the case page.

The section is fetched again when a save on the page says so (`fortress:case-changed`), and
every 2 s while its work is pending; a response with nothing pending stops the polling.
"""

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def live_section(case, key: str, pending: bool) -> SafeString:
    trigger = "fortress:case-changed from:body" + (", every 2s" if pending else "")
    return format_html(
        'hx-get="{}" hx-trigger="{}" hx-swap="outerHTML"{}',
        reverse("cases:section", args=[case.pk, key]),
        trigger,
        mark_safe(' aria-busy="true"') if pending else "",
    )
