"""The operations API: figures equal to an independent count for the lead and a participant,
404 for a non-member everywhere, invitations, linking, and the approvals queue."""

from decimal import Decimal

import pytest

from cases.models import JointOperation, ParticipationStatus
from cases.services import case_create
from operations import services
from tests.test_operations import expected_figures, world  # noqa: F401


def money(per_currency: dict) -> dict:
    return {c: f"{Decimal(v):.2f}" for c, v in sorted(per_currency.items())}


@pytest.mark.parametrize("viewer", ["own", "partner"])
def test_figures_equal_an_independent_count(api, world, viewer, own_users, partner_users):  # noqa: F811
    user = {"own": own_users, "partner": partner_users}[viewer]["supervisor"]
    op = world["op"]
    expected = expected_figures(op)
    detail = api(user).get(f"/api/v1/operations/{op.pk}/")
    assert detail.status_code == 200
    figures = detail.json()["figures"]
    assert figures == api(user).get(f"/api/v1/operations/{op.pk}/figures/").json()
    assert figures["arrested"] == expected["arrested"]
    assert figures["charged"] == expected["charged"]
    assert figures["extradited"] == expected["extradited"]
    assert figures["victims_identified"] == expected["victims_identified"]
    assert figures["victims_rescued"] == expected["victims_rescued"]
    assert figures["victims_repatriated"] == expected["victims_repatriated"]
    assert figures["assets_frozen"] == money(expected["frozen"])
    assert figures["assets_recovered"] == money(expected["recovered"])
    assert figures["infrastructure_taken_down"] == sum(expected["taken_down"].values())
    assert figures["infrastructure_taken_down_by_kind"] == expected["taken_down"]
    assert figures["countries_with_victims"] == len(expected["countries"])
    assert figures["hits_between_participants"] == expected["hits"]
    assert figures["assets_estimate"]["currency"] == "USD"
    assert figures["assets_estimate"]["not_converted"] == ["VND"]


@pytest.mark.parametrize("role", ["investigator", "analyst", "liaison", "supervisor", "admin"])
def test_non_member_gets_404(api, world, outsider_users, role):  # noqa: F811
    op = world["op"]
    client = api(outsider_users[role])
    assert client.get(f"/api/v1/operations/{op.pk}/").status_code == 404
    assert client.get(f"/api/v1/operations/{op.pk}/figures/").status_code == 404
    assert (
        client.patch(f"/api/v1/operations/{op.pk}/", {"name": "x", "version": 1}).status_code == 404
    )
    for name in ("invite", "accept", "decline", "status", "rates", "link-case", "unlink-case"):
        assert client.post(f"/api/v1/operations/{op.pk}/{name}/", {}).status_code == 404, name
    assert op.pk not in {row["id"] for row in client.get("/api/v1/operations/").json()["results"]}


