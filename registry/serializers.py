"""The registry over the API. An entry carries the value, its kind, the publishing agencies
and their descriptions, the count of cases holding it network-wide, and its takedown status:
never a case. A proposal names the indicator (its own agency alone reads it)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

import access
from cases.models import FraudType, Suspect
from cases.serializers import DocumentSerializer, ScopedPrimaryKeyField
from indicators.models import Indicator
from indicators.serializers import AgencyContactSerializer
from registry.models import (
    Confidence,
    PublicationProposal,
    Recipient,
    RegistryEntry,
    RegistrySource,
    TakedownStep,
    WantedCategory,
    WantedIdentity,
)
from registry.selectors import LOOKUP_MAX


class SourceSerializer(serializers.ModelSerializer):
    agency = AgencyContactSerializer(read_only=True)

    class Meta:
        model = RegistrySource
        fields = [
            "agency",
            "confidence",
            "fraud_types",
            "description",
            "published_at",
            "withdrawn_at",
        ]


class StepSerializer(serializers.ModelSerializer):
    agency = serializers.CharField(source="agency.name", read_only=True)
    by = serializers.CharField(
        source="by.display_name", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = TakedownStep
        fields = ["status", "recipient", "reference", "taken_down_on", "note", "agency", "by", "at"]


class EntrySerializer(serializers.ModelSerializer):
    kind = serializers.CharField(source="value.kind", read_only=True)
    qualifier = serializers.CharField(source="value.qualifier", read_only=True)
    value = serializers.CharField(source="value.normalized", read_only=True)
    normalized_value = serializers.CharField(source="value.normalized", read_only=True)
    case_count = serializers.IntegerField(
        source="value.case_count",
        read_only=True,
        help_text="How many cases hold the value network-wide (never which).",
    )
    sources = SourceSerializer(source="live_sources", many=True, read_only=True)
    claimed_by = serializers.CharField(
        source="claimed_by.name", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = RegistryEntry
        fields = [
            "id",
            "kind",
            "qualifier",
            "value",
            "normalized_value",
            "case_count",
            "sources",
            "status",
            "status_changed_at",
            "claimed_by",
            "claimed_at",
            "version",
            "created_at",
        ]


class EntryDetailSerializer(EntrySerializer):
    steps = StepSerializer(many=True, read_only=True)
    history = SourceSerializer(
        source="sources", many=True, read_only=True, help_text="Every source, withdrawn ones too."
    )

    class Meta(EntrySerializer.Meta):
        fields = [*EntrySerializer.Meta.fields, "steps", "history"]


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="The entry's version you read."
    )


class TakedownRequestSerializer(VersionSerializer):
    recipient = serializers.ChoiceField(choices=Recipient.choices)
    reference = serializers.CharField(required=False, allow_blank=True, max_length=200)
    note = serializers.CharField(required=False, allow_blank=True)


class TakenDownSerializer(VersionSerializer):
    taken_down_on = serializers.DateField(required=False, allow_null=True)
    reference = serializers.CharField(required=False, allow_blank=True, max_length=200)
    note = serializers.CharField(
        required=False, allow_blank=True, help_text="The evidence of the takedown."
    )


class ReEmergedSerializer(VersionSerializer):
    note = serializers.CharField(required=False, allow_blank=True)


class LookupItemSerializer(serializers.Serializer):
    kind = serializers.CharField(max_length=40, allow_blank=True)
    value = serializers.CharField(max_length=2000, allow_blank=True, trim_whitespace=False)
    chain = serializers.CharField(required=False, allow_blank=True, max_length=40)
    platform = serializers.CharField(required=False, allow_blank=True, max_length=40)


class LookupSerializer(serializers.Serializer):
    values = LookupItemSerializer(many=True, allow_empty=False, max_length=LOOKUP_MAX)


class LookupResultSerializer(serializers.Serializer):
    kind = serializers.CharField()
    value = serializers.CharField()
    normalized_value = serializers.CharField()
    known = serializers.BooleanField()
    entry = EntrySerializer(allow_null=True)
    error = serializers.CharField(required=False)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not instance.error:
            data.pop("error", None)
        return data


class LookupAnswerSerializer(serializers.Serializer):
    results = LookupResultSerializer(many=True)


class ProposalSerializer(serializers.ModelSerializer):
    indicator = ScopedPrimaryKeyField(
        access.visible_indicators, Indicator, help_text="An indicator of your agency's case."
    )
    kind = serializers.CharField(source="indicator.kind", read_only=True)
    value = serializers.CharField(source="indicator.value.normalized", read_only=True)
    case = serializers.CharField(source="indicator.case.reference", read_only=True)
    confidence = serializers.ChoiceField(choices=Confidence.choices)
    fraud_types = serializers.ListField(
        child=serializers.ChoiceField(choices=FraudType.choices), required=False, default=list
    )
    proposed_by = serializers.CharField(
        source="proposed_by.display_name", read_only=True, default=None, allow_null=True
    )
    decided_by = serializers.CharField(
        source="decided_by.display_name", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = PublicationProposal
        fields = [
            "id",
            "indicator",
            "kind",
            "value",
            "case",
            "confidence",
            "fraud_types",
            "description",
            "status",
            "proposed_by",
            "created_at",
            "decided_by",
            "decided_at",
            "decision_note",
        ]
        read_only_fields = ["status", "decided_at", "decision_note"]


# --- wanted identities -----------------------------------------------------------------------


class WantedIdentitySerializer(serializers.ModelSerializer):
    """A published identity, in full: public to the network. Never its suspect or case."""

    agency = AgencyContactSerializer(read_only=True)
    names = serializers.ListField(child=serializers.CharField(), read_only=True)
    aliases = serializers.ListField(child=serializers.CharField(), read_only=True)
    date_of_birth = serializers.CharField(read_only=True, help_text="YYYY, YYYY-MM or YYYY-MM-DD.")
    nationalities = serializers.ListField(child=serializers.CharField(), read_only=True)
    documents = DocumentSerializer(many=True, read_only=True)
    handles = serializers.ListField(child=serializers.CharField(), read_only=True)
    notices = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = WantedIdentity
        fields = [
            "id",
            "category",
            "full_name",
            "names",
            "aliases",
            "date_of_birth",
            "birth_year",
            "birth_month",
            "birth_day",
            "nationalities",
            "documents",
            "handles",
            "notices",
            "description",
            "agency",
            "published_at",
            "withdrawn_at",
            "version",
        ]
        read_only_fields = fields


class WantedPublishSerializer(serializers.Serializer):
    suspect = ScopedPrimaryKeyField(
        access.visible_suspects, Suspect, help_text="A suspect of your agency's case."
    )
    category = serializers.ChoiceField(choices=WantedCategory.choices)
    description = serializers.CharField(max_length=500)
    names = serializers.ListField(
        child=serializers.CharField(max_length=200),
        required=False,
        default=list,
        help_text="The name in other scripts.",
    )
    handles = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, default=list
    )
    notices = serializers.ListField(
        child=serializers.CharField(max_length=200),
        required=False,
        default=list,
        help_text="Notice references besides the suspect's own.",
    )


class WantedWithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class MatchCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()


class WantedPersonSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["suspect", "victim"])
    trafficked_victim = serializers.BooleanField(allow_null=True)
    agency = AgencyContactSerializer()
    name = serializers.CharField(allow_null=True, help_text="Null: not a record you may read.")
    case = MatchCaseSerializer(allow_null=True, help_text="Null: not a case you may see.")


class WantedMatchSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    score = serializers.IntegerField()
    explanation = serializers.CharField()
    mine = serializers.BooleanField(help_text="The person is held by your agency.")
    identity = WantedIdentitySerializer()
    person = WantedPersonSerializer()
