"""The case file over the API: the same access policy (access/) and the same
services (cases/services.py) as the pages. Anything the user may not see answers 404."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

import access
from cases import services
from cases.models import Asset, Case, CaseNote, Suspect
from cases.selectors import case_search_q, country_q
from cases.serializers import (
    AssetSerializer,
    CaseSerializer,
    NoteSerializer,
    SuspectSerializer,
)
from config.exception_handler import answers_conflicts
from config.fields import IdFilter, IdFilterSet


class WriteViewSet(
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    http_method_names = ["get", "post", "put", "patch", "head", "options"]


class CountryFilter(django_filters.CharFilter):
    def filter(self, qs, value):
        return qs.filter(country_q(self.field_name, value)) if value else qs


class CaseFilter(IdFilterSet):
    country = CountryFilter(
        field_name="countries", help_text=gettext_lazy("ISO code of a country involved.")
    )
    mine = django_filters.BooleanFilter(
        method="filter_mine", help_text=gettext_lazy("Cases I lead.")
    )
    q = django_filters.CharFilter(
        method="filter_q",
        help_text=gettext_lazy("Reference, title or an indicator value of the case."),
    )

    class Meta:
        model = Case
        fields = ["status", "fraud_type", "sharing_level", "agency"]

    def filter_mine(self, queryset, name, value):
        return queryset.filter(lead_investigator=self.request.user) if value else queryset

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(case_search_q(self.request.user, value)) if value else queryset


@answers_conflicts(CaseSerializer)
class CaseViewSet(WriteViewSet):
    """Cases the signed-in user's agency may see; any other case answers 404. Updates carry
    the `version` read; a stale one answers 409 with the fields changed since."""

    serializer_class = CaseSerializer
    filterset_class = CaseFilter
    search_fields = ["reference", "title"]
    ordering_fields = [
        "created_at",
        "reference",
        "title",
        "status",
        "opened_on",
        "reported_loss_amount",
    ]
    queryset = Case.objects.none()

    def get_queryset(self):
        return (
            access.visible_cases(self.request.user)
            .select_related("agency")
            .prefetch_related("shared_with")
        )

    def create(self, request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        case = services.case_create(
            by=request.user,
            sharing_level=data.get("sharing_level", Case._meta.get_field("sharing_level").default),
            shared_with=data.get("shared_with", []),
            **serializer.service_fields(),
        )
        return Response(self.get_serializer(case).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args: Any, partial: bool = False, **kwargs: Any) -> Response:
        case = access.get_case_for_user(request.user, kwargs["pk"], write=True)
        serializer = self.get_serializer(case, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with transaction.atomic():
            case = services.case_update(
                case=case,
                by=request.user,
                expected_version=data.get("version"),
                **serializer.service_fields(),
            )
            if "sharing_level" in data or "shared_with" in data:
                case = services.case_set_sharing(
                    case=case,
                    level=data.get("sharing_level", case.sharing_level),
                    agencies=data.get("shared_with", case.shared_with.all()),
                    by=request.user,
                    expected_version=case.version,  # checked by case_update just now
                )
        return Response(self.get_serializer(case).data)


class CaseFileViewSet(WriteViewSet):
    """Suspects, assets and notes: created on a case the user may edit, edited through the
    same services as the pages; the case never changes."""

    visible: Any
    get_for_user: Any
    create_service: Any
    update_service: Any
    object_argument: str

    def get_queryset(self):
        return self.visible(self.request.user)

    def create(self, request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        obj = self.create_service(
            case=serializer.validated_data["case"], by=request.user, **serializer.service_fields()
        )
        return Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args: Any, partial: bool = False, **kwargs: Any) -> Response:
        obj = self.get_for_user(request.user, kwargs["pk"], write=True)
        serializer = self.get_serializer(obj, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        checked = {}
        if "version" in serializer.fields:  # suspects and assets; notes keep their history
            checked["expected_version"] = serializer.validated_data.get("version")
        obj = self.update_service(
            **{self.object_argument: obj}, by=request.user, **checked, **serializer.service_fields()
        )
        return Response(self.get_serializer(obj).data)


def case_id_filter() -> IdFilter:
    # A plain number, not a choice among all cases: an invisible case filters to nothing,
    # exactly like an unknown id, instead of answering "valid" or "invalid choice".
    return IdFilter(field_name="case_id", help_text=_("Case id."))


class SuspectFilter(IdFilterSet):
    case = case_id_filter()
    nationality = CountryFilter(field_name="nationalities", help_text=gettext_lazy("ISO code."))

    class Meta:
        model = Suspect
        fields = ["case", "role", "status"]


class AssetFilter(IdFilterSet):
    case = case_id_filter()

    class Meta:
        model = Asset
        fields = ["case", "kind", "status", "currency"]


class NoteFilter(IdFilterSet):
    case = case_id_filter()
    author = IdFilter(field_name="author_id", help_text=gettext_lazy("User id."))

    class Meta:
        model = CaseNote
        fields = ["case", "kind", "author"]


@answers_conflicts(SuspectSerializer)
class SuspectViewSet(CaseFileViewSet):
    """Suspects of the cases whose file the user may see. Updates carry the `version` read;
    a stale one answers 409 with the fields changed since."""

    serializer_class = SuspectSerializer
    filterset_class = SuspectFilter
    search_fields = ["full_name", "aliases"]
    ordering_fields = ["full_name", "created_at", "status"]
    queryset = Suspect.objects.none()
    visible = staticmethod(access.visible_suspects)
    get_for_user = staticmethod(access.get_suspect_for_user)
    create_service = staticmethod(services.suspect_create)
    update_service = staticmethod(services.suspect_update)
    object_argument = "suspect"


@answers_conflicts(AssetSerializer)
class AssetViewSet(CaseFileViewSet):
    """Traced assets of the cases whose file the user may see. Updates carry the `version`
    read; a stale one answers 409 with the fields changed since."""

    serializer_class = AssetSerializer
    filterset_class = AssetFilter
    search_fields = ["description"]
    ordering_fields = ["amount", "status_changed_on", "created_at", "status"]
    queryset = Asset.objects.none()
    visible = staticmethod(access.visible_assets)
    get_for_user = staticmethod(access.get_asset_for_user)
    create_service = staticmethod(services.asset_create)
    update_service = staticmethod(services.asset_update)
    object_argument = "asset"


class NoteViewSet(CaseFileViewSet):
    """Notes and events of the cases' timelines. Only notes are edited; the previous text is
    kept in the history."""

    serializer_class = NoteSerializer
    filterset_class = NoteFilter
    search_fields = ["text"]
    ordering_fields = ["created_at"]
    queryset = CaseNote.objects.none()
    visible = staticmethod(access.visible_notes)
    get_for_user = staticmethod(access.get_note_for_user)
    create_service = staticmethod(services.note_create)
    update_service = staticmethod(services.note_update)
    object_argument = "note"
