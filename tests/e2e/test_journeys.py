"""The three journeys of issue 17 in real Chromium, against the live test server (Celery runs
eagerly in it, as in every test without a broker: a save's cross-referencing runs right after
its commit). Each journey saves screenshots of its key pages (var/e2e/, or
FORTRESS_E2E_ARTEFACTS) and checks them with axe-core: no serious or critical violation.

1. An investigator creates a case, adds a suspect and indicators (one held by another
   agency's case), sees the hit appear without reloading, and asks for access.
2. A liaison officer takes a rescued group through identity verification to a hand-over,
   which the destination's liaison officer accepts in a second browser.
3. A supervisor reads an operation's figures and charts and grants the access request; the
   investigator then opens the case."""

import pytest

from cases.models import Case
from cases.services import case_create
from indicators import xref
from indicators.models import AccessRequest, AccessRequestStatus, Hit
from indicators.services import access_request_create, indicators_add_batch
from tests.e2e.conftest import sign_in
from tests.test_operations import world  # noqa: F401
from victims.factories import make_repatriation, make_victim
from victims.models import HandoverStatus, Repatriation, Stage

pytestmark = pytest.mark.browser

PHONE = "+66 81 234 5678"  # held by the partner's (Thai) case
WALLET = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"


@pytest.fixture
def theirs(partner_users):
    case = case_create(
        by=partner_users["investigator"], title="Bangkok call centre", fraud_type="investment"
    )
    indicators_add_batch(
        case=case, by=partner_users["investigator"], rows=[{"kind": "phone", "value": PHONE}]
    )
    xref.sweep()
    return case


def test_journey_1_investigator_sees_a_hit_live_and_asks_for_access(
    page, login, live_server, own_users, partner, theirs, screenshot, no_serious_violations
):
    login("own.investigator")
    page.click("nav >> text=Cases")
    page.click("text=New case")
    page.fill("#id_title", "Investment app scam via Zalo")
    page.select_option("#id_fraud_type", "investment")
    # The countries: the searchable multi-select (type, Enter picks), keyboard only.
    page.fill("#id_countries-search", "Viet")
    page.keyboard.press("Enter")
    page.fill("#id_countries-search", "thail")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    assert page.locator(".ms-chip").count() == 2
    no_serious_violations(page)
    screenshot(page, "1-case-form")
    page.click("button[type=submit]:has-text('Save')")
    page.wait_for_load_state()
    case = Case.objects.get(title="Investment app scam via Zalo")
    assert sorted(c.code for c in case.countries) == ["TH", "VN"]
    assert case.reference in page.inner_text("h1")

    page.evaluate("window.__marker = 'same page'")
    page.click("#suspects >> text=Add suspect")
    page.fill("#suspects #id_full_name", "Lê Văn Tám")
    page.select_option("#suspects #id_role", "organiser")
    page.click("#suspects button[type=submit]")
    page.wait_for_selector("#suspects td:has-text('Lê Văn Tám')")

    # A value no one else holds: no hit.
    page.click("#indicators >> text=Add indicator")
    page.select_option("#indicators #id_kind", "crypto_wallet")
    page.select_option("#indicators #id_chain", "tron")
    page.fill("#indicators #id_value", WALLET)
    page.click("#indicators button[type=submit]")
    page.wait_for_selector(f"#indicators code:has-text('{WALLET}')")
    assert "No other agency holds a value" in page.inner_text("#hits")
    # The partner's phone number: the hits section shows the hit by itself.
    page.click("#indicators >> text=Add indicator")
    page.select_option("#indicators #id_kind", "phone")
    page.fill("#indicators #id_value", PHONE)
    page.click("#indicators button[type=submit]")
    page.wait_for_selector("#hits td:has-text('+66812345678')", timeout=10_000)
    assert partner.name in page.inner_text("#hits")
    assert page.evaluate("window.__marker") == "same page"  # never reloaded
    # The section may show the hit one poll before the last queued value is done: the
    # "pending" note goes by itself, and with it the polling.
    page.wait_for_selector("#hits [data-testid=xref-pending]", state="detached", timeout=10_000)
    assert "every 2s" not in (page.get_attribute("#hits", "hx-trigger") or "")  # polling stopped
    no_serious_violations(page)
    screenshot(page, "1-case-page-with-hit")

    page.click("#hits >> text=Ask for access")
    page.fill("#id_reason", "The same number ran our victims' investment app.")
    no_serious_violations(page)
    page.click("button:has-text('Send request')")
    page.wait_for_load_state()
    request = AccessRequest.objects.get(case=theirs)
    assert request.status == AccessRequestStatus.PENDING
    assert request.requesting_agency_id == own_users["investigator"].agency_id
    screenshot(page, "1-access-requested")


