from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from agencies.models import Role, User
from config.errors import ConflictError, VersionMissing


class BootstrapMixin:
    """Gives every widget its Bootstrap class, so templates render fields plainly."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.SelectMultiple):
                css = "form-select"
                # static/multiselect.js makes it a searchable list of checkboxes (the plain
                # select works without script).
                widget.attrs["data-searchable"] = ""
                widget.attrs["data-search-placeholder"] = _("Type to filter, Enter to pick")
                widget.attrs["data-remove-label"] = _("Remove")
                widget.attrs["data-none-label"] = _("None chosen")
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()


def _attrs(attrs: dict) -> SafeString:
    """As Django's widgets/attrs.html writes them: True a bare name, False left out."""
    return mark_safe(  # noqa: S308 (each attribute escaped by format_html)
        "".join(
            format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
            for name, value in attrs.items()
            if value is not False
        )
    )


class LongSelect(forms.Select):
    """A select of many options (an agency's thousand cases, every currency): the HTML of
    Django's Select, its options written in one pass instead of a template each (a template an
    option cost about 0.2 ms: 300 ms of the operation page for its list of cases)."""

    def render(self, name: str, value: Any, attrs: dict | None = None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"{}>', widget["name"], _attrs(widget["attrs"]))]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('\n  <optgroup label="{}">', group_name))
            parts.extend(
                format_html(
                    '\n  <option value="{}"{}>{}</option>',
                    str(option["value"]),
                    _attrs(option["attrs"]),
                    option["label"],
                )
                for option in options
            )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 (every part is escaped by format_html)


class FortressForm(BootstrapMixin, forms.Form):
    pass


class FortressModelForm(BootstrapMixin, forms.ModelForm):
    pass


def conflict_message(obj: models.Model, changes: dict[str, Any]) -> str:
    """What changed meanwhile, in words: `Title: now "X"; Status: now "Referred"`."""
    meta = obj._meta
    parts = []
    for name, value in changes.items():
        field = meta.get_field(name)
        shown = value
        if isinstance(value, list):  # codes, names, or documents ({"type", "country", ...})
            shown = ", ".join(
                " ".join(filter(None, (v.get("type"), v.get("country"), v.get("number"))))
                if isinstance(v, dict)
                else str(v)
                for v in value
            )
        elif isinstance(field, models.ForeignKey):
            related = getattr(obj, name)
            shown = getattr(related, "display_name", related) if related else "—"
        elif field.choices:
            shown = dict(field.flatchoices).get(value, value)
        parts.append(
            _("%(field)s: now “%(value)s”")
            % {"field": str(field.verbose_name).capitalize(), "value": shown or "—"}
        )
    changed = "; ".join(parts) or _("compare the form with the current record")
    return _(
        "Someone else saved this %(noun)s after you opened it, so your changes were NOT saved. "
        "Changed meanwhile — %(changed)s. Review the form and save again to apply your changes."
    ) % {"noun": meta.verbose_name, "changed": changed}


def text_lines(text: str | None) -> list[str]:
    """A textarea of one item a line (aliases, names in other scripts, handles...): its lines,
    stripped, the blank ones left out."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def show_service_error(form: forms.Form, exc: ValidationError | ConflictError) -> None:
    """The one way a page shows a service's refusal on its form. Refused input: on the field
    it names when the form has that field, else at the top. A stale version: what changed
    meanwhile, at the top, and the form moved to the current version, so saving again is a
    deliberate choice made after seeing the changes (the user's input stays); a form that sent
    no version is likewise moved to the current one after saying so."""
    if isinstance(exc, ConflictError | VersionMissing):
        if isinstance(exc, ConflictError) and exc.current is not None:
            form.add_error(None, conflict_message(exc.current, exc.changes))
        else:
            form.add_error(None, exc.messages if isinstance(exc, VersionMissing) else str(exc))
        data = form.data.copy()
        data[form.add_prefix("version")] = str(exc.version)
        form.data = data
        return
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.error_dict.items():
        shown = name in form.fields and not form.fields[name].widget.is_hidden
        form.add_error(name if shown else None, errors)


class UserCreateForm(FortressForm):
    username = forms.CharField(max_length=150)
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(required=False)
    role = forms.ChoiceField(choices=Role.choices)
    password = forms.CharField(
        widget=forms.PasswordInput, help_text=password_validators_help_text_html()
    )

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This username is taken."))
        return username


class UserUpdateForm(FortressForm):
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(required=False)
    role = forms.ChoiceField(choices=Role.choices)
    is_active = forms.BooleanField(required=False, label=_lazy("Active (may sign in)"))


def language_choices() -> list[tuple[str, str]]:
    """The offered languages, each named in itself, after "the browser's language"."""
    return [("", _("The browser's language")), *settings.LANGUAGES]


class LanguageForm(FortressForm):
    language = forms.ChoiceField(label=_lazy("Interface language"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = language_choices()


class SecondFactorCodeForm(FortressForm):
    code = forms.CharField(
        label=_lazy("Code"),
        max_length=64,
        help_text=_lazy(
            "The 6-digit code your authenticator app shows now, or one of your recovery codes."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )


class SignOutEverywhereForm(FortressForm):
    revoke_tokens = forms.BooleanField(required=False, label=_lazy("Also revoke all my API tokens"))
