"""The victims pages and API: the workflows, the outsider's 404 on every URL and endpoint, and
the dashboard's query bound."""

import datetime
import itertools

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.services import notification_send
from cases.services import case_create
from victims import selectors, services
from victims.factories import make_repatriation, make_victim
from victims.models import Repatriation, Stage, Victim


@pytest.fixture
def victim(make_case, own_users):
    return make_victim(case=make_case(), by=own_users["liaison"], full_name="Nguyễn Thị Lan")


@pytest.fixture
def repatriation(victim, own_users):
    return make_repatriation(victim=victim, by=own_users["liaison"], stage=Stage.RESCUED)


# --- the outsider gets 404 everywhere ------------------------------------------------------


def _pages(victim, repatriation) -> list[tuple[str, str]]:
    return [
        ("get", reverse("victims:victim_detail", args=[victim.pk])),
        ("get", reverse("victims:victim_edit", args=[victim.pk])),
        ("post", reverse("victims:victim_edit", args=[victim.pk])),
        ("get", reverse("victims:victim_create", args=[victim.case_id])),
        ("post", reverse("victims:victim_create", args=[victim.case_id])),
        ("get", reverse("victims:repatriation_start", args=[victim.pk])),
        ("get", reverse("victims:repatriation_detail", args=[repatriation.pk])),
        ("post", reverse("victims:repatriation_move", args=[repatriation.pk])),
        ("get", reverse("victims:repatriation_handover", args=[repatriation.pk])),
        ("post", reverse("victims:repatriation_handover", args=[repatriation.pk])),
        ("get", reverse("victims:repatriation_accept", args=[repatriation.pk])),
        ("post", reverse("victims:repatriation_accept", args=[repatriation.pk])),
        ("get", reverse("victims:repatriation_decline", args=[repatriation.pk])),
        ("post", reverse("victims:repatriation_decline", args=[repatriation.pk])),
    ]


def _endpoints(victim, repatriation) -> list[tuple[str, str, dict]]:
    base = f"/api/v1/repatriations/{repatriation.pk}"
    return [
        ("get", f"/api/v1/victims/{victim.pk}/", {}),
        ("patch", f"/api/v1/victims/{victim.pk}/", {"current_facility": "X"}),
        ("put", f"/api/v1/victims/{victim.pk}/", {"full_name": "X", "kind": "both", "case": 1}),
        ("get", f"{base}/", {}),
        ("post", f"{base}/move/", {"stage": "in_shelter"}),
        ("post", f"{base}/handover/", {"agency": 1}),
        ("post", f"{base}/accept/", {}),
        ("post", f"{base}/decline/", {"reason": "no"}),
        (
            "post",
            "/api/v1/repatriations/bulk-move/",
            {"repatriations": [repatriation.pk], "stage": "in_shelter"},
        ),
        ("post", "/api/v1/repatriations/", {"victim": victim.pk, "destination_country": "VN"}),
        ("post", "/api/v1/victims/", {"case": victim.case_id, "full_name": "X", "kind": "both"}),
    ]


@pytest.mark.parametrize("role", ["investigator", "analyst", "liaison", "supervisor", "admin"])
def test_the_unrelated_agency_gets_404_on_every_page(
    client, victim, repatriation, outsider_users, role
):
    client.force_login(outsider_users[role])
    for method, url in _pages(victim, repatriation):
        assert getattr(client, method)(url).status_code == 404, (method, url)
    for url in ("victims:dashboard", "victims:bulk_move", "victims:access_log"):
        status = client.get(reverse(url)).status_code
        if status == 200:
            assert "Nguyễn Thị Lan" not in client.get(reverse(url)).content.decode()
        else:
            assert status == 404


@pytest.mark.parametrize("role", ["investigator", "analyst", "liaison", "supervisor", "admin"])
def test_the_unrelated_agency_gets_404_on_every_endpoint(
    api, victim, repatriation, outsider_users, role
):
    client = api(outsider_users[role])
    for method, url, data in _endpoints(victim, repatriation):
        assert getattr(client, method)(url, data, format="json").status_code == 404, (method, url)
    assert client.get("/api/v1/repatriations/").json()["results"] == []
    repatriation.refresh_from_db()
    victim.refresh_from_db()
    assert (repatriation.stage, victim.current_facility, Victim.objects.count()) == (
        Stage.RESCUED,
        "",
        1,
    )


