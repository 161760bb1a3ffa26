"""/api/v1/indicators/, /api/v1/hits/ and /api/v1/access-requests/: normalised values or 400
with the reason, hit payloads without any field of the other case, 404 for the unrelated
agency."""

import itertools

import pytest

from cases.services import case_create, suspect_create
from indicators import services, xref
from indicators.models import AccessRequest, Hit, HitStatus, Indicator

DOMAIN = "thai-post-parcel.com"
SECRETS = ["Parcel smishing, Bangkok", "Victims paid a fake customs fee", "Somchai Boss"]


@pytest.fixture
def world(own_users, partner_users, outsider_users):
    alice = own_users["investigator"]
    ours = case_create(by=alice, title=SECRETS[0], summary=SECRETS[1])
    suspect_create(case=ours, by=alice, full_name=SECRETS[2])
    theirs = case_create(by=partner_users["investigator"], title="Nigerian victims")
    (indicator,) = services.indicators_add_batch(
        case=ours, by=alice, rows=[{"kind": "url", "value": f"https://{DOMAIN}/pay"}]
    )
    services.indicators_add_batch(
        case=theirs, by=partner_users["investigator"], rows=[{"kind": "domain", "value": DOMAIN}]
    )
    xref.sweep()
    return {"ours": ours, "theirs": theirs, "indicator": indicator}


def test_create_returns_the_normalised_value(api, world, alice):
    response = api(alice).post(
        "/api/v1/indicators/",
        {"case": world["ours"].pk, "kind": "phone", "value": "0912 345 678"},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["value"] == "0912 345 678"
    assert body["normalized_value"] == "+84912345678"
    assert body["takedown_status"] == "active"
    assert body["pending"] is False  # first sighted: its save cross-referenced it
    # Held before: queued for cross-referencing, until the worker (here the sweep) does it.
    other = case_create(by=alice, title="Same phone")
    again = api(alice).post(
        "/api/v1/indicators/", {"case": other.pk, "kind": "phone", "value": "+84 912 345 678"}
    )
    assert again.json()["pending"] is True
    xref.sweep()
    assert api(alice).get(f"/api/v1/indicators/{again.json()['id']}/").json()["pending"] is False


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({"kind": "phone", "value": "+84 12"}, "not a valid phone number"),
        ({"kind": "crypto_wallet", "chain": "tron", "value": "TXYZ"}, "Tron"),
        ({"kind": "crypto_wallet", "value": "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"}, "chain"),
        ({"kind": "email", "value": "nobody"}, "exactly one @"),
        ({"kind": "bank_account", "value": "DE89 3704 0044 0532 0130 01"}, "IBAN"),
        ({"kind": "social_handle", "value": "@boss"}, "platform"),
        ({"kind": "identity_document", "value": "123456"}, "country"),
        ({"kind": "ip", "value": "300.1.1.1"}, "IPv4"),
        ({"kind": "domain", "value": "localhost"}, "suffix"),
        ({"kind": "url", "value": "javascript:alert(1)"}, "web link"),
    ],
)
def test_create_answers_400_with_the_reason(api, world, alice, payload, reason):
    before = Indicator.objects.count()
    response = api(alice).post("/api/v1/indicators/", {"case": world["ours"].pk, **payload})
    assert response.status_code == 400
    assert reason in str(response.json())
    assert Indicator.objects.count() == before


def test_hits_payload_names_the_agency_and_contact_and_nothing_of_the_case(
    api, world, partner_users, own
):
    client = api(partner_users["analyst"])
    body = client.get("/api/v1/hits/").json()
    assert body["count"] == 1
    (hit,) = body["results"]
    assert hit["kind"] == "domain" and hit["value"] == DOMAIN
    assert hit["case"] == world["theirs"].pk
    assert hit["other_agencies"] == [
        {
            "id": own.pk,
            "name": own.name,
            "country": "VN",
            "contact_email": own.contact_email,
            "contact_phone": "",
        }
    ]
    text = str(body)
    for secret in [*SECRETS, world["ours"].reference]:
        assert secret not in text
    assert client.get(f"/api/v1/cases/{world['ours'].pk}/").status_code == 404
    assert client.get(f"/api/v1/indicators/{world['indicator'].pk}/").status_code == 404


def test_hits_filter_by_status_and_mark_reviewed_or_dismissed(api, world, alice):
    client = api(alice)
    hit = Hit.objects.get(case=world["ours"])
    assert client.post(f"/api/v1/hits/{hit.pk}/review/").json()["status"] == "reviewed"
    assert client.get("/api/v1/hits/?status=new").json()["count"] == 0
    assert client.get("/api/v1/hits/?status=reviewed").json()["count"] == 1
    assert client.post(f"/api/v1/hits/{hit.pk}/dismiss/").json()["status"] == "dismissed"
    assert client.post(f"/api/v1/hits/{hit.pk}/reopen/").json()["status"] == "new"


def test_an_agency_holding_nothing_gets_nothing_and_404(api, world, charlie):
    client = api(charlie)
    hit = Hit.objects.get(case=world["ours"])
    assert client.get("/api/v1/hits/").json()["count"] == 0
    assert client.get("/api/v1/indicators/").json()["count"] == 0
    assert client.get(f"/api/v1/hits/{hit.pk}/").status_code == 404
    assert client.post(f"/api/v1/hits/{hit.pk}/dismiss/").status_code == 404
    assert client.get(f"/api/v1/indicators/{world['indicator'].pk}/").status_code == 404
    assert (
        client.patch(f"/api/v1/indicators/{world['indicator'].pk}/", {"note": "x"}).status_code
        == 404
    )
    assert client.delete(f"/api/v1/indicators/{world['indicator'].pk}/").status_code == 404
    response = client.post(
        "/api/v1/indicators/", {"case": world["ours"].pk, "kind": "ip", "value": "1.2.3.4"}
    )
    assert response.status_code == 400 and "does not exist" in str(response.json())
    assert Hit.objects.get(pk=hit.pk).status == HitStatus.NEW


