"""The cross-reference engine.

The hits of a value are a function of its sightings: each case holding the value gets one hit
when a case of ANOTHER agency that is not silent holds it too, unless the value is common.
`xref_values` recomputes exactly that for a set of values, with a fixed handful of queries
whatever their number (the values locked with their counts, the count updates, the
sightings, the existing hits, one bulk insert, one delete). Incremental processing, the sweep
and the full rebuild all call it, so they cannot disagree, and running it twice changes
nothing.

An indicator saved waits in the queue (`PendingIndicator`) until it is cross-referenced: a
worker claims queued indicators by deleting their rows, and the deletion commits with the work.

On PostgreSQL the same rule runs as set-based SQL (the rebuild's and the incremental path share
its text): a batch of indicators is taken from the queue and its values locked in one
statement, then counts, flags and hits are recomputed in a second one, and the commit does not
wait for the WAL flush (a batch lost in a server crash is lost whole, its indicators queued
again, and the sweep takes them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

import psycopg
from django.conf import settings
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from indicators.models import Hit, HitStatus, Indicator, IndicatorValue, PendingIndicator

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
    if connection.vendor == "postgresql":
        with transaction.atomic(savepoint=False), _prepared_cursor() as cursor:
            cursor.execute(_LOCK_VALUES, {"ids": ids})
            return _xref_values_sql([pk for (pk,) in cursor.fetchall()], prepared=True)
    return _xref(Q(pk__in=ids), Q(value_id__in=ids))


def _xref_range(first: int, last: int) -> XrefResult:
    """The same for the values with first <= id <= last (the rebuild walks the ids)."""
    return _xref(Q(pk__gte=first, pk__lte=last), Q(value_id__gte=first, value_id__lte=last))


@transaction.atomic(savepoint=False)
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
    # (case, value) -> how many other agencies hold the value in a non-silent case
    wanted: dict[tuple[int, int], int] = {}
    for value_id, agencies in holders.items():
        speaking = {a for a, (_, speaks) in agencies.items() if speaks}
        for agency_id, (cases, _) in agencies.items():
            others = len(speaking - {agency_id})
            if others:
                wanted.update(((case_id, value_id), others) for case_id in cases)

    existing = {
        (case_id, value_id): (pk, others)
        for pk, case_id, value_id, others in Hit.objects.filter(related_q).values_list(
            "pk", "case_id", "value_id", "other_agencies"
        )
    }
    missing = {key: n for key, n in wanted.items() if key not in existing}
    stale = [pk for key, (pk, _) in existing.items() if key not in wanted]
    # A hit whose value more agencies now hold is new again; fewer: only the count changes.
    recount: dict[tuple[int, bool], list[int]] = {}
    for key, (pk, before) in existing.items():
        if key in wanted and wanted[key] != before:
            recount.setdefault((wanted[key], wanted[key] > before), []).append(pk)
    if missing:
        _insert_hits(missing)
    if stale:
        Hit.objects.filter(pk__in=stale).delete()
    for (others, reopen), pks in recount.items():
        changes: dict = {"other_agencies": others}
        if reopen:
            changes.update(status=HitStatus.NEW, reviewed_by=None, reviewed_at=None)
        Hit.objects.filter(pk__in=pks).update(**changes)
    return XrefResult(values=len(values), hits_created=len(missing), hits_removed=len(stale))


def _insert_hits(hits: dict[tuple[int, int], int]) -> None:
    """New hits, (case id, value id) -> other agencies: one statement on PostgreSQL."""
    if connection.vendor == "postgresql":
        cases, values = zip(*hits, strict=True)
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO indicators_hit (case_id, value_id, other_agencies, status, created_at)"
                " SELECT unnest(%s::bigint[]), unnest(%s::bigint[]), unnest(%s::integer[]), %s, %s"
                " ON CONFLICT (case_id, value_id) DO NOTHING",
                [list(cases), list(values), list(hits.values()), HitStatus.NEW, timezone.now()],
            )
        return
    Hit.objects.bulk_create(
        [Hit(case_id=c, value_id=v, other_agencies=n) for (c, v), n in hits.items()],
        ignore_conflicts=True,
        batch_size=2000,
    )


def enqueue(indicator_ids: Iterable[int]) -> None:
    """Queue these indicators for cross-referencing (in the caller's transaction; an
    indicator already queued stays queued once)."""
    PendingIndicator.objects.bulk_create(
        [PendingIndicator(indicator_id=pk) for pk in indicator_ids],
        ignore_conflicts=True,
        batch_size=5000,
    )


# Take queued indicators (the given ones, or any) out of the queue: the rows are locked (SKIP
# LOCKED: another worker takes other ones) and deleted, both undone if the transaction fails.
# The rows locked are deleted by their physical address (a TID scan, whatever the planner
# thinks of the queue's size: a queue is mostly dead rows between two vacuums).
_DEQUEUE = """
DELETE FROM indicators_pendingindicator
WHERE ctid = ANY(ARRAY(
    SELECT ctid FROM indicators_pendingindicator {only}
    ORDER BY indicator_id LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
))
RETURNING indicator_id
"""
_ONLY = "WHERE indicator_id = ANY(%(only)s::bigint[])"
_CLAIM_SQL = f"""
WITH claimed AS ({_DEQUEUE})
SELECT i.id, i.value_id FROM claimed c JOIN indicators_indicator i ON i.id = c.indicator_id
ORDER BY i.id
"""  # noqa: S608 - constant SQL


def claim(ids: Iterable[int] | None = None, *, limit: int = CHUNK) -> list[tuple[int, int]]:
    """Claim queued indicators (the given ones, or any) for the current transaction, so two
    workers never take the same indicator; returns (id, value id) of each one claimed.

    On PostgreSQL the claim takes the rows out of the queue (locked, SKIP LOCKED: another
    worker skips them) for the caller's transaction: committed with the caller's work, or back
    in the queue if it fails or the worker dies. Elsewhere a conditional UPDATE of
    `claimed_at` claims them, the caller deletes them when done, and a claim older than the
    lease may be taken over."""
    now = timezone.now()
    only = list(ids) if ids is not None else None
    if connection.vendor == "postgresql":
        if not connection.in_atomic_block:
            raise RuntimeError("claim() holds its rows for the caller's transaction.")
        sql = _CLAIM_SQL.format(only=_ONLY if only is not None else "")
        with connection.cursor() as cursor:
            cursor.execute(sql, {"limit": limit, "only": only})
            return cursor.fetchall()
    free = Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_LEASE)
    candidates = PendingIndicator.objects.filter(free)
    if only is not None:
        candidates = candidates.filter(pk__in=only)
    wanted = list(candidates.order_by("pk").values_list("pk", flat=True)[:limit])
    if not wanted:
        return []
    # The same condition again in the UPDATE: a row another worker claimed meanwhile no longer
    # matches it.
    PendingIndicator.objects.filter(free, pk__in=wanted).update(claimed_at=now)
    return list(
        Indicator.objects.filter(pk__in=wanted, pending__claimed_at=now)
        .order_by("pk")
        .values_list("pk", "value_id")
    )


def process_indicators(ids: Iterable[int]) -> XrefResult:
    """Cross-reference these indicators (those still queued and unclaimed)."""
    result = XrefResult()
    ids = list(ids)
    outermost = not connection.in_atomic_block
    for start in range(0, len(ids), CHUNK):
        with transaction.atomic():
            if connection.vendor == "postgresql":
                batch = ids[start : start + CHUNK]
                result.add(_process_sql(batch, limit=CHUNK, own_transaction=outermost)[1])
            else:
                result.add(_process_claimed(claim(ids[start : start + CHUNK])))
    return result


@transaction.atomic(savepoint=False)
def _process_claimed(claimed: list[tuple[int, int]]) -> XrefResult:
    if not claimed:
        return XrefResult()
    result = xref_values({value_id for _, value_id in claimed})
    PendingIndicator.objects.filter(pk__in=[pk for pk, _ in claimed]).delete()
    return result


def sweep(*, max_batches: int = 100) -> XrefResult:
    """Process the indicators left in the queue (their task was never published, or failed)."""
    result = XrefResult()
    outermost = not connection.in_atomic_block
    for _ in range(max_batches):
        with transaction.atomic():
            if connection.vendor == "postgresql":
                claimed, done = _process_sql(None, limit=SWEEP_SQL_CHUNK, own_transaction=outermost)
                result.add(done)
                if not claimed:
                    break
                continue
            claimed = claim()
            if not claimed:
                break
            result.add(_process_claimed(claimed))
    return result


def rebuild(*, chunk: int | None = None) -> XrefResult:
    """Recompute every value's counts and hits from the stored sightings, one range of value
    ids at a time (flat memory), and empty the queue of their indicators. On PostgreSQL each range
    is recomputed by set-based SQL stating the same rule as `_xref` (the tests check both give
    the same hits as incremental processing); elsewhere by `_xref` itself."""
    postgres = connection.vendor == "postgresql"
    chunk = chunk or (REBUILD_SQL_CHUNK if postgres else CHUNK)
    result = XrefResult()
    bounds = IndicatorValue.objects.order_by("pk").values_list("pk", flat=True)
    first_id, last_id = bounds.first(), bounds.last()
    if first_id is None:
        return result
    ranges = [(first, first + chunk - 1) for first in range(first_id, last_id + 1, chunk)]
    if postgres:
        # Counts first, then fresh planner statistics, then the hits: the hit statements
        # select on the counts, and plans made on stale counts are quadratic.
        for first, last in ranges:
            with transaction.atomic():
                _rebuild_counts_sql(first, last)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE indicators_indicatorvalue")
    for first, last in ranges:
        with transaction.atomic():
            if postgres:
                result.add(_rebuild_range_sql(first, last))
            else:
                result.add(_xref_range(first, last))
            PendingIndicator.objects.filter(
                indicator__value_id__gte=first, indicator__value_id__lte=last
            ).delete()
    return result


REBUILD_SQL_CHUNK = 50_000

_REBUILD_LOCK = """
SELECT count(*) FROM (
    SELECT id FROM indicators_indicatorvalue WHERE id BETWEEN %(first)s AND %(last)s
    ORDER BY id FOR UPDATE
) locked
"""
_REBUILD_COUNTS = """
UPDATE indicators_indicatorvalue v
SET case_count = s.n, is_common = s.common
FROM (
    SELECT v2.id, count(i.id) AS n,
           count(i.id) > %(threshold)s OR lower(v2.normalized) = ANY(%(listed)s) AS common
    FROM indicators_indicatorvalue v2
    LEFT JOIN indicators_indicator i ON i.value_id = v2.id
    WHERE v2.id BETWEEN %(first)s AND %(last)s
    GROUP BY v2.id
) s
WHERE v.id = s.id AND (v.case_count <> s.n OR v.is_common <> s.common)
"""
# A case holding a value gets a hit when the value is not common and a non-silent case of
# another agency holds it too: the rule of `_xref`, stated once for the rebuild and the
# incremental SQL, from a CTE `holders` (value, case, agency, silent) of the matchable values.
_WANTED_FROM_HOLDERS = """
speaking_pairs AS (
    -- the agencies holding each value in a non-silent case
    SELECT DISTINCT value_id, agency_id FROM holders WHERE NOT silent
), speaking AS (
    SELECT value_id, count(*) AS agencies FROM speaking_pairs GROUP BY value_id
), counted AS (
    SELECT h.case_id, h.value_id,
           s.agencies - CASE WHEN sp.agency_id IS NULL THEN 0 ELSE 1 END AS others
    FROM holders h
    JOIN speaking s ON s.value_id = h.value_id
    LEFT JOIN speaking_pairs sp ON sp.value_id = h.value_id AND sp.agency_id = h.agency_id
), wanted AS (
    SELECT case_id, value_id, others FROM counted WHERE others > 0
)
"""
# The hits of the values ({values}: a condition on x.value_id) that are no longer wanted.
_HITS_GONE = """
gone AS (
    DELETE FROM indicators_hit x
    WHERE {values}
      AND NOT EXISTS (
          SELECT 1 FROM wanted w WHERE w.case_id = x.case_id AND w.value_id = x.value_id
      )
    RETURNING 1
)
"""
# The wanted hits that are missing; a hit whose value more agencies now hold is new again.
_HITS_ADDED = """
added AS (
    INSERT INTO indicators_hit (case_id, value_id, other_agencies, status, created_at)
    SELECT case_id, value_id, others, 'new', %(now)s FROM wanted
    ON CONFLICT (case_id, value_id) DO UPDATE SET
        other_agencies = EXCLUDED.other_agencies,
        status = CASE WHEN EXCLUDED.other_agencies > indicators_hit.other_agencies
                      THEN 'new' ELSE indicators_hit.status END,
        reviewed_by_id = CASE WHEN EXCLUDED.other_agencies > indicators_hit.other_agencies
                              THEN NULL ELSE indicators_hit.reviewed_by_id END,
        reviewed_at = CASE WHEN EXCLUDED.other_agencies > indicators_hit.other_agencies
                           THEN NULL ELSE indicators_hit.reviewed_at END
    WHERE indicators_hit.other_agencies <> EXCLUDED.other_agencies
    RETURNING xmax = 0 AS inserted
)
"""
# Constant SQL (no input in it): the shared CTEs, then the statement.
_RANGE_HOLDERS = """
WITH holders AS (
    SELECT i.value_id, i.case_id, c.agency_id, c.silent
    FROM indicators_indicator i
    JOIN cases_case c ON c.id = i.case_id
    JOIN indicators_indicatorvalue v ON v.id = i.value_id
    WHERE i.value_id BETWEEN %(first)s AND %(last)s AND v.id BETWEEN %(first)s AND %(last)s
      AND NOT v.is_common AND v.case_count > 1
),"""
_RANGE_GONE = _HITS_GONE.format(values="x.value_id BETWEEN %(first)s AND %(last)s")
_WANTED = _RANGE_HOLDERS + _WANTED_FROM_HOLDERS
_REBUILD_DELETE = _WANTED + "," + _RANGE_GONE + "SELECT count(*) FROM gone"  # noqa: S608
_REBUILD_INSERT = _WANTED + "," + _HITS_ADDED + "SELECT count(*) FILTER (WHERE inserted) FROM added"  # noqa: S608


def _rebuild_params(first: int, last: int) -> dict:
    return {
        "first": first,
        "last": last,
        "threshold": common_threshold(),
        "listed": sorted(common_values()),
        "now": timezone.now(),
    }


def _rebuild_counts_sql(first: int, last: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(_REBUILD_LOCK, _rebuild_params(first, last))
        cursor.execute(_REBUILD_COUNTS, _rebuild_params(first, last))


def _rebuild_range_sql(first: int, last: int) -> XrefResult:
    params = _rebuild_params(first, last)
    with connection.cursor() as cursor:
        cursor.execute(_REBUILD_LOCK, params)
        (values,) = cursor.fetchone()
        # Counts again, under the lock: a sighting saved since the first pass counts.
        cursor.execute(_REBUILD_COUNTS, params)
        cursor.execute(_REBUILD_DELETE, params)
        (removed,) = cursor.fetchone()
        cursor.execute(_REBUILD_INSERT, params)
        (created,) = cursor.fetchone()
    return XrefResult(values=values, hits_created=created, hits_removed=removed)


# --- The incremental engine on PostgreSQL: the rule of `_xref` as set-based SQL, in two
# statements per batch (the locks, then everything the locks protect), plus the commit.

SWEEP_SQL_CHUNK = 20_000

# 1. Take the indicators out of the queue (back in it if anything below fails) and lock their
# values in id order, so two workers on a shared value take turns. Returns the locked value ids.
_CLAIM_AND_LOCK = f"""
WITH claimed AS ({_DEQUEUE}), taken AS MATERIALIZED (
    SELECT i.value_id FROM claimed c JOIN indicators_indicator i ON i.id = c.indicator_id
)
SELECT (SELECT count(*) FROM taken), v.id, {{no_flush_wait}}
FROM indicators_indicatorvalue v
WHERE v.id = ANY(ARRAY(SELECT value_id FROM taken))
ORDER BY v.id
FOR UPDATE OF v
"""  # noqa: S608 - constant SQL
_LOCK_VALUES = """
SELECT id FROM indicators_indicatorvalue WHERE id = ANY(%(ids)s::bigint[]) ORDER BY id FOR UPDATE
"""
# 2. Under those locks, a new statement (so it reads what an earlier holder committed): the
# counts and common flags, the holders, the wanted hits, the stale hits deleted, the missing
# ones inserted and the changed ones recounted (new again when more agencies hold the value).
_VALUES_HOLDERS = """
WITH vals AS MATERIALIZED (
    SELECT v.id, s.n,
           s.n > %(threshold)s OR lower(v.normalized) = ANY(%(listed)s::text[]) AS common
    FROM indicators_indicatorvalue v
    CROSS JOIN LATERAL (
        SELECT count(*) AS n FROM indicators_indicator i WHERE i.value_id = v.id
    ) s
    WHERE v.id = ANY(%(ids)s::bigint[])
), recounted AS (
    UPDATE indicators_indicatorvalue v SET case_count = x.n, is_common = x.common
    FROM vals x
    WHERE v.id = x.id AND (v.case_count <> x.n OR v.is_common <> x.common)
    RETURNING 1
), holders AS MATERIALIZED (
    SELECT i.value_id, i.case_id, c.agency_id, c.silent
    FROM vals x
    JOIN indicators_indicator i ON i.value_id = x.id
    JOIN cases_case c ON c.id = i.case_id
    WHERE NOT x.common AND x.n > 1
),"""
_VALUES_GONE = _HITS_GONE.format(values="x.value_id = ANY(%(ids)s::bigint[])")
_VALUES_RESULT = """
SELECT (SELECT count(*) FROM vals), (SELECT count(*) FROM gone),
       (SELECT count(*) FILTER (WHERE inserted) FROM added)
