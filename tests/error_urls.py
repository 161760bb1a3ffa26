"""The site's URLs plus views that fail, for tests/test_deploy_check.py."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import path

from config.urls import urlpatterns as site_urls

SECRET_IN_TRACE = "trace-secret-do-not-show"


def _boom(request):
    raise RuntimeError(SECRET_IN_TRACE)


def _forbidden(request):
    raise PermissionDenied(SECRET_IN_TRACE)


def _bad(request):
    raise SuspiciousOperation(SECRET_IN_TRACE)


urlpatterns = [
    path("test-errors/500/", _boom),
    path("test-errors/403/", _forbidden),
    path("test-errors/400/", _bad),
    *site_urls,
]