def test_access_requests_ask_grant_and_404_for_others(
    api, world, partner_users, own_users, outsider_users, own
):
    asker = partner_users["investigator"]
    their_hit = Hit.objects.get(case=world["theirs"])
    response = api(asker).post(
        "/api/v1/access-requests/",
        {"hit": their_hit.pk, "agency": own.pk, "reason": "Same smishing domain"},
    )
    assert response.status_code == 201, response.json()
    (created,) = response.json()
    assert created["case"] is None  # the requester is not told which case
    assert created["owning_agency"]["contact_email"] == own.contact_email
    ar = AccessRequest.objects.get()
    outsider = api(outsider_users["supervisor"])
    assert outsider.get(f"/api/v1/access-requests/{ar.pk}/").status_code == 404
    assert outsider.post(f"/api/v1/access-requests/{ar.pk}/grant/").status_code == 404
    assert api(asker).post(f"/api/v1/access-requests/{ar.pk}/grant/").status_code == 403
    # A hit of another agency cannot be used to ask.
    bad = api(outsider_users["investigator"]).post(
        "/api/v1/access-requests/", {"hit": their_hit.pk, "agency": own.pk, "reason": "x"}
    )
    assert bad.status_code == 400
    owner = api(own_users["supervisor"])
    listed = owner.get("/api/v1/access-requests/?status=pending").json()["results"]
    assert [r["case"] for r in listed] == [world["ours"].pk]
    granted = owner.post(f"/api/v1/access-requests/{ar.pk}/grant/", {"note": "go ahead"})
    assert granted.json()["status"] == "granted"
    assert api(asker).get(f"/api/v1/cases/{world['ours'].pk}/").status_code == 200
    assert owner.post(f"/api/v1/access-requests/{ar.pk}/refuse/").status_code == 400


def test_indicator_list_makes_as_many_queries_for_2n_indicators(
    api, world, alice, same_queries_for_n_and_2n
):
    numbers = itertools.count()

    def add_indicators(n: int) -> None:
        for _ in range(n):
            i = next(numbers)
            case = case_create(by=alice, title=f"Case {i}")
            services.indicators_add_batch(
                case=case,
                by=alice,
                rows=[
                    {"kind": "ip", "value": f"10.9.0.{i}"},
                    {"kind": "social_handle", "platform": "telegram", "value": f"@boss{i}"},
                ],
            )
        xref.sweep()
        # A value held before: pending until cross-referenced (the others never were).
        services.indicators_add_batch(
            case=case_create(by=alice, title=f"Again {i}"),
            by=alice,
            rows=[{"kind": "ip", "value": f"10.9.0.{i}"}],
        )

    same_queries_for_n_and_2n(lambda: api(alice).get("/api/v1/indicators/"), add_indicators)
    body = api(alice).get("/api/v1/indicators/").json()
    assert body["count"] == 2 + 2 * 2 * 4 + 2  # the world's url and its domain
    assert {r["pending"] for r in body["results"]} == {True, False}


def test_hit_list_makes_as_many_queries_for_2n_hits(
    api, alice, partner_users, outsider_users, same_queries_for_n_and_2n
):
    """Each hit of alice's with two other agencies holding the value."""
    numbers = itertools.count()

    def add_hits(n: int) -> None:
        for _ in range(n):
            i = next(numbers)
            row = [{"kind": "ip", "value": f"198.18.{i}.1"}]
            for user in (alice, partner_users["investigator"], outsider_users["investigator"]):
                case = case_create(by=user, title=f"Case {i}")
                services.indicators_add_batch(case=case, by=user, rows=row)
        xref.sweep()

    same_queries_for_n_and_2n(lambda: api(alice).get("/api/v1/hits/"), add_hits)
    body = api(alice).get("/api/v1/hits/").json()
    assert body["count"] == 8
    assert all(len(hit["other_agencies"]) == 2 for hit in body["results"])


def test_an_agency_once_refused_asks_again_while_another_agency_waits(
    api, world, partner_users, own_users, outsider_users, own
):
    """A refusal of this agency and a pending request of another agency on the same case do
    not add up to "this agency has a pending request" (they are two rows)."""
    other = outsider_users["investigator"]
    elsewhere = case_create(by=other, title="Outsider holds the domain too")
    services.indicators_add_batch(
        case=elsewhere, by=other, rows=[{"kind": "domain", "value": DOMAIN}]
    )
    xref.sweep()
    services.access_request_create(
        hit=Hit.objects.get(case=elsewhere), by=other, agency=own, reason="Ours too"
    )
    asker = api(partner_users["investigator"])
    their_hit = Hit.objects.get(case=world["theirs"])
    payload = {"hit": their_hit.pk, "agency": own.pk, "reason": "Same smishing domain"}
    (first,) = asker.post("/api/v1/access-requests/", payload).json()
    refused = api(own_users["supervisor"]).post(f"/api/v1/access-requests/{first['id']}/refuse/")
    assert refused.json()["status"] == "refused"
    again = asker.post("/api/v1/access-requests/", {**payload, "reason": "New evidence"})
    assert again.status_code == 201, again.json()
    assert (
        AccessRequest.objects.filter(
            requesting_agency=partner_users["investigator"].agency, status="pending"
        ).count()
        == 1
    )
    # And while that one waits, a third ask is refused.
    assert asker.post("/api/v1/access-requests/", payload).status_code == 400
