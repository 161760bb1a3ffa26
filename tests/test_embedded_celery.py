"""The embedded default of `make run` (config/embedded.py): the web server with, beside it, a
real Celery worker and beat on kombu's filesystem broker — no Redis. Beat queues the overdue
check, the worker raises the alert; Ctrl-C stops every process."""

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent

_SETUP = """
import datetime
from django.utils import timezone
from agencies.models import Agency, Role, User
from cases.services import case_create
from victims.factories import make_repatriation, make_victim
from victims.models import Repatriation, Stage
agency = Agency.objects.create(code="own", name="Own", country="VN", contact_email="d@own.org")
liaison = User.objects.create_user(
    username="liaison", agency=agency, role=Role.LIAISON, email="liaison@own.org"
)
boss = User.objects.create_user(username="boss", agency=agency, role=Role.SUPERVISOR)
case = case_create(by=boss, title="Raid")
repatriation = make_repatriation(
    victim=make_victim(case=case, by=liaison), by=liaison, stage=Stage.IN_SHELTER
)
Repatriation.objects.filter(pk=repatriation.pk).update(
    due_on=timezone.localdate() - datetime.timedelta(days=1)
)
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _overdue_alerts(database: Path) -> int:
    with sqlite3.connect(database, timeout=20) as db:
        query = "SELECT count(*) FROM agencies_notification WHERE key LIKE 'overdue:%'"
        return db.execute(query).fetchone()[0]


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_make_run_raises_an_overdue_alert_without_redis(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the embedded default (SQLite) is tested in the SQLite run")
    database = tmp_path / "run.sqlite3"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    env.update(
        DEBUG="1",
        DATABASE_URL=f"sqlite:///{database}",
        FORTRESS_BROKER_DIR=str(tmp_path / "broker"),
        FORTRESS_OVERDUE_CHECK_SECONDS="1",  # beat's hourly check, every second here
    )
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([*manage, "shell", "-c", _SETUP], cwd=ROOT, env=env, check=True)
    assert _overdue_alerts(database) == 0  # set up eagerly, with no broker: nothing ran yet
    launcher = subprocess.Popen(
        [sys.executable, "-m", "config.embedded", "--port", str(_free_port())],
        cwd=ROOT,
        env=env,
        start_new_session=True,  # its own process group, as a terminal's Ctrl-C reaches it
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 90
        while _overdue_alerts(database) == 0 and time.monotonic() < deadline:
            assert launcher.poll() is None, "make run stopped by itself"
            time.sleep(0.5)
        assert _overdue_alerts(database) == 1
    finally:
        os.killpg(launcher.pid, signal.SIGINT)  # Ctrl-C
        launcher.wait(timeout=60)
    deadline = time.monotonic() + 30
    while _group_alive(launcher.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _group_alive(launcher.pid), "Ctrl-C left a process of make run running"


def test_without_a_broker_tasks_run_eagerly():
    # Tests and management commands (no CELERY_BROKER_URL): no worker needed.
    if not os.environ.get("CELERY_BROKER_URL"):
        assert settings.CELERY_TASK_ALWAYS_EAGER
    assert settings.CELERY_BEAT_SCHEDULE["victims-flag-overdue-repatriations"]["schedule"] == 3600
