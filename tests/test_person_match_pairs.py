"""The name table: pairs that must match and pairs that must not, each asserted through the
same profile, blocking keys and score the index uses."""

import pytest
from django.conf import settings

from persons.matching import MAX_SCORE_WITH_DIFFERENT_YEARS, profile, score


def P(name, *aliases, born=(None, None, None), nat=(), docs=()):
    return profile(
        names=[name, *aliases],
        birth=born,
        nationalities=list(nat),
        documents=[{"type": "passport", "country": c, "number": n} for c, n in docs],
    )


MUST_MATCH = [
    # diacritics and case
    ("diacritics", P("Nguyễn Văn An"), P("NGUYEN VAN AN")),
    ("reversed order", P("Nguyễn Văn An"), P("AN VAN NGUYEN")),
    ("initial", P("Nguyễn Văn An"), P("Nguyen V. An")),
    ("missing middle name", P("Nguyễn Văn An"), P("Nguyen An")),
    ("diacritics, reversed", P("Trần Thị Mai"), P("MAI THI TRAN")),
    ("đ", P("Đặng Văn Lâm"), P("Dang Van Lam")),
    (
        "diacritics + birth year",
        P("Phạm Minh Chính", born=(1958, None, None)),
        P("Pham Minh Chinh", born=(1958, None, None)),
    ),
    ("missing middle + initial", P("Lê Thị Thu Hà"), P("Le T. Ha")),
    ("hyphenated", P("Jean-Pierre Dupont"), P("Jean Pierre DUPONT")),
    ("accents", P("José Martínez"), P("Jose MARTINEZ")),
    ("german umlaut", P("Jürgen Müller"), P("Jurgen Muller")),
    ("typo", P("Nguyen Van Thanh"), P("Nguyen Van Tanh", born=(1990, 1, 1))),
    # Han characters vs pinyin
    ("han vs pinyin", P("张伟"), P("Zhang Wei")),
    ("han vs pinyin reversed", P("张伟"), P("WEI ZHANG")),
    ("han given name joined", P("王小明"), P("Wang Xiaoming")),
    ("han vs spaced pinyin", P("王小明"), P("Wang Xiao Ming")),
    (
        "han vs pinyin, same year",
        P("陈明", born=(1985, None, None)),
        P("Chen Ming", born=(1985, 3, 2)),
    ),
    ("han alias", P("Zhang Wei", "张伟"), P("张伟")),
    ("han 李娜", P("李娜"), P("Li Na")),
    # Thai script vs romanisation
    ("thai vs rtgs", P("สมชาย ใจดี"), P("Somchai Jaidee")),
    ("thai vs rtgs reversed", P("สมชาย ใจดี"), P("JAIDEE SOMCHAI")),
    ("thai spelling of a vietnamese name", P("อัน วัน เหงียน"), P("Nguyen Van An")),
    ("thai spelling, leading vowel", P("เหงียน วัน อัน"), P("AN VAN NGUYEN")),
    ("thai vs romanisation", P("ตรัน ถิ มาย"), P("Tran Thi Mai")),
    (
        "thai, same year",
        P("ธนากร ศรีสุข", born=(1992, None, None)),
        P("Thanakorn Srisuk", born=(1992, None, None)),
    ),
    # Cyrillic
    ("cyrillic", P("Иван Петров"), P("Ivan Petrov")),
    ("cyrillic, reversed", P("Иван Петров"), P("PETROV IVAN")),
    (
        "cyrillic, missing patronymic",
        P("Сергей Иванович Смирнов"),
        P("Sergei Smirnov", born=(1980, None, None), nat=("RU",)),
    ),
    ("cyrillic spelling variants", P("Юлия Тимошенко"), P("Yulia Tymoshenko")),
    ("cyrillic -iy/-y", P("Дмитрий Медведев"), P("Dmitry Medvedev")),
    ("cyrillic alias", P("Aleksandr Pushkin"), P("Александр Пушкин")),
    # Vietnamese: folding applies when one side has no diacritics
    ("vietnamese, one side folded", P("Nguyễn Văn Hùng"), P("NGUYEN VAN HUNG")),
    ("vietnamese, reversed", P("Nguyễn Thị Hương"), P("Hương Thị Nguyễn")),
    # Arabic script vs the usual English spellings
    ("arabic vs english", P("محمد عبد الله"), P("Mohammed Abdullah")),
    ("arabic vs another spelling", P("محمد عبد الله"), P("Muhammad Abdallah")),
    ("arabic, leading alif and ʿayn", P("أحمد علي"), P("Ahmed Ali")),
    ("arabic abd compound", P("عبد الرحمن"), P("Abdulrahman")),
    # Hangul vs Revised Romanization
    ("hangul vs rr, hyphen", P("김민준"), P("Kim Min-jun")),
    ("hangul vs rr, given name first", P("김민준"), P("Min-Jun Kim")),
    ("hangul vs rr, given name joined", P("김민준"), P("Kim Minjun")),
    ("hangul vs rr, other surname", P("박서연"), P("Park Seo-yeon")),
    # documents are decisive
    (
        "same passport, different spelling",
        P("Nguyen Van An", docs=[("VN", "C1234567")]),
        P("Anh Nguyen", docs=[("VN", "c 123-4567")]),
    ),
    (
        "same passport, other script",
        P("张伟", docs=[("CN", "E12345678")]),
        P("Wei Chang", docs=[("CN", "E12345678")]),
    ),
    # everything agrees
    (
        "full agreement",
        P("Nguyễn Văn An", born=(1990, 5, 17), nat=("VN",)),
        P("AN VAN NGUYEN", born=(1990, 5, 17), nat=("VN",)),
    ),
]

