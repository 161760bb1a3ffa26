"""The load run (run by hand: `make bench`; small in CI: `make bench-small`).

On the data set of page_bench.py (built here, or kept from a run of it with --reuse and the same
--database), Fortress served by gunicorn with the production settings and a real Celery worker
(CELERY_BROKER_URL, Redis), N users for a duration, a third of each role, each going round its
journey with a think time between requests:

- investigator: the case list, a case of the agency, an indicator added through the form;
- liaison officer: the victims dashboard, a repatriation of the agency;
- supervisor: an operation page of the agency, the approvals queue.

Prints total requests, errors (none expected) and p50 / p95 per request type (target p95 under
300 ms), then checks that nothing was lost: every indicator the run saved is in the database
and was cross-referenced by the worker (the queue of indicators/queue.py drained).

Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
       CELERY_BROKER_URL=redis://127.0.0.1:6379/0 \\
       python benchmarks/load_bench.py --users 50 --seconds 300 [--reuse] [page_bench's sizes]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import secrets
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT
from page_bench import (
    ROLES,
    TIMEOUT,
    Browser,
    add_data_arguments,
    gunicorn,
    percentile,
    prepare,
    print_machine,
    server_env,
    session_cookie,
    user_of,
)

LOAD_DOMAIN = "bench-load.com"  # the run adds load-<run>-<user>-<n>.bench-load.com


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_arguments(parser, "fortress_page_bench")
    parser.add_argument("--users", type=int, default=50, help="Concurrent users.")
    parser.add_argument("--seconds", type=float, default=300.0, help="Duration of the run.")
    parser.add_argument(
        "--think", type=float, default=1.0, help="Mean think time between requests (s)."
    )
    parser.add_argument(
        "--drain", type=float, default=300.0, help="Longest wait for the worker after the run."
    )
    args = parser.parse_args()
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if not broker.startswith("redis://"):
        sys.exit("The load run needs a real broker: set CELERY_BROKER_URL=redis://...")
    prepare(args, broker=broker)
    print_machine(args)
    journeys = [journey(args, n) for n in range(args.users)]
    env = server_env(args)
    # On the data of a page run just before (--reuse), its static files too.
    with celery_worker(env), gunicorn(args, env, collect=not args.reuse):
        stats = run(args, journeys)
        report(args, stats)  # the worker still running: the queue drains


def journey(args, n: int) -> tuple[str, str, list[tuple[str, str]]]:
    """User n's role, session cookie and the pages it opens in turn ("POST" marks the form)."""
    from django.db.models import Count
    from django.urls import reverse

    from agencies.models import Agency
    from cases.models import Case, JointOperation
    from victims.models import Repatriation

    role = ROLES[n % len(ROLES)]
    agencies = list(Agency.objects.filter(code__startswith="bench-").order_by("pk"))
    agency = agencies[(n // len(ROLES)) % len(agencies)]
    user = user_of(agency, role)
    if role == "investigator":
        case = Case.objects.filter(agency=agency, reference__startswith="BENCH-").first()
        steps = [
            ("case list", reverse("cases:list")),
            ("case page", reverse("cases:detail", args=[case.pk])),
            ("add an indicator", "POST " + reverse("indicators:add", args=[case.pk])),
        ]
    elif role == "liaison":
        repatriation = Repatriation.objects.filter(victim__case__agency=agency).first()
        steps = [
            ("victims dashboard", reverse("victims:dashboard")),
            ("repatriation", reverse("victims:repatriation_detail", args=[repatriation.pk])),
        ]
    else:
        operation = (
            JointOperation.objects.filter(lead_agency=agency)
            .annotate(n=Count("cases"))
            .order_by("-n", "pk")
            .first()
        )
        if operation is None:
            sys.exit(f"{agency.code} leads no operation: give more --operations than users / 3")
        steps = [
            ("operation page", reverse("operations:detail", args=[operation.pk])),
            ("approvals", reverse("operations:approvals")),
        ]
    return role, session_cookie(user), steps


@contextlib.contextmanager
def celery_worker(env: dict):
    """A real worker on the broker, as the README runs it (prefork, its default queue)."""
    proc = subprocess.Popen(  # noqa: S603 - this interpreter, fixed arguments
        [
            *(sys.executable, "-m", "celery", "--quiet", "-A", "config", "worker"),
            "--pool=prefork",
            *("--concurrency=1", "--loglevel=WARNING", "--without-gossip", "--without-mingle"),
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def run(args, journeys) -> dict:
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    statuses: Counter[str] = Counter()  # what the failed requests got: a status, or a timeout
    saved: list[str] = []
    run_id = secrets.token_hex(3)  # values new to their case, whatever ran on the data before
    lock = threading.Lock()
    stop_at = time.perf_counter() + args.seconds

    def user(n: int, cookie: str, steps: list[tuple[str, str]]) -> None:
        browser = Browser(args.port, cookie)
        rng = random.Random(n)
        time.sleep(rng.uniform(0, args.think * 2))  # the users do not all start at once
        i = 0
        while time.perf_counter() < stop_at:
            name, target = steps[i % len(steps)]
            i += 1
            if target.startswith("POST "):
                value = f"load-{run_id}-{n}-{i}.{LOAD_DOMAIN}"
                body = f"kind=domain&value={value}&takedown_status=active".encode()
                headers = {"Content-Type": "application/x-www-form-urlencoded"}
                method, url, good = "POST", target[5:], 302  # saved: back to the case
            else:
                value, body, headers = "", None, {}
                method, url, good = "GET", target, 200
            t0 = time.perf_counter()
            try:
                status = browser.request(method, url, headers, body)
            except TimeoutError:
                status = 0
            except OSError:
                status = -1
            ms = (time.perf_counter() - t0) * 1000
            with lock:
                if status == good:
                    latencies[name].append(ms)
                    if value:
                        saved.append(value)
                else:
                    errors[name] += 1
                    statuses[{0: "timeout", -1: "connection"}.get(status, str(status))] += 1
            time.sleep(rng.uniform(0, args.think * 2))

    threads = [
        threading.Thread(target=user, args=(n, cookie, steps))
        for n, (_, cookie, steps) in enumerate(journeys)
    ]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {
        "latencies": latencies,
        "errors": errors,
        "saved": saved,
        "statuses": statuses,
        "run_id": run_id,
        "seconds": time.perf_counter() - t0,
    }


def report(args, stats: dict) -> None:
    from indicators.models import Indicator

    latencies, errors, saved = stats["latencies"], stats["errors"], stats["saved"]
    total = sum(len(v) for v in latencies.values()) + sum(errors.values())
    print(
        f"\n[load: {args.users} users ({len(ROLES)} roles), {stats['seconds']:.0f} s, think "
        f"time 0-{args.think * 2:.1f} s; target p95 < 300 ms, 0 errors]"
    )
    print(f"{'request':20} {'count':>7} {'p50 ms':>7} {'p95 ms':>7} {'errors':>6}  target")
    for name in sorted(set(latencies) | set(errors)):
        ms = latencies[name]
        p95 = percentile(ms, 0.95)
        ok = "ok" if p95 < 300 and not errors[name] else "MISSED"
        print(
            f"{name:20} {len(ms):7d} {percentile(ms, 0.5):7.1f} {p95:7.1f} {errors[name]:6d}  {ok}"
        )
    failed = sum(errors.values())
    kinds = ", ".join(f"{n} {kind}" for kind, n in stats["statuses"].most_common())
    print(
        f"total {total:,} requests ({total / stats['seconds']:.1f}/s), errors {failed}"
        + (f" ({kinds}; a timeout: no answer within {TIMEOUT} s)" if failed else "")
    )

    # Nothing lost: every indicator saved is stored and leaves the queue, cross-referenced.
    mine = Indicator.objects.filter(
        value__normalized__startswith=f"load-{stats['run_id']}-",
        value__normalized__endswith="." + LOAD_DOMAIN,
    )
    t0 = time.perf_counter()
    while mine.unprocessed().exists() and time.perf_counter() - t0 < args.drain:
        time.sleep(0.5)
    stored = set(mine.values_list("value__normalized", flat=True))
    pending = mine.unprocessed().count()
    missing = len(set(saved) - stored)
    print(
        f"[nothing lost] {len(saved):,} indicators saved by the users, {len(stored):,} stored "
        f"({missing} missing), {len(stored) - pending:,} cross-referenced, {pending} still "
        f"queued {time.perf_counter() - t0:.1f} s after the run"
    )
    if failed or missing or pending:
        raise SystemExit(
            f"the load run failed: {failed} requests failed, {missing} indicators missing, "
            f"{pending} not cross-referenced"
        )


if __name__ == "__main__":
    main()
