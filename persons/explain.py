"""A match's explanation in the reader's language. The matcher (persons/matching.py `score`)
stores what a score rests on as English parts joined by ", " (the stored text is what search,
the audit and the API read); a page shows each known part translated. A part this module does
not know (one stored by an older release) is shown as stored."""

from __future__ import annotations

import re

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# Every fixed part the matcher writes (tests/test_persons.py checks none is missing).
PARTS = {
    "same identity document": _("same identity document"),
    "different document numbers": _("different document numbers"),
    "different sexes (Văn / Thị)": _("different sexes (Văn / Thị)"),
    "different birth years": _("different birth years"),
    "different birth months": _("different birth months"),
    "different birth dates": _("different birth dates"),
    "same date of birth": _("same date of birth"),
    "same birth year": _("same birth year"),
    "same nationality": _("same nationality"),
    "different nationalities": _("different nationalities"),
}
_NAMES = re.compile(r"names (?P<score>\d+)/100(?P<phonetic> \(phonetic\))?")


def _part(part: str) -> str:
    names = _NAMES.fullmatch(part)
    if names is None:
        return str(PARTS.get(part, part))
    if names["phonetic"]:
        return gettext("names %(score)s/100 (phonetic)") % {"score": names["score"]}
    return gettext("names %(score)s/100") % {"score": names["score"]}


def translated(explanation: str) -> str:
    """`explanation` as stored, each part in the active language."""
    if not explanation:
        return explanation
    return ", ".join(_part(part) for part in explanation.split(", "))
