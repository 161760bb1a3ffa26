"""The case search (page and API): a typed value is searched as each kind of indicator would
normalise it, and suspects' names folded as the person index folds them; only visible cases,
and suspect names and indicators only for roles that read the case file."""

from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import SharingLevel
from cases.services import suspect_create
from indicators.services import indicator_add


@pytest.fixture
def held(make_case, alice):
    case = make_case(title="Investment app")
    indicator_add(case=case, by=alice, kind="phone", value="+84912345678")
    suspect_create(case=case, by=alice, full_name="Nguyễn Văn Hùng", aliases=["张伟"])
    make_case(title="Another case")
    return case


def page_refs(client, user, query: str) -> list[str]:
    client.force_login(user)
    response = client.get(reverse("cases:list"), {"q": query})
    assert response.status_code == 200
    return [c.reference for c in response.context["page"].object_list]


def api_refs(api, user, query: str) -> list[str]:
    response = api(user).get(f"/api/v1/cases/?q={quote(query)}")
    assert response.status_code == 200
    return [c["reference"] for c in response.json()["results"]]


@pytest.mark.parametrize(
    "query",
    ["0912 345 678", "0912345678", "+84 912 345 678", "Hùng", "hung", "NGUYEN VAN HUNG", "张伟"],
)
def test_found_by_the_value_as_normalised_and_by_the_folded_name(client, api, held, alice, query):
    assert page_refs(client, alice, query) == [held.reference]
    assert api_refs(api, alice, query) == [held.reference]


def test_the_phone_is_read_in_the_agency_country(client, api, held, partner_users):
    """The partner agency (Thailand) reading 0912 345 678 means a Thai number: not ours."""
    held.sharing_level = SharingLevel.NETWORK
    held.save(update_fields=["sharing_level"])
    user = partner_users["investigator"]
    assert api_refs(api, user, "0912 345 678") == []
    assert api_refs(api, user, "+84912345678") == [held.reference]
    assert api_refs(api, user, "hung") == [held.reference]


def test_names_and_indicators_match_only_for_roles_reading_the_case_file(
    client, api, held, own_users
):
    liaison = own_users["liaison"]
    assert api_refs(api, liaison, held.reference) == [held.reference]
    for query in ("hung", "0912 345 678"):
        assert page_refs(client, liaison, query) == []
        assert api_refs(api, liaison, query) == []


def test_the_unrelated_agency_finds_nothing(client, api, held, charlie):
    for query in ("hung", "0912 345 678", held.reference):
        assert page_refs(client, charlie, query) == []
        assert api_refs(api, charlie, query) == []


def test_the_same_queries_for_n_and_2n_cases(api, make_case, alice):
    def add(n: int) -> None:
        for _ in range(n):
            case = make_case(title="Scam centre")
            i = case.pk
            suspect_create(case=case, by=alice, full_name=f"Trần Văn {i}", aliases=[f"Tran {i}"])
            indicator_add(case=case, by=alice, kind="phone", value=f"+849123{i:05d}")

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            found = len(api_refs(api, alice, "tran"))
        return found, len(queries)

    add(5)
    five = count()
    add(5)
    ten = count()
    assert (five[0], ten[0]) == (5, 10)
    assert five[1] == ten[1]
