"""Bank accounts: an IBAN validated with `schwifty` (checksum, country format) in compact
form; another account number with its separators removed, upper case."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

_LOOKS_LIKE_IBAN = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{8,}$")
_ACCOUNT = re.compile(r"^[A-Z0-9]{5,34}$")


def normalize_bank_account(text: str) -> str:
    compact = re.sub(r"[\s.\-/]", "", text).upper()
    if compact.startswith("IBAN"):
        compact = compact[4:]
    if _LOOKS_LIKE_IBAN.match(compact):
        try:
            return IBAN(compact).compact
        except SchwiftyException as exc:
            raise ValidationError(
                _("%(text)s is not a valid IBAN: %(exc)s") % {"text": repr(text), "exc": exc}
            ) from None
    if not _ACCOUNT.match(compact):
        raise ValidationError(
            _("%(text)s is not an account number: use 5 to 34 letters and digits (or an IBAN).")
            % {"text": repr(text)}
        )
    return compact
