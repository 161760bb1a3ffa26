"""The registry's feed routes, included by config/api.py under /api/v1/ (before the router,
whose `registry/<id>/` they do not collide with)."""

from django.urls import re_path

from registry import feed_api

urlpatterns = [
    re_path(
        r"^registry/feeds/(?P<fmt>[^/]+)/$",
        feed_api.FeedView.as_view(),
        name="registry-feed",
    ),
]
