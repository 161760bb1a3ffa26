"""The public awareness page and its feeds, included by config/urls.py under /public/: the
only URLs of Fortress that need no account."""

from django.urls import path, re_path

from registry import public

app_name = "public"
urlpatterns = [
    path("", public.index, name="index"),
    re_path(r"^feed\.(?P<fmt>csv|txt|json)$", public.feed, name="feed"),
]
