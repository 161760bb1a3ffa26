"""Stop-payment requests over the API: the same access policy and services as the pages."""

from __future__ import annotations

from typing import Any

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

import access
from payments import selectors, services
from payments.models import Status, StopPaymentRequest
from payments.serializers import (
    FileSerializer,
    OutcomeSerializer,
    StopPaymentSerializer,
    StopPaymentVersionSerializer,
)

STATUS_FILTERS = [("open", "Open"), ("overdue", "Overdue"), *Status.choices]


class StopPaymentFilter(django_filters.FilterSet):
    direction = django_filters.ChoiceFilter(
        choices=[("received", "Received"), ("sent", "Sent")],
        method="noop",
        help_text="Requests your agency received, or sent.",
    )
    status = django_filters.ChoiceFilter(
        choices=STATUS_FILTERS,
        method="noop",
        help_text="A status, `open` (sent or acknowledged) or `overdue` (open, past the deadline).",
    )

    class Meta:
        model = StopPaymentRequest
        fields: list[str] = []

    def noop(self, queryset, name, value):
        return queryset  # applied by the selector

    def filter_queryset(self, queryset):
        data = {k: v for k, v in self.form.cleaned_data.items() if v}
        return (
            selectors.queue(self.request.user, **data)
            .prefetch_related("transfers")
            .select_related("filed_by", "acknowledged_by", "answered_by")
        )


class StopPaymentViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Requests your agency sent or received (and every hop of the chains started from your
    cases), open and urgent first. Answers carry the `version` read: of two answers given at
    once, one is written and the other answers 409."""

    serializer_class = StopPaymentSerializer
    filterset_class = StopPaymentFilter
    queryset = StopPaymentRequest.objects.none()
    ordering_fields: list[str] = []

    def get_queryset(self):
        return (
            access.visible_stop_payments(self.request.user)
            .select_related(
                "case", "from_agency", "to_agency", "filed_by", "acknowledged_by", "answered_by"
            )
            .prefetch_related("transfers")
            .queue_order()
        )

    def _answer(self, stop: StopPaymentRequest, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=stop.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(request=FileSerializer, responses={201: StopPaymentSerializer})
    def create(self, request, *args: Any, **kwargs: Any) -> Response:
        """File a request from a case of your agency: to the agency of the account's country."""
        serializer = FileSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        stop = services.stop_payment_file(
            by=request.user,
            case=data.pop("case"),
            transfers=data.pop("transactions", []),
            chain=data.pop("chain", ""),
            urgency=data.pop("urgency", "urgent"),
            **data,
        )
        return self._answer(stop, status.HTTP_201_CREATED)

    @extend_schema(request=StopPaymentVersionSerializer, responses=StopPaymentSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk: Any = None) -> Response:
        """Your agency has the request: the clock of time to acknowledge stops."""
        stop = access.get_stop_payment_for_user(request.user, pk)
        serializer = StopPaymentVersionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.stop_payment_acknowledge(
            request=stop, by=request.user, version=serializer.validated_data.get("version")
        )
        return self._answer(stop)

    @extend_schema(request=OutcomeSerializer, responses=StopPaymentSerializer)
    @action(detail=True, methods=["post"])
    def outcome(self, request, pk: Any = None) -> Response:
        """Frozen (`amount_frozen` + `currency`), partially frozen (the same, optionally with
        where the rest went), moved on (`onward_account` + `onward_agency` + `amount` +
        `currency`: files the follow-on request) or refused (`reason`)."""
        stop = access.get_stop_payment_for_user(request.user, pk)
        serializer = OutcomeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.stop_payment_record_outcome(
            request=stop,
            by=request.user,
            version=serializer.validated_data.get("version"),
            **serializer.service_kwargs(),
        )
        return self._answer(stop)
