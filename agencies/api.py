from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_login_failed
from django.utils.translation import gettext as _
from django_otp import match_token, user_has_device
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

import access
from agencies import services
from agencies.models import Agency, ApiToken
from agencies.serializers import (
    AgencySerializer,
    ApiTokenSerializer,
    TokenIssuedSerializer,
    TokenRequestSerializer,
)


class IsAgencyMember(BasePermission):
    """Signed in, active, and a member of an agency (platform admins use Django admin)."""

    def has_permission(self, request, view) -> bool:
        return access.agency_id_of(request.user) is not None


class AgencyViewSet(viewsets.ReadOnlyModelViewSet):
    """The directory of agencies: every member may find every agency and its contact."""

    serializer_class = AgencySerializer
    permission_classes = [IsAgencyMember]
    queryset = Agency.objects.all()
    filterset_fields = ["country", "kind", "code"]
    search_fields = ["name", "code"]
    ordering_fields = ["name", "country", "code"]


class LoginThrottle(AnonRateThrottle):
    rate = "20/min"


def _refused() -> AuthenticationFailed:
    # One answer whatever was wrong (the name, the password, the code): a guesser learns
    # nothing, not even that a password was right.
    return AuthenticationFailed(
        _(
            "Unknown username, wrong password or second-factor code, or account inactive. "
            "An account with a second factor sends its current code as `otp`."
        )
    )


class ObtainTokenView(APIView):
    """Exchange a username, password and (for an account with a second factor, or whenever
    the second factor is required) a current authenticator code or an unused recovery code
    as `otp`, for a new API token (`Authorization: Token <key>`), expiring after
    `FORTRESS_TOKEN_DAYS`. Failures count towards the account's and the address's lockout;
    a locked account or address answers 429."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginThrottle]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            201: TokenIssuedSerializer,
            403: OpenApiResponse(description="Refused: the name, password or code is wrong."),
            429: OpenApiResponse(description="Locked out after failed sign-ins, or throttled."),
        },
    )
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # The Django request: django-axes marks a lockout on it for its middleware to answer.
        django_request = request._request
        username = data.validated_data["username"]
        user = authenticate(
            django_request, username=username, password=data.validated_data["password"]
        )
        if user is None:
            raise _refused()
        if settings.FORTRESS_REQUIRE_MFA or user_has_device(user, confirmed=True):
            code = data.validated_data.get("otp", "").strip().replace(" ", "")
            if not code or match_token(user, code) is None:
                user_login_failed.send(
                    sender=__name__, credentials={"username": username}, request=django_request
                )
                raise _refused()
        token, key = services.token_create(user=user, name=data.validated_data.get("name", ""))
        return Response(
            {"token": key, "expires_at": token.expires_at}, status=status.HTTP_201_CREATED
        )


class ApiTokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """The signed-in user's own tokens; DELETE revokes one."""

    serializer_class = ApiTokenSerializer
    queryset = ApiToken.objects.none()

    def get_queryset(self):
        return ApiToken.objects.filter(user=self.request.user)

    def perform_destroy(self, instance: ApiToken) -> None:
        services.token_revoke(token=instance, by=self.request.user)
