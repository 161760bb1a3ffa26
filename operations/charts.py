"""The operation page's charts: SVG drawn on the server with pygal, embedded as `data:` images
(no script runs in an image, nothing comes from a CDN, and the strict CSP of the page holds:
`img-src 'self' data:`). The same figures are also given as tables beside the charts."""

from __future__ import annotations

import base64
import datetime
from itertools import accumulate

import pygal
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries
from pygal.style import Style

from operations.figures import Figures

STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#212529",
    foreground_strong="#212529",
    foreground_subtle="#6c757d",
    colors=("#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#dc3545"),
    font_family="system-ui, sans-serif",
)
SERIES_LABELS = {
    "cases_opened": gettext_lazy("Cases opened"),
    "arrested": gettext_lazy("Suspects arrested"),
    "victims_rescued": gettext_lazy("Victims rescued"),
    "victims_repatriated": gettext_lazy("Victims repatriated"),
    "assets_frozen": gettext_lazy("Assets frozen (or later)"),
    "taken_down": gettext_lazy("Infrastructure taken down"),
}


def _config() -> dict:
    # js=[]: pygal would otherwise link its tooltip script from the web.
    return {
        "js": [],
        "style": STYLE,
        "width": 720,
        "height": 360,
        "legend_at_bottom": True,
        "print_values": False,
        "show_minor_x_labels": True,
        "truncate_legend": 40,
        "no_data_text": "Nothing yet",
    }


def _data_uri(chart) -> str:
    svg = chart.render()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def _every_month(months: list[datetime.date]) -> list[datetime.date]:
    """From the first month to the last, none left out (a month without events is flat)."""
    if not months:
        return []
    first, last = min(months), max(months)
    out = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        out.append(datetime.date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def over_time(figures: Figures) -> str:
    """Cumulative totals by month."""
    chart = pygal.Line(
        title=_("Over time (cumulative, by month)"), x_label_rotation=30, fill=False, **_config()
    )
    months = _every_month(list(figures.over_time))
    chart.x_labels = [m.strftime("%Y-%m") for m in months]
    for name, label in SERIES_LABELS.items():
        chart.add(
            str(label),
            list(accumulate(figures.over_time.get(m, {}).get(name, 0) for m in months)),
        )
    return _data_uri(chart)


def by_country(figures: Figures) -> str:
    """By the country of the agency holding each case."""
    chart = pygal.Bar(title=_("By country of the agency"), **_config())
    codes = list(figures.by_country)
    chart.x_labels = [countries.name(code) or code for code in codes]
    chart.add(_("Suspects arrested"), [figures.by_country[c].arrested for c in codes])
    chart.add(_("Victims identified"), [figures.by_country[c].victims_identified for c in codes])
    chart.add(_("Victims rescued"), [figures.by_country[c].victims_rescued for c in codes])
    chart.add(_("Infrastructure taken down"), [figures.by_country[c].taken_down for c in codes])
    return _data_uri(chart)


def by_fraud_type(figures: Figures) -> str:
    chart = pygal.HorizontalBar(title=_("By fraud type"), **_config())
    rows = figures.fraud_type_labelled
    chart.x_labels = [str(label) for _code, label, _breakdown in rows]
    chart.add(_("Cases"), [b.cases for _, _, b in rows])
    chart.add(_("Suspects arrested"), [b.arrested for _, _, b in rows])
    chart.add(_("Victims identified"), [b.victims_identified for _, _, b in rows])
    return _data_uri(chart)


def all_charts(figures: Figures) -> list[dict[str, str]]:
    return [
        {"id": "over-time", "title": _("Over time"), "src": over_time(figures)},
        {"id": "by-country", "title": _("By country"), "src": by_country(figures)},
        {"id": "by-fraud-type", "title": _("By fraud type"), "src": by_fraud_type(figures)},
    ]
