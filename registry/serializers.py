"""The registry over the API. An entry carries the value, its kind, the publishing agencies
and their descriptions, the count of cases holding it network-wide, and its takedown status:
never a case. A proposal names the indicator (its own agency alone reads it)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
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
from registry.selectors import LOOKUP_MAX, LookupHit


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
        help_text=_("How many cases hold the value network-wide (never which)."),
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
            "public_awareness",
            "created_at",
            "updated_at",
        ]


class EntryDetailSerializer(EntrySerializer):
    steps = StepSerializer(many=True, read_only=True)
    history = SourceSerializer(
        source="sources",
        many=True,
        read_only=True,
        help_text=_("Every source, withdrawn ones too."),
    )

    class Meta(EntrySerializer.Meta):
        fields = [*EntrySerializer.Meta.fields, "steps", "history"]


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False, min_value=1, help_text=_("The entry's version you read.")
    )


class TakedownRequestSerializer(VersionSerializer):
    recipient = serializers.ChoiceField(choices=Recipient.choices)
    reference = serializers.CharField(required=False, allow_blank=True, max_length=200)
    note = serializers.CharField(required=False, allow_blank=True)


class TakenDownSerializer(VersionSerializer):
    taken_down_on = serializers.DateField(required=False, allow_null=True)
    reference = serializers.CharField(required=False, allow_blank=True, max_length=200)
    note = serializers.CharField(
        required=False, allow_blank=True, help_text=_("The evidence of the takedown.")
    )


class ReEmergedSerializer(VersionSerializer):
    note = serializers.CharField(required=False, allow_blank=True)


class LookupItemSerializer(serializers.Serializer):
    kind = serializers.CharField(max_length=40, allow_blank=True)
    value = serializers.CharField(max_length=2000, allow_blank=True, trim_whitespace=False)
    chain = serializers.CharField(required=False, allow_blank=True, max_length=40)
    platform = serializers.CharField(required=False, allow_blank=True, max_length=40)


LOOKUP_LIMITS = {"kind": 40, "value": 2000, "chain": 40, "platform": 40}


@extend_schema_field(LookupItemSerializer(many=True))
class LookupValuesField(serializers.Field):
    """The asked values, checked as LookupItemSerializer says (strings within their lengths,
    `kind` and `value` required) without a serializer per item: 10,000 of them are checked
    in milliseconds rather than seconds."""

    def to_internal_value(self, data: Any) -> list[dict[str, str]]:
        if not isinstance(data, list):
            raise serializers.ValidationError(_("A list of {kind, value} objects."))
        if not data:
            raise serializers.ValidationError(_("Ask at least one value."))
        if len(data) > LOOKUP_MAX:
            raise serializers.ValidationError(
                _("At most %(n)d values at a time.") % {"n": LOOKUP_MAX}
            )
        items, errors = [], {}
        for index, item in enumerate(data):
            problem, clean = _lookup_item(item)
            if problem:
                errors[index] = problem
            items.append(clean)
        if errors:
            raise serializers.ValidationError(errors)
        return items


def _lookup_item(item: Any) -> tuple[dict[str, list[str]], dict[str, str]]:
    if not isinstance(item, dict):
        return {"non_field_errors": [_("An object with kind and value.")]}, {}
    problem: dict[str, list[str]] = {}
    clean: dict[str, str] = {}
    for name, limit in LOOKUP_LIMITS.items():
        if name not in item:
            if name in ("kind", "value"):
                problem[name] = [_("This field is required.")]
            continue
        text = item[name]
        if isinstance(text, bool) or not isinstance(text, str | int | float):
            problem[name] = [_("Not a valid string.")]
        elif len(str(text)) > limit:
            problem[name] = [_("At most %(n)d characters.") % {"n": limit}]
        else:
            clean[name] = str(text) if name == "value" else str(text).strip()
    return problem, clean


class LookupSerializer(serializers.Serializer):
    values = LookupValuesField(help_text="Up to 10,000 values of any kinds.")


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

    def to_representation(self, instance: Any) -> dict[str, Any]:
        """What LookupResultSerializer gives, built by hand (entry_representation): a field
        serializer per entry cost seconds for 10,000 values."""
        agencies: dict[int, dict[str, Any]] = {}
        results = []
        for r in instance["results"]:
            result = {
                "kind": r.kind,
                "value": r.value,
                "normalized_value": r.normalized_value,
                "known": r.known,
                "entry": None if r.entry is None else lookup_entry(r.entry, agencies),
            }
            if r.error:
                result["error"] = r.error
            results.append(result)
        return {"results": results}


_time = serializers.DateTimeField().to_representation


def _when(value: Any) -> Any:
    return None if value is None else _time(value)


def entry_representation(
    entry: RegistryEntry, agencies: dict[int, dict[str, Any]]
) -> dict[str, Any]:
    """An entry as EntrySerializer writes it (tests/test_registry_feeds.py compares the two);
    `agencies` caches each agency's contact across the answer."""
    value, claimed = entry.value, entry.claimed_by
    row = (
        entry.pk,
        value.kind,
        value.qualifier,
        value.normalized,
        value.case_count,
        entry.status,
        entry.status_changed_at,
        claimed.name if claimed else None,
        entry.claimed_at,
        entry.version,
        entry.public_awareness,
        entry.created_at,
        entry.updated_at,
    )
    sources = [
        (
            entry.pk,
            s.agency.pk,
            s.agency.name,
            s.agency.country.code,
            s.agency.contact_email,
            s.agency.contact_phone,
            s.confidence,
            s.fraud_types,
            s.description,
            s.published_at,
            s.withdrawn_at,
        )
        for s in entry.live_sources  # type: ignore[attr-defined]
    ]
    return lookup_entry(LookupHit(row, sources), agencies)


def lookup_entry(hit: LookupHit, agencies: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """An entry from the columns the lookup reads (selectors.ENTRY_COLUMNS and
    SOURCE_COLUMNS), as EntrySerializer writes it, without a model instance per row."""
    (pk, kind, qualifier, normalized, case_count, status, status_changed_at, claimed_by,
     claimed_at, version, public_awareness, created_at, updated_at) = hit.row  # fmt: skip
    sources = []
    for source in hit.sources:
        agency_id, name, country, email, phone = source[1:6]
        confidence, fraud_types, description, published_at, withdrawn_at = source[6:]
        if agency_id not in agencies:
            agencies[agency_id] = {
                "id": agency_id,
                "name": name,
                "country": str(country),
                "contact_email": email,
                "contact_phone": phone,
            }
        sources.append(
            {
                "agency": agencies[agency_id],
                "confidence": confidence,
                "fraud_types": fraud_types,
                "description": description,
                "published_at": _when(published_at),
                "withdrawn_at": _when(withdrawn_at),
            }
        )
    return {
        "id": pk,
        "kind": kind,
        "qualifier": qualifier,
        "value": normalized,
        "normalized_value": normalized,
        "case_count": case_count,
        "sources": sources,
        "status": status,
        "status_changed_at": _when(status_changed_at),
        "claimed_by": claimed_by,
        "claimed_at": _when(claimed_at),
        "version": version,
        "public_awareness": public_awareness,
        "created_at": _when(created_at),
        "updated_at": _when(updated_at),
    }


class ProposalSerializer(serializers.ModelSerializer):
    indicator = ScopedPrimaryKeyField(
        access.visible_indicators, Indicator, help_text=_("An indicator of your agency's case.")
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


class AwarenessSerializer(VersionSerializer):
    public = serializers.BooleanField(help_text="Shown on the public awareness page, or not.")


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
