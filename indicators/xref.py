"""The cross-reference engine.

A sighting of a value is a hit when the value is not common and a case of ANOTHER agency that is
not silent holds it too. So the hits of a value follow from who holds it, and that is all the
engine keeps: on each value its count of cases, whether it is common, how many agencies hold it
in a case that is not silent, and which one when only one does (`IndicatorValue.agency_count`,
`sole_agency`). The hits themselves are read from the sightings through a database view
(`models.Hit`), so matching a value writes one row (the value's), never one per case holding
it. `xref_values` recomputes that state for a set of values from their sightings, with a fixed
handful of queries whatever their number; incremental processing, the sweep and the full rebuild
all compute the same, so they cannot disagree, and running it twice changes nothing. A hit shows
as soon as the value's holders say so: an agency sighting a value another agency holds reads its
hit at once; the other agency reads its own when the new sighting is cross-referenced.

An indicator saved waits in the queue (`PendingIndicator`) until it is cross-referenced: a
worker claims queued indicators by deleting their rows, and the deletion commits with the work.

On PostgreSQL a batch is one statement, a transaction of its own: take the indicators out of the
queue, recompute their values from the sightings, write them. No lock is taken first: a value is
written only if it is still the row version the statement read (same address, same `xmin`); a
value another transaction wrote meanwhile goes back in the queue in the same statement, and is
recomputed by the next one, which sees that write. Every recomputation writes its values,
changed or not, so a statement that read an older state can never write over the result of a
newer one; the one exception is a value still as the save of its only sighting created it
(`_ONCE`), which no older statement can have read. The commit of a batch that is its own
transaction does not wait for the WAL flush (a batch lost in a server crash is lost whole, its
indicators still queued, and the sweep takes them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import psycopg
from django.conf import settings
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import Count, Q
from django.utils import timezone

from cases.models import Case
from config import pgarrays
from indicators import hitcount
from indicators.models import Indicator, IndicatorValue, PendingIndicator

# A claim older than this is taken to belong to a worker that died, and is taken over.
CLAIM_LEASE = timedelta(minutes=10)
CHUNK = 5000


@dataclass
class XrefResult:
    values: int = 0  # values recomputed
    changed: int = 0  # of which the holders or the common flag changed: hits came or went

    def add(self, other: XrefResult) -> None:
        self.values += other.values
        self.changed += other.changed


def common_threshold() -> int:
    return settings.FORTRESS_COMMON_VALUE_THRESHOLD


def common_values() -> frozenset[str]:
    return frozenset(v.lower() for v in settings.FORTRESS_COMMON_VALUES)


def _is_common(count: int, normalized: str, threshold: int, listed: frozenset[str]) -> bool:
    """Held by more cases than the threshold, or on the common-values list (`_STATE` states
    the same in SQL)."""
    return count > threshold or normalized.lower() in listed


def new_value_states(
    keys: list[tuple[str, str, str]], case: Case
) -> list[tuple[bool, int, int | None, datetime | None]]:
    """What `new_values` gives each value, as (is_common, agency_count, sole_agency_id,
    hit_at): for a save writing them with one statement."""
    threshold, listed, now = common_threshold(), common_values(), timezone.now()
    states = []
    for _kind, _qualifier, normalized in keys:
        common = _is_common(1, normalized, threshold, listed)
        speaks = not common and not case.silent
        states.append((common, 1, case.agency_id, now) if speaks else (common, 0, None, None))
    return states


def new_values(keys: Iterable[tuple[str, str, str]], case: Case) -> list[IndicatorValue]:
    """(kind, qualifier, normalised) values about to be created by a save of `case`, which
    alone holds them: with the state the engine computes for them, so it has nothing to write
    (see `_ONCE`)."""
    threshold, listed, now = common_threshold(), common_values(), timezone.now()
    values = []
    for kind, qualifier, normalized in keys:
        common = _is_common(1, normalized, threshold, listed)
        speaks = not common and not case.silent
        values.append(
            IndicatorValue(
                kind=kind,
                qualifier=qualifier,
                normalized=normalized,
                case_count=1,
                is_common=common,
                agency_count=1 if speaks else 0,
                sole_agency_id=case.agency_id if speaks else None,
                hit_at=now if speaks else None,
            )
        )
    return values


def xref_values(value_ids: Iterable[int]) -> XrefResult:
    """Recompute who holds these values (and so their hits), from their sightings."""
    ids = sorted(set(value_ids))
    if not ids:
        return XrefResult()
    if connection.vendor == "postgresql":
        with transaction.atomic(savepoint=False):
            return _recompute_sql(ids)
    return _xref(Q(pk__in=ids))


@transaction.atomic(savepoint=False)
def _xref(values_q: Q) -> XrefResult:
    """The rule in Python (SQLite and other databases): the values are locked in id order, then
    recounted from their sightings, and the changed ones written (the locks order the writers;
    SQLite, which has no row locks, refuses a write from a transaction that read before another
    one wrote)."""
    values = {
        v.pk: v
        for v in IndicatorValue.objects.select_for_update(of=("self",))
        .filter(values_q)
        .order_by("pk")
        .only("pk", "normalized", "case_count", "is_common", "agency_count", "sole_agency_id")
    }
    if not values:
        return XrefResult()
    threshold, listed = common_threshold(), common_values()
    counts = dict(
        Indicator.objects.filter(value_id__in=values)
        .order_by()
        .values("value_id")
        .annotate(n=Count("*"))
        .values_list("value_id", "n")
    )
    speaking: dict[int, set[int]] = {}
    for value_id, agency_id in (
        Indicator.objects.filter(value_id__in=values, case__silent=False)
        .order_by()
        .values_list("value_id", "case__agency_id")
        .distinct()
    ):
        speaking.setdefault(value_id, set()).add(agency_id)
    now = timezone.now()
    written: list[IndicatorValue] = []
    changed = 0
    for pk, value in values.items():
        n = counts.get(pk, 0)
        common = _is_common(n, value.normalized, threshold, listed)
        agencies = set() if common else speaking.get(pk, set())
        sole = next(iter(agencies)) if len(agencies) == 1 else None
        state = (n, common, len(agencies), sole)
        before = (value.case_count, value.is_common, value.agency_count, value.sole_agency_id)
        if state == before:
            continue
        changed += 1
        if len(agencies) > value.agency_count:
            value.hit_at = now
        value.case_count, value.is_common, value.agency_count, value.sole_agency_id = state
        written.append(value)
    # The hits of the values whose holders changed, counted before and after the write.
    with hitcount.tracking(v.pk for v in written):
        IndicatorValue.objects.bulk_update(
            written,
            ["case_count", "is_common", "agency_count", "sole_agency_id", "hit_at"],
            batch_size=500,
        )
    return XrefResult(values=len(values), changed=changed)


_ENQUEUE = """
INSERT INTO indicators_pendingindicator (indicator_id, value_id)
SELECT * FROM unnest(%b::bigint[], %b::bigint[])
ON CONFLICT DO NOTHING
"""


def enqueue(indicator_ids: Iterable[int], *, values: dict[int, int] | None = None) -> None:
    """Queue these indicators for cross-referencing (in the caller's transaction; an
    indicator already queued stays queued once). `values`: each one's value id, when the
    caller knows it (a save that just inserted them), so the sightings are not read again."""
    ids = list(indicator_ids)
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        if values is not None:
            pairs = [(pk, values[pk]) for pk in chunk]
        else:
            pairs = list(Indicator.objects.filter(pk__in=chunk).values_list("pk", "value_id"))
        if connection.vendor == "postgresql":
            pgarrays.execute(_ENQUEUE, [[p for p, _v in pairs], [v for _p, v in pairs]])
            continue
        PendingIndicator.objects.bulk_create(
            [PendingIndicator(indicator_id=pk, value_id=value_id) for pk, value_id in pairs],
            ignore_conflicts=True,
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
RETURNING indicator_id, value_id, xmin AS queued_by
"""
_ONLY = "WHERE indicator_id = ANY(%(only)s::bigint[])"
_CLAIM_SQL = f"""
WITH claimed AS ({_DEQUEUE})
SELECT indicator_id, value_id FROM claimed ORDER BY indicator_id
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
    if connection.vendor == "postgresql":
        # Called by a worker, each statement is a transaction of its own (see _process_sql).
        own_transaction = not connection.in_atomic_block
        for start in range(0, len(ids), CHUNK):
            batch = ids[start : start + CHUNK]
            while batch:
                _, done, batch = _process_sql(batch, limit=CHUNK, own_transaction=own_transaction)
                result.add(done)
        return result
    for start in range(0, len(ids), CHUNK):
        with transaction.atomic():
            result.add(_process_claimed(claim(ids[start : start + CHUNK])))
    return result


@transaction.atomic(savepoint=False)
def _process_claimed(claimed: list[tuple[int, int]]) -> XrefResult:
    if not claimed:
        return XrefResult()
    result = _xref(Q(pk__in={value_id for _, value_id in claimed}))
    PendingIndicator.objects.filter(pk__in=[pk for pk, _ in claimed]).delete()
    return result


def sweep(*, max_batches: int = 100) -> XrefResult:
    """Process the indicators left in the queue (their task was never published, or failed),
    and fold the agencies' tally rows (`hitcount.compact`)."""
    hitcount.compact()
    result = XrefResult()
    own_transaction = not connection.in_atomic_block
    for _ in range(max_batches):
        if connection.vendor == "postgresql":
            # An indicator put back in the queue is taken by a next batch.
            claimed, done, _ = _process_sql(
                None, limit=SWEEP_SQL_CHUNK, own_transaction=own_transaction
            )
            result.add(done)
            if not claimed:
                break
            continue
        with transaction.atomic():
            claimed = claim()
            if not claimed:
                break
            result.add(_process_claimed(claimed))
    return result


