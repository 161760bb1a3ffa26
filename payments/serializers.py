"""Stop-payment requests over the API. A request names its originating case (and the hop
before it) only to the agency owning the case; an agency along the chain reads the hops it
sent or received, their accounts and amounts."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

import access
from agencies.models import Agency
from cases.models import Asset
from cases.serializers import ScopedPrimaryKeyField, VisibleCaseField
from indicators.models import Hit, Indicator
from indicators.normalize.kinds import Chain
from indicators.serializers import AgencyContactSerializer
from payments.models import OUTCOMES, AccountKind, StopPaymentRequest, StopPaymentTransfer, Urgency
from victims.models import Victim

_MONEY = {"max_digits": 18, "decimal_places": 2}


class TransferSerializer(serializers.ModelSerializer):
    currency = serializers.CharField(max_length=3, required=False, allow_blank=True)

    class Meta:
        model = StopPaymentTransfer
        fields = ["amount", "currency", "sent_on", "reference"]


class StopPaymentSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    case = serializers.SerializerMethodField(
        help_text="The originating case: for the agency owning it only, else null."
    )
    case_reference = serializers.SerializerMethodField()
    parent = serializers.SerializerMethodField(
        help_text="The request this one follows on from, for the agencies that see it."
    )
    from_agency = AgencyContactSerializer(read_only=True)
    to_agency = AgencyContactSerializer(read_only=True)
    chain = serializers.CharField(source="chain_name", read_only=True)
    filed_by = serializers.CharField(source="filed_by.display_name", read_only=True)
    acknowledged_by = serializers.CharField(
        source="acknowledged_by.display_name", read_only=True, default=None, allow_null=True
    )
    answered_by = serializers.CharField(
        source="answered_by.display_name", read_only=True, default=None, allow_null=True
    )
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)
    remaining_seconds = serializers.SerializerMethodField(
        help_text="Seconds left before the deadline (negative when overdue); null once answered."
    )
    transactions = TransferSerializer(source="transfers", many=True, read_only=True)

    class Meta:
        model = StopPaymentRequest
        fields = [
            "id",
            "reference",
            "case",
            "case_reference",
            "parent",
            "hop",
            "from_agency",
            "to_agency",
            "account_kind",
            "chain",
            "account",
            "amount",
            "currency",
            "transactions",
            "urgency",
            "deadline",
            "note",
            "status",
            "overdue",
            "remaining_seconds",
            "created_at",
            "filed_by",
            "acknowledged_at",
            "acknowledged_by",
            "answered_at",
            "answered_by",
            "amount_frozen",
            "frozen_currency",
            "frozen_on",
            "institution",
            "reason",
            "answer_note",
            "version",
        ]
        read_only_fields = fields

    def _sees_origin(self, obj: StopPaymentRequest) -> bool:
        return access.can_see_origin(self.context["request"].user, obj)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_case(self, obj: StopPaymentRequest) -> int | None:
        return obj.case_id if self._sees_origin(obj) else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_case_reference(self, obj: StopPaymentRequest) -> str | None:
        return obj.case.reference if self._sees_origin(obj) else None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_parent(self, obj: StopPaymentRequest) -> int | None:
        if obj.parent_id is None:
            return None
        sender = obj.from_agency_id == access.agency_id_of(self.context["request"].user)
        return obj.parent_id if sender or self._sees_origin(obj) else None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_remaining_seconds(self, obj: StopPaymentRequest) -> int | None:
        if not obj.is_open:
            return None
        return int((obj.deadline - timezone.now()).total_seconds())


class FileSerializer(serializers.Serializer):
    case = VisibleCaseField(help_text="A case of your agency.")
    to_agency = serializers.PrimaryKeyRelatedField(queryset=Agency.objects.all())
    account_kind = serializers.ChoiceField(choices=AccountKind.choices)
    account = serializers.CharField(max_length=200)
    chain = serializers.ChoiceField(
        choices=Chain.choices, required=False, allow_blank=True, help_text="For a crypto wallet."
    )
    amount = serializers.DecimalField(**_MONEY)
    currency = serializers.CharField(max_length=3)
    deadline = serializers.DateTimeField(
        required=False, allow_null=True, help_text="Default: FORTRESS_STOP_PAYMENT_HOURS from now."
    )
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)
    note = serializers.CharField(required=False, allow_blank=True)
    asset = ScopedPrimaryKeyField(access.visible_assets, Asset, required=False, allow_null=True)
    indicator = ScopedPrimaryKeyField(
        access.visible_indicators, Indicator, required=False, allow_null=True
    )
    hit = ScopedPrimaryKeyField(access.visible_hits, Hit, required=False, allow_null=True)
    victim = ScopedPrimaryKeyField(
        access.visible_victims,
        Victim,
        required=False,
        allow_null=True,
        help_text="The victim whose loss it is (else the case's reported loss).",
    )
    transactions = TransferSerializer(many=True, required=False)


class StopPaymentVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="The request's version you read (required)."
    )


class OutcomeSerializer(StopPaymentVersionSerializer):
    outcome = serializers.ChoiceField(choices=[(o.value, o.label) for o in OUTCOMES])
    amount_frozen = serializers.DecimalField(required=False, allow_null=True, **_MONEY)
    currency = serializers.CharField(
        max_length=3,
        required=False,
        allow_blank=True,
        help_text="Of the amount frozen, or of the amount moved on.",
    )
    frozen_on = serializers.DateField(required=False, allow_null=True)
    institution = serializers.CharField(max_length=200, required=False, allow_blank=True)
    reason = serializers.CharField(required=False, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True)
    onward_account = serializers.CharField(max_length=200, required=False, allow_blank=True)
    onward_account_kind = serializers.ChoiceField(
        choices=AccountKind.choices, required=False, help_text="Default: this request's kind."
    )
    onward_chain = serializers.ChoiceField(choices=Chain.choices, required=False, allow_blank=True)
    onward_agency = serializers.PrimaryKeyRelatedField(
        queryset=Agency.objects.all(), required=False, allow_null=True
    )
    amount = serializers.DecimalField(
        required=False, allow_null=True, help_text="The amount moved on.", **_MONEY
    )
    onward_currency = serializers.CharField(
        max_length=3,
        required=False,
        allow_blank=True,
        help_text="Of the amount moved on, after a partial freeze (default: `currency`).",
    )

    def service_kwargs(self) -> dict[str, Any]:
        data = self.validated_data
        return {
            "outcome": data["outcome"],
            "amount_frozen": data.get("amount_frozen"),
            "currency": data.get("currency", ""),
            "frozen_on": data.get("frozen_on"),
            "institution": data.get("institution", ""),
            "reason": data.get("reason", ""),
            "note": data.get("note", ""),
            "onward_account": data.get("onward_account", ""),
            "onward_account_kind": data.get("onward_account_kind", ""),
            "onward_chain": data.get("onward_chain", ""),
            "onward_agency": data.get("onward_agency"),
            "onward_amount": data.get("amount"),
            "onward_currency": data.get("onward_currency", ""),
        }
