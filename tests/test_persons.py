"""Person matching end to end: indexing through the suspect and victim services, blocking,
the task, the sweep and the rebuild, decisions, the non-punishment flag, and access."""

import gc
import itertools
import os
from datetime import date

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from cases.models import Case, SharingLevel, Suspect
from cases.services import (
    case_create,
    case_set_sharing,
    case_update,
    suspect_create,
    suspect_update,
)
from indicators.models import AccessRequest
from persons import index, rebuild, services, xref
from persons.models import MatchStatus, Person, PersonKey, PersonMatch
from persons.tasks import refresh_person
from tests.collector import passes_inside
from victims.models import DatePrecision, VictimKind
from victims.services import victim_create

NP_TEXT = "possible victim of trafficking — consider the non-punishment principle"


@pytest.fixture
def own_case(make_case) -> Case:
    return make_case(title="Scam centre raid")


@pytest.fixture
def partner_case(partner_users) -> Case:
    return case_create(by=partner_users["investigator"], title="Passport scans")


@pytest.fixture
def saved(django_capture_on_commit_callbacks, settings):
    """Run a service and the work it queued after commit: the eager Celery task when there is
    no broker; with a real broker (and no worker here) the sweep, as after a lost task."""

    def run(fn, **kwargs):
        with django_capture_on_commit_callbacks(execute=settings.CELERY_TASK_ALWAYS_EAGER):
            result = fn(**kwargs)
        xref.sweep()
        return result

    return run


def suspect(saved, case: Case, name: str, **fields) -> Suspect:
    by = case.agency.users.get(role="investigator")
    return saved(suspect_create, case=case, by=by, full_name=name, **fields)


def pairs() -> dict:
    """Every match keyed by its two source records (kind, id), with what was computed."""
    out = {}
    for m in PersonMatch.objects.select_related("a", "b"):
        key = tuple(sorted([(m.a.kind, m.a.source_id), (m.b.kind, m.b.source_id)]))
        out[key] = (m.score, m.explanation, m.non_punishment, m.status)
    return out


def trafficked_worker(saved, case: Case, name: str):
    by = case.agency.users.get(role="investigator")
    return saved(victim_create, by=by, case=case, full_name=name, kind=VictimKind.TRAFFICKED_WORKER)


# --- indexing and matching ------------------------------------------------------------------


def test_saving_a_suspect_indexes_and_matches_it(saved, own_case, partner_case):
    a = suspect(saved, own_case, "Nguyễn Văn An", birth_year=1990, nationalities=["VN"])
    b = suspect(saved, partner_case, "AN VAN NGUYEN", birth_year=1990, nationalities=["VN"])
    assert Person.objects.filter(suspect__in=[a, b]).count() == 2
    match = PersonMatch.objects.get()
    assert {match.a.suspect_id, match.b.suspect_id} == {a.pk, b.pk}
    assert match.score == 100
    assert match.explanation == "names 100/100, same birth year, same nationality"
    assert match.status == MatchStatus.POSSIBLE
    assert match.a_id < match.b_id


def test_the_task_is_idempotent(saved, own_case, partner_case):
    a = suspect(saved, own_case, "张伟")
    suspect(saved, partner_case, "Zhang Wei")
    before = list(PersonMatch.objects.values_list("pk", "a_id", "b_id", "score", "explanation"))
    keys = list(PersonKey.objects.order_by("pk").values_list("pk", "key"))
    indexed_at = Person.objects.get(suspect=a).indexed_at
    refresh_person.apply(args=["suspect", a.pk])
    refresh_person.apply(args=["suspect", a.pk])
    assert (
        list(PersonMatch.objects.values_list("pk", "a_id", "b_id", "score", "explanation"))
        == before
    )
    assert list(PersonKey.objects.order_by("pk").values_list("pk", "key")) == keys
    assert Person.objects.get(suspect=a).indexed_at == indexed_at
    assert len(before) == 1


