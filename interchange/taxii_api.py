"""The TAXII 2.1 server (read-only): discovery, one API root, its collections, their objects
and manifest. Thin: every read goes through interchange/taxii.py (the access policy); errors
are mapped by config/exception_handler.py, in TAXII's error shape for these views.

Authentication is the API's (`Authorization: Token …`, or the session); answers are
`application/taxii+json;version=2.1` (plain JSON for `Accept: application/json`)."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from interchange import taxii
from registry.feed_api import FEED_AUTHENTICATION, log_feed_use


class TaxiiRenderer(JSONRenderer):
    media_type = taxii.MEDIA_TYPE_TAXII
    format = "taxii"


_RESOURCE = OpenApiResponse(OpenApiTypes.OBJECT, description=_("A TAXII 2.1 resource."))
_COLLECTION = OpenApiParameter(
    "collection_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="A collection's id."
)
_OBJECT = OpenApiParameter(
    "object_id", OpenApiTypes.STR, OpenApiParameter.PATH, description="A STIX object's id."
)
_FILTERS = [
    OpenApiParameter("added_after", OpenApiTypes.DATETIME, description="Added after (UTC)."),
    OpenApiParameter("limit", OpenApiTypes.INT, description="At most this many (1..1000)."),
    OpenApiParameter("next", OpenApiTypes.STR, description="The `next` of the last page."),
    OpenApiParameter("match[type]", OpenApiTypes.STR, description="STIX types, comma-separated."),
    OpenApiParameter("match[id]", OpenApiTypes.STR, description="STIX ids, comma-separated."),
]


class TaxiiView(APIView):
    """A TAXII view: its media type first, and errors in TAXII's shape. A partner's feed
    token is accepted (it sees the registry's collection only), and each of its requests is
    logged."""

    renderer_classes = [TaxiiRenderer, JSONRenderer]
    taxii_errors = True
    authentication_classes = FEED_AUTHENTICATION

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        data = getattr(response, "data", None)
        size = len(data.get("objects", [])) if isinstance(data, dict) else 0
        match = request.resolver_match
        feed = match.view_name if match is not None else "taxii"
        query = dict(request.query_params.items())
        if kwargs.get("collection_id"):
            query["collection"] = str(kwargs["collection_id"])
        log_feed_use(request, feed, query, response.status_code, size)
        return response


def _page_headers(response: Response, entries: list[taxii.Entry]) -> Response:
    if entries:
        response["X-TAXII-Date-Added-First"] = taxii.timestamp(entries[0].date_added)
        response["X-TAXII-Date-Added-Last"] = taxii.timestamp(entries[-1].date_added)
    return response


def _envelope(
    request: Request, collection_id: str, key: str, render: Any, object_id: str | None = None
) -> Response:
    collection = taxii.get_collection_for_user(request.user, collection_id)
    filters = taxii.Filters.from_query(request.query_params)
    if object_id is not None:
        filters.ids = {object_id}
    limit = taxii.parse_limit(request.query_params.get("limit"))
    entries, more = taxii.stream_for(request.user, collection).page(filters, limit)
    if object_id is not None and not entries and filters.after is None:
        raise Http404("No such object.")
    body: dict[str, Any] = {"more": more}
    if more:
        body["next"] = taxii.encode_key(entries[-1].key)
    if entries:
        body[key] = [render(e) for e in entries]
    return _page_headers(Response(body), entries)


class DiscoveryView(TaxiiView):
    """TAXII discovery: the one API root of Fortress."""

    @extend_schema(responses={200: _RESOURCE}, operation_id="taxii_discovery", tags=["taxii"])
    def get(self, request: Request) -> Response:
        root = request.build_absolute_uri(reverse("taxii:api-root"))
        return Response(
            {
                "title": _("Fortress TAXII 2.1"),
                "description": _("Indicators of the cases you may see, as STIX 2.1."),
                "default": root,
                "api_roots": [root],
            }
        )


class ApiRootView(TaxiiView):
    @extend_schema(responses={200: _RESOURCE}, operation_id="taxii_api_root", tags=["taxii"])
    def get(self, request: Request) -> Response:
        return Response(
            {
                "title": _("Fortress"),
                "description": _("One collection per agency and per joint operation."),
                "versions": [taxii.MEDIA_TYPE_TAXII],
                "max_content_length": 0,  # read-only: nothing is ever posted
            }
        )


def _collection(collection: taxii.Collection) -> dict[str, Any]:
    return {
        "id": collection.id,
        "title": collection.title,
        "description": collection.description,
        "can_read": True,
        "can_write": False,
        "media_types": [taxii.MEDIA_TYPE_STIX],
    }


class CollectionsView(TaxiiView):
    @extend_schema(responses={200: _RESOURCE}, operation_id="taxii_collections", tags=["taxii"])
    def get(self, request: Request) -> Response:
        collections = taxii.visible_collections(request.user)
        return Response({"collections": [_collection(c) for c in collections]})


class CollectionView(TaxiiView):
    @extend_schema(
        parameters=[_COLLECTION],
        responses={200: _RESOURCE, 404: _RESOURCE},
        operation_id="taxii_collection",
        tags=["taxii"],
    )
    def get(self, request: Request, collection_id: str) -> Response:
        return Response(_collection(taxii.get_collection_for_user(request.user, collection_id)))


def _serialize(entry: taxii.Entry) -> Any:
    obj = entry.obj
    return obj if isinstance(obj, dict) else taxii.as_dict(obj)


class ObjectsView(TaxiiView):
    @extend_schema(
        parameters=[_COLLECTION, *_FILTERS],
        responses={200: _RESOURCE, 400: _RESOURCE, 404: _RESOURCE},
        operation_id="taxii_objects",
        tags=["taxii"],
    )
    def get(self, request: Request, collection_id: str) -> Response:
        return _envelope(request, collection_id, "objects", _serialize)


class ObjectView(TaxiiView):
    @extend_schema(
        parameters=[_COLLECTION, _OBJECT, *_FILTERS[:3]],
        responses={200: _RESOURCE, 400: _RESOURCE, 404: _RESOURCE},
        operation_id="taxii_object",
        tags=["taxii"],
    )
    def get(self, request: Request, collection_id: str, object_id: str) -> Response:
        return _envelope(request, collection_id, "objects", _serialize, object_id)


class ObjectVersionsView(TaxiiView):
    @extend_schema(
        parameters=[_COLLECTION, _OBJECT, *_FILTERS[:3]],
        responses={200: _RESOURCE, 400: _RESOURCE, 404: _RESOURCE},
        operation_id="taxii_object_versions",
        tags=["taxii"],
    )
    def get(self, request: Request, collection_id: str, object_id: str) -> Response:
        return _envelope(
            request,
            collection_id,
            "versions",
            lambda e: taxii.manifest_record(e)["version"],
            object_id,
        )


class ManifestView(TaxiiView):
    @extend_schema(
        parameters=[_COLLECTION, *_FILTERS],
        responses={200: _RESOURCE, 400: _RESOURCE, 404: _RESOURCE},
        operation_id="taxii_manifest",
        tags=["taxii"],
    )
    def get(self, request: Request, collection_id: str) -> Response:
        return _envelope(request, collection_id, "objects", taxii.manifest_record)
