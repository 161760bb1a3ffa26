from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.forms import FortressForm, text_lines
from cases.models import FraudType
from config.fields import IdField
from indicators.normalize.kinds import Kind
from registry.models import (
    REGISTRY_KINDS,
    Confidence,
    EntryStatus,
    PartnerKind,
    Recipient,
    WantedCategory,
)
from registry.services import DESCRIPTION_MAX

_DATE = forms.DateInput(attrs={"type": "date"})


class SearchForm(FortressForm):
    q = forms.CharField(required=False, max_length=1000, label=_("Value"))
    kind = forms.ChoiceField(
        required=False,
        label=_("Kind"),
        choices=[("", _("Any kind"))] + [(k, Kind(k).label) for k in sorted(REGISTRY_KINDS)],
    )
    status = forms.ChoiceField(
        required=False, label=_("Status"), choices=[("", _("Any status")), *EntryStatus.choices]
    )
    confidence = forms.ChoiceField(
        required=False,
        label=_("Confidence"),
        choices=[("", _("Any confidence")), *Confidence.choices],
    )


class ProposalForm(FortressForm):
    confidence = forms.ChoiceField(label=_("Confidence"), choices=Confidence.choices)
    fraud_types = forms.MultipleChoiceField(
        label=_("Fraud types"),
        choices=FraudType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    description = forms.CharField(
        label=_("Public description"),
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Seen by every agency. Say nothing of the case."),
    )


class ProposalDecisionForm(FortressForm):
    decision = forms.ChoiceField(choices=[("approve", _("Publish")), ("refuse", _("Refuse"))])
    note = forms.CharField(required=False, max_length=500)


class StepForm(FortressForm):
    status = forms.ChoiceField(
        label=_("Step"),
        choices=[(s, EntryStatus(s).label) for s in EntryStatus.values if s != "active"],
    )
    recipient = forms.ChoiceField(
        label=_("Asked of"), required=False, choices=[("", "—"), *Recipient.choices]
    )
    reference = forms.CharField(label=_("Their reference"), required=False, max_length=200)
    taken_down_on = forms.DateField(label=_("Taken down on"), required=False, widget=_DATE)
    note = forms.CharField(
        label=_("Note or evidence"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)


class ClaimForm(FortressForm):
    release = forms.BooleanField(required=False, widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)


class AwarenessForm(FortressForm):
    public = forms.BooleanField(required=False, widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)


class FeedTokenForm(FortressForm):
    partner = forms.CharField(
        label=_("Partner organisation"),
        max_length=200,
        help_text=_("Who receives the token: a registrar, a bank, a blocklist..."),
    )
    partner_kind = forms.ChoiceField(label=_("Kind of organisation"), choices=PartnerKind.choices)
    contact = forms.CharField(label=_("Contact there"), required=False, max_length=200)
    expires_at = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=_DATE,
        help_text=_("Leave empty for a token that lasts until revoked."),
    )


class FeedLogForm(FortressForm):
    token = IdField(required=False, widget=forms.HiddenInput)


class WantedSearchForm(FortressForm):
    q = forms.CharField(required=False, max_length=300, label=_("Name, document or notice"))
    category = forms.ChoiceField(
        required=False,
        label=_("Category"),
        choices=[("", _("Wanted or of interest")), *WantedCategory.choices],
    )


class WantedPublishForm(FortressForm):
    category = forms.ChoiceField(label=_("Publish as"), choices=WantedCategory.choices)
    description = forms.CharField(
        label=_("Public description"),
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What every agency reads: why this person is sought, whom to call."),
    )
    names = forms.CharField(
        label=_("The name in other scripts"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One a line, e.g. the name in its own script and its romanisations."),
    )
    handles = forms.CharField(
        label=_("Handles"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Social and messaging handles, one a line (telegram: @name)."),
    )
    notices = forms.CharField(
        label=_("More notice references"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Besides the suspect's own: one a line (Interpol notice number, warrant)."),
    )
    confirm = forms.BooleanField(
        label=_("I confirm: every agency of the network will read this identity."),
    )

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "category": data["category"],
            "description": data["description"],
            "names": text_lines(data.get("names", "")),
            "handles": text_lines(data.get("handles", "")),
            "notices": text_lines(data.get("notices", "")),
        }


class WantedWithdrawForm(FortressForm):
    reason = forms.CharField(label=_("Why"), max_length=500, required=False)
    confirm = forms.BooleanField(
        label=_("I confirm: the identity leaves the network and stops matching."),
    )
