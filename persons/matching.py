"""Names in any script to comparable forms, blocking keys, and the score of a pair.

Pure functions, no database: the index (persons/index.py) stores what `profile()` returns,
and matching scores the candidates its keys find with `score()`.

- Every name (and alias) is transliterated to Latin with `anyascii`, case and diacritics
  folded, split into tokens; token order never matters. Han characters become one token per
  syllable (`张伟` -> `zhang wei`), plus a variant with the given name joined (`zhang xiaoming`).
- Thai script is written without the vowel order of speech (a leading vowel precedes its
  consonant) and anyascii transliterates it letter by letter; `_thai_reorder` puts leading
  vowels after their consonant and drops silent letters first, and names from such scripts
  are also compared on a consonant skeleton (`_skeleton`), which is what survives between a
  Thai spelling and a Latin romanisation.
- Vietnamese: when both names are written with Vietnamese diacritics, the diacritics tell names
  apart (Hùng is not Hương, nor Hưng) and Văn / Thị mark a man / a woman; folding applies only
  where one side has no diacritics (`NGUYEN VAN HUNG` matches `Nguyễn Văn Hùng`).
- Arabic script: anyascii writes the consonants; a word-initial alif or ʿayn is written as a
  vowel and `Abd` joins the word after it (`عبد الله` -> `abdllh`), so the consonant skeleton
  meets the usual English spellings (`Abdullah`, `Abdallah`).
- Hangul: one token per syllable, the given name also joined, and the surname also in its
  usual spelling (`김민준` -> `gim min jun`, `kim minjun`...), meeting Revised Romanization
  with a hyphen in the given name (`Kim Min-jun`).
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
    the first other script met: `han`, `thai`, `cyrillic`, `hangul`, `arabic` or `other`."""
    for ch in text:
        if not ch.isalpha():
            continue
        if _is_han(ch):
            return "han"
        if "\u0e00" <= ch <= "\u0e7f":
            return "thai"
        if "\u0400" <= ch <= "\u04ff":
            return "cyrillic"
        if "\uac00" <= ch <= "\ud7a3":
            return "hangul"
        if "\u0600" <= ch <= "\u06ff":
            return "arabic"
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
    if script == "hangul":
        return _hangul_variants(name)
    if script == "thai":
        name = _thai_reorder(name)
    if script == "arabic":
        return _arabic_variants(name)
    tokens = tuple(_tokens(anyascii(name)))
    return [tokens] if tokens else []


def _is_hangul(ch: str) -> bool:
    return "\uac00" <= ch <= "\ud7a3"


# The usual Latin spellings of the commonest Korean surnames, beside Revised Romanization's
# (which anyascii writes: 김 gim, 이 i, 박 bak).
_KOREAN_SURNAMES = {
    "김": ("kim",),
    "이": ("lee", "yi", "rhee"),
    "박": ("park", "pak"),
    "최": ("choi",),
    "정": ("jung", "chung"),
    "강": ("kang",),
    "조": ("cho", "jo"),
    "윤": ("yoon", "yun"),
    "장": ("jang", "chang"),
    "임": ("lim", "im"),
    "한": ("han",),
    "오": ("oh",),
    "서": ("seo", "suh"),
    "신": ("shin",),
    "권": ("kwon",),
    "황": ("hwang",),
    "안": ("ahn", "an"),
    "송": ("song",),
    "류": ("ryu", "yoo"),
    "유": ("yoo", "yu"),
    "전": ("jeon", "jun", "chun"),
    "홍": ("hong",),
    "고": ("ko", "koh"),
    "문": ("moon", "mun"),
    "양": ("yang",),
    "손": ("son", "sohn"),
    "배": ("bae",),
    "백": ("baek", "paik"),
    "허": ("heo", "huh"),
    "노": ("noh", "roh"),
    "구": ("koo", "ku"),
    "곽": ("kwak",),
    "성": ("sung",),
    "차": ("cha",),
    "주": ("joo", "ju"),
    "우": ("woo",),
}


def _hangul_variants(name: str) -> list[tuple[str, ...]]:
    """One token per syllable; a one-word name (the Korean way: surname first, then the given
    name) also as surname + given name joined; the surname also in its usual spellings."""
    words = [[anyascii(ch) if _is_hangul(ch) else ch for ch in part] for part in name.split()]
    per_syllable = tuple(_tokens(" ".join(" ".join(w) for w in words)))
    variants = [per_syllable]
    if len(words) == 1 and len(per_syllable) >= 2:
        variants.append((per_syllable[0], "".join(per_syllable[1:])))
    first = name.split()[0][:1] if name.split() else ""
    for spelling in _KOREAN_SURNAMES.get(first, ()) if len(words) == 1 else ():
        variants += [(spelling, *v[1:]) for v in list(variants[:2])]
    return [v for v in dict.fromkeys(variants) if v]


