"""Phone numbers to E.164 with `phonenumbers`; a number in local form is read in the default
region (the case's agency country)."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

_REASONS = {
    phonenumbers.ValidationResult.INVALID_COUNTRY_CODE: gettext_lazy(
        "its country code does not exist"
    ),
    phonenumbers.ValidationResult.TOO_SHORT: gettext_lazy("it is too short"),
    phonenumbers.ValidationResult.TOO_LONG: gettext_lazy("it is too long"),
    phonenumbers.ValidationResult.INVALID_LENGTH: gettext_lazy("it has the wrong number of digits"),
}


# A pure function of the text and the region; `phonenumbers` costs ~100 µs a number.
@lru_cache(maxsize=65536)
def normalize_phone(text: str, region: str | None) -> str:
    region = (region or "").upper() or None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        if exc.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE:
            raise ValidationError(
                _(
                    "%(text)s is not a phone number: write it in international form (+84 ...)"
                    " or add it to a case of an agency with a country."
                )
                % {"text": repr(text)}
            ) from None
        raise ValidationError(_("%(text)s is not a phone number.") % {"text": repr(text)}) from None
    if not phonenumbers.is_valid_number(number):
        reason = _REASONS.get(
            phonenumbers.is_possible_number_with_reason(number),
            gettext_lazy("no such number exists in its numbering plan"),
        )
        country = phonenumbers.region_code_for_number(number) or f"+{number.country_code}"
        raise ValidationError(
            _("%(text)s is not a valid phone number for %(country)s: %(reason)s.")
            % {"text": repr(text), "country": country, "reason": str(reason)}
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
