"""The supervisor's approvals queue: pending access requests (the indicators app's) and
invitations to joint operations, seen and decided in one page."""

import itertools

import pytest
from django.urls import reverse

import access
from cases.models import ParticipationStatus
from cases.services import case_create
from indicators import xref
from indicators.models import AccessRequestStatus
from indicators.services import access_request_create, indicator_add
from operations import services


@pytest.fixture
def queue(own_users, partner_users, outsider_users, partner, own):
    """For the own agency: an access request from the partner and an invitation from the
    partner's operation."""
    own_case = case_create(by=own_users["investigator"], title="Own case")
    partner_case = case_create(by=partner_users["investigator"], title="Partner case")
    indicator_add(
        case=own_case, by=own_users["investigator"], kind="phone", value="+66 81 234 5678"
    )
    indicator_add(
        case=partner_case, by=partner_users["investigator"], kind="phone", value="+66812345678"
    )
    xref.sweep()
    hit = access.visible_hits(partner_users["analyst"]).get()
    (request,) = access_request_create(
        hit=hit, by=partner_users["analyst"], agency=own, reason="Same mule number"
    )
    op = services.operation_create(by=partner_users["supervisor"], name="Op Mekong", code="mekong")
    services.operation_invite(operation=op, by=partner_users["supervisor"], agencies=[own])
    return {"request": request, "op": op, "own_case": own_case}


def test_queue_shows_both_kinds(client, queue, own_users):
    client.force_login(own_users["supervisor"])
    html = client.get(reverse("operations:approvals")).content.decode()
    assert "Same mule number" in html
    assert "Op Mekong" in html
    home = client.get(reverse("home")).content.decode()
    assert 'data-testid="operations-panel"' in home
    assert "1 access request" in home and "1 invitation" in home


def test_supervisor_decides_both_kinds_from_the_queue(client, queue, own_users, partner):
    client.force_login(own_users["supervisor"])
    request = queue["request"]
    url = reverse("operations:decide_access_request", args=[request.pk])
    confirm = client.post(url, {"decision": "grant", "note": "Go ahead"})
    assert b'data-testid="grant-preview"' in confirm.content and b"Go ahead" in confirm.content
    request.refresh_from_db()
    assert request.status == AccessRequestStatus.PENDING
    response = client.post(url, {"decision": "grant", "note": "Go ahead", "confirmed": "True"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == AccessRequestStatus.GRANTED
    # Granted through the indicators service: the case is now shared with the partner.
    assert queue["own_case"].shared_with.filter(pk=partner.pk).exists()
    client.post(reverse("operations:respond", args=[queue["op"].pk]), {"decision": "decline"})
    assert queue["op"].participations.get().status == ParticipationStatus.DECLINED
    html = client.get(reverse("operations:approvals")).content.decode()
    assert "No pending access request." in html and "No pending invitation." in html


def test_refuse_and_accept(client, queue, own_users):
    client.force_login(own_users["supervisor"])
    request = queue["request"]
    client.post(
        reverse("operations:decide_access_request", args=[request.pk]), {"decision": "refuse"}
    )
    request.refresh_from_db()
    assert request.status == AccessRequestStatus.REFUSED
    response = client.post(
        reverse("operations:respond", args=[queue["op"].pk]), {"decision": "accept"}
    )
    assert response.status_code == 302
    assert queue["op"].participations.get().status == ParticipationStatus.ACCEPTED


@pytest.mark.parametrize("role", ["investigator", "analyst", "liaison", "admin"])
def test_only_supervisors_have_a_queue(client, queue, own_users, role):
    client.force_login(own_users[role])
    assert client.get(reverse("operations:approvals")).status_code == 404
    assert (
        client.post(
            reverse("operations:decide_access_request", args=[queue["request"].pk]),
            {"decision": "grant"},
        ).status_code
        == 404
    )
    assert (
        client.post(
            reverse("operations:respond", args=[queue["op"].pk]), {"decision": "accept"}
        ).status_code
        == 404
    )


def test_unrelated_supervisor_gets_404_on_others_approvals(client, queue, outsider_users):
    client.force_login(outsider_users["supervisor"])
    html = client.get(reverse("operations:approvals")).content.decode()
    assert "Same mule number" not in html and "Op Mekong" not in html
    assert (
        client.post(
            reverse("operations:decide_access_request", args=[queue["request"].pk]),
            {"decision": "grant"},
        ).status_code
        == 404
    )
    assert (
        client.post(
            reverse("operations:respond", args=[queue["op"].pk]), {"decision": "accept"}
        ).status_code
        == 404
    )


def test_queue_makes_as_many_queries_for_2n_requests_and_invitations(
    client, queue, own, own_users, partner_users, outsider_users, same_queries_for_n_and_2n
):
    """Access requests on hits from two agencies, and invitations from two lead agencies."""
    numbers = itertools.count()

    def add_rows(n: int) -> None:
        for _ in range(n):
            i = next(numbers)
            value = f"+66 81 300 {i:04d}"
            own_case = case_create(by=own_users["investigator"], title=f"Own case {i}")
            indicator_add(case=own_case, by=own_users["investigator"], kind="phone", value=value)
            for users in (partner_users, outsider_users):
                theirs = case_create(by=users["investigator"], title=f"Their case {i}")
                indicator_add(case=theirs, by=users["investigator"], kind="phone", value=value)
                op = services.operation_create(
                    by=users["supervisor"],
                    name=f"Op {users['supervisor'].pk} {i}",
                    code=f"op-{users['supervisor'].pk}-{i}",
                )
                services.operation_invite(operation=op, by=users["supervisor"], agencies=[own])
            xref.sweep()
            for users in (partner_users, outsider_users):
                hit = access.visible_hits(users["analyst"]).get(case__title=f"Their case {i}")
                access_request_create(
                    hit=hit, by=users["analyst"], agency=own, reason=f"Same mule number {i}"
                )

    client.force_login(own_users["supervisor"])
    url = reverse("operations:approvals")
    same_queries_for_n_and_2n(lambda: client.get(url), add_rows)
    html = client.get(url).content.decode()
    assert html.count("Same mule number") == 1 + 2 * 8
    assert html.count("hit on +66813") == 2 * 8
    assert html.count('name="decision" value="accept"') == 1 + 2 * 8