def test_a_change_that_lowers_the_score_removes_a_possible_match_but_keeps_a_decision(
    saved, own_case, partner_case, alice, partner_users
):
    a = suspect(saved, own_case, "Trần Thị Mai", birth_year=1995)
    b = suspect(saved, partner_case, "TRAN THI MAI", birth_year=1995)
    c = suspect(saved, partner_case, "Mai Thi Tran", birth_year=1995)
    assert PersonMatch.objects.count() == 3
    kept = PersonMatch.objects.get(a__suspect=a, b__suspect=c)
    services.person_match_decide(match=kept, by=alice, status=MatchStatus.CONFIRMED, reason="ID")
    saved(suspect_update, suspect=a, by=alice, expected_version=a.version, birth_year=1970)
    kept.refresh_from_db()
    assert kept.status == MatchStatus.CONFIRMED
    assert "different birth years" in kept.explanation
    assert not PersonMatch.objects.filter(a__suspect=a, b__suspect=b).exists()
    assert PersonMatch.objects.filter(a__suspect=b, b__suspect=c).exists()
    assert PersonMatch.objects.count() == 2


def test_blocking_reads_only_persons_sharing_a_key(saved, own_case, partner_case):
    target = suspect(saved, own_case, "Nguyễn Văn An")
    for i in range(40):
        suspect(saved, partner_case, f"Somebody Else{chr(97 + i % 26)}{i} Person{i}")
    same = suspect(saved, partner_case, "Nguyen An")
    person = Person.objects.get(suspect=target)
    keys = {person.pk: list(person.keys.values_list("key", flat=True))}
    candidates = xref._candidates(keys, {person.pk: None})[person.pk]
    assert candidates == {Person.objects.get(suspect=same).pk}
    # Matching one person costs the same number of queries whatever the number indexed.
    with CaptureQueriesContext(connection) as few:
        xref.match_persons([person.pk])
    for i in range(40):
        suspect(saved, partner_case, f"Another Name{i} Q{chr(97 + i % 26)}x")
    with CaptureQueriesContext(connection) as many:
        xref.match_persons([person.pk])
    assert len(many) == len(few)


def test_matching_a_person_counts_its_keys_once(saved, own_case, partner_case):
    """Which of a person's keys are common is counted once, for its candidates and its
    wanted matches alike (each count reads up to the threshold's worth of index entries)."""
    target = suspect(saved, own_case, "Nguyễn Văn An", birth_year=1990)
    suspect(saved, partner_case, "Nguyen An", birth_year=1990)
    person = Person.objects.get(suspect=target)
    with CaptureQueriesContext(connection) as queries:
        result = xref.match_persons([person.pk])
    assert result.created == 0 and result.matched == 1
    counts = [
        q["sql"]
        for q in queries.captured_queries
        if "persons_personkey" in q["sql"] and "count(" in q["sql"].lower()
    ]
    assert len(counts) == 1, counts


def test_the_sweep_picks_up_persons_whose_task_was_lost(own_case, partner_case, alice):
    # No on-commit callbacks run here: as if the broker had been down.
    a = suspect_create(case=own_case, by=alice, full_name="Иван Петров", birth_year=1980)
    b = suspect_create(
        case=partner_case,
        by=partner_case.agency.users.get(role="investigator"),
        full_name="Ivan Petrov",
        birth_year=1980,
    )
    assert not Person.objects.exists()
    result = xref.sweep()
    assert result.indexed == 2
    assert PersonMatch.objects.count() == 1
    # A change saved while the broker is down is re-indexed by the next sweep.
    Suspect.objects.filter(pk=b.pk).update(full_name="Pyotr Petrov")
    Suspect.objects.get(pk=b.pk).save()  # bumps updated_at like any save
    xref.sweep()
    assert not PersonMatch.objects.exists()
    assert xref.sweep().indexed == 0
    assert Person.objects.get(suspect=a).matched_at is not None


