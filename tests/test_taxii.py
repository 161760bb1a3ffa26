"""The TAXII 2.1 server as a client uses it: `taxii2-client` against a live server, with an
API token. Collections per agency and per joint operation, paging through 5,000 objects,
`added_after`, `match[type]`, `match[id]`, and 404 for what the access policy hides."""

from datetime import timedelta

import pytest
import requests
from taxii2client.v21 import ApiRoot, Collection, Server, as_pages

from agencies.models import User
from agencies.services import token_create
from cases.models import SharingLevel
from cases.services import case_create, suspect_create
from indicators.models import Indicator
from indicators.services import indicators_add_batch
from interchange import taxii
from operations.services import invitation_respond, operation_create, operation_invite

TAXII = "application/taxii+json;version=2.1"


class TokenAuth(requests.auth.AuthBase):
    def __init__(self, user: User) -> None:
        self.key = token_create(user=user, name="taxii")[1]

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Token {self.key}"
        return request


def _root(live_server, user: User) -> ApiRoot:
    server = Server(f"{live_server.url}/taxii2/", auth=TokenAuth(user))
    assert server.default is not None
    return server.default


def _collection(live_server, user: User, collection_id: str) -> Collection:
    return Collection(
        f"{live_server.url}/taxii2/api/collections/{collection_id}/", auth=TokenAuth(user)
    )


def _agency_collection_id(agency) -> str:
    return taxii._collection_id(f"agency:{agency.code}")


@pytest.fixture
def shared(own_users, partner_users, partner):
    """An own case shared with the partner (two domains and a suspect), an own restricted case
    (one domain), and the partner's own case (one domain)."""
    alice = own_users["investigator"]
    case = case_create(
        by=alice, title="Shared", sharing_level=SharingLevel.SHARED, shared_with=[partner]
    )
    rows = [{"kind": "domain", "value": "shared-one.com"}, {"kind": "ip", "value": "45.77.10.2"}]
    shared_indicators = indicators_add_batch(case=case, by=alice, rows=rows)
    suspect = suspect_create(case=case, by=alice, full_name="Ngô Văn Shared", birth_year=1980)
    secret = case_create(by=alice, title="Restricted")
    indicators_add_batch(case=secret, by=alice, rows=[{"kind": "domain", "value": "secret.com"}])
    theirs = case_create(by=partner_users["investigator"], title="Partner's")
    indicators_add_batch(
        case=theirs,
        by=partner_users["investigator"],
        rows=[{"kind": "domain", "value": "theirs.com"}],
    )
    return {"case": case, "indicators": shared_indicators, "suspect": suspect, "secret": secret}


def _ids(envelope: dict) -> set[str]:
    return {o["id"] for o in envelope.get("objects", [])}


@pytest.mark.django_db(transaction=True)
def test_the_collections_a_user_may_see(
    live_server, shared, own, partner, own_users, partner_users
):
    # Every registry reader also sees the network registry's collection (issue 14).
    registry = taxii.REGISTRY_COLLECTION_ID
    own_ids = {c.id for c in _root(live_server, own_users["analyst"]).collections}
    assert own_ids == {_agency_collection_id(own), registry}
    partner_root = _root(live_server, partner_users["analyst"])
    titles = {c.id: c.title for c in partner_root.collections}
    assert titles == {
        _agency_collection_id(own): own.name,
        _agency_collection_id(partner): partner.name,
        registry: "Network registry",
    }
    assert all(c.can_read and not c.can_write for c in partner_root.collections)
    # A liaison officer reads no case file: the registry's collection only.
    assert [c.id for c in _root(live_server, own_users["liaison"]).collections] == [registry]


@pytest.mark.django_db(transaction=True)
def test_the_owner_sees_every_object_of_its_collection(live_server, shared, own, own_users):
    collection = _collection(live_server, own_users["analyst"], _agency_collection_id(own))
    envelope = collection.get_objects()
    types = sorted(o["type"] for o in envelope["objects"])
    assert types.count("indicator") == 3  # the shared case's two, the restricted case's one
    assert types.count("threat-actor") == 1
    assert {"identity", "marking-definition", "relationship", "domain-name", "ipv4-addr"} <= set(
        types
    )
    assert "secret.com" in {o.get("value") for o in envelope["objects"]}
    assert envelope["more"] is False


@pytest.mark.django_db(transaction=True)
def test_the_partner_sees_only_the_shared_case_and_no_victim(
    live_server, shared, own, partner_users
):
    collection = _collection(live_server, partner_users["analyst"], _agency_collection_id(own))
    values = {o.get("value") for o in collection.get_objects()["objects"]}
    assert "shared-one.com" in values and "secret.com" not in values
    # Each object of the restricted case is 404 for the partner, even by id.
    secret_ids = _ids(
        _collection(
            live_server,
            shared["secret"].agency.users.get(role="analyst"),
            _agency_collection_id(own),
        ).get_objects()
    ) - _ids(collection.get_objects())
    assert secret_ids
    for object_id in secret_ids:
        with pytest.raises(requests.HTTPError) as refused:
            collection.get_object(object_id)
        assert refused.value.response.status_code == 404


