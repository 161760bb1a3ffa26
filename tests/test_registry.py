"""The network registry: publishing through a supervisor, one entry per value, the takedown
lifecycle shared by every agency, withdrawal, lookup, and the operation figure."""

import pytest
from django.urls import reverse

from cases.services import case_create
from config.errors import PolicyError
from indicators import xref
from indicators.models import Indicator, TakedownStatus
from indicators.services import indicators_add_batch
from operations.figures import operation_figures
from operations.services import (
    invitation_respond,
    operation_create,
    operation_invite,
    operation_link_case,
)
from registry.models import (
    EntryStatus,
    ProposalStatus,
    PublicationProposal,
    RegistryEntry,
    RegistrySource,
    TakedownStep,
)
from registry.services import proposal_create, proposal_decide

DOMAIN = "Secure-Bank-Login.example.COM"
DOMAIN_N = "secure-bank-login.example.com"


def _indicator(user, title="Phishing wave", kind="domain", value=DOMAIN, **case_fields):
    case = case_create(by=user, title=title, **case_fields)
    indicators_add_batch(case=case, by=user, rows=[{"kind": kind, "value": value}])
    xref.sweep()
    return Indicator.objects.get(case=case, kind=kind, raw_value=value)


def _publish(users, indicator, confidence="confirmed", description="Fake bank login page."):
    proposal = proposal_create(
        indicator=indicator,
        by=users["analyst"],
        confidence=confidence,
        fraud_types=["phishing"],
        description=description,
    )
    proposal_decide(proposal=proposal, by=users["supervisor"], approve=True)
    return RegistryEntry.objects.get(value=indicator.value)


def test_publishing_through_pages_and_approvals(client, own_users, partner_users):
    indicator = _indicator(own_users["investigator"])
    client.force_login(own_users["analyst"])
    page = client.get(reverse("cases:detail", args=[indicator.case_id]))
    assert reverse("registry:propose", args=[indicator.pk]) in page.content.decode()
    response = client.post(
        reverse("registry:propose", args=[indicator.pk]),
        {"confidence": "confirmed", "fraud_types": ["phishing"], "description": "Fake bank."},
    )
    assert response.status_code == 302
    proposal = PublicationProposal.objects.get()
    assert proposal.status == ProposalStatus.PENDING
    assert not RegistryEntry.objects.exists()

    # Waits on the approvals page and API of the agency's supervisor only.
    client.force_login(own_users["supervisor"])
    assert DOMAIN_N in client.get(reverse("operations:approvals")).content.decode()
    client.force_login(partner_users["supervisor"])
    assert DOMAIN_N not in client.get(reverse("operations:approvals")).content.decode()
    client.force_login(own_users["supervisor"])
    response = client.post(
        reverse("registry:decide_proposal", args=[proposal.pk]), {"decision": "approve"}
    )
    assert response.status_code == 302
    entry = RegistryEntry.objects.get()
    assert entry.value_id == indicator.value_id
    assert entry.status == EntryStatus.ACTIVE
    # The other agency reads it, with the value and publishing agency, never the case.
    client.force_login(partner_users["analyst"])
    html = client.get(reverse("registry:search"), {"q": "SECURE-bank-login.example.com."}).content
    html = html.decode()
    assert DOMAIN_N in html and own_users["analyst"].agency.name in html
    detail = client.get(reverse("registry:detail", args=[entry.pk])).content.decode()
    assert "Fake bank." in detail
    assert indicator.case.reference not in detail and "Phishing wave" not in detail


def test_refused_proposal_publishes_nothing(api, own_users):
    indicator = _indicator(own_users["investigator"])
    client = api(own_users["analyst"])
    response = client.post(
        "/api/v1/registry-proposals/",
        {"indicator": indicator.pk, "confidence": "suspected", "description": "Looks fake."},
        format="json",
    )
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    approvals = api(own_users["supervisor"]).get("/api/v1/approvals/").json()
    assert [p["id"] for p in approvals["publications"]] == [pk]
    # An analyst does not decide.
    assert client.post(f"/api/v1/registry-proposals/{pk}/approve/").status_code == 403
    response = api(own_users["supervisor"]).post(f"/api/v1/registry-proposals/{pk}/refuse/")
    assert response.status_code == 200 and response.json()["status"] == "refused"
    assert not RegistryEntry.objects.exists()
    assert api(own_users["supervisor"]).get("/api/v1/approvals/").json()["publications"] == []


