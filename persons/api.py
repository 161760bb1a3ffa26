"""Person matches over the API: the same access policy, selectors and services as the pages.
A match the user may not see answers 404."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

import access
from config.fields import IdFilterBackend
from persons import selectors, services
from persons.models import MatchStatus, PersonMatch
from persons.serializers import PersonMatchDecisionSerializer, PersonMatchSerializer


class PersonMatchViewSet(viewsets.GenericViewSet):
    """The person matches of the viewer's agency: score, explanation, the agency holding the
    other person and whom to contact — the other record only if visible to the viewer."""

    serializer_class = PersonMatchSerializer
    queryset = PersonMatch.objects.none()
    # `?status=`, refused with a 400 when it is no status, as every list's filters are.
    filter_backends = [IdFilterBackend]
    filterset_fields = ["status"]

    def get_queryset(self):
        return selectors.matches_for(self.request.user).order_by("-score", "-id")

    def _payload(self, matches: list[PersonMatch]) -> list[dict]:
        rows = selectors.match_rows(self.request.user, matches, where="api: person matches")
        return [selectors.row_payload(r) for r in rows]

    def list(self, request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        matches = list(page if page is not None else queryset)
        data = PersonMatchSerializer(self._payload(matches), many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request, *args: Any, **kwargs: Any) -> Response:
        match = access.get_person_match_for_user(request.user, kwargs["pk"])
        return Response(PersonMatchSerializer(self._payload([match])[0]).data)

    def _decide(self, request, pk: Any, status: str) -> Response:
        match = access.get_person_match_for_user(request.user, pk)
        serializer = PersonMatchDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        match = services.person_match_decide(
            match=match, by=request.user, status=status, reason=serializer.data["reason"]
        )
        match = access.get_person_match_for_user(request.user, match.pk)
        return Response(PersonMatchSerializer(self._payload([match])[0]).data)

    @extend_schema(request=PersonMatchDecisionSerializer, responses=PersonMatchSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk: Any = None) -> Response:
        """The same person: say why."""
        return self._decide(request, pk, MatchStatus.CONFIRMED)

    @extend_schema(request=PersonMatchDecisionSerializer, responses=PersonMatchSerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk: Any = None) -> Response:
        """Not the same person: say why."""
        return self._decide(request, pk, MatchStatus.DISMISSED)
