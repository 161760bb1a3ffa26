"""Stop-payment requests: filing (from an asset, an indicator, a hit), the proposal of whom to
ask, every outcome through the pages and the API, the follow-on chain and the money trail, the
deadline job, the figures (percentiles included), the access matrix, and a double answer."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.models import Agency, AgencyKind, Notification, Role, User
from cases.models import Asset, AssetStatus
from cases.services import asset_create, asset_update
from config.errors import ConflictError, PolicyError
from indicators import xref
from indicators.models import Hit
from indicators.services import indicators_add_batch
from operations import figures as operation_figures
from operations.services import (
    invitation_respond,
    operation_create,
    operation_invite,
    operation_link_case,
    operation_rate_set,
)
from payments import figures, selectors, services
from payments.models import Status, StopPaymentRequest
from tests.services import require_postgres

IBAN_FR = "FR76 3000 6000 0112 3456 7890 189"
IBAN_FR_COMPACT = "FR7630006000011234567890189"
TH_ACCOUNT = "123-4-56789-0"
TH_ACCOUNT_NORMALIZED = "1234567890"
KH_ACCOUNT = "0099-8877-66"
ROLES = [r.value for r in Role]


def _users(agency: Agency, prefix: str) -> dict[str, User]:
    return {
        role: User.objects.create_user(
            username=f"{prefix}.{role}",
            password="pw",
            agency=agency,
            role=role,
            email=f"{role}@{prefix}.example.org",
        )
        for role in ROLES
    }


@pytest.fixture
def nxt(db) -> Agency:
    """The agency of the next hop (Cambodia)."""
    return Agency.objects.create(
        code="next", name="Agency next", country="KH", contact_email="desk@next.example.org"
    )


@pytest.fixture
def next_users(nxt) -> dict[str, User]:
    return _users(nxt, "next")


@pytest.fixture
def people(own_users, partner_users, outsider_users, next_users):
    for users in (own_users, partner_users):
        for user in users.values():
            user.email = f"{user.username}@example.org"
            user.save(update_fields=["email"])
    return {
        "own": own_users,
        "partner": partner_users,
        "outsider": outsider_users,
        "next": next_users,
    }


@pytest.fixture
def case(make_case, people):
    return make_case(title="Romance scam, money sent to Thailand")


def file(case, to_agency, by, **fields) -> StopPaymentRequest:
    fields.setdefault("account_kind", "bank_account")
    fields.setdefault("account", TH_ACCOUNT)
    fields.setdefault("amount", Decimal("5000.00"))
    fields.setdefault("currency", "USD")
    return services.stop_payment_file(case=case, by=by, to_agency=to_agency, **fields)


def answer(stop, by, **fields) -> StopPaymentRequest:
    stop.refresh_from_db()
    return services.stop_payment_record_outcome(request=stop, by=by, version=stop.version, **fields)


# --- filing ----------------------------------------------------------------------------------


def test_the_arrival_notice_gives_the_deadline_in_utc_as_it_says(case, partner, people, settings):
    """A deadline entered in the server's time zone (a form, the API) is given in UTC, as the
    notice says it is."""
    from zoneinfo import ZoneInfo

    settings.TIME_ZONE = "Asia/Bangkok"
    bangkok = timezone.now().astimezone(ZoneInfo("Asia/Bangkok")) + datetime.timedelta(days=1)
    bangkok = bangkok.replace(hour=17, minute=30, second=0, microsecond=0)
    file(case, partner, people["own"]["investigator"], deadline=bangkok)
    notice = Notification.objects.filter(user=people["partner"]["investigator"]).latest("pk")
    assert "10:30 UTC" in notice.display_message  # 17:30 in Bangkok (UTC+7)
    assert "17:30" not in notice.display_message


def test_a_request_is_normalised_and_due_after_the_setting(case, partner, people, settings):
    settings.FORTRESS_STOP_PAYMENT_HOURS = 6
    before = timezone.now()
    stop = file(case, partner, people["own"]["investigator"], currency="usd")
    assert stop.account == TH_ACCOUNT_NORMALIZED
    assert stop.account_raw == TH_ACCOUNT
    assert stop.currency == "USD"
    assert stop.root_id == stop.pk and stop.hop == 1 and stop.status == Status.SENT
    hours = (stop.deadline - before).total_seconds() / 3600
    assert 5.99 < hours < 6.01


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"currency": "XYZ"}, "currency"),
        ({"amount": Decimal("0")}, "amount"),
        ({"amount": Decimal("1.005")}, "amount"),
        ({"account": "FR76 3000 6000 0112 3456 7890 180"}, "account"),  # a broken checksum
        ({"account_kind": "crypto_wallet", "account": "TXYZ", "chain": "tron"}, "account"),
        ({"deadline": timezone.now() - datetime.timedelta(hours=1)}, "deadline"),
    ],
)
def test_bad_input_is_refused_with_the_field_and_nothing_is_filed(
    case, partner, people, fields, error
):
    with pytest.raises(ValidationError) as exc:
        file(case, partner, people["own"]["investigator"], **fields)
    assert error in exc.value.message_dict
    assert not StopPaymentRequest.objects.exists()


def test_an_agency_does_not_ask_itself_and_only_filers_of_the_case_file(case, own, people):
    with pytest.raises(ValidationError) as exc:
        file(case, own, people["own"]["investigator"])
    assert "to_agency" in exc.value.message_dict
    for role in ("analyst", "liaison", "admin"):
        with pytest.raises(PolicyError):
            file(case, Agency.objects.get(code="partner"), people["own"][role])
    with pytest.raises(PolicyError):
        file(case, own, people["partner"]["investigator"])


def test_the_iban_country_proposes_its_payment_agencies_first(case, people):
    ngo = Agency.objects.create(
        code="fr-ngo",
        name="A French shelter",
        country="FR",
        kind=AgencyKind.NGO,
        contact_email="x@ngo.example.org",
    )
    fiu = Agency.objects.create(
        code="fr-fiu",
        name="Tracfin",
        country="FR",
        kind=AgencyKind.FIU,
        contact_email="x@fiu.example.org",
    )
    proposal = selectors.propose_agencies(
        people["own"]["investigator"], account_kind="bank_account", account=IBAN_FR_COMPACT
    )
    assert proposal.country == "FR"
    assert proposal.proposed == fiu
    assert proposal.agencies[:2] == [fiu, ngo]
    assert Agency.objects.get(code="own") not in proposal.agencies
    phone = selectors.propose_agencies(
        people["own"]["investigator"], account_kind="phone", account="+66812345678"
    )
    assert phone.country == "TH" and phone.proposed.code == "partner"
    wallet = selectors.propose_agencies(
        people["own"]["investigator"], account_kind="crypto_wallet", account="T..."
    )
    assert wallet.proposed is None


@pytest.fixture
def hit(case, people):
    """A Thai bank account in the own case and in a case of the partner (Thailand): a hit."""
    from cases.services import case_create

    alice = people["own"]["investigator"]
    indicators_add_batch(case=case, by=alice, rows=[{"kind": "bank_account", "value": TH_ACCOUNT}])
    theirs = case_create(by=people["partner"]["investigator"], title="Mule accounts")
    indicators_add_batch(
        case=theirs,
        by=people["partner"]["investigator"],
        rows=[{"kind": "bank_account", "value": "1234567890"}],
    )
    xref.sweep()
    return Hit.objects.get(case=case)


def test_filing_from_a_hit_through_the_page(
    client, case, hit, partner, people, django_capture_on_commit_callbacks
):
    alice = people["own"]["investigator"]
    client.force_login(alice)
    page = client.get(reverse("cases:detail", args=[case.pk]))
    url = reverse("payments:file", args=[case.pk])
    assert f"{url}?hit={hit.pk}".encode() in page.content
    form = client.get(url, {"hit": hit.pk})
    assert form.status_code == 200
    assert form.context["form"].initial["to_agency"] == partner.pk  # the agency holding it
    assert form.context["form"].initial["account"] == TH_ACCOUNT_NORMALIZED
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "hit": hit.pk,
                "to_agency": partner.pk,
                "account_kind": "bank_account",
                "account": TH_ACCOUNT_NORMALIZED,
                "amount": "12000.00",
                "currency": "USD",
                "sent_on": timezone.localdate().isoformat(),
                "transaction_reference": "FT-889",
                "urgency": "urgent",
            },
        )
    stop = StopPaymentRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "payments:detail", args=[stop.pk]
    )
    assert stop.source == "hit" and stop.indicator_id == hit.pk
    assert stop.transfers.get().reference == "FT-889"
    # The receiving agency's answering roles are told, in the app and by e-mail.
    told = set(Notification.objects.values_list("user__username", flat=True))
    assert told == {"partner.investigator", "partner.supervisor"}
    assert {m.to[0] for m in mail.outbox} == {
        "partner.investigator@example.org",
        "partner.supervisor@example.org",
    }
    assert case.reference not in mail.outbox[0].body


def test_a_refused_page_post_keeps_the_input_and_says_why(client, case, partner, people):
    client.force_login(people["own"]["investigator"])
    response = client.post(
        reverse("payments:file", args=[case.pk]),
        {
            "to_agency": partner.pk,
            "account_kind": "bank_account",
            "account": "FR76 3000 6000 0112 3456 7890 180",
            "amount": "10.00",
            "currency": "USD",
            "urgency": "normal",
        },
    )
    assert response.status_code == 200
    assert "account" in response.context["form"].errors
    assert not StopPaymentRequest.objects.exists()


def test_filing_from_an_asset_marks_it_freeze_requested(client, case, partner, people):
    alice = people["own"]["investigator"]
    asset = asset_create(case=case, by=alice, kind="bank_account", amount="900.00", currency="EUR")
    client.force_login(alice)
    form = client.get(reverse("payments:file", args=[case.pk]), {"asset": asset.pk})
    assert form.context["form"].initial["amount"] == Decimal("900.00")
    stop = file(case, partner, alice, asset=asset, amount=Decimal("900.00"), currency="EUR")
    asset.refresh_from_db()
    assert stop.source == "asset"
    assert asset.status == AssetStatus.FREEZE_REQUESTED and asset.version == 2


def test_an_indicator_of_another_kind_or_case_is_refused(case, make_case, partner, people):
    alice = people["own"]["investigator"]
    indicators_add_batch(case=case, by=alice, rows=[{"kind": "domain", "value": "scam-shop.com"}])
    indicator = case.indicators.get()
    with pytest.raises(ValidationError) as exc:
        file(case, partner, alice, indicator=indicator)
    assert "indicator" in exc.value.message_dict
    other = make_case(title="Another")
    response_url = reverse("payments:file", args=[other.pk])
    from django.test import Client

    client = Client()
    client.force_login(alice)
    assert client.get(response_url, {"indicator": indicator.pk}).status_code == 404


# --- answering -------------------------------------------------------------------------------


def test_acknowledge_and_freeze_through_the_pages(
    client, case, partner, people, django_capture_on_commit_callbacks
):
    alice = people["own"]["investigator"]
    stop = file(case, partner, alice)
    th = people["partner"]["investigator"]
    client.force_login(th)
    detail = reverse("payments:detail", args=[stop.pk])
    page = client.get(detail)
    assert page.status_code == 200 and b"We have it" in page.content
    assert case.reference.encode() not in page.content  # not the requesting agency's case
    # Without a version: refused, nothing written.
    assert client.post(reverse("payments:acknowledge", args=[stop.pk]), {}).status_code == 200
    stop.refresh_from_db()
    assert stop.status == Status.SENT
    response = client.post(reverse("payments:acknowledge", args=[stop.pk]), {"version": 1})
    assert response.status_code == 302
    stop.refresh_from_db()
    assert stop.status == Status.ACKNOWLEDGED and stop.acknowledged_by == th
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("payments:outcome", args=[stop.pk]),
            {
                "version": stop.version,
                "outcome": "frozen",
                "amount_frozen": "5000.00",
                "currency": "USD",
                "institution": "Bangkok Bank",
            },
        )
    assert response.status_code == 302
    stop.refresh_from_db()
    assert stop.status == Status.FROZEN and stop.answered_by == th
    assert stop.frozen_on == timezone.localdate() and stop.institution == "Bangkok Bank"
    asset = Asset.objects.get(case=case)
    assert (asset.amount, asset.currency, asset.status) == (
        Decimal("5000.00"),
        "USD",
        AssetStatus.FROZEN,
    )
    assert stop.frozen_asset == asset
    assert Notification.objects.filter(user=alice, key=f"stop-payment:{stop.pk}:answered").exists()
    assert any(m.to == ["own.investigator@example.org"] for m in mail.outbox)
    # Answered: no form any more; a second answer is refused.
    assert b"Record the outcome" not in client.get(detail).content
    again = client.post(
        reverse("payments:outcome", args=[stop.pk]),
        {"version": stop.version, "outcome": "refused", "reason": "No"},
    )
    assert again.status_code == 200 and again.context["outcome_form"].errors
    # Both ends see the times on the case page's trail and on the request.
    client.force_login(alice)
    trail = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert stop.reference in trail and "Frozen" in trail and "acknowledged after" in trail


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"outcome": "frozen", "amount_frozen": "5000.00", "currency": "USD"}, Status.FROZEN),
        (
            {"outcome": "partially_frozen", "amount_frozen": "1200.50", "currency": "THB"},
            Status.PARTIALLY_FROZEN,
        ),
        ({"outcome": "refused", "reason": "No court order yet."}, Status.REFUSED),
    ],
)
def test_each_outcome_through_the_api(api, case, partner, people, body, status):
    stop = file(case, partner, people["own"]["investigator"])
    client = api(people["partner"]["supervisor"])
    url = f"/api/v1/stop-payments/{stop.pk}/outcome/"
    response = client.post(url, {**body, "version": 1}, format="json")
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["status"] == status and data["case"] is None and data["version"] == 2
    assert data["acknowledged_at"] == data["answered_at"]  # an answer acknowledges too
    frozen = Asset.objects.filter(case=case, status=AssetStatus.FROZEN)
    if status == Status.REFUSED:
        assert data["reason"] == "No court order yet." and not frozen.exists()
    else:
        assert frozen.get().amount == Decimal(body["amount_frozen"])
    # The requesting agency reads the answer, with its case.
    mine = api(people["own"]["analyst"]).get(f"/api/v1/stop-payments/{stop.pk}/").json()
    assert mine["status"] == status and mine["case"] == case.pk


@pytest.mark.parametrize(
    "body",
    [
        {"outcome": "refused"},
        {"outcome": "frozen", "currency": "USD"},
        {"outcome": "frozen", "amount_frozen": "10.00", "currency": "XXQ"},
        {"outcome": "partially_frozen", "amount_frozen": "5000.00", "currency": "USD"},
        {"outcome": "moved_on", "amount": "10.00", "currency": "USD"},
        {"outcome": "expired"},
    ],
)
def test_an_incomplete_outcome_is_400_and_nothing_changes(api, case, partner, people, body):
    stop = file(case, partner, people["own"]["investigator"])
    response = api(people["partner"]["investigator"]).post(
        f"/api/v1/stop-payments/{stop.pk}/outcome/", {**body, "version": 1}, format="json"
    )
    assert response.status_code == 400
    stop.refresh_from_db()
    assert stop.status == Status.SENT and stop.version == 1
    assert StopPaymentRequest.objects.count() == 1 and not Asset.objects.exists()


def test_a_missing_or_stale_version_is_400_or_409(api, case, partner, people):
    stop = file(case, partner, people["own"]["investigator"])
    client = api(people["partner"]["investigator"])
    url = f"/api/v1/stop-payments/{stop.pk}/acknowledge/"
    assert client.post(url, {}, format="json").status_code == 400
    assert client.post(url, {"version": 1}, format="json").status_code == 200
    stale = client.post(
        f"/api/v1/stop-payments/{stop.pk}/outcome/",
        {"version": 1, "outcome": "refused", "reason": "x"},
        format="json",
    )
    assert stale.status_code == 409 and stale.json()["version"] == 2


def test_moved_on_files_the_chained_follow_on_and_the_trail(
    api, client, case, partner, nxt, people
):
    alice = people["own"]["investigator"]
    stop = file(case, partner, alice, amount=Decimal("20000.00"))
    th = api(people["partner"]["investigator"])
    assert (
        th.post(
            f"/api/v1/stop-payments/{stop.pk}/acknowledge/", {"version": 1}, format="json"
        ).status_code
        == 200
    )
    response = th.post(
        f"/api/v1/stop-payments/{stop.pk}/outcome/",
        {
            "version": 2,
            "outcome": "moved_on",
            "onward_account": KH_ACCOUNT,
            "onward_agency": nxt.pk,
            "amount": "19500.00",
            "currency": "USD",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    follow = StopPaymentRequest.objects.get(parent=stop)
    assert (follow.root_id, follow.hop, follow.from_agency, follow.to_agency) == (
        stop.pk,
        2,
        partner,
        nxt,
    )
    assert follow.case == case and follow.source == "follow_on" and follow.account == "0099887766"
    assert Notification.objects.filter(user__agency=nxt, key__endswith=":arrived").count() == 2
    # Cambodia sees the hop addressed to it, its amounts, never the case nor the hop before.
    kh = api(people["next"]["investigator"])
    seen = kh.get(f"/api/v1/stop-payments/{follow.pk}/").json()
    assert seen["case"] is None and seen["case_reference"] is None and seen["parent"] is None
    assert seen["amount"] == "19500.00"
    assert kh.get(f"/api/v1/stop-payments/{stop.pk}/").status_code == 404
    assert [r["id"] for r in kh.get("/api/v1/stop-payments/").json()["results"]] == [follow.pk]
    client.force_login(people["next"]["investigator"])
    page = client.get(reverse("payments:detail", args=[follow.pk])).content.decode()
    assert case.reference not in page and case.title not in page and stop.reference not in page
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 404
    # Thailand sees both hops (it received one and sent the other), with the parent.
    assert th.get(f"/api/v1/stop-payments/{follow.pk}/").json()["parent"] == stop.pk
    # Cambodia freezes part: it flows back to the originating case's assets, once.
    kh.post(
        f"/api/v1/stop-payments/{follow.pk}/outcome/",
        {
            "version": 1,
            "outcome": "partially_frozen",
            "amount_frozen": "7000.00",
            "currency": "USD",
        },
        format="json",
    )
    assert list(Asset.objects.filter(case=case).values_list("amount", "status")) == [
        (Decimal("7000.00"), AssetStatus.FROZEN)
    ]
    # The victim's agency sees the whole trail on the case page.
    client.force_login(alice)
    page = client.get(reverse("cases:detail", args=[case.pk]))
    chain = page.context["sections"]
    trail = next(s for s in chain if s["key"] == "stop_payments")["context"]["chains"]
    assert [[h.pk for h in c] for c in trail] == [[stop.pk, follow.pk]]
    html = page.content.decode()
    assert "Funds moved on" in html and "Partially frozen" in html and "7000.00 USD frozen" in html


def test_moved_on_through_the_page_and_a_partial_freeze_with_the_rest_moved_on(
    client, case, partner, nxt, people
):
    stop = file(case, partner, people["own"]["investigator"])
    client.force_login(people["partner"]["supervisor"])
    response = client.post(
        reverse("payments:outcome", args=[stop.pk]),
        {
            "version": 1,
            "outcome": "moved_on",
            "onward_account": KH_ACCOUNT,
            "onward_agency": nxt.pk,
            "onward_amount": "4000.00",
            "onward_currency": "USD",
        },
    )
    assert response.status_code == 302
    follow = StopPaymentRequest.objects.get(parent=stop)
    client.force_login(people["next"]["supervisor"])
    response = client.post(
        reverse("payments:outcome", args=[follow.pk]),
        {
            "version": 1,
            "outcome": "partially_frozen",
            "amount_frozen": "1000.00",
            "currency": "USD",
            "onward_account": IBAN_FR,
            "onward_agency": partner.pk,
            "onward_amount": "3000.00",
        },
    )
    assert response.status_code == 302
    third = StopPaymentRequest.objects.get(parent=follow)
    assert (third.hop, third.root_id, third.amount, third.account) == (
        3,
        stop.pk,
        Decimal("3000.00"),
        IBAN_FR_COMPACT,
    )


# --- the deadline job ------------------------------------------------------------------------


def test_the_deadline_job_reminds_once_expires_the_unanswered_and_marks_overdue(
    client, case, partner, people, settings, django_capture_on_commit_callbacks, celery_in_process
):
    settings.FORTRESS_STOP_PAYMENT_WARN_HOURS = 4
    alice = people["own"]["investigator"]
    soon = file(case, partner, alice, deadline=timezone.now() + datetime.timedelta(hours=2))
    later = file(case, partner, alice, deadline=timezone.now() + datetime.timedelta(hours=20))
    unanswered = file(case, partner, alice)
    acknowledged = file(case, partner, alice)
    services.stop_payment_acknowledge(
        request=acknowledged, by=people["partner"]["investigator"], version=1
    )
    past = timezone.now() - datetime.timedelta(minutes=5)
    StopPaymentRequest.objects.filter(pk__in=[unanswered.pk, acknowledged.pk]).update(deadline=past)
    mail.outbox.clear()
    from payments.tasks import check_stop_payment_deadlines

    with django_capture_on_commit_callbacks(execute=True):
        assert check_stop_payment_deadlines.delay().get() == {"warned": 1, "expired": 1}
    assert services.stop_payments_check_deadlines() == {"warned": 0, "expired": 0}
    near = Notification.objects.filter(key=f"stop-payment:{soon.pk}:deadline-near")
    assert sorted(near.values_list("user__username", flat=True)) == [
        "partner.investigator",
        "partner.supervisor",
    ]
    assert not Notification.objects.filter(key__startswith=f"stop-payment:{later.pk}:dead")
    unanswered.refresh_from_db()
    acknowledged.refresh_from_db()
    assert unanswered.status == Status.EXPIRED and unanswered.answered_by is None
    assert Notification.objects.filter(user=alice, key=f"stop-payment:{unanswered.pk}:answered")
    assert acknowledged.status == Status.ACKNOWLEDGED and acknowledged.is_overdue
    assert any("expired" in m.subject.lower() for m in mail.outbox)
    # Overdue in both queues.
    for user in (alice, people["partner"]["investigator"]):
        client.force_login(user)
        page = client.get(reverse("payments:queue"), {"status": "overdue"})
        assert [s.pk for s in page.context["page"]] == [acknowledged.pk]
        assert b'data-testid="overdue"' in page.content
    # An expired request is answered no more.
    with pytest.raises(ValidationError):
        services.stop_payment_record_outcome(
            request=unanswered,
            by=people["partner"]["investigator"],
            version=unanswered.version,
            outcome="refused",
            reason="Late",
        )


def test_the_job_is_on_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["payments-check-deadlines"]
    assert entry["task"] == "payments.tasks.check_stop_payment_deadlines"


# --- the queue and the API list --------------------------------------------------------------


def test_the_queue_puts_open_urgent_and_new_first_and_filters(
    api, client, case, partner, nxt, people
):
    alice = people["own"]["investigator"]
    normal = file(case, partner, alice, urgency="normal")
    urgent_old = file(case, partner, alice)
    urgent_new = file(case, partner, alice)
    StopPaymentRequest.objects.filter(pk=urgent_old.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=3)
    )
    answered = file(case, partner, alice)
    answer(answered, people["partner"]["investigator"], outcome="refused", reason="No")
    client.force_login(people["partner"]["analyst"])
    page = client.get(reverse("payments:queue"), {"direction": "received"})
    assert [s.pk for s in page.context["page"]] == [
        urgent_new.pk,
        urgent_old.pk,
        normal.pk,
        answered.pk,
    ]
    rows = api(people["partner"]["analyst"]).get(
        "/api/v1/stop-payments/", {"direction": "received", "status": "refused"}
    )
    assert [r["id"] for r in rows.json()["results"]] == [answered.pk]
    sent = api(people["partner"]["analyst"]).get("/api/v1/stop-payments/", {"direction": "sent"})
    assert sent.json()["results"] == []
    assert api(alice).get("/api/v1/stop-payments/", {"status": "nope"}).status_code == 400


def test_the_queue_lists_in_a_fixed_number_of_queries(
    client, case, partner, people, same_queries_for_n_and_2n
):
    alice = people["own"]["investigator"]
    client.force_login(alice)

    def add(n: int) -> None:
        for _ in range(n):
            file(case, partner, alice, transfers=[{"amount": Decimal("1.00"), "reference": "x"}])

    same_queries_for_n_and_2n(lambda: client.get(reverse("payments:queue")), add)
    same_queries_for_n_and_2n(lambda: client.get("/api/v1/stop-payments/"), add)


# --- access ----------------------------------------------------------------------------------


def test_the_access_matrix_of_a_request(api, client, case, partner, people):
    stop = file(case, partner, people["own"]["investigator"])
    detail = f"/api/v1/stop-payments/{stop.pk}/"
    readers = {"investigator", "analyst", "supervisor"}
    for who in ("own", "partner", "outsider", "next"):
        for role in ROLES:
            user = people[who][role]
            sees = who in ("own", "partner") and role in readers
            assert api(user).get(detail).status_code == (200 if sees else 404), (who, role)
            client.force_login(user)
            page = client.get(reverse("payments:detail", args=[stop.pk]))
            assert page.status_code == (200 if sees else 404), (who, role)
            ack = api(user).post(f"{detail}acknowledge/", {"version": 1}, format="json")
            answers = who == "partner" and role in {"investigator", "supervisor"}
            expected = 200 if answers else (403 if sees else 404)
            if answers:
                # Put it back for the next role: the answer is tested elsewhere.
                StopPaymentRequest.objects.filter(pk=stop.pk).update(
                    status=Status.SENT, version=1, acknowledged_at=None, acknowledged_by=None
                )
            assert ack.status_code == expected, (who, role, ack.status_code)
            page_ack = client.post(reverse("payments:acknowledge", args=[stop.pk]), {"version": 1})
            assert page_ack.status_code == (302 if answers else 404), (who, role)
            StopPaymentRequest.objects.filter(pk=stop.pk).update(
                status=Status.SENT, version=1, acknowledged_at=None, acknowledged_by=None
            )
            # Filing from the case: its own agency's investigators and supervisors only.
            files = who == "own" and role in {"investigator", "supervisor"}
            form = client.get(reverse("payments:file", args=[case.pk]))
            assert form.status_code == (200 if files else 404), (who, role)
            created = api(user).post(
                "/api/v1/stop-payments/",
                {
                    "case": case.pk,
                    "to_agency": partner.pk,
                    "account_kind": "bank_account",
                    "account": TH_ACCOUNT,
                    "amount": "10.00",
                    "currency": "USD",
                },
                format="json",
            )
            case_readers = {"investigator", "analyst", "liaison", "supervisor"}
            if files:
                assert created.status_code == 201, created.json()
            elif who == "own" and role in case_readers:
                assert created.status_code == 403, (who, role)
            else:
                assert created.status_code == 400, (who, role)  # no such case for them


def test_the_case_page_trail_is_the_own_agency_s_alone(client, make_case, case, partner, people):
    from cases.services import case_set_sharing

    file(case, partner, people["own"]["investigator"])
    case_set_sharing(
        case=case,
        level="shared",
        agencies=[partner],
        by=people["own"]["supervisor"],
        expected_version=case.version,
    )
    client.force_login(people["partner"]["investigator"])
    page = client.get(reverse("cases:detail", args=[case.pk]))
    assert page.status_code == 200
    assert all(s["key"] != "stop_payments" for s in page.context["sections"])
    # The partner reads the shared case but files nothing from it.
    assert client.get(reverse("payments:file", args=[case.pk])).status_code == 404


# --- figures ---------------------------------------------------------------------------------


def test_percentiles_interpolate_between_the_nearest_values():
    hours = [datetime.timedelta(hours=h) for h in (1, 2, 3, 4, 10)]
    assert figures.percentile(hours, 0.5) == datetime.timedelta(hours=3)
    assert figures.percentile(hours, 0.9) == datetime.timedelta(hours=7.6)
    assert figures.percentile([datetime.timedelta(hours=5)], 0.9) == datetime.timedelta(hours=5)
    assert figures.percentile([], 0.5) is None


def _aged(stop, *, ack_after: float | None = None, answer_after: float | None = None) -> None:
    stop.refresh_from_db()
    created = stop.created_at
    fields = {}
    if ack_after is not None:
        fields["acknowledged_at"] = created + datetime.timedelta(hours=ack_after)
    if answer_after is not None:
        fields["answered_at"] = created + datetime.timedelta(hours=answer_after)
    StopPaymentRequest.objects.filter(pk=stop.pk).update(**fields)


@pytest.fixture
def operation(case, partner, people):
    supervisor = people["own"]["supervisor"]
    operation = operation_create(
        by=supervisor, name="Op Ledger", code="ledger", reporting_currency="USD"
    )
    operation_invite(operation=operation, by=supervisor, agencies=[partner])
    invitation_respond(
        participation=operation.participations.get(agency=partner),
        by=people["partner"]["supervisor"],
        accept=True,
    )
    operation_link_case(operation=operation, case=case, by=supervisor)
    operation_rate_set(operation=operation, by=supervisor, currency="THB", rate="0.03")
    return operation


def test_figures_per_agency_and_operation(client, case, partner, nxt, people, operation):
    alice = people["own"]["investigator"]
    th = people["partner"]["investigator"]
    stops = [file(case, partner, alice, amount=Decimal("1000.00")) for _ in range(5)]
    for stop, ack in zip(stops, (1, 2, 3, 4, 10), strict=True):
        services.stop_payment_acknowledge(request=stop, by=th, version=1)
        _aged(stop, ack_after=ack)
    answer(stops[0], th, outcome="frozen", amount_frozen=Decimal("1000.00"), currency="USD")
    answer(stops[1], th, outcome="partially_frozen", amount_frozen=Decimal("10000"), currency="THB")
    answer(
        stops[2],
        th,
        outcome="moved_on",
        onward_account=KH_ACCOUNT,
        onward_agency=nxt,
        onward_amount=Decimal("900.00"),
        onward_currency="USD",
    )
    _aged(stops[0], answer_after=6)
    _aged(stops[1], answer_after=12)
    follow = StopPaymentRequest.objects.get(parent=stops[2])
    answer(
        follow,
        people["next"]["investigator"],
        outcome="frozen",
        amount_frozen=Decimal("500"),
        currency="USD",
    )
    frozen_asset = StopPaymentRequest.objects.get(pk=stops[0].pk).frozen_asset
    asset_update(asset=frozen_asset, by=alice, expected_version=1, status=AssetStatus.RETURNED)

    received = figures.agency_figures(th).received
    assert received.requests == 5
    assert received.to_acknowledge.median == datetime.timedelta(hours=3)
    assert received.to_acknowledge.p90 == datetime.timedelta(hours=7.6)
    assert received.to_freeze.median == datetime.timedelta(hours=9)  # 6 h and 12 h
    assert received.to_freeze.p90 == datetime.timedelta(hours=11.4)
    assert figures.agency_figures(th).sent.requests == 1
    assert figures.agency_figures(alice).sent.requests == 5

    op = figures.operation_figures(alice, operation)
    assert op.all.requests == 6
    usd = op.all.amounts["USD"]
    # Requested: the first request of each chain only (the follow-on asks for the same money).
    assert usd["requested"] == Decimal("5000.00")
    assert usd["frozen"] == Decimal("1500.00") and usd["returned"] == Decimal("1000.00")
    assert usd["recovered"] == Decimal("1000.00")
    assert op.all.amounts["THB"]["frozen"] == Decimal("10000.00")
    assert op.estimate["frozen"] == Decimal("1800.00")  # 1500 USD + 10000 THB at 0.03
    assert op.unconverted == []
    assert {n: (s, r) for n, s, r in op.by_agency} == {
        "Agency own": (5, 0),
        "Agency partner": (1, 5),
        "Agency next": (0, 1),
    }
    # Each frozen amount is one asset of the case, counted once by the operation's figures.
    assets = operation_figures.operation_figures(alice, operation)
    assert assets.assets_for("frozen") == {"THB": Decimal("10000.00"), "USD": Decimal("1500.00")}
    assert Asset.objects.filter(case=case).count() == 3
    # On the operation page, its printable report and its CSV.
    client.force_login(people["partner"]["analyst"])
    page = client.get(reverse("operations:detail", args=[operation.pk])).content.decode()
    # Over the operation the follow-on counts too (answered at once): [0, 6, 12] h to freeze.
    assert op.all.to_freeze.p90 is not None and op.all.to_freeze.median_hours == "6.0"
    assert 'data-testid="stop-payment-figures"' in page and "10.8" in page and "1800.00" in page
    report = client.get(reverse("operations:report_print", args=[operation.pk])).content.decode()
    assert 'data-testid="stop-payment-figures"' in report
    csv = client.get(reverse("operations:report_csv", args=[operation.pk])).content.decode()
    assert "stop payments,time to freeze p90 (hours),10.8" in csv
    assert "stop payments estimate,frozen,1800.00,USD" in csv
    # The agency's figures on its queue.
    client.force_login(th)
    queue = client.get(reverse("payments:queue")).content.decode()
    assert 'data-testid="stop-payment-figures"' in queue
    # The API gives a member the same figures as the page.
    for member in (alice, people["partner"]["analyst"]):
        api = APIClient()
        api.force_authenticate(member)
        stop_payments = api.get(f"/api/v1/operations/{operation.pk}/figures/").json()[
            "stop_payments"
        ]
        assert stop_payments["requests"] == 6
        assert stop_payments["to_freeze"] == {
            "median_hours": "6.0",
            "p90_hours": "10.8",
            "count": 3,
        }
        assert stop_payments["amounts"]["frozen"] == {"THB": "10000.00", "USD": "1500.00"}
        assert stop_payments["amounts"]["requested"] == {"USD": "5000.00"}
        assert stop_payments["estimate"]["frozen"] == "1800.00"
        assert {"agency": "Agency next", "sent": 0, "received": 1} in stop_payments["by_agency"]
        detail = api.get(f"/api/v1/operations/{operation.pk}/").json()
        assert detail["figures"]["stop_payments"] == stop_payments


# --- concurrency on PostgreSQL -----------------------------------------------------------------


def test_two_answers_at_once_give_one_answer_and_one_conflict(
    transactional_db, case, partner, people
):
    require_postgres()
    stop = file(case, partner, people["own"]["investigator"])
    barrier = threading.Barrier(2)
    results: list[object] = []

    def run(user, body) -> None:
        try:
            barrier.wait()
            services.stop_payment_record_outcome(request=stop, by=user, version=1, **body)
            results.append("ok")
        except BaseException as exc:  # returned to the test
            results.append(exc)
        finally:
            connection.close()

    bodies = [
        (
            people["partner"]["investigator"],
            {"outcome": "frozen", "amount_frozen": Decimal("5000.00"), "currency": "USD"},
        ),
        (people["partner"]["supervisor"], {"outcome": "refused", "reason": "No order."}),
    ]
    threads = [threading.Thread(target=run, args=b) for b in bodies]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results.count("ok") == 1
    assert [type(r) for r in results if r != "ok"] == [ConflictError]
    stop.refresh_from_db()
    assert stop.version == 2 and stop.status in (Status.FROZEN, Status.REFUSED)
    assert Asset.objects.filter(case=case).count() == (1 if stop.status == Status.FROZEN else 0)


def test_the_deadline_job_leaves_a_request_answered_meanwhile(
    transactional_db, case, partner, people
):
    require_postgres()
    stop = file(case, partner, people["own"]["investigator"])
    StopPaymentRequest.objects.filter(pk=stop.pk).update(
        deadline=timezone.now() - datetime.timedelta(minutes=1)
    )
    barrier = threading.Barrier(2)
    results: list[object] = []

    def job() -> None:
        try:
            barrier.wait()
            results.append(services.stop_payments_check_deadlines()["expired"])
        except BaseException as exc:  # returned to the test
            results.append(exc)
        finally:
            connection.close()

    def ack() -> None:
        try:
            barrier.wait()
            services.stop_payment_acknowledge(
                request=stop, by=people["partner"]["investigator"], version=1
            )
            results.append("ack")
        except BaseException as exc:  # returned to the test
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=job), threading.Thread(target=ack)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    stop.refresh_from_db()
    # Either the job expired it first (the acknowledgement is then a conflict) or the
    # acknowledgement came first (the job leaves it): never both.
    if stop.status == Status.EXPIRED:
        assert sorted(map(str, results)) != ["1", "ack"]
        assert any(isinstance(r, ConflictError) for r in results)
    else:
        assert stop.status == Status.ACKNOWLEDGED and 0 in results and "ack" in results
