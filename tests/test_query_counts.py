"""Issue #18: every page makes as many queries with 2N rows as with N (no N+1). Each check goes
through `same_queries_for_n_and_2n` (tests/conftest.py): the rows are made through the
services, the page is requested once to warm what it caches, and the queries of a second
request are counted at N and at 2N rows. A count, never a time."""

import itertools
from decimal import Decimal

import pytest
from django.urls import reverse

from cases.models import SharingLevel
from cases.services import asset_create, case_create, note_create, suspect_create
from indicators import xref
from indicators.services import indicator_add, indicators_add_batch
from interchange import taxii
from operations import services as operations
from payments.services import stop_payment_file
from registry.services import proposal_create, proposal_decide
from victims.factories import make_repatriation, make_victim
from victims.models import Stage

N = 3
TAXII = "application/taxii+json;version=2.1"


@pytest.fixture
def everything(own_users, partner_users, partner):
    """`add(n)`: n rounds of what the home pages and the lists show: an own case with a
    suspect, an indicator the partner holds too (a hit), a victim on its way home, a note, an
    asset and a stop-payment request to the partner."""
    numbers = itertools.count()
    alice = own_users["investigator"]
    pinv = partner_users["investigator"]

    def add(n: int) -> None:
        for _ in range(n):
            i = next(numbers)
            case = case_create(
                by=alice, title=f"Fraud wave {i}", sharing_level=SharingLevel.RESTRICTED
            )
            suspect_create(case=case, by=alice, full_name=f"Suspect {i}")
            row = [{"kind": "ip", "value": f"198.18.{i}.1"}]
            indicators_add_batch(case=case, by=alice, rows=row)
            indicators_add_batch(case=case_create(by=pinv, title=f"Theirs {i}"), by=pinv, rows=row)
            note_create(case=case, by=alice, text=f"note {i}")
            asset_create(case=case, by=alice, kind="cash", amount=Decimal(i + 1), currency="THB")
            victim = make_victim(case=case, by=alice, full_name=f"Victim {i}")
            make_repatriation(victim=victim, by=own_users["liaison"], stage=Stage.IN_SHELTER)
            stop_payment_file(
                case=case,
                by=alice,
                to_agency=partner,
                account_kind="bank_account",
                account=f"123-4-5678{i}-0",
                amount=Decimal("5000.00"),
                currency="USD",
            )
        xref.sweep()

    return add


@pytest.mark.parametrize("role", ["investigator", "analyst", "liaison", "supervisor", "admin"])
def test_home_page_of_every_role(client, own_users, everything, role, same_queries_for_n_and_2n):
    client.force_login(own_users[role])
    same_queries_for_n_and_2n(lambda: client.get(reverse("home")), everything, n=N)
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.parametrize("params", [{}, {"q": "Fraud"}])
def test_case_list_first_page_and_search(
    client, alice, everything, params, same_queries_for_n_and_2n
):
    client.force_login(alice)
    url = reverse("cases:list")
    same_queries_for_n_and_2n(lambda: client.get(url, params), everything, n=N)
    assert client.get(url, params).context["page"].paginator.count == 2 * N


def test_case_page_with_n_of_each(client, make_case, alice, own_users, same_queries_for_n_and_2n):
    case = make_case()
    numbers = itertools.count()

    def add(n: int) -> None:
        for _ in range(n):
            i = next(numbers)
            suspect_create(case=case, by=alice, full_name=f"Suspect {i}")
            indicator_add(case=case, by=alice, kind="phone", value=f"+84 912 345 {i:03d}")
            asset_create(case=case, by=alice, kind="cash", amount=Decimal(i + 1), currency="THB")
            note_create(case=case, by=alice, text=f"note {i}")
            make_victim(case=case, by=alice, full_name=f"Victim {i}")

    client.force_login(alice)
    url = reverse("cases:detail", args=[case.pk])
    same_queries_for_n_and_2n(lambda: client.get(url), add, n=N)
    assert f"Suspect {2 * N - 1}" in client.get(url).content.decode()


@pytest.mark.parametrize(
    ("role", "url"),
    [
        ("investigator", "indicators:hits"),
        ("supervisor", "victims:dashboard"),
        ("investigator", "payments:queue"),
    ],
)
def test_list_pages(client, own_users, everything, role, url, same_queries_for_n_and_2n):
    client.force_login(own_users[role])
    same_queries_for_n_and_2n(lambda: client.get(reverse(url)), everything, n=N)
    assert client.get(reverse(url)).context["page"].paginator.count == 2 * N


