"""Who reads a victim, in the browser and the API, and the access log of every allowed read.

Expected answers are written out from the issue, independently of access/: the
owning agency's investigators, liaison officers and supervisors read the victim; so do the
liaison officers and supervisors of an agency that ACCEPTED the hand-over; analysts and agency
admins never (analysts get counts); anyone else gets 404, never 403.
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from access import visible_repatriations, visible_victims
from cases.models import SharingLevel
from victims import services
from victims.factories import make_repatriation, make_victim
from victims.models import AccessAction, Stage, VictimAccessLog

ROLES = ["investigator", "analyst", "liaison", "supervisor", "admin"]
IDENTITY_READERS = {"investigator", "liaison", "supervisor"}
REPATRIATION_MOVERS = {"liaison", "supervisor"}


@pytest.fixture
def world(own_users, partner_users, outsider_users, make_case, partner):
    # The case is even shared with the partner: sharing a case does not share its victims.
    case = make_case(sharing_level=SharingLevel.SHARED, shared_with=[partner])
    liaison = own_users["liaison"]
    victim = make_victim(case=case, by=liaison, full_name="Trần Thị Mai")
    repatriation = make_repatriation(
        victim=victim, by=liaison, destination_country="TH", stage=Stage.IN_SHELTER
    )
    users = {"own": own_users, "partner": partner_users, "outsider": outsider_users}
    return {"case": case, "victim": victim, "repatriation": repatriation, "users": users}


def expected_reader(relation: str, role: str, handover: str) -> bool:
    if relation == "own":
        return role in IDENTITY_READERS
    if relation == "partner" and handover == "accepted":
        return role in REPATRIATION_MOVERS
    return False


def _set_handover(world, handover: str) -> None:
    if handover == "none":
        return
    own_liaison = world["users"]["own"]["liaison"]
    partner_liaison = world["users"]["partner"]["liaison"]
    partner = partner_liaison.agency
    services.repatriation_handover(
        by=own_liaison,
        repatriation=world["repatriation"],
        agency=partner,
        version=world["repatriation"].version,
    )
    if handover == "accepted":
        services.repatriation_accept(by=partner_liaison, repatriation=world["repatriation"])
    elif handover == "declined":
        services.repatriation_decline(
            by=partner_liaison, repatriation=world["repatriation"], reason="Not our national"
        )


MATRIX = [
    (relation, role, handover)
    for relation in ("own", "partner", "outsider")
    for role in ROLES
    for handover in ("none", "pending", "accepted", "declined")
]


@pytest.mark.parametrize(("relation", "role", "handover"), MATRIX)
def test_victim_detail_page_and_api(client, api, world, relation, role, handover):
    _set_handover(world, handover)
    user = world["users"][relation][role]
    victim = world["victim"]
    allowed = expected_reader(relation, role, handover)
    before = VictimAccessLog.objects.filter(user=user, action=AccessAction.READ).count()

    client.force_login(user)
    page = client.get(reverse("victims:victim_detail", args=[victim.pk]))
    assert page.status_code == (200 if allowed else 404)
    response = api(user).get(f"/api/v1/victims/{victim.pk}/")
    assert response.status_code == (200 if allowed else 404)

    reads = VictimAccessLog.objects.filter(user=user, action=AccessAction.READ, victim=victim)
    if allowed:
        assert "Trần Thị Mai" in page.content.decode()
        assert response.json()["full_name"] == "Trần Thị Mai"
        # Each allowed read lands in the log: one for the page, one for the API.
        assert reads.count() == before + 2
        assert {e.where for e in reads} == {
            "GET victims:victim_detail",
            f"API GET /api/v1/victims/{victim.pk}/",
        }
        assert all(e.user_agency_id == user.agency_id for e in reads)
    else:
        assert reads.count() == before


def expected_repatriation_viewer(relation: str, role: str, handover: str) -> bool:
    """The repatriation: identity readers, plus the destination's movers while pending."""
    if relation == "partner" and handover == "pending":
        return role in REPATRIATION_MOVERS
    return expected_reader(relation, role, handover)


