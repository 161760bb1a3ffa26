"""The operation report: the same figures as the page, as rows for CSV (and for the API's
`figures` object). Money is written as strings with two decimals, never floats."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from django.utils.translation import gettext as _
from django_countries import countries

from cases.models import JointOperation
from operations.figures import ASSET_MEASURES, Figures


def money(amount: Decimal) -> str:
    return f"{amount.quantize(Decimal('0.01'))}"


def figures_json(figures: Figures) -> dict:
    """The API's `figures` object."""
    return {
        "cases": figures.cases,
        "arrested": figures.arrested,
        "charged": figures.charged,
        "extradited": figures.extradited,
        "victims_identified": figures.victims_identified,
        "victims_rescued": figures.victims_rescued,
        "victims_repatriated": figures.victims_repatriated,
        "assets_frozen": {c: money(v) for c, v in figures.assets_for("frozen").items()},
        "assets_seized": {c: money(v) for c, v in figures.assets_for("seized").items()},
        "assets_recovered": {c: money(v) for c, v in figures.assets_for("recovered").items()},
        "assets_estimate": {
            "currency": figures.reporting_currency,
            **{m: money(v) for m, v in figures.estimate.items()},
            "not_converted": figures.unconverted,
        },
        "infrastructure_taken_down": figures.infrastructure_taken_down,
        "infrastructure_taken_down_by_kind": dict(figures.taken_down_by_kind),
        "countries_with_victims": figures.countries_with_victims,
        "victims_by_country": dict(figures.victims_by_country),
        "hits_between_participants": figures.hits_between_participants,
    }


def csv_rows(operation: JointOperation, figures: Figures) -> Iterator[list[str]]:
    """section, item, value, unit."""
    yield ["section", "item", "value", "unit"]
    yield ["operation", "name", operation.name, ""]
    yield ["operation", "code", operation.code, ""]
    yield ["operation", "lead agency", operation.lead_agency.name, ""]
    yield ["operation", "status", operation.get_status_display(), ""]
    yield ["operation", "period", f"{operation.starts_on or ''} to {operation.ends_on or ''}", ""]
    for label, value in (
        ("linked cases", figures.cases),
        ("suspects arrested", figures.arrested),
        ("suspects charged", figures.charged),
        ("suspects extradited", figures.extradited),
        ("victims identified", figures.victims_identified),
        ("victims rescued", figures.victims_rescued),
        ("victims repatriated", figures.victims_repatriated),
        ("infrastructure taken down", figures.infrastructure_taken_down),
        ("countries with victims", figures.countries_with_victims),
        ("hits between participants", figures.hits_between_participants),
    ):
        yield ["figures", label, str(value), "count"]
    for currency, amounts in sorted(figures.assets.items()):
        for measure in ASSET_MEASURES:
            yield ["assets", measure, money(amounts[measure]), currency]
    for measure, amount in figures.estimate.items():
        yield ["assets estimate", measure, money(amount), figures.reporting_currency]
    for currency in figures.unconverted:
        yield ["assets estimate", "no rate recorded", currency, ""]
    for _kind, label, n in figures.taken_down_labelled:
        yield ["taken down by kind", label, str(n), "count"]
    for code, n in figures.victims_by_country.items():
        yield ["victims by nationality", countries.name(code) or code, str(n), "count"]
    for code, b in figures.by_country.items():
        name = countries.name(code) or code
        for label in ("cases", "arrested", "victims_identified", "victims_rescued", "taken_down"):
            yield [f"by country: {name}", label.replace("_", " "), str(getattr(b, label)), "count"]
    for _code, label, b in figures.fraud_type_labelled:
        for item in ("cases", "arrested", "victims_identified", "victims_rescued", "taken_down"):
            yield [
                f"by fraud type: {label}",
                item.replace("_", " "),
                str(getattr(b, item)),
                "count",
            ]
    for month, series in figures.over_time.items():
        for name, n in series.items():
            yield [f"month {month:%Y-%m}", name.replace("_", " "), str(n), "count"]


def figure_cards(figures: Figures) -> list[tuple[str, str, int]]:
    """(figure name, label, value): the counts shown as cards, each linking to its list."""
    return [
        ("cases", _("Linked cases"), figures.cases),
        ("arrested", _("Suspects arrested"), figures.arrested),
        ("charged", _("Suspects charged"), figures.charged),
        ("extradited", _("Suspects extradited"), figures.extradited),
        ("victims_identified", _("Victims identified"), figures.victims_identified),
        ("victims_rescued", _("Victims rescued"), figures.victims_rescued),
        ("victims_repatriated", _("Victims repatriated"), figures.victims_repatriated),
        (
            "infrastructure_taken_down",
            _("Infrastructure taken down"),
            figures.infrastructure_taken_down,
        ),
        (
            "hits_between_participants",
            _("Hits between participants"),
            figures.hits_between_participants,
        ),
    ]
