"""The parallel person rebuild (persons/parallel.py): its parts, run here as the eager tasks
do, give the same persons, keys and matches (pairs, scores, explanations, statuses, decisions)
as the one-process rebuild (persons/rebuild.py), from the same stale starting state, with
pairs sharing keys that fall in different partitions of the key table. Tasks run in process
whatever the broker (tests/test_persons_celery.py runs the rebuild on a real worker)."""

from bisect import bisect_right

import pytest
from django.core.management import call_command

from cases.models import Suspect
from cases.services import case_create, suspect_create
from persons import parallel, rebuild, services
from persons.index import threshold, year_pruning
from persons.models import (
    MatchStatus,
    Person,
    PersonKey,
    PersonMatch,
    PersonRebuild,
    RebuildPhase,
)
from victims.models import VictimKind
from victims.services import victim_create

SURNAMES, MIDDLES = ["Nguyen", "Tran", "Le"], ["Van", "Thi", ""]
GIVENS = ["An", "Anh", "Hung", "Mai", "Minh Anh", "Thu Ha"]
DOC = [{"type": "passport", "country": "VN", "number": "C1234567"}]


def _person_rows() -> tuple:
    return (
        list(Person.objects.all()),
        list(PersonKey.objects.all()),
        list(PersonMatch.objects.all()),
    )


def _restore(rows: tuple) -> None:
    PersonMatch.objects.all().delete()
    Person.objects.all().delete()
    for model, objs in zip((Person, PersonKey, PersonMatch), rows, strict=True):
        model.objects.bulk_create(objs)


def _state() -> dict:
    """Everything the rebuild writes, keyed by source records (kind, id), not by person ids
    (persons indexed during a run get new ids)."""
    source = {p.pk: (p.kind, p.source_id) for p in Person.objects.all()}
    matches = {
        tuple(sorted([source[m.a_id], source[m.b_id]])): (
            m.score,
            m.explanation,
            m.non_punishment,
            m.status,
            m.reason,
            m.decided_by_id,
        )
        for m in PersonMatch.objects.all()
    }
    keys: dict = {}
    for pid, key in PersonKey.objects.values_list("person_id", "key"):
        keys.setdefault(source[pid], set()).add(key)
    persons = {
        source[p.pk]: (p.fingerprint, p.matched_at is not None) for p in Person.objects.all()
    }
    names = dict(Suspect.objects.values_list("pk", "search_name"))
    return {"matches": matches, "keys": keys, "persons": persons, "names": names}


@pytest.fixture
def stale_index(celery_in_process, own_users, partner_users, django_capture_on_commit_callbacks):
    """Persons sharing several keys (the same pair in several blocks), most indexed and
    matched, some never indexed; a confirmed and a dismissed match whose persons then change
    name (the decisions stay), a stale score, and a stored possible match no longer found."""
    alice, partner = own_users["investigator"], partner_users["investigator"]
    ours = case_create(by=alice, title="Call centre raid")
    theirs = case_create(by=partner, title="Rescued workers")
    n = 0
    for s in SURNAMES:
        for m in MIDDLES:
            for g in GIVENS:
                n += 1
                case, by = (ours, alice) if n % 2 else (theirs, partner)
                year = None if n % 5 == 0 else 1990 + n % 3
                # Every fourth one saved without its task having run: not indexed yet.
                with django_capture_on_commit_callbacks(execute=n % 4 != 0):
                    suspect_create(case=case, by=by, full_name=f"{s} {m} {g}", birth_year=year)
                    if n % 7 == 0:
                        suspect_create(case=case, by=by, full_name=f"{g} {s}".upper())
    with django_capture_on_commit_callbacks(execute=True):
        suspect_create(case=ours, by=alice, full_name="Pham Quoc Bao", documents=DOC)
        suspect_create(case=theirs, by=partner, full_name="Someone Else", documents=DOC)
        victim_create(
            by=partner,
            case=theirs,
            full_name="Nguyễn Thị Mai",
            kind=VictimKind.TRAFFICKED_WORKER,
        )
    first, second, third, fourth = PersonMatch.objects.order_by("pk")[:4]
    services.person_match_decide(match=first, by=alice, status=MatchStatus.CONFIRMED, reason="yes")
    services.person_match_decide(match=second, by=alice, status=MatchStatus.DISMISSED, reason="no")
    PersonMatch.objects.filter(pk=third.pk).update(score=1, explanation="stale")
    # Renamed without re-indexing: the rebuild re-profiles them.
    for match in (first, second, fourth):
        Suspect.objects.filter(pk=match.a.source_id).update(full_name="Somchai Jaidee")
    assert PersonMatch.objects.count() > 40
    return alice