def test_a_silent_case_cannot_publish(client, api, own_users):
    indicator = _indicator(own_users["investigator"], silent=True)
    response = api(own_users["analyst"]).post(
        "/api/v1/registry-proposals/",
        {"indicator": indicator.pk, "confidence": "confirmed", "description": "x"},
        format="json",
    )
    assert response.status_code == 400
    assert "silent" in str(response.json()).lower()
    client.force_login(own_users["analyst"])
    page = client.get(reverse("registry:propose", args=[indicator.pk]))
    assert "silent case cannot publish" in page.content.decode()
    client.post(
        reverse("registry:propose", args=[indicator.pk]),
        {"confidence": "confirmed", "description": "x"},
    )
    assert not PublicationProposal.objects.exists()


def test_a_kind_that_is_not_infrastructure_is_refused(api, own_users):
    indicator = _indicator(own_users["investigator"], kind="email", value="boss@scam-mail.com")
    response = api(own_users["analyst"]).post(
        "/api/v1/registry-proposals/",
        {"indicator": indicator.pk, "confidence": "confirmed", "description": "x"},
        format="json",
    )
    assert response.status_code == 400


def test_two_agencies_publishing_one_value_make_one_entry(api, own_users, partner_users):
    mine = _indicator(own_users["investigator"])
    theirs = _indicator(partner_users["investigator"], title="Second", value=DOMAIN_N + ".")
    entry = _publish(own_users, mine)
    assert _publish(partner_users, theirs, confidence="suspected").pk == entry.pk
    assert RegistryEntry.objects.count() == 1
    body = api(partner_users["liaison"]).get("/api/v1/registry/").json()
    [row] = body["results"]
    assert row["kind"] == "domain" and row["normalized_value"] == DOMAIN_N
    assert sorted(s["agency"]["name"] for s in row["sources"]) == ["Agency own", "Agency partner"]
    assert row["case_count"] == entry.value.case_count >= 2
    assert "case" not in row and all("case" not in s for s in row["sources"])


def test_withdrawal_keeps_history_and_leaves_the_lists(client, api, own_users, partner_users):
    entry = _publish(own_users, _indicator(own_users["investigator"]))
    # Only a supervisor of a source agency withdraws.
    assert (
        api(own_users["analyst"]).post(f"/api/v1/registry/{entry.pk}/withdraw/").status_code == 403
    )
    assert (
        api(partner_users["supervisor"]).post(f"/api/v1/registry/{entry.pk}/withdraw/").status_code
        == 400
    )
    client.force_login(own_users["supervisor"])
    response = client.post(reverse("registry:withdraw", args=[entry.pk]))
    assert response.status_code == 302
    source = RegistrySource.objects.get()
    assert source.withdrawn_at is not None  # kept
    assert api(partner_users["analyst"]).get("/api/v1/registry/").json()["results"] == []
    assert api(partner_users["analyst"]).get(f"/api/v1/registry/{entry.pk}/").status_code == 404
    lookup = api(partner_users["analyst"]).post(
        "/api/v1/registry/lookup/", {"values": [{"kind": "domain", "value": DOMAIN}]}, format="json"
    )
    assert lookup.json()["results"][0]["known"] is False


