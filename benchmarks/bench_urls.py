"""The benchmark's URLs: every URL of Fortress, plus one trivial view, the yardstick of what the
same gunicorn, middleware and session cost without the application's work. Used only by
benchmarks/bench_settings.py; nothing of it is in the production URLs."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

TRIVIAL_PATH = "/bench-trivial/"


def trivial(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [
    path(TRIVIAL_PATH.strip("/") + "/", trivial, name="bench_trivial"),
    path("", include("config.urls")),
]
