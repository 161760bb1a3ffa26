"""The registry's reads, scoped by the access policy: the search, the bulk lookup and the
search of wanted identities."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL

import access
from access.core import AnyUser
from agencies.models import User
from indicators.models import IndicatorValue
from indicators.normalize import normalize
from indicators.normalize.kinds import CHAIN_KINDS, PLATFORM_KINDS
from persons.search import search_name_q
from registry.models import REGISTRY_KINDS, RegistryEntry, RegistrySource, WantedIdentity

LOOKUP_MAX = 10_000


def _region(user: AnyUser) -> str | None:
    agency = getattr(user, "agency", None)
    return str(agency.country) if agency is not None and agency.country else None


def with_sources(entries: QuerySet[RegistryEntry]) -> QuerySet[RegistryEntry]:
    """The entry with its value, its claimant and its live sources (two queries in all)."""
    return entries.select_related("value", "claimed_by").prefetch_related(
        Prefetch(
            "sources",
            queryset=RegistrySource.objects.filter(withdrawn_at=None).select_related("agency"),
            to_attr="live_sources",
        )
    )


def registry_search(
    user: AnyUser,
    *,
    q: str = "",
    kind: str = "",
    status: str = "",
    confidence: str = "",
) -> QuerySet[RegistryEntry]:
    """Published entries, narrowed: `q` is a value typed any way, normalised by kind as
    indicators are (every kind it normalises under), else matched as text."""
    entries = access.visible_registry_entries(user)
    if kind:
        entries = entries.filter(value__kind=kind)
    if status:
        entries = entries.filter(status=status)
    if confidence:
        entries = entries.filter(
            sources__confidence=confidence, sources__withdrawn_at=None
        ).distinct()
    q = (q or "").strip()
    if q:
        match = Q(value__normalized__icontains=q[:1000])
        for k in [kind] if kind else sorted(REGISTRY_KINDS):
            if k in CHAIN_KINDS or k in PLATFORM_KINDS:
                continue  # needs a chain or platform: the text match finds them
            try:
                normalized = normalize(k, q, region=_region(user))
            except ValidationError:
                continue
            # The whole key of the unique index (kind, qualifier, value): one index probe, which
            # PostgreSQL ORs with the trigram index of the text match.
            match |= Q(
                value__kind=normalized.kind,
                value__qualifier=normalized.qualifier,
                value__normalized=normalized.value,
            )
        entries = entries.filter(match)
    return with_sources(entries).order_by("-created_at", "-pk")


# What the lookup reads of an entry and of its live sources: the columns of its answer only
# (registry.serializers.lookup_entry writes them as EntrySerializer does).
ENTRY_COLUMNS = (
    "pk",
    "value__kind",
    "value__qualifier",
    "value__normalized",
    "value__case_count",
    "status",
    "status_changed_at",
    "claimed_by__name",
    "claimed_at",
    "version",
    "public_awareness",
    "created_at",
    "updated_at",
)
SOURCE_COLUMNS = (
    "entry_id",
    "agency_id",
    "agency__name",
    "agency__country",
    "agency__contact_email",
    "agency__contact_phone",
    "confidence",
    "fraud_types",
    "description",
    "published_at",
    "withdrawn_at",
)


@dataclass(frozen=True)
class LookupHit:
    """A known value's entry: its row (ENTRY_COLUMNS) and its live sources' (SOURCE_COLUMNS)."""

    row: tuple[Any, ...]
    sources: list[tuple[Any, ...]]


@dataclass(frozen=True)
class LookupResult:
    kind: str
    value: str
    normalized_value: str
    known: bool
    entry: LookupHit | None = None
    error: str = ""


def registry_lookup(user: User, items: list[dict[str, Any]]) -> list[LookupResult]:
    """Each asked value normalised by its kind, answered in the order asked: known (with the
    published entry) or not. Each distinct (kind, value, chain, platform) is normalised once;
    two queries for the whole list (the entries, then their live sources), each reading only
    the columns of the answer."""
    region = _region(user)
    normalized: dict[tuple[str, str, str, str], tuple[tuple[str, str, str] | None, str]] = {}
    asked: list[tuple[str, str, tuple[str, str, str] | None, str]] = []
    for item in items:
        kind, raw = str(item.get("kind") or ""), str(item.get("value") or "")
        chain, platform = str(item.get("chain") or ""), str(item.get("platform") or "")
        typed = (kind, raw, chain, platform)
        if typed not in normalized:
            try:
                n = normalize(kind, raw, chain=chain, platform=platform, region=region)
                normalized[typed] = (n.key, "")
            except ValidationError as exc:
                normalized[typed] = (None, " ".join(exc.messages))
        key, error = normalized[typed]
        asked.append((kind, raw, key, error))
    wanted = {key for _, _, key, _ in asked if key is not None}
    found = _hits(user, wanted) if wanted else {}
    results = []
    for kind, raw, key, error in asked:
        if key is None:
            results.append(LookupResult(kind, raw, "", False, None, error))
            continue
        hit = found.get(key)
        results.append(LookupResult(kind, raw, key[2], hit is not None, hit))
    return results


def _hits(user: User, wanted: set[tuple[str, str, str]]) -> dict[tuple[str, str, str], LookupHit]:
    """The published entries of the asked keys, by key. An entry is published when it has a
    live source (RegistryEntryQuerySet.published): the sources' query says which."""
    values = _asked_values(wanted)
    rows = {
        row[0]: row
        for row in access.visible_registry_entries(user)
        .filter(value_id__in=values)
        .order_by()
        .values_list(*ENTRY_COLUMNS)
        if (row[1], row[2], row[3]) in wanted
    }
    sources: dict[int, list[tuple[Any, ...]]] = {}
    if rows:
        live = RegistrySource.objects.filter(withdrawn_at=None, entry__value_id__in=values)
        for source in live.order_by("published_at", "pk").values_list(*SOURCE_COLUMNS):
            if source[0] in rows:
                sources.setdefault(source[0], []).append(source)
    return {
        (row[1], row[2], row[3]): LookupHit(row, sources[pk])
        for pk, row in rows.items()
        if pk in sources
    }