def test_rebuild_gives_the_same_matches_as_incremental_processing(
    saved, own_case, partner_case, partner_users, alice
):
    for name, year in [
        ("Nguyễn Văn An", 1990),
        ("张伟", None),
        ("สมชาย ใจดี", None),
        ("Nguyen Thi Hoa", 1990),
    ]:
        suspect(saved, own_case, name, birth_year=year)
    for name, year in [
        ("AN VAN NGUYEN", 1990),
        ("Nguyen V. An", None),
        ("Zhang Wei", None),
        ("Somchai Jaidee", None),
        ("Nguyen Van An", 1960),
    ]:
        suspect(saved, partner_case, name, birth_year=year)
    trafficked_worker(saved, partner_case, "Wei Zhang")
    first = PersonMatch.objects.order_by("pk").first()
    services.person_match_decide(match=first, by=alice, status=MatchStatus.DISMISSED, reason="no")
    incremental = pairs()
    assert len(incremental) >= 5
    rebuild.rebuild()
    assert pairs() == incremental
    # From nothing: the same pairs and scores (decisions live on the kept rows only).
    PersonMatch.objects.all().delete()
    Person.objects.all().delete()
    rebuild.rebuild()
    assert {k: v[:3] for k, v in pairs().items()} == {k: v[:3] for k, v in incremental.items()}


@pytest.mark.parametrize("common_above", [1000, 4])
def test_the_block_rebuild_finds_exactly_what_matching_one_by_one_finds(
    saved, own_case, partner_case, partner_users, settings, common_above
):
    """Many persons sharing several keys (so several blocks hold the same pair), without a
    birth year, with aliases and documents (one shared under different names): the block
    rebuild gives the pairs, scores and explanations of matching every person one by one, and
    running it again changes nothing. Also with most name keys common (held by more than 4),
    where keys cross the threshold while persons are added one by one."""
    settings.FORTRESS_PERSON_COMMON_NAME_THRESHOLD = common_above
    surnames, middles = ["Nguyen", "Tran", "Le"], ["Van", "Thi", ""]
    givens = ["An", "Anh", "Hung", "Mai", "Minh Anh", "Thu Ha"]
    n = 0
    for s in surnames:
        for m in middles:
            for g in givens:
                n += 1
                case = own_case if n % 2 else partner_case
                year = None if n % 5 == 0 else 1990 + n % 3
                suspect(saved, case, f"{s} {m} {g}", birth_year=year)
                if n % 7 == 0:
                    suspect(saved, case, f"{g} {s}".upper(), birth_year=year)
    doc = [{"type": "passport", "country": "VN", "number": "C1234567"}]
    suspect(saved, own_case, "Pham Quoc Bao", aliases=["Bao Pham"], documents=doc)
    suspect(saved, partner_case, "Someone Else", birth_year=1970, documents=doc)
    trafficked_worker(saved, partner_case, "Nguyễn Thị Mai")
    one_by_one = pairs()
    assert len(one_by_one) > (50 if common_above == 1000 else 10)
    assert any("same identity document" in v[1] for v in one_by_one.values())
    if common_above == 4:
        assert PersonKey.objects.all_common()
        yearless = [v for v in one_by_one.values() if "birth year" not in v[1]]
        assert yearless and len(yearless) < len(one_by_one)
    PersonMatch.objects.all().delete()
    result = rebuild.match_all()
    assert pairs() == one_by_one
    assert result.created == len(one_by_one) and result.removed == 0
    again = rebuild.match_all()
    assert (again.created, again.removed) == (0, 0)
    assert pairs() == one_by_one
    # A possible match no longer found is removed by the rebuild, a missing one is added.
    some = PersonMatch.objects.order_by("pk").first()
    PersonMatch.objects.filter(pk=some.pk).update(score=1, explanation="stale")
    PersonMatch.objects.order_by("pk").last().delete()
    rebuild.rebuild()
    assert pairs() == one_by_one


def trafficked_mai(saved, case: Case, **extra):
    """A trafficked worker recorded as a victim, born in 1995 (year only)."""
    return saved(
        victim_create,
        by=case.agency.users.get(role="liaison"),
        case=case,
        full_name="Trần Thị Mai",
        kind=VictimKind.TRAFFICKED_WORKER,
        date_of_birth=date(1995, 1, 1),
        date_of_birth_precision=DatePrecision.YEAR,
        **extra,
    )