def test_the_whole_takedown_lifecycle_with_a_re_emergence(client, api, own_users, partner_users):
    indicator = _indicator(own_users["investigator"])
    entry = _publish(own_users, indicator)
    partner = api(partner_users["analyst"])
    url = f"/api/v1/registry/{entry.pk}/"
    # The partner claims it, so the own agency does not chase the same registrar.
    body = partner.post(f"{url}claim/", {"version": entry.version}, format="json").json()
    assert body["claimed_by"] == "Agency partner"
    refused = api(own_users["analyst"]).post(
        f"{url}claim/", {"version": body["version"]}, format="json"
    )
    assert refused.status_code == 400
    body = partner.post(
        f"{url}request-takedown/",
        {"recipient": "registrar", "reference": "ABUSE-991", "version": body["version"]},
        format="json",
    ).json()
    assert body["status"] == "takedown_requested"
    assert Indicator.objects.get(pk=indicator.pk).takedown_status == TakedownStatus.REPORTED
    body = partner.post(
        f"{url}taken-down/",
        {
            "taken_down_on": "2026-03-02",
            "note": "Registrar suspended it",
            "version": body["version"],
        },
        format="json",
    ).json()
    assert body["status"] == "taken_down"
    again = Indicator.objects.get(pk=indicator.pk)
    assert again.takedown_status == TakedownStatus.TAKEN_DOWN
    assert str(again.takedown_date) == "2026-03-02"
    # Seen again, through the page, by the own agency.
    client.force_login(own_users["investigator"])
    response = client.post(
        reverse("registry:step", args=[entry.pk]),
        {"status": "re_emerged", "note": "Back on a new host", "version": body["version"]},
    )
    assert response.status_code == 302
    assert Indicator.objects.get(pk=indicator.pk).takedown_status == TakedownStatus.ACTIVE
    entry.refresh_from_db()
    body = partner.post(
        f"{url}request-takedown/",
        {"recipient": "hosting_provider", "version": entry.version},
        format="json",
    ).json()
    detail = partner.get(url).json()
    assert [s["status"] for s in detail["steps"]] == [
        "active",
        "takedown_requested",
        "taken_down",
        "re_emerged",
        "takedown_requested",
    ]
    assert [s["agency"] for s in detail["steps"]][1:] == [
        "Agency partner",
        "Agency partner",
        "Agency own",
        "Agency partner",
    ]
    # A step that does not follow: 400, nothing written.
    bad = partner.post(f"{url}re-emerged/", {"version": detail["version"]}, format="json")
    assert bad.status_code == 400
    assert TakedownStep.objects.count() == 5
    page = client.get(reverse("registry:detail", args=[entry.pk])).content.decode()
    assert "ABUSE-991" in page and "Registrar suspended it" in page


def test_concurrent_steps_one_wins_the_other_gets_409(api, own_users, partner_users):
    entry = _publish(own_users, _indicator(own_users["investigator"]))
    url = f"/api/v1/registry/{entry.pk}/request-takedown/"
    read = entry.version
    first = api(own_users["analyst"]).post(
        url, {"recipient": "registrar", "version": read}, format="json"
    )
    second = api(partner_users["analyst"]).post(
        url, {"recipient": "hosting_provider", "version": read}, format="json"
    )
    assert first.status_code == 200
    assert second.status_code == 409
    assert second.json()["version"] == read + 1
    assert TakedownStep.objects.filter(status="takedown_requested").count() == 1
    missing = api(partner_users["analyst"]).post(url, {"recipient": "bank"}, format="json")
    assert missing.status_code == 400 and "version" in missing.json()


def test_lookup_answers_in_order_normalised_by_kind(
    api, own_users, partner_users, django_assert_max_num_queries
):
    _publish(own_users, _indicator(own_users["investigator"]))
    phone = _indicator(
        own_users["investigator"], title="Calls", kind="phone", value="+84 912 000 111"
    )
    _publish(own_users, phone)
    asked = [
        {"kind": "phone", "value": "0912000111"},  # local form, read in the asker's country
        {"kind": "domain", "value": "nothing-here.example.org"},
        {"kind": "domain", "value": "SECURE-bank-login.example.com."},
        {"kind": "ip", "value": "999.1.1.1"},
        {"kind": "phone", "value": "+84 (912) 000-111"},
    ]
    client = api(own_users["analyst"])  # own agency is in VN: 0912… is +84912…
    with django_assert_max_num_queries(8):  # auth, agency, entries, sources: never per value
        body = client.post("/api/v1/registry/lookup/", {"values": asked}, format="json").json()
    results = body["results"]
    assert [r["value"] for r in results] == [a["value"] for a in asked]
    assert [r["known"] for r in results] == [True, False, True, False, True]
    assert results[0]["normalized_value"] == "+84912000111"
    assert results[2]["entry"]["normalized_value"] == DOMAIN_N
    assert results[1]["entry"] is None and "error" not in results[1]
    assert results[3]["error"] and results[3]["entry"] is None


