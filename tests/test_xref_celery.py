"""Cross-referencing on Celery: a real worker on a real Redis broker processes a saved
indicator and the full rebuild; with the broker down the save still stands and the sweep
produces the hit later. The task publish and the worker are never mocked."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connections

from agencies import access
from cases.services import case_create
from config.celery import app
from indicators import services, tasks
from indicators.models import Hit, Indicator
from tests.services import redis_url


def _reset_producers() -> None:
    """Forget the broker connections, so a changed broker URL takes effect."""
    app._pool = None
    app.amqp._producer_pool = None


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


def _wait_for(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting for the worker")


def _hits() -> set[tuple[int, str]]:
    return set(Hit.objects.values_list("case_id", "value__normalized"))


def test_a_real_worker_produces_the_hit_and_the_rebuild_gives_the_same(
    worker, own_users, partner_users
):
    alice, partner = own_users["investigator"], partner_users["investigator"]
    ours = case_create(by=alice, title="Tron wallet in a pig-butchering case")
    theirs = case_create(by=partner, title="Same wallet, Thai victims")
    wallet = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
    services.indicator_add(case=ours, by=alice, kind="crypto_wallet", chain="tron", value=wallet)
    services.indicator_add(
        case=theirs, by=partner, kind="crypto_wallet", chain="tron", value=f" {wallet} "
    )
    _wait_for(lambda: len(_hits()) == 2)
    assert _hits() == {(ours.pk, wallet), (theirs.pk, wallet)}
    _wait_for(lambda: not Indicator.objects.unprocessed().exists())
    hit = access.visible_hits(partner).get()
    assert access.hit_counterparts(partner, [hit])[hit.pk] == [ours.agency]

    incremental = _hits()
    Hit.objects.all().delete()
    tasks.rebuild_hits.delay()
    _wait_for(lambda: len(_hits()) == 2)
    assert _hits() == incremental


def test_with_the_broker_down_the_save_stands_and_the_sweep_makes_the_hit(
    own_users, partner_users, django_capture_on_commit_callbacks
):
    alice, partner = own_users["investigator"], partner_users["investigator"]
    ours = case_create(by=alice, title="Phishing domain")
    theirs = case_create(by=partner, title="Same phishing domain")
    services.indicator_add(case=ours, by=alice, kind="domain", value="thai-post-parcel.com")
    conf = app.conf
    saved = conf.broker_url, conf.task_always_eager
    conf.broker_url, conf.task_always_eager = "redis://127.0.0.1:1/0", False
    _reset_producers()
    try:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            indicator = services.indicator_add(
                case=theirs, by=partner, kind="url", value="https://thai-post-parcel.com/track"
            )
        assert len(callbacks) == 1  # the publish was attempted, and failed
    finally:
        conf.broker_url, conf.task_always_eager = saved
        _reset_producers()
    assert Indicator.objects.filter(pk=indicator.pk).exists()
    assert Indicator.objects.unprocessed().count() == 3
    assert _hits() == set()
    tasks.sweep_unprocessed.apply()
    assert _hits() == {(ours.pk, "thai-post-parcel.com"), (theirs.pk, "thai-post-parcel.com")}
    assert not Indicator.objects.unprocessed().exists()
