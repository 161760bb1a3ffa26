"""The stop-payment demo: a chain across three countries (moved on, partially frozen, overdue)
and the README's journey, walked through the pages as a new user would; idempotent."""

import io

from django.core.management import call_command
from django.urls import reverse

from agencies.demo import agency_for, user_for
from cases.models import AssetStatus
from indicators.models import Hit
from payments.demo import CHAIN_NOTE, JOURNEY_CASES
from payments.models import Status, StopPaymentRequest


def test_demo_chain_and_the_journey(db, settings, client):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    first = StopPaymentRequest.objects.get(note=CHAIN_NOTE)
    chain = list(StopPaymentRequest.objects.filter(root=first).order_by("hop"))
    assert [h.status for h in chain] == [
        Status.MOVED_ON,
        Status.PARTIALLY_FROZEN,
        Status.ACKNOWLEDGED,
    ]
    assert {h.to_agency.country.code for h in chain} | {"VN"} == {"VN", "TH", "KH"}
    assert chain[2].is_overdue and chain[1].frozen_asset.status == AssetStatus.FROZEN
    count = StopPaymentRequest.objects.count()
    call_command("seed_demo", stdout=io.StringIO())
    assert StopPaymentRequest.objects.count() == count

    # The journey: vn.investigator files to Thailand from the hit on the bank account.
    vn_case = agency_for("vn").cases.get(title=JOURNEY_CASES[0][1])
    hit = Hit.objects.get(case=vn_case, value__kind="bank_account")
    client.force_login(user_for("vn", "investigator"))
    case_page = client.get(reverse("cases:detail", args=[vn_case.pk])).content.decode()
    file_url = reverse("payments:file", args=[vn_case.pk])
    assert f"{file_url}?hit={hit.pk}" in case_page
    form = client.get(file_url, {"hit": hit.pk}).context["form"]
    assert form.initial["to_agency"] == agency_for("th").pk
    response = client.post(
        file_url,
        {
            "hit": hit.pk,
            "to_agency": agency_for("th").pk,
            "account_kind": "bank_account",
            "account": form.initial["account"],
            "amount": "9500.00",
            "currency": "USD",
            "urgency": "urgent",
        },
    )
    assert response.status_code == 302
    stop = StopPaymentRequest.objects.get(case=vn_case)
    # th.investigator acknowledges and records the funds moved on to Cambodia.
    client.force_login(user_for("th", "investigator"))
    queue = client.get(reverse("payments:queue"), {"direction": "received"})
    assert stop in list(queue.context["page"])
    client.post(reverse("payments:acknowledge", args=[stop.pk]), {"version": 1})
    response = client.post(
        reverse("payments:outcome", args=[stop.pk]),
        {
            "version": 2,
            "outcome": "moved_on",
            "onward_account": "0012 3456 78",
            "onward_agency": agency_for("kh").pk,
            "onward_amount": "9000.00",
            "onward_currency": "USD",
        },
    )
    assert response.status_code == 302
    follow = StopPaymentRequest.objects.get(parent=stop)
    # kh freezes part of it.
    client.force_login(user_for("kh", "investigator"))
    response = client.post(
        reverse("payments:outcome", args=[follow.pk]),
        {
            "version": 1,
            "outcome": "partially_frozen",
            "amount_frozen": "6000.00",
            "currency": "USD",
        },
    )
    assert response.status_code == 302
    follow.refresh_from_db()
    assert (follow.frozen_asset.case, follow.frozen_asset.amount) == (vn_case, 6000)
    # Both ends see the trail and the times.
    client.force_login(user_for("vn", "investigator"))
    page = client.get(reverse("cases:detail", args=[vn_case.pk])).content.decode()
    assert stop.reference in page and follow.reference in page and "answered after" in page
    client.force_login(user_for("kh", "investigator"))
    page = client.get(reverse("payments:detail", args=[follow.pk])).content.decode()
    assert "after" in page and vn_case.reference not in page
