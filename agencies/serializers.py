from django_countries.serializer_fields import CountryField
from rest_framework import serializers

from agencies.models import Agency, ApiToken


class AgencySerializer(serializers.ModelSerializer):
    country = CountryField()
    contact = serializers.EmailField(source="contact_email", read_only=True)

    class Meta:
        model = Agency
        fields = ["id", "code", "name", "country", "kind", "contact", "contact_phone"]
        read_only_fields = fields


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    otp = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text=(
            "The second factor: the current 6-digit code of the authenticator app, or one "
            "unused recovery code. Required when the account has a second factor, and for "
            "every account when FORTRESS_REQUIRE_MFA is on."
        ),
    )
    name = serializers.CharField(required=False, allow_blank=True, max_length=100)


class TokenIssuedSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)
    expires_at = serializers.DateTimeField(read_only=True)


class ApiTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "prefix",
            "created_at",
            "last_used_at",
            "expires_at",
            "revoked_at",
        ]
        read_only_fields = fields
