"""The first pages of hits read from two indexed walks (`HitQuerySet.newest_first`) equal the
view's order sorted in full, on SQLite and PostgreSQL: with ties of both times, values that got
a new holder after the sighting and before it, a value with no time of a new holder, reviews
(the status filter), the kind filter, a silent own case, and slices across and beyond the
depth the walks read."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import access
from cases.services import case_update
from indicators import services, xref
from indicators.models import NEWEST_FIRST_DEPTH, Hit, HitStatus, Indicator, IndicatorValue
from tests import test_xref

cases = test_xref.cases


def phones(first: int, n: int) -> list[dict]:
    return [{"kind": "phone", "value": f"+84 912 {i:06d}"} for i in range(first, first + n)]


def emails(first: int, n: int) -> list[dict]:
    return [{"kind": "email", "value": f"u{i}@example.com"} for i in range(first, first + n)]


@pytest.fixture
def hits(cases, alice, partner_users, outsider_users):
    """About 90 hits of the own agency, with times that tie and cross."""
    partner, outsider = partner_users["investigator"], outsider_users["investigator"]
    services.indicators_add_batch(case=cases["own"], by=alice, rows=phones(0, 40) + emails(0, 20))
    services.indicators_add_batch(case=cases["own2"], by=alice, rows=phones(20, 40))
    services.indicators_add_batch(case=cases["partner"], by=partner, rows=phones(0, 50))
    services.indicators_add_batch(
        case=cases["outsider"], by=outsider, rows=phones(30, 30) + emails(0, 20)
    )
    xref.sweep()
    # The own second case silent: its values the other agencies hold are still its hits.
    own2 = cases["own2"]
    case_update(case=own2, by=alice, expected_version=own2.version, silent=True)
    xref.sweep()
    t0 = timezone.now().replace(microsecond=0)
    for sighting in Indicator.objects.all():
        Indicator.objects.filter(pk=sighting.pk).update(
            created_at=t0 + timedelta(minutes=sighting.pk % 4)
        )
    for value in IndicatorValue.objects.all():
        step = value.pk % 9
        hit_at = None if step == 8 else t0 + timedelta(minutes=step - 3)
        IndicatorValue.objects.filter(pk=value.pk).update(hit_at=hit_at)
    hits = list(access.visible_hits(alice).order_by("id"))
    for hit in hits[::5]:
        services.hit_review(hit=hit, by=alice, status=HitStatus.REVIEWED)
    for hit in hits[2::7]:
        services.hit_review(hit=hit, by=alice, status=HitStatus.DISMISSED)
    assert len(hits) > 80
    return hits


def in_full(hits) -> list[int]:
    """The view's order, sorted in full (an explicit order turns the walks off)."""
    return list(hits.order_by("-created_at", "-id").values_list("pk", flat=True))


def walked(hits, start: int, stop: int) -> list[int]:
    with CaptureQueriesContext(connection) as queries:
        page = [h.pk for h in hits[start:stop]]
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert '"sighted_at" DESC' in sql and '"hit_at" IS NOT NULL' in sql, "read from the walks"
    return page


def test_the_walks_give_the_views_order_exactly(hits, alice):
    base = access.visible_hits(alice)
    times = list(base.values_list("created_at", "sighted_at", "value__hit_at"))
    assert len({t[0] for t in times}) < len(times), "ties of the hit's time"
    assert any(h and h > s for _, s, h in times), "a new holder after the sighting"
    assert any(h and h < s for _, s, h in times), "a new holder before the sighting"
    assert any(h is None for _, _, h in times)
    filtered = {
        "all": base,
        "new": base.filter(status=HitStatus.NEW),
        "reviewed": base.filter(status=HitStatus.REVIEWED),
        "dismissed": base.filter(status=HitStatus.DISMISSED),
        "email": base.filter(value__kind="email"),
        "phone, new": base.filter(value__kind="phone", status=HitStatus.NEW),
        "counted": access.visible_hits_counted(alice, HitStatus.NEW),
    }
    for name, hits_of in filtered.items():
        expected = in_full(hits_of)
        assert expected, name
        for start, stop in [(0, 1), (0, 5), (0, 25), (3, 10), (25, 50), (60, 85), (0, 200)]:
            assert walked(hits_of, start, stop) == expected[start:stop], (name, start, stop)


def test_pages_beyond_the_depth_and_other_orders_sort_them_all(hits, alice):
    base = access.visible_hits(alice)
    with CaptureQueriesContext(connection) as queries:
        deep = [h.pk for h in base[NEWEST_FIRST_DEPTH - 10 : NEWEST_FIRST_DEPTH + 10]]
    assert len(queries) == 1 and deep == in_full(base)[NEWEST_FIRST_DEPTH - 10 :][:20]
    oldest = list(base.order_by("created_at", "id").values_list("pk", flat=True)[:10])
    assert oldest == in_full(base)[::-1][:10]
    assert base.first().pk == in_full(base)[0]


def test_the_pages_read_the_walks_through_the_access_policy(hits, alice, client):
    expected = in_full(access.visible_hits(alice))
    client.force_login(alice)
    page = client.get(reverse("indicators:hits")).context["page"]
    assert [h.pk for h in page] == expected[:25]
    page = client.get(reverse("indicators:hits"), {"page": 3}).context["page"]
    assert [h.pk for h in page] == expected[50:75]
    new = in_full(access.visible_hits(alice).filter(status=HitStatus.NEW))
    page = client.get(reverse("indicators:hits"), {"status": "new"}).context["page"]
    assert [h.pk for h in page] == new[:25]
    response = client.get("/api/v1/hits/", {"status": "new"})
    assert [h["id"] for h in response.json()["results"]] == new[: len(response.json()["results"])]
    assert Hit.objects.filter(case__agency_id=alice.agency_id).count() == len(expected)