def test_an_analyst_gets_404_for_identities_everywhere(
    client, api, victim, repatriation, own_users
):
    analyst = own_users["analyst"]
    client.force_login(analyst)
    for method, url in _pages(victim, repatriation):
        assert getattr(client, method)(url).status_code == 404, (method, url)
    assert client.get(reverse("victims:dashboard")).status_code == 404
    for method, url, data in _endpoints(victim, repatriation):
        response = getattr(api(analyst), method)(url, data, format="json")
        if url == "/api/v1/victims/":
            # The analyst sees the case, so recording a victim on it is refused, not hidden.
            assert response.status_code == 403
        else:
            assert response.status_code == 404, url
    assert Victim.objects.count() == 1


def test_anonymous_is_sent_to_sign_in(client, victim, repatriation, api):
    response = client.get(reverse("victims:victim_detail", args=[victim.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert api(None).get("/api/v1/victims/").status_code == 401


# --- workflows in the browser --------------------------------------------------------------


def test_record_edit_and_start_repatriation_in_the_browser(client, make_case, own_users):
    case = make_case()
    liaison = own_users["liaison"]
    client.force_login(liaison)
    url = reverse("victims:victim_create", args=[case.pk])
    assert client.get(url).status_code == 200
    bad = client.post(
        url,
        {
            "kind": "trafficked_worker",
            "full_name": "Mai",
            "sex": "female",
            "date_of_birth_precision": "day",
            "loss_amount": "100",
            "loss_currency": "",
        },
    )
    assert bad.status_code == 200
    assert "A loss needs its currency." in bad.content.decode()
    assert not Victim.objects.exists()
    response = client.post(
        url,
        {
            "kind": "trafficked_worker",
            "full_name": "Trần Thị Mai",
            "other_names": "Tran Thi Mai\nMai Tran",
            "sex": "female",
            "date_of_birth": "1999-01-01",
            "date_of_birth_precision": "year",
            "nationality": "VN",
            "current_country": "KH",
            "current_facility": "Shelter A",
            "vulnerabilities": ["injured"],
            "identity_documents": "passport; VN; C1234567",
            "consent_to_share": "on",
        },
    )
    assert response.status_code == 302
    victim = Victim.objects.get()
    assert victim.other_names == ["Tran Thi Mai", "Mai Tran"]
    assert victim.identity_documents == [
        {"type": "passport", "country": "VN", "number": "C1234567"}
    ]
    assert victim.vulnerabilities == ["injured"]
    detail = client.get(response["Location"]).content.decode()
    assert "Trần Thị Mai" in detail and "C1234567" in detail

    edit = reverse("victims:victim_edit", args=[victim.pk])
    form = client.get(edit).content.decode()
    assert "passport; VN; C1234567" in form
    response = client.post(
        edit,
        {
            "kind": "both",
            "full_name": "Trần Thị Mai",
            "sex": "female",
            "date_of_birth_precision": "day",
            "current_facility": "Shelter B",
            "version": 1,
        },
    )
    assert response.status_code == 302
    stale = client.post(
        edit,
        {
            "kind": "both",
            "full_name": "Trần Thị Mai",
            "sex": "female",
            "date_of_birth_precision": "day",
            "version": 1,
        },
    )
    assert "NOT saved" in stale.content.decode()
    victim.refresh_from_db()
    assert (victim.kind, victim.current_facility, victim.version) == ("both", "Shelter B", 2)

    start = reverse("victims:repatriation_start", args=[victim.pk])
    response = client.post(start, {"destination_country": "VN", "liaison_officer": liaison.pk})
    assert response.status_code == 302
    assert Repatriation.objects.get().liaison_officer == liaison


def test_investigators_follow_read_only(client, repatriation, own_users):
    client.force_login(own_users["investigator"])
    page = client.get(reverse("victims:repatriation_detail", args=[repatriation.pk]))
    assert page.status_code == 200
    assert "Move to the next stage" not in page.content.decode()
    response = client.post(
        reverse("victims:repatriation_move", args=[repatriation.pk]), {"stage": "in_shelter"}
    )
    assert response.status_code == 404


def test_move_in_the_browser_and_confirm_a_destructive_one(client, repatriation, own_users):
    client.force_login(own_users["liaison"])
    move = reverse("victims:repatriation_move", args=[repatriation.pk])
    response = client.post(
        move, {"stage": "in_shelter", "note": "Arrived", "version": repatriation.version}
    )
    assert response.status_code == 302
    repatriation.refresh_from_db()
    assert repatriation.stage == Stage.IN_SHELTER
    seen = repatriation.version
    ask = client.post(move, {"stage": "missing", "note": "Left the shelter", "version": seen})
    assert ask.status_code == 200 and "Yes, move to Missing" in ask.content.decode()
    repatriation.refresh_from_db()
    assert repatriation.stage == Stage.IN_SHELTER
    client.post(
        move, {"stage": "missing", "note": "Left the shelter", "confirm": "1", "version": seen}
    )
    repatriation.refresh_from_db()
    assert repatriation.stage == Stage.MISSING
    history = client.get(
        reverse("victims:repatriation_detail", args=[repatriation.pk])
    ).content.decode()
    assert "Left the shelter" in history and "Arrived" in history


def test_a_refused_move_says_why(client, repatriation, own_users):
    client.force_login(own_users["liaison"])
    response = client.post(
        reverse("victims:repatriation_move", args=[repatriation.pk]), {"stage": "rescued"}
    )
    assert response.status_code == 400
    repatriation.refresh_from_db()
    assert repatriation.stage == Stage.RESCUED


# --- the dashboard -------------------------------------------------------------------------


def test_dashboard_lists_overdue_first_with_counts(client, own_users, make_case):
    liaison = own_users["liaison"]
    case = make_case()
    reps = [
        make_repatriation(
            victim=make_victim(
                case=case,
                by=liaison,
                full_name=f"Worker {i:02d}",
                nationality=["VN", "TH", "ID"][i % 3],
                current_facility=f"Shelter {i % 2}",
            ),
            by=liaison,
            stage=[Stage.IDENTIFIED, Stage.RESCUED, Stage.IN_SHELTER][i % 3],
        )
        for i in range(30)
    ]
    late = reps[17]
    Repatriation.objects.filter(pk=late.pk).update(
        due_on=timezone.localdate() - datetime.timedelta(days=3)
    )
    client.force_login(liaison)
    # Its queries: test_list_pages_and_endpoints_make_as_many_queries_for_2n_rows.
    response = client.get(reverse("victims:dashboard"))
    body = response.content.decode()
    assert body.index("Worker 17") < body.index("Worker 00")
    assert "1 overdue" in body
    counts = {s["stage"]: s["count"] for s in response.context["stage_counts"]}
    assert counts["identified"] == counts["rescued"] == counts["in_shelter"] == 10
    assert dict(response.context["by_nationality"]) == {"VN": 10, "TH": 10, "ID": 10}
    filtered = client.get(reverse("victims:dashboard"), {"stage": "rescued"})
    assert len(filtered.context["page"].object_list) == 10
    # The overdue count is a link that lists only the overdue.
    assert 'href="?overdue=1"' in body
    overdue = client.get(reverse("victims:dashboard"), {"overdue": "1"})
    assert [r.pk for r in overdue.context["page"].object_list] == [late.pk]


def test_notifications_page(client, own_users):
    liaison = own_users["liaison"]
    notification_send(user=liaison, key="k1", message="Hello liaison", url="/")
    assert notification_send(user=liaison, key="k1", message="again", url="/") is None
    client.force_login(liaison)
    assert "Hello liaison" in client.get(reverse("notifications:list")).content.decode()
    client.post(reverse("notifications:list"))
    assert not liaison.notifications.unread().exists()


# --- the API -------------------------------------------------------------------------------


def test_api_victim_create_update_and_fields(api, make_case, own_users):
    case = make_case()
    client = api(own_users["investigator"])
    payload = {
        "case": case.pk,
        "kind": "fraud_victim",
        "full_name": "Amaka Obi",
        "sex": "female",
        "date_of_birth": "1980-05-02",
        "nationality": "NG",
        "current_country": "NG",
        "vulnerabilities": ["medical"],
        "loss_amount": "2500.00",
        "loss_currency": "usd",
        "identity_documents": [{"type": "passport", "country": "NG", "number": "A0001"}],
    }
    response = client.post("/api/v1/victims/", payload, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    for field in (
        "case",
        "kind",
        "full_name",
        "sex",
        "date_of_birth",
        "nationality",
        "current_country",
        "vulnerabilities",
    ):
        assert body[field] == payload[field]
    assert body["loss_currency"] == "USD"
    bad = client.post("/api/v1/victims/", {**payload, "loss_currency": "XXQ"}, format="json")
    assert bad.status_code == 400 and "loss_currency" in bad.json()
    bad_vuln = client.post(
        "/api/v1/victims/", {**payload, "vulnerabilities": ["sad"]}, format="json"
    )
    assert bad_vuln.status_code == 400
    patched = client.patch(
        f"/api/v1/victims/{body['id']}/",
        {"current_facility": "Lagos shelter", "version": 1},
        format="json",
    )
    assert patched.status_code == 200 and patched.json()["version"] == 2
    stale = client.patch(
        f"/api/v1/victims/{body['id']}/", {"current_facility": "Y", "version": 1}, format="json"
    )
    assert stale.status_code == 409
    assert Victim.objects.count() == 1
    assert client.delete(f"/api/v1/victims/{body['id']}/").status_code == 405


def test_api_repatriation_start_move_and_fields(api, victim, own_users):
    client = api(own_users["liaison"])
    response = client.post(
        "/api/v1/repatriations/",
        {"victim": victim.pk, "destination_country": "VN", "note": "Raid"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert {
        "victim",
        "destination_country",
        "stage",
        "liaison_officer",
        "handed_over_to",
        "overdue",
    } <= set(body)
    assert (
        body["victim"],
        body["destination_country"],
        body["stage"],
        body["liaison_officer"],
        body["handed_over_to"],
        body["overdue"],
    ) == (victim.pk, "VN", "identified", own_users["liaison"].pk, None, False)
    base = f"/api/v1/repatriations/{body['id']}"
    refused = client.post(
        f"{base}/move/", {"stage": "repatriated", "version": body["version"]}, format="json"
    )
    assert refused.status_code == 400 and "travel documents" in str(refused.json())
    unknown = client.post(f"{base}/move/", {"stage": "teleported"}, format="json")
    assert unknown.status_code == 400
    moved = client.post(
        f"{base}/move/",
        {"stage": "rescued", "note": "Freed", "version": body["version"]},
        format="json",
    )
    assert moved.json()["stage"] == "rescued"
    listed = client.get("/api/v1/repatriations/", {"stage": "rescued"}).json()["results"]
    assert [r["id"] for r in listed] == [body["id"]]
    assert client.get("/api/v1/repatriations/", {"overdue": "true"}).json()["results"] == []


@pytest.fixture
def many(own_users, make_case):
    liaison = own_users["liaison"]
    case = make_case()
    return [
        make_repatriation(
            victim=make_victim(case=case, by=liaison, full_name=f"Worker {i:02d}"),
            by=liaison,
            stage=Stage.IN_SHELTER,
        )
        for i in range(25)
    ]


@pytest.fixture
def rounds(own_users, partner_users, make_case):
    """`rounds(n)`, n times: a victim of ours in shelter (nationality and facility vary) with
    its repatriation, a partner's repatriation handed over to us, reads of our victim by two
    users (the access log), and a notification."""
    supervisor, liaison, theirs = own_users["supervisor"], own_users["liaison"], partner_users
    case = make_case()
    their_case = case_create(by=theirs["investigator"], title="Their victims")
    numbers = itertools.count()

    def add_rows(n: int) -> None:
        for _ in range(n):
            i = next(numbers)
            victim = make_victim(
                case=case,
                by=liaison,
                full_name=f"Worker {i:02d}",
                nationality=["VN", "TH", "ID"][i % 3],
                current_facility=f"Shelter {i % 2}",
            )
            make_repatriation(victim=victim, by=liaison, stage=Stage.IN_SHELTER)
            handed = make_repatriation(
                victim=make_victim(case=their_case, by=theirs["liaison"], full_name=f"Theirs {i}"),
                by=theirs["liaison"],
                destination_country="VN",
                stage=Stage.IN_SHELTER,
            )
            services.repatriation_handover(
                by=theirs["liaison"],
                repatriation=handed,
                agency=supervisor.agency,
                version=handed.version,
            )
            for reader in (liaison, own_users["investigator"]):
                selectors.log_reads(by=reader, victims=[victim], where=f"test {i}")
            notification_send(
                user=supervisor, key=f"test-{i}", message=f"Note {i}", url=f"/victims/{victim.pk}/"
            )

    add_rows.case = case  # type: ignore[attr-defined]
    return add_rows


# What each list shows after 8 rounds (below): ours and the hand-overs awaiting us; every read
# logged, also by the requests themselves; the notifications; one group of ours to move.
LISTS = [
    ("victims:dashboard", lambda c: (len(c["page"].object_list), len(c["awaiting"])), (16, 8)),
    ("victims:access_log", lambda c: len(c["page"].object_list) >= 16, True),
    ("notifications:list", lambda c: len(c["page"].object_list), 8),
    ("victims:bulk_move", lambda c: len(c["group"]), 8),
]


@pytest.mark.parametrize(("url", "shown", "expected"), LISTS)
def test_list_pages_make_as_many_queries_for_2n_rows(
    client, own_users, rounds, url, shown, expected, same_queries_for_n_and_2n
):
    supervisor = own_users["supervisor"]
    params = {"case": rounds.case.pk, "from_stage": "in_shelter", "to_stage": "identity_verified"}
    client.force_login(supervisor)
    same_queries_for_n_and_2n(lambda: client.get(reverse(url), params), rounds)
    response = client.get(reverse(url), params)
    assert response.status_code == 200
    assert shown(response.context) == expected


@pytest.mark.parametrize(
    ("url", "count"), [("/api/v1/victims/", 8), ("/api/v1/repatriations/", 16)]
)
def test_list_endpoints_make_as_many_queries_for_2n_rows(
    api, own_users, rounds, url, count, same_queries_for_n_and_2n
):
    supervisor = own_users["supervisor"]
    same_queries_for_n_and_2n(lambda: api(supervisor).get(url), rounds)
    assert api(supervisor).get(url).json()["count"] == count


def test_awaiting_filter_in_the_api(api, many, own_users, partner_users):
    services.repatriation_handover(
        by=own_users["liaison"],
        repatriation=many[0],
        agency=partner_users["liaison"].agency,
        version=many[0].version,
    )
    partner_api = api(partner_users["liaison"])
    listed = partner_api.get("/api/v1/repatriations/", {"awaiting": "true"}).json()["results"]
    assert [r["id"] for r in listed] == [many[0].pk]
    own_listed = api(own_users["liaison"]).get("/api/v1/repatriations/", {"awaiting": "true"})
    assert own_listed.json()["results"] == []


def test_the_stage_filter_answers_htmx_with_the_list_only(client, many, own_users):
    client.force_login(own_users["liaison"])
    response = client.get(
        reverse("victims:dashboard"), {"stage": "in_shelter"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert body.startswith('<div id="repatriation-list">')
    assert "<html" not in body and "Victims by nationality" not in body
    assert "Worker 00" in body
    empty = client.get(reverse("victims:dashboard"), {"stage": "closed"}, HTTP_HX_REQUEST="true")
    assert "No repatriations." in empty.content.decode()


def test_the_dashboard_searches_by_name_reference_and_facility(client, many, own_users):
    client.force_login(own_users["liaison"])
    url = reverse("victims:dashboard")
    by_name = client.get(url, {"q": "worker 07"}).context["page"].object_list
    assert [r.victim.full_name for r in by_name] == ["Worker 07"]
    reference = many[3].victim.reference
    by_reference = client.get(url, {"q": reference.lower()}).context["page"].object_list
    assert [r.pk for r in by_reference] == [many[3].pk]
    assert client.get(url, {"q": "nobody"}).context["page"].object_list == []


# --- every edit carries the version read ---------------------------------------------------
# Before, a victim edit or a repatriation move that sent no version skipped the check and
# silently overwrote whatever someone else had saved meanwhile.

VICTIM_POST = {
    "kind": "both",
    "full_name": "Nguyễn Thị Lan",
    "sex": "male",
    "date_of_birth_precision": "day",
    "current_facility": "Overwritten",
}


def test_victim_page_edit_without_a_version_overwrites_nothing(client, victim, own_users):
    client.force_login(own_users["liaison"])
    edit = reverse("victims:victim_edit", args=[victim.pk])
    response = client.post(edit, VICTIM_POST)
    assert response.status_code == 200
    form = response.context["form"]
    assert "Send the version you read" in " ".join(form.non_field_errors())
    assert form["version"].value() == str(victim.version)
    saved = Victim.objects.get(pk=victim.pk)
    assert (saved.current_facility, saved.version) == (victim.current_facility, victim.version)


def test_victim_page_edit_with_a_stale_version_shows_what_changed(client, victim, own_users):
    services.victim_update(
        by=own_users["liaison"], victim=victim, version=victim.version, current_facility="B"
    )
    client.force_login(own_users["liaison"])
    edit = reverse("victims:victim_edit", args=[victim.pk])
    response = client.post(edit, {**VICTIM_POST, "version": victim.version})
    assert response.status_code == 200
    page = response.content.decode()
    assert "NOT saved" in page and "Current facility: now “B”" in page
    assert Victim.objects.get(pk=victim.pk).current_facility == "B"


def test_victim_api_update_without_or_with_a_stale_version_overwrites_nothing(
    api, victim, own_users
):
    client = api(own_users["liaison"])
    url = f"/api/v1/victims/{victim.pk}/"
    missing = client.patch(url, {"current_facility": "Overwritten"}, format="json")
    assert missing.status_code == 400
    assert "version" in missing.json()
    saved = client.patch(url, {"current_facility": "B", "version": victim.version}, format="json")
    assert saved.status_code == 200
    stale = client.patch(
        url, {"current_facility": "Overwritten", "version": victim.version}, format="json"
    )
    assert stale.status_code == 409
    assert stale.json()["version"] == victim.version + 1
    assert stale.json()["changed"] == {"current_facility": "B"}
    assert Victim.objects.get(pk=victim.pk).current_facility == "B"


def test_repatriation_moves_without_or_with_a_stale_version_move_nothing(
    client, api, repatriation, own_users
):
    liaison = own_users["liaison"]
    client.force_login(liaison)
    move = reverse("victims:repatriation_move", args=[repatriation.pk])
    page = client.post(move, {"stage": "in_shelter", "note": ""})
    assert page.status_code == 400 and "Send the version you read" in page.content.decode()
    base = f"/api/v1/repatriations/{repatriation.pk}"
    missing = api(liaison).post(f"{base}/move/", {"stage": "in_shelter"}, format="json")
    assert missing.status_code == 400 and "version" in missing.json()
    handover = api(liaison).post(f"{base}/handover/", {"agency": liaison.agency_id}, format="json")
    assert handover.status_code == 400 and "version" in handover.json()
    repatriation.refresh_from_db()
    assert (repatriation.stage, repatriation.version) == (Stage.RESCUED, 2)
    stale = api(liaison).post(f"{base}/move/", {"stage": "in_shelter", "version": 1}, format="json")
    assert stale.status_code == 409
    assert stale.json()["changed"]["stage"] == Stage.RESCUED
    page = client.post(move, {"stage": "in_shelter", "version": 1})
    assert page.status_code == 400 and "NOT saved" in page.content.decode()
    repatriation.refresh_from_db()
    assert (repatriation.stage, repatriation.version) == (Stage.RESCUED, 2)


def test_a_victim_without_a_location_reads_unknown_and_labels_are_named(
    client, make_case, own_users
):
    liaison = own_users["liaison"]
    case = make_case()
    make_victim(
        case=case,
        by=liaison,
        full_name="Lost Somewhere",
        current_country="",
        vulnerabilities=["minor"],
    )
    client.force_login(liaison)
    dashboard = client.get(reverse("victims:dashboard")).content.decode()
    by_location = dashboard.split('data-testid="by-location"')[1].split("</table>")[0]
    assert "unknown" in by_location and "?" not in by_location
    client.force_login(own_users["supervisor"])
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    victims = page.split('data-testid="case-victims"')[1].split("</table>")[0]
    assert "unknown" in victims and ">Minor<" in victims and ">minor<" not in victims


def test_a_wrong_move_is_corrected_by_a_new_step_with_its_reason(client, repatriation, own_users):
    liaison = own_users["liaison"]
    client.force_login(liaison)
    detail = reverse("victims:repatriation_detail", args=[repatriation.pk])
    correct = reverse("victims:repatriation_correct", args=[repatriation.pk])
    assert correct in client.get(detail).content.decode()
    page = client.get(correct).content.decode()
    assert "The move from Identified to Rescued" in page
    steps_before = list(repatriation.steps.values_list("pk", "event", "from_stage", "to_stage"))
    # A reason is required; nothing moves without it.
    client.post(correct, {"reason": " ", "version": repatriation.version})
    repatriation.refresh_from_db()
    assert repatriation.stage == Stage.RESCUED
    response = client.post(
        correct, {"reason": "Recorded on the wrong person", "version": repatriation.version}
    )
    assert response.status_code == 302
    repatriation.refresh_from_db()
    assert repatriation.stage == Stage.IDENTIFIED
    steps = list(repatriation.steps.values_list("pk", "event", "from_stage", "to_stage"))
    assert steps[: len(steps_before)] == steps_before  # history kept as it was
    last = repatriation.steps.last()
    assert (last.event, last.from_stage, last.to_stage, last.note, last.by) == (
        "corrected",
        Stage.RESCUED,
        Stage.IDENTIFIED,
        "Recorded on the wrong person",
        liaison,
    )
    history = client.get(detail).content.decode()
    assert "Move corrected" in history and "Recorded on the wrong person" in history
    assert correct not in history  # a correction is not corrected again
    # Those who do not move the repatriation cannot correct it.
    client.force_login(own_users["investigator"])
    assert client.get(correct).status_code == 404


def test_the_api_corrects_a_wrong_move_with_a_reason_and_the_version(api, repatriation, own_users):
    liaison = own_users["liaison"]
    url = f"/api/v1/repatriations/{repatriation.pk}/correct/"
    steps_before = list(repatriation.steps.values_list("pk", "event", "to_stage"))
    # The version is required, a stale one is a conflict, a reason is required: nothing moves.
    assert api(liaison).post(url, {"reason": "wrong"}, format="json").status_code == 400
    stale = api(liaison).post(url, {"reason": "wrong", "version": 0}, format="json")
    assert stale.status_code == 409
    blank = api(liaison).post(url, {"reason": " ", "version": repatriation.version}, format="json")
    assert blank.status_code == 400
    # Who does not move repatriations may not correct one either.
    investigator = api(own_users["investigator"])
    denied = investigator.post(url, {"reason": "x", "version": repatriation.version}, format="json")
    assert denied.status_code in (403, 404)
    repatriation.refresh_from_db()
    assert repatriation.stage == Stage.RESCUED
    response = api(liaison).post(
        url, {"reason": "Recorded on the wrong person", "version": repatriation.version}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["stage"] == Stage.IDENTIFIED
    repatriation.refresh_from_db()
    steps = list(repatriation.steps.values_list("pk", "event", "to_stage"))
    assert steps[: len(steps_before)] == steps_before
    assert steps[-1][1:] == ("corrected", Stage.IDENTIFIED)
    # A correction is not corrected again.
    again = api(liaison).post(url, {"reason": "again", "version": repatriation.version})
    assert again.status_code == 400


def test_the_repatriation_page_shows_the_stage_stepper(client, repatriation, own_users):
    client.force_login(own_users["liaison"])
    html = client.get(reverse("victims:repatriation_detail", args=[repatriation.pk])).content
    stepper = html.decode().split('data-testid="stepper"')[1].split("</ol>")[0]
    assert stepper.count("stepper-done") == 1  # identified
    assert 'stepper-current" aria-current="step"' in stepper and "Rescued" in stepper
    assert stepper.count("stepper-todo") == 6
