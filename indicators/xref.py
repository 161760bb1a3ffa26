"""The cross-reference engine.

The hits of a value are a function of its sightings: each case holding the value gets one hit
when a case of ANOTHER agency that is not silent holds it too, unless the value is common.
`xref_values` recomputes exactly that for a set of values, with a fixed number of queries
whatever their number (row locks on the values, counts, sightings, existing hits, one bulk
insert, one delete). Incremental processing, the sweep and the full rebuild all call it,
so they cannot disagree, and running it twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
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


@transaction.atomic
def xref_values(value_ids: Iterable[int]) -> XrefResult:
    ids = sorted(set(value_ids))
    if not ids:
        return XrefResult()
    # Row locks in a fixed order: two workers on overlapping values take turns, and each
    # reads the sightings after the other committed.
    values = {
        pk: (normalized, count, common)
        for pk, normalized, count, common in IndicatorValue.objects.select_for_update()
        .filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", "normalized", "case_count", "is_common")
    }
    counts = dict(
        Indicator.objects.filter(value_id__in=ids)
        .values("value_id")
        .annotate(n=Count("case_id", distinct=True))
        .values_list("value_id", "n")
    )
    threshold, listed = common_threshold(), common_values()
    # One UPDATE per distinct (count, common) among the values that changed: a handful.
    changed: dict[tuple[int, bool], list[int]] = {}
    common_ids = set()
    for pk, (normalized, old_count, old_common) in values.items():
        count = counts.get(pk, 0)
        common = count > threshold or normalized.lower() in listed
        if common:
            common_ids.add(pk)
        if count != old_count or common != old_common:
            changed.setdefault((count, common), []).append(pk)
    for (count, common), pks in changed.items():
        IndicatorValue.objects.filter(pk__in=pks).update(case_count=count, is_common=common)

    matchable = [pk for pk in values if pk not in common_ids and counts.get(pk, 0) > 1]
    # value -> agency -> (cases of the agency, does a non-silent case of it hold the value)
    holders: dict[int, dict[int, tuple[list[int], bool]]] = {}
    for value_id, case_id, agency_id, silent in Indicator.objects.filter(
        value_id__in=matchable
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
        for pk, case_id, value_id in Hit.objects.filter(value_id__in=ids).values_list(
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


def claim(ids: Iterable[int] | None = None, *, limit: int = CHUNK) -> list[int]:
    """Claim unprocessed indicators (the given ones, or any): a conditional UPDATE marks them
    claimed, so two workers never take the same indicator. Returns the ids claimed."""
    now = timezone.now()
    free = Q(processed_at__isnull=True) & (
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_LEASE)
    )
    candidates = Indicator.objects.filter(free)
    if ids is not None:
        candidates = candidates.filter(pk__in=list(ids))
    wanted = list(candidates.order_by("pk").values_list("pk", flat=True)[:limit])
    if not wanted:
        return []
    # The same condition again in the UPDATE: a row another worker claimed meanwhile no longer
    # matches it (PostgreSQL re-checks the condition on the locked row).
    Indicator.objects.filter(free, pk__in=wanted).update(claimed_at=now)
    return list(
        Indicator.objects.filter(pk__in=wanted, claimed_at=now).values_list("pk", flat=True)
    )


def process_indicators(ids: Iterable[int]) -> XrefResult:
    """Cross-reference these indicators (those still unprocessed and unclaimed)."""
    result = XrefResult()
    ids = list(ids)
    for start in range(0, len(ids), CHUNK):
        claimed = claim(ids[start : start + CHUNK])
        result.add(_process_claimed(claimed))
    return result


@transaction.atomic
def _process_claimed(claimed: list[int]) -> XrefResult:
    if not claimed:
        return XrefResult()
    value_ids = set(
        Indicator.objects.filter(pk__in=claimed).values_list("value_id", flat=True).distinct()
    )
    result = xref_values(value_ids)
    Indicator.objects.filter(pk__in=claimed).update(processed_at=timezone.now(), claimed_at=None)
    return result


def sweep(*, max_batches: int = 100) -> XrefResult:
    """Process indicators left unprocessed (their task was never published, or failed)."""
    result = XrefResult()
    for _ in range(max_batches):
        claimed = claim()
        if not claimed:
            break
        result.add(_process_claimed(claimed))
    return result


def rebuild(*, chunk: int = CHUNK) -> XrefResult:
    """Recompute every value's counts and hits from the stored sightings, chunk by chunk (flat
    memory), and mark every indicator processed."""
    result = XrefResult()
    last = 0
    while True:
        ids = list(
            IndicatorValue.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:chunk]
        )
        if not ids:
            break
        with transaction.atomic():
            result.add(xref_values(ids))
            Indicator.objects.filter(
                value_id__gte=ids[0], value_id__lte=ids[-1], processed_at__isnull=True
            ).update(processed_at=timezone.now(), claimed_at=None)
        last = ids[-1]
    return result