def test_journey_2_a_rescued_group_is_verified_and_handed_over(
    page,
    second_page,
    login,
    live_server,
    own_users,
    partner_users,
    make_case,
    screenshot,
    no_serious_violations,
):
    liaison = own_users["liaison"]
    case = make_case(title="Raid on the Sihanoukville compound")
    group = [
        make_repatriation(
            victim=make_victim(case=case, by=liaison, full_name=name, nationality="TH"),
            by=liaison,
            destination_country="TH",
            stage=Stage.RESCUED,
        )
        for name in ("Somchai Raksa", "Niran Chai", "Kanya Thong")
    ]
    staying = group[2]

    login("own.liaison")
    page.click("nav >> text=Repatriation")
    no_serious_violations(page)
    screenshot(page, "2-dashboard")
    page.click("text=Move a group")
    page.select_option("#id_case", str(case.pk))
    page.select_option("#id_from_stage", Stage.RESCUED)
    page.select_option("#id_to_stage", Stage.IDENTITY_VERIFIED)
    page.fill("#id_note", "Identity confirmed with the Thai embassy")
    page.click("button:has-text('Show the group')")
    page.wait_for_selector("[data-testid=group]")
    assert page.locator("[data-testid=group] input[type=checkbox]").count() == 3
    page.uncheck(f"#chosen-{staying.pk}")  # not verified yet: stays behind
    no_serious_violations(page)
    page.click("button:has-text('Move the ticked ones')")
    page.wait_for_load_state()
    stages = dict(Repatriation.objects.filter(victim__case=case).values_list("pk", "stage"))
    assert stages == {
        group[0].pk: Stage.IDENTITY_VERIFIED,
        group[1].pk: Stage.IDENTITY_VERIFIED,
        staying.pk: Stage.RESCUED,
    }

    # One of them is handed over to the destination country's agency.
    page.goto(f"{live_server.url}/victims/repatriations/{group[0].pk}/")
    assert "stepper-current" in page.inner_html("[data-testid=stepper]")
    screenshot(page, "2-repatriation-stepper")
    page.click("text=Hand over to the destination country")
    page.select_option("#id_agency", str(partner_users["liaison"].agency_id))
    page.fill("#id_note", "Flight booked for next week")
    page.click("button:has-text('Hand over')")
    page.wait_for_load_state()
    assert Repatriation.objects.get(pk=group[0].pk).handover_status == HandoverStatus.PENDING

    # The destination's liaison officer, in a browser of their own, accepts it.
    other = second_page
    sign_in(other, live_server, "partner.liaison")
    assert other.locator("[data-testid=bell-count]").inner_text() == "1"
    other.click("[data-testid=bell]")
    no_serious_violations(other)
    screenshot(other, "2-destination-notifications")
    other.click("[data-testid=notification] a")
    other.wait_for_load_state()
    other.click("a:has-text('Accept')")
    no_serious_violations(other)
    other.click("button:has-text('Accept')")
    other.wait_for_load_state()
    assert Repatriation.objects.get(pk=group[0].pk).handover_status == HandoverStatus.ACCEPTED
    assert "Somchai Raksa" in other.content()  # the full record opens once accepted
    screenshot(other, "2-handover-accepted")


def test_journey_3_supervisor_reads_an_operation_and_grants_access(
    page,
    second_page,
    live_server,
    world,  # noqa: F811
    own_users,
    partner_users,
    screenshot,
    no_serious_violations,
):
    op = world["op"]
    ours = case_create(by=own_users["investigator"], title="Ours: the same wallet")
    restricted = world["cases"]["partner_restricted"]
    for case, by in (
        (ours, own_users["investigator"]),
        (restricted, partner_users["investigator"]),
    ):
        indicators_add_batch(
            case=case, by=by, rows=[{"kind": "crypto_wallet", "chain": "tron", "value": WALLET}]
        )
    xref.sweep()
    access_request_create(
        hit=Hit.objects.get(case=ours),
        by=own_users["investigator"],
        agency=restricted.agency,
        reason="Our victims paid into the same wallet.",
    )

    # The partner's supervisor reads the operation, then decides the request.
    sign_in(page, live_server, "partner.supervisor")
    page.click("nav >> text=Operations")
    page.click(f"text={op.name}")
    assert op.name in page.inner_text("h1")
    assert page.inner_text("[data-figure=arrested]").strip().isdigit()
    for chart in ("over-time", "by-country", "by-fraud-type"):
        assert page.eval_on_selector(f"#chart-{chart}", "img => img.naturalWidth") > 0, chart
    no_serious_violations(page)
    screenshot(page, "3-operation")
    page.click("nav >> text=Approvals")
    no_serious_violations(page)
    page.click("button:has-text('Grant')")
    page.wait_for_load_state()
    # The grant asks first, and says what will be shared.
    assert page.locator("[data-testid=grant-preview]").count() == 1
    no_serious_violations(page)
    screenshot(page, "3-grant-confirmation")
    page.click("button:has-text('Grant access')")
    page.wait_for_load_state()
    assert AccessRequest.objects.get().status == AccessRequestStatus.GRANTED

    # The investigator, told by the hit, opens the other agency's case.
    investigator = second_page
    sign_in(investigator, live_server, "own.investigator")
    investigator.click("nav >> text=Hits")
    investigator.click(f"text={restricted.reference}")
    investigator.wait_for_load_state()
    assert restricted.title in investigator.inner_text("h1")
    no_serious_violations(investigator)
    screenshot(investigator, "3-investigator-opens-the-case")
