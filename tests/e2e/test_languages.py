"""Issue 17's journey 4 in real Chromium: the case page (with suspects, indicators, a hit and
victims) in Arabic is right-to-left, with Bootstrap's RTL stylesheet, and shows no English
interface text; in Vietnamese and Thai the same, left-to-right.

"English interface text": a visible text node, or a visible title / placeholder / aria-label,
that equals (whitespace normalised) an English msgid of the language's catalogue
(locale/<lang>/LC_MESSAGES/django.po) whose translation differs from it. What users typed
(names, titles, values) is never a msgid, so it is left out by itself; a msgid with
placeholders matches with anything in their place. The texts of the timeline's notes and
events are left out: they are kept as recorded (an event's text in the language of the one
who acted), not interface text of the page. Arabic reaches the
page through the user's preferred language, Vietnamese through the switcher of the navigation
bar (clicked), Thai through the preference again. Screenshots: var/e2e/4-case-page-<lang>.png.
"""

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.urls import reverse

from agencies.services import user_set_language
from cases.services import case_create, suspect_create
from indicators import xref
from indicators.models import Hit
from indicators.services import indicators_add_batch
from victims.factories import make_victim

pytestmark = pytest.mark.browser

PHONE = "+66 81 234 5678"  # held by the partner's case too: the hit
WALLET = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"

# Every visible text node, and every visible element's title / placeholder / aria-label, and
# the document's title, whitespace normalised.
VISIBLE_TEXTS = """() => {
  const norm = (s) => (s || "").replace(/\\s+/g, " ").trim();
  const shown = (el) => el && el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true});
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || ["SCRIPT", "STYLE", "TEMPLATE", "NOSCRIPT"].includes(parent.tagName)) continue;
    if (parent.closest("[data-testid=entry-text]")) continue;  // a note's text, as recorded
    const text = norm(node.textContent);
    if (text && shown(parent)) found.push({where: parent.tagName.toLowerCase(), text});
  }
  for (const el of document.body.querySelectorAll("[title], [placeholder], [aria-label]")) {
    if (!shown(el)) continue;
    for (const name of ["title", "placeholder", "aria-label"]) {
      const text = norm(el.getAttribute(name));
      if (text) found.push({where: `${el.tagName.toLowerCase()}[${name}]`, text});
    }
  }
  const title = norm(document.title);
  if (title) found.push({where: "title", text: title});
  return found;
}"""


def _norm(text: str) -> str:
    return " ".join(text.split())


# A placeholder of a msgid (Python's %-format, as blocktranslate writes them too).
PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[sdif]")


@dataclass(frozen=True)
class English:
    """A catalogue's English msgids (both forms of a plural) whose translation is not the
    same text: shown as they are, they are English interface text. An untranslated or fuzzy
    entry counts (Django shows its msgid). A msgid with placeholders is a pattern, matched
    with anything in their place ("Stop payment: %(value)s")."""

    exact: frozenset[str]
    patterns: tuple[re.Pattern[str], ...]

    def __contains__(self, text: str) -> bool:
        return text in self.exact or any(p.fullmatch(text) for p in self.patterns)


@cache
def english_msgids(language: str) -> English:
    path = Path(settings.BASE_DIR) / "locale" / language / "LC_MESSAGES" / "django.po"
    with path.open("rb") as po:
        catalogue = read_po(po, locale=language)
    exact, patterns = set(), []
    for message in catalogue:
        if not message.id:
            continue  # the header
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        translated = {_norm(s) for s in strings if s and not message.fuzzy}
        for msgid in {_norm(i) for i in ids} - translated - {""}:
            literal = PLACEHOLDER.split(msgid.replace("%%", "%"))
            if len(literal) == 1:
                exact.add(literal[0])
            elif sum(c.isalpha() for c in "".join(literal)) >= 3:  # not a bare "%(x)s: %(y)s"
                patterns.append(re.compile(".+?".join(re.escape(part) for part in literal)))
    return English(frozenset(exact), tuple(patterns))


@pytest.fixture
def full_case(own_users, partner_users):
    """A case of the own agency with two suspects, indicators, a hit on the partner's case and
    victims, built through the services."""
    investigator = own_users["investigator"]
    case = case_create(by=investigator, title="Đường dây lừa đảo đầu tư qua Zalo")
    for name, role in (("Lê Văn Tám", "organiser"), ("Trần Thị Hoa", "money_mule")):
        suspect_create(case=case, by=investigator, full_name=name, role=role)
    indicators_add_batch(
        case=case,
        by=investigator,
        rows=[
            {"kind": "phone", "value": PHONE},
            {"kind": "crypto_wallet", "chain": "tron", "value": WALLET},
        ],
    )
    theirs = case_create(
        by=partner_users["investigator"], title="Bangkok call centre", fraud_type="investment"
    )
    indicators_add_batch(
        case=theirs, by=partner_users["investigator"], rows=[{"kind": "phone", "value": PHONE}]
    )
    xref.sweep()
    assert Hit.objects.filter(case=case).exists()
    for name in ("Nguyễn Văn An", "Phạm Thị Lan"):
        make_victim(case=case, by=own_users["liaison"], full_name=name)
    return case


@pytest.mark.parametrize(
    ("language", "how"), [("ar", "preference"), ("vi", "switcher"), ("th", "preference")]
)
def test_the_case_page_speaks_the_users_language(
    page,
    login,
    live_server,
    own_users,
    full_case,
    language,
    how,
    screenshot,
    no_serious_violations,
):
    investigator = own_users["investigator"]
    if how == "preference":
        user_set_language(user=investigator, language=language, by=investigator)
    login("own.investigator")
    if how == "switcher":
        assert page.get_attribute("html", "lang") == "en"
        switcher = page.locator("[data-testid=language-switcher]")
        switcher.locator(".dropdown-toggle").click()
        switcher.locator(f"button[name=language][value={language}]").click()
        page.wait_for_load_state()
        assert page.get_attribute("html", "lang") == language
        investigator.refresh_from_db()
        assert investigator.language == language  # kept as the user's preference
    page.goto(f"{live_server.url}{reverse('cases:detail', args=[full_case.pk])}")
    page.wait_for_selector("#hits td:has-text('+66812345678')")

    rtl = language == "ar"
    assert page.get_attribute("html", "lang") == language
    assert page.get_attribute("html", "dir") == ("rtl" if rtl else "ltr")
    # The stylesheet Bootstrap ships for the direction, loaded (its rules are there).
    sheets = page.evaluate(
        "() => [...document.styleSheets].filter(s => s.href && s.href.includes('/bootstrap/'))"
        ".map(s => [s.href.split('/').pop(), s.cssRules.length])"
    )
    wanted = "bootstrap.rtl.min.css" if rtl else "bootstrap.min.css"
    assert [name for name, _ in sheets] == [wanted]
    assert sheets[0][1] > 100
    assert page.evaluate("getComputedStyle(document.body).direction") == ("rtl" if rtl else "ltr")

    screenshot(page, f"4-case-page-{language}")
    english = english_msgids(language)
    texts = page.evaluate(VISIBLE_TEXTS)
    assert len(texts) > 50  # the page and its sections are there
    found = sorted({f"{t['where']}: {t['text']!r}" for t in texts if t["text"] in english})
    assert found == [], f"English interface text on the {language} case page: {found}"
    if rtl:
        no_serious_violations(page)
