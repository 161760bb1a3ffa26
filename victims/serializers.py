"""API shapes of victims and repatriations. Serializers only check the shape of input; the
services decide (and validate the model)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_countries.serializer_fields import CountryField
from rest_framework import serializers

from config.fields import id_serializer_field
from victims.models import (
    VICTIM_INPUT_FIELDS,
    DatePrecision,
    Repatriation,
    RepatriationStep,
    Sex,
    Stage,
    Victim,
    VictimKind,
    Vulnerability,
)


class IdentityDocumentSerializer(serializers.Serializer):
    type = serializers.CharField(max_length=50)
    country = serializers.CharField(max_length=3)
    number = serializers.CharField(max_length=100)


class VictimSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    kind = serializers.ChoiceField(choices=VictimKind.choices)
    sex = serializers.ChoiceField(choices=Sex.choices, required=False)
    date_of_birth_precision = serializers.ChoiceField(choices=DatePrecision.choices, required=False)
    nationality = CountryField(required=False, allow_blank=True)
    current_country = CountryField(required=False, allow_blank=True)
    other_names = serializers.ListField(child=serializers.CharField(max_length=200), required=False)
    identity_documents = IdentityDocumentSerializer(many=True, required=False)
    vulnerabilities = serializers.ListField(
        child=serializers.ChoiceField(choices=Vulnerability.choices), required=False
    )
    case = id_serializer_field(
        source="case_id", help_text=_("Set on create (a case of your agency), never changed.")
    )
    repatriation = serializers.SerializerMethodField()
    version = serializers.IntegerField(
        required=False,
        help_text=_(
            "Required on update: the version you read. A stale one answers 409 with the "
            "current version and the fields that differ; ignored on creation."
        ),
    )

    class Meta:
        model = Victim
        fields = [
            "id",
            "reference",
            "case",
            *VICTIM_INPUT_FIELDS,
            "vulnerabilities",
            "repatriation",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "reference", "repatriation", "created_at", "updated_at"]

    def get_repatriation(self, victim: Victim) -> int | None:
        repatriation = victim.repatriation_or_none
        return repatriation.pk if repatriation else None


class VictimSummarySerializer(serializers.ModelSerializer):
    """What the destination agency sees of a person while a hand-over awaits its decision."""

    reference = serializers.CharField(read_only=True)
    vulnerabilities = serializers.ListField(child=serializers.CharField(), read_only=True)
    # Blank when unknown: the schema says so (CountryEnum or BlankEnum).
    nationality = CountryField(read_only=True, allow_blank=True)
    current_country = CountryField(read_only=True, allow_blank=True)

    class Meta:
        model = Victim
        fields = [
            "id",
            "reference",
            "full_name",
            "sex",
            "date_of_birth",
            "date_of_birth_precision",
            "nationality",
            "current_country",
            "current_facility",
            "vulnerabilities",
        ]
        read_only_fields = fields


class RepatriationStepSerializer(serializers.ModelSerializer):
    by = serializers.CharField(source="by.username", read_only=True)
    # Blank on the first step (there is no stage before it): the schema says so.
    from_stage = serializers.ChoiceField(choices=Stage.choices, allow_blank=True, read_only=True)

    class Meta:
        model = RepatriationStep
        fields = ["event", "from_stage", "to_stage", "agency", "by", "at", "note"]
        read_only_fields = fields


class RepatriationSerializer(serializers.ModelSerializer):
    destination_country = CountryField()
    overdue = serializers.BooleanField(read_only=True)
    victim_summary = VictimSummarySerializer(source="victim", read_only=True)
    steps = RepatriationStepSerializer(many=True, read_only=True)

    class Meta:
        model = Repatriation
        fields = [
            "id",
            "victim",
            "victim_summary",
            "destination_country",
            "stage",
            "stage_entered_at",
            "due_on",
            "overdue",
            "liaison_officer",
            "handed_over_to",
            "handover_status",
            "handover_reason",
            "version",
            "steps",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class RepatriationStartSerializer(serializers.Serializer):
    victim = id_serializer_field()
    destination_country = CountryField()
    liaison_officer = id_serializer_field(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")


def _repatriation_version() -> serializers.IntegerField:
    # Not required in the shape, so that a missing version gets the service's one message.
    return serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Required: the version of the repatriation you read. A stale one answers 409."),
    )


class MoveSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    version = _repatriation_version()


class CorrectSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why the last move was wrong: kept in the history.")
    version = _repatriation_version()


class HandoverSerializer(serializers.Serializer):
    agency = id_serializer_field()
    note = serializers.CharField(required=False, allow_blank=True, default="")
    version = _repatriation_version()


class DeclineSerializer(serializers.Serializer):
    reason = serializers.CharField()


class BulkMoveSerializer(serializers.Serializer):
    repatriations = serializers.ListField(child=id_serializer_field(), allow_empty=False)
    stage = serializers.ChoiceField(choices=Stage.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")
