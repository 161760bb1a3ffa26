"""`get_FOO_display()` at the cost of one dictionary lookup.

Django's own builds a dictionary of the field's choices at every call, hashing each label: a
lazy translation, so one gettext per choice per call (about 70 µs a call for a dozen
choices). The case page calls it some 900 times (four columns of 200 indicators). The labels
of a field with fixed choices only change with the language: kept per field and language."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import translation
from django.utils.choices import CallableChoiceIterator
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable

_LABELS: dict[tuple[models.Field, str | None], dict[Any, Any]] = {}


def choice_label(field: models.Field, value: Any) -> Any:
    """What `Model._get_FIELD_display` answers: the label of `value`, or `value` itself."""
    if isinstance(field.choices, CallableChoiceIterator):  # may change: not kept
        labels = dict(make_hashable(field.flatchoices))
        return force_str(labels.get(make_hashable(value), value), strings_only=True)
    key = (field, translation.get_language())
    labels = _LABELS.get(key)
    if labels is None:
        labels = _LABELS[key] = {
            make_hashable(choice): force_str(label, strings_only=True)
            for choice, label in field.flatchoices
        }
    return force_str(labels.get(make_hashable(value), value), strings_only=True)


class ChoiceLabels(models.Model):
    """Models whose rows are listed by the hundred: their `get_FOO_display()` looks the label
    up (see above). Every `get_FOO_display` Django adds calls `_get_FIELD_display`."""

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field: models.Field) -> Any:
        return choice_label(field, getattr(self, field.attname))
