"""What the engine keeps of each agency's hits: how many are new, reviewed, dismissed
(`HitTally`), so the home page's count and the hits page's count read a few rows instead of the
agency's sightings.

The hits are still what the view `indicators_hit` says (`models.Hit`); the tally follows it. Each
service or task that changes an agency's hits adds, in its own transaction, what it changed:

- a save of sightings, a removal, a review, a case going silent or not, a case's data deleted:
  `tracking(values, agency_id=...)` reads the hits of those values before and after the change
  (through the view: the same definition) and records the difference;
- the cross-referencing, when it changes a value's holders or common flag: on PostgreSQL the
  engine's statement itself (`TALLY`, in `xref._STATE`), for the values it wrote whose state
  changed; elsewhere `xref._xref` around its write, with `tracking`.

A tally is only as right as every change that reached it: `recount` sets agencies' tallies
again from the view (the rebuild ends with it, `manage.py xref_rebuild` and the `rebuild_hits`
task run it, and so does the daily `recount_hits` task), in one statement that reads the view and
replaces the rows in the same snapshot. Each change adds rows (no row is updated in place, so
concurrent workers never wait on one agency's row); `compact`, run by the sweep, folds them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import connection, transaction
from django.db.models import Count, Sum

from agencies.models import Agency
from indicators.models import Hit, HitStatus, HitTally

STATUSES = (HitStatus.NEW, HitStatus.REVIEWED, HitStatus.DISMISSED)
_CHUNK = 5000

Counts = dict[int, list[int]]  # agency id -> [new, reviewed, dismissed]


def _hits_by_agency(value_ids: list[int], agency_id: int | None) -> Counts:
    """The hits of these values (of one agency's cases, when given), counted by agency and
    status, read from the view."""
    counts: Counts = {}
    for start in range(0, len(value_ids), _CHUNK):
        hits = Hit.objects.filter(value_id__in=value_ids[start : start + _CHUNK])
        if agency_id is not None:
            hits = hits.filter(case__agency_id=agency_id)
        rows = hits.order_by().values_list("case__agency_id", "status").annotate(n=Count("*"))
        for agency, status, n in rows:
            counts.setdefault(agency, [0, 0, 0])[STATUSES.index(status)] += n
    return counts


def record(before: Counts, after: Counts) -> None:
    """Add to the tallies what changed from `before` to `after` (one row per agency)."""
    rows = []
    for agency in sorted(before.keys() | after.keys()):
        old, new = before.get(agency, [0, 0, 0]), after.get(agency, [0, 0, 0])
        change = [b - a for a, b in zip(old, new, strict=True)]
        if any(change):
            rows.append(
                HitTally(agency_id=agency, new=change[0], reviewed=change[1], dismissed=change[2])
            )
    HitTally.objects.bulk_create(rows)


@contextmanager
def tracking(value_ids: Iterable[int], *, agency_id: int | None = None) -> Iterator[None]:
    """Around a change of the hits of these values (only of `agency_id`'s cases, when the
    change cannot touch other agencies' hits): record what it changed. In the caller's
    transaction, so the tally commits with the change."""
    ids = sorted(set(value_ids))
    if not ids:
        yield
        return
    before = _hits_by_agency(ids, agency_id)
    yield
    record(before, _hits_by_agency(ids, agency_id))


def counts(agency_id: int) -> dict[str, int]:
    """The agency's hits by status, as kept: one index-only read of its tally rows."""
    sums = HitTally.objects.filter(agency_id=agency_id).aggregate(
        new=Sum("new"), reviewed=Sum("reviewed"), dismissed=Sum("dismissed")
    )
    return {status: sums[status] or 0 for status in STATUSES}


def counted(agency_ids: Iterable[int] | None = None) -> dict[int, dict[str, int]]:
    """What the view says of these agencies' hits (all agencies, when None), by status: the
    scan the tally saves, for `recount` and the tests."""
    hits = Hit.objects.all()
    if agency_ids is not None:
        hits = hits.filter(case__agency_id__in=list(agency_ids))
    out: dict[int, dict[str, int]] = {}
    for agency, status, n in (
        hits.order_by().values_list("case__agency_id", "status").annotate(n=Count("*"))
    ):
        out.setdefault(agency, dict.fromkeys(STATUSES, 0))[status] = n
    return out


def kept(agency_ids: Iterable[int] | None = None) -> dict[int, dict[str, int]]:
    """The tallies of these agencies (all, when None), agencies with no hits left out."""
    rows = HitTally.objects.all()
    if agency_ids is not None:
        rows = rows.filter(agency_id__in=list(agency_ids))
    out: dict[int, dict[str, int]] = {}
    for agency, *sums in (
        rows.order_by()
        .values("agency_id")
        .annotate(n=Sum("new"), r=Sum("reviewed"), d=Sum("dismissed"))
        .values_list("agency_id", "n", "r", "d")
    ):
        if any(sums):
            out[agency] = dict(zip(STATUSES, sums, strict=True))
    return out


# An agency's tally set from the view, in one statement on PostgreSQL (the rows deleted and
# the hits counted in the same snapshot: a change committed after it adds its own row, one not
# yet committed is in neither).
_DELETE = "DELETE FROM indicators_hittally{where}"
_INSERT_COUNTED = """
INSERT INTO indicators_hittally (agency_id, new, reviewed, dismissed)
SELECT c.agency_id, sum(CASE WHEN h.status = 'new' THEN 1 ELSE 0 END),
       sum(CASE WHEN h.status = 'reviewed' THEN 1 ELSE 0 END),
       sum(CASE WHEN h.status = 'dismissed' THEN 1 ELSE 0 END)
FROM indicators_hit h JOIN cases_case c ON c.id = h.case_id{where}
GROUP BY c.agency_id"""


def recount(agency_ids: Iterable[int] | None = None) -> int:
    """Set these agencies' tallies (all agencies, when None) from the hits the view reads, one
    agency at a time (a statement the size of one agency's sightings, planned for them);
    returns how many agencies' tallies were wrong."""
    if agency_ids is None:
        agency_ids = Agency.objects.values_list("pk", flat=True)
    return sum(_recount_one(agency_id) for agency_id in sorted(set(agency_ids)))


# The recount and the compaction rewrite tally rows: on PostgreSQL they take turns (a
# transaction-level advisory lock, then their statements, whose snapshots see what the other
# committed). Without it, a recount whose snapshot predates a compaction deletes the rows that
# compaction deleted and not the row it wrote, then adds the true count to the old sum; so
# would two recounts at once.
_REWRITE_LOCK = "SELECT pg_advisory_xact_lock(7410001)"


def _rewriting() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_REWRITE_LOCK)


@transaction.atomic
def _recount_one(agency_id: int) -> int:
    _rewriting()
    before = kept([agency_id])
    delete = _DELETE.format(where=" WHERE agency_id = %s")
    insert = _INSERT_COUNTED.format(where=" WHERE c.agency_id = %s")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"WITH gone AS ({delete} RETURNING 1) {insert}", [agency_id] * 2)
        else:
            cursor.execute(delete, [agency_id])
            cursor.execute(insert, [agency_id])
    return int(kept([agency_id]) != before)


