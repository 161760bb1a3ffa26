"""The registry's reads, scoped by the access policy: the search, the bulk lookup and the
search of wanted identities."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Prefetch, Q, QuerySet

import access
from access.core import AnyUser
from agencies.models import User
from config import pgarrays
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
            match |= Q(value__kind=normalized.kind, value__normalized=normalized.value)
        entries = entries.filter(match)
    return with_sources(entries).order_by("-created_at", "-pk")


@dataclass(frozen=True)
class LookupResult:
    kind: str
    value: str
    normalized_value: str
    known: bool
    entry: RegistryEntry | None = None
    error: str = ""


def registry_lookup(user: User, items: list[dict[str, Any]]) -> list[LookupResult]:
    """Each asked value normalised by its kind, answered in the order asked: known (with the
    published entry) or not. Two queries for the whole list (entries, then their sources)."""
    region = _region(user)
    keyed: list[tuple[dict[str, Any], tuple[str, str, str] | None, str]] = []
    for item in items:
        kind, raw = str(item.get("kind") or ""), str(item.get("value") or "")
        try:
            n = normalize(
                kind,
                raw,
                chain=str(item.get("chain") or ""),
                platform=str(item.get("platform") or ""),
                region=region,
            )
        except ValidationError as exc:
            keyed.append((item, None, " ".join(exc.messages)))
            continue
        keyed.append((item, n.key, ""))
    wanted = {key for _, key, _ in keyed if key is not None}
    found: dict[tuple[str, str, str], RegistryEntry] = {}
    if wanted:
        entries = with_sources(access.visible_registry_entries(user).filter(_asked(wanted)))
        for entry in entries:
            key = (entry.value.kind, entry.value.qualifier, entry.value.normalized)
            if key in wanted:
                found[key] = entry
    results = []
    for item, asked, error in keyed:
        kind, raw = str(item.get("kind") or ""), str(item.get("value") or "")
        if asked is None:
            results.append(LookupResult(kind, raw, "", False, None, error))
            continue
        hit = found.get(asked)
        results.append(LookupResult(kind, raw, asked[2], hit is not None, hit))
    return results


_ENTRY_IDS = """
SELECT e.id
FROM unnest(%b::text[], %b::text[], %b::text[]) AS u(kind, qualifier, normalized)
JOIN indicators_indicatorvalue v
    ON v.kind = u.kind AND v.qualifier = u.qualifier AND v.normalized = u.normalized
JOIN registry_registryentry e ON e.value_id = v.id
"""


def _asked(wanted: set[tuple[str, str, str]]) -> Q:
    """The entries of the asked (kind, qualifier, value) keys. On PostgreSQL one probe of the
    value index per key, the keys sent as three arrays bound in binary (config/pgarrays.py);
    elsewhere the kinds and values as lists, the keys checked by the caller."""
    if connection.vendor == "postgresql":
        columns = [list(c) for c in zip(*wanted, strict=True)]
        return Q(pk__in=[pk for (pk,) in pgarrays.execute(_ENTRY_IDS, columns)])
    return Q(
        value__kind__in={k for k, _, _ in wanted},
        value__normalized__in={v for _, _, v in wanted},
    )


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
