"""The cross-reference engine.

The hits of a value are a function of its sightings: each case holding the value gets one hit
when a case of ANOTHER agency that is not silent holds it too, unless the value is common.
`xref_values` recomputes exactly that for a set of values, with a fixed handful of queries
whatever their number (the values locked with their counts, the count updates, the
sightings, the existing hits, one bulk insert, one delete). Incremental processing, the sweep
and the full rebuild all call it, so they cannot disagree, and running it twice changes
nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from indicators.models import Hit, Indicator, IndicatorValue

# A claim older than this is taken to belong to a worker that died, and is taken over.
CLAIM_LEASE = timedelta(minutes=10)
CHUNK = 5000


@dataclass
class XrefResult:
    values: int = 0
    hits_created: int = 0
    hits_removed: int = 0

    def add(self, other: XrefResult) -> None:
        self.values += other.values
        self.hits_created += other.hits_created
        self.hits_removed += other.hits_removed


def common_threshold() -> int:
    return int(getattr(settings, "FORTRESS_COMMON_VALUE_THRESHOLD", 50))


def common_values() -> frozenset[str]:
    return frozenset(v.lower() for v in getattr(settings, "FORTRESS_COMMON_VALUES", ()))


def xref_values(value_ids: Iterable[int]) -> XrefResult:
    """Recompute the counts, common flags and hits of these values."""
    ids = sorted(set(value_ids))
    if not ids:
        return XrefResult()
    return _xref(Q(pk__in=ids), Q(value_id__in=ids))


def _xref_range(first: int, last: int) -> XrefResult:
    """The same for the values with first <= id <= last (the rebuild walks the ids)."""
    return _xref(Q(pk__gte=first, pk__lte=last), Q(value_id__gte=first, value_id__lte=last))


@transaction.atomic
def _xref(values_q: Q, related_q: Q) -> XrefResult:
    sightings_count = (
        Indicator.objects.filter(value_id=OuterRef("pk"))
        .order_by()
        .values("value_id")
        .annotate(n=Count("*"))
        .values("n")
    )
    # Row locks in a fixed order: two workers on overlapping values take turns, and each
    # reads the sightings after the other committed. (A case holds a value once, so the
    # sightings of a value are its cases.)
    values = list(
        IndicatorValue.objects.select_for_update(of=("self",))
        .filter(values_q)
        .order_by("pk")
        .annotate(n=Coalesce(Subquery(sightings_count, output_field=IntegerField()), Value(0)))
        .values_list("pk", "normalized", "case_count", "is_common", "n")
    )
    if not values:
        return XrefResult()
    threshold, listed = common_threshold(), common_values()
    # One UPDATE per distinct (count, common) among the values that changed: a handful.
    changed: dict[tuple[int, bool], list[int]] = {}
    matchable: set[int] = set()
    for pk, normalized, old_count, old_common, count in values:
        common = count > threshold or normalized.lower() in listed
        if count != old_count or common != old_common:
            changed.setdefault((count, common), []).append(pk)
        if not common and count > 1:
            matchable.add(pk)
    for (count, common), pks in changed.items():
        IndicatorValue.objects.filter(pk__in=pks).update(case_count=count, is_common=common)

    # value -> agency -> (its cases holding the value, does a non-silent one hold it)
    holders: dict[int, dict[int, tuple[list[int], bool]]] = {}
    if matchable:
        for value_id, case_id, agency_id, silent in Indicator.objects.filter(
            value_id__in=sorted(matchable)
        ).values_list("value_id", "case_id", "case__agency_id", "case__silent"):
            cases, speaks = holders.setdefault(value_id, {}).get(agency_id, ([], False))
            cases.append(case_id)
            holders[value_id][agency_id] = (cases, speaks or not silent)
    wanted: set[tuple[int, int]] = set()
    for value_id, agencies in holders.items():
        speaking = {a for a, (_, speaks) in agencies.items() if speaks}
        for agency_id, (cases, _) in agencies.items():
            if speaking - {agency_id}:
                wanted.update((case_id, value_id) for case_id in cases)

    existing = {
        (case_id, value_id): pk
        for pk, case_id, value_id in Hit.objects.filter(related_q).values_list(
            "pk", "case_id", "value_id"
        )
    }
    missing = [Hit(case_id=c, value_id=v) for c, v in wanted - existing.keys()]
    stale = [pk for key, pk in existing.items() if key not in wanted]
    if missing:
        Hit.objects.bulk_create(missing, ignore_conflicts=True, batch_size=2000)
    if stale:
        Hit.objects.filter(pk__in=stale).delete()
    return XrefResult(values=len(values), hits_created=len(missing), hits_removed=len(stale))


_CLAIM_SQL = """
UPDATE indicators_indicator SET claimed_at = %(now)s
WHERE id IN (
    SELECT id FROM indicators_indicator
    WHERE processed_at IS NULL AND (claimed_at IS NULL OR claimed_at < %(expired)s) {only}
    ORDER BY id LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
)
RETURNING id, value_id
"""


def claim(ids: Iterable[int] | None = None, *, limit: int = CHUNK) -> list[tuple[int, int]]:
    """Claim unprocessed indicators (the given ones, or any): a conditional UPDATE marks them
    claimed, so two workers never take the same indicator. Returns (id, value id) of each
    indicator claimed."""
    now = timezone.now()
    expired = now - CLAIM_LEASE
    only = list(ids) if ids is not None else None
    if connection.vendor == "postgresql":
        sql = _CLAIM_SQL.format(only="AND id = ANY(%(only)s)" if only is not None else "")
        with connection.cursor() as cursor:
            cursor.execute(sql, {"now": now, "expired": expired, "limit": limit, "only": only})
            return sorted(cursor.fetchall())
    free = Q(processed_at__isnull=True) & (Q(claimed_at__isnull=True) | Q(claimed_at__lt=expired))
    candidates = Indicator.objects.filter(free)
    if only is not None:
        candidates = candidates.filter(pk__in=only)
    wanted = list(candidates.order_by("pk").values_list("pk", flat=True)[:limit])
    if not wanted:
        return []
    # The same condition again in the UPDATE: a row another worker claimed meanwhile no longer
    # matches it.
    Indicator.objects.filter(free, pk__in=wanted).update(claimed_at=now)
    return list(
        Indicator.objects.filter(pk__in=wanted, claimed_at=now)
        .order_by("pk")
        .values_list("pk", "value_id")
    )


def process_indicators(ids: Iterable[int]) -> XrefResult:
    """Cross-reference these indicators (those still unprocessed and unclaimed)."""
    result = XrefResult()
    ids = list(ids)
    for start in range(0, len(ids), CHUNK):
        with transaction.atomic():
            result.add(_process_claimed(claim(ids[start : start + CHUNK])))
    return result


@transaction.atomic
def _process_claimed(claimed: list[tuple[int, int]]) -> XrefResult:
    if not claimed:
        return XrefResult()
    result = xref_values({value_id for _, value_id in claimed})
    Indicator.objects.filter(pk__in=[pk for pk, _ in claimed]).update(
        processed_at=timezone.now(), claimed_at=None
    )
    return result


def sweep(*, max_batches: int = 100) -> XrefResult:
    """Process indicators left unprocessed (their task was never published, or failed)."""
    result = XrefResult()
    for _ in range(max_batches):
        with transaction.atomic():
            claimed = claim()
            if not claimed:
                break
            result.add(_process_claimed(claimed))
    return result


def rebuild(*, chunk: int = CHUNK) -> XrefResult:
    """Recompute every value's counts and hits from the stored sightings, one range of value
    ids at a time (flat memory), and mark every indicator processed."""
    result = XrefResult()
    bounds = IndicatorValue.objects.order_by("pk").values_list("pk", flat=True)
    first_id, last_id = bounds.first(), bounds.last()
    if first_id is None:
        return result
    for first in range(first_id, last_id + 1, chunk):
        last = first + chunk - 1
        with transaction.atomic():
            result.add(_xref_range(first, last))
            Indicator.objects.filter(
                value_id__gte=first, value_id__lte=last, processed_at__isnull=True
            ).update(processed_at=timezone.now(), claimed_at=None)
    return result
