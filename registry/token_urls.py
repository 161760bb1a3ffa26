"""The agency admin's feed-token pages, included by config/urls.py under /agency/feed-tokens/."""

from django.urls import path

from registry import token_views

app_name = "feedtokens"
urlpatterns = [
    path("", token_views.token_list, name="list"),
    path("new/", token_views.token_create, name="create"),
    path("log/", token_views.token_log, name="log"),
    path("<id:pk>/revoke/", token_views.token_revoke, name="revoke"),
]
