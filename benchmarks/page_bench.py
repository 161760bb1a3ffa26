"""The page benchmark (run by hand: `make bench`; small in CI: `make bench-small`).

On a PostgreSQL database of its own (created, migrated and filled by this script with the
generators of xref_bench.py and persons_bench.py, plus victims, repatriations, operations and
registry entries) it serves Fortress with gunicorn and the production settings (DEBUG off, a
SECRET_KEY, ALLOWED_HOSTS=127.0.0.1, whitenoise's manifest of static files), and from a
load generator on loopback (threads, one keep-alive connection each, signed in with the
session cookie of a user of the role) measures at C concurrent users, page by page: p50, p95,
requests a second, the ratio to a trivial Django view served by the same gunicorn
(benchmarks/bench_urls.py), and the queries the page makes (counted in process through the
test client on the same database).

Targets: p95 under 100 ms, at least 50 % of the trivial view's throughput.

Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
       python benchmarks/page_bench.py --indicators 1000000 --persons 1000000 --victims 100000 \\
       [--database fortress_page_bench] [--reuse]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import platform
import secrets
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, bench_agencies, database_url, memory_mb, setup_django

# One key for the benchmark's processes: the sessions made in process are valid in gunicorn.
SECRET_KEY = "page-benchmark-only-" + "k3y-n0t-a-s3cret-0123456789abcdefghijklmnop"
ROLES = ("investigator", "liaison", "supervisor")
TRIVIAL = "trivial (same gunicorn)"
BIG_CASE = "BIG-CASE"
BIG_OPERATION = "bench-op-00"
TIMEOUT = 60  # seconds a request may take before it counts as failed


def add_data_arguments(parser: argparse.ArgumentParser, database: str) -> None:
    parser.add_argument("--indicators", type=int, default=1_000_000)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--victims", type=int, default=100_000)
    parser.add_argument("--operations", type=int, default=50)
    parser.add_argument("--registry", type=int, default=100_000, help="Registry entries.")
    parser.add_argument("--agencies", type=int, default=20)
    parser.add_argument("--database", default=database)
    parser.add_argument(
        "--reuse", action="store_true", help="Keep the data a previous run built; only migrate."
    )
    parser.add_argument("--port", type=int, default=8151)
    parser.add_argument(
        "--workers", type=int, default=2 * (os.cpu_count() or 1), help="gunicorn processes."
    )
    parser.add_argument("--threads", type=int, default=2, help="Threads per gunicorn process.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_arguments(parser, "fortress_page_bench")
    parser.add_argument("--users", type=int, default=10, help="Concurrent users.")
    parser.add_argument("--seconds", type=float, default=10.0, help="Time per page.")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="TEXT",
        help="Only the pages whose name holds TEXT (repeatable; the trivial view always runs).",
    )
    args = parser.parse_args()
    prepare(args)
    pages = [
        p
        for p in pages_of(args)
        if p.name == TRIVIAL or not args.only or any(t in p.name for t in args.only)
    ]
    print_machine(args)
    queries = {p.name: count_queries(p) for p in pages}
    with gunicorn(args) as server:
        warm(args, pages)
        results = [
            hammer(args, p, users=args.users, seconds=args.seconds, server=server.pid)
            for p in pages
        ]
    report(results, queries, users=args.users)


# --- data -----------------------------------------------------------------------------------


def prepare(args, broker: str = "memory://") -> None:
    os.environ["SECRET_KEY"] = SECRET_KEY
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench_settings"  # the trivial view in process too
    t0 = time.perf_counter()
    setup_django(args.database, broker=broker, recreate=not args.reuse)
    if not args.reuse:
        build(args)
        print(f"data built in {time.perf_counter() - t0:.0f} s")


def build(args) -> None:
    """The data set: indicators (cross-referenced), suspects (indexed and matched), victims
    with repatriations, operations, registry entries; users of each role in every agency, and
    the big case and operation the pages open."""
    from django.db import connection, transaction
    from persons_bench import _index_by_copy, generate_suspects
    from registry_bench import fill
    from xref_bench import generate_indicators

    from agencies.models import User
    from cases.models import Case
    from cases.services import case_create, suspect_create
    from indicators import services, xref
    from operations.services import operation_create, operation_link_case
    from persons import rebuild

    agencies, _ = bench_agencies(args.agencies)
    for role in ROLES[1:]:
        User.objects.bulk_create(
            User(username=f"{a.code}.{role}", agency=a, role=role) for a in agencies
        )
    t0 = time.perf_counter()
    generate_indicators(agencies, indicators=args.indicators, per_case=100, shared=0.2)
    xref.rebuild()
    print(f"  {args.indicators:,} indicators, cross-referenced: {time.perf_counter() - t0:.0f} s")
    t0 = time.perf_counter()
    generate_suspects(agencies, persons=args.persons, per_case=10)
    _index_by_copy()
    rebuild.match_all()
    print(f"  {args.persons:,} suspects, indexed and matched: {time.perf_counter() - t0:.0f} s")
    t0 = time.perf_counter()
    _victims(agencies, args.victims)
    print(f"  {args.victims:,} victims: {time.perf_counter() - t0:.0f} s")
    t0 = time.perf_counter()
    fill(argparse.Namespace(entries=args.registry, agencies=5))
    print(f"  {args.registry:,} registry entries: {time.perf_counter() - t0:.0f} s")

    t0 = time.perf_counter()
    investigator = user_of(agencies[0], "investigator")
    supervisor = user_of(agencies[0], "supervisor")
    existing = [f"v{g}.bench.com" for g in range(1, 101)]  # held by other cases: hits
    with transaction.atomic():
        big = case_create(by=investigator, title="The big case")
        Case.objects.filter(pk=big.pk).update(reference=BIG_CASE)
        rows = [{"kind": "domain", "value": v} for v in existing]
        rows += [{"kind": "domain", "value": f"big-{i}.bench-new.com"} for i in range(100)]
        services.indicators_add_batch(case=big, by=investigator, rows=rows)
        for i in range(20):
            suspect_create(case=big, by=investigator, full_name=f"Nguyen Van Big {i}")
    xref.sweep(max_batches=10_000)
    own = list(Case.objects.filter(agency=agencies[0]).exclude(pk=big.pk).order_by("pk"))
    for n in range(args.operations):
        lead = user_of(agencies[n % len(agencies)], "supervisor")
        with transaction.atomic():
            op = operation_create(by=lead, name=f"Operation {n}", code=f"bench-op-{n:02d}")
        if n == 0:
            for case in own[:50]:
                operation_link_case(operation=op, case=case, by=supervisor)
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    print(f"  big case, operations, vacuum: {time.perf_counter() - t0:.0f} s")


def _victims(agencies: list, count: int) -> None:
    """`count` victims in the suspects' cases, every seventh with a repatriation under way
    (seventh: a stride prime to the agencies' count, so every agency has some)."""
    from cases.models import Case
    from victims.models import Repatriation, Victim

    if not count:
        return
    cases = list(Case.objects.filter(reference__startswith="PB-").values_list("pk", "agency_id"))
    recorder = {a.pk: user_of(a, "liaison") for a in agencies}
    nationalities = ["VN", "TH", "KH", "PH", "ID", "MM", "LA", "NG"]
    for start in range(0, count, 5000):
        batch = []
        for g in range(start, min(count, start + 5000)):
            case_id, agency_id = cases[g % len(cases)]
            victim = Victim(
                case_id=case_id,
                kind="trafficked",
                full_name=f"Tran Thi Victim {g}",
                nationality=nationalities[g % len(nationalities)],
                current_country="TH",
                current_facility=f"Shelter {g % 40}",
                recorded_by=recorder[agency_id],
            )
            victim.refresh_search_name()
            batch.append(victim)
        Victim.objects.bulk_create(batch)
        Repatriation.objects.bulk_create(
            Repatriation(
                victim=v,
                destination_country=v.nationality,
                liaison_officer=recorder[v.recorded_by.agency_id],
            )
            for v in batch[::7]
        )


def user_of(agency, role: str):
    from agencies.models import User

    if role == "investigator":
        return User.objects.get(username=f"bench-{agency.code}")
    return User.objects.get(username=f"{agency.code}.{role}")


# --- pages ----------------------------------------------------------------------------------


@dataclass
class Page:
    name: str
    user: object
    url: str
    headers: dict = field(default_factory=dict)


def pages_of(args) -> list[Page]:
    from django.urls import reverse

    from agencies.models import Agency
    from cases.models import Case, JointOperation
    from interchange.taxii import REGISTRY_COLLECTION_ID

    agency = Agency.objects.get(code="bench-0")
    inv, liaison, sup = (user_of(agency, r) for r in ROLES)
    big = Case.objects.get(reference=BIG_CASE)
    operation = JointOperation.objects.get(code=BIG_OPERATION)
    taxii = {"Accept": "application/taxii+json;version=2.1"}
    return [
        Page(TRIVIAL, inv, "/bench-trivial/"),
        Page("home, investigator", inv, reverse("home")),
        Page("home, liaison officer", liaison, reverse("home")),
        Page("home, supervisor", sup, reverse("home")),
        Page("case list, first page", inv, reverse("cases:list")),
        Page("case list, search", inv, reverse("cases:list") + "?q=Bench+case+123"),
        Page("case, 200 indicators, 20 suspects", inv, reverse("cases:detail", args=[big.pk])),
        Page("hits", inv, reverse("indicators:hits")),
        Page("person-match queue", inv, reverse("persons:matches")),
        Page("victims dashboard", liaison, reverse("victims:dashboard")),
        Page("operation, 50 cases", sup, reverse("operations:detail", args=[operation.pk])),
        Page("registry lookup", inv, reverse("registry:search") + "?q=fraud-1234.bench-shop.com"),
        Page(
            "TAXII objects",
            inv,
            f"/taxii2/api/collections/{REGISTRY_COLLECTION_ID}/objects/?limit=100",
            taxii,
        ),
    ]


def session_cookie(user) -> str:
    """A signed-in session of `user` (as the login makes it), as a Cookie header."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def count_queries(page: Page) -> tuple[int, float, str]:
    """The queries one request of the page makes once warm (counted in process through the
    test client), the slowest one's time and its start."""
    from django.test import Client

    client = Client()
    client.force_login(page.user)
    return profile_queries(client, page.url, page.headers)


def queries_of(client, url: str, headers: dict | None = None) -> int:
    """The queries of a GET of `url` by the test `client`, after one untimed GET (one-off work
    is not counted); a page that does not answer 200 stops the benchmark."""
    return profile_queries(client, url, headers)[0]


def profile_queries(client, url: str, headers: dict | None = None) -> tuple[int, float, str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url, headers=headers or {})
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, headers=headers or {})
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code} in process")
    timed = [(float(q["time"]) * 1000, q["sql"]) for q in ctx.captured_queries]
    slowest_ms, sql = max(timed, default=(0.0, ""))
    return len(timed), slowest_ms, " ".join(sql.split())[:90]


