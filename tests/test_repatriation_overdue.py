"""The beat job that flags overdue stages: notification + e-mail once per overdue stage."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from agencies.models import Notification
from victims import services, tasks
from victims.factories import make_repatriation, make_victim
from victims.models import Repatriation, Stage


@pytest.fixture
def overdue(own_users, make_case, settings):
    settings.FORTRESS_REPATRIATION_STAGE_DAYS = {"in_shelter": 10}
    liaison = own_users["liaison"]
    liaison.email = "liaison@own.example.org"
    liaison.save()
    victim = make_victim(case=make_case(), by=liaison)
    repatriation = make_repatriation(victim=victim, by=liaison, stage=Stage.IN_SHELTER)
    Repatriation.objects.filter(pk=repatriation.pk).update(
        due_on=timezone.localdate() - datetime.timedelta(days=2)
    )
    repatriation.refresh_from_db()
    return repatriation


def test_overdue_flag_and_ordering(overdue, own_users):
    assert overdue.overdue is True
    assert list(Repatriation.objects.overdue()) == [overdue]
    annotated = Repatriation.objects.with_overdue().get(pk=overdue.pk)
    assert annotated.is_overdue is True


def test_the_job_notifies_the_responsible_officer_once(
    overdue, own_users, django_capture_on_commit_callbacks
):
    liaison = own_users["liaison"]
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.flag_overdue_repatriations.apply().get() == 1
    notes = Notification.objects.filter(user=liaison, key__startswith="overdue:")
    assert notes.count() == 1
    assert "overdue" in notes.get().message
    assert overdue.victim.full_name not in notes.get().message
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["liaison@own.example.org"]
    assert overdue.victim.full_name not in mail.outbox[0].body
    # Running it again changes nothing: no second notification, no second e-mail.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.flag_overdue_repatriations() == 0
    assert notes.count() == 1
    assert len(mail.outbox) == 1
    overdue.refresh_from_db()
    assert overdue.overdue_notified_at is not None


def test_a_new_overdue_stage_notifies_again(overdue, own_users, django_capture_on_commit_callbacks):
    liaison = own_users["liaison"]
    with django_capture_on_commit_callbacks(execute=True):
        services.flag_overdue_repatriations()
    moved = services.repatriation_move(
        by=liaison, repatriation=overdue, stage=Stage.IDENTITY_VERIFIED, version=overdue.version
    )
    assert moved.overdue is False and moved.overdue_notified_at is None
    later = moved.due_on + datetime.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.flag_overdue_repatriations(today=later) == 1
        assert services.flag_overdue_repatriations(today=later) == 0
    assert Notification.objects.filter(user=liaison, key__startswith="overdue:").count() == 2
    assert len(mail.outbox) == 2


def test_closed_and_on_time_repatriations_are_not_flagged(own_users, make_case):
    liaison = own_users["liaison"]
    on_time = make_repatriation(victim=make_victim(case=make_case(), by=liaison), by=liaison)
    assert on_time.overdue is False
    assert services.flag_overdue_repatriations() == 0
    assert not Notification.objects.exists()


def test_without_a_responsible_officer_the_agency_liaisons_hear(
    overdue, own_users, django_capture_on_commit_callbacks
):
    Repatriation.objects.filter(pk=overdue.pk).update(liaison_officer=None)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.flag_overdue_repatriations() == 1
    assert Notification.objects.filter(user=own_users["liaison"]).count() == 1


def test_the_notification_shows_on_the_home_page(
    client, overdue, own_users, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.flag_overdue_repatriations()
    client.force_login(own_users["liaison"])
    home = client.get("/").content.decode()
    assert f"Repatriation of {overdue.victim.reference} is overdue" in home
    assert "1 overdue" in home


def test_the_email_links_to_the_site(
    overdue, settings, own_users, django_capture_on_commit_callbacks
):
    settings.FORTRESS_SITE_URL = "https://fortress.example.org"
    with django_capture_on_commit_callbacks(execute=True):
        services.flag_overdue_repatriations()
    path = reverse("victims:repatriation_detail", args=[overdue.pk])
    assert mail.outbox[0].body.endswith(f"Open it in Fortress: https://fortress.example.org{path}")
    # The in-app notification keeps the link within the site.
    assert Notification.objects.get(user=own_users["liaison"]).url == path
