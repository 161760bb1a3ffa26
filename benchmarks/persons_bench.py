"""The person-matching benchmark (run by hand: `make bench`; small in CI: `make bench-small`).

On a PostgreSQL database of its own (created, migrated and filled by this script) it generates
N suspects with SQL (Vietnamese-heavy names with the real skew of Nguyen, Tran, Van, Thi...,
Chinese, Thai and Western names; half the given names of two syllables (Thu Ha, Minh Anh); a
birth year for 90 %), indexes them with the real profile
and key functions written by COPY, then measures:

1. matching one new person against the index: the worker time of persons.xref.
   person_refresh for new suspects saved through the service (cross-spelled variants of
   indexed people, with and without a birth year), median / p95 / max, and candidates read;
2. the full rebuild: re-indexing every person (persons.index.index_sources over all) and
   matching every person block by block (persons.rebuild.match_all, as the rebuild does),
   with the RSS sampled during it (flat memory), run to the end (`--skip-serial`: not run);
3. with `--workers N`: the parallel rebuild (persons.parallel, what `persons_rebuild --queue`
   and the rebuild task start) taken by N real Celery worker processes (solo pool: one task
   at a time each) on a real Redis broker, wall time from start to the end of its last
   phase, each phase's time, and each worker's peak RSS (VmHWM).

Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
       python benchmarks/persons_bench.py --persons 1000000 [--database fortress_persons_bench]
       [--workers 2 --broker redis://127.0.0.1:6379/4] [--skip-serial]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import bench_agencies, bench_cases, memory_mb, rss_mb, setup_django

SURNAMES = (
    ["Nguyen"] * 38
    + ["Tran"] * 11
    + ["Le"] * 9
    + ["Pham"] * 7
    + ["Hoang", "Huynh", "Phan", "Vu", "Vo", "Dang", "Bui", "Do", "Ho", "Ngo", "Duong", "Ly"] * 2
    + ["Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou"]
    + ["Srisuk", "Jaidee", "Boonmee", "Wongsawat", "Chaiyaporn", "Saetang"]
    + ["Okafor", "Adeyemi", "Smith", "Martin", "Petrov", "Ivanov", "Sok", "Chea", "Tan", "Lim"]
)
MIDDLES = (
    ["Van"] * 30 + ["Thi"] * 30 + ["Duc", "Minh", "Huu", "Quoc", "Ngoc", "Thanh"] * 3 + [""] * 22
)
GIVENS = [
    "An",
    "Anh",
    "Bao",
    "Binh",
    "Chau",
    "Chi",
    "Cuong",
    "Dung",
    "Duy",
    "Giang",
    "Ha",
    "Hai",
    "Hanh",
    "Hieu",
    "Hoa",
    "Hong",
    "Hue",
    "Hung",
    "Huong",
    "Khanh",
    "Khoa",
    "Lan",
    "Linh",
    "Long",
    "Mai",
    "Minh",
    "Nam",
    "Nga",
    "Ngoc",
    "Nhung",
    "Phong",
    "Phuc",
    "Phuong",
    "Quan",
    "Quang",
    "Son",
    "Tam",
    "Thanh",
    "Thao",
    "Thu",
    "Thuy",
    "Tien",
    "Trang",
    "Trung",
    "Tuan",
    "Tung",
    "Uyen",
    "Viet",
    "Vinh",
    "Xuan",
    "Yen",
    "Wei",
    "Fang",
    "Jie",
    "Lei",
    "Na",
    "Qiang",
    "Yang",
    "Min",
    "Jing",
    "Hao",
    "Somchai",
    "Somsak",
    "Anucha",
    "Wichai",
    "Pranee",
    "Kittipong",
    "Emeka",
    "Ngozi",
    "Ivan",
    "Sergei",
    "Dara",
    "Sokha",
    "Chenda",
    "James",
    "Marie",
    "Karim",
    "Lucas",
    "Hugo",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--per-case", type=int, default=10, help="Suspects per case.")
    parser.add_argument("--agencies", type=int, default=20)
    parser.add_argument("--new", type=int, default=30, help="New persons to match, timed.")
    parser.add_argument("--database", default="fortress_persons_bench")
    parser.add_argument(
        "--workers", type=int, default=0, help="Celery worker processes for the parallel rebuild."
    )
    parser.add_argument("--broker", default=os.environ.get("CELERY_BROKER_URL", ""))
    parser.add_argument("--skip-serial", action="store_true", help="No one-process rebuild.")
    parser.add_argument("--worker", help=argparse.SUPPRESS)  # internal: run as a worker
    args = parser.parse_args()

    if args.worker:
        setup_django(args.database, broker=args.broker, recreate=False)
        run_worker(args.worker)
        return
    if args.workers and not args.broker.startswith("redis://"):
        sys.exit("The parallel rebuild needs a Redis broker: --broker redis://...")
    setup_django(args.database, broker=args.broker if args.workers else "memory://")
    run(args)


def run_worker(queue: str) -> None:
    """One Celery worker process (started by `parallel_rebuild`): one task at a time (solo
    pool), consuming only the benchmark's queue."""
    from config.celery import app

    app.conf.task_default_queue = queue
    app.worker_main(
        [
            "worker",
            "--pool=solo",
            "--concurrency=1",
            f"--queues={queue}",
            f"--hostname={queue}-{os.getpid()}@%h",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
    )


def _peak_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def parallel_rebuild(args) -> None:
    """The parallel rebuild on `args.workers` worker processes of this script."""
    from django.core.management.utils import get_random_secret_key

    from config.celery import app
    from persons import parallel
    from persons.models import PersonMatch, PersonRebuild, RebuildPhase

    queue = f"bench-{args.database}"
    app.conf.task_default_queue = queue
    with app.connection_for_write() as conn:
        conn.default_channel.queue_declare(queue=queue, durable=True, auto_delete=False)
        conn.default_channel.queue_purge(queue)
    # As in production: DEBUG off (no query log), so a secret key of its own.
    env = dict(os.environ, DEBUG="0", SECRET_KEY=get_random_secret_key())
    script = [sys.executable, __file__, "--database", args.database, "--broker", args.broker]
    workers = [
        subprocess.Popen([*script, "--worker", queue], env=env)  # noqa: S603 - this script
        for _ in range(args.workers)
    ]
    try:
        deadline = time.monotonic() + 120
        while len(app.control.ping(timeout=0.5) or []) < args.workers:
            if time.monotonic() > deadline or any(w.poll() is not None for w in workers):
                sys.exit("The Celery workers did not start.")
        boot = [_peak_kb(w.pid) / 1024 for w in workers]
        before = PersonMatch.objects.count()
        t0 = time.perf_counter()
        run = parallel.start()
        phases: dict[str, float] = {}
        phase, mark = RebuildPhase.INDEX, t0
        while phase != RebuildPhase.DONE:
            time.sleep(0.2)
            now_phase = PersonRebuild.objects.values_list("phase", flat=True).get(pk=run.pk)
            if now_phase != phase:
                now = time.perf_counter()
                phases[phase], phase, mark = now - mark, now_phase, now
            if any(w.poll() is not None for w in workers):
                sys.exit("A Celery worker died.")
        wall = time.perf_counter() - t0
        peaks = [_peak_kb(w.pid) / 1024 for w in workers]
    finally:
        for w in workers:
            w.terminate()
        for w in workers:
            try:
                w.wait(timeout=30)
            except subprocess.TimeoutExpired:
                w.kill()
    run.refresh_from_db()
    result = parallel.result(run)
    print(
        f"\n[parallel rebuild, {args.workers} worker processes] {wall:.1f} s from start to "
        f"done: "
        + ", ".join(f"{p} {t:.1f} s" for p, t in phases.items())
        + f"; {result.indexed:,} re-indexed, {result.matched:,} matched, {before:,} matches "
        f"before, {PersonMatch.objects.count():,} after ({result.created:,} created, "
        f"{result.removed:,} removed); parts: {run.match_parts} key partitions; peak RSS per "
        f"worker: " + ", ".join(f"{b:.0f} -> {p:.0f} MB" for b, p in zip(boot, peaks, strict=True))
    )


def _generate(args) -> list:
    agencies, users = bench_agencies(args.agencies)
    generate_suspects(agencies, persons=args.persons, per_case=args.per_case)
    return users


def generate_suspects(agencies: list, *, persons: int, per_case: int, prefix: str = "PB") -> None:
    """`persons` suspects in cases of `per_case` each over `agencies`, written with SQL."""
    from django.db import connection

    n_cases = max(2, persons // per_case)
    case_min = bench_cases(agencies, n_cases, prefix)
    with connection.cursor() as cur:
        # Suspect g: names drawn by multiplicative hashing of g; 20 % without a birth year.
        cur.execute(
            """INSERT INTO cases_suspect
                 (case_id, full_name, aliases, birth_year, nationalities, documents, role, status,
                  notice_references, created_at, updated_at, version)
               SELECT %(case_min)s + (g - 1) / %(per_case)s,
                      trim(regexp_replace(
                        (%(s)s::text[])[1 + (g::bigint * 2654435761) %% %(ns)s] || ' ' ||
                        (%(m)s::text[])[1 + (g::bigint * 40503) %% %(nm)s] || ' ' ||
                        (%(gv)s::text[])[1 + (g::bigint * 97531) %% %(ng)s] ||
                        CASE WHEN g %% 2 = 0 THEN '' ELSE ' ' ||
                          (%(gv)s::text[])[1 + (g::bigint * 611953) %% %(ng)s] END,
                        ' +', ' ', 'g')),
                      '[]'::jsonb,
                      CASE WHEN g %% 10 = 0 THEN NULL ELSE 1950 + (g::bigint * 7919) %% 56 END,
                      '', '[]'::jsonb, 'other', 'at_large', '', now(), now(), 1
               FROM generate_series(1, %(n)s) g""",
            {
                "case_min": case_min,
                "per_case": per_case,
                "s": SURNAMES,
                "ns": len(SURNAMES),
                "m": MIDDLES,
                "nm": len(MIDDLES),
                "gv": GIVENS,
                "ng": len(GIVENS),
                "n": persons,
            },
        )


def _index_by_copy() -> int:
    """Index every generated suspect with the real profile, fingerprint and key functions,
    written with COPY (the incremental path would take hours for a million rows)."""
    from django.db import connection
    from django.utils import timezone

    from persons import matching
    from persons.index import person_fingerprint
    from persons.search import search_text

    now = timezone.now()
    cache: dict[str, matching.Profile] = {}
    count = 0
    with connection.cursor() as read:
        read.execute(
            "SELECT s.id, s.full_name, s.birth_year, s.case_id, c.agency_id, s.updated_at "
            "FROM cases_suspect s JOIN cases_case c ON c.id = s.case_id ORDER BY s.id"
        )
        rows = read.fetchall()
    with connection.cursor() as cur:
        raw = cur.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(
            "COPY persons_person (id, kind, suspect_id, case_id, agency_id, profile, sort_key,"
            " birth_year, trafficked_victim, fingerprint, source_updated_at, indexed_at,"
            " matched_at) FROM STDIN"
        ) as person_copy:
            keys_rows = []
            for sid, name, year, case_id, agency_id, updated_at in rows:
                base = cache.get(name)
                if base is None:
                    base = cache[name] = matching.profile(names=[name])
                prof = matching.Profile(variants=base.variants, birth_year=year)
                person_copy.write_row(
                    (
                        sid,
                        "suspect",
                        sid,
                        case_id,
                        agency_id,
                        _json(prof.as_json()),
                        " ".join(sorted(prof.variants[0].tokens)),
                        year,
                        False,
                        person_fingerprint(prof, trafficked=False),
                        updated_at,
                        now,
                        now,
                    )
                )
                keys_rows.extend((sid, k, year) for k in sorted(prof.keys()))
                count += 1
        with raw.copy("COPY persons_personkey (person_id, key, birth_year) FROM STDIN") as key_copy:
            for row in keys_rows:
                key_copy.write_row(row)
        # The names folded for search, as the suspect service stores them.
        cur.execute("CREATE TEMP TABLE bench_names (id bigint, search_name text)")
        folded: dict[str, str] = {}
        with raw.copy("COPY bench_names (id, search_name) FROM STDIN") as name_copy:
            for sid, name, *_ in rows:
                if name not in folded:
                    folded[name] = search_text([name])
                name_copy.write_row((sid, folded[name]))
        cur.execute(
            "UPDATE cases_suspect s SET search_name = n.search_name FROM bench_names n "
            "WHERE n.id = s.id"
        )
        cur.execute(
            "SELECT setval(pg_get_serial_sequence('persons_person', 'id'), "
            "(SELECT max(id) FROM persons_person))"
        )
        # As autovacuum leaves tables some time after a bulk load: statistics, and the
        # visibility map that lets the probes of a new person read the key index alone (with
        # ANALYZE only, each probe fetched every heap row it counted: one new person's median
        # went from 74 to 56 ms at 100,000 once vacuumed).
        cur.execute("VACUUM ANALYZE")
    return count


def _json(data) -> str:
    import json

    return json.dumps(data, ensure_ascii=False)


def run(args) -> None:
    from django.db import connection, transaction

    from cases.models import Case
    from cases.services import suspect_create
    from persons import xref
    from persons.models import Person, PersonKey, common_name_threshold

    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, {memory_mb()} memory, "
        f"PostgreSQL {connection.cursor().connection.info.server_version}"
    )
    t0 = time.perf_counter()
    users = _generate(args)
    print(f"generated {args.persons:,} suspects in {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    indexed = _index_by_copy()
    print(
        f"indexed {indexed:,} persons, {PersonKey.objects.count():,} blocking keys (COPY) in "
        f"{time.perf_counter() - t0:.1f} s"
    )

    t0 = time.perf_counter()
    common = PersonKey.objects.all_common()
    print(
        f"{len(common):,} common name keys (held by more than "
        f"{common_name_threshold():,} persons), counted in "
        f"{time.perf_counter() - t0:.1f} s"
    )

    # 1. One new person at a time, saved through the service, matched by the task's service.
    variants = [
        ("Nguyễn Văn An", 1990),
        ("AN VAN NGUYEN", None),
        ("Nguyen V. Hung", 1985),
        ("Trần Thị Mai", 1995),
        ("MAI THI TRAN", None),
        ("张伟", 1982),
        ("Zhang Wei", None),
        ("สมชาย ใจดี", 1979),
        ("Somchai Srisuk", None),
        ("Lê Thị Thu Hà", 2000),
    ]
    timings: dict[bool, list[float]] = {True: [], False: []}
    candidates: list[int] = []
    for n in range(args.new):
        name, year = variants[n % len(variants)]
        owner = users[n % len(users)]
        case = Case.objects.create(reference=f"PB-NEW-{n:04d}", title="New", agency=owner.agency)
        with transaction.atomic():
            s = suspect_create(case=case, by=owner, full_name=name, birth_year=year)
        t0 = time.perf_counter()
        xref.person_refresh(kind="suspect", source_id=s.pk)
        timings[year is not None].append((time.perf_counter() - t0) * 1000)
        person = Person.objects.get(suspect=s)
        keys = {person.pk: list(person.keys.values_list("key", flat=True))}
        candidates.append(len(xref._candidates(keys, {person.pk: year})[person.pk]))
    all_ms = sorted(timings[True] + timings[False])
    p95 = all_ms[max(0, int(len(all_ms) * 0.95) - 1)]
    print(
        f"\n[one new person vs {indexed:,} indexed, {len(all_ms)} persons] median "
        f"{statistics.median(all_ms):.1f} ms, p95 {p95:.1f} ms, max {all_ms[-1]:.1f} ms; with a "
        f"birth year median {statistics.median(timings[True]):.1f} ms, without "
        f"{statistics.median(timings[False]):.1f} ms; candidates read median "
        f"{statistics.median(candidates):.0f}, max {max(candidates)}"
    )

    if not args.skip_serial:
        serial_rebuild()
    if args.workers:
        parallel_rebuild(args)


def serial_rebuild() -> None:
    """The full rebuild in this process: re-index everything, then the block match pass."""
    from cases.models import Suspect
    from persons import index, rebuild
    from persons.models import Person, PersonMatch
    from victims.models import Victim

    rss = [rss_mb()]
    t0 = time.perf_counter()
    reindexed = 0
    for kind, model in (("suspect", Suspect), ("victim", Victim)):
        for ids in rebuild._pk_chunks(model.objects.all(), index.CHUNK):
            reindexed += len(index.index_sources(kind=kind, ids=ids))
            rss.append(rss_mb())
    index_s = time.perf_counter() - t0
    print(
        f"\n[rebuild: re-index] {Person.objects.count():,} persons read and re-profiled in "
        f"{index_s:.1f} s ({reindexed} changed); RSS {rss[0]:.0f} -> {max(rss):.0f} MB"
    )
    # The match pass as the rebuild runs it (persons.rebuild.match_all: blocks of the key
    # table, streamed), with the RSS sampled every 0.5 s by a thread.
    samples: list[tuple[float, float]] = []
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.5):
            samples.append((time.perf_counter(), rss_mb()))

    sampler = threading.Thread(target=sample, daemon=True)
    before_matches = PersonMatch.objects.count()
    t0 = time.perf_counter()
    sampler.start()
    last = [t0]

    def progress(rows: int, matches: int) -> None:
        now = time.perf_counter()
        if now - last[0] >= 30:
            last[0] = now
            print(
                f"  ... {now - t0:.0f} s: {rows:,} key rows scored, {matches:,} matches found, "
                f"RSS {rss_mb():.0f} MB",
                flush=True,
            )

    result = rebuild.match_all(progress=progress)
    done.set()
    sampler.join()
    match_s = time.perf_counter() - t0
    total = Person.objects.count()
    mid = [r for t, r in samples if t - t0 <= match_s / 4] or [rss_mb()]
    end = [r for t, r in samples if t - t0 >= match_s * 3 / 4] or [rss_mb()]
    print(
        f"[rebuild: match] {result.matched:,} of {total:,} persons matched in {match_s:.1f} s "
        f"({result.matched / match_s:,.0f} persons/s); {before_matches:,} matches before, "
        f"{PersonMatch.objects.count():,} after ({result.created:,} created, {result.removed:,} "
        f"removed); RSS over the first quarter max {max(mid):.0f} MB, over the last quarter "
        f"max {max(end):.0f} MB (max RSS over the rebuild {max(rss + [r for _, r in samples]):.0f}"
        f" MB)"
    )
    print(f"[rebuild] complete: {index_s + match_s:.1f} s (re-index + match)")


if __name__ == "__main__":
    main()
