"""The operations demo: one concluded and one active operation over the demo agencies, each
leaving at least one demo agency outside, with figures for the charts; idempotent."""

import io

from django.core.management import call_command

from agencies.demo import DEMO_AGENCIES, agency_for, user_for
from cases.models import JointOperation, OperationStatus, ParticipationStatus
from operations.figures import operation_figures


def test_demo_operations(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    ops = {op.status: op for op in JointOperation.objects.filter(code__startswith="demo-")}
    assert set(ops) == {OperationStatus.CONCLUDED, OperationStatus.ACTIVE}
    demo_agencies = {agency_for(cc).pk for cc, *_ in DEMO_AGENCIES}
    for op in ops.values():
        members = {op.lead_agency_id} | set(
            op.participations.filter(status=ParticipationStatus.ACCEPTED).values_list(
                "agency_id", flat=True
            )
        )
        assert demo_agencies - members, f"{op.code} leaves no demo agency outside"
        lead = op.lead_agency.users.filter(role="supervisor").first()
        figures = operation_figures(lead, op)
        assert figures.cases >= 8
        assert figures.arrested >= 20 and figures.victims_rescued >= 5
        assert figures.infrastructure_taken_down >= 10 and figures.hits_between_participants
        assert len(figures.over_time) >= 3  # months, for a meaningful chart
        # The history is dated over the operation's past: arrests, rescues and repatriations
        # are not all in the current month.
        this_month = max(figures.over_time)
        for series in ("arrested", "victims_rescued"):
            total = sum(month[series] for month in figures.over_time.values())
            assert figures.over_time[this_month][series] < total, (op.code, series)
        assert figures.estimate["frozen"] > 0
    # Running it again adds nothing.
    counts = (JointOperation.objects.count(), ops[OperationStatus.ACTIVE].cases.count())
    call_command("seed_demo", stdout=io.StringIO())
    assert (JointOperation.objects.count(), ops[OperationStatus.ACTIVE].cases.count()) == counts
    # The Thai supervisor finds the pending invitation to the active operation.
    invitation = ops[OperationStatus.ACTIVE].participations.get(agency=agency_for("th"))
    assert invitation.status == ParticipationStatus.INVITED
    assert user_for("th", "supervisor").agency_id == invitation.agency_id