MUST_NOT_MATCH = [
    # the same common surname, different given names
    ("same surname", P("Nguyen Van An"), P("Nguyen Thi Hoa")),
    ("same surname 2", P("Nguyen Van An"), P("Nguyen Van Binh")),
    ("same surname 3", P("Nguyen Van An"), P("Nguyen Minh Tuan")),
    ("same surname 4", P("Tran Thi Mai"), P("Tran Van Hung")),
    ("same surname 5", P("Zhang Wei"), P("Zhang Min")),
    ("same surname han", P("张伟"), P("张敏")),
    ("same surname 6", P("Li Na"), P("Li Qiang")),
    ("same surname cyrillic", P("Иван Петров"), P("Pyotr Petrov")),
    ("same surname thai", P("สมชาย ใจดี"), P("Somsak Jaidee")),
    ("same given names, other surname", P("Nguyen Van An"), P("Tran Van An")),
    ("surname only", P("Nguyen"), P("Nguyen Van An")),
    ("different people", P("Somchai Jaidee"), P("Thanakorn Srisuk")),
    ("different people 2", P("Ivan Petrov"), P("Dmitry Medvedev")),
    ("different people 3", P("Wang Xiaoming"), P("Chen Ming")),
    # different birth years
    (
        "birth years",
        P("Nguyen Van An", born=(1990, None, None)),
        P("AN VAN NGUYEN", born=(1975, None, None)),
    ),
    ("birth years 2", P("Zhang Wei", born=(1988, 2, 1)), P("张伟", born=(1979, None, None))),
    (
        "birth years 3",
        P("Ivan Petrov", born=(1991, None, None)),
        P("Иван Петров", born=(1961, None, None)),
    ),
    (
        "birth years 4",
        P("Tran Thi Mai", born=(2001, None, None)),
        P("Trần Thị Mai", born=(1999, None, None)),
    ),
    (
        "birth years 5",
        P("Somchai Jaidee", born=(1980, None, None)),
        P("สมชาย ใจดี", born=(1970, None, None)),
    ),
    ("birth years 6", P("Li Na", born=(1982, None, None)), P("李娜", born=(1996, None, None))),
    (
        "birth years 7",
        P("Wang Xiaoming", born=(1970, None, None)),
        P("王小明", born=(2000, None, None)),
    ),
    (
        "birth years 8",
        P("Nguyen An", born=(1965, None, None)),
        P("Nguyen Van An", born=(1985, None, None)),
    ),
    (
        "birth dates differ",
        P("Nguyen Van An", born=(1990, 5, 17)),
        P("Nguyen Van An", born=(1990, 8, 3)),
    ),
    # Vietnamese, both written with diacritics: they tell names and sexes apart
    ("vietnamese, other name and sex", P("Nguyễn Văn Hùng"), P("Nguyễn Thị Hương")),
    ("vietnamese, diacritics tell names apart", P("Nguyễn Văn Hùng"), P("Nguyễn Văn Hưng")),
    ("vietnamese, hùng is not hương", P("Nguyễn Hùng"), P("Nguyễn Hương")),
    (
        "vietnamese, an alias each",
        P("Nguyễn Văn Hùng", "Hùng Nguyễn"),
        P("Nguyễn Thị Hương", "Hương Nguyễn"),
    ),
    ("vietnamese, văn and thị", P("Trần Văn Mai"), P("Trần Thị Mai")),
    # scripts: a near spelling of another name
    ("arabic abdullah is not ali", P("محمد عبد الله"), P("Mohammed Ali")),
    ("hangul, other given name", P("김서연"), P("Kim Min-jun")),
    # different document numbers
    (
        "documents",
        P("Nguyen Van An", docs=[("VN", "C1234567")]),
        P("Nguyen Van An", docs=[("VN", "C7654321")]),
    ),
    (
        "documents 2",
        P("Zhang Wei", docs=[("CN", "E11111111")]),
        P("张伟", docs=[("CN", "E22222222")]),
    ),
    (
        "documents 3",
        P("Ivan Petrov", docs=[("RU", "751234567")]),
        P("Иван Петров", docs=[("RU", "759999999")]),
    ),
    (
        "documents 4",
        P("Tran Thi Mai", docs=[("VN", "B0001112")]),
        P("TRAN THI MAI", docs=[("VN", "B9998887")]),
    ),
    (
        "documents 5",
        P("Somchai Jaidee", docs=[("TH", "AA1234567")]),
        P("สมชาย ใจดี", docs=[("TH", "AB7654321")]),
    ),
    (
        "documents and years",
        P("Li Na", born=(1982, None, None), docs=[("CN", "G1000001")]),
        P("Li Na", born=(1990, None, None), docs=[("CN", "G2000002")]),
    ),
    (
        "nationality and years",
        P("Nguyen Van An", born=(1990, None, None), nat=("VN",)),
        P("Nguyen Van An", born=(1992, None, None), nat=("US",)),
    ),
    (
        "different nationality, similar name",
        P("Nguyen Van An", nat=("VN",)),
        P("Nguyen Van Anh", nat=("US",)),
    ),
]


