"""The agencies' tallies of hits (indicators.hitcount): after every change of the hits, what the
engine keeps equals what the view reads (the definition of a hit), on SQLite and PostgreSQL;
the pages count from the tally through the access policy; the recount repairs a wrong tally."""

import pytest
from django.urls import reverse

import access
from cases.models import SharingLevel
from cases.services import case_set_sharing, case_update
from indicators import hitcount, selectors, services, tasks, xref
from indicators.models import Hit, HitStatus, HitTally, Indicator
from tests import test_xref
from tests.services import assert_kept_equals_view, forget_cross_references, require_postgres

PHONE = "+84 912-345-678"
PHONE2 = "+84 912 000 001"


def add(case, by, *values, kind="phone"):
    return services.indicators_add_batch(
        case=case, by=by, rows=[{"kind": kind, "value": v} for v in values]
    )


# The four cases of the engine's tests (two of the own agency's, one of each other agency).
cases = test_xref.cases


def test_the_tally_follows_every_change_of_the_hits(
    cases, alice, partner_users, outsider_users, settings
):
    partner, outsider = partner_users["investigator"], outsider_users["investigator"]
    own, theirs = cases["own"], cases["partner"]
    settings.FORTRESS_COMMON_VALUE_THRESHOLD = 3

    # A value two agencies hold: the second holder's hit at once, the first's after the engine.
    add(own, alice, PHONE, PHONE2)
    assert_kept_equals_view()
    add(theirs, partner, PHONE, PHONE2)
    assert_kept_equals_view()
    xref.sweep()
    counted = assert_kept_equals_view()
    assert counted[own.agency_id][HitStatus.NEW] == 2

    # Reviews and dismissals, and a review taken back.
    hit = access.visible_hits(alice).filter(value__normalized="+84912345678").get()
    services.hit_review(hit=hit, by=alice, status=HitStatus.REVIEWED)
    assert_kept_equals_view()
    other = access.visible_hits(partner).filter(value__normalized="+84912000001").get()
    services.hit_review(hit=other, by=partner, status=HitStatus.DISMISSED)
    assert_kept_equals_view()
    services.hit_review(hit=other, by=partner, status=HitStatus.NEW)
    counted = assert_kept_equals_view()
    assert counted[own.agency_id][HitStatus.REVIEWED] == 1

    # One more agency holding the value makes the reviewed hit new again.
    add(cases["outsider"], outsider, PHONE)
    assert_kept_equals_view()
    xref.sweep()
    counted = assert_kept_equals_view()
    assert counted[own.agency_id] == {"new": 2, "reviewed": 0, "dismissed": 0}

    # A case going silent, and speaking again; its sharing changes no hit.
    theirs.refresh_from_db()
    theirs = case_update(case=theirs, by=partner, expected_version=theirs.version, silent=True)
    assert_kept_equals_view()
    xref.sweep()
    assert_kept_equals_view()
    theirs = case_update(case=theirs, by=partner, expected_version=theirs.version, silent=False)
    assert_kept_equals_view()
    xref.sweep()
    assert_kept_equals_view()
    case_set_sharing(
        case=theirs,
        level=SharingLevel.NETWORK,
        by=partner,
        expected_version=theirs.version,
    )
    assert_kept_equals_view()

    # A silent case of the agency holding the value: its own other hits of it count one agency
    # fewer, and its review holds.
    hit = access.visible_hits(alice).filter(value__normalized="+84912345678").get()
    services.hit_review(hit=hit, by=alice, status=HitStatus.DISMISSED)
    second = cases["own2"]
    second = case_update(case=second, by=alice, expected_version=second.version, silent=True)
    assert_kept_equals_view()

    # The value becoming common (a fourth case over the threshold of 3), then not any more.
    (extra,) = add(second, alice, PHONE)
    assert_kept_equals_view()
    xref.sweep()
    counted = assert_kept_equals_view()
    assert Hit.objects.filter(value__normalized="+84912345678").count() == 0
    services.indicator_delete(indicator=extra, by=alice)
    assert_kept_equals_view()
    xref.sweep()
    counted = assert_kept_equals_view()
    assert Hit.objects.filter(value__normalized="+84912345678").count() == 3

    # Removals: a hit goes at once for the remover's agency, for the others with the engine.
    sighting = Indicator.objects.get(case=theirs, value__normalized="+84912000001")
    services.indicator_delete(indicator=sighting, by=partner)
    assert_kept_equals_view()
    xref.sweep()
    counted = assert_kept_equals_view()
    assert counted[own.agency_id][HitStatus.NEW] == 0

    # The rebuild leaves the tally right and has nothing to repair; state lost behind the
    # engine's back (no hit left in the view, the tally still counting them) is repaired by it.
    xref.rebuild()
    assert_kept_equals_view()
    assert hitcount.recount() == 0
    forget_cross_references()
    assert hitcount.counted() == {} != hitcount.kept()
    xref.rebuild()
    assert_kept_equals_view()
    assert hitcount.recount() == 0
    assert sum(hitcount.counts(own.agency_id).values()) == 1


