"""Issue #18, the pages' Python: the shortcuts the case and operation pages take give what
Django's own way gives (choice labels, the long selects) and the charts are drawn once for the
same figures."""

import re

import pytest
from django import forms
from django.db import models
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse, set_script_prefix
from django.utils import translation

from agencies.forms import LongSelect
from agencies.templatetags.idurls import id_url
from cases.models import Asset, Case, CaseNote, Suspect
from config.choices import ChoiceLabels
from indicators.models import Hit, Indicator, IndicatorValue
from operations import charts
from operations.figures import Figures


@pytest.mark.parametrize("model", [Case, Suspect, Asset, CaseNote, IndicatorValue, Indicator, Hit])
@pytest.mark.parametrize("language", ["en", "fr", "th"])
def test_choice_labels_are_djangos(model, language):
    assert issubclass(model, ChoiceLabels)
    # (a CountryField of several countries has no list of choices: no label either)
    fields = [f for f in model._meta.concrete_fields if f.choices and f.flatchoices is not None]
    assert fields
    with translation.override(language):
        for field in fields:
            for value in [*(c for c, _ in field.flatchoices), "not-a-choice", ""]:
                row = model(**{field.attname: value})
                ours = getattr(row, f"get_{field.name}_display")()
                assert ours == models.Model._get_FIELD_display(row, field), (field, value)


def test_a_long_select_writes_what_djangos_select_writes():
    choices = [("", "—"), ("a", "A & <b>"), ("b", "B"), ("Group", [("c", "C"), ("d", "D")])]

    class Form(forms.Form):
        plain = forms.ChoiceField(choices=choices, widget=forms.Select(attrs={"class": "x"}))
        fast = forms.ChoiceField(choices=choices, widget=LongSelect(attrs={"class": "x"}))

    form = Form(initial={"plain": "c", "fast": "c"})
    # The same elements; Django's templates add a blank line after each option.
    fast = re.sub(r">\s+<", "><", str(form["fast"]).replace("fast", "plain"))
    assert fast == re.sub(r">\s+<", "><", str(form["plain"]))
    assert 'value="c" selected' in str(form["fast"])


def test_a_chart_is_drawn_once_for_the_same_figures():
    charts._draw.cache_clear()
    figures = Figures(cases=2)
    first = charts.all_charts(figures)
    again = charts.all_charts(Figures(cases=2))
    assert [c["src"] for c in first] == [c["src"] for c in again]
    assert charts._draw.cache_info().hits == 3
    with translation.override("fr"):
        charts.all_charts(figures)
    assert charts._draw.cache_info().misses == 6


ID_PATTERNS = [
    "cases:detail",
    "indicators:edit",
    "indicators:delete",
    "indicators:hit_status",
    "indicators:request_access",
    "registry:propose",
]


@pytest.mark.parametrize("view_name", ID_PATTERNS)
@pytest.mark.parametrize("prefix", ["/", "/fortress/"])
def test_an_id_url_is_what_reverse_gives(view_name, prefix):
    template = Template("{% load idurls %}{% id_url name pk %}|{% url name pk %}")
    set_script_prefix(prefix)
    try:
        for pk in [1, 7, 42, 10**6, 2**63 - 1]:
            ours, djangos = template.render(Context({"name": view_name, "pk": pk})).split("|")
            assert ours == djangos == reverse(view_name, args=[pk])
            assert ours.startswith(prefix)
    finally:
        set_script_prefix("/")


def test_an_id_url_refuses_what_is_no_id_or_takes_no_id():
    for bad in [0, -1, "x", None, 2**63]:
        with pytest.raises(ValueError):
            id_url("cases:detail", bad)
    with pytest.raises(NoReverseMatch):  # as {% url %}: the pattern takes no id
        id_url("indicators:hits", 1)
