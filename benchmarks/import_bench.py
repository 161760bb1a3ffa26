"""The import benchmark (run by hand: `make bench`; small in CI: `make bench-small`).

On a PostgreSQL database of its own (created and migrated by this script) it imports a CSV of
N indicators of mixed kinds (phones, domains, URLs, IPs, e-mails, wallets, IBANs, handles) into
one case, as a user would: the request step (`interchange.services.import_start`: the file read,
checked and stored as rows, the job queued), then the job run by a real Celery worker process
(started by this script, on Redis) - one task per batch of rows checked, one task saving them
all or nothing - and the cross-referencing tasks the save publishes. A share of the values is
already held by other agencies' cases (saved and cross-referenced before the clock starts), so
cross-referencing has hits to find. The clock stops when the job is done AND the
cross-referencing queue is empty. It prints rows, seconds, indicators per second end to end, the
split (request step / check / save / cross-referencing, as seen by polling the job every 20 ms)
and the peak resident set of the worker process (VmHWM in /proc).

Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
       python benchmarks/import_bench.py --rows 100000 [--database fortress_import_bench]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, memory_mb, setup_django
from django.core.management.utils import get_random_secret_key

KINDS = [
    "phone",
    "domain",
    "url",
    "ip",
    "email",
    "crypto_wallet",
    "bank_account",
    "social_handle",
]
POLL_S = 0.02


def _iban(n: int) -> str:
    bban = f"37040044{n:010d}"
    digits = "".join(str(int(c, 36)) for c in bban + "DE00")
    return f"DE{98 - int(digits) % 97:02d}{bban}"


def row_of(i: int) -> tuple[str, str, str]:
    """(kind, value as entered, qualifier) of row i: deterministic, distinct for each i."""
    kind = KINDS[i % len(KINDS)]
    values = {
        "phone": (f"+84 91{i:07d}", ""),
        "domain": (f"shop-{i}.example.com", ""),
        "url": (f"https://pay-{i}.example.net/login?id={i}", ""),
        "ip": (f"11.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}", ""),
        "email": (f"Agent.{i}@Mail.example.org", ""),
        "crypto_wallet": (f"0x{i + 1:040x}", "ethereum"),
        "bank_account": (_iban(i), ""),
        "social_handle": (f"@scam_{i}", "telegram"),
    }
    return (kind, *values[kind])


def shared_rows(rows: int, shared: float) -> list[int]:
    """The rows whose value other agencies' cases already hold."""
    step = max(1, round(1 / shared)) if shared > 0 else rows + 1
    return list(range(0, rows, step))


