from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.forms import FortressForm
from agencies.models import Agency
from cases.money import currency_choices
from config.fields import IdField
from indicators.normalize.kinds import Chain
from payments.models import AccountKind, Status, Urgency

_DATE = forms.DateInput(attrs={"type": "date"})
_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _currency(label, required: bool = True) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label, choices=[("", "—"), *currency_choices()], required=required
    )


def _chain() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Chain (wallets)"), choices=[("", "—"), *Chain.choices], required=False
    )


def _agency_choices(agencies: list[Agency]) -> list[tuple[str, str]]:
    return [(str(a.pk), f"{a.name} ({a.country.code}, {a.get_kind_display()})") for a in agencies]


class FileForm(FortressForm):
    to_agency = forms.ChoiceField(
        label=_("Ask the agency"),
        help_text=_("Proposed from the account's country: agencies that handle payments first."),
    )
    account_kind = forms.ChoiceField(label=_("Account kind"), choices=AccountKind.choices)
    account = forms.CharField(label=_("Receiving account or wallet"), max_length=200)
    chain = _chain()
    amount = forms.DecimalField(label=_("Amount sent"), max_digits=18, decimal_places=2)
    currency = _currency(_("Currency"))
    sent_on = forms.DateField(label=_("Transaction date"), required=False, widget=_DATE)
    transaction_reference = forms.CharField(
        label=_("Transaction reference"), max_length=200, required=False
    )
    victim = forms.ChoiceField(
        label=_("Victim whose loss it is"),
        required=False,
        help_text=_("Else the request relates to the case's reported loss."),
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)
    deadline = forms.DateTimeField(
        label=_("Deadline (UTC)"),
        required=False,
        widget=_DATETIME,
        help_text=_("Empty: the default deadline."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    asset = IdField(required=False, widget=forms.HiddenInput)
    indicator = IdField(required=False, widget=forms.HiddenInput)
    hit = IdField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, agencies: list[Agency], victims: list, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.agencies = {a.pk: a for a in agencies}
        self.fields["to_agency"].choices = [("", "—"), *_agency_choices(agencies)]
        self.fields["victim"].choices = [("", _("The case's reported loss"))] + [
            (str(v.pk), v.reference) for v in victims
        ]

    def clean_to_agency(self) -> Agency | None:
        value = self.cleaned_data.get("to_agency")
        return self.agencies.get(int(value)) if value else None


class VersionForm(FortressForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class OutcomeForm(VersionForm):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (s.value, s.label)
            for s in (Status.FROZEN, Status.PARTIALLY_FROZEN, Status.MOVED_ON, Status.REFUSED)
        ],
    )
    amount_frozen = forms.DecimalField(
        label=_("Amount frozen"), max_digits=18, decimal_places=2, required=False
    )
    currency = _currency(_("Currency frozen"), required=False)
    frozen_on = forms.DateField(label=_("Frozen on"), required=False, widget=_DATE)
    institution = forms.CharField(label=_("Institution"), max_length=200, required=False)
    onward_account_kind = forms.ChoiceField(
        label=_("Moved on to: account kind"),
        choices=[("", _("Same kind")), *AccountKind.choices],
        required=False,
    )
    onward_account = forms.CharField(
        label=_("Moved on to: account or wallet"), max_length=200, required=False
    )
    onward_chain = _chain()
    onward_agency = forms.ChoiceField(label=_("Ask next: the agency"), required=False)
    onward_amount = forms.DecimalField(
        label=_("Amount moved on"), max_digits=18, decimal_places=2, required=False
    )
    onward_currency = _currency(_("Currency moved on"), required=False)
    reason = forms.CharField(
        label=_("Reason (refused)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, agencies: list[Agency], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.agencies = {a.pk: a for a in agencies}
        self.fields["onward_agency"].choices = [("", "—"), *_agency_choices(agencies)]

    def clean_onward_agency(self) -> Agency | None:
        value = self.cleaned_data.get("onward_agency")
        return self.agencies.get(int(value)) if value else None


class QueueFilterForm(FortressForm):
    direction = forms.ChoiceField(
        label=_("Direction"),
        required=False,
        choices=[("", _("Sent and received")), ("received", _("Received")), ("sent", _("Sent"))],
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("Any status")),
            ("open", _("Open")),
            ("overdue", _("Overdue")),
            *Status.choices,
        ],
    )
