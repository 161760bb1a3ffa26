"""API shapes for joint operations and the approvals queue. Serializers validate input and
shape output; the services write."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_countries.serializer_fields import CountryField
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from agencies.models import Agency
from cases.models import Case, JointOperation, OperationParticipant
from cases.money import currency_choices
from cases.serializers import version_field
from config.fields import id_serializer_field
from indicators.serializers import AccessRequestSerializer
from operations.models import OperationRate
from operations.services import OPERATION_FIELDS
from registry.serializers import ProposalSerializer


class EstimateSerializer(serializers.Serializer):
    currency = serializers.CharField(help_text=_("The operation's reporting currency."))
    frozen = serializers.CharField()
    seized = serializers.CharField()
    recovered = serializers.CharField()
    not_converted = serializers.ListField(
        child=serializers.CharField(), help_text=_("Currencies without a recorded rate.")
    )


class ClockSerializer(serializers.Serializer):
    median_hours = serializers.CharField(allow_null=True, help_text=_("Hours, one decimal."))
    p90_hours = serializers.CharField(allow_null=True, help_text=_("Hours, one decimal."))
    count = serializers.IntegerField()


class StopPaymentEstimateSerializer(serializers.Serializer):
    currency = serializers.CharField(help_text=_("The operation's reporting currency."))
    requested = serializers.CharField()
    frozen = serializers.CharField()
    recovered = serializers.CharField()
    returned = serializers.CharField()
    not_converted = serializers.ListField(
        child=serializers.CharField(), help_text=_("Currencies without a recorded rate.")
    )


class AgencyRequestsSerializer(serializers.Serializer):
    agency = serializers.CharField()
    sent = serializers.IntegerField()
    received = serializers.IntegerField()


class StopPaymentFiguresSerializer(serializers.Serializer):
    """Over the chains whose originating case is linked to the operation (payments/figures.py):
    requested counts the first request of each chain only."""

    requests = serializers.IntegerField()
    open = serializers.IntegerField()
    overdue = serializers.IntegerField()
    to_acknowledge = ClockSerializer()
    to_freeze = ClockSerializer()
    amounts = serializers.DictField(
        child=serializers.DictField(child=serializers.CharField()),
        help_text=_('Per measure, per currency: {"frozen": {"USD": "1.00"}}.'),
    )
    estimate = StopPaymentEstimateSerializer(help_text=_("An estimate at the operation's rates."))
    by_agency = AgencyRequestsSerializer(many=True)


class FiguresSerializer(serializers.Serializer):
    """Computed from every case linked to the operation (see operations/figures.py)."""

    cases = serializers.IntegerField()
    arrested = serializers.IntegerField(help_text=_("Arrested or any later stage."))
    charged = serializers.IntegerField(help_text=_("Charged or any later stage."))
    extradited = serializers.IntegerField()
    victims_identified = serializers.IntegerField()
    victims_rescued = serializers.IntegerField()
    victims_repatriated = serializers.IntegerField()
    assets_frozen = serializers.DictField(
        child=serializers.CharField(),
        help_text=_('Frozen or later, per currency: {"USD": "1.00"}.'),
    )
    assets_seized = serializers.DictField(child=serializers.CharField())
    assets_recovered = serializers.DictField(child=serializers.CharField())
    assets_estimate = EstimateSerializer(help_text=_("An estimate at the operation's rates."))
    infrastructure_taken_down = serializers.IntegerField()
    infrastructure_taken_down_by_kind = serializers.DictField(child=serializers.IntegerField())
    countries_with_victims = serializers.IntegerField()
    victims_by_country = serializers.DictField(
        child=serializers.IntegerField(), help_text=_("Victims per nationality (ISO code).")
    )
    hits_between_participants = serializers.IntegerField()
    stop_payments = StopPaymentFiguresSerializer()


class ParticipantSerializer(serializers.ModelSerializer):
    agency_name = serializers.CharField(source="agency.name", read_only=True)

    class Meta:
        model = OperationParticipant
        fields = ["agency", "agency_name", "status", "decided_at"]
        read_only_fields = fields


class RateSerializer(serializers.ModelSerializer):
    currency = serializers.ChoiceField(choices=currency_choices())

    class Meta:
        model = OperationRate
        fields = ["currency", "rate"]


class OperationSerializer(serializers.ModelSerializer):
    lead_agency_name = serializers.CharField(source="lead_agency.name", read_only=True)
    target_countries = serializers.ListField(child=CountryField(), required=False)
    participants = ParticipantSerializer(source="participations", many=True, read_only=True)
    rates = RateSerializer(many=True, read_only=True)
    version = version_field()

    class Meta:
        model = JointOperation
        fields = [
            "id",
            "code",
            *OPERATION_FIELDS,
            "lead_agency",
            "lead_agency_name",
            "status",
            "participants",
            "rates",
            "version",
            "created_at",
        ]
        read_only_fields = ["lead_agency", "status", "created_at"]
        extra_kwargs = {"code": {"validators": []}}

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list):
            fields["code"].read_only = True
        return fields

    def validate_target_countries(self, value):
        return [getattr(c, "code", c) for c in value]

    def service_fields(self) -> dict:
        return {k: v for k, v in self.validated_data.items() if k in OPERATION_FIELDS}


class OperationDetailSerializer(OperationSerializer):
    figures = serializers.SerializerMethodField(
        help_text=_("Null for an agency that is only invited (not yet a member).")
    )

    class Meta(OperationSerializer.Meta):
        fields = [*OperationSerializer.Meta.fields, "figures"]

    @extend_schema_field(FiguresSerializer(allow_null=True))
    def get_figures(self, operation: JointOperation) -> dict | None:
        return self.context.get("figures")


class InviteSerializer(serializers.Serializer):
    agencies = serializers.PrimaryKeyRelatedField(many=True, queryset=Agency.objects.all())


class StatusSerializer(serializers.Serializer):
    status = serializers.CharField(help_text=_("The next status: `active`, then `concluded`."))


class LinkCaseSerializer(serializers.Serializer):
    case = id_serializer_field(help_text=_("A case of your own agency."))
    share = serializers.BooleanField(
        default=False, help_text=_("Also set its sharing level to `operation`.")
    )


class LinkedCaseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Case
        fields = ["id", "reference", "operation", "sharing_level", "version"]
        read_only_fields = fields


class InvitationSerializer(serializers.ModelSerializer):
    operation = serializers.IntegerField(source="operation_id", read_only=True)
    operation_name = serializers.CharField(source="operation.name", read_only=True)
    operation_code = serializers.CharField(source="operation.code", read_only=True)
    lead_agency_name = serializers.CharField(source="operation.lead_agency.name", read_only=True)
    # An operation's dates are optional.
    starts_on = serializers.DateField(source="operation.starts_on", read_only=True, allow_null=True)
    ends_on = serializers.DateField(source="operation.ends_on", read_only=True, allow_null=True)

    class Meta:
        model = OperationParticipant
        fields = [
            "operation",
            "operation_name",
            "operation_code",
            "lead_agency_name",
            "starts_on",
            "ends_on",
            "status",
        ]
        read_only_fields = fields


# One object (two lists), although it answers the `list` action: not an array of them.
@extend_schema_serializer(many=False)
class ApprovalsSerializer(serializers.Serializer):
    """Decide access requests at /api/v1/access-requests/{id}/grant|refuse/ and invitations at
    /api/v1/operations/{id}/accept|decline/, proposals to publish to the registry at
    /api/v1/registry-proposals/{id}/approve|refuse/."""

    access_requests = AccessRequestSerializer(many=True, read_only=True)
    invitations = InvitationSerializer(many=True, read_only=True)
    publications = ProposalSerializer(many=True, read_only=True)