def test_lookup_queries_do_not_grow_with_the_list(api, own_users, django_assert_num_queries):
    _publish(own_users, _indicator(own_users["investigator"]))
    client = api(own_users["analyst"])
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for n in (2, 200):
        values = [{"kind": "domain", "value": f"d{i}.example.org"} for i in range(n)]
        values.append({"kind": "domain", "value": DOMAIN})
        with CaptureQueriesContext(connection) as ctx:
            body = client.post("/api/v1/registry/lookup/", {"values": values}, format="json")
        assert body.json()["results"][-1]["known"] is True
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_lookup_refuses_more_than_ten_thousand(api, own_users):
    values = [{"kind": "ip", "value": "10.0.0.1"}] * 10_001
    response = api(own_users["analyst"]).post(
        "/api/v1/registry/lookup/", {"values": values}, format="json"
    )
    assert response.status_code == 400


def test_search_filters_and_pages(client, own_users, partner_users):
    _publish(own_users, _indicator(own_users["investigator"]))
    _publish(
        partner_users,
        _indicator(partner_users["investigator"], kind="ip", value="203.0.113.9"),
        confidence="suspected",
    )
    client.force_login(own_users["liaison"])  # reads the registry, not case files
    url = reverse("registry:search")
    assert "203.0.113.9" in client.get(url, {"kind": "ip"}).content.decode()
    assert "203.0.113.9" not in client.get(url, {"kind": "domain"}).content.decode()
    assert "203.0.113.9" in client.get(url, {"confidence": "suspected"}).content.decode()
    assert DOMAIN_N not in client.get(url, {"confidence": "suspected"}).content.decode()
    assert DOMAIN_N not in client.get(url, {"status": "taken_down"}).content.decode()
    assert client.get(url, {"page": "2"}).status_code == 200
    client.force_login(own_users["admin"])
    assert client.get(url).status_code == 404


def test_the_operation_figure_counts_registry_takedowns(api, own_users, partner_users, partner):
    indicator = _indicator(own_users["investigator"])
    entry = _publish(own_users, indicator)
    operation = operation_create(by=own_users["supervisor"], name="Op Hook", code="hook")
    operation_link_case(operation=operation, case=indicator.case, by=own_users["supervisor"])
    assert operation_figures(own_users["supervisor"], operation).infrastructure_taken_down == 0
    partner_client = api(partner_users["analyst"])
    url = f"/api/v1/registry/{entry.pk}/"
    for step, body in [
        ("taken-down", {"taken_down_on": "2026-02-01"}),
        ("re-emerged", {}),
        ("taken-down", {"taken_down_on": "2026-04-01"}),
    ]:
        version = RegistryEntry.objects.get(pk=entry.pk).version
        response = partner_client.post(f"{url}{step}/", {**body, "version": version}, format="json")
        assert response.status_code == 200, response.json()
    figures = operation_figures(own_users["supervisor"], operation)
    # Two takedowns of the one value, recorded by another agency, counted for the operation.
    assert figures.infrastructure_taken_down == 2
    assert figures.taken_down_by_kind == {"domain": 2}
    assert (
        api(own_users["supervisor"])
        .get(f"/api/v1/operations/{operation.pk}/")
        .json()["figures"]["infrastructure_taken_down"]
        == 2
    )
    operation_invite(operation=operation, by=own_users["supervisor"], agencies=[partner])
    invitation_respond(
        participation=operation.participations.get(agency=partner),
        by=partner_users["supervisor"],
        accept=True,
    )


def test_the_demo_publishes_entries_at_every_stage_idempotently(db, settings):
    from django.core.management import call_command

    settings.DEBUG = True
    call_command("seed_demo")
    counts = (
        RegistryEntry.objects.count(),
        RegistrySource.objects.count(),
        TakedownStep.objects.count(),
    )
    call_command("seed_demo")
    assert (
        RegistryEntry.objects.count(),
        RegistrySource.objects.count(),
        TakedownStep.objects.count(),
    ) == counts
    statuses = set(RegistryEntry.objects.values_list("status", flat=True))
    assert statuses == set(EntryStatus.values)
    shared = RegistryEntry.objects.get(value__normalized="secure-krungthai-verify.com")
    assert shared.sources.count() == 2
    assert len(set(RegistrySource.objects.values_list("agency", flat=True))) >= 4
    # Some go public (the taken-down one is marked but left out), and one partner has a token.
    import access
    from registry.models import FeedToken

    public = set(access.public_awareness_entries().values_list("value__normalized", flat=True))
    assert public == {
        "vinatrade-pro.com",
        "https://secure-krungthai-verify.com/login?ref=sms",
        "+66812345678",
    }
    assert FeedToken.objects.count() == 1


