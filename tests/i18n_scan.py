"""The scanner of tests/test_i18n.py: user-visible text of a template that no translation tag
holds. Run as a script to list what it finds: `python tests/i18n_scan.py`."""

from __future__ import annotations

import re
import sys
from html.parser import HTMLParser
from pathlib import Path

from django.template.base import Lexer, TokenType

ROOT = Path(__file__).resolve().parent.parent
# Attributes a user reads (or a screen reader says).
VISIBLE_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "aria-description"}
# Text that is the same in every language: the product's name, the names of formats, and the
# prefix of a victim's record reference (V-12), the time zone's name.
ALLOWED = {
    "Fortress",
    "STIX",
    "STIX 2.1",
    "MISP",
    "CSV",
    "TAXII",
    "JSON",
    "API",
    "ISO",
    "PDF",
    "V",
    "UTC",
}
HOLE = "\x00"  # where a template tag, variable or translated text stood
# Tags whose content is translated (or never shown): their text is not looked at.
PAIRED = {
    "blocktranslate": "endblocktranslate",
    "blocktrans": "endblocktrans",
    "comment": "endcomment",
    "verbatim": "endverbatim",
}


def template_files() -> list[Path]:
    folders = [ROOT / "templates", *sorted(ROOT.glob("*/templates"))]
    return sorted(p for folder in folders for p in folder.rglob("*.html") if ".venv" not in p.parts)


def _masked(source: str) -> str:
    """The template with every tag, variable, comment and translated block made a HOLE."""
    out: list[str] = []
    closing: str | None = None
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents.split() else ""
            if closing is None and name in PAIRED:
                closing = PAIRED[name]
            elif closing is not None and name == closing:
                closing = None
            out.append(HOLE)
        elif token.token_type == TokenType.TEXT and closing is None:
            out.append(token.contents)
        else:
            out.append(HOLE)
    return "".join(out)


def _is_text(value: str) -> bool:
    """Whether a piece of text between the holes has a letter that is not an allowed name."""
    for piece in value.split(HOLE):
        word = re.sub(r"^\W+|\W+$", "", " ".join(piece.split()))
        if word and word not in ALLOWED and any(ch.isalpha() for ch in word):
            return True
    return False


# Elements whose text is not prose: scripts, styles, and code (commands, headers, paths: the
# same in every language).
_NOT_PROSE = {"script", "style", "code", "kbd", "samp", "pre"}


class _Finder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _NOT_PROSE:
            self._skip += 1
        for name, value in attrs:
            if name in VISIBLE_ATTRIBUTES and value and _is_text(value):
                self.found.append(f'{name}="{value.replace(HOLE, "…")}"')

    def handle_endtag(self, tag: str) -> None:
        if tag in _NOT_PROSE and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and _is_text(data):
            self.found.append(" ".join(data.replace(HOLE, "…").split()))


def untranslated(path: Path) -> list[str]:
    finder = _Finder()
    html = re.sub(r"<!doctype[^>]*>", "", _masked(path.read_text()), flags=re.I)
    # A tag whose attributes start with a template tag (`<tr{% if %} class=..>`).
    html = re.sub(r"(<[a-zA-Z][\w-]*)" + HOLE, r"\1 " + HOLE, html)
    finder.feed(html)
    finder.close()
    return finder.found


if __name__ == "__main__":
    total = 0
    for path in template_files():
        for text in untranslated(path):
            total += 1
            print(f"{path.relative_to(ROOT)}: {text}")
    print(total, "untranslated", file=sys.stderr)