def test_victims_are_indexed_with_their_partial_date_of_birth(saved, partner_case):
    victim = trafficked_mai(saved, partner_case, nationality="KH")
    person = Person.objects.get(victim=victim)
    assert person.trafficked_victim
    assert person.birth_year == 1995
    assert person.profile["birth"] == [1995, None, None]
    assert person.profile["nationalities"] == ["KH"]


# --- the non-punishment flag ----------------------------------------------------------------


@pytest.fixture
def flagged(saved, own_case, partner_case):
    """An own suspect matching a trafficked worker recorded as a victim by the partner."""
    s = suspect(saved, own_case, "TRAN THI MAI", birth_year=1995)
    v = trafficked_mai(saved, partner_case, contact="+855 12 345 678")
    return s, v, PersonMatch.objects.get()


def test_a_suspect_matching_a_trafficked_victim_is_flagged(flagged, client, alice, own_case):
    _, _, match = flagged
    assert match.non_punishment
    client.force_login(alice)
    for url in ("/", f"/cases/{own_case.pk}/", f"/persons/matches/{match.pk}/"):
        page = client.get(url).content.decode()
        assert NP_TEXT in page, url
        assert f"/persons/matches/{match.pk}/request-access/" in page, url
        assert "Trần Thị Mai" not in page and "+855" not in page, url


def test_the_flag_is_on_the_suspect_in_the_case_suspect_list(flagged, client, alice, own_case):
    s, _, match = flagged
    other = suspect_create(case=own_case, by=alice, full_name="Somebody Unrelated")
    client.force_login(alice)
    page = client.get(f"/cases/{own_case.pk}/").content.decode()
    suspects = page[page.index('<div id="suspects">') :]
    suspects = suspects[: suspects.index("</table>")]
    rows = {r.split("</td>")[0]: r for r in suspects.split("<tr>")[2:]}
    flagged_row = next(r for name, r in rows.items() if s.full_name in name)
    other_row = next(r for name, r in rows.items() if other.full_name in name)
    assert NP_TEXT in flagged_row and f"/persons/matches/{match.pk}/" in flagged_row
    assert NP_TEXT not in other_row
    # The htmx partial after an edit carries it too; a dismissed match takes it away.
    partial = client.get(
        f"/cases/suspects/{other.pk}/edit/", headers={"HX-Request": "true"}
    ).content.decode()
    assert NP_TEXT in partial
    services.person_match_decide(match=match, by=alice, status=MatchStatus.DISMISSED, reason="x")
    page = client.get(f"/cases/{own_case.pk}/").content.decode()
    suspects = page[page.index('<div id="suspects">') :]
    assert NP_TEXT not in suspects[: suspects.index("</table>")]


def test_the_victim_side_is_not_flagged_and_a_dismissed_match_is_not(
    flagged, client, partner_users, alice
):
    _, _, match = flagged
    client.force_login(partner_users["investigator"])
    assert NP_TEXT not in client.get("/").content.decode()
    services.person_match_decide(match=match, by=alice, status=MatchStatus.DISMISSED, reason="x")
    client.force_login(alice)
    assert NP_TEXT not in client.get("/").content.decode()


def test_request_access_from_a_match(flagged, client, alice, partner_case, partner_users):
    _, _, match = flagged
    client.force_login(alice)
    url = f"/persons/matches/{match.pk}/request-access/"
    assert client.post(url, {"reason": ""}).status_code == 200
    assert not AccessRequest.objects.exists()
    response = client.post(url, {"reason": "Arrested in the raid; may be a victim."})
    assert response.status_code == 302
    request = AccessRequest.objects.get()
    assert request.case == partner_case
    assert request.requesting_agency == alice.agency
    assert request.hit is None
    client.force_login(partner_users["supervisor"])
    assert "Arrested in the raid" in client.get("/hits/requests/").content.decode()


# --- decisions ------------------------------------------------------------------------------


