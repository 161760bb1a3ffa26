"""Joint operations and the approvals queue over the API: the same access policy and services
as the pages. A non-member gets 404 on an operation and its figures."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

import access
from cases.models import JointOperation, OperationParticipant
from config.exception_handler import answers_conflicts
from operations import services
from operations.figures import operation_figures
from operations.report import figures_json
from operations.selectors import approvals_for
from operations.serializers import (
    ApprovalsSerializer,
    FiguresSerializer,
    InviteSerializer,
    LinkCaseSerializer,
    LinkedCaseSerializer,
    OperationDetailSerializer,
    OperationSerializer,
    ParticipantSerializer,
    RateSerializer,
    StatusSerializer,
)
from payments import figures as stop_payment_figures


def _figures(user, operation: JointOperation) -> dict:
    """The operation's figures as its page shows them, the stop payments' included."""
    figures = figures_json(operation_figures(user, operation))
    stop_payments = stop_payment_figures.operation_figures(user, operation)
    figures["stop_payments"] = stop_payment_figures.figures_json(stop_payments)
    return figures


@answers_conflicts(OperationSerializer)
class OperationViewSet(
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Operations the user's agency leads, takes part in or is invited to. The detail carries
    the `figures` (members only; null while only invited); the list does not, so it stays a
    fixed number of queries. Supervisors of the lead agency create, update (with the
    `version` read), invite, move the status and record rates; a member agency links its own
    cases; a supervisor of an invited agency accepts or declines."""

    serializer_class = OperationSerializer
    filterset_fields = ["status"]
    ordering_fields = ["created_at", "name", "starts_on"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    queryset = JointOperation.objects.none()

    def get_queryset(self):
        return (
            access.visible_operations(self.request.user)
            .select_related("lead_agency")
            .prefetch_related("participations__agency", "rates")
        )

    def get_serializer_class(self):
        if self.action == "retrieve":
            return OperationDetailSerializer
        return OperationSerializer

    def retrieve(self, request, *args: Any, **kwargs: Any) -> Response:
        operation = self.get_object()
        figures = None
        if access.is_operation_member(request.user, operation):
            figures = _figures(request.user, operation)
        serializer = OperationDetailSerializer(
            operation, context={**self.get_serializer_context(), "figures": figures}
        )
        return Response(serializer.data)

    def _member(self, pk: Any) -> JointOperation:
        return access.get_member_operation_for_user(self.request.user, pk)

    def _runner(self, pk: Any) -> JointOperation:
        operation = self._member(pk)
        if not access.can_run_operation(self.request.user, operation):
            raise Http404("No such operation.")
        return operation

    def _fresh(self, operation: JointOperation) -> Response:
        return Response(OperationSerializer(self.get_queryset().get(pk=operation.pk)).data)

    def create(self, request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        operation = services.operation_create(
            by=request.user,
            name=serializer.validated_data["name"],
            code=serializer.validated_data["code"],
            **{k: v for k, v in serializer.service_fields().items() if k != "name"},
        )
        return Response(
            OperationSerializer(self.get_queryset().get(pk=operation.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    def update(self, request, *args: Any, partial: bool = False, **kwargs: Any) -> Response:
        operation = self._runner(kwargs["pk"])
        serializer = self.get_serializer(operation, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        operation = services.operation_update(
            operation=operation,
            by=request.user,
            expected_version=serializer.validated_data.get("version"),
            **serializer.service_fields(),
        )
        return self._fresh(operation)

    @extend_schema(responses=FiguresSerializer)
    @action(detail=True, methods=["get"])
    def figures(self, request, pk: Any = None) -> Response:
        """The figures alone (members only; anyone else 404)."""
        operation = self._member(pk)
        return Response(_figures(request.user, operation))

    @extend_schema(request=InviteSerializer, responses=ParticipantSerializer(many=True))
    @action(detail=True, methods=["post"])
    def invite(self, request, pk: Any = None) -> Response:
        operation = self._runner(pk)
        serializer = InviteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invited = services.operation_invite(
            operation=operation, by=request.user, agencies=serializer.validated_data["agencies"]
        )
        return Response(ParticipantSerializer(invited, many=True).data)

    def _respond(self, pk: Any, accept: bool) -> Response:
        participation = access.get_invitation_for_user(self.request.user, pk)
        participation = services.invitation_respond(
            participation=participation, by=self.request.user, accept=accept
        )
        return Response(ParticipantSerializer(participation).data)

    @extend_schema(request=None, responses=ParticipantSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk: Any = None) -> Response:
        """A supervisor of the invited agency accepts the invitation."""
        return self._respond(pk, True)

    @extend_schema(request=None, responses=ParticipantSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk: Any = None) -> Response:
        """A supervisor of the invited agency declines the invitation."""
        return self._respond(pk, False)

    @extend_schema(request=StatusSerializer, responses=OperationSerializer)
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request, pk: Any = None) -> Response:
        """planned → active → concluded, never back."""
        operation = self._runner(pk)
        serializer = StatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        operation = services.operation_set_status(
            operation=operation, by=request.user, status=serializer.validated_data["status"]
        )
        return self._fresh(operation)

    @extend_schema(request=RateSerializer, responses=RateSerializer)
    @action(detail=True, methods=["post"])
    def rates(self, request, pk: Any = None) -> Response:
        """Record what one unit of a currency is worth in the reporting currency."""
        operation = self._runner(pk)
        serializer = RateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rate = services.operation_rate_set(
            operation=operation, by=request.user, **serializer.validated_data
        )
        return Response(RateSerializer(rate).data)

    def _own_case(self, operation: JointOperation, data: Any):
        serializer = LinkCaseSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        case = access.get_case_for_user(
            self.request.user, serializer.validated_data["case"], write=True
        )
        return case, serializer.validated_data["share"]

    @extend_schema(request=LinkCaseSerializer, responses=LinkedCaseSerializer)
    @action(detail=True, methods=["post"], url_path="link-case")
    def link_case(self, request, pk: Any = None) -> Response:
        """Link a case of your own agency (404 for any other case)."""
        operation = self._member(pk)
        case, share = self._own_case(operation, request.data)
        case = services.operation_link_case(
            operation=operation, case=case, by=request.user, share=share
        )
        return Response(LinkedCaseSerializer(case).data)

    @extend_schema(request=LinkCaseSerializer, responses=LinkedCaseSerializer)
    @action(detail=True, methods=["post"], url_path="unlink-case")
    def unlink_case(self, request, pk: Any = None) -> Response:
        """Take a case of your own agency out of the operation."""
        operation = self._member(pk)
        case, _ = self._own_case(operation, request.data)
        case = services.operation_unlink_case(operation=operation, case=case, by=request.user)
        return Response(LinkedCaseSerializer(case).data)


class ApprovalsViewSet(viewsets.GenericViewSet):
    """What waits for the signed-in supervisor: pending access requests for the agency's
    cases and the agency's invitations to joint operations."""

    serializer_class = ApprovalsSerializer
    queryset = OperationParticipant.objects.none()
    pagination_class = None
    filter_backends: list = []

    @extend_schema(responses=ApprovalsSerializer)
    def list(self, request, *args: Any, **kwargs: Any) -> Response:
        queue = approvals_for(request.user)
        return Response(
            ApprovalsSerializer(
                {
                    "access_requests": queue.access_requests,
                    "invitations": queue.invitations,
                    "publications": queue.publications,
                },
                context=self.get_serializer_context(),
            ).data
        )
