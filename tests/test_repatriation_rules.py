"""The repatriation stage machine: each rule, the due dates, the recorded steps."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from agencies.models import Agency, AgencyKind
from config.errors import ConflictError, PolicyError, VersionMissing
from tests.test_i18n import compiled_catalogues  # noqa: F401  (the .mo files, read afresh)
from victims import services
from victims.factories import make_repatriation, make_victim
from victims.models import HandoverStatus, RepatriationStep, Stage, StepEvent, Victim


@pytest.fixture
def liaison(own_users):
    return own_users["liaison"]


@pytest.fixture
def victim(make_case, liaison):
    return make_victim(case=make_case(), by=liaison)


def test_start_records_a_step_and_a_due_date(victim, liaison, settings):
    settings.FORTRESS_REPATRIATION_STAGE_DAYS = {"identified": 5}
    repatriation = services.repatriation_start(by=liaison, victim=victim, destination_country="VN")
    assert repatriation.stage == Stage.IDENTIFIED
    assert repatriation.liaison_officer == liaison
    assert repatriation.due_on == timezone.localdate() + datetime.timedelta(days=5)
    step = repatriation.steps.get()
    assert (step.event, step.from_stage, step.to_stage, step.by) == (
        StepEvent.STARTED,
        "",
        Stage.IDENTIFIED,
        liaison,
    )


def test_a_victim_has_one_repatriation(victim, liaison):
    services.repatriation_start(by=liaison, victim=victim, destination_country="VN")
    with pytest.raises(ValidationError, match="already has a repatriation"):
        services.repatriation_start(by=liaison, victim=victim, destination_country="VN")


def test_each_move_is_a_dated_attributed_step_with_a_note(victim, liaison, settings):
    settings.FORTRESS_REPATRIATION_STAGE_DAYS = {"rescued": 2}
    repatriation = make_repatriation(victim=victim, by=liaison)
    moved = services.repatriation_move(
        by=liaison,
        repatriation=repatriation,
        stage=Stage.RESCUED,
        note="Raid on compound B",
        version=repatriation.version,
    )
    assert moved.stage == Stage.RESCUED
    assert moved.version == repatriation.version + 1
    assert moved.due_on == timezone.localdate() + datetime.timedelta(days=2)
    step = moved.steps.last()
    assert (step.from_stage, step.to_stage, step.note, step.by) == (
        Stage.IDENTIFIED,
        Stage.RESCUED,
        "Raid on compound B",
        liaison,
    )
    assert step.at is not None


def test_moves_go_forward_only(victim, liaison):
    repatriation = make_repatriation(victim=victim, by=liaison, stage=Stage.IN_SHELTER)
    with pytest.raises(ValidationError, match="cannot move from In shelter to Rescued"):
        services.repatriation_move(
            by=liaison, repatriation=repatriation, stage=Stage.RESCUED, version=repatriation.version
        )
    repatriation.refresh_from_db()
    assert repatriation.stage == Stage.IN_SHELTER


def test_a_raid_may_identify_and_rescue_at_once(victim, liaison):
    repatriation = make_repatriation(victim=victim, by=liaison)
    moved = services.repatriation_move(
        by=liaison,
        repatriation=repatriation,
        stage=Stage.IDENTITY_VERIFIED,
        version=repatriation.version,
    )
    assert moved.stage == Stage.IDENTITY_VERIFIED


def test_no_repatriated_without_travel_documents(victim, liaison):
    repatriation = make_repatriation(victim=victim, by=liaison, stage=Stage.IDENTITY_VERIFIED)
    repatriation = services.repatriation_move(
        by=liaison,
        repatriation=repatriation,
        stage=Stage.TRAVEL_ARRANGED,
        version=repatriation.version,
    )
    for stage in (Stage.REPATRIATED, Stage.REINTEGRATION_FOLLOW_UP):
        with pytest.raises(ValidationError, match="travel documents to have been issued"):
            services.repatriation_move(
                by=liaison, repatriation=repatriation, stage=stage, version=repatriation.version
            )
    repatriation.refresh_from_db()
    assert repatriation.stage == Stage.TRAVEL_ARRANGED


def test_repatriated_once_travel_documents_were_recorded(victim, liaison):
    repatriation = make_repatriation(victim=victim, by=liaison, stage=Stage.TRAVEL_DOCUMENTS_ISSUED)
    moved = services.repatriation_move(
        by=liaison, repatriation=repatriation, stage=Stage.REPATRIATED, version=repatriation.version
    )
    assert moved.stage == Stage.REPATRIATED


def test_closed_only_after_repatriation_or_a_side_exit(victim, liaison):
    repatriation = make_repatriation(victim=victim, by=liaison, stage=Stage.IN_SHELTER)
    with pytest.raises(ValidationError, match="cannot move from In shelter to Closed"):
        services.repatriation_move(
            by=liaison, repatriation=repatriation, stage=Stage.CLOSED, version=repatriation.version
        )
    declined = services.repatriation_move(
        by=liaison,
        repatriation=repatriation,
        stage=Stage.DECLINED,
        note="Wants to stay",
        version=repatriation.version,
    )
    closed = services.repatriation_move(
        by=liaison, repatriation=declined, stage=Stage.CLOSED, version=declined.version
    )
    assert closed.stage == Stage.CLOSED
    assert closed.due_on is None
    assert closed.overdue is False
    with pytest.raises(ValidationError, match="cannot move from Closed"):
        services.repatriation_move(
            by=liaison, repatriation=closed, stage=Stage.RESCUED, version=closed.version
        )


def test_a_missing_person_found_again_reenters_the_line(victim, liaison):
    repatriation = make_repatriation(victim=victim, by=liaison, stage=Stage.IN_SHELTER)
    missing = services.repatriation_move(
        by=liaison, repatriation=repatriation, stage="missing", version=repatriation.version
    )
    found = services.repatriation_move(
        by=liaison, repatriation=missing, stage=Stage.RESCUED, version=missing.version
    )
    assert found.stage == Stage.RESCUED
    assert list(found.steps.values_list("to_stage", flat=True))[-2:] == ["missing", "rescued"]


def test_an_unknown_stage_is_refused(victim, liaison):
    repatriation = make_repatriation(victim=victim, by=liaison)
    with pytest.raises(ValidationError, match="not a repatriation stage"):
        services.repatriation_move(
            by=liaison, repatriation=repatriation, stage="teleported", version=repatriation.version
        )


def test_a_stale_version_is_refused(victim, liaison):
    repatriation = make_repatriation(victim=victim, by=liaison)
    seen = repatriation.version
    services.repatriation_move(
        by=liaison, repatriation=repatriation, stage=Stage.RESCUED, version=repatriation.version
    )
    with pytest.raises(ConflictError) as exc:
        services.repatriation_move(
            by=liaison, repatriation=repatriation, stage=Stage.IN_SHELTER, version=seen
        )
    assert exc.value.changes["stage"] == Stage.RESCUED
    repatriation.refresh_from_db()
    assert repatriation.stage == Stage.RESCUED


def test_a_move_or_handover_without_a_version_is_refused(victim, liaison, partner_users):
    """Before, a move or hand-over that sent no version skipped the check: a silent
    overwrite of whatever someone else had just done."""
    repatriation = make_repatriation(victim=victim, by=liaison)
    with pytest.raises(VersionMissing):
        services.repatriation_move(
            by=liaison, repatriation=repatriation, stage=Stage.RESCUED, version=None
        )
    with pytest.raises(VersionMissing):
        services.repatriation_handover(
            by=liaison,
            repatriation=repatriation,
            agency=partner_users["liaison"].agency,
            version=None,
        )
    repatriation.refresh_from_db()
    assert (repatriation.stage, repatriation.handed_over_to, repatriation.version) == (
        Stage.IDENTIFIED,
        None,
        1,
    )


def _minor_at_follow_up(make_case, liaison):
    minor = make_victim(
        case=make_case(), by=liaison, full_name="Lê Thị Hoa", vulnerabilities=["minor"]
    )
    return make_repatriation(victim=minor, by=liaison, stage=Stage.REINTEGRATION_FOLLOW_UP)


def test_a_minor_is_not_closed_without_a_care_handover(make_case, liaison):
    repatriation = _minor_at_follow_up(make_case, liaison)
    with pytest.raises(ValidationError, match="minor's repatriation is closed only after"):
        services.repatriation_move(
            by=liaison, repatriation=repatriation, stage=Stage.CLOSED, version=repatriation.version
        )


def test_a_minor_is_closed_after_an_accepted_handover(make_case, liaison, partner_users):
    repatriation = _minor_at_follow_up(make_case, liaison)
    partner = partner_users["liaison"].agency
    services.repatriation_handover(
        by=liaison, repatriation=repatriation, agency=partner, version=repatriation.version
    )
    repatriation.refresh_from_db()
    with pytest.raises(ValidationError, match="minor's repatriation"):
        services.repatriation_move(
            by=liaison, repatriation=repatriation, stage=Stage.CLOSED, version=repatriation.version
        )
    services.repatriation_accept(by=partner_users["liaison"], repatriation=repatriation)
    repatriation.refresh_from_db()
    closed = services.repatriation_move(
        by=partner_users["liaison"],
        repatriation=repatriation,
        stage=Stage.CLOSED,
        version=repatriation.version,
    )
    assert closed.stage == Stage.CLOSED


def test_a_minor_is_closed_after_a_handover_to_a_shelter_ngo(make_case, liaison):
    repatriation = _minor_at_follow_up(make_case, liaison)
    shelter = Agency.objects.create(
        code="th-shelter",
        name="Baan Kredtrakarn shelter",
        country="TH",
        kind=AgencyKind.NGO,
        contact_email="desk@shelter.example.org",
    )
    repatriation = services.repatriation_handover(
        by=liaison, repatriation=repatriation, agency=shelter, version=repatriation.version
    )
    assert repatriation.handover_status == HandoverStatus.PENDING
    closed = services.repatriation_move(
        by=liaison, repatriation=repatriation, stage=Stage.CLOSED, version=repatriation.version
    )
    assert closed.stage == Stage.CLOSED


@pytest.mark.parametrize("role", ["investigator", "analyst", "admin"])
def test_only_liaison_officers_and_supervisors_move(victim, liaison, own_users, role):
    repatriation = make_repatriation(victim=victim, by=liaison)
    with pytest.raises(PolicyError):
        services.repatriation_move(
            by=own_users[role],
            repatriation=repatriation,
            stage=Stage.RESCUED,
            version=repatriation.version,
        )
    supervisor_move = services.repatriation_move(
        by=own_users["supervisor"],
        repatriation=repatriation,
        stage=Stage.RESCUED,
        version=repatriation.version,
    )
    assert supervisor_move.stage == Stage.RESCUED


def test_another_agency_does_not_move(victim, liaison, outsider_users):
    repatriation = make_repatriation(victim=victim, by=liaison)
    with pytest.raises(PolicyError):
        services.repatriation_move(
            by=outsider_users["liaison"],
            repatriation=repatriation,
            stage=Stage.RESCUED,
            version=repatriation.version,
        )


def test_steps_are_append_only(victim, liaison):
    repatriation = make_repatriation(victim=victim, by=liaison, stage=Stage.RESCUED)
    step = RepatriationStep.objects.filter(repatriation=repatriation).last()
    step.note = "rewritten"
    with pytest.raises(ValidationError, match="never changed"):
        step.save()
    with pytest.raises(ValidationError, match="never deleted"):
        step.delete()


def test_victim_create_validates_and_stores_nothing_on_bad_input(make_case, liaison):
    case = make_case()
    with pytest.raises(ValidationError) as exc:
        make_victim(case=case, by=liaison, loss_amount="100.00", loss_currency="XYZ")
    assert "loss_currency" in exc.value.message_dict
    with pytest.raises(ValidationError):
        make_victim(case=case, by=liaison, identity_documents=[{"type": "passport"}])
    with pytest.raises(ValidationError, match="Unknown vulnerability"):
        make_victim(case=case, by=liaison, vulnerabilities=["tired"])
    assert not Victim.objects.exists()


def test_victim_update_detects_concurrent_edits(make_case, liaison):
    victim = make_victim(case=make_case(), by=liaison, vulnerabilities=["minor", "injured"])
    assert victim.vulnerabilities == ["minor", "injured"]
    services.victim_update(by=liaison, victim=victim, version=1, current_facility="Shelter A")
    with pytest.raises(ConflictError) as exc:
        services.victim_update(by=liaison, victim=victim, version=1, current_facility="B")
    assert (exc.value.version, exc.value.changes) == (2, {"current_facility": "Shelter A"})
    with pytest.raises(VersionMissing):
        services.victim_update(by=liaison, victim=victim, version=None, current_facility="C")
    victim.refresh_from_db()
    assert (victim.current_facility, victim.version) == ("Shelter A", 2)


def test_analysts_do_not_record_victims(make_case, own_users, partner_users):
    case = make_case()
    for user in (own_users["analyst"], own_users["admin"], partner_users["liaison"]):
        with pytest.raises(PolicyError):
            make_victim(case=case, by=user)


def test_a_step_recorded_afterwards_keeps_the_history_in_order(victim, liaison):
    now = timezone.now()
    repatriation = services.repatriation_start(
        by=liaison, victim=victim, destination_country="VN", at=now - datetime.timedelta(days=9)
    )
    moved = services.repatriation_move(
        by=liaison,
        repatriation=repatriation,
        stage=Stage.RESCUED,
        version=repatriation.version,
        at=now - datetime.timedelta(days=5),
    )
    assert moved.stage_entered_at == now - datetime.timedelta(days=5)
    for at, why in (
        (now + datetime.timedelta(days=1), "in the future"),
        (now - datetime.timedelta(days=7), "before the last one"),
    ):
        with pytest.raises(ValidationError, match=why):
            services.repatriation_move(
                by=liaison,
                repatriation=moved,
                stage=Stage.IN_SHELTER,
                version=moved.version,
                at=at,
            )
    assert [s.at for s in moved.steps.all()] == [
        now - datetime.timedelta(days=9),
        now - datetime.timedelta(days=5),
    ]


def test_a_refused_move_is_explained_in_the_users_language(
    victim,
    liaison,
    compiled_catalogues,  # noqa: F811
):
    """The reasons are interface text: in the language of the request that asked."""
    from django.utils import translation

    repatriation = make_repatriation(victim=victim, by=liaison, stage=Stage.IN_SHELTER)
    with translation.override("fr"), pytest.raises(ValidationError) as refused:
        services.repatriation_move(
            by=liaison, repatriation=repatriation, stage=Stage.RESCUED, version=repatriation.version
        )
    assert "Un rapatriement ne peut pas passer de" in " ".join(refused.value.messages)