def test_confirm_and_dismiss_need_a_reason(flagged, client, alice):
    _, _, match = flagged
    client.force_login(alice)
    url = f"/persons/matches/{match.pk}/"
    assert client.post(url, {"status": "confirmed", "reason": ""}).status_code == 200
    match.refresh_from_db()
    assert match.status == MatchStatus.POSSIBLE
    assert client.post(url, {"status": "confirmed", "reason": "Same passport photo"}).status_code
    match.refresh_from_db()
    assert (match.status, match.reason, match.decided_by) == (
        MatchStatus.CONFIRMED,
        "Same passport photo",
        alice,
    )


GIVEN = ["Somchai", "Arjun", "Kwame", "Olga", "Hiroshi", "Fatima", "Carlos", "Ingrid"]
FAMILY = ["Prasert", "Mehta", "Mensah", "Petrova", "Tanaka", "Zahra", "Mendoza", "Larsen"]
OTHER_GIVEN = ["Dmitri", "Amara", "Rahul", "Yuki", "Tomasz", "Leila", "Bjorn", "Chidi"]
OTHER_FAMILY = ["Volkov", "Okafor", "Sharma", "Watanabe", "Kowalski", "Haddad", "Eriksen", "Eze"]


def test_the_queue_makes_as_many_queries_for_2n_matches(
    saved, own_case, partner_case, client, alice, same_queries_for_n_and_2n
):
    """Each round: a suspect of ours matching a partner's suspect, and a trafficked victim of
    ours matching another partner's suspect (the non-punishment flag)."""
    numbers = itertools.count()

    def add_matches(n: int) -> None:
        for _ in range(n):
            i = next(numbers)
            name, other = f"{GIVEN[i]} {FAMILY[i]}", f"{OTHER_GIVEN[i]} {OTHER_FAMILY[i]}"
            suspect(saved, own_case, name, birth_year=1990)
            suspect(saved, partner_case, f"{FAMILY[i]} {GIVEN[i]}".upper(), birth_year=1990)
            trafficked_worker(saved, own_case, other)
            suspect(saved, partner_case, f"{OTHER_FAMILY[i]} {OTHER_GIVEN[i]}".upper())

    client.force_login(alice)
    same_queries_for_n_and_2n(lambda: client.get("/persons/matches/"), add_matches)
    page = client.get("/persons/matches/")
    assert page.context["page"].paginator.count == 16
    assert sum(row.match.non_punishment for row in page.context["rows"]) == 8
    assert client.get("/persons/matches/?status=confirmed").context["page"].paginator.count == 0
    assert client.get("/persons/matches/", headers={"HX-Request": "true"}).status_code == 200


def test_the_queue_paginates(saved, own_case, partner_case, client, alice):
    for i in range(15):
        suspect(saved, own_case, f"Nguyen Van Tuan {i}", birth_year=1990)
        suspect(saved, partner_case, f"{i} TUAN VAN NGUYEN", birth_year=1990)
    ours = PersonMatch.objects.filter(a__agency=alice.agency) | PersonMatch.objects.filter(
        b__agency=alice.agency
    )
    assert ours.count() >= 30
    client.force_login(alice)
    page = client.get("/persons/matches/")
    assert page.status_code == 200
    assert page.context["page"].paginator.count == ours.count()
    assert len(page.context["rows"]) == 25


def test_nav_entry_for_roles_that_review(client, own_users):
    for role, shown in [("investigator", True), ("analyst", True), ("liaison", False)]:
        client.force_login(own_users[role])
        assert ('href="/persons/matches/"' in client.get("/").content.decode()) is shown, role
        assert client.get("/persons/matches/").status_code == (200 if shown else 404), role


# --- access ---------------------------------------------------------------------------------


def test_the_unrelated_agency_gets_404_everywhere(flagged, client, api, outsider_users):
    _, _, match = flagged
    for user in outsider_users.values():
        client.force_login(user)
        for url in (
            f"/persons/matches/{match.pk}/",
            f"/persons/matches/{match.pk}/request-access/",
        ):
            assert client.get(url).status_code == 404, (user.role, url)
            assert client.post(url, {"status": "dismissed", "reason": "x"}).status_code == 404
        listed = client.get("/persons/matches/")
        assert listed.status_code == 404 or listed.context["page"].paginator.count == 0
        c = api(user)
        assert c.get(f"/api/v1/person-matches/{match.pk}/").status_code == 404
        for action in ("confirm", "dismiss"):
            r = c.post(f"/api/v1/person-matches/{match.pk}/{action}/", {"reason": "x"})
            assert r.status_code == 404, (user.role, action)
        assert c.get("/api/v1/person-matches/").json()["results"] == []
    match.refresh_from_db()
    assert match.status == MatchStatus.POSSIBLE


