"""/api/v1/cases/, suspects/, assets/, notes/: same services and access policy as the pages."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from cases import services
from cases.models import Asset, Case, CaseNote, SharingLevel, Suspect
from cases.services import asset_create, case_update, note_create, suspect_create
from indicators.services import indicator_add

EDITORS = ["investigator", "supervisor"]
NON_EDITORS = ["analyst", "liaison", "admin"]


def new_case(**overrides) -> dict:
    data = {
        "title": "Investment app 'GoldenBull'",
        "summary": "Fake trading platform.",
        "fraud_type": "investment",
        "status": "open",
        "countries": ["VN", "TH"],
        "reported_loss_amount": "98000.00",
        "reported_loss_currency": "usd",
    }
    data.update(overrides)
    return data


@pytest.fixture
def case(make_case, alice):
    case = make_case(title="Compound case")
    suspect_create(case=case, by=alice, full_name="Zhang Wei", aliases=["张伟"], birth_year=1980)
    asset_create(case=case, by=alice, kind="cash", amount=Decimal("5000"), currency="THB")
    note_create(case=case, by=alice, text="Raid planned.")
    return case


# --- cases ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", EDITORS)
def test_create_a_case(api, own_users, role):
    user = own_users[role]
    response = api(user).post("/api/v1/cases/", new_case(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["reference"].startswith("VN-")
    assert body["reported_loss_amount"] == "98000.00"
    assert body["reported_loss_currency"] == "USD"
    assert sorted(body["countries"]) == ["TH", "VN"]
    assert body["version"] == 1
    assert body["agency"] == user.agency_id
    assert body["lead_investigator"] == user.pk


@pytest.mark.parametrize("role", NON_EDITORS)
def test_other_roles_cannot_create_cases(api, own_users, role):
    response = api(own_users[role]).post("/api/v1/cases/", new_case(), format="json")
    assert response.status_code == 403
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"reported_loss_amount": "-1"}, "reported_loss_amount"),
        ({"reported_loss_currency": "ABC"}, "reported_loss_currency"),
        ({"reported_loss_currency": ""}, "reported_loss_currency"),
        ({"opened_on": "2999-01-01"}, "opened_on"),
        ({"fraud_type": "lottery"}, "fraud_type"),
        ({"countries": ["XX"]}, "countries"),
        ({"status": "archived"}, "status"),
    ],
)
def test_bad_case_input_is_400_and_stores_nothing(api, alice, overrides, field):
    response = api(alice).post("/api/v1/cases/", new_case(**overrides), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Case.objects.exists()


def test_create_mass_assignment(api, alice, outsider, outsider_users):
    response = api(alice).post(
        "/api/v1/cases/",
        new_case(
            agency=outsider.pk,
            owner=outsider_users["investigator"].pk,
            reference="NG-2000-00001",
            id=999,
            created_at="2000-01-01T00:00:00Z",
        ),
        format="json",
    )
    assert response.status_code == 201
    case = Case.objects.get()
    assert case.agency == alice.agency
    assert case.reference.startswith("VN-")
    assert case.pk != 999


def test_lead_investigator_of_another_agency_is_refused(api, alice, charlie, own_users):
    response = api(alice).post(
        "/api/v1/cases/", new_case(lead_investigator=charlie.pk), format="json"
    )
    assert response.status_code == 400 and "lead_investigator" in response.json()
    response = api(alice).post(
        "/api/v1/cases/", new_case(lead_investigator=own_users["analyst"].pk), format="json"
    )
    assert response.status_code == 400 and "lead_investigator" in response.json()
    assert not Case.objects.exists()


def test_update_with_version(api, case, bob):
    response = api(bob).patch(
        f"/api/v1/cases/{case.pk}/", {"status": "under_investigation", "version": 1}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["version"] == 2
    case.refresh_from_db()
    assert case.status == "under_investigation"


def test_update_without_version_is_400(api, case, alice):
    response = api(alice).patch(f"/api/v1/cases/{case.pk}/", {"title": "x"})
    assert response.status_code == 400 and "version" in response.json()
    case.refresh_from_db()
    assert case.title == "Compound case"


def test_stale_version_is_409_with_the_changes_and_the_first_kept(api, case, alice, bob):
    first = api(alice).patch(
        f"/api/v1/cases/{case.pk}/",
        {
            "title": "Alice's",
            "reported_loss_amount": "10.00",
            "reported_loss_currency": "EUR",
            "version": 1,
        },
    )
    assert first.status_code == 200
    second = api(bob).put(
        f"/api/v1/cases/{case.pk}/", new_case(title="Bob's", version=1), format="json"
    )
    assert second.status_code == 409
    body = second.json()
    assert body["version"] == 2
    assert body["changed"] == {
        "title": "Alice's",
        "reported_loss_amount": "10.00",
        "reported_loss_currency": "EUR",
    }
    case.refresh_from_db()
    assert (case.title, case.version) == ("Alice's", 2)


def test_update_mass_assignment(api, case, alice, outsider):
    response = api(alice).patch(
        f"/api/v1/cases/{case.pk}/",
        {"agency": outsider.pk, "reference": "X", "version": 1, "title": "ok"},
    )
    assert response.status_code == 200
    case.refresh_from_db()
    assert (case.agency.code, case.reference[:3], case.title) == ("own", "VN-", "ok")


def test_sharing_through_the_api_is_recorded(api, case, alice, partner):
    response = api(alice).patch(
        f"/api/v1/cases/{case.pk}/",
        {"sharing_level": "shared", "shared_with": [partner.pk], "version": 1},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["shared_with"] == [partner.pk]
    assert CaseNote.objects.filter(case=case, kind="event").count() == 1


@pytest.mark.parametrize("role", NON_EDITORS)
def test_other_roles_cannot_update(api, case, own_users, role):
    response = api(own_users[role]).patch(f"/api/v1/cases/{case.pk}/", {"title": "x", "version": 1})
    assert response.status_code == 404
    case.refresh_from_db()
    assert case.title == "Compound case"


def test_partner_reads_but_cannot_update_a_shared_case(api, make_case, partner, partner_users):
    case = make_case(sharing_level=SharingLevel.SHARED, shared_with=[partner])
    client = api(partner_users["investigator"])
    assert client.get(f"/api/v1/cases/{case.pk}/").status_code == 200
    assert (
        client.patch(f"/api/v1/cases/{case.pk}/", {"title": "x", "version": 1}).status_code == 404
    )


def test_case_filters_ordering_pagination(api, make_case, alice, bob):
    a = make_case(title="A romance", fraud_type="romance", countries=["VN"])
    b = make_case(title="B crypto", fraud_type="crypto", countries=["KH", "TH"])
    case_update(case=b, by=alice, expected_version=1, status="closed")
    client = api(alice)

    def refs(query):
        return [r["reference"] for r in client.get(f"/api/v1/cases/?{query}").json()["results"]]

    assert refs("fraud_type=romance") == [a.reference]
    assert refs("status=closed") == [b.reference]
    assert refs("country=TH") == [b.reference]
    assert refs("search=romance") == [a.reference]
    assert refs("ordering=title") == [a.reference, b.reference]
    assert refs("ordering=-title") == [b.reference, a.reference]
    indicator_add(case=a, by=alice, kind="email", value="Boss@Scam-Mail.com")
    assert refs("q=boss@scam-mail.com") == [a.reference]
    assert refs(f"q={b.reference}") == [b.reference]
    make_case(by=bob, title="C not mine")
    assert refs("mine=true") == [b.reference, a.reference]
    assert client.get("/api/v1/cases/").json()["count"] == 3


def test_case_list_makes_as_many_queries_for_2n_cases(
    api, make_case, alice, partner, outsider, same_queries_for_n_and_2n
):
    def add_cases(n: int) -> None:
        for _ in range(n):
            i = Case.objects.count()
            case = make_case(
                title=f"c{i}", sharing_level=SharingLevel.SHARED, shared_with=[partner, outsider]
            )
            suspect_create(case=case, by=alice, full_name=f"s{i}")
            indicator_add(case=case, by=alice, kind="ip", value=f"10.0.0.{i}")

    same_queries_for_n_and_2n(lambda: api(alice).get("/api/v1/cases/"), add_cases)
    body = api(alice).get("/api/v1/cases/").json()
    assert body["count"] == 8
    assert all(
        sorted(c["shared_with"]) == sorted([partner.pk, outsider.pk]) for c in body["results"]
    )


# --- suspects, assets, notes ------------------------------------------------------------------


def test_create_and_update_a_suspect(api, case, alice):
    client = api(alice)
    response = client.post(
        "/api/v1/suspects/",
        {
            "case": case.pk,
            "full_name": "Nguyễn Văn An",
            "aliases": ["AN VAN NGUYEN", "Anh Ba"],
            "date_of_birth": "1985-03",
            "nationalities": ["VN"],
            "documents": [{"type": "passport", "country": "VN", "number": "C1234567"}],
            "role": "organiser",
            "status": "wanted",
            "notice_references": ["Red Notice A-1/2026"],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["date_of_birth"] == "1985-03"
    assert body["documents"] == [{"type": "passport", "country": "VN", "number": "C1234567"}]
    assert body["notice_references"] == ["Red Notice A-1/2026"]
    assert body["version"] == 1
    response = client.patch(
        f"/api/v1/suspects/{body['id']}/",
        {"status": "arrested", "date_of_birth": "1985-03-02", "version": body["version"]},
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["date_of_birth"]) == (
        "arrested",
        "1985-03-02",
    )
    assert response.json()["aliases"] == ["AN VAN NGUYEN", "Anh Ba"]
    assert response.json()["version"] == 2


@pytest.mark.parametrize(
    "data",
    [
        {"date_of_birth": "2999"},
        {"date_of_birth": "1985-13"},
        {"documents": [{"type": "passport"}]},
        {"documents": [{"number": "1", "country": "QQ"}]},
        {"aliases": "not a list"},
        {"role": "boss"},
    ],
)
def test_bad_suspect_input_is_400(api, case, alice, data):
    response = api(alice).post(
        "/api/v1/suspects/", {"case": case.pk, "full_name": "X", **data}, format="json"
    )
    assert response.status_code == 400
    assert Suspect.objects.count() == 1


def test_a_suspect_never_moves_to_another_case(api, case, make_case, alice):
    other = make_case(title="other")
    suspect = case.suspects.get()
    response = api(alice).patch(f"/api/v1/suspects/{suspect.pk}/", {"case": other.pk, "version": 1})
    assert response.status_code == 200
    suspect.refresh_from_db()
    assert suspect.case == case


def test_suspect_on_a_case_one_cannot_edit(api, make_case, partner, partner_users, outsider_users):
    case = make_case(sharing_level=SharingLevel.SHARED, shared_with=[partner])
    response = api(partner_users["investigator"]).post(
        "/api/v1/suspects/", {"case": case.pk, "full_name": "X"}, format="json"
    )
    assert response.status_code == 403
    # Not visible at all: the case "does not exist", exactly like an unknown id.
    hidden = api(outsider_users["investigator"]).post(
        "/api/v1/suspects/", {"case": case.pk, "full_name": "X"}, format="json"
    )
    unknown = api(outsider_users["investigator"]).post(
        "/api/v1/suspects/", {"case": 999999, "full_name": "X"}, format="json"
    )
    assert hidden.status_code == unknown.status_code == 400
    assert hidden.json()["case"][0].replace(str(case.pk), "N") == unknown.json()["case"][0].replace(
        "999999", "N"
    )
    assert not Suspect.objects.exists()


def test_liaison_does_not_see_the_suspects_file(api, case, own_users):
    client = api(own_users["liaison"])
    assert client.get("/api/v1/suspects/").json()["count"] == 0
    assert client.get(f"/api/v1/suspects/{case.suspects.get().pk}/").status_code == 404
    assert client.get("/api/v1/assets/").json()["count"] == 0
    assert client.get("/api/v1/notes/").json()["count"] == 0
    assert client.get(f"/api/v1/cases/{case.pk}/").status_code == 200


def test_suspect_filters(api, case, alice):
    suspect_create(
        case=case, by=alice, full_name="Olu Adebayo", nationalities=["NG"], role="money_mule"
    )
    client = api(alice)

    def names(query):
        return [r["full_name"] for r in client.get(f"/api/v1/suspects/?{query}").json()["results"]]

    assert names("nationality=NG") == ["Olu Adebayo"]
    assert names("role=money_mule") == ["Olu Adebayo"]
    assert names("search=zhang") == ["Zhang Wei"]
    assert names("ordering=full_name") == ["Olu Adebayo", "Zhang Wei"]


def test_assets_create_update_and_status_date(api, case, alice):
    client = api(alice)
    response = client.post(
        "/api/v1/assets/",
        {"case": case.pk, "kind": "bank_account", "amount": "1200.50", "currency": "eur"},
    )
    assert response.status_code == 201, response.json()
    assert (response.json()["currency"], response.json()["amount"]) == ("EUR", "1200.50")
    asset_id = response.json()["id"]
    response = client.patch(f"/api/v1/assets/{asset_id}/", {"status": "seized", "version": 1})
    assert response.status_code == 200
    assert response.json()["version"] == 2
    asset = Asset.objects.get(pk=asset_id)
    assert asset.status == "seized"
    assert [h.status for h in asset.history.order_by("history_date")] == ["traced", "seized"]
    assert client.get("/api/v1/assets/?currency=EUR").json()["count"] == 1


@pytest.mark.parametrize("path", ["suspects", "assets"])
def test_case_file_update_without_version_is_400(api, case, alice, path):
    obj = (case.suspects if path == "suspects" else case.assets).get()
    response = api(alice).patch(f"/api/v1/{path}/{obj.pk}/", {"description": "x"})
    assert response.status_code == 400 and "version" in response.json()
    obj.refresh_from_db()
    assert obj.version == 1 and obj.history.count() == 1


def test_stale_suspect_version_is_409_with_the_changes_and_the_first_kept(api, case, alice, bob):
    suspect = case.suspects.get()
    url = f"/api/v1/suspects/{suspect.pk}/"
    first = api(alice).patch(
        url, {"status": "arrested", "nationalities": ["CN", "MM"], "version": 1}, format="json"
    )
    assert first.status_code == 200, first.json()
    second = api(bob).put(
        url, {"case": case.pk, "full_name": "Bob's name", "version": 1}, format="json"
    )
    assert second.status_code == 409
    body = second.json()
    assert body["version"] == 2
    assert body["changed"] == {"nationalities": ["CN", "MM"], "status": "arrested"}
    assert "suspect" in body["detail"]
    suspect.refresh_from_db()
    assert (suspect.full_name, suspect.status, suspect.version) == ("Zhang Wei", "arrested", 2)
    again = api(bob).patch(url, {"full_name": "Bob's name", "version": 2})
    assert again.status_code == 200
    assert (again.json()["full_name"], again.json()["version"]) == ("Bob's name", 3)


def test_stale_asset_version_is_409_with_the_changes_and_the_first_kept(api, case, alice, bob):
    asset = case.assets.get()
    url = f"/api/v1/assets/{asset.pk}/"
    first = api(alice).patch(url, {"amount": "7000.00", "status": "frozen", "version": 1})
    assert first.status_code == 200, first.json()
    second = api(bob).patch(url, {"description": "Bob's", "version": 1})
    assert second.status_code == 409
    body = second.json()
    assert body["version"] == 2
    assert body["changed"] == {"amount": "7000.00", "status": "frozen"}
    asset.refresh_from_db()
    assert (asset.description, asset.amount, asset.version) == ("", Decimal("7000.00"), 2)


def test_stale_case_version_names_changed_countries(api, case, alice, bob):
    url = f"/api/v1/cases/{case.pk}/"
    assert (
        api(alice).patch(url, {"countries": ["KH"], "version": 1}, format="json").status_code == 200
    )
    second = api(bob).patch(url, {"title": "Bob's", "version": 1}, format="json")
    assert second.status_code == 409
    assert second.json()["changed"] == {"countries": ["KH"]}


def test_version_is_ignored_on_creation(api, case, alice):
    client = api(alice)
    suspect = client.post(
        "/api/v1/suspects/", {"case": case.pk, "full_name": "X", "version": 9}, format="json"
    )
    asset = client.post("/api/v1/assets/", {"case": case.pk, "kind": "cash", "version": 9})
    assert (suspect.status_code, asset.status_code) == (201, 201)
    assert suspect.json()["version"] == asset.json()["version"] == 1


def test_openapi_documents_the_version_and_the_conflict(api, alice):
    schema = api(alice).get("/api/schema/?format=json").json()
    for name, path in (("Suspect", "/api/v1/suspects/{id}/"), ("Asset", "/api/v1/assets/{id}/")):
        version = schema["components"]["schemas"][name]["properties"]["version"]
        assert "409" in version["description"]
        for method in ("put", "patch"):
            assert "409" in schema["paths"][path][method]["responses"]


@pytest.mark.parametrize(
    "data",
    [
        {"amount": "-3", "currency": "USD"},
        {"amount": "3", "currency": "XXY"},
        {"amount": "3"},
        {"kind": "painting"},
        {"status": "lost"},
    ],
)
def test_bad_asset_input_is_400(api, case, alice, data):
    response = api(alice).post("/api/v1/assets/", {"case": case.pk, **data})
    assert response.status_code == 400
    assert Asset.objects.count() == 1


def test_notes_create_and_edit_with_history(api, case, alice, bob):
    client = api(bob)
    response = client.post("/api/v1/notes/", {"case": case.pk, "text": "Suspect travelled."})
    assert response.status_code == 201
    body = response.json()
    assert (body["kind"], body["author"]) == ("note", bob.pk)
    response = client.patch(f"/api/v1/notes/{body['id']}/", {"text": "Suspect flew to BKK."})
    assert response.status_code == 200
    note = CaseNote.objects.get(pk=body["id"])
    assert [h.text for h in note.history.order_by("history_date")] == [
        "Suspect travelled.",
        "Suspect flew to BKK.",
    ]


def test_note_author_and_kind_cannot_be_set(api, case, alice, bob):
    response = api(alice).post(
        "/api/v1/notes/", {"case": case.pk, "text": "x", "kind": "event", "author": bob.pk}
    )
    assert response.status_code == 201
    assert (response.json()["kind"], response.json()["author"]) == ("note", alice.pk)


def test_events_are_not_edited_through_the_api(api, case, bob):
    from cases.services import case_event_record

    event = case_event_record(case=case, text="Access granted", by=bob)
    response = api(bob).patch(f"/api/v1/notes/{event.pk}/", {"text": "changed"})
    assert response.status_code == 403
    event.refresh_from_db()
    assert event.text == "Access granted"


@pytest.mark.parametrize("role", NON_EDITORS)
def test_other_roles_cannot_write_the_case_file(api, case, own_users, role):
    client = api(own_users[role])
    suspect, asset, note = case.suspects.get(), case.assets.get(), case.notes.get()
    for path, obj in (("suspects", suspect), ("assets", asset), ("notes", note)):
        response = client.patch(f"/api/v1/{path}/{obj.pk}/", {"full_name": "x", "text": "x"})
        assert response.status_code == 404
        response = client.post(
            f"/api/v1/{path}/", {"case": case.pk, "full_name": "x", "text": "x", "kind": "cash"}
        )
        assert response.status_code in (400, 403)
    assert (Suspect.objects.count(), Asset.objects.count(), CaseNote.objects.count()) == (1, 1, 1)


@pytest.mark.parametrize("path", ["suspects", "assets", "notes"])
def test_case_file_list_makes_as_many_queries_for_2n_rows(
    api, make_case, alice, bob, path, same_queries_for_n_and_2n
):
    def add_rows(n: int) -> None:
        for _ in range(n):
            i = Case.objects.count()
            c = make_case(title=f"c{i}")
            suspect_create(case=c, by=alice, full_name=f"s{i}", aliases=[f"a{i}"])
            asset_create(case=c, by=alice, kind="cash", amount=Decimal(i), currency="VND")
            note_create(case=c, by=bob, text=f"n{i}")

    same_queries_for_n_and_2n(lambda: api(alice).get(f"/api/v1/{path}/"), add_rows)
    assert api(alice).get(f"/api/v1/{path}/").json()["count"] == 8


# --- the unrelated agency gets 404 ------------------------------------------------------------


@pytest.mark.parametrize("role", ["investigator", "analyst", "liaison", "supervisor", "admin"])
def test_outsider_gets_404_on_every_endpoint(api, case, outsider_users, role):
    client = api(outsider_users[role])
    objects = {
        "cases": case,
        "suspects": case.suspects.get(),
        "assets": case.assets.get(),
        "notes": case.notes.get(),
    }
    for path, obj in objects.items():
        assert client.get(f"/api/v1/{path}/{obj.pk}/").status_code == 404
        assert client.patch(f"/api/v1/{path}/{obj.pk}/", {"version": 1}).status_code == 404
        assert client.put(f"/api/v1/{path}/{obj.pk}/", {"version": 1}).status_code == 404
        listing = client.get(f"/api/v1/{path}/").json()
        assert listing["count"] == 0
    for path in ("suspects", "assets", "notes"):
        hidden = client.get(f"/api/v1/{path}/?case={case.pk}")
        unknown = client.get(f"/api/v1/{path}/?case=999999")
        assert hidden.status_code == unknown.status_code == 200
        assert hidden.json()["count"] == unknown.json()["count"] == 0
    case.refresh_from_db()
    assert case.version == 1


def test_no_delete_endpoint(api, case, alice):
    assert api(alice).delete(f"/api/v1/cases/{case.pk}/").status_code == 405
    assert Case.objects.filter(pk=case.pk).exists()


def test_operation_sharing_needs_a_joint_operation(api, case, alice):
    response = api(alice).patch(
        f"/api/v1/cases/{case.pk}/", {"sharing_level": "operation", "version": 1}
    )
    assert response.status_code == 400 and "sharing_level" in response.json()
    case.refresh_from_db()
    assert (case.sharing_level, case.version) == ("restricted", 1)


ALL_ROLES = ["investigator", "analyst", "liaison", "supervisor", "admin"]


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("relation", ["own", "partner"])
def test_case_file_endpoints_per_role(
    api, case, alice, partner, own_users, partner_users, role, relation
):
    from cases.services import case_set_sharing

    case_set_sharing(
        case=case,
        level=SharingLevel.SHARED,
        agencies=[partner],
        by=alice,
        expected_version=case.version,
    )
    client = api((own_users if relation == "own" else partner_users)[role])
    reads_file = role in {"investigator", "analyst", "supervisor"}
    may_edit = relation == "own" and role in EDITORS
    for path, obj, change, count in (
        ("suspects", case.suspects.get(), {"status": "arrested", "version": 1}, 1),
        ("assets", case.assets.get(), {"status": "frozen", "version": 1}, 1),
        # The note, and the event recording the sharing.
        ("notes", case.notes.get(kind="note"), {"text": "edited"}, 2),
    ):
        assert client.get(f"/api/v1/{path}/").json()["count"] == (count if reads_file else 0)
        assert client.get(f"/api/v1/{path}/{obj.pk}/").status_code == (200 if reads_file else 404)
        assert client.patch(f"/api/v1/{path}/{obj.pk}/", change).status_code == (
            200 if may_edit else 404
        )


def test_operation_sharing_needs_a_joint_operation_on_create_too(api, alice):
    before = Case.objects.count()
    response = api(alice).post(
        "/api/v1/cases/", {"title": "Operation case without one", "sharing_level": "operation"}
    )
    assert response.status_code == 400
    assert "joint operation" in " ".join(response.json()["sharing_level"])
    assert Case.objects.count() == before


def test_the_service_refuses_operation_sharing_without_an_operation(alice):
    with pytest.raises(ValidationError) as refused:
        services.case_create(by=alice, title="No operation", sharing_level="operation")
    assert "sharing_level" in refused.value.message_dict
