"""Identity documents: the issuing country (ISO code) and the number, written `VN:C1234567`."""

from __future__ import annotations

import re

import pycountry
from django.core.exceptions import ValidationError

_SPLIT = re.compile(r"^\s*([A-Za-z]{2,3})\s*[:\s/-]\s*(.+)$")
_NUMBER = re.compile(r"^[A-Z0-9]{4,20}$")


def normalize_document(text: str) -> str:
    match = _SPLIT.match(text)
    if not match:
        raise ValidationError(f"{text!r}: start with the issuing country's code, e.g. VN:C1234567.")
    code, number = match.groups()
    country = pycountry.countries.get(alpha_2=code.upper()) or pycountry.countries.get(
        alpha_3=code.upper()
    )
    if country is None:
        raise ValidationError(f"{code!r} is not an ISO country code.")
    number = re.sub(r"[\s.\-/]", "", number).upper()
    if not _NUMBER.match(number):
        raise ValidationError(f"{text!r}: a document number is 4 to 20 letters and digits.")
    return f"{country.alpha_2}:{number}"
