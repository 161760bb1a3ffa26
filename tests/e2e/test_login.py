import pytest

pytestmark = pytest.mark.browser


def test_investigator_signs_in_and_sees_agency(page, login, live_server, own_users, own, make_case):
    case = make_case(title="Fake investment app VinaTrade")
    login("own.investigator")
    assert page.locator("[data-testid=agency]").is_visible()
    assert own.name in page.content()
    page.click("text=Cases")
    page.click(f"text={case.reference}")
    assert "Fake investment app VinaTrade" in page.inner_text("h1")
    # Sign out returns to the login page.
    page.click("text=Sign out")
    assert "/accounts/login/" in page.url


def test_wrong_password_shows_a_clear_error(page, login, own_users):
    login("own.investigator", "wrong")
    assert "didn't match" in page.content()


def test_static_assets_load_without_network(page, login, live_server, own_users):
    login("own.supervisor")
    # Watch one full page load from start to end (listeners attached before navigating, so no
    # request of the login redirect, aborted by the navigation, is counted).
    failed, outside = [], []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.on(
        "request",
        lambda request: (
            None if request.url.startswith(live_server.url) else outside.append(request.url)
        ),
    )
    page.goto(f"{live_server.url}/", wait_until="load")
    # Bootstrap's CSS applied: the navbar is dark; htmx loaded from our own static files.
    background = page.eval_on_selector("nav.navbar", "e => getComputedStyle(e).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")
    assert page.evaluate("typeof htmx") == "object"
    assert failed == []
    assert outside == []
