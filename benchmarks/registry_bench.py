"""The network registry benchmark (run by hand: `make bench`; small in CI: `make bench-small`).

On a PostgreSQL database of its own (created, migrated and filled with SQL by this script) it
builds N registry entries (domains, URLs, phone numbers and IPs, each with one or two
publishing agencies), then measures through the real API (Django's test client: routing,
authentication, the access policy, the serializers):

1. the bulk lookup of 10,000 mixed values (half known, in every kind and written as users
   type them), POST /api/v1/registry/lookup/ — the target is under 2 s at 10^6 entries;
2. the list API's first page, GET /api/v1/registry/;
3. each full feed (CSV, plain text, STIX), GET /api/v1/registry/feeds/{fmt}/, read to the
   end: time, bytes, entries a second, and the process's resident memory during the stream
   (its peak over the stream, sampled, minus before);
4. the 304 path: a poll with the ETag just read, its time and its queries.

Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
       python benchmarks/registry_bench.py --entries 1000000 [--database fortress_registry_bench]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    bench_agencies,
    database_url,
    drop_database,
    memory_mb,
    peak_rss_mb,
    rss_mb,
    setup_django,
)

KINDS = ["domain", "url", "phone", "ip"]  # entry g is of kind KINDS[g % 4]


def _normalized(kind: str, g: int) -> str:
    if kind == "domain":
        return f"fraud-{g}.bench-shop.com"
    if kind == "url":
        return f"https://pay-{g}.bench-shop.com/login"
    if kind == "phone":
        return f"+8490{g:07d}"
    return f"10.{g // 65536 % 256}.{g // 256 % 256}.{g % 256}"


def _typed(kind: str, g: int) -> str:
    """The value as a user pastes it: the lookup normalises it."""
    if kind == "domain":
        return f"FRAUD-{g}.Bench-Shop.com"
    if kind == "url":
        return f"https://PAY-{g}.bench-shop.com/login"
    if kind == "phone":
        return f"+84 90 {g:07d}"
    return _normalized(kind, g)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--lookup", type=int, default=10_000, help="Values of the bulk lookup.")
    parser.add_argument("--agencies", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3, help="Runs of each timed request.")
    parser.add_argument(
        "--feeds", default="txt,csv,stix", help="The full feeds to stream, comma-separated."
    )
    parser.add_argument("--database", default="fortress_registry_bench")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="Keep the database a previous run built (same --entries and --agencies): only "
        "migrate it, then measure.",
    )
    parser.add_argument("--fill-only", action="store_true", help="Build the data, measure nothing.")
    parser.add_argument("--drop", action="store_true", help="Drop the database at the end.")
    args = parser.parse_args()
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
    setup_django(args.database, recreate=not args.reuse)
    run(args)
    if args.drop:
        from django.db import connections

        connections.close_all()
        drop_database(database_url(args.database), args.database)


def fill(args) -> None:
    from django.db import connection

    agencies, _ = bench_agencies(args.agencies, role="analyst", prefix="registry")
    kinds_sql = "(ARRAY['domain','url','phone','ip'])[(g %% 4) + 1]"
    normalized_sql = """CASE g %% 4
        WHEN 0 THEN 'fraud-' || g || '.bench-shop.com'
        WHEN 1 THEN 'https://pay-' || g || '.bench-shop.com/login'
        WHEN 2 THEN '+8490' || lpad(g::text, 7, '0')
        ELSE '10.' || (g / 65536 %% 256) || '.' || (g / 256 %% 256) || '.' || (g %% 256) END"""
    statuses = "(ARRAY['active','takedown_requested','taken_down','re_emerged'])[(g / 7 %% 4) + 1]"
    agency_min = agencies[0].pk
    with connection.cursor() as cur:
        cur.execute(
            f"""INSERT INTO indicators_indicatorvalue
                   (kind, qualifier, normalized, is_common, case_count, agency_count, created_at)
               SELECT {kinds_sql}, '', {normalized_sql}, false, 1 + g %% 3, 1, now()
               FROM generate_series(1, %s) g""",
            [args.entries],
        )
        cur.execute("SELECT min(id) FROM indicators_indicatorvalue")
        (value_min,) = cur.fetchone()
        cur.execute(
            f"""INSERT INTO registry_registryentry
                   (value_id, status, status_changed_at, version, created_at, updated_at,
                    public_awareness)
               SELECT %(value_min)s + g - 1, {statuses}, now(), 1,
                      now() - (g || ' seconds')::interval, now() - (g || ' seconds')::interval,
                      g %% 1000 = 0
               FROM generate_series(1, %(n)s) g""",
            {"value_min": value_min, "n": args.entries},
        )
        cur.execute("SELECT min(id) FROM registry_registryentry")
        (entry_min,) = cur.fetchone()
        # One source each; every fifth entry a second agency's too. A tenth of them suspected.
        cur.execute(
            """INSERT INTO registry_registrysource
                   (entry_id, agency_id, confidence, fraud_types, description, published_at)
               SELECT %(entry_min)s + g - 1, %(agency_min)s + g %% %(agencies)s,
                      CASE WHEN g %% 10 = 0 THEN 'suspected' ELSE 'confirmed' END,
                      '["phishing"]'::jsonb, 'Bench fraud site ' || g, now()
               FROM generate_series(1, %(n)s) g
               UNION ALL
               SELECT %(entry_min)s + g - 1, %(agency_min)s + (g + 1) %% %(agencies)s,
                      'confirmed', '["investment"]'::jsonb, 'Also seen by us', now()
               FROM generate_series(5, %(n)s, 5) g""",
            {
                "entry_min": entry_min,
                "agency_min": agency_min,
                "agencies": args.agencies,
                "n": args.entries,
            },
        )
        cur.execute(
            "INSERT INTO registry_registrychange (id, counter, at) VALUES (1, 1, now())"
            " ON CONFLICT (id) DO UPDATE SET counter = registry_registrychange.counter + 1"
        )
        cur.execute("ANALYZE")


def timed(request, repeat: int) -> tuple[float, list[float], object]:
    times, answer = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        answer = request()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times, answer


def run(args) -> None:
    from django.db import connection
    from rest_framework.test import APIClient

    from agencies.models import User
    from agencies.services import token_create
    from registry.models import RegistryEntry

    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, {memory_mb()} memory, "
        f"PostgreSQL {connection.cursor().connection.info.server_version}"
    )
    t0 = time.perf_counter()
    if args.reuse and RegistryEntry.objects.exists():
        print(f"data: {RegistryEntry.objects.count():,} registry entries, kept from a run before")
    else:
        fill(args)
        print(
            f"data: {RegistryEntry.objects.count():,} registry entries ({', '.join(KINDS)}), "
            f"{args.agencies} agencies, built with SQL in {time.perf_counter() - t0:.1f} s"
        )
    if args.fill_only:
        return
    user = User.objects.order_by("pk").first()
    _, key = token_create(user=user, name="bench")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    # 1. Bulk lookup: half known values, half unknown, of every kind, typed as users type.
    step = max(1, args.entries // args.lookup)
    values = []
    for i in range(args.lookup):
        # (i // 2) % 4 shifts the kind (entry g is of kind g % 4): every kind, known or not
        g = 1 + (i * step + (i // 2) % 4) % args.entries
        if i % 2:
            g += args.entries  # beyond the registry: unknown
        kind = KINDS[g % 4]
        values.append({"kind": kind, "value": _typed(kind, g)})
    body = {"values": values}
    median, times, answer = timed(
        lambda: client.post("/api/v1/registry/lookup/", body, format="json"), args.repeat
    )
    results = answer.json()["results"]
    known = sum(r["known"] for r in results)
    assert answer.status_code == 200 and len(results) == args.lookup
    assert known == args.lookup // 2, f"{known} known of {args.lookup}"
    print(
        f"\n[lookup] {args.lookup:,} mixed values ({known:,} known): median {median:.2f} s "
        f"(runs: {', '.join(f'{t:.2f}' for t in times)}; target < 2 s)"
    )

    # 2. The list API's first page.
    median, times, answer = timed(lambda: client.get("/api/v1/registry/"), args.repeat)
    assert answer.status_code == 200
    print(f"[list] first page of {answer.json()['count']:,}: median {median * 1000:.0f} ms")

    # 3. The full feeds, streamed.
    etag = ""
    for fmt in args.feeds.split(","):
        before = rss_mb()
        peak, size = before, 0
        t0 = time.perf_counter()
        response = client.get(f"/api/v1/registry/feeds/{fmt}/")
        for n, chunk in enumerate(response.streaming_content):
            size += len(chunk)
            if n % 200 == 0:
                peak = max(peak, rss_mb())
        elapsed = time.perf_counter() - t0
        peak = max(peak, rss_mb())
        print(
            f"[feed {fmt}] {size / 1e6:,.1f} MB in {elapsed:.1f} s "
            f"({args.entries / elapsed:,.0f} entries/s), resident memory +{peak - before:.0f} MB "
            f"during the stream (from {before:.0f} MB)"
        )
        etag = response["ETag"]

    # 4. The 304 path (the queries counted by a wrapper: a request resets Django's own log).
    last = args.feeds.split(",")[-1]
    if not etag:
        etag = client.get(f"/api/v1/registry/feeds/{last}/")["ETag"]
    queries: list[str] = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        answer = client.get(f"/api/v1/registry/feeds/{last}/", HTTP_IF_NONE_MATCH=etag)
    assert answer.status_code == 304
    median, _, _ = timed(
        lambda: client.get(f"/api/v1/registry/feeds/{last}/", HTTP_IF_NONE_MATCH=etag), 50
    )
    print(
        f"[304] not modified: median {median * 1000:.1f} ms over 50 polls, {len(queries)} "
        f"queries (2 of them the API token's authentication, 1 the validator)"
    )
    print(f"peak RSS of the process: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
