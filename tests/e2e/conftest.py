import os
from pathlib import Path

import pytest

from tests.services import chromium_path

# Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the test
# itself (fixtures) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=path,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


def _fresh_page(browser):
    # Reduced motion: no colour transitions (Bootstrap's buttons), so what axe measures is a
    # page at rest, not a button caught half-way into its hover colour under the cursor.
    context = browser.new_context(reduced_motion="reduce")
    yield context.new_page()
    context.close()


@pytest.fixture
def page(browser):
    yield from _fresh_page(browser)


@pytest.fixture
def second_page(browser):
    """A second, separate browser context (its own cookies): another user at the same time."""
    yield from _fresh_page(browser)


# Screenshots of the key pages, kept as test artefacts (the folder is ignored by git).
ARTEFACTS = Path(
    os.environ.get("FORTRESS_E2E_ARTEFACTS", Path(__file__).resolve().parents[2] / "var" / "e2e")
)


@pytest.fixture
def screenshot():
    def save(page, name: str) -> Path:
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTEFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


@pytest.fixture(scope="session")
def axe():
    from axe_playwright_python.sync_playwright import Axe  # axe-core ships in the package

    return Axe()


@pytest.fixture
def no_serious_violations(axe):
    """Run axe-core on the page: no serious or critical violation (the rule, its help and the
    first offending elements are named when there is one)."""

    def check(page) -> None:
        # The page at rest: no htmx request in flight (its element is dimmed meanwhile) and no
        # animation or transition running. (A selector wait, not wait_for_function: the
        # latter polls with eval, which the page's Content-Security-Policy refuses.)
        page.wait_for_selector(".htmx-request", state="detached", timeout=10_000)
        page.evaluate("Promise.all(document.getAnimations().map((a) => a.finished))")
        results = axe.run(page)
        bad = [
            f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(n["target"][0] for n in v["nodes"][:3] if n.get("target"))
            for v in results.response["violations"]
            if v.get("impact") in ("serious", "critical")
        ]
        assert bad == [], f"{page.url}: {bad}"

    return check


def sign_in(page, live_server, username: str, password: str = "pw") -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    # The sign-in form's button (the language menu beside it has buttons of its own).
    page.click("form:has(#id_password) button[type=submit]")
    page.wait_for_load_state()


@pytest.fixture
def login(page, live_server):
    def login_as(username: str, password: str = "pw") -> None:
        sign_in(page, live_server, username, password)

    return login_as


@pytest.fixture(autouse=True)
def _celery_in_the_live_server(celery_in_process):
    """The live server runs a save's tasks right after its commit, whatever the broker (CI
    sets a real one for the whole suite, and no worker serves the browser tests)."""
    yield
