"""Id fields of forms, filters and serializers: one rule (config/ids.py) for every input."""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.ids import ID_SCHEMA, MAX_ID, parse_id


class IdField(forms.Field):
    """A form field holding an id, by the same rule as the paths (`parse_id`)."""

    default_error_messages = {"invalid": _("Enter an id: a whole number from 1 to %(max)s.")}

    def to_python(self, value: object) -> int | None:
        if value in self.empty_values:
            return None
        number = parse_id(value)
        if number is None:
            raise ValidationError(
                self.error_messages["invalid"], code="invalid", params={"max": MAX_ID}
            )
        return number


@extend_schema_field(ID_SCHEMA)
class IdFilter(django_filters.NumberFilter):
    """A filter on an id: a value that is no id in range is refused (400), not queried."""

    field_class = IdField


def id_serializer_field(**kwargs) -> serializers.IntegerField:
    """A serializer field holding an id: out of range is 400, never a query."""
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)
