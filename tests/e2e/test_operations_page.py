"""A supervisor opens a joint operation in a real browser: the figures, the three charts drawn
as server-side SVG (loaded, no CSP violation, nothing from outside), a figure's list, and the
printable report."""

import pytest

from tests.test_operations import world  # noqa: F401

pytestmark = pytest.mark.browser


def test_supervisor_opens_an_operation_with_charts(page, login, live_server, world):  # noqa: F811
    op = world["op"]
    csp_errors: list[str] = []
    page.on(
        "console",
        lambda m: csp_errors.append(page.url) if "Content Security Policy" in m.text else None,
    )
    outside = []
    page.on(
        "request",
        lambda r: None if r.url.startswith((live_server.url, "data:")) else outside.append(r.url),
    )

    login("own.supervisor")
    page.click("nav >> text=Cases")
    page.wait_for_load_state()
    baseline = csp_errors.count(page.url)  # what every page of the layout gives (htmx's own)
    page.click("nav >> text=Operations")
    page.click(f"text={op.name}")
    assert op.name in page.inner_text("h1")
    assert page.inner_text("[data-figure=arrested]") == "8"
    for chart in ("over-time", "by-country", "by-fraud-type"):
        width = page.eval_on_selector(f"#chart-{chart}", "img => img.naturalWidth")
        assert width > 0, chart
    assert page.locator("[data-testid=charts] img").count() == 3
    # The charts add no CSP violation and nothing is fetched from outside.
    assert csp_errors.count(page.url) <= baseline
    assert outside == []

    page.click("[data-figure=arrested] >> a")
    page.wait_for_load_state()
    assert page.inner_text("[data-testid=total]") == "8"
    assert "2 more" in page.inner_text("[data-testid=hidden]")

    page.goto(f"{live_server.url}/operations/{op.pk}/report/")
    assert "Operation report" in page.inner_text("h1")
    page.emulate_media(media="print")
    assert not page.locator("nav.navbar").is_visible()


def test_approvals_in_the_nav(page, login, live_server, world):  # noqa: F811
    login("own.supervisor")
    page.click("nav >> text=Approvals")
    assert "Approvals" in page.inner_text("h1")
