"""The overdue job on a real Redis broker and a real worker, as beat would queue it."""

import datetime
import time

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.conf import settings
from django.core import mail
from django.db import connections
from django.utils import timezone

from agencies.models import Notification
from config.celery import app
from tests.services import redis_url
from victims import tasks
from victims.factories import make_repatriation, make_victim
from victims.models import Repatriation, Stage


def _close_db(**kwargs) -> None:
    connections.close_all()


@pytest.fixture
def worker(transactional_db):
    redis_url()
    assert not app.conf.task_always_eager
    task_postrun.connect(_close_db, weak=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            yield
    finally:
        task_postrun.disconnect(_close_db)


def _wait_for(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting for the worker")


def test_the_beat_entry_names_the_task():
    entry = settings.CELERY_BEAT_SCHEDULE["victims-flag-overdue-repatriations"]
    assert entry["task"] == tasks.flag_overdue_repatriations.name


def test_a_real_worker_flags_overdue_once(worker, own_users, make_case):
    liaison = own_users["liaison"]
    liaison.email = "liaison@own.example.org"
    liaison.save()
    repatriation = make_repatriation(
        victim=make_victim(case=make_case(), by=liaison), by=liaison, stage=Stage.IN_SHELTER
    )
    Repatriation.objects.filter(pk=repatriation.pk).update(
        due_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    notes = Notification.objects.filter(user=liaison, key__startswith="overdue:")
    finished: list[str] = []

    def done(task_id=None, **kwargs) -> None:
        finished.append(task_id)

    task_postrun.connect(done, weak=False)
    try:
        first = tasks.flag_overdue_repatriations.delay()
        _wait_for(lambda: first.id in finished)
        assert notes.count() == 1
        assert len(mail.outbox) == 1
        # Beat fires again an hour later: nothing new.
        second = tasks.flag_overdue_repatriations.delay()
        _wait_for(lambda: second.id in finished)
    finally:
        task_postrun.disconnect(done)
    assert notes.count() == 1
    assert len(mail.outbox) == 1
