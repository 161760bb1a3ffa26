"""Indicators, hits and access requests over the API: the same access policy and services as
the pages. Anything the user may not see answers 404."""

from __future__ import annotations

from typing import Any

import django_filters
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

import access
from cases.api import case_id_filter
from config.fields import IdFilterSet
from indicators import selectors, services
from indicators.models import AccessRequest, Hit, HitStatus, Indicator
from indicators.serializers import (
    AccessRequestSerializer,
    DecisionSerializer,
    HitSerializer,
    IndicatorSerializer,
    IndicatorUpdateSerializer,
)


class IndicatorFilter(IdFilterSet):
    case = case_id_filter()

    class Meta:
        model = Indicator
        fields = ["case", "kind", "chain", "platform", "takedown_status"]


class IndicatorViewSet(
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Indicators of the cases whose file the user may see. Create returns the normalised
    value, or 400 with the reason the value was refused."""

    serializer_class = IndicatorSerializer
    filterset_class = IndicatorFilter
    search_fields = ["raw_value", "value__normalized"]
    ordering_fields = ["created_at", "kind"]
    queryset = Indicator.objects.none()
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return access.visible_indicators(self.request.user).select_related("value", "pending")

    def create(self, request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        indicator = services.indicator_add(
            case=serializer.validated_data["case"], by=request.user, **serializer.service_fields()
        )
        return Response(self.get_serializer(indicator).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=IndicatorUpdateSerializer, responses=IndicatorSerializer)
    def partial_update(self, request, *args: Any, **kwargs: Any) -> Response:
        indicator = access.get_indicator_for_user(request.user, kwargs["pk"], write=True)
        serializer = IndicatorUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        indicator = services.indicator_update(
            indicator=indicator, by=request.user, **serializer.validated_data
        )
        return Response(self.get_serializer(indicator).data)

    def update(self, request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)

    def destroy(self, request, *args: Any, **kwargs: Any) -> Response:
        indicator = access.get_indicator_for_user(request.user, kwargs["pk"], write=True)
        services.indicator_delete(indicator=indicator, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class HitFilter(IdFilterSet):
    case = case_id_filter()
    kind = django_filters.CharFilter(
        field_name="value__kind", help_text=gettext_lazy("Indicator kind.")
    )

    class Meta:
        model = Hit
        fields = ["status", "case", "kind"]


class HitViewSet(viewsets.ReadOnlyModelViewSet):
    """The hits of the user's agency's cases: kind, value, own case, and the other agencies
    holding the value with their contacts — nothing of the other cases."""

    serializer_class = HitSerializer
    filterset_class = HitFilter
    ordering_fields = ["created_at", "status"]
    queryset = Hit.objects.none()

    def get_queryset(self):
        return access.visible_hits(self.request.user).select_related("value", "case")

    def list(self, request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        if not set(request.query_params) - {"status", "page", "ordering", "format"}:
            # Filtered by status at most: counted as the engine keeps it (the agency's tally),
            # not from its sightings.
            queryset = queryset.with_known_count(
                access.visible_hit_count(request.user, request.query_params.get("status"))
            )
        page = self.paginate_queryset(queryset)
        hits = list(page if page is not None else queryset)
        context = {
            **self.get_serializer_context(),
            "counterparts": selectors.hit_counterparts(request.user, hits),
        }
        data = HitSerializer(hits, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def _set_status(self, request, pk: Any, hit_status: str) -> Response:
        hit = access.get_hit_for_user(request.user, pk)
        hit = services.hit_review(hit=hit, by=request.user, status=hit_status)
        return Response(self.get_serializer(hit).data)

    @extend_schema(request=None, responses=HitSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk: Any = None) -> Response:
        """Mark the hit reviewed."""
        return self._set_status(request, pk, HitStatus.REVIEWED)

    @extend_schema(request=None, responses=HitSerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk: Any = None) -> Response:
        """Dismiss the hit."""
        return self._set_status(request, pk, HitStatus.DISMISSED)

    @extend_schema(request=None, responses=HitSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk: Any = None) -> Response:
        """Mark the hit new again."""
        return self._set_status(request, pk, HitStatus.NEW)


class AccessRequestViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Requests the user's agency made, and requests for its cases (its supervisors grant or
    refuse them; a grant shares the case with the requesting agency)."""

    serializer_class = AccessRequestSerializer
    filterset_fields = ["status"]
    ordering_fields = ["created_at", "status"]
    queryset = AccessRequest.objects.none()

    def get_queryset(self):
        return access.visible_access_requests(self.request.user).select_related(
            "case__agency", "requesting_agency", "requested_by", "decided_by"
        )

    @extend_schema(responses={201: AccessRequestSerializer(many=True)})
    def create(self, request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        created = services.access_request_create(
            hit=data["hit"], by=request.user, agency=data["agency"], reason=data["reason"]
        )
        return Response(
            self.get_serializer(created, many=True).data, status=status.HTTP_201_CREATED
        )

    def _decide(self, request, pk: Any, grant: bool) -> Response:
        access_request = access.get_access_request_for_user(request.user, pk)
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decided = services.access_request_decide(
            access_request=access_request,
            by=request.user,
            grant=grant,
            note=serializer.validated_data["note"],
        )
        return Response(self.get_serializer(decided).data)

    @extend_schema(request=DecisionSerializer, responses=AccessRequestSerializer)
    @action(detail=True, methods=["post"])
    def grant(self, request, pk: Any = None) -> Response:
        """Grant: the case is shared with the requesting agency."""
        return self._decide(request, pk, True)

    @extend_schema(request=DecisionSerializer, responses=AccessRequestSerializer)
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk: Any = None) -> Response:
        """Refuse the request."""
        return self._decide(request, pk, False)