# LIMIT 1 (a key has one value: one_value_per_kind) keeps the lateral probe a probe of the
# unique index per key: as a plain join, PostgreSQL hashed all 10^6 values (1.3 s of 1.6 s).
_VALUE_IDS = """
SELECT v.id
FROM unnest(%s::text[], %s::text[], %s::text[]) AS u(kind, qualifier, normalized)
CROSS JOIN LATERAL (
    SELECT iv.id FROM indicators_indicatorvalue iv
    WHERE iv.kind = u.kind AND iv.qualifier = u.qualifier AND iv.normalized = u.normalized
    LIMIT 1
) v
"""


def _asked_values(wanted: set[tuple[str, str, str]]) -> Any:
    """The ids of the asked (kind, qualifier, value) keys' values, as a subquery. On
    PostgreSQL one probe of the value index per key, the keys sent as three arrays joined
    to it; elsewhere the kinds and values as lists (the caller checks the keys)."""
    if connection.vendor == "postgresql":
        columns = [list(c) for c in zip(*wanted, strict=True)]
        return RawSQL(_VALUE_IDS, columns)  # noqa: S611 (constant SQL, bound parameters)
    return IndicatorValue.objects.filter(
        kind__in={k for k, _, _ in wanted}, normalized__in={v for _, _, v in wanted}
    ).values("pk")


def entry_history(entry: RegistryEntry) -> dict[str, Any]:
    """Every step and every source, withdrawn ones included: the entry's history."""
    return {
        "steps": list(entry.steps.select_related("agency", "by").order_by("at", "pk")),
        "sources": list(entry.sources.select_related("agency").order_by("published_at", "pk")),
    }


def wanted_search(user: AnyUser, *, q: str = "", category: str = "") -> QuerySet[WantedIdentity]:
    """Published identities (and the agency's own withdrawn ones), narrowed: `q` is a name
    folded as the person index folds it (any script), or a document number or notice
    reference as typed."""
    identities = access.visible_wanted_identities(user).select_related("agency")
    if category:
        identities = identities.filter(category=category)
    q = (q or "").strip()[:300]
    if q:
        match = Q(notices__icontains=q) | Q(documents__icontains=q) | Q(handles__icontains=q)
        by_name = search_name_q("search_name", q)
        if by_name is not None:
            match |= by_name
        identities = identities.filter(match)
    return identities.order_by("-published_at", "-pk")
