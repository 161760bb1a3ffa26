"""Id fields of forms, filters and serializers: one rule (config/ids.py) for every input."""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.fields.related import ManyToManyRel, ManyToOneRel, OneToOneRel
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as drf_filters
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


_RELATIONS = (
    models.ForeignKey,
    models.OneToOneField,
    models.ManyToManyField,
    OneToOneRel,
    ManyToOneRel,
    ManyToManyRel,
)


class IdFilterSet(drf_filters.FilterSet):
    """The base of every FilterSet of the API. A relation in `Meta.fields` is filtered by an
    `IdFilter`, never by django-filter's default choice among all rows of the related model:
    that answers 400 "Select a valid choice" for an id that does not exist and 200 for a row
    the user may not see, which tells anyone that the row exists. With `IdFilter` every id in
    range is a plain number, so "not yours" and "not there" both filter to an empty list."""

    FILTER_DEFAULTS = {
        **drf_filters.FilterSet.FILTER_DEFAULTS,
        **{relation: {"filter_class": IdFilter} for relation in _RELATIONS},
    }


class IdFilterBackend(drf_filters.DjangoFilterBackend):
    """`DjangoFilterBackend` whose `filterset_fields` are built on `IdFilterSet`."""

    filterset_base = IdFilterSet


def id_serializer_field(**kwargs) -> serializers.IntegerField:
    """A serializer field holding an id: out of range is 400, never a query."""
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)
