"""Browser forms for person matches: they turn input into the keyword arguments of
persons/services.py, which hold the rules; a form never saves."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.forms import FortressForm
from persons.models import MatchStatus


class MatchFilterForm(FortressForm):
    status = forms.ChoiceField(
        choices=[("", "All"), *MatchStatus.choices], required=False, initial=MatchStatus.POSSIBLE
    )


class DecisionForm(FortressForm):
    status = forms.ChoiceField(
        choices=[
            (MatchStatus.CONFIRMED, "Confirm: the same person"),
            (MatchStatus.DISMISSED, "Dismiss: not the same person"),
            (MatchStatus.POSSIBLE, "Reopen as possible"),
        ]
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Why: what you checked. Both agencies involved read it."),
    )


class AccessRequestForm(FortressForm):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why your agency needs the other case. A supervisor of that agency decides."),
    )