# --- gunicorn and the load generator --------------------------------------------------------


def server_env(args) -> dict:
    """Production settings: DEBUG off, a real key, the loopback host; plain http on loopback
    (no TLS redirect, cookies not restricted to https), no second factor required of the
    benchmark's users (they have none)."""
    env = dict(os.environ)
    env.update(
        DEBUG="0",
        SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        FORTRESS_REQUIRE_MFA="0",
        DATABASE_URL=database_url(args.database),
        DJANGO_SETTINGS_MODULE="bench_settings",
        PYTHONPATH=os.pathsep.join([str(ROOT / "benchmarks"), str(ROOT)]),
        LOG_LEVEL="WARNING",
    )
    return env


@contextlib.contextmanager
def gunicorn(args, env: dict | None = None, *, collect: bool = True):
    """gunicorn serving Fortress, after `collectstatic` (whitenoise's manifest) unless
    `collect` is off and a manifest is there."""
    env = env or server_env(args)
    python = sys.executable
    if collect or not (ROOT / "staticfiles" / "staticfiles.json").exists():
        subprocess.run(  # noqa: S603 (this interpreter, fixed arguments)
            [python, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
    proc = subprocess.Popen(  # noqa: S603 (this interpreter, fixed arguments)
        [
            *(python, "-m", "gunicorn", "config.wsgi:application"),
            *("--bind", f"127.0.0.1:{args.port}", "--workers", str(args.workers)),
            *("--worker-class", "gthread", "--threads", str(args.threads)),
            *("--log-level", "warning", "--keep-alive", "5"),
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _ = get(args.port, "/bench-trivial/", {})
                if status == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("gunicorn did not start")
            time.sleep(0.3)
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def get(port: int, url: str, headers: dict) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", url, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


class Browser:
    """One user's keep-alive connection to gunicorn, its session cookie and CSRF token."""

    def __init__(self, port: int, cookie: str) -> None:
        self.port = port
        self.csrf = secrets.token_hex(16)  # a 32-character secret: cookie and header agree
        self.cookie = f"{cookie}; csrftoken={self.csrf}"
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, url: str, headers: dict, body: bytes | None = None) -> int:
        headers = {"Cookie": self.cookie, **headers}
        if method != "GET":
            headers["X-CSRFToken"] = self.csrf
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
            try:
                self.conn.request(method, url, body=body, headers=headers)
                response = self.conn.getresponse()
                response.read()
            except (http.client.HTTPException, ConnectionError):
                # The server closed the kept-alive connection: once more on a new one.
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
                continue
            if response.will_close:
                self.conn.close()
                self.conn = None
            return response.status
        raise AssertionError("unreachable")


@dataclass
class Result:
    name: str
    latencies_ms: list[float]
    errors: int
    seconds: float
    app_cpu_s: float = 0.0  # CPU time of gunicorn's processes over the run
    db_cpu_s: float = 0.0  # CPU time of the PostgreSQL backends serving them

    def cpu_ms(self, seconds: float) -> float:
        """CPU milliseconds a request."""
        return seconds * 1000 / max(1, len(self.latencies_ms))

    @property
    def rps(self) -> float:
        return len(self.latencies_ms) / self.seconds

    def pct(self, q: float) -> float:
        return percentile(self.latencies_ms, q)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def warm(args, pages: list[Page]) -> None:
    """Every page a few times per gunicorn process, concurrently (a process's first request
    of a page imports and compiles)."""

    def visit(page: Page, cookie: str) -> None:
        b = Browser(args.port, cookie)
        for _ in range(2):
            b.request("GET", page.url, page.headers)

    for page in pages:
        cookie = session_cookie(page.user)
        threads = [threading.Thread(target=visit, args=(page, cookie)) for _ in range(args.workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()


def process_tree(pid: int) -> list[int]:
    """`pid` and its children (gunicorn's master and its workers)."""
    with contextlib.suppress(OSError):
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return [pid, *(int(c) for c in children)]
    return [pid]


def database_backends() -> list[int]:
    """The PostgreSQL backends of the benchmark's database but this process's."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid()"
        )
        return [pid for (pid,) in cur.fetchall()]


def cpu_ticks(pids: list[int]) -> dict[int, int]:
    """User + system CPU ticks of each process still running (on this machine)."""
    ticks = {}
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks[pid] = int(fields[11]) + int(fields[12])  # utime, stime
    return ticks


def cpu_spent(before: dict[int, int], after: dict[int, int]) -> float:
    """CPU seconds spent between two readings by the processes alive at both (a backend
    started or ended in between, such as a parallel query's worker, is not counted)."""
    ticks = sum(after[pid] - before[pid] for pid in before.keys() & after.keys())
    return ticks / os.sysconf("SC_CLK_TCK")


def hammer(args, page: Page, *, users: int, seconds: float, server: int = 0) -> Result:
    """`users` threads requesting the page back to back for `seconds`; with `server`
    (gunicorn's pid), the CPU time its processes and their database backends spent."""
    cookies = [session_cookie(page.user) for _ in range(users)]
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    start = threading.Barrier(users + 1)
    stop_at = [0.0]

    def user(cookie: str) -> None:
        browser = Browser(args.port, cookie)
        mine, bad = [], 0
        start.wait()
        while time.perf_counter() < stop_at[0]:
            t0 = time.perf_counter()
            try:
                status = browser.request("GET", page.url, page.headers)
            except OSError:
                status = 0
            if status == 200:
                mine.append((time.perf_counter() - t0) * 1000)
            else:
                bad += 1
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=user, args=(c,)) for c in cookies]
    for t in threads:
        t.start()
    app = process_tree(server) if server else []
    backends = database_backends() if server else []
    app_cpu, db_cpu = cpu_ticks(app), cpu_ticks(backends)
    stop_at[0] = time.perf_counter() + seconds
    t0 = time.perf_counter()
    start.wait()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    return Result(
        page.name,
        latencies,
        errors[0],
        elapsed,
        app_cpu_s=cpu_spent(app_cpu, cpu_ticks(app)),
        db_cpu_s=cpu_spent(db_cpu, cpu_ticks(backends)),
    )


# --- report ---------------------------------------------------------------------------------


def print_machine(args) -> None:
    from django.db import connection

    load = os.getloadavg()
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, {memory_mb()} memory, "
        f"PostgreSQL {connection.cursor().connection.info.server_version}, Python "
        f"{platform.python_version()}; load average {load[0]:.1f} / {load[1]:.1f} at start"
    )
    print(
        f"gunicorn: {args.workers} processes x {args.threads} threads (gthread), DEBUG off; "
        f"the load generator (threads) on the same machine"
    )
    data = [f"{getattr(args, k):,} {k}" for k in ("indicators", "persons", "victims")]
    print(f"data: {', '.join(data)}, {args.operations} operations, {args.registry:,} registry")


def report(results: list[Result], queries: dict[str, tuple], *, users: int) -> None:
    trivial = next(r for r in results if r.name == TRIVIAL)
    print(f"\n[pages at {users} concurrent users; targets: p95 < 100 ms, >= 50 % of trivial]")
    print(
        f"{'page':36} {'p50 ms':>7} {'p95 ms':>7} {'req/s':>7} {'trivial':>8} {'queries':>7}"
        f" {'errors':>6} {'app CPU':>8} {'db CPU':>7}  targets"
    )
    for r in results:
        ratio = r.rps / trivial.rps
        ok = "ok" if r.pct(0.95) < 100 and ratio >= 0.5 else "MISSED"
        print(
            f"{r.name:36} {r.pct(0.5):7.1f} {r.pct(0.95):7.1f} {r.rps:7.1f} {ratio:8.0%} "
            f"{queries[r.name][0]:7d} {r.errors:6d} {r.cpu_ms(r.app_cpu_s):8.1f} "
            f"{r.cpu_ms(r.db_cpu_s):7.1f}  {ok}"
        )
    print(
        "(app CPU, db CPU: milliseconds of CPU a request in gunicorn's processes and in the "
        "PostgreSQL backends serving them, parallel query workers not counted)"
    )
    print("\n[the slowest query of each page, one warm request in process]")
    for r in results:
        _, slowest_ms, sql = queries[r.name]
        print(f"{r.name:36} {slowest_ms:7.1f} ms  {sql}")
    failed = sum(r.errors for r in results)
    median = statistics.median(r.pct(0.95) for r in results)
    print(f"[summary] median p95 {median:.1f} ms; errors {failed}")
    if failed:
        raise SystemExit(f"{failed} requests failed")


if __name__ == "__main__":
    main()