def test_nothing_of_the_other_agencys_record_leaks_through_a_match(
    flagged, api, alice, partner_case
):
    s, v, _ = flagged
    data = api(alice).get("/api/v1/person-matches/").json()["results"]
    assert len(data) == 1
    row = data[0]
    assert row["mine"]["name"] == "TRAN THI MAI"
    assert row["mine"]["case"]["reference"] == s.case.reference
    assert row["other"] == {
        "kind": "victim",
        "trafficked_victim": True,
        "agency": {
            "id": partner_case.agency.pk,
            "name": partner_case.agency.name,
            "country": "TH",
            "contact_email": partner_case.agency.contact_email,
            "contact_phone": "",
        },
        "name": None,
        "case": None,
    }
    assert row["non_punishment"] is True
    text = str(data)
    for secret in ("Trần Thị Mai", "+855", partner_case.reference, "1995", "KH"):
        assert secret not in text
    assert v.pk and set(row) == {
        "id",
        "score",
        "explanation",
        "status",
        "reason",
        "decided_at",
        "non_punishment",
        "mine",
        "other",
    }


def test_a_visible_other_case_is_named_but_victims_only_to_roles_reading_them(
    flagged, api, own_users, partner_case, partner_users
):
    case_set_sharing(
        case=partner_case,
        by=partner_users["supervisor"],
        level=SharingLevel.NETWORK,
        expected_version=partner_case.version,
    )
    row = api(own_users["investigator"]).get("/api/v1/person-matches/").json()["results"][0]
    assert row["other"]["case"]["reference"] == partner_case.reference
    assert row["other"]["name"] is None  # victims are read by their own agency only
    # The partner's analyst sees the match from its side, but counts-only for its victim.
    row = api(partner_users["analyst"]).get("/api/v1/person-matches/").json()["results"][0]
    assert row["mine"]["kind"] == "victim" and row["mine"]["name"] is None
    row = api(partner_users["investigator"]).get("/api/v1/person-matches/").json()["results"][0]
    assert row["mine"]["name"] == "Trần Thị Mai"
    assert row["other"]["name"] == "TRAN THI MAI" or row["other"]["name"] is None


def test_a_silent_case_matches_but_only_its_owner_learns(
    saved, own_case, partner_case, api, alice, partner_users
):
    case_update(
        case=partner_case,
        by=partner_users["supervisor"],
        expected_version=partner_case.version,
        silent=True,
    )
    suspect(saved, own_case, "Nguyễn Văn An")
    suspect(saved, partner_case, "AN VAN NGUYEN")
    match = PersonMatch.objects.get()
    assert api(alice).get("/api/v1/person-matches/").json()["results"] == []
    assert api(alice).get(f"/api/v1/person-matches/{match.pk}/").status_code == 404
    theirs = api(partner_users["investigator"]).get("/api/v1/person-matches/").json()["results"]
    assert [r["id"] for r in theirs] == [match.pk]


def test_api_confirm_and_dismiss(flagged, api, alice):
    _, _, match = flagged
    c = api(alice)
    assert c.post(f"/api/v1/person-matches/{match.pk}/confirm/", {}).status_code == 400
    r = c.post(f"/api/v1/person-matches/{match.pk}/confirm/", {"reason": "Fingerprints"})
    assert r.status_code == 200
    assert r.json()["status"] == "confirmed"
    assert c.get("/api/v1/person-matches/?status=confirmed").json()["results"][0]["id"] == match.pk
    r = c.post(f"/api/v1/person-matches/{match.pk}/dismiss/", {"reason": "Other person"})
    assert r.json()["status"] == "dismissed" and r.json()["non_punishment"] is False