@pytest.mark.parametrize(("relation", "role", "handover"), MATRIX)
def test_repatriation_detail_page_and_api(client, api, world, relation, role, handover):
    _set_handover(world, handover)
    user = world["users"][relation][role]
    repatriation = world["repatriation"]
    allowed = expected_repatriation_viewer(relation, role, handover)
    client.force_login(user)
    page = client.get(reverse("victims:repatriation_detail", args=[repatriation.pk]))
    assert page.status_code == (200 if allowed else 404)
    response = api(user).get(f"/api/v1/repatriations/{repatriation.pk}/")
    assert response.status_code == (200 if allowed else 404)
    listed = api(user).get("/api/v1/repatriations/")
    ids = [r["id"] for r in listed.json()["results"]] if listed.status_code == 200 else []
    assert (repatriation.pk in ids) == allowed
    if allowed:
        logged = VictimAccessLog.objects.filter(user=user, victim=world["victim"])
        assert logged.filter(where="GET victims:repatriation_detail").exists()


def test_pending_destination_sees_a_summary_not_the_record(client, world):
    _set_handover(world, "pending")
    partner_liaison = world["users"]["partner"]["liaison"]
    client.force_login(partner_liaison)
    page = client.get(reverse("victims:repatriation_detail", args=[world["repatriation"].pk]))
    body = page.content.decode()
    assert "Hand-over summary" in body
    assert "Trần Thị Mai" in body
    assert reverse("victims:victim_detail", args=[world["victim"].pk]) not in body
    entry = VictimAccessLog.objects.filter(user=partner_liaison).latest("id")
    assert entry.reason == "hand-over review"


def test_victim_list_in_api_logs_each_row(api, world, make_case):
    liaison = world["users"]["own"]["liaison"]
    other = make_victim(case=make_case(), by=liaison, full_name="Somchai Rakdee")
    response = api(liaison).get("/api/v1/victims/")
    assert {r["full_name"] for r in response.json()["results"]} == {
        "Trần Thị Mai",
        "Somchai Rakdee",
    }
    logged = VictimAccessLog.objects.filter(
        user=liaison, action=AccessAction.READ, where="API GET /api/v1/victims/"
    )
    assert set(logged.values_list("victim_id", flat=True)) == {world["victim"].pk, other.pk}


@pytest.mark.parametrize("role", ROLES)
def test_other_agencies_list_no_victims(api, world, role):
    for relation in ("partner", "outsider"):
        response = api(world["users"][relation][role]).get("/api/v1/victims/")
        assert response.json()["results"] == []


def test_analyst_sees_counts_only_on_the_case_page(client, world):
    analyst = world["users"]["own"]["analyst"]
    client.force_login(analyst)
    page = client.get(reverse("cases:detail", args=[world["case"].pk]))
    body = page.content.decode()
    assert "1 victim recorded on this case." in body
    assert "Trần Thị Mai" not in body
    assert not VictimAccessLog.objects.filter(user=analyst).exists()


def test_partner_of_a_shared_case_sees_counts_only(client, world):
    partner_investigator = world["users"]["partner"]["investigator"]
    client.force_login(partner_investigator)
    body = client.get(reverse("cases:detail", args=[world["case"].pk])).content.decode()
    assert "1 victim recorded on this case." in body
    assert "Trần Thị Mai" not in body


def test_investigator_sees_names_on_the_case_page_and_the_read_is_logged(client, world):
    investigator = world["users"]["own"]["investigator"]
    client.force_login(investigator)
    body = client.get(reverse("cases:detail", args=[world["case"].pk])).content.decode()
    assert "Trần Thị Mai" in body
    assert VictimAccessLog.objects.filter(
        user=investigator, where="cases:detail (victims section)"
    ).exists()


def test_the_access_log_cannot_be_changed_or_deleted(world):
    entry = VictimAccessLog.objects.first()
    entry.reason = "covering tracks"
    with pytest.raises(ValidationError, match="never changed"):
        entry.save()
    with pytest.raises(ValidationError, match="never deleted"):
        entry.delete()
    with pytest.raises(ValidationError, match="never changed"):
        VictimAccessLog.objects.filter(pk=entry.pk).update(reason="bulk rewrite")
    with pytest.raises(ValidationError, match="never deleted"):
        VictimAccessLog.objects.all().delete()
    entry.refresh_from_db()
    assert entry.reason == ""