def csv_bytes(rows: int) -> bytes:
    lines = ["kind,value,qualifier"]
    lines += [",".join(row_of(i)) for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--shared", type=float, default=0.1, help="Share of rows other agencies already hold."
    )
    parser.add_argument("--database", default="fortress_import_bench")
    parser.add_argument(
        "--broker",
        default=os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/9"),
        help="The Redis the worker takes its tasks from (a queue of the benchmark's own).",
    )
    parser.add_argument("--batch-size", type=int, help="FORTRESS_IMPORT_BATCH_SIZE.")
    parser.add_argument("--timeout", type=float, default=900, help="Give up after (s).")
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="No worker: run the job's steps one after the other in this process, timed "
        "apart (to profile them; not the end-to-end figure).",
    )
    parser.add_argument(
        "--profile", metavar="DIR", help="With --in-process: a cProfile file per step in DIR."
    )
    parser.add_argument("--worker", metavar="QUEUE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.batch_size:
        os.environ["FORTRESS_IMPORT_BATCH_SIZE"] = str(args.batch_size)
    if args.worker:
        run_worker(args.worker)
        return
    setup_django(args.database, broker="memory://" if args.in_process else args.broker)
    run(args)


def run_worker(queue: str) -> None:
    """The Celery worker (a process of its own, started by `run`): as the README runs it,
    `celery -A config worker --concurrency=2` (two processes taking tasks, so two check
    batches run at a time), consuming only the benchmark's queue."""
    import django

    django.setup()
    from config.celery import app

    app.conf.task_default_queue = queue
    app.worker_main(
        [
            "worker",
            "--pool=prefork",
            "--concurrency=2",
            f"--queues={queue}",
            f"--hostname={queue}@%h",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
    )


def tree_peak_kb(pid: int) -> tuple[int, int]:
    """The largest VmHWM among the worker's processes (the main one and the children that run
    the tasks), and their sum."""
    pids = [pid]
    with contextlib.suppress(OSError):
        pids += [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    peaks = [proc_kb(p, "VmHWM") for p in pids]
    return max(peaks), sum(peaks)


def proc_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def run(args) -> None:
    from django.conf import settings
    from django.db import connection

    from agencies.models import Agency, Role, User
    from cases.models import Case
    from config.celery import app
    from indicators import services, xref
    from indicators.models import Indicator

    queue = f"bench-{args.database}"
    app.conf.task_default_queue = queue
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, {memory_mb()} memory, "
        f"PostgreSQL {connection.cursor().connection.info.server_version}, "
        f"Python {platform.python_version()}"
    )
    shared = shared_rows(args.rows, args.shared)
    print(
        f"data: a CSV of {args.rows:,} rows ({len(KINDS)} kinds in turn), {len(shared):,} of "
        f"them values other agencies' cases hold; batch size "
        f"{settings.FORTRESS_IMPORT_BATCH_SIZE:,}"
    )

    # Other agencies' cases holding the shared values, saved through the service and
    # cross-referenced before the clock starts.
    t0 = time.perf_counter()
    home = Agency.objects.create(
        code="bench-home", name="Home agency", country="VN", contact_email="desk@home.example"
    )
    others = [
        Agency.objects.create(
            code=f"bench-{c.lower()}",
            name=f"Agency {c}",
            country=c,
            contact_email=f"desk@{c.lower()}.example",
        )
        for c in ("TH", "KH", "PH", "MY", "FR")
    ]
    user = User.objects.create(username="bench-importer", agency=home, role=Role.INVESTIGATOR)
    other_users = [
        User.objects.create(username=f"bench-{a.code}", agency=a, role=Role.INVESTIGATOR)
        for a in others
    ]
    case = Case.objects.create(reference="BENCH-IMPORT", title="Import", agency=home)
    for n, owner in enumerate(other_users * 2):
        held = shared[n :: len(other_users) * 2]
        other = Case.objects.create(
            reference=f"BENCH-OTHER-{n}", title="Other", agency=owner.agency
        )
        for start in range(0, len(held), 2000):
            chunk = held[start : start + 2000]
            services.indicators_add_batch(
                case=other,
                by=owner,
                rows=[
                    {"kind": k, "value": v, **({"chain": q} if k == "crypto_wallet" else {})}
                    | ({"platform": q} if k == "social_handle" else {})
                    for k, v, q in map(row_of, chunk)
                ],
            )
    xref.sweep(max_batches=10_000)
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    held_before = Indicator.objects.count()
    print(
        f"other agencies' cases: {held_before:,} indicators saved and cross-referenced in "
        f"{time.perf_counter() - t0:.1f} s"
    )

    if args.in_process:
        measure_in_process(args, case=case, user=user)
        return
    # The worker: its own process, on an empty queue of its own.
    with app.connection_for_write() as conn:
        conn.default_channel.queue_declare(queue=queue, durable=True, auto_delete=False)
        conn.default_channel.queue_purge(queue)
    # As in production: DEBUG off (no query log), so a secret key of its own, strong enough
    # for the settings' check.
    env = dict(os.environ, DEBUG="0", SECRET_KEY=get_random_secret_key())
    worker = subprocess.Popen(  # noqa: S603 - this script, by its own interpreter
        [sys.executable, __file__, "--worker", queue],
        cwd=ROOT,
        env=env,
    )
    try:
        measure(args, locals())
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()


def measure(args, ctx) -> None:
    from django.db import connection

    from config.celery import app
    from indicators.models import Hit, Indicator, PendingIndicator
    from interchange.models import FINAL_STATUSES, ImportJob, ImportStatus
    from interchange.services import import_start

    worker, queue, case, user = ctx["worker"], ctx["queue"], ctx["case"], ctx["user"]
    deadline = time.monotonic() + 120
    while not app.control.ping(destination=[f"{queue}@{platform.node()}"], timeout=0.5):
        if worker.poll() is not None or time.monotonic() > deadline:
            sys.exit("The Celery worker did not start.")
    boot_rss = proc_kb(worker.pid, "VmRSS") / 1024
    data = csv_bytes(args.rows)
    print(f"worker ready (pid {worker.pid}, RSS {boot_rss:.0f} MB); CSV {len(data) / 1e6:.1f} MB")

    t_start = time.perf_counter()
    job = import_start(case=case, by=user, data=data, filename="bench.csv")
    t_request = time.perf_counter()
    t_checked = t_saved = t_xref = None
    limit = t_start + args.timeout
    while True:
        status = ImportJob.objects.filter(pk=job.pk).values_list("status", flat=True).get()
        now = time.perf_counter()
        if t_checked is None and status not in (ImportStatus.QUEUED, ImportStatus.CHECKING):
            t_checked = now
        if t_saved is None and status in FINAL_STATUSES:
            t_saved = now
        if t_saved is not None and not PendingIndicator.objects.exists():
            t_xref = now
            break
        if now > limit or worker.poll() is not None:
            alive = "alive" if worker.poll() is None else "gone"
            sys.exit(f"Gave up: job {status}, worker {alive}")
        time.sleep(0.02)
    peak_kb, sum_kb = tree_peak_kb(worker.pid)
    peak_rss, sum_rss = peak_kb / 1024, sum_kb / 1024
    assert t_checked is not None and t_saved is not None
    job.refresh_from_db()
    if job.status != ImportStatus.DONE:
        sys.exit(f"The import ended {job.status}: {job.errors[:5]}")
    saved = Indicator.objects.filter(case=case).count()
    hits = Hit.objects.filter(case=case).count()
    total = t_xref - t_start
    print(
        f"\n[import] {args.rows:,} rows -> {job.rows_accepted:,} indicators accepted "
        f"({saved:,} saved with the values they imply, {len(job.duplicates):,} duplicates), "
        f"{hits:,} hits on the case; every indicator cross-referenced"
    )
    print(
        f"[split] request step {t_request - t_start:.2f} s, check {t_checked - t_request:.2f} s, "
        f"save {t_saved - t_checked:.2f} s, cross-referencing {t_xref - t_saved:.2f} s "
        f"(polled every {POLL_S * 1000:.0f} ms)"
    )
    print(
        f"[worker] peak RSS {peak_rss:.0f} MB (the largest VmHWM of its processes; "
        f"{sum_rss:.0f} MB summed over them; {boot_rss:.0f} MB when ready)"
    )
    print(
        f"\n[summary] rows={args.rows:,} seconds={total:.2f} "
        f"indicators_per_s={args.rows / total:,.0f} request_s={t_request - t_start:.2f} "
        f"check_s={t_checked - t_request:.2f} save_s={t_saved - t_checked:.2f} "
        f"xref_s={t_xref - t_saved:.2f} worker_peak_rss_mb={peak_rss:.0f} "
        f"postgres={connection.cursor().connection.info.server_version}"
    )


def measure_in_process(args, *, case, user) -> None:
    """The job's steps in this process, each timed (and profiled into --profile DIR)."""
    import cProfile

    from indicators import xref
    from indicators.models import Hit, Indicator, PendingIndicator
    from interchange import services
    from interchange.models import ImportJob, ImportStatus

    cpu: dict[str, tuple[float, float]] = {}

    def step(name: str, work):
        profiler = cProfile.Profile() if args.profile else None
        backend = backend_pid()
        py0, pg0 = time.process_time(), pid_cpu_s(backend)
        t0 = time.perf_counter()
        if profiler:
            profiler.enable()
        result = work()
        if profiler:
            profiler.disable()
        seconds = time.perf_counter() - t0
        # The same backend still (a step that reconnected would count from zero: said so).
        same = backend_pid() == backend
        cpu[name] = (time.process_time() - py0, pid_cpu_s(backend) - pg0 if same else 0.0)
        if profiler:
            Path(args.profile).mkdir(parents=True, exist_ok=True)
            profiler.dump_stats(Path(args.profile) / f"{name}.prof")
        py, pg = cpu[name]
        print(
            f"[{name}] {seconds:.2f} s; CPU {py:.2f} s Python + "
            f"{pg:.2f} s PostgreSQL{'' if same else ' (backend changed: not counted)'}"
        )
        return result, seconds

    data = csv_bytes(args.rows)
    job, t_request = step(
        "request", lambda: services.import_start(case=case, by=user, data=data, filename="b.csv")
    )
    _, t_check = step(
        "check",
        lambda: [
            services.import_check_batch(job_id=job.pk, first=a, last=b)
            for a, b in services.batch_ranges(job.rows_total)
        ],
    )
    _, t_save = step("save", lambda: services.import_finish(job_id=job.pk))
    _, t_xref = step("xref", lambda: xref.sweep(max_batches=10_000))
    job = ImportJob.objects.get(pk=job.pk)
    if job.status != ImportStatus.DONE:
        sys.exit(f"The import ended {job.status}: {job.errors[:5]}")
    assert not PendingIndicator.objects.exists()
    total = t_request + t_check + t_save + t_xref
    print(
        f"[in-process summary] rows={args.rows:,} seconds={total:.2f} "
        f"indicators_per_s={args.rows / total:,.0f} saved="
        f"{Indicator.objects.filter(case=case).count():,} hits="
        f"{Hit.objects.filter(case=case).count():,} duplicates={len(job.duplicates):,}"
    )
    print(
        "[in-process CPU] "
        + " ".join(f"{name}={py:.2f}+{pg:.2f}" for name, (py, pg) in cpu.items())
        + f" total={sum(py + pg for py, pg in cpu.values()):.2f} (CPU-seconds, Python + its "
        "PostgreSQL backend, from /proc)"
    )


def backend_pid() -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        return cur.fetchone()[0]


def pid_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (of this machine's PostgreSQL backend)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    main()
