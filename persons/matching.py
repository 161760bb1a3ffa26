"""Names in any script to comparable forms, blocking keys, and the score of a pair.

Pure functions, no database: the index (persons/services.py) stores what `profile()` returns,
and matching scores the candidates its keys find with `score()`.

- Every name (and alias) is transliterated to Latin with `anyascii`, case and diacritics
  folded, split into tokens; token order never matters. Han characters become one token per
  syllable (`张伟` -> `zhang wei`), plus a variant with the given name joined (`zhang xiaoming`).
- Thai script is written without the vowel order of speech (a leading vowel precedes its
  consonant) and anyascii transliterates it letter by letter; `_thai_reorder` puts leading
  vowels after their consonant and drops silent letters first, and names from such scripts
  are also compared on a consonant skeleton (`_skeleton`), which is what survives between a
  Thai spelling and a Latin romanisation.
- Blocking keys: for each name variant, every pair of token skeletons (sorted), so a missing
  middle name, an initial or a reversed order still share a key; a single-token name gives its
  skeleton; each identity document gives a `doc:` key (an exact document match is decisive).
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations

from anyascii import anyascii
from rapidfuzz.fuzz import ratio

from indicators.normalize.document import document_key

# A blocking key made of an identity document starts with this (never a common key).
DOC_KEY = "doc:"

# --- scripts and transliteration ----------------------------------------------------------

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


# --- phonetic skeleton --------------------------------------------------------------------

# Romanisation variants folded together, in this order. Upper-case results are final: no
# later (lower-case) rule can rewrite them.
_FOLDS = [
    ("tch", "C"),
    ("ng", "N"),
    ("ch", "C"),
    ("zh", "C"),
    ("ts", "C"),
    ("tz", "C"),
    ("j", "C"),
    ("q", "C"),
    ("sh", "s"),
    ("th", "t"),
    ("ph", "f"),
    ("kh", "k"),
    ("gh", "g"),
    ("dh", "d"),
    ("bh", "b"),
    ("ck", "k"),
    ("c", "k"),
    ("x", "s"),
    ("z", "s"),
]
_DROP = set("aeiouyhwv")


def skeleton(token: str) -> str:
    """The consonants of a token, with romanisation variants folded together (ch/j/zh, th/t,
    ng, v/w...) and vowels, h, w and y dropped after the first letter: `somchai` and Thai
    `smchay` both give `smC`, `van` and Thai `wan` both `wn`."""
    t = token.lower()
    if t.endswith("rn"):  # Thai-style romanisation: -korn, -porn for a final n
        t = t[:-2] + "n"
    for src, dst in _FOLDS:
        t = t.replace(src, dst)
    out: list[str] = []
    first = t[:1]
    if first in "aeiou":
        out.append("A")  # a leading vowel is kept (An, Oanh), as one sound: any vowel
    elif first in "hwy":
        out.append(first)
    elif first == "v":
        out.append("w")
    for ch in t[1:] if out else t:
        if ch in _DROP or not ch.isalnum():
            continue
        if out and out[-1] == ch:
            continue
        out.append(ch)
    return "".join(out) or token[:1]


# Name tokens so frequent that a pair of two of them identifies nobody: the commonest
# Vietnamese family and middle names, Chinese and Korean surnames, Arabic name particles.
# A fixed list (not counted from the data), so keys depend on the person alone and matching
# the same persons in any order gives the same candidates; changing it needs a rebuild.
COMMON_NAME_TOKENS = frozenset(
    {
        "nguyen",
        "tran",
        "le",
        "pham",
        "hoang",
        "huynh",
        "phan",
        "vu",
        "vo",
        "dang",
        "bui",
        "do",
        "ho",
        "ngo",
        "duong",
        "ly",
        "van",
        "thi",
        "duc",
        "minh",
        "huu",
        "wang",
        "li",
        "zhang",
        "liu",
        "chen",
        "yang",
        "huang",
        "zhao",
        "wu",
        "zhou",
        "xu",
        "sun",
        "ma",
        "zhu",
        "hu",
        "guo",
        "he",
        "lin",
        "kim",
        "lee",
        "park",
        "choi",
        "jung",
        "muhammad",
        "mohammed",
        "mohamed",
        "ahmed",
        "ali",
        "bin",
        "binti",
        "al",
        "abdul",
    }
)


# --- the indexed profile of a person ------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    tokens: tuple[str, ...]
    phonetic: bool  # from a script whose romanisation varies: compare skeletons too

    @property
    def skeletons(self) -> tuple[str, ...]:
        return tuple(skeleton(t) for t in self.tokens)


@dataclass
class Profile:
    variants: list[Variant] = field(default_factory=list)
    birth_year: int | None = None
    birth_month: int | None = None
    birth_day: int | None = None
    nationalities: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()  # document keys, "CC:NUMBER", country may be empty

    def as_json(self) -> dict:
        return {
            "variants": [{"tokens": list(v.tokens), "phonetic": v.phonetic} for v in self.variants],
            "birth": [self.birth_year, self.birth_month, self.birth_day],
            "nationalities": list(self.nationalities),
            "documents": list(self.documents),
        }

    @classmethod
    def from_json(cls, data: dict) -> Profile:
        year, month, day = data["birth"]
        return cls(
            variants=[Variant(tuple(v["tokens"]), v["phonetic"]) for v in data["variants"]],
            birth_year=year,
            birth_month=month,
            birth_day=day,
            nationalities=tuple(data["nationalities"]),
            documents=tuple(data["documents"]),
        )

    def fingerprint(self) -> str:
        """Changes exactly when something matching depends on changes."""
        payload = json.dumps(self.as_json(), sort_keys=True, ensure_ascii=True)
        return hashlib.sha256(payload.encode()).hexdigest()

    def keys(self) -> set[str]:
        keys: set[str] = set()
        for variant in self.variants:
            tokens = {skeleton(t): t for t in sorted(variant.tokens)}
            sk = sorted(tokens)
            if len(sk) == 1:
                keys.add(f"n:{sk[0]}")
            pairs = list(combinations(sk, 2))
            # A pair of two very common tokens (Nguyen Van, Tran Thi) would block a tenth of
            # the index together; such a pair is a key only when the name has nothing else.
            rare = [
                (a, b)
                for a, b in pairs
                if tokens[a] not in COMMON_NAME_TOKENS or tokens[b] not in COMMON_NAME_TOKENS
            ]
            keys.update(f"p:{a}|{b}" for a, b in rare or pairs)
        keys.update(f"{DOC_KEY}{d}" for d in self.documents if len(d.split(":", 1)[1]) >= 5)
        return {k[:120] for k in keys}


def profile(
    *,
    names: list[str],
    birth: tuple[int | None, int | None, int | None] = (None, None, None),
    nationalities: list[str] | tuple[str, ...] = (),
    documents: list[dict] | tuple = (),
) -> Profile:
    variants: list[Variant] = []
    for name in names:
        phonetic = script_of(name or "") not in ("latin", "cyrillic", "han")
        for tokens in name_variants(name):
            variant = Variant(tokens, phonetic)
            if variant not in variants:
                variants.append(variant)
    keys = (document_key(doc) for doc in documents if isinstance(doc, dict))
    docs = sorted({key for key in keys if key})
    return Profile(
        variants=variants,
        birth_year=birth[0],
        birth_month=birth[1] if birth[0] else None,
        birth_day=birth[2] if birth[0] and birth[1] else None,
        nationalities=tuple(sorted({str(n).upper() for n in nationalities if n})),
        documents=tuple(docs),
    )


# --- scoring ------------------------------------------------------------------------------


@lru_cache(maxsize=20_000)
def _token_score(a: str, b: str) -> float:
    if a == b:
        return 100.0
    if len(a) == 1 or len(b) == 1:  # an initial: "V." for "Van"
        return 90.0 if a[0] == b[0] else 0.0
    return ratio(a, b)


@lru_cache(maxsize=50_000)  # names repeat: the same pairs of names are scored again and again
def _align(left: tuple[str, ...], right: tuple[str, ...]) -> float:
    """Token order ignored: each token of the shorter name takes its best partner in the other
    (greedy, best pairs first); half the mean, half the worst pair, so one wholly different
    given name sinks the score. Tokens missing from the shorter name cost 5 points each; a
    one-token name against a longer one counts little."""
    if not left or not right:
        return 0.0
    if (len(left), left) > (len(right), right):
        left, right = right, left  # symmetric: score(a, b) == score(b, a)
    pairs = sorted(
        ((_token_score(x, y), i, j) for i, x in enumerate(left) for j, y in enumerate(right)),
        key=lambda p: (-p[0], p[1], p[2]),
    )
    used_l: set[int] = set()
    used_r: set[int] = set()
    scores: list[float] = []
    for s, i, j in pairs:
        if i in used_l or j in used_r:
            continue
        used_l.add(i)
        used_r.add(j)
        scores.append(s)
    value = (sum(scores) / len(scores) + min(scores)) / 2
    if len(left) == 1 and len(right) > 1:
        value *= 0.6
    return max(0.0, value - 5 * (len(right) - len(left)))


def name_score(a: Profile, b: Profile) -> tuple[int, bool]:
    """The best score between any name variants of the two (0-100), and whether it came from
    the phonetic skeleton (a script with loose romanisation)."""
    best, phonetic = 0.0, False
    for va in a.variants:
        for vb in b.variants:
            s = _align(va.tokens, vb.tokens)
            if s > best:
                best, phonetic = s, False
            if va.phonetic or vb.phonetic:
                # Skeletons lose the vowels: never quite as good as the same spelling.
                s = 0.92 * _align(va.skeletons, vb.skeletons)
                if s > best:
                    best, phonetic = s, True
    return round(best), phonetic


@dataclass(frozen=True)
class Score:
    value: int
    explanation: str


def _doc_numbers(docs: tuple[str, ...]) -> dict[str, set[str]]:
    by_country: dict[str, set[str]] = {}
    for doc in docs:
        country, number = doc.split(":", 1)
        by_country.setdefault(country, set()).add(number)
    return by_country


# The best score two persons born in different known years can get (names 100, nationality).
MAX_SCORE_WITH_DIFFERENT_YEARS = 100 - 40 + 5


def score(a: Profile, b: Profile) -> Score:
    """One score (0-100) for two persons, with what it rests on. Symmetric."""
    names, phonetic = name_score(a, b)
    parts = [f"names {names}/100" + (" (phonetic)" if phonetic else "")]
    value = names
    shared_docs = set(a.documents) & set(b.documents)
    if shared_docs:
        return Score(100, "same identity document, " + ", ".join(parts))
    docs_a, docs_b = _doc_numbers(a.documents), _doc_numbers(b.documents)
    if any(c and c in docs_b for c in docs_a):
        value -= 40
        parts.append("different document numbers")
    if a.birth_year and b.birth_year:
        if a.birth_year != b.birth_year:
            value -= 40
            parts.append("different birth years")
        elif a.birth_month and b.birth_month and a.birth_month != b.birth_month:
            value -= 30
            parts.append("different birth months")
        elif a.birth_day and b.birth_day and a.birth_day != b.birth_day:
            value -= 25
            parts.append("different birth dates")
        elif a.birth_day and b.birth_day:
            value += 10
            parts.append("same date of birth")
        else:
            value += 5
            parts.append("same birth year")
    if a.nationalities and b.nationalities:
        if set(a.nationalities) & set(b.nationalities):
            value += 5
            parts.append("same nationality")
        else:
            value -= 10
            parts.append("different nationalities")
    return Score(max(0, min(100, value)), ", ".join(parts))