_COMPACT_PG = """
WITH gone AS (
    DELETE FROM indicators_hittally WHERE agency_id IN (
        SELECT agency_id FROM indicators_hittally GROUP BY agency_id HAVING count(*) > 1
    )
    RETURNING agency_id, new, reviewed, dismissed
)
INSERT INTO indicators_hittally (agency_id, new, reviewed, dismissed)
SELECT agency_id, sum(new), sum(reviewed), sum(dismissed) FROM gone GROUP BY agency_id
"""


def compact() -> None:
    """Fold each agency's tally rows into one (the sums unchanged)."""
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_REWRITE_LOCK)
            cursor.execute(_COMPACT_PG)
        return
    with transaction.atomic():
        folded = list(
            HitTally.objects.order_by()
            .values("agency_id")
            .annotate(rows=Count("*"), n=Sum("new"), r=Sum("reviewed"), d=Sum("dismissed"))
            .filter(rows__gt=1)
            .values_list("agency_id", "n", "r", "d")
        )
        if not folded:
            return
        HitTally.objects.filter(agency_id__in=[a for a, *_ in folded]).delete()
        HitTally.objects.bulk_create(
            HitTally(agency_id=a, new=n, reviewed=r, dismissed=d) for a, n, r, d in folded
        )


# For the engine's statement on PostgreSQL (`xref._STATE`, after its CTE `written`, which
# returns each value written with its state before and after): the change of each agency's
# hits from the values whose state changed, each sighting's status before (common_before,
# agencies_before, sole_before) and after (common, agencies, sole), by the view's rule
# (migration indicators/0009: a hit when the value is not common and held by two agencies or
# more, or by one that is not the sighting's own; new unless reviewed when no more agencies
# held it than now). Whether the sighting's agency holds the value in a case that is not
# silent is looked up only for a reviewed sighting (the others are new either way).
_STATUS = """CASE WHEN NOT {common} AND ({agencies} > 1
                       OR ({agencies} = 1 AND {sole} <> t.agency_id)) THEN
        CASE WHEN t.review_status IS NULL THEN 'new'
             WHEN (CASE WHEN {agencies} = 1 THEN 1 WHEN EXISTS (
                            SELECT FROM indicators_indicator o
                            JOIN cases_case oc ON oc.id = o.case_id
                            WHERE o.value_id = t.id AND oc.agency_id = t.agency_id
                              AND NOT oc.silent
                        ) THEN {agencies} - 1
                        ELSE {agencies} END) > t.review_other THEN 'new'
             ELSE t.review_status END
    END"""
_BEFORE = _STATUS.format(
    common="t.common_before", agencies="t.agencies_before", sole="t.sole_before"
)
_AFTER = _STATUS.format(common="t.common", agencies="t.agencies", sole="t.sole")
TALLY = f"""
, tallied AS (
    INSERT INTO indicators_hittally (agency_id, new, reviewed, dismissed)
    SELECT agency_id,
           count(*) FILTER (WHERE after = 'new') - count(*) FILTER (WHERE before = 'new'),
           count(*) FILTER (WHERE after = 'reviewed')
             - count(*) FILTER (WHERE before = 'reviewed'),
           count(*) FILTER (WHERE after = 'dismissed')
             - count(*) FILTER (WHERE before = 'dismissed')
    FROM (
        SELECT t.agency_id,
               {_BEFORE} AS before,
               {_AFTER} AS after
        FROM (
            SELECT x.id, x.common_before, x.agencies_before, x.sole_before, x.common,
                   x.agencies, x.sole, c.agency_id, r.status AS review_status,
                   r.other_agencies AS review_other
            FROM written x
            JOIN indicators_indicator i ON i.value_id = x.id
            JOIN cases_case c ON c.id = i.case_id
            LEFT JOIN LATERAL (  -- one probe of the (case, value) unique index
                SELECT r.status, r.other_agencies FROM indicators_hitreview r
                WHERE r.case_id = i.case_id AND r.value_id = x.id
            ) r ON true
            WHERE x.differs
        ) t
    ) s
    WHERE before IS DISTINCT FROM after
    GROUP BY agency_id
    RETURNING 1
)"""  # noqa: S608 - constant SQL
