from typing import Any

from django.http import HttpResponsePermanentRedirect
from django.urls import Resolver404, include, path, re_path, resolve
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.routers import DefaultRouter
from rest_framework.views import APIView

from agencies.api import AgencyViewSet, ApiTokenViewSet, ObtainTokenView
from cases.api import AssetViewSet, CaseViewSet, NoteViewSet, SuspectViewSet
from indicators.api import AccessRequestViewSet, HitViewSet, IndicatorViewSet
from operations.api import ApprovalsViewSet, OperationViewSet
from payments.api import StopPaymentViewSet
from persons.api import PersonMatchViewSet
from registry.api import ProposalViewSet, RegistryViewSet, WantedMatchViewSet, WantedViewSet
from victims.api import RepatriationViewSet, VictimViewSet


class IdRouter(DefaultRouter):
    """Detail routes take `<id:pk>` (config/ids.py): a path that is no id in range is 404.
    No `.json` suffix routes: JSON is the only format, and the actions take no `format`."""

    include_format_suffixes = False

    def __init__(self) -> None:
        super().__init__(use_regex_path=False)
        self._default_value_pattern = "id"


class UnknownPath(APIView):
    """Any other path under /api/v1/: the API's JSON 404 (a detail id out of range, a format
    no view has, a `.json` suffix), not Django's HTML page. A GET of a path that names a view
    once its slash is added is redirected there, as APPEND_SLASH does for the pages."""

    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []
    schema = None

    def http_method_not_allowed(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        path = request.path_info
        if request.method in ("GET", "HEAD") and not path.endswith("/"):
            try:
                match = resolve(path + "/")
            except Resolver404:
                match = None
            if match is not None and getattr(match.func, "view_class", None) is not UnknownPath:
                return HttpResponsePermanentRedirect(
                    request._request.get_full_path(force_append_slash=True)
                )
        raise NotFound()

    options = http_method_not_allowed


router = IdRouter()
router.register("agencies", AgencyViewSet, basename="agency")
router.register("auth/tokens", ApiTokenViewSet, basename="token")
router.register("cases", CaseViewSet, basename="case")
router.register("suspects", SuspectViewSet, basename="suspect")
router.register("assets", AssetViewSet, basename="asset")
router.register("notes", NoteViewSet, basename="note")
router.register("indicators", IndicatorViewSet, basename="indicator")
router.register("hits", HitViewSet, basename="hit")
router.register("access-requests", AccessRequestViewSet, basename="access-request")
router.register("victims", VictimViewSet, basename="victim")
router.register("repatriations", RepatriationViewSet, basename="repatriation")
router.register("operations", OperationViewSet, basename="operation")
router.register("approvals", ApprovalsViewSet, basename="approval")
router.register("person-matches", PersonMatchViewSet, basename="person-match")
router.register("registry", RegistryViewSet, basename="registry")
router.register("registry-proposals", ProposalViewSet, basename="registry-proposal")
router.register("stop-payments", StopPaymentViewSet, basename="stop-payment")
router.register("wanted", WantedViewSet, basename="wanted")
router.register("wanted-matches", WantedMatchViewSet, basename="wanted-match")

urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="token-obtain"),
    path("", include("interchange.api_urls")),
    path("", include("registry.api_urls")),
    path("", include(router.urls)),
    re_path(r"^", UnknownPath.as_view()),
]
