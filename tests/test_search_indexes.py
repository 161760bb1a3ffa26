"""The substring searches of the case list and the registry: the same results as before the
trigram indexes (cases/migrations/0008), and on PostgreSQL the indexes exist and serve them."""

from importlib import import_module

import pytest
from django.db import connection
from django.urls import reverse

from cases.models import Case, SharingLevel, Suspect
from cases.selectors import case_list
from cases.services import suspect_create
from indicators.models import Indicator, IndicatorValue
from indicators.services import indicator_add
from tests.services import require_postgres

INDEXES = import_module("cases.migrations.0008_trigram_search_indexes").INDEXES


@pytest.fixture
def held(make_case, alice):
    case = make_case(title="Investment app")
    indicator_add(case=case, by=alice, kind="domain", value="Fraud-1234.Bench-Shop.com")
    suspect_create(case=case, by=alice, full_name="Nguyễn Văn Hùng")
    make_case(title="Another case")
    return case


def refs(user, query: str) -> list[str]:
    return [c.reference for c in case_list(user, {"q": query}, None)]


@pytest.mark.parametrize(
    "query",
    ["bench-shop", "FRAUD-1234", "fraud-1234.bench-shop.com", "vestment", "hùng", "van hung"],
)
def test_a_part_of_a_value_a_title_or_a_name_finds_the_case(held, alice, query):
    assert refs(alice, query) == [held.reference]


def test_another_agency_finds_the_case_only_once_it_may_see_it(held, partner_users, charlie):
    partner = partner_users["investigator"]
    assert refs(partner, "bench-shop") == []
    assert refs(charlie, "bench-shop") == []
    held.sharing_level = SharingLevel.NETWORK
    held.save(update_fields=["sharing_level"])
    assert refs(partner, "bench-shop") == [held.reference]
    assert refs(partner_users["liaison"], "bench-shop") == []  # no case file: no values


def test_the_case_list_page_searches_alike(client, held, alice):
    client.force_login(alice)
    response = client.get(reverse("cases:list"), {"q": "bench-shop"})
    assert [c.reference for c in response.context["page"].object_list] == [held.reference]


def explain(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        # The test tables are tiny: without this the planner rightly reads them whole.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_trigram_indexes_exist_on_postgresql(db):
    require_postgres()
    names = [name for name, _table, _method in INDEXES]
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname = ANY(%s)", [names])
        found = {row[0] for row in cursor.fetchall()}
    assert found == set(names)


@pytest.mark.parametrize(
    "model, lookup, index",
    [
        (Case, {"reference__icontains": "bench"}, "cases_case_reference_trgm"),
        (Case, {"title__icontains": "bench"}, "cases_case_title_trgm"),
        (Suspect, {"full_name__icontains": "hùng"}, "cases_suspect_full_name_trgm"),
        (Suspect, {"search_name__contains": " hung"}, "cases_suspect_search_name_trgm"),
        (Indicator, {"raw_value__icontains": "bench-shop"}, "indicators_indicator_raw_value_trgm"),
        (IndicatorValue, {"normalized__icontains": "bench"}, "indicators_value_normalized_trgm"),
        (IndicatorValue, {"normalized__in": ["a.example"]}, "indicators_value_normalized"),
    ],
)
def test_the_lookups_the_searches_make_read_their_indexes(db, model, lookup, index):
    """The indexed expression is the one Django writes for the lookup (UPPER(col::text)
    for icontains), so the planner can use it."""
    require_postgres()
    plan = explain(model.objects.filter(**lookup).order_by())
    assert f" {index} " in plan, plan  # "Bitmap Index Scan on x " or "Index Scan using x "


def test_the_case_list_counts_each_case_s_suspects(client, make_case, alice, own_users):
    """The count is a subquery per row of the page now, not a GROUP BY: the same numbers."""
    two, none = make_case(title="Two suspects"), make_case(title="No suspect")
    for name in ("A One", "B Two"):
        suspect_create(case=two, by=alice, full_name=name)
    client.force_login(alice)
    page = client.get(reverse("cases:list")).context["page"]
    assert {c.reference: c.suspect_count for c in page.object_list} == {
        two.reference: 2,
        none.reference: 0,
    }
    assert page.paginator.count == 2
    liaison = own_users["liaison"]  # no case file: no count
    assert not hasattr(case_list(liaison, {}, None).first(), "suspect_count")