def test_the_recount_repairs_a_wrong_tally_and_compact_keeps_the_sums(cases, alice, partner_users):
    add(cases["own"], alice, PHONE)
    add(cases["partner"], partner_users["investigator"], PHONE)
    xref.sweep()
    before = assert_kept_equals_view()
    HitTally.objects.create(agency=cases["own"].agency, new=5)
    HitTally.objects.create(agency=cases["outsider"].agency, dismissed=2)
    assert hitcount.counts(cases["own"].agency_id)[HitStatus.NEW] == 6
    assert hitcount.recount([cases["own"].agency_id]) == 1
    assert hitcount.counts(cases["own"].agency_id)[HitStatus.NEW] == 1
    assert hitcount.counts(cases["outsider"].agency_id)[HitStatus.DISMISSED] == 2
    assert hitcount.recount() == 1
    assert_kept_equals_view()
    HitTally.objects.create(agency=cases["own"].agency, new=1)
    HitTally.objects.create(agency=cases["own"].agency, new=-1)
    hitcount.compact()
    assert HitTally.objects.filter(agency=cases["own"].agency).count() == 1
    assert assert_kept_equals_view() == before


def test_a_recount_during_a_compaction_waits_for_it_and_counts_once(
    transactional_db, cases, alice, partner_users
):
    """The recount and the compaction both rewrite an agency's rows: a recount whose snapshot
    predated the compaction's commit would delete the rows compaction deleted, not the one it
    wrote, and add the true count to the old sum. They take turns."""
    import threading

    from django.db import connection, transaction

    from tests.services import sessions_waiting_for_a_lock

    require_postgres()  # concurrent transactions
    add(cases["own"], alice, PHONE, PHONE2)
    add(cases["partner"], partner_users["investigator"], PHONE, PHONE2)
    xref.sweep()
    own = cases["own"].agency_id
    HitTally.objects.create(agency_id=own, new=1)
    HitTally.objects.create(agency_id=own, new=-1)  # two more rows, the same sums
    compacted, release = threading.Event(), threading.Event()

    def compaction_not_yet_committed() -> None:
        with transaction.atomic():
            hitcount.compact()
            compacted.set()
            release.wait(10)
        connection.close()

    compaction = threading.Thread(target=compaction_not_yet_committed)
    compaction.start()
    assert compacted.wait(10)
    recount = threading.Thread(target=lambda: (hitcount.recount([own]), connection.close()))
    recount.start()
    waiting = sessions_waiting_for_a_lock()
    release.set()
    compaction.join(10)
    recount.join(10)
    assert waiting == 1
    assert_kept_equals_view()


