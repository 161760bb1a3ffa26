"""Retention: a closed case gets a review date; a supervisor lists the cases due and keeps each
(with a reason, until the next review) or deletes its personal data (after a confirmation
naming what goes), leaving a tombstone in the audit trail; the values it alone held stop
matching."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

import access
from audit.models import AuditEvent, EventKind
from cases.models import Case, CaseNote, CaseStatus, RetentionOutcome, Suspect
from cases.retention import add_months, case_retention_delete, case_retention_keep
from cases.services import case_create, case_update, suspect_create
from indicators import xref
from indicators.models import Hit, HitStatus, Indicator
from indicators.services import hit_review, indicator_add
from persons import xref as persons_xref
from persons.models import Person
from tests.services import assert_kept_equals_view
from victims.factories import make_victim
from victims.models import Victim, VictimAccessLog

TODAY = timezone.localdate()
VICTIM_NAME = "Trần Thị Mai"
SUSPECT_NAME = "Zhang Wei Secretname"


def closed_case(by, *, closed_on: datetime.date, title: str = "Old romance scam") -> Case:
    return case_create(
        by=by,
        title=title,
        status=CaseStatus.CLOSED,
        opened_on=closed_on - datetime.timedelta(days=30),
        closed_on=closed_on,
    )


@pytest.fixture
def due(own_users) -> Case:
    """Closed five years less a month ago: due for review next month."""
    return closed_case(own_users["investigator"], closed_on=add_months(TODAY, -59))


def test_closing_a_case_sets_its_review_date_and_reopening_clears_it(own_users, settings):
    by = own_users["investigator"]
    case = case_create(by=by, title="Open case", opened_on=datetime.date(2024, 1, 10))
    assert case.review_on is None
    case = case_update(
        case=case,
        by=by,
        expected_version=case.version,
        status=CaseStatus.CLOSED,
        closed_on=datetime.date(2024, 2, 29),
    )
    assert case.review_on == datetime.date(2029, 2, 28)  # five years on, the month's last day
    settings.FORTRESS_RETENTION_YEARS = 7
    case = case_update(case=case, by=by, expected_version=case.version, title="Renamed")
    assert case.review_on == datetime.date(2029, 2, 28)  # the closing did not change
    case = case_update(
        case=case, by=by, expected_version=case.version, closed_on=datetime.date(2024, 3, 1)
    )
    assert case.review_on == datetime.date(2031, 3, 1)
    case = case_update(case=case, by=by, expected_version=case.version, status=CaseStatus.OPEN)
    assert case.review_on is None


def test_the_supervisor_lists_the_cases_due_within_six_months(
    client, due, own_users, outsider_users
):
    by = own_users["investigator"]
    later = closed_case(by, closed_on=add_months(TODAY, -12), title="Closed last year")
    theirs = closed_case(
        outsider_users["investigator"], closed_on=add_months(TODAY, -59), title="Not yours"
    )
    client.force_login(own_users["supervisor"])
    page = client.get(reverse("cases:retention"))
    listed = list(page.context["page"].object_list)
    assert listed == [due]
    html = page.content.decode()
    assert due.reference in html and later.reference not in html
    assert theirs.reference not in html


@pytest.mark.parametrize("role", ["investigator", "analyst", "liaison", "admin"])
def test_only_supervisors_review_retention(client, due, own_users, role):
    client.force_login(own_users[role])
    assert client.get(reverse("cases:retention")).status_code == 404
    assert client.get(reverse("cases:retention_review", args=[due.pk])).status_code == 404
    assert client.post(reverse("cases:retention_delete", args=[due.pk])).status_code == 404
    assert Case.objects.get(pk=due.pk).erased_at is None


def test_another_agency_supervisor_gets_404(client, due, outsider_users, partner_users):
    for supervisor in (outsider_users["supervisor"], partner_users["supervisor"]):
        client.force_login(supervisor)
        assert client.get(reverse("cases:retention_review", args=[due.pk])).status_code == 404
        response = client.post(
            reverse("cases:retention_delete", args=[due.pk]),
            {"reason": "x", "reference": due.reference},
        )
        assert response.status_code == 404
    assert Case.objects.get(pk=due.pk).erased_at is None


def test_the_list_is_paginated(client, own_users):
    for n in range(27):
        closed_case(own_users["investigator"], closed_on=add_months(TODAY, -60), title=f"C{n}")
    client.force_login(own_users["supervisor"])
    page = client.get(reverse("cases:retention")).context["page"]
    assert len(page.object_list) == 25 and page.paginator.count == 27


def test_keep_needs_a_reason_and_sets_the_next_review(client, due, own_users):
    client.force_login(own_users["supervisor"])
    url = reverse("cases:retention_review", args=[due.pk])
    next_review = add_months(TODAY, 24)
    refused = client.post(url, {"reason": " ", "next_review_on": next_review.isoformat()})
    assert refused.status_code == 200 and not due.retention_decisions.exists()
    response = client.post(
        url, {"reason": "Prosecution still open", "next_review_on": next_review.isoformat()}
    )
    assert response.status_code == 302
    due.refresh_from_db()
    assert due.review_on == next_review
    decision = due.retention_decisions.get()
    assert (decision.decision, decision.reason) == (RetentionOutcome.KEEP, "Prosecution still open")
    event = AuditEvent.objects.get(kind=EventKind.RETENTION_KEPT)
    assert event.detail == {"reference": due.reference, "next_review_on": next_review.isoformat()}
    # Not due any more: off the list.
    assert due not in client.get(reverse("cases:retention")).context["page"].object_list


def test_keep_refuses_a_next_review_in_the_past(due, own_users):
    with pytest.raises(ValidationError):
        case_retention_keep(case=due, by=own_users["supervisor"], reason="r", next_review_on=TODAY)


def test_an_open_case_is_not_decided(own_users):
    case = case_create(by=own_users["investigator"], title="Open")
    with pytest.raises(ValidationError, match="closed"):
        case_retention_delete(case=case, by=own_users["supervisor"], reason="r")


@pytest.fixture
def full_case(due, own_users, partner_users):
    """The due case with a suspect, a victim, a note and two indicators: one value only it
    holds among the own agency's cases, which a partner case holds too (a hit), and one value
    a second own case holds as well."""
    inv = own_users["investigator"]
    suspect_create(case=due, by=inv, full_name=SUSPECT_NAME)
    make_victim(case=due, by=own_users["liaison"], full_name=VICTIM_NAME)
    CaseNote.objects.create(case=due, author=inv, text=f"Met {VICTIM_NAME} at the shelter")
    indicator_add(case=due, by=inv, kind="phone", value="+66812345678")
    indicator_add(case=due, by=inv, kind="domain", value="scam-exchange.com")
    indicator_add(case=due, by=inv, kind="domain", value="only-here-scam.com")
    partner_case = case_create(by=partner_users["investigator"], title="Partner case")
    indicator_add(
        case=partner_case, by=partner_users["investigator"], kind="phone", value="+66812345678"
    )
    other = case_create(by=inv, title="Still open")
    indicator_add(case=other, by=inv, kind="domain", value="scam-exchange.com")
    xref.sweep()
    persons_xref.sweep()
    return {"case": due, "partner_case": partner_case, "other": other}


def test_the_confirmation_names_what_goes(client, full_case, own_users):
    case = full_case["case"]
    client.force_login(own_users["supervisor"])
    page = client.get(reverse("cases:retention_delete", args=[case.pk]))
    counts = page.context["counts"]
    assert (counts["suspects"], counts["victims"], counts["indicators"]) == (1, 1, 3)
    assert "1 suspect" in page.content.decode()
    wrong = client.post(
        reverse("cases:retention_delete", args=[case.pk]),
        {"reason": "Five years", "reference": "VN-0000-00000"},
    )
    assert wrong.status_code == 200 and "not the case" in wrong.content.decode()
    assert Suspect.objects.filter(case=case).exists()


def test_delete_removes_the_personal_data_and_leaves_a_tombstone(
    client, full_case, own_users, partner_users
):
    case = full_case["case"]
    partner_analyst = partner_users["analyst"]
    assert access.visible_hits(partner_analyst).filter(value__normalized="+66812345678").exists()
    assert Person.objects.filter(case=case).count() == 2

    client.force_login(own_users["supervisor"])
    response = client.post(
        reverse("cases:retention_delete", args=[case.pk]),
        {"reason": "Five years on, nothing pending", "reference": case.reference.lower()},
    )
    assert response.status_code == 302
    xref.sweep()
    persons_xref.sweep()

    case.refresh_from_db()
    assert case.erased_at is not None and case.reference
    assert not Suspect.objects.filter(case=case).exists()
    assert not Indicator.objects.filter(case=case).exists()
    assert not Person.objects.filter(case=case).exists()  # and the sweep indexes nothing again
    assert not Suspect.history.filter(case_id=case.pk).exists()
    assert not CaseNote.objects.filter(case=case).exclude(kind="event").exists()
    victim = Victim.objects.get(case=case)
    assert victim.full_name == "" and victim.search_name == "" and victim.identity_documents == []
    assert VictimAccessLog.objects.filter(victim=victim).exists()  # the log stays, append-only
    # The value only it held on the own side: the partner's hit is gone.
    assert not access.visible_hits(partner_analyst).exists()
    # A value another own case still holds keeps its holder.
    assert Indicator.objects.filter(case=full_case["other"]).get().value.case_count == 1

    tombstone = AuditEvent.objects.get(kind=EventKind.RETENTION_DELETED)
    assert tombstone.detail["reference"] == case.reference
    assert (tombstone.detail["suspects"], tombstone.detail["victims"]) == (1, 1)
    assert tombstone.detail["indicators"] == 3
    everything = " ".join(str(e.detail) for e in AuditEvent.objects.all())
    assert VICTIM_NAME not in everything and SUSPECT_NAME not in everything
    for history in Case.history.filter(id=case.pk):
        assert history.title != "Old romance scam"
    assert case.retention_decisions.get().decision == RetentionOutcome.DELETE
    # Nothing to decide any more.
    with pytest.raises(ValidationError, match="already"):
        case_retention_delete(case=case, by=own_users["supervisor"], reason="again")
    assert case not in client.get(reverse("cases:retention")).context["page"].object_list


def test_a_value_held_by_the_deleted_case_alone_no_longer_hits_a_new_sighting(
    full_case, partner_users, own_users
):
    partner_case, by = full_case["partner_case"], partner_users["investigator"]
    case_retention_delete(case=full_case["case"], by=own_users["supervisor"], reason="Five years")
    indicator_add(case=partner_case, by=by, kind="domain", value="only-here-scam.com")
    xref.sweep()
    assert not access.visible_hits(by).filter(value__normalized="only-here-scam.com").exists()


def test_before_the_deletion_the_same_sighting_hits(full_case, partner_users):
    """The control of the test above: the value did match while the case held it."""
    partner_case, by = full_case["partner_case"], partner_users["investigator"]
    indicator_add(case=partner_case, by=by, kind="domain", value="only-here-scam.com")
    xref.sweep()
    assert access.visible_hits(by).filter(value__normalized="only-here-scam.com").exists()


def test_the_agencies_hit_tallies_follow_the_deletion(full_case, own_users, partner_users):
    own_hit = Hit.objects.select_related("case").get(
        case=full_case["case"], value__normalized="+66812345678"
    )
    hit_review(hit=own_hit, by=own_users["investigator"], status=HitStatus.DISMISSED)
    counted = assert_kept_equals_view()
    assert counted[own_hit.case.agency_id][HitStatus.DISMISSED] == 1
    case_retention_delete(case=full_case["case"], by=own_users["supervisor"], reason="Five years")
    assert_kept_equals_view()
    xref.sweep()
    assert assert_kept_equals_view() == {}
    assert access.visible_hit_counts(partner_users["investigator"])[HitStatus.NEW] == 0