def rebuild(*, chunk: int | None = None) -> XrefResult:
    """Recompute every value from the stored sightings, one range of value ids at a time (flat
    memory), and empty the queue of their indicators. On PostgreSQL each range is locked, then
    recomputed by the incremental engine's own statement (`_STATE`); elsewhere by `_xref`: the
    rebuild and incremental processing cannot disagree."""
    postgres = connection.vendor == "postgresql"
    chunk = chunk or (REBUILD_SQL_CHUNK if postgres else CHUNK)
    result = XrefResult()
    bounds = IndicatorValue.objects.order_by("pk").values_list("pk", flat=True)
    first_id, last_id = bounds.first(), bounds.last()
    if first_id is None:
        return result
    for first in range(first_id, last_id + 1, chunk):
        last = first + chunk - 1
        with transaction.atomic():
            if postgres:
                result.add(_rebuild_range_sql(first, last))
            else:
                result.add(_xref(Q(pk__gte=first, pk__lte=last)))
            PendingIndicator.objects.filter(value_id__gte=first, value_id__lte=last).delete()
    # The agencies' tallies of hits followed each change; set again from the hits, they are
    # right whatever reached them before (`hitcount.recount`).
    hitcount.recount()
    return result


REBUILD_SQL_CHUNK = 50_000
SWEEP_SQL_CHUNK = 20_000