_ARABIC_INITIAL_VOWELS = "اأإآع"  # alif (with or without hamza, madda) and ʿayn
_ARABIC_ABD = "عبد"


def _arabic_variants(name: str) -> list[tuple[str, ...]]:
    """anyascii writes consonants; a word-initial alif or ʿayn is a vowel in every Latin
    spelling (Ahmed, Ali, Ibrahim), and `Abd` is one name with the word after it (Abdullah,
    Abdelrahman): one token (the parts apart, `allh` would read as Ali)."""
    words: list[str] = []
    for word in name.split():
        if words and words[-1] == _ARABIC_ABD:
            words[-1] += word
        else:
            words.append(word)
    latin = " ".join(
        "a" + anyascii(w[1:]) if w[:1] in _ARABIC_INITIAL_VOWELS else anyascii(w) for w in words
    )
    tokens = tuple(_tokens(latin))
    return [tokens] if tokens else []


# Letters that exist only in Vietnamese among the Latin alphabets (ơ, ư, đ), and the marks
# only Vietnamese puts on vowels (the dot below, the hook above, a tone over a circumflex,
# a breve or a horn).
_VIETNAMESE_LETTERS = set("ơưđăƠƯĐĂ")
_VIETNAMESE_MARKS = {"\u0323", "\u0309", "\u031b"}
_SEX_MARKERS = {"văn": "male", "thị": "female"}


def is_vietnamese(name: str) -> bool:
    """Written with Vietnamese diacritics (not merely with accents another language uses)."""
    for ch in unicodedata.normalize("NFC", name):
        decomposed = unicodedata.normalize("NFD", ch)
        if ch in _VIETNAMESE_LETTERS or _VIETNAMESE_MARKS & set(decomposed):
            return True
        if len(decomposed) >= 3 and decomposed[0].lower() in "aeiouy":
            return True  # a tone over a circumflex or a breve: ễ, ấ, ặ...
        if decomposed[1:] == "\u0303" and decomposed[0].lower() in "eiuy":
            return True  # ẽ, ĩ, ũ, ỹ
    return False


def marked_tokens(name: str) -> tuple[str, ...]:
    """The words of a name written with Vietnamese diacritics, lower case and with their
    diacritics, one for each token of its variant (`Nguyễn Văn Hùng` -> nguyễn, văn, hùng);
    () when the name is not written so."""
    name = unicodedata.normalize("NFC", name or "").strip()
    if script_of(name) != "latin" or not is_vietnamese(name):
        return ()
    marked: list[str] = []
    for word in re.split(r"[\W_]+", name.lower()):
        folded = _tokens(anyascii(word))
        if not folded:
            continue
        if len(folded) != 1:
            return ()  # no one-to-one reading: compare folded only
        marked.append(word)
    return tuple(marked)


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
    # The tokens with their Vietnamese diacritics, one each; () when not written so.
    marked: tuple[str, ...] = ()

    @property
    def sex(self) -> str:
        """`male` or `female` when a Vietnamese middle name (Văn, Thị) says so, else ""."""
        found = {_SEX_MARKERS[t] for t in self.marked if t in _SEX_MARKERS}
        return found.pop() if len(found) == 1 else ""

    @property
    def skeletons(self) -> tuple[str, ...]:
        return tuple(skeleton(t) for t in self.tokens)