def test_changes_are_logged(world):
    liaison = world["users"]["own"]["liaison"]
    services.victim_update(
        by=liaison,
        victim=world["victim"],
        current_facility="Shelter B",
        where="test",
        version=world["victim"].version,
    )
    actions = list(
        VictimAccessLog.objects.filter(victim=world["victim"])
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions[0] == AccessAction.CREATE
    assert AccessAction.REPATRIATION_START in actions
    assert AccessAction.REPATRIATION_MOVE in actions
    assert actions[-1] == AccessAction.UPDATE


def test_supervisor_reads_the_agency_access_log(client, world):
    supervisor = world["users"]["own"]["supervisor"]
    client.force_login(supervisor)
    response = client.get(reverse("victims:access_log"))
    assert response.status_code == 200
    assert f'"record">V-{world["victim"].pk}<' in response.content.decode()
    for user in (
        world["users"]["own"]["liaison"],
        world["users"]["own"]["investigator"],
        world["users"]["outsider"]["supervisor"],
    ):
        client.force_login(user)
        if user.agency_id == supervisor.agency_id:
            assert client.get(reverse("victims:access_log")).status_code == 404
        else:
            listed = client.get(reverse("victims:access_log")).content.decode()
            assert f'"record">V-{world["victim"].pk}<' not in listed


def test_counts_without_names_in_the_api(api, world, make_case):
    case = world["case"]
    analyst = world["users"]["own"]["analyst"]
    response = api(analyst).get("/api/v1/victims/counts/", {"case": case.pk})
    assert response.json() == {"count": 1, "by_kind": {"trafficked_worker": 1}}
    assert api(analyst).get(f"/api/v1/victims/{world['victim'].pk}/").status_code == 404
    # The partner sees the (shared) case, so its count; the outsider sees neither.
    partner = api(world["users"]["partner"]["analyst"]).get("/api/v1/victims/counts/")
    assert partner.json()["count"] == 1
    outsider = api(world["users"]["outsider"]["analyst"])
    assert outsider.get("/api/v1/victims/counts/").json() == {"count": 0, "by_kind": {}}
    assert outsider.get("/api/v1/victims/counts/", {"case": case.pk}).status_code == 404
    assert not VictimAccessLog.objects.filter(user=analyst).exists()
    # The case's id in other digits is no id (config/ids.py): 404, not that case.
    other_digits = str(case.pk).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    for malformed in (other_digits, "-1", "1e3"):
        answer = api(analyst).get("/api/v1/victims/counts/", {"case": malformed})
        assert answer.status_code == 404, malformed


def test_the_holding_agency_log_shows_reads_by_the_accepting_agency(client, world):
    _set_handover(world, "accepted")
    partner_liaison = world["users"]["partner"]["liaison"]
    client.force_login(partner_liaison)
    client.get(reverse("victims:victim_detail", args=[world["victim"].pk]))
    client.force_login(world["users"]["own"]["supervisor"])
    page = client.get(reverse("victims:access_log"), {"q": partner_liaison.username})
    rows = list(page.context["page"].object_list)
    assert rows and {e.user_id for e in rows} == {partner_liaison.pk}
    assert "GET victims:victim_detail" in {e.where for e in rows}
    # The partner's supervisor sees the same entries: they were made by the partner's user.
    client.force_login(world["users"]["partner"]["supervisor"])
    theirs = client.get(reverse("victims:access_log")).context["page"].object_list
    assert {e.user_id for e in theirs} == {partner_liaison.pk}


def test_the_access_log_is_paginated(client, world):
    liaison = world["users"]["own"]["liaison"]
    services.log_access(
        by=liaison, victims=[world["victim"]] * 120, action=AccessAction.READ, where="test"
    )
    client.force_login(world["users"]["own"]["supervisor"])
    first = client.get(reverse("victims:access_log"))
    assert len(first.context["page"].object_list) == 50
    assert first.context["page"].paginator.num_pages >= 3


@pytest.mark.parametrize("handover", ["none", "pending", "accepted", "declined"])
def test_the_dashboard_counts_read_the_victims_without_joins(world, handover):
    """The rule is two IN subqueries over the victims, no join: the dashboard's grouped counts
    read each victim once (an OR across joins to the case and the repatriation made
    PostgreSQL join all of them first). The same victims as the rule, for every reader."""
    _set_handover(world, handover)
    victim = world["victim"]
    for relation, users in world["users"].items():
        for role, user in users.items():
            if role in IDENTITY_READERS:  # for the others the rule is empty: no SQL at all
                sql = str(visible_victims(user).order_by().values("nationality").query)
                assert "JOIN" not in sql.upper()
            assert list(visible_victims(user)) == (
                [victim] if expected_reader(relation, role, handover) else []
            )
            assert list(visible_repatriations(user)) == (
                [world["repatriation"]]
                if expected_repatriation_viewer(relation, role, handover)
                else []
            )