# --- PostgreSQL ------------------------------------------------------------------------------

# The new state of the values {ids} (an array expression), read from their sightings in one
# probe of the (value, case) index per value: the count of cases, the common flag, and, for a
# value that was not common, the agencies holding it in a case that is not silent (a value
# already common skips looking up its cases, and is recomputed once more if it is no longer
# common). With the row's address and version, so the update finds it without the index and
# writes it only if no other transaction did since. For the values written whose state changed,
# the change of each agency's hits goes to its tally (`hitcount.TALLY`), in the same statement.
_STATE = "".join(
    [
        """
state AS MATERIALIZED (
    SELECT v.id, v.ctid AS address, v.xmin AS seen, h.n, x.common,
           CASE WHEN x.common THEN 0 ELSE h.agencies END AS agencies,
           CASE WHEN NOT x.common AND h.agencies = 1 THEN h.sole END AS sole,
           v.agency_count AS agencies_before, v.is_common AS common_before,
           v.sole_agency_id AS sole_before,
           v.is_common AND NOT x.common AS uncommon_now, {fresh} AS fresh,
           (v.case_count, v.is_common, v.agency_count, v.sole_agency_id) IS DISTINCT FROM
           (h.n, x.common, CASE WHEN x.common THEN 0 ELSE h.agencies END,
            CASE WHEN NOT x.common AND h.agencies = 1 THEN h.sole END) AS differs
    FROM indicators_indicatorvalue v {join}
    CROSS JOIN LATERAL (
        SELECT count(*) AS n, count(DISTINCT c.agency_id) FILTER (WHERE NOT c.silent) AS agencies,
               min(c.agency_id) FILTER (WHERE NOT c.silent) AS sole
        FROM indicators_indicator i
        LEFT JOIN LATERAL (
            SELECT agency_id, silent FROM cases_case c WHERE c.id = i.case_id AND NOT v.is_common
        ) c ON true
        WHERE i.value_id = v.id
    ) h
    CROSS JOIN LATERAL (
        SELECT h.n > %(threshold)s OR lower(v.normalized) = ANY(%(listed)s::text[]) AS common
    ) x
    WHERE v.id = ANY({ids})
    ORDER BY v.id  -- written in id order: two batches sharing values wait, never deadlock
), written AS (
    UPDATE indicators_indicatorvalue v
    SET case_count = x.n, is_common = x.common, agency_count = x.agencies,
        sole_agency_id = x.sole,
        hit_at = CASE WHEN x.agencies > x.agencies_before THEN %(now)s ELSE v.hit_at END
    FROM state x
    WHERE v.ctid = x.address AND v.xmin = x.seen AND (x.differs OR NOT x.fresh)
    RETURNING v.id, x.differs, x.common_before, x.agencies_before, x.sole_before, x.common,
              x.agencies, x.sole
)""",
        hitcount.TALLY,
    ]
)
# The values to recompute again: those not written because another transaction wrote them
# since the statement's snapshot, and those no longer common (whose holders were not looked
# up).
_AGAIN = """SELECT id FROM state WHERE differs OR NOT fresh EXCEPT SELECT id FROM written
            UNION SELECT id FROM state WHERE uncommon_now"""