def _variant_json(variant: Variant) -> dict:
    data: dict = {"tokens": list(variant.tokens), "phonetic": variant.phonetic}
    if variant.marked:  # absent otherwise: the fingerprints of other names stay as they were
        data["marked"] = list(variant.marked)
    return data


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
            "variants": [_variant_json(v) for v in self.variants],
            "birth": [self.birth_year, self.birth_month, self.birth_day],
            "nationalities": list(self.nationalities),
            "documents": list(self.documents),
        }

    @classmethod
    def from_json(cls, data: dict) -> Profile:
        year, month, day = data["birth"]
        return cls(
            variants=[
                Variant(tuple(v["tokens"]), v["phonetic"], tuple(v.get("marked", ())))
                for v in data["variants"]
            ],
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
        marked = marked_tokens(name)
        for tokens in name_variants(name):
            variant = Variant(tokens, phonetic, marked if len(marked) == len(tokens) else ())
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

# The weights of the score, read by the prefilter (persons/blocks.py) too.
INITIAL_SCORE = 90.0  # an initial against a name it starts: "V." for "Van"
ONE_TOKEN_FACTOR = 0.6  # a one-token name against a longer one counts little
MISSING_TOKEN_COST = 5  # each token of the longer name the shorter one lacks
SKELETON_FACTOR = 0.92  # skeletons lose the vowels: never quite as good as the spelling
# Two Vietnamese tokens, both with their diacritics, that differ only there (Hùng, Hương,
# Hưng) are different names: at most this.
MARKED_MISMATCH_SCORE = 60.0
SAME_DATE_OF_BIRTH = 10
SAME_BIRTH_YEAR = 5
SAME_NATIONALITY = 5
DIFFERENT_BIRTH_YEAR = 40
DIFFERENT_BIRTH_MONTH = 30
DIFFERENT_BIRTH_DATE = 25
DIFFERENT_NATIONALITIES = 10
DIFFERENT_DOCUMENT = 40
DIFFERENT_SEX = 40  # Văn against Thị, both written with diacritics
# The most the birth date and the nationality add to the names.
MAX_BONUS = max(SAME_DATE_OF_BIRTH, SAME_BIRTH_YEAR) + SAME_NATIONALITY


@lru_cache(maxsize=20_000)
def _token_score(a: str, b: str) -> float:
    if a == b:
        return 100.0
    if len(a) == 1 or len(b) == 1:
        return INITIAL_SCORE if a[0] == b[0] else 0.0
    return ratio(a, b)


def _marked_score(score: float, a: str, b: str, marked_a: str, marked_b: str) -> float:
    """Two tokens both written with their diacritics (they differ from their folding) and
    written differently are different names, however close their folding."""
    if marked_a != a and marked_b != b and marked_a != marked_b:
        return min(score, MARKED_MISMATCH_SCORE)
    return score


@lru_cache(maxsize=50_000)  # names repeat: the same pairs of names are scored again and again
def _align(
    left: tuple[str, ...],
    right: tuple[str, ...],
    left_marked: tuple[str, ...] = (),
    right_marked: tuple[str, ...] = (),
) -> float:
    """Token order ignored: each token of the shorter name takes its best partner in the other
    (greedy, best pairs first); half the mean, half the worst pair, so one wholly different
    given name sinks the score. Tokens missing from the shorter name cost 5 points each; a
    one-token name against a longer one counts little. With both sides' Vietnamese
    diacritics (`*_marked`), tokens differing there score low."""
    if not left or not right:
        return 0.0
    if (len(left), left) > (len(right), right):
        # symmetric: score(a, b) == score(b, a)
        left, right, left_marked, right_marked = right, left, right_marked, left_marked
    marked = bool(left_marked and right_marked)

    def pair(i: int, j: int) -> float:
        s = _token_score(left[i], right[j])
        if marked:
            s = _marked_score(s, left[i], right[j], left_marked[i], right_marked[j])
        return s

    pairs = sorted(
        ((pair(i, j), i, j) for i in range(len(left)) for j in range(len(right))),
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
        value *= ONE_TOKEN_FACTOR
    return max(0.0, value - MISSING_TOKEN_COST * (len(right) - len(left)))


def name_score(a: Profile, b: Profile) -> tuple[int, bool]:
    """The best score between any name variants of the two (0-100), and whether it came from
    the phonetic skeleton (a script with loose romanisation)."""
    best, phonetic = 0.0, False
    for va in a.variants:
        for vb in b.variants:
            s = _align(va.tokens, vb.tokens, va.marked, vb.marked)
            if s > best:
                best, phonetic = s, False
            if va.phonetic or vb.phonetic:
                s = SKELETON_FACTOR * _align(va.skeletons, vb.skeletons)
                if s > best:
                    best, phonetic = s, True
    return round(best), phonetic


def _sexes(profile: Profile) -> set[str]:
    return {v.sex for v in profile.variants if v.sex}


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
MAX_SCORE_WITH_DIFFERENT_YEARS = 100 - DIFFERENT_BIRTH_YEAR + SAME_NATIONALITY


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
        value -= DIFFERENT_DOCUMENT
        parts.append("different document numbers")
    sexes_a, sexes_b = _sexes(a), _sexes(b)
    if sexes_a and sexes_b and not sexes_a & sexes_b:
        value -= DIFFERENT_SEX
        parts.append("different sexes (Văn / Thị)")
    if a.birth_year and b.birth_year:
        if a.birth_year != b.birth_year:
            value -= DIFFERENT_BIRTH_YEAR
            parts.append("different birth years")
        elif a.birth_month and b.birth_month and a.birth_month != b.birth_month:
            value -= DIFFERENT_BIRTH_MONTH
            parts.append("different birth months")
        elif a.birth_day and b.birth_day and a.birth_day != b.birth_day:
            value -= DIFFERENT_BIRTH_DATE
            parts.append("different birth dates")
        elif a.birth_day and b.birth_day:
            value += SAME_DATE_OF_BIRTH
            parts.append("same date of birth")
        else:
            value += SAME_BIRTH_YEAR
            parts.append("same birth year")
    if a.nationalities and b.nationalities:
        if set(a.nationalities) & set(b.nationalities):
            value += SAME_NATIONALITY
            parts.append("same nationality")
        else:
            value -= DIFFERENT_NATIONALITIES
            parts.append("different nationalities")
    return Score(max(0, min(100, value)), ", ".join(parts))
