"""A liaison officer moves a repatriation in a real browser: from the dashboard to the
repatriation, a move with a note, then a side exit that asks for confirmation."""

import pytest

from victims.factories import make_repatriation, make_victim
from victims.models import Repatriation, Stage

pytestmark = pytest.mark.browser


def test_liaison_moves_a_repatriation(page, login, live_server, own_users, make_case):
    liaison = own_users["liaison"]
    victim = make_victim(case=make_case(), by=liaison, full_name="Trần Thị Mai")
    repatriation = make_repatriation(victim=victim, by=liaison, stage=Stage.RESCUED)

    login("own.liaison")
    page.click("nav >> text=Repatriation")
    # The stage filter swaps the list in place (htmx).
    page.click("[data-testid=stage-counts] >> text=Rescued")
    page.wait_for_url("**/victims/?stage=rescued")
    assert page.locator("[data-testid=repatriations] tbody tr").count() == 1
    page.click("[data-testid=repatriations] >> text=Trần Thị Mai")
    assert "Repatriation of" in page.inner_text("h1")
    page.select_option("#id_stage", "in_shelter")
    page.fill("#id_note", "Arrived at Kampong Speu shelter")
    page.click("button:has-text('Move')")
    page.wait_for_load_state()
    assert "Moved to In shelter." in page.content()
    assert page.inner_text("[data-testid=stage]") == "In shelter"
    assert "Arrived at Kampong Speu shelter" in page.inner_text("[data-testid=history]")

    # A side exit asks first.
    page.select_option("#id_stage", "missing")
    page.click("button:has-text('Move')")
    page.wait_for_load_state()
    assert "Yes, move to Missing" in page.content()
    repatriation.refresh_from_db()
    assert repatriation.stage == Stage.IN_SHELTER
    page.click("button:has-text('Yes, move to Missing')")
    page.wait_for_load_state()
    assert page.inner_text("[data-testid=stage]") == "Missing"
    assert Repatriation.objects.get(pk=repatriation.pk).stage == Stage.MISSING