# Recompute the given values: how many were read, how many changed, which to do again.
_RECOMPUTE = "".join(
    [
        "WITH ",
        _STATE.format(ids="%(ids)s::bigint[]", join="", fresh="false"),
        "\nSELECT (SELECT count(*) FROM state), (SELECT count(*) FROM state WHERE differs), ",
        f"ARRAY({_AGAIN})",
    ]
)
# Take indicators out of the queue and recompute their values, in one statement, which is
# the whole transaction of a worker's batch: a new case's batch (the given ones, waiting for a
# sweep that holds one of them), or the sweep's (any, skipping those another transaction
# holds). An indicator whose value is to be recomputed again goes back in the queue in the
# same statement, so nothing taken is ever dropped.
_TAKE_GIVEN = """
taken AS MATERIALIZED (
    DELETE FROM indicators_pendingindicator WHERE indicator_id = ANY(%(only)s::bigint[])
    RETURNING indicator_id, value_id, xmin AS queued_by
)"""
_TAKE_ANY = f"""
taken AS MATERIALIZED ({_DEQUEUE.format(only="")})"""
# A value written last by the transaction that queued the batch's only sighting of it was
# created by the save of that sighting, with its state (`services._value_ids`): when the state
# read is still that one, there is nothing to write, and no statement can have read an older
# one (none sees the value without that sighting). Frozen rows ('2') say nothing of who wrote.
_ONCE = """
once AS MATERIALIZED (
    SELECT value_id, min(queued_by::text) AS queued_by FROM taken
    GROUP BY value_id HAVING count(*) = 1
),"""
_ONCE_JOIN = "LEFT JOIN once o ON o.value_id = v.id"
_FRESH = "coalesce(o.queued_by = v.xmin::text AND v.xmin::text <> '2', false)"
_PROCESS = "".join(
    [
        "WITH {take},",
        _ONCE,
        _STATE.format(ids="ARRAY(SELECT value_id FROM taken)", join=_ONCE_JOIN, fresh=_FRESH),
        """, requeued AS (
    INSERT INTO indicators_pendingindicator (indicator_id, value_id)
    SELECT DISTINCT ON (t.value_id) t.indicator_id, t.value_id FROM taken t
    WHERE t.value_id IN (""",
        _AGAIN,
        """)
    ON CONFLICT DO NOTHING
    RETURNING indicator_id
)
SELECT (SELECT count(*) FROM taken), {no_flush_wait}, (SELECT count(*) FROM state),
       (SELECT count(*) FROM state WHERE differs), ARRAY(SELECT indicator_id FROM requeued)""",
    ]
)