"""
_XREF_VALUES = "".join(
    [_VALUES_HOLDERS, _WANTED_FROM_HOLDERS, ",", _VALUES_GONE, ",", _HITS_ADDED, _VALUES_RESULT]
)


def _xref_values_sql(value_ids: list[int], *, prepared: bool) -> XrefResult:
    """Statement 2 for values the caller has locked."""
    if not value_ids:
        return XrefResult()
    params = {
        "ids": value_ids,
        "threshold": common_threshold(),
        "listed": sorted(common_values()),
        "now": timezone.now(),
    }
    with _prepared_cursor() if prepared else connection.cursor() as cursor:
        cursor.execute(_XREF_VALUES, params)
        values, removed, created = cursor.fetchone()
    return XrefResult(values=values, hits_created=created, hits_removed=removed)


def _process_sql(
    only: list[int] | None, *, limit: int, own_transaction: bool
) -> tuple[int, XrefResult]:
    """Take queued indicators (these, or any) out of the queue and cross-reference them in the
    current transaction; returns how many were taken, and the result.

    When the batch is the whole transaction (`own_transaction`), its commit does not wait for
    the WAL flush: lost in a server crash, the batch is lost whole, its indicators queued
    again, and the sweep redoes it. Never inside a caller's transaction, whose other writes
    would lose their durability too."""
    sql = _CLAIM_AND_LOCK.format(
        only=_ONLY if only is not None else "",
        no_flush_wait="set_config('synchronous_commit', 'off', true)" if own_transaction else "0",
    )
    params = {"limit": limit, "only": only}
    # The statements of a new case's batch are prepared; a sweep batch (up to SWEEP_SQL_CHUNK
    # indicators) is planned for its size.
    prepared = only is not None
    with _prepared_cursor() if prepared else connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return 0, XrefResult()
    return rows[0][0], _xref_values_sql([value_id for _, value_id, _ in rows], prepared=prepared)


class _PreparingCursor(psycopg.Cursor):
    """Binds the parameters on the server and prepares every statement it runs."""

    def execute(self, query, params=None, *, prepare=True, binary=None):
        return super().execute(query, params, prepare=prepare, binary=binary)


def _prepared_cursor() -> CursorWrapper:
    """A cursor whose statements PostgreSQL parses once per connection and keeps (after five
    runs, with a generic plan): the engine runs the same few statements again and again on a
    worker's connection, and planning them was about 1 ms of each batch. Still Django's
    cursor wrapper: queries are logged and counted, database errors translated."""
    connection.ensure_connection()
    connection.validate_thread_sharing()
    if connection.connection.prepare_threshold is None:
        # Django turns preparing off (its own cursors bind on the client and never prepare);
        # back to psycopg's default, which only cursors binding on the server use.
        connection.connection.prepare_threshold = 5
    with connection.wrap_database_errors:
        cursor = _PreparingCursor(connection.connection)
    if connection.queries_logged:
        return connection.make_debug_cursor(cursor)
    return connection.make_cursor(cursor)
