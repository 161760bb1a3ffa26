"""Migrations indicators/0007-0011 (hits read from the sightings, the queue knows the value):
nothing users said of their hits is lost, an access request keeps its hit, and the hits read
after the migration are the hits stored before it."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from cases.services import case_create

BEFORE = [("indicators", "0006_value_fillfactor")]
AFTER = [("indicators", "0011_queue_value_required")]


@pytest.fixture
def old_schema(transactional_db):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    executor.loader.build_graph()
    yield executor.loader.project_state(BEFORE).apps
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_reviews_access_requests_and_hits_survive_the_migration(
    old_schema, own_users, partner_users
):
    alice, partner = own_users["investigator"], partner_users["investigator"]
    ours = case_create(by=alice, title="Ours")
    theirs = case_create(by=partner, title="Theirs")
    Value = old_schema.get_model("indicators", "IndicatorValue")
    Indicator = old_schema.get_model("indicators", "Indicator")
    OldHit = old_schema.get_model("indicators", "Hit")
    Pending = old_schema.get_model("indicators", "PendingIndicator")
    OldRequest = old_schema.get_model("indicators", "AccessRequest")
    shared = Value.objects.create(kind="ip", normalized="192.0.2.1", case_count=2)
    single = Value.objects.create(kind="ip", normalized="192.0.2.2", case_count=1)
    Indicator.objects.create(case_id=ours.pk, value=shared, kind="ip", raw_value="192.0.2.1")
    their_sighting = Indicator.objects.create(
        case_id=theirs.pk, value=shared, kind="ip", raw_value="192.0.2.1"
    )
    queued = Indicator.objects.create(
        case_id=ours.pk, value=single, kind="ip", raw_value="192.0.2.2"
    )
    Pending.objects.create(indicator=queued)
    OldHit.objects.create(
        case_id=ours.pk,
        value=shared,
        other_agencies=1,
        status="reviewed",
        reviewed_by_id=alice.pk,
        reviewed_at=timezone.now(),
    )
    their_hit = OldHit.objects.create(case_id=theirs.pk, value=shared, other_agencies=1)
    OldRequest.objects.create(
        hit=their_hit,
        case_id=ours.pk,
        requested_by_id=partner.pk,
        requesting_agency_id=partner.agency_id,
        reason="Same IP",
    )

    MigrationExecutor(connection).migrate(AFTER)

    from indicators.models import (
        AccessRequest,
        Hit,
        HitReview,
        IndicatorValue,
        PendingIndicator,
    )

    assert list(HitReview.objects.values_list("case_id", "value_id", "status", "reviewed_by")) == [
        (ours.pk, shared.pk, "reviewed", alice.pk)
    ]
    assert AccessRequest.objects.get().hit_id == their_sighting.pk
    assert set(Hit.objects.values_list("case_id", "value_id", "status", "other_agencies")) == {
        (ours.pk, shared.pk, "reviewed", 1),
        (theirs.pk, shared.pk, "new", 1),
    }
    assert IndicatorValue.objects.get(pk=shared.pk).agency_count == 2
    assert IndicatorValue.objects.get(pk=single.pk).sole_agency_id == ours.agency_id
    assert PendingIndicator.objects.get().value_id == single.pk
