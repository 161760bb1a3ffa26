"""Languages: every template string marked, every offered catalogue complete, the page in the
language the browser, the switcher or the user's preference asks, right to left for Arabic, and
dates and amounts in the locale's formats."""

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management import call_command
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation
from django.utils.translation import trans_real

from agencies.services import user_set_language
from config.errors import PolicyError
from tests.i18n_scan import template_files, untranslated

LOCALE = Path(settings.BASE_DIR) / "locale"
OFFERED = [code for code, _name in settings.LANGUAGES if code != "en"]
PLACEHOLDER = re.compile(r"%\([a-z_0-9]+\)[sd]|\{[a-z_0-9]+\}")


@pytest.fixture(autouse=True, scope="module")
def compiled_catalogues():
    """The .mo files as `make install` builds them, read afresh by this process."""
    call_command("compile_catalogues", verbosity=0)
    trans_real._translations = {}
    trans_real._default = None
    trans_real._active = trans_real.Local()
    yield


def test_every_template_string_is_marked_for_translation():
    found = {str(p.relative_to(settings.BASE_DIR)): untranslated(p) for p in template_files()}
    assert {path: texts for path, texts in found.items() if texts} == {}


def test_the_scanner_finds_unmarked_text_and_attributes(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        '{% load i18n %}<h1>{% translate "Cases" %}</h1><p>{{ case.title }} · 42</p>'
        '<input placeholder="Search" aria-label="{% translate \'Search\' %}">'
        "<p>{% blocktranslate %}Hello {{ name }}{% endblocktranslate %}</p><td>Reported loss</td>"
    )
    assert untranslated(page) == ['placeholder="Search"', "Reported loss"]


def _entries(code: str):
    with (LOCALE / code / "LC_MESSAGES" / "django.po").open("rb") as po:
        catalog = read_po(po, locale=code)
    return [m for m in catalog if m.id]


@pytest.mark.parametrize("code", OFFERED)
def test_each_offered_catalogue_is_complete_and_keeps_its_placeholders(code):
    problems = []
    for message in _entries(code):
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            problems.append(("untranslated or fuzzy", ids[0]))
            continue
        wanted = set(PLACEHOLDER.findall(ids[-1])) | set(PLACEHOLDER.findall(ids[0]))
        for string in strings:
            # A plural form may spell a count of one out instead of writing %(count)s.
            if set(PLACEHOLDER.findall(string)) - wanted or (
                len(strings) == 1 and set(PLACEHOLDER.findall(string)) != wanted
            ):
                problems.append(("placeholders differ", ids[0]))
    assert problems == []


def test_only_complete_catalogues_are_offered():
    assert settings.LANGUAGES[0][0] == "en"
    for code, _name in settings.LANGUAGES_IN_PROGRESS:
        assert code not in dict(settings.LANGUAGES)
        assert (LOCALE / code / "LC_MESSAGES" / "django.po").exists()


@pytest.fixture
def case(make_case):
    return make_case(
        title="Scam compound",
        reported_loss_amount=Decimal("12500.50"),
        reported_loss_currency="USD",
        opened_on=date(2026, 8, 23),
    )


def _page(client, case, **headers) -> str:
    return client.get(reverse("cases:detail", args=[case.pk]), headers=headers).content.decode()


def test_the_case_page_follows_the_browsers_language(client, alice, case):
    client.force_login(alice)
    french = _page(client, case, accept_language="fr-FR,fr;q=0.9,en;q=0.5")
    assert '<html lang="fr" dir="ltr">' in french
    assert "Perte déclarée" in french and "Reported loss" not in french
    assert "Scam compound" in french  # data stays as entered
    english = _page(client, case, accept_language="en")
    assert '<html lang="en" dir="ltr">' in english and "Reported loss" in english


def test_a_language_not_offered_falls_back_to_english(client, alice, case):
    client.force_login(alice)
    assert '<html lang="en"' in _page(client, case, accept_language="xx, zz;q=0.8")


def test_the_switcher_sets_the_language_and_keeps_next_on_the_site(client, alice, case):
    client.force_login(alice)
    url = reverse("cases:detail", args=[case.pk])
    response = client.post(reverse("language"), {"language": "fr", "next": url})
    assert response.status_code == 302 and response["Location"] == url
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    assert '<html lang="fr"' in _page(client, case, accept_language="en")
    alice.refresh_from_db()
    assert alice.language == "fr"  # the switcher also keeps the signed-in user's preference
    away = client.post(reverse("language"), {"language": "en", "next": "https://evil.example/"})
    assert away.status_code == 302 and not away["Location"].startswith("https://evil")


