"""TAXII 2.1 routes, included by config/urls.py under /taxii2/."""

from django.urls import path, re_path

from interchange import taxii_api

app_name = "taxii"

# Any segment: the views answer an id that names nothing a TAXII 404 (JSON), as they do an id
# the user may not see; a stricter pattern left a malformed id to Django's HTML 404.
COLLECTION = r"collections/(?P<collection_id>[^/]+)"
OBJECT = r"(?P<object_id>[^/]+)"

urlpatterns = [
    path("", taxii_api.DiscoveryView.as_view(), name="discovery"),
    path("api/", taxii_api.ApiRootView.as_view(), name="api-root"),
    path("api/collections/", taxii_api.CollectionsView.as_view(), name="collections"),
    re_path(rf"^api/{COLLECTION}/$", taxii_api.CollectionView.as_view(), name="collection"),
    re_path(rf"^api/{COLLECTION}/objects/$", taxii_api.ObjectsView.as_view(), name="objects"),
    re_path(
        rf"^api/{COLLECTION}/objects/{OBJECT}/$", taxii_api.ObjectView.as_view(), name="object"
    ),
    re_path(
        rf"^api/{COLLECTION}/objects/{OBJECT}/versions/$",
        taxii_api.ObjectVersionsView.as_view(),
        name="object-versions",
    ),
    re_path(rf"^api/{COLLECTION}/manifest/$", taxii_api.ManifestView.as_view(), name="manifest"),
]
