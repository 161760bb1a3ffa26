"""The one public part of Fortress: the awareness page at /public/ and its feeds (CSV, plain
text, JSON), without an account. They show only what `access.public_awareness_entries`
keeps — confirmed fraudulent websites and numbers that a publishing supervisor marked for
awareness and that are not taken down — and of each only its kind, value, status, fraud
types and the confirming agencies' public descriptions: never a case, an agency's contact or
another entry. Every request counts against a per-address limit
(FORTRESS_PUBLIC_RATE_PER_MINUTE) kept in the shared database cache."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from rest_framework.throttling import SimpleRateThrottle

import access
from interchange.csv_format import neutralise
from registry import feeds
from registry.feed_api import conditional, with_validators
from registry.models import Confidence, RegistrySource

PAGE_SIZE = 50
PUBLIC_COLUMNS = ["kind", "value", "status", "fraud_types", "description", "published_at"]


class PublicThrottle(SimpleRateThrottle):
    """Per client address (FORTRESS_NUM_PROXIES decides which), in the shared cache."""

    scope = "public"

    def get_rate(self) -> str:
        return f"{settings.FORTRESS_PUBLIC_RATE_PER_MINUTE}/min"

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def rate_limited(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    @wraps(view)
    def limited(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        throttle = PublicThrottle()
        if not throttle.allow_request(request, None):
            wait = int(throttle.wait() or 60) + 1
            response = HttpResponse(
                _("Too many requests from your address: try again in %(s)d seconds.") % {"s": wait},
                status=429,
                content_type="text/plain; charset=utf-8",
            )
            response["Retry-After"] = str(wait)
            return response
        return view(request, *args, **kwargs)

    return limited


def _confirmed_sources() -> Prefetch:
    return Prefetch(
        "sources",
        queryset=RegistrySource.objects.filter(
            withdrawn_at=None, confidence=Confidence.CONFIRMED
        ).order_by("published_at", "pk"),
        to_attr="public_sources",
    )


@require_safe
@rate_limited
def index(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
    entries = access.public_awareness_entries().select_related("value")
    if query:
        entries = entries.filter(value__normalized__icontains=query.lower())
    entries = entries.prefetch_related(_confirmed_sources()).order_by("-created_at", "-pk")
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "public/index.html", {"page": page, "query": query})


def _public_rows() -> Iterator[feeds.Row]:
    for row in feeds.rows(access.public_awareness_entries()):
        row.sources = [s for s in row.sources if s["confidence"] == Confidence.CONFIRMED]
        yield row


def _record(r: feeds.Row) -> dict[str, Any]:
    return {
        "kind": r.kind,
        "value": r.value,
        "status": r.status,
        "fraud_types": r.fraud_types,
        "description": r.description,
        "published_at": r.created_at.isoformat(),
    }


def _csv(entries: Iterator[feeds.Row]) -> Iterator[str]:
    def line(cells: list[str]) -> str:
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerow([neutralise(c) for c in cells])
        return out.getvalue()

    yield line(PUBLIC_COLUMNS)
    for r in entries:
        record = _record(r)
        record["fraud_types"] = ";".join(record["fraud_types"])
        yield line([record[c] for c in PUBLIC_COLUMNS])


def _txt(entries: Iterator[feeds.Row]) -> Iterator[str]:
    for r in entries:
        yield r.value + "\n"


def _json(entries: Iterator[feeds.Row]) -> Iterator[str]:
    yield '{"entries": ['
    for n, r in enumerate(entries):
        yield ("," if n else "") + "\n" + json.dumps(_record(r), ensure_ascii=False)
    yield "\n]}\n"


PUBLIC_RENDERERS = {"csv": _csv, "txt": _txt, "json": _json}


@require_safe
@rate_limited
def feed(request: HttpRequest, fmt: str) -> HttpResponseBase:
    validator = feeds.validator(f"public-{fmt}", feeds.FeedFilters())
    answer = conditional(request, validator)
    if answer is not None:
        return answer
    body = (chunk.encode() for chunk in PUBLIC_RENDERERS[fmt](_public_rows()))
    response = StreamingHttpResponse(body, content_type=feeds.MEDIA_TYPES[fmt])
    response["Content-Disposition"] = f'inline; filename="fortress-awareness.{fmt}"'
    return with_validators(response, validator)
