"""The live parts of the pages: the case page's hits and person matches sections poll while
cross-referencing or matching is pending (the durable queues say so) and stop when done; a save
on the case page tells them to ask again; the notification bell and the notifications page."""

import pytest
from django.urls import reverse

from agencies.models import Notification
from agencies.services import notification_send
from cases.services import case_create, suspect_create
from indicators import services, xref
from indicators.models import PendingIndicator
from persons import xref as persons_xref

PHONE = "+84 912 345 678"
POLL = "every 2s"


@pytest.fixture
def cases(own_users, partner_users):
    ours = case_create(by=own_users["investigator"], title="Ours")
    theirs = case_create(by=partner_users["investigator"], title="Theirs")
    services.indicators_add_batch(
        case=theirs, by=partner_users["investigator"], rows=[{"kind": "phone", "value": PHONE}]
    )
    xref.sweep()
    return ours, theirs


def test_the_hits_section_polls_while_cross_referencing_is_pending(client, cases, alice):
    ours, _ = cases
    client.force_login(alice)
    url = reverse("cases:section", args=[ours.pk, "hits"])
    # Nothing pending: the section listens for saves on the page, but does not poll.
    html = client.get(url).content.decode()
    assert 'hx-trigger="fortress:case-changed from:body"' in html
    assert POLL not in html
    # A save queues the cross-referencing (not done yet: the task runs after commit).
    services.indicators_add_batch(case=ours, by=alice, rows=[{"kind": "phone", "value": PHONE}])
    assert PendingIndicator.objects.filter(indicator__case=ours).exists()
    for page in (reverse("cases:detail", args=[ours.pk]), url):
        html = client.get(page).content.decode()
        assert POLL in html and 'data-testid="xref-pending"' in html, page
    # Done: the hit is there and the polling stops.
    xref.sweep()
    html = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert PHONE.replace(" ", "") in html
    assert POLL not in html and "xref-pending" not in html


def test_a_save_on_the_case_page_tells_the_live_sections(client, cases, alice):
    ours, _ = cases
    client.force_login(alice)
    response = client.post(
        reverse("indicators:add", args=[ours.pk]),
        {"kind": "phone", "value": PHONE, "takedown_status": "active"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == '{"fortress:case-changed": {}}'
    response = client.post(
        reverse("cases:suspect_create", args=[ours.pk]),
        {"full_name": "Trần Văn Live", "role": "organiser", "status": "at_large"},
        headers={"HX-Request": "true"},
    )
    assert "HX-Trigger" in response.headers, response.content.decode()[:500]
    # A refused input changes nothing: no event.
    response = client.post(
        reverse("indicators:add", args=[ours.pk]),
        {"kind": "phone", "value": "not a phone", "takedown_status": "active"},
        headers={"HX-Request": "true"},
    )
    assert "HX-Trigger" not in response.headers


def test_the_person_matches_section_polls_until_matching_is_done(client, cases, alice):
    ours, _ = cases
    client.force_login(alice)
    url = reverse("cases:section", args=[ours.pk, "person_matches"])
    assert POLL not in client.get(url).content.decode()
    suspect_create(case=ours, by=alice, full_name="Quách Thị Pending", birth_year=1990)
    assert persons_xref.case_pending(ours.pk)
    assert 'data-testid="persons-pending"' in client.get(url).content.decode()
    persons_xref.sweep()
    assert not persons_xref.case_pending(ours.pk)
    assert POLL not in client.get(url).content.decode()


def test_a_section_the_user_may_not_see_is_404(client, cases, own_users, charlie):
    ours, _ = cases
    # A liaison officer reads the case, not its hits; an unknown section; another agency.
    client.force_login(own_users["liaison"])
    assert client.get(reverse("cases:section", args=[ours.pk, "hits"])).status_code == 404
    client.force_login(own_users["investigator"])
    assert client.get(reverse("cases:section", args=[ours.pk, "nothing"])).status_code == 404
    assert client.post(reverse("cases:section", args=[ours.pk, "hits"])).status_code == 405
    client.force_login(charlie)
    assert client.get(reverse("cases:section", args=[ours.pk, "summary"])).status_code == 404


# --- notifications --------------------------------------------------------------------------


def test_the_bell_counts_the_unread_with_one_query(client, own_users, django_assert_num_queries):
    liaison = own_users["liaison"]
    for n in range(3):
        notification_send(user=liaison, key=f"k{n}", message=f"Hand-over {n}", url="/")
    notification_send(user=own_users["analyst"], key="k9", message="Not yours")
    client.force_login(liaison)
    client.get(reverse("notifications:bell"))  # the session and user are read once
    with django_assert_num_queries(3):  # session, user, the count
        html = client.get(reverse("notifications:bell")).content.decode()
    assert 'data-testid="bell-count">3<' in html
    assert 'hx-trigger="every 30s"' in html
    # Every page's navigation bar carries it.
    assert 'data-testid="bell-count">3<' in client.get(reverse("home")).content.decode()
    Notification.objects.filter(user=liaison).update(read_at="2026-01-01T00:00:00Z")
    assert "bell-count" not in client.get(reverse("notifications:bell")).content.decode()


def test_the_notifications_page_reads_and_marks(client, own_users):
    liaison, analyst = own_users["liaison"], own_users["analyst"]
    for n in range(30):
        notification_send(user=liaison, key=f"k{n}", message=f"Overdue repatriation {n}")
    theirs = notification_send(user=analyst, key="x", message="The analyst's own")
    client.force_login(liaison)
    page = client.get(reverse("notifications:list"))
    assert len(page.context["page"].object_list) == 25
    assert page.context["unread_notifications"] == 30
    assert "The analyst's own" not in page.content.decode()
    first = Notification.objects.filter(user=liaison).first()
    response = client.post(reverse("notifications:read", args=[first.pk]), {"next": "/"})
    assert response.status_code == 302 and response.url == "/"
    first.refresh_from_db()
    assert first.read_at is not None
    read = client.get(reverse("notifications:list"), {"show": "read"}).context["page"]
    assert [n.pk for n in read.object_list] == [first.pk]
    unread = client.get(reverse("notifications:list"), {"show": "unread"}).context["page"]
    assert unread.paginator.count == 29
    # Another user's notification does not exist for this one.
    assert client.post(reverse("notifications:read", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    client.post(reverse("notifications:list"))
    assert not Notification.objects.filter(user=liaison, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=analyst, read_at__isnull=True).count() == 1
