"""Hand-over of a repatriation to the destination country: accept, decline, and what each
side sees before and after."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

import access
from agencies.models import Notification
from config.errors import PolicyError
from victims import services
from victims.factories import make_repatriation, make_victim
from victims.models import HandoverStatus, Stage, StepEvent


@pytest.fixture
def setup(own_users, partner_users, outsider_users, make_case):
    liaison = own_users["liaison"]
    victim = make_victim(case=make_case(), by=liaison, full_name="Somchai Rakdee", nationality="TH")
    repatriation = make_repatriation(
        victim=victim, by=liaison, destination_country="TH", stage=Stage.IDENTITY_VERIFIED
    )
    return {
        "own": own_users,
        "partner": partner_users,
        "outsider": outsider_users,
        "victim": victim,
        "repatriation": repatriation,
    }


def _visible(user, setup) -> tuple[bool, bool]:
    victim_visible = access.visible_victims(user).filter(pk=setup["victim"].pk).exists()
    repatriation_visible = (
        access.visible_repatriations(user).filter(pk=setup["repatriation"].pk).exists()
    )
    return victim_visible, repatriation_visible


def test_before_a_handover_the_destination_sees_nothing(setup):
    for role in ("liaison", "supervisor", "investigator"):
        assert _visible(setup["partner"][role], setup) == (False, False)


def test_pending_handover_shows_the_repatriation_not_the_victim(
    setup, django_capture_on_commit_callbacks
):
    own_liaison, partner = setup["own"]["liaison"], setup["partner"]["liaison"].agency
    with django_capture_on_commit_callbacks(execute=True):
        repatriation = services.repatriation_handover(
            by=own_liaison,
            repatriation=setup["repatriation"],
            agency=partner,
            note="Please take",
            version=setup["repatriation"].version,
        )
    assert repatriation.handover_status == HandoverStatus.PENDING
    assert _visible(setup["partner"]["liaison"], setup) == (False, True)
    assert _visible(setup["partner"]["supervisor"], setup) == (False, True)
    assert _visible(setup["partner"]["investigator"], setup) == (False, False)
    assert _visible(setup["outsider"]["liaison"], setup) == (False, False)
    # The destination's liaison officers are told.
    note = Notification.objects.get(user=setup["partner"]["liaison"])
    assert "accept or decline" in note.message
    assert "Somchai" not in note.message
    # The pending destination may not move it yet.
    with pytest.raises(PolicyError):
        services.repatriation_move(
            by=setup["partner"]["liaison"],
            repatriation=repatriation,
            stage=Stage.TRAVEL_DOCUMENTS_ISSUED,
            version=repatriation.version,
        )


def test_accept_opens_the_victim_and_the_later_stages(setup, django_capture_on_commit_callbacks):
    own_liaison, partner_liaison = setup["own"]["liaison"], setup["partner"]["liaison"]
    services.repatriation_handover(
        by=own_liaison,
        repatriation=setup["repatriation"],
        agency=partner_liaison.agency,
        version=setup["repatriation"].version,
    )
    with django_capture_on_commit_callbacks(execute=True):
        accepted = services.repatriation_accept(
            by=partner_liaison, repatriation=setup["repatriation"]
        )
    assert accepted.handover_status == HandoverStatus.ACCEPTED
    assert accepted.liaison_officer == partner_liaison
    assert _visible(partner_liaison, setup) == (True, True)
    assert _visible(setup["partner"]["investigator"], setup) == (False, False)
    moved = services.repatriation_move(
        by=partner_liaison,
        repatriation=accepted,
        stage=Stage.TRAVEL_DOCUMENTS_ISSUED,
        version=accepted.version,
    )
    # Both sides see the whole history, with who did what.
    events = [(s.event, s.by.agency_id) for s in moved.steps.select_related("by")]
    assert (StepEvent.HANDED_OVER, own_liaison.agency_id) in events
    assert (StepEvent.ACCEPTED, partner_liaison.agency_id) in events
    assert events[-1] == (StepEvent.MOVED, partner_liaison.agency_id)
    # The holding agency's officer heard of the acceptance.
    assert Notification.objects.filter(
        user=own_liaison, key__startswith="handover-accepted"
    ).exists()
    # The holding agency keeps acting too.
    services.repatriation_move(
        by=own_liaison, repatriation=moved, stage=Stage.TRAVEL_ARRANGED, version=moved.version
    )


def test_decline_needs_a_reason_and_closes_the_door(setup):
    own_liaison, partner_liaison = setup["own"]["liaison"], setup["partner"]["liaison"]
    services.repatriation_handover(
        by=own_liaison,
        repatriation=setup["repatriation"],
        agency=partner_liaison.agency,
        version=setup["repatriation"].version,
    )
    with pytest.raises(ValidationError, match="Say why"):
        services.repatriation_decline(
            by=partner_liaison, repatriation=setup["repatriation"], reason="  "
        )
    declined = services.repatriation_decline(
        by=partner_liaison, repatriation=setup["repatriation"], reason="Not a Thai national"
    )
    assert declined.handover_status == HandoverStatus.DECLINED
    assert declined.handover_reason == "Not a Thai national"
    assert _visible(partner_liaison, setup) == (False, False)
    # The holding agency sees the refusal and its reason in the history, and may hand over
    # again.
    last = declined.steps.last()
    assert (last.event, last.note, last.by) == (
        StepEvent.DECLINED,
        "Not a Thai national",
        partner_liaison,
    )
    assert access.can_handover(own_liaison, declined)
    with pytest.raises(PolicyError):
        services.repatriation_accept(by=partner_liaison, repatriation=declined)


def test_only_the_destination_decides(setup):
    own_liaison = setup["own"]["liaison"]
    services.repatriation_handover(
        by=own_liaison,
        repatriation=setup["repatriation"],
        agency=setup["partner"]["liaison"].agency,
        version=setup["repatriation"].version,
    )
    for user in (
        own_liaison,
        setup["outsider"]["liaison"],
        setup["partner"]["investigator"],
        setup["partner"]["analyst"],
    ):
        with pytest.raises(PolicyError):
            services.repatriation_accept(by=user, repatriation=setup["repatriation"])


def test_handover_rules(setup, outsider):
    own_liaison = setup["own"]["liaison"]
    repatriation = setup["repatriation"]
    with pytest.raises(ValidationError, match="destination country"):
        services.repatriation_handover(
            by=own_liaison, repatriation=repatriation, agency=outsider, version=repatriation.version
        )
    with pytest.raises(ValidationError, match="another agency"):
        services.repatriation_handover(
            by=own_liaison,
            repatriation=repatriation,
            agency=own_liaison.agency,
            version=repatriation.version,
        )
    services.victim_update(
        by=own_liaison,
        victim=setup["victim"],
        consent_to_share=False,
        version=setup["victim"].version,
    )
    with pytest.raises(ValidationError, match="consented"):
        services.repatriation_handover(
            by=own_liaison,
            repatriation=repatriation,
            agency=setup["partner"]["liaison"].agency,
            version=repatriation.version,
        )
    with pytest.raises(PolicyError):
        services.repatriation_handover(
            by=setup["own"]["investigator"],
            repatriation=repatriation,
            agency=setup["partner"]["liaison"].agency,
            version=repatriation.version,
        )
    repatriation.refresh_from_db()
    assert repatriation.handover_status == HandoverStatus.NONE


def test_handover_accept_decline_in_the_browser(client, setup):
    repatriation = setup["repatriation"]
    client.force_login(setup["own"]["liaison"])
    partner = setup["partner"]["liaison"].agency
    url = reverse("victims:repatriation_handover", args=[repatriation.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"agency": partner.pk, "note": "Flight next week", "version": repatriation.version}
    )
    assert response.status_code == 302
    client.force_login(setup["partner"]["liaison"])
    dashboard = client.get(reverse("victims:dashboard")).content.decode()
    assert "Hand-overs awaiting my agency" in dashboard
    accept_url = reverse("victims:repatriation_accept", args=[repatriation.pk])
    assert "Accept the repatriation" in client.get(accept_url).content.decode()
    assert client.post(accept_url).status_code == 302
    repatriation.refresh_from_db()
    assert repatriation.handover_status == HandoverStatus.ACCEPTED
    detail = client.get(reverse("victims:victim_detail", args=[setup["victim"].pk]))
    assert detail.status_code == 200
    # The victim, not the (restricted) case it belongs to.
    assert setup["victim"].case.reference not in detail.content.decode()


def test_decline_in_the_browser_asks_a_reason(client, setup):
    repatriation = setup["repatriation"]
    services.repatriation_handover(
        by=setup["own"]["liaison"],
        repatriation=repatriation,
        agency=setup["partner"]["liaison"].agency,
        version=repatriation.version,
    )
    client.force_login(setup["partner"]["liaison"])
    url = reverse("victims:repatriation_decline", args=[repatriation.pk])
    assert client.post(url, {"reason": ""}).status_code == 200
    repatriation.refresh_from_db()
    assert repatriation.handover_status == HandoverStatus.PENDING
    assert client.post(url, {"reason": "No record of this person"}).status_code == 302
    assert (
        client.get(reverse("victims:repatriation_detail", args=[repatriation.pk])).status_code
        == 404
    )
    client.force_login(setup["own"]["liaison"])
    page = client.get(
        reverse("victims:repatriation_detail", args=[repatriation.pk])
    ).content.decode()
    assert "No record of this person" in page


def test_handover_accept_decline_in_the_api(api, setup):
    repatriation = setup["repatriation"]
    partner = setup["partner"]["liaison"].agency
    own_api, partner_api = api(setup["own"]["liaison"]), api(setup["partner"]["liaison"])
    outsider_api = api(setup["outsider"]["liaison"])
    base = f"/api/v1/repatriations/{repatriation.pk}"
    assert partner_api.post(f"{base}/accept/").status_code == 404
    response = own_api.post(
        f"{base}/handover/",
        {"agency": partner.pk, "version": repatriation.version},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["handed_over_to"] == partner.pk
    assert response.json()["handover_status"] == "pending"
    summary = partner_api.get(f"{base}/").json()
    assert summary["victim_summary"]["full_name"] == "Somchai Rakdee"
    assert partner_api.get(f"/api/v1/victims/{setup['victim'].pk}/").status_code == 404
    # It sees the repatriation but may not move it before accepting: refused, not hidden.
    early = partner_api.post(f"{base}/move/", {"stage": "travel_arranged"}, format="json")
    assert early.status_code == 403
    assert outsider_api.post(f"{base}/accept/").status_code == 404
    assert partner_api.post(f"{base}/decline/", {"reason": ""}, format="json").status_code == 400
    accepted = partner_api.post(f"{base}/accept/")
    assert accepted.status_code == 200
    assert accepted.json()["handover_status"] == "accepted"
    assert partner_api.get(f"/api/v1/victims/{setup['victim'].pk}/").status_code == 200
    moved = partner_api.post(
        f"{base}/move/",
        {
            "stage": "travel_documents_issued",
            "note": "Passport",
            "version": accepted.json()["version"],
        },
        format="json",
    )
    assert moved.status_code == 200
    assert moved.json()["stage"] == "travel_documents_issued"
    assert moved.json()["steps"][-1]["note"] == "Passport"


def test_decline_in_the_api(api, setup):
    repatriation = setup["repatriation"]
    partner = setup["partner"]["liaison"].agency
    api(setup["own"]["liaison"]).post(
        f"/api/v1/repatriations/{repatriation.pk}/handover/",
        {"agency": partner.pk, "version": repatriation.version},
        format="json",
    )
    partner_api = api(setup["partner"]["liaison"])
    response = partner_api.post(
        f"/api/v1/repatriations/{repatriation.pk}/decline/",
        {"reason": "Wrong country"},
        format="json",
    )
    assert response.status_code == 204
    assert partner_api.get(f"/api/v1/repatriations/{repatriation.pk}/").status_code == 404
    own = api(setup["own"]["liaison"]).get(f"/api/v1/repatriations/{repatriation.pk}/").json()
    assert (own["handover_status"], own["handover_reason"]) == ("declined", "Wrong country")