def test_the_pages_count_from_the_tally_through_the_access_policy(
    cases, alice, partner_users, outsider_users, client, api
):
    add(cases["own"], alice, PHONE)
    add(cases["partner"], partner_users["investigator"], PHONE)
    xref.sweep()
    # A tally that says more than the view: what the pages show is the tally.
    HitTally.objects.create(agency=cases["own"].agency, new=40)
    assert selectors.new_hit_count(alice) == 41
    assert access.visible_hits_counted(alice).count() == 41
    assert access.visible_hits_counted(alice, HitStatus.REVIEWED).count() == 0
    # A filter after it counts again, from the view.
    assert access.visible_hits_counted(alice).filter(case=cases["own"]).count() == 1
    client.force_login(alice)
    page = client.get(reverse("indicators:hits"))
    assert page.context["page"].paginator.count == 41
    assert api(alice).get("/api/v1/hits/").json()["count"] == 41
    assert api(alice).get(f"/api/v1/hits/?case={cases['own'].pk}").json()["count"] == 1
    # Another agency's tally is not the user's; a role that does not review hits counts none.
    assert selectors.new_hit_count(partner_users["investigator"]) == 1
    assert access.visible_hit_counts(outsider_users["investigator"])[HitStatus.NEW] == 0
    viewer = next(
        (u for u in partner_users.values() if not access.can(u, access.Action.MANAGE_INDICATORS)),
        None,
    )
    if viewer is not None:
        assert sum(access.visible_hit_counts(viewer).values()) == 0


@pytest.mark.postgres
def test_a_new_case_batch_and_a_recompute_keep_the_tally_on_postgres(
    cases, alice, partner_users, outsider_users
):
    """The engine's statements of PostgreSQL (the given batch, the recompute of values, the
    rebuild's ranges): each writes the tally in the statement that writes the values."""
    require_postgres()
    mine = add(cases["own"], alice, PHONE, PHONE2)
    theirs = add(cases["partner"], partner_users["investigator"], PHONE, PHONE2)
    xref.process_indicators([i.pk for i in [*mine, *theirs]])
    counted = assert_kept_equals_view()
    assert counted[cases["own"].agency_id][HitStatus.NEW] == 2
    # Removed through the service, the values recomputed by xref_values (its own statement).
    for sighting in theirs:
        services.indicator_delete(indicator=sighting, by=partner_users["investigator"])
    assert_kept_equals_view()
    xref.xref_values(i.value_id for i in mine)
    assert hitcount.kept() == {}
    assert_kept_equals_view()
    # The sweep's statement, for a third agency.
    add(cases["outsider"], outsider_users["investigator"], PHONE)
    xref.sweep()
    counted = assert_kept_equals_view()
    assert counted[cases["own"].agency_id][HitStatus.NEW] == 1


def test_the_daily_recount_is_on_the_beat_schedule_and_repairs(settings, cases, alice):
    entry = settings.CELERY_BEAT_SCHEDULE["indicators-recount-hits"]
    assert (entry["task"], entry["schedule"]) == ("indicators.tasks.recount_hits", 86400.0)
    HitTally.objects.create(agency=cases["own"].agency, new=3)
    assert tasks.recount_hits() == {"agencies_repaired": 1}
    assert hitcount.kept() == {}


def test_the_django_admin_changes_nothing_the_tally_and_the_engine_follow(cases, alice, client):
    """The admin of operators writes past the services: what the cross-referencing and the hit
    tallies follow is shown there, never edited, and nothing is added or deleted there."""
    from django.contrib.admin.sites import site
    from django.test import RequestFactory

    from agencies.models import User
    from cases.models import Case
    from indicators.models import IndicatorValue

    (sighting,) = add(cases["own"], alice, PHONE)
    operator = User.objects.create_superuser("operator", password="an operator passphrase 42")
    request = RequestFactory().get("/admin/")
    request.user = operator
    case_admin, sighting_admin = site._registry[Case], site._registry[Indicator]
    value_admin = site._registry[IndicatorValue]
    assert {"agency", "silent", "sharing_level"} <= set(case_admin.get_readonly_fields(request))
    assert {"case", "value"} <= set(sighting_admin.get_readonly_fields(request))
    assert "is_common" in value_admin.get_readonly_fields(request)
    for model_admin in (case_admin, sighting_admin, value_admin):
        assert not model_admin.has_delete_permission(request)
    assert not sighting_admin.has_add_permission(request)
    # And the change form still opens.
    client.force_login(operator)
    assert client.get(f"/admin/cases/case/{cases['own'].pk}/change/").status_code == 200
    assert client.get(f"/admin/indicators/indicator/{sighting.pk}/change/").status_code == 200
