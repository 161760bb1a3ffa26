"""Bulk move of a group rescued in one raid: all-or-nothing, each step recorded."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases.services import case_create
from config.errors import PolicyError
from victims import services
from victims.factories import make_repatriation, make_victim
from victims.models import AccessAction, RepatriationStep, Stage, VictimAccessLog


@pytest.fixture
def raid(own_users, make_case):
    liaison = own_users["liaison"]
    case = make_case(title="Raid on compound K")
    group = [
        make_repatriation(
            victim=make_victim(
                case=case, by=liaison, full_name=f"Worker {i}", current_facility="Shelter A"
            ),
            by=liaison,
            stage=Stage.IN_SHELTER,
        )
        for i in range(6)
    ]
    elsewhere = make_repatriation(
        victim=make_victim(case=case, by=liaison, full_name="Worker X", current_facility="Clinic"),
        by=liaison,
        stage=Stage.IN_SHELTER,
    )
    return {"case": case, "group": group, "elsewhere": elsewhere, "liaison": liaison}


def test_bulk_move_records_each_step(raid):
    steps_before = RepatriationStep.objects.count()
    moved = services.repatriation_bulk_move(
        by=raid["liaison"],
        repatriations=raid["group"],
        stage=Stage.IDENTITY_VERIFIED,
        note="Embassy interviews done",
    )
    assert len(moved) == 6
    assert {r.stage for r in moved} == {Stage.IDENTITY_VERIFIED}
    assert RepatriationStep.objects.count() == steps_before + 6
    for repatriation in moved:
        step = repatriation.steps.last()
        assert (step.from_stage, step.to_stage, step.note, step.by) == (
            Stage.IN_SHELTER,
            Stage.IDENTITY_VERIFIED,
            "Embassy interviews done",
            raid["liaison"],
        )
    assert (
        VictimAccessLog.objects.filter(
            action=AccessAction.REPATRIATION_MOVE, reason="bulk move"
        ).count()
        == 6
    )


def test_one_invalid_victim_changes_none(raid):
    liaison = raid["liaison"]
    # One of the group already went further: it cannot "move" back to identity_verified.
    ahead = services.repatriation_move(
        by=liaison,
        repatriation=raid["group"][3],
        stage=Stage.TRAVEL_DOCUMENTS_ISSUED,
        version=raid["group"][3].version,
    )
    group = [*raid["group"][:3], ahead, *raid["group"][4:]]
    steps_before = RepatriationStep.objects.count()
    with pytest.raises(services.BulkMoveRefused) as exc:
        services.repatriation_bulk_move(
            by=liaison, repatriations=group, stage=Stage.IDENTITY_VERIFIED
        )
    assert [p.repatriation_id for p in exc.value.problems] == [ahead.pk]
    assert RepatriationStep.objects.count() == steps_before
    for repatriation in raid["group"][:3]:
        repatriation.refresh_from_db()
        assert repatriation.stage == Stage.IN_SHELTER


def test_a_rule_breach_in_the_batch_changes_none(raid):
    # No travel documents recorded for any: repatriated is refused for the whole group.
    with pytest.raises(ValidationError, match="travel documents"):
        services.repatriation_bulk_move(
            by=raid["liaison"], repatriations=raid["group"], stage=Stage.REPATRIATED
        )
    assert {r.stage for r in raid["group"]} == {Stage.IN_SHELTER}


def test_a_repatriation_of_another_agency_in_the_batch_is_refused(raid, outsider_users, make_case):
    outsider_liaison = outsider_users["liaison"]
    foreign_case = case_create(by=outsider_users["investigator"], title="Other raid")
    foreign = make_repatriation(
        victim=make_victim(case=foreign_case, by=outsider_liaison), by=outsider_liaison
    )
    with pytest.raises(PolicyError):
        services.repatriation_bulk_move(
            by=raid["liaison"],
            repatriations=[*raid["group"], foreign],
            stage=Stage.IDENTITY_VERIFIED,
        )
    assert {r.stage for r in raid["group"]} == {Stage.IN_SHELTER}


def test_bulk_move_in_the_browser_by_facility(client, raid, partner):
    # Handed over to the destination's agency (TH): it is that agency's to move.
    handed, *group = raid["group"]
    services.repatriation_handover(
        by=raid["liaison"], repatriation=handed, agency=partner, version=handed.version
    )
    client.force_login(raid["liaison"])
    url = reverse("victims:bulk_move")
    query = {
        "case": raid["case"].pk,
        "facility": "shelter a",
        "from_stage": Stage.IN_SHELTER,
        "to_stage": Stage.IDENTITY_VERIFIED,
        "note": "Verified by embassy",
    }
    preview = client.get(url, query).content.decode()
    assert "5 repatriations in the group" in preview
    assert "Worker X" not in preview and handed.victim.reference not in preview
    assert preview.count('type="checkbox" name="chosen"') == 5
    # The officer unticks one who stays behind.
    unticked, *ticked = group
    response = client.post(url, {**query, "confirm": "1", "chosen": [str(r.pk) for r in ticked]})
    assert response.status_code == 302
    for repatriation in ticked:
        repatriation.refresh_from_db()
        assert repatriation.stage == Stage.IDENTITY_VERIFIED
    for repatriation in (unticked, handed, raid["elsewhere"]):
        repatriation.refresh_from_db()
        assert repatriation.stage == Stage.IN_SHELTER


def test_bulk_move_in_the_api(api, raid, own_users):
    ids = [r.pk for r in raid["group"]]
    liaison_api = api(raid["liaison"])
    refused = liaison_api.post(
        "/api/v1/repatriations/bulk-move/",
        {"repatriations": ids, "stage": "repatriated"},
        format="json",
    )
    assert refused.status_code == 400
    assert {p["repatriation"] for p in refused.json()["problems"]} == set(ids)
    response = liaison_api.post(
        "/api/v1/repatriations/bulk-move/",
        {"repatriations": ids, "stage": "identity_verified", "note": "ok"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json() == {"moved": 6, "stage": "identity_verified"}
    # An investigator follows read-only.
    investigator = api(own_users["investigator"]).post(
        "/api/v1/repatriations/bulk-move/",
        {"repatriations": ids, "stage": "travel_documents_issued"},
        format="json",
    )
    assert investigator.status_code == 403
