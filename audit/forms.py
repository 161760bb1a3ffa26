from __future__ import annotations

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEvent, EventKind


class AuditFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Event"), required=False, choices=[("", _("Any event")), *EventKind.choices]
    )
    user = forms.CharField(label=_("User"), required=False, max_length=150)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data

    def filter(self, events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        """The events matching the filters; all of them when a filter is invalid (the form
        shows why)."""
        if not self.is_valid():
            return events
        data = self.cleaned_data
        if data["kind"]:
            events = events.filter(kind=data["kind"])
        if data["user"]:
            events = events.filter(Q(username__icontains=data["user"].strip()))
        if data["since"]:
            events = events.filter(at__date__gte=data["since"])
        if data["until"]:
            events = events.filter(at__date__lte=data["until"])
        return events
