"""API shapes of the case file. Serializers validate the shape of the input; the rules are in
cases/services.py, which the API views call with `validated_data`."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_countries.serializer_fields import CountryField
from rest_framework import serializers

import access
from agencies.models import Agency, User
from cases.models import Asset, Case, CaseNote, Suspect, parse_partial_date
from cases.money import validate_currency
from cases.services import CASE_FIELDS
from config.messages import read_by


def _currency(value: str) -> str:
    try:
        validate_currency(value)
    except DjangoValidationError as exc:
        raise serializers.ValidationError(exc.messages) from None
    return value.upper()


class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A related id looked up only among what the requesting user may see: anything else is
    "does not exist", whether it exists or not."""

    def __init__(self, scope, model, **kwargs: Any) -> None:
        self.scope = scope
        # The queryset only names the model (for the schema); lookups go through `scope`.
        super().__init__(queryset=model.objects.none(), **kwargs)

    def get_queryset(self):
        return self.scope(self.context["request"].user)


def _lead_candidates(user: User) -> QuerySet[User]:
    """Who the user may name as a case's lead: the policy's candidates of their agency."""
    agency_id = access.agency_id_of(user)
    if agency_id is None:
        return User.objects.none()
    return access.case_lead_candidates(agency_id)


class VisibleCaseField(ScopedPrimaryKeyField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(access.visible_cases, Case, **kwargs)


def version_field() -> serializers.IntegerField:
    return serializers.IntegerField(
        required=False,
        help_text=_(
            "The version you read. Required on update; a stale version answers 409 with "
            "the current version and the fields changed since. Ignored on creation."
        ),
    )


class CaseSerializer(serializers.ModelSerializer):
    agency = serializers.PrimaryKeyRelatedField(read_only=True)
    lead_investigator = ScopedPrimaryKeyField(
        _lead_candidates,
        User,
        required=False,
        allow_null=True,
        help_text=_("An investigator or supervisor of the case's agency."),
    )
    countries = serializers.ListField(child=CountryField(), required=False)
    shared_with = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Agency.objects.all(), required=False
    )
    version = version_field()

    class Meta:
        model = Case
        fields = [
            "id",
            "reference",
            "title",
            "summary",
            "fraud_type",
            "status",
            "agency",
            "lead_investigator",
            "countries",
            "reported_loss_amount",
            "reported_loss_currency",
            "opened_on",
            "closed_on",
            "sharing_level",
            "shared_with",
            "operation",
            "silent",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "reference", "agency", "operation", "created_at", "updated_at"]

    def validate_reported_loss_currency(self, value: str) -> str:
        return _currency(value) if value else value

    def service_fields(self) -> dict[str, Any]:
        return {k: v for k, v in self.validated_data.items() if k in CASE_FIELDS}


class DocumentSerializer(serializers.Serializer):
    type = serializers.CharField(allow_blank=True, required=False, max_length=60)
    country = CountryField(required=False, allow_blank=True)
    number = serializers.CharField(max_length=100)


class SuspectSerializer(serializers.ModelSerializer):
    case = VisibleCaseField(help_text=_("Set on creation; a suspect never moves."))
    aliases = serializers.ListField(child=serializers.CharField(max_length=300), required=False)
    date_of_birth = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=_("YYYY, YYYY-MM or YYYY-MM-DD (a partial date of birth)."),
    )
    nationalities = serializers.ListField(child=CountryField(), required=False)
    documents = DocumentSerializer(many=True, required=False)
    notice_references = serializers.ListField(
        child=serializers.CharField(max_length=200),
        required=False,
        source="notice_list",
        help_text=_("Interpol notices, warrants."),
    )
    version = version_field()

    class Meta:
        model = Suspect
        fields = [
            "id",
            "case",
            "full_name",
            "aliases",
            "date_of_birth",
            "nationalities",
            "documents",
            "role",
            "status",
            "notice_references",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate_date_of_birth(self, value: str) -> tuple[int | None, int | None, int | None]:
        try:
            return parse_partial_date(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        data.pop("case", None)
        data.pop("version", None)
        if "date_of_birth" in data:
            data["birth_year"], data["birth_month"], data["birth_day"] = data.pop("date_of_birth")
        if "notice_list" in data:
            data["notice_references"] = "\n".join(data.pop("notice_list"))
        if "documents" in data:
            data["documents"] = [dict(d) for d in data["documents"]]
        return data


class AssetSerializer(serializers.ModelSerializer):
    case = VisibleCaseField(help_text=_("Set on creation; an asset never moves."))
    version = version_field()

    class Meta:
        model = Asset
        fields = [
            "id",
            "case",
            "kind",
            "description",
            "amount",
            "currency",
            "status",
            "status_changed_on",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {
            "status_changed_on": {
                "required": False,
                "help_text": "Date of the last status change; today when the status changes.",
            }
        }

    def validate_currency(self, value: str) -> str:
        return _currency(value) if value else value

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        data.pop("case", None)
        data.pop("version", None)
        return data


class NoteSerializer(serializers.ModelSerializer):
    case = VisibleCaseField(help_text=_("Set on creation."))
    # Empty on the events the system records (no one wrote them).
    author = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = CaseNote
        fields = ["id", "case", "kind", "author", "text", "created_at", "updated_at"]
        read_only_fields = ["id", "kind", "author", "created_at", "updated_at"]

    def to_representation(self, instance: CaseNote) -> dict[str, Any]:
        """An event's text in the reader's language (config.messages)."""
        data = super().to_representation(instance)
        request = self.context.get("request")
        with read_by(getattr(request, "user", None)):
            data["text"] = instance.display_text
        return data

    def service_fields(self) -> dict[str, Any]:
        current = self.instance.text if self.instance else ""
        return {"text": self.validated_data.get("text", current)}
