"""The registry's downloadable feeds: GET /api/v1/registry/feeds/{csv|txt|stix}/, for every
registry reader (a session, an API token) and for partners' feed tokens. Thin: the filters,
the validator and the formats are registry/feeds.py's; every download by a feed token is
logged (registry.services.feed_download_record)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponseBase, StreamingHttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.views import APIView

import access
from registry import feeds, services
from registry.feedauth import FeedTokenAuthentication, client_address
from registry.models import FeedToken

FEED_AUTHENTICATION = [FeedTokenAuthentication, *api_settings.DEFAULT_AUTHENTICATION_CLASSES]


class AnyAccept(BaseContentNegotiation):
    """A feed answers its own media type whatever `Accept` says; errors are JSON."""

    def select_renderer(self, request: Any, renderers: Any, format_suffix: Any = None) -> Any:
        return renderers[0], renderers[0].media_type

    def select_parser(self, request: Any, parsers: Any) -> Any:
        return parsers[0] if parsers else None


def log_feed_use(
    request: Request, feed: str, filters: dict[str, str], status_code: int, size: int = 0
) -> Any:
    """One line of the feed log, when a feed token asks (nothing for agency members)."""
    token = request.auth
    if not access.is_feed_reader(request.user) or not isinstance(token, FeedToken):
        return None
    return services.feed_download_record(
        token=token,
        feed=feed,
        filters=filters,
        address=client_address(request),
        status_code=status_code,
        result_size=size,
    )


def conditional(request: Any, validator: feeds.Validator) -> HttpResponseBase | None:
    """304 (or 412) when the client's validators match; None to build the answer."""
    answer = get_conditional_response(
        request, etag=validator.etag, last_modified=validator.timestamp
    )
    if answer is not None:
        with_validators(answer, validator)
    return answer


def with_validators(response: HttpResponseBase, validator: feeds.Validator) -> HttpResponseBase:
    response["ETag"] = validator.etag
    response["Last-Modified"] = http_date(validator.timestamp)
    response["Cache-Control"] = "private, no-cache"
    return response


_FILTERS = [
    OpenApiParameter(
        "kind",
        OpenApiTypes.STR,
        description="Kinds, comma-separated (txt: domain,url unless said).",
    ),
    OpenApiParameter("status", OpenApiTypes.STR, description="Takedown statuses, comma-separated."),
    OpenApiParameter("confidence", OpenApiTypes.STR, enum=["confirmed", "suspected"]),
    OpenApiParameter(
        "since", OpenApiTypes.STR, description="Changed at or after (YYYY-MM-DD or ISO time)."
    ),
]
_FORMAT = OpenApiParameter("fmt", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(feeds.FORMATS))
_ERROR = OpenApiResponse(OpenApiTypes.OBJECT, description="The reason.")


class FeedView(APIView):
    """The published entries of the registry as CSV (kind, value, qualifier, status, ...),
    plain text (one value a line: domains and URLs for DNS blocklists unless `kind` says
    otherwise) or a STIX 2.1 bundle. `ETag` and `Last-Modified` answer `If-None-Match` and
    `If-Modified-Since` with 304 when nothing changed; the body is streamed."""

    authentication_classes = FEED_AUTHENTICATION
    renderer_classes = [JSONRenderer]
    content_negotiation_class = AnyAccept

    @extend_schema(
        parameters=[_FORMAT, *_FILTERS],
        responses={
            (200, "text/csv"): OpenApiTypes.STR,
            (200, "text/plain"): OpenApiTypes.STR,
            (200, "application/stix+json"): OpenApiTypes.OBJECT,
            304: OpenApiResponse(description="Not modified since the validators sent."),
            400: _ERROR,
            404: _ERROR,
        },
        operation_id="registry_feed",
        tags=["registry"],
    )
    def get(self, request: Request, fmt: str) -> HttpResponseBase:
        if not access.can_read_registry(request.user) or fmt not in feeds.FORMATS:
            raise NotFound()
        default = feeds.TXT_DEFAULT_KINDS if fmt == "txt" else ()
        filters = feeds.FeedFilters.from_query(request.query_params, default_kinds=default)
        feed = f"registry-{fmt}"
        validator = feeds.validator(feed, filters)
        answer = conditional(request._request, validator)
        if answer is not None:
            log_feed_use(request, feed, filters.raw, answer.status_code)
            return answer
        download = log_feed_use(request, feed, filters.raw, 200)
        done = None
        if download is not None:

            def done(size: int) -> None:
                services.feed_download_finish(download=download, result_size=size)

        entries = feeds.feed_entries(request.user, filters)
        response = StreamingHttpResponse(
            feeds.stream(fmt, entries, done=done), content_type=feeds.MEDIA_TYPES[fmt]
        )
        extension = {"csv": "csv", "txt": "txt", "stix": "json"}[fmt]
        response["Content-Disposition"] = f'attachment; filename="fortress-registry.{extension}"'
        return with_validators(response, validator)