def test_a_supervisor_does_not_approve_their_own_proposal(client, api, own_users):
    """Four eyes: the supervisor who proposed may refuse (take it back), another approves."""
    from agencies.models import User

    indicator = _indicator(own_users["investigator"])
    supervisor = own_users["supervisor"]
    proposal = proposal_create(
        indicator=indicator,
        by=supervisor,
        confidence="confirmed",
        fraud_types=["phishing"],
        description="Fake bank login page.",
    )
    # The approvals page does not offer approval to the proposer.
    client.force_login(supervisor)
    html = client.get(reverse("operations:approvals")).content.decode()
    assert DOMAIN_N in html and 'data-testid="own-proposal"' in html
    assert 'value="approve"' not in html
    # Nor does the page, the API or the service approve it.
    response = client.post(
        reverse("registry:decide_proposal", args=[proposal.pk]), {"decision": "approve"}
    )
    assert response.status_code == 302
    response = api(supervisor).post(f"/api/v1/registry-proposals/{proposal.pk}/approve/")
    assert response.status_code == 403
    assert "another supervisor" in response.json()["detail"].lower()
    with pytest.raises(PolicyError):
        proposal_decide(proposal=proposal, by=supervisor, approve=True)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PENDING
    assert not RegistryEntry.objects.exists()
    # A second supervisor of the agency sees the button and approves.
    other = User.objects.create_user(
        username="own.supervisor2", password="pw", agency=supervisor.agency, role="supervisor"
    )
    client.force_login(other)
    assert 'value="approve"' in client.get(reverse("operations:approvals")).content.decode()
    response = api(other).post(f"/api/v1/registry-proposals/{proposal.pk}/approve/")
    assert response.status_code == 200 and response.json()["status"] == "approved"
    assert RegistryEntry.objects.filter(value=indicator.value).exists()


def test_a_new_sighting_of_a_registered_value_takes_the_entry_status(own_users, partner_users):
    import datetime

    from django.core.exceptions import ValidationError

    from indicators.services import indicator_update
    from registry.services import entry_record_step

    entry = _publish(own_users, _indicator(own_users["investigator"]))
    entry_record_step(
        entry=entry,
        by=partner_users["analyst"],
        status=EntryStatus.TAKEN_DOWN,
        version=entry.version,
        taken_down_on=datetime.date(2026, 3, 2),
    )
    # Another case adds the value (and a URL implying it): both sightings start taken down,
    # a value without an entry stays active.
    case = case_create(by=partner_users["investigator"], title="Later wave")
    indicators_add_batch(
        case=case,
        by=partner_users["investigator"],
        rows=[
            {"kind": "domain", "value": DOMAIN_N},
            {"kind": "url", "value": "https://other-bank.example.net/login"},
        ],
    )
    later = Indicator.objects.get(case=case, kind="domain", value__normalized=DOMAIN_N)
    assert later.takedown_status == TakedownStatus.TAKEN_DOWN
    assert later.takedown_date == datetime.date(2026, 3, 2)
    other = Indicator.objects.get(
        case=case, kind="domain", value__normalized="other-bank.example.net"
    )
    assert other.takedown_status == TakedownStatus.ACTIVE and other.takedown_date is None

    # The registry's lifecycle owns it: no hand edit of its status, other fields still edit.
    with pytest.raises(ValidationError) as refused:
        indicator_update(
            indicator=later, by=partner_users["investigator"], takedown_status="active"
        )
    assert "network registry" in str(refused.value)
    later.refresh_from_db()
    assert later.takedown_status == TakedownStatus.TAKEN_DOWN
    indicator_update(
        indicator=later,
        by=partner_users["investigator"],
        note="Seen again",
        takedown_status=TakedownStatus.TAKEN_DOWN,
        takedown_date=datetime.date(2026, 3, 2),
    )
    later.refresh_from_db()
    assert later.note == "Seen again" and later.takedown_status == TakedownStatus.TAKEN_DOWN
    # A value without an entry is still edited by hand.
    indicator_update(indicator=other, by=partner_users["investigator"], takedown_status="reported")