@pytest.mark.django_db(transaction=True)
def test_an_outsider_gets_404_for_the_collection_and_each_object(
    live_server, shared, own, own_users, outsider_users
):
    owner = _collection(live_server, own_users["analyst"], _agency_collection_id(own))
    object_ids = _ids(owner.get_objects())
    assert len(object_ids) > 10
    url = f"{live_server.url}/taxii2/api/collections/{_agency_collection_id(own)}/"
    auth = TokenAuth(outsider_users["supervisor"])
    headers = {"Accept": TAXII}
    for suffix in ("", "objects/", "manifest/"):
        answer = requests.get(url + suffix, auth=auth, headers=headers, timeout=30)
        assert answer.status_code == 404
        assert answer.json()["http_status"] == "404"
    for object_id in object_ids:
        answer = requests.get(f"{url}objects/{object_id}/", auth=auth, headers=headers, timeout=30)
        assert answer.status_code == 404, object_id
    outsider_ids = [c.id for c in _root(live_server, outsider_users["supervisor"]).collections]
    assert outsider_ids == [taxii.REGISTRY_COLLECTION_ID]


@pytest.mark.django_db(transaction=True)
def test_filters_added_after_type_and_id(live_server, shared, own, own_users):
    collection = _collection(live_server, own_users["analyst"], _agency_collection_id(own))
    ip = collection.get_objects(type="ipv4-addr")["objects"]
    assert [o["value"] for o in ip] == ["45.77.10.2"]
    indicators = collection.get_objects(type=["indicator", "threat-actor"])["objects"]
    assert sorted(o["type"] for o in indicators) == ["indicator"] * 3 + ["threat-actor"]
    wanted = [indicators[0]["id"], ip[0]["id"]]
    matched = collection.get_objects(id=wanted)["objects"]
    assert sorted(o["id"] for o in matched) == sorted(wanted)
    one = collection.get_object(ip[0]["id"])
    assert [o["id"] for o in one["objects"]] == [ip[0]["id"]]
    # added_after: only what was added since; the last date added of a page is the next poll.
    first = shared["indicators"][0]
    indicators_add_batch(
        case=shared["case"],
        by=own_users["investigator"],
        rows=[{"kind": "url", "value": "https://late.com/x"}],
    )
    Indicator.objects.filter(case=shared["case"]).exclude(
        pk__in=[i.pk for i in shared["indicators"]]
    ).update(created_at=first.created_at + timedelta(days=1))
    manifest = collection.get_manifest(added_after=first.created_at + timedelta(hours=1))
    # The URL and the domain it implies, each with its indicator and relationship.
    assert {r["id"].split("--")[0] for r in manifest["objects"]} == {
        "url",
        "domain-name",
        "indicator",
        "relationship",
    }
    assert all(r["media_type"] == "application/stix+json;version=2.1" for r in manifest["objects"])
    assert collection.get_objects(added_after=first.created_at + timedelta(days=2)) == {
        "more": False
    }


@pytest.mark.django_db(transaction=True)
def test_a_joint_operation_is_a_collection_of_its_members(
    live_server, own_users, partner_users, outsider_users, partner
):
    operation = operation_create(by=own_users["supervisor"], name="Op Taxii", code="taxii")
    operation_invite(operation=operation, by=own_users["supervisor"], agencies=[partner])
    invitation_respond(
        participation=operation.participations.get(agency=partner),
        by=partner_users["supervisor"],
        accept=True,
    )
    case = case_create(
        by=own_users["investigator"],
        title="Linked",
        sharing_level=SharingLevel.OPERATION,
        operation=operation,
    )
    indicators_add_batch(
        case=case, by=own_users["investigator"], rows=[{"kind": "domain", "value": "op.com"}]
    )
    op_id = taxii._collection_id(f"operation:{operation.pk}")
    assert op_id in {c.id for c in _root(live_server, partner_users["analyst"]).collections}
    values = {
        o.get("value")
        for o in _collection(live_server, partner_users["analyst"], op_id).get_objects()["objects"]
    }
    assert "op.com" in values
    answer = requests.get(
        f"{live_server.url}/taxii2/api/collections/{op_id}/objects/",
        auth=TokenAuth(outsider_users["analyst"]),
        timeout=30,
    )
    assert answer.status_code == 404


