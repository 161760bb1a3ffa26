"""Names folded for search as the person index folds them, for every search of a name
(victims, suspects): stored names and typed queries go through the same `search_words`."""

from __future__ import annotations

import re
from collections.abc import Iterable

from anyascii import anyascii
from django.db.models import Q

from persons.matching import name_variants


def search_words(text: str) -> list[str]:
    """The words a name is searched by, in Latin letters, lower case, without diacritics: the
    index's folding (`name_variants`: Han per syllable, Thai as said...) and anyascii's plain
    spelling (`zhangwei`, Thai letter by letter), each word once. Stored names and typed
    queries are folded alike, so `tran` finds `Trần` and `张伟` finds `Zhang Wei`."""
    plain = re.split(r"[^a-z0-9]+", anyascii(text or "").lower())
    words = [w for variant in name_variants(text) for w in variant] + plain
    return [w for w in dict.fromkeys(words) if w]


def search_text(names: Iterable[str]) -> str:
    """What a `search_name` column holds: each word of the names preceded by a space, so that
    a search for ` word` matches the start of a word."""
    words = dict.fromkeys(w for name in names for w in search_words(name))
    return "".join(f" {w}" for w in words)


def search_name_q(field: str, query: str) -> Q | None:
    """Rows whose `field` (a `search_text` column) has every word typed, folded alike, at the
    start of one of its words; None when nothing searchable was typed."""
    words = search_words(query)
    if not words:
        return None
    return Q(*(Q(**{f"{field}__contains": f" {word}"}) for word in words))
