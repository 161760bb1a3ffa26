"""API shapes for indicators, hits and access requests. A hit names the other agencies and
their contacts, never a field of the other agencies' cases."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

import access
from agencies.models import Agency
from cases.serializers import ScopedPrimaryKeyField, VisibleCaseField
from indicators.models import (
    AccessRequest,
    Chain,
    Hit,
    HitStatus,
    Indicator,
    Kind,
    Platform,
    TakedownStatus,
)
from indicators.selectors import hit_counterparts


class IndicatorSerializer(serializers.ModelSerializer):
    case = VisibleCaseField()
    kind = serializers.ChoiceField(choices=Kind.choices)
    value = serializers.CharField(
        source="raw_value", max_length=1000, help_text=_("The value as entered; it is normalised.")
    )
    normalized_value = serializers.CharField(source="value.normalized", read_only=True)
    chain = serializers.ChoiceField(
        choices=Chain.choices, required=False, allow_blank=True, help_text=_("Crypto wallets.")
    )
    platform = serializers.ChoiceField(
        choices=Platform.choices, required=False, allow_blank=True, help_text=_("Handles.")
    )
    takedown_status = serializers.ChoiceField(
        choices=TakedownStatus.choices, required=False, default=TakedownStatus.ACTIVE
    )
    is_common = serializers.BooleanField(source="value.is_common", read_only=True)
    pending = serializers.BooleanField(
        source="is_pending", read_only=True, help_text=_("Not yet cross-referenced.")
    )

    class Meta:
        model = Indicator
        fields = [
            "id",
            "case",
            "kind",
            "value",
            "normalized_value",
            "chain",
            "platform",
            "first_seen",
            "last_seen",
            "note",
            "takedown_status",
            "takedown_date",
            "is_common",
            "pending",
            "created_at",
        ]
        read_only_fields = ["created_at"]

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        data.pop("case")
        data["value"] = data.pop("raw_value")
        return data


class IndicatorUpdateSerializer(serializers.Serializer):
    first_seen = serializers.DateField(required=False, allow_null=True)
    last_seen = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True)
    takedown_status = serializers.ChoiceField(choices=TakedownStatus.choices, required=False)
    takedown_date = serializers.DateField(required=False, allow_null=True)


class AgencyContactSerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="country.code")

    class Meta:
        model = Agency
        fields = ["id", "name", "country", "contact_email", "contact_phone"]


class HitSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(source="value.kind", read_only=True)
    value = serializers.CharField(source="value.normalized", read_only=True)
    qualifier = serializers.CharField(
        source="value.qualifier",
        read_only=True,
        help_text=_("Chain of a wallet, platform of a handle."),
    )
    case_reference = serializers.CharField(source="case.reference", read_only=True)
    other_agencies = serializers.SerializerMethodField(
        help_text=_("The other agencies holding the value, and whom to contact there.")
    )

    class Meta:
        model = Hit
        fields = [
            "id",
            "kind",
            "value",
            "qualifier",
            "case",
            "case_reference",
            "other_agencies",
            "status",
            "created_at",
            "reviewed_at",
        ]
        read_only_fields = fields

    @extend_schema_field(AgencyContactSerializer(many=True))
    def get_other_agencies(self, hit: Hit) -> list[dict]:
        counterparts = self.context.get("counterparts")
        if counterparts is None:
            counterparts = hit_counterparts(self.context["request"].user, [hit])
        return AgencyContactSerializer(counterparts.get(hit.pk, []), many=True).data


class HitStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=HitStatus.choices)


class RequestHitField(ScopedPrimaryKeyField):
    """The hit a request is made from: required on creation; null in answers once the
    sighting was removed (the request stands, `on_delete=SET_NULL`)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(access.visible_hits, Hit, **kwargs)


class RequestHitFieldSchema(OpenApiSerializerFieldExtension):
    """The schema says so: nullable in answers only."""

    target_class = RequestHitField

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        return {**schema, "nullable": True} if direction == "response" else schema


class AccessRequestSerializer(serializers.ModelSerializer):
    hit = RequestHitField(help_text=_("One of your agency's hits."))
    agency = serializers.PrimaryKeyRelatedField(
        queryset=Agency.objects.all(),
        write_only=True,
        help_text=_("The agency to ask: one of the hit's other agencies."),
    )
    owning_agency = AgencyContactSerializer(source="case.agency", read_only=True)
    requesting_agency = AgencyContactSerializer(read_only=True)
    case = serializers.SerializerMethodField(
        help_text=_("The case asked for: given only to its own agency.")
    )
    requested_by = serializers.CharField(source="requested_by.display_name", read_only=True)
    decided_by = serializers.CharField(
        source="decided_by.display_name", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = AccessRequest
        fields = [
            "id",
            "hit",
            "agency",
            "owning_agency",
            "case",
            "requesting_agency",
            "requested_by",
            "reason",
            "status",
            "decided_by",
            "decided_at",
            "decision_note",
            "created_at",
        ]
        read_only_fields = ["status", "decided_at", "decision_note", "created_at"]

    def get_case(self, obj: AccessRequest) -> int | None:
        user = self.context["request"].user
        return obj.case_id if access.is_own_case(user, obj.case) else None


class DecisionSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")