def test_person_match_queue_with_matches(
    client,
    alice,
    partner_users,
    same_queries_for_n_and_2n,
    celery_in_process,
    django_capture_on_commit_callbacks,
):
    """Each round: a suspect of ours whose name a partner's suspect also has (the matching
    runs in the task queued after commit, here in process)."""
    ours = case_create(by=alice, title="Scam centre raid")
    pinv = partner_users["investigator"]
    theirs = case_create(by=pinv, title="Passport scans")
    names = iter(["Somchai Prasert", "Arjun Mehta", "Kwame Mensah", "Olga Petrova"] * 2)
    family = iter(["Tanaka", "Zahra", "Mendoza", "Larsen", "Volkov", "Okafor", "Sharma", "Eze"])

    def add(n: int) -> None:
        for _ in range(n):
            name = f"{next(names)} {next(family)}"
            with django_capture_on_commit_callbacks(execute=True):
                suspect_create(case=ours, by=alice, full_name=name, birth_year=1990)
            with django_capture_on_commit_callbacks(execute=True):
                suspect_create(case=theirs, by=pinv, full_name=name.upper(), birth_year=1990)

    client.force_login(alice)
    same_queries_for_n_and_2n(lambda: client.get(reverse("persons:matches")), add, n=N)
    assert client.get(reverse("persons:matches")).context["page"].paginator.count == 2 * N


def test_operation_page_with_n_linked_cases(client, own_users, same_queries_for_n_and_2n):
    bob, alice = own_users["supervisor"], own_users["investigator"]
    op = operations.operation_create(by=bob, name="Operation Lotus", code="lotus")
    numbers = itertools.count()

    def add(n: int) -> None:
        for _ in range(n):
            i = next(numbers)
            case = case_create(by=alice, title=f"Linked {i}", fraud_type="phishing")
            operations.operation_link_case(operation=op, case=case, by=bob)
            suspect_create(case=case, by=alice, full_name=f"Linked suspect {i}", status="arrested")
            asset_create(case=case, by=alice, amount=Decimal(10), currency="EUR", status="frozen")
            make_victim(case=case, by=alice, full_name=f"Linked victim {i}", nationality="KE")

    client.force_login(bob)
    url = reverse("operations:detail", args=[op.pk])
    same_queries_for_n_and_2n(lambda: client.get(url), add, n=N)
    assert f"Linked {2 * N - 1}" in client.get(url).content.decode()


@pytest.fixture
def published(own_users):
    """`add(n)`: n more registry entries, each a domain of an own case, proposed and approved."""
    numbers = itertools.count()
    alice = own_users["investigator"]

    def add(n: int) -> None:
        for _ in range(n):
            i = next(numbers)
            case = case_create(by=alice, title=f"Phishing {i}")
            [indicator] = indicators_add_batch(
                case=case, by=alice, rows=[{"kind": "domain", "value": f"bank-{i}.example.com"}]
            )
            proposal = proposal_create(
                indicator=indicator,
                by=own_users["analyst"],
                confidence="confirmed",
                fraud_types=["phishing"],
                description="Fake bank login page.",
            )
            proposal_decide(proposal=proposal, by=own_users["supervisor"], approve=True)

    return add


def test_registry_search(client, own_users, published, same_queries_for_n_and_2n):
    client.force_login(own_users["liaison"])
    url = reverse("registry:search")
    same_queries_for_n_and_2n(lambda: client.get(url), published, n=N)
    assert "bank-0.example.com" in client.get(url).content.decode()


def test_registry_lookup_of_n_values(api, own_users, published, same_queries_for_n_and_2n):
    """N known and N unknown values, then 2N of each."""
    client = api(own_users["analyst"])
    values: list[dict[str, str]] = []

    def add(n: int) -> None:
        published(n)
        start = len(values) // 2
        for i in range(start, start + n):
            values.append({"kind": "domain", "value": f"bank-{i}.example.com"})
            values.append({"kind": "domain", "value": f"unknown-{i}.example.org"})

    def lookup():
        return client.post("/api/v1/registry/lookup/", {"values": values}, format="json")

    same_queries_for_n_and_2n(lookup, add, n=N)
    known = [r["known"] for r in lookup().json()["results"]]
    assert known == [True, False] * 2 * N


def test_taxii_objects_of_an_agency_collection(api, own, own_users, same_queries_for_n_and_2n):
    alice = own_users["investigator"]
    numbers = itertools.count()

    def add(n: int) -> None:
        for _ in range(n):
            i = next(numbers)
            case = case_create(by=alice, title=f"Wave {i}")
            rows = [
                {"kind": "domain", "value": f"wave-{i}.com"},
                {"kind": "ip", "value": f"45.77.{i}.2"},
            ]
            indicators_add_batch(case=case, by=alice, rows=rows)
            suspect_create(case=case, by=alice, full_name=f"Suspect {i}", birth_year=1980)

    collection = taxii._collection_id(f"agency:{own.code}")
    url = f"/taxii2/api/collections/{collection}/objects/"
    client = api(own_users["analyst"])
    same_queries_for_n_and_2n(lambda: client.get(url, HTTP_ACCEPT=TAXII), add, n=N)
    answer = client.get(url, HTTP_ACCEPT=TAXII)
    assert answer.status_code == 200
    assert len(answer.json()["objects"]) >= 4 * N
