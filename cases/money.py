"""Money is a Decimal amount with an ISO 4217 currency code, never a float."""

from decimal import Decimal, InvalidOperation
from functools import cache

import pycountry
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


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


def money_errors(
    amount: Decimal | None,
    currency: str,
    *,
    amount_field: str = "amount",
    currency_field: str = "currency",
    required: bool = False,
) -> dict[str, str]:
    """The one rule for an amount of money (assets, stop-payment requests): not negative (more
    than zero when `required`), at most two decimals, and with an ISO 4217 currency."""
    errors: dict[str, str] = {}
    if amount is not None and not isinstance(amount, Decimal):
        try:
            amount = Decimal(str(amount).strip())
        except InvalidOperation:
            return {amount_field: str(_("Give the amount as a number, e.g. 1250.50."))}
    if amount is not None and not amount.is_finite():
        return {amount_field: str(_("Give the amount as a number, e.g. 1250.50."))}
    if amount is None:
        if required:
            errors[amount_field] = str(_("Give the amount."))
    elif amount < 0 or (required and amount == 0):
        errors[amount_field] = str(_("An amount is more than zero."))
    elif amount.as_tuple().exponent < -2:  # type: ignore[operator]
        errors[amount_field] = str(_("An amount has at most two decimals."))
    if currency:
        try:
            validate_currency(currency)
        except ValidationError as exc:
            errors[currency_field] = " ".join(exc.messages)
    elif amount is not None:
        errors[currency_field] = str(_("Give the currency of the amount."))
    return errors
