"""Browser forms for indicators, hits and access requests. They turn input into the keyword
arguments of indicators/services.py, which hold the rules; a form never saves."""

from __future__ import annotations

import csv
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.forms import FortressForm
from indicators.models import Chain, HitStatus, Kind, Platform, TakedownStatus
from indicators.normalize.kinds import CHAIN_KINDS, PLATFORM_KINDS

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class IndicatorForm(FortressForm):
    kind = forms.ChoiceField(choices=Kind.choices)
    value = forms.CharField(max_length=1000, help_text=_("As you found it; it is normalised."))
    chain = forms.ChoiceField(
        choices=[("", "—"), *Chain.choices], required=False, help_text=_("For crypto wallets.")
    )
    platform = forms.ChoiceField(
        choices=[("", "—"), *Platform.choices],
        required=False,
        help_text=_("For handles and messaging IDs."),
    )
    first_seen = forms.DateField(required=False, widget=_DATE)
    last_seen = forms.DateField(required=False, widget=_DATE)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    takedown_status = forms.ChoiceField(
        choices=TakedownStatus.choices, initial=TakedownStatus.ACTIVE
    )

    def clean(self) -> dict[str, Any]:
        """A chain or platform left chosen from another kind (the officer changed the kind
        afterwards) is not the officer's mistake: it is dropped, so that the value's own error,
        if any, is the one shown."""
        data = super().clean()
        kind = data.get("kind")
        if kind not in CHAIN_KINDS:
            data["chain"] = ""
        if kind not in PLATFORM_KINDS:
            data["platform"] = ""
        return data


class IndicatorEditForm(FortressForm):
    first_seen = forms.DateField(required=False, widget=_DATE)
    last_seen = forms.DateField(required=False, widget=_DATE)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    takedown_status = forms.ChoiceField(choices=TakedownStatus.choices)
    takedown_date = forms.DateField(required=False, widget=_DATE)


class BatchForm(FortressForm):
    lines = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "One indicator a line: kind, value[, chain or platform] — e.g. "
            "<code>phone, 0912 345 678</code> or <code>crypto_wallet, T..., tron</code>. "
            "All lines are saved, or none."
        ),
    )

    def clean_lines(self) -> str:
        """Each line must at least read `kind, value`: a line without its kind is explained
        here, by its line number in the box, before any value is checked."""
        text = self.cleaned_data["lines"]
        errors = []
        for number, parts in self._parsed(text):
            kind = parts[0].strip()
            if len(parts) < 2 or kind not in Kind.values:
                errors.append(
                    forms.ValidationError(
                        _(
                            "Line %(number)d: expected `kind, value` (the kind is one of "
                            "%(kinds)s); “%(start)s” is not a kind."
                        ),
                        params={"number": number, "kinds": ", ".join(Kind.values), "start": kind},
                    )
                )
        if errors:
            raise forms.ValidationError(errors)
        return text

    @staticmethod
    def _parsed(text: str) -> list[tuple[int, list[str]]]:
        """The lines that say something, each with its number in the box (1-based)."""
        return [
            (number, parts)
            for number, parts in enumerate(
                csv.reader(text.splitlines(), skipinitialspace=True), start=1
            )
            if parts and "".join(parts).strip()
        ]

    def rows(self) -> list[dict[str, Any]]:
        """The rows for indicators_add_batch; `line_numbers[i]` is row i+1's line in the box."""
        rows = []
        self.line_numbers = []
        for number, parts in self._parsed(self.cleaned_data["lines"]):
            kind = parts[0].strip()
            row: dict[str, Any] = {"kind": kind, "value": parts[1] if len(parts) > 1 else ""}
            if len(parts) > 2:
                row["chain" if kind == Kind.CRYPTO_WALLET else "platform"] = parts[2].strip()
            rows.append(row)
            self.line_numbers.append(number)
        return rows


class HitFilterForm(FortressForm):
    status = forms.ChoiceField(choices=[("", "All"), *HitStatus.choices], required=False)


class AccessRequestForm(FortressForm):
    agency = forms.ChoiceField(label=_("Agency to ask"))
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)

    def __init__(self, *args: Any, agencies: list, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.agencies = {str(a.pk): a for a in agencies}
        self.fields["agency"].choices = [(str(a.pk), a.name) for a in agencies]


class DecisionForm(FortressForm):
    decision = forms.ChoiceField(
        choices=[("grant", "Grant: share the case with the agency"), ("refuse", "Refuse")],
    )
    note = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text=_("Told to both sides.")
    )
    # A grant is saved only once the supervisor has read what it shares (the second step).
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)