@pytest.mark.django_db(transaction=True)
def test_paging_through_5000_objects(live_server, own, own_users):
    alice = own_users["investigator"]
    case = case_create(by=alice, title="Bulk")
    rows = [{"kind": "domain", "value": f"bulk-{n}.com"} for n in range(1700)]
    indicators_add_batch(case=case, by=alice, rows=rows)
    collection = _collection(live_server, own_users["analyst"], _agency_collection_id(own))
    seen: list[str] = []
    pages = 0
    for envelope in as_pages(collection.get_objects, per_request=1000):
        pages += 1
        seen += [o["id"] for o in envelope.get("objects", [])]
    # 1,700 observables, indicators and relationships, the agency's identity and TLP:RED.
    assert len(seen) == len(set(seen)) == 1700 * 3 + 2
    assert pages == 6
    headers = requests.get(
        f"{live_server.url}/taxii2/api/collections/{_agency_collection_id(own)}/manifest/?limit=7",
        auth=TokenAuth(alice),
        headers={"Accept": TAXII},
        timeout=30,
    )
    assert headers.headers["Content-Type"] == TAXII
    assert headers.json()["more"] is True and len(headers.json()["objects"]) == 7
    assert headers.headers["X-TAXII-Date-Added-First"] <= headers.headers["X-TAXII-Date-Added-Last"]


@pytest.mark.django_db(transaction=True)
def test_bad_filters_answer_400_in_the_taxii_shape(live_server, shared, own, own_users):
    url = f"{live_server.url}/taxii2/api/collections/{_agency_collection_id(own)}/objects/"
    auth = TokenAuth(own_users["analyst"])
    for query in (
        "added_after=yesterday",
        "limit=0",
        "limit=x",
        "next=1-2",
        "next=9999999999999999999-0-0-0",
    ):
        answer = requests.get(f"{url}?{query}", auth=auth, headers={"Accept": TAXII}, timeout=30)
        assert answer.status_code == 400, query
        assert answer.json()["http_status"] == "400"
    with pytest.raises(requests.HTTPError) as refused:
        Server(f"{live_server.url}/taxii2/").refresh()  # no token
    assert refused.value.response.status_code == 401


@pytest.mark.parametrize(
    "path",
    [
        "collections/not-a-uuid/",
        "collections/not-a-uuid/objects/",
        "collections/not-a-uuid/manifest/",
        "collections/{own}/objects/not-a-stix-id/",
        "collections/{own}/objects/not-a-stix-id/versions/",
    ],
)
def test_a_malformed_id_is_a_taxii_404_not_a_page(api, shared, own, own_users, path):
    """An id no collection or object could have answers like one the user may not see: the
    TAXII error body, never Django's HTML 404 page (which the fuzzer found)."""
    url = "/taxii2/api/" + path.format(own=_agency_collection_id(own))
    answer = api(own_users["analyst"]).get(url, HTTP_ACCEPT=TAXII)
    assert answer.status_code == 404
    assert answer["Content-Type"].startswith("application/taxii+json")
    assert answer.json()["http_status"] == "404"


@pytest.mark.django_db(transaction=True)
def test_a_value_of_two_cases_is_one_observable_of_the_collection(live_server, own, own_users):
    """Two cases of a collection holding one value share its observable (its id hashes the
    value): given once, with the first row, on whatever page, as the case export does."""
    alice = own_users["investigator"]
    for title in ("First", "Second", "Third"):
        case = case_create(by=alice, title=title)
        rows = [
            {"kind": "domain", "value": "twice.example.com"},
            {"kind": "social_handle", "value": "@scam_desk", "platform": "telegram"},
            {"kind": "domain", "value": f"only-{title.lower()}.example.com"},
        ]
        indicators_add_batch(case=case, by=alice, rows=rows)
    collection = _collection(live_server, own_users["analyst"], _agency_collection_id(own))
    for per_request in (1, 2, 5, 1000):
        seen = [
            o["id"]
            for envelope in as_pages(collection.get_objects, per_request=per_request)
            for o in envelope.get("objects", [])
        ]
        assert len(seen) == len(set(seen)), per_request
        # Identity, TLP, 12 indicators and relationships (each domain implies example.com),
        # 6 distinct observables.
        assert len(seen) == 2 + 12 * 2 + 6, per_request
    manifest = [
        r["id"]
        for envelope in as_pages(collection.get_manifest, per_request=3)
        for r in envelope.get("objects", [])
    ]
    assert sorted(manifest) == sorted(seen)
    domains = [
        o
        for envelope in as_pages(collection.get_objects, per_request=2, type="domain-name")
        for o in envelope.get("objects", [])
    ]
    assert sorted(o["value"] for o in domains) == [
        "example.com",
        "only-first.example.com",
        "only-second.example.com",
        "only-third.example.com",
        "twice.example.com",
    ]
    # Every relationship still points at an observable of the collection.
    objects = {o["id"]: o for o in collection.get_objects()["objects"]}
    targets = {o["target_ref"] for o in objects.values() if o["type"] == "relationship"}
    assert targets <= set(objects)
    twice = next(o["id"] for o in domains if o["value"] == "twice.example.com")
    assert [o["id"] for o in collection.get_object(twice)["objects"]] == [twice]
