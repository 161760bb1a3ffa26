"""Victims get `search_name`: their names folded for search, filled for the existing ones.

What the filling runs is frozen here as it was when this migration was written (the person
index's folding of persons/matching.py and `victims.models.victim_search_name`), so that a later
change of the live folding never changes what this migration does; `victims.services` keeps the
names folded the live way on every write from then on."""

import re
import unicodedata
from collections.abc import Iterable

from anyascii import anyascii
from django.db import migrations, models

_THAI_LEADING = "เแโใไ"
_THAI_SONORANTS = "งญณนมยรลว"
_THAI_KARAN = "\u0e4c"  # ์ : the letter before it is silent
_THAI_CONSONANT = re.compile(r"[\u0e01-\u0e2e]")


def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def _thai_reorder(text: str) -> str:
    """Thai as pronounced: a leading vowel after the consonant (cluster) it precedes, a
    silent ห before a sonorant dropped, a letter under the karan dropped, word-final
    consonants as said."""
    chars = list(text)
    out: list[str] = []
    i = 0
    while i < len(chars):
        ch = chars[i]
        if i + 1 < len(chars) and chars[i + 1] == _THAI_KARAN:
            i += 2
            continue
        if ch in _THAI_LEADING and i + 1 < len(chars) and _THAI_CONSONANT.match(chars[i + 1]):
            start, j = i + 1, i + 2
            if chars[i + 1] == "ห" and j < len(chars) and chars[j] in _THAI_SONORANTS:
                start, j = j, j + 1  # a silent ห
            elif j < len(chars) and chars[j] in "รลว" and j + 1 < len(chars):
                j += 1  # a consonant cluster (กร, คล, กว...)
            out.extend(chars[start:j])
            out.append(ch)
            i = j
            continue
        if ch == "ห" and i + 1 < len(chars) and chars[i + 1] in _THAI_SONORANTS:
            i += 1
            continue
        out.append(ch)
        i += 1
    # A word's final consonant is said otherwise: ร ล ญ ณ as n, ส ศ ษ ช ซ จ as t.
    text = "".join(out)
    text = re.sub(r"[รลญณ](?=\s|$)", "น", text)
    return re.sub(r"[สศษชซจ](?=\s|$)", "ด", text)


def script_of(text: str) -> str:
    """`latin` when the name is written in Latin letters (with or without diacritics), else
    the first other script met: `han`, `thai`, `cyrillic` or `other`."""
    for ch in text:
        if not ch.isalpha():
            continue
        if _is_han(ch):
            return "han"
        if "\u0e00" <= ch <= "\u0e7f":
            return "thai"
        if "\u0400" <= ch <= "\u04ff":
            return "cyrillic"
        if not unicodedata.name(ch, "").startswith("LATIN"):
            return "other"
    return "latin"


def _tokens(latin: str) -> list[str]:
    return [t for t in re.split(r"[^a-z0-9]+", latin.lower()) if t]


def name_variants(name: str) -> list[tuple[str, ...]]:
    """The token lists a name may be compared as (usually one)."""
    name = unicodedata.normalize("NFC", name or "").strip()
    if not name:
        return []
    script = script_of(name)
    if script == "han":
        words = []
        for part in name.split():
            syllables = [anyascii(ch) if _is_han(ch) else ch for ch in part]
            words.append(syllables)
        per_syllable = tuple(_tokens(" ".join(" ".join(w) for w in words)))
        variants = [per_syllable]
        if len(words) == 1 and len(per_syllable) >= 3:
            # 王小明: surname + given name written as one word (Wang Xiaoming).
            variants.append((per_syllable[0], "".join(per_syllable[1:])))
        return [v for v in variants if v]
    if script == "thai":
        name = _thai_reorder(name)
    tokens = tuple(_tokens(anyascii(name)))
    return [tokens] if tokens else []


def search_words(text: str) -> list[str]:
    """The words a name is searched by, in Latin letters, lower case, without diacritics: the
    person index's folding (Han per syllable, Thai as said) and anyascii's plain spelling
    (`zhangwei`, Thai letter by letter), each word once. Stored names and typed queries are
    folded alike, so `tran` finds `Trần` and `张伟` finds `Zhang Wei`."""
    plain = re.split(r"[^a-z0-9]+", anyascii(text).lower())
    words = [w for variant in name_variants(text) for w in variant] + plain
    return [w for w in dict.fromkeys(words) if w]


def victim_search_name(full_name: str, other_names: Iterable[str]) -> str:
    """What `Victim.search_name` holds: each word preceded by a space, so that a search for
    ` word` matches the start of a word."""
    words = dict.fromkeys(w for name in (full_name, *other_names) for w in search_words(name))
    return "".join(f" {w}" for w in words)


def fill_search_name(apps, schema_editor):
    """Existing victims get the folded names that victims.services now keeps on every write."""
    Victim = apps.get_model("victims", "Victim")
    batch = []
    for victim in Victim.objects.only("pk", "full_name", "other_names").iterator(chunk_size=1000):
        victim.search_name = victim_search_name(victim.full_name, victim.other_names)
        batch.append(victim)
        if len(batch) == 1000:
            Victim.objects.bulk_update(batch, ["search_name"])
            batch = []
    Victim.objects.bulk_update(batch, ["search_name"])


class Migration(migrations.Migration):
    dependencies = [
        ("victims", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="victim",
            name="search_name",
            field=models.TextField(
                blank=True,
                editable=False,
                help_text="The full and other names folded for search (victims.services keeps it).",
            ),
        ),
        migrations.RunPython(fill_search_name, migrations.RunPython.noop, elidable=True),
    ]
