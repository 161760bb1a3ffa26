"""A real Celery worker on the real Redis broker, for the integration tests of every app."""

import time
from collections.abc import Callable

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connections

from config.celery import app
from tests.services import redis_url


def _close_db(**kwargs) -> None:
    connections.close_all()


@pytest.fixture
def worker(transactional_db):
    redis_url()
    assert not app.conf.task_always_eager
    # The worker thread's database connection is closed after each task, so the test
    # database can be dropped at the end.
    task_postrun.connect(_close_db, weak=False)
    app.control.purge()  # tasks left in the queue by earlier runs are not this test's
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            yield
    finally:
        task_postrun.disconnect(_close_db)


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting for the worker")
