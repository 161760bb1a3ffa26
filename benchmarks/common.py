"""What the benchmarks share: their own PostgreSQL database, Django set up on it."""

from __future__ import annotations

import os
import resource
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def database_url(database: str) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("The benchmark runs on PostgreSQL: set DATABASE_URL=postgres://...")
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


def _admin(url: str, *statements: str) -> None:
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres", scheme="postgresql"))
    with psycopg.connect(admin, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def recreate_database(url: str, database: str) -> None:
    _admin(
        url, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)', f'CREATE DATABASE "{database}"'
    )


def drop_database(url: str, database: str) -> None:
    _admin(url, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def memory_mb() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def rss_mb() -> float:
    """The current resident set (not the peak): what a flat-memory claim is about."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mb() -> float:
    """The peak resident set of the process so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def setup_django(database: str, *, broker: str = "memory://", recreate: bool = True) -> None:
    """Recreate `database`, point Django at it and migrate. Published tasks go to `broker`:
    by default an in-memory one nobody consumes (the benchmarks run the engines themselves,
    so the worker time is measured alone); the import benchmark gives a real one.
    `recreate=False` keeps the database (and its data) as it is, migrated."""
    url = database_url(database)
    if recreate:
        recreate_database(url, database)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DEBUG", "1")
    os.environ["CELERY_BROKER_URL"] = broker
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def bench_agencies(
    count: int, role: str = "investigator", prefix: str = "bench"
) -> tuple[list, list]:
    """`count` agencies `prefix`-0... and one user of `role` in each."""
    from agencies.models import Agency, User

    countries = ["VN", "TH", "KH", "NG", "FR", "PH", "MY", "ID", "LA", "MM"]
    agencies = Agency.objects.bulk_create(
        Agency(
            code=f"{prefix}-{i}",
            name=f"Bench agency {i}",
            country=countries[i % 10],
            contact_email=f"desk@{prefix}-{i}.example.org",
        )
        for i in range(count)
    )
    users = User.objects.bulk_create(
        User(username=f"{prefix}-{a.code}", agency=a, role=role) for a in agencies
    )
    return agencies, users


def bench_cases(agencies: list, count: int, prefix: str) -> int:
    """`count` cases `prefix`-0000000... spread over `agencies`; the first one's id (the ids
    of one bulk insert follow each other)."""
    from cases.models import Case

    cases = Case.objects.bulk_create(
        (
            Case(
                reference=f"{prefix}-{i:07d}",
                title=f"Bench case {i}",
                agency=agencies[i % len(agencies)],
            )
            for i in range(count)
        ),
        batch_size=5000,
    )
    return min(c.pk for c in cases)