def test_the_rebuild_commands_cover_persons(saved, own_case, partner_case):
    from io import StringIO

    from django.core.management import call_command

    suspect(saved, own_case, "Nguyễn Văn An")
    suspect(saved, partner_case, "AN VAN NGUYEN")
    before = pairs()
    PersonMatch.objects.all().delete()
    out = StringIO()
    call_command("xref_rebuild", stdout=out)
    assert "0 persons re-indexed, 2 matched; 1 matches created" in out.getvalue()
    assert pairs() == before
    out = StringIO()
    call_command("persons_rebuild", stdout=out)
    assert "0 matches created, 0 removed" in out.getvalue()


def test_candidates_born_in_other_years_are_not_read(saved, own_case, partner_case):
    target = suspect(saved, own_case, "Nguyễn Văn An", birth_year=1990)
    suspect(saved, partner_case, "AN VAN NGUYEN", birth_year=1970)
    unknown = suspect(saved, partner_case, "Nguyen An")
    same = suspect(saved, partner_case, "Nguyen V. An", birth_year=1990)
    person = Person.objects.get(suspect=target)
    keys = {person.pk: list(person.keys.values_list("key", flat=True))}
    found = xref._candidates(keys, {person.pk: 1990})[person.pk]
    assert found == set(
        Person.objects.filter(suspect__in=[unknown, same]).values_list("pk", flat=True)
    )
    assert index.year_pruning()


# --- common names -----------------------------------------------------------------------------


def test_a_common_name_matches_only_with_the_same_birth_year_or_a_document(
    saved, own_case, partner_case, alice, settings, client
):
    """A name key held by more persons than the threshold (3 here) is common: persons sharing
    only common keys match when born the same year, or on a document, never on the name
    alone; a rarer key they share still links them. Keys crossing the threshold either way
    send their persons back to matching, and the rebuild agrees with incremental matching."""
    settings.FORTRESS_PERSON_COMMON_NAME_THRESHOLD = 3
    a = suspect(saved, own_case, "Nguyễn Văn An", birth_year=1990)
    b = suspect(saved, partner_case, "AN VAN NGUYEN")
    assert PersonMatch.objects.filter(a__suspect=a, b__suspect=b).exists()  # 2 hold the name
    c = suspect(saved, partner_case, "Nguyen Van An", birth_year=1990)
    d = suspect(saved, partner_case, "Nguyen Van An", birth_year=1975)
    assert PersonKey.objects.common(
        Person.objects.get(suspect=a).keys.values_list("key", flat=True)
    )

    def matched(x, y) -> bool:
        return PersonMatch.objects.filter(
            Q(a__suspect=x, b__suspect=y) | Q(a__suspect=y, b__suspect=x)
        ).exists()

    # The fourth holder made the name common: the name-only match of a and b is gone.
    assert not matched(a, b)
    assert not matched(b, c) and not matched(b, d)
    assert matched(a, c)
    assert "same birth year" in PersonMatch.objects.get(a__suspect=a, b__suspect=c).explanation
    client.force_login(alice)
    assert "more than 3 indexed persons share is common" in client.get("/persons/matches/").text
    # A shared document is decisive, common name or not.
    doc = [{"type": "passport", "country": "VN", "number": "B7654321"}]
    e = suspect(saved, own_case, "Nguyen Van An", documents=doc)
    f = suspect(saved, partner_case, "Nguyen Van An", documents=doc)
    assert PersonMatch.objects.get(a__suspect=e, b__suspect=f).score == 100
    assert not matched(b, e)
    # A rarer name they share still links two persons without a birth year.
    g = suspect(saved, own_case, "Nguyen Van An Xuong")
    h = suspect(saved, partner_case, "Xuong Nguyen Van An")
    assert matched(g, h)
    incremental = pairs()
    rebuild.rebuild()
    assert pairs() == incremental
    # Back under the threshold: the persons of the name are matched again, a and b included.
    for other in (c, d, e, f, g, h):
        by = other.case.agency.users.get(role="investigator")
        saved(
            suspect_update,
            suspect=other,
            by=by,
            expected_version=other.version,
            full_name=f"Someone Else {other.pk}",
        )
    assert not PersonKey.objects.common(
        Person.objects.get(suspect=a).keys.values_list("key", flat=True)
    )
    assert matched(a, b)
    incremental = pairs()
    PersonMatch.objects.all().delete()
    rebuild.rebuild()
    assert pairs() == incremental


