"""Browser forms for joint operations: they turn input into the keyword arguments of
operations/services.py, which holds the rules; a form never saves."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.forms import FortressForm, FortressModelForm, LongSelect
from agencies.models import Agency, User
from cases.models import Case, JointOperation
from cases.money import currency_choices
from operations import selectors
from operations.services import OPERATION_FIELDS


class OperationForm(FortressModelForm):
    reporting_currency = forms.ChoiceField(
        choices=currency_choices(), initial="USD", widget=LongSelect
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = JointOperation
        fields = ["code", *OPERATION_FIELDS]
        widgets = {
            "objectives": forms.Textarea(attrs={"rows": 4}),
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        help_texts = {"code": "A short unique code, e.g. op-lotus-2026."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # The code names the operation in references and reports: it does not change.
            del self.fields["code"]
            self.fields["version"].initial = self.instance.version

    def validate_unique(self) -> None:
        """The service checks; a form never saves."""

    def service_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in OPERATION_FIELDS}


class InviteForm(FortressForm):
    agencies = forms.ModelMultipleChoiceField(queryset=Agency.objects.none())

    def __init__(self, *args: Any, operation: JointOperation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agencies"].queryset = (
            Agency.objects.exclude(pk=operation.lead_agency_id)
            .exclude(
                participations__operation=operation,
                participations__status__in=["invited", "accepted"],
            )
            .order_by("name")
        )


class StatusForm(FortressForm):
    status = forms.ChoiceField(choices=[("active", "Active"), ("concluded", "Concluded")])


class RateForm(FortressForm):
    currency = forms.ChoiceField(choices=currency_choices(), widget=LongSelect)
    rate = forms.DecimalField(
        max_digits=20,
        decimal_places=8,
        min_value=0,
        help_text=_("What one unit of this currency is worth in the reporting currency."),
    )


class LinkCaseForm(FortressForm):
    case = forms.ModelChoiceField(
        queryset=Case.objects.none(), label=_("Case of your agency"), widget=LongSelect
    )
    share = forms.BooleanField(
        required=False,
        initial=True,
        label=_("Share it with the operation's agencies (sharing level “operation”)"),
    )

    def __init__(self, *args: Any, user: User, operation: JointOperation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = (
            selectors.linkable_cases(user, operation)
            .exclude(operation_id=operation.pk)
            .order_by("reference")
        )


class InvitationResponseForm(FortressForm):
    decision = forms.ChoiceField(
        choices=[("accept", "Accept: take part"), ("decline", "Decline")],
        widget=forms.HiddenInput,
    )
