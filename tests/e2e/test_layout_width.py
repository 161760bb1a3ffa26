"""Layout in a real browser: no page of the main journeys is wider than the screen, at a
desktop width (1366 px) or a phone's (390 px), even with a 200-character word in a title;
wide tables scroll inside their own box; a supervisor's navigation bar stays on one line."""

import pytest
from django.urls import reverse

from cases.services import asset_create, case_create, suspect_create
from indicators.services import indicator_add
from operations import services as operations
from tests.test_operations import world  # noqa: F401

pytestmark = pytest.mark.browser

LONG = "W" * 200
WIDTHS = (1366, 390)


@pytest.fixture
def long_case(world, own_users):  # noqa: F811
    alice = own_users["investigator"]
    case = case_create(by=alice, title=LONG, summary=LONG, fraud_type="investment")
    suspect_create(case=case, by=alice, full_name=LONG)
    asset_create(case=case, by=alice, amount="1000.00", currency="USD", description=LONG)
    indicator_add(case=case, by=alice, kind="url", value=f"https://lotus-fx.com/{LONG}")
    operations.operation_link_case(operation=world["op"], case=case, by=own_users["supervisor"])
    return case


def _overflow(page) -> int:
    """How many pixels the page is wider than the window (0: none)."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def _culprits(page) -> list[str]:
    """The first elements reaching past the window's right edge, to say what to fix."""
    return page.evaluate(
        "[...document.querySelectorAll('main *')]"
        ".filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)"
        ".slice(0, 4).map(e => e.tagName + '.' + e.className)"
    )


def test_no_page_is_wider_than_the_screen(page, login, live_server, world, long_case):  # noqa: F811
    login("own.supervisor")
    paths = {
        "case page": reverse("cases:detail", args=[long_case.pk]),
        "case list": reverse("cases:list"),
        "hits": reverse("indicators:hits"),
        "repatriation": reverse("victims:dashboard"),
        "operation": reverse("operations:detail", args=[world["op"].pk]),
    }
    too_wide = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for name, path in paths.items():
            page.goto(f"{live_server.url}{path}")
            if (extra := _overflow(page)) > 0:
                too_wide.append(f"{name} at {width} px: {extra} px too wide: {_culprits(page)}")
    assert too_wide == []


def _as_supervisor(page, login, live_server, path: str, width: int = 1366) -> None:
    login("own.supervisor")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}{path}")


def test_the_case_lists_columns_stay_on_screen(page, login, live_server, long_case):
    # Inside its scrolling box too: at a desktop width no column is out of sight.
    _as_supervisor(page, login, live_server, reverse("cases:list"))
    right = page.evaluate(
        "Math.max(...[...document.querySelectorAll('table th')]"
        ".map(th => th.getBoundingClientRect().right))"
    )
    assert right <= 1366


def test_a_supervisors_navigation_bar_stays_on_one_line(
    page,
    login,
    live_server,
    world,  # noqa: F811
    own,
    own_users,
):
    # The demo's longest names, as a supervisor of Vietnam's police sees them.
    own.name = "Vietnam Police — High-Tech Crime Department (C03)"
    own.save()
    own_users["supervisor"].first_name, own_users["supervisor"].last_name = "Nguyễn", "Văn Bình"
    own_users["supervisor"].save()
    _as_supervisor(page, login, live_server, reverse("home"))
    tops = page.evaluate(
        "[...document.querySelectorAll('#nav > .navbar-nav > .nav-item')]"
        ".map(li => Math.round(li.getBoundingClientRect().top))"
    )
    assert len(tops) >= 3 and len(set(tops)) == 1, tops
    height = page.evaluate("document.querySelector('nav.navbar').getBoundingClientRect().height")
    assert height < 80, height
    # The less-used pages are one click away, under "More" (Bootstrap's own script).
    page.click("[data-testid=nav-more] > a")
    page.click("text=Victim access log")
    page.wait_for_load_state()
    assert page.url.endswith(reverse("victims:access_log"))