def test_lead_creates_updates_invites_and_partner_links(
    api, own_users, partner_users, partner, outsider_users
):
    bob = api(own_users["supervisor"])
    response = bob.post(
        "/api/v1/operations/",
        {"code": "op-ibis", "name": "Operation Ibis", "target_countries": ["KH", "MM"]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    op = response.json()
    assert op["lead_agency"] == own_users["supervisor"].agency_id
    assert op["target_countries"] == ["KH", "MM"]
    # Investigators do not create operations.
    refused = api(own_users["investigator"]).post(
        "/api/v1/operations/", {"code": "op-x", "name": "X"}, format="json"
    )
    assert refused.status_code == 403
    # Update with the version read; a stale one is 409.
    updated = bob.patch(
        f"/api/v1/operations/{op['id']}/", {"objectives": "Dismantle", "version": 1}, format="json"
    )
    assert updated.status_code == 200 and updated.json()["version"] == 2
    stale = bob.patch(
        f"/api/v1/operations/{op['id']}/", {"objectives": "Other", "version": 1}, format="json"
    )
    assert stale.status_code == 409
    assert stale.json()["changed"] == {"objectives": "Dismantle"}
    stale = bob.patch(
        f"/api/v1/operations/{op['id']}/",
        {"target_countries": ["VN"], "starts_on": "2026-01-01", "version": 1},
        format="json",
    )
    assert stale.json()["changed"] == {"target_countries": ["KH", "MM"], "starts_on": None}
    # Invite, and the partner accepts.
    invited = bob.post(
        f"/api/v1/operations/{op['id']}/invite/", {"agencies": [partner.pk]}, format="json"
    )
    assert invited.json()[0]["status"] == ParticipationStatus.INVITED
    psup = api(partner_users["supervisor"])
    assert psup.get(f"/api/v1/operations/{op['id']}/").json()["figures"] is None
    assert psup.get(f"/api/v1/operations/{op['id']}/figures/").status_code == 404
    approvals = psup.get("/api/v1/approvals/").json()
    assert [i["operation"] for i in approvals["invitations"]] == [op["id"]]
    assert psup.post(f"/api/v1/operations/{op['id']}/accept/").json()["status"] == "accepted"
    # The partner links its own case; someone else's case is 404.
    case = case_create(by=partner_users["investigator"], title="Partner case")
    linked = api(partner_users["investigator"]).post(
        f"/api/v1/operations/{op['id']}/link-case/", {"case": case.pk, "share": True}, format="json"
    )
    assert linked.status_code == 200
    assert linked.json()["sharing_level"] == "operation"
    own_case = case_create(by=own_users["investigator"], title="Own case")
    refused = psup.post(
        f"/api/v1/operations/{op['id']}/link-case/", {"case": own_case.pk}, format="json"
    )
    assert refused.status_code == 404
    # Status and rates, lead only.
    assert (
        psup.post(f"/api/v1/operations/{op['id']}/status/", {"status": "active"}).status_code == 404
    )
    assert (
        bob.post(f"/api/v1/operations/{op['id']}/status/", {"status": "active"}).json()["status"]
        == "active"
    )
    bad = bob.post(f"/api/v1/operations/{op['id']}/status/", {"status": "planned"})
    assert bad.status_code == 400
    rate = bob.post(
        f"/api/v1/operations/{op['id']}/rates/", {"currency": "THB", "rate": "0.028"}, format="json"
    )
    assert rate.status_code == 200


def test_decline_through_the_api(api, own_users, partner_users, partner):
    op = services.operation_create(by=own_users["supervisor"], name="Op Crane", code="crane")
    services.operation_invite(operation=op, by=own_users["supervisor"], agencies=[partner])
    # Only the invited agency's supervisor answers.
    assert (
        api(partner_users["analyst"]).post(f"/api/v1/operations/{op.pk}/decline/").status_code
        == 404
    )
    response = api(partner_users["supervisor"]).post(f"/api/v1/operations/{op.pk}/decline/")
    assert response.json()["status"] == "declined"
    assert api(partner_users["supervisor"]).get(f"/api/v1/operations/{op.pk}/").status_code == 404


def test_list_makes_as_many_queries_for_2n_operations(
    api,
    world,  # noqa: F811
    own_users,
    same_queries_for_n_and_2n,
):
    supervisor = own_users["supervisor"]

    def add_operations(n: int) -> None:
        for _ in range(n):
            i = JointOperation.objects.count()
            services.operation_create(by=supervisor, name=f"Op {i}", code=f"op-{i}")

    same_queries_for_n_and_2n(lambda: api(supervisor).get("/api/v1/operations/"), add_operations)
    assert len(api(supervisor).get("/api/v1/operations/").json()["results"]) == 9


def test_stale_update_names_the_operation(api, own_users):
    op = services.operation_create(by=own_users["supervisor"], name="Op Stork", code="stork")
    bob = api(own_users["supervisor"])
    bob.patch(f"/api/v1/operations/{op.pk}/", {"name": "Stork I", "version": 1}, format="json")
    stale = bob.patch(
        f"/api/v1/operations/{op.pk}/", {"name": "Stork", "version": 1}, format="json"
    )
    assert stale.status_code == 409
    assert stale.json()["detail"].startswith("Someone else saved this joint operation meanwhile")
    assert stale.json()["version"] == 2