def test_the_tables_are_big_enough():
    assert len(MUST_MATCH) >= 30
    assert len(MUST_NOT_MATCH) >= 30


@pytest.mark.parametrize(("label", "a", "b"), MUST_MATCH, ids=[m[0] for m in MUST_MATCH])
def test_must_match(label, a, b):
    result = score(a, b)
    assert result.value >= settings.FORTRESS_PERSON_MATCH_THRESHOLD, result
    # Blocking finds the pair: they share a key (a name pair or the document).
    assert a.keys() & b.keys()
    # The score is symmetric, so it does not matter which side is matched first.
    assert score(b, a) == result


@pytest.mark.parametrize(("label", "a", "b"), MUST_NOT_MATCH, ids=[m[0] for m in MUST_NOT_MATCH])
def test_must_not_match(label, a, b):
    result = score(a, b)
    assert result.value < settings.FORTRESS_PERSON_MATCH_THRESHOLD, result
    assert score(b, a) == result


def test_explanation_names_what_agreed():
    result = score(
        P("Nguyễn Văn An", born=(1990, None, None), nat=("VN",)),
        P("AN VAN NGUYEN", born=(1990, None, None), nat=("VN",)),
    )
    assert result.explanation == "names 100/100, same birth year, same nationality"
    assert result.value == 100


def test_different_birth_years_and_documents_are_explained():
    result = score(
        P("Nguyen Van An", born=(1990, None, None), docs=[("VN", "C1000001")]),
        P("Nguyen Van An", born=(1970, None, None), docs=[("VN", "C2000002")]),
    )
    assert "different birth years" in result.explanation
    assert "different document numbers" in result.explanation


@pytest.mark.parametrize(("label", "a", "b"), MUST_MATCH, ids=[m[0] for m in MUST_MATCH])
def test_different_birth_years_never_reach_the_threshold(label, a, b):
    """What lets blocking read candidates of the same birth year only."""
    a.birth_year, b.birth_year = 1950, 1990
    a.birth_month = a.birth_day = b.birth_month = b.birth_day = None
    a.nationalities = b.nationalities = ("VN",)
    if set(a.documents) & set(b.documents):
        a.documents = b.documents = ()
    assert score(a, b).value <= MAX_SCORE_WITH_DIFFERENT_YEARS
    assert settings.FORTRESS_PERSON_MATCH_THRESHOLD > MAX_SCORE_WITH_DIFFERENT_YEARS


def test_the_names_prefilter_never_bounds_below_the_exact_name_score():
    """persons/blocks.py skips pairs by an upper bound of the name score: it must never be
    below the score itself, or a match would be lost (every pair of the table, both ways)."""
    from persons.blocks import MARGIN, name_bounds
    from persons.matching import name_score

    profiles = [p for _, a, b in MUST_MATCH + MUST_NOT_MATCH for p in (a, b)]
    profiles += [P("V"), P("Nguyen V. T."), P("Tran"), P("Somchai"), P("")]
    sigs = [tuple(p.variants) for p in profiles]
    bounds = name_bounds(sigs, sigs)
    for i, a in enumerate(profiles):
        for j, b in enumerate(profiles):
            assert bounds[i, j] + MARGIN >= name_score(a, b)[0], (a.variants, b.variants)
    # And it does prune: most of these pairs are far below any threshold.
    assert (bounds < 50).sum() > len(profiles) ** 2 / 2


def test_vietnamese_middle_names_of_different_sexes_are_a_contra_indication():
    """With both names written with diacritics, Văn (a man) against Thị (a woman) costs
    matching.DIFFERENT_SEX and says so; without diacritics on one side it is not read."""
    from persons.matching import DIFFERENT_SEX

    marked = score(P("Nguyễn Văn An", "An Nguyễn"), P("Nguyễn Thị An", "An Nguyễn"))
    assert "different sexes (Văn / Thị)" in marked.explanation
    assert marked.value == 100 - DIFFERENT_SEX
    folded = score(P("Nguyễn Văn An", "An Nguyễn"), P("NGUYEN THI AN", "AN NGUYEN"))
    assert "different sexes" not in folded.explanation
