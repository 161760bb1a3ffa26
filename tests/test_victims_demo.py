"""The victims demo: a raid with workers at every stage, overdue ones, hand-overs in every
state, and the victim whose name matches a suspect spelled differently."""

import datetime

from django.core.management import call_command
from django.utils import timezone

from victims.models import HandoverStatus, Repatriation, RepatriationStep, Stage, Victim
from victims.stages import MAIN_LINE


def test_demo_covers_every_stage_and_handover_state(db, settings):
    settings.DEBUG = True
    call_command("seed_demo")
    count = Victim.objects.count()
    call_command("seed_demo")
    assert Victim.objects.count() == count >= 30
    stages = set(Repatriation.objects.values_list("stage", flat=True))
    assert stages == {*MAIN_LINE, Stage.CLOSED, Stage.DECLINED, Stage.MISSING}
    assert Repatriation.objects.overdue().exists()
    # The raid's history is dated as it happened, weeks ago, steps days apart, in order.
    raid = RepatriationStep.objects.filter(repatriation__victim__full_name="Trần Thị Mai")
    times = list(raid.order_by("id").values_list("at", flat=True))
    assert times == sorted(times) and times[0] < timezone.now() - datetime.timedelta(days=30)
    statuses = set(Repatriation.objects.values_list("handover_status", flat=True))
    assert {HandoverStatus.PENDING, HandoverStatus.ACCEPTED, HandoverStatus.DECLINED} <= statuses
    assert len(set(Victim.objects.values_list("nationality", flat=True))) >= 5
    mai = Victim.objects.get(full_name="Trần Thị Mai")
    assert mai.case.agency.country.code == "KH"
    assert mai.kind in ("trafficked_worker", "both")
