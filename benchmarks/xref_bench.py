"""The cross-referencing benchmark (run by hand: `make bench`; small in CI: `make bench-small`).

On a PostgreSQL database of its own (created, migrated and filled by this script) it generates
N indicators of C cases over A agencies with SQL (a share of the values held by several cases),
then measures, in one run:

1. the full rebuild from nothing (time, indicators/s, peak RSS growth, Python peak allocation);
2. a new case of 100 indicators (half of them values other agencies hold): the worker time of
   cross-referencing it (xref.process_indicators), side by side with the best raw SQL batch
   query that finds the same matching cases (checked equal), in two series: "cold" (the
   worker first) and "warm" (the raw query run once untimed before both timed runs);
3. reading the hits: one agency's count of new hits (the home page) and of all its hits (the
   hits page), as the engine keeps them (its tally) and as counted from its sightings, and
   its first page of hits;
4. bulk cross-referencing throughput: B new indicators saved with SQL and left in the queue,
   then processed by the sweep.

Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
       python benchmarks/xref_bench.py --indicators 1000000 [--database fortress_bench]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import bench_agencies, bench_cases, memory_mb, peak_rss_mb, setup_django


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--indicators", type=int, default=1_000_000)
    parser.add_argument("--per-case", type=int, default=100, help="Indicators per case.")
    parser.add_argument("--agencies", type=int, default=20)
    parser.add_argument(
        "--shared",
        type=float,
        default=0.2,
        help="Share of sightings that repeat a value another case holds.",
    )
    parser.add_argument("--bulk", type=int, default=50_000, help="Indicators for throughput.")
    parser.add_argument("--new-cases", type=int, default=20, help="New 100-indicator cases.")
    parser.add_argument("--database", default="fortress_bench")
    args = parser.parse_args()

    setup_django(args.database)
    run(args)


def run(args) -> None:
    from django.db import connection, transaction

    import access
    from cases.models import Case
    from indicators import services, xref
    from indicators.models import Hit, Indicator, IndicatorValue

    n_cases = max(2, args.indicators // args.per_case)
    n_values = int(args.indicators * (1 - args.shared))
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, {memory_mb()} memory, "
        f"PostgreSQL {connection.cursor().connection.info.server_version}"
    )
    print(
        f"data: {args.indicators:,} indicators, {n_cases:,} cases, {args.agencies} agencies, "
        f"{n_values:,} distinct values ({args.shared:.0%} of sightings repeat a value)"
    )

    t0 = time.perf_counter()
    agencies, users = bench_agencies(args.agencies)
    value_min, n_values = generate_indicators(
        agencies, indicators=args.indicators, per_case=args.per_case, shared=args.shared
    )
    stored = Indicator.objects.count()
    print(f"generated {stored:,} indicators in {time.perf_counter() - t0:.1f} s")

    # 1. Full rebuild from nothing.
    rss_before = peak_rss_mb()
    t0 = time.perf_counter()
    result = xref.rebuild()
    rebuild_s = time.perf_counter() - t0
    hits_after_rebuild = Hit.objects.count()
    print(
        f"\n[rebuild] {result.values:,} values, {hits_after_rebuild:,} hits in {rebuild_s:.1f} s"
        f" ({stored / rebuild_s:,.0f} indicators/s); peak RSS {rss_before:.0f} -> "
        f"{peak_rss_mb():.0f} MB"
    )
    with connection.cursor() as cur:
        # What autovacuum does after a bulk change (it is off on the benchmark machine): fresh
        # statistics, and the visibility map that lets index-only scans skip the table.
        cur.execute("VACUUM ANALYZE")
    tracemalloc.start()
    t0 = time.perf_counter()
    again = xref.rebuild()
    again_s = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert again.changed == 0
    assert Hit.objects.count() == hits_after_rebuild
    print(
        f"[rebuild again, under tracemalloc] nothing changed; {again_s:.1f} s; Python peak "
        f"allocation {peak / 1024 / 1024:.1f} MB"
    )

    # 2. New cases of 100 indicators: worker time vs the raw SQL batch query. Two series,
    # case by case in turn: "cold", the worker first (it reads the other cases' sightings for
    # the first time, the raw query after it finds them cached), and "warm", the raw query run
    # once untimed before the worker, so both timed runs find the same pages cached and the
    # ratio compares the work each does.
    existing = list(
        IndicatorValue.objects.filter(is_common=False)
        .order_by("?")
        .values_list("normalized", flat=True)[: args.new_cases * 2 * 50]
    )

    def raw_query(case) -> set[int]:
        # Prepared, through the same kind of cursor as the engine's statements (bound on the
        # server, planned once per connection, inside Django's cursor wrapper).
        with xref._prepared_cursor() as cur:
            cur.execute(RAW_SQL, [case.pk, case.agency_id, xref.common_threshold()])
            return {row[0] for row in cur.fetchall()}

    series: dict[str, tuple[list[float], list[float]]] = {"cold": ([], []), "warm": ([], [])}
    for n in range(args.new_cases * 2):
        mode = "warm" if n % 2 else "cold"
        worker_ms, sql_ms = series[mode]
        owner = users[n % len(users)]
        case = Case.objects.create(reference=f"BENCH-NEW-{n:04d}", title="New", agency=owner.agency)
        rows = [{"kind": "domain", "value": v} for v in existing[n * 50 : (n + 1) * 50]]
        rows += [{"kind": "domain", "value": f"new{n}-{i}.bench.com"} for i in range(50)]
        with transaction.atomic():
            created = services.indicators_add_batch(case=case, by=owner, rows=rows)
        # All indicators the save recorded (a host also records its registrable domain).
        ids = list(Indicator.objects.filter(case=case).values_list("pk", flat=True))
        assert len(created) == 100
        if mode == "warm":
            raw_query(case)
        t0 = time.perf_counter()
        xref.process_indicators(ids)
        worker_ms.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        raw = raw_query(case)
        sql_ms.append((time.perf_counter() - t0) * 1000)
        value_ids = Indicator.objects.filter(pk__in=ids).values("value_id")
        engine = set(
            Hit.objects.filter(value_id__in=value_ids)
            .exclude(case__agency_id=case.agency_id)
            .values_list("case_id", flat=True)
        )
        assert raw == engine, (raw - engine, engine - raw)
        assert len(raw) >= 1
    figures = {}
    for mode, (worker_ms, sql_ms) in series.items():
        w, s = statistics.median(worker_ms), statistics.median(sql_ms)
        figures[mode] = (w, s, max(worker_ms))
        print(
            f"\n[new case of 100 indicators, {mode}, {args.new_cases} cases] worker time median "
            f"{w:.1f} ms (max {max(worker_ms):.1f}); raw SQL batch query median {s:.1f} ms "
            f"(max {max(sql_ms):.1f}); ratio {w / s:.1f}x; same matching cases: yes"
        )
    w, s, _ = figures["warm"]
    cold_w, cold_s, cold_max = figures["cold"]

    # 3. Reading the hits, for the first agency: the home panel's count of new hits and the
    # hits page (its count of hits and its first page of 25, newest first), through the access
    # policy. The counts as the engine keeps them (the agency's tally, indicators.hitcount) and,
    # side by side, as counted from the sightings through the view (before the tally); checked
    # equal.
    reader = users[0]
    sightings = Indicator.objects.filter(case__agency_id=reader.agency_id).count()
    timings: dict[str, list[float]] = {}

    def timed(name, read):
        t0 = time.perf_counter()
        out = read()
        timings.setdefault(name, []).append((time.perf_counter() - t0) * 1000)
        return out

    for _ in range(5):
        new_hits = timed("count_kept", lambda: access.visible_hit_counts(reader)["new"])
        scanned = timed(
            "count_scan", lambda: access.visible_hits(reader).filter(status="new").count()
        )
        all_kept = timed("total_kept", lambda: access.visible_hits_counted(reader).count())
        all_scanned = timed("total_scan", lambda: access.visible_hits(reader).count())
        page = timed(
            "page",
            lambda: list(access.visible_hits(reader).select_related("case", "value")[:25]),
        )
    assert new_hits == scanned and all_kept == all_scanned, (new_hits, scanned, all_kept)
    assert new_hits and len(page) == 25
    read = {name: statistics.median(ms) for name, ms in timings.items()}
    read_count, read_page = read["count_kept"], read["page"]
    print(
        f"\n[hits read, one agency: {sightings:,} sightings, {all_kept:,} hits, {new_hits:,} new] "
        f"count of new hits (home page) median {read['count_kept']:.1f} ms kept, "
        f"{read['count_scan']:.0f} ms counted from the sightings; count of hits (hits page) "
        f"{read['total_kept']:.1f} ms kept, {read['total_scan']:.0f} ms counted; first page of "
        f"25 (newest first) {read_page:.0f} ms; kept equal to counted: yes"
    )

    # 4. Bulk throughput: B new sightings of existing values (and new ones), queued.
    Case.objects.bulk_create(
        (
            Case(reference=f"BENCH-BULK-{i:06d}", title="Bulk", agency=agencies[i % len(agencies)])
            for i in range(max(1, args.bulk // args.per_case))
        ),
        batch_size=5000,
    )
    with connection.cursor() as cur:
        cur.execute("SELECT min(id) FROM cases_case WHERE reference LIKE 'BENCH-BULK-%%'")
        (bulk_min,) = cur.fetchone()
        cur.execute(
            """INSERT INTO indicators_indicator
                   (case_id, value_id, kind, raw_value, chain, platform, note, takedown_status,
                    created_at)
               SELECT %(case_min)s + (g - 1) / %(per_case)s,
                      %(value_min)s + (g::bigint * 40503) %% %(n_values)s,
                      'domain', 'bench', '', '', '', 'active', now()
               FROM generate_series(1, %(n)s) g
               ON CONFLICT DO NOTHING""",
            {
                "case_min": bulk_min,
                "per_case": args.per_case,
                "value_min": value_min,
                "n_values": n_values,
                "n": args.bulk,
            },
        )
        cur.execute(
            "INSERT INTO indicators_pendingindicator (indicator_id, value_id)"
            " SELECT id, value_id FROM indicators_indicator WHERE case_id >= %s",
            [bulk_min],
        )
        cur.execute("ANALYZE indicators_indicator")
        cur.execute("ANALYZE indicators_pendingindicator")
    pending = Indicator.objects.unprocessed().count()
    t0 = time.perf_counter()
    xref.sweep(max_batches=10_000)
    bulk_s = time.perf_counter() - t0
    assert Indicator.objects.unprocessed().count() == 0
    print(
        f"\n[bulk] {pending:,} unprocessed indicators cross-referenced by the sweep in "
        f"{bulk_s:.1f} s: {pending / bulk_s:,.0f} indicators/s"
    )
    print(
        f"\n[summary] indicators={stored:,} rebuild={rebuild_s:.1f}s "
        f"new_case_worker_ms={w:.1f} raw_sql_ms={s:.1f} ratio={w / s:.1f}x (warm); "
        f"worker_ms={cold_w:.1f} (max {cold_max:.1f}) raw_sql_ms={cold_s:.1f} "
        f"ratio={cold_w / cold_s:.1f}x (cold); bulk_per_s={pending / bulk_s:,.0f} "
        f"hits_read_count_ms={read_count:.1f} (counted {read['count_scan']:.0f}) "
        f"hits_page_count_ms={read['total_kept']:.1f} (counted {read['total_scan']:.0f}) "
        f"hits_read_page_ms={read_page:.0f}"
    )


def generate_indicators(
    agencies: list, *, indicators: int, per_case: int, shared: float, prefix: str = "BENCH"
) -> tuple[int, int]:
    """`indicators` sightings of domains in cases of `per_case` each over `agencies`, written
    with SQL, a `shared` share of them repeating a value another case holds, all queued for
    cross-referencing as a save queues them. Returns (first value id, distinct values)."""
    from django.db import connection

    n_cases = max(2, indicators // per_case)
    n_values = int(indicators * (1 - shared))
    with connection.cursor() as cur:
        cur.execute("SELECT coalesce(max(id), 0) FROM indicators_indicator")
        (indicator_max,) = cur.fetchone()
        cur.execute("SELECT coalesce(max(id), 0) FROM indicators_indicatorvalue")
        (value_max,) = cur.fetchone()
    case_min = bench_cases(agencies, n_cases, prefix)
    with connection.cursor() as cur:
        cur.execute(
            """INSERT INTO indicators_indicatorvalue
                   (kind, qualifier, normalized, is_common, case_count, agency_count,
                    created_at)
               SELECT 'domain', '', 'v' || g || '.bench.com', false, 0, 0, now()
               FROM generate_series(1, %s) g""",
            [n_values],
        )
        cur.execute("SELECT min(id) FROM indicators_indicatorvalue WHERE id > %s", [value_max])
        (value_min,) = cur.fetchone()
        # Sighting g belongs to case g / per_case; the first n_values sightings hold each value
        # once, the rest repeat a pseudo-random value held elsewhere.
        cur.execute(
            """INSERT INTO indicators_indicator
                   (case_id, value_id, kind, raw_value, chain, platform, note, takedown_status,
                    created_at)
               SELECT %(case_min)s + (g - 1) / %(per_case)s,
                      %(value_min)s + CASE WHEN g <= %(n_values)s THEN g - 1
                                      ELSE (g::bigint * 2654435761) %% %(n_values)s END,
                      'domain', 'bench', '', '', '', 'active', now()
               FROM generate_series(1, %(n)s) g
               ON CONFLICT DO NOTHING""",
            {
                "case_min": case_min,
                "per_case": per_case,
                "value_min": value_min,
                "n_values": n_values,
                "n": indicators,
            },
        )
        # Queued for cross-referencing, as a save queues them.
        cur.execute(
            "INSERT INTO indicators_pendingindicator (indicator_id, value_id)"
            " SELECT id, value_id FROM indicators_indicator WHERE id > %s",
            [indicator_max],
        )
        cur.execute("ANALYZE")
    return value_min, n_values


# The best single query for "which cases of other agencies share a value with this case":
# one join through the (value, case) unique index, non-silent cases, values not common.
RAW_SQL = """
SELECT DISTINCT other.case_id
FROM indicators_indicator mine
JOIN indicators_indicatorvalue v ON v.id = mine.value_id
JOIN indicators_indicator other ON other.value_id = mine.value_id AND other.case_id <> mine.case_id
JOIN cases_case c ON c.id = other.case_id
WHERE mine.case_id = %s AND c.agency_id <> %s AND NOT c.silent AND v.case_count <= %s
"""


if __name__ == "__main__":
    main()