def _params(**extra) -> dict:
    return {
        "threshold": common_threshold(),
        "listed": sorted(common_values()),
        "now": timezone.now(),
        **extra,
    }


def _recompute_sql(ids: list[int], *, prepared: bool = True) -> XrefResult:
    """Recompute these values, again until every one is written (each time only those another
    transaction wrote meanwhile)."""
    result = XrefResult()
    while ids:
        with _prepared_cursor() if prepared else connection.cursor() as cursor:
            cursor.execute(_RECOMPUTE, _params(ids=ids))
            values, changed, ids = cursor.fetchone()
        result.values += values
        result.changed += changed
    return result


def _process_sql(
    only: list[int] | None, *, limit: int, own_transaction: bool
) -> tuple[int, XrefResult, list[int]]:
    """Take queued indicators (these, or any) out of the queue and cross-reference them; returns
    how many were taken, the result, and the indicators put back in the queue to do again.

    One statement, a transaction of its own when called outside any (`own_transaction`): it
    commits its work and its claim together, and its commit does not wait for the WAL flush
    (lost in a server crash, the batch is lost whole, its indicators still queued, and the sweep
    redoes it). Inside a caller's transaction, it is part of it and changes nothing of its
    durability."""
    sql = _PROCESS.format(
        take=_TAKE_GIVEN if only is not None else _TAKE_ANY,
        no_flush_wait="set_config('synchronous_commit', 'off', true)" if own_transaction else "''",
    )
    # The statement of a new case's batch is prepared; a sweep batch (up to SWEEP_SQL_CHUNK
    # indicators) is planned for its size.
    prepared = only is not None
    with _prepared_cursor() if prepared else connection.cursor() as cursor:
        cursor.execute(sql, _params(limit=limit, only=only))
        claimed, _, values, changed, again = cursor.fetchone()
    return claimed, XrefResult(values=values, changed=changed), again


# The rebuild of a range of values: the values locked in id order first, so no other
# transaction writes them meanwhile and an unchanged value needs no write (`fresh` true).
_REBUILD_LOCK = """
SELECT count(*) FROM (
    SELECT id FROM indicators_indicatorvalue WHERE id BETWEEN %(first)s AND %(last)s
    ORDER BY id FOR UPDATE
) locked
"""
_REBUILD_RANGE = "".join(
    [
        "WITH ",
        _STATE.format(
            ids="ARRAY(SELECT id FROM indicators_indicatorvalue "
            "WHERE id BETWEEN %(first)s AND %(last)s)",
            join="",
            fresh="true",
        ),
        "\nSELECT (SELECT count(*) FROM state), (SELECT count(*) FROM state WHERE differs), ",
        f"ARRAY({_AGAIN})",
    ]
)


def _rebuild_range_sql(first: int, last: int) -> XrefResult:
    with connection.cursor() as cursor:
        cursor.execute(_REBUILD_LOCK, {"first": first, "last": last})
        cursor.execute(_REBUILD_RANGE, _params(first=first, last=last))
        values, changed, again = cursor.fetchone()
    # Values that stopped being common: their holders are looked up by a second pass.
    result = XrefResult(values=values, changed=changed)
    result.changed += _recompute_sql(again, prepared=False).changed
    return result


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
