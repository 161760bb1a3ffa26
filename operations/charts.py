"""The operation page's charts: SVG drawn on the server with pygal, embedded as `data:` images
(no script runs in an image, nothing comes from a CDN, and the strict CSP of the page holds:
`img-src 'self' data:`). The same figures are also given as tables beside the charts."""

from __future__ import annotations

import base64
import datetime
from functools import lru_cache
from itertools import accumulate
from typing import Any

import pygal
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from pygal.style import Style

from operations.figures import SERIES, Figures

# One colour per measure, the same in every chart (Okabe-Ito: told apart with colour-blindness
# too), and the measure's label. A chart lists the measures it draws; its style gives each
# series the colour of its measure.
MEASURES: dict[str, tuple[str, str]] = {
    "cases_opened": (_("Cases opened"), "#0072B2"),
    "arrested": (_("Suspects arrested"), "#D55E00"),
    "victims_identified": (_("Victims identified"), "#CC79A7"),
    "victims_rescued": (_("Victims rescued"), "#009E73"),
    "victims_repatriated": (_("Victims repatriated"), "#56B4E9"),
    "assets_frozen": (_("Assets frozen (or later)"), "#E69F00"),
    "taken_down": (_("Infrastructure taken down"), "#5B3A8E"),
}
OVER_TIME = list(SERIES)
BY_COUNTRY = ["arrested", "victims_identified", "victims_rescued", "taken_down"]
BY_FRAUD_TYPE = ["cases_opened", "arrested", "victims_identified"]
# A breakdown (by country, by fraud type) names "cases opened" `cases`.
BREAKDOWN_FIELD = {"cases_opened": "cases"}


def _breakdown(breakdown, name: str) -> int:
    return getattr(breakdown, BREAKDOWN_FIELD.get(name, name))


def _style(measures: list[str]) -> Style:
    # Labels large enough to read once the 720-px chart is shown at the page's width.
    return Style(
        background="white",
        plot_background="white",
        foreground="#212529",
        foreground_strong="#212529",
        foreground_subtle="#495057",
        colors=tuple(MEASURES[m][1] for m in measures),
        font_family="system-ui, sans-serif",
        title_font_size=18,
        label_font_size=14,
        major_label_font_size=14,
        legend_font_size=14,
        value_font_size=13,
    )


def _config(measures: list[str]) -> dict:
    # js=[]: pygal would otherwise link its tooltip script from the web.
    return {
        "js": [],
        "style": _style(measures),
        "width": 720,
        "height": 360,
        "legend_at_bottom": True,
        "print_values": False,
        "show_minor_x_labels": True,
        "truncate_legend": 40,
        "truncate_label": -1,  # a label is never cut to "Impersonati…"
        "no_data_text": str(_("Nothing yet")),
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
    months = _every_month(list(figures.over_time))
    series = tuple(
        (name, tuple(accumulate(figures.over_time.get(m, {}).get(name, 0) for m in months)))
        for name in OVER_TIME
    )
    options = (("x_label_rotation", 30), ("fill", False))
    labels = tuple(m.strftime("%Y-%m") for m in months)
    return _drawn("line", str(_("Over time (cumulative, by month)")), options, labels, series)


def by_country(figures: Figures) -> str:
    """By the country of the agency holding each case."""
    codes = list(figures.by_country)
    options = (("x_label_rotation", 20 if len(codes) > 4 else 0),)
    labels = tuple(str(countries.name(code) or code) for code in codes)
    series = tuple(
        (name, tuple(_breakdown(figures.by_country[c], name) for c in codes)) for name in BY_COUNTRY
    )
    return _drawn("bar", str(_("By country of the agency")), options, labels, series)


def by_fraud_type(figures: Figures) -> str:
    rows = figures.fraud_type_labelled
    labels = tuple(str(label) for _, label, _ in rows)
    series = tuple((name, tuple(_breakdown(b, name) for _, _, b in rows)) for name in BY_FRAUD_TYPE)
    return _drawn("horizontal_bar", str(_("By fraud type")), (), labels, series)


CHARTS = {"line": pygal.Line, "bar": pygal.Bar, "horizontal_bar": pygal.HorizontalBar}


# What a chart draws: its kind, title, pygal options, x labels, and (measure, values) series.
Drawing = tuple[
    str,
    str,
    tuple[tuple[str, object], ...],
    tuple[str, ...],
    tuple[tuple[str, tuple[int, ...]], ...],
]


def _drawn(*drawing: Any) -> str:
    """The chart of exactly these figures, drawn once per process and language (pygal is the
    dearest part of the operation page): the same figures give the same image to whoever
    may see them, and the key is the data drawn, so nobody gets a chart of figures they
    were not given."""
    return _draw(drawing, translation.get_language())


@lru_cache(maxsize=256)
def _draw(drawing: Drawing, language: str | None) -> str:
    kind, title, options, x_labels, series = drawing
    measures = [name for name, _values in series]
    chart = CHARTS[kind](title=title, **dict(options), **_config(measures))
    chart.x_labels = list(x_labels)
    for name, values in series:
        chart.add(str(MEASURES[name][0]), list(values))
    return _data_uri(chart)


def all_charts(figures: Figures) -> list[dict[str, str]]:
    return [
        {"id": "over-time", "title": _("Over time"), "src": over_time(figures)},
        {"id": "by-country", "title": _("By country"), "src": by_country(figures)},
        {"id": "by-fraud-type", "title": _("By fraud type"), "src": by_fraud_type(figures)},
    ]