def test_the_switcher_works_before_signing_in(client):
    response = client.post(reverse("language"), {"language": "fr", "next": reverse("login")})
    assert response.status_code == 302
    page = client.get(reverse("login")).content.decode()
    assert '<html lang="fr"' in page and "Se connecter" in page
    assert 'data-testid="language-switcher"' in page


def test_the_users_preference_wins_over_the_browser(client, alice, case):
    user_set_language(user=alice, language="fr", by=alice)
    client.force_login(alice)
    assert '<html lang="fr"' in _page(client, case, accept_language="en-GB,en")


def test_the_language_page_saves_the_preference(client, alice):
    client.force_login(alice)
    page = client.get(reverse("language")).content.decode()
    assert 'name="language"' in page and "Français" in page
    client.post(reverse("language"), {"language": "fr", "next": reverse("language")})
    alice.refresh_from_db()
    assert alice.language == "fr"
    client.post(reverse("language"), {"language": "", "next": reverse("language")})
    alice.refresh_from_db()
    assert alice.language == ""  # back to the browser's language


def test_a_language_not_offered_is_refused(client, alice, bob):
    client.force_login(alice)
    client.post(reverse("language"), {"language": "xx", "next": "/"})
    alice.refresh_from_db()
    assert alice.language == ""
    with pytest.raises(PolicyError):
        user_set_language(user=bob, language="fr", by=alice)


def test_the_language_page_is_for_signed_in_users(client):
    response = client.get(reverse("language"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_arabic_is_right_to_left_with_bootstraps_rtl_stylesheet(client, alice, case, settings):
    if "ar" not in dict(settings.LANGUAGES):  # the layout is tested even while it is not offered
        settings.LANGUAGES = [*settings.LANGUAGES, ("ar", "العربية")]
    client.force_login(alice)
    page = _page(client, case, accept_language="ar")
    assert '<html lang="ar" dir="rtl">' in page and "الخسارة المبلَّغ عنها" in page
    assert "bootstrap/css/bootstrap.rtl.min.css" in page
    assert "bootstrap/css/bootstrap.min.css" not in page
    ltr = _page(client, case, accept_language="en")
    assert "bootstrap.rtl" not in ltr and 'dir="ltr"' in ltr


def _render(source: str, code: str, **context) -> str:
    with translation.override(code):
        return Template("{% load money %}" + source).render(Context(context))


def test_amounts_are_formatted_per_locale():
    amount = Decimal("12500.50")
    assert _render("{{ a|money:'USD' }}", "en", a=amount) == "$12,500.50"
    assert _render("{{ a|money:'USD' }}", "fr", a=amount) == "12\u202f500,50\xa0$US"
    assert _render("{{ a|money:'EUR' }}", "es", a=amount) == "12.500,50\xa0€"
    assert _render("{{ a|money:'VND' }}", "vi", a=Decimal("98000000")) == "98.000.000\xa0₫"
    assert _render("{{ a|money:'' }}", "en", a=None) == ""


def test_dates_and_amounts_on_the_case_page_are_in_the_locales_formats(client, alice, case):
    client.force_login(alice)
    english = _page(client, case, accept_language="en")
    assert "2026-08-23" in english and "$12,500.50" in english
    french = _page(client, case, accept_language="fr")
    assert "23/08/2026" in french and "12\u202f500,50\xa0$US" in french
    assert "2026-08-23" not in french.split("<main", 1)[1]


def test_every_template_compiles():
    from django.template.loader import get_template

    for path in template_files():
        root = next(p for p in path.parents if p.name == "templates")
        get_template(str(path.relative_to(root)))


@pytest.mark.parametrize(
    ("code", "label"),
    [("es", "Pérdida denunciada"), ("vi", "Thiệt hại được trình báo"), ("th", "ความเสียหายที่แจ้ง")],
)
def test_the_case_page_in_each_offered_language(client, alice, case, code, label):
    client.force_login(alice)
    page = _page(client, case, accept_language=code)
    assert f'<html lang="{code}" dir="ltr">' in page and label in page
    assert "Reported loss" not in page and "Scam compound" in page