def test_a_probe_reads_no_person_of_a_common_name_without_its_birth_year(
    saved, own_case, partner_case, settings
):
    settings.FORTRESS_PERSON_COMMON_NAME_THRESHOLD = 3
    target = suspect(saved, own_case, "Nguyễn Văn An", birth_year=1990)
    yearless = suspect(saved, partner_case, "AN VAN NGUYEN")
    same = suspect(saved, partner_case, "Nguyen Van An", birth_year=1990)
    suspect(saved, partner_case, "Nguyen Van An", birth_year=1960)
    person = Person.objects.get(suspect=target)
    keys = {person.pk: list(person.keys.values_list("key", flat=True))}
    assert xref._candidates(keys, {person.pk: 1990})[person.pk] == {
        Person.objects.get(suspect=same).pk
    }
    # Without a birth year, a common name reads nobody.
    other = Person.objects.get(suspect=yearless)
    keys = {other.pk: list(other.keys.values_list("key", flat=True))}
    assert xref._candidates(keys, {other.pk: None})[other.pk] == set()


def test_the_case_page_names_suspects_a_common_name_leaves_unmatched(
    saved, own_case, partner_case, client, alice, settings
):
    settings.FORTRESS_PERSON_COMMON_NAME_THRESHOLD = 2
    lone = suspect(saved, own_case, "Nguyễn Văn An")
    dated = suspect(saved, own_case, "Nguyen Van An", birth_year=1990)
    suspect(saved, partner_case, "AN VAN NGUYEN", birth_year=1990)
    rare = suspect(saved, own_case, "Xuong Quoc Bao")
    client.force_login(alice)
    page = client.get(f"/cases/{own_case.pk}/").content.decode()
    hint = page[page.index("Common names:") :]
    hint = hint[: hint.index("</div>")]
    assert lone.full_name in hint and f"/cases/suspects/{lone.pk}/edit/" in hint
    assert dated.full_name not in hint and rare.full_name not in hint
    # With a birth year recorded, the hint goes and the suspect matches by year.
    saved(suspect_update, suspect=lone, by=alice, birth_year=1990, expected_version=lone.version)
    assert "Common names:" not in client.get(f"/cases/{own_case.pk}/").content.decode()
    assert (
        PersonMatch.objects.filter(a__suspect=lone).exists()
        or PersonMatch.objects.filter(b__suspect=lone).exists()
    )


def test_the_rebuild_indexes_and_scores_without_the_cyclic_collector(own_case, partner_case):
    """The collector's passes over the persons in memory took a sixth of the persons
    benchmark's CPU: none runs while a chunk is indexed or a batch of blocks is scored (it
    runs between them)."""
    # Enough persons that a collector left on runs inside both (written in bulk, not indexed:
    # the rebuild indexes them).
    givens = ["An", "Anh", "Hung", "Mai", "Minh", "Thu", "Lan", "Hoa", "Nam", "Tuan"]
    Suspect.objects.bulk_create(
        Suspect(
            case=own_case if n % 2 else partner_case,
            full_name=f"{surname} Van {given}",
            birth_year=1990 + n % 3,
        )
        for n, (surname, given) in enumerate(
            itertools.product(["Nguyen", "Tran", "Le"], givens * 8)
        )
    )
    # The scoring is watched in `_score_blocks`, which runs only inside the pause: its caller
    # enters the pause itself, and a pass may begin as it does.
    bulk = [
        (os.path.join("persons", "index.py"), "index_sources"),
        (os.path.join("persons", "rebuild.py"), "_score_blocks"),
    ]
    with passes_inside(*bulk) as passes:
        result = rebuild.rebuild()
    assert result.indexed == 240 and result.created > 240
    assert passes == []
    assert gc.isenabled()
