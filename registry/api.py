"""The registry over the API: the same access policy and services as the pages. An entry is
readable by every agency member that works cases; a proposal by its own agency only. Wanted
identities likewise, and the wanted matches of the person index."""

from __future__ import annotations

from typing import Any

import django_filters
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

import access
from config.errors import PolicyError
from indicators.normalize.kinds import Kind
from indicators.serializers import DecisionSerializer
from persons import selectors as person_selectors
from registry import selectors, services
from registry.feed_api import FEED_AUTHENTICATION, log_feed_use
from registry.models import (
    Confidence,
    EntryStatus,
    PublicationProposal,
    RegistryEntry,
    WantedCategory,
    WantedIdentity,
    WantedMatch,
)
from registry.serializers import (
    AwarenessSerializer,
    EntryDetailSerializer,
    EntrySerializer,
    LookupAnswerSerializer,
    LookupSerializer,
    ProposalSerializer,
    ReEmergedSerializer,
    TakedownRequestSerializer,
    TakenDownSerializer,
    VersionSerializer,
    WantedIdentitySerializer,
    WantedMatchSerializer,
    WantedPublishSerializer,
    WantedWithdrawSerializer,
)


class EntryFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="noop", help_text=gettext_lazy("A value, typed any way."))
    kind = django_filters.ChoiceFilter(choices=Kind.choices, method="noop")
    status = django_filters.ChoiceFilter(choices=EntryStatus.choices, method="noop")
    confidence = django_filters.ChoiceFilter(choices=Confidence.choices, method="noop")

    class Meta:
        model = RegistryEntry
        fields: list[str] = []

    def noop(self, queryset, name, value):
        return queryset  # applied by the selector, which normalises `q`

    def filter_queryset(self, queryset):
        data = {k: v for k, v in self.form.cleaned_data.items() if v}
        return selectors.registry_search(self.request.user, **data)


class RegistryViewSet(viewsets.ReadOnlyModelViewSet):
    """Published entries of the network registry: value, kind, sources, takedown status —
    never a case. Lifecycle steps carry the `version` read; a stale one answers 409."""

    serializer_class = EntrySerializer
    filterset_class = EntryFilter
    queryset = RegistryEntry.objects.none()
    ordering_fields: list[str] = []
    # A partner's feed token reaches the lookup only (registry.feedauth.FeedTokenGate).
    authentication_classes = FEED_AUTHENTICATION

    def get_queryset(self):
        return selectors.with_sources(access.visible_registry_entries(self.request.user))

    def get_serializer_class(self):
        return EntryDetailSerializer if self.action == "retrieve" else EntrySerializer

    def _entry(self, pk: Any, *, step: bool = False) -> RegistryEntry:
        entry = access.get_registry_entry_for_user(self.request.user, pk)
        if step and not access.can_record_takedown(self.request.user, entry):
            raise PolicyError(_("Your role may not record takedown steps."))
        return entry

    def _answer(self, entry: RegistryEntry) -> Response:
        fresh = selectors.with_sources(RegistryEntry.objects.filter(pk=entry.pk)).get()
        return Response(EntryDetailSerializer(fresh, context=self.get_serializer_context()).data)

    def _step(self, request, pk: Any, serializer_class, step: str) -> Response:
        entry = self._entry(pk, step=True)
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        services.entry_record_step(
            entry=entry, by=request.user, status=step, version=version, **data
        )
        return self._answer(entry)

    @extend_schema(request=TakedownRequestSerializer, responses=EntryDetailSerializer)
    @action(detail=True, methods=["post"], url_path="request-takedown")
    def request_takedown(self, request, pk: Any = None) -> Response:
        """A takedown asked of a registrar, host, platform, telecom operator or bank."""
        return self._step(request, pk, TakedownRequestSerializer, EntryStatus.TAKEDOWN_REQUESTED)

    @extend_schema(request=TakenDownSerializer, responses=EntryDetailSerializer)
    @action(detail=True, methods=["post"], url_path="taken-down")
    def taken_down(self, request, pk: Any = None) -> Response:
        """Taken down: the date and the evidence."""
        return self._step(request, pk, TakenDownSerializer, EntryStatus.TAKEN_DOWN)

    @extend_schema(request=ReEmergedSerializer, responses=EntryDetailSerializer)
    @action(detail=True, methods=["post"], url_path="re-emerged")
    def re_emerged(self, request, pk: Any = None) -> Response:
        """Seen active again after a takedown."""
        return self._step(request, pk, ReEmergedSerializer, EntryStatus.RE_EMERGED)

    def _claim(self, request, pk: Any, release: bool) -> Response:
        entry = self._entry(pk, step=True)
        serializer = VersionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.entry_claim(
            entry=entry,
            by=request.user,
            version=serializer.validated_data.get("version"),
            release=release,
        )
        return self._answer(entry)

    @extend_schema(request=VersionSerializer, responses=EntryDetailSerializer)
    @action(detail=True, methods=["post"])
    def claim(self, request, pk: Any = None) -> Response:
        """Your agency works on this takedown."""
        return self._claim(request, pk, False)

    @extend_schema(request=VersionSerializer, responses=EntryDetailSerializer)
    @action(detail=True, methods=["post"])
    def release(self, request, pk: Any = None) -> Response:
        """Your agency no longer works on it."""
        return self._claim(request, pk, True)

    @extend_schema(request=None, responses=EntryDetailSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk: Any = None) -> Response:
        """Withdraw your agency's publication (kept in the history)."""
        entry = self._entry(pk)
        services.source_withdraw(entry=entry, by=request.user)
        return self._answer(entry)

    @extend_schema(request=AwarenessSerializer, responses=EntryDetailSerializer)
    @action(detail=True, methods=["post"])
    def awareness(self, request, pk: Any = None) -> Response:
        """A supervisor of a publishing agency shows the entry on the public awareness page
        (a confirmed website or number), or takes it off."""
        entry = self._entry(pk)
        if access.awareness_source(request.user, entry) is None:
            raise PolicyError(_("Only a supervisor of a publishing agency marks it for awareness."))
        serializer = AwarenessSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.entry_set_awareness(
            entry=entry,
            by=request.user,
            public=serializer.validated_data["public"],
            version=serializer.validated_data.get("version"),
        )
        return self._answer(entry)

    @extend_schema(request=LookupSerializer, responses=LookupAnswerSerializer)
    @action(detail=False, methods=["post"])
    def lookup(self, request) -> Response:
        """Up to 10,000 values of any kinds, each normalised by its kind, answered known or
        not in the order asked."""
        if not access.can_read_registry(request.user):
            raise PolicyError(_("Your role does not read the registry."))
        serializer = LookupSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        results = selectors.registry_lookup(request.user, serializer.validated_data["values"])
        known = sum(1 for r in results if r.known)
        log_feed_use(
            request,
            "registry-lookup",
            {"values": str(len(results)), "known": str(known)},
            200,
            len(results),
        )
        return Response(
            LookupAnswerSerializer({"results": results}, context=self.get_serializer_context()).data
        )


class ProposalViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Your agency's proposals to publish to the registry; its supervisors approve or refuse
    them (they also wait on /api/v1/approvals/)."""

    serializer_class = ProposalSerializer
    filterset_fields = ["status"]
    queryset = PublicationProposal.objects.none()

    def get_queryset(self):
        return access.visible_proposals(self.request.user).select_related(
            "indicator__case", "indicator__value", "proposed_by", "decided_by"
        )

    def create(self, request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        proposal = services.proposal_create(
            indicator=data["indicator"],
            by=request.user,
            confidence=data["confidence"],
            fraud_types=data.get("fraud_types", []),
            description=data["description"],
        )
        return Response(self.get_serializer(proposal).data, status=status.HTTP_201_CREATED)

    def _decide(self, request, pk: Any, approve: bool) -> Response:
        proposal = access.get_proposal_for_user(request.user, pk)
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decided = services.proposal_decide(
            proposal=proposal,
            by=request.user,
            approve=approve,
            note=serializer.validated_data["note"],
        )
        return Response(self.get_serializer(decided).data)

    @extend_schema(request=DecisionSerializer, responses=ProposalSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk: Any = None) -> Response:
        """Publish the value to the registry."""
        return self._decide(request, pk, True)

    @extend_schema(request=DecisionSerializer, responses=ProposalSerializer)
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk: Any = None) -> Response:
        """Refuse the proposal."""
        return self._decide(request, pk, False)


class WantedFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="noop", help_text="A name (any script), document, notice.")
    category = django_filters.ChoiceFilter(choices=WantedCategory.choices, method="noop")

    class Meta:
        model = WantedIdentity
        fields: list[str] = []

    def noop(self, queryset, name, value):
        return queryset  # applied by the selector, which folds the name

    def filter_queryset(self, queryset):
        data = {k: v for k, v in self.form.cleaned_data.items() if v}
        return selectors.wanted_search(self.request.user, **data)


class WantedViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Wanted identities published to the network, in full — never their suspect or case.
    A supervisor publishes a suspect of the agency's case (POST) and withdraws it."""

    serializer_class = WantedIdentitySerializer
    filterset_class = WantedFilter
    queryset = WantedIdentity.objects.none()
    ordering_fields: list[str] = []

    def get_queryset(self):
        return access.visible_wanted_identities(self.request.user).select_related("agency")

    @extend_schema(request=WantedPublishSerializer, responses={201: WantedIdentitySerializer})
    def create(self, request, *args: Any, **kwargs: Any) -> Response:
        """Publish a suspect's identity as wanted or of interest (supervisors)."""
        if not access.can(request.user, access.Action.PUBLISH_WANTED):
            raise PolicyError(_("Only a supervisor publishes a wanted identity."))
        serializer = WantedPublishSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        identity = services.wanted_publish(by=request.user, **serializer.validated_data)
        return Response(WantedIdentitySerializer(identity).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=WantedWithdrawSerializer, responses=WantedIdentitySerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk: Any = None) -> Response:
        """Withdraw your agency's identity: kept in its history, it matches nobody."""
        identity = access.get_wanted_identity_for_user(request.user, pk)
        serializer = WantedWithdrawSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        identity = services.wanted_withdraw(
            identity=identity, by=request.user, reason=serializer.validated_data["reason"]
        )
        return Response(WantedIdentitySerializer(identity).data)


class WantedMatchViewSet(viewsets.ReadOnlyModelViewSet):
    """Suspects and victims matching a published wanted identity: those of your agency, and
    (for the publishing agency) which agency holds a matching person — never its case unless
    you see that case anyway."""

    serializer_class = WantedMatchSerializer
    queryset = WantedMatch.objects.none()
    ordering_fields: list[str] = []

    def get_queryset(self):
        return person_selectors.wanted_matches_for(self.request.user).order_by("-score", "-pk")

    def _payload(self, matches: list[WantedMatch]) -> list[dict[str, Any]]:
        rows = person_selectors.wanted_rows(self.request.user, matches, where="api: wanted")
        return [person_selectors.wanted_row_payload(r) for r in rows]

    def list(self, request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.get_queryset()
        page = self.paginate_queryset(queryset)
        matches = list(page if page is not None else queryset)
        data = WantedMatchSerializer(self._payload(matches), many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request, *args: Any, **kwargs: Any) -> Response:
        match = access.get_wanted_match_for_user(request.user, kwargs["pk"])
        return Response(WantedMatchSerializer(self._payload([match])[0]).data)
