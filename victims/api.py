"""/api/v1/victims/ and /api/v1/repatriations/: the same selectors (every read logged),
services, rules and access policy as the pages. Anything the user may not see is 404."""

from __future__ import annotations

from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.request import Request
from rest_framework.response import Response

import access
from agencies.models import Agency
from config.errors import ConflictError
from config.exception_handler import ConflictSerializer, answers_conflicts
from config.fields import IdFilterBackend
from victims import selectors, services
from victims.models import Repatriation, Stage, Victim
from victims.serializers import (
    BulkMoveSerializer,
    CorrectSerializer,
    DeclineSerializer,
    HandoverSerializer,
    MoveSerializer,
    RepatriationSerializer,
    RepatriationStartSerializer,
    VictimSerializer,
)


def api_where(request: Request) -> str:
    return f"API {request.method} {request.path}"


def _victim_fields(data: dict) -> dict:
    fields = {k: v for k, v in data.items() if k in services.VICTIM_FIELDS}
    if "identity_documents" in fields:
        fields["identity_documents"] = [dict(d) for d in fields["identity_documents"]]
    if "vulnerabilities" in data:
        fields["vulnerabilities"] = data["vulnerabilities"]
    return fields


class VictimSearchFilter(SearchFilter):
    """`?search=` as the dashboard's search box: names in any script, folded."""

    search_description = (
        "Every word starts a word of the full or other names (any script; case, diacritics "
        "and script ignored: `tran` finds Trần), or the name, facility or reference (V-12)."
    )

    def filter_queryset(self, request: Request, queryset: QuerySet, view) -> QuerySet:
        query = request.query_params.get(self.search_param, "").strip()
        return queryset.filter(selectors.victim_search_q(query)) if query else queryset


