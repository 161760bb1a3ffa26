"""Money is a Decimal amount with an ISO 4217 currency code, never a float."""

from functools import cache

import pycountry
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


@cache
def currency_codes() -> frozenset[str]:
    return frozenset(c.alpha_3 for c in pycountry.currencies)


def currency_choices() -> list[tuple[str, str]]:
    return sorted((c.alpha_3, f"{c.alpha_3} — {c.name}") for c in pycountry.currencies)


def validate_currency(value: str) -> None:
    if value and value.upper() not in currency_codes():
        raise ValidationError(
            _("%(value)s is not an ISO 4217 currency code (e.g. USD, VND, THB)."),
            params={"value": value},
            code="unknown_currency",
        )
