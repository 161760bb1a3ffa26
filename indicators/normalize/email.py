"""E-mail addresses: lower case, the domain in IDNA form."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from indicators.normalize.domain import registrable_domain, to_ascii

_LOCAL = re.compile(r"^[a-z0-9!#$%&'*+/=?^_`{|}~.-]+$")


def normalize_email(text: str) -> str:
    text = text.strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    if text.count("@") != 1:
        raise ValidationError(
            _("%(text)s is not an e-mail address: it needs exactly one @.") % {"text": repr(text)}
        )
    local, host = text.split("@")
    local = local.lower()
    if not local or len(local) > 64 or not _LOCAL.match(local):
        raise ValidationError(
            _("%(text)s is not an e-mail address: bad part before the @.") % {"text": repr(text)}
        )
    if local.startswith(".") or local.endswith(".") or ".." in local:
        raise ValidationError(
            _("%(text)s is not an e-mail address: misplaced dots before the @.")
            % {"text": repr(text)}
        )
    host = to_ascii(host)
    if not registrable_domain(host):
        raise ValidationError(
            _("%(text)s is not an e-mail address: its domain has no suffix.") % {"text": repr(text)}
        )
    return f"{local}@{host}"
