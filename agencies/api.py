from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
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


class ObtainTokenView(APIView):
    """Exchange a username and password for a new API token (`Authorization: Token <key>`)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginThrottle]

    @extend_schema(request=TokenRequestSerializer, responses={201: TokenIssuedSerializer})
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if user is None:
            raise AuthenticationFailed("Unknown username or wrong password, or account inactive.")
        _, key = services.token_create(user=user, name=data.validated_data.get("name", ""))
        return Response({"token": key}, status=status.HTTP_201_CREATED)


class ApiTokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """The signed-in user's own tokens; DELETE revokes one."""

    serializer_class = ApiTokenSerializer
    queryset = ApiToken.objects.none()

    def get_queryset(self):
        return ApiToken.objects.filter(user=self.request.user)

    def perform_destroy(self, instance: ApiToken) -> None:
        services.token_revoke(token=instance, by=self.request.user)
