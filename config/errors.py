"""The errors services raise, and the rules every edit shares.

Services speak only in these terms; the API (`config.exception_handler`) and the pages
(`agencies.forms.show_service_error`) translate them, each in one place:

- `NotVisible`: the user may not see the object. API 404, page 404.
- `PolicyError`: the user sees it, but their role may not do this. API 403, page 404.
- `ConflictError`: the object changed since the version the user read. API 409 with the
  fields changed since; page: the changes, on the form.
- `django.core.exceptions.ValidationError`: the input is refused. API 400; page: the reasons,
  on the form.

A missing version is a `ValidationError` on `version` (400): every edit says what it read.

They live in `config/` rather than in an app because every app's services raise them and
`agencies` (the lowest app) would otherwise be imported for its errors alone."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django_countries.fields import MultipleCountriesDescriptor


class NotVisible(Exception):
    """The object does not exist for the acting user (whether or not it exists)."""


class PolicyError(Exception):
    """The acting user sees the object, but their role or agency may not do this."""


class ConflictError(Exception):
    """The object changed since the version the user edited; nothing was written. `changes`
    maps each field changed since to its current value, `version` is the current version and
    `current` the object as it is now (for the page to name the changes)."""

    def __init__(
        self, *, changes: dict[str, Any], version: int, current: models.Model | None = None
    ) -> None:
        self.changes = changes
        self.version = version
        self.current = current
        noun = str(current._meta.verbose_name) if current is not None else _("record")
        names = ", ".join(changes) or _("unknown fields")
        super().__init__(
            _("Someone else saved this %(noun)s meanwhile (changed: %(names)s).")
            % {"noun": noun, "names": names}
        )


class VersionMissing(ValidationError):
    """An edit that did not say which version it read (400, on `version`): refused, since it
    could overwrite anything. `version` is the current version, for a page to offer it."""

    def __init__(self, *, version: int) -> None:
        self.version = version
        super().__init__(
            {"version": _("Send the version you read, so that no one's change is overwritten.")},
            code="version_required",
        )


# --- the rules every edit shares ------------------------------------------------------------


def allowed_fields(fields: dict[str, Any], allowed: Iterable[str]) -> dict[str, Any]:
    """Refuse any field outside the allow-list: mass assignment never writes it."""
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValidationError(
            dict.fromkeys(sorted(unknown), _("This field cannot be set.")), code="not_allowed"
        )
    return fields


def plain(value: Any) -> Any:
    """A field value as JSON-able, comparable data (for conflicts and the history)."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple | MultipleCountriesDescriptor):
        return [getattr(v, "code", v) for v in value]
    return getattr(value, "code", value)


def field_value(obj: models.Model, name: str) -> Any:
    """The plain value of field `name` of `obj` (a foreign key as its id)."""
    field = obj._meta.get_field(name)
    if isinstance(field, models.ForeignKey):
        return getattr(obj, field.attname)
    return plain(getattr(obj, name))


def _changes_since(
    obj: models.Model,
    expected_version: int,
    fields: Iterable[str],
    incoming: Mapping[str, Any] | None,
) -> dict[str, Any]:
    history = getattr(obj, "history", None)
    if history is not None:
        then = (
            history.filter(version=expected_version)
            .order_by("-history_date", "-history_id")
            .first()
        )
        if then is None:
            return {}
        return {
            name: field_value(obj, name)
            for name in fields
            if field_value(then, name) != field_value(obj, name)
        }
    # No history of this model: what the version read looked like is unknown. Name what a save
    # would overwrite (the fields whose current value differs from the edit's), or, for an
    # action that sets no fields, the current value of every field the version covers.
    current = {name: field_value(obj, name) for name in fields}
    if incoming is None:
        return current
    return {
        name: value
        for name, value in current.items()
        if name in incoming and plain(incoming[name]) != value
    }


def check_version(
    obj: models.Model,
    expected_version: int | None,
    fields: Iterable[str],
    *,
    incoming: Mapping[str, Any] | None = None,
) -> None:
    """The one optimistic-concurrency check. `obj` is locked (select_for_update); refuse the
    write when the edit sent no version (VersionMissing, a ValidationError on `version`) or
    when `obj` is no longer at `expected_version` (ConflictError naming which of `fields`
    changed since, from the history where the model keeps one; `incoming` is the edit's
    values)."""
    current_version = obj.version  # type: ignore[attr-defined]
    if expected_version is None:
        raise VersionMissing(version=current_version)
    if current_version == expected_version:
        return
    raise ConflictError(
        changes=_changes_since(obj, expected_version, fields, incoming),
        version=current_version,
        current=obj,
    )
