"""The overdue job on a real Redis broker and a real worker, as beat would queue it."""

import datetime

from celery.signals import task_postrun
from django.conf import settings
from django.core import mail
from django.utils import timezone

from agencies.models import Notification
from tests.celery_worker import wait_for
from victims import tasks
from victims.factories import make_repatriation, make_victim
from victims.models import Repatriation, Stage


def test_the_beat_entry_names_the_task():
    entry = settings.CELERY_BEAT_SCHEDULE["victims-flag-overdue-repatriations"]
    assert entry["task"] == tasks.flag_overdue_repatriations.name


def test_a_real_worker_flags_overdue_once(worker, own_users, make_case):
    liaison = own_users["liaison"]
    liaison.email = "liaison@own.example.org"
    liaison.save()
    repatriation = make_repatriation(
        victim=make_victim(case=make_case(), by=liaison), by=liaison, stage=Stage.IN_SHELTER
    )
    Repatriation.objects.filter(pk=repatriation.pk).update(
        due_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    notes = Notification.objects.filter(user=liaison, key__startswith="overdue:")
    finished: list[str] = []

    def done(task_id=None, **kwargs) -> None:
        finished.append(task_id)

    task_postrun.connect(done, weak=False)
    try:
        first = tasks.flag_overdue_repatriations.delay()
        wait_for(lambda: first.id in finished)
        assert notes.count() == 1
        assert len(mail.outbox) == 1
        # Beat fires again an hour later: nothing new.
        second = tasks.flag_overdue_repatriations.delay()
        wait_for(lambda: second.id in finished)
    finally:
        task_postrun.disconnect(done)
    assert notes.count() == 1
    assert len(mail.outbox) == 1
