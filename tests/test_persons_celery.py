"""Person matching on Celery: a real worker on a real Redis broker indexes and matches saved
suspects and victims, and the rebuild task gives the same matches. Never mocked."""

from cases.services import case_create, suspect_create
from persons import tasks
from persons.models import PersonMatch
from tests.celery_worker import wait_for
from victims.services import victim_create


def _matches() -> set:
    return set(
        PersonMatch.objects.values_list("a__suspect_id", "b__suspect_id", "b__victim_id", "score")
    )


def test_a_real_worker_matches_saved_persons_and_the_rebuild_gives_the_same(
    worker,
    own_users,
    partner_users,
):
    alice, partner = own_users["investigator"], partner_users["investigator"]
    ours = case_create(by=alice, title="Call centre raid")
    theirs = case_create(by=partner, title="Rescued workers")
    suspect_create(case=ours, by=alice, full_name="TRAN THI MAI", birth_year=1995)
    victim_create(by=partner, case=theirs, full_name="Trần Thị Mai", kind="trafficked_worker")
    wait_for(lambda: PersonMatch.objects.filter(non_punishment=True).exists())
    incremental = _matches()
    PersonMatch.objects.all().delete()
    tasks.rebuild_persons.delay()
    wait_for(lambda: PersonMatch.objects.exists())
    assert _matches() == incremental


def test_a_real_worker_runs_the_parallel_rebuild_and_keeps_decisions(
    worker, own_users, partner_users
):
    from persons import parallel, services
    from persons.models import MatchStatus, PersonRebuild, RebuildPhase

    alice, partner = own_users["investigator"], partner_users["investigator"]
    ours = case_create(by=alice, title="Call centre raid")
    theirs = case_create(by=partner, title="Rescued workers")
    for name, year in [("Nguyen Van An", 1990), ("Tran Thi Mai", None), ("Le Van Hung", 1985)]:
        suspect_create(case=ours, by=alice, full_name=name, birth_year=year)
        suspect_create(case=theirs, by=partner, full_name=name.upper(), birth_year=year)
    wait_for(lambda: PersonMatch.objects.count() == 3)
    dismissed = PersonMatch.objects.order_by("pk").first()
    services.person_match_decide(
        match=dismissed, by=alice, status=MatchStatus.DISMISSED, reason="no"
    )
    incremental = _matches()
    PersonMatch.objects.exclude(pk=dismissed.pk).delete()
    run = parallel.start(index_part=2, recheck_part=1, match_parts=4)
    wait_for(
        lambda: PersonRebuild.objects.filter(pk=run.pk, phase=RebuildPhase.DONE).exists(),
        timeout=60,
    )
    assert _matches() == incremental
    assert PersonMatch.objects.get(pk=dismissed.pk).status == MatchStatus.DISMISSED
    run.refresh_from_db()
    assert (run.created, run.removed) == (2, 0)
