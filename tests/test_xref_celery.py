"""Cross-referencing on Celery: a real worker on a real Redis broker processes a saved
indicator and the full rebuild; with the broker down the save still stands and the sweep
produces the hit later. The task publish and the worker are never mocked."""

import socket
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.urls import reverse

import access
from cases.services import case_create
from config.celery import app
from indicators import selectors, services, tasks
from indicators.models import Hit, Indicator
from tests.celery_worker import wait_for
from tests.services import forget_cross_references


def _reset_producers() -> None:
    """Forget the broker connections, so a changed broker URL takes effect."""
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def _broker_down() -> Iterator[None]:
    """A real broker that cannot be reached: a closed port, tasks not eager."""
    conf = app.conf
    # The write URL: a CELERY_BROKER_URL in the environment (CI's Redis) overrides
    # conf.broker_url, so setting that alone left the publish going to the real broker.
    saved = conf.get("broker_write_url"), conf.task_always_eager
    conf.broker_write_url, conf.task_always_eager = "redis://127.0.0.1:1/0", False
    _reset_producers()
    try:
        yield
    finally:
        conf.broker_write_url, conf.task_always_eager = saved
        _reset_producers()


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
    wait_for(lambda: len(_hits()) == 2)
    assert _hits() == {(ours.pk, wallet), (theirs.pk, wallet)}
    wait_for(lambda: not Indicator.objects.unprocessed().exists())
    hit = access.visible_hits(partner).get()
    assert selectors.hit_counterparts(partner, [hit])[hit.pk] == [ours.agency]

    incremental = _hits()
    forget_cross_references()
    tasks.rebuild_hits.delay()
    wait_for(lambda: len(_hits()) == 2)
    assert _hits() == incremental


def test_with_the_broker_down_the_save_stands_and_the_sweep_makes_the_hit(
    own_users, partner_users, django_capture_on_commit_callbacks
):
    alice, partner = own_users["investigator"], partner_users["investigator"]
    ours = case_create(by=alice, title="Phishing domain")
    theirs = case_create(by=partner, title="Same phishing domain")
    services.indicator_add(case=ours, by=alice, kind="domain", value="thai-post-parcel.com")
    with _broker_down(), django_capture_on_commit_callbacks(execute=True) as callbacks:
        indicator = services.indicator_add(
            case=theirs, by=partner, kind="url", value="https://thai-post-parcel.com/track"
        )
    assert len(callbacks) == 1  # the publish was attempted, and failed
    assert Indicator.objects.filter(pk=indicator.pk).exists()
    # Queued: the sighting of the domain our case held before (the URL, first sighted, was
    # cross-referenced by its save).
    assert Indicator.objects.unprocessed().count() == 1
    # The partner's sighting reads at once as held by our agency; our hit waits for the
    # cross-referencing, which the broker never got.
    assert (ours.pk, "thai-post-parcel.com") not in _hits()
    tasks.sweep_unprocessed.apply()
    assert _hits() == {(ours.pk, "thai-post-parcel.com"), (theirs.pk, "thai-post-parcel.com")}
    assert not Indicator.objects.unprocessed().exists()


def test_a_removal_while_the_broker_is_down_is_swept_and_the_other_hit_goes(
    own_users, partner_users, django_capture_on_commit_callbacks
):
    alice, partner = own_users["investigator"], partner_users["investigator"]
    ours = case_create(by=alice, title="Phishing domain")
    theirs = case_create(by=partner, title="Same phishing domain")
    mine = services.indicator_add(case=ours, by=alice, kind="domain", value="thai-post-parcel.com")
    services.indicator_add(case=theirs, by=partner, kind="domain", value="thai-post-parcel.com")
    tasks.sweep_unprocessed.apply()
    assert _hits() == {(ours.pk, "thai-post-parcel.com"), (theirs.pk, "thai-post-parcel.com")}
    with _broker_down(), django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.indicator_delete(indicator=mine, by=alice)
    assert len(callbacks) == 1  # the publish was attempted, and failed
    # The removal is in the durable queue: the partner's sighting, whose value is recomputed.
    assert Indicator.objects.unprocessed().get().case == theirs
    tasks.sweep_unprocessed.apply()
    assert _hits() == set()  # no phantom hit against a case that no longer holds the value
    assert not Indicator.objects.unprocessed().exists()


def test_removing_the_last_sighting_leaves_no_phantom_holder(own_users, partner_users):
    alice, partner = own_users["investigator"], partner_users["investigator"]
    ours = case_create(by=alice, title="IP of a phishing server")
    theirs = case_create(by=partner, title="Same server later")
    mine = services.indicator_add(case=ours, by=alice, kind="ip", value="198.51.100.23")
    tasks.sweep_unprocessed.apply()
    services.indicator_delete(indicator=mine, by=alice)  # no after-commit task runs here
    assert not Indicator.objects.unprocessed().exists()
    # The next agency to sight the value reads no hit against the agency that removed it.
    services.indicator_add(case=theirs, by=partner, kind="ip", value="198.51.100.23")
    assert _hits() == set()


def test_a_save_with_the_broker_down_tries_the_broker_once(
    own_users, monkeypatch, django_capture_on_commit_callbacks
):
    """No connection retry holds the save (kombu's default: about 6 s of back-off): one
    connection attempt, then the save answers and the sweep does the work."""
    alice = own_users["investigator"]
    case = case_create(by=alice, title="Phishing domain")
    # Held by another case before: the save queues its cross-referencing.
    held = case_create(by=alice, title="Same domain")
    services.indicator_add(case=held, by=alice, kind="domain", value="thai-post-parcel.com")
    attempts = []
    real_connect = socket.socket.connect

    def counted_connect(sock, address):
        if isinstance(address, tuple) and address[1] == 1:  # the closed port of _broker_down
            attempts.append(address)
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", counted_connect)
    with _broker_down(), django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.indicator_add(case=case, by=alice, kind="domain", value="thai-post-parcel.com")
    assert len(callbacks) == 1
    assert len(attempts) == 1
    assert app.conf.broker_transport_options["max_retries"] == 0


@pytest.mark.django_db(transaction=True)
def test_the_page_says_nothing_is_lost_when_the_broker_is_down(client, own_users):
    alice = own_users["investigator"]
    case = case_create(by=alice, title="Phishing domain")
    # Held by another case before: the saves below queue their cross-referencing.
    held = case_create(by=alice, title="Same domains")
    for value in ("thai-post-parcel.com", "other-parcel.com"):
        services.indicator_add(case=held, by=alice, kind="domain", value=value)
    client.force_login(alice)
    url = reverse("indicators:batch", args=[case.pk])
    with _broker_down():
        response = client.post(url, {"lines": "domain, thai-post-parcel.com\n"}, follow=True)
    assert Indicator.objects.filter(case=case).count() == 1
    assert "Nothing is lost" in response.content.decode()
    # With the broker taking the work, the page says nothing of the kind.
    response = client.post(url, {"lines": "domain, other-parcel.com\n"}, follow=True)
    assert Indicator.objects.filter(case=case).count() == 2
    assert "Nothing is lost" not in response.content.decode()
