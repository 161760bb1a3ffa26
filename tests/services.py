"""Real services for the tests that need them: PostgreSQL, Redis, Chromium.

Without the service a test skips with the reason; with FORTRESS_REQUIRE_SERVICES=1 (set by
.ci/run) the same test fails instead, so CI can never pass by skipping them. A comma-separated
list (`chromium,redis`) requires only those: the SQLite run of CI requires all but PostgreSQL.
"""

import os
import shutil
import socket
import threading
from collections.abc import Callable
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.db import connection

_REQUIRED = {s.strip() for s in os.environ.get("FORTRESS_REQUIRE_SERVICES", "").lower().split(",")}
SERVICES = {"postgres", "redis", "chromium"}
if _REQUIRED & {"1", "true", "yes"}:
    _REQUIRED = set(SERVICES)
_REQUIRED.discard("")
assert _REQUIRED <= SERVICES, f"FORTRESS_REQUIRE_SERVICES: unknown {_REQUIRED - SERVICES}"


def missing(reason: str, service: str) -> None:
    if service in _REQUIRED:
        pytest.fail(f"{reason} (FORTRESS_REQUIRE_SERVICES is set, so this is a failure)")
    pytest.skip(reason)


def require_postgres() -> None:
    if connection.vendor != "postgresql":
        missing("needs PostgreSQL: set DATABASE_URL=postgres://... to run it", "postgres")


def redis_url() -> str:
    url = os.environ.get("CELERY_BROKER_URL", "")
    if not url.startswith("redis://"):
        missing("needs Redis: set CELERY_BROKER_URL=redis://... to run it", "redis")
    parsed = urlparse(url)
    try:
        socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), 2).close()
    except OSError as exc:
        missing(f"needs Redis at {url}: {exc}", "redis")
    assert not settings.CELERY_TASK_ALWAYS_EAGER
    return url


def chromium_path() -> str:
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if candidate and shutil.which(candidate):
            return candidate
    missing("needs Chromium: install Debian's chromium package (or set CHROMIUM=/path)", "chromium")
    raise AssertionError("unreachable")


def forget_cross_references() -> None:
    """Lose what the cross-referencing keeps on the values (so every hit with it), as if no
    indicator had ever been processed: the sightings stay."""
    from indicators.models import IndicatorValue

    IndicatorValue.objects.update(
        case_count=0, is_common=False, agency_count=0, sole_agency=None, hit_at=None
    )


def sessions_waiting_for_a_lock(*, until: Callable[[], bool] = lambda: False) -> int:
    """How many sessions of the test database wait for a lock, polled from this thread's
    connection (outside any transaction, so each poll sees the current activity) until one does,
    `until()` is true, or 5 s have passed."""
    waiting = 0
    for _ in range(100):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            (waiting,) = cursor.fetchone()
        if waiting or until():
            break
        threading.Event().wait(0.05)
    return waiting


def assert_kept_equals_view() -> dict[int, dict[str, int]]:
    """The hit tally of every agency (indicators.hitcount) equals the count of its hits in the
    view, by status; returns the count."""
    from indicators import hitcount

    counted = hitcount.counted()
    assert hitcount.kept() == {
        agency: counts for agency, counts in counted.items() if any(counts.values())
    }
    return counted
