"""`{{ amount|money:currency }}`: an amount in the active language's currency format (Babel's
CLDR data: `$1,500.00` in English, `1 500,00 $US` in French), the one way pages show money."""

from decimal import Decimal, InvalidOperation

from babel.numbers import UnknownCurrencyError, format_currency
from django import template
from django.utils.formats import number_format
from django.utils.translation import get_language, to_locale

register = template.Library()


@register.filter
def money(amount: Decimal | int | float | str | None, currency: str = "") -> str:
    if amount is None or amount == "":
        return ""
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return str(amount)
    locale = to_locale(get_language() or "en")
    try:
        return format_currency(value, (currency or "").upper(), locale=locale)
    except (UnknownCurrencyError, ValueError):
        # A code CLDR does not know (or none): the number in the locale's format, the code kept.
        shown = number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)
        return f"{shown} {currency}".strip()
