"""Joint operations: the lifecycle services, and figures that equal an independent count of
the seeded data for the lead and for a participant, while a non-participant gets nothing.

The expected numbers are counted here with plain loops over every row, written apart from
operations/figures.py (which aggregates in the database)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

import access
from cases.models import (
    Asset,
    Case,
    OperationStatus,
    ParticipationStatus,
    SharingLevel,
    Suspect,
)
from cases.services import asset_create, case_create, suspect_create
from config.errors import PolicyError
from indicators import xref
from indicators.models import Hit, Indicator
from indicators.services import indicator_add, indicator_update
from operations import services
from operations.figures import operation_figures
from victims.factories import make_repatriation, make_victim
from victims.models import RepatriationStep, Victim

PHONE = "+84 912 345 678"


@pytest.fixture
def world(own, partner, outsider, own_users, partner_users, outsider_users):
    """Own leads the operation, partner joined it, outsider was never invited."""
    bob = own_users["supervisor"]
    op = services.operation_create(
        by=bob, name="Operation Lotus", code="lotus", reporting_currency="USD"
    )
    services.operation_invite(operation=op, by=bob, agencies=[partner])
    participation = op.participations.get(agency=partner)
    services.invitation_respond(
        participation=participation, by=partner_users["supervisor"], accept=True
    )
    services.operation_rate_set(operation=op, by=bob, currency="THB", rate="0.028")

    alice = own_users["investigator"]
    pinv = partner_users["investigator"]
    own_case = case_create(by=alice, title="Scam compound raid", fraud_type="investment")
    partner_shared = case_create(by=pinv, title="Partner operation case", fraud_type="romance")
    partner_restricted = case_create(by=pinv, title="Partner restricted", fraud_type="romance")
    outsider_case = case_create(by=outsider_users["investigator"], title="Elsewhere")
    own_unlinked = case_create(by=alice, title="Not in the operation")

    services.operation_link_case(operation=op, case=own_case, by=bob)
    services.operation_link_case(operation=op, case=partner_shared, by=pinv, share=True)
    services.operation_link_case(operation=op, case=partner_restricted, by=pinv)

    for case, by, statuses in (
        (own_case, alice, ["arrested", "charged", "at_large", "extradited", "convicted"]),
        (partner_shared, pinv, ["arrested", "wanted", "extradition_requested"]),
        (partner_restricted, pinv, ["charged", "arrested"]),
        (outsider_case, outsider_users["investigator"], ["arrested", "arrested"]),
        (own_unlinked, alice, ["arrested"]),
    ):
        for n, status in enumerate(statuses):
            suspect_create(case=case, by=by, full_name=f"Suspect {n}", status=status)

    for case, by, rows in (
        (own_case, alice, [("1000.00", "USD", "frozen"), ("500.00", "USD", "recovered")]),
        (own_case, alice, [("20000.00", "THB", "seized"), ("75.00", "USD", "traced")]),
        (partner_restricted, pinv, [("300000.00", "VND", "returned")]),
        (outsider_case, outsider_users["investigator"], [("9999.00", "USD", "recovered")]),
    ):
        for amount, currency, status in rows:
            asset_create(case=case, by=by, amount=Decimal(amount), currency=currency, status=status)

    liaison = own_users["liaison"]
    pliaison = partner_users["liaison"]
    for case, by, stages in (
        (own_case, liaison, ["identified", "rescued", "repatriated", None]),
        (partner_shared, pliaison, ["in_shelter", "closed_after_repatriation"]),
        (partner_restricted, pliaison, ["declined_after_rescue"]),
        (outsider_case, outsider_users["liaison"], ["repatriated"]),
    ):
        for n, stage in enumerate(stages):
            victim = make_victim(
                case=case, by=by, full_name=f"Victim {n}", nationality=["VN", "ID", "PH"][n % 3]
            )
            if stage == "closed_after_repatriation":
                rep = make_repatriation(victim=victim, by=by, stage="repatriated")
                make_repatriation_close(rep, by)
            elif stage == "declined_after_rescue":
                rep = make_repatriation(victim=victim, by=by, stage="rescued")
                from victims.services import repatriation_move

                repatriation_move(by=by, repatriation=rep, stage="declined", version=rep.version)
            elif stage is not None:
                make_repatriation(victim=victim, by=by, stage=stage)

    own_phone = indicator_add(case=own_case, by=alice, kind="phone", value=PHONE)
    indicator_add(case=partner_shared, by=pinv, kind="phone", value=PHONE)
    indicator_add(case=outsider_case, by=outsider_users["investigator"], kind="phone", value=PHONE)
    domain = indicator_add(case=partner_restricted, by=pinv, kind="domain", value="lotus-fx.com")
    indicator_add(case=own_case, by=alice, kind="domain", value="lotus-fx.com")
    indicator_update(indicator=own_phone, by=alice, takedown_status="taken_down")
    indicator_update(indicator=domain, by=pinv, takedown_status="taken_down")
    url = indicator_add(case=own_case, by=alice, kind="url", value="https://lotus-fx.com/login")
    indicator_update(indicator=url, by=alice, takedown_status="taken_down")
    xref.sweep()
    return {
        "op": op,
        "cases": {
            "own": own_case,
            "partner_shared": partner_shared,
            "partner_restricted": partner_restricted,
            "outsider": outsider_case,
            "own_unlinked": own_unlinked,
        },
    }


def make_repatriation_close(rep, by):
    from victims.services import repatriation_move

    return repatriation_move(by=by, repatriation=rep, stage="closed", version=rep.version)


# --- the independent count ------------------------------------------------------------------


def expected_figures(op) -> dict:
    linked = {c.pk for c in Case.objects.all() if c.operation_id == op.pk}
    arrested_like = {"arrested", "charged", "convicted", "extradition_requested", "extradited"}
    charged_like = {"charged", "convicted", "extradition_requested", "extradited"}
    out = {
        "arrested": 0,
        "charged": 0,
        "extradited": 0,
        "victims_identified": 0,
        "victims_rescued": 0,
        "victims_repatriated": 0,
        "frozen": {},
        "recovered": {},
        "taken_down": {},
        "countries": set(),
        "hits": 0,
    }
    for s in Suspect.objects.all():
        if s.case_id in linked:
            out["arrested"] += s.status in arrested_like
            out["charged"] += s.status in charged_like
            out["extradited"] += s.status == "extradited"
    for v in Victim.objects.all():
        if v.case_id not in linked:
            continue
        out["victims_identified"] += 1
        if v.nationality:
            out["countries"].add(v.nationality.code)
        reached = {
            step.to_stage
            for step in RepatriationStep.objects.all()
            if step.repatriation.victim_id == v.pk
        }
        after_rescue = {
            "rescued",
            "in_shelter",
            "identity_verified",
            "travel_documents_issued",
            "travel_arranged",
            "repatriated",
            "reintegration_follow_up",
        }
        out["victims_rescued"] += bool(reached & after_rescue)
        out["victims_repatriated"] += bool(reached & {"repatriated", "reintegration_follow_up"})
    for a in Asset.objects.all():
        if a.case_id not in linked or a.amount is None:
            continue
        if a.status in {"frozen", "seized", "recovered", "returned"}:
            out["frozen"][a.currency] = out["frozen"].get(a.currency, 0) + a.amount
        if a.status in {"recovered", "returned"}:
            out["recovered"][a.currency] = out["recovered"].get(a.currency, 0) + a.amount
    for i in Indicator.objects.all():
        if i.case_id in linked and i.takedown_status == "taken_down":
            out["taken_down"][i.kind] = out["taken_down"].get(i.kind, 0) + 1
    for hit in Hit.objects.all():
        if hit.case_id not in linked or hit.case.silent:
            continue
        others = [
            i
            for i in Indicator.objects.filter(value_id=hit.value_id)
            if i.case_id in linked and i.case.agency_id != hit.case.agency_id and not i.case.silent
        ]
        out["hits"] += bool(others)
    return out


@pytest.mark.parametrize("viewer", ["own", "partner"])
def test_figures_equal_an_independent_count(world, viewer, own_users, partner_users):
    user = {"own": own_users, "partner": partner_users}[viewer]["supervisor"]
    op = world["op"]
    figures = operation_figures(user, op)
    expected = expected_figures(op)

    assert figures.arrested == expected["arrested"] == 8
    assert figures.charged == expected["charged"] == 5
    assert figures.extradited == expected["extradited"] == 1
    assert figures.victims_identified == expected["victims_identified"] == 7
    assert figures.victims_rescued == expected["victims_rescued"] == 5
    assert figures.victims_repatriated == expected["victims_repatriated"] == 2
    assert figures.assets_for("frozen") == expected["frozen"]
    assert figures.assets_for("recovered") == expected["recovered"]
    assert figures.taken_down_by_kind == expected["taken_down"]
    assert figures.infrastructure_taken_down == 3
    assert set(figures.victims_by_country) == expected["countries"]
    assert figures.countries_with_victims == 3
    assert figures.hits_between_participants == expected["hits"] == 4
    # USD 1000 + 500 + THB 20000 at 0.028; VND has no rate and is named instead.
    assert figures.estimate["frozen"] == Decimal("2060.00")
    assert figures.unconverted == ["VND"]


def test_restricted_case_adds_to_counts_but_opens_for_nobody_else(
    world, partner_users, own_users, outsider_users
):
    restricted = world["cases"]["partner_restricted"]
    restricted.refresh_from_db()
    assert restricted.sharing_level == SharingLevel.RESTRICTED
    assert restricted.operation_id == world["op"].pk
    # Its suspects (charged, arrested) count for the lead: without it, two fewer arrests.
    lead = own_users["supervisor"]
    before = operation_figures(lead, world["op"])
    Suspect.objects.filter(case=restricted).delete()
    after = operation_figures(lead, world["op"])
    assert (before.arrested - after.arrested, before.charged - after.charged) == (2, 1)
    # ...but the case, its suspects and its victims open for nobody outside the partner.
    for user in [*own_users.values(), *outsider_users.values()]:
        with pytest.raises(Http404):
            access.get_case_for_user(user, restricted.pk)
        assert not access.visible_suspects(user).filter(case=restricted).exists()
        assert not access.visible_victims(user).filter(case=restricted).exists()
    assert access.get_case_for_user(partner_users["analyst"], restricted.pk) == restricted


def test_the_shared_case_opens_to_the_lead(world, own_users, outsider_users):
    shared = world["cases"]["partner_shared"]
    shared.refresh_from_db()
    assert shared.sharing_level == SharingLevel.OPERATION
    assert access.get_case_for_user(own_users["analyst"], shared.pk) == shared
    with pytest.raises(Http404):
        access.get_case_for_user(outsider_users["supervisor"], shared.pk)


def test_non_participant_gets_no_operation_and_no_figures(world, outsider_users):
    op = world["op"]
    for user in outsider_users.values():
        with pytest.raises(Http404):
            access.get_operation_for_user(user, op.pk)
        with pytest.raises(Http404):
            access.get_member_operation_for_user(user, op.pk)
        assert operation_figures(user, op).arrested == 0


def test_invitation_accept_and_decline(
    own, partner, outsider, own_users, partner_users, outsider_users
):
    bob = own_users["supervisor"]
    op = services.operation_create(by=bob, name="Op Kestrel", code="kestrel")
    services.operation_invite(operation=op, by=bob, agencies=[partner, outsider])
    # Invited: they see the invitation, not the figures.
    assert access.get_operation_for_user(partner_users["supervisor"], op.pk) == op
    with pytest.raises(Http404):
        access.get_member_operation_for_user(partner_users["supervisor"], op.pk)
    # Only a supervisor of the invited agency answers.
    invitation = access.get_invitation_for_user(partner_users["supervisor"], op.pk)
    with pytest.raises(PolicyError):
        services.invitation_respond(participation=invitation, by=bob, accept=True)
    with pytest.raises(PolicyError):
        services.invitation_respond(
            participation=invitation, by=partner_users["investigator"], accept=True
        )
    services.invitation_respond(
        participation=invitation, by=partner_users["supervisor"], accept=True
    )
    declined = services.invitation_respond(
        participation=access.get_invitation_for_user(outsider_users["supervisor"], op.pk),
        by=outsider_users["supervisor"],
        accept=False,
    )
    assert declined.status == ParticipationStatus.DECLINED
    assert access.get_member_operation_for_user(partner_users["analyst"], op.pk) == op
    with pytest.raises(Http404):
        access.get_operation_for_user(outsider_users["supervisor"], op.pk)
    # Answered once: a second answer is refused.
    with pytest.raises(ValidationError):
        services.invitation_respond(
            participation=declined, by=outsider_users["supervisor"], accept=True
        )
    # The lead may invite a declined agency again.
    services.operation_invite(operation=op, by=bob, agencies=[outsider])
    assert op.participations.get(agency=outsider).status == ParticipationStatus.INVITED


def test_linking_someone_elses_case_is_refused(world, own_users, partner_users, outsider_users):
    op = world["op"]
    partner_case = case_create(by=partner_users["investigator"], title="Partner's own")
    # The lead's supervisor may not link the partner's case, nor may an outsider link theirs.
    with pytest.raises(PolicyError):
        services.operation_link_case(operation=op, case=partner_case, by=own_users["supervisor"])
    with pytest.raises(PolicyError):
        services.operation_link_case(
            operation=op, case=world["cases"]["outsider"], by=outsider_users["supervisor"]
        )
    # Analysts do not link cases either.
    with pytest.raises(PolicyError):
        services.operation_link_case(operation=op, case=partner_case, by=partner_users["analyst"])
    partner_case.refresh_from_db()
    assert partner_case.operation_id is None


def test_a_case_of_another_operation_is_not_taken_over(world, own_users):
    bob = own_users["supervisor"]
    other = services.operation_create(by=bob, name="Op Heron", code="heron")
    with pytest.raises(ValidationError):
        services.operation_link_case(operation=other, case=world["cases"]["own"], by=bob)


def test_unlinking_falls_back_to_restricted(world, partner_users, own_users):
    case = world["cases"]["partner_shared"]
    services.operation_unlink_case(operation=world["op"], case=case, by=partner_users["supervisor"])
    case.refresh_from_db()
    assert case.operation_id is None
    assert case.sharing_level == SharingLevel.RESTRICTED
    with pytest.raises(Http404):
        access.get_case_for_user(own_users["analyst"], case.pk)


def test_status_moves_forward_only(world, own_users, partner_users):
    op = world["op"]
    bob = own_users["supervisor"]
    with pytest.raises(PolicyError):
        services.operation_set_status(
            operation=op, by=partner_users["supervisor"], status=OperationStatus.ACTIVE
        )
    with pytest.raises(ValidationError):
        services.operation_set_status(operation=op, by=bob, status=OperationStatus.CONCLUDED)
    op = services.operation_set_status(operation=op, by=bob, status=OperationStatus.ACTIVE)
    assert op.starts_on is not None
    op = services.operation_set_status(operation=op, by=bob, status=OperationStatus.CONCLUDED)
    with pytest.raises(ValidationError):
        services.operation_set_status(operation=op, by=bob, status=OperationStatus.ACTIVE)
    # A concluded operation takes no new cases.
    new_case = case_create(by=own_users["investigator"], title="Late")
    with pytest.raises(ValidationError):
        services.operation_link_case(operation=op, case=new_case, by=bob)


def test_an_operation_planned_to_end_in_the_past_starts_on_its_end_date(own_users, api):
    """Starting an operation with no start date but an end date already past used to set the
    start to today, after the end: the database refused it (a 500 the fuzzer found). The start
    is then the end date, and the API answers 200."""
    bob = own_users["supervisor"]
    ended = timezone.localdate() - timedelta(days=30)
    op = services.operation_create(by=bob, name="Late", code="late-1", ends_on=ended)
    response = api(bob).post(f"/api/v1/operations/{op.pk}/status/", {"status": "active"})
    assert response.status_code == 200, response.content
    op.refresh_from_db()
    assert (op.status, op.starts_on, op.ends_on) == (OperationStatus.ACTIVE, ended, ended)


def test_only_supervisors_create_and_bad_input_stores_nothing(own_users):
    with pytest.raises(PolicyError):
        services.operation_create(by=own_users["investigator"], name="X", code="x")
    with pytest.raises(ValidationError):
        services.operation_create(
            by=own_users["supervisor"], name="Op", code="op-1", reporting_currency="XYZ"
        )
    with pytest.raises(ValidationError):
        services.operation_create(
            by=own_users["supervisor"],
            name="Op",
            code="op-2",
            starts_on="2026-05-01",
            ends_on="2026-04-01",
        )
    assert not access.visible_operations(own_users["supervisor"]).exists()


def test_update_refuses_a_stale_version(world, own_users):
    from config.errors import ConflictError

    op = world["op"]
    bob = own_users["supervisor"]
    services.operation_update(operation=op, by=bob, expected_version=op.version, name="Lotus II")
    with pytest.raises(ConflictError):
        services.operation_update(operation=op, by=bob, expected_version=op.version, name="Old")
    op.refresh_from_db()
    assert op.name == "Lotus II"


def test_rates_are_positive_numbers(world, own_users, partner_users):
    op = world["op"]
    with pytest.raises(ValidationError):
        services.operation_rate_set(
            operation=op, by=own_users["supervisor"], currency="VND", rate="-1"
        )
    with pytest.raises(ValidationError):
        services.operation_rate_set(
            operation=op, by=own_users["supervisor"], currency="VND", rate="lots"
        )
    with pytest.raises(PolicyError):
        services.operation_rate_set(
            operation=op, by=partner_users["supervisor"], currency="VND", rate="0.00004"
        )


def test_a_silent_case_gives_no_hit_between_participants(world, own_users, partner_users):
    from cases.services import case_update

    op = world["op"]
    before = operation_figures(own_users["supervisor"], op).hits_between_participants
    shared = world["cases"]["partner_shared"]
    shared.refresh_from_db()
    case_update(
        case=shared, by=partner_users["investigator"], expected_version=shared.version, silent=True
    )
    after = operation_figures(own_users["supervisor"], op).hits_between_participants
    # The phone held by the silent case no longer counts, on either side.
    assert after == expected_figures(op)["hits"] == before - 2


def test_the_over_time_chart_leaves_no_month_out():
    import datetime

    from operations.charts import _every_month

    months = [datetime.date(2025, 11, 1), datetime.date(2026, 2, 1)]
    assert _every_month(months) == [
        datetime.date(2025, 11, 1),
        datetime.date(2025, 12, 1),
        datetime.date(2026, 1, 1),
        datetime.date(2026, 2, 1),
    ]
    assert _every_month([]) == []
