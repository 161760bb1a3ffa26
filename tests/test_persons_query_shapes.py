"""The person-match reads in their cheap shapes (a UNION ALL of the two sides of a match, a
capped count) give each viewer exactly the matches the access rule gives: checked against
the rule's plain form over a network of open and silent cases in three agencies."""

import pytest
from django.db.models import Q

import access
from cases.models import Case
from cases.services import case_create, case_update
from persons import selectors, views
from persons.models import PersonMatch
from tests.test_persons import saved, suspect, trafficked_worker  # noqa: F401

NAME = "Nguyễn Văn An"


def silent_case(users) -> Case:
    case = case_create(by=users["investigator"], title="Quiet one")
    return case_update(
        case=case, by=users["supervisor"], expected_version=case.version, silent=True
    )


@pytest.fixture
def network(saved, own_users, partner_users, outsider_users) -> list[Case]:  # noqa: F811
    """Every suspect and trafficked worker named alike: each matches all the others."""
    cases = []
    for users in (own_users, partner_users, outsider_users):
        open_case = case_create(by=users["investigator"], title="Open one")
        quiet = silent_case(users)
        for case in (open_case, quiet):
            suspect(saved, case, NAME, birth_year=1990)
            suspect(saved, case, NAME.upper(), birth_year=1990)
            trafficked_worker(saved, case, NAME)
        cases += [open_case, quiet]
    assert PersonMatch.objects.count() > 50
    return cases


def by_the_rule(user) -> set[int]:
    """The access rule of access/persons.py, read over every match in Python."""
    agency_id = access.agency_id_of(user)
    if not access.can(user, access.Action.MANAGE_INDICATORS):
        return set()
    return {
        m.pk
        for m in PersonMatch.objects.select_related("a__case", "b__case")
        if (m.a.agency_id == agency_id and (not m.b.case.silent or m.b.agency_id == agency_id))
        or (m.b.agency_id == agency_id and (not m.a.case.silent or m.a.agency_id == agency_id))
    }


def viewers(own_users, partner_users, outsider_users) -> list:
    return [u for users in (own_users, partner_users, outsider_users) for u in users.values()]


def each_view(cases: list[Case], *user_sets):
    """(viewer, the matches the rule lets them see, a case) for every viewer and case."""
    for user in viewers(*user_sets):
        visible = by_the_rule(user)
        for case in cases:
            yield user, visible, case


def test_matches_of_a_case_are_the_visible_ones_touching_it(
    network, own_users, partner_users, outsider_users
):
    seen = 0
    for user, visible, case in each_view(network, own_users, partner_users, outsider_users):
        touching = set(
            PersonMatch.objects.filter(Q(a__case=case) | Q(b__case=case)).values_list(
                "pk", flat=True
            )
        )
        got = [m.pk for m in selectors.matches_of_case(user, case, limit=1000)]
        assert len(got) == len(set(got)), "a match listed twice"
        assert set(got) == visible & touching, (user, case)
        seen += len(got)
        best = PersonMatch.objects.filter(pk__in=got).order_by("-score", "-id")[:3]
        assert [m.pk for m in selectors.matches_of_case(user, case, limit=3)] == [
            m.pk for m in best
        ]
    assert seen


def test_non_punishment_flags_of_suspects_follow_the_rule(
    network, own_users, partner_users, outsider_users
):
    flagged = 0
    for user, visible, case in each_view(network, own_users, partner_users, outsider_users):
        suspects = list(case.suspects.all())
        got = selectors.non_punishment_suspects(user, suspects)
        ids = {s.pk for s in suspects}
        expected: dict[int, int] = {}
        for m in (
            PersonMatch.objects.filter(pk__in=visible, non_punishment=True)
            .exclude(status="dismissed")
            .select_related("a", "b")
            .order_by("-score", "-id")
        ):
            for sid in (m.a.suspect_id, m.b.suspect_id):
                if sid in ids:
                    expected.setdefault(sid, m.pk)
        assert got == expected, (user, case)
        flagged += len(got)
    assert flagged


def test_the_queue_and_the_api_list_the_visible_matches(
    network, own_users, partner_users, outsider_users, client, api
):
    for user in viewers(own_users, partner_users, outsider_users):
        visible = by_the_rule(user)
        assert set(access.visible_person_matches(user).values_list("pk", flat=True)) == visible
        if not visible:
            continue
        client.force_login(user)
        listed = []
        for number in range(1, 20):
            page = client.get(f"/persons/matches/?status=&page={number}").context["page"]
            listed += [m.pk for m in page.object_list]
            if not page.has_next():
                break
        assert sorted(listed) == sorted(visible) and len(listed) == len(visible)
        data = api(user).get("/api/v1/person-matches/?page_size=1000").json()
        assert data["count"] == len(visible)


def test_the_queue_says_more_than_the_cap_honestly(network, own_users, client, monkeypatch):
    """Past the cap the queue counts no further: it says "more than …" and offers the pages
    up to the cap; under it, the exact count as before."""
    user = own_users["investigator"]
    visible = by_the_rule(user)
    client.force_login(user)
    monkeypatch.setattr(views, "QUEUE_COUNT_CAP", len(visible) - 1)
    page = client.get("/persons/matches/?status=")
    paginator = page.context["page"].paginator
    assert paginator.capped and paginator.count == len(visible)
    assert paginator.num_pages == -(-(len(visible) - 1) // 25)
    assert f"more than {len(visible) - 1} in all" in page.content.decode()
    monkeypatch.setattr(views, "QUEUE_COUNT_CAP", len(visible))
    page = client.get("/persons/matches/?status=")
    assert not page.context["page"].paginator.capped
    assert page.context["page"].paginator.count == len(visible)
    assert " in all)" not in page.content.decode()
