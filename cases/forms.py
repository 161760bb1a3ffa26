"""Browser forms for the case file. They turn input into the keyword arguments of the services
in cases/services.py, which hold the rules; a form never saves."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

import access
from agencies.forms import FortressForm, FortressModelForm, text_lines
from agencies.models import Agency, User
from cases.models import (
    Asset,
    AssetStatus,
    Case,
    CaseStatus,
    FraudType,
    SharingLevel,
    SuspectRole,
    SuspectStatus,
    parse_partial_date,
)
from cases.money import currency_choices
from cases.services import CASE_FIELDS
from indicators.normalize import document


def _currency_field(label: str) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, choices=[("", "—"), *currency_choices()], required=False)


def _version_field() -> forms.IntegerField:
    """The version the form was opened at, sent back so a stale save is refused."""
    return forms.IntegerField(widget=forms.HiddenInput, required=False)


class CaseForm(FortressModelForm):
    reported_loss_currency = _currency_field("Currency of the reported loss")
    version = _version_field()

    class Meta:
        model = Case
        fields = list(CASE_FIELDS)
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 4}),
            "opened_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "closed_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead_investigator"].queryset = access.case_lead_candidates(
            user.agency_id
        ).order_by("username")
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def service_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class SharingForm(FortressForm):
    sharing_level = forms.ChoiceField(choices=SharingLevel.choices, label=_("Sharing level"))
    shared_with = forms.ModelMultipleChoiceField(
        queryset=Agency.objects.none(),
        required=False,
        label=_("Agencies it is shared with"),
        help_text=_("Used with the “shared” level."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["shared_with"].queryset = Agency.objects.exclude(pk=case.agency_id)
        self.initial.setdefault("sharing_level", case.sharing_level)
        self.initial.setdefault("shared_with", list(case.shared_with.all()))
        self.initial.setdefault("version", case.version)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("sharing_level") == SharingLevel.SHARED and not data.get("shared_with"):
            self.add_error("shared_with", _("Name at least one agency to share the case with."))
        return data


class SuspectForm(FortressForm):
    version = _version_field()
    full_name = forms.CharField(max_length=300, label=_("Full name (any script)"))
    aliases = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, help_text=_("One per line.")
    )
    date_of_birth = forms.CharField(
        required=False, max_length=10, help_text=_("YYYY, YYYY-MM or YYYY-MM-DD.")
    )
    nationalities = forms.MultipleChoiceField(choices=list(countries), required=False)
    documents = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("One per line: type; country code; number — e.g. passport; VN; B1234567."),
    )
    role = forms.ChoiceField(choices=SuspectRole.choices, initial=SuspectRole.OTHER)
    status = forms.ChoiceField(choices=SuspectStatus.choices, initial=SuspectStatus.AT_LARGE)
    notice_references = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("Interpol notices, warrants: one per line."),
    )

    @classmethod
    def initial_for(cls, suspect) -> dict[str, Any]:
        return {
            "full_name": suspect.full_name,
            "aliases": "\n".join(suspect.aliases),
            "date_of_birth": suspect.date_of_birth,
            "nationalities": [c.code for c in suspect.nationalities],
            "documents": document.format_document_lines(suspect.documents),
            "role": suspect.role,
            "status": suspect.status,
            "notice_references": suspect.notice_references,
            "version": suspect.version,
        }

    def clean_date_of_birth(self) -> tuple[int | None, int | None, int | None]:
        return parse_partial_date(self.cleaned_data["date_of_birth"])

    def clean_documents(self) -> list[dict[str, str]]:
        return document.parse_document_lines(self.cleaned_data["documents"])

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        year, month, day = data["date_of_birth"]
        return {
            "full_name": data["full_name"].strip(),
            "aliases": text_lines(data["aliases"]),
            "birth_year": year,
            "birth_month": month,
            "birth_day": day,
            "nationalities": data["nationalities"],
            "documents": data["documents"],
            "role": data["role"],
            "status": data["status"],
            "notice_references": data["notice_references"],
        }


class AssetForm(FortressModelForm):
    currency = _currency_field("Currency")
    version = _version_field()

    class Meta:
        model = Asset
        fields = ["kind", "description", "amount", "currency", "status", "status_changed_on"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "status_changed_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        labels = {"status_changed_on": "Status since"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = AssetStatus.choices
        self.fields["status_changed_on"].required = False
        self.fields["status_changed_on"].help_text = "Left empty: today, when the status changes."
        if self.instance.pk:
            self.initial["status_changed_on"] = None
            self.initial["version"] = self.instance.version

    def service_fields(self) -> dict[str, Any]:
        fields = {name: self.cleaned_data[name] for name in self.Meta.fields}
        if fields["status_changed_on"] is None:
            fields.pop("status_changed_on")
        return fields


class NoteForm(FortressForm):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=20000)

    def service_fields(self) -> dict[str, Any]:
        return {"text": self.cleaned_data["text"]}


class CaseFilterForm(FortressForm):
    """The case list's search, filters and sort (GET)."""

    SORTS = {
        "reference": "reference",
        "-reference": "-reference",
        "title": "title",
        "-title": "-title",
        "status": "status",
        "-status": "-status",
        "opened": "opened_on",
        "-opened": "-opened_on",
        "loss": "reported_loss_amount",
        "-loss": "-reported_loss_amount",
        "agency": "agency__code",
        "-agency": "-agency__code",
    }

    q = forms.CharField(required=False, label=_("Search"))
    status = forms.ChoiceField(choices=[("", "Any status"), *CaseStatus.choices], required=False)
    fraud_type = forms.ChoiceField(
        choices=[("", "Any fraud type"), *FraudType.choices], required=False
    )
    country = forms.ChoiceField(choices=[("", "Any country"), *countries], required=False)
    sharing_level = forms.ChoiceField(
        choices=[("", "Any sharing"), *SharingLevel.choices], required=False
    )
    mine = forms.BooleanField(required=False, label=_("My cases"))
    sort = forms.ChoiceField(choices=[(k, k) for k in SORTS], required=False)


# --- retention -------------------------------------------------------------------------------


class RetentionKeepForm(forms.Form):
    reason = forms.CharField(
        label=_("Why keep it"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("What the case is still needed for (an open prosecution, a linked case, ...)."),
    )
    next_review_on = forms.DateField(
        label=_("Next review"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class RetentionDeleteForm(forms.Form):
    reason = forms.CharField(
        label=_("Why delete it"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    reference = forms.CharField(
        label=_("Type the case reference to confirm"), max_length=20, strip=True
    )

    def __init__(self, *args, case, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.case = case

    def clean_reference(self) -> str:
        typed = self.cleaned_data["reference"]
        if typed.upper() != self.case.reference.upper():
            raise forms.ValidationError(_("This is not the case's reference."))
        return typed
