from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.forms import FortressForm
from interchange.models import ImportFormat


class ImportForm(FortressForm):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV (columns kind, value, and optionally qualifier, note, first_seen), a STIX 2.1 "
            "bundle or a MISP event, in UTF-8. All rows are imported, or none."
        ),
    )
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[("", _("Detect")), *ImportFormat.choices],
        required=False,
    )