@answers_conflicts(VictimSerializer)
class VictimViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Victims whose identity you may read (each read is written to the access log). Analysts
    see counts on the case, never here. There is no delete."""

    serializer_class = VictimSerializer
    queryset = Victim.objects.none()
    filter_backends = [IdFilterBackend, OrderingFilter, VictimSearchFilter]
    filterset_fields = ["case", "kind", "nationality", "current_country"]
    ordering_fields = ["full_name", "created_at"]

    def get_queryset(self):
        return access.visible_victims(self.request.user).select_related("repatriation")

    def list(self, request: Request, *args, **kwargs) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = selectors.victims_for_read(request.user, page, where=api_where(request))
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        victim = selectors.victim_for_read(request.user, kwargs["pk"], where=api_where(request))
        return Response(self.get_serializer(victim).data)

    def perform_create(self, serializer: VictimSerializer) -> None:
        data = dict(serializer.validated_data)
        case = access.get_case_for_user(self.request.user, data.pop("case_id"))
        serializer.instance = services.victim_create(
            by=self.request.user,
            case=case,
            where=api_where(self.request),
            **_victim_fields(data),
        )

    def perform_update(self, serializer: VictimSerializer) -> None:
        data = dict(serializer.validated_data)
        victim = serializer.instance
        if data.pop("case_id", victim.case_id) != victim.case_id:
            raise serializers.ValidationError({"case": _("The case of a victim is not changed.")})
        try:
            serializer.instance = services.victim_update(
                by=self.request.user,
                victim=victim,
                version=data.get("version"),
                where=api_where(self.request),
                **_victim_fields(data),
            )
        except ConflictError:
            # The answer shows the record's current values: a read, logged like any other.
            selectors.log_reads(
                by=self.request.user, victims=[victim], where=api_where(self.request)
            )
            raise

    def get_object(self) -> Victim:
        return access.get_victim_for_user(self.request.user, self.kwargs["pk"], write=True)

    @extend_schema(
        parameters=[OpenApiParameter("case", int, description="Only this case's victims.")],
        responses={
            200: inline_serializer(
                "VictimCounts",
                {
                    "count": serializers.IntegerField(),
                    "by_kind": serializers.DictField(child=serializers.IntegerField()),
                },
            )
        },
    )
    @action(detail=False, methods=["get"])
    def counts(self, request: Request) -> Response:
        """How many victims the cases you may see hold, by kind: numbers, never names (what
        analysts and agencies a case is shared with get)."""
        victims = access.countable_victims(request.user)
        case = request.query_params.get("case")
        if case is not None:
            victims = victims.filter(case=access.get_case_for_user(request.user, case))
        by_kind = dict(
            victims.order_by().values_list("kind").annotate(n=Count("id")).values_list("kind", "n")
        )
        return Response({"count": sum(by_kind.values()), "by_kind": by_kind})


_REPATRIATION_FILTERS = [
    OpenApiParameter("stage", str, enum=Stage.values),
    OpenApiParameter("overdue", bool, description="Only overdue (true) or on time (false)."),
    OpenApiParameter(
        "awaiting", bool, description="Only hand-overs awaiting your agency's decision."
    ),
]


class RepatriationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Repatriations of the victims you may read, plus hand-overs awaiting your agency (with
    a summary of the person). Moves, hand-overs, acceptance and refusal go through the actions;
    every step is recorded."""

    serializer_class = RepatriationSerializer
    queryset = Repatriation.objects.none()
    ordering_fields = ["due_on", "stage", "created_at"]

    def get_queryset(self):
        queryset = selectors.repatriations_base(self.request.user).prefetch_related(
            "steps", "steps__by"
        )
        params = self.request.query_params
        if params.get("stage") in Stage.values:
            queryset = queryset.filter(stage=params["stage"])
        if params.get("overdue") in ("true", "false"):
            queryset = queryset.filter(is_overdue=params["overdue"] == "true")
        if params.get("awaiting") == "true":
            queryset = queryset.filter(
                pk__in=access.handovers_awaiting(self.request.user).values("pk")
            )
        return queryset.order_by(*selectors.URGENT_FIRST)

    @extend_schema(parameters=_REPATRIATION_FILTERS)
    def list(self, request: Request, *args, **kwargs) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        rows = selectors.repatriations_for_read(request.user, page, where=api_where(request))
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        selectors.repatriation_for_read(request.user, kwargs["pk"], where=api_where(request))
        return Response(self.get_serializer(self.get_object()).data)

    def get_object(self) -> Repatriation:
        return access.get_repatriation_for_user(self.request.user, self.kwargs["pk"])

    def _respond(self, repatriation: Repatriation, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().filter(pk=repatriation.pk).first()
        if fresh is None:  # e.g. just declined: the agency no longer sees it
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(request=RepatriationStartSerializer, responses={201: RepatriationSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        """Start the repatriation of a victim of your agency's case."""
        payload = RepatriationStartSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        victim = access.get_victim_for_user(request.user, data["victim"])
        officer = None
        if data.get("liaison_officer") is not None:
            officer = (
                access.repatriation_officer_candidates(victim.case.agency_id)
                .filter(pk=data["liaison_officer"])
                .first()
            )
            if officer is None:
                raise serializers.ValidationError({"liaison_officer": _("No such officer.")})
        repatriation = services.repatriation_start(
            by=request.user,
            victim=victim,
            destination_country=data["destination_country"],
            liaison_officer=officer,
            note=data["note"],
            where=api_where(request),
        )
        return self._respond(repatriation, status.HTTP_201_CREATED)

    @extend_schema(
        request=MoveSerializer, responses={200: RepatriationSerializer, 409: ConflictSerializer}
    )
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str) -> Response:
        """Move to a stage (`{"stage": ..., "note": ...}`) under the stage rules."""
        repatriation = self.get_object()
        payload = MoveSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        repatriation = services.repatriation_move(
            by=request.user,
            repatriation=repatriation,
            where=api_where(request),
            **payload.validated_data,
        )
        return self._respond(repatriation)

    @extend_schema(
        request=CorrectSerializer, responses={200: RepatriationSerializer, 409: ConflictSerializer}
    )
    @action(detail=True, methods=["post"])
    def correct(self, request: Request, pk: str) -> Response:
        """Put right a wrong last move (`{"reason": ..., "version": ...}`): a dated, attributed
        correction step back to the stage it left; the wrong step stays in the history."""
        repatriation = self.get_object()
        payload = CorrectSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        repatriation = services.repatriation_correct_move(
            by=request.user,
            repatriation=repatriation,
            where=api_where(request),
            **payload.validated_data,
        )
        return self._respond(repatriation)

    @extend_schema(
        request=HandoverSerializer,
        responses={200: RepatriationSerializer, 409: ConflictSerializer},
    )
    @action(detail=True, methods=["post"])
    def handover(self, request: Request, pk: str) -> Response:
        """Hand over to an agency of the destination country (`{"agency": id}`)."""
        repatriation = self.get_object()
        payload = HandoverSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        agency = Agency.objects.filter(pk=payload.validated_data["agency"]).first()
        if agency is None:
            raise serializers.ValidationError({"agency": _("No such agency.")})
        repatriation = services.repatriation_handover(
            by=request.user,
            repatriation=repatriation,
            agency=agency,
            note=payload.validated_data["note"],
            version=payload.validated_data["version"],
            where=api_where(request),
        )
        return self._respond(repatriation)

    @extend_schema(request=None, responses={200: RepatriationSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str) -> Response:
        """Accept a hand-over to your agency."""
        repatriation = self.get_object()
        repatriation = services.repatriation_accept(
            by=request.user, repatriation=repatriation, where=api_where(request)
        )
        return self._respond(repatriation)

    @extend_schema(request=DeclineSerializer, responses={204: None})
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str) -> Response:
        """Decline a hand-over to your agency, with a reason (`{"reason": ...}`)."""
        repatriation = self.get_object()
        payload = DeclineSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.repatriation_decline(
            by=request.user,
            repatriation=repatriation,
            reason=payload.validated_data["reason"],
            where=api_where(request),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=BulkMoveSerializer,
        responses={
            200: inline_serializer(
                "BulkMoveResult",
                {
                    "moved": serializers.IntegerField(),
                    "stage": serializers.ChoiceField(choices=Stage.choices),
                },
            )
        },
    )
    @action(detail=False, methods=["post"], url_path="bulk-move")
    def bulk_move(self, request: Request) -> Response:
        """Move a group in one action, all-or-nothing: if one may not move, none moves and the
        answer lists every problem."""
        payload = BulkMoveSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        ids = set(payload.validated_data["repatriations"])
        group = list(access.visible_repatriations(request.user).filter(pk__in=ids))
        if len(group) != len(ids):
            raise Http404("Not found.")
        try:
            moved = services.repatriation_bulk_move(
                by=request.user,
                repatriations=group,
                stage=payload.validated_data["stage"],
                note=payload.validated_data["note"],
                where=api_where(request),
            )
        except services.BulkMoveRefused as exc:
            # None moved; every problem is listed, by repatriation id.
            problems = [
                {"repatriation": p.repatriation_id, "errors": p.errors} for p in exc.problems
            ]
            return Response(
                {"detail": exc.messages, "problems": problems},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response({"moved": len(moved), "stage": payload.validated_data["stage"]})