@pytest.mark.parametrize("common_above", [1000, 4])
def test_the_parallel_rebuild_gives_what_the_one_process_rebuild_gives(
    stale_index, settings, common_above
):
    settings.FORTRESS_PERSON_COMMON_NAME_THRESHOLD = common_above
    before = _person_rows()
    expected = rebuild.rebuild()
    one_process = _state()
    assert expected.created and expected.removed and expected.indexed
    decided = {v[3] for v in one_process["matches"].values()}
    assert {MatchStatus.CONFIRMED, MatchStatus.DISMISSED} <= decided

    _restore(before)
    Suspect.objects.update(search_name="")
    assert _state() != one_process
    run = parallel.start(index_part=7, recheck_part=5, match_parts=6)
    run.refresh_from_db()
    assert run.phase == RebuildPhase.DONE and run.finished_at is not None
    assert _state() == one_process
    assert parallel.result(run) == expected
    # Each pair was found by one partition only: as many as one pass over the whole table.
    common = PersonKey.objects.all_common()
    limit, prune = threshold(), year_pruning()
    assert run.found == rebuild.match_keys(rebuild.key_stream(), limit, prune, common)

    # Pairs sharing keys of different partitions were found once.
    bounds = parallel.key_bounds(6)
    assert len(bounds) >= 3
    keys = {}
    for pid, key in PersonKey.objects.values_list("person_id", "key"):
        keys.setdefault(pid, set()).add(key)
    spread = [
        (a, b)
        for a, b in PersonMatch.objects.values_list("a_id", "b_id")
        if len({bisect_right(bounds, k) for k in keys[a] & keys[b]}) > 1
    ]
    assert spread

    # Run again on the rebuilt index: nothing changes.
    again = parallel.result(parallel.start(index_part=1000, recheck_part=3, match_parts=2))
    assert (again.indexed, again.created, again.removed) == (0, 0, 0)
    assert _state() == one_process


def test_a_part_run_twice_is_counted_once_and_a_finished_phase_is_skipped(stale_index):
    run = parallel.start(index_part=10, match_parts=3)
    run.refresh_from_db()
    state, tally = _state(), parallel.result(run)
    # A worker lost after its part's work: the part comes again, for a phase already passed.
    parallel.run_part(run.pk, RebuildPhase.MATCH, 0)
    run.refresh_from_db()
    assert (parallel.result(run), _state()) == (tally, state)


def test_an_empty_index_passes_every_phase(celery_in_process, db):
    run = parallel.start()
    run.refresh_from_db()
    assert run.phase == RebuildPhase.DONE and run.parts == []
    assert PersonRebuild.objects.count() == 1


def test_the_command_queues_the_parallel_rebuild(stale_index):
    from io import StringIO

    out = StringIO()
    call_command("persons_rebuild", "--queue", stdout=out)
    assert "queued" in out.getvalue()
    # No broker here: the eager tasks ran every part.
    run = PersonRebuild.objects.get()
    assert run.phase == RebuildPhase.DONE and run.indexed > 0


def test_a_run_left_waiting_is_resumed_by_the_next_start_not_doubled(stale_index):
    """A part lost with its worker (or never published): the run waits in its phase. Starting
    a rebuild again publishes that phase's parts not done, and the run ends as one would."""
    before = _person_rows()
    rebuild.rebuild()
    one_process = _state()
    _restore(before)
    Suspect.objects.update(search_name="")
    run = PersonRebuild.objects.create(
        phase=RebuildPhase.INDEX,
        parts=[
            {"kind": kind, **span}
            for kind, model in parallel.SOURCES
            for span in parallel.pk_ranges(model.objects.all(), 10)
        ],
        index_part=10,
        recheck_part=5,
        match_parts=3,
    )
    assert len(run.parts) > 1
    parallel.run_part(run.pk, RebuildPhase.INDEX, 0)  # one part ran, the others were lost
    resumed = parallel.start()
    assert resumed.pk == run.pk and PersonRebuild.objects.count() == 1
    run.refresh_from_db()
    assert run.phase == RebuildPhase.DONE
    assert _state() == one_process
