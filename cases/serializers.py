from django_countries.serializer_fields import CountryField
from rest_framework import serializers

from agencies.models import Agency
from cases.models import Case


class CaseSerializer(serializers.ModelSerializer):
    agency = serializers.PrimaryKeyRelatedField(read_only=True)
    countries = serializers.ListField(child=CountryField(), required=False)
    shared_with = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Agency.objects.all(), required=False
    )

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
        read_only_fields = fields
