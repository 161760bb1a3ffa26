from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_countries.fields import LazyTypedChoiceField

from agencies.forms import FortressForm, FortressModelForm, text_lines
from agencies.models import Agency, User
from cases.money import currency_choices
from indicators.normalize import document
from victims import services
from victims.models import VICTIM_INPUT_FIELDS, Stage, Victim, Vulnerability
from victims.stages import allowed_next


class VictimForm(FortressModelForm):
    """Other names one per line; identity documents one per line as `type; country; number`."""

    other_names = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("One per line: aliases, other spellings."),
    )
    identity_documents = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("One per line: type; country code; number — e.g. passport; VN; C1234567"),
    )
    vulnerabilities = forms.MultipleChoiceField(
        choices=Vulnerability.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    loss_currency = forms.ChoiceField(
        choices=[("", "—"), *currency_choices()], required=False, label=_("Loss currency")
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Victim
        fields = [*VICTIM_INPUT_FIELDS]
        widgets = {
            "date_of_birth": forms.DateInput(attrs={"type": "date"}),
            "contact": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, instance: Victim | None = None, **kwargs):
        initial = kwargs.setdefault("initial", {})
        if instance is not None:
            initial.setdefault("other_names", "\n".join(instance.other_names))
            initial.setdefault(
                "identity_documents", document.format_document_lines(instance.identity_documents)
            )
            initial.setdefault("vulnerabilities", instance.vulnerabilities)
            initial.setdefault("version", instance.version)
        super().__init__(*args, instance=instance, **kwargs)

    def clean_other_names(self) -> list[str]:
        return text_lines(self.cleaned_data["other_names"])

    def clean_identity_documents(self) -> list[dict[str, str]]:
        return document.parse_document_lines(self.cleaned_data["identity_documents"], complete=True)

    def _post_clean(self) -> None:
        # The service validates the model (with the case and recorder it sets); the form only
        # converts input.
        pass

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        allowed = {*services.VICTIM_FIELDS, "vulnerabilities"}
        return {k: v for k, v in data.items() if k in allowed}


class RepatriationStartForm(FortressForm):
    destination_country = LazyTypedChoiceField(choices=countries)
    liaison_officer = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, officers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["liaison_officer"].queryset = officers


class MoveForm(FortressForm):
    stage = forms.ChoiceField(choices=())
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    confirm = forms.BooleanField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, current_stage: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = [(s, Stage(s).label) for s in allowed_next(current_stage)]


class HandoverForm(FortressForm):
    agency = forms.ModelChoiceField(queryset=Agency.objects.none())
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies


class CorrectMoveForm(FortressForm):
    reason = forms.CharField(
        label=_("Why the move was wrong"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the history with the correction; the wrong step stays too."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class DeclineForm(FortressForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))


class BulkMoveForm(FortressForm):
    """Pick a group (one case, one facility, one current stage), then the stage to move to."""

    case = forms.ChoiceField(choices=())
    facility = forms.CharField(required=False, help_text=_("Empty: every facility."))
    from_stage = forms.ChoiceField(choices=Stage.choices, label=_("Currently at"))
    to_stage = forms.ChoiceField(choices=Stage.choices, label=_("Move to"))
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, cases, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case"].choices = [(c.pk, f"{c.reference} · {c.title}") for c in cases]
