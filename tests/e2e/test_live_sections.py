"""The live hits section in a real browser, with the work done by a worker later (not at the
save, as the live server's eager Celery would): while an indicator of the case waits in the
queue the section says so and polls; when the worker (here: the sweep, run by the test) has
cross-referenced it, the hit appears without a reload and the polling stops."""

import pytest

from cases.services import case_create
from indicators import xref
from indicators.models import Indicator
from indicators.services import indicators_add_batch
from tests.services import forget_cross_references

pytestmark = pytest.mark.browser

PHONE = "+84 912 000 111"


def test_the_hits_section_polls_until_the_worker_is_done(
    page, login, live_server, own_users, partner_users
):
    ours = case_create(by=own_users["investigator"], title="Waiting for the worker")
    theirs = case_create(by=partner_users["investigator"], title="Holds the number")
    for case, by in ((theirs, partner_users["investigator"]), (ours, own_users["investigator"])):
        indicators_add_batch(case=case, by=by, rows=[{"kind": "phone", "value": PHONE}])
    # As if the broker had not delivered the task yet: queued, not cross-referenced.
    forget_cross_references()
    xref.enqueue(Indicator.objects.values_list("pk", flat=True))

    login("own.investigator")
    page.goto(f"{live_server.url}/cases/{ours.pk}/")
    page.evaluate("window.__marker = 'same page'")
    assert page.locator("#hits [data-testid=xref-pending]").count() == 1
    assert "No other agency holds" in page.inner_text("#hits")
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if "/sections/hits/" in r.url else None)
    page.wait_for_timeout(2500)
    assert requests, "the pending section polls"

    xref.sweep()  # the worker
    page.wait_for_selector("#hits td:has-text('+84912000111')", timeout=10_000)
    assert page.locator("#hits [data-testid=xref-pending]").count() == 0
    assert page.evaluate("window.__marker") == "same page"
    polled = len(requests)
    page.wait_for_timeout(4500)
    assert len(requests) == polled, "no polling once nothing is pending"
