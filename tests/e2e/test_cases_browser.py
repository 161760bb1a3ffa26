"""An investigator creates a case and adds a suspect inline (htmx) in a real browser."""

import pytest

from cases.models import Case, Suspect

pytestmark = pytest.mark.browser


def test_create_a_case_and_add_a_suspect(page, login, live_server, own_users):
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    login("own.investigator")
    page.goto(f"{live_server.url}/cases/")
    page.click("text=New case")
    page.fill("#id_title", "Task scam via Telegram groups")
    page.select_option("#id_fraud_type", "job_scam")
    page.select_option("#id_countries", ["VN", "KH"])
    page.fill("#id_reported_loss_amount", "12500.50")
    page.select_option("#id_reported_loss_currency", "USD")
    page.click("button[type=submit]:has-text('Save')")
    page.wait_for_load_state()
    case = Case.objects.get(title="Task scam via Telegram groups")
    assert case.reference in page.inner_text("h1")

    # Inline add: the form comes in place, the page is not reloaded.
    page.evaluate("window.__marker = 'same page'")
    page.click("#suspects >> text=Add suspect")
    page.wait_for_selector("#suspects form")
    page.fill("#suspects #id_full_name", "Nguyễn Văn An")
    page.fill("#suspects #id_aliases", "AN VAN NGUYEN\nAnh Ba")
    page.fill("#suspects #id_date_of_birth", "1986-04")
    page.select_option("#suspects #id_role", "organiser")
    page.click("#suspects button[type=submit]")
    page.wait_for_selector("#suspects td:has-text('Nguyễn Văn An')")
    assert page.evaluate("window.__marker") == "same page"
    suspect = Suspect.objects.get(case=case)
    assert (suspect.date_of_birth, suspect.aliases) == ("1986-04", ["AN VAN NGUYEN", "Anh Ba"])

    # A refused input comes back inline with its message; nothing is stored.
    page.click("#suspects >> text=Add suspect")
    page.wait_for_selector("#suspects form")
    page.fill("#suspects #id_full_name", "Future person")
    page.fill("#suspects #id_date_of_birth", "2999")
    page.click("#suspects button[type=submit]")
    page.wait_for_selector("#suspects .invalid-feedback")
    assert "future" in page.inner_text("#suspects .invalid-feedback")
    assert Suspect.objects.filter(case=case).count() == 1
    # No script was blocked by the CSP (script-src 'self'): no inline scripts on these pages.
    assert not [e for e in errors if "script-src" in e]


def test_the_country_picker_is_a_plain_select_without_javascript(browser, live_server, own_users):
    from tests.e2e.conftest import sign_in

    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, live_server, "own.investigator")
        page.goto(f"{live_server.url}/cases/new/")
        assert page.locator(".ms-search").count() == 0  # not enhanced
        page.fill("#id_title", "Typed without script")
        page.select_option("#id_fraud_type", "phishing")
        page.select_option("#id_countries", ["KH", "TH"])
        page.click("button[type=submit]:has-text('Save')")
        page.wait_for_load_state()
        case = Case.objects.get(title="Typed without script")
        assert sorted(c.code for c in case.countries) == ["KH", "TH"]
    finally:
        context.close()


def test_the_country_picker_filters_and_removes_by_keyboard(page, login, live_server, own_users):
    login("own.investigator")
    page.goto(f"{live_server.url}/cases/new/")
    # The label names the filter box; typing narrows the list; Enter picks the first match.
    page.click("label[for=id_countries-search]")
    page.keyboard.type("camb")
    assert page.locator(".ms-option:visible").count() == 1
    page.keyboard.press("Enter")
    assert page.locator(".ms-chip").all_inner_texts() == ["Cambodia \u00d7"]
    assert page.eval_on_selector("#id_countries", "s => [...s.selectedOptions].map(o => o.value)")
    # The chip removes it; Escape in the list goes back to the box.
    page.click(".ms-chip")
    assert page.locator(".ms-chip").count() == 0
    assert page.eval_on_selector("#id_countries", "s => s.selectedOptions.length") == 0
    page.keyboard.type("fr")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement.id") == "id_countries-search"
